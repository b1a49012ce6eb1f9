//! Toggles autostart on a persistent domain while inactive and while running, and checks that the setting survives start and destroy.

use tck::prelude::*;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(17);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let xml = cx.domain(&name)?.as_xml();

    let dom = t.ok_result(conn.define_domain_xml(&xml), "define a persistent domain")?;
    t.is(
        dom.autostart()?,
        false,
        "a newly defined domain does not autostart",
    );

    t.ok_result(dom.set_autostart(true), "inactive: set_autostart(true)")?;
    t.is(dom.autostart()?, true, "inactive: autostart reads true");
    t.ok_result(dom.set_autostart(false), "inactive: set_autostart(false)")?;
    t.is(dom.autostart()?, false, "inactive: autostart reads false");
    t.ok_result(
        dom.set_autostart(true),
        "inactive: set_autostart(true) again",
    )?;

    t.ok_result(dom.create(), "start the domain")?;
    t.is(
        dom.autostart()?,
        true,
        "autostart is still set after starting the domain",
    );
    t.ok_result(dom.set_autostart(false), "running: set_autostart(false)")?;
    t.is(dom.autostart()?, false, "running: autostart reads false");
    t.ok_result(dom.set_autostart(true), "running: set_autostart(true)")?;
    t.is(dom.autostart()?, true, "running: autostart reads true");

    t.ok_result(dom.destroy(), "destroy the domain")?;
    t.is(
        dom.autostart()?,
        true,
        "autostart is still set after destroying the domain",
    );
    t.ok_result(dom.undefine(), "undefine the domain")?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "lookup after undefine raises NoDomain",
    );
    Ok(())
}
