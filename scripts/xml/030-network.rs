//! A NAT network's configuration (bridge, MAC, MTU, domain, DNS host, IPv4 with a DHCP range and a static host) is kept in its dump, and define → dump → redefine → dump gives identical XML.

use tck::prelude::*;
use tck::virt::builders::DhcpHost;
use tck::virt::xmltree::Element;

/// The network is never started, so its plain dump is its persistent
/// configuration (the INACTIVE flag, which the test driver lacks, would
/// change nothing).
const INACTIVE: u32 = 0;

pub const META: Meta = Meta {
    tags: &["xml", "network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let net = cx.free_subnet()?;
    let (start, end) = net.dhcp_range();
    let (mac, guest_mac) = (cx.mac(1), cx.mac(2));
    let builder = cx
        .network(&name)
        .forward("nat")
        .mac(&mac)
        .mtu(1400)
        .domain("tck.example", Some(true))
        .dns_host(&net.host(10).to_string(), &["tck-host"])
        .ip(net.dhcp_ip().dhcp_host(DhcpHost {
            mac: Some(guest_mac.clone()),
            name: Some("tck-guest".into()),
            ip: Some(net.host(50).to_string()),
            ..DhcpHost::default()
        }));
    let n = t.ok_result(
        conn.define_network_xml(&builder.as_xml()),
        "define a NAT network",
    )?;
    let first = n.xml_desc(INACTIVE)?;
    let e = Element::parse(&first).map_err(|e| e.to_string())?;
    t.is(
        (
            e.find_attr("forward", "mode"),
            e.find_attr("mac", "address"),
            e.find_attr("mtu", "size"),
        ),
        (Some("nat"), Some(mac.as_str()), Some("1400")),
        "the dump keeps the forward mode, MAC and MTU",
    );
    t.is(
        (
            e.find_attr("ip", "address"),
            e.find_attr("ip/dhcp/range", "start"),
            e.find_attr("ip/dhcp/range", "end"),
        ),
        (
            Some(net.gateway().to_string().as_str()),
            Some(start.to_string().as_str()),
            Some(end.to_string().as_str()),
        ),
        "the dump keeps the address and the DHCP range",
    );
    t.is(
        (
            e.find_attr("ip/dhcp/host", "mac"),
            e.find_attr("ip/dhcp/host", "ip"),
        ),
        (
            Some(guest_mac.as_str()),
            Some(net.host(50).to_string().as_str()),
        ),
        "the dump keeps the static DHCP host",
    );
    t.is(
        (
            e.find_attr("domain", "name"),
            e.find_text("dns/host/hostname"),
        ),
        (Some("tck.example"), Some("tck-host".to_string())),
        "the dump keeps the domain and the DNS host",
    );

    let again = t.ok_result(
        conn.define_network_xml(&first),
        "redefine the network from its dump",
    )?;
    t.same_text(
        &again.xml_desc(INACTIVE)?,
        &first,
        "the second dump is identical to the first",
    );
    t.ok_result(n.undefine(), "undefine the network")?;
    let fresh = conn.define_network_xml(&first)?;
    t.same_text(
        &fresh.xml_desc(INACTIVE)?,
        &first,
        "a new network defined from the dump dumps identically",
    );
    fresh.undefine()?;
    Ok(())
}
