//! A NAT and a routed network, each on a free subnet, are applied to the host as configured — bridge with the gateway address, dnsmasq serving the DHCP range, forwarding (and for NAT masquerading) rules in the firewall backend libvirt uses — and all of it is gone after destroy.
//!
//! Checked semantically, whatever the iptables, nftables or dnsmasq
//! versions print (the Perl kit diffed their output against golden files).

use std::convert::Infallible;
use std::time::Duration;
use tck::prelude::*;
use tck::virt::alloc::Subnet;
use tck::virt::host::net::{self as hostnet, DhcpRange, DnsmasqConf};
use tck::virt::poll;

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU"]),
        Require::Root,
        Require::LocalHost,
    ],
    tags: &["network", "host"],
    ..Meta::DEFAULT
};

const POINTS: u64 = 14;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let nat = cx.free_subnet()?;
    let routed = cx.free_subnet()?;
    t.plan(2 * POINTS);
    apply_and_remove(t, cx, "nat", &cx.bridge_name("nat")?, nat)?;
    apply_and_remove(t, cx, "route", &cx.bridge_name("rt")?, routed)?;
    Ok(())
}

fn apply_and_remove(t: &mut Tap, cx: &Context, mode: &str, br: &str, net: Subnet) -> Outcome {
    let p = |what: &str| format!("{mode}: {what}");
    let (cidr, gw) = (net.cidr(), net.gateway());
    let (lo, hi) = net.dhcp_range();
    let xml = cx.network(br).forward(mode).ip(net.dhcp_ip()).as_xml();
    let n = t.ok_result(
        cx.connect()?.create_network_xml(&xml),
        &p("create the network on a free subnet"),
    )?;

    let link = hostnet::link(br)?;
    t.ok(
        link.as_ref().is_some_and(|l| l.is_bridge() && l.up),
        &p("the network's bridge exists and is up"),
    );
    let addrs = link.as_ref().map(|l| l.addr_list()).unwrap_or_default();
    t.ok(
        link.is_some_and(|l| l.has_addr(gw.into(), 24)),
        &p("the bridge has the gateway address with the subnet's prefix"),
    );
    if !addrs.is_empty() {
        t.note(&format!("{br}: {addrs}"));
    }

    let conf_path = hostnet::dnsmasq_conf_path(br);
    let conf = DnsmasqConf::parse(&std::fs::read_to_string(&conf_path).unwrap_or_default());
    t.ok(
        conf.interfaces().contains(&br),
        &p("dnsmasq's configuration serves the bridge"),
    );
    t.is(
        conf.dhcp_ranges(),
        vec![DhcpRange {
            start: lo.into(),
            end: hi.into(),
        }],
        &p("dnsmasq's configuration has the network's DHCP range"),
    );
    t.ok(
        !hostnet::dnsmasq_for(br).is_empty(),
        &p("a dnsmasq process runs with that configuration"),
    );

    let (backend, how) = hostnet::firewall_backend(br);
    t.note(&format!("firewall backend {} ({how})", backend.name()));
    let rules = hostnet::list_rules(backend)?;
    let mine = hostnet::network_rules(&rules, &[br, &cidr]);
    t.ok(
        mine.iter()
            .any(|r| r.is_accept() && r.from_net(&cidr) && r.in_dev(br)),
        &p("the firewall forwards traffic from the subnet arriving on the bridge"),
    );
    let inward = mine
        .iter()
        .filter(|r| r.is_accept() && r.to_net(&cidr) && r.out_dev(br));
    let masq = mine
        .iter()
        .any(|r| r.is_masquerade() && r.from_net(&cidr) && !r.to_net(&cidr));
    if mode == "nat" {
        t.ok(
            inward.clone().count() > 0 && inward.clone().all(|r| r.replies_only()),
            &p("the firewall lets only replies into the subnet"),
        );
        t.ok(masq, &p("traffic leaving the subnet is masqueraded"));
    } else {
        t.ok(
            inward.clone().any(|r| !r.replies_only()),
            &p("the firewall lets new connections into the subnet"),
        );
        t.ok(!masq, &p("nothing from the subnet is masqueraded"));
    }
    if t.failed() > 0 {
        let listed: Vec<String> = mine.iter().map(|r| r.to_string()).collect();
        t.diag(&format!(
            "{mode}: rules for {br} / {cidr}:\n{}",
            listed.join("\n")
        ));
    }

    t.ok_result(n.destroy(), &p("destroy the network"))?;
    let eventually = |f: &dyn Fn() -> bool| {
        poll::until(Duration::from_secs(3), || Ok::<_, Infallible>(f()), |b| *b).unwrap_or(false)
    };
    t.ok(
        eventually(&|| !hostnet::link_exists(br)),
        &p("the bridge is gone"),
    );
    t.ok(!conf_path.exists(), &p("dnsmasq's configuration is gone"));
    t.ok(
        eventually(&|| hostnet::dnsmasq_for(br).is_empty()),
        &p("no dnsmasq serves the network any more"),
    );
    let left: Vec<String> = hostnet::network_rules(&hostnet::list_rules(backend)?, &[br, &cidr])
        .iter()
        .map(|r| r.to_string())
        .collect();
    t.is(
        left,
        Vec::<String>::new(),
        &p("no firewall rule mentions the bridge or the subnet"),
    );
    Ok(())
}
