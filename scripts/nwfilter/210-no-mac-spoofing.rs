//! Under clean-traffic a guest cannot send with another MAC address: with its own MAC its pings are answered and its frames reach the host's bridge; with a spoofed MAC no ping is answered and no frame from that MAC reaches the bridge; with its MAC back it works again.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::host::net::capture::{format_mac, parse_mac, Capture};

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

/// Frames from `mac` that reached the bridge while `ping` ran.
fn frames_from(cap: &mut Capture, mac: &str) -> Result<Vec<String>, Stop> {
    let want = parse_mac(mac).ok_or("bad MAC")?;
    let frames = cap.collect(Duration::from_millis(300), |_| false)?;
    Ok(frames
        .iter()
        .filter(|f| f.src == want)
        .map(|f| f.describe())
        .collect())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    let mut g = t.precondition(cx.filtered_guest("clean-traffic", &[]))?;
    t.plan(6);
    let gw = g.gateway();
    let own = g.mac.clone();
    let spoofed = format_mac(&parse_mac(&cx.mac(0x99)).ok_or("bad MAC")?);

    let mut cap = Capture::open(&g.bridge)?;
    let ping = g.ping(gw, 3)?;
    t.ok(
        ping.all_answered(),
        "with its own MAC the guest's pings are answered",
    );
    t.ok(
        !frames_from(&mut cap, &own)?.is_empty(),
        "and its frames reach the bridge",
    );

    g.set_mac(&spoofed)?;
    let mut cap = Capture::open(&g.bridge)?;
    let ping = g.ping(gw, 3)?;
    t.point(
        ping.received == 0,
        "with a spoofed MAC no ping is answered",
        (ping.received > 0).then(|| Yaml::map([("ping", Yaml::Str(ping.output.clone()))])),
    );
    let leaked = frames_from(&mut cap, &spoofed)?;
    t.point(
        leaked.is_empty(),
        "no frame from the spoofed MAC reaches the bridge",
        (!leaked.is_empty()).then(|| Yaml::Seq(leaked.into_iter().map(Yaml::Str).collect())),
    );

    g.set_mac(&own)?;
    let ping = g.ping(gw, 3)?;
    t.ok(
        ping.all_answered(),
        "with its MAC back the guest's pings are answered again",
    );
    t.ok_result(g.stop(), "stop the guest and its network")?;
    Ok(())
}
