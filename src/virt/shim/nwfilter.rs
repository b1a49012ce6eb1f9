//! Network-filter bindings (`virConnectListAllNWFilterBindings`), which
//! `virt` 0.5 does not wrap.

/// A network-filter binding: a filter instantiated on a host device (one
/// per filtered NIC of a running guest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NwFilterBinding {
    pub port_dev: String,
    pub filter: String,
}

/// `virConnectListAllNWFilterBindings` (libvirt ≥ 4.5), which `virt` 0.5
/// does not wrap: every binding with its host device and filter name.
pub fn nwfilter_bindings(
    conn: &virt::connect::Connect,
) -> Result<Vec<NwFilterBinding>, virt::error::Error> {
    let mut list: *mut virt::sys::virNWFilterBindingPtr = std::ptr::null_mut();
    // SAFETY: the connection pointer is valid while `conn` lives; libvirt
    // allocates the array and stores it in `list`, or returns -1.
    let n = unsafe { virt::sys::virConnectListAllNWFilterBindings(conn.as_ptr(), &mut list, 0) };
    if n < 0 {
        return Err(virt::error::Error::last_error());
    }
    let cstr = |p: *const std::os::raw::c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: non-null strings returned by the getters are
            // NUL-terminated and owned by the binding, alive until it is freed.
            unsafe { std::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned()
        }
    };
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: `list` holds `n` valid binding pointers; each is read,
        // then freed once; the array itself is freed after the loop.
        unsafe {
            let b = *list.add(i);
            out.push(NwFilterBinding {
                port_dev: cstr(virt::sys::virNWFilterBindingGetPortDev(b)),
                filter: cstr(virt::sys::virNWFilterBindingGetFilterName(b)),
            });
            virt::sys::virNWFilterBindingFree(b);
        }
    }
    if !list.is_null() {
        // SAFETY: the array was allocated by libvirt with malloc.
        unsafe { libc::free(list.cast()) };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virt::builders::testutil::test_conn;
    use crate::virt::error::LibvirtError;

    #[test]
    fn nwfilter_bindings_on_a_driver_without_nwfilters_is_an_unsupported_error() {
        let conn = test_conn();
        let e = nwfilter_bindings(&conn).expect_err("the test driver has no nwfilter driver");
        assert!(LibvirtError::from(e).is_unsupported());
        conn.close().expect("close");
    }
}
