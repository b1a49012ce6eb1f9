//! Defines and undefines a persistent domain, then defines, starts, destroys and undefines it, checking its state and id at each step.

use tck::prelude::*;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let xml = cx.domain(&name)?.as_xml();

    // Define, then undefine without ever starting.
    let dom = t.ok_result(
        conn.define_domain_xml(&xml),
        "define_domain_xml defines a domain",
    )?;
    t.ok(
        dom.is_persistent()? && !dom.is_active()?,
        "a defined domain is persistent and inactive",
    );
    t.ok_result(dom.undefine(), "undefine removes the never-started domain")?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "lookup after undefine raises NoDomain",
    );

    // Define, start, destroy, undefine.
    let dom = t.ok_result(conn.define_domain_xml(&xml), "define the domain again")?;
    t.ok_result(dom.create(), "create starts the defined domain")?;
    let running = t.ok_result(
        conn.lookup_domain_by_name(&name),
        "lookup by name finds the running domain",
    )?;
    t.ok(
        running.id().is_some_and(|id| id > 0),
        "the running domain has a positive id",
    );
    t.ok(running.is_active()?, "the started domain is active");

    t.ok_result(running.destroy(), "destroy stops the running domain")?;
    let stopped = t.ok_result(
        conn.lookup_domain_by_name(&name),
        "the domain is still defined after destroy",
    )?;
    t.ok(
        !stopped.is_active()? && stopped.id().is_none(),
        "the destroyed domain is inactive and has no id",
    );
    t.ok_result(stopped.undefine(), "undefine removes the stopped domain")?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "lookup after the final undefine raises NoDomain",
    );
    Ok(())
}
