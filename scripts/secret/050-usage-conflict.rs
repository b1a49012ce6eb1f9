//! A usage belongs to one secret: a second secret with the same usage type and id is refused, and so is moving an existing secret onto a used usage; the same id under another usage type is a different usage and is accepted.

use tck::prelude::*;
use tck::virt::builders::{random_uuid, SecretUsage};
use tck::virt::shim::secret_usage_id;
use virt::sys::VIR_SECRET_USAGE_TYPE_CEPH as CEPH;

pub const META: Meta = Meta {
    tags: &["secret"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    let conn = cx.connect()?;
    let (u1, u2) = (cx.name("u1"), cx.name("u2"));
    let first = cx
        .secret(&cx.name("a"))
        .usage(SecretUsage::Ceph(u1.clone()));
    let a = t.ok_result(
        conn.define_secret_xml(&first.as_xml(), 0),
        "define secret A for ceph usage u1",
    )?;
    let b = t.ok_result(
        conn.define_secret_xml(
            &cx.secret(&cx.name("b"))
                .usage(SecretUsage::Ceph(u2.clone()))
                .as_xml(),
            0,
        ),
        "define secret B for ceph usage u2",
    )?;

    let intruder = random_uuid()?;
    let twin = cx
        .secret(&cx.name("c"))
        .uuid(&intruder)
        .usage(SecretUsage::Ceph(u1.clone()));
    t.ok(
        conn.define_secret_xml(&twin.as_xml(), 0).is_err(),
        "a new secret with A's usage is refused",
    );
    t.err_code(
        conn.lookup_secret_by_uuid_string(&intruder),
        ErrorNumber::NoSecret,
        "the refused secret does not exist",
    );
    t.is(
        conn.lookup_secret_by_usage(CEPH as i32, &u1)?
            .uuid_string()?,
        a.uuid_string()?,
        "usage u1 still finds A",
    );

    let moved = cx
        .secret(&cx.name("b"))
        .uuid(&b.uuid_string()?)
        .usage(SecretUsage::Ceph(u1.clone()));
    t.ok(
        conn.define_secret_xml(&moved.as_xml(), 0).is_err(),
        "redefining B with A's usage is refused",
    );
    t.is(secret_usage_id(&b), Some(u2.clone()), "B keeps usage u2");

    let other_kind = cx
        .secret(&cx.name("tls"))
        .usage(SecretUsage::Tls(u1.clone()));
    let tls = t.ok_result(
        conn.define_secret_xml(&other_kind.as_xml(), 0),
        "a tls secret with the same id u1 is accepted",
    )?;
    tls.undefine()?;
    a.undefine()?;
    b.undefine()?;
    Ok(())
}
