//! A transient domain cannot be marked for autostart: autostart reads false, setting it raises OperationInvalid and changes nothing.
//!
//! Autostart starts a domain's persistent configuration when the host
//! boots; a transient domain has none, so every stateful driver refuses it.

use tck::prelude::*;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(6);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let xml = cx.domain(&name)?.as_xml();

    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "create_domain_xml starts a transient domain",
    )?;
    t.is(
        dom.autostart()?,
        false,
        "autostart reads false on a transient domain",
    );
    t.err_code(
        dom.set_autostart(true),
        ErrorNumber::OperationInvalid,
        "set_autostart(true) on a transient domain raises OperationInvalid",
    );
    t.is(
        dom.autostart()?,
        false,
        "autostart still reads false after the refused change",
    );

    t.ok_result(dom.destroy(), "destroy stops the transient domain")?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "lookup after destroy raises NoDomain",
    );
    Ok(())
}
