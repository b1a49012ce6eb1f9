//! The node devices describe this host: every PCI function in sysfs is listed with its vendor and product ids, every listed network interface exists in /sys/class/net with its MAC address, and the computer root is the system device.

use std::path::Path;
use tck::prelude::*;
use tck::virt::host::net::net_interfaces;
use tck::virt::host::{parse_hex_id, pci_address, pci_devices, PciIds, SYSFS};
use tck::virt::xmltree::Element;
use virt::sys;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["nodedev", "host"],
    ..Meta::DEFAULT
};

fn xml_of(d: &virt::nodedev::NodeDevice) -> Option<Element> {
    Element::parse(&d.xml_desc(0).ok()?).ok()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(4);
    if cx.driver()? == "TEST" {
        return Err(t.skip_all("the test driver describes a simulated host, not this one"));
    }
    let conn = cx.connect()?;
    let sysfs = Path::new(SYSFS);

    let computer = t.ok_result(
        conn.lookup_node_device_by_name("computer"),
        "look up the computer root",
    )?;
    t.ok(
        computer.list_caps()?.iter().any(|c| c == "system"),
        "computer has the system capability",
    );

    // PCI: libvirt's list and sysfs hold the same functions with the same ids.
    let host_pci = pci_devices(sysfs)?;
    let mut listed = std::collections::BTreeMap::new();
    for d in conn.list_all_node_devices(sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV)? {
        let Some(x) = xml_of(&d) else { continue };
        let num = |f: &str| {
            x.find_text(&format!("capability/{f}"))
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(u32::MAX)
        };
        let id = |f: &str| {
            x.find_attr(&format!("capability/{f}"), "id")
                .and_then(parse_hex_id)
                .unwrap_or(u32::MAX)
        };
        listed.insert(
            pci_address(num("domain"), num("bus"), num("slot"), num("function")),
            PciIds {
                vendor: id("vendor"),
                product: id("product"),
            },
        );
    }
    t.is(
        listed,
        host_pci,
        "the PCI node devices are the host's PCI functions, with the same vendor and product ids",
    );

    // Network interfaces: each listed one exists with its MAC. Without a
    // udev daemon libvirt only sees interfaces present when it started, so
    // the host may have more; a listed interface must not be missing.
    let host_net = net_interfaces(sysfs)?;
    let mut wrong = Vec::new();
    for d in conn.list_all_node_devices(sys::VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET)? {
        let Some(x) = xml_of(&d) else { continue };
        let iface = x.find_text("capability/interface").unwrap_or_default();
        let mac = x
            .find_text("capability/address")
            .unwrap_or_default()
            .to_ascii_lowercase();
        match host_net.get(&iface) {
            Some(m) if *m == mac => {}
            Some(m) => wrong.push(format!("{iface}: libvirt says MAC {mac}, sysfs {m}")),
            // Gone from the host: only wrong if libvirt still lists it now.
            None if conn.lookup_node_device_by_name(&d.name()?).is_ok() => {
                wrong.push(format!("{iface} ({}): not in /sys/class/net", d.name()?))
            }
            None => {}
        }
    }
    t.is(
        wrong,
        Vec::<String>::new(),
        "every listed network interface exists on the host with the same MAC address",
    );
    Ok(())
}
