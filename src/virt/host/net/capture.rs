//! What actually arrives on a host interface: a packet socket bound to one
//! device (root only), and just enough Ethernet, ARP and IPv4 parsing to
//! ask "did a frame from this MAC, to the broadcast address, claiming this
//! IP, get through?".
//!
//! Network-filter checks capture on the guest network's bridge: frames the
//! guest sends reach the bridge device only if the filter on the guest's
//! port let them through (ebtables filters in the bridge's PREROUTING hook,
//! before delivery to the bridge device, whereas a capture on the tap
//! would see frames before filtering). Frames the host itself sends are
//! ignored (`PACKET_OUTGOING`). This replaces the Perl kit's `tcpdump`
//! runs: no tool, no output parsing, and the frames are checked field by
//! field.

use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_ARP: u16 = 0x0806;
pub const ETH_P_IPV6: u16 = 0x86dd;
pub const BROADCAST: [u8; 6] = [0xff; 6];

/// An Ethernet frame received by the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub dst: [u8; 6],
    pub src: [u8; 6],
    /// After any 802.1Q tag.
    pub ethertype: u16,
    pub payload: Vec<u8>,
}

/// An ARP packet for IPv4 over Ethernet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    /// 1 = request, 2 = reply.
    pub op: u16,
    pub sender_mac: [u8; 6],
    pub sender_ip: Ipv4Addr,
    pub target_mac: [u8; 6],
    pub target_ip: Ipv4Addr,
}

/// The addresses of an IPv4 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4 {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// 1 = ICMP, 6 = TCP, 17 = UDP…
    pub protocol: u8,
}

/// Parses `aa:bb:cc:dd:ee:ff` (any case, one or two digits per byte).
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

pub fn format_mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ipv4_at(b: &[u8], at: usize) -> Option<Ipv4Addr> {
    let s = b.get(at..at + 4)?;
    Some(Ipv4Addr::new(s[0], s[1], s[2], s[3]))
}

fn mac_at(b: &[u8], at: usize) -> Option<[u8; 6]> {
    b.get(at..at + 6)?.try_into().ok()
}

impl Frame {
    /// Parses an Ethernet II frame (with or without one 802.1Q tag).
    pub fn parse(b: &[u8]) -> Option<Frame> {
        let dst = mac_at(b, 0)?;
        let src = mac_at(b, 6)?;
        let mut ethertype = u16::from_be_bytes([*b.get(12)?, *b.get(13)?]);
        let mut at = 14;
        if ethertype == 0x8100 {
            ethertype = u16::from_be_bytes([*b.get(16)?, *b.get(17)?]);
            at = 18;
        }
        Some(Frame {
            dst,
            src,
            ethertype,
            payload: b.get(at..)?.to_vec(),
        })
    }

    pub fn is_broadcast(&self) -> bool {
        self.dst == BROADCAST
    }

    /// The ARP packet, for an ARP frame (IPv4 over Ethernet).
    pub fn arp(&self) -> Option<Arp> {
        if self.ethertype != ETH_P_ARP {
            return None;
        }
        let p = &self.payload;
        // htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4.
        if p.get(0..6)? != [0, 1, 8, 0, 6, 4] {
            return None;
        }
        Some(Arp {
            op: u16::from_be_bytes(p.get(6..8)?.try_into().ok()?),
            sender_mac: mac_at(p, 8)?,
            sender_ip: ipv4_at(p, 14)?,
            target_mac: mac_at(p, 18)?,
            target_ip: ipv4_at(p, 24)?,
        })
    }

    /// The IPv4 header's addresses, for an IPv4 frame.
    pub fn ipv4(&self) -> Option<Ipv4> {
        if self.ethertype != ETH_P_IP {
            return None;
        }
        let p = &self.payload;
        if p.first()? >> 4 != 4 {
            return None;
        }
        Some(Ipv4 {
            protocol: *p.get(9)?,
            src: ipv4_at(p, 12)?,
            dst: ipv4_at(p, 16)?,
        })
    }

    /// One line for diagnostics.
    pub fn describe(&self) -> String {
        let what = if let Some(a) = self.arp() {
            format!(
                "ARP {} {} is-at {} (for {})",
                if a.op == 1 { "request" } else { "reply" },
                a.sender_ip,
                format_mac(&a.sender_mac),
                a.target_ip
            )
        } else if let Some(i) = self.ipv4() {
            format!("IPv4 {} > {} proto {}", i.src, i.dst, i.protocol)
        } else {
            format!("ethertype 0x{:04x}", self.ethertype)
        };
        format!(
            "{} > {}: {what}",
            format_mac(&self.src),
            format_mac(&self.dst)
        )
    }
}

/// A packet socket on one interface, receiving every frame the interface
/// receives (not those the host sends).
#[derive(Debug)]
pub struct Capture {
    fd: OwnedFd,
    ifname: String,
}

impl Capture {
    /// Starts capturing on `ifname` (needs CAP_NET_RAW, i.e. root).
    pub fn open(ifname: &str) -> std::io::Result<Capture> {
        let name = std::ffi::CString::new(ifname)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in name"))?;
        // SAFETY: if_nametoindex reads a NUL-terminated string we own.
        let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if index == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no interface {ifname}"),
            ));
        }
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket creation; the descriptor is owned below.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                i32::from(proto),
            )
        };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: an all-zero sockaddr_ll is valid; fields are set below.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto;
        sll.sll_ifindex = index as i32;
        // SAFETY: the address is a valid sockaddr_ll of the size given.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Capture {
            fd,
            ifname: ifname.to_string(),
        })
    }

    pub fn interface(&self) -> &str {
        &self.ifname
    }

    /// Receives frames until `until` returns true for one (that frame is
    /// the last one given) or `timeout` passes; gives every incoming frame
    /// received.
    pub fn collect(
        &mut self,
        timeout: Duration,
        mut until: impl FnMut(&Frame) -> bool,
    ) -> std::io::Result<Vec<Frame>> {
        let deadline = Instant::now() + timeout;
        let mut frames = Vec::new();
        let mut buf = vec![0u8; 65536];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(frames);
            }
            let mut pfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
            // SAFETY: one valid pollfd.
            let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
            if rc < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if rc == 0 {
                continue;
            }
            // Drain what is queued.
            loop {
                // SAFETY: zeroed sockaddr_ll is valid for recvfrom to fill.
                let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
                let mut len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
                // SAFETY: buffer and address are valid for the sizes given.
                let n = unsafe {
                    libc::recvfrom(
                        self.fd.as_raw_fd(),
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                        0,
                        (&mut from as *mut libc::sockaddr_ll).cast(),
                        &mut len,
                    )
                };
                if n < 0 {
                    let e = std::io::Error::last_os_error();
                    if e.kind() == std::io::ErrorKind::WouldBlock {
                        break;
                    }
                    if e.kind() == std::io::ErrorKind::Interrupted {
                        continue;
                    }
                    return Err(e);
                }
                if from.sll_pkttype == libc::PACKET_OUTGOING {
                    continue;
                }
                if let Some(f) = Frame::parse(&buf[..n as usize]) {
                    let done = until(&f);
                    frames.push(f);
                    if done {
                        return Ok(frames);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arp_frame(op: u16, mac: [u8; 6], ip: [u8; 4], target: [u8; 4]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&BROADCAST);
        f.extend_from_slice(&mac);
        f.extend_from_slice(&ETH_P_ARP.to_be_bytes());
        f.extend_from_slice(&[0, 1, 8, 0, 6, 4]);
        f.extend_from_slice(&op.to_be_bytes());
        f.extend_from_slice(&mac);
        f.extend_from_slice(&ip);
        f.extend_from_slice(&[0; 6]);
        f.extend_from_slice(&target);
        f
    }

    #[test]
    fn macs_parse_and_format() {
        let m = parse_mac("52:54:0:AB:cd:1").unwrap();
        assert_eq!(m, [0x52, 0x54, 0, 0xab, 0xcd, 1]);
        assert_eq!(format_mac(&m), "52:54:00:ab:cd:01");
        assert_eq!(parse_mac("52:54:00:ab:cd"), None);
        assert_eq!(parse_mac("52:54:00:ab:cd:01:02"), None);
        assert_eq!(parse_mac("52:54:00:ab:cd:xyz"), None);
    }

    #[test]
    fn arp_frames_give_sender_and_target() {
        let mac = [0x52, 0x54, 0, 1, 2, 3];
        let f = Frame::parse(&arp_frame(2, mac, [10, 1, 2, 3], [10, 1, 2, 1])).unwrap();
        assert!(f.is_broadcast());
        assert_eq!(f.src, mac);
        let a = f.arp().unwrap();
        assert_eq!(a.op, 2);
        assert_eq!(a.sender_mac, mac);
        assert_eq!(a.sender_ip, Ipv4Addr::new(10, 1, 2, 3));
        assert_eq!(a.target_ip, Ipv4Addr::new(10, 1, 2, 1));
        assert!(f.ipv4().is_none());
        assert!(
            f.describe()
                .contains("ARP reply 10.1.2.3 is-at 52:54:00:01:02:03"),
            "{}",
            f.describe()
        );
        // Truncated or non-Ethernet ARP is not parsed.
        let mut short = arp_frame(1, mac, [1, 2, 3, 4], [1, 2, 3, 5]);
        short.truncate(30);
        assert!(Frame::parse(&short).unwrap().arp().is_none());
        assert!(Frame::parse(&[0u8; 10]).is_none());
    }

    #[test]
    fn arp_cut_before_or_inside_the_opcode_is_not_parsed() {
        let mac = [0x52, 0x54, 0, 1, 2, 3];
        let full = arp_frame(1, mac, [1, 2, 3, 4], [1, 2, 3, 5]);
        // 14 bytes of Ethernet header, then 6 or 7 bytes of ARP header.
        for len in [14 + 6, 14 + 7] {
            let f = Frame::parse(&full[..len]).unwrap();
            assert_eq!(f.payload.len(), len - 14);
            assert_eq!(f.arp(), None, "{len} bytes");
            assert!(
                f.describe().contains("ethertype 0x0806"),
                "{}",
                f.describe()
            );
        }
    }

    #[test]
    fn ipv4_frames_give_addresses_and_vlan_tags_are_skipped() {
        let mut f = Vec::new();
        f.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        f.extend_from_slice(&[0x52, 0x54, 0, 9, 9, 9]);
        f.extend_from_slice(&[0x81, 0x00, 0x00, 0x05]);
        f.extend_from_slice(&ETH_P_IP.to_be_bytes());
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[9] = 1;
        ip[12..16].copy_from_slice(&[10, 0, 0, 7]);
        ip[16..20].copy_from_slice(&[10, 0, 0, 1]);
        f.extend_from_slice(&ip);
        let fr = Frame::parse(&f).unwrap();
        assert_eq!(fr.ethertype, ETH_P_IP);
        let i = fr.ipv4().unwrap();
        assert_eq!(
            (i.src, i.dst, i.protocol),
            (Ipv4Addr::new(10, 0, 0, 7), Ipv4Addr::new(10, 0, 0, 1), 1)
        );
        assert!(!fr.is_broadcast());
        assert!(fr.describe().contains("IPv4 10.0.0.7 > 10.0.0.1 proto 1"));
    }

    #[test]
    fn capture_on_a_missing_interface_names_it() {
        let e = Capture::open("tck-no-such-if0").unwrap_err();
        assert!(
            e.to_string().contains("tck-no-such-if0") || e.raw_os_error().is_some(),
            "{e}"
        );
    }

    #[test]
    fn capture_on_loopback_sees_a_local_datagram_when_root() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("not root: packet capture not tested");
            return;
        }
        let mut cap = Capture::open("lo").expect("capture on lo");
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sock.local_addr().unwrap().port();
        sock.send_to(b"tck-capture", ("127.0.0.1", port)).unwrap();
        let frames = cap
            .collect(Duration::from_secs(2), |f| {
                f.ipv4()
                    .is_some_and(|i| i.dst == Ipv4Addr::LOCALHOST && i.protocol == 17)
            })
            .unwrap();
        assert!(
            frames
                .iter()
                .any(|f| f.ipv4().is_some_and(|i| i.protocol == 17)),
            "{frames:?}"
        );
        assert_eq!(cap.interface(), "lo");
    }
}
