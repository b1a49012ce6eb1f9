//! Builders and the generic guest on the real QEMU/KVM driver: what the
//! test driver cannot check (it has no secret or nwfilter driver), and that
//! the generic guest chosen from live capabilities starts under KVM.
//!
//! Every object is named with a prefix no other process uses
//! (`common::unique_prefix`) and removed by a guard whatever happens.

mod common;

use common::{qemu_system, unique_prefix};
use std::time::Instant;
use tck::virt::builders::{NwFilterBuilder, Rule, SecretBuilder, SecretUsage};
use tck::virt::caps::{Capabilities, DomainCapabilities};
use tck::virt::connection::Connection;
use tck::virt::generic::{choose_guest, GuestPrefs};
use tck::virt::xmltree::Element;

/// Removes what a test created, by name/uuid, whatever happens.
struct Guard<'a> {
    conn: &'a Connection,
    domains: Vec<String>,
    filters: Vec<String>,
    secrets: Vec<String>,
}

impl<'a> Guard<'a> {
    fn new(conn: &'a Connection) -> Self {
        Guard {
            conn,
            domains: Vec::new(),
            filters: Vec::new(),
            secrets: Vec::new(),
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        for d in &self.domains {
            if let Ok(dom) = self.conn.lookup_domain_by_name(d) {
                let _ = dom.destroy();
                let _ = dom.undefine();
            }
        }
        // Referencing filters first.
        for f in self.filters.iter().rev() {
            if let Ok(nf) = self.conn.lookup_nwfilter_by_name(f) {
                let _ = nf.undefine();
            }
        }
        for s in &self.secrets {
            if let Ok(sec) = self.conn.lookup_secret_by_uuid_string(s) {
                let _ = sec.undefine();
            }
        }
    }
}

#[test]
fn secrets_of_every_usage_define_on_qemu_system() {
    let Some(conn) = qemu_system() else { return };
    let prefix = unique_prefix();
    let mut guard = Guard::new(&conn);
    let usages = [
        SecretUsage::Volume(format!("/var/lib/tck/{prefix}vol.img")),
        SecretUsage::Ceph(format!("{prefix}ceph")),
        SecretUsage::Iscsi(format!("{prefix}iscsi")),
        SecretUsage::Tls(format!("{prefix}tls")),
        SecretUsage::Vtpm(format!("{prefix}vtpm")),
    ];
    for u in usages {
        let xml = SecretBuilder::new()
            .ephemeral(false)
            .private(true)
            .description(&format!("{prefix}secret"))
            .usage(u.clone())
            .as_xml();
        let s = conn
            .define_secret_xml(&xml, 0)
            .unwrap_or_else(|e| panic!("rejected: {e}\n{xml}"));
        guard.secrets.push(s.uuid_string().expect("uuid"));
        let back = Element::parse(&s.xml_desc(0).expect("xml")).expect("parse");
        assert_eq!(back.get_attr("private"), Some("yes"));
        assert_eq!(back.get_attr("ephemeral"), Some("no"));
        assert_eq!(back.find_attr("usage", "type"), Some(u.kind()));
        assert_eq!(
            tck::virt::shim::secret_usage_id(&s).as_deref(),
            Some(u.id())
        );
        s.set_value(b"passphrase", 0).expect("set value");
    }
    let fixed = "5e1f8c3a-9b2d-4c6e-8f0a-1b2c3d4e5f6a";
    let s = conn
        .define_secret_xml(
            &SecretBuilder::new()
                .uuid(fixed)
                .ephemeral(true)
                .description(&format!("{prefix}fixed"))
                .as_xml(),
            0,
        )
        .expect("define with uuid");
    guard.secrets.push(fixed.to_string());
    assert_eq!(s.uuid_string().expect("uuid"), fixed);
}

#[test]
fn nwfilters_define_on_qemu_system() {
    let Some(conn) = qemu_system() else { return };
    let prefix = unique_prefix();
    let mut guard = Guard::new(&conn);
    let base = format!("{prefix}base");
    let b = NwFilterBuilder::new(&base)
        .chain("ipv4")
        .priority(-650)
        .rule(
            Rule::new("accept", "in")
                .priority(100)
                .protocol("tcp", &[("dstportstart", "22"), ("srcipaddr", "$IP")]),
        )
        .rule(
            Rule::new("drop", "inout")
                .priority(500)
                .protocol("all", &[]),
        );
    let f = conn
        .define_nwfilter_xml(&b.as_xml())
        .unwrap_or_else(|e| panic!("rejected: {e}\n{}", b.as_xml()));
    guard.filters.push(base.clone());
    let back = Element::parse(&f.xml_desc(0).expect("xml")).expect("parse");
    assert_eq!(back.get_attr("chain"), Some("ipv4"));
    assert_eq!(back.get_attr("priority"), Some("-650"));
    let rules = back.find_all("rule");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].find_attr("tcp", "dstportstart"), Some("22"));
    assert_eq!(rules[0].find_attr("tcp", "srcipaddr"), Some("$IP"));
    assert_eq!(rules[1].get_attr("action"), Some("drop"));

    let top = format!("{prefix}top");
    let f2 = conn
        .define_nwfilter_xml(
            &NwFilterBuilder::new(&top)
                .uuid("6c0d9e8f-7a6b-4c5d-9e8f-0a1b2c3d4e5f")
                .filterref(&base, &[("IP", "10.0.0.1")])
                .filterref("clean-traffic", &[])
                .as_xml(),
        )
        .expect("define referencing filter");
    guard.filters.push(top);
    let back = Element::parse(&f2.xml_desc(0).expect("xml")).expect("parse");
    assert_eq!(
        back.find_text("uuid").as_deref(),
        Some("6c0d9e8f-7a6b-4c5d-9e8f-0a1b2c3d4e5f")
    );
    let refs: Vec<_> = back
        .find_all("filterref")
        .iter()
        .filter_map(|r| r.get_attr("filter"))
        .collect();
    assert_eq!(refs, vec![base.as_str(), "clean-traffic"]);
    assert_eq!(
        back.find_attr("filterref/parameter", "value"),
        Some("10.0.0.1")
    );
}

#[test]
fn generic_guest_from_live_capabilities_starts_under_kvm() {
    let Some(conn) = qemu_system() else { return };
    let caps = Capabilities::parse(&conn.capabilities().expect("caps")).expect("parse caps");
    let g = choose_guest(&caps, &GuestPrefs::default()).expect("a guest");
    assert_eq!(g.arch, caps.host.arch);
    if std::path::Path::new("/dev/kvm").exists() {
        assert_eq!(
            g.domain_type, "kvm",
            "KVM is there, the generic guest must use it"
        );
    }
    // The domain capabilities of that guest parse and agree with it.
    let dcaps = DomainCapabilities::parse(
        &conn
            .domain_capabilities(
                g.emulator.as_deref(),
                Some(&g.arch),
                g.machine.as_deref(),
                Some(&g.domain_type),
                0,
            )
            .expect("domcaps"),
    )
    .expect("parse domcaps");
    assert_eq!(dcaps.domain_type, g.domain_type);
    assert_eq!(dcaps.arch, g.arch);
    assert_eq!(dcaps.path, g.emulator);
    assert!(dcaps.max_vcpus.unwrap_or(0) >= 1);

    let prefix = unique_prefix();
    let name = format!("{prefix}generic");
    let mut guard = Guard::new(&conn);
    guard.domains.push(name.clone());
    let xml = g.domain(&name).as_xml();
    let t0 = Instant::now();
    let dom = conn
        .create_domain_xml(&xml, 0)
        .unwrap_or_else(|e| panic!("generic guest did not start: {e}\n{xml}"));
    let started = t0.elapsed();
    assert!(dom.is_active().expect("active"));
    eprintln!("generic {} guest started in {started:?}", g.describe());
    assert!(
        started.as_secs_f64() < 5.0,
        "a guest with no OS must start quickly, took {started:?}"
    );
    let back = Element::parse(&dom.xml_desc(0).expect("xml")).expect("parse");
    assert_eq!(back.get_attr("type"), Some(g.domain_type.as_str()));
    assert_eq!(back.find_text("memory").as_deref(), Some("65536"));
    dom.destroy().expect("destroy");
}
