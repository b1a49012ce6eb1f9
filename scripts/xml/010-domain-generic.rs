//! The generic guest's configuration is a fixed point: define, dump the inactive XML, redefine from the dump, dump again — the two dumps are identical, and so is the dump of a fresh definition from it.

use tck::prelude::*;
use tck::virt::xmltree::Element;
use virt::sys::VIR_DOMAIN_XML_INACTIVE as INACTIVE;

pub const META: Meta = Meta {
    tags: &["xml"],
    priority: 0,
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let builder = cx.domain(&name)?;
    let dom = t.ok_result(
        conn.define_domain_xml(&builder.as_xml()),
        "define the generic guest",
    )?;
    let first = dom.xml_desc(INACTIVE)?;
    let e = Element::parse(&first).map_err(|e| e.to_string())?;
    t.is(
        (
            e.get_attr("type"),
            e.find_text("name"),
            e.find_text("os/type"),
        ),
        (
            Some(builder.domain_type()),
            Some(name.clone()),
            Some(builder.os_type().to_string()),
        ),
        "the dump keeps the domain type, name and os type",
    );
    t.is(
        e.find_text("memory"),
        Some(builder.memory_value().in_kib().to_string()),
        "the dump keeps the memory size (in KiB)",
    );

    let again = t.ok_result(
        conn.define_domain_xml(&first),
        "redefine the guest from its dump",
    )?;
    t.is(
        again.uuid_string()?,
        dom.uuid_string()?,
        "the redefinition updates the same guest",
    );
    t.same_text(
        &again.xml_desc(INACTIVE)?,
        &first,
        "the second dump is identical to the first",
    );

    t.ok_result(dom.undefine(), "undefine the guest")?;
    let fresh = t.ok_result(
        conn.define_domain_xml(&first),
        "define a new guest from the dump",
    )?;
    t.same_text(
        &fresh.xml_desc(INACTIVE)?,
        &first,
        "the new guest's dump is identical too",
    );
    fresh.undefine()?;
    Ok(())
}
