//! The fixture survives its daemon going away: when the connection to
//! qemu:///system is closed under it (as a daemon restart closes every
//! client), its next call opens a new connection and works.
//!
//! The daemon cannot be restarted on a shared host, so the test closes the
//! fixture's own client socket instead (`shutdown(2)` on the connection's
//! file descriptor), which the client library sees exactly as a daemon that
//! went away.

mod common;

use common::{qemu_system, unique_prefix};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tck::config::{Config, ConfigSource};
use tck::virt::fixture::VirtFixture;

/// This process's open socket file descriptors.
fn sockets() -> BTreeSet<i32> {
    std::fs::read_dir("/proc/self/fd")
        .expect("fd dir")
        .filter_map(|e| {
            let e = e.ok()?;
            let fd: i32 = e.file_name().to_str()?.parse().ok()?;
            let target = std::fs::read_link(e.path()).ok()?;
            target
                .to_string_lossy()
                .starts_with("socket:")
                .then_some(fd)
        })
        .collect()
}

#[test]
fn a_lost_connection_is_opened_again() {
    let Some(probe) = qemu_system() else { return };
    probe.close().expect("close probe");
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = Config::from_toml(
        &format!(
            "uri = \"qemu:///system\"\nprefix = {:?}\nscratch_dir = {:?}\n",
            unique_prefix(),
            dir.path().display().to_string()
        ),
        ConfigSource::BuiltIn,
    )
    .expect("config");
    let before = sockets();
    let fixture = VirtFixture::open(&cfg).expect("fixture");
    let ours: Vec<i32> = sockets().difference(&before).copied().collect();
    assert!(!ours.is_empty(), "the connection's socket was not found");
    let first = fixture.connection().expect("connection");
    assert!(first.is_alive().expect("alive"));

    for fd in &ours {
        // SAFETY: shutting down sockets this test's fixture opened; the
        // descriptors stay open (the client library closes them).
        unsafe { libc::shutdown(*fd, libc::SHUT_RDWR) };
    }
    let t0 = Instant::now();
    while first.is_alive().unwrap_or(false) {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the client never noticed"
        );
        // A call makes the client read the closed socket.
        let _ = first.lib_version();
        std::thread::sleep(Duration::from_millis(20));
    }

    eprintln!(
        "closed {} socket(s); old connection alive: {:?}",
        ours.len(),
        first.is_alive()
    );
    let scope = fixture.run_scope();
    let found = fixture.find(&scope).expect("the fixture reconnects");
    assert!(found.is_empty(), "nothing under a fresh prefix: {found:?}");
    let again = fixture.connection().expect("connection");
    assert!(again.is_alive().expect("alive"));
    drop(first);
    drop(again);
    fixture.close().expect("close");
}
