//! `tck run` on bad input: each mistake stops the run before any script
//! starts, with one message that names the culprit (file and line, key,
//! URI and libvirt's error, directory) and exit status 2 — never one
//! failure per script. (`tck exec` and `tck clean` on the same inputs are
//! covered in `exec_cli.rs`.)

mod common;

use common::{config_with, tck, text};
use std::path::Path;

/// Runs `tck run <args> domain/`, expects status 2, no per-script output,
/// and returns stderr.
fn refused(args: &[&str], config: Option<&Path>) -> String {
    let mut cmd = tck();
    cmd.arg("run").args(args);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let out = cmd.arg("domain/").output().expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}\n{stdout}\n{stderr}");
    assert!(
        !stdout.contains("domain/0") && !stdout.contains("Summary"),
        "{args:?}: no script ran, no summary:\n{stdout}"
    );
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("tck: ")).count(),
        1,
        "{args:?}: exactly one error:\n{stderr}"
    );
    assert!(
        !stderr.contains("libvirt: "),
        "{args:?}: libvirt printed by itself:\n{stderr}"
    );
    stderr
}

#[test]
fn a_malformed_config_file_names_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = config_with(dir.path(), "bad.toml", "uri = \"qemu:///system\njobs = 2\n");
    let err = refused(&[], Some(&path));
    assert!(
        err.contains(&format!(
            "tck: configuration error: {}:2: key `uri`",
            path.display()
        )),
        "{err}"
    );
    let path = config_with(dir.path(), "type.toml", "timeout = \"soon\"\n");
    let err = refused(&[], Some(&path));
    assert!(
        err.contains(&format!("{}:2: key `timeout`", path.display())),
        "{err}"
    );
    let missing = dir.path().join("nowhere.toml");
    let err = refused(&[], Some(&missing));
    assert!(err.contains(&missing.display().to_string()), "{err}");
}

#[test]
fn an_unreachable_uri_is_one_message_naming_it_and_libvirts_error() {
    let uri = "qemu+unix:///system?socket=/nonexistent/tck/libvirt-sock";
    let err = refused(&["--uri", uri], None);
    assert!(
        err.contains(&format!("tck: cannot connect to {uri}: ")),
        "{err}"
    );
    assert!(
        err.contains("Failed to connect socket to '/nonexistent/tck/libvirt-sock'"),
        "libvirt's own message: {err}"
    );
    assert!(err.contains("libvirt error SystemError (38)"), "{err}");
    assert!(
        err.contains("hint: is the libvirt daemon for this URI running?"),
        "{err}"
    );
}

#[test]
fn a_uri_whose_driver_is_missing_says_so() {
    // Debian's libvirt has no Xen driver unless libvirt-daemon-driver-xen
    // is installed; CI does not install it.
    let err = refused(&["--uri", "xen:///system"], None);
    assert!(
        err.contains("tck: cannot connect to xen:///system: "),
        "{err}"
    );
    assert!(
        err.contains("no connection driver available for xen:///system"),
        "{err}"
    );
    assert!(
        err.contains("the driver for this URI is not installed"),
        "{err}"
    );
}

#[test]
fn a_kernel_that_does_not_exist_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = config_with(dir.path(), "k.toml", "kernel = \"/nonexistent/vmlinuz\"\n");
    let err = refused(&[], Some(&path));
    assert!(
        err.contains(&format!("{}:2: key `kernel`", path.display())),
        "{err}"
    );
    assert!(err.contains("/nonexistent/vmlinuz"), "{err}");
}

#[test]
fn a_prefix_that_is_empty_or_too_broad_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (prefix, why) in [
        ("", "it would match every object on the host"),
        ("   ", "it would match every object on the host"),
        ("*", "contains '*'"),
        (".*", "contains '*'"),
        ("-", "shorter than 2 characters"),
        ("tck", "(e.g. \"tck\" would match \"tckserver\")"),
    ] {
        let path = config_with(dir.path(), "p.toml", &format!("prefix = {prefix:?}\n"));
        let err = refused(&[], Some(&path));
        assert!(
            err.contains(&format!("{}:2: key `prefix`", path.display())) && err.contains(why),
            "{prefix:?}: {why:?} in {err}"
        );
    }
}

#[test]
fn a_scratch_directory_that_cannot_be_written_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // In the configuration: exists but takes no files (/proc), and cannot
    // be created (under a regular file).
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let under_file = file.join("scratch");
    for (bad, what) in [
        ("/proc".to_string(), "is not writable"),
        (under_file.display().to_string(), "cannot be created"),
    ] {
        let path = dir.path().join("s.toml");
        std::fs::write(&path, format!("scratch_dir = {bad:?}\n")).expect("write");
        let err = refused(&[], Some(&path));
        assert!(
            err.contains(&format!("{}:1: key `scratch_dir`", path.display()))
                && err.contains(&format!("scratch directory {bad} {what}")),
            "{bad}: {err}"
        );
    }
    // On the command line: the same check, before any script starts.
    for (bad, what) in [
        ("/proc".to_string(), "is not writable"),
        (under_file.display().to_string(), "cannot be created"),
    ] {
        let err = refused(&["--scratch-dir", &bad], None);
        assert!(
            err.contains(&format!("tck: scratch directory {bad} {what}"))
                && err.contains("choose another with --scratch-dir"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn options_before_the_subcommand_get_a_hint() {
    // `tck --uri URI run domain/` is `tck` (= run) with the targets `run`
    // and `domain/`: refused, saying where the options go.
    let out = tck()
        .args(["--uri", "test:///default", "run", "domain/"])
        .output()
        .expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("tck: run: no such file or directory"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: options go after the subcommand: `tck run [OPTIONS] …`"),
        "{stderr}"
    );
}
