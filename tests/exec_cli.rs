//! `tck exec` and the configuration errors of the libvirt commands, run as a
//! user would: the built binary, its stdout, stderr and exit status.

mod common;

use common::{config_file, qemu_system, tck, text};

/// Every line of a passing stream of `plan` points: the plan and `ok 1..N`.
fn assert_all_ok(stdout: &str, plan: usize) {
    assert!(stdout.starts_with("TAP version 13\n"), "{stdout}");
    assert!(stdout.contains(&format!("\n1..{plan}\n")), "{stdout}");
    assert!(!stdout.contains("not ok"), "{stdout}");
    for n in 1..=plan {
        assert!(
            stdout.contains(&format!("\nok {n} - ")),
            "point {n} missing:\n{stdout}"
        );
    }
    assert!(!stdout.contains(&format!("\nok {} ", plan + 1)), "{stdout}");
}

#[test]
fn open_close_passes_on_the_test_driver() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "test:///default", "tck-");
    let out = tck()
        .args(["exec", "connect/010-open-close", "--config"])
        .arg(&cfg)
        .output()
        .expect("run tck exec");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_all_ok(&stdout, 11);
    assert!(
        stdout.contains("ok 1 - open the configured URI\n# URI test:///default\n"),
        "{stdout}"
    );
    assert!(stdout.contains("# TEST hypervisor "), "{stdout}");
    assert_eq!(stderr, "");
}

#[test]
fn open_close_passes_on_qemu_system() {
    let Some(conn) = qemu_system() else { return };
    conn.close().expect("close");
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "test:///default", "tck-");
    // --uri overrides the configuration's URI.
    let out = tck()
        .args([
            "exec",
            "connect/010-open-close",
            "--uri",
            "qemu:///system",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .expect("run tck exec");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_all_ok(&stdout, 11);
    assert!(
        stdout.contains("ok 1 - open the configured URI\n# URI qemu:///system\n"),
        "{stdout}"
    );
    assert!(stdout.contains("# QEMU hypervisor "), "{stdout}");
}

#[test]
fn harness_environment_is_honoured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "nosuchdriver:///x", "tck-");
    let scratch = dir.path().join("given-scratch");
    let out = tck()
        .args(["exec", "connect/010-open-close"])
        .env("TCK_CONFIG", &cfg)
        .env("TCK_URI", "test:///default")
        .env("TCK_PREFIX", "tck-zzzzz-")
        .env("TCK_SCRATCH_DIR", &scratch)
        .env("TCK_HARNESS", "1")
        .output()
        .expect("run tck exec");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("ok 1 - open the configured URI\n# URI test:///default\n"),
        "TCK_URI wins over the file: {stdout}"
    );

    let out = tck()
        .args(["exec", "connect/010-open-close"])
        .env("TCK_CONFIG", &cfg)
        .env("TCK_URI", "test:///default")
        .env("TCK_PREFIX", "prod-")
        .output()
        .expect("run tck exec");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("TCK_PREFIX=\"prod-\"") && stderr.contains("configured prefix \"tck-\""),
        "{stderr}"
    );
    assert_eq!(stdout, "");
}

#[test]
fn an_unreachable_uri_is_one_clear_error_with_status_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "test:///default", "tck-");
    let uri = "qemu+unix:///system?socket=/nonexistent/tck/libvirt-sock";
    for cmd in [
        vec!["exec", "connect/010-open-close"],
        vec!["clean"],
        vec!["clean", "--dry-run"],
    ] {
        let out = tck()
            .args(&cmd)
            .args(["--uri", uri, "--config"])
            .arg(&cfg)
            .output()
            .expect("run tck");
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {stdout}{stderr}");
        assert_eq!(stdout, "", "{cmd:?}: no TAP, no listing");
        assert_eq!(
            stderr.matches("cannot connect to").count(),
            1,
            "{cmd:?}: {stderr}"
        );
        assert!(stderr.contains(uri), "{cmd:?}: {stderr}");
        assert!(
            stderr.contains("/nonexistent/tck/libvirt-sock"),
            "{cmd:?}: libvirt's message: {stderr}"
        );
        // libvirt's own handler would print "libvirt: ... error : ...".
        assert!(
            !stderr.contains("libvirt: "),
            "{cmd:?}: libvirt printed by itself: {stderr}"
        );
    }
}

#[test]
fn a_missing_driver_is_one_clear_error_with_status_2() {
    let out = tck()
        .args([
            "exec",
            "connect/010-open-close",
            "--uri",
            "nosuchdriver:///system",
        ])
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("cannot connect to nosuchdriver:///system"),
        "{stderr}"
    );
    assert!(
        stderr.contains("driver for this URI is not installed"),
        "{stderr}"
    );
}

#[test]
fn configuration_errors_name_file_line_and_key_with_status_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = dir.path().join("scratch").display().to_string();
    for (body, key, line, what) in [
        ("jobs = \"many\"\n", "jobs", 2, "invalid type"),
        ("autoclen = true\n", "autoclen", 2, "unknown field"),
        ("prefix = \"*\"\n", "prefix", 2, "contains '*'"),
        ("prefix = \"\"\n", "prefix", 2, "empty"),
        (
            "kernel = \"/nonexistent/vmlinuz\"\n",
            "kernel",
            2,
            "/nonexistent/vmlinuz",
        ),
    ] {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, format!("scratch_dir = {scratch:?}\n{body}")).expect("write");
        for cmd in [
            vec!["exec", "connect/010-open-close"],
            vec!["clean", "--dry-run"],
        ] {
            let out = tck()
                .args(&cmd)
                .arg("--config")
                .arg(&path)
                .output()
                .expect("run tck");
            let (stdout, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(2), "{body}: {stdout}{stderr}");
            assert_eq!(stdout, "", "{body}");
            assert!(
                stderr.contains(&format!("{}:{line}: ", path.display())),
                "{body}: file and line in {stderr}"
            );
            assert!(stderr.contains(key), "{body}: key in {stderr}");
            assert!(stderr.contains(what), "{body}: {what:?} in {stderr}");
        }
    }
}

#[test]
fn an_unwritable_scratch_dir_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "scratch_dir = \"/proc/tck-scratch\"\n").expect("write");
    // Found through TCK_CONFIG this time.
    let out = tck()
        .args(["clean", "--dry-run"])
        .env("TCK_CONFIG", &path)
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("{}:1: key `scratch_dir`", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("/proc/tck-scratch"), "{stderr}");
}

#[test]
fn unknown_script_is_status_2() {
    let out = tck()
        .args(["exec", "nosuch/999-script"])
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("no built-in script \"nosuch/999-script\""),
        "{stderr}"
    );
}

#[test]
fn dry_run_on_the_test_driver_lists_nothing_and_changes_nothing() {
    // Each process has its own test:///default, so only files can be
    // under the prefix here; the qemu:///system test covers libvirt objects.
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "test:///default", "tck-");
    let owned = dir.path().join("scratch/run/tck-abcde-scratch");
    std::fs::create_dir_all(&owned).expect("mkdir");
    std::fs::write(owned.join("save.img"), b"x").expect("write");
    std::fs::write(dir.path().join("scratch/run/tckother"), b"keep").expect("write");
    let out = tck()
        .args(["clean", "-n", "--config"])
        .arg(&cfg)
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        format!(
            "would remove file {}\n1 object under the prefix \"tck-\" on test:///default would be removed (run `tck clean` without --dry-run to remove them)\n",
            owned.join("save.img").display()
        )
    );
    assert!(owned.join("save.img").exists());
    let out = tck()
        .args(["clean", "--config"])
        .arg(&cfg)
        .output()
        .expect("run tck");
    assert_eq!(out.status.code(), Some(0));
    assert!(!owned.exists());
    assert!(dir.path().join("scratch/run/tckother").exists());
}

/// `--disruptive` (run) and `TCK_DISRUPTIVE=1` / `--disruptive` (exec)
/// satisfy the `disruptive` requirement; the test driver still fails the
/// hook scripts' driver requirement, so nothing disruptive runs here.
#[test]
fn disruptive_is_allowed_by_flag_or_environment_and_refused_otherwise() {
    let id = "hooks/051-daemon-hook";
    let exec = |extra: &[&str], env: Option<&str>| {
        let mut c = tck();
        c.args(["exec", id, "--uri", "test:///default"]).args(extra);
        if let Some(v) = env {
            c.env("TCK_DISRUPTIVE", v);
        }
        let out = c.output().expect("run tck");
        assert_eq!(out.status.code(), Some(0));
        text(&out).0
    };
    let refused = exec(&[], None);
    assert!(refused.contains("1..0 # SKIP "), "{refused}");
    assert!(refused.contains("requires --disruptive"), "{refused}");
    assert!(refused.contains("unsupported by driver TEST"), "{refused}");
    for allowed in [exec(&["--disruptive"], None), exec(&[], Some("1"))] {
        assert!(allowed.contains("unsupported by driver TEST"), "{allowed}");
        assert!(!allowed.contains("requires --disruptive"), "{allowed}");
    }
    assert!(exec(&[], Some("0")).contains("requires --disruptive"));

    let dir = tempfile::tempdir().expect("tempdir");
    let run = |extra: &[&str]| {
        let out = tck()
            .args(["run", "--uri", "test:///default", "-v", "--scratch-dir"])
            .arg(dir.path())
            .args(extra)
            .arg(id)
            .output()
            .expect("run tck");
        text(&out).0
    };
    assert!(run(&[]).contains("requires --disruptive"));
    let with = run(&["--disruptive"]);
    assert!(with.contains("unsupported by driver TEST"), "{with}");
    assert!(!with.contains("requires --disruptive"), "{with}");
}
