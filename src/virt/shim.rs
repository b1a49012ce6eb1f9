//! Safe replacements for `virt` 0.5 wrappers that are wrong.
//!
//! - `Secret::usage_id` frees the string `virSecretGetUsageID` returns, but
//!   libvirt owns it: the second free aborts the process ("double free
//!   detected"). Use [`secret_usage_id`].
//!
//! (The wrappers that swallow errors — `Domain::attach_device`,
//! `set_memory`, `state`, `block_info` — have `*_flags` forms in `virt`
//! itself; see COMMON.md.)

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
