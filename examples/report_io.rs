//! Benchmark helper for benches/report-io.sh: how long writing and reading
//! the XML report takes compared with parsing the same run's TAP.
//!
//! `report_io run DIR [SCRIPTS POINTS]` writes a run's TAP (SCRIPTS files of
//! POINTS points, 1% failing with YAML diagnostics, some skips, todos and
//! subtests) into DIR, then times, best of 15 in this one process:
//! reading and parsing every file (`tap::verdict::parse_bytes`, as `tck
//! parse` does),
//! writing the report XML, and reading it back.
//! `report_io read FILE` reads one report and prints its peak RSS;
//! `report_io scan FILE` times bare quick-xml events over it: a reference
//! only, showing why the reader has its own one-pass lexer
//! (`src/report/xml/lex.rs`): quick-xml's event loop alone takes about as
//! long as the whole read.

use std::path::{Path, PathBuf};
use std::time::Instant;
use tck::report::model::{Report, SCHEMA_VERSION};

fn generate(scripts: usize, points: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for s in 0..scripts {
        let mut t = String::with_capacity(points * 60);
        t.push_str(&format!("TAP version 14\n1..{points}\n"));
        for n in 1..=points {
            let i = s * points + n;
            if i % 100 == 7 {
                t.push_str(&format!(
                    "not ok {n} - domain tck-w{s}-dom{n} reports state {i}\n  ---\n  got: running\n  expected: shut off\n  code: 55\n  message: \"operation failed: domain is already active\"\n  ...\n"
                ));
            } else if i % 250 == 3 {
                t.push_str(&format!(
                    "ok {n} - save/restore {i} # SKIP unsupported by driver\n"
                ));
            } else if i % 500 == 11 {
                t.push_str(&format!(
                    "not ok {n} - hotplug ordering {i} # TODO known broken\n"
                ));
            } else if i % 1000 == 500 {
                t.push_str(&format!(
                    "# Subtest: nested {i}\n    1..2\n    ok 1 - inner a\n    ok 2 - inner b\nok {n} - nested {i}\n"
                ));
            } else {
                t.push_str(&format!(
                    "ok {n} - lookup of tck-w{s}-object{n} by name and UUID agrees\n"
                ));
            }
        }
        out.push((
            format!("area{:02}/{:03}-generated", s % 10, s),
            t.into_bytes(),
        ));
    }
    out
}

/// Best wall time of 15 calls; what `f` returns is dropped after the clock
/// stops (freeing a 100,000-point model is not part of reading it).
fn best<T, F: FnMut() -> T>(mut f: F) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..15 {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        drop(std::hint::black_box(v));
    }
    best
}

fn peak_rss_kib() -> i64 {
    // SAFETY: getrusage writes into the zeroed struct we pass; no other effect.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u.ru_maxrss
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("read") => {
            let path = PathBuf::from(args.get(2).ok_or("usage: report_io read FILE")?);
            let before = peak_rss_kib();
            let t = Instant::now();
            let r = tck::report::xml::read(&path)?;
            let secs = t.elapsed().as_secs_f64();
            let size = std::fs::metadata(&path)?.len();
            let rss = peak_rss_kib();
            let points: u64 = r.scripts.iter().map(|s| s.counts.total).sum();
            println!(
                "read {} ({:.1} MiB, {points} points): {secs:.3} s, peak RSS {:.1} MiB (before reading {:.1} MiB) = {:.2}x the file size",
                path.display(),
                size as f64 / 1048576.0,
                rss as f64 / 1024.0,
                before as f64 / 1024.0,
                rss as f64 * 1024.0 / size as f64
            );
            Ok(())
        }
        Some("scan") => {
            // quick-xml events over the file, nothing built (a reference:
            // the reader no longer uses quick-xml).
            let path = PathBuf::from(args.get(2).ok_or("usage: report_io scan FILE")?);
            let bytes = std::fs::read(&path)?;
            let secs = best(|| {
                let mut r =
                    quick_xml::Reader::from_reader(std::io::BufReader::new(bytes.as_slice()));
                let mut buf = Vec::new();
                let mut n = 0u64;
                loop {
                    buf.clear();
                    match r.read_event_into(&mut buf) {
                        Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                        Ok(quick_xml::events::Event::Empty(e))
                        | Ok(quick_xml::events::Event::Start(e)) => {
                            n += e.attributes().count() as u64;
                        }
                        Ok(_) => n += 1,
                    }
                }
                std::hint::black_box(n);
            });
            println!("quick-xml events alone (reference, not used by the reader): {secs:.3} s");
            Ok(())
        }
        Some("run") => {
            let dir = PathBuf::from(
                args.get(2)
                    .ok_or("usage: report_io run DIR [SCRIPTS POINTS]")?,
            );
            let scripts: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(100);
            let points: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(1000);
            let run = generate(scripts, points);
            std::fs::create_dir_all(dir.join("tap"))?;
            let mut tap_bytes = 0;
            let mut paths = Vec::new();
            for (id, bytes) in &run {
                let p = dir.join("tap").join(id.replace('/', "_") + ".tap");
                std::fs::write(&p, bytes)?;
                tap_bytes += bytes.len();
                paths.push(p);
            }
            let files: Vec<(String, Vec<u8>)> = run;
            // As `tck parse` does: read each file, parse and judge it.
            let parse = best(|| {
                paths
                    .iter()
                    .map(|p| {
                        let b = std::fs::read(p).expect("read TAP");
                        tck::tap::verdict::parse_bytes(&b, false)
                    })
                    .collect::<Vec<_>>()
            });
            let parse_keep = best(|| {
                paths
                    .iter()
                    .map(|p| {
                        let b = std::fs::read(p).expect("read TAP");
                        tck::tap::verdict::parse_bytes(&b, true)
                    })
                    .collect::<Vec<_>>()
            });
            let mut report = Report {
                schema_version: SCHEMA_VERSION,
                ..Report::default()
            };
            for (id, b) in &files {
                report
                    .scripts
                    .push(tck::harness::judge::result_of_tap(id, "generated", b));
            }
            let points_total: u64 = report.scripts.iter().map(|s| s.counts.total).sum();
            let xml = dir.join("report.xml");
            let write = best(|| {
                tck::report::xml::write(&report, &xml).expect("write report");
            });
            let read = best(|| tck::report::xml::read(&xml).expect("read report"));
            let back = tck::report::xml::read(&xml)?;
            assert!(back == report, "read-back differs");
            let size = std::fs::metadata(&xml)?.len();
            println!(
                "{scripts} scripts, {points_total} test points; TAP {:.1} MiB, XML {:.1} MiB",
                tap_bytes as f64 / 1048576.0,
                size as f64 / 1048576.0
            );
            println!("parse TAP (verdict only, as tck parse): {parse:.3} s");
            println!("parse TAP (keeping the point tree):     {parse_keep:.3} s");
            println!(
                "write XML: {write:.3} s = {:.2}x parse ({:.2}x parse with tree)",
                write / parse,
                write / parse_keep
            );
            println!(
                "read XML:  {read:.3} s = {:.2}x parse ({:.2}x parse with tree)",
                read / parse,
                read / parse_keep
            );
            println!("report: {}", Path::new(&xml).display());
            Ok(())
        }
        _ => Err("usage: report_io run DIR [SCRIPTS POINTS] | read FILE | scan FILE".into()),
    }
}
