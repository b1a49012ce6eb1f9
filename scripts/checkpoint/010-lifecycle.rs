//! Checkpoints of a running guest with a qcow2 disk (the prerequisite of incremental backup): created with one bitmap per disk, listed, looked up, deleted; an inactive guest with checkpoints is undefined only with UNDEFINE_CHECKPOINTS_METADATA.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::shim::{
    checkpoint_create_xml, checkpoint_lookup_by_name, list_all_checkpoints, DomainCheckpoint,
};
use tck::virt::xmltree::Element;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["checkpoint", "storage", "guest"],
    ..Meta::DEFAULT
};

fn names(v: Vec<DomainCheckpoint>) -> Vec<String> {
    v.iter().filter_map(|c| c.name().ok()).collect()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(16);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let name = cx.name("dom");
    let dom = conn.define_domain_xml(&cx.domain(&name)?.disk(disk.disk("vda")).as_xml())?;
    dom.create()?;

    let c1 = t.ok_result(
        checkpoint_create_xml(
            &dom,
            "<domaincheckpoint><name>c1</name><description>first</description></domaincheckpoint>",
            0,
        ),
        "create checkpoint c1 of the running guest",
    )?;
    let x = Element::parse(&c1.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        (x.find_text("name"), x.find_text("description")),
        (Some("c1".to_string()), Some("first".to_string())),
        "c1's XML keeps its name and description",
    );
    let vda = x
        .find_all("disks/disk")
        .into_iter()
        .find(|d| d.get_attr("name") == Some("vda"));
    t.is(
        vda.map(|d| (d.get_attr("checkpoint"), d.get_attr("bitmap"))),
        Some((Some("bitmap"), Some("c1"))),
        "the qcow2 disk is tracked by a bitmap named c1",
    );
    if let Ok(sized) = t.ok_result(
        c1.xml_desc(sys::VIR_DOMAIN_CHECKPOINT_XML_SIZE),
        "get c1's XML with XML_SIZE",
    ) {
        let size = Element::parse(&sized)
            .ok()
            .and_then(|e| e.find_attr("disks/disk", "size").map(str::to_string));
        if !t.ok(
            size.as_deref().is_some_and(|s| s.parse::<u64>().is_ok()),
            "XML_SIZE reports the bytes changed since c1 as a size on the disk",
        ) {
            t.diag(&format!("size attribute: {size:?}; XML: {sized}"));
        }
    }
    t.is(
        names(list_all_checkpoints(&dom, 0)?),
        vec!["c1".to_string()],
        "the guest lists c1",
    );
    let found = t.ok_result(checkpoint_lookup_by_name(&dom, "c1"), "look up c1 by name")?;
    t.is(found.name()?, "c1", "the lookup returns c1");
    t.err_code(
        checkpoint_lookup_by_name(&dom, "no-such-checkpoint"),
        ErrorNumber::NoDomainCheckpoint,
        "looking up a missing checkpoint raises NoDomainCheckpoint",
    );

    let c2 = t.ok_result(
        checkpoint_create_xml(
            &dom,
            "<domaincheckpoint><name>c2</name></domaincheckpoint>",
            0,
        ),
        "create checkpoint c2",
    )?;
    t.is(c2.parent()?.name()?, "c1", "c2's parent is c1");
    t.ok_result(c2.delete(0), "delete c2")?;
    t.err_code(
        checkpoint_lookup_by_name(&dom, "c2"),
        ErrorNumber::NoDomainCheckpoint,
        "the deleted c2 cannot be looked up",
    );

    dom.destroy()?;
    t.err_code(
        dom.undefine(),
        ErrorNumber::OperationInvalid,
        "undefine without flags is refused for an inactive guest with checkpoints",
    );
    t.ok_result(
        dom.undefine_flags(sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA),
        "undefine with UNDEFINE_CHECKPOINTS_METADATA",
    )?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "the guest is gone",
    );
    disk.discard()?;
    Ok(())
}
