//! Interface bandwidth of a running persistent domain's NIC (on a network of its own): inbound and outbound average, peak and burst set in the configuration and live read back and show in the matching XML, each without touching the other, clearing a direction removes it, and an unknown interface raises InvalidArg.

use tck::prelude::*;
use tck::virt::builders::{Bandwidth, Interface, Ip, Rate};
use tck::virt::shim::{domain_interface_bandwidth as get, domain_set_interface_bandwidth as set};
use tck::virt::xmltree::Element;
use virt::sys::{
    VIR_DOMAIN_AFFECT_CONFIG as CONFIG, VIR_DOMAIN_AFFECT_LIVE as LIVE, VIR_DOMAIN_XML_INACTIVE,
};

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(16);
    let conn = cx.connect()?;
    let subnet = cx.free_subnet()?;
    let net_name = cx.name("net");
    let net_xml = cx
        .network(&net_name)
        .ip(Ip::v4(&subnet.gateway().to_string(), 24))
        .as_xml();
    let net = t.ok_result(
        conn.create_network_xml(&net_xml),
        &format!("create a network on {}", subnet.cidr()),
    )?;
    let mac = cx.mac(1);
    let xml = cx
        .domain(&cx.name("dom"))?
        .interface(Interface::network(&net_name).mac(&mac).model("virtio"))
        .as_xml();
    let dom = t.ok_result(
        conn.define_domain_xml(&xml),
        "define a domain with a NIC on it",
    )?;
    t.ok_result(dom.create(), "start the domain")?;
    // The NIC is named by its MAC: the host device name (vnetN) exists
    // only while the domain runs, and not in its configuration.
    let dev = mac.as_str();

    let limits = Bandwidth {
        inbound: Some(Rate::average(1000).peak(2000).burst(4096)),
        outbound: Some(Rate::average(500).peak(1500).burst(2048)),
    };
    let xml_has = |flags: u32| -> Result<bool, Stop> {
        let x =
            Element::parse(&dom.xml_desc(flags)?).map_err(|e| format!("bad domain XML: {e}"))?;
        Ok(
            x.find_attr("devices/interface/bandwidth/inbound", "average") == Some("1000")
                && x.find_attr("devices/interface/bandwidth/outbound", "burst") == Some("2048"),
        )
    };

    // The configuration first: no host traffic control is involved.
    t.is(
        get(&dom, dev, CONFIG)?,
        Bandwidth::default(),
        "no bandwidth is configured at first",
    );
    t.ok_result(
        set(&dom, dev, &limits, CONFIG),
        "configure inbound and outbound average, peak and burst",
    )?;
    t.is(
        get(&dom, dev, CONFIG)?,
        limits,
        "the configured bandwidth reads back as set",
    );
    t.ok(
        xml_has(VIR_DOMAIN_XML_INACTIVE)?,
        "the persistent XML carries the bandwidth",
    );
    t.is(
        get(&dom, dev, LIVE)?,
        Bandwidth::default(),
        "the configuration change left the live NIC alone",
    );

    // Live: the daemon shapes the host side of the NIC with tc.
    match set(&dom, dev, &limits, LIVE) {
        Err(e) if e.message().contains("qdisc kind is unknown") => {
            let why = format!(
                "missing host support: the host kernel lacks a queueing discipline libvirt shapes traffic with ({})",
                e.message().trim()
            );
            t.skip_point("set the same bandwidth live", &why);
            dom.destroy()?;
            dom.undefine()?;
            net.destroy()?;
            return Err(Stop::Skip(why));
        }
        r => t.ok_result(r, "set the same bandwidth live")?,
    };
    t.is(
        get(&dom, dev, LIVE)?,
        limits,
        "the live bandwidth reads back as set",
    );
    t.ok(xml_has(0)?, "the live XML carries the bandwidth");
    let clear_in = Bandwidth {
        inbound: Some(Rate::average(0)),
        outbound: None,
    };
    t.ok_result(
        set(&dom, dev, &clear_in, LIVE),
        "clear the inbound limits live (average 0)",
    )?;
    t.is(
        get(&dom, dev, LIVE)?,
        Bandwidth {
            inbound: None,
            outbound: limits.outbound,
        },
        "only the outbound limits are left live",
    );
    t.is(
        get(&dom, dev, CONFIG)?,
        limits,
        "the live change left the configuration alone",
    );
    t.err_code(
        get(&dom, "tck-none0", LIVE),
        ErrorNumber::InvalidArg,
        "asking for an interface the domain does not have raises InvalidArg",
    );

    t.ok_result(dom.destroy(), "destroy the domain")?;
    dom.undefine()?;
    net.destroy()?;
    Ok(())
}
