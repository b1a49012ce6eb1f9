//! `tck run --partition K/N` and `tck merge` through the built binary, on
//! libvirt's test driver: the slices of a run, merged, give the whole run
//! (same scripts, same order, same statuses); `tck list --partition` shows
//! what a slice runs; bad merges are refused with a message that names the
//! files.

mod common;

use common::{config_file, tck, text};
use std::path::Path;
use tck::report::model::Report;

/// A selection of quick scripts from several areas (alike neighbours).
const SELECTION: [&str; 3] = ["connect/", "capabilities/", "secret/"];

fn read(p: &Path) -> Report {
    tck::report::xml::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn ids(r: &Report) -> Vec<String> {
    r.scripts.iter().map(|s| s.id.clone()).collect()
}

/// `tck run --config CONFIG [extra] SELECTION --xml OUT`; its exit code.
fn run(config: &Path, extra: &[&str], out: &Path) -> i32 {
    let o = tck()
        .arg("run")
        .arg("-q")
        .arg("--config")
        .arg(config)
        .args(extra)
        .args(SELECTION)
        .arg("--xml")
        .arg(out)
        .output()
        .expect("tck runs");
    let (stdout, stderr) = text(&o);
    let code = o.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "tck run {extra:?}: exit {code}\n{stdout}\n{stderr}"
    );
    code
}

fn listed(extra: &[&str]) -> Vec<String> {
    let o = tck()
        .arg("list")
        .args(extra)
        .args(SELECTION)
        .output()
        .expect("tck list");
    assert!(o.status.success(), "{:?}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn slices_run_apart_merge_into_the_whole_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_file(dir.path(), "test:///default", "tck-pm-");
    let whole = dir.path().join("whole.xml");
    run(&config, &[], &whole);
    let whole = read(&whole);
    let all = ids(&whole);
    assert_eq!(all, listed(&[]));
    assert!(all.len() >= 7, "{all:?}");

    let mut slices = Vec::new();
    let mut union = Vec::new();
    for k in 1..=3 {
        let p = format!("{k}/3");
        let out = dir.path().join(format!("slice{k}.xml"));
        run(&config, &["--partition", &p], &out);
        let r = read(&out);
        assert_eq!(r.environment.partition, p);
        // The slice is what `tck list --partition` says, dealt round-robin.
        assert_eq!(ids(&r), listed(&["--partition", &p]));
        let expected: Vec<String> = all.iter().skip(k - 1).step_by(3).cloned().collect();
        assert_eq!(ids(&r), expected, "slice {p}");
        union.extend(ids(&r));
        slices.push(out);
    }
    union.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(union, sorted, "every script in exactly one slice");

    // Given in any order.
    let merged_path = dir.path().join("all.xml");
    let o = tck()
        .arg("merge")
        .args([&slices[2], &slices[0], &slices[1]])
        .arg("-o")
        .arg(&merged_path)
        .output()
        .expect("tck merge");
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("3 reports → {} scripts", all.len())),
        "{stderr}"
    );
    let merged = read(&merged_path);
    assert_eq!(ids(&merged), all, "path order restored");
    assert_eq!(merged.environment.partition, "");
    assert!(!merged.incomplete);
    assert!(!merged
        .environment
        .command_line
        .iter()
        .any(|a| a.contains("--partition")));
    let statuses = |r: &Report| -> Vec<_> { r.scripts.iter().map(|s| s.status).collect() };
    assert_eq!(statuses(&merged), statuses(&whole));

    // The merged report is a valid report: it compares with the whole
    // run without a single change.
    let o = tck()
        .args(["compare", "--fail-on", "changes"])
        .arg(dir.path().join("whole.xml"))
        .arg(&merged_path)
        .output()
        .expect("tck compare");
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn merges_that_would_lie_are_refused_naming_the_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_file(dir.path(), "test:///default", "tck-pm-");
    let s1 = dir.path().join("s1.xml");
    let s2 = dir.path().join("s2.xml");
    run(&config, &["--partition", "1/2"], &s1);
    run(&config, &["--partition", "2/2"], &s2);

    let merge = |files: &[&Path], extra: &[&str]| {
        let o = tck()
            .arg("merge")
            .args(files)
            .args(extra)
            .arg("-o")
            .arg(dir.path().join("out.xml"))
            .output()
            .expect("tck merge");
        (o.status.code(), text(&o).1)
    };

    let (code, err) = merge(&[&s1], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("slice 2/2 of the run is missing"), "{err}");
    let (code, err) = merge(&[&s1], &["--allow-missing"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(read(&dir.path().join("out.xml")).incomplete);

    let (code, err) = merge(&[&s1, &s2, &s1], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("slice 1/2 is given twice"), "{err}");

    // Another environment: the same slice re-labelled as from another
    // hypervisor version.
    let text2 = std::fs::read_to_string(&s2).expect("read");
    let other = dir.path().join("other.xml");
    let at = text2.find("<hypervisor-version>").expect("field");
    let end = text2[at..].find("</hypervisor-version>").expect("end") + at;
    let edited = format!(
        "{}<hypervisor-version>99.0.0{}",
        &text2[..at],
        &text2[end..]
    );
    std::fs::write(&other, edited).expect("write");
    let (code, err) = merge(&[&s1, &other], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("hypervisor version"), "{err}");
    assert!(
        err.contains("99.0.0 in") && err.contains("other.xml"),
        "{err}"
    );

    let (code, err) = merge(&[&s1, &dir.path().join("missing.xml")], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("missing.xml"), "{err}");
}

#[test]
fn bad_partitions_are_usage_errors() {
    for bad in ["0/3", "4/3", "3", "a/b"] {
        let o = tck()
            .args(["run", "--partition", bad, "connect/"])
            .output()
            .expect("tck runs");
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(text(&o).1.contains("K/N"), "{bad}: {:?}", text(&o));
    }
}

#[test]
fn an_empty_slice_runs_nothing_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_file(dir.path(), "test:///default", "tck-pm-");
    let out = dir.path().join("empty.xml");
    let o = tck()
        .args(["run", "-q", "--config"])
        .arg(&config)
        .args(["--partition", "2/2", "connect/010-open-close", "--xml"])
        .arg(&out)
        .output()
        .expect("tck runs");
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("this slice is empty"), "{stderr}");
    assert!(read(&out).scripts.is_empty());
    assert!(Path::new(&out).exists());
}
