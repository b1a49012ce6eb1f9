//! Capabilities and domain capabilities, parsed into types.
//!
//! Scripts must not assume QEMU: they ask the driver what it supports. The
//! capabilities document (`virConnectGetCapabilities`) says what the host is
//! (arch, CPU, security models, NUMA cells, migration) and which guests it
//! can run (os type × arch × domain type, with emulators, machines and
//! loaders). The domain capabilities document
//! (`virConnectGetDomainCapabilities`) details one emulator/arch/machine/
//! domain-type combination: vCPU limit, firmware, CPU modes, and which
//! device kinds and values (disk buses, graphics types, hostdev modes…) it
//! accepts. Both are kept close to the XML so that a new libvirt element is
//! one field away, and both answer "is X supported" questions directly.
//!
//! Parsing is lenient about what it does not know (new elements are
//! ignored) and strict about structure (malformed XML, or a document that is
//! not capabilities at all, is an error naming what is wrong).

use crate::virt::xmltree::{Element, XmlError};
use std::collections::BTreeMap;

/// A capabilities document that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapsError {
    Xml(XmlError),
    /// The root element is not the expected one.
    NotCapabilities {
        expected: &'static str,
        found: String,
    },
    /// A required element is missing.
    Missing(&'static str),
    /// An element holds a value that is not what the schema says.
    Invalid {
        what: &'static str,
        value: String,
    },
}

impl std::fmt::Display for CapsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CapsError::Xml(e) => write!(f, "capabilities: {e}"),
            CapsError::NotCapabilities { expected, found } => {
                write!(f, "expected a <{expected}> document, found <{found}>")
            }
            CapsError::Missing(what) => write!(f, "capabilities XML has no {what}"),
            CapsError::Invalid { what, value } => {
                write!(f, "capabilities XML: {what} {value:?} is not valid")
            }
        }
    }
}

impl std::error::Error for CapsError {}

impl From<XmlError> for CapsError {
    fn from(e: XmlError) -> Self {
        CapsError::Xml(e)
    }
}

fn parse_num<T: std::str::FromStr>(what: &'static str, s: &str) -> Result<T, CapsError> {
    s.trim().parse().map_err(|_| CapsError::Invalid {
        what,
        value: s.to_string(),
    })
}

fn opt_num<T: std::str::FromStr>(
    what: &'static str,
    s: Option<&str>,
) -> Result<Option<T>, CapsError> {
    s.map(|v| parse_num(what, v)).transpose()
}

fn yes(s: Option<&str>) -> bool {
    matches!(s, Some("yes") | Some("on"))
}

/// Parses a libvirt CPU list such as `0-3,8,10-11` (used in NUMA cells and
/// cpusets).
pub fn parse_cpu_list(s: &str) -> Result<Vec<u32>, CapsError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (parse_num("cpu range", a)?, parse_num("cpu range", b)?);
                if a > b {
                    return Err(CapsError::Invalid {
                        what: "cpu range",
                        value: part.to_string(),
                    });
                }
                out.extend(a..=b);
            }
            None => out.push(parse_num("cpu id", part)?),
        }
    }
    Ok(out)
}

// ===================================================================
// Capabilities
// ===================================================================

/// The host's capabilities and the guests it can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    pub host: Host,
    pub guests: Vec<Guest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Host {
    pub uuid: Option<String>,
    /// CPU architecture as libvirt names it: `x86_64`, `aarch64`, `i686`…
    pub arch: String,
    /// Host CPU model (`<cpu><model>`), absent on drivers that do not say.
    pub cpu_model: Option<String>,
    pub cpu_vendor: Option<String>,
    /// CPU feature names: `<feature name=…>` and the bare `<features><pae/>`.
    pub cpu_features: Vec<String>,
    pub security_models: Vec<SecurityModel>,
    pub numa_cells: Vec<NumaCell>,
    /// `None` when the driver reports no `<migration_features>`.
    pub migration: Option<Migration>,
    /// `<iommu support='yes|no'/>`, when reported.
    pub iommu: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityModel {
    /// `selinux`, `apparmor`, `dac`, `none`, or a driver's own (`testSecurity`).
    pub model: String,
    /// Domain of interpretation; may be empty.
    pub doi: String,
    /// `(virt type, label)` pairs from `<baselabel type=…>`.
    pub base_labels: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumaCell {
    pub id: u32,
    /// Memory of the cell in KiB, when reported.
    pub memory_kib: Option<u64>,
    pub cpus: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Migration {
    pub live: bool,
    /// URI transports such as `tcp`, `rdma`.
    pub transports: Vec<String>,
}

/// A machine type (`<machine>`), e.g. `pc-q35-10.0` or its alias `q35`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub name: String,
    /// For an alias: the versioned machine it stands for.
    pub canonical: Option<String>,
    pub max_cpus: Option<u32>,
    pub deprecated: bool,
}

/// One `<domain type=…>` of a guest: a hypervisor flavour (`kvm`, `qemu`,
/// `test`, `lxc`, `xen`…) that may override the arch's emulator, loader and
/// machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestDomain {
    pub kind: String,
    pub emulator: Option<String>,
    pub loader: Option<String>,
    pub machines: Vec<Machine>,
}

/// One `<guest>`: an os type on an arch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guest {
    /// `hvm`, `xen`, `exe` (containers), `linux`, `uml`…
    pub os_type: String,
    pub arch: String,
    pub wordsize: Option<u32>,
    /// The arch's default emulator.
    pub emulator: Option<String>,
    pub loader: Option<String>,
    pub machines: Vec<Machine>,
    pub domains: Vec<GuestDomain>,
    /// Guest feature names (`acpi`, `apic`, `pae`, `nonpae`, `cpuselection`…).
    pub features: Vec<String>,
}

impl Guest {
    /// Domain types offered for this os type and arch, in document order.
    pub fn domain_types(&self) -> Vec<&str> {
        self.domains.iter().map(|d| d.kind.as_str()).collect()
    }

    pub fn has_domain_type(&self, kind: &str) -> bool {
        self.domains.iter().any(|d| d.kind == kind)
    }

    fn domain(&self, kind: &str) -> Option<&GuestDomain> {
        self.domains.iter().find(|d| d.kind == kind)
    }

    /// The emulator for a domain type: its own, else the arch's default.
    pub fn emulator_for(&self, kind: &str) -> Option<&str> {
        self.domain(kind)
            .and_then(|d| d.emulator.as_deref())
            .or(self.emulator.as_deref())
    }

    /// The loader for a domain type: its own, else the arch's default.
    pub fn loader_for(&self, kind: &str) -> Option<&str> {
        self.domain(kind)
            .and_then(|d| d.loader.as_deref())
            .or(self.loader.as_deref())
    }

    /// Machines for a domain type: its own list when it has one, else the
    /// arch's.
    pub fn machines_for(&self, kind: &str) -> &[Machine] {
        match self.domain(kind) {
            Some(d) if !d.machines.is_empty() => &d.machines,
            _ => &self.machines,
        }
    }

    pub fn has_feature(&self, name: &str) -> bool {
        self.features.iter().any(|f| f == name)
    }
}

impl Capabilities {
    /// Parses `virConnectGetCapabilities` XML.
    pub fn parse(xml: &str) -> Result<Capabilities, CapsError> {
        let root = Element::parse(xml)?;
        if root.name != "capabilities" {
            return Err(CapsError::NotCapabilities {
                expected: "capabilities",
                found: root.name,
            });
        }
        let host_el = root.first("host").ok_or(CapsError::Missing("<host>"))?;
        let host = parse_host(host_el)?;
        let guests = root
            .elements_named("guest")
            .map(parse_guest)
            .collect::<Result<_, _>>()?;
        Ok(Capabilities { host, guests })
    }

    /// The guest entry for an os type and arch.
    pub fn guest(&self, os_type: &str, arch: &str) -> Option<&Guest> {
        self.guests
            .iter()
            .find(|g| g.os_type == os_type && g.arch == arch)
    }

    /// Whether the host can run `os_type` guests on `arch` with domain type
    /// `kind` (e.g. `supports("hvm", "x86_64", "kvm")`).
    pub fn supports(&self, os_type: &str, arch: &str, kind: &str) -> bool {
        self.guest(os_type, arch)
            .is_some_and(|g| g.has_domain_type(kind))
    }

    /// Every domain type offered by any guest, without repeats.
    pub fn domain_types(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for g in &self.guests {
            for d in &g.domains {
                if !out.contains(&d.kind.as_str()) {
                    out.push(&d.kind);
                }
            }
        }
        out
    }

    /// Every os type offered, without repeats.
    pub fn os_types(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for g in &self.guests {
            if !out.contains(&g.os_type.as_str()) {
                out.push(&g.os_type);
            }
        }
        out
    }
}

fn parse_host(h: &Element) -> Result<Host, CapsError> {
    let cpu = h.first("cpu");
    let arch = cpu
        .and_then(|c| c.find_text("arch"))
        .filter(|a| !a.is_empty())
        .ok_or(CapsError::Missing("<host><cpu><arch>"))?;
    let mut cpu_features = Vec::new();
    if let Some(cpu) = cpu {
        for f in cpu.elements_named("feature") {
            if let Some(n) = f.get_attr("name") {
                cpu_features.push(n.to_string());
            }
        }
        if let Some(fs) = cpu.first("features") {
            cpu_features.extend(fs.elements().map(|e| e.name.clone()));
        }
    }
    let security_models = h
        .elements_named("secmodel")
        .map(|s| SecurityModel {
            model: s.find_text("model").unwrap_or_default(),
            doi: s.find_text("doi").unwrap_or_default(),
            base_labels: s
                .elements_named("baselabel")
                .map(|b| {
                    (
                        b.get_attr("type").unwrap_or_default().to_string(),
                        b.text_content(),
                    )
                })
                .collect(),
        })
        .collect();
    let mut numa_cells = Vec::new();
    for c in h.find_all("topology/cells/cell") {
        let id = parse_num("NUMA cell id", c.get_attr("id").unwrap_or_default())?;
        let memory_kib = match c.first("memory") {
            Some(m) => Some(to_kib(
                parse_num("NUMA cell memory", &m.text_content())?,
                m.get_attr("unit"),
            )?),
            None => None,
        };
        let cpus = c
            .find_all("cpus/cpu")
            .iter()
            .map(|cpu| parse_num("NUMA cpu id", cpu.get_attr("id").unwrap_or_default()))
            .collect::<Result<_, _>>()?;
        numa_cells.push(NumaCell {
            id,
            memory_kib,
            cpus,
        });
    }
    let migration = h.first("migration_features").map(|m| Migration {
        live: m.first("live").is_some(),
        transports: m
            .find_all("uri_transports/uri_transport")
            .iter()
            .map(|t| t.text_content())
            .collect(),
    });
    Ok(Host {
        uuid: h.find_text("uuid"),
        arch,
        cpu_model: cpu.and_then(|c| c.find_text("model")),
        cpu_vendor: cpu.and_then(|c| c.find_text("vendor")),
        cpu_features,
        security_models,
        numa_cells,
        migration,
        iommu: h.first("iommu").map(|i| yes(i.get_attr("support"))),
    })
}

/// Converts a value in a libvirt unit (`KiB` by default) to KiB.
fn to_kib(value: u64, unit: Option<&str>) -> Result<u64, CapsError> {
    let factor: u64 = match unit.unwrap_or("KiB") {
        "b" | "bytes" => return Ok(value / 1024),
        "KB" => return Ok(value * 1000 / 1024),
        "k" | "KiB" => 1,
        "M" | "MiB" => 1024,
        "G" | "GiB" => 1024 * 1024,
        "T" | "TiB" => 1024 * 1024 * 1024,
        other => {
            return Err(CapsError::Invalid {
                what: "memory unit",
                value: other.to_string(),
            })
        }
    };
    Ok(value.saturating_mul(factor))
}

fn parse_machines(e: &Element) -> Result<Vec<Machine>, CapsError> {
    e.elements_named("machine")
        .map(|m| {
            Ok(Machine {
                name: m.text_content(),
                canonical: m.get_attr("canonical").map(str::to_string),
                max_cpus: opt_num("machine maxCpus", m.get_attr("maxCpus"))?,
                deprecated: yes(m.get_attr("deprecated")),
            })
        })
        .collect()
}

fn parse_guest(g: &Element) -> Result<Guest, CapsError> {
    let os_type = g
        .find_text("os_type")
        .ok_or(CapsError::Missing("<guest><os_type>"))?;
    let a = g.first("arch").ok_or(CapsError::Missing("<guest><arch>"))?;
    let arch = a
        .get_attr("name")
        .ok_or(CapsError::Missing("<guest><arch name>"))?
        .to_string();
    let domains = a
        .elements_named("domain")
        .map(|d| {
            Ok(GuestDomain {
                kind: d
                    .get_attr("type")
                    .ok_or(CapsError::Missing("<domain type>"))?
                    .to_string(),
                emulator: d.find_text("emulator"),
                loader: d.find_text("loader"),
                machines: parse_machines(d)?,
            })
        })
        .collect::<Result<_, CapsError>>()?;
    Ok(Guest {
        os_type,
        arch,
        wordsize: opt_num("wordsize", a.find_text("wordsize").as_deref())?,
        emulator: a.find_text("emulator"),
        loader: a.find_text("loader"),
        machines: parse_machines(a)?,
        domains,
        features: g
            .first("features")
            .map(|f| f.elements().map(|e| e.name.clone()).collect())
            .unwrap_or_default(),
    })
}

// ===================================================================
// Domain capabilities
// ===================================================================

/// An element of domain capabilities with `supported='yes|no'` and named
/// enums of values, e.g. `<disk supported='yes'><enum name='bus'>…`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Supported {
    pub supported: bool,
    /// Bare `<value>`s directly under the element (e.g. loader paths).
    pub values: Vec<String>,
    pub enums: BTreeMap<String, Vec<String>>,
}

impl Supported {
    fn from_element(e: &Element) -> Supported {
        Supported {
            supported: yes(e.get_attr("supported")),
            values: e
                .elements_named("value")
                .map(|v| v.text_content())
                .collect(),
            enums: e
                .elements_named("enum")
                .map(|en| {
                    (
                        en.get_attr("name").unwrap_or_default().to_string(),
                        en.elements_named("value")
                            .map(|v| v.text_content())
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    /// The values of an enum; empty when the enum is absent.
    pub fn values_of(&self, name: &str) -> &[String] {
        self.enums.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Supported, and `value` listed in enum `name`.
    pub fn allows(&self, name: &str, value: &str) -> bool {
        self.supported && self.values_of(name).iter().any(|v| v == value)
    }
}

/// A named CPU model of the `custom` mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuModel {
    pub name: String,
    /// `usable='yes'` (runs here without missing features).
    pub usable: bool,
    pub deprecated: bool,
    pub canonical: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuModes {
    /// `host-passthrough`, `maximum`, `host-model`, `custom` → supported.
    pub modes: BTreeMap<String, bool>,
    /// The model `host-model` expands to, when reported.
    pub host_model: Option<String>,
    pub custom_models: Vec<CpuModel>,
}

/// The capabilities of one emulator/arch/machine/domain type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainCapabilities {
    /// Emulator path (absent on drivers without one, e.g. `test`).
    pub path: Option<String>,
    pub domain_type: String,
    pub machine: Option<String>,
    pub arch: String,
    pub max_vcpus: Option<u32>,
    pub iothreads: Option<bool>,
    /// `<os supported>` with its `firmware` enum.
    pub os: Supported,
    /// `<os><loader>`: firmware image paths (`values`) and `type`,
    /// `readonly`, `secure` enums.
    pub loader: Supported,
    pub cpu: CpuModes,
    /// Device kinds (`disk`, `graphics`, `video`, `hostdev`, `rng`,
    /// `filesystem`, `tpm`, `console`, `interface`…) with their enums.
    pub devices: BTreeMap<String, Supported>,
    /// Features (`vmcoreinfo`, `genid`, `sev`, `hyperv`…) with their enums.
    pub features: BTreeMap<String, Supported>,
}

impl DomainCapabilities {
    /// Parses `virConnectGetDomainCapabilities` XML.
    pub fn parse(xml: &str) -> Result<DomainCapabilities, CapsError> {
        let root = Element::parse(xml)?;
        if root.name != "domainCapabilities" {
            return Err(CapsError::NotCapabilities {
                expected: "domainCapabilities",
                found: root.name,
            });
        }
        let os = root.first("os");
        let mut cpu = CpuModes::default();
        for m in root.find_all("cpu/mode") {
            let name = m.get_attr("name").unwrap_or_default().to_string();
            if name == "host-model" {
                cpu.host_model = m.find_text("model");
            }
            if name == "custom" {
                cpu.custom_models = m
                    .elements_named("model")
                    .map(|md| CpuModel {
                        name: md.text_content(),
                        usable: yes(md.get_attr("usable")),
                        deprecated: yes(md.get_attr("deprecated")),
                        canonical: md.get_attr("canonical").map(str::to_string),
                    })
                    .collect();
            }
            cpu.modes.insert(name, yes(m.get_attr("supported")));
        }
        let named = |path: &str| -> BTreeMap<String, Supported> {
            root.find(path)
                .map(|d| {
                    d.elements()
                        .map(|e| (e.name.clone(), Supported::from_element(e)))
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(DomainCapabilities {
            path: root.find_text("path").filter(|p| !p.is_empty()),
            domain_type: root
                .find_text("domain")
                .ok_or(CapsError::Missing("<domain>"))?,
            machine: root.find_text("machine"),
            arch: root.find_text("arch").ok_or(CapsError::Missing("<arch>"))?,
            max_vcpus: opt_num("vcpu max", root.find_attr("vcpu", "max"))?,
            iothreads: root
                .first("iothreads")
                .map(|e| yes(e.get_attr("supported"))),
            os: os.map(Supported::from_element).unwrap_or_default(),
            loader: os
                .and_then(|o| o.first("loader"))
                .map(Supported::from_element)
                .unwrap_or_default(),
            cpu,
            devices: named("devices"),
            features: named("features"),
        })
    }

    /// A device kind (`disk`, `graphics`…), when listed.
    pub fn device(&self, kind: &str) -> Option<&Supported> {
        self.devices.get(kind)
    }

    /// Whether device `kind` is supported and lists `value` in enum `name`,
    /// e.g. `device_allows("disk", "bus", "virtio")`.
    pub fn device_allows(&self, kind: &str, name: &str, value: &str) -> bool {
        self.device(kind).is_some_and(|d| d.allows(name, value))
    }

    /// Whether device `kind` is listed and supported.
    pub fn device_supported(&self, kind: &str) -> bool {
        self.device(kind).is_some_and(|d| d.supported)
    }

    pub fn feature_supported(&self, name: &str) -> bool {
        self.features.get(name).is_some_and(|f| f.supported)
    }

    pub fn cpu_mode_supported(&self, mode: &str) -> bool {
        self.cpu.modes.get(mode).copied().unwrap_or(false)
    }

    /// Firmware auto-selection values (`efi`, `bios`) from `<os><enum name='firmware'>`.
    pub fn firmware_values(&self) -> &[String] {
        self.os.values_of("firmware")
    }

    /// Console types from `<devices><console><enum name='type'>`; empty when
    /// the driver does not list them (then `pty` is the conventional one).
    pub fn console_types(&self) -> &[String] {
        self.device("console")
            .map(|c| c.values_of("type"))
            .unwrap_or(&[])
    }

    /// Disk buses the driver lists (`virtio`, `sata`, `scsi`, `ide`…).
    pub fn disk_buses(&self) -> &[String] {
        self.device("disk")
            .map(|c| c.values_of("bus"))
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CAPS: &str = include_str!("../../tests/data/caps/test-default-capabilities.xml");
    const QEMU_CAPS: &str = include_str!("../../tests/data/caps/qemu-system-capabilities.xml");
    const TEST_DOMCAPS: &str = include_str!("../../tests/data/caps/test-default-domcaps.xml");
    const QEMU_DOMCAPS: &str = include_str!("../../tests/data/caps/qemu-system-domcaps-kvm.xml");

    #[test]
    fn test_driver_capabilities() {
        let c = Capabilities::parse(TEST_CAPS).unwrap();
        assert_eq!(c.host.arch, "i686");
        assert_eq!(c.host.cpu_model, None);
        assert!(c.host.cpu_features.contains(&"pae".to_string()));
        assert_eq!(c.host.security_models.len(), 1);
        assert_eq!(c.host.security_models[0].model, "testSecurity");
        assert_eq!(c.host.security_models[0].doi, "");
        assert_eq!(c.host.numa_cells.len(), 2);
        assert_eq!(c.host.numa_cells[1].id, 1);
        assert_eq!(c.host.numa_cells[1].memory_kib, Some(4194304));
        assert_eq!(c.host.numa_cells[1].cpus, (8..16).collect::<Vec<u32>>());
        assert_eq!(c.host.migration, None);
        assert_eq!(c.guests.len(), 2);
        assert_eq!(c.os_types(), vec!["hvm", "xen"]);
        let g = c.guest("hvm", "i686").unwrap();
        assert_eq!(g.wordsize, Some(32));
        assert_eq!(g.domain_types(), vec!["test"]);
        assert_eq!(g.emulator_for("test"), Some("/usr/bin/test-hv"));
        assert!(g.machines_for("test").is_empty());
        assert!(c.supports("xen", "i686", "test"));
        assert!(!c.supports("hvm", "x86_64", "test"));
        assert!(!c.supports("hvm", "i686", "kvm"));
    }

    #[test]
    fn qemu_capabilities() {
        let c = Capabilities::parse(QEMU_CAPS).unwrap();
        assert_eq!(c.host.arch, "x86_64");
        assert_eq!(c.host.cpu_model.as_deref(), Some("kvm64-v1"));
        assert_eq!(c.host.cpu_vendor.as_deref(), Some("AMD"));
        assert!(c.host.cpu_features.iter().any(|f| f == "x2apic"));
        let models: Vec<_> = c
            .host
            .security_models
            .iter()
            .map(|s| s.model.as_str())
            .collect();
        assert_eq!(models, vec!["none", "dac"]);
        let dac = &c.host.security_models[1];
        assert_eq!(dac.doi, "0");
        assert!(dac
            .base_labels
            .contains(&("kvm".into(), "+64055:+64055".into())));
        let mig = c.host.migration.as_ref().unwrap();
        assert!(mig.live);
        assert_eq!(mig.transports, vec!["tcp", "rdma"]);
        assert_eq!(c.host.numa_cells.len(), 1);
        assert_eq!(c.host.numa_cells[0].cpus, vec![0, 1]);
        assert_eq!(c.host.iommu, Some(false));
        let g = c.guest("hvm", "x86_64").unwrap();
        assert_eq!(g.wordsize, Some(64));
        assert_eq!(g.domain_types(), vec!["qemu", "kvm"]);
        // No per-domain emulator: falls back to the arch's.
        assert_eq!(g.emulator_for("kvm"), Some("/usr/bin/qemu-system-x86_64"));
        let q35 = g
            .machines_for("kvm")
            .iter()
            .find(|m| m.name == "q35")
            .unwrap();
        assert_eq!(q35.canonical.as_deref(), Some("pc-q35-10.0"));
        assert_eq!(q35.max_cpus, Some(4096));
        assert!(g.machines_for("kvm").iter().any(|m| m.deprecated));
        assert!(g.has_feature("acpi"));
        assert!(c.supports("hvm", "i686", "kvm"));
    }

    #[test]
    fn per_domain_emulator_and_machines_override_the_arch() {
        let xml = "<capabilities><host><cpu><arch>aarch64</arch></cpu></host>\
            <guest><os_type>hvm</os_type><arch name='aarch64'><wordsize>64</wordsize>\
            <emulator>/usr/bin/qemu-system-aarch64</emulator><machine>virt</machine>\
            <domain type='qemu'/><domain type='kvm'><emulator>/usr/libexec/qemu-kvm</emulator>\
            <machine canonical='virt-9.0'>virt</machine><loader>/l.fd</loader></domain></arch></guest>\
            </capabilities>";
        let c = Capabilities::parse(xml).unwrap();
        let g = &c.guests[0];
        assert_eq!(g.emulator_for("kvm"), Some("/usr/libexec/qemu-kvm"));
        assert_eq!(g.emulator_for("qemu"), Some("/usr/bin/qemu-system-aarch64"));
        assert_eq!(
            g.machines_for("kvm")[0].canonical.as_deref(),
            Some("virt-9.0")
        );
        assert_eq!(g.machines_for("qemu")[0].canonical, None);
        assert_eq!(g.loader_for("kvm"), Some("/l.fd"));
        assert_eq!(g.loader_for("qemu"), None);
    }

    #[test]
    fn bad_documents_are_errors_that_say_what() {
        let e = Capabilities::parse("<domain/>").unwrap_err();
        assert!(e.to_string().contains("<capabilities>"), "{e}");
        let e = Capabilities::parse("<capabilities><guest/></capabilities>").unwrap_err();
        assert_eq!(e, CapsError::Missing("<host>"));
        let e =
            Capabilities::parse("<capabilities><host><cpu/></host></capabilities>").unwrap_err();
        assert_eq!(e, CapsError::Missing("<host><cpu><arch>"));
        let e = Capabilities::parse(
            "<capabilities><host><cpu><arch>x</arch></cpu><topology><cells><cell id='x'/></cells></topology></host></capabilities>",
        )
        .unwrap_err();
        assert!(e.to_string().contains("NUMA cell id"), "{e}");
        assert!(matches!(
            Capabilities::parse("<capabilities"),
            Err(CapsError::Xml(_))
        ));
        assert!(DomainCapabilities::parse(TEST_CAPS).is_err());
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(
            parse_cpu_list("0-2,5, 7-8").unwrap(),
            vec![0, 1, 2, 5, 7, 8]
        );
        assert_eq!(parse_cpu_list("").unwrap(), Vec::<u32>::new());
        assert!(parse_cpu_list("3-1").is_err());
        assert!(parse_cpu_list("a").is_err());
    }

    #[test]
    fn test_driver_domain_capabilities() {
        let d = DomainCapabilities::parse(TEST_DOMCAPS).unwrap();
        assert_eq!(d.domain_type, "test");
        assert_eq!(d.arch, "i686");
        assert_eq!(d.path, None);
        assert_eq!(d.max_vcpus, None);
        assert!(!d.cpu_mode_supported("host-passthrough"));
        assert!(d.devices.is_empty());
        assert!(!d.feature_supported("sev"));
        assert!(d.console_types().is_empty());
    }

    #[test]
    fn qemu_domain_capabilities() {
        let d = DomainCapabilities::parse(QEMU_DOMCAPS).unwrap();
        assert_eq!(d.path.as_deref(), Some("/usr/bin/qemu-system-x86_64"));
        assert_eq!(d.domain_type, "kvm");
        assert_eq!(d.machine.as_deref(), Some("pc-i440fx-10.0"));
        assert_eq!(d.arch, "x86_64");
        assert_eq!(d.max_vcpus, Some(255));
        assert_eq!(d.iothreads, Some(true));
        assert_eq!(d.firmware_values(), ["efi"]);
        assert!(d.loader.supported);
        assert_eq!(d.loader.values, vec!["/usr/share/OVMF/OVMF_CODE_4M.fd"]);
        assert_eq!(d.loader.values_of("type"), ["rom", "pflash"]);
        assert!(d.cpu_mode_supported("host-model"));
        assert_eq!(d.cpu.host_model.as_deref(), Some("kvm64"));
        // This host's KVM lacks SSE3, so only pre-SSE3 models are usable.
        let model = |n: &str| d.cpu.custom_models.iter().find(|m| m.name == n).unwrap();
        assert!(!model("qemu64").usable);
        assert_eq!(model("qemu64").canonical.as_deref(), Some("qemu64-v1"));
        assert!(model("pentium3").usable);
        assert!(d.device_allows("disk", "bus", "virtio"));
        assert!(d.device_allows("disk", "diskDevice", "cdrom"));
        assert!(!d.device_allows("disk", "bus", "nonsense"));
        assert!(d.device_allows("graphics", "type", "vnc"));
        assert!(d.device_allows("hostdev", "subsysType", "pci"));
        assert!(d.device_allows("hostdev", "mode", "subsystem"));
        assert!(d.device_allows("rng", "backendModel", "random"));
        assert!(d.device_supported("filesystem"));
        assert!(!d.device_supported("nonexistent"));
        assert!(d.disk_buses().iter().any(|b| b == "sata"));
        assert!(d.feature_supported("vmcoreinfo"));
        assert!(!d.feature_supported("sev"));
    }
}
