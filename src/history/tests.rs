use super::*;
use crate::report::model::{NotRun, ScriptResult};

fn record(uri: &str, statuses: &[(&str, ScriptStatus)]) -> RunRecord {
    let mut report = Report::default();
    report.environment.uri = uri.into();
    report.environment.start = "2025-01-02T03:04:05Z".into();
    report.environment.libvirt_daemon_version = "11.3.0".into();
    for (id, st) in statuses {
        let mut r = ScriptResult::without_output(id, "", *st, "");
        r.duration = 1.5;
        report.scripts.push(r);
    }
    RunRecord::of(&report, &[], Duration::from_millis(2500), Some("ci"))
}

const KEEP: Retention = Retention { keep: 100, days: 0 };

#[test]
fn a_recorded_run_reads_back_equal_per_uri() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let a = record("test:///default", &[("x/010-a", ScriptStatus::Pass)]);
    let b = record("qemu:///system", &[("x/010-a", ScriptStatus::Fail)]);
    let path = store.record(&a, KEEP).unwrap().expect("written");
    assert!(path.starts_with(store.dir_for("test:///default")));
    assert!(path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .ends_with(".json"));
    store.record(&b, KEEP).unwrap();
    let h = store.runs("test:///default");
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    assert_eq!(h.runs, std::slice::from_ref(&a));
    assert_eq!(h.runs[0].wall, 2.5);
    assert_eq!(h.runs[0].profile.as_deref(), Some("ci"));
    assert_eq!(store.runs("qemu:///system").runs, [b]);
    assert!(store.runs("lxc:///").runs.is_empty());
    assert_eq!(store.uris(), ["qemu:///system", "test:///default"]);
    // Only whole records are visible: no temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(store.dir_for("test:///default"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn uris_never_share_a_directory() {
    let store = Store::at("/h");
    assert_ne!(
        store.dir_for("qemu:///system"),
        store.dir_for("qemu:///system?x")
    );
    assert_ne!(store.dir_for("a:/b"), store.dir_for("a_b"));
    let d = store.dir_for("qemu:///system");
    assert!(d
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("qemu_system-"));
}

#[test]
fn runs_come_oldest_first_and_pruning_keeps_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let uri = "test:///default";
    for i in 0..5 {
        let mut r = record(uri, &[]);
        r.start = format!("run {i}");
        store.record(&r, Retention { keep: 3, days: 0 }).unwrap();
        // Names carry milliseconds: keep them apart.
        std::thread::sleep(Duration::from_millis(3));
    }
    let starts: Vec<String> = store.runs(uri).runs.into_iter().map(|r| r.start).collect();
    assert_eq!(starts, ["run 2", "run 3", "run 4"]);
    // keep = 0 records nothing.
    assert_eq!(
        store
            .record(&record(uri, &[]), Retention { keep: 0, days: 0 })
            .unwrap(),
        None
    );
    assert_eq!(store.runs(uri).runs.len(), 3);
}

#[test]
fn pruning_by_age_removes_old_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let uri = "test:///default";
    let d = store.dir_for(uri);
    std::fs::create_dir_all(&d).unwrap();
    let old = SystemTime::now() - Duration::from_secs(10 * 86_400);
    let text = serde_json::to_string(&record(uri, &[])).unwrap();
    std::fs::write(d.join(new_name(old)), &text).unwrap();
    assert_eq!(store.runs(uri).runs.len(), 1);
    store
        .record(
            &record(uri, &[]),
            Retention {
                keep: 100,
                days: 30,
            },
        )
        .unwrap();
    assert_eq!(store.runs(uri).runs.len(), 2, "10 days < 30");
    store
        .record(&record(uri, &[]), Retention { keep: 100, days: 7 })
        .unwrap();
    assert_eq!(store.runs(uri).runs.len(), 2, "the 10-day-old run is gone");
}

#[test]
fn damaged_and_newer_records_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let uri = "test:///default";
    store.record(&record(uri, &[]), KEEP).unwrap();
    let d = store.dir_for(uri);
    std::fs::write(d.join("000000000001.000-1-0.json"), "{ not json").unwrap();
    let mut newer = record(uri, &[]);
    newer.format = FORMAT + 1;
    std::fs::write(
        d.join("000000000002.000-1-0.json"),
        serde_json::to_string(&newer).unwrap(),
    )
    .unwrap();
    std::fs::write(d.join(".x.json.tmp-1-0"), "partial").unwrap();
    let h = store.runs(uri);
    assert_eq!(h.runs.len(), 1);
    assert_eq!(h.warnings.len(), 2, "{:?}", h.warnings);
    assert!(h.warnings[0].contains("damaged"), "{:?}", h.warnings);
    assert!(h.warnings[1].contains("newer tck"), "{:?}", h.warnings);
}

#[test]
fn concurrent_writers_each_leave_a_whole_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let uri = "test:///default";
    std::thread::scope(|s| {
        for t in 0..8 {
            let store = &store;
            s.spawn(move || {
                for i in 0..5 {
                    let mut r = record(uri, &[("a", ScriptStatus::Pass)]);
                    r.start = format!("{t}-{i}");
                    store.record(&r, Retention { keep: 30, days: 0 }).unwrap();
                }
            });
        }
    });
    let h = store.runs(uri);
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    assert_eq!(h.runs.len(), 30);
}

#[test]
fn failed_lists_failures_and_unstarted_scripts() {
    use ScriptStatus::*;
    let mut report = Report::default();
    for (id, st) in [
        ("a", Pass),
        ("b", Fail),
        ("c", Flaky),
        ("d", Skip),
        ("e", Error),
        ("f", Timeout),
        ("g", Crash),
        ("h", Bailout),
    ] {
        report
            .scripts
            .push(ScriptResult::without_output(id, "", st, ""));
    }
    report.not_run.push(NotRun {
        id: "i".into(),
        reason: "not started: bail-out in h".into(),
    });
    let r = RunRecord::of(&report, &[], Duration::ZERO, None);
    assert_eq!(r.failed(), ["b", "e", "f", "g", "h", "i"]);
    assert_eq!(r.counts()[0], (Pass, 1));
}

#[test]
fn environment_changes_are_listed_field_by_field() {
    let a = EnvSummary {
        libvirt_daemon_version: "11.2.0".into(),
        config_digest: "aaaa".into(),
        ..EnvSummary::default()
    };
    let mut b = a.clone();
    assert!(changes(&a, &b).is_empty());
    b.libvirt_daemon_version = "11.3.0".into();
    b.driver = "QEMU".into();
    let c = changes(&a, &b);
    assert_eq!(
        c,
        [
            Change {
                field: "driver",
                before: String::new(),
                after: "QEMU".into()
            },
            Change {
                field: "libvirt daemon",
                before: "11.2.0".into(),
                after: "11.3.0".into()
            }
        ]
    );
}

#[test]
fn external_scripts_are_recorded_with_their_path_and_content_digest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("010-x.sh");
    std::fs::write(&file, "#!/bin/sh\necho ok\n").unwrap();
    let s = Script::external("010-x.sh".into(), file.clone()).unwrap();
    let d1 = digest_of(&s);
    assert_eq!(d1.len(), 16);
    std::fs::write(&file, "#!/bin/sh\necho changed\n").unwrap();
    assert_ne!(digest_of(&s), d1);
    let mut report = Report::default();
    report.scripts.push(ScriptResult::without_output(
        "010-x.sh",
        "",
        ScriptStatus::Pass,
        "",
    ));
    let r = RunRecord::of(&report, &[s], Duration::ZERO, None);
    assert_eq!(r.scripts[0].path.as_deref(), Some(file.as_path()));
    assert_eq!(
        r.scripts[0].digest,
        digest_of(&Script::external("010-x.sh".into(), file).unwrap())
    );
}
