//! The run history: a small local store of past runs, per URI.
//!
//! `--rerun-failed`, `--order` and `tck history` need to know what earlier
//! runs did; the full reports are too big to keep for every run and are
//! written only where the user asks. So each run also leaves a small
//! record ([`RunRecord`]): per script its status, duration, number of runs,
//! and a digest of what ran (to tell a changed script), plus a summary of
//! the environment (to say what changed between runs).
//!
//! Layout: `<root>/<uri-slug>-<hash>/<seconds>.<millis>-<pid>-<n>.json`,
//! one compact JSON document per run. The root is `$TCK_HISTORY_DIR`, else
//! the configuration's `history_dir`, else `<scratch_dir>/history`. File
//! names sort by the time they were written, so the newest run is the
//! last name.
//!
//! Concurrent runs cannot corrupt the store: each run writes its own new
//! file, through a hidden temporary file renamed into place (readers see a
//! whole record or none), and pruning tolerates files that another process
//! has just removed. Pruning happens on every write: at most `history_keep`
//! runs per URI, none older than `history_days` days. A record that cannot
//! be read (damaged, or from a newer tck) is skipped with a warning, never
//! fatal.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::profile::uri_slug;
use crate::config::Config;
use crate::harness::discover::{Script, Source};
use crate::report::model::{Environment, Report, ScriptStatus};

/// Environment variable that overrides where the history is kept.
pub const HISTORY_ENV: &str = "TCK_HISTORY_DIR";

/// Version of the record format written by this build.
pub const FORMAT: u32 = 1;

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub format: u32,
    pub uri: String,
    /// RFC 3339 UTC.
    pub start: String,
    pub end: String,
    /// Wall-clock seconds of the run.
    pub wall: f64,
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub command_line: Vec<String>,
    #[serde(default)]
    pub incomplete: bool,
    #[serde(default)]
    pub environment: EnvSummary,
    pub scripts: Vec<ScriptRecord>,
    /// Planned scripts that never started (bail-out, interruption).
    #[serde(default)]
    pub not_run: Vec<NotRunRecord>,
}

/// A planned script that never started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotRunRecord {
    pub id: String,
    /// An external script's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
}

/// One script in a recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptRecord {
    pub id: String,
    pub status: ScriptStatus,
    /// Seconds of its last run.
    pub duration: f64,
    /// Times it ran (retries, repetitions); 1 normally.
    #[serde(default = "one")]
    pub runs: u32,
    /// An external script's file, so `--rerun-failed` can find it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// What ran ([`digest_of`]), to tell when the script changed.
    #[serde(default)]
    pub digest: String,
}

fn one() -> u32 {
    1
}

/// The parts of the environment fingerprint worth comparing between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnvSummary {
    pub tck_version: String,
    pub tck_commit: String,
    pub driver: String,
    pub hypervisor_version: String,
    pub libvirt_library_version: String,
    pub libvirt_daemon_version: String,
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub capabilities_digest: String,
    pub domain_capabilities_digest: String,
    pub config_digest: String,
    pub guest_boot: String,
}

impl EnvSummary {
    pub fn of(e: &Environment) -> Self {
        EnvSummary {
            tck_version: e.tck_version.clone(),
            tck_commit: e.tck_commit.clone(),
            driver: e.driver.clone(),
            hypervisor_version: e.hypervisor_version.clone(),
            libvirt_library_version: e.libvirt_library_version.clone(),
            libvirt_daemon_version: e.libvirt_daemon_version.clone(),
            hostname: e.hostname.clone(),
            os: format!("{} {}", e.os_id, e.os_version).trim().to_string(),
            kernel: e.kernel.clone(),
            arch: e.arch.clone(),
            cpu_model: e.cpu_model.clone(),
            capabilities_digest: e.capabilities_digest.clone(),
            domain_capabilities_digest: e.domain_capabilities_digest.clone(),
            config_digest: e.config_digest.clone(),
            guest_boot: e.guest_boot.clone(),
        }
    }

    /// The fields, labelled for people, in the order they are shown.
    fn fields(&self) -> [(&'static str, &str); 15] {
        [
            ("tck", &self.tck_version),
            ("tck commit", &self.tck_commit),
            ("driver", &self.driver),
            ("hypervisor", &self.hypervisor_version),
            ("libvirt library", &self.libvirt_library_version),
            ("libvirt daemon", &self.libvirt_daemon_version),
            ("host", &self.hostname),
            ("os", &self.os),
            ("kernel", &self.kernel),
            ("arch", &self.arch),
            ("cpu", &self.cpu_model),
            ("capabilities", &self.capabilities_digest),
            ("domain capabilities", &self.domain_capabilities_digest),
            ("config", &self.config_digest),
            ("guest boot", &self.guest_boot),
        ]
    }
}

/// One environment field that differs between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// What changed in the environment from `before` to `after`.
pub fn changes(before: &EnvSummary, after: &EnvSummary) -> Vec<Change> {
    before
        .fields()
        .iter()
        .zip(after.fields().iter())
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, a), (_, b))| Change {
            field,
            before: a.to_string(),
            after: b.to_string(),
        })
        .collect()
}

impl RunRecord {
    /// The record of a finished run. `scripts` is the plan (for external
    /// scripts' paths and the digests); `wall` the run's wall time.
    pub fn of(report: &Report, scripts: &[Script], wall: Duration, profile: Option<&str>) -> Self {
        let records = report
            .scripts
            .iter()
            .map(|r| {
                let planned = scripts.iter().find(|s| s.id == r.id);
                ScriptRecord {
                    id: r.id.clone(),
                    status: r.status,
                    duration: r.duration,
                    runs: u32::try_from(r.attempts.len() + 1).unwrap_or(u32::MAX),
                    path: planned.and_then(|s| s.path()).map(absolute),
                    digest: planned.map(digest_of).unwrap_or_default(),
                }
            })
            .collect();
        RunRecord {
            format: FORMAT,
            uri: report.environment.uri.clone(),
            start: report.environment.start.clone(),
            end: report.environment.end.clone(),
            wall: wall.as_secs_f64(),
            profile: profile.map(str::to_string),
            command_line: report.environment.command_line.clone(),
            incomplete: report.incomplete,
            environment: EnvSummary::of(&report.environment),
            scripts: records,
            not_run: report
                .not_run
                .iter()
                .map(|n| NotRunRecord {
                    id: n.id.clone(),
                    path: scripts
                        .iter()
                        .find(|s| s.id == n.id)
                        .and_then(|s| s.path())
                        .map(absolute),
                })
                .collect(),
        }
    }

    /// What did not pass: scripts that failed, errored, timed out, crashed
    /// or bailed out, and scripts that never started; in the order recorded.
    pub fn failed(&self) -> Vec<&str> {
        self.scripts
            .iter()
            .filter(|s| s.status.is_failure())
            .map(|s| s.id.as_str())
            .chain(self.not_run.iter().map(|n| n.id.as_str()))
            .collect()
    }

    /// The file of external script `id` in this run, if it was one.
    pub fn path_of(&self, id: &str) -> Option<&Path> {
        self.scripts
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.path.as_deref())
            .or_else(|| {
                self.not_run
                    .iter()
                    .find(|n| n.id == id)
                    .and_then(|n| n.path.as_deref())
            })
    }

    /// Script count per status, in [`ScriptStatus::ALL`] order (non-zero only).
    pub fn counts(&self) -> Vec<(ScriptStatus, usize)> {
        ScriptStatus::ALL
            .into_iter()
            .map(|st| (st, self.scripts.iter().filter(|s| s.status == st).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// What ran, for telling a changed script: an external script's content
/// (SHA-256, hex, 16 digits), or the tck build for a built-in one (its
/// source is compiled in, so a new build is what changes it).
pub fn digest_of(script: &Script) -> String {
    match &script.source {
        Source::Builtin(_) => format!("tck {} {}", env!("CARGO_PKG_VERSION"), env!("TCK_COMMIT")),
        Source::External(p) => match std::fs::read(p) {
            Ok(bytes) => crate::config::hex(&Sha256::digest(&bytes)[..8]),
            Err(_) => String::new(),
        },
    }
}

/// How many runs to keep per URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Runs kept (0: nothing is recorded).
    pub keep: u32,
    /// Days a run is kept (0: no age limit).
    pub days: u32,
}

impl Retention {
    pub fn of(config: &Config) -> Self {
        Retention {
            keep: config.history_keep,
            days: config.history_days,
        }
    }
}

/// A problem with the store, described for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryError(pub String);

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HistoryError {}

/// The runs recorded for one URI, oldest first, and what could not be read.
#[derive(Debug, Default)]
pub struct History {
    pub runs: Vec<RunRecord>,
    pub warnings: Vec<String>,
}

impl History {
    pub fn last(&self) -> Option<&RunRecord> {
        self.runs.last()
    }
}

/// The store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store a configuration names (see the module documentation).
    pub fn of(config: &Config) -> Store {
        let env = std::env::var_os(HISTORY_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let root = env
            .or_else(|| config.history_dir.clone())
            .unwrap_or_else(|| config.scratch_dir.join("history"));
        Store { root }
    }

    pub fn at(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of one URI: its slug (readable) and a hash (distinct
    /// URIs never share a directory, whatever their slugs).
    pub fn dir_for(&self, uri: &str) -> PathBuf {
        let hash = crate::config::hex(&Sha256::digest(uri.as_bytes())[..4]);
        let mut slug = uri_slug(uri);
        slug.truncate(64);
        self.root.join(format!("{slug}-{hash}"))
    }

    /// Records a run and prunes its URI's runs; returns the new file.
    /// Nothing is written when `keep.keep` is 0.
    pub fn record(
        &self,
        run: &RunRecord,
        keep: Retention,
    ) -> Result<Option<PathBuf>, HistoryError> {
        if keep.keep == 0 {
            return Ok(None);
        }
        let dir = self.dir_for(&run.uri);
        std::fs::create_dir_all(&dir).map_err(|e| {
            HistoryError(format!(
                "cannot create the run history directory {}: {e}; set history_dir (or {HISTORY_ENV}) \
                 to a writable directory, or history_keep = 0 to record nothing",
                dir.display()
            ))
        })?;
        let path = dir.join(new_name(SystemTime::now()));
        crate::report::atomic::write_atomic(&path, |w| {
            serde_json::to_writer(&mut *w, run).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
        .map_err(|e| HistoryError(format!("cannot record the run: {e}")))?;
        self.prune(&dir, keep, SystemTime::now());
        Ok(Some(path))
    }

    /// Removes the oldest runs beyond `keep.keep`, and those older than
    /// `keep.days`. Files another process removed meanwhile are fine.
    fn prune(&self, dir: &Path, keep: Retention, now: SystemTime) {
        let mut files = list(dir);
        let max_age = (keep.days > 0).then(|| Duration::from_secs(u64::from(keep.days) * 86_400));
        let excess = files.len().saturating_sub(keep.keep as usize);
        for (i, (written, path)) in files.drain(..).enumerate() {
            let too_old = match (max_age, now.checked_sub(max_age.unwrap_or_default())) {
                (Some(_), Some(limit)) => written < limit,
                _ => false,
            };
            if i < excess || too_old {
                // Already gone (another run pruned it) is what we wanted.
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// The runs recorded for `uri`, oldest first. No directory: no runs.
    pub fn runs(&self, uri: &str) -> History {
        let mut h = History::default();
        for (_, path) in list(&self.dir_for(uri)) {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                // Pruned by another run between listing and reading.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    h.warnings
                        .push(format!("skipping run record {}: {e}", path.display()));
                    continue;
                }
            };
            match serde_json::from_str::<RunRecord>(&text) {
                Ok(r) if r.format > FORMAT => h.warnings.push(format!(
                    "skipping run record {}: written by a newer tck (format {})",
                    path.display(),
                    r.format
                )),
                Ok(r) if r.uri != uri => {}
                Ok(r) => h.runs.push(r),
                Err(e) => h.warnings.push(format!(
                    "skipping damaged run record {}: {e}",
                    path.display()
                )),
            }
        }
        h
    }

    /// URIs that have recorded runs (for messages).
    pub fn uris(&self) -> Vec<String> {
        let mut uris = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return uris;
        };
        for e in entries.flatten() {
            let newest = list(&e.path()).pop();
            let uri = newest
                .and_then(|(_, p)| std::fs::read_to_string(p).ok())
                .and_then(|t| serde_json::from_str::<RunRecord>(&t).ok())
                .map(|r| r.uri);
            if let Some(u) = uri {
                uris.push(u);
            }
        }
        uris.sort();
        uris
    }
}

static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `<seconds>.<millis>-<pid>-<n>.json`, seconds zero-padded so that names
/// sort by time.
fn new_name(now: SystemTime) -> String {
    let t = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let n = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "{:012}.{:03}-{}-{n}.json",
        t.as_secs(),
        t.subsec_millis(),
        std::process::id()
    )
}

/// The run records of a directory with the time their name says, oldest
/// first (hidden and temporary files are not records).
fn list(dir: &Path) -> Vec<(SystemTime, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (!name.starts_with('.') && name.ends_with(".json")).then(|| (name, e.path()))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|(name, path)| {
            let secs: u64 = name
                .split('.')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            (UNIX_EPOCH + Duration::from_secs(secs), path)
        })
        .collect()
}

#[cfg(test)]
mod tests;
