//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
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
    .env_remove("NO_COLOR");
    c
}

/// How a run of `tck` ended and what it printed.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Runs `cmd` to its end.
    pub fn of(cmd: &mut Command) -> Run {
        let start = Instant::now();
        let out = cmd.output().expect("tck runs");
        let (stdout, stderr) = text(&out);
        Run {
            code: out.status.code(),
            stdout,
            stderr,
            elapsed: start.elapsed(),
        }
    }

    /// Both streams, for assertion messages.
    pub fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// `tck ARGS`, isolated as [`tck`] is.
pub fn run(args: &[&str]) -> Run {
    Run::of(tck().args(args))
}

/// `tck ARGS`, which must succeed: its standard output.
pub fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, Some(0), "tck {args:?} failed:\n{}", r.all());
    r.stdout
}

/// `tck ARGS`, which must refuse its input (exit status 2): its standard
/// error.
pub fn fails(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, Some(2), "tck {args:?} should fail:\n{}", r.all());
    r.stderr
}

/// `tests/fixtures/REL`.
pub fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

/// A test path as text (test paths are UTF-8).
pub fn s<P: AsRef<Path> + ?Sized>(p: &P) -> &str {
    p.as_ref().to_str().expect("utf-8 path")
}

/// Writes an executable file `path` (and its directory).
pub fn executable(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, body).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Checks a tck XML report against the RELAX NG schema (`xmllint`).
pub fn validate_report(path: &Path) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("share/schema/tck-report-1.rng");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--relaxng")
        .arg(schema)
        .arg(path)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What headless Chromium shows of the page `html` (tests/browser/visible.py
/// with `args`), as the JSON it prints.
pub fn browser_visible(html: &Path, args: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/visible.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(html)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the browser check failed (needs: apt-get install chromium chromium-driver):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("visible.py prints JSON")
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes the configuration file `dir/name`: a private scratch directory
/// (`dir/scratch`) on its first line, then `body`.
pub fn config_with(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let scratch = dir.join("scratch").display().to_string();
    std::fs::write(&path, format!("scratch_dir = {scratch:?}\n{body}")).expect("write config");
    path
}

/// Writes `dir/tck.toml` with a private scratch directory, the given URI
/// and prefix.
pub fn config_file(dir: &Path, uri: &str, prefix: &str) -> PathBuf {
    config_with(
        dir,
        "tck.toml",
        &format!("uri = {uri:?}\nprefix = {prefix:?}\n"),
    )
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
