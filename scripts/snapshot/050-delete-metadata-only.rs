//! Deleting a snapshot with DELETE_METADATA_ONLY forgets it in libvirt but keeps its data: it can no longer be looked up, its child becomes a root, and once redefined from its XML it can be reverted to.

use tck::prelude::*;
use tck::virt::builders::Size;
use virt::domain::Domain;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["snapshot"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    let s1 = dom.create_snapshot_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0)?;
    let s2 = dom.create_snapshot_xml("<domainsnapshot><name>s2</name></domainsnapshot>", 0)?;
    let x1 = s1.xml_desc(0)?;

    t.ok_result(
        s1.delete(sys::VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY),
        "delete s1's metadata only",
    )?;
    t.err_code(
        Domain::lookup_snapshot_by_name(&dom, "s1", 0),
        ErrorNumber::NoDomainSnapshot,
        "s1 can no longer be looked up",
    );
    let left: Vec<String> = dom
        .list_all_snapshots(0)?
        .iter()
        .filter_map(|s| s.name().ok())
        .collect();
    t.is(left, vec!["s2".to_string()], "the guest lists only s2");
    t.err_code(
        s2.parent(0),
        ErrorNumber::NoDomainSnapshot,
        "s2 lost its parent and is a root",
    );

    let back = t.ok_result(
        dom.create_snapshot_xml(&x1, sys::VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE),
        "redefine s1 from its saved XML",
    )?;
    t.is(back.name()?, "s1", "the redefined snapshot is s1");
    t.ok_result(
        back.revert(0),
        "revert to the redefined s1: its data was kept",
    )?;
    t.ok(back.is_current(0)?, "s1 is current after the revert");

    s2.delete(0)?;
    back.delete(0)?;
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
