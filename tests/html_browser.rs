//! The HTML report in a real browser: headless Chromium (Debian's
//! `chromium` and `chromium-driver`) renders it and we check what a person
//! sees (`innerText` leaves out collapsed and hidden content).

mod common;

use std::path::Path;
use tck::report::html::render_html;
use tck::report::model::*;
use tck::report::sample::sample_report;
use tck::tap::model::PointOutcome;

fn visible(html_path: &Path) -> serde_json::Value {
    common::browser_visible(html_path, &[])
}

#[test]
fn browser_shows_environment_counts_and_failures_first_with_passing_scripts_collapsed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    std::fs::write(&path, render_html(&sample_report()).unwrap()).unwrap();
    let v = visible(&path);
    let text = v["text"].as_str().unwrap();
    assert_eq!(v["console_errors"], serde_json::json!([]), "{v}");
    // Environment and counts at the top.
    assert!(text.contains("URI\ttest:///default"), "{text}");
    assert!(text.contains("libvirt daemon\t11.3.0"), "{text}");
    assert!(
        text.contains("10 total\t2 pass\t1 flaky\t2 skip\t1 fail"),
        "{text}"
    );
    assert!(text.contains("14 total\t8 pass\t3 fail"), "{text}");
    assert!(text.contains("Incomplete run"), "{text}");
    // A failure's description and diagnostics, before any passing script.
    let failure = text
        .find("2 - running domain has an ID > 0")
        .expect("failure visible");
    let diag = text
        .find("got: \"domain 'tck-a' is running\"")
        .expect("diagnostics visible");
    let passing = text.find("domain/010-pass").expect("passing script listed");
    assert!(failure < diag && diag < passing, "{text}");
    assert!(text.find("Environment").unwrap() < text.find("Summary").unwrap());
    assert!(text.find("Summary").unwrap() < failure);
    // Passing scripts are collapsed: their points and facts are not shown.
    assert!(!text.contains("step 1"), "{text}");
    assert!(!text.contains("exit status 0"), "{text}");
    // Control characters are shown as escapes.
    assert!(text.contains("a b\\u{1}.xml"), "{text}");
    // The page's script works: filtering and expanding.
    let filtered = v["filtered_text"].as_str().unwrap();
    assert!(filtered.contains("nodedev/030-skipall"), "{filtered}");
    assert!(!filtered.contains("domain/020-fail"), "{filtered}");
    let expanded = v["expanded_text"].as_str().unwrap();
    assert!(expanded.contains("exit status 0"), "{expanded}");
}

#[test]
fn browser_opens_a_report_of_100000_points_quickly() {
    let mut r = sample_report();
    let tests: Vec<TestResult> = (1..=100_000u64)
        .map(|n| TestResult {
            number: n,
            description: format!("point {n} checks something"),
            outcome: if n == 77_777 {
                PointOutcome::Fail
            } else {
                PointOutcome::Pass
            },
            directive: None,
            reason: None,
            yaml: None,
            identity: format!("point {n} checks something"),
            subtest: None,
            mask: None,
        })
        .collect();
    let big = &mut r.scripts[0];
    big.status = ScriptStatus::Fail;
    big.counts = Counts {
        total: 100_000,
        pass: 99_999,
        fail: 1,
        ..Counts::default()
    };
    big.tests = tests;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.html");
    let started = std::time::Instant::now();
    std::fs::write(&path, render_html(&r).unwrap()).unwrap();
    let render = started.elapsed().as_secs_f64();
    let v = visible(&path);
    let text = v["text"].as_str().unwrap();
    let load = v["load_seconds"].as_f64().unwrap();
    eprintln!("render {render:.2} s, browser load {load:.2} s");
    assert!(
        text.contains("77777 - point 77777 checks something"),
        "failure shown"
    );
    assert!(!text.contains("point 5 checks"), "passing points collapsed");
    assert!(load < 10.0, "the page took {load:.1} s to load");
}
