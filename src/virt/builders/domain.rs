//! Domain XML.
//!
//! `DomainBuilder::new(type, name)` starts a minimal domain (one vCPU,
//! 64 MiB, os type `hvm`); `crate::virt::generic` fills type, arch,
//! machine, emulator and boot method from the driver's capabilities. Devices
//! are small values (`Disk`, `Interface`, `Hostdev`, `Graphics`, `Chardev`,
//! `Rng`, `Filesystem`) with their own chainable setters, added with
//! `.disk(…)`, `.interface(…)` and so on; each renders to the element
//! libvirt documents, e.g. graphics listen addresses as `<listen>` children
//! (never the invalid `<port/>` children the Perl builder wrote).

use super::devices::yes_no;
pub use super::devices::{
    Chardev, Controller, Disk, Filesystem, Graphics, Hostdev, Interface, Rng, Virtualport,
};
use super::Size;
use crate::virt::xmltree::Element;

/// `<os>` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Os {
    os_type: String,
    arch: Option<String>,
    machine: Option<String>,
    boot: Vec<String>,
    kernel: Option<String>,
    initrd: Option<String>,
    cmdline: Option<String>,
    init: Option<String>,
    init_args: Vec<String>,
    loader: Option<Loader>,
    nvram: Option<Nvram>,
    firmware: Option<String>,
    /// `<firmware><feature enabled=… name=…/>`: constraints on auto-selection.
    firmware_features: Vec<(String, bool)>,
    bootloader: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Loader {
    path: String,
    kind: Option<String>,
    readonly: Option<bool>,
    secure: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Nvram {
    path: Option<String>,
    template: Option<String>,
}

/// `<cpu>`: a mode (`host-model`, `host-passthrough`, `custom`, `maximum`)
/// and, for `custom`, a model with optional feature policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuSpec {
    pub mode: String,
    pub model: Option<String>,
    /// `allow` or `forbid`.
    pub fallback: Option<String>,
    /// `(policy, name)`: policy is `require`, `disable`, `optional`, `force`
    /// or `forbid`.
    pub features: Vec<(String, String)>,
}

impl CpuSpec {
    pub fn mode(mode: &str) -> CpuSpec {
        CpuSpec {
            mode: mode.to_string(),
            model: None,
            fallback: None,
            features: Vec::new(),
        }
    }

    /// `mode='custom'` with a named model (`qemu64`, `Nehalem`…).
    pub fn custom(model: &str) -> CpuSpec {
        CpuSpec {
            model: Some(model.to_string()),
            ..CpuSpec::mode("custom")
        }
    }

    pub fn fallback(mut self, fallback: &str) -> CpuSpec {
        self.fallback = Some(fallback.to_string());
        self
    }

    pub fn feature(mut self, policy: &str, name: &str) -> CpuSpec {
        self.features.push((policy.to_string(), name.to_string()));
        self
    }

    fn element(&self) -> Element {
        let mut e = Element::new("cpu").attr("mode", &self.mode);
        if let Some(m) = &self.model {
            e.push(
                Element::new("model")
                    .attr_opt("fallback", self.fallback.as_deref())
                    .text(m),
            );
        }
        for (policy, name) in &self.features {
            e.push(
                Element::new("feature")
                    .attr("policy", policy)
                    .attr("name", name),
            );
        }
        e
    }
}

/// `<seclabel>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecLabel {
    /// `selinux`, `apparmor`, `dac`, `none`.
    pub model: Option<String>,
    /// `dynamic`, `static` or `none`.
    pub kind: String,
    pub relabel: Option<bool>,
    pub label: Option<String>,
    pub image_label: Option<String>,
    pub base_label: Option<String>,
}

impl SecLabel {
    pub fn new(model: &str, kind: &str) -> SecLabel {
        SecLabel {
            model: Some(model.to_string()),
            kind: kind.to_string(),
            relabel: None,
            label: None,
            image_label: None,
            base_label: None,
        }
    }
    pub fn relabel(mut self, yes: bool) -> Self {
        self.relabel = Some(yes);
        self
    }
    pub fn label(mut self, l: &str) -> Self {
        self.label = Some(l.to_string());
        self
    }
    pub fn image_label(mut self, l: &str) -> Self {
        self.image_label = Some(l.to_string());
        self
    }
    pub fn base_label(mut self, l: &str) -> Self {
        self.base_label = Some(l.to_string());
        self
    }

    fn element(&self) -> Element {
        Element::new("seclabel")
            .attr("type", &self.kind)
            .attr_opt("model", self.model.as_deref())
            .attr_opt("relabel", self.relabel.map(yes_no))
            .child_opt(self.label.as_ref().map(|l| Element::with_text("label", l)))
            .child_opt(
                self.image_label
                    .as_ref()
                    .map(|l| Element::with_text("imagelabel", l)),
            )
            .child_opt(
                self.base_label
                    .as_ref()
                    .map(|l| Element::with_text("baselabel", l)),
            )
    }
}

// ----------------------------------------------------------------- domain

/// Builds `<domain>` XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainBuilder {
    domain_type: String,
    name: String,
    uuid: Option<String>,
    title: Option<String>,
    description: Option<String>,
    memory: Size,
    current_memory: Option<Size>,
    max_memory: Option<(Size, u32)>,
    vcpu: u32,
    vcpu_current: Option<u32>,
    os: Os,
    features: Vec<String>,
    cpu: Option<CpuSpec>,
    on_poweroff: Option<String>,
    on_reboot: Option<String>,
    on_crash: Option<String>,
    numatune: Option<(String, String)>,
    seclabels: Vec<SecLabel>,
    emulator: Option<String>,
    controllers: Vec<Controller>,
    disks: Vec<Disk>,
    interfaces: Vec<Interface>,
    hostdevs: Vec<Hostdev>,
    graphics: Vec<Graphics>,
    serials: Vec<Chardev>,
    consoles: Vec<Chardev>,
    channels: Vec<Chardev>,
    rngs: Vec<Rng>,
    filesystems: Vec<Filesystem>,
    memballoon: Option<String>,
}

impl DomainBuilder {
    /// A domain of this type (`kvm`, `qemu`, `test`, `lxc`…) named `name`:
    /// one vCPU, 64 MiB, os type `hvm`, nothing else.
    pub fn new(domain_type: &str, name: &str) -> DomainBuilder {
        DomainBuilder {
            domain_type: domain_type.to_string(),
            name: name.to_string(),
            uuid: None,
            title: None,
            description: None,
            memory: Size::mib(64),
            current_memory: None,
            max_memory: None,
            vcpu: 1,
            vcpu_current: None,
            os: Os {
                os_type: "hvm".into(),
                arch: None,
                machine: None,
                boot: Vec::new(),
                kernel: None,
                initrd: None,
                cmdline: None,
                init: None,
                init_args: Vec::new(),
                loader: None,
                nvram: None,
                firmware: None,
                firmware_features: Vec::new(),
                bootloader: None,
            },
            features: Vec::new(),
            cpu: None,
            on_poweroff: None,
            on_reboot: None,
            on_crash: None,
            numatune: None,
            seclabels: Vec::new(),
            emulator: None,
            controllers: Vec::new(),
            disks: Vec::new(),
            interfaces: Vec::new(),
            hostdevs: Vec::new(),
            graphics: Vec::new(),
            serials: Vec::new(),
            consoles: Vec::new(),
            channels: Vec::new(),
            rngs: Vec::new(),
            filesystems: Vec::new(),
            memballoon: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn domain_type(&self) -> &str {
        &self.domain_type
    }
    pub fn uuid_value(&self) -> Option<&str> {
        self.uuid.as_deref()
    }
    pub fn memory_value(&self) -> Size {
        self.memory
    }
    pub fn os_type(&self) -> &str {
        &self.os.os_type
    }
    /// The kernel this domain boots, if it boots one directly.
    pub fn kernel_value(&self) -> Option<&str> {
        self.os.kernel.as_deref()
    }

    pub fn set_name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }
    pub fn set_type(mut self, domain_type: &str) -> Self {
        self.domain_type = domain_type.to_string();
        self
    }
    pub fn uuid(mut self, uuid: &str) -> Self {
        self.uuid = Some(uuid.to_string());
        self
    }
    pub fn title(mut self, t: &str) -> Self {
        self.title = Some(t.to_string());
        self
    }
    pub fn description(mut self, d: &str) -> Self {
        self.description = Some(d.to_string());
        self
    }

    /// `<memory>` (the boot-time maximum). Also the current memory unless
    /// `current_memory` is set.
    pub fn memory(mut self, size: Size) -> Self {
        self.memory = size;
        self
    }
    /// `<currentMemory>` (the balloon target).
    pub fn current_memory(mut self, size: Size) -> Self {
        self.current_memory = Some(size);
        self
    }
    /// `<maxMemory slots=…>` for memory hotplug.
    pub fn max_memory(mut self, size: Size, slots: u32) -> Self {
        self.max_memory = Some((size, slots));
        self
    }
    /// Maximum vCPUs.
    pub fn vcpus(mut self, n: u32) -> Self {
        self.vcpu = n;
        self
    }
    /// vCPUs online at boot (≤ maximum).
    pub fn vcpus_current(mut self, n: u32) -> Self {
        self.vcpu_current = Some(n);
        self
    }

    /// os type: `hvm`, `xen`, `linux`, `exe`…
    pub fn os_type_is(mut self, os_type: &str) -> Self {
        self.os.os_type = os_type.to_string();
        self
    }
    pub fn arch(mut self, arch: &str) -> Self {
        self.os.arch = Some(arch.to_string());
        self
    }
    pub fn machine(mut self, machine: &str) -> Self {
        self.os.machine = Some(machine.to_string());
        self
    }
    /// Adds a boot device: `hd`, `cdrom`, `fd`, `network`.
    pub fn boot(mut self, dev: &str) -> Self {
        self.os.boot.push(dev.to_string());
        self
    }
    /// Direct kernel boot.
    pub fn kernel(mut self, kernel: &str, initrd: Option<&str>, cmdline: Option<&str>) -> Self {
        self.os.kernel = Some(kernel.to_string());
        self.os.initrd = initrd.map(str::to_string);
        self.os.cmdline = cmdline.map(str::to_string);
        self
    }
    /// Removes kernel, initrd and command line.
    pub fn clear_kernel(mut self) -> Self {
        self.os.kernel = None;
        self.os.initrd = None;
        self.os.cmdline = None;
        self
    }
    /// `<init>` for containers, with arguments.
    pub fn init(mut self, path: &str, args: &[&str]) -> Self {
        self.os.init = Some(path.to_string());
        self.os.init_args = args.iter().map(|a| a.to_string()).collect();
        self
    }
    /// `<bootloader>` (Xen PV).
    pub fn bootloader(mut self, path: &str) -> Self {
        self.os.bootloader = Some(path.to_string());
        self
    }
    /// `<loader>`: a firmware image; `kind` is `rom` or `pflash`.
    pub fn loader(
        mut self,
        path: &str,
        kind: Option<&str>,
        readonly: Option<bool>,
        secure: Option<bool>,
    ) -> Self {
        self.os.loader = Some(Loader {
            path: path.to_string(),
            kind: kind.map(str::to_string),
            readonly,
            secure,
        });
        self
    }
    /// `<nvram>`: the per-domain variable store, and/or its template.
    pub fn nvram(mut self, path: Option<&str>, template: Option<&str>) -> Self {
        self.os.nvram = Some(Nvram {
            path: path.map(str::to_string),
            template: template.map(str::to_string),
        });
        self
    }
    /// Firmware auto-selection: `efi` or `bios` (`<os firmware=…>`).
    pub fn firmware(mut self, firmware: &str) -> Self {
        self.os.firmware = Some(firmware.to_string());
        self
    }
    /// A constraint on firmware auto-selection, e.g.
    /// `.firmware_feature("secure-boot", false)`.
    pub fn firmware_feature(mut self, name: &str, enabled: bool) -> Self {
        self.os.firmware_features.push((name.to_string(), enabled));
        self
    }

    /// A `<features>` flag: `acpi`, `apic`, `pae`, `hap`…
    pub fn feature(mut self, name: &str) -> Self {
        if !self.features.iter().any(|f| f == name) {
            self.features.push(name.to_string());
        }
        self
    }
    pub fn with_acpi(self) -> Self {
        self.feature("acpi")
    }
    pub fn with_apic(self) -> Self {
        self.feature("apic")
    }
    pub fn with_pae(self) -> Self {
        self.feature("pae")
    }
    pub fn cpu(mut self, cpu: CpuSpec) -> Self {
        self.cpu = Some(cpu);
        self
    }
    /// `destroy`, `restart`, `preserve`, `rename-restart`.
    pub fn on_poweroff(mut self, action: &str) -> Self {
        self.on_poweroff = Some(action.to_string());
        self
    }
    pub fn on_reboot(mut self, action: &str) -> Self {
        self.on_reboot = Some(action.to_string());
        self
    }
    /// Also `coredump-destroy`, `coredump-restart`.
    pub fn on_crash(mut self, action: &str) -> Self {
        self.on_crash = Some(action.to_string());
        self
    }
    /// `<numatune><memory mode=… nodeset=…/>`; mode `strict`, `preferred`,
    /// `interleave` or `restrictive`.
    pub fn numatune(mut self, mode: &str, nodeset: &str) -> Self {
        self.numatune = Some((mode.to_string(), nodeset.to_string()));
        self
    }
    pub fn seclabel(mut self, label: SecLabel) -> Self {
        self.seclabels.push(label);
        self
    }
    pub fn emulator(mut self, path: &str) -> Self {
        self.emulator = Some(path.to_string());
        self
    }

    pub fn controller(mut self, c: Controller) -> Self {
        self.controllers.push(c);
        self
    }
    pub fn disk(mut self, disk: Disk) -> Self {
        self.disks.push(disk);
        self
    }
    /// Removes the last disk added.
    pub fn remove_last_disk(mut self) -> Self {
        self.disks.pop();
        self
    }
    pub fn interface(mut self, iface: Interface) -> Self {
        self.interfaces.push(iface);
        self
    }
    /// Removes the last interface added.
    pub fn remove_last_interface(mut self) -> Self {
        self.interfaces.pop();
        self
    }
    pub fn hostdev(mut self, dev: Hostdev) -> Self {
        self.hostdevs.push(dev);
        self
    }
    pub fn graphics(mut self, g: Graphics) -> Self {
        self.graphics.push(g);
        self
    }
    pub fn serial(mut self, c: Chardev) -> Self {
        self.serials.push(c);
        self
    }
    pub fn console(mut self, c: Chardev) -> Self {
        self.consoles.push(c);
        self
    }
    pub fn channel(mut self, c: Chardev) -> Self {
        self.channels.push(c);
        self
    }
    pub fn rng(mut self, r: Rng) -> Self {
        self.rngs.push(r);
        self
    }
    pub fn filesystem(mut self, fs: Filesystem) -> Self {
        self.filesystems.push(fs);
        self
    }
    /// `<memballoon model=…>` (`virtio`, or `none` to have no balloon).
    pub fn memballoon(mut self, model: &str) -> Self {
        self.memballoon = Some(model.to_string());
        self
    }

    /// The domain as an element tree.
    pub fn to_element(&self) -> Element {
        let mut d = Element::new("domain")
            .attr("type", &self.domain_type)
            .child(Element::with_text("name", &self.name))
            .child_opt(self.uuid.as_ref().map(|u| Element::with_text("uuid", u)))
            .child_opt(self.title.as_ref().map(|t| Element::with_text("title", t)))
            .child_opt(
                self.description
                    .as_ref()
                    .map(|t| Element::with_text("description", t)),
            )
            .child_opt(
                self.max_memory
                    .map(|(s, slots)| s.element("maxMemory").attr("slots", slots)),
            )
            .child(self.memory.element("memory"))
            .child_opt(self.current_memory.map(|s| s.element("currentMemory")))
            .child(
                Element::new("vcpu")
                    .attr_opt("current", self.vcpu_current)
                    .text(self.vcpu),
            )
            .child_opt(self.numatune.as_ref().map(|(mode, nodeset)| {
                Element::new("numatune").child(
                    Element::new("memory")
                        .attr("mode", mode)
                        .attr("nodeset", nodeset),
                )
            }))
            .child(self.os_element());
        if !self.features.is_empty() {
            d.push(Element::new("features").children(self.features.iter().map(Element::new)));
        }
        d = d
            .child_opt(self.cpu.as_ref().map(CpuSpec::element))
            .child_opt(
                self.on_poweroff
                    .as_ref()
                    .map(|a| Element::with_text("on_poweroff", a)),
            )
            .child_opt(
                self.on_reboot
                    .as_ref()
                    .map(|a| Element::with_text("on_reboot", a)),
            )
            .child_opt(
                self.on_crash
                    .as_ref()
                    .map(|a| Element::with_text("on_crash", a)),
            );

        let mut devices = Element::new("devices").child_opt(
            self.emulator
                .as_ref()
                .map(|e| Element::with_text("emulator", e)),
        );
        for x in &self.controllers {
            devices.push(x.element());
        }
        for x in &self.disks {
            devices.push(x.element(&self.domain_type));
        }
        for x in &self.filesystems {
            devices.push(x.element());
        }
        for x in &self.interfaces {
            devices.push(x.element());
        }
        for x in &self.hostdevs {
            devices.push(x.element());
        }
        for x in self
            .serials
            .iter()
            .chain(&self.consoles)
            .chain(&self.channels)
        {
            devices.push(x.element());
        }
        for x in &self.graphics {
            devices.push(x.element());
        }
        for x in &self.rngs {
            devices.push(x.element());
        }
        if let Some(m) = &self.memballoon {
            devices.push(Element::new("memballoon").attr("model", m));
        }
        if !devices.is_empty() {
            d.push(devices);
        }
        for s in &self.seclabels {
            d.push(s.element());
        }
        d
    }

    fn os_element(&self) -> Element {
        let os = &self.os;
        let mut e = Element::new("os")
            .attr_opt("firmware", os.firmware.as_deref())
            .child(
                Element::new("type")
                    .attr_opt("arch", os.arch.as_deref())
                    .attr_opt("machine", os.machine.as_deref())
                    .text(&os.os_type),
            )
            .child_opt((!os.firmware_features.is_empty()).then(|| {
                Element::new("firmware").children(os.firmware_features.iter().map(|(n, on)| {
                    Element::new("feature")
                        .attr("enabled", yes_no(*on))
                        .attr("name", n)
                }))
            }))
            .child_opt(os.loader.as_ref().map(|l| {
                Element::new("loader")
                    .attr_opt("readonly", l.readonly.map(yes_no))
                    .attr_opt("secure", l.secure.map(yes_no))
                    .attr_opt("type", l.kind.as_deref())
                    .text(&l.path)
            }))
            .child_opt(os.nvram.as_ref().map(|n| {
                let e = Element::new("nvram").attr_opt("template", n.template.as_deref());
                match &n.path {
                    Some(p) => e.text(p),
                    None => e,
                }
            }))
            .child_opt(
                os.bootloader
                    .as_ref()
                    .map(|b| Element::with_text("bootloader", b)),
            )
            .child_opt(os.kernel.as_ref().map(|k| Element::with_text("kernel", k)))
            .child_opt(os.initrd.as_ref().map(|k| Element::with_text("initrd", k)))
            .child_opt(
                os.cmdline
                    .as_ref()
                    .map(|k| Element::with_text("cmdline", k)),
            )
            .child_opt(os.init.as_ref().map(|k| Element::with_text("init", k)));
        for a in &os.init_args {
            e.push(Element::with_text("initarg", a));
        }
        for b in &os.boot {
            e.push(Element::new("boot").attr("dev", b));
        }
        e
    }

    /// The domain XML.
    pub fn as_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{parse, test_conn};
    use super::super::{PciAddress, Rate};
    use super::*;

    fn define_and_read_back(b: &DomainBuilder) -> Element {
        let conn = test_conn();
        let xml = b.as_xml();
        let dom = conn
            .define_domain_xml(&xml)
            .unwrap_or_else(|e| panic!("test driver rejected the XML: {e}\n{xml}"));
        let back = parse(&dom.xml_desc(0).expect("xml_desc"));
        dom.undefine().expect("undefine");
        back
    }

    #[test]
    fn minimal_domain_defines_on_the_test_driver() {
        let b = DomainBuilder::new("test", "tck-b-minimal")
            .uuid("c7a5fdbd-cdaf-9455-926a-d65c16db1809")
            .memory(Size::mib(128))
            .current_memory(Size::mib(96))
            .vcpus(4)
            .vcpus_current(2)
            .arch("i686")
            .boot("hd")
            .boot("network");
        let back = define_and_read_back(&b);
        assert_eq!(back.get_attr("type"), Some("test"));
        assert_eq!(back.find_text("name").as_deref(), Some("tck-b-minimal"));
        assert_eq!(
            back.find_text("uuid").as_deref(),
            Some("c7a5fdbd-cdaf-9455-926a-d65c16db1809")
        );
        assert_eq!(back.find_text("memory").as_deref(), Some("131072"));
        assert_eq!(back.find_text("currentMemory").as_deref(), Some("98304"));
        assert_eq!(back.find_text("vcpu").as_deref(), Some("4"));
        assert_eq!(back.find_attr("vcpu", "current"), Some("2"));
        assert_eq!(back.find_attr("os/type", "arch"), Some("i686"));
        let boots: Vec<_> = back
            .find_all("os/boot")
            .iter()
            .filter_map(|b| b.get_attr("dev"))
            .collect();
        assert_eq!(boots, vec!["hd", "network"]);
        // No empty wrappers were emitted.
        assert!(b.to_element().find("devices").is_none());
    }

    #[test]
    fn os_lifecycle_features_cpu_numa_and_seclabel_survive_define() {
        let b = DomainBuilder::new("test", "tck-b-os")
            .title("a title")
            .description("desc <&>")
            .kernel(
                "/boot/vmlinuz",
                Some("/boot/initrd.img"),
                Some("console=ttyS0 quiet"),
            )
            .loader(
                "/usr/share/OVMF/OVMF_CODE.fd",
                Some("pflash"),
                Some(true),
                None,
            )
            .nvram(
                Some("/var/lib/x_VARS.fd"),
                Some("/usr/share/OVMF/OVMF_VARS.fd"),
            )
            .with_acpi()
            .with_apic()
            .with_pae()
            .with_acpi()
            .cpu(
                CpuSpec::custom("qemu64")
                    .fallback("allow")
                    .feature("disable", "svm"),
            )
            .on_poweroff("destroy")
            .on_reboot("restart")
            .on_crash("coredump-destroy")
            .numatune("strict", "0")
            .emulator("/usr/bin/test-hv");
        let back = define_and_read_back(&b);
        assert_eq!(back.find_text("title").as_deref(), Some("a title"));
        assert_eq!(back.find_text("description").as_deref(), Some("desc <&>"));
        assert_eq!(
            back.find_text("os/kernel").as_deref(),
            Some("/boot/vmlinuz")
        );
        assert_eq!(
            back.find_text("os/initrd").as_deref(),
            Some("/boot/initrd.img")
        );
        assert_eq!(
            back.find_text("os/cmdline").as_deref(),
            Some("console=ttyS0 quiet")
        );
        assert_eq!(back.find_attr("os/loader", "type"), Some("pflash"));
        assert_eq!(back.find_attr("os/loader", "readonly"), Some("yes"));
        assert_eq!(
            back.find_text("os/nvram").as_deref(),
            Some("/var/lib/x_VARS.fd")
        );
        assert_eq!(
            back.find_attr("os/nvram", "template"),
            Some("/usr/share/OVMF/OVMF_VARS.fd")
        );
        let features: Vec<_> = back
            .find("features")
            .unwrap()
            .elements()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(features, vec!["acpi", "apic", "pae"]);
        assert_eq!(back.find_attr("cpu", "mode"), Some("custom"));
        assert_eq!(back.find_text("cpu/model").as_deref(), Some("qemu64"));
        assert_eq!(back.find_attr("cpu/model", "fallback"), Some("allow"));
        assert_eq!(back.find_attr("cpu/feature", "name"), Some("svm"));
        assert_eq!(back.find_attr("cpu/feature", "policy"), Some("disable"));
        assert_eq!(back.find_text("on_poweroff").as_deref(), Some("destroy"));
        assert_eq!(
            back.find_text("on_crash").as_deref(),
            Some("coredump-destroy")
        );
        assert_eq!(back.find_attr("numatune/memory", "nodeset"), Some("0"));
        assert_eq!(
            back.find_text("devices/emulator").as_deref(),
            Some("/usr/bin/test-hv")
        );
    }

    #[test]
    fn disks_of_every_source_survive_define() {
        let b = DomainBuilder::new("test", "tck-b-disks")
            .disk(
                Disk::file("/var/lib/tck/a.img", "vda")
                    .bus("virtio")
                    .format("qcow2")
                    .cache("none"),
            )
            .disk(Disk::block("/dev/sdz", "sdb").bus("scsi").shareable())
            .disk(
                Disk::volume("tck-pool", "tck-vol", "vdc")
                    .bus("virtio")
                    .serial("S1"),
            )
            .disk(Disk::file("/x.iso", "hdc").device("cdrom").bus("ide"))
            .disk(Disk::empty_cdrom("hdd").bus("ide"))
            .disk(
                Disk::file("/enc.img", "vde")
                    .format("raw")
                    .encryption_luks("0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"),
            );
        let back = define_and_read_back(&b);
        // libvirt keeps disks sorted by bus and target, so look them up by target.
        assert_eq!(back.find_all("devices/disk").len(), 6);
        let disk = |dev: &str| {
            back.find_all("devices/disk")
                .into_iter()
                .find(|d| d.find_attr("target", "dev") == Some(dev))
                .unwrap_or_else(|| panic!("no disk {dev}"))
        };
        let vda = disk("vda");
        assert_eq!(vda.get_attr("type"), Some("file"));
        assert_eq!(vda.find_attr("source", "file"), Some("/var/lib/tck/a.img"));
        assert_eq!(vda.find_attr("driver", "type"), Some("qcow2"));
        assert_eq!(vda.find_attr("driver", "cache"), Some("none"));
        assert_eq!(vda.find_attr("target", "bus"), Some("virtio"));
        let sdb = disk("sdb");
        assert_eq!(sdb.get_attr("type"), Some("block"));
        assert_eq!(sdb.find_attr("source", "dev"), Some("/dev/sdz"));
        assert!(sdb.find("shareable").is_some());
        let vdc = disk("vdc");
        assert_eq!(vdc.get_attr("type"), Some("volume"));
        assert_eq!(vdc.find_attr("source", "pool"), Some("tck-pool"));
        assert_eq!(vdc.find_attr("source", "volume"), Some("tck-vol"));
        assert_eq!(vdc.find_text("serial").as_deref(), Some("S1"));
        let hdc = disk("hdc");
        assert_eq!(hdc.get_attr("device"), Some("cdrom"));
        assert!(hdc.find("readonly").is_some());
        assert!(
            disk("hdd").find("source").is_none(),
            "empty CD-ROM has no <source>"
        );
        let vde = disk("vde");
        assert_eq!(vde.find_attr("source/encryption", "format"), Some("luks"));
        assert_eq!(
            vde.find_attr("source/encryption/secret", "uuid"),
            Some("0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f")
        );
        // On QEMU the driver carries name='qemu'; on other drivers it does not.
        let kvm = Disk::file("/a", "vda").format("raw").element("kvm");
        assert_eq!(kvm.find_attr("driver", "name"), Some("qemu"));
        assert!(Disk::file("/a", "vda")
            .element("kvm")
            .find("driver")
            .is_none());
    }

    #[test]
    fn controllers_survive_define_and_device_xml_attaches_alone() {
        let b = DomainBuilder::new("test", "tck-b-ctrl")
            .controller(Controller::new("scsi").index(0).model("virtio-scsi"))
            .disk(Disk::file("/a.img", "sda").bus("scsi"));
        let back = define_and_read_back(&b);
        let scsi = back
            .find_all("devices/controller")
            .into_iter()
            .find(|c| c.get_attr("type") == Some("scsi"))
            .expect("a scsi controller");
        assert_eq!(scsi.get_attr("model"), Some("virtio-scsi"));
        assert_eq!(scsi.get_attr("index"), Some("0"));

        // Device XML on its own is what attach/detach take.
        let conn = test_conn();
        let dom = conn
            .create_domain_xml(&DomainBuilder::new("test", "tck-b-attach").as_xml(), 0)
            .expect("create");
        let disk = Disk::file("/b.img", "vdb").bus("virtio");
        assert!(
            disk.as_xml("test").starts_with("<disk "),
            "{}",
            disk.as_xml("test")
        );
        dom.attach_device_flags(&disk.as_xml("test"), 0)
            .expect("attach the disk");
        let live = parse(&dom.xml_desc(0).expect("xml"));
        assert_eq!(live.find_attr("devices/disk/target", "dev"), Some("vdb"));
        let nic = Interface::network("default").mac("52:54:00:00:00:02");
        assert!(nic.as_xml().starts_with("<interface "), "{}", nic.as_xml());
        let usb = Hostdev::usb_id(0x046d, 0xc52b).as_xml();
        assert!(usb.contains("<vendor id=\"0x046d\"/>"), "{usb}");
        dom.destroy().expect("destroy");
    }

    #[test]
    fn interfaces_survive_define() {
        let b = DomainBuilder::new("test", "tck-b-nics")
            .interface(
                Interface::network("default")
                    .mac("52:54:00:11:22:33")
                    .model("virtio")
                    .bandwidth_in(Rate::average(1000).peak(2000).burst(512).floor(200))
                    .bandwidth_out(Rate::average(500))
                    .filterref(
                        "clean-traffic",
                        &[("IP", "10.0.0.5"), ("CTRL_IP_LEARNING", "dhcp")],
                    ),
            )
            .interface(
                Interface::bridge("br0")
                    .model("e1000")
                    .target_dev("tck-tap0"),
            )
            .interface(Interface::user())
            .interface(
                Interface::direct("eth9", "vepa").virtualport(
                    Virtualport::new("802.1Qbg")
                        .param("managerid", 11)
                        .param("typeid", 1193047)
                        .param("typeidversion", 2)
                        .param("instanceid", "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"),
                ),
            )
            .interface(
                Interface::network("ovs-net").virtualport(
                    Virtualport::new("openvswitch")
                        .param("interfaceid", "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"),
                ),
            );
        let back = define_and_read_back(&b);
        let nics = back.find_all("devices/interface");
        assert_eq!(nics.len(), 5);
        assert_eq!(
            nics[0].find_attr("mac", "address"),
            Some("52:54:00:11:22:33")
        );
        assert_eq!(nics[0].find_attr("source", "network"), Some("default"));
        assert_eq!(nics[0].find_attr("model", "type"), Some("virtio"));
        assert_eq!(
            nics[0].find_attr("bandwidth/inbound", "average"),
            Some("1000")
        );
        assert_eq!(nics[0].find_attr("bandwidth/inbound", "floor"), Some("200"));
        assert_eq!(
            nics[0].find_attr("bandwidth/outbound", "average"),
            Some("500")
        );
        assert_eq!(
            nics[0].find_attr("filterref", "filter"),
            Some("clean-traffic")
        );
        assert_eq!(nics[0].find_all("filterref/parameter").len(), 2);
        assert_eq!(nics[1].find_attr("source", "bridge"), Some("br0"));
        assert_eq!(nics[1].find_attr("target", "dev"), Some("tck-tap0"));
        assert_eq!(nics[2].get_attr("type"), Some("user"));
        assert_eq!(nics[3].find_attr("source", "dev"), Some("eth9"));
        assert_eq!(nics[3].find_attr("source", "mode"), Some("vepa"));
        assert_eq!(nics[3].find_attr("virtualport", "type"), Some("802.1Qbg"));
        assert_eq!(
            nics[3].find_attr("virtualport/parameters", "typeid"),
            Some("1193047")
        );
        assert_eq!(
            nics[4].find_attr("virtualport", "type"),
            Some("openvswitch")
        );
    }

    #[test]
    fn hostdevs_graphics_chardevs_rng_and_seclabel_survive_define() {
        let b = DomainBuilder::new("test", "tck-b-devs")
            .hostdev(Hostdev::usb_id(0x046d, 0xc52b))
            .hostdev(Hostdev::usb_address(1, 4))
            .hostdev(Hostdev::pci(PciAddress::new(0, 3, 0, 1)).managed(false))
            .graphics(Graphics::vnc().listen("127.0.0.1").passwd("secret"))
            .graphics(Graphics::spice().port(5930).listen("0.0.0.0"))
            .serial(Chardev::serial_file("/tmp/tck-serial.log").target_port(0))
            .console(Chardev::console("pty"))
            .channel(Chardev::channel("pty", "org.tck.0"))
            .channel(Chardev::channel_unix("/tmp/tck-b-devs.sock", "org.tck.1"))
            .rng(Rng::random(Some("/dev/urandom")))
            .memballoon("virtio")
            .seclabel(SecLabel::new("dac", "static").relabel(false).label("+0:+0"));
        let back = define_and_read_back(&b);
        let hd = back.find_all("devices/hostdev");
        assert_eq!(hd.len(), 3);
        assert_eq!(hd[0].find_attr("source/vendor", "id"), Some("0x046d"));
        assert_eq!(hd[0].find_attr("source/product", "id"), Some("0xc52b"));
        assert_eq!(hd[1].find_attr("source/address", "device"), Some("4"));
        assert_eq!(hd[2].get_attr("managed"), Some("no"));
        assert_eq!(hd[2].find_attr("source/address", "bus"), Some("0x03"));
        assert_eq!(hd[2].find_attr("source/address", "function"), Some("0x1"));
        let g = back.find_all("devices/graphics");
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].get_attr("type"), Some("vnc"));
        assert_eq!(g[0].get_attr("autoport"), Some("yes"));
        assert_eq!(g[0].find_attr("listen", "address"), Some("127.0.0.1"));
        assert_eq!(g[1].get_attr("type"), Some("spice"));
        assert_eq!(g[1].get_attr("port"), Some("5930"));
        assert_eq!(back.find_attr("devices/serial", "type"), Some("file"));
        assert_eq!(
            back.find_attr("devices/serial/source", "path"),
            Some("/tmp/tck-serial.log")
        );
        let ch = back.find_all("devices/channel");
        assert_eq!(ch.len(), 2);
        assert_eq!(ch[0].find_attr("target", "name"), Some("org.tck.0"));
        assert_eq!(ch[1].get_attr("type"), Some("unix"));
        assert_eq!(ch[1].find_attr("source", "mode"), Some("bind"));
        assert_eq!(
            ch[1].find_attr("source", "path"),
            Some("/tmp/tck-b-devs.sock")
        );
        assert_eq!(ch[1].find_attr("target", "type"), Some("virtio"));
        assert_eq!(ch[1].find_attr("target", "name"), Some("org.tck.1"));
        assert_eq!(back.find_attr("devices/rng", "model"), Some("virtio"));
        assert_eq!(
            back.find_text("devices/rng/backend").as_deref(),
            Some("/dev/urandom")
        );
        assert_eq!(
            back.find_attr("devices/memballoon", "model"),
            Some("virtio")
        );
        assert_eq!(back.find_attr("seclabel", "model"), Some("dac"));
        assert_eq!(back.find_text("seclabel/label").as_deref(), Some("+0:+0"));
    }

    #[test]
    fn container_domain_with_filesystem_and_init() {
        // The test driver accepts os type 'exe' only as XML; check the
        // rendering (the Perl builder never emitted <filesystem> at all).
        let e = DomainBuilder::new("lxc", "tck-b-lxc")
            .os_type_is("exe")
            .init("/sbin/init", &["--verbose"])
            .filesystem(
                Filesystem::mount("/var/lib/tck/root", "/")
                    .readonly()
                    .accessmode("passthrough"),
            )
            .console(Chardev::console("pty"))
            .to_element();
        assert_eq!(e.find_text("os/type").as_deref(), Some("exe"));
        assert_eq!(e.find_text("os/init").as_deref(), Some("/sbin/init"));
        assert_eq!(e.find_text("os/initarg").as_deref(), Some("--verbose"));
        let fs = e.find("devices/filesystem").expect("filesystem emitted");
        assert_eq!(fs.get_attr("type"), Some("mount"));
        assert_eq!(fs.find_attr("source", "dir"), Some("/var/lib/tck/root"));
        assert_eq!(fs.find_attr("target", "dir"), Some("/"));
        assert!(fs.find("readonly").is_some());

        // The test driver parses filesystems in its generic parser: they
        // survive a define.
        let back = define_and_read_back(
            &DomainBuilder::new("test", "tck-b-fs").filesystem(
                Filesystem::mount("/srv/share", "share0")
                    .accessmode("mapped")
                    .driver("path"),
            ),
        );
        assert_eq!(
            back.find_attr("devices/filesystem/source", "dir"),
            Some("/srv/share")
        );
        assert_eq!(
            back.find_attr("devices/filesystem/target", "dir"),
            Some("share0")
        );
        assert_eq!(
            back.find_attr("devices/filesystem", "accessmode"),
            Some("mapped")
        );
    }

    #[test]
    fn max_memory_and_firmware_render() {
        let e = DomainBuilder::new("kvm", "x")
            .max_memory(Size::gib(4), 16)
            .firmware("efi")
            .to_element();
        assert_eq!(e.find_attr("maxMemory", "slots"), Some("16"));
        assert_eq!(e.find_attr("maxMemory", "unit"), Some("GiB"));
        assert_eq!(e.find_attr("os", "firmware"), Some("efi"));
        let f = DomainBuilder::new("kvm", "x")
            .firmware("efi")
            .firmware_feature("secure-boot", false)
            .to_element();
        assert_eq!(
            f.find_attr("os/firmware/feature", "name"),
            Some("secure-boot")
        );
        assert_eq!(f.find_attr("os/firmware/feature", "enabled"), Some("no"));
    }
}
