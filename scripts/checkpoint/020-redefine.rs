//! Checkpoint metadata deleted with DELETE_METADATA_ONLY is recreated from its own XML with CREATE_REDEFINE (same XML, same parent); CREATE_REDEFINE_VALIDATE accepts it while the disk's bitmap exists and refuses a checkpoint whose bitmap does not.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::shim::{checkpoint_create_xml, checkpoint_lookup_by_name, list_all_checkpoints};
use virt::sys::{
    VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE as REDEFINE,
    VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE as VALIDATE,
    VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY as METADATA_ONLY,
};

pub const META: Meta = Meta {
    tags: &["checkpoint", "storage", "guest"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    dom.create()?;
    let c1 = t.ok_result(
        checkpoint_create_xml(
            &dom,
            "<domaincheckpoint><name>c1</name></domaincheckpoint>",
            0,
        ),
        "create checkpoint c1",
    )?;
    let c2 = checkpoint_create_xml(
        &dom,
        "<domaincheckpoint><name>c2</name></domaincheckpoint>",
        0,
    )?;
    let x2 = c2.xml_desc(0)?;

    t.ok_result(c2.delete(METADATA_ONLY), "delete c2's metadata only")?;
    t.err_code(
        checkpoint_lookup_by_name(&dom, "c2"),
        ErrorNumber::NoDomainCheckpoint,
        "c2 can no longer be looked up",
    );
    let r2 = t.ok_result(
        checkpoint_create_xml(&dom, &x2, REDEFINE),
        "redefine c2 from its XML with CREATE_REDEFINE",
    )?;
    t.is(
        r2.xml_desc(0)?,
        x2.clone(),
        "the redefined c2 has exactly its original XML",
    );
    t.is(
        r2.parent()?.name()?,
        "c1",
        "the redefined c2 has c1 as its parent again",
    );
    t.is(
        list_all_checkpoints(&dom, 0)?.len(),
        2,
        "the guest lists both checkpoints",
    );

    // REDEFINE trusts the XML; REDEFINE_VALIDATE also checks the disk.
    t.ok_result(
        checkpoint_create_xml(&dom, &x2, REDEFINE | VALIDATE),
        "REDEFINE_VALIDATE accepts c2, whose bitmap is on the disk",
    )?;
    // Only the checkpoint's name and its bitmap: a blanket replace would
    // also rewrite any "c2" inside the domain's UUID.
    let ghost = x2
        .replace("<name>c2</name>", "<name>c9</name>")
        .replace("bitmap='c2'", "bitmap='c9'")
        .replace("bitmap=\"c2\"", "bitmap=\"c9\"");
    t.err_code(
        checkpoint_create_xml(&dom, &ghost, REDEFINE | VALIDATE),
        ErrorNumber::CheckpointInconsistent,
        "REDEFINE_VALIDATE refuses c9, whose bitmap is not on the disk (CheckpointInconsistent)",
    );
    t.err_code(
        checkpoint_lookup_by_name(&dom, "c9"),
        ErrorNumber::NoDomainCheckpoint,
        "the refused checkpoint was not defined",
    );
    let _ = c1;

    dom.destroy()?;
    dom.undefine_flags(virt::sys::VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)?;
    disk.discard()?;
    Ok(())
}
