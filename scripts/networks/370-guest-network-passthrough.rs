//! A guest NIC on a macvtap network in passthrough mode over the first configured host NIC: the guest starts, and its host device is a macvtap in passthru mode on that NIC until the guest stops.
//!
//! Passthrough takes the NIC for one guest alone, and libvirt gives it
//! the guest's MAC address while the guest runs (no other macvtap may sit
//! on it meanwhile), so the script runs with nothing else beside it.

use tck::prelude::*;
use tck::virt::builders::{Interface, NetworkBuilder};
use tck::virt::hostnet;

pub const META: Meta = Meta {
    requires: &[Require::Resource(Resource::NetworkDevice)],
    tags: &["network", "guest", "host"],
    exclusive: true,
    ..Meta::DEFAULT
};

/// libvirt's forward mode, and the kernel's name for the macvtap mode.
const MODE: (&str, &str) = ("passthrough", "passthru");

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let Some(nic_dev) = cx.config().network_devices.first().cloned() else {
        return Err(Stop::Skip(
            "missing resource: no `network_devices` configured".into(),
        ));
    };
    t.plan(8);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let xml = NetworkBuilder::new(&name)
        .forward(MODE.0)
        .forward_interface(&nic_dev)
        .as_xml();
    let net = t.ok_result(
        conn.create_network_xml(&xml),
        "create a macvtap network over the configured NIC",
    )?;

    let nic_mac = |cx: &Context| -> Result<Option<String>, Stop> {
        if hostnet::inspectable(cx).is_err() {
            return Ok(None);
        }
        Ok(hostnet::link(&nic_dev)?.and_then(|l| l.mac))
    };
    let mac_before = nic_mac(cx)?;
    let mac = cx.mac(1);
    let nic = Interface::network(&name).mac(&mac);
    let xml = cx.domain(&cx.name("dom"))?.interface(nic).as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "a guest with a NIC on the network starts",
    )?;
    let live = hostnet::guest_nic(&dom.xml_desc(0)?, &mac)?;
    t.is(
        live.as_ref().and_then(|n| n.source("network")),
        Some(name.as_str()),
        "the running guest's NIC is on the network",
    );
    let tap = live.and_then(|n| n.target);
    hostnet::assert_macvtap(
        t,
        cx,
        tap.as_deref(),
        &nic_dev,
        MODE.1,
        "the NIC's host device is a macvtap on the configured NIC in the network's mode",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    hostnet::assert_link_gone(t, cx, tap.as_deref(), "the NIC's macvtap device is gone");
    let desc = "the configured NIC has its own MAC address back after the guest stops";
    match hostnet::inspectable(cx) {
        Err(why) => t.skip_point(desc, &why),
        Ok(()) => {
            t.is(nic_mac(cx)?, mac_before, desc);
        }
    }
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}
