//! `tck clean` on the real QEMU/KVM driver: it lists and removes exactly the
//! objects under the prefix, of every kind, and leaves alone objects whose
//! names merely resemble it.
//!
//! The daemon is shared with other users, so this test owns a prefix no one
//! else uses (`tck-XYZ-`, see `common::unique_prefix`), and its "foreign"
//! objects resemble that prefix the way `tck`, `tckserver`, `tck_other` and
//! `TCK-x` resemble `tck-` (the unit tests check those exact names on the
//! test driver). Every object it creates starts with `tck-`, and a guard
//! removes all of them at the end, whatever happens.

mod common;

use common::{config_file, qemu_system, tck, text, unique_prefix};
use std::collections::BTreeSet;
use std::path::Path;
use tck::virt::connection::Connection;
use virt::storage_vol::StorageVol;

fn domain_xml(name: &str) -> String {
    let kind = if Path::new("/dev/kvm").exists() {
        "kvm"
    } else {
        "qemu"
    };
    format!(
        "<domain type='{kind}'><name>{name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64'>hvm</type></os></domain>"
    )
}

fn pool_xml(name: &str, path: &Path) -> String {
    format!(
        "<pool type='dir'><name>{name}</name><target><path>{}</path></target></pool>",
        path.display()
    )
}

fn vol_xml(name: &str) -> String {
    format!("<volume><name>{name}</name><capacity unit='KiB'>64</capacity><target><format type='raw'/></target></volume>")
}

/// Removes every object this test may have created, foreign or owned.
struct Guard {
    conn: Connection,
    names: Vec<String>,
    secret_usages: Vec<String>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for n in &self.names {
            if let Ok(d) = self.conn.lookup_domain_by_name(n) {
                let _ = d.destroy();
                let _ = d.undefine_flags(
                    virt::sys::VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                        | virt::sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                        | virt::sys::VIR_DOMAIN_UNDEFINE_NVRAM,
                );
            }
            if let Ok(net) = self.conn.lookup_network_by_name(n) {
                let _ = net.destroy();
                let _ = net.undefine();
            }
            if let Ok(p) = self.conn.lookup_storage_pool_by_name(n) {
                if let Ok(vols) = p.list_all_volumes(0) {
                    for v in vols {
                        let _ = v.delete(0);
                    }
                }
                let _ = p.destroy();
                let _ = p.undefine();
            }
            if let Ok(f) = self.conn.lookup_nwfilter_by_name(n) {
                let _ = f.undefine();
            }
        }
        for _ in 0..2 {
            for n in &self.names {
                if let Ok(f) = self.conn.lookup_nwfilter_by_name(n) {
                    let _ = f.undefine();
                }
            }
        }
        if let Ok(secrets) = self.conn.list_all_secrets(0) {
            for s in secrets {
                let usage = tck::virt::shim::secret_usage_id(&s).unwrap_or_default();
                let desc = s.xml_desc(0).unwrap_or_default();
                if self
                    .secret_usages
                    .iter()
                    .any(|u| &usage == u || desc.contains(&format!(">{u}<")))
                {
                    let _ = s.undefine();
                }
            }
        }
    }
}

/// What must not change: each foreign object's XML and state, and the
/// content of a foreign volume.
fn foreign_state(conn: &Connection, names: &[String], volume: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        if let Ok(d) = conn.lookup_domain_by_name(n) {
            out.push(format!(
                "domain {n} active={} {}",
                d.is_active().unwrap_or(false),
                d.xml_desc(virt::sys::VIR_DOMAIN_XML_INACTIVE)
                    .unwrap_or_default()
            ));
        }
        if let Ok(x) = conn.lookup_network_by_name(n) {
            out.push(format!("network {n} {}", x.xml_desc(0).unwrap_or_default()));
        }
        if let Ok(p) = conn.lookup_storage_pool_by_name(n) {
            out.push(format!(
                "pool {n} active={} vols={:?}",
                p.is_active().unwrap_or(false),
                p.list_volumes().unwrap_or_default()
            ));
        }
        if let Ok(f) = conn.lookup_nwfilter_by_name(n) {
            out.push(format!(
                "nwfilter {n} {}",
                f.xml_desc(0).unwrap_or_default()
            ));
        }
        if let Ok(s) = conn.lookup_secret_by_usage(virt::sys::VIR_SECRET_USAGE_TYPE_CEPH as i32, n)
        {
            out.push(format!("secret {n} {}", s.xml_desc(0).unwrap_or_default()));
        }
    }
    out.push(format!("volume content {:?}", std::fs::read(volume).ok()));
    out
}

fn lines_with(stdout: &str, lead: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(lead))
        .map(str::to_string)
        .collect()
}

#[test]
fn clean_lists_and_removes_exactly_the_prefixed_objects() {
    let Some(conn) = qemu_system() else { return };
    assert!(conn.has_keepalive(), "keepalive on a daemon connection");
    let p = unique_prefix(); // e.g. "tck-q7x-"
    let stem = p.trim_end_matches('-').to_string(); // "tck-q7x"
    let ns = format!("{p}abcde-");
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config_file(dir.path(), "qemu:///system", &p);
    let run_dir = dir.path().join("scratch/run");
    let script_dir = run_dir.join(format!("{ns}scratch"));

    let foreign: Vec<String> = vec![
        stem.clone(),            // like `tck`
        format!("{stem}server"), // like `tckserver`
        format!("{stem}_other"), // like `tck_other`
        // Upper case in the fixed part: the random tag may have no letters
        // ("tck-713-"), and upper-casing only the tag would then give a
        // name under the prefix.
        format!("TCK-{}-vm", &stem[4..]),             // like `TCK-x`
        format!("tck-prodvm-{}", std::process::id()), // another owner's guest
    ];
    let owned_names: Vec<String> = [
        "dom", "run", "saved", "net", "f1", "f2", "pool", "snap", "efi",
    ]
    .iter()
    .map(|l| format!("{ns}{l}"))
    .collect();
    let mut guard = Guard {
        conn: conn.clone(),
        names: foreign.iter().chain(owned_names.iter()).cloned().collect(),
        secret_usages: vec![
            format!("{stem}secret"),
            format!("{ns}sec"),
            format!("{ns}desc"),
        ],
    };

    // --- foreign objects ---
    conn.create_domain_xml(&domain_xml(&foreign[0]), 0)
        .expect("running foreign domain");
    conn.define_domain_xml(&domain_xml(&foreign[1]))
        .expect("defined foreign domain");
    conn.define_domain_xml(&domain_xml(&foreign[3]))
        .expect("defined foreign domain");
    conn.define_domain_xml(&domain_xml(&foreign[4]))
        .expect("defined foreign domain");
    conn.define_network_xml(&format!("<network><name>{}</name></network>", foreign[1]))
        .expect("foreign network");
    let fpool_dir = dir.path().join("foreign-pool");
    std::fs::create_dir_all(&fpool_dir).expect("mkdir");
    let fpool = conn
        .define_storage_pool_xml(&pool_xml(&foreign[1], &fpool_dir), 0)
        .expect("foreign pool");
    fpool.create(0).expect("start foreign pool");
    // A volume with the owned prefix in a foreign pool: not the kit's.
    let fvol = StorageVol::create_xml(&fpool, &vol_xml(&format!("{ns}vol")), 0).expect("volume");
    let fvol_path = std::path::PathBuf::from(fvol.path().expect("path"));
    std::fs::write(&fvol_path, b"precious bytes").expect("write volume");
    conn.define_nwfilter_xml(&format!(
        "<filter name='{}' chain='root'><rule action='accept' direction='in' priority='500'><all/></rule></filter>",
        foreign[2]
    ))
    .expect("foreign nwfilter");
    conn.define_secret_xml(
        &format!("<secret ephemeral='no' private='no'><usage type='ceph'><name>{stem}secret</name></usage></secret>"),
        0,
    )
    .expect("foreign secret");
    std::fs::create_dir_all(&run_dir).expect("mkdir");
    std::fs::write(run_dir.join(format!("{stem}file")), b"keep").expect("foreign file");
    let mut watched = foreign.clone();
    watched.push(format!("{stem}secret"));
    let before = foreign_state(&conn, &watched, &fvol_path);

    // --- owned objects, one of each kind ---
    conn.define_domain_xml(&domain_xml(&owned_names[0]))
        .expect("owned domain");
    conn.create_domain_xml(&domain_xml(&owned_names[1]), 0)
        .expect("owned running domain");
    let saved = conn
        .define_domain_xml(&domain_xml(&owned_names[2]))
        .expect("owned domain");
    saved.create().expect("start");
    saved.managed_save(0).expect("managed save");
    let net = conn
        .define_network_xml(&format!(
            "<network><name>{}</name><bridge name='{p}b1'/></network>",
            owned_names[3]
        ))
        .expect("owned network");
    net.create().expect("start owned network");
    conn.define_nwfilter_xml(&format!(
        "<filter name='{}' chain='root'><rule action='accept' direction='out' priority='500'><all/></rule></filter>",
        owned_names[4]
    ))
    .expect("owned nwfilter");
    conn.define_nwfilter_xml(&format!(
        "<filter name='{}' chain='root'><filterref filter='{}'/></filter>",
        owned_names[5], owned_names[4]
    ))
    .expect("owned nwfilter referencing another");
    let sec = conn
        .define_secret_xml(
            &format!("<secret ephemeral='no' private='no'><usage type='ceph'><name>{ns}sec</name></usage></secret>"),
            0,
        )
        .expect("owned secret");
    let desc = conn
        .define_secret_xml(
            &format!(
                "<secret ephemeral='no' private='no'><description>{ns}desc</description></secret>"
            ),
            0,
        )
        .expect("owned secret without usage");
    let pool_dir = script_dir.join("pool");
    std::fs::create_dir_all(&pool_dir).expect("mkdir");
    let pool = conn
        .define_storage_pool_xml(&pool_xml(&owned_names[6], &pool_dir), 0)
        .expect("owned pool");
    pool.create(0).expect("start owned pool");
    StorageVol::create_xml(&pool, &vol_xml("disk.raw"), 0).expect("owned volume");
    // A guest with snapshot metadata (internal snapshot of a qcow2 disk).
    let qcow = StorageVol::create_xml(
        &pool,
        "<volume><name>snap.qcow2</name><capacity unit='MiB'>1</capacity><target><format type='qcow2'/></target></volume>",
        0,
    )
    .expect("qcow2 volume");
    let snap = conn
        .define_domain_xml(&domain_xml(&owned_names[7]).replace(
            "</os>",
            &format!(
                "</os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
                 <source file='{}'/><target dev='vda' bus='virtio'/></disk></devices>",
                qcow.path().expect("path")
            ),
        ))
        .expect("owned domain with a disk");
    snap.create_snapshot_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
        .expect("snapshot");
    // A UEFI guest whose NVRAM file exists (created at first start).
    let efi = conn
        .define_domain_xml(&domain_xml(&owned_names[8]).replace(
            "<os><type arch='x86_64'>hvm</type></os>",
            "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type><firmware><feature enabled='no' name='secure-boot'/></firmware></os><features><acpi/></features>",
        ))
        .expect("owned UEFI domain");
    efi.create().expect("start UEFI domain");
    efi.destroy().expect("stop UEFI domain");
    let efi_xml = efi.xml_desc(0).expect("xml");
    let nvram = tck::virt::xpath::text_at(&efi_xml, &["domain", "os", "nvram"])
        .expect("xml")
        .expect("an nvram path");
    assert!(Path::new(&nvram).exists(), "{nvram} created at first start");
    std::fs::write(script_dir.join("save.img"), b"x").expect("owned file");

    let expected: BTreeSet<String> = [
        format!("domain {}", owned_names[0]),
        format!("domain {}", owned_names[1]),
        format!("domain {}", owned_names[2]),
        format!("domain {}", owned_names[7]),
        format!("domain {}", owned_names[8]),
        format!("volume {}/snap.qcow2", owned_names[6]),
        format!("network {}", owned_names[3]),
        format!("nwfilter {}", owned_names[4]),
        format!("nwfilter {}", owned_names[5]),
        format!("volume {}/disk.raw", owned_names[6]),
        format!("pool {}", owned_names[6]),
        format!("secret {ns}sec ({})", sec.uuid_string().expect("uuid")),
        format!("secret {ns}desc ({})", desc.uuid_string().expect("uuid")),
        format!("file {}", pool_dir.display()),
        format!("file {}", script_dir.join("save.img").display()),
    ]
    .into_iter()
    .collect();

    // --- dry run: lists exactly the owned objects, changes nothing ---
    let out = tck()
        .args(["clean", "--dry-run", "--config"])
        .arg(&cfg)
        .output()
        .expect("run tck clean --dry-run");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(
        lines_with(&stdout, "would remove "),
        expected,
        "stdout:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{} objects under the prefix {p:?} on qemu:///system would be removed",
            expected.len()
        )),
        "{stdout}"
    );
    for n in &owned_names[..3] {
        assert!(conn.lookup_domain_by_name(n).is_ok(), "dry run removed {n}");
    }
    assert!(
        script_dir.join("save.img").exists(),
        "dry run removed a file"
    );

    // --- for real ---
    let out = tck()
        .args(["clean", "--config"])
        .arg(&cfg)
        .output()
        .expect("run tck clean");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(lines_with(&stdout, "removed "), {
        let mut e = expected.clone();
        // the summary line also starts with "removed "
        e.insert(format!(
            "{} objects under the prefix {p:?} on qemu:///system",
            expected.len()
        ));
        e
    });
    assert_eq!(stderr, "", "libvirt must not print errors by itself");

    for n in &owned_names {
        assert!(conn.lookup_domain_by_name(n).is_err(), "domain {n} left");
        assert!(conn.lookup_network_by_name(n).is_err(), "network {n} left");
        assert!(
            conn.lookup_storage_pool_by_name(n).is_err(),
            "pool {n} left"
        );
        assert!(
            conn.lookup_nwfilter_by_name(n).is_err(),
            "nwfilter {n} left"
        );
    }
    assert!(conn
        .lookup_secret_by_uuid_string(&sec.uuid_string().expect("uuid"))
        .is_err());
    assert!(!script_dir.exists(), "scratch dir left");
    assert!(!Path::new(&nvram).exists(), "NVRAM {nvram} left");
    assert_eq!(
        foreign_state(&conn, &watched, &fvol_path),
        before,
        "a foreign object changed"
    );
    assert!(
        run_dir.join(format!("{stem}file")).exists(),
        "foreign file removed"
    );

    // A second clean finds nothing.
    let out = tck()
        .args(["clean", "--config"])
        .arg(&cfg)
        .output()
        .expect("tck clean");
    let (stdout, _) = text(&out);
    assert!(stdout.starts_with("nothing to clean"), "{stdout}");

    drop((snap, efi, qcow));
    drop(fvol);
    drop(fpool);
    guard.names.push(String::new());
    drop(guard);
}
