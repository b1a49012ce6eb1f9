//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tck::virt::connection::Connection;

/// The built `tck` binary.
pub fn tck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tck"));
    // Never pick up the caller's configuration, and never record runs in
    // the user's run history.
    c.env(
        "TCK_HISTORY_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("history"),
    )
    .env_remove("TCK_CONFIG")
    .env_remove("TCK_URI")
    .env_remove("TCK_PREFIX")
    .env_remove("TCK_SCRATCH_DIR")
    .env_remove("TCK_SCRIPT_ID")
    .env_remove("TCK_HARNESS")
    .env_remove("TCK_DISRUPTIVE");
    c
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Write a configuration file with the given URI, prefix and a private
/// scratch directory.
pub fn config_file(dir: &Path, uri: &str, prefix: &str) -> PathBuf {
    let path = dir.join("tck.toml");
    let scratch = dir.join("scratch");
    std::fs::write(
        &path,
        format!(
            "uri = {uri:?}\nprefix = {prefix:?}\nscratch_dir = {:?}\n",
            scratch.display().to_string()
        ),
    )
    .expect("write config");
    path
}

/// `qemu:///system`, when the daemon is reachable. Under `CI=true` an
/// unreachable daemon is a failure, not a skip: CI must exercise it.
pub fn qemu_system() -> Option<Connection> {
    match Connection::open("qemu:///system") {
        Ok(c) => Some(c),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but qemu:///system is not reachable: {e}");
            }
            eprintln!("note: qemu:///system not reachable, live test not run: {e}");
            None
        }
    }
}

/// A prefix no other process on the shared daemon uses: `tck-` + 3
/// characters derived from the pid and time + `-` (8 bytes, the maximum).
pub fn unique_prefix() -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut n = (std::process::id() as u64) * 7919 + u64::from(nanos);
    let mut tag = String::new();
    for _ in 0..3 {
        tag.push(char::from(DIGITS[(n % 36) as usize]));
        n /= 36;
    }
    // "dev" is what helpers use for manual experiments (tck-dev<name>-).
    if tag == "dev" {
        tag = "dew".into();
    }
    format!("tck-{tag}-")
}
