//! Node devices are listed with unique names that all look up; each capability filter lists exactly the devices that have that capability, and counts agree with lists; a bogus name raises NoNodeDevice.

use std::collections::BTreeSet;
use tck::prelude::*;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["nodedev"],
    priority: 0,
    ..Meta::DEFAULT
};

/// List filters and the capability names `virNodeDeviceListCaps` gives.
const FILTERS: [(u32, &str); 12] = [
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM, "system"),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV, "pci"),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV, "usb_device"),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_INTERFACE, "usb"),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET, "net"),
    (
        sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_HOST,
        "scsi_host",
    ),
    (
        sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_TARGET,
        "scsi_target",
    ),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI, "scsi"),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_STORAGE, "storage"),
    (
        sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_GENERIC,
        "scsi_generic",
    ),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_DRM, "drm"),
    (sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV, "mdev"),
];

fn names(conn: &Connection, flags: u32) -> Result<BTreeSet<String>, Stop> {
    Ok(conn
        .list_all_node_devices(flags)?
        .iter()
        .filter_map(|d| d.name().ok())
        .collect())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    let conn = cx.connect()?;
    let all = t.ok_result(conn.list_all_node_devices(0), "list all node devices")?;
    let listed: Vec<String> = all.iter().filter_map(|d| d.name().ok()).collect();
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    t.ok(
        !listed.is_empty() && unique.len() == listed.len(),
        "the list is not empty and its names are unique",
    );

    let unresolved: Vec<&String> = listed
        .iter()
        .filter(|n| {
            !conn
                .lookup_node_device_by_name(n)
                .and_then(|d| d.name())
                .is_ok_and(|m| &m == *n)
        })
        .collect();
    t.is(
        unresolved,
        Vec::<&String>::new(),
        "every listed name looks up to a device of that name",
    );

    // Devices may come and go meanwhile (hot-plug, other guests' taps):
    // compare only the devices listed both before and after.
    let mut caps_of = Vec::new();
    for d in &all {
        caps_of.push((d.name()?, d.list_caps()?));
    }
    let mut filtered = Vec::new();
    for (flag, cap) in FILTERS {
        filtered.push((cap, names(conn, flag)?));
    }
    let stable: BTreeSet<String> = names(conn, 0)?.intersection(&unique).cloned().collect();
    let mut wrong = Vec::new();
    for (cap, got) in &filtered {
        let want: BTreeSet<&String> = caps_of
            .iter()
            .filter(|(n, caps)| stable.contains(n) && caps.iter().any(|c| c == cap))
            .map(|(n, _)| n)
            .collect();
        let got: BTreeSet<&String> = got.iter().filter(|n| stable.contains(*n)).collect();
        if got != want {
            wrong.push(format!(
                "{cap}: filter lists {got:?}, capabilities say {want:?}"
            ));
        }
    }
    t.is(
        wrong,
        Vec::<String>::new(),
        "each capability filter lists exactly the devices with that capability",
    );

    let systems = names(conn, sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM)?;
    t.is(systems.len(), 1, "exactly one device is the system itself");
    let counted = conn.num_of_node_devices(Some("pci"), 0)? as usize;
    t.is(
        counted,
        names(conn, sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV)?.len(),
        "the PCI device count equals the PCI list's length",
    );
    t.is(
        conn.num_of_node_devices(None, 0)? as usize,
        names(conn, 0)?.len(),
        "the device count equals the list's length",
    );
    t.err_code(
        conn.lookup_node_device_by_name("tck-no-such-device"),
        ErrorNumber::NoNodeDevice,
        "looking up a bogus name raises NoNodeDevice",
    );
    Ok(())
}
