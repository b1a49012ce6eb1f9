//! The generic guest: what a script gets when it asks for "a domain", chosen
//! from the driver's capabilities and never hard-coded for QEMU.
//!
//! Among the guests the capabilities offer, the choice prefers the host's
//! arch, then the domain type `kvm`, then `qemu`, then whatever the driver
//! itself offers (`test`, `lxc`, `xen`, `bhyve`…), then os type `hvm`, then
//! `exe` (containers), then the rest; ties keep the document's order. The
//! machine is the alias of the emulator's default machine (`pc` rather than
//! `pc-i440fx-10.0`, so the XML is stable across QEMU releases), the
//! emulator the one listed for that domain type. Without guest media the
//! boot method is "firmware only" (a hardware guest idles in its BIOS, which
//! is all API-semantics scripts need) or, for containers, `/bin/sh` as init.
//! Guests that must boot an OS come from `crate::virt::media`.
//!
//! This module also gives [`Context`] its generic-object helpers:
//! `cx.domain(&name)`, `cx.network(&name)`, `cx.pool(&name)`,
//! `cx.volume(&name)`, `cx.secret(&name)` and `cx.nwfilter(&name)`.

use super::builders::{
    Chardev, DomainBuilder, NetworkBuilder, NwFilterBuilder, SecretBuilder, StoragePoolBuilder,
    StorageVolBuilder,
};
use super::caps::{Capabilities, CapsError, DomainCapabilities, Guest};
use super::context::{Context, BRIDGE_NAME_MAX};
use super::error::LibvirtError;
use crate::script::Stop;

/// Constraints on the generic guest; `None` means "best available".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestPrefs {
    pub domain_type: Option<String>,
    pub arch: Option<String>,
    pub os_type: Option<String>,
    pub machine: Option<String>,
}

/// How the guest starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootMethod {
    /// No OS: a hardware guest boots its firmware and idles there.
    Firmware,
    /// A container runs this init.
    Init(String),
}

/// The guest chosen from capabilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestChoice {
    pub domain_type: String,
    pub os_type: String,
    pub arch: String,
    pub wordsize: Option<u32>,
    pub machine: Option<String>,
    pub emulator: Option<String>,
    /// Guest features worth turning on (`acpi`, `apic` where offered).
    pub features: Vec<String>,
    pub boot: BootMethod,
}

/// No guest in the capabilities satisfies the constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoGuest {
    pub prefs: GuestPrefs,
    /// What the driver offers, as `os_type/arch/domain_type` triples.
    pub offered: Vec<String>,
}

impl std::fmt::Display for NoGuest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.prefs;
        write!(
            f,
            "no guest in the capabilities matches domain type {}, arch {}, os type {}{}; the driver offers: {}",
            p.domain_type.as_deref().unwrap_or("(any)"),
            p.arch.as_deref().unwrap_or("(any)"),
            p.os_type.as_deref().unwrap_or("(any)"),
            p.machine
                .as_deref()
                .map(|m| format!(", machine {m}"))
                .unwrap_or_default(),
            if self.offered.is_empty() {
                "nothing".to_string()
            } else {
                self.offered.join(", ")
            }
        )
    }
}

impl std::error::Error for NoGuest {}

fn domain_type_rank(kind: &str) -> u8 {
    match kind {
        "kvm" => 0,
        "qemu" => 1,
        _ => 2,
    }
}

fn os_type_rank(os: &str) -> u8 {
    match os {
        "hvm" => 0,
        "exe" => 1,
        _ => 2,
    }
}

/// The machine to use: the requested one if offered, else the alias of the
/// default (first listed) machine, else the default itself.
fn pick_machine(g: &Guest, kind: &str, wanted: Option<&str>) -> Result<Option<String>, ()> {
    let machines = g.machines_for(kind);
    if let Some(w) = wanted {
        return if machines.iter().any(|m| m.name == w) {
            Ok(Some(w.to_string()))
        } else {
            Err(())
        };
    }
    let Some(default) = machines.first() else {
        return Ok(None);
    };
    let alias = machines
        .iter()
        .find(|m| m.canonical.as_deref() == Some(default.name.as_str()));
    Ok(Some(alias.unwrap_or(default).name.clone()))
}

/// Chooses the generic guest.
pub fn choose_guest(caps: &Capabilities, prefs: &GuestPrefs) -> Result<GuestChoice, NoGuest> {
    let host_arch = caps.host.arch.as_str();
    let mut best: Option<((u8, u8, u8, usize), GuestChoice)> = None;
    let mut order = 0usize;
    for g in &caps.guests {
        for d in &g.domains {
            order += 1;
            let kind = d.kind.as_str();
            if prefs.domain_type.as_deref().is_some_and(|t| t != kind)
                || prefs.arch.as_deref().is_some_and(|a| a != g.arch)
                || prefs.os_type.as_deref().is_some_and(|o| o != g.os_type)
            {
                continue;
            }
            let Ok(machine) = pick_machine(g, kind, prefs.machine.as_deref()) else {
                continue;
            };
            let rank = (
                u8::from(g.arch != host_arch),
                domain_type_rank(kind),
                os_type_rank(&g.os_type),
                order,
            );
            if best.as_ref().is_some_and(|(r, _)| *r <= rank) {
                continue;
            }
            let boot = if g.os_type == "exe" {
                BootMethod::Init("/bin/sh".into())
            } else {
                BootMethod::Firmware
            };
            let features = ["acpi", "apic"]
                .iter()
                .filter(|f| g.has_feature(f))
                .map(|f| f.to_string())
                .collect();
            best = Some((
                rank,
                GuestChoice {
                    domain_type: kind.to_string(),
                    os_type: g.os_type.clone(),
                    arch: g.arch.clone(),
                    wordsize: g.wordsize,
                    machine,
                    emulator: g.emulator_for(kind).map(str::to_string),
                    features,
                    boot,
                },
            ));
        }
    }
    best.map(|(_, c)| c).ok_or_else(|| NoGuest {
        prefs: prefs.clone(),
        offered: caps
            .guests
            .iter()
            .flat_map(|g| {
                g.domains
                    .iter()
                    .map(move |d| format!("{}/{}/{}", g.os_type, g.arch, d.kind))
            })
            .collect(),
    })
}

impl GuestChoice {
    /// A domain for this guest named `name`: 64 MiB, one vCPU, no devices
    /// beyond what the boot method needs.
    pub fn domain(&self, name: &str) -> DomainBuilder {
        let mut b = DomainBuilder::new(&self.domain_type, name)
            .os_type_is(&self.os_type)
            .arch(&self.arch);
        if let Some(m) = &self.machine {
            b = b.machine(m);
        }
        if let Some(e) = &self.emulator {
            b = b.emulator(e);
        }
        for f in &self.features {
            b = b.feature(f);
        }
        match &self.boot {
            BootMethod::Firmware => b.boot("hd"),
            // A container's init needs a terminal: the LXC driver refuses
            // a definition without a PTY console.
            BootMethod::Init(init) => b.init(init, &[]).console(Chardev::console("pty")),
        }
    }

    /// One line for people and reports, e.g. `kvm hvm x86_64 pc`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} {} {}", self.domain_type, self.os_type, self.arch);
        if let Some(m) = &self.machine {
            s.push(' ');
            s.push_str(m);
        }
        s
    }
}

impl From<NoGuest> for Stop {
    fn from(e: NoGuest) -> Self {
        Stop::Error(e.to_string())
    }
}

impl From<CapsError> for Stop {
    fn from(e: CapsError) -> Self {
        Stop::Error(format!("cannot read the driver's capabilities: {e}"))
    }
}

impl Context {
    /// The driver's capabilities, parsed.
    pub fn caps(&self) -> Result<Capabilities, Stop> {
        Ok(Capabilities::parse(self.capabilities_xml()?)?)
    }

    /// The generic guest for this driver.
    pub fn guest(&self) -> Result<GuestChoice, Stop> {
        Ok(choose_guest(&self.caps()?, &GuestPrefs::default())?)
    }

    /// The generic guest when it is a hardware virtual machine (os type
    /// `hvm`); on a container driver (`lxc`, os type `exe`) a skip: scripts
    /// that boot a kernel or configure VM devices (video, balloon, virtio
    /// disks, vCPU hot-plug) have nothing to test there.
    pub fn vm_guest(&self) -> Result<GuestChoice, Stop> {
        let guest = self.guest()?;
        if guest.os_type == "hvm" {
            Ok(guest)
        } else {
            Err(Stop::Skip(format!(
                "unsupported by driver: this script needs a hardware virtual machine; the driver's guests are {} (os type {})",
                if guest.os_type == "exe" { "containers" } else { "not hardware VMs" },
                guest.os_type
            )))
        }
    }

    /// The best guest under `prefs` (e.g. a machine type); when the
    /// capabilities offer none, a skip saying what the driver offers.
    pub fn guest_with(&self, prefs: &GuestPrefs) -> Result<GuestChoice, Stop> {
        choose_guest(&self.caps()?, prefs)
            .map_err(|e| Stop::Skip(format!("unsupported by driver: {e}")))
    }

    /// The domain capabilities for `guest` (its emulator, arch, machine
    /// and domain type).
    pub fn domain_caps(&self, guest: &GuestChoice) -> Result<DomainCapabilities, Stop> {
        let xml = self
            .connect()?
            .domain_capabilities(
                guest.emulator.as_deref(),
                Some(&guest.arch),
                guest.machine.as_deref(),
                Some(&guest.domain_type),
                0,
            )
            .map_err(|e| {
                LibvirtError::from(e).context(format!(
                    "cannot get the domain capabilities of {}",
                    guest.describe()
                ))
            })?;
        Ok(DomainCapabilities::parse(&xml)?)
    }

    /// The generic domain named `name` (usually `cx.name("…")`), chosen from
    /// capabilities; it idles in firmware (see `booted_domain` for a guest
    /// that runs an OS).
    pub fn domain(&self, name: &str) -> Result<DomainBuilder, Stop> {
        Ok(self.guest()?.domain(name))
    }

    /// An isolated network named `name`, on a bridge of the same name when
    /// that fits the 15-byte limit (libvirt picks `virbrN` otherwise).
    pub fn network(&self, name: &str) -> NetworkBuilder {
        let b = NetworkBuilder::new(name);
        if name.len() <= BRIDGE_NAME_MAX {
            b.bridge(name)
        } else {
            b
        }
    }

    /// A `dir` pool named `name` whose directory is in the script's scratch
    /// directory (so the fixture removes its files with the script).
    pub fn pool(&self, name: &str) -> Result<StoragePoolBuilder, Stop> {
        let dir = self.scratch_file(name)?;
        Ok(StoragePoolBuilder::dir(name, &dir.to_string_lossy()))
    }

    /// A 50 MiB volume named `name`.
    pub fn volume(&self, name: &str) -> StorageVolBuilder {
        StorageVolBuilder::new(name)
    }

    /// A secret whose description is `name`, so the fixture owns it; give
    /// it a usage with `.usage(…)` (an id that starts with the namespace
    /// keeps it owned).
    pub fn secret(&self, name: &str) -> SecretBuilder {
        SecretBuilder::new().description(name)
    }

    pub fn nwfilter(&self, name: &str) -> NwFilterBuilder {
        NwFilterBuilder::new(name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::builders::testutil::test_conn;
    use super::*;

    const TEST_CAPS: &str = include_str!("../../tests/data/caps/test-default-capabilities.xml");
    const QEMU_CAPS: &str = include_str!("../../tests/data/caps/qemu-system-capabilities.xml");

    #[test]
    fn test_driver_gets_its_own_type_and_a_domain_it_accepts() {
        let caps = Capabilities::parse(TEST_CAPS).unwrap();
        let g = choose_guest(&caps, &GuestPrefs::default()).unwrap();
        assert_eq!(g.domain_type, "test");
        assert_eq!(g.os_type, "hvm");
        assert_eq!(g.arch, "i686");
        assert_eq!(g.machine, None);
        assert_eq!(g.emulator.as_deref(), Some("/usr/bin/test-hv"));
        assert_eq!(g.boot, BootMethod::Firmware);

        // And the live test driver accepts it and starts it.
        let conn = test_conn();
        let live = Capabilities::parse(&conn.capabilities().unwrap()).unwrap();
        let g = choose_guest(&live, &GuestPrefs::default()).unwrap();
        let xml = g.domain("tck-g-generic").as_xml();
        let dom = conn
            .create_domain_xml(&xml, 0)
            .unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert!(dom.is_active().unwrap());
        let back = crate::virt::xmltree::Element::parse(&dom.xml_desc(0).unwrap()).unwrap();
        assert_eq!(back.find_text("os/type").as_deref(), Some("hvm"));
        assert_eq!(back.find_attr("os/type", "arch"), Some("i686"));
        dom.destroy().unwrap();
    }

    #[test]
    fn qemu_prefers_host_arch_then_kvm_and_the_machine_alias() {
        let caps = Capabilities::parse(QEMU_CAPS).unwrap();
        let g = choose_guest(&caps, &GuestPrefs::default()).unwrap();
        assert_eq!(g.domain_type, "kvm");
        assert_eq!(g.arch, "x86_64");
        assert_eq!(g.machine.as_deref(), Some("pc"));
        assert_eq!(g.emulator.as_deref(), Some("/usr/bin/qemu-system-x86_64"));
        assert_eq!(g.features, vec!["acpi", "apic"]);
        assert_eq!(g.describe(), "kvm hvm x86_64 pc");
        let e = g.domain("tck-x").to_element();
        assert_eq!(e.get_attr("type"), Some("kvm"));
        assert_eq!(e.find_attr("os/type", "machine"), Some("pc"));
        assert_eq!(e.find_attr("os/boot", "dev"), Some("hd"));
        assert_eq!(
            e.find_text("devices/emulator").as_deref(),
            Some("/usr/bin/qemu-system-x86_64")
        );

        // Without KVM (a host where /dev/kvm is absent, libvirt lists only
        // qemu) the choice falls back to TCG.
        let no_kvm = QEMU_CAPS.replace("<domain type='kvm'/>", "");
        let g = choose_guest(
            &Capabilities::parse(&no_kvm).unwrap(),
            &GuestPrefs::default(),
        )
        .unwrap();
        assert_eq!(g.domain_type, "qemu");
        assert_eq!(g.arch, "x86_64");
    }

    #[test]
    fn preferences_constrain_and_unsatisfiable_ones_say_what_is_offered() {
        let caps = Capabilities::parse(QEMU_CAPS).unwrap();
        let prefs = GuestPrefs {
            domain_type: Some("qemu".into()),
            arch: Some("i686".into()),
            machine: Some("q35".into()),
            ..Default::default()
        };
        let g = choose_guest(&caps, &prefs).unwrap();
        assert_eq!((g.domain_type.as_str(), g.arch.as_str()), ("qemu", "i686"));
        assert_eq!(g.machine.as_deref(), Some("q35"));
        assert_eq!(g.emulator.as_deref(), Some("/usr/bin/qemu-system-i386"));

        let e = choose_guest(
            &caps,
            &GuestPrefs {
                domain_type: Some("xen".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("domain type xen"), "{msg}");
        assert!(msg.contains("hvm/x86_64/kvm"), "{msg}");
        let e = choose_guest(
            &caps,
            &GuestPrefs {
                machine: Some("no-such-machine".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("machine no-such-machine"), "{e}");
    }

    #[test]
    fn context_helpers_name_objects_and_define_on_the_test_driver() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::Config::from_toml(
            &format!("scratch_dir = {:?}\n", dir.path().display().to_string()),
            crate::config::ConfigSource::BuiltIn,
        )
        .unwrap();
        let cx = Context::new("domain/999-generic-helpers", config);
        let conn = cx.connect().unwrap();

        let name = cx.name("dom");
        let dom = conn
            .define_domain_xml(&cx.domain(&name).unwrap().as_xml())
            .unwrap();
        assert_eq!(dom.name().unwrap(), name);
        dom.undefine().unwrap();

        let net_name = cx.name("net");
        let net = cx.network(&net_name);
        assert_eq!(
            net.to_element().find_attr("bridge", "name"),
            Some(net_name.as_str())
        );
        let long = cx.name("a-network-name-too-long-for-a-bridge");
        assert!(cx.network(&long).to_element().find("bridge").is_none());
        let n = conn.define_network_xml(&net.as_xml()).unwrap();
        n.undefine().unwrap();

        let pool = cx.pool(&cx.name("pool")).unwrap();
        let target = pool.target_path().unwrap().to_string();
        assert!(
            target.starts_with(&dir.path().display().to_string()),
            "{target}"
        );
        let p = conn.define_storage_pool_xml(&pool.as_xml(), 0).unwrap();
        p.undefine().unwrap();

        assert_eq!(
            cx.secret(&cx.name("s"))
                .to_element()
                .find_text("description"),
            Some(cx.name("s"))
        );
        assert_eq!(cx.volume("v").name(), "v");

        let dc = cx.domain_caps(&cx.guest().unwrap()).unwrap();
        assert_eq!(dc.domain_type, "test");
        let nope = GuestPrefs {
            machine: Some("no-such-machine".into()),
            ..Default::default()
        };
        match cx.guest_with(&nope) {
            Err(Stop::Skip(why)) => assert!(why.starts_with("unsupported by driver"), "{why}"),
            other => panic!("expected a skip, got {other:?}"),
        }
        assert_eq!(cx.nwfilter("f").name(), "f");
        cx.close().unwrap();
    }

    #[test]
    fn containers_get_an_init() {
        let xml = "<capabilities><host><cpu><arch>x86_64</arch></cpu></host>\
            <guest><os_type>exe</os_type><arch name='x86_64'><wordsize>64</wordsize>\
            <emulator>/usr/libexec/libvirt_lxc</emulator><domain type='lxc'/></arch></guest></capabilities>";
        let g = choose_guest(&Capabilities::parse(xml).unwrap(), &GuestPrefs::default()).unwrap();
        assert_eq!(g.domain_type, "lxc");
        assert_eq!(g.boot, BootMethod::Init("/bin/sh".into()));
        let e = g.domain("tck-c").to_element();
        assert_eq!(e.find_text("os/type").as_deref(), Some("exe"));
        assert_eq!(e.find_text("os/init").as_deref(), Some("/bin/sh"));
        assert!(e.find("os/boot").is_none());
    }
}
