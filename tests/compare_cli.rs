//! `tck compare`, `tck problems`, `tck known-broken suggest`,
//! `tck run --known-broken` and `tck run --compare-with`, as a user runs
//! them: reports produced by real runs (external scripts, and
//! `test:///default` / `qemu:///system` through the libvirt fixture), then
//! the commands' output and exit statuses.

mod common;

use common::{config_file, executable, fixture, qemu_system, run, s, unique_prefix};
use std::path::{Path, PathBuf};

/// Exit status, stdout, stderr.
fn run3(args: &[&str]) -> (i32, String, String) {
    let r = run(args);
    (r.code.unwrap_or(-1), r.stdout, r.stderr)
}

/// A directory of external TAP scripts: (file name, body after `#!/bin/sh`).
fn scripts(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for (name, body) in files {
        executable(&dir.join(name), &format!("#!/bin/sh\n{body}"));
    }
    dir.to_path_buf()
}

/// `tck run --no-fixture DIR --xml OUT`, whatever its exit status.
fn report_of(dir: &Path, out: &Path) -> PathBuf {
    let (code, o, e) = run3(&["run", "-q", "--no-fixture", s(dir), "--xml", s(out)]);
    assert!(code == 0 || code == 1, "run failed ({code}):\n{o}\n{e}");
    out.to_path_buf()
}

const PASS2: &str = "echo 1..2\necho 'ok 1 - define'\necho 'ok 2 - start'\n";
const FAIL2: &str = "echo 1..2\necho 'ok 1 - define'\necho 'not ok 2 - start'\necho '  ---'\necho '  got: already active'\necho '  ...'\nexit 1\n";

#[test]
fn compare_exits_0_without_regressions_1_with_2_on_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = report_of(
        &scripts(&d.join("good"), &[("dom/010-a.sh", PASS2)]),
        &d.join("good.xml"),
    );
    let bad = report_of(
        &scripts(&d.join("bad"), &[("dom/010-a.sh", FAIL2)]),
        &d.join("bad.xml"),
    );

    let (code, out, _) = run3(&["compare", s(&good), s(&good)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No regressions."), "{out}");

    let (code, out, _) = run3(&["compare", s(&good), s(&bad)]);
    assert_eq!(code, 1, "{out}");
    let reg = out.find("Regressions (2):").expect(&out);
    assert!(
        out[reg..].contains("dom/010-a.sh › start  pass → fail"),
        "{out}"
    );
    assert!(
        out[reg..].contains("got: already active"),
        "the worse side's diagnostics: {out}"
    );

    // The other way round is a fix: exit 0, unless every change counts.
    let (code, out, _) = run3(&["compare", s(&bad), s(&good)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Fixes (2):"), "{out}");
    let (code, _, _) = run3(&["compare", "--fail-on", "changes", s(&bad), s(&good)]);
    assert_eq!(code, 1);
    let (code, _, _) = run3(&["compare", "--fail-on", "never", s(&good), s(&bad)]);
    assert_eq!(code, 0);

    // Unreadable inputs: exit 2, naming the file.
    let missing = d.join("missing.xml");
    let (code, out, err) = run3(&["compare", s(&good), s(&missing)]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("missing.xml"), "{err}");
    let garbage = d.join("garbage.xml");
    std::fs::write(&garbage, "<html>not a report</html>").unwrap();
    let (code, _, err) = run3(&["compare", s(&garbage), s(&good)]);
    assert_eq!(code, 2);
    assert!(err.contains("garbage.xml"), "{err}");
    let (code, _, err) = run3(&["compare", s(&good)]);
    assert_eq!(code, 2, "one report is a usage error: {err}");
    let (code, _, err) = run3(&["compare", "--rename", "nonsense", s(&good), s(&bad)]);
    assert_eq!(code, 2);
    assert!(err.contains("OLD=NEW"), "{err}");
}

#[test]
fn compare_json_html_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = report_of(
        &scripts(&d.join("good"), &[("dom/010-a.sh", PASS2)]),
        &d.join("good.xml"),
    );
    let bad = report_of(
        &scripts(&d.join("bad"), &[("dom/010-a.sh", FAIL2)]),
        &d.join("bad.xml"),
    );
    let json = d.join("cmp.json");
    let (code, out, _) = run3(&["compare", "-f", "json", "-o", s(&json), s(&good), s(&bad)]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "written to the file, not stdout");
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(j["regressions"], 2);
    assert_eq!(j["pairs"][0]["changes"][1]["test"], "start");
    assert_eq!(
        j["pairs"][0]["changes"][1]["diagnostics"][0],
        "got: already active"
    );
    let html = d.join("cmp.html");
    let (code, _, _) = run3(&[
        "compare",
        "--format",
        "html",
        "--output",
        s(&html),
        s(&good),
        s(&bad),
    ]);
    assert_eq!(code, 1);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("2 regressions"));
    assert_eq!(
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp"))
            .count(),
        0,
        "no temporary file left"
    );
}

#[test]
fn renamed_scripts_align_with_rename() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let old = report_of(
        &scripts(&d.join("v1"), &[("dom/010-a.sh", PASS2)]),
        &d.join("v1.xml"),
    );
    let new = report_of(
        &scripts(&d.join("v2"), &[("dom/015-a.sh", PASS2)]),
        &d.join("v2.xml"),
    );
    let (code, out, _) = run3(&["compare", "--fail-on", "changes", s(&old), s(&new)]);
    assert_eq!(code, 1);
    assert!(
        out.contains("Removed tests") && out.contains("New tests"),
        "{out}"
    );
    let (code, out, _) = run3(&[
        "compare",
        "--fail-on",
        "changes",
        "--rename",
        "dom/010-a.sh=dom/015-a.sh",
        s(&old),
        s(&new),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Scripts:     1 unchanged"), "{out}");
}

#[test]
fn three_reports_give_a_labelled_matrix_and_a_readiness_roll_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let skip = "echo '1..0 # SKIP unsupported by driver: no hotplug'\n";
    let a = report_of(
        &scripts(
            &d.join("a"),
            &[("dom/010-a.sh", PASS2), ("net/010-n.sh", PASS2)],
        ),
        &d.join("a.xml"),
    );
    let b = report_of(
        &scripts(
            &d.join("b"),
            &[("dom/010-a.sh", FAIL2), ("net/010-n.sh", PASS2)],
        ),
        &d.join("b.xml"),
    );
    let c = report_of(
        &scripts(
            &d.join("c"),
            &[("dom/010-a.sh", skip), ("net/010-n.sh", PASS2)],
        ),
        &d.join("c.xml"),
    );
    let (code, out, _) = run3(&[
        "compare",
        "--label",
        "qemu",
        "--label",
        "test",
        "--label",
        "lxc",
        s(&a),
        s(&b),
        s(&c),
    ]);
    assert_eq!(code, 1, "a → b regresses: {out}");
    assert!(out.contains("[1]  qemu"), "{out}");
    assert!(
        out.contains("dom   2/2 100%  1/2 50% (1 failed)  0/2 0% (2 unsupported)"),
        "{out}"
    );
    assert!(
        out.contains("net   2/2 100%  2/2 100%            2/2 100%"),
        "{out}"
    );
    let m = &out[out.find("Matrix").expect(&out)..out.find("[1] → [2]").expect(&out)];
    assert!(m.contains("dom/010-a.sh  pass  fail  unsupported"), "{out}");
    assert!(m.contains("  › start     pass  fail  unsupported"), "{out}");
    assert_eq!(
        m.matches("› define").count(),
        1,
        "net's agreeing rows are hidden: {out}"
    );
    assert!(out.contains("[2] → [3]:"), "{out}");
    let (_, all, _) = run3(&["compare", "--all", s(&a), s(&b), s(&c)]);
    let m = &all[all.find("Matrix").expect(&all)..all.find("[1] → [2]").expect(&all)];
    assert_eq!(m.matches("› define").count(), 2, "{all}");
    let (code, _, err) = run3(&[
        "compare",
        "--label",
        "1",
        "--label",
        "2",
        "--label",
        "3",
        s(&a),
        s(&b),
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn perl_libvirt_tck_xml_compares_with_its_tck_import() {
    let dir = tempfile::tempdir().unwrap();
    let perl = fixture("perl/sample.xml");
    let imported = dir.path().join("imported.xml");
    let (code, _, err) = run3(&["import", s(&perl), "-o", s(&imported)]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run3(&["compare", "--fail-on", "changes", s(&perl), s(&imported)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No regressions."), "{out}");
    assert!(
        !out.contains("Scripts:     none"),
        "the Perl report has scripts: {out}"
    );
}

fn known_broken(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn problems_exit_statuses_and_suggest_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mixed = report_of(Path::new(&fixture("mixed")), &d.join("mixed.xml"));

    // Nothing known: the failure is unexpected.
    let empty = known_broken(d, "empty.toml", "# nothing yet\n");
    let (code, out, _) = run3(&["problems", s(&mixed), "--known-broken", s(&empty)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Unexpected failures (1)"), "{out}");
    assert!(out.contains("020-fail.sh  fail"), "{out}");
    assert!(
        out.contains("not ok 2 - lookup after destroy raises NO_DOMAIN"),
        "{out}"
    );

    // suggest → problems: every failure known, exit 0.
    let suggested = d.join("suggested.toml");
    let (code, _, err) = run3(&["known-broken", "suggest", s(&mixed), "-o", s(&suggested)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 1 entry"), "{err}");
    let (code, out, _) = run3(&["problems", s(&mixed), "--known-broken", s(&suggested)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Expected failures (1)"), "{out}");
    assert!(out.contains("the reason is still the placeholder"), "{out}");

    // A directory of files works the same.
    let kbdir = d.join("kb");
    std::fs::create_dir(&kbdir).unwrap();
    std::fs::copy(&suggested, kbdir.join("mixed.toml")).unwrap();
    let (code, _, _) = run3(&["problems", s(&mixed), "--known-broken", s(&kbdir)]);
    assert_eq!(code, 0);

    // A stale entry (its test passes): exit 1, named.
    let stale = known_broken(
        d,
        "stale.toml",
        "[[broken]]\nscript = \"020-fail.sh\"\nreason = \"fails\"\n\n[[broken]]\nscript = \"010-pass.sh\"\ntest = \"works\"\nreason = \"was broken once\"\n",
    );
    let (code, out, _) = run3(&["problems", s(&mixed), "--known-broken", s(&stale)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("known broken but passed"), "{out}");
    assert!(out.contains("010-pass.sh › works  passed; entry"), "{out}");
    assert!(out.contains("stale.toml:5"), "{out}");
    // …unless flaky.
    let flaky = known_broken(
        d,
        "flaky.toml",
        &std::fs::read_to_string(&stale).unwrap().replace(
            "reason = \"was broken once\"",
            "reason = \"was broken once\"\nflaky = true",
        ),
    );
    let (code, out, _) = run3(&["problems", s(&mixed), "--known-broken", s(&flaky)]);
    assert_eq!(code, 0, "{out}");

    // Bad files: exit 2, file and line named.
    for (body, want) in [
        (
            "[[broken]]\nscript = \"x\"\nreason = \"r\"\nbogus = 1\n",
            "bad.toml:4",
        ),
        (
            "[[broken]]\nscript = \"x\"\nreason = \"r\"\nlibvirt = \">>9\"\n",
            "bad.toml:4: key `libvirt`: bad version range",
        ),
        (
            "[[broken]]\nscript = \"x[\"\nreason = \"r\"\n",
            "bad.toml:2: key `script`: bad glob",
        ),
    ] {
        let bad = known_broken(d, "bad.toml", body);
        let (code, out, err) = run3(&["problems", s(&mixed), "--known-broken", s(&bad)]);
        assert_eq!(code, 2, "{body}: {out}");
        assert!(err.contains(want), "{body}: {err}");
    }
    let (code, _, err) = run3(&[
        "problems",
        s(&mixed),
        s(&stale),
        "--known-broken",
        s(&stale),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("its own --known-broken"), "{err}");

    // JSON and HTML.
    let (code, out, _) = run3(&[
        "problems",
        s(&mixed),
        "--known-broken",
        s(&stale),
        "-f",
        "json",
    ]);
    assert_eq!(code, 1);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["exit_status"], 1);
    assert_eq!(j["unexpected_passes"][0]["script"], "010-pass.sh");
    assert_eq!(j["expected_failures"][0]["reason"], "fails");
}

#[test]
fn run_known_broken_masks_a_failing_script_and_records_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mixed = fixture("mixed");
    let kb = known_broken(
        d,
        "kb.toml",
        "[[broken]]\nscript = \"020-*\"\ntest = \"lookup after destroy*\"\nreason = \"bug 7: NO_DOMAIN not raised\"\n",
    );
    let (code, out, _) = run3(&["run", "--no-fixture", s(&mixed)]);
    assert_eq!(code, 1, "without the file the failure counts: {out}");

    let xml = d.join("r.xml");
    let json = d.join("r.json");
    let (code, out, err) = run3(&[
        "run",
        "--no-fixture",
        s(&mixed),
        "--known-broken",
        s(&kb),
        "--xml",
        s(&xml),
        "--json",
        s(&json),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("(known broken: bug 7: NO_DOMAIN not raised)"),
        "{out}"
    );
    assert!(
        out.contains("scripts:     2 pass, 1 skip, 1 known broken"),
        "{out}"
    );
    assert!(!out.contains("Failures:"), "{out}");

    // The XML records which entry masked which result, and validates.
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("share/schema/tck-report-1.rng");
    let lint = std::process::Command::new("xmllint")
        .args(["--noout", "--relaxng", s(&schema), s(&xml)])
        .output()
        .expect("xmllint runs");
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );
    let report = tck::report::xml::read(&xml).unwrap();
    let failed = report
        .scripts
        .iter()
        .find(|s| s.id == "020-fail.sh")
        .unwrap();
    let m = failed.mask.as_ref().expect("script masked");
    assert_eq!(m.entry, format!("{}:1", kb.display()));
    assert_eq!(m.reason, "bug 7: NO_DOMAIN not raised");
    assert_eq!(failed.tests[1].mask.as_deref(), Some(m));
    assert!(failed.tests[0].mask.is_none());
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let js = j["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "020-fail.sh")
        .unwrap()
        .clone();
    assert_eq!(js["mask"]["reason"], "bug 7: NO_DOMAIN not raised");
    assert_eq!(
        js["tests"][1]["mask"]["entry"],
        format!("{}:1", kb.display())
    );

    // The report read back gives the same answer in tck problems.
    let (code, out, _) = run3(&["problems", s(&xml), "--known-broken", s(&kb)]);
    assert_eq!(code, 0, "{out}");

    // An entry for a passing script makes the run fail, and says so.
    let stale = known_broken(
        d,
        "stale.toml",
        &format!(
            "{}\n[[broken]]\nscript = \"010-pass.sh\"\nreason = \"fixed\"\n",
            std::fs::read_to_string(&kb).unwrap()
        ),
    );
    let (code, out, _) = run3(&[
        "run",
        "--no-fixture",
        s(&mixed),
        "--known-broken",
        s(&stale),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Known broken but passed"), "{out}");
    assert!(out.contains("010-pass.sh  entry"), "{out}");

    // A bad file stops before anything runs.
    let bad = known_broken(d, "bad.toml", "[[broken]]\nscript = \"x\"\n");
    let (code, out, err) = run3(&["run", "--no-fixture", s(&mixed), "--known-broken", s(&bad)]);
    assert_eq!(code, 2);
    assert!(!out.contains("Summary"), "{out}");
    assert!(err.contains("bad.toml:1: key `reason`: missing"), "{err}");
}

#[test]
fn run_compare_with_prints_regressions_and_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let v1 = scripts(
        &d.join("v1"),
        &[("dom/010-a.sh", PASS2), ("dom/020-b.sh", FAIL2)],
    );
    let old = report_of(&v1, &d.join("old.xml"));
    let v2 = scripts(
        &d.join("v2"),
        &[("dom/010-a.sh", FAIL2), ("dom/020-b.sh", PASS2)],
    );
    let (code, out, _) = run3(&["run", "--no-fixture", s(&v2), "--compare-with", s(&old)]);
    assert_eq!(code, 1, "{out}");
    let cmp = &out[out.find("Compared with").expect(&out)..];
    assert!(cmp.contains("Regressions (2):"), "{out}");
    assert!(cmp.contains("dom/010-a.sh › start  pass → fail"), "{out}");
    assert!(cmp.contains("Fixes (2):"), "{out}");
    // No regressions: the run's own status (0 here) stands.
    let (code, out, _) = run3(&["run", "--no-fixture", s(&v1), "--compare-with", s(&old)]);
    assert_eq!(code, 1, "dom/020-b.sh still fails: {out}");
    let v3 = scripts(&d.join("v3"), &[("dom/010-a.sh", PASS2)]);
    let pass_only = report_of(&v3, &d.join("pass.xml"));
    let (code, out, _) = run3(&[
        "run",
        "--no-fixture",
        s(&v3),
        "--compare-with",
        s(&pass_only),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No regressions."), "{out}");
    // An unreadable OLD stops before the run.
    let (code, out, err) = run3(&[
        "run",
        "--no-fixture",
        s(&v3),
        "--compare-with",
        s(&d.join("nope.xml")),
    ]);
    assert_eq!(code, 2);
    assert!(!out.contains("Summary"), "{out}");
    assert!(err.contains("nope.xml"), "{err}");
}

/// A run of the node-api fixture against `uri` through the libvirt
/// fixture (a real environment fingerprint).
fn driver_run(dir: &Path, uri: &str, name: &str) -> PathBuf {
    let cfg_dir = dir.join(format!("cfg-{name}"));
    std::fs::create_dir_all(&cfg_dir).unwrap();
    let cfg = config_file(&cfg_dir, uri, &unique_prefix());
    let xml = dir.join(format!("{name}.xml"));
    let (code, out, err) = run3(&[
        "run",
        "-q",
        "--config",
        s(&cfg),
        s(&fixture("node-api")),
        "--xml",
        s(&xml),
    ]);
    assert!(code == 0 || code == 1, "{uri}: {out}\n{err}");
    xml
}

#[test]
fn real_driver_runs_compare_and_known_broken_masks_their_discrepancies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let test = driver_run(d, "test:///default", "test");
    let kb = fixture("node-api/known-broken.toml");
    let test_report = tck::report::xml::read(&test).unwrap();
    assert_eq!(test_report.environment.driver, "TEST");

    // One driver: the test driver's two unimplemented APIs are known.
    let (code, out, _) = run3(&["problems", s(&test), "--known-broken", s(&kb)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Expected failures (2)"), "{out}");
    // The QEMU entry is out of scope for a test-driver report.
    assert!(
        out.contains("out of scope for every report (driver QEMU)"),
        "{out}"
    );
    // Removing one entry makes it fail, naming that failure.
    let fewer = known_broken(
        d,
        "fewer.toml",
        &std::fs::read_to_string(&kb)
            .unwrap()
            .replace("test = \"node memory stats\"", "test = \"no such test\""),
    );
    let (code, out, _) = run3(&["problems", s(&test), "--known-broken", s(&fewer)]);
    assert_eq!(code, 1, "{out}");
    let unexpected = &out[out.find("Unexpected failures (1)").expect(&out)..];
    assert!(unexpected.contains("not ok 4 - node memory stats"), "{out}");
    assert!(unexpected.contains("virNodeGetMemoryStats"), "{out}");
    // An entry for a passing test is stale.
    let stale = known_broken(
        d,
        "stale.toml",
        &format!(
            "{}\n[[broken]]\nscript = \"node/*\"\ntest = \"node info\"\nreason = \"fixed long ago\"\n",
            std::fs::read_to_string(&kb).unwrap()
        ),
    );
    let (code, out, _) = run3(&["problems", s(&test), "--known-broken", s(&stale)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("node/010-queries.sh › node info  passed; entry"),
        "{out}"
    );

    let Some(conn) = qemu_system() else {
        return;
    };
    let _ = conn.close();
    let qemu = driver_run(d, "qemu:///system", "qemu");
    let qemu_report = tck::report::xml::read(&qemu).unwrap();
    assert_eq!(qemu_report.environment.driver, "QEMU");
    let (code, out, _) = run3(&["compare", s(&test), s(&qemu)]);
    assert!(
        out.contains("driver                      TEST → QEMU"),
        "{out}"
    );
    // QEMU implements what the test driver lacks: fixes.
    let fixes = &out[out.find("Fixes").expect(&out)..];
    assert!(
        fixes.contains("node/010-queries.sh › node memory stats          fail → pass"),
        "{out}"
    );
    assert!(
        fixes.contains("storage pool capabilities  fail → pass"),
        "{out}"
    );
    // sysinfo needs SMBIOS tables, which this (virtual) host may lack.
    let sysinfo_fails = qemu_report.scripts[0].tests.iter().any(|t| {
        t.description == "host sysinfo" && t.outcome == tck::tap::model::PointOutcome::Fail
    });
    assert_eq!(code, i32::from(sysinfo_fails), "{out}");
    assert_eq!(
        out.contains("host sysinfo  pass → fail"),
        sysinfo_fails,
        "{out}"
    );

    let (code, out, _) = run3(&["problems", s(&test), s(&qemu), "--known-broken", s(&kb)]);
    if sysinfo_fails {
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("Expected failures (3)"), "{out}");
    } else {
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("[2] node/010-queries.sh › host sysinfo  passed; entry"),
            "{out}"
        );
    }
    // Three reports: the matrix and the readiness roll-up.
    let (_, out, _) = run3(&["compare", s(&test), s(&qemu), s(&test)]);
    assert!(out.contains("Readiness by area"), "{out}");
    assert!(out.contains("node  4/6 67% (2 failed)"), "{out}");
}
