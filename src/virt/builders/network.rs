//! Network XML.
//!
//! Beyond what the Perl builder could say (a single IPv4 address with a
//! netmask), addresses take a prefix or a netmask, IPv4 and IPv6 side by
//! side, DHCP ranges and static hosts, DNS hosts and forwarders, a domain
//! name, bandwidth and MTU. A network with only a name and a bridge is an
//! isolated network with no address and no dnsmasq.

use super::{Bandwidth, PciAddress, Rate};
use crate::virt::xmltree::Element;

/// A static DHCP host: MAC (IPv4) or id (IPv6), name, address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DhcpHost {
    pub mac: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<String>,
}

/// An `<ip>` element: address with prefix or netmask, optional DHCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ip {
    family: Option<String>,
    address: String,
    prefix: Option<u8>,
    netmask: Option<String>,
    ranges: Vec<(String, String)>,
    hosts: Vec<DhcpHost>,
}

impl Ip {
    /// IPv4 with a prefix length, e.g. `Ip::v4("10.1.2.1", 24)`.
    pub fn v4(address: &str, prefix: u8) -> Ip {
        Ip {
            family: None,
            address: address.to_string(),
            prefix: Some(prefix),
            netmask: None,
            ranges: Vec::new(),
            hosts: Vec::new(),
        }
    }
    /// IPv4 with a netmask, e.g. `Ip::v4_netmask("10.1.2.1", "255.255.255.0")`.
    pub fn v4_netmask(address: &str, netmask: &str) -> Ip {
        Ip {
            netmask: Some(netmask.to_string()),
            prefix: None,
            ..Ip::v4(address, 0)
        }
    }
    /// IPv6 with a prefix length, e.g. `Ip::v6("fd00:1::1", 64)`.
    pub fn v6(address: &str, prefix: u8) -> Ip {
        Ip {
            family: Some("ipv6".into()),
            ..Ip::v4(address, prefix)
        }
    }
    /// A DHCP range (repeatable).
    pub fn dhcp_range(mut self, start: &str, end: &str) -> Ip {
        self.ranges.push((start.to_string(), end.to_string()));
        self
    }
    /// A static DHCP host (repeatable).
    pub fn dhcp_host(mut self, host: DhcpHost) -> Ip {
        self.hosts.push(host);
        self
    }

    fn element(&self) -> Element {
        let dhcp = Element::new("dhcp")
            .children(
                self.ranges
                    .iter()
                    .map(|(s, e)| Element::new("range").attr("start", s).attr("end", e)),
            )
            .children(self.hosts.iter().map(|h| {
                Element::new("host")
                    .attr_opt("mac", h.mac.as_deref())
                    .attr_opt("id", h.id.as_deref())
                    .attr_opt("name", h.name.as_deref())
                    .attr_opt("ip", h.ip.as_deref())
            }));
        Element::new("ip")
            .attr_opt("family", self.family.as_deref())
            .attr("address", &self.address)
            .attr_opt("prefix", self.prefix)
            .attr_opt("netmask", self.netmask.as_deref())
            .child_opt((!dhcp.is_empty()).then_some(dhcp))
    }
}

/// Builds `<network>` XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkBuilder {
    name: String,
    uuid: Option<String>,
    bridge: Option<String>,
    stp: Option<bool>,
    delay: Option<u32>,
    mac: Option<String>,
    mtu: Option<u32>,
    forward_mode: Option<String>,
    forward_dev: Option<String>,
    forward_managed: Option<bool>,
    forward_interfaces: Vec<String>,
    forward_pci: Vec<PciAddress>,
    domain: Option<(String, Option<bool>)>,
    dns_enable: Option<bool>,
    dns_forwarders: Vec<String>,
    dns_hosts: Vec<(String, Vec<String>)>,
    bandwidth: Bandwidth,
    ips: Vec<Ip>,
}

impl NetworkBuilder {
    pub fn new(name: &str) -> NetworkBuilder {
        NetworkBuilder {
            name: name.to_string(),
            uuid: None,
            bridge: None,
            stp: None,
            delay: None,
            mac: None,
            mtu: None,
            forward_mode: None,
            forward_dev: None,
            forward_managed: None,
            forward_interfaces: Vec::new(),
            forward_pci: Vec::new(),
            domain: None,
            dns_enable: None,
            dns_forwarders: Vec::new(),
            dns_hosts: Vec::new(),
            bandwidth: Bandwidth::default(),
            ips: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn set_name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }
    pub fn uuid(mut self, uuid: &str) -> Self {
        self.uuid = Some(uuid.to_string());
        self
    }
    /// The Linux bridge (at most 15 bytes).
    pub fn bridge(mut self, name: &str) -> Self {
        self.bridge = Some(name.to_string());
        self
    }
    pub fn stp(mut self, on: bool) -> Self {
        self.stp = Some(on);
        self
    }
    /// Bridge forward delay in seconds.
    pub fn delay(mut self, seconds: u32) -> Self {
        self.delay = Some(seconds);
        self
    }
    /// The bridge's MAC address.
    pub fn mac(mut self, mac: &str) -> Self {
        self.mac = Some(mac.to_string());
        self
    }
    pub fn mtu(mut self, mtu: u32) -> Self {
        self.mtu = Some(mtu);
        self
    }
    /// Forward mode: `nat`, `route`, `open`, `bridge`, `private`, `vepa`,
    /// `passthrough` or `hostdev`. No forward mode = isolated network.
    pub fn forward(mut self, mode: &str) -> Self {
        self.forward_mode = Some(mode.to_string());
        self
    }
    /// The host device traffic is forwarded through.
    pub fn forward_dev(mut self, dev: &str) -> Self {
        self.forward_dev = Some(dev.to_string());
        self
    }
    /// `managed` for `hostdev` forwarding.
    pub fn forward_managed(mut self, managed: bool) -> Self {
        self.forward_managed = Some(managed);
        self
    }
    /// A pool of host NICs for `bridge`/`private`/`vepa`/`passthrough`
    /// (repeatable).
    pub fn forward_interface(mut self, dev: &str) -> Self {
        self.forward_interfaces.push(dev.to_string());
        self
    }
    /// A PCI device (SR-IOV VF) for `hostdev` forwarding (repeatable).
    pub fn forward_pci(mut self, addr: PciAddress) -> Self {
        self.forward_pci.push(addr);
        self
    }
    /// DNS domain; `local_only` answers only from the network's own names.
    pub fn domain(mut self, name: &str, local_only: Option<bool>) -> Self {
        self.domain = Some((name.to_string(), local_only));
        self
    }
    /// `<dns enable='no'>` turns dnsmasq's DNS off.
    pub fn dns_enable(mut self, on: bool) -> Self {
        self.dns_enable = Some(on);
        self
    }
    pub fn dns_forwarder(mut self, addr: &str) -> Self {
        self.dns_forwarders.push(addr.to_string());
        self
    }
    pub fn dns_host(mut self, ip: &str, hostnames: &[&str]) -> Self {
        self.dns_hosts.push((
            ip.to_string(),
            hostnames.iter().map(|h| h.to_string()).collect(),
        ));
        self
    }
    pub fn bandwidth_in(mut self, rate: Rate) -> Self {
        self.bandwidth.inbound = Some(rate);
        self
    }
    pub fn bandwidth_out(mut self, rate: Rate) -> Self {
        self.bandwidth.outbound = Some(rate);
        self
    }
    /// An address (repeatable: e.g. one IPv4 and one IPv6).
    pub fn ip(mut self, ip: Ip) -> Self {
        self.ips.push(ip);
        self
    }

    pub fn to_element(&self) -> Element {
        let forward = self.forward_mode.as_ref().map(|mode| {
            Element::new("forward")
                .attr("mode", mode)
                .attr_opt("dev", self.forward_dev.as_deref())
                .attr_opt(
                    "managed",
                    self.forward_managed.map(|m| if m { "yes" } else { "no" }),
                )
                .children(
                    self.forward_interfaces
                        .iter()
                        .map(|d| Element::new("interface").attr("dev", d)),
                )
                .children(self.forward_pci.iter().map(PciAddress::element))
        });
        let bridge = Element::new("bridge")
            .attr_opt("name", self.bridge.as_deref())
            .attr_opt("stp", self.stp.map(|s| if s { "on" } else { "off" }))
            .attr_opt("delay", self.delay);
        let dns = Element::new("dns")
            .attr_opt(
                "enable",
                self.dns_enable.map(|e| if e { "yes" } else { "no" }),
            )
            .children(
                self.dns_forwarders
                    .iter()
                    .map(|a| Element::new("forwarder").attr("addr", a)),
            )
            .children(self.dns_hosts.iter().map(|(ip, names)| {
                Element::new("host")
                    .attr("ip", ip)
                    .children(names.iter().map(|n| Element::with_text("hostname", n)))
            }));
        Element::new("network")
            .child(Element::with_text("name", &self.name))
            .child_opt(self.uuid.as_ref().map(|u| Element::with_text("uuid", u)))
            .child_opt(forward)
            .child_opt((!bridge.is_empty()).then_some(bridge))
            .child_opt(self.mtu.map(|m| Element::new("mtu").attr("size", m)))
            .child_opt(
                self.mac
                    .as_ref()
                    .map(|m| Element::new("mac").attr("address", m)),
            )
            .child_opt(self.domain.as_ref().map(|(n, local)| {
                Element::new("domain")
                    .attr("name", n)
                    .attr_opt("localOnly", local.map(|l| if l { "yes" } else { "no" }))
            }))
            .child_opt((!dns.is_empty()).then_some(dns))
            .child_opt(self.bandwidth.element())
            .children(self.ips.iter().map(Ip::element))
    }

    pub fn as_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{parse, test_conn};
    use super::*;

    fn define_and_read_back(b: &NetworkBuilder) -> Element {
        let conn = test_conn();
        let xml = b.as_xml();
        let net = conn
            .define_network_xml(&xml)
            .unwrap_or_else(|e| panic!("test driver rejected the XML: {e}\n{xml}"));
        let back = parse(&net.xml_desc(0).expect("xml_desc"));
        net.undefine().expect("undefine");
        back
    }

    #[test]
    fn isolated_network_is_name_and_bridge_only() {
        let b = NetworkBuilder::new("tck-n-iso").bridge("tck-br-iso");
        let e = b.to_element();
        assert_eq!(e.elements().count(), 2, "{}", b.as_xml());
        let back = define_and_read_back(&b);
        assert_eq!(back.find_text("name").as_deref(), Some("tck-n-iso"));
        assert_eq!(back.find_attr("bridge", "name"), Some("tck-br-iso"));
        assert!(back.find("forward").is_none());
        assert!(back.find("ip").is_none());
    }

    #[test]
    fn nat_network_with_v4_v6_dhcp_dns_domain_bandwidth_and_mtu() {
        let b = NetworkBuilder::new("tck-n-nat")
            .uuid("8d5a8f8e-3b8c-4d7e-9f0a-1b2c3d4e5f60")
            .bridge("tck-br-nat")
            .stp(true)
            .delay(0)
            .mac("52:54:00:aa:bb:cc")
            .mtu(9000)
            .forward("nat")
            .domain("tck.test", Some(true))
            .dns_forwarder("192.0.2.53")
            .dns_host("10.9.8.7", &["alpha", "beta"])
            .bandwidth_in(Rate::average(1000).peak(5000).burst(1024))
            .bandwidth_out(Rate::average(2000))
            .ip(Ip::v4("10.9.8.1", 24)
                .dhcp_range("10.9.8.100", "10.9.8.200")
                .dhcp_host(DhcpHost {
                    mac: Some("52:54:00:00:00:01".into()),
                    name: Some("g1".into()),
                    ip: Some("10.9.8.10".into()),
                    ..Default::default()
                }))
            .ip(Ip::v6("fd00:1::1", 64).dhcp_range("fd00:1::100", "fd00:1::1ff"));
        let back = define_and_read_back(&b);
        assert_eq!(
            back.find_text("uuid").as_deref(),
            Some("8d5a8f8e-3b8c-4d7e-9f0a-1b2c3d4e5f60")
        );
        assert_eq!(back.find_attr("forward", "mode"), Some("nat"));
        assert_eq!(back.find_attr("bridge", "stp"), Some("on"));
        assert_eq!(back.find_attr("bridge", "delay"), Some("0"));
        assert_eq!(back.find_attr("mtu", "size"), Some("9000"));
        assert_eq!(back.find_attr("mac", "address"), Some("52:54:00:aa:bb:cc"));
        assert_eq!(back.find_attr("domain", "name"), Some("tck.test"));
        assert_eq!(back.find_attr("domain", "localOnly"), Some("yes"));
        assert_eq!(back.find_attr("dns/forwarder", "addr"), Some("192.0.2.53"));
        assert_eq!(back.find_all("dns/host/hostname").len(), 2);
        assert_eq!(back.find_attr("bandwidth/inbound", "peak"), Some("5000"));
        assert_eq!(
            back.find_attr("bandwidth/outbound", "average"),
            Some("2000")
        );
        let ips = back.find_all("ip");
        assert_eq!(ips.len(), 2);
        assert_eq!(ips[0].get_attr("address"), Some("10.9.8.1"));
        assert_eq!(ips[0].get_attr("prefix"), Some("24"));
        assert_eq!(ips[0].find_attr("dhcp/range", "start"), Some("10.9.8.100"));
        assert_eq!(ips[0].find_attr("dhcp/host", "ip"), Some("10.9.8.10"));
        assert_eq!(ips[1].get_attr("family"), Some("ipv6"));
        assert_eq!(ips[1].get_attr("address"), Some("fd00:1::1"));
        assert_eq!(ips[1].find_attr("dhcp/range", "end"), Some("fd00:1::1ff"));
    }

    #[test]
    fn route_network_with_netmask() {
        let back = define_and_read_back(
            &NetworkBuilder::new("tck-n-route")
                .forward("route")
                .forward_dev("eth0")
                .ip(Ip::v4_netmask("10.7.0.1", "255.255.0.0")),
        );
        assert_eq!(back.find_attr("forward", "mode"), Some("route"));
        assert_eq!(back.find_attr("forward", "dev"), Some("eth0"));
        assert_eq!(back.find_attr("ip", "netmask"), Some("255.255.0.0"));
    }

    #[test]
    fn bridge_and_macvtap_pools_and_hostdev_forwarding() {
        for mode in ["bridge", "private", "vepa", "passthrough"] {
            let mut b = NetworkBuilder::new(&format!("tck-n-{mode}")).forward(mode);
            b = if mode == "bridge" {
                b.bridge("br-host")
            } else {
                b.forward_interface("eth1").forward_interface("eth2")
            };
            let back = define_and_read_back(&b);
            assert_eq!(back.find_attr("forward", "mode"), Some(mode));
            if mode != "bridge" {
                let devs: Vec<_> = back
                    .find_all("forward/interface")
                    .iter()
                    .filter_map(|i| i.get_attr("dev"))
                    .collect();
                assert_eq!(devs, vec!["eth1", "eth2"], "{mode}");
            }
        }
        let back = define_and_read_back(
            &NetworkBuilder::new("tck-n-hostdev")
                .forward("hostdev")
                .forward_managed(true)
                .forward_pci(PciAddress::new(0, 0x81, 0x10, 1))
                .forward_pci(PciAddress::new(0, 0x81, 0x10, 3)),
        );
        assert_eq!(back.find_attr("forward", "managed"), Some("yes"));
        let addrs = back.find_all("forward/address");
        assert_eq!(addrs.len(), 2);
        assert_eq!(addrs[1].get_attr("function"), Some("0x3"));
        assert_eq!(addrs[0].get_attr("bus"), Some("0x81"));
    }

    #[test]
    fn open_forward_and_dns_disabled_render() {
        let e = NetworkBuilder::new("x")
            .forward("open")
            .dns_enable(false)
            .to_element();
        assert_eq!(e.find_attr("forward", "mode"), Some("open"));
        assert_eq!(e.find_attr("dns", "enable"), Some("no"));
    }
}
