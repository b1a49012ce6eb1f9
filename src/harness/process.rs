//! Runs one script as a child process in its own process group.
//!
//! Why a process group: a script may start helpers (a shell pipeline, a
//! daemon, a guest console reader). Signalling the group reaches all of them,
//! so a timeout or Ctrl-C ends the whole script, not just its first process,
//! and nothing a script started outlives it (the group is killed at the end
//! whatever happened). A helper that calls `setsid()` leaves the group and
//! escapes this; we stop reading from it after the leak period, so it cannot
//! hang the run either.
//!
//! One thread per running script drives a `poll(2)` loop over the script's
//! stdout and stderr, a pidfd (Linux: readable when the child exits) and the
//! interrupt fd (readable once tck got SIGINT/SIGTERM). stdout goes to the
//! caller as it arrives (the TAP parser reads it incrementally); stderr is
//! kept bounded (the tail). No polling tick is needed on Linux; elsewhere
//! (no pidfd) the loop wakes every few milliseconds to check on the child.
//!
//! The child is detected as exited with `waitid(WNOWAIT)`, which leaves it a
//! zombie: until it is reaped its pid cannot be reused, so signalling its
//! process group (whose id is that pid) can never hit an unrelated group.
//! The child is reaped only after the final kill of its group.
//!
//! Timeline of the end of a script:
//! - the child exits: wait up to the leak period for stdout/stderr EOF (a
//!   forked helper may still hold them); then SIGKILL the group and stop
//!   reading. The result records the held-open pipe.
//! - the timeout expires (the child did not exit, whatever it did with its
//!   stdout): SIGTERM to the group, SIGKILL after the grace period.
//! - tck is interrupted: same as a timeout, reported as an interruption.

use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::report::model::Exit;

/// Time limits of one script run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From start to SIGTERM.
    pub timeout: Duration,
    /// From SIGTERM to SIGKILL.
    pub grace: Duration,
    /// After the child exits, how long its stdout/stderr may stay open.
    pub leak: Duration,
    /// Bytes of stderr kept (the tail).
    pub stderr_limit: usize,
}

/// Why the harness ended a script, when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The script ended by itself.
    Normally,
    /// Its timeout expired.
    Timeout,
    /// tck was interrupted.
    Interrupted,
}

/// How a script's process went.
#[derive(Debug, Clone)]
pub struct ProcessOutcome {
    /// The child's pid, which is also its process group id.
    pub pid: i32,
    pub exit: Exit,
    pub ended: Ended,
    /// Whether SIGKILL was needed after SIGTERM (timeout or interruption).
    pub killed_after_grace: bool,
    /// stdout or stderr was still held open (by a process the script
    /// started) when the leak period after the script's exit ran out.
    pub pipes_held_open: bool,
    pub duration: Duration,
    /// The last `stderr_limit` bytes of stderr.
    pub stderr_tail: Vec<u8>,
}

/// Which output of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pipe {
    Stdout,
    Stderr,
}

/// Starts `cmd` in a new process group with stdin from /dev/null and stdout
/// and stderr piped, feeds what it prints to `on_output` as it arrives, and
/// returns once the script has ended and its process group is gone.
///
/// `interrupt` is a descriptor that becomes readable when the run must stop.
/// An `Err` means the process could not be started.
pub fn run(
    cmd: &mut Command,
    limits: &Limits,
    interrupt: Option<RawFd>,
    on_output: &mut dyn FnMut(Pipe, &[u8]),
) -> io::Result<ProcessOutcome> {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let mut watch = Watch::new(&mut child, *limits, start, interrupt);
    watch.drive(on_output);
    // The final kill: whatever happened, nothing of the group survives.
    // The leader is still an unreaped zombie here, so the group id is ours.
    watch.signal_group(libc::SIGKILL);
    let Watch {
        ended,
        killed_after_grace,
        pipes_held_open,
        mut stderr_tail,
        ..
    } = watch;
    finish_tail(&mut stderr_tail, limits.stderr_limit);
    let status = child.wait()?;
    let exit = match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code { code },
        (None, Some(signal)) => Exit::Signal {
            signal,
            name: signal_name(signal),
        },
        // A wait status is either an exit or a signal; keep a value anyway.
        (None, None) => Exit::Code { code: -1 },
    };
    Ok(ProcessOutcome {
        pid: child.id() as i32,
        exit,
        ended,
        killed_after_grace,
        pipes_held_open,
        duration: start.elapsed(),
        stderr_tail,
    })
}

/// The state of the poll loop for one child.
struct Watch {
    pid: libc::pid_t,
    stdout: Option<std::process::ChildStdout>,
    stderr: Option<std::process::ChildStderr>,
    pidfd: Option<OwnedFd>,
    interrupt: Option<RawFd>,
    limits: Limits,
    deadline: Instant,
    kill_at: Option<Instant>,
    leak_until: Option<Instant>,
    exited: bool,
    ended: Ended,
    killed_after_grace: bool,
    pipes_held_open: bool,
    stderr_tail: Vec<u8>,
}

impl Watch {
    fn new(child: &mut Child, limits: Limits, start: Instant, interrupt: Option<RawFd>) -> Self {
        // Any limit longer than a century is "never", and adding it to an
        // Instant can then not overflow.
        const NEVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
        let limits = Limits {
            timeout: limits.timeout.min(NEVER),
            grace: limits.grace.min(NEVER),
            leak: limits.leak.min(NEVER),
            ..limits
        };
        // A pid always fits pid_t; `Child::id` widens it to u32.
        let pid = child.id() as libc::pid_t;
        Watch {
            pid,
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            pidfd: pidfd_open(pid),
            interrupt,
            limits,
            deadline: start + limits.timeout,
            kill_at: None,
            leak_until: None,
            exited: false,
            ended: Ended::Normally,
            killed_after_grace: false,
            pipes_held_open: false,
            stderr_tail: Vec::new(),
        }
    }

    fn signal_group(&self, signal: libc::c_int) {
        // SAFETY: killpg has no memory-safety preconditions; ESRCH (group
        // already gone) is the expected failure and is ignored.
        unsafe {
            libc::killpg(self.pid, signal);
        }
    }

    /// SIGTERM now, SIGKILL after the grace period.
    fn terminate(&mut self, why: Ended) {
        if self.kill_at.is_some() {
            return;
        }
        // A script that already ended by itself (its helpers are being
        // waited for) keeps its own ending.
        if !self.exited {
            self.ended = why;
        }
        self.signal_group(libc::SIGTERM);
        self.kill_at = Some(Instant::now() + self.limits.grace);
    }

    fn drive(&mut self, on_output: &mut dyn FnMut(Pipe, &[u8])) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if !self.exited {
                self.exited = has_exited(self.pid);
            }
            let now = Instant::now();
            if self.exited && (self.stdout.is_some() || self.stderr.is_some()) {
                let until = *self.leak_until.get_or_insert(now + self.limits.leak);
                if now >= until {
                    // Something the script started still holds its output:
                    // kill the group and stop reading (a process that left
                    // the group could hold the pipe forever).
                    self.pipes_held_open = true;
                    self.signal_group(libc::SIGKILL);
                    self.drain_nonblocking(&mut buf, on_output);
                    self.stdout = None;
                    self.stderr = None;
                }
            }
            if self.exited && self.stdout.is_none() && self.stderr.is_none() {
                return;
            }
            if !self.exited {
                if self.kill_at.is_none() && now >= self.deadline {
                    self.terminate(Ended::Timeout);
                }
                if let Some(at) = self.kill_at {
                    if now >= at && !self.killed_after_grace {
                        self.killed_after_grace = true;
                        self.signal_group(libc::SIGKILL);
                    }
                }
            }

            // What to wait for, and until when.
            let mut wake: Option<Instant> = None;
            let mut earliest = |t: Instant| {
                wake = Some(wake.map_or(t, |w: Instant| w.min(t)));
            };
            if self.exited {
                if let Some(t) = self.leak_until {
                    earliest(t);
                }
            } else {
                match self.kill_at {
                    None => earliest(self.deadline),
                    Some(at) if !self.killed_after_grace => earliest(at),
                    // Killed: the exit is imminent; the pidfd (or the
                    // tick) reports it.
                    Some(_) => {}
                }
                if self.pidfd.is_none() {
                    earliest(now + Duration::from_millis(5));
                }
            }
            let timeout_ms = match wake {
                None => -1,
                Some(t) => {
                    let ms = t.saturating_duration_since(now).as_millis();
                    // Round up so that we do not spin just before a deadline.
                    let ms = if t > now && ms == 0 { 1 } else { ms };
                    ms.min(i32::MAX as u128) as i32
                }
            };

            let mut fds: Vec<libc::pollfd> = Vec::with_capacity(4);
            let push = |fds: &mut Vec<libc::pollfd>, fd: RawFd| {
                fds.push(libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
                fds.len() - 1
            };
            let i_out = self.stdout.as_ref().map(|s| push(&mut fds, s.as_raw_fd()));
            let i_err = self.stderr.as_ref().map(|s| push(&mut fds, s.as_raw_fd()));
            let i_pid = match (&self.pidfd, self.exited) {
                (Some(fd), false) => Some(push(&mut fds, fd.as_raw_fd())),
                _ => None,
            };
            let i_int = match (self.interrupt, self.kill_at) {
                (Some(fd), None) => Some(push(&mut fds, fd)),
                _ => None,
            };
            // SAFETY: `fds` is a valid, initialised array of `fds.len()`
            // pollfd structures that lives across the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
            if n < 0 {
                // EINTR (a signal to tck): loop and re-evaluate. Any other
                // error would repeat forever; sleep briefly to stay calm.
                if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                    std::thread::sleep(Duration::from_millis(5));
                }
                continue;
            }
            let ready = |i: Option<usize>| i.is_some_and(|i| fds[i].revents != 0);
            if ready(i_out) {
                self.read_stdout(&mut buf, on_output);
            }
            if ready(i_err) {
                self.read_stderr(&mut buf, on_output);
            }
            if ready(i_pid) {
                self.exited = has_exited(self.pid);
            }
            if ready(i_int) {
                self.terminate(Ended::Interrupted);
            }
        }
    }

    fn read_stdout(&mut self, buf: &mut [u8], on_output: &mut dyn FnMut(Pipe, &[u8])) {
        let Some(out) = self.stdout.as_mut() else {
            return;
        };
        match read_once(out, buf) {
            Some(0) | None => self.stdout = None,
            Some(n) => on_output(Pipe::Stdout, &buf[..n]),
        }
    }

    fn read_stderr(&mut self, buf: &mut [u8], on_output: &mut dyn FnMut(Pipe, &[u8])) {
        let Some(err) = self.stderr.as_mut() else {
            return;
        };
        match read_once(err, buf) {
            Some(0) | None => self.stderr = None,
            Some(n) => {
                keep_tail(&mut self.stderr_tail, &buf[..n], self.limits.stderr_limit);
                on_output(Pipe::Stderr, &buf[..n]);
            }
        }
    }

    /// Whatever is already buffered in the pipes, without blocking.
    fn drain_nonblocking(&mut self, buf: &mut [u8], on_output: &mut dyn FnMut(Pipe, &[u8])) {
        for _ in 0..64 {
            let mut fds: Vec<libc::pollfd> = Vec::new();
            for fd in [
                self.stdout.as_ref().map(|s| s.as_raw_fd()),
                self.stderr.as_ref().map(|s| s.as_raw_fd()),
            ]
            .into_iter()
            .flatten()
            {
                fds.push(libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            if fds.is_empty() {
                return;
            }
            // SAFETY: as in `drive`; timeout 0 never blocks.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
            if n <= 0 {
                return;
            }
            let out_fd = self.stdout.as_ref().map(|s| s.as_raw_fd());
            for p in &fds {
                if p.revents == 0 {
                    continue;
                }
                if Some(p.fd) == out_fd {
                    self.read_stdout(buf, on_output);
                } else {
                    self.read_stderr(buf, on_output);
                }
            }
        }
    }
}

/// One `read` after poll said the pipe is ready: never blocks. `None` on an
/// error other than EINTR (treated as EOF: nothing more can be read).
fn read_once(r: &mut impl Read, buf: &mut [u8]) -> Option<usize> {
    loop {
        match r.read(buf) {
            Ok(n) => return Some(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
}

/// Appends `data` to `tail`, keeping only the last `limit` bytes (amortised:
/// the buffer is trimmed when it reaches twice the limit).
pub fn keep_tail(tail: &mut Vec<u8>, data: &[u8], limit: usize) {
    if data.len() >= limit {
        tail.clear();
        tail.extend_from_slice(&data[data.len() - limit..]);
        return;
    }
    tail.extend_from_slice(data);
    if tail.len() >= limit.saturating_mul(2).max(1) {
        let cut = tail.len() - limit;
        tail.drain(..cut);
    }
}

/// The final tail: at most `limit` bytes.
pub fn finish_tail(tail: &mut Vec<u8>, limit: usize) {
    if tail.len() > limit {
        let cut = tail.len() - limit;
        tail.drain(..cut);
    }
}

/// Has the child exited (or been killed)? Does not reap it.
fn has_exited(pid: libc::pid_t) -> bool {
    // SAFETY: `info` is a zeroed siginfo_t that waitid fills in; all-zero is
    // a valid bit pattern for this plain C struct.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let r = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        // With WNOHANG, si_pid stays 0 while the child is still running.
        // An error (ECHILD: already reaped) also means there is no child.
        r != 0 || info.si_pid() != 0
    }
}

/// A descriptor that becomes readable when `pid` exits (Linux ≥ 5.3).
#[cfg(target_os = "linux")]
fn pidfd_open(pid: libc::pid_t) -> Option<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor
    // or -1; we take ownership of the descriptor only on success.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` is a fresh descriptor owned by nobody else.
    Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

#[cfg(not(target_os = "linux"))]
fn pidfd_open(_pid: libc::pid_t) -> Option<OwnedFd> {
    None
}

/// "SIGSEGV" for 11, and so on; "signal N" for numbers without a name here.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGCONT => "SIGCONT",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGTSTP => "SIGTSTP",
        libc::SIGTTIN => "SIGTTIN",
        libc::SIGTTOU => "SIGTTOU",
        libc::SIGURG => "SIGURG",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGVTALRM => "SIGVTALRM",
        libc::SIGPROF => "SIGPROF",
        libc::SIGWINCH => "SIGWINCH",
        libc::SIGIO => "SIGIO",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            timeout: Duration::from_secs(10),
            grace: Duration::from_secs(1),
            leak: Duration::from_millis(100),
            stderr_limit: 16,
        }
    }

    fn sh(script: &str, limits: &Limits) -> (ProcessOutcome, Vec<u8>) {
        let mut out = Vec::new();
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(script);
        let outcome = run(&mut cmd, limits, None, &mut |pipe, b| {
            if pipe == Pipe::Stdout {
                out.extend_from_slice(b);
            }
        })
        .expect("/bin/sh starts");
        (outcome, out)
    }

    #[test]
    fn collects_stdout_exit_code_and_stderr_tail() {
        let (o, out) = sh(
            "echo hello; echo 0123456789abcdefXYZ >&2; exit 3",
            &limits(),
        );
        assert_eq!(out, b"hello\n");
        assert_eq!(o.exit, Exit::Code { code: 3 });
        assert_eq!(o.ended, Ended::Normally);
        assert!(!o.pipes_held_open);
        assert_eq!(o.stderr_tail, b"456789abcdefXYZ\n");
    }

    #[test]
    fn names_the_signal_that_killed_it() {
        let (o, _) = sh("kill -SEGV $$", &limits());
        assert_eq!(
            o.exit,
            Exit::Signal {
                signal: libc::SIGSEGV,
                name: "SIGSEGV".into()
            }
        );
    }

    #[test]
    fn timeout_terminates_the_group() {
        let l = Limits {
            timeout: Duration::from_millis(200),
            ..limits()
        };
        let start = Instant::now();
        let (o, _) = sh("sleep 30 & sleep 30; wait", &l);
        assert_eq!(o.ended, Ended::Timeout);
        assert!(matches!(
            o.exit,
            Exit::Signal {
                signal: libc::SIGTERM,
                ..
            }
        ));
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn helper_holding_stdout_is_cut_off_after_the_leak_period() {
        let start = Instant::now();
        let (o, out) = sh("echo before; sleep 30 & echo after", &limits());
        assert_eq!(out, b"before\nafter\n");
        assert!(o.pipes_held_open);
        assert_eq!(o.exit, Exit::Code { code: 0 });
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn an_endless_timeout_is_accepted() {
        let l = Limits {
            timeout: Duration::MAX,
            grace: Duration::MAX,
            ..limits()
        };
        let (o, out) = sh("echo hi", &l);
        assert_eq!(out, b"hi\n");
        assert_eq!(o.exit, Exit::Code { code: 0 });
    }

    #[test]
    fn keep_tail_keeps_the_last_bytes() {
        let mut t = Vec::new();
        for chunk in [b"abc".as_slice(), b"defgh", b"ij"] {
            keep_tail(&mut t, chunk, 4);
        }
        finish_tail(&mut t, 4);
        assert_eq!(t, b"ghij");
        keep_tail(&mut t, b"0123456789", 4);
        assert_eq!(t, b"6789");
    }
}
