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
    .env_remove("TCK_DISRUPTIVE")
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

/// A prefix for tests that run on several URIs at once (`tck run --uri A
/// --uri B`): each URI's run adds a slot letter and a separator, and the
/// whole must stay within 8 bytes, so this is `tck-` + 1 character + `-`,
/// the character from the pid, the time and `salt` (one per test of a
/// file). It never covers a `unique_prefix` (3 characters there) nor a
/// script namespace of the default prefix (`tck-` + 5 characters + `-`).
pub fn short_prefix(salt: u32) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = u64::from(std::process::id()) * 31 + u64::from(nanos / 1000) + u64::from(salt) * 7;
    format!("tck-{}-", char::from(DIGITS[(n % 36) as usize]))
}

/// Whether `prog` is an executable on PATH.
pub fn on_path(prog: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|d| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(d.join(prog))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// A libvirtd of the test's own, in a private mount namespace, listening
/// on TCP loopback without authentication (tests/support/private-libvirtd
/// says how, and why it never touches the host's daemon). Stopped, with
/// every guest it still runs destroyed, when dropped.
pub struct PrivateDaemon {
    child: std::process::Child,
    pub port: u16,
    pub work: tempfile::TempDir,
}

impl PrivateDaemon {
    /// Starts one. `None` (with a note) where it cannot run here (not
    /// root; no unshare, tini or libvirtd); under `CI=true` that is a
    /// failure, as is a daemon that does not come up.
    pub fn start() -> Option<PrivateDaemon> {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let missing: Vec<&str> = ["unshare", "tini", "libvirtd"]
            .into_iter()
            .filter(|p| !on_path(p))
            .collect();
        if !root || !missing.is_empty() {
            let why = if root {
                format!("missing {}", missing.join(", "))
            } else {
                "not root".to_string()
            };
            if ci {
                panic!("CI=true but a private libvirtd cannot run here: {why}");
            }
            eprintln!("note: a private libvirtd cannot run here ({why}); live test not run");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port on 127.0.0.1");
        let work = tempfile::tempdir().expect("tempdir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/private-libvirtd");
        let log = std::fs::File::create(work.path().join("start.log")).expect("log file");
        let child = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "tini", "-s", "--"])
            .arg(&script)
            .arg(work.path())
            .arg(port.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start unshare");
        let mut d = PrivateDaemon { child, port, work };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Ok(c) = Connection::open(&d.uri()) {
                // A fresh daemon probes QEMU on the first capabilities
                // request: do it now, not in the test's first run.
                let _ = c.capabilities();
                let _ = c.domain_capabilities(None, None, None, None, 0);
                let _ = c.close();
                return Some(d);
            }
            let exited = d.child.try_wait().ok().flatten();
            if exited.is_some() || std::time::Instant::now() > deadline {
                let read =
                    |f: &str| std::fs::read_to_string(d.work.path().join(f)).unwrap_or_default();
                panic!(
                    "the private libvirtd did not come up on port {port} ({}):\n{}\n{}",
                    match exited {
                        Some(s) => format!("exited: {s}"),
                        None => "timed out".into(),
                    },
                    read("start.log"),
                    read("libvirtd.log")
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// `qemu+tcp://127.0.0.1:PORT/system`.
    pub fn uri(&self) -> String {
        format!("qemu+tcp://127.0.0.1:{}/system", self.port)
    }
}

impl Drop for PrivateDaemon {
    fn drop(&mut self) {
        // Everything on this daemon is the test's: no guest may outlive it.
        if let Ok(c) = Connection::open(&self.uri()) {
            if let Ok(doms) = c.list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE) {
                for d in doms {
                    let _ = d.destroy();
                }
            }
            let _ = c.close();
        }
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill has no memory-safety preconditions; the pid is our
        // child's (tini), not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
