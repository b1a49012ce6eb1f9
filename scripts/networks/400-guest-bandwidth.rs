//! Guaranteed inbound bandwidth (floor) on guest NICs: refused on a network without inbound QoS (OperationUnsupported), honoured on one with it, changeable through the interface parameters, and refused there (OperationInvalid) when the floors would over-commit the network.
//!
//! libvirt shapes traffic with the kernel's htb and sfq qdiscs; on a host
//! kernel without them the QoS part skips, naming the missing qdisc.

use tck::prelude::*;
use tck::virt::builders::{Bandwidth, Interface, Rate};
use tck::virt::shim::{domain_interface_bandwidth, domain_set_interface_bandwidth};

pub const META: Meta = Meta {
    // Floors are accounted by libvirt's network driver when it plugs a
    // guest NIC into a network, which the QEMU and LXC drivers do.
    requires: &[Require::Driver(&["QEMU", "LXC"])],
    tags: &["network", "guest"],
    ..Meta::DEFAULT
};

/// The network's inbound peak: the floors of its NICs must stay below it.
const NET_PEAK: u64 = 2000;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(12);
    let conn = cx.connect()?;
    let live = virt::sys::VIR_DOMAIN_AFFECT_LIVE;
    let mac = cx.mac(1);
    let guest = |net: &str, name: &str| -> Result<String, Stop> {
        let nic = Interface::network(net)
            .mac(&mac)
            .bandwidth_in(Rate::average(500).floor(100));
        Ok(cx.domain(&cx.name(name))?.interface(nic).as_xml())
    };

    let plain = cx.bridge_name("n1")?;
    let plain_net = t.ok_result(
        conn.create_network_xml(&cx.network(&plain).as_xml()),
        "create a network without QoS",
    )?;
    t.err_code(
        conn.create_domain_xml(&guest(&plain, "d1")?, 0),
        ErrorNumber::OperationUnsupported,
        "a NIC floor on a network without inbound QoS raises OperationUnsupported",
    );
    t.ok_result(plain_net.destroy(), "destroy the network without QoS")?;

    let qos = cx.bridge_name("n2")?;
    let xml = cx
        .network(&qos)
        .bandwidth_in(Rate::average(1000).peak(NET_PEAK).burst(1024))
        .as_xml();
    let qos_net = match conn.create_network_xml(&xml).map_err(LibvirtError::from) {
        Err(e) if e.message().contains("qdisc kind is unknown") => {
            return Err(Stop::Skip(format!(
                "missing kernel support: the host kernel lacks a qdisc libvirt's QoS needs ({})",
                e.message().trim()
            )))
        }
        r => t.ok_result(r, "create a network with inbound QoS")?,
    };
    let dom = t.ok_result(
        conn.create_domain_xml(&guest(&qos, "d2")?, 0),
        "a guest with a NIC floor on the network with QoS starts",
    )?;
    let read_floor = || -> Result<Option<u64>, Stop> {
        let bw = domain_interface_bandwidth(&dom, &mac, live)?;
        Ok(bw.inbound.and_then(|r| r.floor))
    };
    t.is(
        read_floor()?,
        Some(100),
        "the NIC reports the floor its XML gives",
    );

    let with_floor = |floor: u64| Bandwidth {
        inbound: Some(Rate::average(500).floor(floor)),
        outbound: None,
    };
    t.ok_result(
        domain_set_interface_bandwidth(&dom, &mac, &with_floor(200), live),
        "raising the floor within the network's QoS succeeds",
    )?;
    t.is(read_floor()?, Some(200), "the NIC reports the raised floor");
    t.err_code(
        domain_set_interface_bandwidth(&dom, &mac, &with_floor(NET_PEAK * 4), live),
        ErrorNumber::OperationInvalid,
        "a floor that over-commits the network raises OperationInvalid",
    );
    t.is(
        read_floor()?,
        Some(200),
        "the refused floor leaves the NIC's floor unchanged",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    t.ok_result(qos_net.destroy(), "destroy the network with QoS")?;
    Ok(())
}
