//! Device elements of a domain: disks, interfaces, host devices,
//! graphics, character devices, RNGs and filesystems.
//!
//! Each is a small value with chainable setters that renders the element
//! libvirt documents; `DomainBuilder` collects them under `<devices>`.

use super::{luks_encryption, Bandwidth, PciAddress, Rate};
use crate::virt::xmltree::Element;

pub(super) fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

// ------------------------------------------------------------------ disks

#[derive(Debug, Clone, PartialEq, Eq)]
enum DiskSource {
    File(String),
    Block(String),
    Volume {
        pool: String,
        volume: String,
    },
    /// A CD-ROM drive with no medium.
    Empty,
}

/// A `<disk>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    source: DiskSource,
    target: String,
    device: String,
    bus: Option<String>,
    format: Option<String>,
    cache: Option<String>,
    readonly: bool,
    shareable: bool,
    encryption_secret: Option<String>,
    serial: Option<String>,
}

impl Disk {
    fn with(source: DiskSource, target: &str) -> Disk {
        Disk {
            source,
            target: target.to_string(),
            device: "disk".to_string(),
            bus: None,
            format: None,
            cache: None,
            readonly: false,
            shareable: false,
            encryption_secret: None,
            serial: None,
        }
    }

    /// An image file, e.g. `Disk::file("/var/lib/x.img", "vda")`.
    pub fn file(path: &str, target: &str) -> Disk {
        Disk::with(DiskSource::File(path.to_string()), target)
    }

    /// A host block device.
    pub fn block(dev: &str, target: &str) -> Disk {
        Disk::with(DiskSource::Block(dev.to_string()), target)
    }

    /// A storage volume, by pool and volume name.
    pub fn volume(pool: &str, volume: &str, target: &str) -> Disk {
        Disk::with(
            DiskSource::Volume {
                pool: pool.to_string(),
                volume: volume.to_string(),
            },
            target,
        )
    }

    /// A CD-ROM drive without a medium.
    pub fn empty_cdrom(target: &str) -> Disk {
        let mut d = Disk::with(DiskSource::Empty, target);
        d.device = "cdrom".into();
        d.readonly = true;
        d
    }

    /// `disk` (default), `cdrom`, `floppy` or `lun`. A CD-ROM is read-only.
    pub fn device(mut self, device: &str) -> Disk {
        self.device = device.to_string();
        if device == "cdrom" {
            self.readonly = true;
        }
        self
    }
    /// `virtio`, `sata`, `scsi`, `ide`, `usb`, `xen`…
    pub fn bus(mut self, bus: &str) -> Disk {
        self.bus = Some(bus.to_string());
        self
    }
    /// Image format (`raw`, `qcow2`…), the driver `type` attribute.
    pub fn format(mut self, format: &str) -> Disk {
        self.format = Some(format.to_string());
        self
    }
    /// `none`, `writeback`, `writethrough`, `directsync`, `unsafe`.
    pub fn cache(mut self, cache: &str) -> Disk {
        self.cache = Some(cache.to_string());
        self
    }
    pub fn readonly(mut self) -> Disk {
        self.readonly = true;
        self
    }
    pub fn shareable(mut self) -> Disk {
        self.shareable = true;
        self
    }
    /// The image is LUKS-encrypted with the passphrase in this secret.
    pub fn encryption_luks(mut self, secret_uuid: &str) -> Disk {
        self.encryption_secret = Some(secret_uuid.to_string());
        self
    }
    pub fn serial(mut self, serial: &str) -> Disk {
        self.serial = Some(serial.to_string());
        self
    }

    /// The `<disk>` XML alone, for `attach_device_flags`,
    /// `detach_device_flags` and `update_device_flags` on a domain of
    /// `domain_type` (`kvm`, `qemu`, `test`…).
    pub fn as_xml(&self, domain_type: &str) -> String {
        self.element(domain_type).to_xml()
    }

    pub(super) fn element(&self, domain_type: &str) -> Element {
        let (kind, source) = match &self.source {
            DiskSource::File(p) => ("file", Some(Element::new("source").attr("file", p))),
            DiskSource::Block(d) => ("block", Some(Element::new("source").attr("dev", d))),
            DiskSource::Volume { pool, volume } => (
                "volume",
                Some(
                    Element::new("source")
                        .attr("pool", pool)
                        .attr("volume", volume),
                ),
            ),
            DiskSource::Empty => ("file", None),
        };
        // Only QEMU-family drivers take <driver name='qemu'>.
        let qemu = matches!(domain_type, "kvm" | "qemu");
        let driver = Element::new("driver")
            .attr_opt(
                "name",
                (qemu && (self.format.is_some() || self.cache.is_some())).then_some("qemu"),
            )
            .attr_opt("type", self.format.as_deref())
            .attr_opt("cache", self.cache.as_deref());
        let mut source = source;
        if let (Some(s), Some(uuid)) = (source.as_mut(), &self.encryption_secret) {
            // Disk encryption belongs inside <source> (libvirt ≥ 6.x).
            s.push(luks_encryption(uuid));
        }
        Element::new("disk")
            .attr("type", kind)
            .attr("device", &self.device)
            .child_opt((!driver.is_empty()).then_some(driver))
            .child_opt(source)
            .child(
                Element::new("target")
                    .attr("dev", &self.target)
                    .attr_opt("bus", self.bus.as_deref()),
            )
            .child_opt(self.readonly.then(|| Element::new("readonly")))
            .child_opt(self.shareable.then(|| Element::new("shareable")))
            .child_opt(
                self.serial
                    .as_ref()
                    .map(|s| Element::with_text("serial", s)),
            )
    }
}

// ------------------------------------------------------------ controllers

/// A `<controller>`, e.g. `Controller::new("scsi").model("virtio-scsi")`
/// for disks on `bus='scsi'` (which, unlike SATA, can be hot-plugged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    kind: String,
    index: Option<u32>,
    model: Option<String>,
}

impl Controller {
    /// A controller of `kind`: `scsi`, `usb`, `sata`, `virtio-serial`,
    /// `pci`…
    pub fn new(kind: &str) -> Controller {
        Controller {
            kind: kind.to_string(),
            index: None,
            model: None,
        }
    }
    pub fn index(mut self, index: u32) -> Controller {
        self.index = Some(index);
        self
    }
    /// `virtio-scsi`, `lsilogic`, `qemu-xhci`, `pcie-root-port`…
    pub fn model(mut self, model: &str) -> Controller {
        self.model = Some(model.to_string());
        self
    }

    pub(super) fn element(&self) -> Element {
        Element::new("controller")
            .attr("type", &self.kind)
            .attr_opt("index", self.index)
            .attr_opt("model", self.model.as_deref())
    }
}

// ------------------------------------------------------------- interfaces

/// `<virtualport>` of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Virtualport {
    /// `802.1Qbg`, `802.1Qbh`, `openvswitch`, `midonet`; `None` lets
    /// libvirt take it from the network.
    pub kind: Option<String>,
    /// `(name, value)` for `<parameters>`: managerid, typeid,
    /// typeidversion, instanceid, profileid, interfaceid.
    pub parameters: Vec<(String, String)>,
}

impl Virtualport {
    pub fn new(kind: &str) -> Virtualport {
        Virtualport {
            kind: Some(kind.to_string()),
            parameters: Vec::new(),
        }
    }
    pub fn param(mut self, name: &str, value: impl ToString) -> Virtualport {
        self.parameters.push((name.to_string(), value.to_string()));
        self
    }
    pub(super) fn element(&self) -> Element {
        let mut params = Element::new("parameters");
        for (k, v) in &self.parameters {
            params.set_attr(k, v);
        }
        Element::new("virtualport")
            .attr_opt("type", self.kind.as_deref())
            .child_opt((!params.is_empty()).then_some(params))
    }
}

/// An `<interface>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    kind: String,
    source: Vec<(String, String)>,
    mac: Option<String>,
    model: Option<String>,
    target_dev: Option<String>,
    bandwidth: Bandwidth,
    filter: Option<(String, Vec<(String, String)>)>,
    virtualport: Option<Virtualport>,
}

impl Interface {
    fn with(kind: &str, source: &[(&str, &str)]) -> Interface {
        Interface {
            kind: kind.to_string(),
            source: source
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            mac: None,
            model: None,
            target_dev: None,
            bandwidth: Bandwidth::default(),
            filter: None,
            virtualport: None,
        }
    }

    /// On a libvirt network.
    pub fn network(name: &str) -> Interface {
        Interface::with("network", &[("network", name)])
    }
    /// On a host bridge.
    pub fn bridge(bridge: &str) -> Interface {
        Interface::with("bridge", &[("bridge", bridge)])
    }
    /// User-mode networking (no host setup).
    pub fn user() -> Interface {
        Interface::with("user", &[])
    }
    /// macvtap on a host NIC; `mode` is `vepa`, `bridge`, `private` or
    /// `passthrough`.
    pub fn direct(dev: &str, mode: &str) -> Interface {
        Interface::with("direct", &[("dev", dev), ("mode", mode)])
    }

    pub fn mac(mut self, mac: &str) -> Interface {
        self.mac = Some(mac.to_string());
        self
    }
    /// NIC model: `virtio`, `e1000`, `rtl8139`…
    pub fn model(mut self, model: &str) -> Interface {
        self.model = Some(model.to_string());
        self
    }
    /// Host-side device name (`<target dev>`), e.g. a prefixed tap name.
    pub fn target_dev(mut self, dev: &str) -> Interface {
        self.target_dev = Some(dev.to_string());
        self
    }
    pub fn bandwidth_in(mut self, rate: Rate) -> Interface {
        self.bandwidth.inbound = Some(rate);
        self
    }
    pub fn bandwidth_out(mut self, rate: Rate) -> Interface {
        self.bandwidth.outbound = Some(rate);
        self
    }
    /// An nwfilter reference with parameters, e.g.
    /// `.filterref("clean-traffic", &[("IP", "10.0.0.1")])`.
    pub fn filterref(mut self, filter: &str, params: &[(&str, &str)]) -> Interface {
        self.filter = Some((
            filter.to_string(),
            params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ));
        self
    }
    pub fn virtualport(mut self, vp: Virtualport) -> Interface {
        self.virtualport = Some(vp);
        self
    }

    /// The `<interface>` XML alone, for attaching and detaching.
    pub fn as_xml(&self) -> String {
        self.element().to_xml()
    }

    pub(super) fn element(&self) -> Element {
        let mut source = Element::new("source");
        for (k, v) in &self.source {
            source.set_attr(k, v);
        }
        Element::new("interface")
            .attr("type", &self.kind)
            .child_opt(
                self.mac
                    .as_ref()
                    .map(|m| Element::new("mac").attr("address", m)),
            )
            .child_opt((!source.is_empty()).then_some(source))
            .child_opt(
                self.target_dev
                    .as_ref()
                    .map(|d| Element::new("target").attr("dev", d)),
            )
            .child_opt(
                self.model
                    .as_ref()
                    .map(|m| Element::new("model").attr("type", m)),
            )
            .child_opt(self.bandwidth.element())
            .child_opt(self.filter.as_ref().map(|(name, params)| {
                Element::new("filterref").attr("filter", name).children(
                    params
                        .iter()
                        .map(|(k, v)| Element::new("parameter").attr("name", k).attr("value", v)),
                )
            }))
            .child_opt(self.virtualport.as_ref().map(Virtualport::element))
    }
}

// ---------------------------------------------------------------- hostdev

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostdevSource {
    UsbId { vendor: u16, product: u16 },
    UsbAddress { bus: u16, device: u16 },
    Pci(PciAddress),
}

/// A `<hostdev mode='subsystem'>` (USB or PCI passthrough).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostdev {
    source: HostdevSource,
    managed: bool,
}

impl Hostdev {
    /// A USB device by vendor and product id.
    pub fn usb_id(vendor: u16, product: u16) -> Hostdev {
        Hostdev {
            source: HostdevSource::UsbId { vendor, product },
            managed: true,
        }
    }
    /// A USB device by bus and device number.
    pub fn usb_address(bus: u16, device: u16) -> Hostdev {
        Hostdev {
            source: HostdevSource::UsbAddress { bus, device },
            managed: true,
        }
    }
    /// A PCI device; `managed` (the default) lets libvirt detach it from
    /// the host driver.
    pub fn pci(addr: PciAddress) -> Hostdev {
        Hostdev {
            source: HostdevSource::Pci(addr),
            managed: true,
        }
    }
    pub fn managed(mut self, managed: bool) -> Hostdev {
        self.managed = managed;
        self
    }

    /// The `<hostdev>` XML alone, for attaching and detaching.
    pub fn as_xml(&self) -> String {
        self.element().to_xml()
    }

    pub(super) fn element(&self) -> Element {
        let (kind, source) = match &self.source {
            HostdevSource::UsbId { vendor, product } => (
                "usb",
                Element::new("source")
                    .child(Element::new("vendor").attr("id", format!("0x{vendor:04x}")))
                    .child(Element::new("product").attr("id", format!("0x{product:04x}"))),
            ),
            HostdevSource::UsbAddress { bus, device } => (
                "usb",
                Element::new("source").child(
                    Element::new("address")
                        .attr("bus", bus)
                        .attr("device", device),
                ),
            ),
            HostdevSource::Pci(a) => ("pci", Element::new("source").child(a.element())),
        };
        Element::new("hostdev")
            .attr("mode", "subsystem")
            .attr("type", kind)
            .attr("managed", yes_no(self.managed))
            .child(source)
    }
}

// --------------------------------------------------------------- graphics

/// `<graphics>`: VNC or SPICE (or any other type the driver lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graphics {
    kind: String,
    port: Option<i32>,
    autoport: Option<bool>,
    listen: Option<String>,
    passwd: Option<String>,
    keymap: Option<String>,
}

impl Graphics {
    pub fn new(kind: &str) -> Graphics {
        Graphics {
            kind: kind.to_string(),
            port: None,
            autoport: None,
            listen: None,
            passwd: None,
            keymap: None,
        }
    }
    /// VNC with an automatically chosen port.
    pub fn vnc() -> Graphics {
        Graphics::new("vnc").autoport()
    }
    /// SPICE with an automatically chosen port.
    pub fn spice() -> Graphics {
        Graphics::new("spice").autoport()
    }
    pub fn port(mut self, port: i32) -> Graphics {
        self.port = Some(port);
        self.autoport = Some(false);
        self
    }
    pub fn autoport(mut self) -> Graphics {
        self.autoport = Some(true);
        self.port = None;
        self
    }
    /// Listen address (rendered as `<listen type='address'>`).
    pub fn listen(mut self, address: &str) -> Graphics {
        self.listen = Some(address.to_string());
        self
    }
    pub fn passwd(mut self, passwd: &str) -> Graphics {
        self.passwd = Some(passwd.to_string());
        self
    }
    pub fn keymap(mut self, keymap: &str) -> Graphics {
        self.keymap = Some(keymap.to_string());
        self
    }

    pub(super) fn element(&self) -> Element {
        Element::new("graphics")
            .attr("type", &self.kind)
            .attr_opt("port", self.port)
            .attr_opt("autoport", self.autoport.map(yes_no))
            .attr_opt("passwd", self.passwd.as_deref())
            .attr_opt("keymap", self.keymap.as_deref())
            .child_opt(self.listen.as_ref().map(|a| {
                Element::new("listen")
                    .attr("type", "address")
                    .attr("address", a)
            }))
    }
}

// --------------------------------------------------------------- chardevs

/// A character device: `<serial>`, `<console>` or `<channel>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chardev {
    element: String,
    kind: String,
    source_path: Option<String>,
    source_mode: Option<String>,
    append: Option<bool>,
    target_type: Option<String>,
    target_port: Option<u32>,
    target_name: Option<String>,
    log: Option<String>,
}

impl Chardev {
    fn with(element: &str, kind: &str) -> Chardev {
        Chardev {
            element: element.to_string(),
            kind: kind.to_string(),
            source_path: None,
            source_mode: None,
            append: None,
            target_type: None,
            target_port: None,
            target_name: None,
            log: None,
        }
    }
    /// `<console type='…'>` (`pty`, `nmdm`, `file`…).
    pub fn console(kind: &str) -> Chardev {
        Chardev::with("console", kind)
    }
    /// `<serial type='…'>` (`pty`, `file`, `null`…).
    pub fn serial(kind: &str) -> Chardev {
        Chardev::with("serial", kind)
    }
    /// A serial port written to a host file: what the guest prints can be
    /// read on the host (`media::wait_ready` watches it).
    pub fn serial_file(path: &str) -> Chardev {
        Chardev::serial("file").source_path(path).append(false)
    }
    /// `<channel type='…'>` with a virtio-serial target name.
    pub fn channel(kind: &str, target_name: &str) -> Chardev {
        let mut c = Chardev::with("channel", kind);
        c.target_type = Some("virtio".into());
        c.target_name = Some(target_name.to_string());
        c
    }
    /// A virtio-serial channel to a UNIX socket the hypervisor listens on
    /// (`<source mode='bind'>`): a host process connects to `socket` to talk
    /// to the guest's port named `target_name`.
    pub fn channel_unix(socket: &str, target_name: &str) -> Chardev {
        Chardev::channel("unix", target_name)
            .source_path(socket)
            .source_mode("bind")
    }
    pub fn source_path(mut self, path: &str) -> Chardev {
        self.source_path = Some(path.to_string());
        self
    }
    /// `bind` (the hypervisor listens) or `connect`, for socket sources.
    pub fn source_mode(mut self, mode: &str) -> Chardev {
        self.source_mode = Some(mode.to_string());
        self
    }
    /// Append to the source file instead of truncating it.
    pub fn append(mut self, append: bool) -> Chardev {
        self.append = Some(append);
        self
    }
    /// Target type: `serial`, `virtio`, `isa-serial`…
    pub fn target_type(mut self, t: &str) -> Chardev {
        self.target_type = Some(t.to_string());
        self
    }
    pub fn target_port(mut self, port: u32) -> Chardev {
        self.target_port = Some(port);
        self
    }
    /// Also log output to this host file (`<log file>`).
    pub fn log(mut self, file: &str) -> Chardev {
        self.log = Some(file.to_string());
        self
    }

    pub(super) fn element(&self) -> Element {
        let source = self.source_path.as_ref().map(|p| {
            Element::new("source")
                .attr_opt("mode", self.source_mode.as_deref())
                .attr("path", p)
                .attr_opt("append", self.append.map(|a| if a { "on" } else { "off" }))
        });
        let target = Element::new("target")
            .attr_opt("type", self.target_type.as_deref())
            .attr_opt("port", self.target_port)
            .attr_opt("name", self.target_name.as_deref());
        Element::new(self.element.as_str())
            .attr("type", &self.kind)
            .child_opt(source)
            .child_opt((!target.is_empty()).then_some(target))
            .child_opt(
                self.log
                    .as_ref()
                    .map(|f| Element::new("log").attr("file", f)),
            )
    }
}

// -------------------------------------------------------------------- rng

/// A random number generator device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    model: String,
    backend_model: String,
    backend: Option<String>,
}

impl Rng {
    /// `<rng model='virtio'><backend model='random'>/dev/urandom</backend>`.
    pub fn random(device: Option<&str>) -> Rng {
        Rng {
            model: "virtio".into(),
            backend_model: "random".into(),
            backend: device.map(str::to_string),
        }
    }
    /// Device model (`virtio`, `virtio-transitional`…).
    pub fn model(mut self, model: &str) -> Rng {
        self.model = model.to_string();
        self
    }
    /// Backend model: `random` (a host device), `egd` or `builtin`.
    pub fn backend_model(mut self, model: &str) -> Rng {
        self.backend_model = model.to_string();
        self
    }
    pub(super) fn element(&self) -> Element {
        let mut backend = Element::new("backend").attr("model", &self.backend_model);
        if let Some(b) = &self.backend {
            backend = backend.text(b);
        }
        Element::new("rng")
            .attr("model", &self.model)
            .child(backend)
    }
}

// ------------------------------------------------------------- filesystem

/// A `<filesystem type='mount'>`: a host directory seen by the guest (the
/// root of an LXC container, or a shared directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    source_dir: String,
    target_dir: String,
    readonly: bool,
    accessmode: Option<String>,
    driver: Option<String>,
}

impl Filesystem {
    pub fn mount(source_dir: &str, target_dir: &str) -> Filesystem {
        Filesystem {
            source_dir: source_dir.to_string(),
            target_dir: target_dir.to_string(),
            readonly: false,
            accessmode: None,
            driver: None,
        }
    }
    pub fn readonly(mut self) -> Filesystem {
        self.readonly = true;
        self
    }
    /// `passthrough`, `mapped` or `squash`.
    pub fn accessmode(mut self, mode: &str) -> Filesystem {
        self.accessmode = Some(mode.to_string());
        self
    }
    /// Driver type: `path`, `handle`, `virtiofs`…
    pub fn driver(mut self, driver: &str) -> Filesystem {
        self.driver = Some(driver.to_string());
        self
    }
    pub(super) fn element(&self) -> Element {
        Element::new("filesystem")
            .attr("type", "mount")
            .attr_opt("accessmode", self.accessmode.as_deref())
            .child_opt(
                self.driver
                    .as_ref()
                    .map(|d| Element::new("driver").attr("type", d)),
            )
            .child(Element::new("source").attr("dir", &self.source_dir))
            .child(Element::new("target").attr("dir", &self.target_dir))
            .child_opt(self.readonly.then(|| Element::new("readonly")))
    }
}
