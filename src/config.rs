//! The configuration: where it is found, what each key means, and how it is
//! checked before anything touches libvirt.
//!
//! One TOML file (documented key by key in `conf/default.toml`) is found in
//! this order: `--config FILE`, the `TCK_CONFIG` environment variable,
//! `/etc/tck/default.toml`, then the built-in defaults. `--uri` overrides the
//! file's `uri`.
//!
//! Loading is strict because a TCK destroys what it is told it may destroy:
//! unknown keys, wrong types, a prefix that could match objects the kit does
//! not own, and host resources that do not exist (or are in use: a mounted
//! disk, the NIC carrying the default route) are errors that name the file,
//! the line and the key. Missing *optional* resources are not errors: the
//! scripts that need them skip, naming the key ([`crate::script::Resource`]).
//!
//! Parsing ([`Config::from_toml`]) is pure; checks against the host
//! ([`Config::check_host`]) are separate so that both can be tested.

mod error;
mod host;
pub mod profile;
mod raw;

pub(crate) use error::line_of;
pub use error::ConfigError;
pub use profile::Profile;
pub(crate) use raw::toml_error;

/// Why `dir` cannot be the scratch directory (it is created if missing and
/// must take a new file), or `None` when it can: the check `scratch_dir`
/// gets in a configuration file, for directories given otherwise (`tck run
/// --scratch-dir`).
pub fn scratch_dir_problem(dir: &std::path::Path) -> Option<String> {
    host::scratch_problem(dir)
}

/// A warning when guests of a system-wide local daemon could not reach the
/// scratch directory: they run as the hypervisor's own user, so a directory
/// on the way that others cannot enter (e.g. a `mktemp -d` directory, mode
/// 0700) makes every script that gives a guest a disk image from it fail.
pub fn scratch_reachability_warning(config: &Config) -> Option<String> {
    let system = config.uri.ends_with("/system") || config.uri.starts_with("lxc:");
    if !system || !crate::virt::connection::uri_is_local(&config.uri) {
        return None;
    }
    host::closed_to_others(&config.scratch_dir).map(|d| {
        format!(
            "the scratch directory {} is inside {}, which other users cannot enter \
             (no o+x): guests of {} run as their own user and cannot open disk images \
             there, so scripts that give them one will fail; choose another \
             `scratch_dir` (or --scratch-dir) or `chmod o+x {}`",
            config.scratch_dir.display(),
            d.display(),
            config.uri,
            d.display()
        )
    })
}

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The system-wide configuration file, used when neither `--config` nor
/// `TCK_CONFIG` names one and it exists.
pub const SYSTEM_CONFIG: &str = "/etc/tck/default.toml";

/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "TCK_CONFIG";

/// The built-in default URI: libvirt's test driver, which needs only the
/// library (no daemon, no privileges).
pub const DEFAULT_URI: &str = "test:///default";

/// The built-in default name prefix.
pub const DEFAULT_PREFIX: &str = "tck-";

/// The built-in default per-script timeout, in seconds.
pub const DEFAULT_TIMEOUT: u64 = 300;

/// The most `retries` accepted (config, profile, `--retries`).
pub const MAX_RETRIES: u32 = 100;

/// Runs kept per URI in the run history, by default.
pub const DEFAULT_HISTORY_KEEP: u32 = 100;

/// Days a recorded run is kept, by default (0: no age limit).
pub const DEFAULT_HISTORY_DAYS: u32 = 90;

/// Filter sets every configuration has (a file may redefine them).
pub const BUILTIN_FILTERS: [(&str, &str); 1] = [("smoke", "priority(0)")];

/// Shortest and longest prefix accepted. Longer prefixes would leave no room
/// for the local part of a Linux bridge name (15 bytes) after the prefix and
/// the 5-character script tag plus its separator.
pub const PREFIX_MIN_LEN: usize = 2;
pub const PREFIX_MAX_LEN: usize = 8;

/// Sub-directory of the scratch directory that holds the per-script scratch
/// directories (`<scratch_dir>/run/<namespace>scratch`). Everything in it
/// whose name starts with the prefix belongs to the kit; the rest of the
/// scratch directory (guest media cache) is never cleaned by the fixture.
pub const SCRATCH_RUN_SUBDIR: &str = "run";

/// Where the configuration came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// No file: built-in defaults.
    BuiltIn,
    /// A file, and how it was chosen.
    File { path: PathBuf, via: FileVia },
}

/// How the configuration file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileVia {
    Flag,
    Env,
    System,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::BuiltIn => f.write_str("built-in defaults"),
            ConfigSource::File { path, .. } => write!(f, "{}", path.display()),
        }
    }
}

/// A USB device a script may pass through to a guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "by")]
pub enum UsbDevice {
    /// By vendor and product id (e.g. 0x046d, 0xc52b).
    Id { vendor: u16, product: u16 },
    /// By bus and device number (as `lsusb` shows them).
    Address { bus: u16, device: u16 },
}

/// A PCI device a script may detach from the host and assign to a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PciDevice {
    pub domain: u16,
    pub bus: u8,
    pub slot: u8,
    pub function: u8,
}

impl PciDevice {
    /// The sysfs / libvirt spelling, e.g. `0000:03:00.1`.
    pub fn address(&self) -> String {
        format!(
            "{:04x}:{:02x}:{:02x}.{:x}",
            self.domain, self.bus, self.slot, self.function
        )
    }

    /// The node device name libvirt gives it, e.g. `pci_0000_03_00_1`.
    pub fn nodedev_name(&self) -> String {
        format!(
            "pci_{:04x}_{:02x}_{:02x}_{:x}",
            self.domain, self.bus, self.slot, self.function
        )
    }
}

/// A whole disk a script may overwrite. `size` (bytes) must match the
/// device's real size: a safety check that the path names the intended disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockDevice {
    pub path: PathBuf,
    pub size: u64,
}

/// An NFS export a script may mount (e.g. for migration tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NfsExport {
    pub server: String,
    pub path: String,
}

/// An iSCSI target a script may log into and overwrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IscsiTarget {
    pub host: String,
    pub port: u16,
    pub iqn: String,
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// The libvirt URI under test.
    pub uri: String,
    /// A second host, for migration.
    pub other_uri: Option<String>,
    /// Every object the kit creates is named with this prefix; every object
    /// without it is never touched.
    pub prefix: String,
    /// Remove leftovers of an interrupted run without being asked (`--force`).
    pub autoclean: bool,
    /// Allow scripts that change the host for everyone (restart the daemon,
    /// install hooks).
    pub disruptive: bool,
    /// Scripts run in parallel; `None`: the number of CPUs.
    pub jobs: Option<u32>,
    /// Per-script timeout, seconds.
    pub timeout: u64,
    /// Cache and scratch files.
    pub scratch_dir: PathBuf,
    pub kernel: Option<PathBuf>,
    pub initrd: Option<PathBuf>,
    pub busybox: Option<PathBuf>,
    pub usb_devices: Vec<UsbDevice>,
    pub pci_devices: Vec<PciDevice>,
    pub block_devices: Vec<BlockDevice>,
    pub network_devices: Vec<String>,
    pub nfs_exports: Vec<NfsExport>,
    pub iscsi_targets: Vec<IscsiTarget>,
    pub free_space_dir: Option<PathBuf>,
    /// Times a failed script is run again (`--retries`).
    pub retries: u32,
    /// Count flaky scripts (failed, then passed on a retry) as failures.
    pub flaky_fails: bool,
    /// The run history store; `None`: `<scratch_dir>/history`.
    pub history_dir: Option<PathBuf>,
    /// Recorded runs kept per URI (0: record nothing).
    pub history_keep: u32,
    /// Days a recorded run is kept (0: no age limit).
    pub history_days: u32,
    /// Named filter sets (`[filters]`, used as `--filter @name`).
    pub filters: BTreeMap<String, String>,
    /// `[profile.NAME]` tables (`--profile NAME`), the built-in `ci` and
    /// `dev` included.
    #[serde(rename = "profile")]
    pub profiles: BTreeMap<String, Profile>,
    /// Where this configuration came from (not part of the digest).
    #[serde(skip)]
    pub source: ConfigSource,
    /// Lines of top-level keys in the file, for messages about their values.
    #[serde(skip)]
    pub(crate) key_lines: Vec<(String, usize)>,
}

/// What the command line says about the configuration.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--config FILE`.
    pub file: Option<PathBuf>,
    /// `--uri URI`.
    pub uri: Option<String>,
}

impl Config {
    /// Find, parse and check the configuration (see the module doc for the
    /// search order), then apply `--uri`. Host checks run too: resources
    /// must exist, the scratch directory must be writable (it is created if
    /// missing).
    pub fn load(opts: &LoadOptions) -> Result<Config, ConfigError> {
        let env = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty());
        Self::load_from(opts, env.map(PathBuf::from), Path::new(SYSTEM_CONFIG))
    }

    /// [`Config::load`] without the checks against the host, for commands
    /// that only read the configuration (`tck list`, `tck history`): a
    /// missing spare disk must not stop them.
    pub fn read(opts: &LoadOptions) -> Result<Config, ConfigError> {
        let env = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty());
        Self::read_from(opts, env.map(PathBuf::from), Path::new(SYSTEM_CONFIG))
    }

    /// [`Config::load`] with the environment and system path given, for tests.
    pub fn load_from(
        opts: &LoadOptions,
        env_file: Option<PathBuf>,
        system_file: &Path,
    ) -> Result<Config, ConfigError> {
        let config = Self::read_from(opts, env_file, system_file)?;
        config.check_host()?;
        Ok(config)
    }

    fn read_from(
        opts: &LoadOptions,
        env_file: Option<PathBuf>,
        system_file: &Path,
    ) -> Result<Config, ConfigError> {
        let chosen = if let Some(f) = &opts.file {
            Some((f.clone(), FileVia::Flag))
        } else if let Some(f) = env_file {
            Some((f, FileVia::Env))
        } else if system_file.exists() {
            Some((system_file.to_path_buf(), FileVia::System))
        } else {
            None
        };
        let mut config = match chosen {
            None => Config::defaults()?,
            Some((path, via)) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    let how = match via {
                        FileVia::Flag => "--config",
                        FileVia::Env => CONFIG_ENV,
                        FileVia::System => "the system configuration",
                    };
                    ConfigError::plain(format!(
                        "cannot read configuration file {} (named by {how}): {e}",
                        path.display()
                    ))
                })?;
                Config::from_toml(&text, ConfigSource::File { path, via })?
            }
        };
        if let Some(uri) = &opts.uri {
            config.uri = uri.clone();
            if uri.trim().is_empty() {
                return Err(ConfigError::plain("--uri: the URI is empty".to_string()));
            }
        }
        Ok(config)
    }

    /// The built-in defaults (no file). Fails only when no scratch directory
    /// can be derived (no `$HOME` and no `$XDG_CACHE_HOME` for a non-root user).
    pub fn defaults() -> Result<Config, ConfigError> {
        Config::from_toml("", ConfigSource::BuiltIn)
    }

    /// Parse a configuration text. Pure: nothing on the host is checked
    /// except for deriving the default scratch directory from the user.
    pub fn from_toml(text: &str, source: ConfigSource) -> Result<Config, ConfigError> {
        raw::parse(text, source)
    }

    /// Check the configuration against the host: configured resources and
    /// media exist (and are safe to use), the scratch directory is writable.
    pub fn check_host(&self) -> Result<(), ConfigError> {
        host::check(self)
    }

    /// Hex SHA-256 of the effective configuration, for report fingerprints:
    /// two runs with the same digest ran with the same settings.
    pub fn digest(&self) -> String {
        // Serializing plain data to JSON cannot fail (no maps with non-string
        // keys, no custom serializers that error).
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex(&Sha256::digest(&json))
    }

    /// The directory holding every per-script scratch directory.
    pub fn scratch_run_dir(&self) -> PathBuf {
        self.scratch_dir.join(SCRATCH_RUN_SUBDIR)
    }

    /// The scratch directory of one script namespace (see
    /// [`crate::harness::namespace::script_prefix`]): the harness passes it
    /// as `TCK_SCRATCH_DIR`, the fixture removes it after the script.
    pub fn script_scratch_dir(&self, namespace: &str) -> PathBuf {
        self.scratch_run_dir().join(format!("{namespace}scratch"))
    }

    /// The line of a top-level key in the configuration file, if it is there.
    pub(crate) fn line_of_key(&self, key: &str) -> Option<usize> {
        self.key_lines
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, l)| *l)
    }

    /// The top-level keys that a profile can override, as a profile (the
    /// lowest layer of [`profile::resolve`]).
    pub fn base_profile(&self) -> Profile {
        Profile {
            jobs: self.jobs,
            timeout: Some(self.timeout),
            retries: Some(self.retries),
            flaky_fails: Some(self.flaky_fails),
            ..Profile::default()
        }
    }

    /// The profile `name`, or an error naming the configuration it is
    /// missing from and the profiles there are.
    pub fn profile(&self, name: &str) -> Result<&Profile, ConfigError> {
        self.profiles.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            let whence = match &self.source {
                ConfigSource::BuiltIn => {
                    "the built-in defaults (no configuration file was found)".to_string()
                }
                ConfigSource::File { path, .. } => path.display().to_string(),
            };
            ConfigError::plain(format!(
                "--profile {name}: no profile `{name}` in {whence}, which has: {}; \
                 define it as [profile.{name}] (see tck-config(5))",
                names.join(", ")
            ))
        })
    }

    /// The configuration file's path, for messages (`None` for built-in defaults).
    pub fn file(&self) -> Option<&Path> {
        match &self.source {
            ConfigSource::File { path, .. } => Some(path),
            ConfigSource::BuiltIn => None,
        }
    }
}

/// Check a name prefix (the configured one or a script namespace): it must
/// not be able to match objects the kit does not own.
///
/// Rules: 2–8 bytes of `[A-Za-z0-9._-]`, starting with a letter or digit and
/// ending with `-`, `_` or `.`. The final separator is what keeps `tck-` from
/// matching `tckserver`; the character set keeps it out of glob, regex and
/// shell syntax; the length leaves room in 15-byte bridge names.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    let len = prefix.len();
    if prefix.trim().is_empty() {
        return Err("the prefix is empty: it would match every object on the host".into());
    }
    if let Some(bad) = prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "the prefix {prefix:?} contains {bad:?}: only letters, digits, '-', '_' and '.' are allowed"
        ));
    }
    if len < PREFIX_MIN_LEN {
        return Err(format!(
            "the prefix {prefix:?} is shorter than {PREFIX_MIN_LEN} characters: it would match too many objects"
        ));
    }
    if len > PREFIX_MAX_LEN {
        return Err(format!(
            "the prefix {prefix:?} is longer than {PREFIX_MAX_LEN} characters: names would not fit libvirt's limits (a bridge name has at most 15)"
        ));
    }
    if !prefix.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "the prefix {prefix:?} must start with a letter or a digit"
        ));
    }
    if !prefix.ends_with(['-', '_', '.']) {
        return Err(format!(
            "the prefix {prefix:?} must end with '-', '_' or '.', so that it cannot match names that merely begin with the same word (e.g. {prefix:?} would match \"{prefix}server\")"
        ));
    }
    Ok(())
}

/// The default scratch directory: `/var/cache/tck` for root, the XDG cache
/// directory (`$XDG_CACHE_HOME/tck`, else `~/.cache/tck`) otherwise.
pub fn default_scratch_dir() -> Option<PathBuf> {
    if crate::virt::host::euid() == 0 {
        return Some(PathBuf::from("/var/cache/tck"));
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
        if x.is_absolute() {
            return Some(x.join("tck"));
        }
    }
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .map(|h| h.join(".cache").join("tck"))
}

/// Lower-case hex of a byte string.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests;
