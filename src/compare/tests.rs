//! Comparisons of small synthetic reports, end to end (alignment, classes,
//! counts, notes, outputs).

use super::render::RenderOptions;
use super::*;
use crate::report::model::*;
use crate::report::sample;
use crate::tap::model::PointOutcome;
use crate::yaml::Yaml;

/// A point whose directive (if any) says "unsupported by driver".
fn point(n: u64, desc: &str, outcome: PointOutcome) -> TestResult {
    let mut p = sample::point(n, desc, outcome);
    p.reason = p.directive.map(|_| "unsupported by driver".to_string());
    p
}

fn failing(n: u64, desc: &str, got: &str) -> TestResult {
    let mut p = point(n, desc, PointOutcome::Fail);
    p.yaml = Some(Yaml::Map(vec![
        ("got".into(), Yaml::Str(got.into())),
        ("expected".into(), Yaml::Str("NO_DOMAIN".into())),
    ]));
    p
}

fn script(id: &str, status: ScriptStatus, reason: &str, tests: Vec<TestResult>) -> ScriptResult {
    let mut s = sample::script(id, status, tests);
    s.reason = reason.into();
    s
}

fn report(driver: &str, libvirt: &str, scripts: Vec<ScriptResult>) -> Report {
    sample::report(sample::environment(driver, "", libvirt), scripts)
}

/// Before: everything passes. After: one point regresses, one is fixed
/// (was todo), one new point fails, one is removed, a script crashes.
fn before_after() -> (Report, Report) {
    use PointOutcome::*;
    let before = report(
        "QEMU",
        "11.3.0",
        vec![
            script(
                "domain/050-lifecycle",
                ScriptStatus::Pass,
                "",
                vec![
                    point(1, "define", Pass),
                    point(2, "start", Pass),
                    point(3, "hotplug", Todo),
                    point(4, "old check", Pass),
                ],
            ),
            script(
                "domain/060-crashy",
                ScriptStatus::Pass,
                "",
                vec![point(1, "a", Pass), point(2, "b", Pass)],
            ),
            script(
                "storage/010-pool",
                ScriptStatus::Pass,
                "",
                vec![point(1, "pool", Pass)],
            ),
        ],
    );
    let mut crashed = script(
        "domain/060-crashy",
        ScriptStatus::Crash,
        "killed by SIGSEGV after 1 test points",
        vec![point(1, "a", Pass)],
    );
    crashed.stderr_tail = "segfault in virDomainFoo\n".into();
    let mut skipped = ScriptResult::without_output(
        "storage/010-pool",
        "",
        ScriptStatus::Skip,
        "unsupported by driver: no pools",
    );
    skipped.skip_kind = Some(SkipKind::Unsupported);
    let after = report(
        "QEMU",
        "11.4.0",
        vec![
            script(
                "domain/050-lifecycle",
                ScriptStatus::Fail,
                "2 of 4 test points failed",
                vec![
                    point(1, "define", Pass),
                    failing(2, "start", "domain is already active"),
                    point(3, "hotplug", Pass),
                    failing(4, "new check", "nope"),
                ],
            ),
            crashed,
            skipped,
        ],
    );
    (before, after)
}

fn inputs<'a>(reports: &'a [Report], names: &'a [String]) -> Vec<Input<'a>> {
    reports
        .iter()
        .zip(names)
        .map(|(r, s)| Input {
            report: r,
            source: s,
        })
        .collect()
}

fn classes(p: &Pair, cmp: &Comparison<'_>) -> Vec<(Class, String)> {
    p.changes
        .iter()
        .map(|c| (c.class, render::subject_line(cmp, c)))
        .collect()
}

#[test]
fn two_reports_give_every_class_at_both_levels_regressions_first() {
    let (a, b) = before_after();
    let reports = [a, b];
    let names = ["before.xml".to_string(), "after.xml".to_string()];
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    assert_eq!(cmp.pairs.len(), 1);
    let p = &cmp.pairs[0];
    let got = classes(p, &cmp);
    let want: Vec<(Class, String)> = vec![
        (Class::Regression, "domain/050-lifecycle".into()),
        (Class::Regression, "domain/050-lifecycle › start".into()),
        (Class::Regression, "domain/060-crashy".into()),
        (Class::NewFailure, "domain/050-lifecycle › new check".into()),
        (Class::NewlySkipped, "storage/010-pool".into()),
        (Class::NewlySkipped, "storage/010-pool › pool".into()),
        (Class::NoLongerRun, "domain/060-crashy › b".into()),
        (Class::Fix, "domain/050-lifecycle › hotplug".into()),
        (
            Class::RemovedTest,
            "domain/050-lifecycle › old check".into(),
        ),
    ];
    assert_eq!(got, want);
    assert_eq!(p.scripts.get(Class::Regression), 2);
    assert_eq!(p.points.get(Class::Regression), 1);
    assert_eq!(p.points.get(Class::Unchanged), 2, "define, a");
    assert_eq!(cmp.regressions(), 3);
    assert!(FailOn::Regressions.fails(&cmp));
    assert!(FailOn::Changes.fails(&cmp));
    assert!(!FailOn::Never.fails(&cmp));
    let diff: Vec<&str> = cmp.environment.iter().map(|d| d.field).collect();
    assert_eq!(diff, ["libvirt daemon"]);
}

#[test]
fn diagnostics_come_from_the_worse_side() {
    let (a, b) = before_after();
    let reports = [a, b];
    let names = ["before.xml".to_string(), "after.xml".to_string()];
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    let p = &cmp.pairs[0];
    let find = |s: &str| {
        p.changes
            .iter()
            .find(|c| render::subject_line(&cmp, c) == s)
            .unwrap()
    };
    let d = render::diagnostics(&cmp, p, find("domain/050-lifecycle › start"));
    assert_eq!(d, ["got: domain is already active", "expected: NO_DOMAIN"]);
    let d = render::diagnostics(&cmp, p, find("domain/060-crashy"));
    assert_eq!(
        d,
        [
            "killed by SIGSEGV after 1 test points",
            "stderr: segfault in virDomainFoo"
        ]
    );
    let d = render::diagnostics(&cmp, p, find("domain/060-crashy › b"));
    assert_eq!(
        d,
        ["not reached: the script ended with crash (killed by SIGSEGV after 1 test points)"]
    );
    // A fix is explained by the earlier (worse) side: its TODO reason.
    let d = render::diagnostics(&cmp, p, find("domain/050-lifecycle › hotplug"));
    assert_eq!(d, ["TODO: unsupported by driver"]);
    let d = render::diagnostics(&cmp, p, find("storage/010-pool › pool"));
    assert_eq!(d, ["script skipped: unsupported by driver: no pools"]);
}

#[test]
fn text_diff_lists_regressions_first_with_diagnostics_and_environment() {
    let (a, b) = before_after();
    let reports = [a, b];
    let names = ["before.xml".to_string(), "after.xml".to_string()];
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    let t = render::text(&cmp, RenderOptions::default());
    let reg = t.find("Regressions (3):").expect(&t);
    let fix = t.find("Fixes (1):").expect(&t);
    assert!(reg < fix, "{t}");
    assert!(t.contains("libvirt daemon  11.3.0 → 11.4.0"), "{t}");
    assert!(t.contains("domain/050-lifecycle › start"), "{t}");
    assert!(t.contains("pass → fail"), "{t}");
    assert!(t.contains("      got: domain is already active"), "{t}");
    assert!(
        t.contains("Test points: 1 regression, 1 new failure, 1 newly skipped"),
        "{t}"
    );
    assert!(!t.contains("No regressions"), "{t}");
    // Capped lists say how many more there are.
    let t = render::text(
        &cmp,
        RenderOptions {
            all: false,
            limit: 1,
        },
    );
    assert!(t.contains("… and 2 more (--all lists them)"), "{t}");
}

#[test]
fn json_has_every_change_the_matrix_and_the_roll_up() {
    let (a, b) = before_after();
    let reports = [a, b];
    let names = ["before.xml".to_string(), "after.xml".to_string()];
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    let mut out = Vec::new();
    render::write_json(&cmp, &mut out).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["regressions"], 3);
    assert_eq!(
        j["reports"][1]["label"],
        "QEMU, libvirt 11.4.0, debian-12 x86_64"
    );
    assert_eq!(
        j["reports"][1]["environment"]["libvirt_daemon_version"],
        "11.4.0"
    );
    let changes = j["pairs"][0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 9);
    assert_eq!(changes[1]["class"], "regression");
    assert_eq!(changes[1]["script"], "domain/050-lifecycle");
    assert_eq!(changes[1]["test"], "start");
    assert_eq!(changes[1]["from"], "pass");
    assert_eq!(changes[1]["to"], "fail");
    assert_eq!(j["pairs"][0]["tests"]["regression"], 1);
    assert_eq!(j["pairs"][0]["scripts"]["newly-skipped"], 1);
    let matrix = j["matrix"].as_array().unwrap();
    let pool = matrix
        .iter()
        .find(|r| r["script"] == "storage/010-pool" && r["test"] == "pool")
        .unwrap();
    assert_eq!(pool["states"], serde_json::json!(["pass", "unsupported"]));
    let storage = j["readiness"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == "storage")
        .unwrap();
    assert_eq!(storage["reports"][0]["pass"], 1);
    assert_eq!(storage["reports"][1]["unsupported"], 1);
    assert_eq!(storage["reports"][1]["fraction"], 0.0);
}

#[test]
fn three_reports_give_a_matrix_and_readiness_per_area() {
    use PointOutcome::*;
    let qemu = report(
        "QEMU",
        "11.3.0",
        vec![
            script(
                "domain/050-a",
                ScriptStatus::Pass,
                "",
                vec![point(1, "x", Pass), point(2, "y", Pass)],
            ),
            script(
                "net/010-b",
                ScriptStatus::Pass,
                "",
                vec![point(1, "n", Pass)],
            ),
        ],
    );
    let test = report(
        "TEST",
        "11.3.0",
        vec![
            script(
                "domain/050-a",
                ScriptStatus::Fail,
                "1 of 2 test points failed",
                vec![point(1, "x", Pass), failing(2, "y", "z")],
            ),
            script(
                "net/010-b",
                ScriptStatus::Pass,
                "",
                vec![point(1, "n", Pass)],
            ),
        ],
    );
    let mut lxc_skip = ScriptResult::without_output(
        "domain/050-a",
        "",
        ScriptStatus::Skip,
        "unsupported by driver",
    );
    lxc_skip.skip_kind = Some(SkipKind::Unsupported);
    let lxc = report(
        "LXC",
        "11.3.0",
        vec![
            lxc_skip,
            script(
                "net/010-b",
                ScriptStatus::Pass,
                "",
                vec![point(1, "n", Pass)],
            ),
        ],
    );
    let reports = [qemu, test, lxc];
    let names = ["q.xml", "t.xml", "l.xml"].map(String::from);
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    assert_eq!(cmp.pairs.len(), 2);
    assert_eq!(cmp.pairs[0].regressions(), 2, "script and point y");
    assert_eq!(cmp.pairs[1].regressions(), 0);
    let domain = &cmp.readiness[0];
    assert_eq!(domain.area, "domain");
    assert_eq!((domain.reports[0].pass, domain.reports[0].total), (2, 2));
    assert_eq!(
        (
            domain.reports[1].pass,
            domain.reports[1].fail,
            domain.reports[1].total
        ),
        (1, 1, 2)
    );
    assert_eq!(
        (domain.reports[2].unsupported, domain.reports[2].total),
        (2, 2),
        "the skipped script's points count as unsupported"
    );
    let t = render::text(&cmp, RenderOptions::default());
    assert!(
        t.contains("[1]  QEMU, libvirt 11.3.0, debian-12 x86_64"),
        "{t}"
    );
    assert!(t.contains("driver  QEMU  TEST  LXC"), "{t}");
    assert!(t.contains("domain  2/2 100%"), "{t}");
    assert!(t.contains("0/2 0% (2 unsupported)"), "{t}");
    // Matrix: scripts, and the point that differs; the agreeing point hidden.
    let m = t.find("Matrix").unwrap();
    let matrix = &t[m..];
    assert!(
        matrix.contains("domain/050-a  pass  fail  unsupported"),
        "{t}"
    );
    assert!(matrix.contains("› y"), "{t}");
    assert!(!matrix.contains("› n "), "{t}");
    assert!(matrix.contains("not shown; --all shows them"), "{t}");
    let all = render::text(
        &cmp,
        RenderOptions {
            all: true,
            limit: 0,
        },
    );
    assert!(all.contains("› n"), "{all}");
    assert!(t.contains("[1] → [2]:"), "{t}");
    assert!(t.contains("No regressions from [2] to [3]."), "{t}");
}

#[test]
fn different_schema_versions_are_compared_with_a_note() {
    let (a, mut b) = before_after();
    b.schema_version = 2;
    let reports = [a, b];
    let names = ["a.xml".to_string(), "b.xml".to_string()];
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    assert_eq!(cmp.regressions(), 3, "still compared");
    assert!(
        cmp.notes
            .iter()
            .any(|n| n.contains("different schema versions")
                && n.contains(": 1;")
                && n.ends_with("identities)")),
        "{:?}",
        cmp.notes
    );
}

#[test]
fn unused_renames_and_incomplete_runs_are_noted() {
    let (a, mut b) = before_after();
    b.incomplete = true;
    b.not_run.push(NotRun {
        id: "zz/1".into(),
        reason: "not started: interrupted".into(),
    });
    let reports = [a, b];
    let names = ["a.xml".to_string(), "b.xml".to_string()];
    let mut opts = Options::default();
    opts.renames.insert("nope/1".into(), "nope/2".into());
    let cmp = compare(&inputs(&reports, &names), &opts);
    assert!(
        cmp.notes.iter().any(|n| n.contains("--rename nope/1=")),
        "{:?}",
        cmp.notes
    );
    assert!(
        cmp.notes
            .iter()
            .any(|n| n.contains("incomplete (1 script not run)")),
        "{:?}",
        cmp.notes
    );
    let z = cmp.pairs[0]
        .changes
        .iter()
        .find(|c| cmp.table.scripts[c.script].id == "zz/1")
        .unwrap();
    assert_eq!(z.class, Class::NewTest);
    assert_eq!(z.to, State::NotRun);
}

#[test]
fn identical_reports_have_no_changes() {
    let (a, _) = before_after();
    let reports = [a.clone(), a];
    let names = ["a.xml".to_string(), "b.xml".to_string()];
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    assert!(!cmp.changed());
    assert!(!FailOn::Changes.fails(&cmp));
    let t = render::text(&cmp, RenderOptions::default());
    assert!(t.contains("No regressions."), "{t}");
    assert!(t.contains("Environment: the same in every report"), "{t}");
}

#[test]
fn html_is_self_contained_and_escaped() {
    let (a, mut b) = before_after();
    b.scripts[0].tests[1].description = "<script>alert(1)</script>".into();
    b.scripts[0].tests[1].identity = "<script>alert(1)</script>".into();
    let reports = [a, b];
    let names = ["a.xml".to_string(), "b.xml".to_string()];
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    let page = html::render(&cmp, RenderOptions::default()).unwrap();
    assert!(!page.contains("<script>alert"), "escaped");
    for external in ["<link", "src=\"", "@import", "url("] {
        assert!(!page.contains(external), "fetches something: {external}");
    }
    // The renamed point is a new failure (and the old one removed), not a regression.
    assert!(page.contains(">2 regressions<"), "{page}");
}

#[test]
fn masked_failures_show_as_xfail_with_their_entry_but_keep_their_class() {
    let (a, mut b) = before_after();
    let mask = Mask {
        entry: "conf/known-broken/domain.toml:7".into(),
        reason: "start races the daemon".into(),
        flaky: false,
    };
    b.scripts[0].mask = Some(mask.clone());
    b.scripts[0].tests[1].mask = Some(Box::new(mask));
    let extra = b.clone();
    let reports = [a, b, extra];
    let names = [
        "a.xml".to_string(),
        "b.xml".to_string(),
        "c.xml".to_string(),
    ];
    let cmp = compare(&inputs(&reports[..2], &names[..2]), &Options::default());
    // Compare shows what ran: the masked failure is still a regression…
    let start = cmp.pairs[0]
        .changes
        .iter()
        .find(|c| render::subject_line(&cmp, c) == "domain/050-lifecycle › start")
        .unwrap();
    assert_eq!(start.class, Class::Regression);
    // …and says which entry masked it, with the entry's reason.
    let lines = render::diagnostics(&cmp, &cmp.pairs[0], start);
    assert_eq!(
        lines[0],
        "known broken (conf/known-broken/domain.toml:7): start races the daemon"
    );
    // In a matrix the masked cells read xfail, the unmasked ones fail.
    let cmp = compare(&inputs(&reports, &names), &Options::default());
    let t = render::text(&cmp, RenderOptions::default());
    let row = |name: &str| -> Vec<String> {
        let matrix = &t[t.find("Matrix").unwrap()..];
        let line = matrix.lines().find(|l| l.contains(name)).expect(name);
        line.split_whitespace().map(str::to_string).collect()
    };
    assert_eq!(
        row("domain/050-lifecycle"),
        ["domain/050-lifecycle", "pass", "xfail", "xfail"]
    );
    assert_eq!(row("› start"), ["›", "start", "pass", "xfail", "xfail"]);
    assert_eq!(
        row("› new check"),
        ["›", "new", "check", "absent", "fail", "fail"]
    );
}
