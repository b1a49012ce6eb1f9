//! Safe replacements for `virt` 0.5 wrappers that are wrong or missing.
//!
//! - `Secret::usage_id` frees the string `virSecretGetUsageID` returns, but
//!   libvirt owns it: the second free aborts the process ("double free
//!   detected"). Use [`secret_usage_id`].
//! - `virDomainSave` and `virDomainMemoryPeek` have no wrapper: use
//!   [`domain_save`] and [`domain_memory_peek`].
//! - `Domain::state` swallows errors; use [`domain_state`].
//! - Checkpoints and domain lifecycle events have no wrappers: see
//!   [`checkpoint_event`].
//! - Stream "all" transfers and event callbacks, storage pool capabilities:
//!   see [`stream`] and [`storage`] (re-exported here).
//! - `Domain::block_info` ignores a failure and reads uninitialised memory;
//!   use [`domain_block_info`].
//! - `virDomainBlockPeek` and `virDomain{Get,Set}InterfaceParameters` have no
//!   wrapper: use [`domain_block_peek`], [`domain_interface_bandwidth`] and
//!   [`domain_set_interface_bandwidth`].
//! - `virInterfaceChangeBegin` / `Commit` / `Rollback` (host network
//!   configuration transactions) have no wrapper: use [`interface_change`].
//! - `virConnectListAllNWFilterBindings` and `virDomainGetSecurityLabel`
//!   have no wrapper: use [`nwfilter_bindings`] and
//!   [`domain_security_label`].
//!
//! (The other wrappers that swallow errors — `Domain::attach_device`,
//! `set_memory` — have `*_flags` forms in `virt` itself; see COMMON.md.)

mod checkpoint_event;
pub mod nwfilter;
pub mod security;
pub mod storage;
pub mod stream;

pub use checkpoint_event::*;
pub use nwfilter::{nwfilter_bindings, NwFilterBinding};
pub use security::domain_security_label;
pub use storage::storage_pool_capabilities;
pub use stream::{stream_recv_all, stream_send_all, StreamWatch};

use super::builders::{Bandwidth, Rate};
use super::error::LibvirtError;
use std::ffi::{CStr, CString};
use std::path::Path;
use virt::domain::Domain;
use virt::error::ErrorNumber;
use virt::secret::Secret;

/// The usage id of a secret (a volume path, a ceph/tls/vtpm name, an iSCSI
/// target), or `None` for a secret with no usage.
pub fn secret_usage_id(s: &Secret) -> Option<String> {
    // SAFETY: the secret pointer is valid while `s` lives; libvirt returns
    // a string it owns (valid as long as the secret object) or NULL; we copy
    // it and do not free it.
    unsafe {
        let p = virt::sys::virSecretGetUsageID(s.as_ptr());
        if p.is_null() {
            return None;
        }
        Some(std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}

/// `virDomainGetState` with its error: `(state, reason)` as libvirt's raw
/// numbers (`virt::sys::VIR_DOMAIN_*`). `Domain::state` in `virt` 0.5
/// ignores a failure and reports a bogus state instead.
pub fn domain_state(d: &virt::domain::Domain) -> Result<(u32, u32), virt::error::Error> {
    let mut state: std::os::raw::c_int = -1;
    let mut reason: std::os::raw::c_int = -1;
    // SAFETY: the domain pointer is valid while `d` lives; libvirt writes
    // the two ints or returns -1.
    let rc = unsafe { virt::sys::virDomainGetState(d.as_ptr(), &mut state, &mut reason, 0) };
    if rc < 0 {
        return Err(virt::error::Error::last_error());
    }
    Ok((state.max(0) as u32, reason.max(0) as u32))
}

/// A path as a C string; a path with a NUL byte cannot be given to libvirt.
fn c_path(path: &Path) -> Result<CString, LibvirtError> {
    CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| {
        LibvirtError::new(
            ErrorNumber::InvalidArg,
            format!("the path {path:?} contains a NUL byte"),
        )
    })
}

/// The last libvirt error of this thread, as a [`LibvirtError`].
pub(super) fn last_error() -> LibvirtError {
    LibvirtError::from(virt::error::Error::last_error())
}

/// `virDomainSave`: save a running domain's memory to `path` and stop it
/// (a persistent domain stays defined, inactive). The file is written by
/// the daemon, so `path` must be on the daemon's host and writable by it.
pub fn domain_save(dom: &Domain, path: &Path) -> Result<(), LibvirtError> {
    let to = c_path(path)?;
    // SAFETY: the domain pointer is valid while `dom` lives; `to` is a
    // NUL-terminated string that outlives the call, which only reads it.
    let rc = unsafe { virt::sys::virDomainSave(dom.as_ptr(), to.as_ptr()) };
    if rc < 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// `virDomainMemoryPeek`: read `buf.len()` bytes of the guest's memory at
/// `start` (`flags`: `VIR_MEMORY_VIRTUAL` or `VIR_MEMORY_PHYSICAL`).
pub fn domain_memory_peek(
    dom: &Domain,
    start: u64,
    buf: &mut [u8],
    flags: u32,
) -> Result<(), LibvirtError> {
    // SAFETY: the domain pointer is valid while `dom` lives; libvirt writes
    // at most `buf.len()` bytes into `buf`, which is valid and exclusively
    // borrowed for the call.
    let rc = unsafe {
        virt::sys::virDomainMemoryPeek(
            dom.as_ptr(),
            start,
            buf.len(),
            buf.as_mut_ptr().cast(),
            flags,
        )
    };
    if rc < 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// A name (disk target, interface device) as a C string.
fn c_name(name: &str) -> Result<CString, LibvirtError> {
    CString::new(name).map_err(|_| {
        LibvirtError::new(
            ErrorNumber::InvalidArg,
            format!("the name {name:?} contains a NUL byte"),
        )
    })
}

/// What `virDomainGetBlockInfo` reports about a disk, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    /// The size the guest sees.
    pub capacity: u64,
    /// Host storage in use (like `du`; for a running qcow2 disk, the
    /// highest offset written).
    pub allocation: u64,
    /// Host size of the container (like `ls -l` for a file).
    pub physical: u64,
}

/// `virDomainGetBlockInfo` for `disk` (a target such as `vda`, or the
/// source path), with libvirt's error when it fails.
pub fn domain_block_info(dom: &Domain, disk: &str, flags: u32) -> Result<BlockInfo, LibvirtError> {
    let disk = c_name(disk)?;
    let mut info = virt::sys::virDomainBlockInfo {
        capacity: 0,
        allocation: 0,
        physical: 0,
    };
    // SAFETY: the domain pointer is valid while `dom` lives, `disk` is a
    // NUL-terminated string outliving the call, and `info` is a valid
    // struct libvirt fills in (or leaves alone when it returns -1).
    let rc =
        unsafe { virt::sys::virDomainGetBlockInfo(dom.as_ptr(), disk.as_ptr(), &mut info, flags) };
    if rc < 0 {
        return Err(last_error());
    }
    Ok(BlockInfo {
        capacity: info.capacity,
        allocation: info.allocation,
        physical: info.physical,
    })
}

/// `virDomainBlockPeek`: read `buf.len()` bytes of `disk` at `offset`, as
/// the guest sees the disk (only raw images can be read this way).
pub fn domain_block_peek(
    dom: &Domain,
    disk: &str,
    offset: u64,
    buf: &mut [u8],
) -> Result<(), LibvirtError> {
    let disk = c_name(disk)?;
    // SAFETY: the domain pointer is valid while `dom` lives; `disk` is a
    // NUL-terminated string outliving the call; libvirt writes at most
    // `buf.len()` bytes into `buf`, which is exclusively borrowed.
    let rc = unsafe {
        virt::sys::virDomainBlockPeek(
            dom.as_ptr(),
            disk.as_ptr(),
            offset,
            buf.len(),
            buf.as_mut_ptr().cast(),
            0,
        )
    };
    if rc < 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// The typed-parameter names of interface bandwidth, in the order
/// (inbound average, peak, burst, floor, outbound average, peak, burst).
const BANDWIDTH_PARAMS: [&CStr; 7] = [
    virt::sys::VIR_DOMAIN_BANDWIDTH_IN_AVERAGE,
    virt::sys::VIR_DOMAIN_BANDWIDTH_IN_PEAK,
    virt::sys::VIR_DOMAIN_BANDWIDTH_IN_BURST,
    virt::sys::VIR_DOMAIN_BANDWIDTH_IN_FLOOR,
    virt::sys::VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE,
    virt::sys::VIR_DOMAIN_BANDWIDTH_OUT_PEAK,
    virt::sys::VIR_DOMAIN_BANDWIDTH_OUT_BURST,
];

/// The seven values of [`BANDWIDTH_PARAMS`] for a bandwidth (`None` for
/// what it does not set).
fn bandwidth_values(b: &Bandwidth) -> [Option<u64>; 7] {
    let i = b.inbound.unwrap_or_default();
    let o = b.outbound.unwrap_or_default();
    [
        i.average, i.peak, i.burst, i.floor, o.average, o.peak, o.burst,
    ]
}

/// A bandwidth from the seven values libvirt reports, where 0 means unset;
/// a direction with nothing set is `None`.
fn bandwidth_from_values(v: [u64; 7]) -> Bandwidth {
    let some = |x: u64| (x != 0).then_some(x);
    let rate = |r: Rate| (r != Rate::default()).then_some(r);
    Bandwidth {
        inbound: rate(Rate {
            average: some(v[0]),
            peak: some(v[1]),
            burst: some(v[2]),
            floor: some(v[3]),
        }),
        outbound: rate(Rate {
            average: some(v[4]),
            peak: some(v[5]),
            burst: some(v[6]),
            floor: None,
        }),
    }
}

/// `virDomainGetInterfaceParameters`: the bandwidth of the interface
/// `device` (its host device name or MAC address); `flags` are
/// `VIR_DOMAIN_AFFECT_*`. Rates in KiB/s, burst in KiB.
pub fn domain_interface_bandwidth(
    dom: &Domain,
    device: &str,
    flags: u32,
) -> Result<Bandwidth, LibvirtError> {
    let device = c_name(device)?;
    let mut n: std::os::raw::c_int = 0;
    // SAFETY: with a NULL array and *n == 0 libvirt only stores the number
    // of parameters in `n`; the pointers are valid for the call.
    let rc = unsafe {
        virt::sys::virDomainGetInterfaceParameters(
            dom.as_ptr(),
            device.as_ptr(),
            std::ptr::null_mut(),
            &mut n,
            flags,
        )
    };
    if rc < 0 {
        return Err(last_error());
    }
    let len = usize::try_from(n).unwrap_or(0);
    // SAFETY: virTypedParameter is plain C data (a name array, an int and
    // a union); all-zero is a valid value of it.
    let mut params: Vec<virt::sys::virTypedParameter> = vec![unsafe { std::mem::zeroed() }; len];
    // SAFETY: `params` holds `n` elements for libvirt to fill; it writes at
    // most `n` and updates `n` to how many it wrote.
    let rc = unsafe {
        virt::sys::virDomainGetInterfaceParameters(
            dom.as_ptr(),
            device.as_ptr(),
            params.as_mut_ptr(),
            &mut n,
            flags,
        )
    };
    if rc < 0 {
        return Err(last_error());
    }
    let mut values = [0u64; 7];
    for (slot, name) in values.iter_mut().zip(BANDWIDTH_PARAMS) {
        let mut v: std::os::raw::c_uint = 0;
        // SAFETY: `params` holds `n` initialised parameters; `name` is a
        // NUL-terminated constant; libvirt writes `v` only when found.
        let found = unsafe {
            virt::sys::virTypedParamsGetUInt(params.as_mut_ptr(), n, name.as_ptr(), &mut v)
        };
        if found == 1 {
            *slot = u64::from(v);
        }
    }
    // SAFETY: frees what libvirt allocated inside the parameters (strings);
    // the array itself is ours and dropped with the Vec.
    unsafe { virt::sys::virTypedParamsClear(params.as_mut_ptr(), n) };
    Ok(bandwidth_from_values(values))
}

/// `virDomainSetInterfaceParameters`: set the given parts of the bandwidth
/// of the interface `device` (what is `None` is left as it is; 0 clears).
/// A value over `u32::MAX` is refused before calling libvirt.
pub fn domain_set_interface_bandwidth(
    dom: &Domain,
    device: &str,
    bandwidth: &Bandwidth,
    flags: u32,
) -> Result<(), LibvirtError> {
    let device = c_name(device)?;
    let mut params: virt::sys::virTypedParameterPtr = std::ptr::null_mut();
    let mut n: std::os::raw::c_int = 0;
    let mut max: std::os::raw::c_int = 0;
    let mut result = Ok(());
    for (value, name) in bandwidth_values(bandwidth)
        .into_iter()
        .zip(BANDWIDTH_PARAMS)
    {
        let Some(value) = value else { continue };
        let Ok(value) = u32::try_from(value) else {
            result = Err(LibvirtError::new(
                ErrorNumber::InvalidArg,
                format!(
                    "{} = {value} does not fit libvirt's unsigned int",
                    name.to_string_lossy()
                ),
            ));
            break;
        };
        // SAFETY: `params`/`n`/`max` form the growable array libvirt's
        // virTypedParamsAdd* functions manage; `name` is NUL-terminated.
        let rc = unsafe {
            virt::sys::virTypedParamsAddUInt(&mut params, &mut n, &mut max, name.as_ptr(), value)
        };
        if rc < 0 {
            result = Err(last_error());
            break;
        }
    }
    if result.is_ok() {
        // SAFETY: the domain pointer is valid while `dom` lives; `params`
        // holds `n` parameters built above (NULL when n == 0).
        let rc = unsafe {
            virt::sys::virDomainSetInterfaceParameters(
                dom.as_ptr(),
                device.as_ptr(),
                params,
                n,
                flags,
            )
        };
        if rc < 0 {
            result = Err(last_error());
        }
    }
    // SAFETY: frees the array allocated by virTypedParamsAddUInt (a no-op
    // on NULL).
    unsafe { virt::sys::virTypedParamsFree(params, n) };
    result
}

/// A step of a host network configuration transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterfaceChange {
    /// `virInterfaceChangeBegin`: snapshot the configuration.
    Begin,
    /// `virInterfaceChangeCommit`: keep the changes since the snapshot.
    Commit,
    /// `virInterfaceChangeRollback`: restore the snapshot.
    Rollback,
}

/// `virInterfaceChange{Begin,Commit,Rollback}` on `conn`.
pub fn interface_change(
    conn: &virt::connect::Connect,
    step: InterfaceChange,
) -> Result<(), LibvirtError> {
    let f = match step {
        InterfaceChange::Begin => virt::sys::virInterfaceChangeBegin,
        InterfaceChange::Commit => virt::sys::virInterfaceChangeCommit,
        InterfaceChange::Rollback => virt::sys::virInterfaceChangeRollback,
    };
    // SAFETY: the connection pointer is valid while `conn` lives; the
    // three functions take only it and flags (0).
    let rc = unsafe { f(conn.as_ptr(), 0) };
    if rc < 0 {
        return Err(last_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virt::connection::Connection;

    /// test:///default is one shared driver per process: each test uses
    /// its own name.
    fn xml(name: &str) -> String {
        format!(
            "<domain type='test'><name>{name}</name><memory>65536</memory>\
             <os><type arch='i686'>hvm</type></os></domain>"
        )
    }

    #[test]
    fn save_stops_the_domain_and_restore_brings_it_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let img = dir.path().join("dom.img");
        let conn = Connection::open("test:///default").expect("test driver");
        let dom = conn
            .create_domain_xml(&xml("tck-shim-save"), 0)
            .expect("create");
        domain_save(&dom, &img).expect("save");
        assert!(img.exists(), "the image is written");
        let e = conn
            .lookup_domain_by_name("tck-shim-save")
            .expect_err("gone");
        assert!(LibvirtError::from(e).is(ErrorNumber::NoDomain));
        conn.restore_domain(&img.display().to_string())
            .expect("restore");
        let back = conn.lookup_domain_by_name("tck-shim-save").expect("back");
        assert!(back.is_active().expect("state"));
        // Saving an inactive domain is an error carrying libvirt's code.
        back.destroy().expect("destroy");
        let def = conn
            .define_domain_xml(&xml("tck-shim-save"))
            .expect("define");
        let e = domain_save(&def, &img).expect_err("inactive");
        assert!(e.is(ErrorNumber::OperationInvalid), "{e}");
        let e = domain_save(&def, Path::new("a\0b")).expect_err("NUL");
        assert!(e.is(ErrorNumber::InvalidArg), "{e}");
        def.undefine().expect("undefine");
        conn.close().expect("close");
    }

    #[test]
    fn memory_peek_reads_and_reports_libvirt_errors() {
        let conn = Connection::open("test:///default").expect("test driver");
        let def = conn
            .define_domain_xml(&xml("tck-shim-peek"))
            .expect("define");
        let mut buf = [0u8; 16];
        let e = domain_memory_peek(&def, 0, &mut buf, virt::sys::VIR_MEMORY_VIRTUAL)
            .expect_err("inactive");
        assert!(e.is(ErrorNumber::OperationInvalid), "{e}");
        def.create().expect("start");
        domain_memory_peek(&def, 0, &mut buf, virt::sys::VIR_MEMORY_VIRTUAL).expect("peek");
        def.destroy().expect("destroy");
        def.undefine().expect("undefine");
        conn.close().expect("close");
    }

    #[test]
    fn block_info_and_peek_report_results_and_libvirt_errors() {
        let conn = Connection::open("test:///default").expect("test driver");
        let name = "tck-shim-blk";
        let dom = conn
            .create_domain_xml(
                &format!(
                    "<domain type='test'><name>{name}</name><memory>65536</memory>\
                     <os><type arch='i686'>hvm</type></os><devices>\
                     <disk type='file' device='disk'><source file='/guest/x.img'/>\
                     <target dev='vda' bus='virtio'/></disk></devices></domain>"
                ),
                0,
            )
            .expect("create");
        let info = domain_block_info(&dom, "vda", 0).expect("block info");
        assert!(info.capacity > 0 && info.physical > 0, "{info:?}");
        let e = domain_block_info(&dom, "vdz", 0).expect_err("no such disk");
        assert!(e.is(ErrorNumber::InvalidArg), "{e}");
        let e = domain_block_info(&dom, "v\0a", 0).expect_err("NUL");
        assert!(e.is(ErrorNumber::InvalidArg), "{e}");
        // The test driver has no block peek: the error comes through.
        let mut buf = [0u8; 8];
        let e = domain_block_peek(&dom, "vda", 0, &mut buf).expect_err("unsupported");
        assert!(e.is_unsupported(), "{e}");
        dom.destroy().expect("destroy");
        conn.close().expect("close");
    }

    #[test]
    fn interface_bandwidth_round_trips_and_reports_libvirt_errors() {
        let conn = Connection::open("test:///default").expect("test driver");
        let name = "tck-shim-bw";
        let dom = conn
            .create_domain_xml(
                &format!(
                    "<domain type='test'><name>{name}</name><memory>65536</memory>\
                     <os><type arch='i686'>hvm</type></os><devices>\
                     <interface type='network'><mac address='52:54:00:00:00:01'/>\
                     <source network='default'/><target dev='tckshim0'/></interface>\
                     </devices></domain>"
                ),
                0,
            )
            .expect("create");
        let live = virt::sys::VIR_DOMAIN_AFFECT_LIVE;
        assert_eq!(
            domain_interface_bandwidth(&dom, "tckshim0", live).expect("get"),
            Bandwidth::default(),
            "nothing set yet"
        );
        let want = Bandwidth {
            inbound: Some(Rate::average(1000).peak(2000).burst(512)),
            outbound: Some(Rate::average(500).peak(800).burst(256)),
        };
        domain_set_interface_bandwidth(&dom, "tckshim0", &want, live).expect("set");
        assert_eq!(
            domain_interface_bandwidth(&dom, "tckshim0", live).expect("get"),
            want
        );
        let e = domain_interface_bandwidth(&dom, "nosuch0", live).expect_err("unknown");
        assert!(e.is(ErrorNumber::InvalidArg), "{e}");
        let too_big = Bandwidth {
            inbound: Some(Rate::average(u64::from(u32::MAX) + 1)),
            outbound: None,
        };
        let e =
            domain_set_interface_bandwidth(&dom, "tckshim0", &too_big, live).expect_err("over u32");
        assert!(e.is(ErrorNumber::InvalidArg), "{e}");
        dom.destroy().expect("destroy");
        conn.close().expect("close");
    }

    #[test]
    fn interface_transactions_on_the_test_driver() {
        let conn = Connection::open("test:///default").expect("test driver");
        interface_change(&conn, InterfaceChange::Begin).expect("begin");
        let e = interface_change(&conn, InterfaceChange::Begin).expect_err("nested");
        assert!(e.is(ErrorNumber::OperationInvalid), "{e}");
        interface_change(&conn, InterfaceChange::Rollback).expect("rollback");
        let e = interface_change(&conn, InterfaceChange::Commit).expect_err("none open");
        assert!(e.is(ErrorNumber::OperationInvalid), "{e}");
        conn.close().expect("close");
    }
}
