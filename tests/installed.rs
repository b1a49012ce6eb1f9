//! An installed tck finds its data without the source tree: the report
//! schema, the HTML templates and the default configuration are compiled
//! in. The built binary is copied out of the tree (as `cargo install` or
//! the Debian package put it) and run from an empty directory, with an
//! empty environment; where root and unshare(1) allow, the source tree is
//! also hidden behind an empty tmpfs in a private mount namespace, so a
//! single file read from it would fail the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// `bin/tck` in a fresh directory, a copy of the built binary.
fn installed() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().expect("tempdir");
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let tck = bin.join("tck");
    std::fs::copy(env!("CARGO_BIN_EXE_tck"), &tck).expect("copy tck");
    (root, tck)
}

/// Whether the source tree can be hidden (root, unshare).
fn can_hide_tree() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    root && common::on_path("unshare")
}

/// Runs `tck args…` in `cwd` with a minimal environment (and, when
/// possible, the source tree hidden); returns (status, stdout, stderr).
fn run(tck: &Path, cwd: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let src = env!("CARGO_MANIFEST_DIR");
    let mut cmd = if can_hide_tree() {
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount -t tmpfs tmpfs \"$0\" && exec \"$@\"")
            .arg(src)
            .arg(tck)
            .args(args);
        c
    } else {
        let mut c = Command::new(tck);
        c.args(args);
        c
    };
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOME", cwd)
        .env("TCK_HISTORY_DIR", cwd.join("history"));
    let o = cmd.output().expect("run the installed tck");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn an_installed_tck_runs_reports_and_renders_without_the_source_tree() {
    let (root, tck) = installed();
    let work = root.path().join("work");
    std::fs::create_dir_all(&work).expect("work");
    if can_hide_tree() {
        // The hiding works: the tree is empty in there.
        let (code, out, err) = {
            let o = Command::new("unshare")
                .args(["--mount", "--propagation", "private", "sh", "-c"])
                .arg("mount -t tmpfs tmpfs \"$0\" && ls -A \"$0\"")
                .arg(env!("CARGO_MANIFEST_DIR"))
                .output()
                .expect("unshare");
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        };
        assert_eq!((code, out.trim()), (Some(0), ""), "{err}");
    } else {
        eprintln!("note: not root or no unshare: the source tree stays visible");
    }

    let (code, out, err) = run(&tck, &work, &["--help"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Usage: tck") && out.contains("merge"), "{out}");

    let (code, out, err) = run(&tck, &work, &["list"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.lines().count() >= 100, "{out}");
    assert!(out.contains("connect/010-open-close"), "{out}");

    // The built-in defaults (test:///default) need no configuration file.
    // A scratch directory of its own: root's default one is shared.
    let scratch = work.join("scratch");
    let scratch = scratch.to_string_lossy();
    let (code, out, err) = run(
        &tck,
        &work,
        &[
            "run",
            "connect/",
            "--scratch-dir",
            &scratch,
            "--xml",
            "r.xml",
            "--html",
            "r.html",
        ],
    );
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        out.contains("PASS") && out.contains("connect/010-open-close"),
        "{out}"
    );
    let html = std::fs::read_to_string(work.join("r.html")).expect("r.html");
    assert!(html.contains("<style") && html.contains("010-open-close"));

    // Rendering a saved report: templates and schema are in the binary.
    let (code, _, err) = run(
        &tck,
        &work,
        &["render", "r.xml", "-f", "html", "-o", "again.html"],
    );
    assert_eq!(code, Some(0), "{err}");
    let again = std::fs::read_to_string(work.join("again.html")).expect("again.html");
    assert!(again.contains("<script") && again.contains("010-open-close"));
    let (code, _, err) = run(
        &tck,
        &work,
        &["compare", "r.xml", "r.xml", "-f", "html", "-o", "c.html"],
    );
    assert_eq!(code, Some(0), "{err}");

    let (code, out, err) = run(&tck, &work, &["completions", "bash"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("complete"), "{out}");
}
