//! Creates a transient domain, checks that it runs and is not persistent, destroys it, and checks that it is gone.

use tck::prelude::*;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let xml = cx.domain(&name)?.as_xml();

    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "create_domain_xml starts a transient domain",
    )?;
    let uuid = dom.uuid_string()?;
    t.is(
        dom.name()?,
        name.as_str(),
        "the domain has the name its XML gives",
    );
    t.ok(dom.is_active()?, "the created domain is active");
    t.ok(
        !dom.is_persistent()?,
        "the created domain is not persistent",
    );

    t.ok_result(dom.destroy(), "destroy stops the transient domain")?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "lookup by name after destroy raises NoDomain",
    );
    t.err_code(
        conn.lookup_domain_by_uuid_string(&uuid),
        ErrorNumber::NoDomain,
        "lookup by UUID after destroy raises NoDomain",
    );
    Ok(())
}
