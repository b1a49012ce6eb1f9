//! `tck import` and `tck render` as a user runs them: real files in, files
//! out that validate against the schema and read back.

mod common;

use common::{fails, fixture, ok, s, validate_report};
use std::process::Command;
use tck::report::model::*;
use tck::tap::model::PointOutcome;

#[test]
fn perl_sample_from_the_inventory_imports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("perl.xml");
    ok(&["import", &fixture("perl/sample.xml"), "-o", s(&out)]);
    validate_report(&out);
    let r = tck::report::xml::read(&out).unwrap();
    let ids: Vec<&str> = r.scripts.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["t/020-fail", "t/030-skipall", "t/040-todo"]);
    let fail = &r.scripts[0];
    assert_eq!(fail.status, ScriptStatus::Fail);
    assert_eq!(fail.exit, Exit::Code { code: 1 });
    assert_eq!(
        fail.tests[0].description,
        "defined persistent domain config"
    );
    assert_eq!(fail.tests[1].outcome, PointOutcome::Fail);
    let diag = fail.tests[1]
        .yaml
        .as_ref()
        .and_then(|y| y.get("diag"))
        .and_then(|d| d.as_scalar_string());
    assert_eq!(
        diag.as_deref(),
        Some("Failed test 'running domain has an ID > 0'\nat t/020-fail.t line 3.")
    );
    assert_eq!(fail.tests[2].outcome, PointOutcome::Skip);
    assert_eq!(
        fail.tests[2].reason.as_deref(),
        Some("save/restore not implemented")
    );
    assert!((fail.duration - 0.02814).abs() < 1e-3);
    let skip = &r.scripts[1];
    assert_eq!(skip.status, ScriptStatus::Skip);
    assert_eq!(
        skip.reason,
        "No host pci device available in configuration file"
    );
    assert_eq!(skip.skip_kind, Some(SkipKind::MissingResource));
    let todo = &r.scripts[2];
    assert_eq!(todo.status, ScriptStatus::Pass);
    assert_eq!(todo.tests[0].outcome, PointOutcome::Todo);
    assert_eq!(todo.tests[1].outcome, PointOutcome::TodoPassed);
    assert_eq!(r.environment.start, "2026-11-21T20:00:59Z");
}

#[test]
fn perl_edge_cases_import() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("edge.xml");
    ok(&[
        "import",
        "--format",
        "perl-xml",
        &fixture("perl/edge.xml"),
        "-o",
        s(&out),
    ]);
    validate_report(&out);
    let r = tck::report::xml::read(&out).unwrap();
    let life = &r.scripts[0];
    assert_eq!(life.id, "domain/050-transient-lifecycle");
    assert_eq!(life.area, "domain");
    assert_eq!(life.tests[0].description, "created & destroyed");
    let y = life.tests[0].yaml.as_ref().unwrap();
    assert_eq!(y.get("expected"), Some(&tck::yaml::Yaml::Int(2)));
    assert_eq!(
        y.get("diag").and_then(|d| d.as_scalar_string()).as_deref(),
        Some("a comment after yaml")
    );
    assert_eq!(life.status, ScriptStatus::Fail);
    assert!(life.parse_errors[0].message.contains("not planned"));
    let crash = &r.scripts[1];
    assert_eq!(crash.status, ScriptStatus::Crash);
    assert_eq!(
        crash.exit,
        Exit::Signal {
            signal: 11,
            name: "SIGSEGV".into()
        }
    );
    let bail = &r.scripts[2];
    assert_eq!(bail.status, ScriptStatus::Bailout);
    assert_eq!(bail.reason, "Bail out! libvirtd went away");
    assert_eq!(bail.exit, Exit::Code { code: 255 });
}

#[test]
fn tap_files_with_any_bytes_import_render_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let taps = dir.path().join("results");
    std::fs::create_dir_all(taps.join("domain")).unwrap();
    // dash's echo turns "\1" into the byte 0x01 (what crashed the Perl writer).
    let dash = Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"echo "1..2"; echo "ok 1 - printed \1 here"; echo "not ok 2 - bad"; echo "  ---"; echo "  got: \"x\1y\""; echo "  ..." "#)
        .output()
        .unwrap();
    assert!(dash.stdout.contains(&1u8), "dash's echo printed 0x01");
    std::fs::write(taps.join("domain/010-echo.tap"), &dash.stdout).unwrap();
    std::fs::write(
        taps.join("domain/020-bytes.tap"),
        b"TAP version 14\n1..3\nok 1 - nul \x00 and invalid \xff\xfe utf-8\nok 2 # SKIP unsupported by driver: no\nnot ok 3 - later # TODO flaky\n",
    )
    .unwrap();
    std::fs::write(taps.join("noplan.tap"), b"ok 1\n").unwrap();
    std::fs::write(
        taps.join("domain/030-subtests.tap"),
        b"TAP version 14\n1..2\n# Subtest: outer\n    1..2\n    # Subtest: inner\n        1..1\n        not ok 1 - deep\n          ---\n          id: deep-check\n          got: [1, {a: b}]\n          ...\n    not ok 1 - inner\n    ok 2 - sibling # SKIP missing resource: nic\nnot ok 1 - outer\nok 2 - last\n",
    )
    .unwrap();
    std::fs::write(taps.join("ignored.txt"), b"not a tap file").unwrap();
    let xml = dir.path().join("r.xml");
    ok(&["import", s(&taps), "-o", s(&xml)]);
    validate_report(&xml);
    let r = tck::report::xml::read(&xml).unwrap();
    let ids: Vec<&str> = r.scripts.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "domain/010-echo",
            "domain/020-bytes",
            "domain/030-subtests",
            "noplan"
        ]
    );
    let outer = &r.scripts[2].tests[0];
    let inner = &outer.subtest.as_ref().unwrap().tests[0];
    assert_eq!(
        outer.subtest.as_ref().unwrap().name.as_deref(),
        Some("outer")
    );
    let deep = &inner.subtest.as_ref().unwrap().tests[0];
    assert_eq!(deep.identity, "deep-check");
    assert_eq!(deep.outcome, PointOutcome::Fail);
    assert_eq!(r.scripts[0].tests[0].description, "printed \u{1} here");
    assert_eq!(r.scripts[0].status, ScriptStatus::Fail);
    assert!(r.scripts[0].tests[1].yaml.is_some());
    assert_eq!(r.scripts[0].exit, Exit::Unknown);
    assert_eq!(
        r.scripts[1].tests[0].description,
        "nul \0 and invalid \u{fffd}\u{fffd} utf-8"
    );
    assert_eq!(r.scripts[1].status, ScriptStatus::Pass);
    assert_eq!(r.scripts[1].tests[2].outcome, PointOutcome::Todo);
    assert_eq!(r.scripts[3].status, ScriptStatus::Error);

    // Render: tck XML again is byte-identical; every other format parses.
    let again = ok(&["render", s(&xml), "--format", "xml"]);
    assert_eq!(again.as_bytes(), std::fs::read(&xml).unwrap());
    let junit = dir.path().join("j.xml");
    ok(&[
        "render",
        s(&xml),
        "--format",
        "junit",
        "--output",
        s(&junit),
    ]);
    let lint = Command::new("xmllint")
        .arg("--noout")
        .arg(&junit)
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["render", s(&xml), "-f", "json"])).unwrap();
    assert_eq!(json["summary"]["scripts"]["fail"], 2);
    let text = ok(&["render", s(&xml)]);
    assert!(
        text.contains("   FAIL [") && text.contains("] domain/010-echo"),
        "{text}"
    );
    assert!(
        text.contains("printed \\x01 here") || text.contains("not ok 2 - bad"),
        "{text}"
    );
    let tap = ok(&["render", s(&xml), "--format", "tap"]);
    assert!(tap.contains("# Subtest: domain/020-bytes"), "{tap}");
    let html = ok(&["render", s(&xml), "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
}

#[test]
fn archive_directory_imports_and_renders_with_raw_tap() {
    let dir = tempfile::tempdir().unwrap();
    let arch = dir.path().join("archive");
    let report = tck::report::sample::sample_report();
    let mut raw = tck::report::MemoryRaw::default();
    raw.insert(
        "domain/010-pass",
        tck::report::RawStream::Tap,
        b"1..3\nok 1 - raw step\n".to_vec(),
    );
    let outputs = tck::report::OutputArgs {
        archive: Some(arch.clone()),
        ..Default::default()
    };
    tck::report::write_outputs(&report, &outputs, &raw).unwrap();
    let out = dir.path().join("back.xml");
    ok(&["import", s(&arch), "-o", s(&out)]);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(arch.join("report.xml")).unwrap()
    );
    let junit = ok(&["render", s(&arch), "--format", "junit"]);
    assert!(
        junit.contains("ok 1 - raw step"),
        "raw TAP from the archive"
    );
}

#[test]
fn write_outputs_writes_every_format_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let outputs = tck::report::OutputArgs {
        xml: Some(p("r.xml")),
        json: Some(p("r.json")),
        junit: Some(p("junit.xml")),
        html: Some(p("r.html")),
        archive: Some(p("arch")),
    };
    tck::report::write_outputs(
        &tck::report::sample::sample_report(),
        &outputs,
        &tck::report::NoRaw,
    )
    .unwrap();
    validate_report(&p("r.xml"));
    validate_report(&p("arch/report.xml"));
    for f in ["r.json", "junit.xml", "r.html"] {
        assert!(std::fs::metadata(p(f)).unwrap().len() > 500, "{f}");
    }
    // Nothing but the outputs: no temporary files left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["arch", "junit.xml", "r.html", "r.json", "r.xml"]);
}

#[test]
fn bad_inputs_give_clear_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = fails(&["import", "/nonexistent/x.tap"]);
    assert!(
        e.contains("/nonexistent/x.tap") && e.contains("No such file"),
        "{e}"
    );

    let other = dir.path().join("other.xml");
    std::fs::write(&other, "<?xml version=\"1.0\"?>\n<domain type='kvm'/>").unwrap();
    let e = fails(&["import", s(&other)]);
    assert!(
        e.contains("other.xml") && e.contains("neither a tck report"),
        "{e}"
    );
    let e = fails(&["render", s(&other)]);
    assert!(
        e.contains("other.xml:2:1") && e.contains("not a tck report"),
        "{e}"
    );

    let truncated = dir.path().join("trunc.xml");
    let sample = std::fs::read_to_string(fixture("perl/sample.xml")).unwrap();
    std::fs::write(&truncated, &sample[..sample.len() / 2]).unwrap();
    let e = fails(&["import", s(&truncated)]);
    assert!(e.contains("trunc.xml") && e.contains("truncated"), "{e}");

    let empty_dir = dir.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    let e = fails(&["import", s(&empty_dir)]);
    assert!(e.contains("empty") && e.contains("no *.tap files"), "{e}");

    let t = dir.path().join("a.tap");
    std::fs::write(&t, "1..1\nok 1\n").unwrap();
    let e = fails(&["import", s(&t), s(&t)]);
    assert!(e.contains("also in"), "{e}");

    let e = fails(&["render", &fixture("perl/sample.xml")]);
    assert!(
        e.contains("sample.xml:1:1") && e.contains("tck import"),
        "{e}"
    );
}
