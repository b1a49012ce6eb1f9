//! Selection, retries, repeats, history and profiles, as a user meets them:
//! the built `tck` on external scripts (`--no-fixture`, no libvirt), with
//! the run history and every output in a temporary directory.

mod common;

use common::{executable, tck, validate_report, Run};
use std::path::{Path, PathBuf};
use std::process::Command;

use tck::report::model::{Report, ScriptStatus};

/// A temporary world: a scripts directory, a configuration whose scratch
/// and history directories are inside it, and `tck` run from inside it.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new(extra_config: &str) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("s")).unwrap();
        let w = World { dir };
        std::fs::write(
            w.config(),
            format!(
                "scratch_dir = {:?}\nhistory_dir = {:?}\n{extra_config}",
                w.path("scratch").display().to_string(),
                w.history().display().to_string()
            ),
        )
        .unwrap();
        w
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn config(&self) -> PathBuf {
        self.path("tck.toml")
    }

    fn history(&self) -> PathBuf {
        self.path("history")
    }

    fn scripts(&self) -> String {
        self.path("s").display().to_string()
    }

    /// An executable script `s/<rel>`.
    fn script(&self, rel: &str, body: &str) {
        executable(&self.path("s").join(rel), body);
    }

    /// `tck <args>` with this world's configuration (and its history
    /// directory), from its directory.
    fn tck(&self, args: &[&str]) -> Run {
        Run::of(
            tck()
                .args(args)
                .current_dir(self.dir.path())
                .env("TCK_CONFIG", self.config())
                .env_remove("TCK_HISTORY_DIR"),
        )
    }

    /// `tck run --no-fixture <args> s --json <file>`: the run and its report.
    fn run(&self, args: &[&str]) -> (Run, Report, serde_json::Value) {
        let json = self.path("last.json");
        let _ = std::fs::remove_file(&json);
        let xml = self.path("last.xml");
        let scripts = self.scripts();
        let mut all = vec!["run", "--no-fixture"];
        all.extend_from_slice(args);
        let targets: Vec<&str> = if args.contains(&"--rerun-failed") {
            Vec::new()
        } else {
            vec![scripts.as_str()]
        };
        let (j, x) = (json.display().to_string(), xml.display().to_string());
        all.extend(targets);
        all.extend(["--json", &j, "--xml", &x]);
        let r = self.tck(&all);
        let text = std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("{e}\n{}", r.all()));
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON report");
        let report = tck::report::xml::read(&xml).expect("XML report reads back");
        (r, report, v)
    }
}

fn ids(report: &Report) -> Vec<&str> {
    report.scripts.iter().map(|s| s.id.as_str()).collect()
}

fn status(report: &Report, id: &str) -> ScriptStatus {
    report
        .scripts
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(report)))
        .status
}

fn xpath(path: &Path, expr: &str) -> String {
    let out = Command::new("xmllint")
        .args(["--xpath", expr])
        .arg(path)
        .output()
        .expect("xmllint runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const PASS: &str = "#!/bin/sh\necho 1..1\necho ok 1 - fine\n";
const FAIL: &str = "#!/bin/sh\necho 1..1\necho 'not ok 1 - broken'\n";

/// Fails on its first run only: the state is a hidden file next to it.
const FIRST_RUN_FAILS: &str = "#!/bin/sh
# Fails on its first run only.
state=\"$(dirname \"$0\")/.ran-once\"
echo 1..1
if [ -e \"$state\" ]; then
  echo 'ok 1 - network is active'
else
  : > \"$state\"
  echo 'not ok 1 - network is active'
  echo '  ---'
  echo '  got: inactive'
  echo '  ...'
fi
";

/// A suite with metadata, in areas.
fn metadata_world() -> World {
    let w = World::new("[filters]\nquick = \"!tag(slow)\"\nsmoke2 = \"@quick & priority(<=1)\"\n");
    w.script(
        "domain/010-define.sh",
        "#!/bin/sh\n# Defines a guest.\n# tck: tags=guest priority=0\necho 1..1\necho ok 1\n",
    );
    w.script(
        "domain/020-migrate.sh",
        "#!/bin/sh\n# Migrates.\n# tck: tags=guest,slow priority=2\necho 1..1\necho ok 1\n",
    );
    w.script(
        "network/010-nat.sh",
        "#!/bin/sh\n# NAT.\n# tck: tags = network, slow\necho 1..1\necho ok 1\n",
    );
    w.script(
        "storage/100-pool.sh",
        "#!/bin/sh\n# Pool.\n# tck: priority=3\necho 1..1\necho ok 1\n",
    );
    w.script("top.sh", PASS);
    w
}

#[test]
fn list_shows_area_number_tags_and_priority_of_external_scripts() {
    let w = metadata_world();
    let r = w.tck(&["list", "--format", "json", &w.scripts()]);
    assert_eq!(r.code, Some(0), "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let e = &v[1];
    assert_eq!(e["id"], "domain/020-migrate.sh");
    assert_eq!(e["area"], "domain");
    assert_eq!(e["number"], 20);
    assert_eq!(e["title"], "Migrates.");
    assert_eq!(e["tags"], serde_json::json!(["guest", "slow"]));
    assert_eq!(e["priority"], 2);
    let top = &v[4];
    assert_eq!(
        (top["id"].as_str(), top["area"].as_str()),
        (Some("top.sh"), Some(""))
    );
    assert_eq!(top["priority"], 1, "the default priority");
    let r = w.tck(&["list", &w.scripts()]);
    assert!(
        r.stdout
            .contains("network/010-nat.sh     NAT.  [priority 1; tags network, slow]"),
        "{}",
        r.all()
    );
}

#[test]
fn a_filter_picks_exactly_the_expected_scripts_in_list_and_run() {
    let w = metadata_world();
    for (expr, want) in [
        ("area(domain) & !tag(slow)", vec!["domain/010-define.sh"]),
        (
            "priority(<=1)",
            vec!["domain/010-define.sh", "network/010-nat.sh", "top.sh"],
        ),
        (
            "id(*/0*)",
            vec![
                "domain/010-define.sh",
                "domain/020-migrate.sh",
                "network/010-nat.sh",
            ],
        ),
        (
            "tag(slow) | area(storage)",
            vec![
                "domain/020-migrate.sh",
                "network/010-nat.sh",
                "storage/100-pool.sh",
            ],
        ),
        ("@smoke2", vec!["domain/010-define.sh", "top.sh"]),
        ("@smoke", vec!["domain/010-define.sh"]),
        (
            "not (area(domain) or area(network)) and all()",
            vec!["storage/100-pool.sh", "top.sh"],
        ),
    ] {
        let r = w.tck(&["list", "--format", "json", "--filter", expr, &w.scripts()]);
        assert_eq!(r.code, Some(0), "{expr}: {}", r.all());
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let listed: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, want, "list --filter {expr}");
        let (run, report, _) = w.run(&["--filter", expr]);
        assert_eq!(run.code, Some(0), "{expr}: {}", run.all());
        assert_eq!(ids(&report), want, "run --filter {expr}");
    }
}

#[test]
fn a_bad_filter_is_an_error_pointing_at_the_column() {
    let w = metadata_world();
    for sub in ["list", "run"] {
        let mut args = vec![sub, "--filter", "area(domain) & tags(slow)"];
        let s = w.scripts();
        if sub == "run" {
            args.push("--no-fixture");
        }
        args.push(&s);
        let r = w.tck(&args);
        assert_eq!(r.code, Some(2), "{}", r.all());
        assert!(
            r.stderr
                .contains("--filter: column 16: unknown predicate `tags`; did you mean tag()?"),
            "{}",
            r.all()
        );
        assert!(
            r.stderr
                .contains("\n    area(domain) & tags(slow)\n                   ^"),
            "{}",
            r.all()
        );
        assert!(r.stdout.is_empty(), "{}", r.all());
    }
    let r = w.tck(&[
        "run",
        "--no-fixture",
        "--filter",
        "tag(nothing-has-it)",
        &w.scripts(),
    ]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr.contains("picks none of the 5 scripts"),
        "{}",
        r.all()
    );
    // A bad declaration in a script names the file and line.
    w.script("bad.sh", "#!/bin/sh\n# tck: tag=slow\necho 1..0\n");
    let r = w.tck(&["list", &w.scripts()]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr.contains("s/bad.sh:2: unknown item \"tag=slow\""),
        "{}",
        r.all()
    );
}

#[test]
fn an_intermittent_script_is_flaky_with_retries_and_every_attempt_is_kept() {
    let w = World::new("");
    w.script("010-pass.sh", PASS);
    w.script("020-first-run-fails.sh", FIRST_RUN_FAILS);
    let junit = w.path("junit.xml");
    let j = junit.display().to_string();
    let (r, report, json) = w.run(&["--retries", "1", "--junit", &j]);
    assert_eq!(r.code, Some(0), "flaky counts as a pass: {}", r.all());
    assert!(
        r.stdout.lines().any(|l| l.trim_start().starts_with("FLAKY")
            && l.contains("020-first-run-fails.sh")
            && l.contains("(failed 1 of 2 runs: fail")),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("1 pass, 1 flaky"), "{}", r.all());
    // XML: valid, with the failed first attempt kept.
    validate_report(&w.path("last.xml"));
    let s = report
        .scripts
        .iter()
        .find(|s| s.id == "020-first-run-fails.sh")
        .unwrap();
    assert_eq!(s.status, ScriptStatus::Flaky);
    assert_eq!(s.attempts.len(), 1);
    assert_eq!(s.attempts[0].status, ScriptStatus::Fail);
    assert_eq!(s.attempts[0].counts.fail, 1);
    assert_eq!(s.attempts[0].tests[0].description, "network is active");
    assert_eq!(s.pass_rate(), (1, 2));
    assert_eq!(
        xpath(
            &w.path("last.xml"),
            "string(//script[@id='020-first-run-fails.sh']/attempt/@status)"
        ),
        "fail"
    );
    // JSON carries them too.
    assert_eq!(json["scripts"][1]["attempts"][0]["status"], "fail");
    // JUnit: the point that failed and then passed has a flakyFailure.
    let case =
        "//testsuite[@name='020-first-run-fails.sh']/testcase[@name='1 - network is active']";
    assert_eq!(xpath(&junit, &format!("count({case}/flakyFailure)")), "1");
    assert_eq!(xpath(&junit, &format!("count({case}/failure)")), "0");
    assert!(xpath(&junit, &format!("string({case}/flakyFailure)")).contains("got: inactive"));

    // --flaky-fails: the same story is a failure (exit 1).
    std::fs::remove_file(w.path("s/.ran-once")).unwrap();
    let (r, report, _) = w.run(&["--retries", "1", "--flaky-fails"]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert_eq!(
        status(&report, "020-first-run-fails.sh"),
        ScriptStatus::Flaky
    );
    assert!(
        r.stdout.contains("counted as failures (--flaky-fails)"),
        "{}",
        r.all()
    );

    // Without retries it simply fails.
    std::fs::remove_file(w.path("s/.ran-once")).unwrap();
    let (r, report, _) = w.run(&[]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert_eq!(
        status(&report, "020-first-run-fails.sh"),
        ScriptStatus::Fail
    );
}

#[test]
fn retries_stop_at_the_limit_and_a_bailout_is_not_retried() {
    let w = World::new("");
    let counter = "#!/bin/sh\nn=\"$(dirname \"$0\")/.n-$(basename \"$0\")\"\necho x >> \"$n\"\n";
    w.script(
        "010-fail.sh",
        &format!("{counter}echo 1..1\necho 'not ok 1'\n"),
    );
    w.script(
        "020-bail.sh",
        &format!("{counter}echo 1..1\necho 'Bail out! no host'\n"),
    );
    let (r, report, _) = w.run(&["--retries", "2", "-k"]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    let runs = |f: &str| {
        std::fs::read_to_string(w.path(&format!("s/.n-{f}")))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(runs("010-fail.sh"), 3, "1 + 2 retries");
    assert_eq!(runs("020-bail.sh"), 1, "a bail-out is not retried");
    let s = &report.scripts[0];
    assert_eq!(
        (s.status, s.attempts.len(), s.pass_rate()),
        (ScriptStatus::Fail, 2, (0, 3))
    );
    assert!(r.stdout.contains("(failed all 3 runs)"), "{}", r.all());
    assert_eq!(status(&report, "020-bail.sh"), ScriptStatus::Bailout);
}

#[test]
fn repeat_reports_pass_rates() {
    let w = World::new("");
    w.script("010-pass.sh", PASS);
    // Fails on odd runs: 1st, 3rd.
    w.script(
        "020-every-other.sh",
        "#!/bin/sh\nn=\"$(dirname \"$0\")/.n\"\necho x >> \"$n\"\nc=$(wc -l < \"$n\")\necho 1..1\nif [ $((c % 2)) -eq 1 ]; then echo 'not ok 1 - alternate'; else echo 'ok 1 - alternate'; fi\n",
    );
    w.script("030-fail.sh", FAIL);
    let (r, report, _) = w.run(&["--repeat", "4"]);
    assert_eq!(r.code, Some(1), "030 fails every time: {}", r.all());
    assert!(
        r.stdout.contains("pass rates (over 4 runs, lowest first):"),
        "{}",
        r.all()
    );
    let table: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.contains("pass rates"))
        .skip(1)
        .take(3)
        .map(str::trim)
        .collect();
    assert_eq!(
        table,
        [
            "0/4   0%  030-fail.sh  fail",
            "2/4  50%  020-every-other.sh  flaky",
            "4/4 100%  010-pass.sh  pass"
        ],
        "{}",
        r.all()
    );
    let flaky = report
        .scripts
        .iter()
        .find(|s| s.id == "020-every-other.sh")
        .unwrap();
    assert_eq!(
        (flaky.status, flaky.attempts.len(), flaky.pass_rate()),
        (ScriptStatus::Flaky, 3, (2, 4))
    );
    assert_eq!(flaky.counts.pass, 1, "its own data is a passing run");
    validate_report(&w.path("last.xml"));
    // Each pass is a full run of the selection: 4 runs of each script.
    let n = std::fs::read_to_string(w.path("s/.n"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(n, 4);
    assert!(r.stderr.contains("note: repetition 4 of 4"), "{}", r.all());
    // --repeat with --retries is refused.
    let r = w.tck(&[
        "run",
        "--no-fixture",
        "--repeat",
        "2",
        "--retries",
        "1",
        &w.scripts(),
    ]);
    assert_eq!(r.code, Some(2), "{}", r.all());
}

#[test]
fn rerun_failed_runs_only_what_did_not_pass_last_time() {
    let w = World::new("");
    // Before any run: a clear message.
    let r = w.tck(&["run", "--no-fixture", "--rerun-failed"]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr
            .contains("--rerun-failed: no run of test:///default is recorded"),
        "{}",
        r.all()
    );
    assert!(
        r.stderr.contains("run the scripts once first"),
        "{}",
        r.all()
    );

    w.script("010-pass.sh", PASS);
    w.script("020-fail.sh", FAIL);
    w.script("sub/030-fail.sh", FAIL);
    w.script(
        "040-crash.sh",
        "#!/bin/sh\necho 1..2\necho ok 1\nkill -SEGV $$\n",
    );
    let (r, report, _) = w.run(&[]);
    assert_eq!(r.code, Some(1));
    assert_eq!(ids(&report).len(), 4);

    // No targets: the external scripts are found again by their recorded paths.
    let (r, report, _) = w.run(&["--rerun-failed"]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert_eq!(
        ids(&report),
        ["020-fail.sh", "040-crash.sh", "sub/030-fail.sh"]
    );

    // Fix two of them: the next rerun runs what still failed last time.
    w.script("020-fail.sh", PASS);
    w.script("040-crash.sh", PASS);
    let (r, report, _) = w.run(&["--rerun-failed"]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert_eq!(
        report
            .scripts
            .iter()
            .filter(|s| s.status.is_failure())
            .count(),
        1
    );
    let (_, report, _) = w.run(&["--rerun-failed"]);
    assert_eq!(ids(&report), ["sub/030-fail.sh"]);

    // With targets: only among them.
    let r = w.tck(&["run", "--no-fixture", "--rerun-failed", &w.scripts()]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.stdout.contains("sub/030-fail.sh"), "{}", r.all());
    assert!(r.stdout.contains("Summary: 1 script"), "{}", r.all());
    let one = w.path("s/020-fail.sh").display().to_string();
    let r = w.tck(&["run", "--no-fixture", "--rerun-failed", &one]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr.contains("none of the scripts given failed in the last run on test:///default; what did not pass: sub/030-fail.sh"),
        "{}",
        r.all()
    );

    // Nothing failed: said so, exit 0, nothing run.
    w.script("sub/030-fail.sh", PASS);
    let (r, _, _) = w.run(&["--rerun-failed"]);
    assert_eq!(r.code, Some(0), "{}", r.all());
    let r = w.tck(&["run", "--no-fixture", "--rerun-failed"]);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert!(r.stdout.starts_with("Nothing to rerun: every script passed or was skipped in the last run on test:///default"), "{}", r.all());
}

#[test]
fn history_lists_the_runs_with_counts_and_environment_changes() {
    let w = World::new("");
    w.script("010-pass.sh", PASS);
    w.script("020-fail.sh", FAIL);
    let r = w.tck(&["history"]);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert!(
        r.stdout
            .starts_with("No run of test:///default is recorded"),
        "{}",
        r.all()
    );
    w.run(&[]);
    w.run(&["--retries", "1"]);
    // A different configuration (timeout) changes the config digest.
    std::fs::write(
        w.config(),
        std::fs::read_to_string(w.config()).unwrap() + "timeout = 77\n",
    )
    .unwrap();
    w.run(&["--filter", "id(010*)"]);
    let r = w.tck(&["history"]);
    assert_eq!(r.code, Some(0), "{}", r.all());
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("Runs of test:///default (newest first; 3 of 3 kept in "),
        "{}",
        r.all()
    );
    assert!(lines[1].contains("1 script: 1 pass"), "{}", r.all());
    assert!(
        lines[2].trim_start().starts_with("changed: config "),
        "{}",
        r.all()
    );
    assert!(
        lines[3].contains("2 scripts: 1 pass, 1 fail  did not pass: 020-fail.sh"),
        "{}",
        r.all()
    );
    assert!(
        lines[4].contains("2 scripts: 1 pass, 1 fail"),
        "{}",
        r.all()
    );
    assert_eq!(lines.len(), 5, "{}", r.all());

    let r = w.tck(&["history", "--format", "json", "--limit", "2"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let runs = v.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["counts"], serde_json::json!({"pass": 1}));
    assert_eq!(runs[0]["changes"][0]["field"], "config");
    assert_eq!(runs[1]["failed"], serde_json::json!(["020-fail.sh"]));
    assert!(runs[1]["changes"].as_array().unwrap().is_empty());

    // Another URI has its own history.
    let r = w.tck(&["history", "--uri", "qemu:///nowhere"]);
    assert!(
        r.stdout.contains("Runs are recorded for: test:///default"),
        "{}",
        r.all()
    );
}

#[test]
fn the_history_keeps_at_most_history_keep_runs() {
    let w = World::new("history_keep = 2\n");
    w.script("010-pass.sh", PASS);
    for _ in 0..4 {
        w.run(&[]);
    }
    let r = w.tck(&["history", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let dirs: Vec<_> = std::fs::read_dir(w.history()).unwrap().collect();
    assert_eq!(dirs.len(), 1);
}

#[test]
fn slow_first_starts_the_longest_scripts_first_from_recorded_durations() {
    let w = World::new("");
    let sleeper = |secs: &str| format!("#!/bin/sh\nsleep {secs}\necho 1..1\necho ok 1\n");
    w.script("010-quick.sh", &sleeper("0.05"));
    w.script("020-slow.sh", &sleeper("0.6"));
    w.script("030-medium.sh", &sleeper("0.3"));
    let (_, first, _) = w.run(&["-j1"]);
    assert_eq!(
        ids(&first),
        ["010-quick.sh", "020-slow.sh", "030-medium.sh"]
    );
    let (r, report, _) = w.run(&["-j1", "--order", "slow-first"]);
    assert_eq!(r.code, Some(0), "{}", r.all());
    // With -j1 lines come in start order; the report stays in path order.
    let started: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("PASS"))
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    assert_eq!(
        started,
        ["020-slow.sh", "030-medium.sh", "010-quick.sh"],
        "{}",
        r.all()
    );
    assert_eq!(
        ids(&report),
        ["010-quick.sh", "020-slow.sh", "030-medium.sh"]
    );
    // failed-first and recent with a failure recorded.
    w.script("030-medium.sh", FAIL);
    w.run(&["-j1"]);
    let (r, _, _) = w.run(&["-j1", "--order", "failed-first"]);
    let first_line = r.stdout.lines().next().unwrap_or_default();
    assert!(first_line.contains("030-medium.sh"), "{}", r.all());
    w.script("010-quick.sh", &sleeper("0.01"));
    let (r, _, _) = w.run(&["-j1", "--order", "recent"]);
    let order: Vec<&str> = r
        .stdout
        .lines()
        .take(3)
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    assert_eq!(
        order,
        ["010-quick.sh", "030-medium.sh", "020-slow.sh"],
        "changed, then failed: {}",
        r.all()
    );
}

#[test]
fn profiles_set_defaults_and_flags_override_them() {
    let w = World::new(
        "[profile.nightly]\nverbosity = \"quiet\"\nretries = 1\nflaky_fails = true\n\
         filter = \"!tag(skipme)\"\njunit = \"out/{profile}-{uri}.xml\"\nxml = \"out/{profile}.xml\"\n",
    );
    w.script("010-pass.sh", PASS);
    w.script("020-first-run-fails.sh", FIRST_RUN_FAILS);
    w.script(
        "030-skipme.sh",
        "#!/bin/sh\n# tck: tags=skipme\necho 1..1\necho 'not ok 1'\n",
    );
    let s = w.scripts();
    let r = w.tck(&["run", "--no-fixture", "--profile", "nightly", &s]);
    // Quiet, retried, flaky counted as a failure, filtered, outputs written.
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(!r.stdout.contains("PASS ["), "quiet: {}", r.all());
    assert!(r.stdout.contains("1 pass, 1 flaky"), "{}", r.all());
    assert!(
        w.path("out/nightly-test_default.xml").exists(),
        "{}",
        r.all()
    );
    validate_report(&w.path("out/nightly.xml"));
    let report = tck::report::xml::read(&w.path("out/nightly.xml")).unwrap();
    assert_eq!(ids(&report), ["010-pass.sh", "020-first-run-fails.sh"]);

    // Flags win: -v, --retries 0, --junit elsewhere (the profile's xml stays).
    std::fs::remove_file(w.path("s/.ran-once")).unwrap();
    std::fs::remove_dir_all(w.path("out")).unwrap();
    let r = w.tck(&[
        "run",
        "--no-fixture",
        "--profile",
        "nightly",
        "-v",
        "--retries",
        "0",
        "--junit",
        "mine.xml",
        &s,
    ]);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(
        r.stdout.contains("── 010-pass.sh ──"),
        "verbose: {}",
        r.all()
    );
    assert!(r.stdout.contains("1 pass, 1 fail"), "no retry: {}", r.all());
    assert!(w.path("mine.xml").exists());
    assert!(!w.path("out/nightly-test_default.xml").exists());
    assert!(w.path("out/nightly.xml").exists());
    // --filter replaces the profile's filter.
    let r = w.tck(&[
        "run",
        "--no-fixture",
        "--profile",
        "nightly",
        "--filter",
        "tag(skipme)",
        &s,
    ]);
    assert!(r.stdout.contains("1 fail"), "{}", r.all());

    // The built-in ci profile: quiet console, JUnit and XML.
    std::fs::remove_file(w.path("s/.ran-once")).unwrap();
    let r = w.tck(&[
        "run",
        "--no-fixture",
        "--profile",
        "ci",
        "--filter",
        "!tag(skipme)",
        &s,
    ]);
    assert_eq!(r.code, Some(0), "retried once, flaky passes: {}", r.all());
    validate_report(&w.path("tck-report.xml"));
    assert!(w.path("tck-junit.xml").exists());

    // An unknown profile names the file and what it has.
    let r = w.tck(&["run", "--no-fixture", "--profile", "nighty", &s]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr
            .contains(&format!("no profile `nighty` in {}", w.config().display())),
        "{}",
        r.all()
    );
    assert!(
        r.stderr.contains("which has: ci, dev, nightly"),
        "{}",
        r.all()
    );
}

mod library {
    //! Retries go through the fixture like every attempt.
    use std::sync::Mutex;
    use tck::harness::fixture::{Fixture, FixtureError};
    use tck::harness::{self, Interrupt, RunSettings, Script, Silent};
    use tck::report::model::{Environment, Leak, ScriptStatus};
    use tck::script::Meta;

    #[derive(Default)]
    struct Counting {
        calls: Mutex<Vec<String>>,
    }

    impl Fixture for Counting {
        fn leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
            Ok(Vec::new())
        }
        fn remove_leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
            Ok(Vec::new())
        }
        fn before_script(&self, id: &str) -> Result<(), FixtureError> {
            self.calls.lock().unwrap().push(format!("before {id}"));
            Ok(())
        }
        fn after_script(&self, id: &str) -> Result<Vec<Leak>, FixtureError> {
            let mut calls = self.calls.lock().unwrap();
            calls.push(format!("after {id}"));
            let n = calls.len();
            Ok(vec![Leak {
                kind: "domain".into(),
                name: format!("tck-leak{n}"),
            }])
        }
        fn check_requirements(&self, _: &Meta) -> Result<(), String> {
            Ok(())
        }
        fn describe(&self, _: &mut Environment) {}
    }

    #[test]
    fn every_attempt_is_cleaned_before_and_after_and_its_leaks_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("010-x.sh");
        std::fs::write(&file, super::FIRST_RUN_FAILS).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        let scripts = vec![Script::external("010-x.sh".into(), file).unwrap()];
        let settings = RunSettings {
            jobs: 1,
            retries: 3,
            scratch_dir: dir.path().join("scratch"),
            ..RunSettings::default()
        };
        let fixture = Counting::default();
        let interrupt = Interrupt::new().unwrap();
        let report = harness::run(&scripts, &settings, &fixture, &interrupt, &mut Silent).unwrap();
        let s = &report.scripts[0];
        assert_eq!(s.status, ScriptStatus::Flaky);
        assert_eq!(s.attempts.len(), 1, "passed on the first retry: no more");
        assert_eq!(
            *fixture.calls.lock().unwrap(),
            [
                "before 010-x.sh",
                "after 010-x.sh",
                "before 010-x.sh",
                "after 010-x.sh"
            ]
        );
        let leaks: Vec<&str> = s.leaked.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(leaks, ["tck-leak2", "tck-leak4"], "both attempts' leaks");
    }
}
