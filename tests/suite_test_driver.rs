//! The whole built-in suite on libvirt's test driver (`test:///default`, no
//! daemon), with the shipped known-broken files: every script passes, skips
//! with a reason, or fails only where a `conf/known-broken` entry names the
//! test driver's documented difference (e.g. domain/051: the test driver
//! lets a transient domain be marked for autostart). Nothing errors, times
//! out, crashes or leaks, and no entry scoped to the test driver is stale —
//! so when a libvirt release changes the test driver, this test says which
//! entry to update.

mod common;

use common::{tck, text};

#[test]
fn the_suite_on_the_test_driver_has_only_known_differences() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = common::config_file(dir.path(), "test:///default", "tck-");
    let json = dir.path().join("report.json");
    let xml = dir.path().join("report.xml");
    let kb = concat!(env!("CARGO_MANIFEST_DIR"), "/conf/known-broken");
    let out = tck()
        .args(["run", "--config"])
        .arg(&cfg)
        .args(["--known-broken", kb, "--json"])
        .arg(&json)
        .arg("--xml")
        .arg(&xml)
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "only known differences fail:\n{stdout}\n{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("JSON");
    let scripts = report["scripts"].as_array().expect("scripts");
    assert!(
        scripts.len() >= 90,
        "the whole suite ran: {}",
        scripts.len()
    );
    let mut masked = 0;
    for s in scripts {
        let id = s["id"].as_str().expect("id");
        let status = s["status"].as_str().expect("status");
        assert!(
            matches!(status, "pass" | "skip" | "fail"),
            "{id} must not error, time out, crash or bail out: {status}: {}",
            s["reason"]
        );
        if status == "fail" {
            assert!(!s["mask"].is_null(), "{id} failed unexpectedly: {s}");
            masked += 1;
        }
        if status == "skip" {
            assert!(
                !s["reason"].as_str().unwrap_or("").is_empty(),
                "{id} skipped without a reason"
            );
            // The domain lifecycle and save/restore scripts need nothing the
            // test driver lacks (103 needs a block device): a skip there is a
            // requirement check gone wrong.
            assert!(
                !(id.starts_with("domain/0") || id.starts_with("domain/10"))
                    || id.starts_with("domain/103"),
                "{id} must run on the test driver: {}",
                s["reason"]
            );
        }
        assert_eq!(
            s["leaked"].as_array().map(Vec::len),
            Some(0),
            "{id} leaked: {s}"
        );
    }
    assert!(masked > 0, "the test driver's known differences still show");

    // No entry scoped to the test driver is stale: each still masks a
    // failure (an entry whose failure went away is an unexpected pass, which
    // `problems` reports and exits 1 for).
    let out = tck()
        .args(["problems", "--known-broken", kb])
        .arg(&xml)
        .output()
        .expect("run tck problems");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
}
