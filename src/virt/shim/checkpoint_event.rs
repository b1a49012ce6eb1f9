//! Checkpoints and domain lifecycle events: `virt` 0.5 binds neither
//! (checkpoints, libvirt 5.6, have no wrapper type at all; the only event
//! API is the raw `virConnectDomainEventRegisterAny`), so both are reached
//! through `virt::sys`.

use super::last_error;
use crate::virt::error::LibvirtError;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use virt::domain::Domain;
use virt::error::ErrorNumber;

/// A domain checkpoint (`virDomainCheckpointPtr`), released on drop.
#[derive(Debug)]
pub struct DomainCheckpoint {
    ptr: virt::sys::virDomainCheckpointPtr,
}

impl Drop for DomainCheckpoint {
    fn drop(&mut self) {
        // SAFETY: `ptr` is a checkpoint reference this value owns (from a
        // create, lookup, parent or list call), released exactly once here.
        // A failure to release cannot be reported from drop and is ignored.
        unsafe {
            virt::sys::virDomainCheckpointFree(self.ptr);
        }
    }
}

/// A checkpoint pointer from libvirt, or its error when NULL.
fn checkpoint_or_error(
    ptr: virt::sys::virDomainCheckpointPtr,
) -> Result<DomainCheckpoint, LibvirtError> {
    if ptr.is_null() {
        Err(last_error())
    } else {
        Ok(DomainCheckpoint { ptr })
    }
}

/// Copies an array of `n` checkpoint pointers libvirt allocated, taking
/// over each reference, and frees the array.
///
/// # Safety
/// `array` must be a libvirt-allocated array of at least `n` valid
/// checkpoint pointers whose references the caller owns (or NULL with
/// `n <= 0`).
unsafe fn take_checkpoints(
    array: *mut virt::sys::virDomainCheckpointPtr,
    n: c_int,
) -> Vec<DomainCheckpoint> {
    let mut out = Vec::new();
    if array.is_null() {
        return out;
    }
    for i in 0..n.max(0) as usize {
        out.push(DomainCheckpoint { ptr: *array.add(i) });
    }
    libc::free(array.cast());
    out
}

/// A libvirt-allocated string, copied and freed; the error when NULL.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string allocated by libvirt that the
/// caller owns.
unsafe fn owned_string(p: *mut c_char) -> Result<String, LibvirtError> {
    if p.is_null() {
        return Err(last_error());
    }
    let s = std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned();
    libc::free(p.cast());
    Ok(s)
}

/// libvirt's last error on this thread.
/// A string for C; a NUL byte inside is refused as libvirt would refuse
/// an invalid argument.
fn c_string(s: &str) -> Result<std::ffi::CString, LibvirtError> {
    std::ffi::CString::new(s).map_err(|_| {
        LibvirtError::new(
            ErrorNumber::InvalidArg,
            format!("{s:?} contains a NUL byte and cannot be passed to libvirt"),
        )
    })
}

impl DomainCheckpoint {
    /// The checkpoint's name (owned by the checkpoint object).
    pub fn name(&self) -> Result<String, LibvirtError> {
        // SAFETY: `ptr` is valid while `self` lives; the returned string
        // belongs to the checkpoint and is copied, never freed.
        unsafe {
            let p = virt::sys::virDomainCheckpointGetName(self.ptr);
            if p.is_null() {
                return Err(last_error());
            }
            Ok(std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
        }
    }

    /// `virDomainCheckpointGetXMLDesc` (`VIR_DOMAIN_CHECKPOINT_XML_*` flags).
    pub fn xml_desc(&self, flags: u32) -> Result<String, LibvirtError> {
        // SAFETY: `ptr` is valid; libvirt returns a string the caller frees.
        unsafe {
            owned_string(virt::sys::virDomainCheckpointGetXMLDesc(
                self.ptr,
                flags as c_uint,
            ))
        }
    }

    /// The parent checkpoint; `NoDomainCheckpoint` for a root.
    pub fn parent(&self) -> Result<DomainCheckpoint, LibvirtError> {
        // SAFETY: `ptr` is valid; a non-NULL result is a new reference.
        checkpoint_or_error(unsafe { virt::sys::virDomainCheckpointGetParent(self.ptr, 0) })
    }

    /// `virDomainCheckpointDelete` (`VIR_DOMAIN_CHECKPOINT_DELETE_*` flags).
    pub fn delete(&self, flags: u32) -> Result<(), LibvirtError> {
        // SAFETY: `ptr` is valid while `self` lives.
        let rc = unsafe { virt::sys::virDomainCheckpointDelete(self.ptr, flags as c_uint) };
        if rc < 0 {
            Err(last_error())
        } else {
            Ok(())
        }
    }

    /// `virDomainCheckpointListAllChildren` (`VIR_DOMAIN_CHECKPOINT_LIST_*`).
    pub fn list_all_children(&self, flags: u32) -> Result<Vec<DomainCheckpoint>, LibvirtError> {
        let mut array: *mut virt::sys::virDomainCheckpointPtr = std::ptr::null_mut();
        // SAFETY: `ptr` is valid; libvirt fills `array` with `n` new
        // references, which `take_checkpoints` takes over.
        unsafe {
            let n = virt::sys::virDomainCheckpointListAllChildren(
                self.ptr,
                &mut array,
                flags as c_uint,
            );
            if n < 0 {
                return Err(last_error());
            }
            Ok(take_checkpoints(array, n))
        }
    }
}

/// `virDomainCheckpointCreateXML` (`VIR_DOMAIN_CHECKPOINT_CREATE_*` flags).
pub fn checkpoint_create_xml(
    d: &Domain,
    xml: &str,
    flags: u32,
) -> Result<DomainCheckpoint, LibvirtError> {
    let xml = c_string(xml)?;
    // SAFETY: the domain pointer is valid while `d` lives, `xml` is a
    // NUL-terminated string; a non-NULL result is a new reference.
    checkpoint_or_error(unsafe {
        virt::sys::virDomainCheckpointCreateXML(d.as_ptr(), xml.as_ptr(), flags as c_uint)
    })
}

/// `virDomainCheckpointLookupByName`; `NoDomainCheckpoint` when absent.
pub fn checkpoint_lookup_by_name(d: &Domain, name: &str) -> Result<DomainCheckpoint, LibvirtError> {
    let name = c_string(name)?;
    // SAFETY: as for `checkpoint_create_xml`.
    checkpoint_or_error(unsafe {
        virt::sys::virDomainCheckpointLookupByName(d.as_ptr(), name.as_ptr(), 0)
    })
}

/// `virDomainListAllCheckpoints` (`VIR_DOMAIN_CHECKPOINT_LIST_*` flags).
pub fn list_all_checkpoints(d: &Domain, flags: u32) -> Result<Vec<DomainCheckpoint>, LibvirtError> {
    let mut array: *mut virt::sys::virDomainCheckpointPtr = std::ptr::null_mut();
    // SAFETY: the domain pointer is valid; libvirt fills `array` with `n`
    // new references, which `take_checkpoints` takes over.
    unsafe {
        let n = virt::sys::virDomainListAllCheckpoints(d.as_ptr(), &mut array, flags as c_uint);
        if n < 0 {
            return Err(last_error());
        }
        Ok(take_checkpoints(array, n))
    }
}

/// One domain lifecycle event (`VIR_DOMAIN_EVENT_ID_LIFECYCLE`): the
/// domain's name and libvirt's raw event and detail numbers
/// (`virt::sys::VIR_DOMAIN_EVENT_STARTED`, `…_STARTED_BOOTED`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleEvent {
    pub domain: String,
    pub event: i32,
    pub detail: i32,
}

impl LifecycleEvent {
    /// `started/booted`, `stopped/destroyed`…: the event and its detail as
    /// libvirt's documentation names them.
    pub fn describe(&self) -> String {
        lifecycle_name(self.event, self.detail)
    }
}

/// The documented names of a lifecycle event and its detail.
pub fn lifecycle_name(event: i32, detail: i32) -> String {
    let (e, details): (&str, &[&str]) = match event {
        0 => ("defined", &["added", "updated", "renamed", "from-snapshot"]),
        1 => ("undefined", &["removed", "renamed"]),
        2 => (
            "started",
            &[
                "booted",
                "migrated",
                "restored",
                "from-snapshot",
                "wakeup",
                "recreated",
            ],
        ),
        3 => (
            "suspended",
            &[
                "paused",
                "migrated",
                "ioerror",
                "watchdog",
                "restored",
                "from-snapshot",
                "api-error",
                "postcopy",
                "postcopy-failed",
                "guest-shutdown",
            ],
        ),
        4 => (
            "resumed",
            &[
                "unpaused",
                "migrated",
                "from-snapshot",
                "postcopy",
                "postcopy-failed",
            ],
        ),
        5 => (
            "stopped",
            &[
                "shutdown",
                "destroyed",
                "crashed",
                "migrated",
                "saved",
                "failed",
                "from-snapshot",
                "recreated",
            ],
        ),
        6 => ("shutdown", &["finished", "guest", "host"]),
        7 => ("pmsuspended", &["memory", "disk"]),
        8 => ("crashed", &["panicked", "crashloaded"]),
        _ => ("unknown", &[]),
    };
    let d = usize::try_from(detail)
        .ok()
        .and_then(|i| details.get(i).copied());
    match (e, d) {
        ("unknown", _) => format!("event{event}/detail{detail}"),
        (e, Some(d)) => format!("{e}/{d}"),
        (e, None) => format!("{e}/detail{detail}"),
    }
}

type LifecycleSink = std::sync::mpsc::Sender<LifecycleEvent>;

/// The C callback: forwards the event to the registration's channel.
unsafe extern "C" fn lifecycle_callback(
    _conn: virt::sys::virConnectPtr,
    dom: virt::sys::virDomainPtr,
    event: c_int,
    detail: c_int,
    opaque: *mut c_void,
) -> c_int {
    // SAFETY: `opaque` is the `Box<LifecycleSink>` leaked at registration,
    // freed only by `free_lifecycle_sink` after the last callback; `dom`
    // is valid for the duration of the callback and its name belongs to it.
    let sink = &*(opaque as *const LifecycleSink);
    let name = {
        let p = virt::sys::virDomainGetName(dom);
        if p.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    // A closed receiver only means nobody listens any more.
    let _ = sink.send(LifecycleEvent {
        domain: name,
        event,
        detail,
    });
    0
}

/// Frees the channel when libvirt drops the callback.
unsafe extern "C" fn free_lifecycle_sink(opaque: *mut c_void) {
    // SAFETY: `opaque` is the pointer `Box::into_raw` gave at registration;
    // libvirt calls this exactly once.
    drop(Box::from_raw(opaque as *mut LifecycleSink));
}

/// A registered lifecycle callback; deregistered by [`Self::deregister`]
/// or, silently, on drop. It borrows the connection it was registered on.
#[derive(Debug)]
pub struct LifecycleRegistration<'c> {
    conn: &'c virt::connect::Connect,
    id: Option<c_int>,
}

impl LifecycleRegistration<'_> {
    /// `virConnectDomainEventDeregisterAny`: no event is delivered to this
    /// callback afterwards.
    pub fn deregister(mut self) -> Result<(), LibvirtError> {
        match self.id.take() {
            Some(id) => deregister_event(self.conn, id),
            None => Ok(()),
        }
    }
}

impl Drop for LifecycleRegistration<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let _ = deregister_event(self.conn, id);
        }
    }
}

fn deregister_event(conn: &virt::connect::Connect, id: c_int) -> Result<(), LibvirtError> {
    // SAFETY: the connection pointer is valid while `conn` lives.
    let rc = unsafe { virt::sys::virConnectDomainEventDeregisterAny(conn.as_ptr(), id) };
    if rc < 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// Registers for lifecycle events of `dom` (or of every domain with
/// `None`) on `conn`; each event is sent to `sink`. Events arrive only
/// while an event loop runs: call
/// [`crate::virt::connection::start_event_loop`] first (a connection to a
/// daemon has one already).
pub fn register_lifecycle_events<'c>(
    conn: &'c virt::connect::Connect,
    dom: Option<&Domain>,
    sink: LifecycleSink,
) -> Result<LifecycleRegistration<'c>, LibvirtError> {
    type Lifecycle = unsafe extern "C" fn(
        virt::sys::virConnectPtr,
        virt::sys::virDomainPtr,
        c_int,
        c_int,
        *mut c_void,
    ) -> c_int;
    type Generic =
        unsafe extern "C" fn(virt::sys::virConnectPtr, virt::sys::virDomainPtr, *mut c_void);
    // SAFETY: libvirt calls a LIFECYCLE callback with the lifecycle
    // signature whatever the declared type (the documented
    // VIR_DOMAIN_EVENT_CALLBACK cast); both are plain C function pointers.
    let generic: Generic = unsafe { std::mem::transmute::<Lifecycle, Generic>(lifecycle_callback) };
    let opaque = Box::into_raw(Box::new(sink)) as *mut c_void;
    let dom_ptr = match dom {
        // SAFETY: valid while `dom` lives; libvirt takes its own reference.
        Some(d) => unsafe { d.as_ptr() },
        None => std::ptr::null_mut(),
    };
    // SAFETY: connection and domain pointers are valid; on success libvirt
    // owns `opaque` and frees it through `free_lifecycle_sink`.
    let id = unsafe {
        virt::sys::virConnectDomainEventRegisterAny(
            conn.as_ptr(),
            dom_ptr,
            virt::sys::VIR_DOMAIN_EVENT_ID_LIFECYCLE as c_int,
            Some(generic),
            opaque,
            Some(free_lifecycle_sink),
        )
    };
    if id < 0 {
        let e = last_error();
        // SAFETY: registration failed, so libvirt did not keep `opaque`.
        unsafe { drop(Box::from_raw(opaque as *mut LifecycleSink)) };
        return Err(e);
    }
    Ok(LifecycleRegistration { conn, id: Some(id) })
}

#[cfg(test)]
mod new_area_tests {
    use super::*;

    #[test]
    fn lifecycle_names_follow_the_documentation() {
        assert_eq!(lifecycle_name(0, 0), "defined/added");
        assert_eq!(lifecycle_name(2, 0), "started/booted");
        assert_eq!(lifecycle_name(3, 0), "suspended/paused");
        assert_eq!(lifecycle_name(4, 0), "resumed/unpaused");
        assert_eq!(lifecycle_name(5, 1), "stopped/destroyed");
        assert_eq!(lifecycle_name(1, 0), "undefined/removed");
        assert_eq!(lifecycle_name(5, 42), "stopped/detail42");
        assert_eq!(lifecycle_name(99, 1), "event99/detail1");
        assert_eq!(lifecycle_name(2, -1), "started/detail-1");
    }

    #[test]
    fn lifecycle_events_arrive_in_order_on_the_test_driver() {
        assert!(crate::virt::connection::start_event_loop());
        let conn = crate::virt::connection::Connection::open("test:///default").expect("test");
        let (tx, rx) = std::sync::mpsc::channel();
        let reg = register_lifecycle_events(&conn, None, tx).expect("register");
        let xml = "<domain type='test'><name>tck-shim-ev</name><memory>8192</memory>\
                   <os><type>hvm</type></os></domain>";
        let d = conn.define_domain_xml(xml).expect("define");
        d.create().expect("start");
        d.destroy().expect("destroy");
        d.undefine().expect("undefine");
        let mut got = Vec::new();
        while got.len() < 4 {
            match rx.recv_timeout(std::time::Duration::from_secs(5)) {
                Ok(e) if e.domain == "tck-shim-ev" => got.push(e.describe()),
                Ok(_) => {}
                Err(e) => panic!("after {got:?}: {e}"),
            }
        }
        assert_eq!(
            got,
            [
                "defined/added",
                "started/booted",
                "stopped/destroyed",
                "undefined/removed"
            ]
        );
        reg.deregister().expect("deregister");
        conn.close().expect("close");
    }

    #[test]
    fn checkpoints_on_the_test_driver() {
        let conn = crate::virt::connection::Connection::open("test:///default").expect("test");
        let xml = "<domain type='test'><name>tck-shim-cp</name><memory>8192</memory>\
                   <os><type>hvm</type></os><devices><disk type='file' device='disk'>\
                   <driver name='qemu' type='qcow2'/><source file='/nonexistent/tck-shim.qcow2'/>\
                   <target dev='vda' bus='virtio'/></disk></devices></domain>";
        let d = conn.create_domain_xml(xml, 0).expect("create");
        match checkpoint_create_xml(
            &d,
            "<domaincheckpoint><name>c1</name></domaincheckpoint>",
            0,
        ) {
            Ok(c) => {
                assert_eq!(c.name().expect("name"), "c1");
                assert!(c.xml_desc(0).expect("xml").contains("<name>c1</name>"));
                let c2 = checkpoint_create_xml(
                    &d,
                    "<domaincheckpoint><name>c2</name></domaincheckpoint>",
                    0,
                )
                .expect("c2");
                assert_eq!(c2.parent().expect("parent").name().expect("name"), "c1");
                assert_eq!(c.list_all_children(0).expect("children").len(), 1);
                assert_eq!(list_all_checkpoints(&d, 0).expect("list").len(), 2);
                assert_eq!(
                    checkpoint_lookup_by_name(&d, "c2")
                        .expect("lookup")
                        .name()
                        .expect("name"),
                    "c2"
                );
                c.delete(virt::sys::VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN)
                    .expect("delete");
                let e = checkpoint_lookup_by_name(&d, "c2").expect_err("gone");
                assert!(e.is(ErrorNumber::NoDomainCheckpoint), "{e}");
            }
            // A driver without checkpoints says so with an unsupported code.
            Err(e) => assert!(e.is_unsupported(), "{e}"),
        }
        d.destroy().expect("destroy");
        conn.close().expect("close");
    }
}
