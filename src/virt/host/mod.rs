//! What the local host says about itself, read back so that scripts can
//! check libvirt's description of the host, and what libvirt did to it,
//! against the host.
//!
//! One implementation of each fact, by subject:
//! - here: the machine (`uname`, the effective uid), its CPUs and NUMA
//!   nodes, its PCI functions and its processes, from sysfs and procfs;
//! - [`net`]: network links and their addresses, bridges, routes, guest
//!   NICs, dnsmasq instances and firewall rules (what libvirt's virtual
//!   networks put on the host);
//! - [`access`]: whether a process may open a file (its identity, mode
//!   bits, POSIX ACLs).
//!
//! Parsers take text (file contents, captured command output) or a sysfs or
//! procfs root, so they are tested on captured output and fake trees;
//! scripts pass [`SYSFS`] and [`PROCFS`]. Commands (`ip`, `iptables-save`,
//! `nft`, `getfacl`) run through [`run`], with the C locale.

pub mod access;
pub mod net;

use crate::virt::caps::parse_cpu_list;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;

/// Where sysfs is mounted.
pub const SYSFS: &str = "/sys";
/// Where procfs is mounted.
pub const PROCFS: &str = "/proc";

/// A host inspection that could not be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// A command could not run or failed.
    Command { command: String, detail: String },
    /// A command's output or a file was not what its parser expects.
    Parse { what: String, detail: String },
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Command { command, detail } => write!(f, "`{command}` failed: {detail}"),
            HostError::Parse { what, detail } => write!(f, "cannot parse {what}: {detail}"),
        }
    }
}

impl std::error::Error for HostError {}

impl From<HostError> for crate::script::Stop {
    fn from(e: HostError) -> Self {
        crate::script::Stop::Error(e.to_string())
    }
}

/// Runs `program args…` with the C locale and gives its standard output.
pub fn run<S: AsRef<OsStr>>(program: &str, args: &[S]) -> Result<String, HostError> {
    let command = std::iter::once(program.to_string())
        .chain(
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>()
        .join(" ");
    let out = std::process::Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| HostError::Command {
            command: command.clone(),
            detail: if e.kind() == std::io::ErrorKind::NotFound {
                format!("{program} is not installed (not on PATH)")
            } else {
                e.to_string()
            },
        })?;
    if !out.status.success() {
        return Err(HostError::Command {
            command,
            detail: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What `uname` says about the running kernel and machine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Uname {
    /// The kernel release (`uname -r`).
    pub release: String,
    /// The machine architecture (`uname -m`: `x86_64`, `aarch64`).
    pub machine: String,
}

/// [`Uname`] of this host (empty fields if uname fails, which it does not
/// on Linux).
pub fn uname() -> Uname {
    // SAFETY: utsname is plain old data; uname fills it or fails.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return Uname::default();
    }
    let field = |f: &[libc::c_char]| {
        // SAFETY: uname NUL-terminates each field within its array, and
        // `f` borrows that array from `u`, which outlives this call.
        unsafe { std::ffi::CStr::from_ptr(f.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    Uname {
        release: field(&u.release),
        machine: field(&u.machine),
    }
}

/// The effective uid of this process (0: root).
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The CPUs the kernel has online (`<sysfs>/devices/system/cpu/online`).
pub fn online_cpus(sysfs: &Path) -> Result<Vec<u32>, String> {
    let path = sysfs.join("devices/system/cpu/online");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_cpu_list(text.trim()).map_err(|e| format!("{}: {e}", path.display()))
}

/// One NUMA node of the host, as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumaNode {
    pub cpus: Vec<u32>,
    /// `MemTotal` of the node, in KiB.
    pub memory_kib: Option<u64>,
}

/// The host's NUMA nodes by id, from `<sysfs>/devices/system/node/node*`;
/// empty on a kernel without NUMA support (libvirt then reports one cell).
pub fn numa_nodes(sysfs: &Path) -> Result<BTreeMap<u32, NumaNode>, String> {
    let dir = sysfs.join("devices/system/node");
    let mut out = BTreeMap::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = name
            .strip_prefix("node")
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let cpulist = entry.path().join("cpulist");
        let text = std::fs::read_to_string(&cpulist)
            .map_err(|e| format!("cannot read {}: {e}", cpulist.display()))?;
        let cpus =
            parse_cpu_list(text.trim()).map_err(|e| format!("{}: {e}", cpulist.display()))?;
        // "Node 0 MemTotal:       21456672 kB"
        let memory_kib = std::fs::read_to_string(entry.path().join("meminfo"))
            .ok()
            .and_then(|m| {
                m.lines()
                    .find(|l| l.contains("MemTotal:"))
                    .and_then(|l| l.split_whitespace().rev().nth(1))
                    .and_then(|v| v.parse().ok())
            });
        out.insert(id, NumaNode { cpus, memory_kib });
    }
    Ok(out)
}

/// A `0x8086`-style id from sysfs or libvirt XML.
pub fn parse_hex_id(s: &str) -> Option<u32> {
    let s = s.trim();
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    u32::from_str_radix(digits, 16).ok()
}

/// A PCI function's ids, as sysfs gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PciIds {
    pub vendor: u32,
    pub product: u32,
}

/// The PCI functions of the host by address (`0000:00:1f.2`), from
/// `<sysfs>/bus/pci/devices`. A host without PCI gives an empty map.
pub fn pci_devices(sysfs: &Path) -> Result<BTreeMap<String, PciIds>, String> {
    let dir = sysfs.join("bus/pci/devices");
    let mut out = BTreeMap::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let addr = entry.file_name().to_string_lossy().into_owned();
        let read = |file: &str| -> Result<u32, String> {
            let p = entry.path().join(file);
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            parse_hex_id(&text).ok_or_else(|| format!("{}: {text:?} is not a hex id", p.display()))
        };
        out.insert(
            addr,
            PciIds {
                vendor: read("vendor")?,
                product: read("device")?,
            },
        );
    }
    Ok(out)
}

/// The sysfs name of a PCI address given as libvirt's XML numbers.
pub fn pci_address(domain: u32, bus: u32, slot: u32, function: u32) -> String {
    format!("{domain:04x}:{bus:02x}:{slot:02x}.{function:x}")
}

/// The directory of the PCI function `address` (`0000:03:10.1`) under
/// `<sysfs>/bus/pci/devices`, or `None` for a string that is no name.
fn pci_dir(sysfs: &Path, address: &str) -> Option<std::path::PathBuf> {
    (!address.is_empty() && !address.contains('/'))
        .then(|| sysfs.join("bus/pci/devices").join(address))
}

/// Whether the PCI function `address` exists.
pub fn pci_device_exists(sysfs: &Path, address: &str) -> bool {
    pci_dir(sysfs, address).is_some_and(|d| d.exists())
}

/// The host driver the PCI function `address` is bound to, or `None` when
/// it is unbound or absent.
pub fn pci_driver(sysfs: &Path, address: &str) -> Option<String> {
    let link = std::fs::read_link(pci_dir(sysfs, address)?.join("driver")).ok()?;
    link.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// The libvirt daemons that may serve a local URI.
pub const DAEMON_NAMES: [&str; 4] = ["libvirtd", "virtqemud", "virtproxyd", "virtnodedevd"];

/// A process, as `/proc/PID` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    /// The command name (`comm`, at most 15 bytes).
    pub comm: String,
    /// The state letter (`R`, `S`, `Z` zombie, `X` dead…).
    pub state: char,
    /// The arguments (`cmdline`; none for a kernel thread).
    pub args: Vec<String>,
}

impl Process {
    /// Running or able to run: neither a zombie nor dead.
    pub fn is_live(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }

    /// The file name of `argv[0]`.
    pub fn program(&self) -> &str {
        self.args
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or(a))
            .unwrap_or("")
    }
}

/// The command name and state letter in the text of `/proc/PID/stat`:
/// the name is in parentheses and may itself contain spaces and
/// parentheses, so the state is the field after the last `)`.
pub fn parse_stat(stat: &str) -> Option<(String, char)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let state = stat[close + 1..]
        .split_whitespace()
        .next()?
        .chars()
        .next()?;
    Some((comm, state))
}

/// The arguments in `/proc/PID/cmdline` (NUL-separated).
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// Every process under `procfs` that can be read, by pid (others vanish
/// or are hidden while we look and are left out).
pub fn processes(procfs: &Path) -> Result<Vec<Process>, String> {
    let entries =
        std::fs::read_dir(procfs).map_err(|e| format!("cannot list {}: {e}", procfs.display()))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let dir = entry.path();
        let Some((comm, state)) = std::fs::read_to_string(dir.join("stat"))
            .ok()
            .and_then(|s| parse_stat(&s))
        else {
            continue;
        };
        let args = std::fs::read(dir.join("cmdline"))
            .map(|b| parse_cmdline(&b))
            .unwrap_or_default();
        out.push(Process {
            pid,
            comm,
            state,
            args,
        });
    }
    out.sort_by_key(|p| p.pid);
    Ok(out)
}

/// The processes whose command name is one of `names`, as `(pid, name)`,
/// sorted by pid.
pub fn processes_named(procfs: &Path, names: &[&str]) -> Result<Vec<(u32, String)>, String> {
    Ok(processes(procfs)?
        .into_iter()
        .filter(|p| names.contains(&p.comm.as_str()))
        .map(|p| (p.pid, p.comm))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    }

    #[test]
    fn hex_ids_and_pci_addresses() {
        assert_eq!(parse_hex_id("0x8086\n"), Some(0x8086));
        assert_eq!(parse_hex_id("0X0d57"), Some(0x0d57));
        assert_eq!(parse_hex_id("1af4"), Some(0x1af4));
        assert_eq!(parse_hex_id("0xzz"), None);
        assert_eq!(parse_hex_id(""), None);
        assert_eq!(pci_address(0, 0, 31, 2), "0000:00:1f.2");
        assert_eq!(pci_address(0x10, 0xab, 3, 7), "0010:ab:03.7");
    }

    #[test]
    fn fake_sysfs_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "devices/system/cpu/online", "0-2,5\n");
        write(root, "bus/pci/devices/0000:00:00.0/vendor", "0x8086\n");
        write(root, "bus/pci/devices/0000:00:00.0/device", "0x0d57\n");
        write(root, "bus/pci/devices/0000:00:03.0/vendor", "0x1af4\n");
        write(root, "bus/pci/devices/0000:00:03.0/device", "0x1000\n");

        write(root, "devices/system/node/node0/cpulist", "0-2\n");
        write(
            root,
            "devices/system/node/node0/meminfo",
            "Node 0 MemTotal:       21456672 kB\nNode 0 MemFree: 1 kB\n",
        );
        write(root, "devices/system/node/node1/cpulist", "5\n");
        write(root, "devices/system/node/online", "0-1\n");
        let numa = numa_nodes(root).expect("numa");
        assert_eq!(numa.len(), 2);
        assert_eq!(
            numa[&0],
            NumaNode {
                cpus: vec![0, 1, 2],
                memory_kib: Some(21456672)
            }
        );
        assert_eq!(numa[&1].memory_kib, None);

        assert_eq!(online_cpus(root).expect("cpus"), vec![0, 1, 2, 5]);
        let pci = pci_devices(root).expect("pci");
        assert_eq!(pci.len(), 2);
        assert_eq!(
            pci["0000:00:03.0"],
            PciIds {
                vendor: 0x1af4,
                product: 0x1000
            }
        );
        assert!(pci_device_exists(root, "0000:00:03.0"));
        assert!(!pci_device_exists(root, "0000:00:04.0"));
        assert!(!pci_device_exists(root, "../../etc"));
        assert_eq!(pci_driver(root, "0000:00:03.0"), None);
        fs::create_dir_all(root.join("bus/pci/drivers/virtio-pci")).expect("mkdir");
        std::os::unix::fs::symlink(
            "../../../../bus/pci/drivers/virtio-pci",
            root.join("bus/pci/devices/0000:00:03.0/driver"),
        )
        .expect("symlink");
        assert_eq!(
            pci_driver(root, "0000:00:03.0").as_deref(),
            Some("virtio-pci")
        );
    }

    #[test]
    fn broken_sysfs_entries_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        assert!(online_cpus(root).unwrap_err().contains("cpu/online"));
        assert!(pci_devices(root).expect("no pci bus").is_empty());
        assert!(numa_nodes(root).expect("no numa").is_empty());
        write(root, "bus/pci/devices/0000:00:00.0/vendor", "oops\n");
        let e = pci_devices(root).unwrap_err();
        assert!(
            e.contains("0000:00:00.0/vendor") && e.contains("not a hex id"),
            "{e}"
        );
        write(root, "devices/system/cpu/online", "3-1\n");
        assert!(online_cpus(root).is_err());
    }

    #[test]
    fn fake_procfs_finds_daemons_by_command_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "12/stat", "12 (libvirtd) S 1 12 12 0 -1\n");
        write(root, "7/stat", "7 (virtqemud) S 1 7 7 0 -1\n");
        write(
            root,
            "7/cmdline",
            "/usr/sbin/virtqemud\0--timeout\0\x3120\0",
        );
        write(root, "30/stat", "30 (libvirtd-other) S 1\n");
        write(root, "self/stat", "99 (libvirtd) S 1\n");
        write(root, "40/status", "no stat\n");
        assert_eq!(
            processes_named(root, &DAEMON_NAMES).expect("procs"),
            vec![(7, "virtqemud".to_string()), (12, "libvirtd".to_string())]
        );
        let all = processes(root).expect("procs");
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(all[0].program(), "virtqemud");
        assert!(all[1].args.is_empty(), "no cmdline: no arguments");
        assert!(processes(&root.join("none")).is_err());
    }

    #[test]
    fn proc_stat_and_cmdline() {
        assert_eq!(
            parse_stat("21036 (dnsmasq) S 1 21035 21035 0 -1 4194624"),
            Some(("dnsmasq".to_string(), 'S'))
        );
        assert_eq!(
            parse_stat("7 (a) b) c) Z 1 2"),
            Some(("a) b) c".to_string(), 'Z'))
        );
        assert_eq!(parse_stat("garbage"), None);
        let args = parse_cmdline(b"/usr/sbin/dnsmasq\0--conf-file=/x.conf\0--leasefile-ro\0");
        assert_eq!(args.len(), 3);
        let mut p = Process {
            pid: 1,
            comm: "dnsmasq".into(),
            state: 'S',
            args,
        };
        assert_eq!(p.program(), "dnsmasq");
        assert!(p.is_live());
        p.state = 'Z';
        assert!(!p.is_live());
        let me = processes(Path::new(PROCFS)).expect("procfs");
        assert!(
            me.iter()
                .any(|q| q.pid == std::process::id() && q.is_live()),
            "this test process is listed"
        );
    }

    #[test]
    fn commands_run_in_the_c_locale_and_fail_naming_themselves() {
        assert_eq!(run("sh", &["-c", "echo $LC_ALL"]).expect("sh"), "C\n");
        let e = run("sh", &["-c", "echo oops >&2; exit 3"]).unwrap_err();
        assert!(
            e.to_string()
                .contains("`sh -c echo oops >&2; exit 3` failed"),
            "{e}"
        );
        assert!(e.to_string().contains("oops"), "{e}");
        let e = run::<&str>("tck-no-such-program", &[]).unwrap_err();
        assert!(e.to_string().contains("not installed"), "{e}");
    }

    #[test]
    fn this_host_answers() {
        let u = uname();
        assert_eq!(u.machine, std::env::consts::ARCH);
        assert!(
            u.release.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "{u:?}"
        );
        let cpus = online_cpus(Path::new(SYSFS)).expect("online cpus");
        assert!(cpus.contains(&0), "{cpus:?}");
    }
}
