//! What the local host says about itself, for scripts that check libvirt's
//! description of the host against the host (node devices, capabilities,
//! daemon health).
//!
//! Everything is read from sysfs and procfs, whose root is a parameter so
//! the parsers are tested on a fake tree; scripts pass [`SYSFS`] and
//! [`PROCFS`]. Only facts libvirt also reports are read: PCI vendor and
//! product ids, network interfaces and their MAC addresses, the online
//! CPUs, the machine architecture, and which libvirt daemons run.

use crate::virt::caps::parse_cpu_list;
use std::collections::BTreeMap;
use std::path::Path;

/// Where sysfs is mounted.
pub const SYSFS: &str = "/sys";
/// Where procfs is mounted.
pub const PROCFS: &str = "/proc";

/// The machine architecture as `uname -m` prints it (`x86_64`, `aarch64`).
pub fn machine() -> String {
    // SAFETY: utsname is plain old data; uname fills it or fails.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return String::new();
    }
    // SAFETY: uname NUL-terminates the field within its array.
    unsafe { std::ffi::CStr::from_ptr(u.machine.as_ptr()) }
        .to_string_lossy()
        .into_owned()
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

/// The host's network interfaces and their MAC addresses (lower case),
/// from `<sysfs>/class/net`.
pub fn net_interfaces(sysfs: &Path) -> Result<BTreeMap<String, String>, String> {
    let dir = sysfs.join("class/net");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut out = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // An interface removed while listing has no address any more.
        let Ok(mac) = std::fs::read_to_string(entry.path().join("address")) else {
            continue;
        };
        out.insert(name, mac.trim().to_ascii_lowercase());
    }
    Ok(out)
}

/// The libvirt daemons that may serve a local URI.
pub const DAEMON_NAMES: [&str; 4] = ["libvirtd", "virtqemud", "virtproxyd", "virtnodedevd"];

/// The running processes whose command name is one of `names`, as
/// `(pid, name)`, from `<procfs>/<pid>/comm`, sorted by pid.
pub fn processes_named(procfs: &Path, names: &[&str]) -> Result<Vec<(u32, String)>, String> {
    let entries =
        std::fs::read_dir(procfs).map_err(|e| format!("cannot list {}: {e}", procfs.display()))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // A process that exits while listing has no comm any more.
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else {
            continue;
        };
        let comm = comm.trim();
        if names.contains(&comm) {
            out.push((pid, comm.to_string()));
        }
    }
    out.sort();
    Ok(out)
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
        write(root, "class/net/eth0/address", "02:FC:00:00:00:01\n");
        write(root, "class/net/lo/address", "00:00:00:00:00:00\n");
        // Being removed: no address file.
        fs::create_dir_all(root.join("class/net/gone")).expect("mkdir");

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
        let net = net_interfaces(root).expect("net");
        assert_eq!(net.len(), 2);
        assert_eq!(net["eth0"], "02:fc:00:00:00:01");
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
        write(root, "12/comm", "libvirtd\n");
        write(root, "7/comm", "virtqemud\n");
        write(root, "30/comm", "libvirtd-other\n");
        write(root, "self/comm", "libvirtd\n");
        write(root, "40/status", "no comm\n");
        assert_eq!(
            processes_named(root, &DAEMON_NAMES).expect("procs"),
            vec![(7, "virtqemud".to_string()), (12, "libvirtd".to_string())]
        );
    }

    #[test]
    fn this_host_answers() {
        assert!(!machine().is_empty());
        let cpus = online_cpus(Path::new(SYSFS)).expect("online cpus");
        assert!(cpus.contains(&0), "{cpus:?}");
        let net = net_interfaces(Path::new(SYSFS)).expect("net");
        assert!(net.contains_key("lo"), "{net:?}");
    }
}
