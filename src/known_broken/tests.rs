//! Known-broken files, rule by rule: parsing and its errors (each naming
//! file and line), scopes, expiry, flaky, masking, problems and suggest.

use super::*;
use crate::report::model::*;
use crate::report::sample::{self, point, report, script};
use crate::tap::model::{PointOutcome, TapError};
use crate::yaml::Yaml;

const TODAY: Date = Date {
    year: 2026,
    month: 3,
    day: 15,
};

fn kb(text: &str) -> KnownBroken {
    parse(text, "kb.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str) -> String {
    parse(text, "kb.toml").unwrap_err().to_string()
}

fn env(driver: &str, libvirt: &str, hv: &str) -> Environment {
    Environment {
        uri: format!("{}:///system", driver.to_ascii_lowercase()),
        libvirt_library_version: libvirt.into(),
        ..sample::environment(driver, hv, libvirt)
    }
}

/// A QEMU report: one script failing one of two points, one crashing,
/// one passing.
fn qemu_report() -> Report {
    use PointOutcome::*;
    let mut failing = point(2, "restore of a truncated image fails", Fail);
    failing.yaml = Some(Yaml::Map(vec![("got".into(), Yaml::Str("ok".into()))]));
    report(
        env("QEMU", "11.3.0", "10.0.2"),
        vec![
            script(
                "domain/102-broken-save-restore",
                ScriptStatus::Fail,
                vec![point(1, "save", Pass), failing],
            ),
            script(
                "domain/200-crashy",
                ScriptStatus::Crash,
                vec![point(1, "a", Pass)],
            ),
            script("net/010-ok", ScriptStatus::Pass, vec![point(1, "up", Pass)]),
        ],
    )
}

// ---- parsing and errors ----------------------------------------------------

#[test]
fn every_key_parses() {
    let k = kb(r#"
# a comment
[[broken]]
script = "domain/102-*"
test = "restore of a truncated image fails"
driver = "QEMU"
uri = "qemu:///*"
libvirt = ">=9.0, <11.2"
hypervisor = ">=7.2"
os = "debian-12"
arch = "x86_64"
reason = "https://gitlab.com/libvirt/libvirt/-/issues/1"
expires = 2026-06-30
flaky = true

[[broken]]
script = "net/*"
test = 3
reason = "text"
expires = "2026-01-31"
"#);
    assert_eq!(k.entries.len(), 2);
    assert!(k.warnings.is_empty(), "{:?}", k.warnings);
    let e = &k.entries[0];
    assert_eq!(e.location, "kb.toml:3");
    assert_eq!(e.script.text, "domain/102-*");
    assert!(matches!(&e.test, Some(TestSel::Description(p)) if p.text.starts_with("restore")));
    assert_eq!(e.driver.as_deref(), Some("QEMU"));
    assert_eq!(e.libvirt.as_ref().unwrap().text, ">=9.0, <11.2");
    assert_eq!(
        e.expires,
        Some(Date {
            year: 2026,
            month: 6,
            day: 30
        })
    );
    assert!(e.flaky);
    let e = &k.entries[1];
    assert_eq!(e.location, "kb.toml:16");
    assert!(matches!(e.test, Some(TestSel::Number(3))));
    assert!(!e.flaky);
    assert_eq!(e.expires.unwrap().to_string(), "2026-01-31");
    assert_eq!(e.scope_text(), "");
    assert!(kb("").entries.is_empty());
}

#[test]
fn every_error_names_file_line_and_key() {
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        // (file text, what the message must contain)
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nbogus = 1\n", "kb.toml:4"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nbogus = 1\n", "unknown field `bogus`"),
        ("[[brokne]]\nscript = \"a\"\n", "kb.toml:1"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nlibvirt = \">=nine\"\n", "kb.toml:4: key `libvirt`: bad version range"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nhypervisor = \"~1\"\n", "kb.toml:4: key `hypervisor`: bad version range"),
        ("[[broken]]\nscript = \"dom[ain\"\nreason = \"r\"\n", "kb.toml:2: key `script`: bad glob"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\ntest = \"x[\"\n", "kb.toml:4: key `test`: bad glob"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nuri = \"qemu[\"\n", "kb.toml:4: key `uri`: bad glob"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nos = \"[\"\n", "kb.toml:4: key `os`: bad glob"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\narch = \"x86_{64\"\n", "kb.toml:4: key `arch`: bad glob"),
        ("\n[[broken]]\nreason = \"r\"\n", "kb.toml:2: key `script`: missing"),
        ("[[broken]]\nscript = \"a\"\n\n[[broken]]\nscript = \"b\"\nreason = \"r\"\n", "kb.toml:1: key `reason`: missing"),
        ("[[broken]]\nscript = \"a\"\nreason = \"  \"\n", "kb.toml:3: key `reason`: is empty"),
        ("[[broken]]\nscript = \"\"\nreason = \"r\"\n", "kb.toml:2: key `script`: is empty"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\ntest = 0\n", "kb.toml:4: key `test`: 0 is not a test point number"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\ntest = true\n", "kb.toml:4: key `test`: a boolean is not a test point"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nexpires = \"soon\"\n", "kb.toml:4: key `expires`: is not a date"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nexpires = 2026-02-30\n", "kb.toml:4: key `expires`"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nexpires = 2026-02-03T10:00:00Z\n", "kb.toml:4: key `expires`: is not a date"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nflaky = \"yes\"\n", "kb.toml:4"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\ndriver = \"\"\n", "kb.toml:4: key `driver`: is empty"),
        ("[[broken]]\nscript = \"a\"\nreason = \"r\"\nscript = \"b\"\n", "kb.toml:4"),
        ("[broken]\nscript = \"a\"\nreason = \"r\"\n", "kb.toml:1"),
        ("[[broken]\n", "kb.toml:1"),
    ];
    for (text, want) in cases {
        let e = err(text);
        assert!(
            e.contains(want),
            "{text:?}\n  gives {e:?}\n  lacks {want:?}"
        );
    }
}

#[test]
fn entries_that_can_never_match_are_warned_about() {
    let k = kb(r#"
[[broken]]
script = "a"
libvirt = ">=11, <9"
reason = "r"

[[broken]]
script = "b"
driver = "qemux"
reason = "r"

[[broken]]
script = "c"
os = "debian"
reason = "r"

[[broken]]
script = "d"
hypervisor = ">=10.1, <10.1"
reason = "TODO: say why (a bug URL, or what is broken)"

[[broken]]
script = "e"
driver = "qemu"
os = "debian-*"
reason = "fine: lower-case driver, os glob"
"#);
    let w = k.warnings.join("\n");
    assert!(
        w.contains("kb.toml:2: libvirt = \">=11, <9\" contains no version"),
        "{w}"
    );
    assert!(
        w.contains("kb.toml:7: driver = \"qemux\" is not a libvirt driver type"),
        "{w}"
    );
    assert!(
        w.contains("kb.toml:12: os = \"debian\" can never match"),
        "{w}"
    );
    assert!(w.contains("kb.toml:17: hypervisor"), "{w}");
    assert!(
        w.contains("kb.toml:17: the reason is still the placeholder"),
        "{w}"
    );
    assert!(!w.contains("kb.toml:23"), "{w}");
    assert_eq!(k.warnings.len(), 5, "{w}");
}

#[test]
fn loading_a_directory_reads_its_toml_files_in_order_and_warns_about_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "[[broken]]\nscript = \"x\"\nreason = \"second\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[[broken]]\nscript = \"x\"\nreason = \"first\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not toml [[").unwrap();
    let k = load(&[dir.path().to_path_buf()]).unwrap();
    let reasons: Vec<&str> = k.entries.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, ["first", "second"]);
    assert_eq!(k.warnings.len(), 1, "{:?}", k.warnings);
    assert!(k.warnings[0].contains("b.toml:1: the same script, test and scope as"));
    assert!(k.warnings[0].contains("a.toml:1"));
    let e = load(&[dir.path().join("missing.toml")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.toml: cannot read"), "{e}");
}

// ---- scope -----------------------------------------------------------------

fn in_scope(field: &str, e: &Environment) -> bool {
    let k = kb(&format!(
        "[[broken]]\nscript = \"*\"\nreason = \"r\"\n{field}\n"
    ));
    k.entries[0].in_scope(e)
}

#[test]
fn scope_fields_each_match_their_environment_field() {
    let q = env("QEMU", "11.3.0", "10.0.2");
    #[rustfmt::skip]
    let table: &[(&str, bool)] = &[
        ("", true),
        ("driver = \"QEMU\"", true),
        ("driver = \"qemu\"", true),
        ("driver = \"LXC\"", false),
        ("uri = \"qemu:///*\"", true),
        ("uri = \"qemu:///session\"", false),
        ("uri = \"*\"", true),
        ("libvirt = \">=11.3\"", true),
        ("libvirt = \">=11.3.1\"", false),
        ("libvirt = \"<11.3\"", false),
        ("libvirt = \"<=11.3\"", true),
        ("libvirt = \"11\"", true),
        ("libvirt = \">=9.0, <11.3\"", false),
        ("libvirt = \">=9.0, <11.4\"", true),
        ("hypervisor = \">=10.0, <10.1\"", true),
        ("hypervisor = \">10.0\"", false),
        ("hypervisor = \"=10.0.2\"", true),
        ("os = \"debian-12\"", true),
        ("os = \"debian-*\"", true),
        ("os = \"debian-13\"", false),
        ("os = \"fedora-*\"", false),
        ("arch = \"x86_64\"", true),
        ("arch = \"aarch64\"", false),
        ("arch = \"x86_*\"", true),
        ("driver = \"QEMU\"\nlibvirt = \"<11\"", false),
    ];
    for (field, want) in table {
        assert_eq!(in_scope(field, &q), *want, "{field}");
    }
    // A report that does not record a field is not in a scope that needs it.
    let bare = Environment::default();
    for field in [
        "driver = \"QEMU\"",
        "uri = \"*\"",
        "libvirt = \">=0\"",
        "hypervisor = \">=0\"",
        "os = \"*\"",
        "arch = \"*\"",
    ] {
        assert!(!in_scope(field, &bare), "{field}");
    }
    assert!(in_scope("", &bare));
    // The daemon's version counts; the library's when there is no daemon's.
    let mut lib_only = q.clone();
    lib_only.libvirt_daemon_version.clear();
    lib_only.libvirt_library_version = "9.0.0".into();
    assert!(in_scope("libvirt = \"<10\"", &lib_only));
}

#[test]
fn script_and_test_globs() {
    let mut r = qemu_report();
    let k = kb(r#"
[[broken]]
script = "domain/1*"
test = "restore of * fails"
reason = "glob over descriptions"
"#);
    let o = mask_report(&mut r, &k, TODAY);
    assert_eq!(o.expected.len(), 1);
    assert!(r.scripts[0].tests[1].mask.is_some());
    let mut r = qemu_report();
    let k = kb("[[broken]]\nscript = \"domain/1\"\ntest = \"restore*\"\nreason = \"r\"\n");
    mask_report(&mut r, &k, TODAY);
    assert!(r.scripts[0].tests[1].mask.is_none(), "a glob is anchored");
}

// ---- masking ----------------------------------------------------------------

#[test]
fn a_point_entry_masks_its_failing_point_and_then_the_script() {
    let mut r = qemu_report();
    let k = kb(r#"
[[broken]]
script = "domain/102-broken-save-restore"
test = "restore of a truncated image fails"
driver = "QEMU"
libvirt = "<11.4"
reason = "bug 1"
"#);
    let o = mask_report(&mut r, &k, TODAY);
    let s = &r.scripts[0];
    let m: &Mask = s.tests[1].mask.as_deref().expect("point masked");
    assert_eq!(m.entry, "kb.toml:2");
    assert_eq!(m.reason, "bug 1");
    assert!(!m.flaky);
    assert_eq!(s.mask.as_ref(), Some(m), "its only failure is masked");
    assert!(s.tests[0].mask.is_none(), "passing points are not masked");
    assert!(r.scripts[1].mask.is_none(), "the crash is not covered");
    assert_eq!(o.expected.len(), 1);
    assert_eq!(
        o.expected[0].test.as_deref(),
        Some("restore of a truncated image fails")
    );
    // Out of scope (libvirt too new): nothing masked.
    let k = kb(
        "[[broken]]\nscript = \"domain/102-*\"\ntest = 2\nlibvirt = \"<11.3\"\nreason = \"r\"\n",
    );
    let o = mask_report(&mut r, &k, TODAY);
    assert!(r.scripts[0].mask.is_none() && r.scripts[0].tests[1].mask.is_none());
    assert!(o.hits.is_empty());
}

#[test]
fn a_script_entry_masks_a_crash_and_every_failing_point() {
    let mut r = qemu_report();
    r.scripts[1].tests.push(point(2, "b", PointOutcome::Fail));
    let k = kb("[[broken]]\nscript = \"domain/200-crashy\"\nreason = \"segfaults\"\n");
    let o = mask_report(&mut r, &k, TODAY);
    let s = &r.scripts[1];
    assert_eq!(
        s.mask.as_ref().map(|m| m.reason.as_str()),
        Some("segfaults")
    );
    assert!(s.tests[1].mask.is_some());
    assert_eq!(o.expected.len(), 1, "one item for the script");
    assert_eq!(o.expected[0].status, "crash");
    assert!(o.expected[0].test.is_none());
}

#[test]
fn a_script_is_not_masked_while_a_failure_or_a_tap_error_is_left() {
    use PointOutcome::*;
    let mk = || {
        report(
            env("QEMU", "11.3.0", "10.0.2"),
            vec![script(
                "x/1",
                ScriptStatus::Fail,
                vec![point(1, "a", Fail), point(2, "b", Fail)],
            )],
        )
    };
    let k = kb("[[broken]]\nscript = \"x/1\"\ntest = \"a\"\nreason = \"r\"\n");
    let mut r = mk();
    mask_report(&mut r, &k, TODAY);
    assert!(r.scripts[0].tests[0].mask.is_some());
    assert!(r.scripts[0].mask.is_none(), "b still fails");
    let k2 = kb("[[broken]]\nscript = \"x/1\"\ntest = \"*\"\nreason = \"r\"\n");
    let mut r = mk();
    r.scripts[0].parse_errors.push(TapError {
        line: 3,
        message: "planned 2 but ran 3".into(),
    });
    mask_report(&mut r, &k2, TODAY);
    assert!(r.scripts[0].tests.iter().all(|t| t.mask.is_some()));
    assert!(
        r.scripts[0].mask.is_none(),
        "the TAP error is not explained"
    );
    // Two entries, one per point: the script's mask names both.
    let k3 = kb("[[broken]]\nscript = \"x/1\"\ntest = \"a\"\nreason = \"ra\"\n\n[[broken]]\nscript = \"x/1\"\ntest = 2\nreason = \"rb\"\nflaky = true\n");
    let mut r = mk();
    mask_report(&mut r, &k3, TODAY);
    let m = r.scripts[0].mask.as_ref().unwrap();
    assert_eq!(m.entry, "kb.toml:1, kb.toml:6");
    assert_eq!(m.reason, "ra; rb");
    assert!(!m.flaky, "flaky only when every entry is");
}

#[test]
fn test_numbers_select_top_level_points_descriptions_any_depth() {
    use PointOutcome::*;
    let mut parent = point(1, "hotplug", Fail);
    parent.subtest = Some(Box::new(Subtest {
        name: Some("hotplug".into()),
        plan: None,
        tests: vec![point(1, "attach", Pass), point(2, "detach", Fail)],
    }));
    let mk = || {
        report(
            env("QEMU", "11.3.0", "10.0.2"),
            vec![script("x/1", ScriptStatus::Fail, vec![parent.clone()])],
        )
    };
    let mut r = mk();
    let k = kb("[[broken]]\nscript = \"x/1\"\ntest = \"detach\"\nreason = \"r\"\n");
    let o = mask_report(&mut r, &k, TODAY);
    let p = &r.scripts[0].tests[0];
    assert!(p.subtest.as_ref().unwrap().tests[1].mask.is_some());
    assert!(p.mask.is_some(), "the subtest's only failure is masked");
    assert!(r.scripts[0].mask.is_some());
    assert_eq!(o.expected[0].test.as_deref(), Some("hotplug › detach"));
    // Number 2 is not a top-level point: nothing masked.
    let mut r = mk();
    let k = kb("[[broken]]\nscript = \"x/1\"\ntest = 2\nreason = \"r\"\n");
    mask_report(&mut r, &k, TODAY);
    assert!(r.scripts[0].mask.is_none());
    // Number 1 is: the subtest point itself.
    let mut r = mk();
    let k = kb("[[broken]]\nscript = \"x/1\"\ntest = 1\nreason = \"r\"\n");
    mask_report(&mut r, &k, TODAY);
    assert!(r.scripts[0].tests[0].mask.is_some());
    assert!(r.scripts[0].mask.is_some());
}

#[test]
fn masking_again_clears_old_masks() {
    let mut r = qemu_report();
    let k = kb("[[broken]]\nscript = \"domain/102-*\"\nreason = \"r\"\n");
    mask_report(&mut r, &k, TODAY);
    assert!(r.scripts[0].mask.is_some());
    mask_report(&mut r, &KnownBroken::default(), TODAY);
    assert!(r.scripts[0].mask.is_none());
    assert!(r.scripts[0].tests[1].mask.is_none());
}

// ---- flaky, expiry, problems ----------------------------------------------------

fn problems_of(mut r: Report, text: &str) -> Problems {
    let k = kb(text);
    let o = mask_report(&mut r, &k, TODAY);
    problems(&[(&r, &o)], &["r.xml".to_string()], &k, TODAY)
}

#[test]
fn a_flaky_entry_masks_a_failure_and_accepts_a_pass() {
    let text = "[[broken]]\nscript = \"*\"\ntest = \"restore*\"\nreason = \"sometimes\"\nflaky = true\n\n[[broken]]\nscript = \"net/010-ok\"\nreason = \"flaky net\"\nflaky = true\n";
    let p = problems_of(qemu_report(), text);
    assert_eq!(p.expected_failures.len(), 1);
    assert!(p.expected_failures[0].flaky);
    assert!(p.unexpected_passes.is_empty(), "a flaky entry may pass");
    assert!(p.unused.is_empty(), "{:?}", p.unused);
    // The same entries without `flaky`: the pass is unexpected.
    let p = problems_of(qemu_report(), &text.replace("flaky = true\n", ""));
    assert_eq!(p.unexpected_passes.len(), 1);
    assert_eq!(p.unexpected_passes[0].script, "net/010-ok");
    assert_eq!(p.unexpected_passes[0].entry, "kb.toml:6");
    assert_eq!(p.exit_status(), 1);
}

#[test]
fn unexpected_failures_and_passes_decide_the_exit_status() {
    // Nothing known: both failures are unexpected.
    let p = problems_of(qemu_report(), "");
    let ids: Vec<&str> = p
        .unexpected_failures
        .iter()
        .map(|u| u.script.as_str())
        .collect();
    assert_eq!(ids, ["domain/102-broken-save-restore", "domain/200-crashy"]);
    assert_eq!(p.unexpected_failures[0].points.len(), 1);
    assert_eq!(p.unexpected_failures[0].points[0].diagnostics, ["got: ok"]);
    assert!(p.unexpected_failures[1].points.is_empty());
    assert_eq!(p.exit_status(), 1);
    // Both known: exit 0.
    let all = "[[broken]]\nscript = \"domain/102-*\"\ntest = \"restore*\"\nreason = \"a\"\n\n[[broken]]\nscript = \"domain/200-crashy\"\nreason = \"b\"\n";
    let p = problems_of(qemu_report(), all);
    assert!(
        p.unexpected_failures.is_empty(),
        "{:?}",
        p.unexpected_failures
    );
    assert_eq!(p.expected_failures.len(), 2);
    assert_eq!(p.exit_status(), 0);
    // A passing point named by a non-flaky entry: unexpected pass, exit 1.
    let stale = format!("{all}\n[[broken]]\nscript = \"domain/102-*\"\ntest = \"save\"\nreason = \"fixed long ago\"\n");
    let p = problems_of(qemu_report(), &stale);
    assert_eq!(p.unexpected_passes.len(), 1);
    assert_eq!(p.unexpected_passes[0].test.as_deref(), Some("save"));
    assert_eq!(p.exit_status(), 1);
    let t = render::text(&p);
    assert!(
        t.contains("known broken but passed: remove these entries"),
        "{t}"
    );
    assert!(
        t.contains("domain/102-broken-save-restore › save  passed; entry kb.toml:10"),
        "{t}"
    );
}

#[test]
fn expiry_is_inclusive_and_expired_entries_mask_nothing() {
    let entry = |date: &str| {
        format!("[[broken]]\nscript = \"domain/200-crashy\"\nreason = \"r\"\nexpires = {date}\n")
    };
    let p = problems_of(qemu_report(), &entry("2026-03-15"));
    assert!(p.expired.is_empty(), "still valid on its expiry day");
    assert_eq!(p.expected_failures.len(), 1);
    let p = problems_of(qemu_report(), &entry("2026-03-14"));
    assert_eq!(p.expired.len(), 1);
    assert_eq!(p.expired[0].expires, "2026-03-14");
    assert_eq!(p.expired[0].failures, 1);
    assert!(p.expected_failures.is_empty());
    let crash = p
        .unexpected_failures
        .iter()
        .find(|u| u.script == "domain/200-crashy")
        .unwrap();
    assert_eq!(crash.expired_entries, ["kb.toml:1"]);
    assert!(
        p.unused.is_empty(),
        "expired entries are listed as expired only"
    );
}

#[test]
fn entries_that_matched_nothing_say_why() {
    let text = r#"
[[broken]]
script = "domain/999-*"
reason = "no such script"

[[broken]]
script = "net/*"
driver = "LXC"
reason = "other driver"

[[broken]]
script = "net/010-ok"
test = "down"
reason = "no such point"

[[broken]]
script = "storage/*"
reason = "only skipped"
"#;
    let mut r = qemu_report();
    r.scripts.push(ScriptResult::without_output(
        "storage/010-pool",
        "",
        ScriptStatus::Skip,
        "unsupported by driver",
    ));
    let p = problems_of(r, text);
    let why: Vec<(&str, &str)> = p
        .unused
        .iter()
        .map(|u| (u.entry.as_str(), u.why.as_str()))
        .collect();
    assert_eq!(
        why,
        [
            ("kb.toml:2", "no script id matches \"domain/999-*\""),
            ("kb.toml:6", "out of scope for every report (driver LXC)"),
            (
                "kb.toml:11",
                "no test point of the matching scripts matches \"down\""
            ),
        ]
    );
    assert_eq!(p.not_exercised.len(), 1);
    assert_eq!(p.not_exercised[0].entry, "kb.toml:16");
    assert_eq!(p.exit_status(), 1, "the failures are still unexpected");
}

#[test]
fn suggest_writes_entries_that_problems_accepts_and_that_mask_every_failure() {
    use PointOutcome::*;
    let mut r = qemu_report();
    // A description with glob characters must be matched literally.
    r.scripts[0]
        .tests
        .push(point(3, "cpu [0-3] * pinned?", Fail));
    r.scripts[0].tests.push(point(4, "", Fail));
    let (text, n) = suggest::suggest(&[&r], &["r.xml".to_string()]);
    assert_eq!(n, 4, "{text}");
    let k = parse(&text, "suggested.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(k.entries.len(), 4);
    assert!(
        k.warnings.iter().all(|w| w.contains("placeholder")),
        "{:?}",
        k.warnings
    );
    assert!(text.contains("driver = \"QEMU\""), "{text}");
    assert!(text.contains("libvirt = \">=11.3.0\""), "{text}");
    assert!(text.contains("os = \"debian-12\""), "{text}");
    assert!(text.contains("arch = \"x86_64\""), "{text}");
    assert!(text.contains("test = 4"), "{text}");
    assert!(text.contains("# seen: got: ok"), "{text}");
    let o = mask_report(&mut r, &k, TODAY);
    let p = problems(&[(&r, &o)], &["r.xml".to_string()], &k, TODAY);
    assert!(
        p.unexpected_failures.is_empty(),
        "{:?}",
        p.unexpected_failures
    );
    assert!(p.unexpected_passes.is_empty());
    assert_eq!(p.exit_status(), 0);
    // The literal glob does not match a similar description.
    assert!(!k.entries[1]
        .script
        .matches("domain/102-broken-save-restorX"));
    // Already masked failures are not suggested again.
    let (_, n) = suggest::suggest(&[&r], &["r.xml".to_string()]);
    assert_eq!(n, 0);
}

#[test]
fn problems_json_and_html() {
    let p = problems_of(
        qemu_report(),
        "[[broken]]\nscript = \"domain/200-crashy\"\nreason = \"<b>segfault</b>\"\n",
    );
    let mut out = Vec::new();
    render::write_json(&p, &mut out).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["exit_status"], 1);
    assert_eq!(
        j["unexpected_failures"][0]["script"],
        "domain/102-broken-save-restore"
    );
    assert_eq!(j["expected_failures"][0]["reason"], "<b>segfault</b>");
    assert_eq!(j["expected_failures"][0]["entry"], "kb.toml:1");
    let page = render::html(&p).unwrap();
    assert!(page.contains("&lt;b&gt;segfault"), "escaped");
    assert!(!page.contains("<b>segfault"));
    let unexpected = page.find("Unexpected failures (1)").unwrap();
    let expected = page.find("Expected failures (1)").unwrap();
    assert!(unexpected < expected);
}

#[test]
fn the_example_file_loads_no_entry_and_every_commented_entry_is_valid() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conf/known-broken/example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // As shipped: nothing (loading it must not mask anything). Loaded from
    // a directory of its own: conf/known-broken also holds the suite's real
    // entries (<area>.toml).
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&path, dir.path().join("example.toml")).unwrap();
    let k = load(&[dir.path().to_path_buf()]).unwrap();
    assert!(k.entries.is_empty() && k.warnings.is_empty());
    // Uncommented ("#" followed by no space): valid entries, no warnings,
    // and every key of the format appears.
    let entries: String = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix('#')
                .filter(|r| !r.starts_with([' ', '\t']) && !r.is_empty())
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let k = parse(&entries, "example.toml").unwrap_or_else(|e| panic!("{e}\n{entries}"));
    assert_eq!(k.entries.len(), 3);
    assert!(k.warnings.is_empty(), "{:?}", k.warnings);
    for key in [
        "script",
        "test",
        "driver",
        "uri",
        "libvirt",
        "hypervisor",
        "os",
        "arch",
        "reason",
        "expires",
        "flaky",
    ] {
        assert!(
            entries.lines().any(|l| l.starts_with(&format!("{key} ="))),
            "the example shows {key}"
        );
        assert!(
            text.lines().any(|l| l.starts_with(&format!("# {key} "))),
            "the example explains {key}"
        );
    }
}
