//! Safe replacements for `virt` 0.5 wrappers that are wrong.
//!
//! - `Secret::usage_id` frees the string `virSecretGetUsageID` returns, but
//!   libvirt owns it: the second free aborts the process ("double free
//!   detected"). Use [`secret_usage_id`].
//!
//! - `Domain::state` swallows errors; use [`domain_state`].
//!
//! (The other wrappers that swallow errors — `Domain::attach_device`,
//! `set_memory`, `block_info` — have `*_flags` forms in `virt` itself; see
//! COMMON.md.)

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
