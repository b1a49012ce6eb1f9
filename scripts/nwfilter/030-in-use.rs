//! A filter a running guest uses, directly or through another filter, cannot be undefined (OperationInvalid); once the guest stops it can, and a guest whose filter tree then misses a filter does not start.

use tck::prelude::*;
use tck::virt::builders::{Interface, Ip, Rule};

pub const META: Meta = Meta {
    requires: &[Require::Driver(&["QEMU"])],
    tags: &["nwfilter", "network", "guest"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let subnet = cx.free_subnet()?;
    t.plan(12);
    let conn = cx.connect()?;
    let br = cx.bridge_name("br")?;
    let gw = subnet.gateway().to_string();
    let net = t.ok_result(
        conn.create_network_xml(&cx.network(&br).ip(Ip::v4(&gw, 24)).as_xml()),
        "create a network on a free subnet",
    )?;
    let (child, parent) = (cx.name("child"), cx.name("parent"));
    let rule = Rule::new("accept", "in").protocol("tcp", &[("dstportstart", "22")]);
    let fc = t.ok_result(
        conn.define_nwfilter_xml(&cx.nwfilter(&child).chain("ipv4").rule(rule).as_xml()),
        "define a filter",
    )?;
    let fp = t.ok_result(
        conn.define_nwfilter_xml(
            &cx.nwfilter(&parent)
                .filterref("clean-traffic", &[])
                .filterref(&child, &[])
                .as_xml(),
        ),
        "define a filter that references it",
    )?;

    let ip = subnet.host(10).to_string();
    let nic = Interface::network(&br)
        .mac(&cx.mac(1))
        .filterref(&parent, &[("IP", ip.as_str())]);
    let xml = cx.domain(&cx.name("dom"))?.interface(nic).as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "a guest whose NIC uses the referencing filter starts",
    )?;
    t.err_code(
        fc.undefine(),
        ErrorNumber::OperationInvalid,
        "the filter the guest uses indirectly cannot be undefined",
    );
    t.err_code(
        fp.undefine(),
        ErrorNumber::OperationInvalid,
        "the filter the guest uses directly cannot be undefined",
    );
    t.ok(
        conn.lookup_nwfilter_by_name(&child).is_ok()
            && conn.lookup_nwfilter_by_name(&parent).is_ok(),
        "both filters are still defined",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    t.ok_result(
        fc.undefine(),
        "with the guest stopped, the referenced filter can be undefined",
    )?;
    match conn.create_domain_xml(&xml, 0) {
        Ok(d) => {
            let _ = d.destroy();
            t.fail(
                "a guest whose filter tree misses a filter does not start",
                Yaml::map([("got", Yaml::Str("the guest started".into()))]),
            );
        }
        Err(e) => {
            // libvirt says INTERNAL_ERROR "referenced filter … is missing";
            // the documented behaviour is only that the guest does not start.
            t.note(&format!("start refused: {}", LibvirtError::from(e)));
            t.pass("a guest whose filter tree misses a filter does not start");
        }
    }
    t.ok_result(fp.undefine(), "undefine the referencing filter")?;
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}
