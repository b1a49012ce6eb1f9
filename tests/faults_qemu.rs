//! Faults on real QEMU/KVM: a guest that never becomes ready. The script
//! waiting for it is stopped at its timeout, its status says so, and the
//! guest it created is recorded as leaked and removed — the next run finds
//! nothing under the prefix.
//!
//! The guest boots the host kernel with an initramfs that has no `/init`,
//! so it never prints the ready line on any host (the kernel panics looking
//! for a root file system).

mod common;

use common::{qemu_system, tck, text, unique_prefix};
use tck::virt::media::cpio::{write_archive, Entry};

#[test]
fn a_guest_that_never_becomes_ready_times_out_cleanly() {
    let Some(conn) = qemu_system() else {
        return;
    };
    // The hypervisor's user must reach the media under the scratch
    // directory: a world-searchable directory (a tempdir is 0700).
    let dir = tempfile::tempdir().expect("tempdir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let prefix = unique_prefix();
    let initrd = dir.path().join("no-init.cpio");
    let mut cpio = Vec::new();
    write_archive(
        &mut cpio,
        &[Entry::File {
            path: "README".into(),
            mode: 0o644,
            data: b"no /init here: this guest never gets ready\n".to_vec(),
        }],
    )
    .expect("cpio");
    std::fs::write(&initrd, cpio).expect("write initrd");
    let cfg = dir.path().join("tck.toml");
    std::fs::write(
        &cfg,
        format!(
            "uri = \"qemu:///system\"\nprefix = {prefix:?}\nscratch_dir = {:?}\ninitrd = {:?}\n",
            dir.path().join("scratch").display().to_string(),
            initrd.display().to_string()
        ),
    )
    .expect("config");

    let out = tck()
        .args(["prepare", "--no-probe", "--config"])
        .arg(&cfg)
        .output()
        .expect("tck prepare");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");

    let json = dir.path().join("r.json");
    let started = std::time::Instant::now();
    let out = tck()
        .args(["run", "--timeout", "6", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&json)
        .arg("domain/200-disk-hotplug")
        .output()
        .expect("tck run");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        started.elapsed().as_secs() < 30,
        "stopped at the timeout, not later: {:?}",
        started.elapsed()
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("JSON");
    let script = &report["scripts"][0];
    assert_eq!(script["status"], "timeout", "{script}");
    let leaked: Vec<&str> = script["leaked"]
        .as_array()
        .expect("leaked")
        .iter()
        .filter(|l| l["kind"] == "domain")
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(leaked.len(), 1, "the waiting guest is reported: {script}");
    assert!(leaked[0].starts_with(&prefix), "{leaked:?}");
    // …and removed.
    assert!(
        conn.lookup_domain_by_name(leaked[0]).is_err(),
        "{} is gone",
        leaked[0]
    );
    let out = tck()
        .args(["clean", "--dry-run", "--config"])
        .arg(&cfg)
        .output()
        .expect("tck clean");
    let (stdout, stderr) = text(&out);
    assert!(!stdout.contains("would remove"), "{stdout}\n{stderr}");
    conn.close().expect("close");
}
