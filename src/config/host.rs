//! Checks of the configuration against the host: what it names must exist,
//! and what a test may destroy must not be in use.
//!
//! The resources are the ones a script may overwrite or take away from the
//! host, so beyond existence a few cheap safety checks run: a block device
//! must be a whole disk of exactly the configured size, not mounted, not
//! swap, not held by LVM/md/dm; a network device must not carry the default
//! route. NFS exports and iSCSI targets live on other hosts: only their form
//! is checked (at parse time), their reachability is the script's business.

use super::error::ConfigError;
use super::{BlockDevice, Config, UsbDevice};
use crate::virt::host;
use std::fs;
use std::path::{Path, PathBuf};

pub(super) fn check(c: &Config) -> Result<(), ConfigError> {
    let origin = c.source.to_string();
    let err = |key: &str, msg: String| {
        let base = key.split('[').next().unwrap_or(key);
        let line = c.line_of_key(key).or_else(|| c.line_of_key(base));
        ConfigError::at(&origin, line, key, msg)
    };

    check_scratch(&c.scratch_dir).map_err(|m| err("scratch_dir", m))?;

    for (key, path) in [
        ("kernel", &c.kernel),
        ("initrd", &c.initrd),
        ("busybox", &c.busybox),
    ] {
        if let Some(p) = path {
            match fs::metadata(p) {
                Ok(m) if m.is_file() => {}
                Ok(_) => return Err(err(key, format!("{} is not a regular file", p.display()))),
                Err(e) => {
                    return Err(err(
                        key,
                        format!(
                            "{} cannot be used: {e} (fix the path, or remove the key to use prepared guest media)",
                            p.display()
                        ),
                    ))
                }
            }
        }
    }

    for (i, u) in c.usb_devices.iter().enumerate() {
        if !usb_present(Path::new("/sys/bus/usb/devices"), u) {
            let what = match u {
                UsbDevice::Id { vendor, product } => {
                    format!("no USB device with id {vendor:04x}:{product:04x}")
                }
                UsbDevice::Address { bus, device } => {
                    format!("no USB device at bus {bus} device {device}")
                }
            };
            return Err(err(
                &format!("usb_devices[{i}]"),
                format!("{what} on this host (see `lsusb`)"),
            ));
        }
    }

    for (i, p) in c.pci_devices.iter().enumerate() {
        if !host::pci_device_exists(Path::new(host::SYSFS), &p.address()) {
            return Err(err(
                &format!("pci_devices[{i}]"),
                format!(
                    "no PCI device {} on this host (see `lspci -D`)",
                    p.address()
                ),
            ));
        }
    }

    for (i, b) in c.block_devices.iter().enumerate() {
        check_block(b).map_err(|m| err(&format!("block_devices[{i}]"), m))?;
    }

    let default_route: Vec<String> = host::net::routes(Path::new(host::PROCFS))
        .into_iter()
        .filter(|r| r.is_default())
        .map(|r| r.iface)
        .collect();
    for (i, n) in c.network_devices.iter().enumerate() {
        let key = format!("network_devices[{i}]");
        if !host::net::link_exists(n) {
            return Err(err(
                &key,
                format!("no network interface {n:?} on this host (see `ip link`)"),
            ));
        }
        if default_route.iter().any(|d| d == n) {
            return Err(err(
                &key,
                format!(
                    "{n:?} carries the default route: a test may take it down and cut the host off; name a spare interface"
                ),
            ));
        }
    }

    if let Some(d) = &c.free_space_dir {
        if !d.is_dir() {
            return Err(err(
                "free_space_dir",
                format!("{} is not an existing directory", d.display()),
            ));
        }
        writable(d).map_err(|e| {
            err(
                "free_space_dir",
                format!("{} is not writable: {e}", d.display()),
            )
        })?;
    }
    Ok(())
}

/// Create the scratch directory if needed and prove it is writable.
fn check_scratch(dir: &Path) -> Result<(), String> {
    scratch_problem(dir).map_or(Ok(()), |m| {
        Err(format!("{m}; set `scratch_dir` to a writable directory"))
    })
}

/// Why `dir` cannot serve as the scratch directory (it is created if
/// missing, then a file is written and removed in it), or `None` when it can.
pub(crate) fn scratch_problem(dir: &Path) -> Option<String> {
    if let Err(e) = fs::create_dir_all(dir) {
        return Some(format!(
            "scratch directory {} cannot be created: {e}",
            dir.display()
        ));
    }
    writable(dir)
        .err()
        .map(|e| format!("scratch directory {} is not writable: {e}", dir.display()))
}

/// The first directory on the way to `dir` (itself included) that other
/// users cannot enter (no `o+x`): a system daemon's guests run as their own
/// user (QEMU's `libvirt-qemu`) and cannot open disk images below it.
pub(crate) fn closed_to_others(dir: &Path) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    dir.ancestors()
        .filter_map(|d| fs::metadata(d).ok().map(|m| (d, m)))
        .filter(|(_, m)| m.is_dir())
        .find(|(_, m)| m.permissions().mode() & 0o001 == 0)
        .map(|(d, _)| d.to_path_buf())
}

/// Whether a file can be created in `dir` (access(2) says yes to root even
/// on a read-only file system, so try for real).
fn writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".tck-write-probe-{}", std::process::id()));
    fs::write(&probe, b"")?;
    fs::remove_file(&probe)
}

fn read_trim(p: &Path) -> Option<String> {
    fs::read_to_string(p).ok().map(|s| s.trim().to_string())
}

fn usb_present(sysfs: &Path, dev: &UsbDevice) -> bool {
    let Ok(entries) = fs::read_dir(sysfs) else {
        return false;
    };
    entries.flatten().any(|e| {
        let d = e.path();
        match dev {
            UsbDevice::Id { vendor, product } => {
                let v = read_trim(&d.join("idVendor"));
                let p = read_trim(&d.join("idProduct"));
                v.and_then(|v| u16::from_str_radix(&v, 16).ok()) == Some(*vendor)
                    && p.and_then(|p| u16::from_str_radix(&p, 16).ok()) == Some(*product)
            }
            UsbDevice::Address { bus, device } => {
                read_trim(&d.join("busnum")).and_then(|b| b.parse().ok()) == Some(*bus)
                    && read_trim(&d.join("devnum")).and_then(|n| n.parse().ok()) == Some(*device)
            }
        }
    })
}

fn check_block(b: &BlockDevice) -> Result<(), String> {
    use std::os::unix::fs::FileTypeExt;
    let shown = b.path.display();
    let meta = fs::metadata(&b.path).map_err(|e| format!("{shown} cannot be used: {e}"))?;
    if !meta.file_type().is_block_device() {
        return Err(format!("{shown} is not a block device"));
    }
    let real = fs::canonicalize(&b.path).map_err(|e| format!("{shown}: {e}"))?;
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sys = Path::new("/sys/class/block").join(&name);
    if sys.join("partition").exists() {
        return Err(format!(
            "{shown} ({}) is a partition: only whole disks may be given",
            real.display()
        ));
    }
    let sectors: u64 = read_trim(&sys.join("size"))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{shown}: cannot read its size from {}", sys.display()))?;
    let actual = sectors * 512;
    if actual != b.size {
        return Err(format!(
            "{shown} is {actual} bytes, not the configured {} bytes: check that the path names the intended disk",
            b.size
        ));
    }
    // The disk and its partitions, by device name.
    let mut names = vec![name.clone()];
    if let Ok(entries) = fs::read_dir(&sys) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&name) && e.path().join("partition").exists() {
                names.push(n);
            }
        }
    }
    if let Some((dev, at)) = mounted(&names) {
        return Err(format!(
            "{shown} is in use: {dev} is mounted on {at}; a test would destroy it"
        ));
    }
    if let Some(dev) = swap(&names) {
        return Err(format!(
            "{shown} is in use: {dev} is swap space; a test would destroy it"
        ));
    }
    for n in &names {
        let holders = Path::new("/sys/class/block").join(n).join("holders");
        if let Ok(mut h) = fs::read_dir(&holders) {
            if let Some(Ok(holder)) = h.next() {
                return Err(format!(
                    "{shown} is in use: /dev/{n} is held by {} (LVM, md or device-mapper); a test would destroy it",
                    holder.file_name().to_string_lossy()
                ));
            }
        }
    }
    Ok(())
}

/// Device name of a `/dev/…` source, following symlinks (`/dev/disk/by-id/…`).
fn dev_name(source: &str) -> Option<String> {
    if !source.starts_with("/dev/") {
        return None;
    }
    let p = fs::canonicalize(source).unwrap_or_else(|_| PathBuf::from(source));
    p.file_name().map(|n| n.to_string_lossy().into_owned())
}

fn mounted(names: &[String]) -> Option<(String, String)> {
    let mounts = fs::read_to_string("/proc/self/mounts").ok()?;
    mounts.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        let src = f.next()?;
        let at = f.next()?;
        let n = dev_name(src)?;
        names
            .contains(&n)
            .then(|| (format!("/dev/{n}"), at.to_string()))
    })
}

fn swap(names: &[String]) -> Option<String> {
    let swaps = fs::read_to_string("/proc/swaps").ok()?;
    swaps.lines().skip(1).find_map(|l| {
        let n = dev_name(l.split_whitespace().next()?)?;
        names.contains(&n).then(|| format!("/dev/{n}"))
    })
}
