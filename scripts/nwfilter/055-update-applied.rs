//! Redefining a filter that a running guest uses rewrites the guest's host rules at once: the new port appears and the old one is gone, while the guest keeps running.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::builders::{Interface, Ip, Rule};
use tck::virt::host;
use tck::virt::host::net as hostnet;
use tck::virt::host::net::nwfilter::{Direction, FilterRules};
use tck::virt::poll;

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU"]),
        Require::Root,
        Require::LocalHost,
        Require::Tool("iptables-save"),
    ],
    tags: &["nwfilter", "network", "guest", "host"],
    ..Meta::DEFAULT
};

/// The TCP destination ports accepted towards the guest on `tap`: its
/// TCP rules are iptables rules, so only `iptables-save` is read.
fn ports_to(tap: &str) -> Result<Vec<String>, Stop> {
    let saved = host::run::<&str>("iptables-save", &[])?;
    let fw = FilterRules::parse(&[("ipv4", &saved)]);
    let mut ports: Vec<String> = fw
        .rules_of(tap, Direction::ToGuest)
        .into_iter()
        .filter(|r| r.option("-p") == Some("tcp") && r.target() == Some("ACCEPT"))
        .filter_map(|r| r.option("--dport").map(str::to_string))
        .collect();
    ports.sort();
    ports.dedup();
    Ok(ports)
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let subnet = cx.free_subnet()?;
    t.plan(10);
    let conn = cx.connect()?;
    let br = cx.bridge_name("br")?;
    let net = t.ok_result(
        conn.create_network_xml(
            &cx.network(&br)
                .ip(Ip::v4(&subnet.gateway().to_string(), 24))
                .as_xml(),
        ),
        "create a network on a free subnet",
    )?;
    let name = cx.name("f");
    let filter = |port: &str| {
        cx.nwfilter(&name)
            .chain("ipv4")
            .rule(Rule::new("accept", "in").protocol("tcp", &[("dstportstart", port)]))
    };
    let f = t.ok_result(
        conn.define_nwfilter_xml(&filter("22").as_xml()),
        "define a filter accepting TCP port 22",
    )?;
    let uuid = f.uuid_string()?;

    let mac = cx.mac(1);
    let nic = Interface::network(&br).mac(&mac).filterref(&name, &[]);
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&cx.name("dom"))?.interface(nic).as_xml(), 0),
        "start a guest whose NIC uses the filter",
    )?;
    let tap = hostnet::guest_nic(&dom.xml_desc(0)?, &mac)?
        .and_then(|n| n.target)
        .ok_or("the running guest's NIC has no host device")?;
    let ports = poll::until(Duration::from_secs(3), || ports_to(&tap), |p| !p.is_empty())?;
    t.is(
        ports.clone(),
        vec!["22".to_string()],
        "the host accepts TCP port 22 to the guest",
    );

    t.ok_result(
        conn.define_nwfilter_xml(&filter("2222").uuid(&uuid).as_xml()),
        "redefine the filter to accept TCP port 2222 instead",
    )?;
    let ports = poll::until(
        Duration::from_secs(3),
        || ports_to(&tap),
        |p| p == &["2222"],
    )?;
    let changed = ports == ["2222"];
    t.point(
        changed,
        "the host now accepts TCP port 2222 to the guest, and no longer port 22",
        (!changed).then(|| {
            Yaml::map([(
                "ports",
                Yaml::Seq(ports.iter().cloned().map(Yaml::Str).collect()),
            )])
        }),
    );
    t.ok(dom.is_active()?, "the guest kept running");

    t.ok_result(dom.destroy(), "destroy the guest")?;
    t.ok_result(f.undefine(), "undefine the filter")?;
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}
