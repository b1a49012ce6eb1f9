//! `tck xml KIND [options]`: generic libvirt XML for shell scripts.
//!
//! External scripts (any executable under a directory given to `tck run`)
//! get the same builders and the same capability-driven generic guest as
//! built-in ones: `tck xml domain` asks the URI under test what it can run
//! and prints a domain for it; the other kinds need no connection. Names
//! default to `$TCK_PREFIX<kind>` so objects land in the script's
//! namespace and the fixture cleans them.

use super::ConfigArgs;
use crate::config::Config;
use crate::virt::builders::{
    Disk, DomainBuilder, Interface, Ip, NetworkBuilder, NwFilterBuilder, Rule, SecretBuilder,
    SecretUsage, Size, StoragePoolBuilder, StorageVolBuilder,
};
use crate::virt::caps::Capabilities;
use crate::virt::connection::Connection;
use crate::virt::context::env;
use crate::virt::generic::{choose_guest, GuestPrefs};
use crate::virt::media::{self, MediaSettings};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit statuses, for `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  the XML was printed on standard output
  2  bad option value, configuration or connection error: nothing printed";

pub const XML_HELP: &str = "\
Prints libvirt XML on standard output, for shell scripts that test libvirt
with virsh or their own tools. Pipe it to a file and define it:

  tck xml domain --name tck-demo-vm > vm.xml && virsh -c \"$TCK_URI\" define vm.xml
  tck xml network --name tck-demo-net --forward nat --ip 10.77.0.1/24 --dhcp 10.77.0.100-10.77.0.200
  tck xml pool --name tck-demo-pool --target /var/cache/tck/run/tck-demo-pool
  tck xml volume --name tck-demo.qcow2 --capacity 1G --format qcow2

Names default to $TCK_PREFIX followed by the kind (the harness sets TCK_PREFIX
to the script's namespace, so the fixture removes what the script leaves), or
to the configured prefix outside the harness.";

#[derive(Debug, Clone, clap::Args)]
pub struct XmlArgs {
    #[command(subcommand)]
    pub kind: Kind,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Kind {
    /// A domain chosen from the URI's capabilities (best domain type, the
    /// host's arch, the emulator's default machine); it idles in firmware,
    /// or boots the prepared guest media with --boot.
    #[command(after_help = DOMAIN_EXAMPLES)]
    Domain(DomainArgs),
    /// A virtual network (isolated unless --forward is given).
    #[command(after_help = NETWORK_EXAMPLES)]
    Network(NetworkArgs),
    /// A storage pool (a directory pool by default).
    #[command(after_help = POOL_EXAMPLES)]
    Pool(PoolArgs),
    /// A storage volume.
    #[command(after_help = VOLUME_EXAMPLES)]
    Volume(VolumeArgs),
    /// A secret (give it a value afterwards with `virsh secret-set-value`).
    #[command(after_help = SECRET_EXAMPLES)]
    Secret(SecretArgs),
    /// A network filter.
    #[command(after_help = NWFILTER_EXAMPLES)]
    Nwfilter(NwfilterArgs),
}

const DOMAIN_EXAMPLES: &str = "\
Examples:
  tck xml domain                                   # generic guest of $TCK_URI
  tck xml domain -c qemu:///system --memory 256M --vcpus 2
  tck xml domain --disk /var/lib/tck/a.qcow2,target=vda,bus=virtio,format=qcow2
  tck xml domain --disk /srv/x.iso,device=cdrom --network default --bridge br0
  tck xml domain --boot --console /tmp/vm.console  # boots `tck prepare` media;
      # the guest prints TCK-READY on its console when it is up:
      # until grep -q TCK-READY /tmp/vm.console; do sleep 0.1; done";

const NETWORK_EXAMPLES: &str = "\
Examples:
  tck xml network --name tck-n1                    # isolated, bridge tck-n1
  tck xml network --forward nat --ip 10.77.0.1/24 --dhcp 10.77.0.100-10.77.0.200
  tck xml network --forward route --forward-dev eth0 --ip 10.78.0.1/255.255.255.0
  tck xml network --ip 10.79.0.1/24 --ip fd00:79::1/64 --domain tck.test
  tck xml network --forward bridge --bridge br0    # an existing host bridge";

const POOL_EXAMPLES: &str = "\
Examples:
  tck xml pool                                     # dir pool in the scratch directory
  tck xml pool --type netfs --source-host nfs.example --source-dir /export --target /mnt/x
  tck xml pool --type logical --source-name vg0 --source-device /dev/sdb1
  tck xml pool --type iscsi --source-host 192.0.2.1 --source-device iqn.2024-01.example:t1 \\
      --target /dev/disk/by-path";

const VOLUME_EXAMPLES: &str = "\
Examples:
  tck xml volume --capacity 1G --format qcow2
  tck xml volume --name tck-overlay.qcow2 --format qcow2 --backing /var/lib/tck/base.img,raw
  tck xml volume --format qcow2 --encrypt-secret 0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";

const SECRET_EXAMPLES: &str = "\
Examples:
  tck xml secret --usage volume:/var/lib/tck/enc.img --private
  tck xml secret --usage ceph:tck-ceph --uuid 5e1f8c3a-9b2d-4c6e-8f0a-1b2c3d4e5f6a";

const NWFILTER_EXAMPLES: &str = "\
Examples:
  tck xml nwfilter --chain ipv4 --rule accept,in,tcp,dstportstart=22 --rule drop,inout,all
  tck xml nwfilter --filterref clean-traffic --filterref-param IP=10.0.0.5";

#[derive(Debug, Clone, clap::Args)]
pub struct DomainArgs {
    /// Domain name [default: $TCK_PREFIX + "domain"].
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub uuid: Option<String>,
    /// Read capabilities from this file instead of asking the URI.
    #[arg(long, value_name = "FILE")]
    pub capabilities: Option<PathBuf>,
    /// Domain type (kvm, qemu, test, lxc…) [default: the best offered].
    #[arg(long = "type", value_name = "TYPE")]
    pub domain_type: Option<String>,
    /// Guest arch [default: the host's].
    #[arg(long)]
    pub arch: Option<String>,
    /// Machine type [default: the emulator's default, by its alias].
    #[arg(long)]
    pub machine: Option<String>,
    /// Memory, e.g. 64M, 1G, 131072k [default: 64M; 128M with --boot].
    #[arg(long, value_parser = parse_size)]
    pub memory: Option<Size>,
    /// Number of vCPUs.
    #[arg(long, default_value_t = 1)]
    pub vcpus: u32,
    /// A disk: PATH[,target=vda][,bus=virtio][,format=qcow2][,device=cdrom][,cache=none][,readonly][,shareable].
    /// A PATH under /dev is a block device. Repeatable.
    #[arg(long, value_name = "SPEC")]
    pub disk: Vec<String>,
    /// A NIC on this libvirt network (repeatable).
    #[arg(long, value_name = "NETWORK")]
    pub network: Vec<String>,
    /// A NIC on this host bridge (repeatable).
    #[arg(long, value_name = "BRIDGE")]
    pub bridge: Vec<String>,
    /// A user-mode NIC (no host setup).
    #[arg(long)]
    pub user_net: bool,
    /// NIC model for every NIC [default: the hypervisor's].
    #[arg(long)]
    pub nic_model: Option<String>,
    /// Boot the guest media `tck prepare` built (kernel + initramfs), with
    /// the domain type it found to work on the URI.
    #[arg(long)]
    pub boot: bool,
    /// With --boot: the host file the guest console is written to
    /// [default: $TCK_SCRATCH_DIR/NAME.console, else the media directory].
    #[arg(long, value_name = "FILE", requires = "boot")]
    pub console: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct NetworkArgs {
    /// Network name [default: $TCK_PREFIX + "network"].
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub uuid: Option<String>,
    /// Bridge name (at most 15 bytes) [default: the network name when it fits].
    #[arg(long)]
    pub bridge: Option<String>,
    /// Forward mode: nat, route, open, bridge, private, vepa, passthrough, hostdev.
    #[arg(long, value_name = "MODE")]
    pub forward: Option<String>,
    /// Host device to forward through.
    #[arg(long, value_name = "DEV")]
    pub forward_dev: Option<String>,
    /// Host NICs of a bridge/private/vepa/passthrough pool (repeatable).
    #[arg(long, value_name = "DEV")]
    pub forward_interface: Vec<String>,
    /// An address: ADDR/PREFIX or ADDR/NETMASK, IPv4 or IPv6 (repeatable).
    #[arg(long, value_name = "ADDR/PREFIX")]
    pub ip: Vec<String>,
    /// A DHCP range START-END for the address with the same family (repeatable).
    #[arg(long, value_name = "START-END")]
    pub dhcp: Vec<String>,
    /// DNS domain.
    #[arg(long)]
    pub domain: Option<String>,
    #[arg(long)]
    pub mtu: Option<u32>,
    /// Spanning tree on the bridge.
    #[arg(long)]
    pub stp: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PoolArgs {
    /// Pool name [default: $TCK_PREFIX + "pool"].
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub uuid: Option<String>,
    /// Pool type: dir, fs, netfs, logical, disk, iscsi, scsi, …
    #[arg(long = "type", default_value = "dir")]
    pub pool_type: String,
    /// Target path [default for dir pools: a directory in the scratch area
    /// ($TCK_SCRATCH_DIR/NAME, else <scratch_dir>/run/NAME)].
    #[arg(long)]
    pub target: Option<String>,
    #[arg(long)]
    pub source_host: Option<String>,
    #[arg(long)]
    pub source_dir: Option<String>,
    /// Repeatable.
    #[arg(long)]
    pub source_device: Vec<String>,
    #[arg(long)]
    pub source_name: Option<String>,
    #[arg(long)]
    pub source_format: Option<String>,
    /// SCSI host adapter (scsi pools), e.g. host0.
    #[arg(long)]
    pub source_adapter: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct VolumeArgs {
    /// Volume name [default: $TCK_PREFIX + "volume"].
    #[arg(long)]
    pub name: Option<String>,
    /// Capacity, e.g. 50M, 1G.
    #[arg(long, default_value = "50M", value_parser = parse_size)]
    pub capacity: Size,
    /// Space allocated up front [default: none stated].
    #[arg(long, value_parser = parse_size)]
    pub allocation: Option<Size>,
    /// raw, qcow2, …
    #[arg(long)]
    pub format: Option<String>,
    /// qcow2 compatibility level (0.10 or 1.1).
    #[arg(long)]
    pub compat: Option<String>,
    /// Backing store: PATH[,FORMAT].
    #[arg(long, value_name = "PATH[,FORMAT]")]
    pub backing: Option<String>,
    /// Encrypt with LUKS, passphrase in the secret with this UUID.
    #[arg(long, value_name = "UUID")]
    pub encrypt_secret: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SecretArgs {
    #[arg(long)]
    pub uuid: Option<String>,
    /// TYPE:ID with TYPE volume, ceph, iscsi, tls or vtpm.
    #[arg(long, value_name = "TYPE:ID")]
    pub usage: Option<String>,
    /// [default: $TCK_PREFIX + "secret", so the fixture owns it].
    #[arg(long)]
    pub description: Option<String>,
    /// The value cannot be read back.
    #[arg(long)]
    pub private: bool,
    /// Kept in memory only.
    #[arg(long)]
    pub ephemeral: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct NwfilterArgs {
    /// Filter name [default: $TCK_PREFIX + "nwfilter"].
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub uuid: Option<String>,
    /// root, mac, ipv4, ipv6, arp, …
    #[arg(long)]
    pub chain: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub priority: Option<i32>,
    /// Include another filter (repeatable).
    #[arg(long)]
    pub filterref: Vec<String>,
    /// NAME=VALUE parameter for the last --filterref (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub filterref_param: Vec<String>,
    /// ACTION,DIRECTION,PROTOCOL[,ATTR=VALUE…][,priority=N], e.g.
    /// accept,in,tcp,dstportstart=22 (repeatable).
    #[arg(long, value_name = "SPEC")]
    pub rule: Vec<String>,
}

fn parse_size(s: &str) -> Result<Size, String> {
    Size::parse(s)
}

/// `$TCK_PREFIX` (set by the harness for each script), else `tck-`.
fn default_name(kind: &str) -> String {
    let prefix = std::env::var(env::PREFIX)
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| crate::config::DEFAULT_PREFIX.to_string());
    format!("{prefix}{kind}")
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("tck xml: {msg}");
    ExitCode::from(super::EXIT_CONFIG)
}

/// The configuration with `--uri`, else `$TCK_URI`, else the file's.
fn load_config(args: &ConfigArgs) -> Result<Config, ExitCode> {
    let mut args = args.clone();
    if args.uri.is_none() {
        args.uri = std::env::var(env::URI).ok().filter(|u| !u.is_empty());
    }
    args.load()
}

pub fn main(args: XmlArgs) -> ExitCode {
    let xml = match args.kind {
        Kind::Domain(a) => domain(a),
        Kind::Network(a) => network(a),
        Kind::Pool(a) => pool(a),
        Kind::Volume(a) => volume(a),
        Kind::Secret(a) => secret(a),
        Kind::Nwfilter(a) => nwfilter(a),
    };
    match xml {
        Ok(x) => {
            use std::io::Write;
            // A closed stdout (`| head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(x.as_bytes());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn domain(a: DomainArgs) -> Result<String, ExitCode> {
    let name = a.name.clone().unwrap_or_else(|| default_name("domain"));
    let config = load_config(&a.config)?;
    let (caps_xml, uri) = match &a.capabilities {
        Some(f) => (
            std::fs::read_to_string(f).map_err(|e| fail(format!("{}: {e}", f.display())))?,
            config.uri.clone(),
        ),
        None => {
            let conn = Connection::open(&config.uri).map_err(fail)?;
            let caps = conn.capabilities().map_err(|e| {
                fail(format!(
                    "cannot get the capabilities of {}: {e}",
                    config.uri
                ))
            });
            let uri = conn.uri().to_string();
            let _ = conn.close();
            (caps?, uri)
        }
    };
    let caps = Capabilities::parse(&caps_xml).map_err(fail)?;
    let prefs = GuestPrefs {
        domain_type: if a.boot { None } else { a.domain_type.clone() },
        arch: a.arch.clone(),
        os_type: None,
        machine: a.machine.clone(),
    };
    let guest = choose_guest(&caps, &prefs).map_err(fail)?;
    let mut b: DomainBuilder = if a.boot {
        let settings = MediaSettings::from_config(&config);
        let media = media::load(&settings).ok_or_else(|| {
            fail(format!(
                "--boot: no guest media in {} (run `tck prepare`)",
                settings.media_dir().display()
            ))
        })?;
        let probed = media
            .manifest
            .boot_type(&uri)
            .map(|p| p.domain_type.clone());
        let domain_type = a.domain_type.clone().or(probed);
        let console = match &a.console {
            Some(c) => c.clone(),
            None => match std::env::var_os(env::SCRATCH_DIR) {
                Some(d) => PathBuf::from(d).join(format!("{name}.console")),
                None => media.dir.join(format!("{name}.console")),
            },
        };
        media.domain(&guest, domain_type.as_deref(), &name, &console)
    } else {
        guest.domain(&name)
    };
    if let Some(u) = &a.uuid {
        b = b.uuid(u);
    }
    if let Some(m) = a.memory {
        b = b.memory(m);
    }
    b = b.vcpus(a.vcpus);
    for (i, spec) in a.disk.iter().enumerate() {
        b = b.disk(parse_disk(spec, i).map_err(fail)?);
    }
    let with_model = |n: Interface| match &a.nic_model {
        Some(m) => n.model(m),
        None => n,
    };
    for n in &a.network {
        b = b.interface(with_model(Interface::network(n)));
    }
    for br in &a.bridge {
        b = b.interface(with_model(Interface::bridge(br)));
    }
    if a.user_net {
        b = b.interface(with_model(Interface::user()));
    }
    Ok(b.as_xml())
}

/// `PATH[,key=value|flag]…` → a disk; targets default to vda, vdb, … (or
/// hdc for a CD-ROM).
fn parse_disk(spec: &str, index: usize) -> Result<Disk, String> {
    let mut parts = spec.split(',');
    let path = parts
        .next()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| format!("--disk {spec:?}: expected PATH[,option…]"))?;
    let mut target: Option<String> = None;
    let mut opts: Vec<(String, Option<String>)> = Vec::new();
    for p in parts {
        match p.split_once('=') {
            Some(("target", v)) => target = Some(v.to_string()),
            Some((k, v)) => opts.push((k.to_string(), Some(v.to_string()))),
            None => opts.push((p.to_string(), None)),
        }
    }
    let cdrom = opts
        .iter()
        .any(|(k, v)| k == "device" && v.as_deref() == Some("cdrom"));
    let letter = char::from(b'a' + (index % 26) as u8);
    let target = target.unwrap_or_else(|| {
        if cdrom {
            "hdc".to_string()
        } else {
            format!("vd{letter}")
        }
    });
    let mut d = if path.starts_with("/dev/") {
        Disk::block(path, &target)
    } else {
        Disk::file(path, &target)
    };
    for (k, v) in opts {
        d = match (k.as_str(), v) {
            ("bus", Some(v)) => d.bus(&v),
            ("format", Some(v)) => d.format(&v),
            ("device", Some(v)) => d.device(&v),
            ("cache", Some(v)) => d.cache(&v),
            ("readonly", None) => d.readonly(),
            ("shareable", None) => d.shareable(),
            (k, _) => {
                return Err(format!(
                    "--disk {spec:?}: unknown option {k:?} (target=, bus=, format=, device=, cache=, readonly, shareable)"
                ))
            }
        };
    }
    Ok(d)
}

fn network(a: NetworkArgs) -> Result<String, ExitCode> {
    let name = a.name.clone().unwrap_or_else(|| default_name("network"));
    let mut b = NetworkBuilder::new(&name);
    if let Some(u) = &a.uuid {
        b = b.uuid(u);
    }
    match &a.bridge {
        Some(br) => {
            if br.len() > crate::virt::context::BRIDGE_NAME_MAX {
                return Err(fail(format!(
                    "--bridge {br:?} is {} bytes; Linux bridge names have at most 15",
                    br.len()
                )));
            }
            b = b.bridge(br);
        }
        None if name.len() <= crate::virt::context::BRIDGE_NAME_MAX
            && !matches!(
                a.forward.as_deref(),
                Some("bridge" | "private" | "vepa" | "passthrough" | "hostdev")
            ) =>
        {
            b = b.bridge(&name)
        }
        None => {}
    }
    if a.stp {
        b = b.stp(true);
    }
    if let Some(f) = &a.forward {
        b = b.forward(f);
    }
    if let Some(d) = &a.forward_dev {
        b = b.forward_dev(d);
    }
    for i in &a.forward_interface {
        b = b.forward_interface(i);
    }
    if let Some(d) = &a.domain {
        b = b.domain(d, None);
    }
    if let Some(m) = a.mtu {
        b = b.mtu(m);
    }
    let mut ips: Vec<(bool, Ip)> = Vec::new();
    for spec in &a.ip {
        let (addr, rest) = spec.split_once('/').ok_or_else(|| {
            fail(format!(
                "--ip {spec:?}: expected ADDR/PREFIX or ADDR/NETMASK"
            ))
        })?;
        let v6 = addr.contains(':');
        let ip = match rest.parse::<u8>() {
            Ok(p) if v6 && p <= 128 => Ip::v6(addr, p),
            Ok(p) if !v6 && p <= 32 => Ip::v4(addr, p),
            Ok(p) => return Err(fail(format!("--ip {spec:?}: prefix {p} is out of range"))),
            Err(_) if !v6 && rest.split('.').count() == 4 => Ip::v4_netmask(addr, rest),
            Err(_) => {
                return Err(fail(format!(
                    "--ip {spec:?}: {rest:?} is not a prefix length or netmask"
                )))
            }
        };
        ips.push((v6, ip));
    }
    for r in &a.dhcp {
        let (start, end) = r
            .split_once('-')
            .ok_or_else(|| fail(format!("--dhcp {r:?}: expected START-END")))?;
        let v6 = start.contains(':');
        let slot = ips.iter_mut().find(|(fam, _)| *fam == v6).ok_or_else(|| {
            fail(format!(
                "--dhcp {r:?}: no --ip of the same family to serve it"
            ))
        })?;
        slot.1 = slot.1.clone().dhcp_range(start, end);
    }
    for (_, ip) in ips {
        b = b.ip(ip);
    }
    Ok(b.as_xml())
}

fn pool(a: PoolArgs) -> Result<String, ExitCode> {
    let name = a.name.clone().unwrap_or_else(|| default_name("pool"));
    let target = match &a.target {
        Some(t) => Some(t.clone()),
        None if a.pool_type == "dir" => Some(match std::env::var_os(env::SCRATCH_DIR) {
            Some(d) => PathBuf::from(d).join(&name).to_string_lossy().into_owned(),
            None => load_config(&a.config)?
                .scratch_run_dir()
                .join(&name)
                .to_string_lossy()
                .into_owned(),
        }),
        None => None,
    };
    let mut b = StoragePoolBuilder::new(&a.pool_type, &name);
    if let Some(u) = &a.uuid {
        b = b.uuid(u);
    }
    if let Some(t) = &target {
        b = b.target(t);
    }
    if let Some(h) = &a.source_host {
        b = b.source_host(h, None);
    }
    if let Some(d) = &a.source_dir {
        b = b.source_dir(d);
    }
    for d in &a.source_device {
        b = b.source_device(d);
    }
    if let Some(n) = &a.source_name {
        b = b.source_name(n);
    }
    if let Some(f) = &a.source_format {
        b = b.source_format(f);
    }
    if let Some(ad) = &a.source_adapter {
        b = b.source_adapter(ad);
    }
    Ok(b.as_xml())
}

fn volume(a: VolumeArgs) -> Result<String, ExitCode> {
    let name = a.name.clone().unwrap_or_else(|| default_name("volume"));
    let mut b = StorageVolBuilder::new(&name).capacity(a.capacity);
    if let Some(al) = a.allocation {
        b = b.allocation(al);
    }
    if let Some(f) = &a.format {
        b = b.format(f);
    }
    if let Some(c) = &a.compat {
        b = b.compat(c);
    }
    if let Some(bk) = &a.backing {
        let (path, format) = match bk.split_once(',') {
            Some((p, f)) => (p, Some(f)),
            None => (bk.as_str(), None),
        };
        b = b.backing(path, format);
    }
    if let Some(s) = &a.encrypt_secret {
        b = b.encryption_luks(s);
    }
    Ok(b.as_xml())
}

fn secret(a: SecretArgs) -> Result<String, ExitCode> {
    let mut b = SecretBuilder::new().description(
        &a.description
            .clone()
            .unwrap_or_else(|| default_name("secret")),
    );
    if let Some(u) = &a.uuid {
        b = b.uuid(u);
    }
    if let Some(u) = &a.usage {
        b = b.usage(SecretUsage::parse(u).map_err(|e| fail(format!("--usage {e}")))?);
    }
    if a.private {
        b = b.private(true);
    }
    if a.ephemeral {
        b = b.ephemeral(true);
    }
    Ok(b.as_xml())
}

fn nwfilter(a: NwfilterArgs) -> Result<String, ExitCode> {
    let name = a.name.clone().unwrap_or_else(|| default_name("nwfilter"));
    let mut b = NwFilterBuilder::new(&name);
    if let Some(u) = &a.uuid {
        b = b.uuid(u);
    }
    if let Some(c) = &a.chain {
        b = b.chain(c);
    }
    if let Some(p) = a.priority {
        b = b.priority(p);
    }
    let params: Vec<(String, String)> = a
        .filterref_param
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| fail(format!("--filterref-param {p:?}: expected NAME=VALUE")))
        })
        .collect::<Result<_, _>>()?;
    if !params.is_empty() && a.filterref.is_empty() {
        return Err(fail("--filterref-param needs a --filterref"));
    }
    let last = a.filterref.len().saturating_sub(1);
    for (i, f) in a.filterref.iter().enumerate() {
        let p: Vec<(&str, &str)> = if i == last {
            params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect()
        } else {
            Vec::new()
        };
        b = b.filterref(f, &p);
    }
    for spec in &a.rule {
        b = b.rule(parse_rule(spec).map_err(fail)?);
    }
    Ok(b.as_xml())
}

fn parse_rule(spec: &str) -> Result<Rule, String> {
    let mut parts = spec.split(',');
    let (Some(action), Some(direction), Some(protocol)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "--rule {spec:?}: expected ACTION,DIRECTION,PROTOCOL[,ATTR=VALUE…]"
        ));
    };
    let mut rule = Rule::new(action, direction);
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    for p in parts {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| format!("--rule {spec:?}: {p:?} is not ATTR=VALUE"))?;
        if k == "priority" {
            rule = rule.priority(
                v.parse()
                    .map_err(|_| format!("--rule {spec:?}: priority {v:?} is not a number"))?,
            );
        } else {
            attrs.push((k, v));
        }
    }
    Ok(rule.protocol(protocol, &attrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_specs() {
        let d = parse_disk("/a.qcow2,bus=virtio,format=qcow2,readonly", 0).unwrap();
        let e = DomainBuilder::new("kvm", "x").disk(d).to_element();
        assert_eq!(e.find_attr("devices/disk/target", "dev"), Some("vda"));
        assert_eq!(e.find_attr("devices/disk/driver", "type"), Some("qcow2"));
        assert!(e.find("devices/disk/readonly").is_some());
        let e = DomainBuilder::new("kvm", "x")
            .disk(parse_disk("/dev/sdz,target=sdb", 1).unwrap())
            .disk(parse_disk("/x.iso,device=cdrom", 2).unwrap())
            .to_element();
        let disks = e.find_all("devices/disk");
        assert_eq!(disks[0].get_attr("type"), Some("block"));
        assert_eq!(disks[0].find_attr("target", "dev"), Some("sdb"));
        assert_eq!(disks[1].find_attr("target", "dev"), Some("hdc"));
        assert!(parse_disk("/a,colour=red", 0)
            .unwrap_err()
            .contains("unknown option \"colour\""));
        assert!(parse_disk("", 0).is_err());
    }

    #[test]
    fn rule_specs() {
        let r = NwFilterBuilder::new("f")
            .rule(parse_rule("accept,in,tcp,dstportstart=22,priority=-10").unwrap())
            .to_element();
        assert_eq!(r.find_attr("rule", "priority"), Some("-10"));
        assert_eq!(r.find_attr("rule/tcp", "dstportstart"), Some("22"));
        assert!(parse_rule("accept,in").is_err());
        assert!(parse_rule("accept,in,tcp,bogus").is_err());
        assert!(parse_rule("accept,in,tcp,priority=x").is_err());
    }
}
