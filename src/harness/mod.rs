//! The harness: discover scripts, schedule them, run each in its own process
//! group, parse its TAP as it arrives, and judge it.
//!
//! Pieces, in data-flow order (DESIGN.md §3):
//! - [`discover`]: which scripts (built-in ids and prefixes, external paths);
//! - [`runner`]: the scheduler (`-j`, exclusive scripts, bail-out, Ctrl-C),
//!   which calls the [`fixture::Fixture`] around every script and produces
//!   the [`crate::report::model::Report`];
//! - [`process`]: one child in its own process group, with timeouts and
//!   the leak period;
//! - [`judge`]: TAP stream + process outcome → script status and result;
//! - [`interrupt`], [`spool`], [`clock`]: small supports.
//!
//! The harness knows nothing about libvirt or configuration files: the CLI
//! fills a [`RunSettings`] (from flags and, later, the config) and passes a
//! fixture. Presentation is not here either: the console reporter and the
//! report writers are [`runner::Observer`]s.

pub mod clock;
pub mod discover;
pub mod fixture;
pub mod header;
pub mod interrupt;
pub mod judge;
pub mod namespace;
pub mod process;
pub mod raw;
pub mod repeat;
pub mod runner;
pub mod spool;

pub use discover::{discover, Script, Source};
pub use interrupt::Interrupt;
pub use runner::{exit_status, run, Observer, RunError, ScriptOutput, Silent, Tee};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Maps a script's namespace prefix (`tck-k3f9q-`) to its scratch
/// directory; the configuration decides the layout.
#[derive(Clone)]
pub struct ScratchLayout(pub Arc<dyn Fn(&str) -> PathBuf + Send + Sync>);

impl std::fmt::Debug for ScratchLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScratchLayout(..)")
    }
}

/// Default per-script timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Default time between SIGTERM and SIGKILL.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);
/// Default time a script's stdout may stay open after it exited.
pub const DEFAULT_LEAK_TIMEOUT: Duration = Duration::from_millis(200);
/// Default bytes of stderr kept per script.
pub const DEFAULT_STDERR_LIMIT: usize = 64 * 1024;

/// Everything the harness needs to know about a run, however it was
/// configured.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// libvirt URI, passed to scripts as `TCK_URI`.
    pub uri: String,
    /// Object name prefix (default `tck-`); each script gets its own
    /// namespace under it as `TCK_PREFIX`.
    pub prefix: String,
    /// Scripts run at once (at least 1).
    pub jobs: usize,
    /// Per-script timeout (a built-in script's `Meta::timeout` overrides it).
    pub timeout: Duration,
    /// From SIGTERM to SIGKILL when a script is ended.
    pub grace: Duration,
    /// After a script exits, how long a process it started may keep its
    /// stdout/stderr open before the group is killed.
    pub leak_timeout: Duration,
    /// The scratch directory of the run (created before the run).
    pub scratch_dir: PathBuf,
    /// Each script's own scratch directory, from its namespace prefix;
    /// created before the script and passed as `TCK_SCRATCH_DIR` (the
    /// fixture removes it afterwards). `None`: every script gets
    /// `scratch_dir` itself.
    pub script_scratch: Option<ScratchLayout>,
    /// Passed to scripts as `TCK_CONFIG` when set.
    pub config_path: Option<PathBuf>,
    /// Keep starting scripts after a bail-out.
    pub keep_going: bool,
    /// Times a failed script is run again (see [`runner::is_retried`]).
    pub retries: u32,
    /// Remove objects left under the prefix by an earlier run instead of
    /// stopping.
    pub force: bool,
    /// Scripts may change the host for everyone (`--disruptive`): passed to
    /// scripts as `TCK_DISRUPTIVE=1`, so that `tck exec` agrees with the
    /// harness's requirement check.
    pub disruptive: bool,
    /// Keep each script's raw stdout (its TAP) and complete stderr for
    /// observers (`-v`, the report archive); see [`raw::RawStore`].
    pub keep_raw: bool,
    /// Bytes of stderr kept per script (the tail).
    pub stderr_limit: usize,
    /// The tck executable that runs built-in scripts (`<exe> exec <id>`).
    pub exe: PathBuf,
    /// For the report.
    pub command_line: Vec<String>,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            uri: "test:///default".into(),
            prefix: "tck-".into(),
            jobs: default_jobs(),
            timeout: DEFAULT_TIMEOUT,
            grace: DEFAULT_GRACE,
            leak_timeout: DEFAULT_LEAK_TIMEOUT,
            scratch_dir: std::env::temp_dir().join("tck"),
            script_scratch: None,
            config_path: None,
            keep_going: false,
            retries: 0,
            force: false,
            disruptive: false,
            keep_raw: false,
            stderr_limit: DEFAULT_STDERR_LIMIT,
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("tck")),
            command_line: std::env::args().collect(),
        }
    }
}

/// The number of CPUs available to tck (1 if unknown).
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
