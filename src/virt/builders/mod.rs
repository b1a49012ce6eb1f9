//! Chainable builders for libvirt XML: domains, networks, storage pools and
//! volumes, secrets and network filters.
//!
//! A builder holds typed settings and renders them to an
//! [`Element`](crate::virt::xmltree::Element) tree at the end, so the XML
//! is always well formed and escaped (quick-xml writes it), optional
//! wrappers are left out when empty (no `<source/>` or `<allocation/>`
//! noise), and each setting lands where libvirt's schema wants it. Builders
//! do not talk to libvirt; `crate::virt::generic` picks the generic guest
//! from capabilities and the `Context` helpers name objects inside the
//! script's namespace.
//!
//! Units: memory and sizes are given in bytes-or-unit pairs where libvirt
//! takes a unit attribute (`Size`), bandwidth in libvirt's own units (KiB/s
//! for average/peak/floor, KiB for burst).

pub mod devices;
pub mod domain;
pub mod network;
pub mod nwfilter;
pub mod pool;
pub mod secret;
pub mod volume;

pub use domain::{
    Chardev, Controller, CpuSpec, Disk, DomainBuilder, Filesystem, Graphics, Hostdev, Interface,
    Rng, SecLabel, Virtualport,
};
pub use network::{DhcpHost, Ip, NetworkBuilder};
pub use nwfilter::{NwFilterBuilder, Rule};
pub use pool::StoragePoolBuilder;
pub use secret::{SecretBuilder, SecretUsage};
pub use volume::StorageVolBuilder;

use crate::virt::xmltree::Element;

/// A size with a libvirt unit, e.g. `Size::mib(64)` → `unit='MiB'` `64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub value: u64,
    pub unit: &'static str,
}

impl Size {
    pub const fn bytes(v: u64) -> Size {
        Size {
            value: v,
            unit: "bytes",
        }
    }
    pub const fn kib(v: u64) -> Size {
        Size {
            value: v,
            unit: "KiB",
        }
    }
    pub const fn mib(v: u64) -> Size {
        Size {
            value: v,
            unit: "MiB",
        }
    }
    pub const fn gib(v: u64) -> Size {
        Size {
            value: v,
            unit: "GiB",
        }
    }

    /// The size in bytes (saturating).
    pub fn in_bytes(&self) -> u64 {
        let f: u64 = match self.unit {
            "KiB" | "k" | "K" => 1 << 10,
            "MiB" | "M" => 1 << 20,
            "GiB" | "G" => 1 << 30,
            "TiB" | "T" => 1 << 40,
            _ => 1,
        };
        self.value.saturating_mul(f)
    }

    /// The size in KiB (rounded down).
    pub fn in_kib(&self) -> u64 {
        self.in_bytes() / 1024
    }

    /// Parses `64M`, `64MiB`, `1G`, `512k`, `100` (bytes), `2 GiB`.
    pub fn parse(s: &str) -> Result<Size, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let value: u64 = num
            .parse()
            .map_err(|_| format!("{s:?} is not a size: expected a number with an optional unit such as 64M, 1GiB or 512k"))?;
        let unit = match unit.trim() {
            "" | "b" | "B" | "bytes" => "bytes",
            "k" | "K" | "KiB" | "kib" => "KiB",
            "m" | "M" | "MiB" | "mib" => "MiB",
            "g" | "G" | "GiB" | "gib" => "GiB",
            "t" | "T" | "TiB" | "tib" => "TiB",
            other => {
                return Err(format!(
                    "{s:?}: unknown unit {other:?} (use bytes, k/KiB, M/MiB, G/GiB or T/TiB)"
                ))
            }
        };
        Ok(Size { value, unit })
    }

    /// `<name unit='…'>value</name>`.
    pub(crate) fn element(&self, name: &str) -> Element {
        Element::new(name).attr("unit", self.unit).text(self.value)
    }
}

/// Quality of service for a network or an interface. Values in libvirt's
/// units: average, peak and floor in KiB/s, burst in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub average: Option<u64>,
    pub peak: Option<u64>,
    pub burst: Option<u64>,
    /// Guaranteed minimum (inbound only, on interfaces of a network with
    /// inbound QoS).
    pub floor: Option<u64>,
}

impl Rate {
    pub fn average(kib_per_s: u64) -> Rate {
        Rate {
            average: Some(kib_per_s),
            ..Rate::default()
        }
    }
    pub fn peak(mut self, kib_per_s: u64) -> Rate {
        self.peak = Some(kib_per_s);
        self
    }
    pub fn burst(mut self, kib: u64) -> Rate {
        self.burst = Some(kib);
        self
    }
    pub fn floor(mut self, kib_per_s: u64) -> Rate {
        self.floor = Some(kib_per_s);
        self
    }

    fn element(&self, name: &str) -> Element {
        Element::new(name)
            .attr_opt("average", self.average)
            .attr_opt("peak", self.peak)
            .attr_opt("burst", self.burst)
            .attr_opt("floor", self.floor)
    }
}

/// `<bandwidth>` with optional inbound and outbound rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bandwidth {
    pub inbound: Option<Rate>,
    pub outbound: Option<Rate>,
}

impl Bandwidth {
    pub(crate) fn element(&self) -> Option<Element> {
        if self.inbound.is_none() && self.outbound.is_none() {
            return None;
        }
        Some(
            Element::new("bandwidth")
                .child_opt(self.inbound.map(|r| r.element("inbound")))
                .child_opt(self.outbound.map(|r| r.element("outbound"))),
        )
    }
}

/// A PCI address: `<address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PciAddress {
    pub domain: u16,
    pub bus: u8,
    pub slot: u8,
    pub function: u8,
}

impl PciAddress {
    pub fn new(domain: u16, bus: u8, slot: u8, function: u8) -> PciAddress {
        PciAddress {
            domain,
            bus,
            slot,
            function,
        }
    }

    /// Parses `0000:03:00.1` or `03:00.1`.
    pub fn parse(s: &str) -> Result<PciAddress, String> {
        let bad =
            || format!("{s:?} is not a PCI address (expected DDDD:BB:SS.F, e.g. 0000:03:00.1)");
        let (rest, function) = s.rsplit_once('.').ok_or_else(bad)?;
        let parts: Vec<&str> = rest.split(':').collect();
        let (d, b, sl) = match parts.as_slice() {
            [d, b, sl] => (*d, *b, *sl),
            [b, sl] => ("0", *b, *sl),
            _ => return Err(bad()),
        };
        Ok(PciAddress {
            domain: u16::from_str_radix(d, 16).map_err(|_| bad())?,
            bus: u8::from_str_radix(b, 16).map_err(|_| bad())?,
            slot: u8::from_str_radix(sl, 16).map_err(|_| bad())?,
            function: u8::from_str_radix(function, 16).map_err(|_| bad())?,
        })
    }

    pub(crate) fn element(&self) -> Element {
        Element::new("address")
            .attr("type", "pci")
            .attr("domain", format!("0x{:04x}", self.domain))
            .attr("bus", format!("0x{:02x}", self.bus))
            .attr("slot", format!("0x{:02x}", self.slot))
            .attr("function", format!("0x{:x}", self.function))
    }
}

impl From<crate::config::PciDevice> for PciAddress {
    fn from(p: crate::config::PciDevice) -> Self {
        PciAddress::new(p.domain, p.bus, p.slot, p.function)
    }
}

/// File permissions of a pool's or volume's target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Permissions {
    /// Octal mode, e.g. `0o755`.
    pub mode: Option<u32>,
    pub owner: Option<u32>,
    pub group: Option<u32>,
    pub label: Option<String>,
}

impl Permissions {
    pub(crate) fn element(&self) -> Option<Element> {
        let e = Element::new("permissions")
            .child_opt(
                self.mode
                    .map(|m| Element::with_text("mode", format!("{m:04o}"))),
            )
            .child_opt(self.owner.map(|o| Element::with_text("owner", o)))
            .child_opt(self.group.map(|g| Element::with_text("group", g)))
            .child_opt(self.label.as_ref().map(|l| Element::with_text("label", l)));
        (!e.is_empty()).then_some(e)
    }
}

/// LUKS encryption with a passphrase secret, as volumes and disks take it:
/// `<encryption format='luks'><secret type='passphrase' uuid='…'/></encryption>`.
pub(crate) fn luks_encryption(secret_uuid: &str) -> Element {
    Element::new("encryption").attr("format", "luks").child(
        Element::new("secret")
            .attr("type", "passphrase")
            .attr("uuid", secret_uuid),
    )
}

/// A fresh random UUID (version 4) from the kernel's generator, for objects
/// that must know their UUID before libvirt assigns one.
pub fn random_uuid() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Shared helpers for builder tests on `test:///default`: each test opens
/// its own connection to the test driver (a private, in-process instance
/// per open), so tests run in parallel without seeing each other.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::virt::connection::Connection;
    use crate::virt::xmltree::Element;

    pub fn test_conn() -> Connection {
        Connection::open("test:///default").expect("test:///default always opens")
    }

    pub fn parse(xml: &str) -> Element {
        Element::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_convert() {
        assert_eq!(Size::parse("64M").unwrap(), Size::mib(64));
        assert_eq!(Size::parse("1 GiB").unwrap(), Size::gib(1));
        assert_eq!(Size::parse("512k").unwrap().in_bytes(), 512 * 1024);
        assert_eq!(Size::parse("100").unwrap(), Size::bytes(100));
        assert_eq!(Size::mib(64).in_kib(), 65536);
        assert!(Size::parse("12X").unwrap_err().contains("unknown unit"));
        assert!(Size::parse("M").is_err());
        assert!(Size::parse("").is_err());
    }

    #[test]
    fn pci_addresses_parse_and_render() {
        let a = PciAddress::parse("0000:03:1f.7").unwrap();
        assert_eq!(a, PciAddress::new(0, 3, 0x1f, 7));
        assert_eq!(
            PciAddress::parse("03:00.1").unwrap(),
            PciAddress::new(0, 3, 0, 1)
        );
        assert!(PciAddress::parse("zz:00.1").is_err());
        assert!(PciAddress::parse("0000:03:00").is_err());
        let e = a.element();
        assert_eq!(e.get_attr("slot"), Some("0x1f"));
        assert_eq!(e.get_attr("function"), Some("0x7"));
    }

    #[test]
    fn uuids_are_random_v4() {
        let a = random_uuid().unwrap();
        let b = random_uuid().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn empty_wrappers_are_left_out() {
        assert!(Bandwidth::default().element().is_none());
        assert!(Permissions::default().element().is_none());
        let p = Permissions {
            mode: Some(0o750),
            ..Default::default()
        };
        assert_eq!(
            p.element().unwrap().find_text("mode").as_deref(),
            Some("0750")
        );
    }
}
