//! Per-script allocation of host-visible identifiers that are not names:
//! MAC addresses and private IPv4 subnets.
//!
//! Scripts run in parallel, so nothing may be fixed (the Perl kit's single
//! `52:54:00:11:11:11` and its fixed 192.168.X scans are why it ran serially).
//! A MAC is derived from the script's namespace, so two scripts never share
//! one. A subnet must also be free on the host: [`Context::free_subnet`]
//! skips every network the host routes and every network libvirt defines,
//! and reserves its choice with an advisory lock file that lives as long as
//! the script's process (the kernel drops it when the process ends, however
//! it ends), so concurrent scripts never pick the same one.

use super::builders::Ip;
use super::context::Context;
use crate::script::Stop;
use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::path::Path;

/// A private IPv4 /24 reserved for one script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    /// The network address, e.g. 10.123.45.0.
    pub network: Ipv4Addr,
}

impl Subnet {
    pub const PREFIX: u8 = 24;
    pub const NETMASK: &'static str = "255.255.255.0";

    /// The address of host `n` in the subnet (`.1` is the usual gateway).
    pub fn host(&self, n: u8) -> Ipv4Addr {
        let [a, b, c, _] = self.network.octets();
        Ipv4Addr::new(a, b, c, n)
    }

    /// The gateway address libvirt's bridge gets: `.1`.
    pub fn gateway(&self) -> Ipv4Addr {
        self.host(1)
    }

    /// A DHCP range inside the subnet: `.100`–`.200`.
    pub fn dhcp_range(&self) -> (Ipv4Addr, Ipv4Addr) {
        (self.host(100), self.host(200))
    }

    /// The `<ip>` of a libvirt network on this subnet: the gateway
    /// address with the subnet's prefix, serving [`Subnet::dhcp_range`].
    pub fn dhcp_ip(&self) -> Ip {
        let (lo, hi) = self.dhcp_range();
        Ip::v4(&self.gateway().to_string(), Self::PREFIX)
            .dhcp_range(&lo.to_string(), &hi.to_string())
    }

    /// `a.b.c.0/24`.
    pub fn cidr(&self) -> String {
        format!("{}/{}", self.network, Self::PREFIX)
    }

    fn contains(&self, addr: Ipv4Addr) -> bool {
        self.network.octets()[..3] == addr.octets()[..3]
    }

    /// Does this /24 overlap the network `addr/prefix`?
    fn overlaps(&self, addr: Ipv4Addr, prefix: u8) -> bool {
        let p = u32::from(prefix.min(Self::PREFIX));
        let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
        (u32::from(self.network) & mask) == (u32::from(addr) & mask)
    }
}

/// FNV-1a of a string: the seed for a script's MACs and subnet search.
fn seed_of(s: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Candidate private /24s in a fixed order: 10.200.0.0–10.254.255.0 (rarely
/// used by people, unlike 10.0.x and 192.168.x), then 172.16–31.x, then
/// 192.168.x.
fn candidate(i: u32) -> Option<Ipv4Addr> {
    const TEN: u32 = 55 * 256;
    const ONE_SEVEN_TWO: u32 = 16 * 256;
    const ONE_NINE_TWO: u32 = 256;
    if i < TEN {
        Some(Ipv4Addr::new(10, 200 + (i / 256) as u8, (i % 256) as u8, 0))
    } else if i < TEN + ONE_SEVEN_TWO {
        let j = i - TEN;
        Some(Ipv4Addr::new(172, 16 + (j / 256) as u8, (j % 256) as u8, 0))
    } else if i < TEN + ONE_SEVEN_TWO + ONE_NINE_TWO {
        Some(Ipv4Addr::new(192, 168, (i - TEN - ONE_SEVEN_TWO) as u8, 0))
    } else {
        None
    }
}

const CANDIDATES: u32 = 55 * 256 + 16 * 256 + 256;

/// IPv4 networks that libvirt networks on this connection declare (active
/// or not): `<ip address='…' prefix='…'|netmask='…'>`.
fn libvirt_networks(conn: &virt::connect::Connect) -> Result<Vec<(Ipv4Addr, u8)>, Stop> {
    let mut out = Vec::new();
    for net in conn.list_all_networks(0)? {
        // A transient network of a parallel script may be destroyed between
        // the listing and this read: it no longer takes a subnet.
        let xml = match net.xml_desc(0).map_err(super::error::LibvirtError::from) {
            Ok(xml) => xml,
            Err(e) if e.is(virt::error::ErrorNumber::NoNetwork) => continue,
            Err(e) => return Err(e.into()),
        };
        let doc = super::xmltree::Element::parse(&xml)
            .map_err(|e| Stop::Error(format!("network XML from libvirt: {e}")))?;
        for ip in doc.find_all("ip") {
            if ip.get_attr("family").is_some_and(|f| f != "ipv4") {
                continue;
            }
            let Some(addr) = ip
                .get_attr("address")
                .and_then(|a| a.parse::<Ipv4Addr>().ok())
            else {
                continue;
            };
            let prefix = match (ip.get_attr("prefix"), ip.get_attr("netmask")) {
                (Some(p), _) => p.parse().unwrap_or(24),
                (None, Some(m)) => m
                    .parse::<Ipv4Addr>()
                    .map(|m| u32::from(m).count_ones() as u8)
                    .unwrap_or(24),
                (None, None) => 24,
            };
            out.push((addr, prefix));
        }
    }
    Ok(out)
}

/// Take an exclusive, non-blocking advisory lock on `path`; `None` when
/// another process holds it.
fn try_lock(path: &Path) -> std::io::Result<Option<File>> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    // SAFETY: flock on a file descriptor we own; no memory is shared.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(Some(file))
    } else {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(None)
        } else {
            Err(err)
        }
    }
}

impl Context {
    /// The `n`th MAC address of this script: `52:54:h:h:h:n`, locally
    /// administered and unicast, with three bytes from the namespace, so
    /// parallel scripts never share one.
    pub fn mac(&self, n: u8) -> String {
        let h = seed_of(self.namespace()).to_le_bytes();
        format!("52:54:{:02x}:{:02x}:{:02x}:{n:02x}", h[0], h[1], h[2])
    }

    /// A private IPv4 /24 that is free here — routed by no host interface
    /// (for a local URI) and declared by no libvirt network on this
    /// connection — reserved for this script's lifetime. The search starts
    /// at a point derived from the namespace. A host with no free /24 gives
    /// a skip naming why.
    pub fn free_subnet(&self) -> Result<Subnet, Stop> {
        let conn = self.connect()?;
        let mut taken = libvirt_networks(conn)?;
        if super::connection::uri_is_local(self.uri()) {
            // Every interface's own subnet is routed. A /0 (the default
            // route) says nothing about what is in use.
            let routes = super::host::net::routes(Path::new(super::host::PROCFS));
            taken.extend(
                routes
                    .into_iter()
                    .filter(|r| r.prefix > 0)
                    .map(|r| (r.dest, r.prefix)),
            );
        }
        let dir = self.config().scratch_dir.join("locks").join("subnets");
        std::fs::create_dir_all(&dir).map_err(|e| {
            Stop::Error(format!(
                "cannot create the subnet lock directory {}: {e}",
                dir.display()
            ))
        })?;
        let start = (seed_of(self.namespace()) % u64::from(CANDIDATES)) as u32;
        for k in 0..CANDIDATES {
            let Some(network) = candidate((start + k) % CANDIDATES) else {
                continue;
            };
            let subnet = Subnet { network };
            if taken
                .iter()
                .any(|&(a, p)| subnet.overlaps(a, p) || subnet.contains(a))
            {
                continue;
            }
            let lock = dir.join(format!("{network}.lock"));
            match try_lock(&lock) {
                Ok(Some(file)) => {
                    self.hold(file);
                    return Ok(subnet);
                }
                Ok(None) => continue,
                Err(e) => {
                    return Err(Stop::Error(format!("cannot lock {}: {e}", lock.display())));
                }
            }
        }
        Err(Stop::Skip(
            "missing resource: no free private IPv4 /24 on this host (every candidate in \
             10.200-254.x, 172.16-31.x and 192.168.x is routed, used by a libvirt network \
             or reserved by another script)"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_takes_the_wider_prefix() {
        let s = Subnet {
            network: Ipv4Addr::new(10, 200, 3, 0),
        };
        assert!(s.overlaps(Ipv4Addr::new(10, 0, 0, 0), 8));
        assert!(s.overlaps(Ipv4Addr::new(10, 200, 3, 128), 25));
        assert!(!s.overlaps(Ipv4Addr::new(10, 200, 4, 0), 24));
        assert_eq!(s.gateway(), Ipv4Addr::new(10, 200, 3, 1));
        assert_eq!(s.cidr(), "10.200.3.0/24");
    }

    #[test]
    fn a_subnet_gives_a_network_ip_with_its_dhcp_range() {
        let s = Subnet {
            network: Ipv4Addr::new(10, 200, 3, 0),
        };
        let xml = crate::virt::builders::NetworkBuilder::new("n")
            .ip(s.dhcp_ip())
            .as_xml();
        let doc = crate::virt::xmltree::Element::parse(&xml).expect("well-formed");
        assert_eq!(doc.find_attr("ip", "address"), Some("10.200.3.1"));
        assert_eq!(doc.find_attr("ip", "prefix"), Some("24"));
        assert_eq!(
            doc.find_attr("ip/dhcp/range", "start"),
            Some("10.200.3.100")
        );
        assert_eq!(doc.find_attr("ip/dhcp/range", "end"), Some("10.200.3.200"));
    }

    #[test]
    fn candidates_are_private_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..CANDIDATES {
            let a = candidate(i).expect("every index below CANDIDATES has a subnet");
            assert!(a.is_private(), "{a}");
            assert!(seen.insert(a), "{a} twice");
        }
        assert_eq!(candidate(CANDIDATES), None);
    }

    #[test]
    fn a_lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("x.lock");
        let first = try_lock(&p).expect("lock").expect("free");
        // flock locks belong to the open file description, so a second
        // open in the same process conflicts too.
        assert!(try_lock(&p).expect("lock").is_none());
        drop(first);
        assert!(try_lock(&p).expect("lock").is_some());
    }

    fn context(dir: &Path, id: &str) -> Context {
        let config = crate::config::Config::from_toml(
            &format!("scratch_dir = {:?}\n", dir.display().to_string()),
            crate::config::ConfigSource::BuiltIn,
        )
        .expect("a scratch_dir-only config is valid");
        Context::new(id, config)
    }

    #[test]
    fn scripts_get_distinct_macs_and_free_distinct_subnets() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = context(dir.path(), "networks/300-guest-network-isolated");
        let b = context(dir.path(), "networks/310-guest-network-nat");
        assert_ne!(a.mac(0), b.mac(0));
        assert_ne!(a.mac(0), a.mac(1));
        assert!(a.mac(7).starts_with("52:54:") && a.mac(7).ends_with(":07"));

        let sa = a.free_subnet().expect("a free subnet on the test driver");
        let sb = b.free_subnet().expect("a free subnet on the test driver");
        assert_ne!(sa, sb, "two live scripts never share a subnet");
        // test:///default defines the network `default` on 192.168.122.0/24.
        for s in [sa, sb] {
            assert!(!s.overlaps(Ipv4Addr::new(192, 168, 122, 0), 24), "{s:?}");
        }
        // Asking again in the same script gives yet another one (the first
        // stays reserved until the script ends).
        let sa2 = a.free_subnet().expect("another free subnet");
        assert!(sa2 != sa && sa2 != sb);
    }
}
