//! Re-creating a domain under the same name with a new UUID reports the new UUID everywhere: handles, lookups by name and by UUID must not serve a cached old domain.

use tck::prelude::*;
use tck::virt::builders::random_uuid;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let (first, second) = (random_uuid()?, random_uuid()?);

    let old = t.ok_result(
        conn.create_domain_xml(&cx.domain(&name)?.uuid(&first).as_xml(), 0),
        "create the domain with a first UUID",
    )?;
    t.is(
        old.uuid_string()?,
        first.as_str(),
        "the domain reports the first UUID",
    );
    t.ok_result(old.destroy(), "destroy the first domain")?;

    let new = t.ok_result(
        conn.create_domain_xml(&cx.domain(&name)?.uuid(&second).as_xml(), 0),
        "create a domain with the same name and a second UUID",
    )?;
    t.is(
        new.uuid_string()?,
        second.as_str(),
        "the new handle reports the second UUID",
    );
    let found = t.ok_result(conn.lookup_domain_by_name(&name), "lookup by name")?;
    t.is(
        found.uuid_string()?,
        second.as_str(),
        "lookup by name gives the second UUID, not a cached first",
    );
    t.err_code(
        conn.lookup_domain_by_uuid_string(&first),
        ErrorNumber::NoDomain,
        "lookup by the first UUID raises NoDomain",
    );
    t.err_code(
        old.is_active(),
        ErrorNumber::NoDomain,
        "the stale handle of the first domain does not reach the new one",
    );
    t.ok_result(new.destroy(), "destroy the second domain")?;
    Ok(())
}
