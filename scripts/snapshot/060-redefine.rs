//! Snapshot metadata redefined from its own XML with CREATE_REDEFINE is recreated exactly (name, parent, state, creation time, domain), CREATE_CURRENT makes it current, a redefinition updates an existing snapshot, and one for another domain UUID is refused.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::xmltree::Element;
use virt::domain::Domain;
use virt::sys::{
    VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT as CURRENT, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE as REDEFINE,
    VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY,
};

pub const META: Meta = Meta {
    tags: &["snapshot"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    let s1 = dom.create_snapshot_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0)?;
    let s2 = dom.create_snapshot_xml("<domainsnapshot><name>s2</name></domainsnapshot>", 0)?;
    let (x1, x2) = (s1.xml_desc(0)?, s2.xml_desc(0)?);

    // Forget both. Keep the data where the driver can (metadata only); a
    // driver without that flag keeps no data anyway.
    let gone = VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN;
    if s1
        .delete(gone | VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
        .is_err()
    {
        t.note("DELETE_METADATA_ONLY is not supported: deleting the snapshots instead");
        s1.delete(gone)?;
    }
    t.is(
        dom.num_snapshots(0)?,
        0,
        "the guest has no snapshot metadata left",
    );

    let r1 = t.ok_result(
        dom.create_snapshot_xml(&x1, REDEFINE),
        "redefine s1 from its XML",
    )?;
    t.is(
        r1.xml_desc(0)?,
        x1.clone(),
        "the redefined s1 has exactly its original XML",
    );
    let r2 = t.ok_result(
        dom.create_snapshot_xml(&x2, REDEFINE),
        "redefine s2 from its XML",
    )?;
    t.is(
        r2.parent(0)?.name()?,
        "s1",
        "the redefined s2 has s1 as its parent again",
    );

    t.ok_result(
        dom.create_snapshot_xml(&x1, REDEFINE | CURRENT),
        "redefine s1 with CREATE_CURRENT",
    )?;
    t.ok(
        r1.is_current(0)? && !r2.is_current(0)?,
        "CREATE_CURRENT makes s1 the current snapshot",
    );

    let described = x1.replacen(
        "<name>s1</name>",
        "<name>s1</name>\n  <description>updated</description>",
        1,
    );
    t.ok_result(
        dom.create_snapshot_xml(&described, REDEFINE),
        "redefine s1 again with a description",
    )?;
    let now = Element::parse(&Domain::lookup_snapshot_by_name(&dom, "s1", 0)?.xml_desc(0)?)
        .map_err(|e| e.to_string())?;
    let was = Element::parse(&x1).map_err(|e| e.to_string())?;
    t.is(
        (now.find_text("description"), now.find_text("creationTime")),
        (Some("updated".to_string()), was.find_text("creationTime")),
        "the redefinition updates the description and keeps the creation time",
    );

    let uuid = dom.uuid_string()?;
    let foreign = x1.replace(&uuid, "00000000-0000-4000-8000-00000000abcd");
    t.err_code(
        dom.create_snapshot_xml(&foreign, REDEFINE),
        ErrorNumber::InvalidArg,
        "a redefinition for another domain UUID is refused (InvalidArg)",
    );

    r1.delete(VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN)?;
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
