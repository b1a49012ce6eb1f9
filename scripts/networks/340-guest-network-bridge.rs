//! A guest NIC on a network that forwards to an existing host bridge (forward mode bridge): the guest's host device becomes a port of that bridge, and destroying the network leaves the bridge, which libvirt does not own, in place.
//!
//! The host bridge is created by the script and always removed, even when
//! the script fails.

use tck::prelude::*;
use tck::suite::guest_network::{assert_port_of, start_guest};
use tck::virt::host::net::{self as hostnet, HostBridge};

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

    let guest = start_guest(t, cx, &name)?;
    assert_port_of(
        t,
        cx,
        guest.dev.as_deref(),
        &hbr,
        "the NIC's host device is a port of the host bridge",
    );
    guest.stop(t, cx, "the NIC's host device is gone")?;
    t.ok_result(net.destroy(), "destroy the network")?;
    t.ok(
        hostnet::link_exists(&hbr),
        "the host bridge outlives the network that used it",
    );
    let removed = host.remove().map_err(|e| e.to_string());
    t.is(removed, Ok(()), "the script's host bridge is removed");
    Ok(())
}
