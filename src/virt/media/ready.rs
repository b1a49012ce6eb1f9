//! Knowing when a booted guest is ready.
//!
//! The guest's `/init` prints one line, `TCK-READY uptime=<seconds>`, on its
//! console once its modules are loaded and its file systems mounted. Booted
//! domains send their first serial port to a file on the daemon's host
//! (`<serial type='file'>`), so the host observes readiness by reading that
//! file; the path comes from the live domain XML, so any domain with a
//! file-backed serial port or console works, whoever built it. Meanwhile the
//! domain's state is watched: a guest that shuts off or crashes fails at
//! once, with the tail of its console in the error, instead of after the
//! timeout.

use crate::virt::shim::domain_state;
use crate::virt::xmltree::Element;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use virt::domain::Domain;

/// The line prefix the guest prints when ready.
pub const READY_MARKER: &str = "TCK-READY";

/// How often the console file and the domain state are looked at.
const POLL: Duration = Duration::from_millis(25);

/// A guest reached its ready line.
#[derive(Debug, Clone, PartialEq)]
pub struct Ready {
    /// Wall time spent waiting.
    pub waited: Duration,
    /// The guest's own uptime when it printed the line, when it said.
    pub guest_uptime: Option<f64>,
}

/// Why waiting failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadyError {
    /// The domain has no file-backed serial port or console to watch.
    NoConsoleFile {
        domain: String,
    },
    /// The domain runs on another host: its console file is not here.
    Remote {
        domain: String,
    },
    Libvirt {
        domain: String,
        message: String,
    },
    /// The guest stopped (shut off, crashed, or paused by an error).
    Stopped {
        domain: String,
        state: String,
        console_tail: String,
    },
    TimedOut {
        domain: String,
        after: Duration,
        console: PathBuf,
        console_tail: String,
    },
}

impl std::fmt::Display for ReadyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadyError::NoConsoleFile { domain } => write!(
                f,
                "domain {domain} has no file-backed serial port or console to watch for {READY_MARKER}: build it with cx.booted_domain()"
            ),
            ReadyError::Remote { domain } => write!(
                f,
                "domain {domain} runs on a remote host: its console file cannot be read here"
            ),
            ReadyError::Libvirt { domain, message } => {
                write!(f, "while waiting for domain {domain} to be ready: {message}")
            }
            ReadyError::Stopped {
                domain,
                state,
                console_tail,
            } => write!(
                f,
                "domain {domain} stopped before it was ready (state: {state}); last console output:\n{console_tail}"
            ),
            ReadyError::TimedOut {
                domain,
                after,
                console,
                console_tail,
            } => write!(
                f,
                "domain {domain} printed no {READY_MARKER} line on its console ({}) within {:.1} s; last console output:\n{console_tail}",
                console.display(),
                after.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for ReadyError {}

impl From<ReadyError> for crate::script::Stop {
    fn from(e: ReadyError) -> Self {
        crate::script::Stop::Error(e.to_string())
    }
}

/// The host file the domain's console is written to, from its live XML:
/// the first `<serial>` or `<console>` of type `file`.
pub fn console_file(dom: &Domain) -> Result<PathBuf, ReadyError> {
    let name = dom.name().unwrap_or_default();
    let xml = dom.xml_desc(0).map_err(|e| ReadyError::Libvirt {
        domain: name.clone(),
        message: e.to_string(),
    })?;
    let root = Element::parse(&xml).map_err(|e| ReadyError::Libvirt {
        domain: name.clone(),
        message: e.to_string(),
    })?;
    root.find_all("devices/serial")
        .into_iter()
        .chain(root.find_all("devices/console"))
        .filter(|c| c.get_attr("type") == Some("file"))
        .find_map(|c| c.find_attr("source", "path"))
        .map(PathBuf::from)
        .ok_or(ReadyError::NoConsoleFile { domain: name })
}

/// The current length of the domain's console file: pass it to
/// [`wait_ready_from`] to wait for a *new* ready line (after a reboot).
pub fn console_mark(dom: &Domain) -> Result<u64, ReadyError> {
    let path = console_file(dom)?;
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

/// Waits until the guest prints its ready line, at most `timeout`.
pub fn wait_ready(dom: &Domain, timeout: Duration) -> Result<Ready, ReadyError> {
    wait_ready_from(dom, 0, timeout)
}

/// Like [`wait_ready`], ignoring console output before byte `mark`.
pub fn wait_ready_from(dom: &Domain, mark: u64, timeout: Duration) -> Result<Ready, ReadyError> {
    let name = dom.name().unwrap_or_default();
    if let Ok(conn) = dom.connect() {
        let uri = conn.uri().unwrap_or_default();
        if !crate::virt::connection::uri_is_local(&uri) {
            return Err(ReadyError::Remote { domain: name });
        }
    }
    let path = console_file(dom)?;
    let start = Instant::now();
    loop {
        let text = read_from(&path, mark);
        if let Some(line) = text.lines().find(|l| l.contains(READY_MARKER)) {
            return Ok(Ready {
                waited: start.elapsed(),
                guest_uptime: parse_uptime(line),
            });
        }
        let (state, reason) = domain_state(dom).map_err(|e| ReadyError::Libvirt {
            domain: name.clone(),
            message: e.to_string(),
        })?;
        if let Some(why) = stopped(state, reason) {
            return Err(ReadyError::Stopped {
                domain: name,
                state: why,
                console_tail: tail(&read_from(&path, mark)),
            });
        }
        if start.elapsed() >= timeout {
            return Err(ReadyError::TimedOut {
                domain: name,
                after: start.elapsed(),
                console: path.clone(),
                console_tail: tail(&text),
            });
        }
        std::thread::sleep(POLL);
    }
}

/// A description of why a domain in `state`/`reason` cannot become ready,
/// or `None` while it still may.
fn stopped(state: u32, reason: u32) -> Option<String> {
    use virt::sys::*;
    match state {
        VIR_DOMAIN_SHUTOFF => Some("shut off".into()),
        VIR_DOMAIN_CRASHED => Some("crashed".into()),
        VIR_DOMAIN_PAUSED => match reason {
            // QEMU stops a vCPU it cannot run ("KVM internal error",
            // emulation failure) and libvirt reports it paused.
            VIR_DOMAIN_PAUSED_CRASHED => Some("paused: guest crashed".into()),
            VIR_DOMAIN_PAUSED_IOERROR => Some("paused: I/O error".into()),
            VIR_DOMAIN_PAUSED_UNKNOWN => {
                Some("paused by the hypervisor (reason unknown: e.g. a KVM internal error)".into())
            }
            _ => None,
        },
        _ => None,
    }
}

fn read_from(path: &std::path::Path, mark: u64) -> String {
    match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(b.get(mark as usize..).unwrap_or(&[])).into_owned(),
        Err(_) => String::new(),
    }
}

/// The last lines of console output, without terminal escapes.
fn tail(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect();
    let lines: Vec<&str> = clean.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(15);
    if lines.is_empty() {
        "(nothing)".to_string()
    } else {
        lines[from..].join("\n")
    }
}

/// `TCK-READY uptime=1.62` → 1.62.
fn parse_uptime(line: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("uptime="))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_lines_and_console_tails() {
        assert_eq!(parse_uptime("TCK-READY uptime=1.62"), Some(1.62));
        assert_eq!(parse_uptime("TCK-READY"), None);
        let t = tail("\x1b[?7l\x1b[2Jline1\n\nline2\n");
        assert_eq!(t, "[?7l[2Jline1\nline2");
        assert_eq!(tail(""), "(nothing)");
        let many: String = (0..40).map(|i| format!("l{i}\n")).collect();
        assert!(tail(&many).starts_with("l25\n"));
    }

    #[test]
    fn states_that_end_the_wait() {
        use virt::sys::*;
        assert!(stopped(VIR_DOMAIN_RUNNING, 1).is_none());
        assert!(stopped(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER).is_none());
        assert!(stopped(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP).is_none());
        assert!(stopped(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN).is_some());
        assert_eq!(stopped(VIR_DOMAIN_SHUTOFF, 0).as_deref(), Some("shut off"));
        assert_eq!(stopped(VIR_DOMAIN_CRASHED, 0).as_deref(), Some("crashed"));
    }

    #[test]
    fn domains_without_a_console_file_are_refused() {
        let conn = crate::virt::builders::testutil::test_conn();
        let dom = conn
            .create_domain_xml(
                &crate::virt::builders::DomainBuilder::new("test", "tck-r-nocons").as_xml(),
                0,
            )
            .unwrap();
        let e = wait_ready(&dom, Duration::from_millis(10)).unwrap_err();
        assert!(matches!(e, ReadyError::NoConsoleFile { .. }), "{e}");
        dom.destroy().unwrap();
    }

    #[test]
    fn a_console_file_with_the_marker_is_ready_and_one_without_times_out() {
        // The test driver keeps the serial file path in its XML without
        // running anything; writing the file ourselves plays the guest.
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("console.log");
        let conn = crate::virt::builders::testutil::test_conn();
        let xml = crate::virt::builders::DomainBuilder::new("test", "tck-r-file")
            .serial(crate::virt::builders::Chardev::serial_file(
                &log.to_string_lossy(),
            ))
            .as_xml();
        let dom = conn.create_domain_xml(&xml, 0).unwrap();
        assert_eq!(console_file(&dom).unwrap(), log);

        std::fs::write(&log, "booting\n").unwrap();
        let e = wait_ready(&dom, Duration::from_millis(100)).unwrap_err();
        match &e {
            ReadyError::TimedOut { console_tail, .. } => assert_eq!(console_tail, "booting"),
            other => panic!("expected a timeout, got {other}"),
        }
        std::fs::write(&log, "booting\nTCK-READY uptime=0.50\n").unwrap();
        let r = wait_ready(&dom, Duration::from_secs(5)).unwrap();
        assert_eq!(r.guest_uptime, Some(0.5));

        // After a mark, the old line does not count.
        let mark = console_mark(&dom).unwrap();
        assert!(wait_ready_from(&dom, mark, Duration::from_millis(50)).is_err());
        std::fs::write(
            &log,
            "booting\nTCK-READY uptime=0.50\nTCK-READY uptime=0.70\n",
        )
        .unwrap();
        assert_eq!(
            wait_ready_from(&dom, mark, Duration::from_secs(1))
                .unwrap()
                .guest_uptime,
            Some(0.7)
        );

        // A guest that is gone fails at once, not after the timeout.
        dom.destroy().unwrap();
        let dom2 = conn.define_domain_xml(&xml).unwrap();
        let t0 = Instant::now();
        let e = wait_ready_from(&dom2, 10_000, Duration::from_secs(30)).unwrap_err();
        assert!(matches!(e, ReadyError::Stopped { .. }), "{e}");
        assert!(t0.elapsed() < Duration::from_secs(5));
        dom2.undefine().unwrap();
    }
}
