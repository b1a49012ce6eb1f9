//! A booted guest on a network of its own, its NIC under a network filter,
//! driven through its shell: what the network-filter traffic scripts
//! (ping still working, no MAC/IP/ARP spoofing, no broadcast) all start
//! from.
//!
//! [`Context::filtered_guest`] reserves a free /24, creates an isolated
//! network on a bridge named in the script's namespace, boots the prepared
//! guest media with one virtio NIC (the script's first MAC) whose
//! `<filterref>` names the filter and passes `IP` = the subnet's `.10`,
//! waits for the guest and its shell, and gives the guest that address. The
//! Perl kit needed a full Fedora guest reached over SSH for this, and
//! learned the guest's address by DHCP snooping; here the address is
//! known up front, so the filter's rules are exact from the first packet.

use super::alloc::Subnet;
use super::builders::{Interface, Ip};
use super::context::Context;
use super::host::net as hostnet;
use super::media::{self, CommandOutput, GuestShell};
use crate::script::Stop;
use std::net::Ipv4Addr;
use std::time::Duration;
use virt::domain::Domain;
use virt::network::Network;

/// The guest's only NIC, as its kernel names it.
pub const GUEST_NIC: &str = "eth0";

/// How long one guest command may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A running guest on its own network, with its shell.
pub struct FilteredGuest {
    pub dom: Domain,
    pub net: Network,
    pub shell: GuestShell,
    pub subnet: Subnet,
    /// The network's bridge (where the guest's frames arrive on the host).
    pub bridge: String,
    /// The guest NIC's host device.
    pub tap: String,
    pub mac: String,
    /// The guest's address, given to the filter as `IP`.
    pub ip: Ipv4Addr,
    /// The guest's console file (in the script's scratch directory).
    pub console: std::path::PathBuf,
}

/// What `ping` reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    pub transmitted: u32,
    pub received: u32,
    pub output: String,
}

impl Ping {
    /// Every echo was answered.
    pub fn all_answered(&self) -> bool {
        self.transmitted > 0 && self.received == self.transmitted
    }
}

/// Reads `N packets transmitted, M packets received` (busybox and iputils
/// both print it, iputils without the second "packets").
pub fn parse_ping(output: &str) -> Option<(u32, u32)> {
    let line = output.lines().find(|l| l.contains("transmitted"))?;
    let mut nums = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u32>());
    let tx = nums.next()?.ok()?;
    let rx = nums.next()?.ok()?;
    Some((tx, rx))
}

fn stop(what: &str) -> impl Fn(String) -> Stop + '_ {
    move |e| Stop::Error(format!("{what}: {e}"))
}

impl Context {
    /// Starts a booted guest whose NIC is on a new isolated network and
    /// under `filter` (with `IP` set to the guest's address, plus `params`),
    /// waits until its shell answers and configures the address. Skips
    /// (through [`Context::booted_domain_with_shell`] and
    /// [`Context::free_subnet`]) when there are no media with a shell or no
    /// free subnet.
    pub fn filtered_guest(
        &self,
        filter: &str,
        params: &[(&str, &str)],
    ) -> Result<FilteredGuest, Stop> {
        let subnet = self.free_subnet()?;
        let conn = self.connect()?;
        let bridge = self.bridge_name("br")?;
        let mac = self.mac(1);
        let name = self.name("guest");
        // Before creating anything: missing media skip here.
        let (b, socket) = self.booted_domain_with_shell(&name)?;
        let gw = subnet.gateway().to_string();
        let net = conn
            .create_network_xml(
                &self
                    .network(&bridge)
                    .ip(Ip::v4(&gw, Subnet::PREFIX))
                    .as_xml(),
            )
            .map_err(|e| Stop::Error(format!("cannot create the guest's network {bridge}: {e}")))?;

        let ip = subnet.host(10);
        let ip_text = ip.to_string();
        let mut all: Vec<(&str, &str)> = vec![("IP", ip_text.as_str())];
        all.extend_from_slice(params);
        let nic = Interface::network(&bridge)
            .mac(&mac)
            .model("virtio")
            .filterref(filter, &all);
        let xml = b.interface(nic).as_xml();
        let dom = match conn.create_domain_xml(&xml, 0) {
            Ok(dom) => dom,
            Err(e) => {
                let _ = net.destroy();
                return Err(Stop::Error(format!(
                    "cannot start guest {name} with filter {filter}: {e}"
                )));
            }
        };
        let ready = (|| -> Result<_, Stop> {
            self.wait_booted(&dom)?;
            let shell = GuestShell::connect(&socket, Duration::from_secs(20))?;
            let live = dom.xml_desc(0)?;
            let console = media::ready::console_file(&dom)?;
            let tap = hostnet::guest_nic(&live, &mac)?
                .and_then(|n| n.target)
                .ok_or_else(|| {
                    Stop::Error(format!(
                        "the running guest {name} has no host device for its NIC {mac}"
                    ))
                })?;
            Ok((shell, console, tap))
        })();
        let (shell, console, tap) = match ready {
            Ok(r) => r,
            Err(e) => {
                let _ = dom.destroy();
                let _ = net.destroy();
                return Err(e);
            }
        };
        let mut g = FilteredGuest {
            dom,
            net,
            shell,
            subnet,
            bridge,
            tap,
            mac,
            ip,
            console,
        };
        let configured = g.check(&format!(
            "ip link set {GUEST_NIC} up && ip addr add {}/{} dev {GUEST_NIC}",
            g.ip,
            Subnet::PREFIX
        ));
        if let Err(e) = configured {
            let _ = g.stop();
            return Err(match e {
                Stop::Error(m) => Stop::Error(format!("cannot configure the guest's address: {m}")),
                other => other,
            });
        }
        Ok(g)
    }
}

impl FilteredGuest {
    /// The host end of the network (`.1`, the bridge's address).
    pub fn gateway(&self) -> Ipv4Addr {
        self.subnet.gateway()
    }

    /// Runs a command in the guest.
    pub fn run(&mut self, command: &str) -> Result<CommandOutput, Stop> {
        Ok(self.shell.run(command, COMMAND_TIMEOUT)?)
    }

    /// Runs a command in the guest; a non-zero status is an error.
    pub fn check(&mut self, command: &str) -> Result<String, Stop> {
        self.shell
            .check(command, COMMAND_TIMEOUT)
            .map_err(stop("guest command failed"))
    }

    /// Pings `target` `count` times from the guest, waiting at most 2 s
    /// for the last answer.
    pub fn ping(&mut self, target: Ipv4Addr, count: u32) -> Result<Ping, Stop> {
        let o = self.run(&format!("ping -c {count} -i 0.2 -W 2 {target}"))?;
        let (transmitted, received) = parse_ping(&o.output).ok_or_else(|| {
            Stop::Error(format!(
                "cannot read the result of ping in the guest: {:?}",
                o.output
            ))
        })?;
        Ok(Ping {
            transmitted,
            received,
            output: o.output,
        })
    }

    /// Changes the guest NIC's MAC address (the link goes down and up).
    pub fn set_mac(&mut self, mac: &str) -> Result<(), Stop> {
        self.check(&format!(
            "ip link set {GUEST_NIC} down && ip link set {GUEST_NIC} address {mac} && ip link set {GUEST_NIC} up"
        ))
        .map(|_| ())
    }

    /// Replaces the guest NIC's IPv4 address.
    pub fn set_ip(&mut self, ip: Ipv4Addr) -> Result<(), Stop> {
        self.check(&format!(
            "ip addr flush dev {GUEST_NIC} && ip addr add {ip}/{} dev {GUEST_NIC}",
            Subnet::PREFIX
        ))
        .map(|_| ())
    }

    /// Destroys the guest, then its network (even when destroying the
    /// guest fails), and removes its console file; gives the first error.
    pub fn stop(self) -> Result<(), crate::virt::error::LibvirtError> {
        drop(self.shell);
        // Both, whatever the first gives; the first error is returned.
        let dom = self.dom.destroy();
        let net = self.net.destroy();
        let _ = std::fs::remove_file(&self.console);
        dom?;
        net?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_summaries_of_busybox_and_iputils() {
        let bb = "PING 10.0.0.1 (10.0.0.1): 56 data bytes\n\n--- 10.0.0.1 ping statistics ---\n\
                  3 packets transmitted, 0 packets received, 100% packet loss\n";
        assert_eq!(parse_ping(bb), Some((3, 0)));
        let iputils = "--- 10.0.0.1 ping statistics ---\n\
                       3 packets transmitted, 3 received, 0% packet loss, time 2003ms\n";
        assert_eq!(parse_ping(iputils), Some((3, 3)));
        assert_eq!(parse_ping("ping: sendto: Network unreachable\n"), None);
        let p = Ping {
            transmitted: 3,
            received: 3,
            output: String::new(),
        };
        assert!(p.all_answered());
        assert!(!Ping {
            received: 2,
            ..p.clone()
        }
        .all_answered());
        assert!(!Ping {
            transmitted: 0,
            received: 0,
            ..p
        }
        .all_answered());
    }
}
