//! `tck prepare`: build (or verify) the guest media, then find which domain
//! type boots them on the URI.
//!
//! Offline and idempotent: the second run with the same kernel, busybox and
//! modules reuses the cache after checking every checksum, and says so.

use super::ConfigArgs;
use crate::virt::connection::Connection;
use crate::virt::media::{self, cpio, MediaSettings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Exit statuses, for `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  media are ready (and, unless --no-probe, a domain type boots them)
  1  media are ready but no domain type booted them to the ready line
  2  configuration error or the media could not be built (kernel, busybox,
     scratch directory: the message names the key)";

pub const PREPARE_HELP: &str = "\
Builds the guest media that scripts needing a booted guest use: a copy of
the kernel (the `kernel` key, else the newest /boot/vmlinuz-*), its
uncompressed vmlinux when QEMU can boot it directly (faster), and a tiny
initramfs made of a static busybox (`busybox`, else /bin/busybox from
Debian's busybox-static), the kernel's virtio, ACPI button and evdev modules,
and an /init that prints TCK-READY on the console once the guest is up.
Everything goes to <scratch_dir>/media with a manifest of SHA-256 checksums;
nothing is downloaded. Running it again rebuilds only what changed.

Then, unless --no-probe, it boots the media on the URI once per domain type
the driver offers (kvm first, then qemu) and records which reaches the ready
line: booted guests use that type, and reports show it as `guest_boot`.";

#[derive(Debug, Clone, clap::Args)]
pub struct PrepareArgs {
    /// Use this kernel instead of the configured one.
    #[arg(long, value_name = "FILE")]
    pub kernel: Option<PathBuf>,
    /// Use this static busybox instead of the configured one.
    #[arg(long, value_name = "FILE")]
    pub busybox: Option<PathBuf>,
    /// Only build the media; do not boot them.
    #[arg(long)]
    pub no_probe: bool,
    /// Seconds a probe boot may take to reach the ready line.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub probe_timeout: u64,
    /// List the files in the initramfs.
    #[arg(long)]
    pub list: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `println!` that does not panic when standard output is closed early
/// (`tck prepare | head`): the rest of the output is dropped.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

pub fn main(args: PrepareArgs) -> ExitCode {
    let config = match args.config.load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut settings = MediaSettings::from_config(&config);
    if let Some(k) = &args.kernel {
        settings.kernel = Some(k.clone());
    }
    if let Some(b) = &args.busybox {
        settings.busybox = Some(b.clone());
    }
    let t0 = std::time::Instant::now();
    let prepared = match media::prepare(&settings) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("tck prepare: {e}");
            return ExitCode::from(super::EXIT_CONFIG);
        }
    };
    let m = &prepared.manifest;
    if prepared.rebuilt {
        say!(
            "built guest media in {} ({:.1} s): {}",
            prepared.dir.display(),
            t0.elapsed().as_secs_f64(),
            prepared.reasons.join("; ")
        );
    } else {
        say!(
            "guest media in {} are up to date (checksums verified in {:.1} s)",
            prepared.dir.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    say!(
        "  kernel   {} ({})",
        m.kernel.path.display(),
        m.kernel_version.as_deref().unwrap_or("unknown version")
    );
    match (&m.busybox, &m.user_initrd) {
        (_, Some(u)) => say!("  initrd   {} (configured; used as is)", u.path.display()),
        (Some(b), None) => say!("  busybox  {}", b.path.display()),
        (None, None) => {}
    }
    if !m.modules.is_empty() || !m.modules_missing.is_empty() {
        let names: Vec<&str> = m.modules.iter().map(|x| x.name.as_str()).collect();
        say!("  modules  {}", names.join(" "));
        if !m.modules_builtin.is_empty() {
            say!("  built in {}", m.modules_builtin.join(" "));
        }
        if !m.modules_missing.is_empty() {
            say!(
                "  missing  {} (not in this kernel)",
                m.modules_missing.join(" ")
            );
        }
    }
    for o in &m.outputs {
        say!(
            "  {:<12} {:>10} bytes  sha256 {}",
            o.path.display(),
            o.size,
            o.sha256.get(..16).unwrap_or(&o.sha256)
        );
    }
    say!("  boots    {}", prepared.kernel.display());

    if args.list {
        match std::fs::read(&prepared.initrd)
            .map_err(|e| e.to_string())
            .and_then(|b| cpio::read_archive(&b))
        {
            Ok(members) => {
                for x in members {
                    let kind = if x.is_dir() {
                        'd'
                    } else if x.is_symlink() {
                        'l'
                    } else if x.is_char_device() {
                        'c'
                    } else {
                        '-'
                    };
                    say!("  {kind} {:04o} {:>9} {}", x.mode & 0o7777, x.size, x.path);
                }
            }
            Err(e) => say!("  (cannot list {}: {e})", prepared.initrd.display()),
        }
    }

    if args.no_probe {
        return ExitCode::SUCCESS;
    }
    let conn = match Connection::open(&config.uri) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tck prepare: media are ready, but the boot probe cannot run: {e}");
            return ExitCode::from(super::EXIT_CONFIG);
        }
    };
    let probes = media::probe_boot(
        &conn,
        &settings,
        &config.prefix,
        Duration::from_secs(args.probe_timeout),
    );
    let uri = conn.uri().to_string();
    let _ = conn.close();
    let probes = match probes {
        Ok(p) => p,
        Err(e) => {
            eprintln!("tck prepare: boot probe failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    if probes.is_empty() {
        say!("boot probe: not needed on {uri} (its guests run no code)");
        return ExitCode::SUCCESS;
    }
    for p in &probes {
        if p.ready {
            say!(
                "boot probe: {} reached the ready line in {:.2} s{}",
                p.domain_type,
                p.seconds,
                p.guest_uptime
                    .map(|u| format!(" (guest uptime {u:.2} s)"))
                    .unwrap_or_default()
            );
        } else {
            let first = p.detail.lines().next().unwrap_or("");
            say!(
                "boot probe: {} did not boot ({:.1} s): {first}",
                p.domain_type,
                p.seconds
            );
        }
    }
    let summary = media::load(&settings)
        .map(|p| p.manifest.guest_boot(&uri))
        .unwrap_or_default();
    say!("guest_boot on {uri}: {summary}");
    if probes.iter().any(|p| p.ready) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
