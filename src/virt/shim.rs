//! Safe replacements for `virt` 0.5 wrappers that are wrong or missing.
//!
//! - `Secret::usage_id` frees the string `virSecretGetUsageID` returns, but
//!   libvirt owns it: the second free aborts the process ("double free
//!   detected"). Use [`secret_usage_id`].
//! - `virDomainSave` and `virDomainMemoryPeek` have no wrapper: use
//!   [`domain_save`] and [`domain_memory_peek`].
//! - `Domain::state` swallows errors; use [`domain_state`].
//! - Stream "all" transfers and event callbacks, storage pool capabilities: see
//!   [`stream`] and [`storage`] (re-exported here).
//!
//! (The other wrappers that swallow errors — `Domain::attach_device`,
//! `set_memory`, `block_info` — have `*_flags` forms in `virt` itself; see
//! COMMON.md.)

pub mod storage;
pub mod stream;

pub use storage::storage_pool_capabilities;
pub use stream::{stream_recv_all, stream_send_all, StreamWatch};

use super::error::LibvirtError;
use std::ffi::CString;
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
fn last_error() -> LibvirtError {
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
}
