//! The compare and problems pages in a real browser: headless Chromium
//! (Debian's `chromium` and `chromium-driver`, through
//! tests/browser/visible.py) renders them and we check what a person sees
//! (`innerText` leaves out collapsed `<details>` content).

mod common;

use std::path::Path;
use tck::compare::render::RenderOptions;
use tck::compare::{compare, html, Input, Options};
use tck::known_broken::{mask_report, parse, problems, render, Date};
use tck::report::model::*;
use tck::report::sample::{self, point, script};
use tck::tap::model::PointOutcome;
use tck::yaml::Yaml;

fn visible(html_path: &Path) -> serde_json::Value {
    common::browser_visible(html_path, &["--plain"])
}

fn report(driver: &str, hv: &str, scripts: Vec<ScriptResult>) -> Report {
    sample::report(sample::environment(driver, hv, "11.3.0"), scripts)
}

/// Three drivers: QEMU passes everything, TEST fails a point (a
/// regression from QEMU), LXC skips the domain script as unsupported.
fn three() -> [Report; 3] {
    use PointOutcome::*;
    let mut fail = point(2, "lookup raises NO_DOMAIN", Fail);
    fail.yaml = Some(Yaml::Map(vec![(
        "got".into(),
        Yaml::Str("domain found".into()),
    )]));
    let mut lxc_skip = ScriptResult::without_output(
        "domain/050-lifecycle",
        "",
        ScriptStatus::Skip,
        "unsupported by driver: no domains",
    );
    lxc_skip.skip_kind = Some(SkipKind::Unsupported);
    [
        report(
            "QEMU",
            "10.0.2",
            vec![
                script(
                    "domain/050-lifecycle",
                    ScriptStatus::Pass,
                    vec![
                        point(1, "define", Pass),
                        point(2, "lookup raises NO_DOMAIN", Pass),
                    ],
                ),
                script(
                    "network/010-nat",
                    ScriptStatus::Pass,
                    vec![point(1, "start", Pass)],
                ),
            ],
        ),
        report(
            "TEST",
            "0.0.2",
            vec![
                script(
                    "domain/050-lifecycle",
                    ScriptStatus::Fail,
                    vec![point(1, "define", Pass), fail],
                ),
                script(
                    "network/010-nat",
                    ScriptStatus::Fail,
                    vec![point(1, "start", Fail)],
                ),
            ],
        ),
        report(
            "LXC",
            "11.3.0",
            vec![
                lxc_skip,
                script(
                    "network/010-nat",
                    ScriptStatus::Pass,
                    vec![point(1, "start", Pass)],
                ),
            ],
        ),
    ]
}

fn rendered(reports: &[Report], names: &[String]) -> serde_json::Value {
    let inputs: Vec<Input<'_>> = reports
        .iter()
        .zip(names)
        .map(|(report, source)| Input { report, source })
        .collect();
    let cmp = compare(&inputs, &Options::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compare.html");
    std::fs::write(&path, html::render(&cmp, RenderOptions::default()).unwrap()).unwrap();
    let v = visible(&path);
    assert_eq!(v["console_errors"], serde_json::json!([]), "{v}");
    v
}

#[test]
fn browser_shows_a_diff_regressions_first() {
    let reports = three();
    let names = ["qemu.xml", "test.xml"].map(String::from);
    let v = rendered(&reports[..2], &names);
    let text = v["text"].as_str().unwrap();
    // The verdict and the regressions, with the worse side's diagnostics,
    // come before everything else.
    let verdict = text.find("2 regressions").expect(text);
    let regressions = text.find("Regressions (").expect(text);
    let diag = text.find("got: domain found").expect(text);
    let environment = text.find("Environment").expect(text);
    assert!(
        verdict < regressions && regressions < diag && diag < environment,
        "{text}"
    );
    assert!(
        text.contains("domain/050-lifecycle › lookup raises NO_DOMAIN PASS → FAIL"),
        "{text}"
    );
    assert!(!text.contains("Matrix"), "{text}");
}

#[test]
fn browser_shows_a_matrix_first_then_the_pairs_changes_folded() {
    let reports = three();
    let names = ["qemu.xml", "test.xml", "lxc.xml"].map(String::from);
    let v = rendered(&reports, &names);
    let text = v["text"].as_str().unwrap();
    // Reports of different drivers are not a before and after: the
    // environment, the roll-up and the matrix lead, each adjacent pair's
    // changes follow.
    let verdict = text
        .find("4 regressions between adjacent reports")
        .expect(text);
    let environment = text.find("Environment").expect(text);
    let readiness = text.find("Readiness").expect(text);
    let matrix = text.find("Matrix").expect(text);
    let regressions = text.find("Regressions (").expect(text);
    assert!(
        verdict < environment
            && environment < readiness
            && readiness < matrix
            && matrix < regressions,
        "{text}"
    );
    // Every class starts collapsed; opened, the changes and diagnostics.
    assert!(!text.contains("got: domain found"), "{text}");
    assert!(text.contains("Fixes (2)"), "{text}");
    let expanded = v["expanded_text"].as_str().unwrap();
    assert!(expanded.contains("got: domain found"), "{expanded}");
    assert!(
        expanded.contains("network/010-nat › start PASS → FAIL"),
        "{expanded}"
    );
    assert!(
        expanded.contains("network/010-nat › start FAIL → PASS"),
        "{expanded}"
    );
    // Environment differences, labelled columns.
    assert!(text.contains("driver\tQEMU\tTEST\tLXC"), "{text}");
    assert!(
        text.contains("QEMU 10.0.2, libvirt 11.3.0, debian-12 x86_64"),
        "{text}"
    );
    // Readiness per area and report.
    assert!(
        text.contains("domain\t2/2 100%\t1/2 50% (1 failed)\t0/2 0% (2 unsupported)"),
        "{text}"
    );
    assert!(
        text.contains("network\t1/1 100%\t0/1 0% (1 failed)\t1/1 100%"),
        "{text}"
    );
    // Matrix cells.
    assert!(
        text.contains("domain/050-lifecycle\tpass\tfail\tunsupported"),
        "{text}"
    );
    assert!(
        text.contains("lookup raises NO_DOMAIN\tpass\tfail\tunsupported"),
        "{text}"
    );
}

#[test]
fn browser_shows_problems_unexpected_first_and_expected_collapsed() {
    let [_, mut test, _] = three();
    let kb = parse(
        "[[broken]]\nscript = \"network/*\"\ndriver = \"TEST\"\nreason = \"no NAT in the test driver\"\n\n[[broken]]\nscript = \"domain/*\"\ntest = \"define\"\nreason = \"once broken\"\n",
        "kb.toml",
    )
    .unwrap();
    let today = Date {
        year: 2026,
        month: 1,
        day: 1,
    };
    let o = mask_report(&mut test, &kb, today);
    let p = problems(&[(&test, &o)], &["test.xml".to_string()], &kb, today);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("problems.html");
    std::fs::write(&path, render::html(&p).unwrap()).unwrap();
    let v = visible(&path);
    assert_eq!(v["console_errors"], serde_json::json!([]), "{v}");
    let text = v["text"].as_str().unwrap();
    let verdict = text
        .find("1 unexpected failure, 1 unexpected pass, 1 expected failure")
        .expect(text);
    let unexpected = text.find("Unexpected failures (1)").expect(text);
    let failure = text.find("domain/050-lifecycle").expect(text);
    let stale = text
        .find("known broken but passed: remove entry kb.toml:6")
        .expect(text);
    let expected = text.find("Expected failures (1)").expect(text);
    assert!(
        verdict < unexpected && unexpected < failure && failure < stale && stale < expected,
        "{text}"
    );
    assert!(text.contains("got: domain found"), "{text}");
    // Expected failures are collapsed; opened, they give the reason.
    assert!(!text.contains("no NAT in the test driver"), "{text}");
    let expanded = v["expanded_text"].as_str().unwrap();
    assert!(
        expanded.contains("known broken: no NAT in the test driver (kb.toml:1)"),
        "{expanded}"
    );
}
