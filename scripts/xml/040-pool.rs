//! A directory pool's configuration (target path and permissions) is kept in its dump, and define → dump → redefine → dump gives identical XML.

use tck::prelude::*;
use tck::virt::xmltree::Element;

/// The pool is never started, so its plain dump is its persistent
/// configuration (the INACTIVE flag, which the test driver lacks, would
/// change nothing).
const INACTIVE: u32 = 0;

pub const META: Meta = Meta {
    tags: &["xml", "storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let builder = cx.pool(&name)?.permissions(Some(0o750), Some(0), Some(0));
    let dir = builder.target_path().unwrap_or_default().to_string();
    let p = t.ok_result(
        conn.define_storage_pool_xml(&builder.as_xml(), 0),
        "define a directory pool",
    )?;
    let first = p.xml_desc(INACTIVE)?;
    let e = Element::parse(&first).map_err(|e| e.to_string())?;
    t.is(
        (
            e.get_attr("type"),
            e.find_text("name"),
            e.find_text("target/path"),
        ),
        (Some("dir"), Some(name.clone()), Some(dir.clone())),
        "the dump keeps the pool type, name and directory",
    );
    t.is(
        (
            e.find_text("target/permissions/mode"),
            e.find_text("target/permissions/owner"),
        ),
        (Some("0750".to_string()), Some("0".to_string())),
        "the dump keeps the directory's mode and owner",
    );

    let again = t.ok_result(
        conn.define_storage_pool_xml(&first, 0),
        "redefine the pool from its dump",
    )?;
    t.same_text(
        &again.xml_desc(INACTIVE)?,
        &first,
        "the second dump is identical to the first",
    );
    t.ok_result(p.undefine(), "undefine the pool")?;
    let fresh = conn.define_storage_pool_xml(&first, 0)?;
    t.same_text(
        &fresh.xml_desc(INACTIVE)?,
        &first,
        "a new pool defined from the dump dumps identically",
    );
    fresh.undefine()?;
    Ok(())
}
