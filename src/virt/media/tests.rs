//! Media tests: a synthetic kernel and module tree (deterministic, no
//! dependence on /boot), the host's own kernel and busybox (as CI installs
//! them), and every refusal.

use super::*;
use std::process::Command;

/// A settings value whose kernel, modules and busybox live in `dir`:
/// `vmlinuz-9.9.9-tck` (not a bzImage: booted as is), a module tree with
/// plain and xz-compressed modules, and a copy of the host's static busybox.
fn synthetic(dir: &Path) -> MediaSettings {
    let boot = dir.join("boot");
    std::fs::create_dir_all(&boot).unwrap();
    std::fs::write(boot.join("vmlinuz-9.9.9-tck"), b"not really a kernel").unwrap();
    let mods = dir.join("modules/9.9.9-tck/kernel");
    std::fs::create_dir_all(&mods).unwrap();
    for m in ["virtio_ring", "virtio", "virtio_pci", "virtio_blk"] {
        std::fs::write(mods.join(format!("{m}.ko")), format!("\x7fELF {m}")).unwrap();
    }
    assert!(Command::new("xz")
        .arg(mods.join("virtio_blk.ko"))
        .status()
        .unwrap()
        .success());
    std::fs::write(
        dir.join("modules/9.9.9-tck/modules.dep"),
        "kernel/virtio_ring.ko:\n\
         kernel/virtio.ko: kernel/virtio_ring.ko\n\
         kernel/virtio_pci.ko: kernel/virtio.ko kernel/virtio_ring.ko\n\
         kernel/virtio_blk.ko.xz: kernel/virtio.ko kernel/virtio_ring.ko\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("modules/9.9.9-tck/modules.builtin"),
        "kernel/drivers/acpi/button.ko\n",
    )
    .unwrap();
    let bb = dir.join("busybox");
    std::fs::copy(host_busybox(), &bb).unwrap();
    MediaSettings {
        kernel: None,
        initrd: None,
        busybox: Some(bb),
        scratch_dir: dir.join("scratch"),
        boot_dir: boot,
        modules_root: dir.join("modules"),
    }
}

/// The host's static busybox (CI installs busybox-static).
fn host_busybox() -> PathBuf {
    DEFAULT_BUSYBOX
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("busybox-static must be installed (apt-get install busybox-static)")
}

fn members(p: &Prepared) -> Vec<cpio::Member> {
    cpio::read_archive(&std::fs::read(&p.initrd).unwrap()).unwrap()
}

#[test]
fn builds_an_initramfs_with_busybox_init_modules_in_order_and_a_console() {
    let dir = tempfile::tempdir().unwrap();
    let s = synthetic(dir.path());
    let p = prepare(&s).unwrap();
    assert!(p.rebuilt);
    assert_eq!(p.reasons, vec!["no cached media"]);
    assert_eq!(
        p.kernel,
        s.media_dir().join("vmlinuz"),
        "not a bzImage: booted as is"
    );
    assert_eq!(std::fs::read(&p.kernel).unwrap(), b"not really a kernel");
    assert_eq!(p.manifest.kernel_version.as_deref(), Some("9.9.9-tck"));

    let m = members(&p);
    let find = |path: &str| {
        m.iter()
            .find(|x| x.path == path)
            .unwrap_or_else(|| panic!("no {path} in initramfs"))
    };
    assert!(find("bin/busybox").is_file());
    assert_eq!(find("bin/busybox").mode & 0o777, 0o755);
    assert_eq!(
        find("bin/busybox").data,
        std::fs::read(host_busybox()).unwrap()
    );
    assert!(find("bin/sh").is_symlink());
    assert!(find("dev/console").is_char_device());
    assert_eq!(find("dev/console").rdev, (5, 1));
    for d in ["proc", "sys", "dev", "lib/modules"] {
        assert!(find(d).is_dir(), "{d}");
    }
    // The xz module was stored decompressed.
    assert_eq!(
        find("lib/modules/virtio_blk.ko").data,
        b"\x7fELF virtio_blk"
    );
    let init = String::from_utf8(find("init").data.clone()).unwrap();
    assert!(init.starts_with("#!/bin/sh\n"));
    assert!(init.contains("mount -t devtmpfs"));
    assert!(init.contains("TCK-READY uptime="));
    // The shell port is served, in the background, before the ready line.
    let shell_at = init.find(SHELL_BLOCK).expect("shell block in /init");
    assert!(shell_at < init.find("TCK-READY").unwrap());
    assert!(SHELL_BLOCK.contains(&format!("= {SHELL_PORT} ]")));
    // The whole /init parses for busybox sh.
    let out = Command::new(host_busybox())
        .args(["sh", "-n", "-c", &init])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let order: Vec<&str> = init
        .lines()
        .filter_map(|l| l.strip_prefix("insmod /lib/modules/"))
        .map(|l| l.split(".ko").next().unwrap_or(""))
        .collect();
    assert_eq!(
        order,
        vec!["virtio_ring", "virtio", "virtio_pci", "virtio_blk"]
    );
    assert_eq!(p.manifest.modules_builtin, vec!["button"]);
    assert!(p
        .manifest
        .modules_missing
        .contains(&"virtio_net".to_string()));
    assert!(p.manifest.ready_signal);
    assert!(p.manifest.shell);

    // The manifest lists the checksums of what is on disk.
    let out = p
        .manifest
        .outputs
        .iter()
        .find(|o| o.path == Path::new("initrd.img"))
        .unwrap();
    assert_eq!(out.sha256, sha256_file(&p.initrd).unwrap().sha256);
    let loaded = load(&s).expect("load finds prepared media");
    assert_eq!(loaded.manifest, p.manifest);
}

#[test]
fn second_prepare_is_a_cache_hit_and_changed_inputs_or_outputs_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let s = synthetic(dir.path());
    let first = prepare(&s).unwrap();
    assert!(first.rebuilt);
    let mtime = std::fs::metadata(&first.initrd)
        .unwrap()
        .modified()
        .unwrap();

    let again = prepare(&s).unwrap();
    assert!(!again.rebuilt, "unchanged inputs: {:?}", again.reasons);
    assert_eq!(
        std::fs::metadata(&again.initrd)
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );

    // A different (still static) busybox.
    let mut bb = std::fs::read(s.busybox.as_ref().unwrap()).unwrap();
    bb.push(0);
    std::fs::write(s.busybox.as_ref().unwrap(), &bb).unwrap();
    let r = prepare(&s).unwrap();
    assert!(r.rebuilt);
    assert_eq!(r.reasons, vec!["busybox changed"]);
    assert_eq!(
        members(&r)
            .iter()
            .find(|m| m.path == "bin/busybox")
            .unwrap()
            .data,
        bb
    );

    // A changed module.
    std::fs::write(
        dir.path().join("modules/9.9.9-tck/kernel/virtio.ko"),
        b"\x7fELF v2",
    )
    .unwrap();
    let r = prepare(&s).unwrap();
    assert_eq!(r.reasons, vec!["kernel modules changed"]);

    // A new kernel in /boot wins over the old one.
    std::fs::write(dir.path().join("boot/vmlinuz-9.10.0-tck"), b"newer").unwrap();
    let r = prepare(&s).unwrap();
    assert!(
        r.reasons[0].starts_with("kernel changed"),
        "{:?}",
        r.reasons
    );
    assert_eq!(std::fs::read(&r.kernel).unwrap(), b"newer");
    assert_eq!(r.manifest.kernel_version.as_deref(), Some("9.10.0-tck"));
    // (9.10.0-tck has no module tree: everything is recorded missing.)
    assert!(r.manifest.modules.is_empty());

    // A damaged output.
    std::fs::write(&r.initrd, b"garbage").unwrap();
    let fixed = prepare(&s).unwrap();
    assert!(fixed.rebuilt);
    assert!(
        fixed.reasons[0].ends_with("initrd.img was modified"),
        "{:?}",
        fixed.reasons
    );
    assert!(cpio::read_archive(&std::fs::read(&fixed.initrd).unwrap()).is_ok());
}

#[test]
fn boot_probes_are_recorded_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let s = synthetic(dir.path());
    prepare(&s).unwrap();
    let probe = |t: &str, ready: bool| BootProbe {
        uri: "qemu:///system".into(),
        domain_type: t.into(),
        ready,
        seconds: 2.5,
        guest_uptime: ready.then_some(1.5),
        detail: String::new(),
    };
    assert_eq!(
        load(&s).unwrap().manifest.guest_boot("qemu:///system"),
        "not probed (run `tck prepare`)"
    );
    record_probe(&s, probe("kvm", false)).unwrap();
    let m = record_probe(&s, probe("qemu", true)).unwrap();
    assert_eq!(m.boot_type("qemu:///system").unwrap().domain_type, "qemu");
    assert!(m.boot_type("test:///default").is_none());
    assert_eq!(
        m.guest_boot("qemu:///system"),
        "qemu (fallback: kvm did not boot; ready in 2.5 s)"
    );
    // Re-probing replaces, it does not accumulate.
    let m = record_probe(&s, probe("kvm", true)).unwrap();
    assert_eq!(m.probes.len(), 2);
    // A rebuild forgets probes made with other media.
    std::fs::write(dir.path().join("boot/vmlinuz-9.9.9-tck"), b"changed").unwrap();
    assert!(prepare(&s).unwrap().manifest.probes.is_empty());
}

#[test]
fn guest_boot_summary_for_reports() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::config::Config::from_toml(
        &format!(
            "scratch_dir = {:?}\n",
            dir.path().join("scratch").display().to_string()
        ),
        crate::config::ConfigSource::BuiltIn,
    )
    .unwrap();
    assert_eq!(
        guest_boot_summary(&config, "qemu:///system"),
        "no guest media (guests idle in firmware)"
    );
    let mut s = synthetic(dir.path());
    s.scratch_dir = config.scratch_dir.clone();
    prepare(&s).unwrap();
    record_probe(
        &s,
        BootProbe {
            uri: "qemu:///system".into(),
            domain_type: "kvm".into(),
            ready: true,
            seconds: 1.25,
            guest_uptime: Some(0.5),
            detail: String::new(),
        },
    )
    .unwrap();
    assert_eq!(
        guest_boot_summary(&config, "qemu:///system"),
        "kvm (ready in 1.2 s, guest uptime 0.5 s)"
    );
    assert_eq!(
        guest_boot_summary(&config, "qemu:///session"),
        "not probed (run `tck prepare`)"
    );
}

#[test]
fn a_configured_initrd_is_used_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = synthetic(dir.path());
    let initrd = dir.path().join("my-initrd.img");
    std::fs::write(&initrd, b"user initramfs").unwrap();
    s.initrd = Some(initrd);
    s.busybox = None;
    let p = prepare(&s).unwrap();
    assert_eq!(std::fs::read(&p.initrd).unwrap(), b"user initramfs");
    assert!(!p.manifest.ready_signal);
    assert!(!p.manifest.shell, "a configured initrd has no tck shell");
    assert!(p.manifest.busybox.is_none());
}

#[test]
fn refusals_name_the_key_and_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let base = synthetic(dir.path());

    let mut s = base.clone();
    s.kernel = Some(dir.path().join("no-such-vmlinuz"));
    let e = prepare(&s).unwrap_err();
    assert!(
        matches!(e, MediaError::ConfiguredFileMissing { key: "kernel", .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("`kernel` names") && e.to_string().contains("no-such-vmlinuz"),
        "{e}"
    );

    let mut s = base.clone();
    s.busybox = Some(PathBuf::from("/bin/sh"));
    let e = prepare(&s).unwrap_err().to_string();
    assert!(e.contains("`busybox` names /bin/sh"), "{e}");
    assert!(e.contains("dynamically linked"), "{e}");
    assert!(e.contains("busybox-static"), "{e}");

    let mut s = base.clone();
    let script = dir.path().join("fake-busybox");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    s.busybox = Some(script);
    let e = prepare(&s).unwrap_err().to_string();
    assert!(e.contains("not an ELF file"), "{e}");

    let mut s = base.clone();
    s.initrd = Some(dir.path().join("missing-initrd"));
    let e = prepare(&s).unwrap_err().to_string();
    assert!(e.contains("`initrd` names"), "{e}");

    let mut s = base.clone();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    s.scratch_dir = file.join("scratch");
    let e = prepare(&s).unwrap_err();
    assert!(matches!(e, MediaError::ScratchNotWritable { .. }), "{e}");
    assert!(e.to_string().contains("set `scratch_dir`"), "{e}");

    let mut s = base;
    s.boot_dir = dir.path().join("empty-boot");
    std::fs::create_dir_all(&s.boot_dir).unwrap();
    let e = prepare(&s).unwrap_err().to_string();
    assert!(e.contains("linux-image-amd64"), "{e}");
    assert!(load(&s).is_none(), "nothing prepared");
}

#[test]
fn host_kernel_and_busybox_give_a_pvh_kernel_and_the_virtio_modules() {
    // CI installs linux-image-amd64 and busybox-static; this builds real
    // media as `tck prepare` does.
    let dir = tempfile::tempdir().unwrap();
    let s = MediaSettings::new(dir.path());
    let p = prepare(&s).unwrap();
    let names: Vec<&str> = p.manifest.modules.iter().map(|m| m.name.as_str()).collect();
    for want in [
        "virtio_ring",
        "virtio",
        "virtio_pci",
        "virtio_blk",
        "virtio_net",
        "net_failover",
        "failover",
        "virtio_balloon",
        "button",
    ] {
        assert!(
            names.contains(&want) || p.manifest.modules_builtin.iter().any(|b| b == want),
            "{want} neither loaded nor built in: {names:?}"
        );
    }
    let pos = |n: &str| names.iter().position(|x| *x == n);
    if let (Some(a), Some(b)) = (pos("virtio"), pos("virtio_pci")) {
        assert!(a < b, "dependencies load first: {names:?}");
    }
    if std::env::consts::ARCH == "x86_64" {
        assert_eq!(
            p.manifest.boot_kernel, "vmlinux",
            "x86 kernels boot the PVH vmlinux"
        );
        let info = elf::inspect(&std::fs::read(&p.kernel).unwrap()).unwrap();
        assert!(info.pvh_entry);
    }
    // The media directory and files are readable by the hypervisor's user.
    use std::os::unix::fs::PermissionsExt;
    for f in ["vmlinuz", "initrd.img", "manifest.json"] {
        let mode = std::fs::metadata(p.dir.join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o044, 0o044, "{f} mode {mode:o}");
    }
    let again = prepare(&s).unwrap();
    assert!(!again.rebuilt, "{:?}", again.reasons);
}

#[test]
fn manifests_written_before_the_shell_existed_say_it_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let s = synthetic(dir.path());
    let p = prepare(&s).unwrap();
    let mut json: serde_json::Value = serde_json::to_value(&p.manifest).unwrap();
    json.as_object_mut().unwrap().remove("shell");
    let old: Manifest = serde_json::from_value(json).unwrap();
    assert!(!old.shell);
}
