//! `tck run` with several `--uri`, on libvirt's test driver (always
//! available): per-host labels, report files and console prefixes, the
//! matrix, and the errors that stop every host before anything runs. The
//! live two-daemon run is tests/many_hosts_qemu.rs.

mod common;

use common::{tck, text};
use std::path::Path;

fn config(dir: &Path, prefix: &str) -> std::path::PathBuf {
    let path = dir.join("tck.toml");
    std::fs::write(
        &path,
        format!(
            "prefix = {prefix:?}\nscratch_dir = {:?}\n",
            dir.join("scratch").display().to_string()
        ),
    )
    .expect("write config");
    path
}

#[test]
fn two_uris_give_two_labelled_reports_a_prefixed_console_and_a_matrix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), "tck-");
    let out = tck()
        .arg("run")
        .arg("--config")
        .arg(&config)
        .args([
            "--uri",
            "test:///default",
            "--uri",
            "two=test:///default?x=2",
        ])
        .args(["connect/", "secret/010", "--xml"])
        .arg(dir.path().join("r.xml"))
        .arg("--archive")
        .arg(dir.path().join("arc"))
        .output()
        .expect("tck runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("on 2 URIs at once"), "{stdout}");
    assert!(stdout.contains("(prefix tck-a-"), "{stdout}");
    assert!(stdout.contains("(prefix tck-b-"), "{stdout}");
    for label in ["test-default", "two"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!("[{label}]"))
                && l.contains("PASS")
                && l.contains("connect/010-open-close")),
            "{label}: {stdout}"
        );
        let xml = dir.path().join(format!("r.{label}.xml"));
        let r = tck::report::xml::read(&xml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.scripts.len(), 2);
        assert!(dir
            .path()
            .join(format!("arc.{label}"))
            .join("report.xml")
            .exists());
        assert!(
            stdout.contains(&format!("reports: {}", xml.display())),
            "{stdout}"
        );
    }
    assert!(stdout.contains("Matrix"), "{stdout}");
    assert!(stdout.contains("secret/010-define-lookup"), "{stdout}");
    assert!(!dir.path().join("r.xml").exists());
}

#[test]
fn one_unreachable_uri_stops_every_host_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), "tck-");
    // Port 1 on loopback: nothing listens there.
    let out = tck()
        .arg("run")
        .arg("--config")
        .arg(&config)
        .args([
            "--uri",
            "test:///default",
            "--uri",
            "qemu+tcp://127.0.0.1:1/system",
            "connect/",
            "--xml",
        ])
        .arg(dir.path().join("r.xml"))
        .output()
        .expect("tck runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("qemu+tcp://127.0.0.1:1/system"), "{stderr}");
    assert!(!stdout.contains("PASS"), "{stdout}");
    assert_eq!(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".xml"))
            .count(),
        0,
        "no report may be written"
    );
}

#[test]
fn usage_errors_of_several_uris_say_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = config(dir.path(), "tck-xyz-");
    let run = |config: &Path, extra: &[&str]| {
        let o = tck()
            .arg("run")
            .arg("--config")
            .arg(config)
            .args(["--uri", "test:///default", "--uri", "b=test:///default?b"])
            .args(extra)
            .arg("connect/")
            .output()
            .expect("tck runs");
        (o.status.code(), text(&o).1)
    };
    let (code, err) = run(&long, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("tck-xyz-a-") && err.contains("at most 6 characters"),
        "{err}"
    );

    let short = dir.path().join("short.toml");
    std::fs::write(&short, "prefix = \"tk-\"\n").expect("write");
    let (code, err) = run(&short, &["--compare-with", "old.xml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--compare-with takes one URI"), "{err}");

    let o = tck()
        .args([
            "run",
            "--uri",
            "test:///default",
            "--uri",
            "test:///default",
            "connect/",
        ])
        .output()
        .expect("tck runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("given twice"), "{:?}", text(&o));
}
