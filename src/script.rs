//! What a built-in script is: its metadata and its entry point.
//!
//! A script is a file `scripts/<area>/NNN-name.rs` with a `//!` doc comment
//! (its title), a `pub fn run(t: &mut Tap, cx: &Context) -> Outcome` and,
//! optionally, `pub const META: Meta = Meta { …, ..Meta::DEFAULT };`.
//! `build.rs` turns the files into [`crate::registry::SCRIPTS`].

use crate::tap::producer::Tap;
use crate::virt::context::Context;

/// The result of a script's `run`. `Err` ends the script early: the runner
/// reports the error as a failing test point with its diagnostics.
pub type Outcome = Result<(), Stop>;

/// Why a script stopped early.
#[derive(Debug)]
pub enum Stop {
    /// An unexpected error (libvirt, I/O, …), described for people.
    Error(String),
    /// The operation the rest of the script depends on is not available
    /// (e.g. the driver reports NO_SUPPORT): the remaining planned points are
    /// skipped with this reason ("unsupported by driver: …").
    Skip(String),
    /// The script already reported what went wrong (e.g. `skip_all`,
    /// `bail_out`, or a failed assertion it cannot continue after).
    Done,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Error(msg) | Stop::Skip(msg) => f.write_str(msg),
            Stop::Done => f.write_str("script stopped"),
        }
    }
}

/// Same rule as for [`crate::virt::error::LibvirtError`]: an unsupported
/// operation skips ("unsupported by driver: …"), anything else is an error.
impl From<virt::error::Error> for Stop {
    fn from(e: virt::error::Error) -> Self {
        Stop::from(crate::virt::error::LibvirtError::from(e))
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Self {
        Stop::Error(format!("I/O: {e}"))
    }
}

impl From<String> for Stop {
    fn from(e: String) -> Self {
        Stop::Error(e)
    }
}

impl From<&str> for Stop {
    fn from(e: &str) -> Self {
        Stop::Error(e.to_string())
    }
}

/// A host resource a script may use and destroy, configured by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    UsbDevice,
    PciDevice,
    BlockDevice,
    NetworkDevice,
    NfsExport,
    IscsiTarget,
    FreeSpaceDir,
}

impl Resource {
    /// The configuration key that lists this resource.
    pub fn config_key(self) -> &'static str {
        match self {
            Resource::UsbDevice => "usb_devices",
            Resource::PciDevice => "pci_devices",
            Resource::BlockDevice => "block_devices",
            Resource::NetworkDevice => "network_devices",
            Resource::NfsExport => "nfs_exports",
            Resource::IscsiTarget => "iscsi_targets",
            Resource::FreeSpaceDir => "free_space_dir",
        }
    }
}

/// Something a script needs; unmet requirements skip the script before its
/// process starts, with a reason naming what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Require {
    /// Running as uid 0.
    Root,
    /// libvirt's driver type (`virConnectGetType`) is one of these, e.g. "QEMU".
    Driver(&'static [&'static str]),
    /// A configured host resource.
    Resource(Resource),
    /// A second host (`other_uri`).
    OtherHost,
    /// A guest that boots to a ready state (prepared guest media).
    BootedGuest,
    /// A command on the host (e.g. "qemu-img").
    Tool(&'static str),
    /// The URI's daemon runs on this host, so host state can be inspected
    /// (bridges, firewall rules, files owned by the QEMU process).
    LocalHost,
    /// Changes the host in ways other scripts would notice (restarts the
    /// daemon, writes hooks); only with `--disruptive`.
    Disruptive,
}

impl Require {
    /// Short machine-readable form for reports and `tck list`.
    pub fn describe(&self) -> String {
        match self {
            Require::Root => "root".into(),
            Require::Driver(d) => format!("driver({})", d.join("|")),
            Require::Resource(r) => format!("resource({})", r.config_key()),
            Require::OtherHost => "other-host".into(),
            Require::BootedGuest => "booted-guest".into(),
            Require::Tool(t) => format!("tool({t})"),
            Require::LocalHost => "local-host".into(),
            Require::Disruptive => "disruptive".into(),
        }
    }
}

/// A script's metadata.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub requires: &'static [Require],
    /// Free-form tags for selection: "slow", "disruptive", "guest", "network"…
    pub tags: &'static [&'static str],
    /// 0 = smoke (most important) … 3 = exhaustive.
    pub priority: u8,
    /// Runs alone: nothing else runs while it does.
    pub exclusive: bool,
    /// Overrides the configured per-script timeout, in seconds.
    pub timeout: Option<u64>,
}

impl Meta {
    pub const DEFAULT: Meta = Meta {
        requires: &[],
        tags: &[],
        priority: 1,
        exclusive: false,
        timeout: None,
    };
}

/// A built-in script, as listed in the registry.
#[derive(Clone, Copy)]
pub struct ScriptDef {
    /// Path under `scripts/` without extension, e.g. "domain/050-transient-lifecycle".
    pub id: &'static str,
    /// The first paragraph of the file's `//!` comment.
    pub title: &'static str,
    pub meta: Meta,
    pub run: fn(&mut Tap, &Context) -> Outcome,
}

impl std::fmt::Debug for ScriptDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptDef")
            .field("id", &self.id)
            .field("title", &self.title)
            .field("meta", &self.meta)
            .finish()
    }
}

impl ScriptDef {
    pub fn area(&self) -> &'static str {
        self.id.split_once('/').map(|(a, _)| a).unwrap_or("")
    }

    /// The script's number (the `NNN` of its file name).
    pub fn number(&self) -> u32 {
        number_of(self.id)
    }
}

/// The number of a script id: the leading digits of its last path
/// component (`domain/050-transient` → 50, `sub/7-x.sh` → 7), 0 when it
/// has none. Built-in and external scripts are numbered alike.
pub fn number_of(id: &str) -> u32 {
    let file = id.rsplit('/').next().unwrap_or("");
    let digits = file.bytes().take_while(u8::is_ascii_digit).count();
    file[..digits].parse().unwrap_or(0)
}
