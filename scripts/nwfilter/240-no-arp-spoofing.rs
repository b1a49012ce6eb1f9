//! Under clean-traffic a guest cannot announce addresses that are not its own: its gratuitous ARP for its own address reaches the host's bridge, while ARP claiming another address, or answering for the gateway's, does not, though the guest really sent it.

use std::net::Ipv4Addr;
use std::time::Duration;
use tck::prelude::*;
use tck::virt::guestnet::{FilteredGuest, GUEST_NIC};
use tck::virt::host::net::capture::{parse_mac, Capture, Frame};

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

/// Has the guest send ARP (`mode`: `-U` unsolicited/gratuitous, `-A`
/// replies) claiming `addr`, with `addr` on its NIC while arping runs:
/// busybox arping binds to the address it claims and sends nothing when
/// the guest does not own it.
fn claim(g: &mut FilteredGuest, mode: &str, addr: Ipv4Addr, owned: bool) -> Result<(), Stop> {
    if !owned {
        g.check(&format!("ip addr add {addr}/32 dev {GUEST_NIC}"))?;
    }
    // arping exits non-zero when nobody answers: its status says nothing.
    let sent = g.run(&format!(
        "arping {mode} -c 2 -w 3 -I {GUEST_NIC} -s {addr} {addr}"
    ));
    if !owned {
        g.check(&format!("ip addr del {addr}/32 dev {GUEST_NIC}"))?;
    }
    sent.map(|_| ())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    let mut g = t.precondition(cx.filtered_guest("clean-traffic", &[]))?;
    t.plan(7);
    let mac = parse_mac(&g.mac).ok_or("bad MAC")?;
    let (own, other, gw) = (g.ip, g.subnet.host(50), g.gateway());

    // The tap sees the guest's frames before the filter, the bridge only
    // those the filter let through.
    let mut on_tap = Capture::open(&g.tap)?;
    let mut on_bridge = Capture::open(&g.bridge)?;
    claim(&mut g, "-U", own, true)?;
    claim(&mut g, "-U", other, false)?;
    claim(&mut g, "-A", gw, false)?;
    let sent = on_tap.collect(Duration::from_millis(300), |_| false)?;
    let seen = on_bridge.collect(Duration::from_millis(300), |_| false)?;
    let claims = |frames: &[Frame], ip| -> Vec<String> {
        frames
            .iter()
            .filter(|f| f.src == mac && f.arp().is_some_and(|a| a.sender_ip == ip))
            .map(|f| f.describe())
            .collect()
    };
    let reached = !claims(&seen, own).is_empty();
    t.point(
        reached,
        "the guest's ARP for its own address reaches the bridge",
        (!reached).then(|| {
            Yaml::map([
                (
                    "sent",
                    Yaml::Seq(claims(&sent, own).into_iter().map(Yaml::Str).collect()),
                ),
                (
                    "bridge",
                    Yaml::Seq(seen.iter().map(|f| Yaml::Str(f.describe())).collect()),
                ),
            ])
        }),
    );
    t.ok(
        !claims(&sent, other).is_empty(),
        "the guest sends ARP claiming another address",
    );
    let (o, w) = (claims(&seen, other), claims(&seen, gw));
    t.point(
        o.is_empty(),
        "its ARP claiming another address does not reach the bridge",
        (!o.is_empty()).then(|| Yaml::Seq(o.into_iter().map(Yaml::Str).collect())),
    );
    t.ok(
        !claims(&sent, gw).is_empty(),
        "the guest sends ARP replies claiming the gateway's address",
    );
    t.point(
        w.is_empty(),
        "its ARP replies claiming the gateway's address do not reach the bridge",
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
