//! Defines the live XML of a running transient domain: it becomes persistent while still running, and its definition survives destroy.

use tck::prelude::*;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let xml = cx.domain(&name)?.as_xml();

    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "create_domain_xml starts a transient domain",
    )?;
    t.ok(!dom.is_persistent()?, "the created domain is transient");
    let uuid = dom.uuid_string()?;
    let live = dom.xml_desc(0)?;

    let def = t.ok_result(
        conn.define_domain_xml(&live),
        "defining the live XML of the running transient domain succeeds",
    )?;
    t.is(
        def.uuid_string()?,
        uuid.as_str(),
        "the definition is the same domain (same UUID)",
    );
    t.ok(def.is_persistent()?, "the domain is now persistent");
    t.ok(def.is_active()?, "the domain is still running");

    t.ok_result(def.destroy(), "destroy the domain")?;
    let kept = t.ok_result(
        conn.lookup_domain_by_name(&name),
        "the definition survives destroy",
    )?;
    t.ok(!kept.is_active()?, "the domain is inactive after destroy");
    t.ok_result(kept.undefine(), "undefine the domain")?;
    Ok(())
}
