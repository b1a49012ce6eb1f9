//! What libvirt's virtual networks put on the host, read back so that
//! scripts can check it: links (bridges, taps, macvtaps) and their
//! addresses, routes, dnsmasq instances and their configuration, and
//! firewall rules in whichever backend libvirt uses (iptables or
//! nftables).
//!
//! Why a model and not golden files: the Perl kit diffed `iptables -S`,
//! `ip addr` and dnsmasq output byte for byte against stored files, which
//! broke with every iptables, nftables or distribution change (its biggest
//! source of commits). Here command output is parsed into small values and
//! scripts ask semantic questions — "is the bridge up with 10.x.y.1/24?",
//! "does a live dnsmasq serve this range?", "does a masquerade rule take
//! the subnet as its source?" — that hold whatever the tool versions.
//!
//! Each parser takes text (captured command output, file contents) and is
//! unit-tested on output captured on a real host (`tests/data/hostnet/`);
//! the few functions that run `ip`, `iptables-save` or `nft`, or read
//! `/proc` and `/sys`, only feed them. Submodules: [`nwfilter`] follows a
//! guest interface's network-filter rules through ebtables, iptables and
//! ip6tables; [`capture`] receives the frames that reach a host interface.

pub mod capture;
pub mod nwfilter;

use super::{run, HostError, Process, PROCFS, SYSFS};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

// ------------------------------------------------------------------ links

/// An address on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix: u8,
}

/// A network link as `ip -j -d addr show` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Link {
    pub name: String,
    /// Kernel link kind: `bridge`, `tun`, `macvtap`, `veth`… (`None` for a
    /// physical NIC).
    pub kind: Option<String>,
    /// The bridge (or bond) this link is a port of.
    pub master: Option<String>,
    /// The lower device of a stacked link (a macvtap's NIC).
    pub lower: Option<String>,
    /// The link kind's mode (`private`, `vepa`, `bridge`, `passthru` for
    /// macvtap).
    pub mode: Option<String>,
    /// Administratively up (the `UP` flag).
    pub up: bool,
    pub mac: Option<String>,
    pub addrs: Vec<IfAddr>,
}

impl Link {
    pub fn is_bridge(&self) -> bool {
        self.kind.as_deref() == Some("bridge")
    }

    /// Whether the link carries `addr/prefix`.
    pub fn has_addr(&self, addr: IpAddr, prefix: u8) -> bool {
        self.addrs
            .iter()
            .any(|a| a.addr == addr && a.prefix == prefix)
    }

    /// The IPv4 addresses as `a.b.c.d/p`, for diagnostics.
    pub fn addr_list(&self) -> String {
        self.addrs
            .iter()
            .map(|a| format!("{}/{}", a.addr, a.prefix))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Parses the JSON of `ip -j -d addr show` (or `ip -j -d link show`, which
/// has no addresses).
pub fn parse_ip_json(text: &str) -> Result<Vec<Link>, HostError> {
    let bad = |detail: String| HostError::Parse {
        what: "`ip -j` output".into(),
        detail,
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let arr = v
        .as_array()
        .ok_or_else(|| bad("expected a JSON array of links".into()))?;
    let s = |o: &serde_json::Value, k: &str| o.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let mut links = Vec::new();
    for o in arr {
        let name = s(o, "ifname").ok_or_else(|| bad("a link without \"ifname\"".into()))?;
        let info = o.get("linkinfo");
        let mut addrs = Vec::new();
        for a in o
            .get("addr_info")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            let (Some(local), Some(prefix)) = (
                a.get("local").and_then(|l| l.as_str()),
                a.get("prefixlen").and_then(|p| p.as_u64()),
            ) else {
                continue;
            };
            let addr = local
                .parse::<IpAddr>()
                .map_err(|e| bad(format!("address {local:?} of {name}: {e}")))?;
            addrs.push(IfAddr {
                addr,
                prefix: u8::try_from(prefix).map_err(|e| bad(e.to_string()))?,
            });
        }
        links.push(Link {
            kind: info.and_then(|i| s(i, "info_kind")),
            mode: info
                .and_then(|i| i.get("info_data"))
                .and_then(|d| s(d, "mode")),
            master: s(o, "master"),
            lower: s(o, "link"),
            up: o
                .get("flags")
                .and_then(|f| f.as_array())
                .is_some_and(|f| f.iter().any(|x| x.as_str() == Some("UP"))),
            mac: s(o, "address"),
            addrs,
            name,
        });
    }
    Ok(links)
}

/// The directory of the link `name` under `<sysfs>/class/net`, or `None`
/// for a string that is no link name.
fn link_dir(sysfs: &Path, name: &str) -> Option<PathBuf> {
    (!name.is_empty() && !name.contains('/')).then(|| sysfs.join("class/net").join(name))
}

/// Whether a network link named `name` exists on this host.
pub fn link_exists(name: &str) -> bool {
    link_dir(Path::new(SYSFS), name).is_some_and(|d| d.exists())
}

/// The host's network interfaces and their MAC addresses (lower case),
/// from `<sysfs>/class/net`.
pub fn net_interfaces(sysfs: &Path) -> Result<BTreeMap<String, String>, String> {
    let dir = sysfs.join("class/net");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut out = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // An interface removed while listing has no address any more.
        if let Some(mac) = mac_in(&entry.path()) {
            out.insert(name, mac);
        }
    }
    Ok(out)
}

/// The MAC address (lower case) of the link `name`, or `None` when there
/// is no such link.
pub fn link_mac(name: &str) -> Option<String> {
    mac_in(&link_dir(Path::new(SYSFS), name)?)
}

fn mac_in(link_dir: &Path) -> Option<String> {
    let mac = std::fs::read_to_string(link_dir.join("address")).ok()?;
    Some(mac.trim().to_ascii_lowercase())
}

/// The link named `name` (`ip -j -d addr show dev NAME`), or `None` when
/// there is none.
pub fn link(name: &str) -> Result<Option<Link>, HostError> {
    if !link_exists(name) {
        return Ok(None);
    }
    match run("ip", &["-j", "-d", "addr", "show", "dev", name]) {
        Ok(out) => Ok(parse_ip_json(&out)?.into_iter().find(|l| l.name == name)),
        // Removed between the two looks.
        Err(_) if !link_exists(name) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The ports of the bridge `bridge` (`/sys/class/net/BR/brif`), sorted;
/// empty when it is no bridge.
pub fn bridge_ports(bridge: &str) -> Vec<String> {
    let Some(dir) = link_dir(Path::new(SYSFS), bridge) else {
        return Vec::new();
    };
    let mut ports: Vec<String> = std::fs::read_dir(dir.join("brif"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ports.sort();
    ports
}

// ----------------------------------------------------------------- routes

/// An IPv4 route of the host's main table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub iface: String,
    pub dest: Ipv4Addr,
    pub prefix: u8,
}

impl Route {
    /// A route to 0.0.0.0 (of any prefix: split default routes too).
    pub fn is_default(&self) -> bool {
        self.dest.is_unspecified()
    }
}

/// Parses `/proc/net/route`: destinations and masks are the network-order
/// addresses printed as native integers in hex.
pub fn parse_routes(text: &str) -> Vec<Route> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 8 {
            continue;
        }
        let (Ok(dest), Ok(mask)) = (
            u32::from_str_radix(cols[1], 16),
            u32::from_str_radix(cols[7], 16),
        ) else {
            continue;
        };
        // Native bytes of the printed integer are the address's bytes.
        out.push(Route {
            iface: cols[0].to_string(),
            dest: Ipv4Addr::from(dest.to_ne_bytes()),
            prefix: mask.count_ones() as u8,
        });
    }
    out
}

/// The host's IPv4 routes (`<procfs>/net/route`); none when it cannot be
/// read.
pub fn routes(procfs: &Path) -> Vec<Route> {
    std::fs::read_to_string(procfs.join("net/route"))
        .map(|t| parse_routes(&t))
        .unwrap_or_default()
}

/// A Linux bridge this process created on the host, deleted when dropped
/// (also when the script fails or panics), so that no host change outlives
/// the script. Needs root.
#[derive(Debug)]
pub struct HostBridge {
    name: String,
    removed: bool,
}

impl HostBridge {
    /// Creates the bridge `name` (use `cx.bridge_name(…)`) and sets it up.
    /// Refuses a name that already exists: it would not be ours to delete.
    pub fn create(name: &str) -> Result<HostBridge, HostError> {
        if link_exists(name) {
            return Err(HostError::Command {
                command: format!("ip link add name {name} type bridge"),
                detail: format!("a link named {name} already exists; it is not this script's to reuse or delete"),
            });
        }
        run("ip", &["link", "add", "name", name, "type", "bridge"])?;
        let bridge = HostBridge {
            name: name.to_string(),
            removed: false,
        };
        run("ip", &["link", "set", "dev", name, "up"])?;
        Ok(bridge)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Deletes the bridge now, reporting a failure (dropping does the same
    /// silently).
    pub fn remove(mut self) -> Result<(), HostError> {
        self.removed = true;
        run("ip", &["link", "del", "dev", &self.name]).map(|_| ())
    }
}

impl Drop for HostBridge {
    fn drop(&mut self) {
        if !self.removed && link_exists(&self.name) {
            // Nothing better to do on failure here: the fixture's report
            // will show a script that errored, and `ip link` the bridge.
            let _ = run("ip", &["link", "del", "dev", &self.name]);
        }
    }
}

// ------------------------------------------------------------ guest NICs

/// A guest NIC as the domain's XML describes it, which links libvirt's
/// view to the host: its `<target dev>` is the host-side tap or macvtap.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuestNic {
    /// The `type` attribute: `network`, `bridge`, `direct`, `hostdev`…
    pub kind: String,
    pub mac: Option<String>,
    /// The attributes of `<source>` (`network`, `bridge`, `dev`, `mode`,
    /// `portid`…).
    pub source: Vec<(String, String)>,
    /// The host-side device (`<target dev>`), on a running guest.
    pub target: Option<String>,
}

impl GuestNic {
    /// An attribute of `<source>`.
    pub fn source(&self, key: &str) -> Option<&str> {
        self.source
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The NICs of a domain XML document.
pub fn guest_nics(domain_xml: &str) -> Result<Vec<GuestNic>, HostError> {
    let doc = crate::virt::xmltree::Element::parse(domain_xml).map_err(|e| HostError::Parse {
        what: "domain XML".into(),
        detail: e.to_string(),
    })?;
    Ok(doc
        .find_all("devices/interface")
        .into_iter()
        .map(|i| GuestNic {
            kind: i.get_attr("type").unwrap_or("").to_string(),
            mac: i.find_attr("mac", "address").map(str::to_string),
            source: i
                .find("source")
                .map(|s| s.attrs.clone())
                .unwrap_or_default(),
            target: i.find_attr("target", "dev").map(str::to_string),
        })
        .collect())
}

/// The NIC with MAC address `mac` (compared without case) of a domain XML
/// document.
pub fn guest_nic(domain_xml: &str, mac: &str) -> Result<Option<GuestNic>, HostError> {
    Ok(guest_nics(domain_xml)?.into_iter().find(|n| {
        n.mac
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(mac))
    }))
}

// ------------------------------------------------- can the host be seen

/// Whether the devices the driver creates for guests and networks can be
/// inspected here: `Err(reason)` when the URI is remote or the driver
/// creates none (the test driver only pretends).
pub fn inspectable(cx: &crate::virt::context::Context) -> Result<(), String> {
    if !crate::virt::connection::uri_is_local(cx.uri()) {
        return Err(format!(
            "requires the local host: {} is a remote URI, its host devices cannot be inspected",
            cx.uri()
        ));
    }
    let driver = cx.driver().map_err(|e| e.to_string())?;
    if driver.eq_ignore_ascii_case("TEST") {
        return Err("unsupported by driver TEST: it creates no host devices to inspect".into());
    }
    Ok(())
}

/// [`inspectable`], and the firewall can be listed (root).
pub fn firewall_inspectable(cx: &crate::virt::context::Context) -> Result<(), String> {
    inspectable(cx)?;
    let uid = super::euid();
    if uid != 0 {
        return Err(format!(
            "requires root to list firewall rules (running as uid {uid})"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- dnsmasq

/// Where libvirt's network driver writes each network's dnsmasq
/// configuration (`<network>.conf`) for the system daemon.
pub const DNSMASQ_DIR: &str = "/var/lib/libvirt/dnsmasq";

/// The dnsmasq configuration file of the network `network`.
pub fn dnsmasq_conf_path(network: &str) -> PathBuf {
    Path::new(DNSMASQ_DIR).join(format!("{network}.conf"))
}

/// A `dhcp-range` of a dnsmasq configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpRange {
    pub start: IpAddr,
    pub end: IpAddr,
}

/// A dnsmasq configuration file: its `key[=value]` lines in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsmasqConf {
    pub entries: Vec<(String, Option<String>)>,
}

impl DnsmasqConf {
    /// Parses dnsmasq's configuration syntax: one option per line, `#`
    /// comments, `key` or `key=value`.
    pub fn parse(text: &str) -> DnsmasqConf {
        let entries = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| match l.split_once('=') {
                Some((k, v)) => (k.trim().to_string(), Some(v.trim().to_string())),
                None => (l.to_string(), None),
            })
            .collect();
        DnsmasqConf { entries }
    }

    /// The values of every `key=value` line for `key`.
    pub fn values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(k, _)| k == key)
            .filter_map(|(_, v)| v.as_deref())
    }

    /// The interfaces dnsmasq serves (`interface=`).
    pub fn interfaces(&self) -> Vec<&str> {
        self.values("interface").collect()
    }

    /// The DHCP ranges: `dhcp-range=[tag:x,|set:x,]START,END[,MASK|,PREFIX][,LEASE]`.
    pub fn dhcp_ranges(&self) -> Vec<DhcpRange> {
        self.values("dhcp-range")
            .filter_map(|v| {
                let mut ips = v
                    .split(',')
                    .map(str::trim)
                    .skip_while(|t| t.parse::<IpAddr>().is_err())
                    .map(|t| t.parse::<IpAddr>());
                match (ips.next(), ips.next()) {
                    (Some(Ok(start)), Some(Ok(end))) => Some(DhcpRange { start, end }),
                    _ => None,
                }
            })
            .collect()
    }
}

impl Process {
    /// A live dnsmasq started with `--conf-file=CONF` (libvirt starts one
    /// per network this way).
    pub fn is_dnsmasq_for(&self, conf: &Path) -> bool {
        let want = format!("--conf-file={}", conf.display());
        self.is_live() && self.program() == "dnsmasq" && self.args.contains(&want)
    }
}

/// The live dnsmasq processes serving the network `network`.
pub fn dnsmasq_for(network: &str) -> Vec<Process> {
    let conf = dnsmasq_conf_path(network);
    super::processes(Path::new(PROCFS))
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.is_dnsmasq_for(&conf))
        .collect()
}

// --------------------------------------------------------------- firewall

/// libvirt's firewall backends for virtual networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Iptables,
    Nftables,
}

impl Backend {
    pub fn parse(s: &str) -> Option<Backend> {
        match s.trim().trim_matches('"') {
            "iptables" => Some(Backend::Iptables),
            "nftables" => Some(Backend::Nftables),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Iptables => "iptables",
            Backend::Nftables => "nftables",
        }
    }
}

/// Where the system daemon keeps the status of active networks.
pub const NETWORK_STATUS_DIR: &str = "/run/libvirt/network";

/// The network driver's configuration file.
pub const NETWORK_CONF: &str = "/etc/libvirt/network.conf";

/// The backend an active network's firewall was built with, as its status
/// file records it (libvirt ≥ 10.4: `<firewall name='fwRemoval'
/// backend='…'>`).
pub fn backend_from_status(xml: &str) -> Option<Backend> {
    let doc = crate::virt::xmltree::Element::parse(xml).ok()?;
    doc.find_all("firewall")
        .iter()
        .find_map(|f| f.get_attr("backend").and_then(Backend::parse))
}

/// The `firewall_backend` set in `network.conf`, if any.
pub fn backend_from_config(text: &str) -> Option<Backend> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == "firewall_backend")
        .and_then(|(_, v)| Backend::parse(v))
}

/// The backend libvirt uses for the active network `network`, and how that
/// is known: its status file, else `network.conf`, else iptables (what
/// libvirt before 10.4 always used, and what its packaged priority list
/// tries first on Debian and Fedora).
pub fn firewall_backend(network: &str) -> (Backend, String) {
    let status = Path::new(NETWORK_STATUS_DIR).join(format!("{network}.xml"));
    if let Some(b) = std::fs::read_to_string(&status)
        .ok()
        .as_deref()
        .and_then(backend_from_status)
    {
        return (b, format!("recorded in {}", status.display()));
    }
    if let Some(b) = std::fs::read_to_string(NETWORK_CONF)
        .ok()
        .as_deref()
        .and_then(backend_from_config)
    {
        return (b, format!("firewall_backend in {NETWORK_CONF}"));
    }
    (
        Backend::Iptables,
        "libvirt's first choice (no backend recorded or configured)".into(),
    )
}

/// One firewall rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `ip`, `ip6`, `inet`, `bridge`… for nftables; `ipv4` for iptables.
    pub family: String,
    /// nftables table, or iptables table (`filter`, `nat`, `mangle`…).
    pub table: String,
    pub chain: String,
    /// The rule as the tool prints it (iptables-save without `-A CHAIN`).
    pub text: String,
}

impl Rule {
    /// The rule's words, with nftables' quotes around names removed.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.text.split_whitespace().map(|w| w.trim_matches('"'))
    }

    /// Whether `word` (an interface, an address/prefix…) is one of the
    /// rule's words, exactly.
    pub fn mentions(&self, word: &str) -> bool {
        self.words().any(|w| w == word)
    }

    /// Whether the rule has `word` in any case (`accept`, `ACCEPT`).
    pub fn has_word(&self, word: &str) -> bool {
        self.words().any(|w| w.eq_ignore_ascii_case(word))
    }

    /// Whether two consecutive words are `first` then `second`, and not
    /// negated (iptables' `! -s X`; nftables' `saddr != X` does not match
    /// since `!=` sits between).
    fn has_pair(&self, firsts: &[&str], second: &str) -> bool {
        let words: Vec<&str> = self.words().collect();
        words.windows(2).enumerate().any(|(i, w)| {
            firsts.contains(&w[0]) && w[1] == second && (i == 0 || words[i - 1] != "!")
        })
    }

    /// The rule matches packets from the network `cidr` (`-s X`, `ip saddr X`).
    pub fn from_net(&self, cidr: &str) -> bool {
        self.has_pair(&["-s", "--source", "saddr"], cidr)
    }

    /// The rule matches packets to the network `cidr` (`-d X`, `ip daddr X`).
    pub fn to_net(&self, cidr: &str) -> bool {
        self.has_pair(&["-d", "--destination", "daddr"], cidr)
    }

    /// The rule matches packets arriving on `dev` (`-i`, `iif`, `iifname`).
    pub fn in_dev(&self, dev: &str) -> bool {
        self.has_pair(&["-i", "--in-interface", "iif", "iifname"], dev)
    }

    /// The rule matches packets leaving through `dev` (`-o`, `oif`, `oifname`).
    pub fn out_dev(&self, dev: &str) -> bool {
        self.has_pair(&["-o", "--out-interface", "oif", "oifname"], dev)
    }

    /// The rule only matches replies to connections already seen
    /// (`--ctstate RELATED,ESTABLISHED`, `ct state established,related`).
    pub fn replies_only(&self) -> bool {
        self.words().any(|w| {
            w.to_ascii_lowercase()
                .split(',')
                .any(|s| s == "established")
        })
    }

    /// Source NAT by masquerading (`-j MASQUERADE`, `masquerade`).
    pub fn is_masquerade(&self) -> bool {
        self.has_word("masquerade")
    }

    /// The rule accepts the packet (`-j ACCEPT`, `accept`).
    pub fn is_accept(&self) -> bool {
        self.has_word("accept")
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}: {}",
            self.family, self.table, self.chain, self.text
        )
    }
}

/// Parses `iptables-save` output: `*table` starts a table, `-A CHAIN …`
/// is a rule; chain declarations, comments and `COMMIT` are skipped.
pub fn parse_iptables_save(text: &str, family: &str) -> Vec<Rule> {
    let mut table = String::new();
    let mut rules = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(t) = line.strip_prefix('*') {
            table = t.trim().to_string();
        } else if let Some(rest) = line.strip_prefix("-A ") {
            let (chain, body) = rest.split_once(' ').unwrap_or((rest, ""));
            rules.push(Rule {
                family: family.to_string(),
                table: table.clone(),
                chain: chain.to_string(),
                text: body.trim().to_string(),
            });
        }
    }
    rules
}

/// Parses `nft list ruleset` (or `nft list table …`) output: rules are the
/// lines directly inside a chain other than its `type … hook …`, `policy`
/// and `comment` lines. Braces are counted per line, so anonymous sets
/// (`tcp dport { 22, 80 } accept`) and named sets inside a table do not
/// disturb the nesting.
pub fn parse_nft_ruleset(text: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    let (mut family, mut table, mut chain) = (String::new(), String::new(), None::<String>);
    let mut depth = 0usize;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let words: Vec<&str> = line.trim_end_matches('{').split_whitespace().collect();
        if line.ends_with('{') && depth == 0 && words.first() == Some(&"table") {
            match words.as_slice() {
                [_, fam, name] => {
                    family = fam.to_string();
                    table = name.to_string();
                }
                [_, name] => {
                    family = "ip".into();
                    table = name.to_string();
                }
                _ => {}
            }
        } else if line.ends_with('{') && depth == 1 && words.first() == Some(&"chain") {
            chain = words.get(1).map(|c| c.to_string());
        } else if depth == 2
            && line != "}"
            && !line.starts_with("type ")
            && !line.starts_with("policy ")
            && !line.starts_with("comment ")
        {
            if let Some(chain) = &chain {
                rules.push(Rule {
                    family: family.clone(),
                    table: table.clone(),
                    chain: chain.clone(),
                    text: line.to_string(),
                });
            }
        }
        depth = (depth + line.matches('{').count()).saturating_sub(line.matches('}').count());
        if depth < 2 {
            chain = None;
        }
    }
    rules
}

/// Every rule an iptables-save-style tool lists: `iptables-save`
/// (family `ipv4`), `ip6tables-save` (`ipv6`) or `ebtables-save` (`eb`,
/// where network filters put their MAC/ARP rules). Needs root.
pub fn saved_rules(program: &str, family: &str) -> Result<Vec<Rule>, HostError> {
    Ok(parse_iptables_save(&run::<&str>(program, &[])?, family))
}

/// Every rule of `backend` on the host: `iptables-save` (IPv4) or
/// `nft list ruleset`. Needs root.
pub fn list_rules(backend: Backend) -> Result<Vec<Rule>, HostError> {
    match backend {
        Backend::Iptables => saved_rules("iptables-save", "ipv4"),
        Backend::Nftables => Ok(parse_nft_ruleset(&run("nft", &["list", "ruleset"])?)),
    }
}

/// Whether `rule` belongs to libvirt's network driver: iptables chains
/// `LIBVIRT_*`, or the nftables tables `libvirt_network`.
pub fn is_libvirt_network_rule(rule: &Rule) -> bool {
    rule.chain.starts_with("LIBVIRT_") || rule.table == "libvirt_network"
}

/// The libvirt network rules that mention any of `words` (a bridge name,
/// a subnet in `a.b.c.0/24` form).
pub fn network_rules<'a>(rules: &'a [Rule], words: &[&str]) -> Vec<&'a Rule> {
    rules
        .iter()
        .filter(|r| is_libvirt_network_rule(r) && words.iter().any(|w| r.mentions(w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const BRIDGE: &str = include_str!("../../../tests/data/hostnet/ip-addr-bridge.json");
    const TAP: &str = include_str!("../../../tests/data/hostnet/ip-addr-tap.json");
    const MACVTAP: &str = include_str!("../../../tests/data/hostnet/ip-addr-macvtap.json");
    const DNSMASQ: &str = include_str!("../../../tests/data/hostnet/dnsmasq-nat.conf");
    const STATUS: &str = include_str!("../../../tests/data/hostnet/network-status-iptables.xml");
    const IPTABLES: &str =
        include_str!("../../../tests/data/hostnet/iptables-save-nat-and-route.txt");
    const NFT: &str = include_str!("../../../tests/data/hostnet/nft-ruleset-nat.txt");
    const DOMAIN: &str = include_str!("../../../tests/data/hostnet/domain-live-nic.xml");
    const EBTABLES: &str =
        include_str!("../../../tests/data/hostnet/ebtables-save-clean-traffic.txt");

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn a_bridge_with_its_addresses() {
        let links = parse_ip_json(BRIDGE).unwrap();
        assert_eq!(links.len(), 1);
        let br = &links[0];
        assert_eq!(br.name, "tck-devnet-a");
        assert!(br.is_bridge());
        assert!(br.up, "UP flag despite NO-CARRIER");
        assert_eq!(br.mac.as_deref(), Some("52:54:00:53:ee:34"));
        assert!(br.has_addr(v4(10, 253, 77, 1), 24));
        assert!(!br.has_addr(v4(10, 253, 77, 1), 16));
        assert!(!br.has_addr(v4(10, 253, 77, 2), 24));
        assert_eq!(br.addrs.len(), 2, "IPv4 and the IPv6 link-local");
        assert_eq!(br.addr_list(), "10.253.77.1/24 fe80::5054:ff:fe53:ee34/64");
        assert_eq!(br.master, None);
    }

    #[test]
    fn a_tap_is_a_port_of_its_bridge_and_a_macvtap_names_its_nic_and_mode() {
        let tap = &parse_ip_json(TAP).unwrap()[0];
        assert_eq!(tap.kind.as_deref(), Some("tun"));
        assert_eq!(tap.master.as_deref(), Some("tck-devnet-a"));
        assert!(!tap.up);
        assert!(tap.addrs.is_empty());
        let mvt = &parse_ip_json(MACVTAP).unwrap()[0];
        assert_eq!(mvt.kind.as_deref(), Some("macvtap"));
        assert_eq!(mvt.mode.as_deref(), Some("private"));
        assert_eq!(mvt.lower.as_deref(), Some("tck-devv0"));
    }

    #[test]
    fn bad_ip_output_is_an_error_naming_the_problem() {
        let e = parse_ip_json("Device \"x\" does not exist.").unwrap_err();
        assert!(e.to_string().contains("cannot parse `ip -j` output"), "{e}");
        let e = parse_ip_json("{}").unwrap_err();
        assert!(e.to_string().contains("JSON array"), "{e}");
        let e = parse_ip_json(r#"[{"ifname":"x","addr_info":[{"local":"nope","prefixlen":24}]}]"#)
            .unwrap_err();
        assert!(e.to_string().contains("\"nope\" of x"), "{e}");
        assert_eq!(parse_ip_json("[]").unwrap(), vec![]);
    }

    #[test]
    fn a_running_guests_nic_names_its_network_bridge_and_tap() {
        let nics = guest_nics(DOMAIN).unwrap();
        assert_eq!(nics.len(), 1);
        let nic = guest_nic(DOMAIN, "52:54:00:C9:F5:7B")
            .unwrap()
            .expect("MAC without case");
        assert_eq!(nic.kind, "network");
        assert_eq!(nic.source("network"), Some("tck-devnet-a"));
        assert_eq!(nic.source("bridge"), Some("tck-devnet-a"));
        assert!(nic.source("portid").is_some());
        assert_eq!(nic.source("dev"), None);
        assert_eq!(nic.target.as_deref(), Some("vnet6"));
        assert_eq!(guest_nic(DOMAIN, "52:54:00:00:00:01").unwrap(), None);
        assert!(guest_nics("<domain>").is_err());
        assert_eq!(guest_nics("<domain/>").unwrap(), vec![]);
    }

    #[test]
    fn dnsmasq_conf_interfaces_and_ranges() {
        let c = DnsmasqConf::parse(DNSMASQ);
        assert_eq!(c.interfaces(), vec!["tck-devnet-a"]);
        assert_eq!(
            c.dhcp_ranges(),
            vec![DhcpRange {
                start: v4(10, 253, 77, 100),
                end: v4(10, 253, 77, 200)
            }]
        );
        assert_eq!(
            c.values("pid-file").collect::<Vec<_>>(),
            vec!["/run/libvirt/network/tck-devnet-a.pid"]
        );
        assert!(c
            .entries
            .iter()
            .any(|(k, v)| k == "bind-dynamic" && v.is_none()));
        assert!(
            c.values("strict-order").next().is_none(),
            "a flag has no value"
        );

        let c = DnsmasqConf::parse(
            "# comment\ndhcp-range=set:net0,10.1.0.10,10.1.0.20,12h\n\
             dhcp-range=fd00::10,fd00::20,64,12h\ndhcp-range=garbage\ninterface = br1\n",
        );
        assert_eq!(c.interfaces(), vec!["br1"]);
        let r = c.dhcp_ranges();
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].start, v4(10, 1, 0, 10));
        assert_eq!(r[1].end, "fd00::20".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_dnsmasq_serves_the_network_whose_conf_file_it_was_given() {
        let conf = dnsmasq_conf_path("n");
        assert_eq!(conf, Path::new("/var/lib/libvirt/dnsmasq/n.conf"));
        let mut p = Process {
            pid: 1,
            comm: "dnsmasq".into(),
            state: 'S',
            args: super::super::parse_cmdline(
                b"/usr/sbin/dnsmasq\0--conf-file=/var/lib/libvirt/dnsmasq/n.conf\0--leasefile-ro\0",
            ),
        };
        assert!(p.is_dnsmasq_for(&conf));
        assert!(!p.is_dnsmasq_for(&dnsmasq_conf_path("other")));
        p.state = 'Z';
        assert!(!p.is_dnsmasq_for(&conf), "a zombie serves nothing");
    }

    #[test]
    fn routes_are_read_from_proc_net_route() {
        let text =
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                    eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                    eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
                    virbr0\t00C80A0A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
                    short\t0000\n";
        let routes = parse_routes(text);
        let r = |iface: &str, dest: [u8; 4], prefix: u8| Route {
            iface: iface.into(),
            dest: Ipv4Addr::from(dest),
            prefix,
        };
        assert_eq!(
            routes,
            vec![
                r("eth0", [0, 0, 0, 0], 0),
                r("eth0", [192, 168, 0, 0], 24),
                r("virbr0", [10, 10, 200, 0], 16)
            ]
        );
        assert!(routes[0].is_default() && !routes[1].is_default());
        assert!(super::routes(Path::new("/nonexistent")).is_empty());
    }

    #[test]
    fn fake_sysfs_lists_interfaces_and_their_macs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for (name, mac) in [
            ("eth0", "02:FC:00:00:00:01\n"),
            ("lo", "00:00:00:00:00:00\n"),
        ] {
            std::fs::create_dir_all(root.join("class/net").join(name)).expect("mkdir");
            std::fs::write(root.join("class/net").join(name).join("address"), mac).expect("write");
        }
        // Being removed: no address file.
        std::fs::create_dir_all(root.join("class/net/gone")).expect("mkdir");
        let net = net_interfaces(root).expect("net");
        assert_eq!(net.len(), 2);
        assert_eq!(net["eth0"], "02:fc:00:00:00:01");
        assert!(net_interfaces(&root.join("none")).is_err());
        let here = net_interfaces(Path::new(SYSFS)).expect("this host");
        assert!(here.contains_key("lo"), "{here:?}");
        assert!(link_exists("lo") && !link_exists("") && !link_exists("../lo"));
    }

    #[test]
    fn backend_from_status_file_and_network_conf() {
        assert_eq!(backend_from_status(STATUS), Some(Backend::Iptables));
        assert_eq!(
            backend_from_status(
                "<networkstatus><firewall name='fwRemoval' backend='nftables'/></networkstatus>"
            ),
            Some(Backend::Nftables)
        );
        assert_eq!(backend_from_status("<networkstatus/>"), None);
        assert_eq!(backend_from_status("not xml <"), None);
        assert_eq!(
            backend_from_config("#firewall_backend = \"iptables\"\n"),
            None,
            "commented out"
        );
        assert_eq!(
            backend_from_config("# x\nfirewall_backend = \"nftables\"\n"),
            Some(Backend::Nftables)
        );
        assert_eq!(
            backend_from_config("firewall_backend=\"iptables\""),
            Some(Backend::Iptables)
        );
        assert_eq!(backend_from_config("firewall_backend = \"pf\""), None);
    }

    #[test]
    fn iptables_rules_of_a_nat_and_a_routed_network() {
        let rules = parse_iptables_save(IPTABLES, "ipv4");
        assert_eq!(rules.iter().filter(|r| r.table == "mangle").count(), 3);
        let first = &rules[0];
        assert_eq!(
            (first.table.as_str(), first.chain.as_str()),
            ("mangle", "POSTROUTING")
        );
        assert_eq!(first.text, "-j LIBVIRT_PRT");
        assert!(
            !is_libvirt_network_rule(first),
            "the jump lives in a built-in chain"
        );

        let nat = network_rules(&rules, &["10.253.77.0/24", "tck-devnet-a"]);
        assert_eq!(nat.len(), 19, "{nat:#?}");
        let masq: Vec<_> = nat
            .iter()
            .filter(|r| r.is_masquerade() && r.mentions("10.253.77.0/24"))
            .collect();
        assert_eq!(masq.len(), 3);
        assert!(masq
            .iter()
            .all(|r| r.table == "nat" && r.chain == "LIBVIRT_PRT"));
        assert!(nat
            .iter()
            .any(|r| r.chain == "LIBVIRT_FWO" && r.is_accept() && r.mentions("tck-devnet-a")));

        // Directions: out of the guests' subnet through the bridge, and
        // back in, replies only under NAT.
        let (cidr, br) = ("10.253.77.0/24", "tck-devnet-a");
        let outward: Vec<_> = nat
            .iter()
            .filter(|r| r.is_accept() && r.from_net(cidr) && r.in_dev(br))
            .collect();
        assert_eq!(outward.len(), 1, "{outward:#?}");
        let inward: Vec<_> = nat
            .iter()
            .filter(|r| r.is_accept() && r.to_net(cidr) && r.out_dev(br))
            .collect();
        assert_eq!(inward.len(), 1, "{inward:#?}");
        assert!(inward[0].replies_only());
        assert!(!outward[0].replies_only());
        // `! -d 10.253.77.0/24` is not "to the subnet".
        let masq = nat.iter().find(|r| r.is_masquerade()).unwrap();
        assert!(masq.from_net(cidr) && !masq.to_net(cidr), "{masq}");

        let route = network_rules(&rules, &["10.253.78.0/24", "tck-devnet-r"]);
        let back: Vec<_> = route
            .iter()
            .filter(|r| r.is_accept() && r.to_net("10.253.78.0/24") && r.out_dev("tck-devnet-r"))
            .collect();
        assert_eq!(back.len(), 1);
        assert!(
            !back[0].replies_only(),
            "routed: new connections come in too"
        );
        assert_eq!(route.len(), 14, "{route:#?}");
        assert!(!route.iter().any(|r| r.is_masquerade()), "routed: no NAT");
        assert!(route
            .iter()
            .any(|r| r.chain == "LIBVIRT_FWI" && r.is_accept() && r.mentions("10.253.78.0/24")));
        assert!(network_rules(&rules, &["10.9.9.0/24", "tck-gone"]).is_empty());
        // Whole words only: a bridge whose name is a prefix of another's.
        assert!(network_rules(&rules, &["tck-devnet"]).is_empty());
    }

    #[test]
    fn ebtables_rules_of_a_filtered_guest_nic() {
        let rules = parse_iptables_save(EBTABLES, "eb");
        assert_eq!(rules.len(), 29);
        assert!(rules.iter().all(|r| r.table == "nat" && r.family == "eb"));
        let mac: Vec<_> = rules.iter().filter(|r| r.chain == "I-vnet7-mac").collect();
        assert_eq!(mac.len(), 2);
        assert!(mac[0].mentions("52:54:00:de:77:01") && mac[0].has_word("return"));
        assert!(mac[1].has_word("drop"));
        let hooks: Vec<_> = rules
            .iter()
            .filter(|r| r.mentions("libvirt-I-vnet7"))
            .collect();
        assert_eq!(hooks.len(), 1);
        assert!(hooks[0].in_dev("vnet7") && hooks[0].chain == "PREROUTING");
        assert!(!rules.iter().any(is_libvirt_network_rule));
    }

    #[test]
    fn nft_rules_of_a_nat_network() {
        let rules = parse_nft_ruleset(NFT);
        let foreign: Vec<_> = rules.iter().filter(|r| r.table == "filter").collect();
        assert_eq!(foreign.len(), 1);
        assert!(!is_libvirt_network_rule(foreign[0]));
        assert_eq!(foreign[0].family, "ip");
        let lv: Vec<_> = rules
            .iter()
            .filter(|r| is_libvirt_network_rule(r))
            .collect();
        assert_eq!(lv.len(), 12, "{lv:#?}");
        assert!(lv.iter().all(|r| !r.text.starts_with("type ")));

        let mine = network_rules(&rules, &["10.253.77.0/24", "tck-br0"]);
        assert_eq!(mine.len(), 8, "{mine:#?}");
        let masq: Vec<_> = mine.iter().filter(|r| r.is_masquerade()).collect();
        assert_eq!(masq.len(), 2);
        assert!(masq
            .iter()
            .all(|r| r.chain == "guest_nat" && r.family == "ip"));
        assert!(mine
            .iter()
            .any(|r| r.chain == "guest_output" && r.is_accept() && r.mentions("tck-br0")));
        let cidr = "10.253.77.0/24";
        let outward: Vec<_> = mine
            .iter()
            .filter(|r| r.is_accept() && r.from_net(cidr) && r.in_dev("tck-br0"))
            .collect();
        assert_eq!(outward.len(), 1, "{outward:#?}");
        let inward: Vec<_> = mine
            .iter()
            .filter(|r| r.is_accept() && r.to_net(cidr) && r.out_dev("tck-br0"))
            .collect();
        assert_eq!(inward.len(), 1, "{inward:#?}");
        assert!(inward[0].replies_only() && !outward[0].replies_only());
        // `ip daddr != X` is not "to the subnet".
        assert!(masq.iter().all(|r| r.from_net(cidr) && !r.to_net(cidr)));
        let ip6: Vec<_> = rules.iter().filter(|r| r.family == "ip6").collect();
        assert_eq!(ip6.len(), 1);
        assert_eq!(ip6[0].chain, "forward");
        assert_eq!(
            ip6[0].to_string(),
            "ip6 libvirt_network forward: counter packets 0 bytes 0 jump guest_cross"
        );
        // A table with a named set and a rule with an anonymous set.
        let other: Vec<_> = rules.iter().filter(|r| r.table == "tck_sample").collect();
        assert_eq!(other.len(), 1, "{other:#?}");
        assert_eq!(
            (other[0].family.as_str(), other[0].chain.as_str()),
            ("inet", "input")
        );
        assert_eq!(other[0].text, "tcp dport { 22, 80 } accept");
    }

    #[test]
    fn missing_links_and_tools_are_reported_not_panicked() {
        assert!(!link_exists(""));
        assert!(!link_exists("../etc"));
        assert_eq!(link("tck-no-such-link0").unwrap(), None);
        assert!(bridge_ports("tck-no-such-link0").is_empty());
        assert!(bridge_ports("../etc").is_empty());
        assert_eq!(link_mac("tck-no-such-link0"), None);
        assert_eq!(link_mac("lo").as_deref(), Some("00:00:00:00:00:00"));
    }

    #[test]
    fn a_host_bridge_is_removed_when_dropped_or_removed() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("not root: host bridge creation not exercised here");
            return;
        }
        let name = format!("tck-ut{}", std::process::id());
        {
            let br = HostBridge::create(&name).expect("create");
            let l = link(br.name()).unwrap().expect("exists");
            assert!(l.is_bridge() && l.up, "{l:?}");
            let again = HostBridge::create(&name).expect_err("name taken");
            assert!(again.to_string().contains("already exists"), "{again}");
            assert!(
                link_exists(&name),
                "the refused second guard did not delete it"
            );
        }
        assert!(!link_exists(&name), "dropped: deleted");
        let br = HostBridge::create(&name).expect("create again");
        br.remove().expect("remove");
        assert!(!link_exists(&name));
    }
}
