//! Hot-plugs a configured host USB device into a running domain, by bus and device number and then by vendor and product id: each time the live XML gains the host device, and after the unplug it is gone again.
//!
//! The host's node device for the configured entry gives both addresses,
//! so either form of configuration tests both. USB unplug needs no guest
//! cooperation, so the domain needs no OS.

use std::time::Duration;
use tck::config::UsbDevice;
use tck::prelude::*;
use tck::virt::builders::Hostdev;
use tck::virt::poll::until;
use tck::virt::xmltree::Element;
use virt::sys::{VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV, VIR_DOMAIN_AFFECT_LIVE as LIVE};

pub const META: Meta = Meta {
    requires: &[
        Require::Resource(Resource::UsbDevice),
        Require::Driver(&["QEMU"]),
    ],
    tags: &["hostdev"],
    ..Meta::DEFAULT
};

/// `(bus, device, vendor, product)` of a node device's XML.
fn usb_ids(xml: &str) -> Option<(u16, u16, u16, u16)> {
    let root = Element::parse(xml).ok()?;
    let cap = root
        .find_all("capability")
        .into_iter()
        .find(|c| c.get_attr("type") == Some("usb_device"))?;
    let num = |p: &str| cap.find_text(p)?.trim().parse().ok();
    let hex =
        |p: &str| u16::from_str_radix(cap.find_attr(p, "id")?.trim_start_matches("0x"), 16).ok();
    Some((num("bus")?, num("device")?, hex("vendor")?, hex("product")?))
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let conn = cx.connect()?;
    let wanted = cx
        .config()
        .usb_devices
        .first()
        .ok_or("no USB device is configured")?
        .clone();
    let found = conn
        .list_all_node_devices(VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV)?
        .iter()
        .filter_map(|d| usb_ids(&d.xml_desc(0).ok()?))
        .find(|&(bus, device, vendor, product)| match wanted {
            UsbDevice::Id {
                vendor: v,
                product: p,
            } => (v, p) == (vendor, product),
            UsbDevice::Address { bus: b, device: d } => (b, d) == (bus, device),
        });
    let Some((bus, device, vendor, product)) = found else {
        return Err(t.skip_all(&format!(
            "missing resource: the configured USB device {wanted:?} is not on the host"
        )));
    };
    t.plan(10);
    t.note(&format!(
        "USB device {bus:03}/{device:03}, id {vendor:04x}:{product:04x}"
    ));
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&cx.name("dom"))?.as_xml(), 0),
        "start a domain",
    )?;
    let hostdevs = |x: &str| {
        Element::parse(x)
            .map(|e| e.find_all("devices/hostdev").len())
            .unwrap_or(0)
    };

    for (how, dev) in [
        ("by bus and device", Hostdev::usb_address(bus, device)),
        ("by vendor and product", Hostdev::usb_id(vendor, product)),
    ] {
        let xml = dev.as_xml();
        t.ok_result(
            dom.attach_device_flags(&xml, LIVE),
            &format!("{how}: attach the USB device live"),
        )?;
        t.is(
            hostdevs(&dom.xml_desc(0)?),
            1,
            &format!("{how}: the live XML lists the host device"),
        );
        t.ok_result(
            dom.detach_device_flags(&xml, LIVE),
            &format!("{how}: detach it live"),
        )?;
        let after = until(
            Duration::from_secs(10),
            || dom.xml_desc(0),
            |x| hostdevs(x) == 0,
        )?;
        t.is(
            hostdevs(&after),
            0,
            &format!("{how}: the host device is gone from the live XML"),
        );
    }
    t.ok_result(dom.destroy(), "destroy the domain")?;
    Ok(())
}
