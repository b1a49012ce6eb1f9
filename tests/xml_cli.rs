//! `tck xml` and `tck prepare` as a shell script would use them: the XML
//! they print is accepted by libvirt (the test driver for the kinds it
//! supports, qemu:///system for secrets and nwfilters), bad options are
//! refused with exit status 2, and `tck prepare` builds, reuses and refuses
//! media as documented.

mod common;

use common::{config_with, qemu_system, tck, text, unique_prefix};
use std::path::Path;
use tck::virt::connection::Connection;
use tck::virt::xmltree::Element;

/// Runs `tck xml ARGS` with no configuration and returns the XML.
fn xml(args: &[&str]) -> String {
    let out = tck().arg("xml").args(args).output().expect("run tck");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "tck xml {args:?} failed: {stderr}");
    stdout
}

fn xml_fails(args: &[&str]) -> String {
    let out = tck().arg("xml").args(args).output().expect("run tck");
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "tck xml {args:?}: {stdout}{stderr}"
    );
    assert!(stdout.is_empty(), "nothing printed on failure: {stdout}");
    stderr
}

#[test]
fn domain_network_pool_and_volume_xml_is_accepted_by_the_test_driver() {
    let conn = Connection::open("test:///default").expect("test driver");

    let d = xml(&[
        "domain",
        "--name",
        "tck-x-dom",
        "--memory",
        "96M",
        "--vcpus",
        "2",
        "--disk",
        "/var/lib/tck/a.img,format=raw,bus=virtio",
        "--disk",
        "/srv/x.iso,device=cdrom,bus=ide",
        "--network",
        "default",
        "--user-net",
    ]);
    let dom = conn
        .define_domain_xml(&d)
        .unwrap_or_else(|e| panic!("{e}\n{d}"));
    let back = Element::parse(&dom.xml_desc(0).unwrap()).unwrap();
    assert_eq!(
        back.get_attr("type"),
        Some("test"),
        "generic guest of test:///default"
    );
    assert_eq!(back.find_text("memory").as_deref(), Some("98304"));
    assert_eq!(back.find_text("vcpu").as_deref(), Some("2"));
    assert_eq!(back.find_all("devices/disk").len(), 2);
    assert_eq!(back.find_all("devices/interface").len(), 2);
    dom.undefine().unwrap();

    let n = xml(&[
        "network",
        "--name",
        "tck-x-net",
        "--forward",
        "nat",
        "--ip",
        "10.77.0.1/24",
        "--dhcp",
        "10.77.0.100-10.77.0.200",
        "--ip",
        "fd00:77::1/64",
        "--domain",
        "tck.test",
        "--mtu",
        "1400",
    ]);
    let net = conn
        .define_network_xml(&n)
        .unwrap_or_else(|e| panic!("{e}\n{n}"));
    let back = Element::parse(&net.xml_desc(0).unwrap()).unwrap();
    assert_eq!(back.find_attr("forward", "mode"), Some("nat"));
    assert_eq!(back.find_attr("bridge", "name"), Some("tck-x-net"));
    assert_eq!(back.find_all("ip").len(), 2);
    assert_eq!(
        back.find_attr("ip/dhcp/range", "start"),
        Some("10.77.0.100")
    );
    assert_eq!(back.find_attr("mtu", "size"), Some("1400"));
    net.undefine().unwrap();

    let n = xml(&[
        "network",
        "--name",
        "tck-x-rt",
        "--forward",
        "route",
        "--ip",
        "10.78.0.1/255.255.0.0",
    ]);
    let net = conn
        .define_network_xml(&n)
        .unwrap_or_else(|e| panic!("{e}\n{n}"));
    assert!(net.xml_desc(0).unwrap().contains("255.255.0.0"));
    net.undefine().unwrap();

    let p = xml(&[
        "pool",
        "--name",
        "tck-x-pool",
        "--target",
        "/tmp/tck-x-pool",
    ]);
    assert!(!p.contains("<source"), "no empty <source>: {p}");
    let pool = conn
        .define_storage_pool_xml(&p, 0)
        .unwrap_or_else(|e| panic!("{e}\n{p}"));
    assert_eq!(
        Element::parse(&pool.xml_desc(0).unwrap())
            .unwrap()
            .find_text("target/path")
            .as_deref(),
        Some("/tmp/tck-x-pool")
    );
    pool.undefine().unwrap();
    let p = xml(&[
        "pool",
        "--name",
        "tck-x-nfs",
        "--type",
        "netfs",
        "--source-host",
        "nfs.example",
        "--source-dir",
        "/export",
        "--target",
        "/mnt/x",
    ]);
    let pool = conn
        .define_storage_pool_xml(&p, 0)
        .unwrap_or_else(|e| panic!("{e}\n{p}"));
    pool.undefine().unwrap();

    let v = xml(&[
        "volume",
        "--name",
        "tck-x-vol.qcow2",
        "--capacity",
        "1G",
        "--format",
        "qcow2",
        "--backing",
        "/var/lib/tck/base.img,raw",
    ]);
    assert!(!v.contains("<allocation"), "no allocation noise: {v}");
    let pool = conn.lookup_storage_pool_by_name("default-pool").unwrap();
    let vol = virt::storage_vol::StorageVol::create_xml(&pool, &v, 0)
        .unwrap_or_else(|e| panic!("{e}\n{v}"));
    let back = Element::parse(&vol.xml_desc(0).unwrap()).unwrap();
    assert_eq!(back.find_text("capacity").as_deref(), Some("1073741824"));
    assert_eq!(back.find_attr("target/format", "type"), Some("qcow2"));
    vol.delete(0).unwrap();
}

#[test]
fn names_default_to_the_script_namespace() {
    let out = tck()
        .args(["xml", "network"])
        .env("TCK_PREFIX", "tck-k3f9q-")
        .output()
        .unwrap();
    let x = String::from_utf8_lossy(&out.stdout);
    assert!(x.contains("<name>tck-k3f9q-network</name>"), "{x}");
    // 17 bytes: too long for a bridge name, so libvirt picks one.
    assert!(!x.contains("<bridge"), "{x}");
    let s = tck()
        .args(["xml", "secret"])
        .env("TCK_PREFIX", "tck-k3f9q-")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&s.stdout).contains("<description>tck-k3f9q-secret</description>")
    );
    // A pool's default directory is in the script's scratch directory.
    let p = tck()
        .args(["xml", "pool", "--name", "tck-k3f9q-p"])
        .env("TCK_SCRATCH_DIR", "/var/cache/tck/run/tck-k3f9q-scratch")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&p.stdout)
        .contains("<path>/var/cache/tck/run/tck-k3f9q-scratch/tck-k3f9q-p</path>"));
}

#[test]
fn domain_from_a_capabilities_file_and_bad_options() {
    let caps =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/caps/qemu-system-capabilities.xml");
    let d = xml(&[
        "domain",
        "--capabilities",
        caps.to_str().unwrap(),
        "--name",
        "tck-x",
    ]);
    let e = Element::parse(&d).unwrap();
    assert_eq!(e.get_attr("type"), Some("kvm"));
    assert_eq!(e.find_attr("os/type", "machine"), Some("pc"));
    assert_eq!(e.find_attr("os/type", "arch"), Some("x86_64"));
    let d = xml(&[
        "domain",
        "--capabilities",
        caps.to_str().unwrap(),
        "--type",
        "qemu",
        "--arch",
        "i686",
    ]);
    assert!(
        d.contains("type=\"qemu\"") && d.contains("qemu-system-i386"),
        "{d}"
    );

    let err = xml_fails(&[
        "domain",
        "--capabilities",
        caps.to_str().unwrap(),
        "--type",
        "xen",
    ]);
    assert!(
        err.contains("no guest in the capabilities matches domain type xen"),
        "{err}"
    );
    let err = xml_fails(&["domain", "--memory", "12Q"]);
    assert!(err.contains("unknown unit"), "{err}");
    let err = xml_fails(&["domain", "--disk", "/a,wheels=4"]);
    assert!(err.contains("unknown option \"wheels\""), "{err}");
    let err = xml_fails(&["domain", "-c", "nosuchdriver:///x"]);
    assert!(err.contains("nosuchdriver:///x"), "{err}");
    let err = xml_fails(&["network", "--ip", "10.0.0.1"]);
    assert!(err.contains("ADDR/PREFIX"), "{err}");
    let err = xml_fails(&[
        "network",
        "--ip",
        "10.0.0.1/24",
        "--dhcp",
        "fd00::2-fd00::9",
    ]);
    assert!(err.contains("no --ip of the same family"), "{err}");
    let err = xml_fails(&["network", "--bridge", "a-name-longer-than-15"]);
    assert!(err.contains("at most 15"), "{err}");
    let err = xml_fails(&["secret", "--usage", "disk:x"]);
    assert!(err.contains("unknown usage type"), "{err}");
    let err = xml_fails(&["nwfilter", "--rule", "accept"]);
    assert!(err.contains("ACTION,DIRECTION,PROTOCOL"), "{err}");
}

#[test]
fn secret_and_nwfilter_xml_is_accepted_by_qemu_system() {
    let Some(conn) = qemu_system() else { return };
    let prefix = unique_prefix();
    let s = xml(&[
        "secret",
        "--usage",
        &format!("ceph:{prefix}ceph"),
        "--private",
        "--description",
        &format!("{prefix}s"),
    ]);
    let sec = conn
        .define_secret_xml(&s, 0)
        .unwrap_or_else(|e| panic!("{e}\n{s}"));
    let ok = sec
        .xml_desc(0)
        .map(|x| x.contains("private='yes'") || x.contains("private=\"yes\""));
    let _ = sec.undefine();
    assert!(ok.unwrap(), "private secret");

    let name = format!("{prefix}f");
    let f = xml(&[
        "nwfilter",
        "--name",
        &name,
        "--chain",
        "ipv4",
        "--priority",
        "-500",
        "--filterref",
        "clean-traffic",
        "--filterref-param",
        "IP=10.0.0.5",
        "--rule",
        "accept,in,tcp,dstportstart=22,priority=100",
        "--rule",
        "drop,inout,all",
    ]);
    let filter = conn
        .define_nwfilter_xml(&f)
        .unwrap_or_else(|e| panic!("{e}\n{f}"));
    let back = filter.xml_desc(0).map(|x| Element::parse(&x));
    let _ = filter.undefine();
    let back = back.unwrap().unwrap();
    assert_eq!(back.get_attr("priority"), Some("-500"));
    assert_eq!(
        back.find_attr("filterref/parameter", "value"),
        Some("10.0.0.5")
    );
    assert_eq!(back.find_all("rule").len(), 2);
}

#[test]
fn prepare_builds_then_reuses_and_refuses_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with(dir.path(), "tck.toml", "");
    let run = |args: &[&str]| {
        let out = tck()
            .arg("prepare")
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap();
        let (o, e) = text(&out);
        (out.status.code(), o, e)
    };
    // Before `tck prepare`, --boot has nothing to boot.
    let out = tck()
        .args(["xml", "domain", "--boot", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("run `tck prepare`"),
        "{}",
        text(&out).1
    );

    let (code, out, err) = run(&["--no-probe", "--list"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("built guest media in"), "{out}");
    assert!(out.contains(" init\n"), "--list shows /init: {out}");
    assert!(out.contains("bin/busybox"), "{out}");
    assert!(out.contains("lib/modules/virtio_pci.ko"), "{out}");
    let (code, out, _) = run(&["--no-probe"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("are up to date (checksums verified"), "{out}");

    // `tck xml domain --boot` gives a domain for the prepared media.
    let console = dir.path().join("vm.console");
    let out = tck()
        .args([
            "xml",
            "domain",
            "--boot",
            "--name",
            "tck-x-boot",
            "--console",
        ])
        .arg(&console)
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let (x, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let e = Element::parse(&x).unwrap();
    let media = dir.path().join("scratch/media");
    let kernel = e.find_text("os/kernel").unwrap();
    assert!(kernel.starts_with(&media.display().to_string()), "{x}");
    assert_eq!(
        e.find_text("os/initrd"),
        Some(media.join("initrd.img").display().to_string())
    );
    assert_eq!(
        e.find_attr("devices/serial/source", "path"),
        Some(console.to_str().unwrap())
    );
    assert_eq!(e.find_text("memory").as_deref(), Some("128"));
    let conn = Connection::open("test:///default").unwrap();
    conn.define_domain_xml(&x).unwrap().undefine().unwrap();

    // The test driver's guests run no code: nothing to probe.
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("boot probe: not needed on test:///default"),
        "{out}"
    );

    let (code, _, err) = run(&["--no-probe", "--busybox", "/bin/sh"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("dynamically linked") && err.contains("busybox-static"),
        "{err}"
    );

    // Configuration keys that point nowhere are refused, naming the key.
    let bad = config_with(dir.path(), "tck.toml", "kernel = \"/no/such/vmlinuz\"\n");
    let out = tck()
        .args(["prepare", "--no-probe", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("kernel") && err.contains("/no/such/vmlinuz"),
        "{err}"
    );

    // A scratch directory that cannot be created.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"").unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "scratch_dir = {:?}\n",
            file.join("sub").display().to_string()
        ),
    )
    .unwrap();
    let out = tck()
        .args(["prepare", "--no-probe", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("scratch_dir"), "{err}");
}
