//! A guest NIC on a libvirt virtual network (networks/300–380): the guest
//! starts with one NIC on the network, its live XML puts the NIC there,
//! and the NIC's host-side device (`<target dev>`) is what the network's
//! forward mode promises — a port of the network's bridge, a macvtap on
//! the configured host NIC — until the guest stops.
//!
//! [`on_subnet`] and [`on_macvtap`] are whole scripts, parameterised by
//! forward mode; the bridge and hostdev scripts check more and use the
//! pieces ([`start_guest`], [`Guest::stop`], the `assert_*` points).
//! Host-side checks are skipped, with the reason, where the host cannot be
//! inspected ([`hostnet::inspectable`]: a remote URI, the test driver).

use crate::prelude::*;
use crate::virt::builders::{Interface, NetworkBuilder};
use crate::virt::host::net as hostnet;
use std::time::Duration;
use virt::domain::Domain;

/// A network with its own bridge on a free /24 with a DHCP range
/// (networks/300–330).
#[derive(Debug, Clone, Copy)]
pub struct SubnetNetwork {
    /// libvirt's forward mode; `None` for an isolated network.
    pub forward: Option<&'static str>,
    /// The description of the test point that creates the network.
    pub create: &'static str,
    /// Also check, before the guest starts, that libvirt added no firewall
    /// rule for the network (what forward mode `open` promises).
    pub no_firewall_rules: bool,
}

/// A guest on a [`SubnetNetwork`]: its NIC's host device is a port of the
/// network's bridge while it runs, and gone after. 7 test points (8 with
/// [`SubnetNetwork::no_firewall_rules`]); skips when no subnet is free.
pub fn on_subnet(t: &mut Tap, cx: &Context, n: &SubnetNetwork) -> Outcome {
    let subnet = cx.free_subnet()?;
    t.plan(if n.no_firewall_rules { 8 } else { 7 });
    let conn = cx.connect()?;
    let br = cx.bridge_name("net")?;
    let mut xml = cx.network(&br);
    if let Some(mode) = n.forward {
        xml = xml.forward(mode);
    }
    let net = t.ok_result(
        conn.create_network_xml(&xml.ip(subnet.dhcp_ip()).as_xml()),
        n.create,
    )?;
    if n.no_firewall_rules {
        let desc = "libvirt adds no firewall rule for the open network";
        match hostnet::firewall_inspectable(cx) {
            Err(why) => t.skip_point(desc, &why),
            Ok(()) => {
                let (backend, _) = hostnet::firewall_backend(&br);
                let rules = hostnet::list_rules(backend)?;
                let found = hostnet::network_rules(&rules, &[&br, &subnet.cidr()]);
                let listed: Vec<String> = found.iter().map(|r| r.to_string()).collect();
                t.is(listed, Vec::<String>::new(), desc);
            }
        }
    }

    let guest = start_guest(t, cx, &br)?;
    assert_port_of(
        t,
        cx,
        guest.dev.as_deref(),
        &br,
        "the NIC's host device is a port of the network's bridge",
    );
    guest.stop(t, cx, "the NIC's host device is gone")?;
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}

/// A macvtap network over the first configured host NIC
/// (networks/350–370).
#[derive(Debug, Clone, Copy)]
pub struct Macvtap {
    /// libvirt's forward mode: `private`, `vepa`, `passthrough`.
    pub forward: &'static str,
    /// The kernel's name for that macvtap mode (`passthru` for
    /// passthrough).
    pub kernel_mode: &'static str,
    /// Also check that the host NIC has its own MAC address back after the
    /// guest stops (passthrough lends it the guest's while it runs).
    pub nic_mac_restored: bool,
}

/// A guest on a [`Macvtap`] network: its NIC's host device is a macvtap
/// on the configured NIC in the network's mode while it runs, and gone
/// after. 7 test points (8 with [`Macvtap::nic_mac_restored`]); skips
/// when no `network_devices` are configured.
pub fn on_macvtap(t: &mut Tap, cx: &Context, m: &Macvtap) -> Outcome {
    let Some(host_nic) = cx.config().network_devices.first().cloned() else {
        return Err(Stop::Skip(
            "missing resource: no `network_devices` configured".into(),
        ));
    };
    t.plan(if m.nic_mac_restored { 8 } else { 7 });
    let conn = cx.connect()?;
    let name = cx.name("net");
    let xml = NetworkBuilder::new(&name)
        .forward(m.forward)
        .forward_interface(&host_nic)
        .as_xml();
    let net = t.ok_result(
        conn.create_network_xml(&xml),
        "create a macvtap network over the configured NIC",
    )?;

    let nic_mac = || {
        hostnet::inspectable(cx)
            .ok()
            .and_then(|()| hostnet::link_mac(&host_nic))
    };
    let mac_before = if m.nic_mac_restored { nic_mac() } else { None };
    let guest = start_guest(t, cx, &name)?;
    assert_macvtap(
        t,
        cx,
        guest.dev.as_deref(),
        &host_nic,
        m.kernel_mode,
        "the NIC's host device is a macvtap on the configured NIC in the network's mode",
    );
    guest.stop(t, cx, "the NIC's macvtap device is gone")?;
    if m.nic_mac_restored {
        let desc = "the configured NIC has its own MAC address back after the guest stops";
        match hostnet::inspectable(cx) {
            Err(why) => t.skip_point(desc, &why),
            Ok(()) => {
                t.is(nic_mac(), mac_before, desc);
            }
        }
    }
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}

/// A running guest with one NIC on a network, and that NIC's host-side
/// device as the live XML names it.
#[derive(Debug)]
pub struct Guest {
    pub dom: Domain,
    pub dev: Option<String>,
}

/// Starts a transient guest whose one NIC (MAC `cx.mac(1)`) is on the
/// network `network`. Two test points: it starts, and its live XML puts
/// the NIC on the network.
pub fn start_guest(t: &mut Tap, cx: &Context, network: &str) -> Result<Guest, Stop> {
    let conn = cx.connect()?;
    let mac = cx.mac(1);
    let nic = Interface::network(network).mac(&mac);
    let xml = cx.domain(&cx.name("dom"))?.interface(nic).as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "a guest with a NIC on the network starts",
    )?;
    let live = hostnet::guest_nic(&dom.xml_desc(0)?, &mac)?;
    t.is(
        live.as_ref().and_then(|n| n.source("network")),
        Some(network),
        "the running guest's NIC is on the network",
    );
    Ok(Guest {
        dom,
        dev: live.and_then(|n| n.target),
    })
}

impl Guest {
    /// Destroys the guest, then checks that its NIC's host device is gone
    /// (the test point `gone`). Two test points.
    pub fn stop(self, t: &mut Tap, cx: &Context, gone: &str) -> Outcome {
        t.ok_result(self.dom.destroy(), "destroy the guest")?;
        assert_link_gone(t, cx, self.dev.as_deref(), gone);
        Ok(())
    }
}

/// The host device a host-side check is about: `None` once the point
/// `desc` is settled without looking — skipped when the host cannot be
/// inspected, failed when the guest NIC names no device.
fn host_device<'a>(t: &mut Tap, cx: &Context, dev: Option<&'a str>, desc: &str) -> Option<&'a str> {
    if let Err(why) = hostnet::inspectable(cx) {
        t.skip_point(desc, &why);
        return None;
    }
    if dev.is_none() {
        t.fail(
            desc,
            Yaml::map([(
                "got",
                Yaml::from("the guest NIC names no <target dev> in the live XML"),
            )]),
        );
    }
    dev
}

/// One test point: the host device `dev` exists and is a port of
/// `bridge`.
pub fn assert_port_of(t: &mut Tap, cx: &Context, dev: Option<&str>, bridge: &str, desc: &str) {
    let Some(dev) = host_device(t, cx, dev, desc) else {
        return;
    };
    match hostnet::link(dev) {
        Ok(Some(l)) if l.master.as_deref() == Some(bridge) => t.pass(desc),
        Ok(Some(l)) => t.fail(
            desc,
            Yaml::map([
                ("device", Yaml::from(dev)),
                (
                    "got",
                    Yaml::Str(format!(
                        "master {}",
                        l.master.as_deref().unwrap_or("(none)")
                    )),
                ),
                ("expected", Yaml::Str(format!("master {bridge}"))),
                (
                    "bridge ports",
                    Yaml::Str(hostnet::bridge_ports(bridge).join(" ")),
                ),
            ]),
        ),
        Ok(None) => t.fail(desc, no_link(dev)),
        Err(e) => t.fail(desc, Yaml::map([("error", Yaml::Str(e.to_string()))])),
    };
}

/// One test point: the host device `dev` is a macvtap on `lower` in the
/// kernel's macvtap `mode` (`private`, `vepa`, `bridge`, `passthru`).
pub fn assert_macvtap(
    t: &mut Tap,
    cx: &Context,
    dev: Option<&str>,
    lower: &str,
    mode: &str,
    desc: &str,
) {
    let Some(dev) = host_device(t, cx, dev, desc) else {
        return;
    };
    let describe = |kind: Option<&str>, lower: Option<&str>, mode: Option<&str>| {
        format!(
            "{} on {} in mode {}",
            kind.unwrap_or("(no kind)"),
            lower.unwrap_or("(no lower device)"),
            mode.unwrap_or("(none)")
        )
    };
    match hostnet::link(dev) {
        Ok(Some(l)) => {
            let ok = l.kind.as_deref() == Some("macvtap")
                && l.lower.as_deref() == Some(lower)
                && l.mode.as_deref() == Some(mode);
            let diag = (!ok).then(|| {
                Yaml::map([
                    ("device", Yaml::from(dev)),
                    (
                        "got",
                        Yaml::Str(describe(
                            l.kind.as_deref(),
                            l.lower.as_deref(),
                            l.mode.as_deref(),
                        )),
                    ),
                    (
                        "expected",
                        Yaml::Str(describe(Some("macvtap"), Some(lower), Some(mode))),
                    ),
                ])
            });
            t.point(ok, desc, diag)
        }
        Ok(None) => t.fail(desc, no_link(dev)),
        Err(e) => t.fail(desc, Yaml::map([("error", Yaml::Str(e.to_string()))])),
    };
}

/// One test point: no host link named `dev` exists any more (polled for
/// up to two seconds).
pub fn assert_link_gone(t: &mut Tap, cx: &Context, dev: Option<&str>, desc: &str) {
    let Some(dev) = host_device(t, cx, dev, desc) else {
        return;
    };
    let gone = crate::virt::poll::until(
        Duration::from_secs(2),
        || Ok::<_, std::convert::Infallible>(!hostnet::link_exists(dev)),
        |gone| *gone,
    )
    .unwrap_or(false);
    let diag = (!gone).then(|| Yaml::map([("got", Yaml::Str(format!("{dev} still exists")))]));
    t.point(gone, desc, diag);
}

fn no_link(dev: &str) -> Yaml {
    Yaml::map([("got", Yaml::Str(format!("no host link named {dev}")))])
}
