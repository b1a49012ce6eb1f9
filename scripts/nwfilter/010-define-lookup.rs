//! Defines a filter, finds it by name, UUID and in the list, redefines it in place (same UUID, new rules), refuses a second filter that reuses its name or UUID, and after undefine every lookup raises NoNwfilter.

use tck::prelude::*;
use tck::virt::builders::{random_uuid, Rule};
use tck::virt::xmltree::Element;

pub const META: Meta = Meta {
    tags: &["nwfilter"],
    priority: 0,
    ..Meta::DEFAULT
};

fn port_of(xml: &str) -> Option<String> {
    let e = Element::parse(xml).ok()?;
    e.find_attr("rule/tcp", "dstportstart").map(str::to_string)
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(16);
    let conn = cx.connect()?;
    let name = cx.name("f");
    let filter = |port: &str| {
        cx.nwfilter(&name)
            .chain("ipv4")
            .rule(Rule::new("accept", "in").protocol("tcp", &[("dstportstart", port)]))
    };

    let f = t.ok_result(
        conn.define_nwfilter_xml(&filter("22").as_xml()),
        "define a filter",
    )?;
    let uuid = f.uuid_string()?;
    let by_name = t.ok_result(conn.lookup_nwfilter_by_name(&name), "lookup by name")?;
    t.is(
        by_name.uuid_string()?,
        uuid.as_str(),
        "lookup by name gives the filter's UUID",
    );
    let by_uuid = t.ok_result(
        conn.lookup_nwfilter_by_uuid_string(&uuid),
        "lookup by UUID string",
    )?;
    t.is(
        by_uuid.name()?,
        name.as_str(),
        "lookup by UUID gives the filter's name",
    );
    let listed = conn.list_all_nw_filters(0)?;
    t.ok(
        listed.iter().any(|l| l.name().is_ok_and(|n| n == name)),
        "the filter is listed",
    );
    let xml = f.xml_desc(0)?;
    t.is(
        port_of(&xml),
        Some("22".to_string()),
        "its XML has the defined rule",
    );

    // A redefinition names the filter's UUID, as its XML does (without
    // one, libvirt would generate a new UUID: refused below).
    let again = t.ok_result(
        conn.define_nwfilter_xml(&filter("2222").uuid(&uuid).as_xml()),
        "redefine the filter, by its UUID, with another rule",
    )?;
    t.is(
        again.uuid_string()?,
        uuid.as_str(),
        "the redefined filter keeps its UUID",
    );
    t.is(
        port_of(&by_name.xml_desc(0)?),
        Some("2222".to_string()),
        "the filter's XML has the new rule",
    );

    let other_uuid = random_uuid()?;
    t.err_code(
        conn.define_nwfilter_xml(&filter("22").uuid(&other_uuid).as_xml()),
        ErrorNumber::OperationFailed,
        "a filter with the same name and another UUID is refused",
    );
    let twin = cx.nwfilter(&cx.name("twin")).uuid(&uuid).chain("ipv4");
    t.err_code(
        conn.define_nwfilter_xml(&twin.as_xml()),
        ErrorNumber::OperationFailed,
        "a filter with another name and the same UUID is refused",
    );

    t.ok_result(f.undefine(), "undefine the filter")?;
    t.err_code(
        conn.lookup_nwfilter_by_name(&name),
        ErrorNumber::NoNwfilter,
        "lookup by name after undefine raises NoNwfilter",
    );
    t.err_code(
        conn.lookup_nwfilter_by_uuid_string(&uuid),
        ErrorNumber::NoNwfilter,
        "lookup by UUID after undefine raises NoNwfilter",
    );
    t.err_code(
        by_name.undefine(),
        ErrorNumber::NoNwfilter,
        "undefining it again raises NoNwfilter",
    );
    Ok(())
}
