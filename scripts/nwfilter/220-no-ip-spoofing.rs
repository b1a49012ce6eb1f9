//! Under clean-traffic a guest cannot send from another IP address: from its own address its pings are answered; from a spoofed one no ping is answered and neither IPv4 nor ARP from that address reaches the host's bridge; with its address back it works again.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::host::net::capture::Capture;

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
    t.plan(6);
    let gw = g.gateway();
    let own = g.ip;
    let spoofed = g.subnet.host(11);

    let mut cap = Capture::open(&g.bridge)?;
    let ping = g.ping(gw, 3)?;
    t.ok(
        ping.all_answered(),
        "from its own address the guest's pings are answered",
    );
    let seen = cap.collect(Duration::from_millis(300), |_| false)?;
    t.ok(
        seen.iter().any(|f| f.ipv4().is_some_and(|i| i.src == own)),
        "and its IPv4 packets reach the bridge",
    );

    g.set_ip(spoofed)?;
    let mut cap = Capture::open(&g.bridge)?;
    let ping = g.ping(gw, 3)?;
    t.point(
        ping.received == 0,
        "from a spoofed address no ping is answered",
        (ping.received > 0).then(|| Yaml::map([("ping", Yaml::Str(ping.output.clone()))])),
    );
    let leaked: Vec<String> = cap
        .collect(Duration::from_millis(300), |_| false)?
        .iter()
        .filter(|f| {
            f.ipv4().is_some_and(|i| i.src == spoofed)
                || f.arp().is_some_and(|a| a.sender_ip == spoofed)
        })
        .map(|f| f.describe())
        .collect();
    t.point(
        leaked.is_empty(),
        "no IPv4 or ARP from the spoofed address reaches the bridge",
        (!leaked.is_empty()).then(|| Yaml::Seq(leaked.into_iter().map(Yaml::Str).collect())),
    );

    g.set_ip(own)?;
    let ping = g.ping(gw, 3)?;
    t.ok(
        ping.all_answered(),
        "with its address back the guest's pings are answered again",
    );
    t.ok_result(g.stop(), "stop the guest and its network")?;
    Ok(())
}
