//! Saves and restores a persistent domain: saving it while inactive raises OperationInvalid; saved, it stays defined and inactive; restored, it runs; restoring again while it runs raises OperationInvalid.

use tck::prelude::*;
use tck::virt::shim::domain_save;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(11);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let image = cx.scratch_file("saved.img")?;
    let path = image.to_string_lossy().into_owned();

    let dom = t.ok_result(
        conn.define_domain_xml(&cx.domain(&name)?.as_xml()),
        "define a persistent domain",
    )?;
    t.err_code(
        domain_save(&dom, &image),
        ErrorNumber::OperationInvalid,
        "saving the inactive domain raises OperationInvalid",
    );
    t.ok_result(dom.create(), "start the domain")?;
    t.ok_result(
        domain_save(&dom, &image),
        "save the running persistent domain",
    )?;

    // Fresh handles: a handle's id is the one it was looked up with.
    let saved = t.ok_result(
        conn.lookup_domain_by_name(&name),
        "the saved domain is still defined",
    )?;
    t.ok(
        !saved.is_active()? && saved.id().is_none(),
        "the saved domain is inactive with no id",
    );
    t.ok_result(
        conn.restore_domain(&path),
        "restore the domain from its image",
    )?;
    let back = conn.lookup_domain_by_name(&name)?;
    t.ok(
        back.is_active()? && back.id().is_some_and(|id| id > 0),
        "the restored domain runs with a positive id",
    );
    t.err_code(
        conn.restore_domain(&path),
        ErrorNumber::OperationInvalid,
        "restoring the image while the domain runs raises OperationInvalid",
    );
    t.ok_result(back.destroy(), "destroy the restored domain")?;
    t.ok_result(back.undefine(), "undefine the domain")?;
    std::fs::remove_file(&image)?;
    Ok(())
}
