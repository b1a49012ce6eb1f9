//! A filter built on clean-traffic plus TCP, UDP and IPv6 rules, applied to a running guest's NIC, puts the matching rules in the host firewall (the guest's MAC and IP in its layer-2 checks, the ports in its layer-3 chains, followed from its host device) and every trace of them is gone once the guest stops.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::builders::{Interface, Ip, Rule};
use tck::virt::host::net::nwfilter::{normalise_mac, Direction, FilterRules};
use tck::virt::host::net::{self as hostnet, Rule as FwRule};
use tck::virt::poll;

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU"]),
        Require::Root,
        Require::LocalHost,
        Require::Tool("ebtables-save"),
        Require::Tool("iptables-save"),
        Require::Tool("ip6tables-save"),
    ],
    tags: &["nwfilter", "network", "guest", "host"],
    ..Meta::DEFAULT
};

fn show(rules: &[&FwRule]) -> Yaml {
    Yaml::Seq(rules.iter().map(|r| Yaml::Str(r.to_string())).collect())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let subnet = cx.free_subnet()?;
    t.plan(13);
    let conn = cx.connect()?;
    let br = cx.bridge_name("br")?;
    let gw = subnet.gateway().to_string();
    let net = t.ok_result(
        conn.create_network_xml(&cx.network(&br).ip(Ip::v4(&gw, 24)).as_xml()),
        "create a network on a free subnet",
    )?;
    let name = cx.name("f");
    let filter = cx
        .nwfilter(&name)
        .filterref("clean-traffic", &[])
        .rule(
            Rule::new("accept", "in")
                .priority(100)
                .protocol("tcp", &[("dstportstart", "22")]),
        )
        .rule(
            Rule::new("drop", "out")
                .priority(110)
                .protocol("udp", &[("dstportstart", "5353")]),
        )
        .rule(
            Rule::new("drop", "inout")
                .priority(120)
                .protocol("mac", &[("protocolid", "ipv6")]),
        );
    let f = t.ok_result(
        conn.define_nwfilter_xml(&filter.as_xml()),
        "define the filter",
    )?;

    let (mac, ip) = (cx.mac(1), subnet.host(10).to_string());
    let nic = Interface::network(&br)
        .mac(&mac)
        .filterref(&name, &[("IP", ip.as_str())]);
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&cx.name("dom"))?.interface(nic).as_xml(), 0),
        "start a guest whose NIC uses the filter",
    )?;
    let tap = hostnet::guest_nic(&dom.xml_desc(0)?, &mac)?
        .and_then(|n| n.target)
        .ok_or("the running guest's NIC has no host device")?;
    t.note(&format!("guest NIC {mac} on host device {tap}, IP {ip}"));

    // Instantiation is part of the start, but allow the driver a moment.
    let fw = poll::until(Duration::from_secs(3), FilterRules::list, |f| {
        !f.rules_of(&tap, Direction::FromGuest).is_empty()
    })?;
    let from = fw.rules_of(&tap, Direction::FromGuest);
    let to = fw.rules_of(&tap, Direction::ToGuest);
    let l2 = |r: &&&FwRule| r.family == "eb";
    let l3 = |r: &&&FwRule| r.family == "ipv4";
    let want_mac = normalise_mac(&mac).unwrap_or_default();
    let mut check = |ok: bool, desc: &str, rules: &[&FwRule]| {
        t.point(ok, desc, (!ok).then(|| Yaml::map([("rules", show(rules))])));
    };
    check(
        from.iter()
            .filter(l2)
            .any(|r| r.option("-s").and_then(normalise_mac).as_deref() == Some(want_mac.as_str())),
        "a layer-2 rule from the guest matches its source MAC",
        &from,
    );
    check(
        from.iter()
            .filter(l2)
            .any(|r| r.option("--ip-src") == Some(ip.as_str())),
        "a layer-2 rule from the guest matches its IPv4 source address",
        &from,
    );
    check(
        from.iter()
            .filter(l2)
            .any(|r| r.option("--arp-ip-src") == Some(ip.as_str()))
            && from.iter().filter(l2).any(|r| {
                r.option("--arp-mac-src").and_then(normalise_mac).as_deref()
                    == Some(want_mac.as_str())
            }),
        "layer-2 rules from the guest match its ARP sender IP and MAC",
        &from,
    );
    check(
        [&from, &to].iter().all(|rs| {
            rs.iter().filter(l2).any(|r| {
                r.option("-p")
                    .is_some_and(|p| p.eq_ignore_ascii_case("ipv6"))
                    && r.target() == Some("DROP")
            })
        }),
        "IPv6 is dropped in both directions",
        &from,
    );
    check(
        to.iter().filter(l3).any(|r| {
            r.option("-p") == Some("tcp")
                && r.option("--dport") == Some("22")
                && r.target() == Some("ACCEPT")
        }),
        "TCP port 22 to the guest is accepted",
        &to,
    );
    check(
        from.iter().filter(l3).any(|r| {
            r.option("-p") == Some("udp")
                && r.option("--dport") == Some("5353")
                && r.target() == Some("DROP")
        }),
        "UDP port 5353 from the guest is dropped",
        &from,
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    let left = poll::until(
        Duration::from_secs(3),
        || FilterRules::list().map(|f| f.traces_of(&tap)),
        |l| l.is_empty(),
    )?;
    let gone = left.is_empty();
    t.point(
        gone,
        "no rule or chain names the guest's host device after it stopped",
        (!gone)
            .then(|| Yaml::map([("left", Yaml::Seq(left.into_iter().map(Yaml::Str).collect()))])),
    );
    t.ok_result(f.undefine(), "undefine the filter")?;
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}
