//! The context a built-in script runs in: its connection, its names, its
//! scratch directory and the configuration.
//!
//! A script never invents a name: `cx.name("dom")` gives `tck-k3f9q-dom`,
//! inside the script's namespace, which the fixture cleans before and after
//! the script. The same local part always gives the same name, so a script
//! can look up what it created. The connection is opened on first use and
//! shared for the script's lifetime; other modules (capabilities, builders)
//! extend `Context` with their own `impl Context` blocks on top of the
//! accessors here.

use super::connection::{ConnectError, Connection};
use super::error::LibvirtError;
use crate::config::Config;
use crate::harness::namespace::script_prefix;
use crate::script::Stop;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variables through which the harness tells a script process
/// where and how to run (DESIGN.md §4). External scripts read the same ones.
pub mod env {
    /// The libvirt URI under test.
    pub const URI: &str = "TCK_URI";
    /// The configuration file, when there is one.
    pub const CONFIG: &str = "TCK_CONFIG";
    /// The script's own namespace prefix (`tck-k3f9q-`): every object it
    /// creates is named with it.
    pub const PREFIX: &str = "TCK_PREFIX";
    /// The script's own scratch directory (created on demand, removed by
    /// the fixture after the script).
    pub const SCRATCH_DIR: &str = "TCK_SCRATCH_DIR";
    /// The script's id.
    pub const SCRIPT_ID: &str = "TCK_SCRIPT_ID";
    /// Set to "1" by the harness: the fixture runs around the script there,
    /// so `tck exec` does not clean by itself.
    pub const HARNESS: &str = "TCK_HARNESS";
    /// Set to "1" by `tck run --disruptive`: scripts that change the host
    /// for everyone may run (overrides `disruptive = false`).
    pub const DISRUPTIVE: &str = "TCK_DISRUPTIVE";
}

/// Longest Linux network interface name (IFNAMSIZ - 1).
pub const BRIDGE_NAME_MAX: usize = 15;

/// A name would not fit a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTooLong {
    pub name: String,
    pub max: usize,
}

impl std::fmt::Display for NameTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the name {:?} is {} bytes, over the limit of {}: use a shorter local part or a shorter `prefix`",
            self.name,
            self.name.len(),
            self.max
        )
    }
}

impl std::error::Error for NameTooLong {}

impl From<NameTooLong> for Stop {
    fn from(e: NameTooLong) -> Self {
        Stop::Error(e.to_string())
    }
}

impl From<ConnectError> for Stop {
    fn from(e: ConnectError) -> Self {
        Stop::Error(e.to_string())
    }
}

/// Removes the script's scratch directory when dropped (see
/// [`Context::scratch_cleanup`]).
#[must_use = "the directory is removed when the guard is dropped"]
pub struct ScratchCleanup<'a>(&'a Context);

impl Drop for ScratchCleanup<'_> {
    fn drop(&mut self) {
        // A file that cannot be removed is reported by the fixture.
        let _ = self.0.remove_scratch();
    }
}

/// Connection, name allocation, scratch files and configuration for one
/// script.
pub struct Context {
    pub script_id: String,
    namespace: String,
    config: Config,
    scratch: PathBuf,
    conn: OnceLock<Connection>,
    driver: OnceLock<String>,
    capabilities: OnceLock<String>,
    /// Files whose advisory locks reserve something for this script
    /// (e.g. a subnet, see `alloc.rs`); released when the process ends.
    held: std::sync::Mutex<Vec<std::fs::File>>,
}

impl Context {
    /// The context of `script_id` under `config`: its namespace is
    /// `<prefix><tag>-`, its scratch directory
    /// [`Config::script_scratch_dir`].
    pub fn new(script_id: &str, config: Config) -> Context {
        let namespace = script_prefix(&config.prefix, script_id);
        let scratch = config.script_scratch_dir(&namespace);
        Context {
            script_id: script_id.to_string(),
            namespace,
            config,
            scratch,
            conn: OnceLock::new(),
            driver: OnceLock::new(),
            capabilities: OnceLock::new(),
            held: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Keep `file` (and the lock on it) open for the script's lifetime.
    pub(crate) fn hold(&self, file: std::fs::File) {
        // A poisoned mutex only means another thread panicked while
        // pushing; the vector is still usable.
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(file);
    }

    /// Use this namespace instead of the derived one (the harness passes it
    /// as `TCK_PREFIX`).
    pub fn with_namespace(mut self, namespace: &str) -> Context {
        self.namespace = namespace.to_string();
        self
    }

    /// Use this scratch directory (the harness passes it as `TCK_SCRATCH_DIR`).
    pub fn with_scratch_dir(mut self, dir: &Path) -> Context {
        self.scratch = dir.to_path_buf();
        self
    }

    /// Use an already open connection (shared with the fixture in `tck exec`).
    pub fn with_connection(self, conn: Connection) -> Context {
        // A fresh context has no connection yet, so `set` cannot fail; if it
        // did, the given connection would simply be dropped (closed).
        let _ = self.conn.set(conn);
        self
    }

    /// The script's connection, opened on first use.
    pub fn connect(&self) -> Result<&Connection, ConnectError> {
        if let Some(c) = self.conn.get() {
            return Ok(c);
        }
        let c = Connection::open(&self.config.uri)?;
        // Lost race (a context is used from one thread, so not in practice):
        // the other connection is kept and this one dropped.
        let _ = self.conn.set(c);
        self.conn.get().ok_or_else(|| ConnectError {
            uri: self.config.uri.clone(),
            error: LibvirtError::new(virt::error::ErrorNumber::InternalError, "connection lost"),
        })
    }

    /// A name in the script's namespace: `tck-k3f9q-<local>`. Characters
    /// outside `[A-Za-z0-9._-]` in `local` become `-`, so the name is valid
    /// for every libvirt object kind and file names.
    pub fn name(&self, local: &str) -> String {
        let clean: String = local
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("{}{clean}", self.namespace)
    }

    /// [`Context::name`], refused when longer than `max` bytes.
    pub fn name_within(&self, local: &str, max: usize) -> Result<String, NameTooLong> {
        let name = self.name(local);
        if name.len() > max {
            Err(NameTooLong { name, max })
        } else {
            Ok(name)
        }
    }

    /// A name that fits a Linux bridge or tap device (15 bytes).
    pub fn bridge_name(&self, local: &str) -> Result<String, NameTooLong> {
        self.name_within(local, BRIDGE_NAME_MAX)
    }

    /// The script's namespace prefix (`tck-k3f9q-`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The script's own scratch directory, created on first use.
    pub fn scratch_dir(&self) -> std::io::Result<&Path> {
        std::fs::create_dir_all(&self.scratch)?;
        Ok(&self.scratch)
    }

    /// A path in the script's scratch directory (created).
    pub fn scratch_file(&self, name: &str) -> std::io::Result<PathBuf> {
        Ok(self.scratch_dir()?.join(name))
    }

    /// Removes the scratch directory and everything in it: what a script
    /// does when it is done with its files (images, guest consoles), so
    /// that the fixture finds nothing left over.
    pub fn remove_scratch(&self) -> std::io::Result<()> {
        match std::fs::remove_dir_all(&self.scratch) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// [`Context::remove_scratch`] when the guard is dropped, however the
    /// script ends (a skip half-way included):
    /// `let _scratch = cx.scratch_cleanup();`.
    pub fn scratch_cleanup(&self) -> ScratchCleanup<'_> {
        ScratchCleanup(self)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The URI under test.
    pub fn uri(&self) -> &str {
        &self.config.uri
    }

    /// libvirt's driver type ("QEMU", "TEST"…), asked once.
    pub fn driver(&self) -> Result<&str, Stop> {
        if let Some(d) = self.driver.get() {
            return Ok(d);
        }
        let d = self.connect()?.driver()?;
        Ok(self.driver.get_or_init(|| d))
    }

    /// The capabilities XML, asked once.
    pub fn capabilities_xml(&self) -> Result<&str, Stop> {
        if let Some(c) = self.capabilities.get() {
            return Ok(c);
        }
        let caps = self
            .connect()?
            .capabilities()
            .map_err(|e| LibvirtError::from(e).context("cannot get the capabilities"))?;
        Ok(self.capabilities.get_or_init(|| caps))
    }

    /// Close the script's connection (if it was opened), reporting a failure.
    pub fn close(mut self) -> Result<(), LibvirtError> {
        match self.conn.take() {
            Some(c) => c.close(),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("script_id", &self.script_id)
            .field("namespace", &self.namespace)
            .field("uri", &self.config.uri)
            .field("scratch", &self.scratch)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigSource;

    fn cx(scratch: &Path) -> Context {
        let config = Config::from_toml(
            &format!("scratch_dir = {:?}\n", scratch.display().to_string()),
            ConfigSource::BuiltIn,
        )
        .expect("config");
        Context::new("domain/050-transient-lifecycle", config)
    }

    #[test]
    fn names_are_namespaced_stable_and_clean() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cx = cx(dir.path());
        let ns = script_prefix("tck-", "domain/050-transient-lifecycle");
        assert_eq!(cx.namespace(), ns);
        assert_eq!(cx.name("dom"), format!("{ns}dom"));
        assert_eq!(cx.name("dom"), cx.name("dom"));
        assert_ne!(cx.name("dom"), cx.name("dom2"));
        assert_eq!(cx.name("a b/c*"), format!("{ns}a-b-c-"));
        assert_eq!(cx.bridge_name("br0").expect("fits"), format!("{ns}br0"));
        assert_eq!(cx.bridge_name("br0").expect("fits").len(), 13);
        let e = cx.bridge_name("bridge").expect_err("16 bytes");
        assert_eq!(e.max, 15);
        assert!(e.to_string().contains("over the limit of 15"), "{e}");
    }

    #[test]
    fn scratch_dir_is_created_on_demand_inside_the_run_area() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cx = cx(dir.path());
        let expected = dir
            .path()
            .join("run")
            .join(format!("{}scratch", cx.namespace()));
        assert!(!expected.exists());
        assert_eq!(cx.scratch_dir().expect("created"), expected);
        assert!(expected.is_dir());
        assert_eq!(
            cx.scratch_file("x.img").expect("path"),
            expected.join("x.img")
        );
        std::fs::write(expected.join("x.img"), b"x").expect("write");
        cx.remove_scratch().expect("removed");
        assert!(!expected.exists());
        cx.remove_scratch().expect("removing twice is fine");
        std::fs::write(cx.scratch_file("y.img").expect("path"), b"y").expect("write");
        drop(cx.scratch_cleanup());
        assert!(!expected.exists(), "the guard removed it");
        let other = dir.path().join("given");
        let cx = cx.with_scratch_dir(&other).with_namespace("tck-zzzzz-");
        assert_eq!(cx.scratch_dir().expect("created"), other);
        assert_eq!(cx.name("d"), "tck-zzzzz-d");
    }

    #[test]
    fn connection_driver_and_capabilities_are_lazy_and_cached() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cx = cx(dir.path());
        assert_eq!(cx.uri(), "test:///default");
        assert_eq!(cx.driver().expect("driver"), "TEST");
        let caps = cx.capabilities_xml().expect("caps");
        assert!(caps.contains("<capabilities>"), "{caps}");
        let a: *const Connection = cx.connect().expect("conn");
        let b: *const Connection = cx.connect().expect("conn");
        assert_eq!(a, b, "one connection per context");
        cx.close().expect("close");
    }
}
