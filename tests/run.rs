//! `tck run` and `tck list` on the fixture scripts under tests/fixtures/,
//! through the built binary; plus scheduler behaviour that needs script
//! metadata or a fixture (exclusive scripts, requirements, leftovers),
//! through the library.

mod common;

use common::{fixture, run, tck};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The status word printed for script `id` ("PASS", "FAIL", …).
fn status_of(out: &str, id: &str) -> String {
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        // "   PASS [  0.01s] id  detail"
        if words.len() >= 4 && words[3] == id {
            return words[0].to_string();
        }
    }
    panic!("no line for {id} in:\n{out}");
}

fn line_of<'a>(out: &'a str, id: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(3) == Some(id))
        .unwrap_or_else(|| panic!("no line for {id} in:\n{out}"))
}

/// Is this process still there (and not a zombie)?
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            // "pid (comm) S …": the state follows the last ')'.
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next());
            state != Some("Z")
        }
    }
}

fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .parse()
        .expect("a pid")
}

/// Waits up to `limit` for `cond`.
fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

// ---- ordinary runs -------------------------------------------------------

#[test]
fn passing_directory_exits_0_with_a_line_per_script_and_a_summary() {
    // No subcommand: `tck DIR` is `tck run DIR`.
    let r = run(&["--no-fixture", &fixture("pass")]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(status_of(&r.stdout, "010-three.sh"), "PASS");
    assert!(line_of(&r.stdout, "010-three.sh").contains("3 passed"));
    assert!(r.stdout.contains("Summary: 1 script in"), "{}", r.stdout);
    assert!(
        r.stdout.contains("test points: 3 total: 3 passed"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("Failures:"));
    // Not a terminal: no colour, no progress line.
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
}

#[test]
fn mixed_directory_fails_and_shows_the_failure_with_its_diagnostics() {
    let r = run(&["run", "--no-fixture", &fixture("mixed")]);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert_eq!(status_of(&r.stdout, "010-pass.sh"), "PASS");
    assert!(line_of(&r.stdout, "010-pass.sh").contains("1 passed, 1 skipped"));
    assert_eq!(status_of(&r.stdout, "020-fail.sh"), "FAIL");
    assert_eq!(status_of(&r.stdout, "030-skip-all.sh"), "SKIP");
    assert!(line_of(&r.stdout, "030-skip-all.sh").contains("missing resource: network_devices"));
    assert_eq!(status_of(&r.stdout, "040-todo.sh"), "PASS");
    assert!(
        r.stdout.contains("scripts:     2 pass, 1 skip, 1 fail"),
        "{}",
        r.stdout
    );
    let failures = &r.stdout[r.stdout.find("Failures:").expect("a failures section")..];
    assert!(failures.contains("FAIL 020-fail.sh: 1 of 2 test points failed; exit status 1"));
    assert!(failures.contains("not ok 2 - lookup after destroy raises NO_DOMAIN"));
    // The YAML diagnostics, parsed and shown under the point.
    assert!(
        failures.contains("        got: found\n        expected: NO_DOMAIN\n"),
        "{failures}"
    );
    assert!(
        failures.contains("libvirt said something odd"),
        "{failures}"
    );
    // The README is not a script: a note, not an error.
    assert!(
        r.stderr.contains("ignoring 1 non-executable file: README"),
        "{}",
        r.stderr
    );
}

#[test]
fn quiet_prints_the_summary_only() {
    let r = run(&["run", "-q", "--no-fixture", &fixture("mixed")]);
    assert_eq!(r.code, Some(1));
    assert!(!r.stdout.contains("[ "), "no script lines: {}", r.stdout);
    assert!(r.stdout.contains("Summary: 4 scripts"), "{}", r.stdout);
    assert!(
        r.stdout.contains("failed:      020-fail.sh (fail)"),
        "{}",
        r.stdout
    );
}

#[test]
fn verbose_prints_each_scripts_raw_tap_in_one_block() {
    let r = run(&["run", "-v", "-j4", "--no-fixture", &fixture("mixed")]);
    assert_eq!(r.code, Some(1));
    // Each block: header, the script's own lines, then its status line.
    let block = |id: &str| {
        let start = r
            .stdout
            .find(&format!("── {id} ──"))
            .unwrap_or_else(|| panic!("{}", r.stdout));
        let rest = &r.stdout[start..];
        let end = rest
            .find(&format!("] {id}"))
            .expect("status line after the block");
        rest[..end].to_string()
    };
    let fail = block("020-fail.sh");
    assert!(
        fail.contains("1..2\nok 1 - domain defined\nnot ok 2 - lookup"),
        "{fail}"
    );
    assert!(fail.contains("  expected: NO_DOMAIN\n  ...\n"), "{fail}");
    assert!(
        !fail.contains("not configured"),
        "another script's line in the block: {fail}"
    );
    let skip = block("030-skip-all.sh");
    assert!(skip.contains("1..0 # SKIP missing resource"), "{skip}");
}

#[test]
fn list_shows_external_scripts_as_text_and_json() {
    let r = run(&["list", &fixture("mixed")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("020-fail.sh      Fails one of two points"),
        "{}",
        r.stdout
    );
    let r = run(&["list", "--format", "json", &fixture("mixed")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let list = v.as_array().expect("an array");
    assert_eq!(list.len(), 4);
    assert_eq!(list[1]["id"], "020-fail.sh");
    assert_eq!(
        list[1]["title"],
        "Fails one of two points, with YAML diagnostics and stderr."
    );
    assert_eq!(list[1]["kind"], "external");
    assert!(list[1]["requirements"]
        .as_array()
        .expect("a list")
        .is_empty());
}

#[test]
fn a_file_reached_twice_runs_once_but_two_files_with_one_id_are_refused() {
    let r = run(&[
        "--no-fixture",
        &fixture("pass"),
        &fixture("pass/010-three.sh"),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("Summary: 1 script in"), "{}", r.stdout);
    // bailout/ and bailout/ under another name would both give 010-ok.sh.
    let dir = scratch();
    let copy = dir.path().join("010-ok.sh");
    std::fs::copy(fixture("bailout/010-ok.sh"), &copy).expect("copy");
    let r = run(&[
        "--no-fixture",
        &fixture("bailout"),
        &copy.display().to_string(),
    ]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("two scripts would share the id \"010-ok.sh\""),
        "{}",
        r.stderr
    );
}

#[test]
fn help_documents_the_exit_statuses() {
    for args in [&["--help"][..], &["run", "--help"][..]] {
        let r = run(args);
        assert_eq!(r.code, Some(0));
        for needle in [
            "Exit status:",
            "130",
            "usage, configuration or connection error",
        ] {
            assert!(r.stdout.contains(needle), "{args:?}: {}", r.stdout);
        }
    }
}

#[test]
fn scripts_get_their_environment() {
    let dir = scratch();
    let d = dir.path().display().to_string();
    let r = run(&[
        "run",
        "--no-fixture",
        "-c",
        "test:///custom",
        "--scratch-dir",
        &d,
        &fixture("env"),
    ]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let env = std::fs::read_to_string(dir.path().join("env.txt")).expect("env recorded");
    assert!(env.contains("TCK_SCRIPT_ID=show-env.sh\n"), "{env}");
    assert!(env.contains("TCK_URI=test:///custom\n"), "{env}");
    assert!(env.contains("TCK_HARNESS=1\n"), "{env}");
    assert!(env.contains(&format!("TCK_SCRATCH_DIR={d}\n")), "{env}");
    let prefix = tck::harness::namespace::script_prefix("tck-", "show-env.sh");
    assert!(env.contains(&format!("TCK_PREFIX={prefix}\n")), "{env}");
}

// ---- statuses and bad input ----------------------------------------------

#[test]
fn no_tap_scripts_are_judged_by_their_exit_status() {
    let r = run(&["--no-fixture", &fixture("bad/no-tap-ok.sh")]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert_eq!(status_of(&r.stdout, "no-tap-ok.sh"), "PASS");
    let r = run(&["--no-fixture", &fixture("bad/no-tap-fail.sh")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "no-tap-fail.sh"), "ERROR");
    assert!(line_of(&r.stdout, "no-tap-fail.sh").contains("no TAP output, and exit status 3"));
    assert!(
        r.stdout.contains("something broke"),
        "stderr tail shown: {}",
        r.stdout
    );
}

#[test]
fn passing_tap_with_a_non_zero_exit_fails() {
    let r = run(&["--no-fixture", &fixture("bad/tap-pass-exit3.sh")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "tap-pass-exit3.sh"), "FAIL");
    assert!(r.stdout.contains("exited with status 3"));
}

#[test]
fn binary_garbage_is_an_error_and_never_reaches_the_terminal_raw() {
    let r = run(&["-v", "--no-fixture", &fixture("bad/garbage.sh")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "garbage.sh"), "ERROR");
    assert!(line_of(&r.stdout, "garbage.sh").contains("no plan"));
    // The escape sequences are shown escaped, not sent to the terminal.
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    assert!(!r.stdout.contains('\0'));
    assert!(r.stdout.contains("\\x1b[2J"), "{}", r.stdout);
}

#[test]
fn a_single_10_mb_line_is_handled() {
    let r = run(&["--no-fixture", &fixture("bad/long-line.sh")]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert_eq!(status_of(&r.stdout, "long-line.sh"), "PASS");
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let r = run(&["-v", "--no-fixture", &fixture("bad/invalid-utf8.sh")]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert_eq!(status_of(&r.stdout, "invalid-utf8.sh"), "PASS");
    assert!(r.stdout.contains("caf\u{fffd} au lait"), "{}", r.stdout);
}

#[test]
fn an_unterminated_yaml_block_still_gives_a_verdict() {
    let r = run(&["--no-fixture", &fixture("bad/unterminated-yaml.sh")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "unterminated-yaml.sh"), "FAIL");
}

#[test]
fn subtests_nested_1000_deep_pass() {
    let r = run(&["--no-fixture", &fixture("bad/deep-subtests.sh")]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(status_of(&r.stdout, "deep-subtests.sh"), "PASS");
}

#[test]
fn a_script_that_closes_stdout_and_keeps_running_ends_at_its_timeout() {
    let r = run(&[
        "--no-fixture",
        "--timeout",
        "1",
        &fixture("bad/closes-stdout.sh"),
    ]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "closes-stdout.sh"), "TIMEOUT");
    assert!(line_of(&r.stdout, "closes-stdout.sh").contains("timed out after 1s"));
    assert!(r.elapsed < Duration::from_secs(20), "{:?}", r.elapsed);
}

#[test]
fn a_forked_child_holding_stdout_does_not_hold_the_run() {
    let dir = scratch();
    let d = dir.path().display().to_string();
    let r = run(&[
        "--no-fixture",
        "--scratch-dir",
        &d,
        &fixture("bad/forks-holder.sh"),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert_eq!(status_of(&r.stdout, "forks-holder.sh"), "PASS");
    // The script's own `sleep 60` would hold it a minute.
    assert!(r.elapsed < Duration::from_secs(20), "{:?}", r.elapsed);
    assert!(r.stdout.contains("held stdout/stderr open"), "{}", r.stdout);
    let holder = read_pid(&dir.path().join("holder.pid"));
    assert!(
        eventually(Duration::from_secs(5), || !alive(holder)),
        "pid {holder} survived"
    );
}

#[test]
fn a_script_killed_by_a_signal_after_all_its_points_crashes() {
    let r = run(&["--no-fixture", &fixture("bad/killed-after-tap.sh")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "killed-after-tap.sh"), "CRASH");
    assert!(
        line_of(&r.stdout, "killed-after-tap.sh").contains("killed by SIGSEGV after 2 test points")
    );
}

#[test]
fn a_script_without_interpreter_line_cannot_start() {
    let r = run(&["--no-fixture", &fixture("bad/no-shebang")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "no-shebang"), "ERROR");
    assert!(r.stdout.contains("could not start"), "{}", r.stdout);
}

#[test]
fn usage_errors_exit_2_and_name_the_culprit() {
    let not_exec = fixture("bad/not-executable.sh");
    let r = run(&["--no-fixture", &not_exec]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains(&not_exec) && r.stderr.contains("chmod +x"),
        "{}",
        r.stderr
    );

    let missing = fixture("nowhere/010-x.sh");
    let r = run(&["--no-fixture", &missing]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains(&format!("{missing}: no such file or directory")),
        "{}",
        r.stderr
    );

    let r = run(&["run", "domain/999-no-such-script"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("domain/999-no-such-script"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("no built-in script has this id or prefix"),
        "{}",
        r.stderr
    );

    let r = run(&["--no-fixture", &fixture("empty")]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("no executable scripts in this directory (1 non-executable files ignored)"),
        "{}",
        r.stderr
    );
    let empty = scratch();
    let r = run(&["--no-fixture", &empty.path().display().to_string()]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no executable scripts"), "{}", r.stderr);

    let r = run(&[
        "--no-fixture",
        "--scratch-dir",
        "/proc/no-such-dir",
        &fixture("pass"),
    ]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("scratch directory /proc/no-such-dir cannot be created"),
        "{}",
        r.stderr
    );

    let r = run(&["run", "--jobs", "0", &fixture("pass")]);
    assert_eq!(r.code, Some(2), "clap rejects -j 0: {}", r.stderr);
}

// ---- process groups, parallelism, bail-out, interruption ----------------

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let dir = scratch();
    let d = dir.path().display().to_string();
    let r = run(&[
        "--no-fixture",
        "--timeout",
        "1",
        "--scratch-dir",
        &d,
        &fixture("group"),
    ]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert_eq!(status_of(&r.stdout, "timeout-group.sh"), "TIMEOUT");
    // The script ignores SIGTERM: SIGKILL after the grace period.
    assert!(
        line_of(&r.stdout, "timeout-group.sh").contains("SIGKILL"),
        "{}",
        r.stdout
    );
    for f in ["script.pid", "child.pid"] {
        let pid = read_pid(&dir.path().join(f));
        assert!(
            eventually(Duration::from_secs(5), || !alive(pid)),
            "{f}: {pid} survived"
        );
    }
}

fn times(dir: &Path, id: &str) -> (f64, f64) {
    let read = |ext: &str| -> f64 {
        std::fs::read_to_string(dir.join(format!("{id}.{ext}")))
            .expect("time stamp written")
            .trim()
            .parse()
            .expect("seconds")
    };
    (read("start"), read("end"))
}

#[test]
fn jobs_run_scripts_in_parallel_and_j1_runs_them_one_by_one() {
    for (jobs, overlap) in [("2", true), ("1", false)] {
        let dir = scratch();
        let d = dir.path().display().to_string();
        let r = run(&[
            "--no-fixture",
            "-j",
            jobs,
            "--scratch-dir",
            &d,
            &fixture("parallel"),
        ]);
        assert_eq!(r.code, Some(0), "{}", r.stdout);
        let (a0, a1) = times(dir.path(), "010-a.sh");
        let (b0, b1) = times(dir.path(), "020-b.sh");
        assert_eq!(
            a0 < b1 && b0 < a1,
            overlap,
            "-j{jobs}: a {a0}..{a1}, b {b0}..{b1}"
        );
        if !overlap {
            assert!(a1 <= b0, "path order at -j1");
        }
    }
}

#[test]
fn a_bail_out_stops_the_run_and_lists_what_did_not_run() {
    let r = run(&["--no-fixture", "-j1", &fixture("bailout")]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert_eq!(status_of(&r.stdout, "020-bail.sh"), "BAILOUT");
    assert!(line_of(&r.stdout, "020-bail.sh").contains("Bail out! libvirtd is not running"));
    assert!(!r.stdout.contains("] 030-after.sh"), "{}", r.stdout);
    assert!(r.stdout.contains("2 not run"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("not run (bail-out in 020-bail.sh): 030-after.sh, 040-after.sh"),
        "{}",
        r.stdout
    );

    let r = run(&["--no-fixture", "-j1", "--keep-going", &fixture("bailout")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(status_of(&r.stdout, "030-after.sh"), "PASS");
    assert_eq!(status_of(&r.stdout, "040-after.sh"), "PASS");
    assert!(!r.stdout.contains("not run ("), "{}", r.stdout);
}

#[test]
fn sigint_stops_the_run_kills_running_scripts_and_exits_130() {
    let dir = scratch();
    let d = dir.path().display().to_string();
    let child = tck()
        .args(["--no-fixture", "-j1", "--scratch-dir", &d])
        .arg(fixture("sleeper"))
        .arg(fixture("pass"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tck starts");
    let pid_file = dir.path().join("sleeper.pid");
    assert!(eventually(Duration::from_secs(20), || pid_file.exists()
        && std::fs::read_to_string(&pid_file)
            .is_ok_and(|s| s.ends_with('\n'))));
    let sleeper = read_pid(&pid_file);
    let start = Instant::now();
    // SAFETY: plain kill(2) on the child we started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().expect("tck ends");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("Interrupted: 2 scripts"), "{stdout}");
    assert!(
        stdout.contains("not run (interrupted): 010-three.sh"),
        "{stdout}"
    );
    assert!(!alive(sleeper), "the running script was not stopped");
}

// ---- the library: scheduling with metadata and a fixture ----------------

mod library {
    use super::*;
    use std::sync::Mutex;
    use tck::harness::fixture::{Fixture, FixtureError};
    use tck::harness::runner::Silent;
    use tck::harness::{self, Interrupt, RunSettings, Script, Source};
    use tck::report::model::{Environment, Exit, Leak, ScriptStatus};
    use tck::script::{Meta, Require};

    fn settings(dir: &Path, jobs: usize) -> RunSettings {
        RunSettings {
            jobs,
            scratch_dir: dir.to_path_buf(),
            ..RunSettings::default()
        }
    }

    fn external(id: &str, path: String, meta: Meta) -> Script {
        Script {
            id: id.to_string(),
            title: String::new(),
            meta,
            tags: Vec::new(),
            source: Source::External(PathBuf::from(path)),
        }
    }

    #[test]
    fn exclusive_scripts_run_alone() {
        let dir = scratch();
        let sleeper = fixture("parallel/010-a.sh");
        let exclusive = Meta {
            exclusive: true,
            ..Meta::DEFAULT
        };
        let scripts = vec![
            external("a", sleeper.clone(), Meta::DEFAULT),
            external("x", sleeper.clone(), exclusive),
            external("b", sleeper, Meta::DEFAULT),
        ];
        let interrupt = Interrupt::new().expect("interrupt");
        let report = harness::run(
            &scripts,
            &settings(dir.path(), 3),
            &harness::fixture::NoFixture,
            &interrupt,
            &mut Silent,
        )
        .expect("runs");
        assert!(report
            .scripts
            .iter()
            .all(|s| s.status == ScriptStatus::Pass));
        let (a0, a1) = times(dir.path(), "a");
        let (x0, x1) = times(dir.path(), "x");
        let (b0, b1) = times(dir.path(), "b");
        assert!(
            a1 <= x0 && x1 <= b0,
            "a {a0}..{a1}, x {x0}..{x1}, b {b0}..{b1}"
        );
    }

    /// A fixture that records calls, reports leftovers and leaks, and
    /// rejects every requirement.
    #[derive(Default)]
    struct Recording {
        calls: Mutex<Vec<String>>,
        leftovers: Vec<Leak>,
    }

    fn leak(name: &str) -> Leak {
        Leak {
            kind: "domain".into(),
            name: name.into(),
        }
    }

    impl Fixture for Recording {
        fn leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
            Ok(self.leftovers.clone())
        }
        fn remove_leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
            self.calls
                .lock()
                .expect("lock")
                .push("remove_leftovers".into());
            Ok(self.leftovers.clone())
        }
        fn before_script(&self, id: &str) -> Result<(), FixtureError> {
            self.calls
                .lock()
                .expect("lock")
                .push(format!("before {id}"));
            if id == "refused" {
                return Err(FixtureError("cannot list domains".into()));
            }
            Ok(())
        }
        fn after_script(&self, id: &str) -> Result<Vec<Leak>, FixtureError> {
            self.calls.lock().expect("lock").push(format!("after {id}"));
            Ok(vec![leak(&format!("tck-x-{id}"))])
        }
        fn check_requirements(&self, meta: &Meta) -> Result<(), String> {
            match meta.requires.first() {
                Some(r) => Err(format!("missing resource: {}", r.describe())),
                None => Ok(()),
            }
        }
        fn describe(&self, env: &mut Environment) {
            env.driver = "TEST".into();
        }
    }

    fn noop(
        _: &mut tck::tap::producer::Tap,
        _: &tck::virt::context::Context,
    ) -> tck::script::Outcome {
        Ok(())
    }

    static NEEDS_ROOT: tck::script::ScriptDef = tck::script::ScriptDef {
        id: "host/010-needs-root",
        title: "Needs root",
        meta: Meta {
            requires: &[Require::Root],
            ..Meta::DEFAULT
        },
        run: noop,
    };

    static PLAIN: tck::script::ScriptDef = tck::script::ScriptDef {
        id: "host/020-plain",
        title: "Plain",
        meta: Meta::DEFAULT,
        run: noop,
    };

    static SLEEPY: tck::script::ScriptDef = tck::script::ScriptDef {
        id: "host/030-sleeps",
        title: "Sleeps",
        meta: Meta {
            timeout: Some(1),
            ..Meta::DEFAULT
        },
        run: noop,
    };

    #[test]
    fn builtin_scripts_run_as_exe_exec_id_with_their_own_timeout() {
        let dir = scratch();
        let s = RunSettings {
            exe: PathBuf::from(fixture("fake-exe/tck-exec.sh")),
            // The script's Meta::timeout (1 s) overrides this.
            timeout: Duration::from_secs(100),
            grace: Duration::from_millis(500),
            ..settings(dir.path(), 2)
        };
        let scripts = vec![Script::builtin(&PLAIN), Script::builtin(&SLEEPY)];
        let interrupt = Interrupt::new().expect("interrupt");
        let start = Instant::now();
        let report = harness::run(
            &scripts,
            &s,
            &harness::fixture::NoFixture,
            &interrupt,
            &mut Silent,
        )
        .expect("runs");
        assert!(start.elapsed() < Duration::from_secs(30));
        let plain = &report.scripts[0];
        assert_eq!(plain.status, ScriptStatus::Pass, "{}", plain.reason);
        assert_eq!(plain.title, "Plain");
        assert_eq!(plain.area, "host");
        assert_eq!(
            plain.tests[0].description,
            "exec host/020-plain as host/020-plain"
        );
        let sleepy = &report.scripts[1];
        assert_eq!(sleepy.status, ScriptStatus::Timeout);
        assert_eq!(sleepy.reason, "timed out after 1s");
    }

    #[test]
    fn the_fixture_is_called_around_each_script_and_its_findings_reported() {
        let dir = scratch();
        let scripts = vec![
            Script::builtin(&NEEDS_ROOT),
            external("ok", fixture("pass/010-three.sh"), Meta::DEFAULT),
            external("refused", fixture("pass/010-three.sh"), Meta::DEFAULT),
        ];
        let fx = Recording::default();
        let interrupt = Interrupt::new().expect("interrupt");
        let report = harness::run(
            &scripts,
            &settings(dir.path(), 1),
            &fx,
            &interrupt,
            &mut Silent,
        )
        .expect("runs");
        assert_eq!(report.environment.driver, "TEST");
        assert!(!report.environment.start.is_empty() && report.environment.end.ends_with('Z'));
        let ids: Vec<&str> = report.scripts.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["host/010-needs-root", "ok", "refused"], "path order");

        let skipped = &report.scripts[0];
        assert_eq!(skipped.status, ScriptStatus::Skip);
        assert_eq!(skipped.reason, "missing resource: root");
        assert_eq!(
            skipped.exit,
            Exit::NotStarted,
            "no process for unmet requirements"
        );
        assert_eq!(skipped.requirements, ["root"]);

        let ok = &report.scripts[1];
        assert_eq!(ok.status, ScriptStatus::Pass);
        assert_eq!(ok.leaked, [leak("tck-x-ok")]);
        assert_eq!(ok.counts.total, 3);
        assert_eq!(ok.tests[2].identity, "third");

        let refused = &report.scripts[2];
        assert_eq!(refused.status, ScriptStatus::Error);
        assert!(
            refused.reason.contains("cannot list domains"),
            "{}",
            refused.reason
        );
        assert_eq!(refused.exit, Exit::NotStarted);

        let calls = fx.calls.lock().expect("lock").clone();
        assert_eq!(calls, ["before ok", "after ok", "before refused"]);
    }

    #[test]
    fn leftovers_stop_the_run_unless_forced() {
        let dir = scratch();
        let scripts = vec![external("ok", fixture("pass/010-three.sh"), Meta::DEFAULT)];
        let fx = Recording {
            leftovers: vec![leak("tck-old-dom")],
            ..Recording::default()
        };
        let interrupt = Interrupt::new().expect("interrupt");
        let err = harness::run(
            &scripts,
            &settings(dir.path(), 1),
            &fx,
            &interrupt,
            &mut Silent,
        )
        .expect_err("stops");
        let text = err.to_string();
        assert!(
            text.contains("domain tck-old-dom") && text.contains("--force"),
            "{text}"
        );
        assert!(fx.calls.lock().expect("lock").is_empty(), "nothing ran");

        let forced = RunSettings {
            force: true,
            ..settings(dir.path(), 1)
        };
        let report = harness::run(&scripts, &forced, &fx, &interrupt, &mut Silent).expect("runs");
        assert_eq!(report.scripts[0].status, ScriptStatus::Pass);
        assert_eq!(fx.calls.lock().expect("lock")[0], "remove_leftovers");
    }

    #[test]
    fn raw_output_is_kept_byte_for_byte_when_asked() {
        use std::io::Read;
        use tck::harness::process::Pipe;
        use tck::harness::raw::RawStore;
        let dir = scratch();
        let scripts = vec![
            external("fail", fixture("mixed/020-fail.sh"), Meta::DEFAULT),
            external("utf8", fixture("bad/invalid-utf8.sh"), Meta::DEFAULT),
        ];
        let s = RunSettings {
            keep_raw: true,
            stderr_limit: 10,
            ..settings(dir.path(), 2)
        };
        let mut store = RawStore::in_dir(dir.path()).expect("store");
        let interrupt = Interrupt::new().expect("interrupt");
        let report = harness::run(
            &scripts,
            &s,
            &harness::fixture::NoFixture,
            &interrupt,
            &mut store,
        )
        .expect("runs");
        let read = |id: &str, pipe| {
            let mut v = Vec::new();
            store
                .open(id, pipe)
                .expect("readable")
                .expect("kept")
                .read_to_end(&mut v)
                .expect("read");
            v
        };
        let tap = read("fail", Pipe::Stdout);
        assert!(tap.starts_with(b"TAP version 14\n1..2\nok 1 - domain defined\n"));
        assert!(tap.ends_with(b"  expected: NO_DOMAIN\n  ...\n"));
        // The report keeps a bounded tail; the store keeps it all.
        assert_eq!(read("fail", Pipe::Stderr), b"libvirt said something odd\n");
        assert_eq!(report.scripts[0].stderr_tail, "thing odd\n");
        assert_eq!(
            read("utf8", Pipe::Stdout),
            b"1..2\nok 1 - caf\xe9 au lait\nok 2 - \xff\xfe bytes\n"
        );
    }

    #[test]
    fn each_script_can_get_its_own_scratch_directory() {
        let dir = scratch();
        let root = dir.path().to_path_buf();
        let s = RunSettings {
            script_scratch: Some(harness::ScratchLayout(std::sync::Arc::new(
                move |ns: &str| root.join("run").join(format!("{ns}scratch")),
            ))),
            ..settings(dir.path(), 1)
        };
        let scripts = vec![external("env", fixture("env/show-env.sh"), Meta::DEFAULT)];
        let interrupt = Interrupt::new().expect("interrupt");
        let report = harness::run(
            &scripts,
            &s,
            &harness::fixture::NoFixture,
            &interrupt,
            &mut Silent,
        )
        .expect("runs");
        assert_eq!(report.scripts[0].status, ScriptStatus::Pass);
        let ns = tck::harness::namespace::script_prefix("tck-", "env");
        let own = dir.path().join("run").join(format!("{ns}scratch"));
        let env = std::fs::read_to_string(own.join("env.txt")).expect("written in its own dir");
        assert!(
            env.contains(&format!("TCK_SCRATCH_DIR={}\n", own.display())),
            "{env}"
        );
    }

    /// A fixture with a bug.
    struct Panicking;

    impl Fixture for Panicking {
        fn leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
            Ok(Vec::new())
        }
        fn remove_leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
            Ok(Vec::new())
        }
        fn before_script(&self, id: &str) -> Result<(), FixtureError> {
            if id == "bad" {
                panic!("fixture bug");
            }
            Ok(())
        }
        fn after_script(&self, _: &str) -> Result<Vec<Leak>, FixtureError> {
            Ok(Vec::new())
        }
        fn check_requirements(&self, _: &Meta) -> Result<(), String> {
            Ok(())
        }
        fn describe(&self, _: &mut Environment) {}
    }

    #[test]
    fn a_panic_while_running_a_script_is_an_error_result_not_a_hang() {
        let dir = scratch();
        let scripts = vec![
            external("bad", fixture("pass/010-three.sh"), Meta::DEFAULT),
            external("good", fixture("pass/010-three.sh"), Meta::DEFAULT),
        ];
        let interrupt = Interrupt::new().expect("interrupt");
        let report = harness::run(
            &scripts,
            &settings(dir.path(), 2),
            &Panicking,
            &interrupt,
            &mut Silent,
        )
        .expect("runs");
        assert_eq!(report.scripts[0].status, ScriptStatus::Error);
        assert!(
            report.scripts[0].reason.contains("internal error in tck"),
            "{}",
            report.scripts[0].reason
        );
        assert!(report.scripts[0].reason.contains("fixture bug"));
        assert_eq!(report.scripts[1].status, ScriptStatus::Pass);
    }

    #[test]
    fn an_interrupt_before_the_run_starts_nothing() {
        let dir = scratch();
        let scripts = vec![external("ok", fixture("pass/010-three.sh"), Meta::DEFAULT)];
        let interrupt = Interrupt::new().expect("interrupt");
        interrupt.trigger();
        let report = harness::run(
            &scripts,
            &settings(dir.path(), 1),
            &harness::fixture::NoFixture,
            &interrupt,
            &mut Silent,
        )
        .expect("runs");
        assert!(report.scripts.is_empty());
        assert!(report.incomplete);
        assert_eq!(report.not_run[0].id, "ok");
        assert_eq!(harness::exit_status(&report, interrupt.is_set()), 130);
    }
}
