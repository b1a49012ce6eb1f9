//! Safe replacements for `virt` 0.5 wrappers that are wrong.
//!
//! - `Secret::usage_id` frees the string `virSecretGetUsageID` returns, but
//!   libvirt owns it: the second free aborts the process ("double free
//!   detected"). Use [`secret_usage_id`].
//!
//! - `Domain::state` swallows errors; use [`domain_state`].
//!
//! - `virDomainSetInterfaceParameters` / `virDomainGetInterfaceParameters`
//!   (an interface's bandwidth) have no wrapper: [`set_interface_parameters`]
//!   and [`interface_parameters`].
//!
//! - `virConnectListAllNWFilterBindings` has no wrapper:
//!   [`nwfilter_bindings`].
//!
//! - `virDomainGetSecurityLabel` has no wrapper: [`domain_security_label`].
//!
//! (The other wrappers that swallow errors — `Domain::attach_device`,
//! `set_memory`, `block_info` — have `*_flags` forms in `virt` itself; see
//! COMMON.md.)

use super::error::LibvirtError;
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

/// An interface's bandwidth as `virDomain{Get,Set}InterfaceParameters`
/// carry it: averages, peaks and floor in KiB/s, bursts in KiB. `None` is
/// "not sent"; libvirt reports 0 for "no limit". On set, drivers replace a
/// whole direction when any of its fields is sent (its other fields become
/// 0) and keep a direction none of whose fields is sent; an average of 0
/// removes that direction's limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InterfaceBandwidth {
    pub in_average: Option<u32>,
    pub in_peak: Option<u32>,
    pub in_burst: Option<u32>,
    /// Guaranteed minimum inbound rate (only on a network with inbound QoS).
    pub in_floor: Option<u32>,
    pub out_average: Option<u32>,
    pub out_peak: Option<u32>,
    pub out_burst: Option<u32>,
}

impl InterfaceBandwidth {
    /// The fields with libvirt's parameter names (`inbound.average`…).
    fn fields(&self) -> [(&'static std::ffi::CStr, Option<u32>); 7] {
        use virt::sys::*;
        [
            (VIR_DOMAIN_BANDWIDTH_IN_AVERAGE, self.in_average),
            (VIR_DOMAIN_BANDWIDTH_IN_PEAK, self.in_peak),
            (VIR_DOMAIN_BANDWIDTH_IN_BURST, self.in_burst),
            (VIR_DOMAIN_BANDWIDTH_IN_FLOOR, self.in_floor),
            (VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE, self.out_average),
            (VIR_DOMAIN_BANDWIDTH_OUT_PEAK, self.out_peak),
            (VIR_DOMAIN_BANDWIDTH_OUT_BURST, self.out_burst),
        ]
    }

    fn set(&mut self, name: &[u8], value: u32) {
        use virt::sys::*;
        let slot = match name {
            n if n == VIR_DOMAIN_BANDWIDTH_IN_AVERAGE.to_bytes() => &mut self.in_average,
            n if n == VIR_DOMAIN_BANDWIDTH_IN_PEAK.to_bytes() => &mut self.in_peak,
            n if n == VIR_DOMAIN_BANDWIDTH_IN_BURST.to_bytes() => &mut self.in_burst,
            n if n == VIR_DOMAIN_BANDWIDTH_IN_FLOOR.to_bytes() => &mut self.in_floor,
            n if n == VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE.to_bytes() => &mut self.out_average,
            n if n == VIR_DOMAIN_BANDWIDTH_OUT_PEAK.to_bytes() => &mut self.out_peak,
            n if n == VIR_DOMAIN_BANDWIDTH_OUT_BURST.to_bytes() => &mut self.out_burst,
            _ => return, // a parameter newer than this code knows
        };
        *slot = Some(value);
    }
}

/// A typed parameter holding an unsigned int.
fn uint_param(name: &std::ffi::CStr, value: u32) -> virt::sys::virTypedParameter {
    let mut field = [0 as std::os::raw::c_char; 80];
    // Field names are libvirt's constants, far shorter than 80 bytes; the
    // last byte stays NUL whatever happens.
    for (dst, src) in field.iter_mut().zip(name.to_bytes().iter().take(79)) {
        *dst = *src as std::os::raw::c_char;
    }
    virt::sys::virTypedParameter {
        field,
        type_: virt::sys::VIR_TYPED_PARAM_UINT as i32,
        value: virt::sys::_virTypedParameterValue { ui: value },
    }
}

fn device_cstring(device: &str) -> Result<std::ffi::CString, LibvirtError> {
    std::ffi::CString::new(device).map_err(|_| {
        LibvirtError::new(
            virt::error::ErrorNumber::InvalidArg,
            format!("interface name {device:?} contains a NUL byte"),
        )
    })
}

/// `virDomainSetInterfaceParameters`: set the bandwidth of the interface
/// `device` (its target device name or MAC address) for `flags`
/// (`VIR_DOMAIN_AFFECT_*`). Only the fields that are `Some` are sent.
pub fn set_interface_parameters(
    d: &virt::domain::Domain,
    device: &str,
    bw: &InterfaceBandwidth,
    flags: u32,
) -> Result<(), LibvirtError> {
    let dev = device_cstring(device)?;
    let mut params: Vec<virt::sys::virTypedParameter> = bw
        .fields()
        .iter()
        .filter_map(|(name, v)| v.map(|v| uint_param(name, v)))
        .collect();
    // SAFETY: the domain pointer is valid while `d` lives; `dev` is a
    // NUL-terminated string and `params` an array of `params.len()`
    // initialised typed parameters holding no pointers, both alive for the
    // call; libvirt only reads them.
    let rc = unsafe {
        virt::sys::virDomainSetInterfaceParameters(
            d.as_ptr(),
            dev.as_ptr(),
            params.as_mut_ptr(),
            params.len() as std::os::raw::c_int,
            flags,
        )
    };
    if rc < 0 {
        return Err(virt::error::Error::last_error().into());
    }
    Ok(())
}

/// `virDomainGetInterfaceParameters`: the bandwidth of the interface
/// `device` (target device name or MAC address) for `flags`
/// (`VIR_DOMAIN_AFFECT_*`).
pub fn interface_parameters(
    d: &virt::domain::Domain,
    device: &str,
    flags: u32,
) -> Result<InterfaceBandwidth, LibvirtError> {
    let dev = device_cstring(device)?;
    let mut n: std::os::raw::c_int = 0;
    // SAFETY: with a NULL array and *n == 0 libvirt only writes the number
    // of parameters into `n`.
    let rc = unsafe {
        virt::sys::virDomainGetInterfaceParameters(
            d.as_ptr(),
            dev.as_ptr(),
            std::ptr::null_mut(),
            &mut n,
            flags,
        )
    };
    if rc < 0 {
        return Err(virt::error::Error::last_error().into());
    }
    let count = n.max(0) as usize;
    let mut params = vec![uint_param(c"", 0); count];
    // SAFETY: `params` has room for `n` parameters; libvirt fills at most
    // that many and sets `n` to how many it filled.
    let rc = unsafe {
        virt::sys::virDomainGetInterfaceParameters(
            d.as_ptr(),
            dev.as_ptr(),
            params.as_mut_ptr(),
            &mut n,
            flags,
        )
    };
    if rc < 0 {
        return Err(virt::error::Error::last_error().into());
    }
    let filled = (n.max(0) as usize).min(count);
    let mut bw = InterfaceBandwidth::default();
    for p in &params[..filled] {
        if p.type_ == virt::sys::VIR_TYPED_PARAM_UINT as i32 {
            // SAFETY: `field` is NUL-terminated within its 80 bytes (libvirt
            // writes names of at most 79 bytes), and a UINT parameter's
            // value is its `ui` member.
            let name = unsafe { std::ffi::CStr::from_ptr(p.field.as_ptr()) };
            bw.set(name.to_bytes(), unsafe { p.value.ui });
        }
    }
    // SAFETY: the parameters came from libvirt; clearing frees any string
    // values (there are none for bandwidth, but a future parameter could
    // be one) and leaves the Vec's own memory to Rust.
    unsafe { virt::sys::virTypedParamsClear(params.as_mut_ptr(), filled as std::os::raw::c_int) };
    Ok(bw)
}

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

/// `virDomainGetSecurityLabel`, which `virt` 0.5 does not wrap: the
/// running guest's process label in the driver's primary security model
/// and whether that model enforces (an inactive guest has an empty label).
pub fn domain_security_label(
    d: &virt::domain::Domain,
) -> Result<(String, bool), virt::error::Error> {
    // SAFETY: an all-zero virSecurityLabel is valid (empty label).
    let mut sl: virt::sys::virSecurityLabel = unsafe { std::mem::zeroed() };
    // SAFETY: the domain pointer is valid while `d` lives; libvirt fills
    // the struct, whose label buffer is NUL-terminated on success.
    let rc = unsafe { virt::sys::virDomainGetSecurityLabel(d.as_ptr(), &mut sl) };
    if rc < 0 {
        return Err(virt::error::Error::last_error());
    }
    let bytes: Vec<u8> = sl
        .label
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    Ok((
        String::from_utf8_lossy(&bytes).into_owned(),
        sl.enforcing == 1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virt::builders::testutil::test_conn;
    use crate::virt::builders::{DomainBuilder, Interface, Rate};

    #[test]
    fn security_label_of_a_test_driver_domain() {
        let conn = test_conn();
        let dom = conn
            .lookup_domain_by_name("test")
            .expect("the test driver's domain");
        let (label, _enforcing) = domain_security_label(&dom).expect("label");
        // The test driver's model labels nothing.
        assert!(label.len() < 4097);
        conn.close().expect("close");
    }

    #[test]
    fn nwfilter_bindings_on_a_driver_without_nwfilters_is_an_unsupported_error() {
        let conn = test_conn();
        let e = nwfilter_bindings(&conn).expect_err("the test driver has no nwfilter driver");
        assert!(LibvirtError::from(e).is_unsupported());
        conn.close().expect("close");
    }

    #[test]
    fn interface_bandwidth_round_trips_on_the_test_driver() {
        let conn = test_conn();
        let mac = "52:54:00:7e:51:01";
        let xml = DomainBuilder::new("test", "tck-shim-ifparams")
            .interface(
                Interface::network("default")
                    .mac(mac)
                    .bandwidth_in(Rate::average(1000).floor(200)),
            )
            .as_xml();
        let dom = conn
            .create_domain_xml(&xml, 0)
            .unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let live = virt::sys::VIR_DOMAIN_AFFECT_LIVE;
        let got = interface_parameters(&dom, mac, live).expect("get by MAC");
        assert_eq!(got.in_average, Some(1000));
        assert_eq!(got.in_floor, Some(200));
        assert_eq!(got.out_average, Some(0), "reported as 0 = no limit");

        let change = InterfaceBandwidth {
            in_average: Some(3000),
            // A direction whose average is 0 has no limits at all, so a
            // peak needs an average.
            out_average: Some(2000),
            out_peak: Some(4000),
            ..Default::default()
        };
        set_interface_parameters(&dom, mac, &change, live).expect("set");
        let got = interface_parameters(&dom, mac, live).expect("get again");
        assert_eq!(got.in_average, Some(3000));
        assert_eq!((got.out_average, got.out_peak), (Some(2000), Some(4000)));

        let e = interface_parameters(&dom, "52:54:00:00:00:99", live).expect_err("no such NIC");
        assert!(!e.message().is_empty(), "{e}");
        let e = set_interface_parameters(&dom, "a\0b", &change, live).expect_err("NUL");
        assert!(e.is(virt::error::ErrorNumber::InvalidArg), "{e}");
        dom.destroy().expect("destroy");
    }
}
