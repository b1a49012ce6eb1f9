//! Under clean-traffic a guest cannot announce addresses that are not its own: its gratuitous ARP for its own address reaches the host's bridge, while ARP claiming another address, or answering for the gateway's, does not.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::host::net::capture::{parse_mac, Capture};

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU"]),
        Require::BootedGuest,
        Require::Root,
        Require::LocalHost,
    ],
    tags: &["nwfilter", "network", "guest", "traffic"],
    timeout: Some(180),
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    let mut g = t.precondition(cx.filtered_guest("clean-traffic", &[]))?;
    t.plan(5);
    let mac = parse_mac(&g.mac).ok_or("bad MAC")?;
    let (own, other, gw) = (g.ip, g.subnet.host(50), g.gateway());

    let mut cap = Capture::open(&g.bridge)?;
    // -U: unsolicited (gratuitous) ARP; -A: ARP replies; -s: the sender
    // address claimed. arping exits non-zero when nobody answers.
    g.run(&format!("arping -U -c 2 -w 3 -I eth0 -s {own} {own}"))?;
    g.run(&format!("arping -U -c 2 -w 3 -I eth0 -s {other} {other}"))?;
    g.run(&format!("arping -A -c 2 -w 3 -I eth0 -s {gw} {gw}"))?;
    let seen = cap.collect(Duration::from_millis(300), |_| false)?;
    let claims = |ip| -> Vec<String> {
        seen.iter()
            .filter(|f| f.src == mac && f.arp().is_some_and(|a| a.sender_ip == ip))
            .map(|f| f.describe())
            .collect()
    };
    t.ok(
        !claims(own).is_empty(),
        "the guest's ARP for its own address reaches the bridge",
    );
    let (o, w) = (claims(other), claims(gw));
    t.point(
        o.is_empty(),
        "its ARP claiming another address does not",
        (!o.is_empty()).then(|| Yaml::Seq(o.into_iter().map(Yaml::Str).collect())),
    );
    t.point(
        w.is_empty(),
        "its ARP replies claiming the gateway's address do not",
        (!w.is_empty()).then(|| Yaml::Seq(w.into_iter().map(Yaml::Str).collect())),
    );
    let ping = g.ping(gw, 3)?;
    t.ok(
        ping.all_answered(),
        "its pings to the gateway are still answered",
    );
    t.ok_result(g.stop(), "stop the guest and its network")?;
    Ok(())
}
