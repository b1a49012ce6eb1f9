//! A secret's value is binary-safe: every byte value, NUL bytes included, comes back exactly; a new value replaces the old one; a secret without a value has none to give (NoSecret).

use tck::prelude::*;
use tck::virt::builders::SecretUsage;

pub const META: Meta = Meta {
    tags: &["secret"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let xml = cx
        .secret(&cx.name("s"))
        .usage(SecretUsage::Ceph(cx.name("ceph")))
        .as_xml();
    let s = t.ok_result(conn.define_secret_xml(&xml, 0), "define a secret")?;
    t.err_code(
        s.value(0),
        ErrorNumber::NoSecret,
        "a secret without a value has none to give (NoSecret)",
    );

    // Every byte value, with NULs at the start, in the middle and at the end.
    let mut all: Vec<u8> = vec![0, 0];
    all.extend(0..=255u8);
    all.extend([0, b'x', 0]);
    t.ok_result(
        s.set_value(&all, 0),
        "set a 261-byte value holding every byte and five NULs",
    )?;
    t.ok(s.value(0)? == all, "the value read back is the same bytes");

    t.ok_result(s.set_value(&[0], 0), "replace it with a single NUL byte")?;
    t.is(
        s.value(0)?,
        vec![0u8],
        "the value read back is that single NUL byte",
    );
    t.ok_result(s.undefine(), "undefine the secret")?;
    Ok(())
}
