//! Creating a domain checks name and UUID uniqueness: with the name and UUID of an inactive persistent domain it starts that domain; another name with its UUID, its name with another UUID, or any clash with a running domain is refused.

use tck::prelude::*;
use tck::suite::unique_id::Twins;
use virt::domain::Domain;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let a = Twins::<Domain>::new(cx)?;

    let dom = t.ok_result(conn.define_domain_xml(&a.same), "define domain A")?;
    a.creating_clashes(t, cx, "inactive")?;
    let started = t.ok_result(
        conn.create_domain_xml(&a.same, 0),
        "inactive: creating A's name and UUID starts domain A",
    )?;
    t.ok(
        started.is_active()? && started.is_persistent()?,
        "the started domain A runs and is still persistent",
    );

    a.creating_again(t, cx)?;
    a.creating_clashes(t, cx, "running")?;
    a.none_under_other_name(t, cx, "created")?;
    t.ok_result(dom.destroy(), "destroy domain A")?;
    t.ok_result(dom.undefine(), "undefine domain A")?;

    // A transient domain clashes the same way.
    a.transient_clash(t, cx)
}
