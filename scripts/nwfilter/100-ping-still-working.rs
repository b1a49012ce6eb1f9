//! A booted guest whose NIC uses clean-traffic (with its address as `IP`) still reaches the host: its pings to the network's gateway are all answered, the host rules for its device match its MAC and IP, and they are gone once it stops.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::host::net::nwfilter::{normalise_mac, Direction, FilterRules};
use tck::virt::poll;

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU"]),
        Require::BootedGuest,
        Require::Root,
        Require::LocalHost,
        Require::Tool("ebtables-save"),
        Require::Tool("iptables-save"),
        Require::Tool("ip6tables-save"),
    ],
    tags: &["nwfilter", "network", "guest", "traffic"],
    timeout: Some(180),
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    let mut g = t.precondition(cx.filtered_guest("clean-traffic", &[]))?;
    t.plan(5);
    t.note(&format!(
        "guest {} {} on {} (host device {})",
        g.mac, g.ip, g.bridge, g.tap
    ));
    let fw = FilterRules::list()?;
    let from = fw.rules_of(&g.tap, Direction::FromGuest);
    let mac = normalise_mac(&g.mac).unwrap_or_default();
    let ip = g.ip.to_string();
    t.ok(
        from.iter()
            .any(|r| r.option("-s").and_then(normalise_mac) == Some(mac.clone())),
        "the host's rules for the guest's device match its MAC",
    );
    t.ok(
        from.iter()
            .any(|r| r.option("--ip-src") == Some(ip.as_str())),
        "and its IP address",
    );
    let gw = g.gateway();
    let ping = g.ping(gw, 5)?;
    t.point(
        ping.all_answered(),
        "every ping from the guest to the gateway is answered",
        (!ping.all_answered()).then(|| Yaml::map([("ping", Yaml::Str(ping.output.clone()))])),
    );
    let tap = g.tap.clone();
    t.ok_result(g.stop(), "stop the guest and its network")?;
    let gone = poll::until(
        Duration::from_secs(3),
        || FilterRules::list().map(|f| f.traces_of(&tap)),
        |l| l.is_empty(),
    )?
    .is_empty();
    t.ok(
        gone,
        "no host rule names the guest's device after it stopped",
    );
    Ok(())
}
