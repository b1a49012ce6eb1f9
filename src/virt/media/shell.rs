//! Running commands in a booted guest through its shell port.
//!
//! The guest's `/init` runs `sh` on the virtio-serial port
//! [`super::SHELL_PORT`]; the domain's channel for it listens on a UNIX
//! socket on the host ([`super::Prepared::with_shell`]). [`GuestShell`]
//! connects to that socket and runs one command at a time:
//!
//! ```text
//! echo '@@TCK-''BEGIN 7'; { ip -o addr
//! } </dev/null 2>&1; printf '\n@@TCK-''END 7 %s\n' $?
//! ```
//!
//! The output is what lies between the `@@TCK-BEGIN 7` line and the newline
//! before the `@@TCK-END 7 <status>` line. The markers are split by quotes in the
//! command so that an echo of the command itself can never be mistaken
//! for them, and numbered so that the late output of an earlier command
//! (one that timed out, or was sent while the guest's shell was not yet
//! listening) is skipped rather than taken for the current one's. A
//! command's stdin is `/dev/null`: it cannot eat the commands that follow.
//!
//! The shell is plain `sh` with no job control: a command that never ends
//! blocks the shell, so give long-running commands their own bound
//! (`ping -c 3 -W 1`, `timeout 5 …`).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BEGIN: &str = "@@TCK-BEGIN";
const END: &str = "@@TCK-END";

/// How long one handshake attempt waits for its answer before the next.
const SYNC_ATTEMPT: Duration = Duration::from_millis(300);

/// How often a missing socket is looked for again.
const POLL: Duration = Duration::from_millis(25);

/// A command's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit status (`$?`).
    pub status: i32,
    /// Standard output and standard error, interleaved.
    pub output: String,
}

impl CommandOutput {
    pub fn success(&self) -> bool {
        self.status == 0
    }
}

/// Why the shell could not run a command.
#[derive(Debug)]
pub enum ShellError {
    /// The socket never accepted a connection (the domain has no shell
    /// port, or is not running).
    Connect {
        socket: PathBuf,
        error: String,
    },
    /// No shell answered on the port (media without the shell, or a guest
    /// that did not boot).
    NoAnswer {
        socket: PathBuf,
        after: Duration,
    },
    /// The command did not finish in time.
    TimedOut {
        command: String,
        after: Duration,
        partial: String,
    },
    /// The connection closed (the guest stopped).
    Closed {
        command: String,
        partial: String,
    },
    Io {
        command: String,
        error: String,
    },
}

impl std::fmt::Display for ShellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShellError::Connect { socket, error } => write!(
                f,
                "cannot connect to the guest's shell port at {}: {error} (is the guest running with a shell port?)",
                socket.display()
            ),
            ShellError::NoAnswer { socket, after } => write!(
                f,
                "no shell answered on the guest's shell port ({}) within {:.1} s: the guest media may predate the shell (run `tck prepare`), or the guest did not boot",
                socket.display(),
                after.as_secs_f64()
            ),
            ShellError::TimedOut {
                command,
                after,
                partial,
            } => write!(
                f,
                "guest command {command:?} did not finish within {:.1} s; output so far: {partial:?}",
                after.as_secs_f64()
            ),
            ShellError::Closed { command, partial } => write!(
                f,
                "the guest's shell port closed during {command:?} (did the guest stop?); output so far: {partial:?}"
            ),
            ShellError::Io { command, error } => {
                write!(f, "guest command {command:?}: {error}")
            }
        }
    }
}

impl std::error::Error for ShellError {}

impl From<ShellError> for crate::script::Stop {
    fn from(e: ShellError) -> Self {
        crate::script::Stop::Error(e.to_string())
    }
}

/// A connection to a guest's shell.
#[derive(Debug)]
pub struct GuestShell {
    stream: UnixStream,
    socket: PathBuf,
    /// Bytes read but not yet consumed.
    buf: Vec<u8>,
    seq: u64,
}

/// The text sent for command number `seq`.
fn wrap(command: &str, seq: u64) -> String {
    format!("echo '@@TCK-''BEGIN {seq}'; {{ {command}\n}} </dev/null 2>&1; printf '\\n@@TCK-''END {seq} %s\\n' $?\n")
}

/// Where the framed output of command `seq` is in `buf`: `Some((output,
/// status, consumed))` once its END line arrived. Anything before its
/// BEGIN line (output of earlier commands) is skipped.
fn find_frame(buf: &[u8], seq: u64) -> Option<(String, i32, usize)> {
    let text = String::from_utf8_lossy(buf);
    let begin = format!("{BEGIN} {seq}\n");
    let start = text.find(&begin)? + begin.len();
    let end_tag = format!("{END} {seq} ");
    let body = &text[start..];
    // The END marker starts a line: at the start of the output, or after
    // a newline.
    let rel = if body.starts_with(&end_tag) {
        0
    } else {
        body.find(&format!("\n{end_tag}"))? + 1
    };
    let after = start + rel + end_tag.len();
    let nl = text[after..].find('\n')?;
    let status = text[after..after + nl].trim().parse().unwrap_or(-1);
    // The END line is preceded by one newline of its own (so that it
    // starts a line after output with no final newline): not output.
    let raw = &text[start..start + rel];
    let output = raw.strip_suffix('\n').unwrap_or(raw).to_string();
    // Byte offsets into the lossy text match `buf` only for valid UTF-8;
    // the guest's output is ASCII in practice, and otherwise everything
    // read so far is consumed.
    let consumed = if text.len() == buf.len() {
        after + nl + 1
    } else {
        buf.len()
    };
    Some((output, status, consumed))
}

impl GuestShell {
    /// Connects to the shell port's socket and waits until the guest's
    /// shell answers, at most `timeout` in all (the socket appears when the
    /// domain starts; the shell starts during the guest's boot).
    pub fn connect(socket: &Path, timeout: Duration) -> Result<GuestShell, ShellError> {
        let deadline = Instant::now() + timeout;
        let stream = loop {
            match UnixStream::connect(socket) {
                Ok(s) => break s,
                Err(e) if Instant::now() >= deadline => {
                    return Err(ShellError::Connect {
                        socket: socket.to_path_buf(),
                        error: e.to_string(),
                    })
                }
                Err(_) => std::thread::sleep(POLL),
            }
        };
        let mut shell = GuestShell::from_stream(stream, socket);
        shell.sync(deadline, timeout)?;
        Ok(shell)
    }

    /// A shell on an already connected stream (tests drive a local `sh`).
    pub fn from_stream(stream: UnixStream, socket: &Path) -> GuestShell {
        GuestShell {
            stream,
            socket: socket.to_path_buf(),
            buf: Vec::new(),
            seq: 0,
        }
    }

    /// Sends a no-op until one is answered.
    fn sync(&mut self, deadline: Instant, total: Duration) -> Result<(), ShellError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ShellError::NoAnswer {
                    socket: self.socket.clone(),
                    after: total,
                });
            }
            match self.run("true", left.min(SYNC_ATTEMPT)) {
                Ok(_) => return Ok(()),
                Err(ShellError::TimedOut { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs `command` in the guest's shell and waits at most `timeout`
    /// for it to finish.
    pub fn run(&mut self, command: &str, timeout: Duration) -> Result<CommandOutput, ShellError> {
        self.seq += 1;
        let seq = self.seq;
        let io = |e: std::io::Error| ShellError::Io {
            command: command.to_string(),
            error: e.to_string(),
        };
        self.stream
            .write_all(wrap(command, seq).as_bytes())
            .map_err(io)?;
        let deadline = Instant::now() + timeout;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some((output, status, consumed)) = find_frame(&self.buf, seq) {
                self.buf.drain(..consumed);
                return Ok(CommandOutput { status, output });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ShellError::TimedOut {
                    command: command.to_string(),
                    after: timeout,
                    partial: self.partial(seq),
                });
            }
            self.stream.set_read_timeout(Some(left)).map_err(io)?;
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(ShellError::Closed {
                        command: command.to_string(),
                        partial: self.partial(seq),
                    })
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(io(e)),
            }
        }
    }

    /// Like [`GuestShell::run`], but a non-zero exit status is an error
    /// too; gives the output.
    pub fn check(&mut self, command: &str, timeout: Duration) -> Result<String, String> {
        match self.run(command, timeout) {
            Ok(o) if o.success() => Ok(o.output),
            Ok(o) => Err(format!(
                "guest command {command:?} exited with status {}: {}",
                o.status,
                o.output.trim()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The output of command `seq` so far, for error messages.
    fn partial(&self, seq: u64) -> String {
        let text = String::from_utf8_lossy(&self.buf);
        let begin = format!("{BEGIN} {seq}\n");
        match text.find(&begin) {
            Some(i) => text[i + begin.len()..].to_string(),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::OwnedFd;
    use std::process::{Child, Command, Stdio};

    /// A local `sh` on one end of a socket pair, as the guest runs it on
    /// its port.
    fn local_shell() -> (GuestShell, Child) {
        let (ours, theirs) = UnixStream::pair().expect("socketpair");
        let out = theirs.try_clone().expect("clone");
        let child = Command::new("sh")
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::from(OwnedFd::from(out)))
            .stderr(Stdio::null())
            .spawn()
            .expect("sh");
        (GuestShell::from_stream(ours, Path::new("local")), child)
    }

    const T: Duration = Duration::from_secs(10);

    #[test]
    fn commands_give_their_output_and_status() {
        let (mut sh, mut child) = local_shell();
        sh.sync(Instant::now() + T, T).expect("sync");
        let o = sh.run("echo hello; echo oops >&2", T).unwrap();
        assert_eq!(
            o,
            CommandOutput {
                status: 0,
                output: "hello\noops\n".into()
            }
        );
        let o = sh
            .run("exit_with() { return $1; }; exit_with 3", T)
            .unwrap();
        assert_eq!(o.status, 3);
        assert_eq!(o.output, "");
        // A command that reads stdin gets /dev/null, not what follows.
        let o = sh.run("cat", T).unwrap();
        assert_eq!((o.status, o.output.as_str()), (0, ""));
        // Output without a final newline still ends before the marker.
        let o = sh.run("printf 'no newline'", T).unwrap();
        assert_eq!(o.output, "no newline");
        assert_eq!(sh.check("echo fine", T).unwrap(), "fine\n");
        let e = sh.check("echo bad; false", T).unwrap_err();
        assert!(e.contains("exited with status 1: bad"), "{e}");
        drop(sh);
        let _ = child.wait();
    }

    #[test]
    fn a_slow_command_times_out_and_its_late_output_is_skipped() {
        let (mut sh, mut child) = local_shell();
        let e = sh
            .run(
                "echo started; sleep 1; echo late",
                Duration::from_millis(200),
            )
            .unwrap_err();
        match &e {
            ShellError::TimedOut { partial, .. } => assert_eq!(partial, "started\n"),
            other => panic!("{other}"),
        }
        // The next command waits behind the slow one; its output is its own.
        let o = sh.run("echo next", T).unwrap();
        assert_eq!(o.output, "next\n");
        drop(sh);
        let _ = child.wait();
    }

    #[test]
    fn a_shell_that_exits_closes_the_connection() {
        let (mut sh, mut child) = local_shell();
        let e = sh.run("exit 0", T).unwrap_err();
        assert!(matches!(e, ShellError::Closed { .. }), "{e}");
        assert!(e.to_string().contains("closed"), "{e}");
        let _ = child.wait();
    }

    #[test]
    fn frames_are_found_by_number_and_markers_must_start_lines() {
        let buf = b"junk\n@@TCK-BEGIN 1\nold\n\n@@TCK-END 1 0\n@@TCK-BEGIN 2\nx @@TCK-END 2 0\ny\n\n@@TCK-END 2 5\nrest";
        let (out, status, used) = find_frame(buf, 2).unwrap();
        assert_eq!(out, "x @@TCK-END 2 0\ny\n");
        assert_eq!(status, 5);
        assert_eq!(&buf[used..], b"rest");
        assert!(find_frame(b"@@TCK-BEGIN 3\npartial", 3).is_none());
        assert!(
            find_frame(b"@@TCK-BEGIN 3\n\n@@TCK-END 3 0", 3).is_none(),
            "no newline yet"
        );
        let (out, status, _) = find_frame(b"@@TCK-BEGIN 3\n\n@@TCK-END 3 1\n", 3).unwrap();
        assert_eq!((out.as_str(), status), ("", 1));
        let w = wrap("ls", 4);
        assert!(
            !w.contains("@@TCK-BEGIN") && !w.contains("@@TCK-END"),
            "{w}"
        );
    }

    #[test]
    fn a_missing_socket_is_a_connect_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.sock");
        let e = GuestShell::connect(&path, Duration::from_millis(100)).unwrap_err();
        assert!(e.to_string().contains("none.sock"), "{e}");
        assert!(matches!(e, ShellError::Connect { .. }));
    }
}
