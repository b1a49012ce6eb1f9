//! Guest media on the real QEMU driver: `prepare` builds them from the
//! host's kernel and busybox-static, the boot probe finds a domain type
//! that reaches the ready line (KVM where it can, TCG otherwise), a guest
//! built like `cx.booted_domain_with_shell` boots, is seen ready through
//! its console file and runs commands through its shell port, and an ACPI
//! shutdown powers it off.
//!
//! Guests are named with a prefix no other process uses and destroyed
//! whatever happens.

mod common;

use common::{qemu_system, unique_prefix};
use std::time::{Duration, Instant};
use tck::virt::caps::Capabilities;
use tck::virt::connection::Connection;
use tck::virt::generic::{choose_guest, GuestPrefs};
use tck::virt::media::{self, MediaSettings};

struct Guard<'a> {
    conn: &'a Connection,
    name: String,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if let Ok(d) = self.conn.lookup_domain_by_name(&self.name) {
            let _ = d.destroy();
            let _ = d.undefine();
        }
    }
}

fn shut_off(dom: &virt::domain::Domain) -> bool {
    matches!(
        tck::virt::shim::domain_state(dom),
        Ok((s, _)) if s == virt::sys::VIR_DOMAIN_SHUTOFF
    ) || dom.is_active().map(|a| !a).unwrap_or(true)
}

#[test]
fn prepared_media_boot_to_ready_and_power_off_on_acpi_shutdown() {
    let Some(conn) = qemu_system() else { return };
    // The hypervisor's user must reach the media: a world-searchable
    // scratch directory.
    let dir = tempfile::tempdir().expect("tempdir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let settings = MediaSettings::new(dir.path());
    let t0 = Instant::now();
    let prepared =
        media::prepare(&settings).expect("prepare media from the host kernel and busybox");
    eprintln!(
        "prepare: {:.1} s, boot kernel {}, {} modules",
        t0.elapsed().as_secs_f64(),
        prepared.manifest.boot_kernel,
        prepared.manifest.modules.len()
    );

    let prefix = unique_prefix();
    let probes =
        media::probe_boot(&conn, &settings, &prefix, Duration::from_secs(10)).expect("probe");
    for p in &probes {
        eprintln!(
            "probe {}: ready={} in {:.2} s (guest uptime {:?}) {}",
            p.domain_type,
            p.ready,
            p.seconds,
            p.guest_uptime,
            p.detail.lines().next().unwrap_or("")
        );
    }
    let winner = probes
        .iter()
        .find(|p| p.ready)
        .unwrap_or_else(|| panic!("no domain type booted the media: {probes:#?}"));
    let manifest = media::load(&settings).expect("load").manifest;
    assert_eq!(
        manifest
            .boot_type(conn.uri())
            .map(|p| p.domain_type.as_str()),
        Some(winner.domain_type.as_str())
    );
    eprintln!("guest_boot: {}", manifest.guest_boot(conn.uri()));

    // A guest as cx.booted_domain builds it.
    let caps = Capabilities::parse(&conn.capabilities().expect("caps")).expect("caps");
    let guest = choose_guest(&caps, &GuestPrefs::default()).expect("guest");
    let name = format!("{prefix}booted");
    let _guard = Guard {
        conn: &conn,
        name: name.clone(),
    };
    let console = dir.path().join("booted.console");
    let socket = dir.path().join("booted.shell");
    let xml = media::Prepared::with_shell(
        prepared.domain(&guest, Some(&winner.domain_type), &name, &console),
        &socket,
    )
    .as_xml();
    let t0 = Instant::now();
    let dom = conn
        .create_domain_xml(&xml, 0)
        .unwrap_or_else(|e| panic!("booted guest did not start: {e}\n{xml}"));
    let ready = media::wait_ready(&dom, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("guest did not become ready: {e}"));
    eprintln!(
        "boot_ready ({}): {:.2} s wall from create, guest uptime {:?}",
        winner.domain_type,
        t0.elapsed().as_secs_f64(),
        ready.guest_uptime
    );
    let text = std::fs::read_to_string(&console).expect("console file");
    assert!(
        !text.contains("TCK-WARN"),
        "a module failed to load:\n{text}"
    );

    // The shell port runs commands, one connection after another.
    let t0 = Instant::now();
    let mut sh = media::GuestShell::connect(&socket, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("shell answered in {:.2} s", t0.elapsed().as_secs_f64());
    let t = Duration::from_secs(10);
    let o = sh.run("uname -s; hostname", t).expect("uname");
    assert_eq!(o.output, "Linux\ntck-guest\n");
    let o = sh.run("ls /no/such/dir", t).expect("ls");
    assert_ne!(o.status, 0);
    assert!(o.output.contains("/no/such/dir"), "{o:?}");
    drop(sh);
    let mut sh = media::GuestShell::connect(&socket, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("reconnect: {e}"));
    let names = sh
        .check("cat /sys/class/virtio-ports/*/name", t)
        .expect("port names");
    assert_eq!(names.trim(), media::SHELL_PORT);
    drop(sh);

    // virDomainShutdown presses the ACPI power button; /init powers off.
    dom.shutdown().expect("shutdown");
    let t0 = Instant::now();
    while !shut_off(&dom) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "guest ignored the ACPI power button for 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("acpi shutdown: {:.2} s", t0.elapsed().as_secs_f64());
}
