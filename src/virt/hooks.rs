//! libvirt hook scripts (`/etc/libvirt/hooks/<driver>`), installed for a
//! script's lifetime and always put back.
//!
//! What libvirt does (hooks.html, and `virhook.c`): the daemon runs
//! `/etc/libvirt/hooks/daemon - start - start` when it starts, `- shutdown
//! - shutdown` when it stops and `- reload begin SIGHUP` on SIGHUP; the
//! driver hooks (`qemu`, `lxc`…) run with `<domain> <op> <subop> -` around
//! a guest's life (`prepare begin`, `start begin`, `started begin`,
//! `stopped end`, `release end` for a start and a destroy), and a failing
//! `prepare`/`start` hook stops the guest from starting.
//!
//! Which hooks exist is looked up once, at daemon start-up, and cached; the
//! cache is reset on SIGHUP (the daemon's `reload` and `shutdown` hook calls
//! re-scan the directory before running). The hooks documentation says
//! nothing about hooks added to a running daemon, so scripts install their
//! hooks, then reload the daemon (SIGHUP, as `systemctl reload` does), and
//! learn that the reload ran from the daemon hook's own log line. That has
//! a consequence for putting things back: a driver hook that is removed
//! while the daemon still believes it exists makes every guest start fail
//! ("Hook script execution failed"). So [`HookSession`] keeps its own
//! daemon hook (which logs every call) installed until the very end: it
//! restores the driver hooks first, reloads and waits for the reload's log
//! line (the cache then matches the directory again), and only then
//! restores the daemon hook (whose stale cache entry is harmless: the only
//! calls after start-up, reload and shutdown, re-scan first).
//!
//! Safety on a shared host: the hook bodies from [`logging_hook`] act only
//! for objects named in the script's namespace (everything else: exit 0,
//! no log), so another process's guests start normally while a test hook
//! that fails is installed. Whatever a hook replaced is copied to the
//! script's scratch directory first, put back by [`HookSession::finish`]
//! or, on any early return or panic, by `Drop`; a hooks directory the
//! session created is removed again. (A script killed by SIGKILL runs no
//! destructor: its namespaced hooks stay, inert for every other guest,
//! until the next session restores its own backup — the backup itself is
//! gone with the scratch directory, so such a kill loses a replaced
//! original; the hook scripts run for a few seconds under a 60 s timeout.)

use super::daemon::{Daemon, DaemonError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where libvirt looks for hook scripts.
pub const HOOK_DIR: &str = "/etc/libvirt/hooks";

/// How long a reload may take to reach the daemon hook.
pub const RELOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// A hook could not be installed or put back, or the daemon not reloaded.
#[derive(Debug)]
pub enum HookError {
    Io {
        path: PathBuf,
        error: String,
    },
    Daemon(DaemonError),
    /// The daemon hook did not log the reload in time.
    NoReload {
        log: PathBuf,
        after: Duration,
    },
}

impl std::fmt::Display for HookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HookError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            HookError::Daemon(e) => e.fmt(f),
            HookError::NoReload { log, after } => write!(
                f,
                "the daemon hook logged no reload in {} within {:.0} s of SIGHUP",
                log.display(),
                after.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for HookError {}

impl From<DaemonError> for HookError {
    fn from(e: DaemonError) -> Self {
        HookError::Daemon(e)
    }
}

impl From<HookError> for crate::script::Stop {
    fn from(e: HookError) -> Self {
        crate::script::Stop::Error(e.to_string())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HookError + '_ {
    move |e| HookError::Io {
        path: path.to_path_buf(),
        error: e.to_string(),
    }
}

/// A shell hook that appends its arguments, as one line, to `log` and
/// exits with `status` when its first argument (the object's name) starts
/// with `scope`; for anything else it does nothing and exits 0. The daemon
/// hook's first argument is always `-`: give `scope` "-" to log those.
pub fn logging_hook(log: &Path, scope: &str, status: i32) -> String {
    // The paths and the scope are tck's own (namespace and scratch
    // directory): letters, digits, '-', '_', '.', '/'; quoted all the same.
    let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    format!(
        "#!/bin/sh\n\
         # Installed by tck for the objects named {scope}*; restored afterwards.\n\
         case \"$1\" in\n\
         \x20 {pattern}*) echo \"$@\" >> {log} ; exit {status} ;;\n\
         esac\n\
         exit 0\n",
        pattern = q(scope),
        log = q(&log.to_string_lossy()),
    )
}

/// The lines of a hook log, each split into its arguments.
pub fn read_log(log: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Polls `log` until `done` holds for its lines, at most `timeout`; gives
/// the lines last read either way.
pub fn wait_log(
    log: &Path,
    timeout: Duration,
    mut done: impl FnMut(&[Vec<String>]) -> bool,
) -> (bool, Vec<Vec<String>>) {
    let deadline = Instant::now() + timeout;
    loop {
        let lines = read_log(log);
        if done(&lines) {
            return (true, lines);
        }
        if Instant::now() >= deadline {
            return (false, lines);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The names and contents of the files in `dir` (sorted; empty when it
/// does not exist), to check that a directory was put back as it was.
pub fn dir_snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// One hook file replaced until [`HookFile::restore`] (or drop).
#[derive(Debug)]
pub struct HookFile {
    path: PathBuf,
    /// What was there, when something was.
    backup: Option<Original>,
    restored: bool,
}

/// A replaced hook: a file is copied aside; a symbolic link is kept as its
/// target, and put back as the same link.
#[derive(Debug)]
enum Original {
    Copy(PathBuf),
    Link(PathBuf),
}

impl HookFile {
    /// Writes `body` (mode 0755) at `dir/name`, first copying what was
    /// there into `backup_dir`.
    pub fn install(
        dir: &Path,
        name: &str,
        body: &str,
        backup_dir: &Path,
    ) -> Result<HookFile, HookError> {
        let path = dir.join(name);
        let backup = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => Some(Original::Link(
                std::fs::read_link(&path).map_err(io(&path))?,
            )),
            Ok(_) => {
                std::fs::create_dir_all(backup_dir).map_err(io(backup_dir))?;
                let b = backup_dir.join(format!("{name}.orig"));
                // A copy keeps the original's mode; the original itself
                // stays in place until the new file replaces it atomically.
                std::fs::copy(&path, &b).map_err(io(&b))?;
                Some(Original::Copy(b))
            }
            Err(_) => None,
        };
        write_executable(&path, body.as_bytes())?;
        Ok(HookFile {
            path,
            backup,
            restored: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts back what was there (or removes the file if nothing was).
    pub fn restore(&mut self) -> Result<(), HookError> {
        if self.restored {
            return Ok(());
        }
        match &self.backup {
            Some(original) => {
                let tmp = self.path.with_extension("tck-restore");
                let _ = std::fs::remove_file(&tmp);
                let put = match original {
                    Original::Copy(b) => std::fs::copy(b, &tmp).map(|_| ()),
                    Original::Link(target) => std::os::unix::fs::symlink(target, &tmp),
                }
                .map_err(io(&tmp))
                .and_then(|()| std::fs::rename(&tmp, &self.path).map_err(io(&self.path)));
                if put.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                put?;
            }
            None => match std::fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&self.path)(e)),
            },
        }
        self.restored = true;
        Ok(())
    }
}

impl Drop for HookFile {
    fn drop(&mut self) {
        if let Err(e) = self.restore() {
            eprintln!("tck: cannot restore the hook {}: {e}", self.path.display());
        }
    }
}

/// Writes `data` (mode 0755) at `path` atomically; nothing is left beside
/// it when that fails.
fn write_executable(path: &Path, data: &[u8]) -> Result<(), HookError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tck-new");
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o755)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(data)?;
            f.sync_all()
        })
        .map_err(io(&tmp))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(io(path)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Hooks installed in a running daemon's hook directory, with a daemon
/// hook that logs every call so reloads can be waited for (see the module
/// documentation for the order in which they are put back).
pub struct HookSession {
    daemon: Daemon,
    dir: PathBuf,
    backup_dir: PathBuf,
    daemon_log: PathBuf,
    daemon_hook: Option<HookFile>,
    hooks: Vec<HookFile>,
    /// The hook directory did not exist and was created.
    created_dir: bool,
    finished: bool,
}

impl HookSession {
    /// Installs the logging daemon hook in `dir` (created if missing),
    /// backing up originals into `scratch/hooks-backup`.
    pub fn start(daemon: Daemon, dir: &Path, scratch: &Path) -> Result<HookSession, HookError> {
        let created_dir = !dir.exists();
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let backup_dir = scratch.join("hooks-backup");
        let daemon_log = scratch.join("daemon-hook.log");
        let mut s = HookSession {
            daemon,
            dir: dir.to_path_buf(),
            backup_dir,
            daemon_log,
            daemon_hook: None,
            hooks: Vec::new(),
            created_dir,
            finished: false,
        };
        let body = logging_hook(&s.daemon_log, "-", 0);
        s.daemon_hook = Some(HookFile::install(dir, "daemon", &body, &s.backup_dir)?);
        Ok(s)
    }

    pub fn daemon(&self) -> &Daemon {
        &self.daemon
    }

    /// After a restart the daemon is a new process.
    pub fn set_daemon(&mut self, d: Daemon) {
        self.daemon = d;
    }

    /// The daemon hook's log: one line per call, e.g. `- reload begin SIGHUP`.
    pub fn daemon_log(&self) -> &Path {
        &self.daemon_log
    }

    /// Installs a driver hook (`qemu`, `lxc`…); a new hook takes effect at
    /// the next [`HookSession::reload`]. Installing a name again replaces
    /// the session's own body (effective at once: the daemon reads the
    /// script at each call); the original stays backed up.
    pub fn install(&mut self, name: &str, body: &str) -> Result<(), HookError> {
        if let Some(h) = self
            .hooks
            .iter()
            .find(|h| h.path.file_name() == Some(name.as_ref()))
        {
            return write_executable(&h.path, body.as_bytes());
        }
        let h = HookFile::install(&self.dir, name, body, &self.backup_dir)?;
        self.hooks.push(h);
        Ok(())
    }

    fn reloads(lines: &[Vec<String>]) -> usize {
        lines
            .iter()
            .filter(|l| l.get(1).map(String::as_str) == Some("reload"))
            .count()
    }

    /// Sends SIGHUP and waits until the daemon hook logs the reload (the
    /// hook cache is re-read by then). Gives how long it took.
    pub fn reload(&self) -> Result<Duration, HookError> {
        let before = Self::reloads(&read_log(&self.daemon_log));
        let t0 = Instant::now();
        self.daemon.reload()?;
        let (ok, _) = wait_log(&self.daemon_log, RELOAD_TIMEOUT, |l| {
            Self::reloads(l) > before
        });
        if ok {
            Ok(t0.elapsed())
        } else {
            Err(HookError::NoReload {
                log: self.daemon_log.clone(),
                after: RELOAD_TIMEOUT,
            })
        }
    }

    /// Puts everything back: driver hooks, a reload so the daemon forgets
    /// them, then the daemon hook and a created directory.
    pub fn finish(mut self) -> Result<(), HookError> {
        self.finish_inner()
    }

    fn finish_inner(&mut self) -> Result<(), HookError> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let mut first_error = None;
        let had_driver_hooks = !self.hooks.is_empty();
        for h in &mut self.hooks {
            if let Err(e) = h.restore() {
                first_error.get_or_insert(e);
            }
        }
        if had_driver_hooks {
            if let Err(e) = self.reload() {
                first_error.get_or_insert(e);
            }
        }
        if let Some(h) = &mut self.daemon_hook {
            if let Err(e) = h.restore() {
                first_error.get_or_insert(e);
            }
        }
        if self.created_dir {
            // Only if empty: never remove what someone else put there.
            let _ = std::fs::remove_dir(&self.dir);
        }
        if first_error.is_none() {
            // Everything is back: the log and the copies are not needed
            // (on an error the copies stay, for the message's reader).
            let _ = std::fs::remove_file(&self.daemon_log);
            let _ = std::fs::remove_dir_all(&self.backup_dir);
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for HookSession {
    fn drop(&mut self) {
        if let Err(e) = self.finish_inner() {
            eprintln!("tck: putting the libvirt hooks back: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn run_hook(path: &Path, args: &[&str]) -> i32 {
        Command::new(path)
            .args(args)
            .status()
            .expect("run hook")
            .code()
            .unwrap_or(-1)
    }

    #[test]
    fn a_logging_hook_acts_only_in_its_scope() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("it's.log");
        let hook = dir.path().join("qemu");
        write_executable(&hook, logging_hook(&log, "tck-ab12c-", 1).as_bytes()).unwrap();
        assert_eq!(
            run_hook(&hook, &["tck-ab12c-dom", "prepare", "begin", "-"]),
            1
        );
        assert_eq!(run_hook(&hook, &["other-vm", "prepare", "begin", "-"]), 0);
        assert_eq!(
            run_hook(&hook, &["tck-ab12c-dom", "release", "end", "-"]),
            1
        );
        assert_eq!(
            read_log(&log),
            vec![
                vec!["tck-ab12c-dom", "prepare", "begin", "-"],
                vec!["tck-ab12c-dom", "release", "end", "-"]
            ]
        );
        let d = dir.path().join("daemon");
        let dlog = dir.path().join("d.log");
        write_executable(&d, logging_hook(&dlog, "-", 0).as_bytes()).unwrap();
        assert_eq!(run_hook(&d, &["-", "reload", "begin", "SIGHUP"]), 0);
        let (ok, lines) = wait_log(&dlog, Duration::from_secs(1), |l| l.len() == 1);
        assert!(ok);
        assert_eq!(lines[0], vec!["-", "reload", "begin", "SIGHUP"]);
        let (ok, _) = wait_log(&dlog, Duration::from_millis(50), |l| l.len() == 2);
        assert!(!ok, "times out");
    }

    #[test]
    fn a_replaced_hook_is_put_back_with_its_mode_and_a_new_one_removed() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("hooks");
        std::fs::create_dir(&hooks).unwrap();
        let backups = dir.path().join("scratch");
        let orig = hooks.join("qemu");
        std::fs::write(&orig, "#!/bin/sh\n# the admin's hook\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&orig, std::fs::Permissions::from_mode(0o750)).unwrap();
        {
            let before = dir_snapshot(&hooks);
            let h = HookFile::install(&hooks, "qemu", "#!/bin/sh\nexit 1\n", &backups).unwrap();
            assert_ne!(dir_snapshot(&hooks), before);
            assert_eq!(
                std::fs::read_to_string(h.path()).unwrap(),
                "#!/bin/sh\nexit 1\n"
            );
            let mode = std::fs::metadata(h.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o755);
            let _new = HookFile::install(&hooks, "lxc", "#!/bin/sh\n", &backups).unwrap();
            // Both dropped here (an early return would do the same).
        }
        assert_eq!(
            std::fs::read_to_string(&orig).unwrap(),
            "#!/bin/sh\n# the admin's hook\n"
        );
        let mode = std::fs::metadata(&orig).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
        assert!(!hooks.join("lxc").exists());
        let left: Vec<_> = std::fs::read_dir(&hooks).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary files left: {left:?}");
        // Restoring twice is harmless.
        let mut h = HookFile::install(&hooks, "qemu", "x", &backups).unwrap();
        h.restore().unwrap();
        h.restore().unwrap();
        assert!(std::fs::read_to_string(&orig).unwrap().contains("admin"));
    }

    #[test]
    fn a_hook_that_is_a_symbolic_link_comes_back_as_the_same_link() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("hooks");
        std::fs::create_dir(&hooks).unwrap();
        let target = dir.path().join("admin-qemu-hook");
        std::fs::write(&target, "#!/bin/sh\n# the admin's hook\n").unwrap();
        let link = hooks.join("qemu");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        {
            let h = HookFile::install(&hooks, "qemu", "#!/bin/sh\nexit 1\n", &dir.path().join("b"))
                .unwrap();
            assert!(!std::fs::symlink_metadata(h.path())
                .unwrap()
                .file_type()
                .is_symlink());
        }
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_link(&link).unwrap(), target);
        assert!(std::fs::read_to_string(&target).unwrap().contains("admin"));
        assert_eq!(
            std::fs::read_dir(&hooks).unwrap().count(),
            1,
            "no temporary files left"
        );
    }

    #[test]
    fn a_session_on_a_stand_in_daemon_reloads_and_puts_everything_back() {
        // A stand-in daemon: on SIGHUP it runs the daemon hook like
        // libvirtd does. It is a child of this test, signalled by pid.
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("hooks");
        let scratch = dir.path().join("scratch");
        std::fs::create_dir(&scratch).unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "trap 'echo hup >> {c}; {h}/daemon - reload begin SIGHUP' HUP; while :; do sleep 0.05; done",
                h = hooks.display(),
                c = dir.path().join("sighups").display()
            ))
            .spawn()
            .unwrap();
        let daemon = Daemon {
            name: "sh".into(),
            pid: child.id() as i32,
            pid_file: dir.path().join("none.pid"),
            writes_pid_file: false,
            manager: crate::virt::daemon::Manager::Systemd {
                unit: "tck-none.service".into(),
            },
        };
        let mut s = HookSession::start(daemon, &hooks, &scratch).unwrap();
        assert!(hooks.join("daemon").exists());
        s.install("qemu", "#!/bin/sh\nexit 1\n").unwrap();
        s.install("qemu", "#!/bin/sh\nexit 0\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(hooks.join("qemu")).unwrap(),
            "#!/bin/sh\nexit 0\n",
            "installing again replaces the body"
        );
        let took = s.reload().expect("reload logged");
        assert!(took < RELOAD_TIMEOUT);
        assert_eq!(
            read_log(s.daemon_log()),
            vec![vec!["-", "reload", "begin", "SIGHUP"]]
        );
        let log = s.daemon_log().to_path_buf();
        s.finish().expect("finish");
        assert!(!hooks.join("qemu").exists());
        // The session reloaded once more before removing the daemon hook.
        assert_eq!(read_log(&dir.path().join("sighups")).len(), 2);
        assert!(!log.exists(), "the log is removed");

        // A session dropped on an early return puts everything back too.
        {
            let daemon = Daemon {
                name: "sh".into(),
                pid: child.id() as i32,
                pid_file: dir.path().join("none.pid"),
                writes_pid_file: false,
                manager: crate::virt::daemon::Manager::Systemd {
                    unit: "tck-none.service".into(),
                },
            };
            let mut s = HookSession::start(daemon, &hooks, &scratch).unwrap();
            s.install("lxc", "#!/bin/sh\nexit 1\n").unwrap();
        }
        assert!(!hooks.exists());
        assert_eq!(
            read_log(&dir.path().join("sighups")).len(),
            3,
            "reloaded on drop"
        );
        assert!(!scratch.join("hooks-backup").exists());
        assert!(!hooks.exists(), "the directory it created is gone");
        let _ = child.kill();
        let _ = child.wait();
    }
}
