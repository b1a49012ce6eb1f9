//! The libvirt daemon process behind a local URI: finding it, reloading it
//! (SIGHUP) and restarting it, for the scripts that must (the hook scripts,
//! `hooks/`, which are `disruptive`: they run only with `--disruptive`).
//!
//! Which process: the modular daemon of the driver (`virtqemud` for QEMU,
//! `virtlxcd` for LXC…) when one runs, else the monolithic `libvirtd`. Its
//! pid comes from `/run/<name>.pid` (checked against `/proc/<pid>/comm`),
//! else from a scan of `/proc`.
//!
//! How it is managed decides how it restarts:
//!
//! - under systemd (PID 1 is systemd and the process is in a `*.service`
//!   cgroup): `systemctl restart <unit>`, and a reload is SIGHUP (what the
//!   units' `ExecReload` sends);
//! - started by hand or by a non-systemd init (`libvirtd -d`, as on the
//!   development machines of this project): the restart stops it with
//!   SIGTERM, waits for it to exit, then runs the same executable with the
//!   same arguments, environment and working directory it was started
//!   with (read from `/proc/<pid>/` before stopping it), and waits until
//!   its pid file names a live process and its socket answers. A daemon that
//!   does not exit is left running (an error, not a kill); one that cannot
//!   be started again is reported with the command line to start it by
//!   hand. SIGTERM is the daemon's orderly shutdown: it runs the daemon's
//!   `shutdown` hook and leaves guests running (libvirt reconnects to them
//!   on start).
//!
//! Reload (SIGHUP) re-reads driver state and, what the hook scripts rely
//! on, re-scans `/etc/libvirt/hooks` (libvirt caches which hook scripts
//! exist at start-up and resets that cache on SIGHUP; see
//! [`super::hooks`]).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where daemons write their pid files when run as root.
pub const RUN_DIR: &str = "/run";

/// Why the daemon could not be found, reloaded or restarted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonError {
    NotFound {
        tried: Vec<String>,
    },
    Signal {
        pid: i32,
        error: String,
    },
    /// The daemon did not exit after SIGTERM: it is still running.
    StillRunning {
        pid: i32,
        after: Duration,
    },
    /// The daemon stopped and could not be started again.
    Down {
        command: String,
        error: String,
    },
    /// `systemctl` failed.
    Systemctl {
        unit: String,
        error: String,
    },
    /// Started again, but not answering in time.
    NotAnswering {
        command: String,
        after: Duration,
    },
    /// How to start the daemon again is not known, so it was not stopped.
    CannotRestart {
        pid: i32,
        why: String,
    },
}

impl std::fmt::Display for DaemonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DaemonError::NotFound { tried } => write!(
                f,
                "no running libvirt daemon found (looked for {})",
                tried.join(", ")
            ),
            DaemonError::Signal { pid, error } => {
                write!(f, "cannot signal the libvirt daemon (pid {pid}): {error}")
            }
            DaemonError::StillRunning { pid, after } => write!(
                f,
                "the libvirt daemon (pid {pid}) did not exit within {:.0} s of SIGTERM; it was left running",
                after.as_secs_f64()
            ),
            DaemonError::Down { command, error } => write!(
                f,
                "the libvirt daemon stopped and could not be started again ({error}): THE DAEMON IS DOWN, start it with: {command}"
            ),
            DaemonError::Systemctl { unit, error } => {
                write!(f, "systemctl restart {unit} failed: {error}")
            }
            DaemonError::NotAnswering { command, after } => write!(
                f,
                "the libvirt daemon was started again ({command}) but did not answer within {:.0} s",
                after.as_secs_f64()
            ),
            DaemonError::CannotRestart { pid, why } => write!(
                f,
                "not restarting the libvirt daemon (pid {pid}): {why}, so it could not be \
                 started again; it was left running (run tck as root, on the daemon's host)"
            ),
        }
    }
}

impl std::error::Error for DaemonError {}

impl From<DaemonError> for crate::script::Stop {
    fn from(e: DaemonError) -> Self {
        crate::script::Stop::Error(e.to_string())
    }
}

/// How the daemon was started, hence how it restarts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manager {
    Systemd {
        unit: String,
    },
    /// Started by hand: restarted by running this again.
    Direct {
        exe: PathBuf,
        argv: Vec<OsString>,
        env: Vec<(OsString, OsString)>,
        cwd: PathBuf,
        /// Regular files its stdout and stderr went to (a log), reopened
        /// for appending; anything else (a terminal, a pipe) becomes
        /// /dev/null.
        output: Option<PathBuf>,
        errors: Option<PathBuf>,
    },
}

/// A running libvirt daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daemon {
    /// `libvirtd`, `virtqemud`…
    pub name: String,
    pub pid: i32,
    /// `/run/<name>.pid`.
    pub pid_file: PathBuf,
    /// Whether the daemon keeps its pid file (then a restarted daemon is
    /// known by it; otherwise by a scan of `/proc`).
    pub writes_pid_file: bool,
    pub manager: Manager,
}

/// The daemons that may serve `driver` (libvirt's driver type, e.g.
/// "QEMU"), most specific first.
pub fn candidates(driver: &str) -> Vec<&'static str> {
    let modular = match driver.to_ascii_uppercase().as_str() {
        "QEMU" => Some("virtqemud"),
        "LXC" => Some("virtlxcd"),
        "XEN" | "LIBXL" => Some("virtxend"),
        "BHYVE" => Some("virtbhyved"),
        "CH" => Some("virtchd"),
        "VBOX" => Some("virtvboxd"),
        _ => None,
    };
    modular.into_iter().chain(["libvirtd"]).collect()
}

fn comm(pid: i32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim().to_string())
}

fn alive(pid: i32) -> bool {
    // A zombie is not alive.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| crate::virt::host::parse_stat(&s).map(|(_, state)| state))
        .is_some_and(|state| state != 'Z' && state != 'X')
}

fn pid_from_file(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Splits `/proc/<pid>/cmdline` or `environ` contents at NULs.
pub fn split_nul(bytes: &[u8]) -> Vec<OsString> {
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| OsString::from_vec(s.to_vec()))
        .collect()
}

/// The systemd service a process belongs to, from `/proc/<pid>/cgroup`
/// contents: the last path component ending in `.service`.
pub fn service_of(cgroup: &str) -> Option<String> {
    cgroup
        .lines()
        .filter_map(|l| l.splitn(3, ':').nth(2))
        .flat_map(|path| path.split('/'))
        .rfind(|c| c.ends_with(".service"))
        .map(str::to_string)
}

fn systemd_is_init() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

impl Daemon {
    /// The running daemon of `driver` on this host.
    pub fn find(driver: &str) -> Result<Daemon, DaemonError> {
        let names = candidates(driver);
        for name in &names {
            let pid_file = Path::new(RUN_DIR).join(format!("{name}.pid"));
            let from_file = pid_from_file(&pid_file)
                .filter(|p| alive(*p) && comm(*p).as_deref() == Some(*name));
            if let Some(pid) = from_file.or_else(|| scan_for(name)) {
                return Ok(Daemon {
                    name: name.to_string(),
                    pid,
                    manager: manager_of(pid),
                    pid_file,
                    writes_pid_file: from_file.is_some(),
                });
            }
        }
        Err(DaemonError::NotFound {
            tried: names.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// The command line that starts it again (for messages).
    pub fn command(&self) -> String {
        match &self.manager {
            Manager::Systemd { unit } => format!("systemctl start {unit}"),
            Manager::Direct { exe, argv, .. } => {
                let mut words = vec![exe.display().to_string()];
                words.extend(
                    argv.iter()
                        .skip(1)
                        .map(|a| a.to_string_lossy().into_owned()),
                );
                words.join(" ")
            }
        }
    }

    fn signal(&self, sig: i32) -> Result<(), DaemonError> {
        // SAFETY: kill has no memory effects; a wrong pid only fails.
        if unsafe { libc::kill(self.pid, sig) } == 0 {
            Ok(())
        } else {
            Err(DaemonError::Signal {
                pid: self.pid,
                error: std::io::Error::last_os_error().to_string(),
            })
        }
    }

    /// Sends SIGHUP: the daemon reloads its drivers' state and re-scans
    /// its hook scripts. Returns at once; the reload runs in a daemon
    /// thread (watch a daemon hook's log to know when it ran).
    pub fn reload(&self) -> Result<(), DaemonError> {
        self.signal(libc::SIGHUP)
    }

    /// Stops the daemon and starts it again (see the module documentation);
    /// gives the new process. `answers` is polled until it returns true
    /// (e.g. a connection to the URI opens) or `timeout` passes.
    pub fn restart(
        &self,
        timeout: Duration,
        mut answers: impl FnMut() -> bool,
    ) -> Result<Daemon, DaemonError> {
        let deadline = Instant::now() + timeout;
        match &self.manager {
            Manager::Systemd { unit } => {
                let out = std::process::Command::new("systemctl")
                    .args(["restart", unit])
                    .output()
                    .map_err(|e| DaemonError::Systemctl {
                        unit: unit.clone(),
                        error: e.to_string(),
                    })?;
                if !out.status.success() {
                    return Err(DaemonError::Systemctl {
                        unit: unit.clone(),
                        error: String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    });
                }
            }
            Manager::Direct {
                exe,
                argv,
                env,
                cwd,
                output,
                errors,
            } => {
                // Never stop what could not be started again.
                if !exe.is_file() || argv.is_empty() {
                    return Err(DaemonError::CannotRestart {
                        pid: self.pid,
                        why: format!(
                            "its executable ({:?}) or command line could not be read from /proc/{}",
                            exe, self.pid
                        ),
                    });
                }
                self.signal(libc::SIGTERM)?;
                while alive(self.pid) {
                    if Instant::now() >= deadline {
                        return Err(DaemonError::StillRunning {
                            pid: self.pid,
                            after: timeout,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                let outputs = (output.as_deref(), errors.as_deref());
                start_direct(exe, argv, env, cwd, outputs).map_err(|error| DaemonError::Down {
                    command: self.command(),
                    error,
                })?;
            }
        }
        // Wait for the new process and for it to answer.
        loop {
            // The pid file is the daemon's word that it runs; a scan is only
            // for daemons that write none (it could also see a process of
            // the daemonising step, which exits at once).
            let fresh = if self.writes_pid_file {
                pid_from_file(&self.pid_file).filter(|p| *p != self.pid && alive(*p))
            } else {
                scan_for(&self.name).filter(|p| *p != self.pid)
            };
            if let Some(pid) = fresh {
                if answers() {
                    return Ok(Daemon {
                        pid,
                        manager: manager_of(pid),
                        ..self.clone()
                    });
                }
            }
            if Instant::now() >= deadline {
                return Err(DaemonError::NotAnswering {
                    command: self.command(),
                    after: timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The first live process of uid 0 named `name`.
fn scan_for(name: &str) -> Option<i32> {
    let mut pids: Vec<i32> = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids.into_iter().find(|&pid| {
        comm(pid).as_deref() == Some(name)
            && alive(pid)
            && std::fs::metadata(format!("/proc/{pid}"))
                .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
                .unwrap_or(false)
    })
}

fn manager_of(pid: i32) -> Manager {
    if systemd_is_init() {
        if let Some(unit) = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
            .ok()
            .as_deref()
            .and_then(service_of)
        {
            return Manager::Systemd { unit };
        }
    }
    let read = |what: &str| std::fs::read(format!("/proc/{pid}/{what}")).unwrap_or_default();
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        // An upgraded binary shows as "/usr/sbin/libvirtd (deleted)".
        .map(|p| PathBuf::from(p.to_string_lossy().trim_end_matches(" (deleted)")))
        .unwrap_or_default();
    let env = split_nul(&read("environ"))
        .into_iter()
        .filter_map(|kv| {
            let s = kv.into_vec();
            let i = s.iter().position(|b| *b == b'=')?;
            Some((
                OsString::from_vec(s[..i].to_vec()),
                OsString::from_vec(s[i + 1..].to_vec()),
            ))
        })
        .collect();
    Manager::Direct {
        exe,
        argv: split_nul(&read("cmdline")),
        env,
        cwd: std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_else(|_| "/".into()),
        output: log_file(pid, 1),
        errors: log_file(pid, 2),
    }
}

/// The regular file a process's descriptor `fd` writes to, if it is one.
fn log_file(pid: i32, fd: u32) -> Option<PathBuf> {
    let target = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    std::fs::metadata(&target)
        .ok()
        .filter(|m| m.is_file())
        .map(|_| target)
}

/// Runs the daemon as it was started: same executable (keeping its
/// `argv[0]`), arguments, environment and working directory, in a session
/// of its own so it outlives this process. A daemonising daemon (`-d`)
/// forks and its first process exits at once; that exit is waited for, and
/// a failure there is an error.
fn start_direct(
    exe: &Path,
    argv: &[OsString],
    env: &[(OsString, OsString)],
    cwd: &Path,
    (output, errors): (Option<&Path>, Option<&Path>),
) -> Result<(), String> {
    let sink = |p: Option<&Path>| -> Result<std::process::Stdio, String> {
        match p {
            Some(p) => std::fs::OpenOptions::new()
                .append(true)
                .open(p)
                .map(std::process::Stdio::from)
                .map_err(|e| format!("cannot reopen {}: {e}", p.display())),
            None => Ok(std::process::Stdio::null()),
        }
    };
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(exe);
    if let Some(arg0) = argv.first() {
        cmd.arg0(arg0);
    }
    cmd.args(argv.iter().skip(1))
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .stdout(sink(output)?)
        .stderr(sink(errors)?);
    // SAFETY: setsid is async-signal-safe and touches no memory of ours;
    // it only detaches the child from our session and process group, so
    // the harness's group kill does not reach the daemon.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let daemonises = argv.iter().skip(1).any(|a| {
        let a = a.to_string_lossy();
        a == "--daemon" || (a.starts_with('-') && !a.starts_with("--") && a.contains('d'))
    });
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if daemonises {
        let status = child
            .wait()
            .map_err(|e| format!("waiting for {}: {e}", exe.display()))?;
        if !status.success() {
            return Err(format!(
                "{} exited with {status} (see its log)",
                exe.display()
            ));
        }
    }
    // A foreground daemon keeps running as our (detached) child; it is
    // reparented when this process exits.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modular_daemons_come_before_libvirtd() {
        assert_eq!(candidates("QEMU"), vec!["virtqemud", "libvirtd"]);
        assert_eq!(candidates("lxc"), vec!["virtlxcd", "libvirtd"]);
        assert_eq!(candidates("TEST"), vec!["libvirtd"]);
    }

    #[test]
    fn services_and_nul_lists_are_read_from_proc_contents() {
        let cg = "12:pids:/system.slice/virtqemud.service\n0::/system.slice/virtqemud.service\n";
        assert_eq!(service_of(cg).as_deref(), Some("virtqemud.service"));
        assert_eq!(service_of("0::/\n1:name=systemd:/\n"), None);
        assert_eq!(
            service_of("0::/user.slice/user-0.slice/session-3.scope\n"),
            None
        );
        let v = split_nul(b"libvirtd\0-d\0\0");
        assert_eq!(v, vec![OsString::from("libvirtd"), OsString::from("-d")]);
    }

    #[test]
    fn this_process_is_found_by_scanning_and_read_as_started_by_hand() {
        let me = std::process::id() as i32;
        let name = comm(me).expect("own comm");
        assert!(alive(me));
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            assert!(scan_for(&name).is_some());
        }
        if !systemd_is_init() {
            match manager_of(me) {
                Manager::Direct { exe, argv, env, .. } => {
                    assert_eq!(exe, std::env::current_exe().unwrap());
                    assert!(!argv.is_empty());
                    assert!(env.iter().any(|(k, _)| k == "PATH" || k == "HOME"));
                }
                other => panic!("{other:?}"),
            }
        }
        let e = DaemonError::NotFound {
            tried: candidates("QEMU").iter().map(|s| s.to_string()).collect(),
        };
        assert!(e.to_string().contains("virtqemud, libvirtd"), "{e}");
    }

    /// A stand-in daemon: a shell script that daemonises (with `-d`),
    /// writes its pid file and exits on SIGTERM. The restart path must
    /// stop it and run it again with the same arguments and environment.
    #[test]
    fn a_daemon_started_by_hand_is_restarted_the_same_way() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("fakevirtd");
        let pidfile = dir.path().join("fakevirtd.pid");
        let starts = dir.path().join("starts");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n\
                 if [ \"$1\" = -d ]; then\n\
                 \x20 setsid \"$0\" run \"$2\" </dev/null &\n\
                 \x20 exit 0\n\
                 fi\n\
                 echo \"$2 $TCK_FAKE_ENV\" >> {starts}\n\
                 echo \"started $2\"\n\
                 echo $$ > {pidfile}\n\
                 trap 'exit 0' TERM\n\
                 while :; do sleep 0.05; done\n",
                starts = starts.display(),
                pidfile = pidfile.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let argv: Vec<OsString> = vec![script.clone().into(), "-d".into(), "arg-x".into()];
        let env = vec![
            (OsString::from("TCK_FAKE_ENV"), OsString::from("env-y")),
            (OsString::from("PATH"), OsString::from("/usr/bin:/bin")),
        ];
        let log = dir.path().join("fake.log");
        std::fs::write(&log, "").unwrap();
        start_direct(&script, &argv, &env, dir.path(), (Some(&log), None)).unwrap();
        let wait_pid = |not: i32| {
            let t0 = Instant::now();
            loop {
                if let Some(p) = pid_from_file(&pidfile).filter(|p| *p != not && alive(*p)) {
                    return p;
                }
                assert!(
                    t0.elapsed() < Duration::from_secs(10),
                    "fake daemon did not start"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        let first = wait_pid(0);
        let d = Daemon {
            name: "fakevirtd".into(),
            pid: first,
            pid_file: pidfile.clone(),
            writes_pid_file: true,
            manager: Manager::Direct {
                exe: script.clone(),
                argv,
                env,
                cwd: dir.path().to_path_buf(),
                output: Some(log.clone()),
                errors: None,
            },
        };
        assert!(
            d.command().ends_with("fakevirtd -d arg-x"),
            "{}",
            d.command()
        );
        let new = d.restart(Duration::from_secs(10), || true).unwrap();
        assert_ne!(new.pid, first);
        assert!(!alive(first), "the old process exited");
        assert!(alive(new.pid));
        assert_eq!(
            std::fs::read_to_string(&starts).unwrap(),
            "arg-x env-y\narg-x env-y\n",
            "started twice with the same argument and environment"
        );
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "started arg-x\nstarted arg-x\n",
            "its output still goes to its log"
        );
        // Stop the stand-in.
        // SAFETY: signalling our own test process.
        unsafe { libc::kill(new.pid, libc::SIGTERM) };
    }

    #[test]
    fn a_daemon_that_does_not_answer_in_time_is_an_error_naming_how_it_was_started() {
        let d = Daemon {
            name: "tck-no-such-daemon".into(),
            pid: i32::MAX,
            pid_file: PathBuf::from("/nonexistent/tck.pid"),
            writes_pid_file: false,
            manager: Manager::Direct {
                exe: PathBuf::from("/bin/true"),
                argv: vec!["true".into()],
                env: vec![],
                cwd: PathBuf::from("/"),
                output: None,
                errors: None,
            },
        };
        // SIGTERM to a pid that does not exist fails first.
        let e = d.restart(Duration::from_millis(200), || false).unwrap_err();
        assert!(matches!(e, DaemonError::Signal { .. }), "{e}");
    }
}
