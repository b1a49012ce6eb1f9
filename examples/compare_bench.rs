//! Benchmark helper for benches/compare.sh: how long comparing reports
//! takes against only reading them.
//!
//! `compare_bench pair DIR POINTS` writes two synthetic reports of POINTS
//! test points each (100 scripts; the second renumbered, with 1% of points
//! flipped either way, some removed and added, YAML diagnostics on
//! failures) and times, best of 7 in this one process: reading both, and
//! reading both + comparing + rendering the text diff (what `tck compare`
//! does). Prints both and the ratio.
//! `compare_bench matrix DIR REPORTS POINTS` writes REPORTS reports and
//! times reading them all + comparing + rendering the text matrix.
//! `compare_bench write DIR REPORTS POINTS` only writes the reports (for
//! timing the `tck compare` command itself).

use std::path::{Path, PathBuf};
use std::time::Instant;
use tck::compare::render::{self, RenderOptions};
use tck::compare::{compare, Input, Options};
use tck::report::model::*;
use tck::tap::model::{Directive, Plan, PointOutcome};
use tck::yaml::Yaml;

const SCRIPTS: usize = 100;

/// Report `variant` of a suite of `points` points: variant 0 is the
/// baseline; others renumber every script (one new point first), flip
/// about 1% of points each way, drop a few and add a few, all depending
/// on the variant so reports differ from each other.
fn synthetic(points: usize, variant: usize) -> Report {
    let per = (points / SCRIPTS).max(1);
    let mut scripts = Vec::with_capacity(SCRIPTS);
    for s in 0..SCRIPTS {
        let mut tests = Vec::with_capacity(per + 2);
        if variant > 0 {
            tests.push(point(
                1,
                &format!("new check in variant {variant}"),
                PointOutcome::Pass,
            ));
        }
        for p in 0..per {
            let i = s * per + p;
            if variant > 0 && (i + variant) % 211 == 0 {
                continue; // removed in this variant
            }
            let base_fail = i % 100 == 7;
            let flipped = variant > 0 && (i * 7 + variant * 13) % 100 == 0;
            let outcome = match (base_fail, flipped) {
                (true, false) | (false, true) => PointOutcome::Fail,
                _ if i % 250 == 3 => PointOutcome::Skip,
                _ if i % 500 == 11 => PointOutcome::Todo,
                _ => PointOutcome::Pass,
            };
            let n = tests.len() as u64 + 1;
            let mut t = point(
                n,
                &format!("domain tck-w{s}-object{p} by name and UUID agrees"),
                outcome,
            );
            if outcome == PointOutcome::Fail {
                t.yaml = Some(Yaml::Map(vec![
                    ("got".into(), Yaml::Str("running".into())),
                    ("expected".into(), Yaml::Str("shut off".into())),
                    ("code".into(), Yaml::Int(55)),
                ]));
            }
            tests.push(t);
        }
        let fails = tests
            .iter()
            .filter(|t| t.outcome == PointOutcome::Fail)
            .count();
        let status = if fails > 0 {
            ScriptStatus::Fail
        } else {
            ScriptStatus::Pass
        };
        let mut r = ScriptResult::without_output(
            &format!("area{:02}/{s:03}-generated", s % 10),
            "generated",
            status,
            &if fails > 0 {
                format!("{fails} of {} test points failed", tests.len())
            } else {
                String::new()
            },
        );
        r.exit = Exit::Code { code: 0 };
        r.plan = Some(Plan {
            start: 1,
            end: tests.len() as u64,
            skip_reason: None,
        });
        r.counts.total = tests.len() as u64;
        r.tests = tests;
        scripts.push(r);
    }
    Report {
        schema_version: SCHEMA_VERSION,
        environment: Environment {
            driver: "QEMU".into(),
            hypervisor_version: format!("10.{variant}.0"),
            libvirt_daemon_version: "11.3.0".into(),
            os_id: "debian".into(),
            os_version: "12".into(),
            arch: "x86_64".into(),
            ..Environment::default()
        },
        scripts,
        ..Report::default()
    }
}

fn point(n: u64, desc: &str, outcome: PointOutcome) -> TestResult {
    let directive = match outcome {
        PointOutcome::Skip => Some(Directive::Skip),
        PointOutcome::Todo => Some(Directive::Todo),
        _ => None,
    };
    TestResult {
        number: n,
        description: desc.to_string(),
        outcome,
        directive,
        reason: directive.map(|_| "unsupported by driver".to_string()),
        yaml: None,
        identity: desc.to_string(),
        subtest: None,
        mask: None,
    }
}

fn write(dir: &Path, reports: usize, points: usize) -> Vec<PathBuf> {
    (0..reports)
        .map(|v| {
            let p = dir.join(format!("r{v:02}.xml"));
            tck::report::xml::write(&synthetic(points, v), &p).expect("write report");
            p
        })
        .collect()
}

/// Best wall time of `n` calls; what `f` returns is dropped after the clock
/// stops.
fn best<T, F: FnMut() -> T>(n: usize, mut f: F) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        drop(std::hint::black_box(v));
    }
    best
}

fn read_all(paths: &[PathBuf]) -> Vec<Report> {
    paths
        .iter()
        .map(|p| tck::report::xml::read(p).expect("read report"))
        .collect()
}

/// Read, compare and render the text, as `tck compare` does; returns the
/// output's length (so nothing is optimised away) and the regressions.
fn compare_all(paths: &[PathBuf]) -> (usize, u64) {
    let reports = read_all(paths);
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let inputs: Vec<Input<'_>> = reports
        .iter()
        .zip(&names)
        .map(|(report, source)| Input { report, source })
        .collect();
    let cmp = compare(&inputs, &Options::default());
    let text = render::text(&cmp, RenderOptions::default());
    (text.len(), cmp.regressions())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let dir = PathBuf::from(args.get(2).map(String::as_str).unwrap_or("."));
    match args.get(1).map(String::as_str) {
        Some("pair") => {
            let points = arg(3, 100_000);
            let paths = write(&dir, 2, points);
            let (_, regressions) = compare_all(&paths);
            let read = best(7, || read_all(&paths));
            let cmp = best(7, || compare_all(&paths));
            println!(
                "pair of {points} points ({regressions} regressions): read both {:.1} ms, read + compare + text {:.1} ms, ratio {:.2} (target <= 3)",
                read * 1e3,
                cmp * 1e3,
                cmp / read
            );
        }
        Some("matrix") => {
            let reports = arg(3, 20);
            let points = arg(4, 10_000);
            let paths = write(&dir, reports, points);
            let t = best(3, || compare_all(&paths));
            let read = best(3, || read_all(&paths));
            println!(
                "matrix of {reports} reports x {points} points: read {:.0} ms, read + compare + text {:.0} ms (target < 5000 ms)",
                read * 1e3,
                t * 1e3
            );
        }
        Some("write") => {
            let paths = write(&dir, arg(3, 2), arg(4, 100_000));
            for p in paths {
                println!("{}", p.display());
            }
        }
        _ => {
            eprintln!("usage: compare_bench pair DIR [POINTS] | matrix DIR [REPORTS POINTS] | write DIR REPORTS POINTS");
            std::process::exit(2);
        }
    }
}
