//! The connection to libvirt: opened once per process, quiet, and closed
//! without panicking.
//!
//! Three things the bare `virt` crate does not do for us:
//! - libvirt prints every error to stderr by default; scripts report errors
//!   as TAP diagnostics instead, so the default handler is replaced by a
//!   no-op before the first call ([`silence_libvirt_errors`]);
//! - a connection to a daemon can hang when the daemon dies; keepalive
//!   (which needs an event loop, started here once per process) turns that
//!   into an error;
//! - `virt::connect::Connect`'s `Drop` panics when closing fails; this
//!   wrapper closes explicitly, reports the error from [`Connection::close`]
//!   and ignores it in `Drop`, so no panic can escape.

use super::error::LibvirtError;
use std::sync::{Once, OnceLock};
use virt::connect::Connect;

/// Seconds between keepalive probes, and how many may go unanswered before
/// the connection is considered dead (so a dead daemon is noticed in ~30 s).
const KEEPALIVE_INTERVAL: i32 = 5;
const KEEPALIVE_COUNT: u32 = 6;

/// Replace libvirt's default error handler (which prints to stderr) with a
/// no-op, once per process. Errors are still returned to the caller.
pub fn silence_libvirt_errors() {
    static ONCE: Once = Once::new();
    ONCE.call_once(virt::error::clear_error_callback);
}

/// Start libvirt's default event loop in a background thread, once per
/// process, and say whether it runs. Keepalive needs it, and so does
/// anything that receives events (domain lifecycle callbacks, stream
/// callbacks); the thread lives until the process exits. Calling it again
/// is cheap and never starts a second loop.
pub fn start_event_loop() -> bool {
    static RUNNING: OnceLock<bool> = OnceLock::new();
    *RUNNING.get_or_init(|| {
        if virt::event::event_register_default_impl().is_err() {
            return false;
        }
        std::thread::Builder::new()
            .name("libvirt-events".into())
            .spawn(|| loop {
                if virt::event::event_run_default_impl().is_err() {
                    // A failing iteration (e.g. EINTR) must not spin.
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            })
            .is_ok()
    })
}

/// A URI could not be opened: one error naming the URI, what libvirt said,
/// and what to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    pub uri: String,
    pub error: LibvirtError,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot connect to {}: {}", self.uri, self.error)?;
        let msg = self.error.message();
        let hint = if msg.contains("no connection driver available") {
            "the driver for this URI is not installed or not loaded (on Debian: the libvirt-daemon-driver-* package for it)"
        } else if msg.contains("Failed to connect socket")
            || msg.contains("No such file or directory")
        {
            "is the libvirt daemon for this URI running? (`virsh -c URI version` shows the same error)"
        } else if msg.contains("authentication")
            || msg.contains("Permission denied")
            || msg.contains("access denied")
        {
            "this user may not use the URI: run as root, or use a session URI such as qemu:///session"
        } else {
            "check the URI (`uri` in the configuration, or --uri) and that `virsh -c URI version` works"
        };
        write!(f, "\nhint: {hint}")
    }
}

impl std::error::Error for ConnectError {}

/// An open libvirt connection. Dereferences to `virt::connect::Connect`, so
/// every `virt` call is available: `conn.lookup_domain_by_name(…)`.
pub struct Connection {
    /// `Some` from `open` until `close`/`drop`, which consume the value.
    conn: Option<Connect>,
    uri: String,
    keepalive: bool,
}

impl Connection {
    /// Open `uri` read-write. libvirt's error printing is silenced first;
    /// keepalive is enabled when the URI goes through a daemon.
    pub fn open(uri: &str) -> Result<Connection, ConnectError> {
        silence_libvirt_errors();
        let daemon = uses_daemon(uri);
        let events = daemon && start_event_loop();
        let conn = Connect::open(Some(uri)).map_err(|e| ConnectError {
            uri: uri.to_string(),
            error: LibvirtError::from(e),
        })?;
        // 0: enabled; 1: the peer does not support it; -1 (Err): no event
        // loop or not a remote connection. Only the first is keepalive.
        let keepalive = events
            && conn
                .set_keep_alive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
                .is_ok();
        Ok(Connection {
            conn: Some(conn),
            uri: uri.to_string(),
            keepalive,
        })
    }

    /// The URI this connection was opened with (as configured, not as
    /// libvirt canonicalised it).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Whether keepalive probes are running on this connection.
    pub fn has_keepalive(&self) -> bool {
        self.keepalive
    }

    /// libvirt's driver type (`virConnectGetType`): "QEMU", "TEST", "LXC"…
    pub fn driver(&self) -> Result<String, LibvirtError> {
        self.driver_type()
            .map_err(|e| LibvirtError::from(e).context("cannot get the driver type"))
    }

    /// The hypervisor's version as "major.minor.micro".
    pub fn hypervisor_version(&self) -> Result<String, LibvirtError> {
        self.hyp_version()
            .map(format_version)
            .map_err(|e| LibvirtError::from(e).context("cannot get the hypervisor version"))
    }

    /// The version of libvirt the daemon runs (the library's own version
    /// for drivers embedded in the client, such as test:///).
    pub fn daemon_version(&self) -> Result<String, LibvirtError> {
        self.lib_version()
            .map(format_version)
            .map_err(|e| LibvirtError::from(e).context("cannot get the daemon's libvirt version"))
    }

    /// Close the connection, reporting a failure instead of panicking.
    pub fn close(mut self) -> Result<(), LibvirtError> {
        match self.conn.take() {
            Some(c) => close_connect(c),
            None => Ok(()),
        }
    }
}

/// The version of the libvirt library linked into this process.
pub fn library_version() -> Result<String, LibvirtError> {
    Connect::version()
        .map(format_version)
        .map_err(|e| LibvirtError::from(e).context("cannot get the libvirt library version"))
}

/// libvirt's packed version (major * 1,000,000 + minor * 1,000 + micro) as text.
pub fn format_version(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v / 1_000) % 1_000, v % 1_000)
}

fn close_connect(c: Connect) -> Result<(), LibvirtError> {
    // SAFETY: the pointer is valid while `c` lives; we take over the one
    // reference `c` owned by forgetting `c`, then release it exactly once.
    let ptr = unsafe { c.as_ptr() };
    std::mem::forget(c);
    // SAFETY: `ptr` is a valid connection pointer with one reference we own.
    let rc = unsafe { virt::sys::virConnectClose(ptr) };
    if rc < 0 {
        Err(LibvirtError::from(virt::error::Error::last_error())
            .context("cannot close the connection"))
    } else {
        Ok(())
    }
}

impl std::ops::Deref for Connection {
    type Target = Connect;

    fn deref(&self) -> &Connect {
        // `conn` is Some from `open` until `close`/`drop`, both of which
        // consume or finish `self`, so no `&self` can observe None.
        self.conn
            .as_ref()
            .expect("a Connection is open until close() consumes it")
    }
}

impl Clone for Connection {
    /// Another reference to the same connection (`virConnectRef`).
    fn clone(&self) -> Self {
        Connection {
            conn: self.conn.clone(),
            uri: self.uri.clone(),
            keepalive: self.keepalive,
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            let _ = close_connect(c);
        }
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("uri", &self.uri)
            .field("keepalive", &self.keepalive)
            .finish()
    }
}

/// The parts of a libvirt URI tck cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriParts {
    /// "qemu", "test", "lxc"…
    pub driver: String,
    /// "ssh", "tcp", "tls", "unix", "libssh2"… or "".
    pub transport: String,
    /// Host name without user and port, or "".
    pub host: String,
    /// "/system", "/session", "/default", "/embed"…
    pub path: String,
}

/// Split a libvirt URI (`driver[+transport]://[user@][host][:port]/path[?query]`).
pub fn parse_uri(uri: &str) -> UriParts {
    let (scheme, rest) = uri.split_once("://").unwrap_or((uri, ""));
    let (driver, transport) = scheme.split_once('+').unwrap_or((scheme, ""));
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    UriParts {
        driver: driver.to_ascii_lowercase(),
        transport: transport.to_ascii_lowercase(),
        host: host.to_string(),
        path: path.to_string(),
    }
}

/// Whether the URI's hypervisor runs on this host (so host state — files,
/// bridges, processes — can be inspected by the scripts).
pub fn uri_is_local(uri: &str) -> bool {
    let p = parse_uri(uri);
    p.transport == "unix" || matches!(p.host.as_str(), "" | "localhost" | "127.0.0.1" | "::1")
}

/// Whether the URI goes through a libvirt daemon (remote driver), rather
/// than a driver embedded in the client library (test:///, …:///embed).
pub fn uses_daemon(uri: &str) -> bool {
    let p = parse_uri(uri);
    if !p.host.is_empty() || !p.transport.is_empty() {
        return true;
    }
    !(p.driver == "test" || p.path == "/embed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_split() {
        let p = parse_uri("qemu+ssh://root@host.example:2222/system?keyfile=/k");
        assert_eq!(
            p,
            UriParts {
                driver: "qemu".into(),
                transport: "ssh".into(),
                host: "host.example".into(),
                path: "/system".into()
            }
        );
        assert_eq!(parse_uri("test:///default").path, "/default");
        assert_eq!(
            parse_uri("qemu+tcp://[fe80::1]:16509/system").host,
            "fe80::1"
        );
        assert!(uri_is_local("qemu:///system"));
        assert!(uri_is_local("qemu+unix:///system"));
        assert!(uri_is_local("qemu+ssh://localhost/system"));
        assert!(!uri_is_local("qemu+ssh://other/system"));
        assert!(!uses_daemon("test:///default"));
        assert!(!uses_daemon("qemu:///embed?root=/tmp/x"));
        assert!(uses_daemon("qemu:///system"));
        assert!(uses_daemon("test+tcp://host/default"));
    }

    #[test]
    fn versions_are_formatted() {
        assert_eq!(format_version(11_003_000), "11.3.0");
        assert_eq!(format_version(10_000_001), "10.0.1");
        assert_eq!(format_version(2), "0.0.2");
    }

    #[test]
    fn test_driver_opens_and_closes() {
        let c = Connection::open("test:///default").expect("test:///default opens");
        assert_eq!(c.driver().expect("driver"), "TEST");
        assert!(!c.has_keepalive(), "test:/// is embedded: no keepalive");
        let again = c.clone();
        c.close().expect("close one reference");
        // The clone still works after the first reference closed.
        assert!(again.is_alive().expect("alive"));
        again.close().expect("close the last reference");
    }

    #[test]
    fn a_missing_driver_is_one_clear_error() {
        let e = Connection::open("nosuchdriver:///system").expect_err("no such driver");
        let s = e.to_string();
        assert!(
            s.starts_with("cannot connect to nosuchdriver:///system: "),
            "{s}"
        );
        assert!(s.contains("[libvirt error"), "{s}");
        assert!(s.contains("hint: "), "{s}");
    }
}
