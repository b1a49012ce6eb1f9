//! Guest media: a kernel and a tiny busybox initramfs that boot to a ready
//! state in seconds, built offline and cached with checksums.
//!
//! `tck prepare` (and [`prepare`]) takes a kernel (the `kernel` key, else
//! the newest `/boot/vmlinuz-*`), a static busybox (the `busybox` key, else
//! Debian's busybox-static at `/bin/busybox`) and the kernel's virtio,
//! ACPI-button and evdev modules (from `/lib/modules/<version>`, resolved
//! through `modules.dep`, decompressed when needed), and writes into
//! `<scratch_dir>/media/`:
//!
//! | file | what |
//! |---|---|
//! | `vmlinuz` | a copy of the kernel (readable by the hypervisor's user) |
//! | `vmlinux` | the uncompressed x86 kernel, when it has a PVH entry: QEMU boots it directly, skipping the decompressor (3 s of a 5 s TCG boot here) |
//! | `initrd.img` | an uncompressed newc cpio: busybox, modules, `/init` |
//! | `manifest.json` | SHA-256 of every input and output, what was built, and boot probes |
//!
//! A second `prepare` with unchanged inputs rebuilds nothing; a changed input
//! (a kernel update, another busybox, a changed module, a new `/init`) or a
//! damaged output rebuilds, and the reasons are reported. Everything is
//! local: no network.
//!
//! `/init` mounts `/proc`, `/sys` and `/dev`, loads the modules, arms the
//! ACPI power button (so `virDomainShutdown` powers the guest off), starts
//! a root shell on the virtio-serial port named [`SHELL_PORT`] when the
//! domain has one, prints `TCK-READY uptime=<s>` on the console and idles.
//! [`ready::wait_ready`] watches the console file for that line;
//! [`shell::GuestShell`] drives the shell (configure an address, ping,
//! arping…) for scripts that check what the guest sees, e.g. network
//! filters. The shell is a virtio port rather than a second serial port
//! because QEMU's 16550 emulation stalls the guest's transmit path until
//! the next received byte (commands' output arrived one command late), and
//! a port is no tty: no echo, no prompt, no line discipline.
//!
//! A configured `initrd` replaces the built initramfs as is; it then has to
//! print the ready line itself for `wait_ready` to see it.
//!
//! Boot probes: booting needs a domain type that works on this host. Under
//! nested KVM on this machine kind a stock kernel never reaches userspace
//! (see the report in the repository's notes), so `tck prepare --uri`
//! boots the media once per domain type (kvm first, then qemu) and records
//! which one reached the ready line and how fast; booted domains use that
//! type, and the report's `guest_boot` field says which.

pub mod boot;
pub mod cpio;
pub mod elf;
pub mod kernel;
pub mod ready;
pub mod shell;

pub use boot::probe_boot;
pub use ready::{console_mark, wait_ready, wait_ready_from, Ready, ReadyError, READY_MARKER};
pub use shell::{CommandOutput, GuestShell, ShellError};

use crate::config::Config;
use crate::virt::builders::{Chardev, DomainBuilder, Size};
use crate::virt::generic::GuestChoice;
use crate::virt::requirements::MEDIA_SUBDIR;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where Debian's busybox-static installs, then other common places.
pub const DEFAULT_BUSYBOX: &[&str] = &["/bin/busybox", "/usr/bin/busybox", "/sbin/busybox"];

/// Memory of a booted guest: the kernel and the initramfs fit easily.
pub const BOOT_MEMORY: Size = Size::mib(128);

/// Version of the manifest format and of the initramfs recipe: bumping it
/// rebuilds every cache.
const FORMAT: u32 = 1;

const MANIFEST: &str = "manifest.json";

/// The name of the virtio-serial port on which the guest's `/init` runs a
/// root shell (see [`Prepared::with_shell`]).
pub const SHELL_PORT: &str = "org.tck.shell";

/// Inputs of [`prepare`], usually from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSettings {
    /// `kernel`: the guest kernel; `None` = newest in `boot_dir`.
    pub kernel: Option<PathBuf>,
    /// `initrd`: a ready-made initramfs used instead of the built one.
    pub initrd: Option<PathBuf>,
    /// `busybox`: a static busybox; `None` = [`DEFAULT_BUSYBOX`].
    pub busybox: Option<PathBuf>,
    /// `scratch_dir`: the cache lives in its `media/`.
    pub scratch_dir: PathBuf,
    /// Where host kernels are looked for (`/boot`).
    pub boot_dir: PathBuf,
    /// Where kernel modules are (`/lib/modules`).
    pub modules_root: PathBuf,
}

impl MediaSettings {
    pub fn new(scratch_dir: &Path) -> MediaSettings {
        MediaSettings {
            kernel: None,
            initrd: None,
            busybox: None,
            scratch_dir: scratch_dir.to_path_buf(),
            boot_dir: PathBuf::from("/boot"),
            modules_root: PathBuf::from("/lib/modules"),
        }
    }

    pub fn from_config(c: &Config) -> MediaSettings {
        MediaSettings {
            kernel: c.kernel.clone(),
            initrd: c.initrd.clone(),
            busybox: c.busybox.clone(),
            ..MediaSettings::new(&c.scratch_dir)
        }
    }

    /// `<scratch_dir>/media`.
    pub fn media_dir(&self) -> PathBuf {
        self.scratch_dir.join(MEDIA_SUBDIR)
    }
}

/// Why media could not be prepared. Each message names the configuration
/// key or the file, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaError {
    /// A configured file (`kernel`, `initrd`, `busybox`) does not exist.
    ConfiguredFileMissing { key: &'static str, path: PathBuf },
    /// No kernel configured and none in `/boot`.
    NoHostKernel { boot_dir: PathBuf },
    /// No busybox configured and none at the usual places.
    NoBusybox,
    /// The busybox is dynamically linked (or not an executable at all).
    BusyboxNotStatic {
        key: Option<&'static str>,
        path: PathBuf,
        why: String,
    },
    /// The scratch directory cannot hold the cache.
    ScratchNotWritable { path: PathBuf, error: String },
    /// Reading or writing a file failed.
    Io { path: PathBuf, error: String },
    /// Kernel modules could not be resolved or read.
    Modules(String),
    /// The kernel could not be unpacked.
    Kernel(String),
}

impl std::fmt::Display for MediaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaError::ConfiguredFileMissing { key, path } => write!(
                f,
                "`{key}` names {}, which does not exist: fix the path or remove the key",
                path.display()
            ),
            MediaError::NoHostKernel { boot_dir } => write!(
                f,
                "no kernel to boot guests: `kernel` is not set and {} has no vmlinuz-*; set `kernel`, or install one (Debian: apt-get install linux-image-amd64)",
                boot_dir.display()
            ),
            MediaError::NoBusybox => write!(
                f,
                "no static busybox for the guest initramfs: `busybox` is not set and none of {} exists; install busybox-static (apt-get install busybox-static) or set `busybox`",
                DEFAULT_BUSYBOX.join(", ")
            ),
            MediaError::BusyboxNotStatic { key, path, why } => write!(
                f,
                "{}{} cannot run in the guest initramfs: {why}; it must be statically linked (Debian: apt-get install busybox-static, which installs /bin/busybox)",
                key.map(|k| format!("`{k}` names ")).unwrap_or_default(),
                path.display()
            ),
            MediaError::ScratchNotWritable { path, error } => write!(
                f,
                "cannot write guest media to {} ({error}): set `scratch_dir` to a writable directory",
                path.display()
            ),
            MediaError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            MediaError::Modules(m) => write!(f, "kernel modules: {m}"),
            MediaError::Kernel(m) => write!(f, "kernel: {m}"),
        }
    }
}

impl std::error::Error for MediaError {}

impl From<MediaError> for crate::script::Stop {
    fn from(e: MediaError) -> Self {
        crate::script::Stop::Error(e.to_string())
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> MediaError + '_ {
    move |e| MediaError::Io {
        path: path.to_path_buf(),
        error: e.to_string(),
    }
}

/// A file and its checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

/// A module in the initramfs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleDigest {
    pub name: String,
    pub path: PathBuf,
    pub sha256: String,
}

/// One boot of the media on a URI with a domain type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootProbe {
    pub uri: String,
    pub domain_type: String,
    pub ready: bool,
    /// Wall seconds from starting the domain to the ready line (or to the
    /// failure).
    pub seconds: f64,
    /// The guest's uptime at the ready line.
    pub guest_uptime: Option<f64>,
    /// What went wrong, when it did.
    pub detail: String,
}

/// What `manifest.json` records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub kernel: FileDigest,
    pub kernel_version: Option<String>,
    /// The busybox in the initramfs (absent with a configured `initrd`).
    pub busybox: Option<FileDigest>,
    /// A configured `initrd`, used as is.
    pub user_initrd: Option<FileDigest>,
    pub modules: Vec<ModuleDigest>,
    pub modules_builtin: Vec<String>,
    pub modules_missing: Vec<String>,
    /// SHA-256 of the generated `/init` and module list.
    pub init_sha256: String,
    /// Files in the media directory and their checksums.
    pub outputs: Vec<FileDigest>,
    /// The file to boot: `vmlinux` (PVH) or `vmlinuz`.
    pub boot_kernel: String,
    /// The initramfs prints the ready line (always, unless `initrd` is
    /// configured).
    pub ready_signal: bool,
    /// The initramfs runs a shell on the [`SHELL_PORT`] port (built media
    /// since this field exists; absent, i.e. false, in older manifests).
    #[serde(default)]
    pub shell: bool,
    /// Boot probes, newest per URI and domain type.
    pub probes: Vec<BootProbe>,
}

impl Manifest {
    /// The domain type that booted to ready on `uri`, with its probe.
    pub fn boot_type(&self, uri: &str) -> Option<&BootProbe> {
        self.probes.iter().find(|p| p.uri == uri && p.ready)
    }

    /// For the report's `guest_boot`: which domain type booted guests use
    /// on `uri` and why.
    pub fn guest_boot(&self, uri: &str) -> String {
        let failed: Vec<&BootProbe> = self
            .probes
            .iter()
            .filter(|p| p.uri == uri && !p.ready)
            .collect();
        match self.boot_type(uri) {
            Some(p) if failed.is_empty() => format!(
                "{} (ready in {:.1} s{})",
                p.domain_type,
                p.seconds,
                p.guest_uptime
                    .map(|u| format!(", guest uptime {u:.1} s"))
                    .unwrap_or_default()
            ),
            Some(p) => format!(
                "{} (fallback: {} did not boot; ready in {:.1} s)",
                p.domain_type,
                failed
                    .iter()
                    .map(|f| f.domain_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                p.seconds
            ),
            None if failed.is_empty() => "not probed (run `tck prepare`)".to_string(),
            None => "no domain type booted the guest media".to_string(),
        }
    }
}

/// Media ready to boot.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub dir: PathBuf,
    /// The kernel to boot (`vmlinux` or `vmlinuz` in `dir`).
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    pub manifest: Manifest,
    /// Whether this call built anything.
    pub rebuilt: bool,
    /// Why it rebuilt (empty when it did not).
    pub reasons: Vec<String>,
}

impl Prepared {
    /// The kernel command line for a guest of `arch`: its console on the
    /// first serial port, quiet so the console carries little but the
    /// ready line.
    pub fn cmdline(arch: &str) -> String {
        let console = match arch {
            "aarch64" | "armv7l" => "ttyAMA0",
            "ppc64" | "ppc64le" => "hvc0",
            "s390x" => "ttysclp0",
            _ => "ttyS0",
        };
        format!("console={console} quiet")
    }

    /// A domain for `guest` that boots these media, with its console in
    /// `console_log` (watched by [`wait_ready`]). `domain_type` overrides
    /// the guest's (e.g. the probed `qemu` where KVM cannot boot a kernel).
    pub fn domain(
        &self,
        guest: &GuestChoice,
        domain_type: Option<&str>,
        name: &str,
        console_log: &Path,
    ) -> DomainBuilder {
        let mut b = DomainBuilder::new(domain_type.unwrap_or(&guest.domain_type), name)
            .os_type_is(&guest.os_type)
            .arch(&guest.arch)
            .memory(BOOT_MEMORY)
            .kernel(
                &self.kernel.to_string_lossy(),
                Some(&self.initrd.to_string_lossy()),
                Some(&Prepared::cmdline(&guest.arch)),
            )
            .serial(Chardev::serial_file(&console_log.to_string_lossy()))
            .on_reboot("restart")
            .on_crash("destroy");
        if let Some(m) = &guest.machine {
            b = b.machine(m);
        }
        if let Some(e) = &guest.emulator {
            b = b.emulator(e);
        }
        for f in &guest.features {
            b = b.feature(f);
        }
        b
    }
}

impl Prepared {
    /// Adds the shell port to a domain built by [`Prepared::domain`]: a
    /// virtio-serial channel named [`SHELL_PORT`] whose host side is the
    /// UNIX socket `socket` (the hypervisor listens; [`GuestShell::connect`]
    /// connects).
    pub fn with_shell(b: DomainBuilder, socket: &Path) -> DomainBuilder {
        b.channel(Chardev::channel_unix(&socket.to_string_lossy(), SHELL_PORT))
    }
}

fn sha256_file(path: &Path) -> Result<FileDigest, MediaError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok(FileDigest {
        path: path.to_path_buf(),
        sha256: crate::config::hex(&h.finalize()),
        size,
    })
}

fn sha256_bytes(b: &[u8]) -> String {
    crate::config::hex(&Sha256::digest(b))
}

/// Checks that `path` is an ELF executable with no program interpreter.
pub fn check_static(path: &Path, key: Option<&'static str>) -> Result<elf::ElfInfo, MediaError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    let not_static = |why: String| MediaError::BusyboxNotStatic {
        key,
        path: path.to_path_buf(),
        why,
    };
    let info = elf::inspect(&bytes).map_err(not_static)?;
    if let Some(interp) = &info.interpreter {
        return Err(not_static(format!(
            "it is dynamically linked (program interpreter {interp})"
        )));
    }
    Ok(info)
}

/// The part of `/init` that serves [`SHELL_PORT`]: wait up to 5 s for the
/// port (virtio-serial announces ports asynchronously after the module
/// loads), then run `sh` on it for ever. The port is opened once,
/// read-write, as the shell's stdin, stdout and stderr (a virtio port
/// allows one opener). While no host process is connected, reads give
/// end-of-file and the shell exits; the loop opens it again.
const SHELL_BLOCK: &str = r#"(
  for i in $(seq 50); do
    for p in /sys/class/virtio-ports/*; do
      [ "$(cat $p/name 2>/dev/null)" = org.tck.shell ] && port=/dev/${p##*/}
    done
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] && while :; do sh <>"$port" >&0 2>&0; sleep 0.2; done
) 2>/dev/null &
"#;

/// The `/init` of the initramfs, for these module files (in load order).
fn init_script(modules: &[String]) -> String {
    let mut s = String::from(
        "#!/bin/sh\n\
         # tck guest init: mount, load modules, arm the power button, say ready, idle.\n\
         export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n\
         /bin/busybox mount -t proc proc /proc\n\
         /bin/busybox mount -t sysfs sysfs /sys\n\
         /bin/busybox mount -t devtmpfs devtmpfs /dev\n\
         /bin/busybox --install -s\n\
         mkdir -p /dev/pts /tmp /run\n\
         mount -t devpts devpts /dev/pts\n\
         hostname tck-guest\n",
    );
    for m in modules {
        s.push_str(&format!(
            "insmod /lib/modules/{m} 2>/dev/null || echo \"TCK-WARN insmod {m} failed\"\n"
        ));
    }
    s.push_str(SHELL_BLOCK);
    s.push_str(
        "for ev in /sys/class/input/event*; do\n\
         \x20 if [ \"$(cat $ev/device/name 2>/dev/null)\" = \"Power Button\" ]; then\n\
         \x20   (head -c 1 /dev/input/${ev##*/} >/dev/null && poweroff -f) &\n\
         \x20 fi\n\
         done\n\
         echo \"TCK-READY uptime=$(cut -d' ' -f1 /proc/uptime)\"\n\
         while :; do sleep 3600; done\n",
    );
    s
}

fn write_atomic(path: &Path, data: &[u8]) -> Result<(), MediaError> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
    f.write_all(data).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    drop(f);
    set_readable(&tmp)?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

/// Media are read by the hypervisor's user (libvirt-qemu): 0644.
fn set_readable(path: &Path) -> Result<(), MediaError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).map_err(io_err(path))
}

fn ensure_media_dir(settings: &MediaSettings) -> Result<PathBuf, MediaError> {
    let dir = settings.media_dir();
    let not_writable = |e: std::io::Error| MediaError::ScratchNotWritable {
        path: settings.scratch_dir.clone(),
        error: e.to_string(),
    };
    std::fs::create_dir_all(&dir).map_err(not_writable)?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(not_writable)?;
    let _ = std::fs::remove_file(&probe);
    // The directories on the way must be searchable by the hypervisor's
    // user; the media directory itself is made so.
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    Ok(dir)
}

fn existing(key: &'static str, p: &Option<PathBuf>) -> Result<Option<PathBuf>, MediaError> {
    match p {
        Some(p) if !p.exists() => Err(MediaError::ConfiguredFileMissing {
            key,
            path: p.clone(),
        }),
        other => Ok(other.clone()),
    }
}

/// What the inputs are, before building.
struct Plan {
    kernel: FileDigest,
    kernel_bytes: Vec<u8>,
    kernel_version: Option<String>,
    busybox: Option<FileDigest>,
    user_initrd: Option<FileDigest>,
    modules: Vec<(ModuleDigest, PathBuf)>,
    builtin: Vec<String>,
    missing: Vec<String>,
    init: String,
}

fn plan(settings: &MediaSettings) -> Result<Plan, MediaError> {
    let kernel_path = match existing("kernel", &settings.kernel)? {
        Some(k) => k,
        None => kernel::host_kernels(&settings.boot_dir)
            .into_iter()
            .next()
            .map(|(_, p)| p)
            .ok_or_else(|| MediaError::NoHostKernel {
                boot_dir: settings.boot_dir.clone(),
            })?,
    };
    let kernel_bytes = std::fs::read(&kernel_path).map_err(io_err(&kernel_path))?;
    let kernel = FileDigest {
        path: kernel_path.clone(),
        sha256: sha256_bytes(&kernel_bytes),
        size: kernel_bytes.len() as u64,
    };
    let kernel_version = kernel::bzimage_version(&kernel_bytes).or_else(|| {
        kernel_path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("vmlinuz-"))
            .map(str::to_string)
    });

    if let Some(initrd) = existing("initrd", &settings.initrd)? {
        return Ok(Plan {
            kernel,
            kernel_bytes,
            kernel_version,
            busybox: None,
            user_initrd: Some(sha256_file(&initrd)?),
            modules: Vec::new(),
            builtin: Vec::new(),
            missing: Vec::new(),
            init: String::new(),
        });
    }

    let (busybox_path, key) = match existing("busybox", &settings.busybox)? {
        Some(b) => (b, Some("busybox")),
        None => (
            DEFAULT_BUSYBOX
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
                .ok_or(MediaError::NoBusybox)?,
            None,
        ),
    };
    check_static(&busybox_path, key)?;

    let mut modules = Vec::new();
    let mod_dir = kernel_version
        .as_ref()
        .map(|v| settings.modules_root.join(v))
        .filter(|d| d.join("modules.dep").exists());
    let (builtin, missing) = match mod_dir {
        Some(dir) => {
            let p = kernel::resolve_modules(&dir, kernel::WANTED_MODULES)
                .map_err(MediaError::Modules)?;
            for m in p.load {
                let d = sha256_file(&m.path)?;
                modules.push((
                    ModuleDigest {
                        name: m.name,
                        path: m.path.clone(),
                        sha256: d.sha256,
                    },
                    m.path,
                ));
            }
            (p.builtin, p.missing)
        }
        // A kernel without modules here (a custom one with virtio built
        // in): nothing to load; recorded so a failing boot can be explained.
        None => (
            Vec::new(),
            kernel::WANTED_MODULES
                .iter()
                .map(|m| m.to_string())
                .collect(),
        ),
    };
    let files: Vec<String> = modules
        .iter()
        .map(|(m, _)| format!("{}.ko", m.name))
        .collect();
    Ok(Plan {
        kernel,
        kernel_bytes,
        kernel_version,
        busybox: Some(sha256_file(&busybox_path)?),
        user_initrd: None,
        modules,
        builtin,
        missing,
        init: init_script(&files),
    })
}

/// Reasons the manifest does not match the plan (empty = up to date).
fn stale_reasons(old: &Manifest, p: &Plan, dir: &Path) -> Vec<String> {
    let mut why = Vec::new();
    if old.format != FORMAT {
        why.push(format!("cache format {} → {FORMAT}", old.format));
    }
    if old.kernel.sha256 != p.kernel.sha256 || old.kernel.path != p.kernel.path {
        why.push(format!("kernel changed ({})", p.kernel.path.display()));
    }
    let digest = |d: &Option<FileDigest>| d.as_ref().map(|d| (d.path.clone(), d.sha256.clone()));
    if digest(&old.busybox) != digest(&p.busybox) {
        why.push("busybox changed".into());
    }
    if digest(&old.user_initrd) != digest(&p.user_initrd) {
        why.push("configured initrd changed".into());
    }
    let mods: Vec<&ModuleDigest> = p.modules.iter().map(|(m, _)| m).collect();
    if old.modules.iter().collect::<Vec<_>>() != mods {
        why.push("kernel modules changed".into());
    }
    if old.init_sha256 != sha256_bytes(p.init.as_bytes()) {
        why.push("/init changed".into());
    }
    for out in &old.outputs {
        let path = dir.join(&out.path);
        match sha256_file(&path) {
            Ok(d) if d.sha256 == out.sha256 => {}
            Ok(_) => why.push(format!("{} was modified", path.display())),
            Err(_) => why.push(format!("{} is missing", path.display())),
        }
    }
    why
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_manifest(dir: &Path, m: &Manifest) -> Result<(), MediaError> {
    let json = serde_json::to_string_pretty(m).map_err(|e| MediaError::Io {
        path: dir.join(MANIFEST),
        error: e.to_string(),
    })?;
    write_atomic(&dir.join(MANIFEST), json.as_bytes())
}

/// The initramfs members: directories, busybox, `/init`, modules, console.
fn initramfs(p: &Plan) -> Result<Vec<cpio::Entry>, MediaError> {
    use cpio::Entry;
    let mut e = Vec::new();
    for d in [
        "bin",
        "sbin",
        "usr",
        "usr/bin",
        "usr/sbin",
        "dev",
        "proc",
        "sys",
        "tmp",
        "run",
        "etc",
        "root",
        "lib",
        "lib/modules",
    ] {
        e.push(Entry::Dir {
            path: d.into(),
            mode: 0o755,
        });
    }
    // The kernel opens /dev/console for init's stdio before devtmpfs is
    // mounted, so the node must be in the archive.
    e.push(Entry::CharDev {
        path: "dev/console".into(),
        mode: 0o600,
        major: 5,
        minor: 1,
    });
    let busybox = p.busybox.as_ref().ok_or_else(|| MediaError::Io {
        path: PathBuf::from("busybox"),
        error: "no busybox planned".into(),
    })?;
    e.push(Entry::File {
        path: "bin/busybox".into(),
        mode: 0o755,
        data: std::fs::read(&busybox.path).map_err(io_err(&busybox.path))?,
    });
    e.push(Entry::Symlink {
        path: "bin/sh".into(),
        target: "busybox".into(),
    });
    e.push(Entry::File {
        path: "init".into(),
        mode: 0o755,
        data: p.init.clone().into_bytes(),
    });
    let scratch = std::env::temp_dir();
    for (m, path) in &p.modules {
        e.push(Entry::File {
            path: format!("lib/modules/{}.ko", m.name),
            mode: 0o644,
            data: kernel::read_module(path, &scratch).map_err(MediaError::Modules)?,
        });
    }
    Ok(e)
}

/// Builds the media, or reuses them when every input and output checks out.
pub fn prepare(settings: &MediaSettings) -> Result<Prepared, MediaError> {
    let dir = ensure_media_dir(settings)?;
    let p = plan(settings)?;
    let old = read_manifest(&dir);
    let reasons = match &old {
        Some(m) => stale_reasons(m, &p, &dir),
        None => vec!["no cached media".to_string()],
    };
    if reasons.is_empty() {
        if let Some(m) = old {
            return Ok(Prepared {
                kernel: dir.join(&m.boot_kernel),
                initrd: dir.join("initrd.img"),
                dir,
                manifest: m,
                rebuilt: false,
                reasons,
            });
        }
    }

    // The manifest goes first, so an interrupted build is never taken for
    // a complete one.
    let _ = std::fs::remove_file(dir.join(MANIFEST));
    write_atomic(&dir.join("vmlinuz"), &p.kernel_bytes)?;
    let mut outputs = vec!["vmlinuz".to_string()];
    let mut boot_kernel = "vmlinuz".to_string();
    let vmlinux = dir.join("vmlinux");
    let _ = std::fs::remove_file(&vmlinux);
    if let Some((payload, compression)) = kernel::bzimage_payload(&p.kernel_bytes) {
        let tmp = dir.join(format!("vmlinux.tmp-{}", std::process::id()));
        let unpacked = compression
            .decompress(payload, &tmp, true)
            .map_err(MediaError::Kernel)
            .and_then(|()| std::fs::read(&tmp).map_err(io_err(&tmp)))
            .map(|bytes| elf::inspect(&bytes).map(|i| i.pvh_entry && i.arch() == Some("x86_64")));
        match unpacked {
            Ok(Ok(true)) => {
                set_readable(&tmp)?;
                std::fs::rename(&tmp, &vmlinux).map_err(io_err(&vmlinux))?;
                outputs.push("vmlinux".into());
                boot_kernel = "vmlinux".into();
            }
            // No PVH entry, or not unpackable here: boot the bzImage.
            _ => {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
    let initrd = dir.join("initrd.img");
    match &p.user_initrd {
        Some(u) => {
            let bytes = std::fs::read(&u.path).map_err(io_err(&u.path))?;
            write_atomic(&initrd, &bytes)?;
        }
        None => {
            let mut buf = Vec::new();
            cpio::write_archive(&mut buf, &initramfs(&p)?).map_err(io_err(&initrd))?;
            write_atomic(&initrd, &buf)?;
        }
    }
    outputs.push("initrd.img".into());
    let outputs = outputs
        .iter()
        .map(|f| {
            sha256_file(&dir.join(f)).map(|d| FileDigest {
                path: PathBuf::from(f),
                ..d
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let manifest = Manifest {
        format: FORMAT,
        kernel: p.kernel.clone(),
        kernel_version: p.kernel_version.clone(),
        busybox: p.busybox.clone(),
        user_initrd: p.user_initrd.clone(),
        modules: p.modules.iter().map(|(m, _)| m.clone()).collect(),
        modules_builtin: p.builtin.clone(),
        modules_missing: p.missing.clone(),
        init_sha256: sha256_bytes(p.init.as_bytes()),
        outputs,
        boot_kernel: boot_kernel.clone(),
        ready_signal: p.user_initrd.is_none(),
        shell: p.user_initrd.is_none(),
        // Probes were for the old media.
        probes: Vec::new(),
    };
    write_manifest(&dir, &manifest)?;
    Ok(Prepared {
        kernel: dir.join(boot_kernel),
        initrd,
        dir,
        manifest,
        rebuilt: true,
        reasons,
    })
}

/// The prepared media, without checking checksums (cheap: for each script
/// that boots a guest). `None` when `tck prepare` has not run.
pub fn load(settings: &MediaSettings) -> Option<Prepared> {
    let dir = settings.media_dir();
    let m = read_manifest(&dir)?;
    let kernel = dir.join(&m.boot_kernel);
    let initrd = dir.join("initrd.img");
    if !kernel.is_file() || !initrd.is_file() {
        return None;
    }
    Some(Prepared {
        kernel,
        initrd,
        dir,
        manifest: m,
        rebuilt: false,
        reasons: Vec::new(),
    })
}

/// Records a boot probe in the manifest (replacing one for the same URI
/// and domain type).
pub fn record_probe(settings: &MediaSettings, probe: BootProbe) -> Result<Manifest, MediaError> {
    let dir = settings.media_dir();
    let mut m = read_manifest(&dir).ok_or_else(|| MediaError::Io {
        path: dir.join(MANIFEST),
        error: "no manifest: run `tck prepare` first".into(),
    })?;
    m.probes
        .retain(|p| !(p.uri == probe.uri && p.domain_type == probe.domain_type));
    m.probes.push(probe);
    write_manifest(&dir, &m)?;
    Ok(m)
}

/// For the report's `guest_boot` field.
pub fn guest_boot_summary(config: &Config, uri: &str) -> String {
    match load(&MediaSettings::from_config(config)) {
        Some(p) => p.manifest.guest_boot(uri),
        None => "no guest media (guests idle in firmware)".to_string(),
    }
}

#[cfg(test)]
mod tests;
