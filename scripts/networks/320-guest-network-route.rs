//! A guest NIC on a routed network (forward mode route) on a free subnet: the guest starts, its NIC is on the network, and its host device is a port of the network's bridge until the guest stops.

use tck::prelude::*;
use tck::virt::builders::{Interface, Ip};
use tck::virt::hostnet;

pub const META: Meta = Meta {
    tags: &["network", "guest"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let subnet = cx.free_subnet()?;
    t.plan(7);
    let conn = cx.connect()?;
    let br = cx.bridge_name("net")?;
    let (lo, hi) = subnet.dhcp_range();
    let ip = Ip::v4(&subnet.gateway().to_string(), 24).dhcp_range(&lo.to_string(), &hi.to_string());
    let net = t.ok_result(
        conn.create_network_xml(&cx.network(&br).forward("route").ip(ip).as_xml()),
        "create a routed network on a free subnet",
    )?;

    let mac = cx.mac(1);
    let nic = Interface::network(&br).mac(&mac);
    let xml = cx.domain(&cx.name("dom"))?.interface(nic).as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "a guest with a NIC on the network starts",
    )?;
    let live = hostnet::guest_nic(&dom.xml_desc(0)?, &mac)?;
    t.is(
        live.as_ref().and_then(|n| n.source("network")),
        Some(br.as_str()),
        "the running guest's NIC is on the network",
    );
    let tap = live.and_then(|n| n.target);
    hostnet::assert_port_of(
        t,
        cx,
        tap.as_deref(),
        &br,
        "the NIC's host device is a port of the network's bridge",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    hostnet::assert_link_gone(t, cx, tap.as_deref(), "the NIC's host device is gone");
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}
