//! Filter references: a filter may reference one that is not defined yet; a reference loop (through another filter or to itself) is refused; a filter that another filter references, but no running guest uses, can be undefined, leaving the reference in place.

use tck::prelude::*;
use tck::virt::builders::Rule;
use tck::virt::xmltree::Element;

pub const META: Meta = Meta {
    tags: &["nwfilter"],
    ..Meta::DEFAULT
};

fn refs(xml: &str) -> Vec<String> {
    Element::parse(xml)
        .map(|e| {
            e.find_all("filterref")
                .iter()
                .filter_map(|r| r.get_attr("filter").map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(11);
    let conn = cx.connect()?;
    let (a, b, c) = (cx.name("a"), cx.name("b"), cx.name("c"));

    let fa = t.ok_result(
        conn.define_nwfilter_xml(&cx.nwfilter(&a).filterref(&b, &[]).as_xml()),
        "a filter referencing an undefined filter is defined",
    )?;
    t.is(
        refs(&fa.xml_desc(0)?),
        vec![b.clone()],
        "its XML keeps the reference",
    );

    t.err_code(
        conn.define_nwfilter_xml(&cx.nwfilter(&b).filterref(&a, &[]).as_xml()),
        ErrorNumber::OperationFailed,
        "a filter closing a reference loop is refused",
    );
    t.err_code(
        conn.lookup_nwfilter_by_name(&b),
        ErrorNumber::NoNwfilter,
        "the refused filter is not defined",
    );
    t.err_code(
        conn.define_nwfilter_xml(&cx.nwfilter(&c).filterref(&c, &[]).as_xml()),
        ErrorNumber::OperationFailed,
        "a filter referencing itself is refused",
    );

    let rule = Rule::new("drop", "inout").protocol("all", &[]);
    let fb = t.ok_result(
        conn.define_nwfilter_xml(&cx.nwfilter(&b).chain("ipv4").rule(rule).as_xml()),
        "the referenced filter is defined",
    )?;
    t.ok_result(
        fb.undefine(),
        "a filter referenced only by another filter can be undefined",
    )?;
    t.err_code(
        conn.lookup_nwfilter_by_name(&b),
        ErrorNumber::NoNwfilter,
        "the undefined referenced filter is gone",
    );
    let still = t.ok_result(
        conn.lookup_nwfilter_by_name(&a),
        "the referencing filter is still defined",
    )?;
    t.is(
        refs(&still.xml_desc(0)?),
        vec![b.clone()],
        "and still references it",
    );
    t.ok_result(fa.undefine(), "undefine the referencing filter")?;
    Ok(())
}
