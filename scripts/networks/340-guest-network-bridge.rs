//! A guest NIC on a network that forwards to an existing host bridge (forward mode bridge): the guest's host device becomes a port of that bridge, and destroying the network leaves the bridge, which libvirt does not own, in place.
//!
//! The host bridge is created by the script and always removed, even when
//! the script fails.

use tck::prelude::*;
use tck::virt::builders::Interface;
use tck::virt::hostnet::{self, HostBridge};

pub const META: Meta = Meta {
    requires: &[Require::Root, Require::LocalHost],
    tags: &["network", "guest", "host"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(11);
    let conn = cx.connect()?;
    let host = HostBridge::create(&cx.bridge_name("hbr")?)?;
    t.pass("create a bridge on the host");
    let hbr = host.name().to_string();
    let name = cx.name("net");
    let net = t.ok_result(
        conn.create_network_xml(&cx.network(&name).forward("bridge").bridge(&hbr).as_xml()),
        "create a network that forwards to the host bridge",
    )?;
    t.is(
        net.bridge_name()?,
        hbr.as_str(),
        "the network reports the host bridge",
    );

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
    hostnet::assert_port_of(
        t,
        cx,
        tap.as_deref(),
        &hbr,
        "the NIC's host device is a port of the host bridge",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    hostnet::assert_link_gone(t, cx, tap.as_deref(), "the NIC's host device is gone");
    t.ok_result(net.destroy(), "destroy the network")?;
    t.ok(
        hostnet::link_exists(&hbr),
        "the host bridge outlives the network that used it",
    );
    let removed = host.remove().map_err(|e| e.to_string());
    t.is(removed, Ok(()), "the script's host bridge is removed");
    Ok(())
}
