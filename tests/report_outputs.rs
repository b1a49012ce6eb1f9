//! A real run on `test:///default` with all five outputs at once, checked
//! the way their consumers would: the XML validates against the RELAX NG
//! schema and round-trips byte for byte, the archive imports back to the
//! same report, a JUnit reader (Debian's python3-junitparser, what CI
//! plugins are built on) counts what the JSON counts, and Chromium shows the
//! HTML with the run's environment and its failures first.

mod common;

use common::{tck, text};
use std::path::Path;
use std::process::Command;

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("command runs");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{cmd:?}:\n{stdout}\n{stderr}");
    stdout
}

#[test]
fn a_run_writes_xml_json_junit_html_and_archive_that_their_readers_accept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cfg = common::config_file(d, "test:///default", "tck-");
    let (xml, json, junit, html, archive) = (
        d.join("r.xml"),
        d.join("r.json"),
        d.join("r.junit.xml"),
        d.join("r.html"),
        d.join("archive"),
    );
    // Passing, failing (the test driver's known differences, unmasked
    // here) and skipping scripts.
    let out = tck()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--xml")
        .arg(&xml)
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .arg("--archive")
        .arg(&archive)
        .args(["connect/", "domain/0", "secret/010"])
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "two domain scripts fail on the test driver:\n{stdout}\n{stderr}"
    );

    // XML: valid, and write → read → write is byte-identical.
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("share/schema/tck-report-1.rng");
    run_ok(
        Command::new("xmllint")
            .args(["--noout", "--relaxng"])
            .arg(&schema)
            .arg(&xml),
    );
    let again = d.join("again.xml");
    run_ok(
        tck()
            .arg("render")
            .arg(&xml)
            .args(["--format", "xml", "--output"])
            .arg(&again),
    );
    assert_eq!(
        std::fs::read(&xml).unwrap(),
        std::fs::read(&again).unwrap(),
        "round trip"
    );

    // The archive holds the XML and each script's raw TAP, and imports back.
    assert_eq!(
        std::fs::read(archive.join("report.xml")).unwrap(),
        std::fs::read(&xml).unwrap()
    );
    let imported = d.join("imported.xml");
    run_ok(
        tck()
            .arg("import")
            .arg(&archive)
            .arg("--output")
            .arg(&imported),
    );
    assert_eq!(
        std::fs::read(&imported).unwrap(),
        std::fs::read(&xml).unwrap(),
        "importing the archive gives the run's report back"
    );

    // JSON: the documented top level, and counts to compare JUnit with.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in ["schema_version", "environment", "scripts", "summary"] {
        assert!(!report[key].is_null(), "JSON has {key}");
    }
    let scripts = report["scripts"].as_array().unwrap();
    let failed_points: u64 = scripts
        .iter()
        .map(|s| s["counts"]["fail"].as_u64().unwrap())
        .sum();
    let failed_scripts = scripts.iter().filter(|s| s["status"] == "fail").count();
    assert_eq!(failed_scripts, 2, "{report}");

    // JUnit, read by a JUnit consumer.
    let reader = r#"
import json, sys
from junitparser import JUnitXml, Failure, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml) if hasattr(xml, "__iter__") else [xml]
out = {"suites": 0, "cases": 0, "failures": 0, "skipped": 0, "names": []}
for s in suites:
    out["suites"] += 1
    out["names"].append(s.name)
    for case in s:
        out["cases"] += 1
        for r in case.result:
            if isinstance(r, Failure):
                out["failures"] += 1
            if isinstance(r, Skipped):
                out["skipped"] += 1
print(json.dumps(out))
"#;
    // Debian's interpreter, where the python3-junitparser package installs.
    let got = Command::new("/usr/bin/python3")
        .args(["-c", reader])
        .arg(&junit)
        .output()
        .expect("python3");
    assert!(
        got.status.success(),
        "a JUnit reader accepts the file (needs: apt-get install python3-junitparser):\n{}",
        String::from_utf8_lossy(&got.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&got.stdout).expect("reader prints JSON");
    assert_eq!(j["suites"].as_u64().unwrap() as usize, scripts.len(), "{j}");
    assert_eq!(j["failures"].as_u64().unwrap(), failed_points, "{j}");
    assert!(j["skipped"].as_u64().unwrap() > 0, "{j}");
    assert!(
        j["names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "connect/010-open-close"),
        "{j}"
    );

    // HTML: self-contained, and what Chromium shows starts with the run.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no external fetches"
    );
    let visible = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/visible.py");
    let shown = Command::new("python3")
        .arg(visible)
        .arg(&html)
        .output()
        .expect("python3");
    assert!(
        shown.status.success(),
        "the browser check runs (needs: apt-get install chromium chromium-driver):\n{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("JSON");
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("URI\ttest:///default"), "{text}");
    let failure = text
        .find("domain/051-transient-autostart")
        .expect("failure shown");
    let passing = text
        .find("connect/010-open-close")
        .expect("passing script listed");
    assert!(failure < passing, "failures come first:\n{text}");
}
