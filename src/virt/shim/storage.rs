//! Storage calls `virt` 0.5 has no wrapper for.

use crate::virt::error::LibvirtError;
use virt::connect::Connect;

/// `virConnectGetStoragePoolCapabilities`: the storage pool capabilities
/// XML (pool types, their source formats and volume formats). Since libvirt
/// 5.2; drivers without a storage backend (the test driver) answer
/// NO_SUPPORT.
pub fn storage_pool_capabilities(conn: &Connect) -> Result<String, LibvirtError> {
    // SAFETY: the connection pointer is valid while `conn` lives; libvirt
    // returns a string the caller owns (freed below) or NULL on error.
    unsafe {
        let p = virt::sys::virConnectGetStoragePoolCapabilities(conn.as_ptr(), 0);
        if p.is_null() {
            return Err(LibvirtError::from(virt::error::Error::last_error())
                .context("cannot get the storage pool capabilities"));
        }
        let s = std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned();
        libc::free(p.cast());
        Ok(s)
    }
}
