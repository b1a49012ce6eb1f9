//! A private secret keeps its value from API clients: the value can be set but not read back (InvalidSecret), and redefining the secret as public is refused.

use tck::prelude::*;
use tck::virt::builders::SecretUsage;
use tck::virt::xmltree::Element;

pub const META: Meta = Meta {
    tags: &["secret"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let builder = cx
        .secret(&cx.name("s"))
        .usage(SecretUsage::Ceph(cx.name("ceph")));
    let s = t.ok_result(
        conn.define_secret_xml(&builder.clone().private(true).as_xml(), 0),
        "define a private secret",
    )?;
    let x = Element::parse(&s.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        x.get_attr("private"),
        Some("yes"),
        "its XML says private='yes'",
    );
    t.ok_result(
        s.set_value(b"do not tell", 0),
        "set the private secret's value",
    )?;
    t.err_code(
        s.value(0),
        ErrorNumber::InvalidSecret,
        "reading the value back is refused (InvalidSecret)",
    );

    let public = builder.uuid(&s.uuid_string()?).private(false);
    t.ok(
        conn.define_secret_xml(&public.as_xml(), 0).is_err(),
        "redefining it as public is refused",
    );
    t.err_code(
        s.value(0),
        ErrorNumber::InvalidSecret,
        "after the refused redefinition the value is still unreadable",
    );
    t.ok_result(s.undefine(), "undefine the private secret")?;
    Ok(())
}
