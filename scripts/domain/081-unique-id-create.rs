//! Creating a domain checks name and UUID uniqueness: with the name and UUID of an inactive persistent domain it starts that domain; another name with its UUID, its name with another UUID, or any clash with a running domain is refused.

use tck::prelude::*;
use tck::virt::builders::random_uuid;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let (name, other_name) = (cx.name("a"), cx.name("b"));
    let (uuid, other_uuid) = (random_uuid()?, random_uuid()?);
    let same = cx.domain(&name)?.uuid(&uuid).as_xml();
    let same_uuid = cx.domain(&other_name)?.uuid(&uuid).as_xml();
    let same_name = cx.domain(&name)?.uuid(&other_uuid).as_xml();

    let dom = t.ok_result(conn.define_domain_xml(&same), "define domain A")?;
    t.err_code(
        conn.create_domain_xml(&same_uuid, 0),
        ErrorNumber::OperationFailed,
        "inactive: creating another name with A's UUID raises OperationFailed",
    );
    t.err_code(
        conn.create_domain_xml(&same_name, 0),
        ErrorNumber::OperationFailed,
        "inactive: creating A's name with another UUID raises OperationFailed",
    );
    let started = t.ok_result(
        conn.create_domain_xml(&same, 0),
        "inactive: creating A's name and UUID starts domain A",
    )?;
    t.ok(
        started.is_active()? && started.is_persistent()?,
        "the started domain A runs and is still persistent",
    );

    t.err_code(
        conn.create_domain_xml(&same, 0),
        ErrorNumber::OperationInvalid,
        "running: creating A again raises OperationInvalid",
    );
    t.err_code(
        conn.create_domain_xml(&same_uuid, 0),
        ErrorNumber::OperationFailed,
        "running: creating another name with A's UUID raises OperationFailed",
    );
    t.err_code(
        conn.create_domain_xml(&same_name, 0),
        ErrorNumber::OperationFailed,
        "running: creating A's name with another UUID raises OperationFailed",
    );
    t.err_code(
        conn.lookup_domain_by_name(&other_name),
        ErrorNumber::NoDomain,
        "no domain was created under the other name",
    );
    t.ok_result(dom.destroy(), "destroy domain A")?;
    t.ok_result(dom.undefine(), "undefine domain A")?;

    // A transient domain clashes the same way.
    let transient = t.ok_result(conn.create_domain_xml(&same, 0), "create a transient A")?;
    t.err_code(
        conn.create_domain_xml(&same, 0),
        ErrorNumber::OperationInvalid,
        "creating the running transient A again raises OperationInvalid",
    );
    t.ok_result(transient.destroy(), "destroy the transient A")?;
    Ok(())
}
