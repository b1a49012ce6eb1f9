//! The domain XML inside a save image, for a transient and a persistent guest: it names the saved domain, a redefined XML (with a new description) replaces it, and the guest restored from the image runs with the new description; a file of garbage is rejected as a save image.

use tck::prelude::*;
use tck::virt::shim::domain_save;
use tck::virt::storage::content::pattern;
use tck::virt::xmltree::Element;

pub const META: Meta = Meta {
    tags: &["guest"],
    ..Meta::DEFAULT
};

const DESCRIPTION: &str = "redefined inside the save image by tck";

fn parse(xml: &str) -> Result<Element, Stop> {
    Element::parse(xml)
        .map_err(|e| Stop::Error(format!("the domain XML is not well-formed: {e}\n{xml}")))
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(23);
    let conn = cx.connect()?;

    for kind in ["transient", "persistent"] {
        let name = cx.name(kind);
        let xml = cx.domain(&name)?.as_xml();
        let dom = if kind == "transient" {
            t.ok_result(conn.create_domain_xml(&xml, 0), "transient: start a guest")?
        } else {
            let dom = t.ok_result(conn.define_domain_xml(&xml), "persistent: define a guest")?;
            t.ok_result(dom.create(), "persistent: start the guest")?;
            dom
        };
        let uuid = dom.uuid_string()?;
        let image = cx.scratch_file(&format!("{kind}.save"))?;
        let image_str = image.to_string_lossy().into_owned();
        t.ok_result(
            domain_save(&dom, &image),
            &format!("{kind}: save the running guest"),
        )?;

        let saved = parse(&t.ok_result(
            conn.save_image_xml_desc(&image_str, 0),
            &format!("{kind}: read the domain XML in the save image"),
        )?)?;
        t.is(
            (saved.find_text("name"), saved.find_text("uuid")),
            (Some(name.clone()), Some(uuid.clone())),
            &format!("{kind}: the save image XML names the saved domain"),
        );

        let mut changed = saved.clone();
        changed.push(Element::with_text("description", DESCRIPTION));
        t.ok_result(
            conn.save_image_define_xml(&image_str, &changed.to_xml(), 0),
            &format!("{kind}: redefine the save image XML with a description"),
        )?;
        t.is(
            parse(&conn.save_image_xml_desc(&image_str, 0)?)?.find_text("description"),
            Some(DESCRIPTION.to_string()),
            &format!("{kind}: the save image XML now has the description"),
        );

        t.ok_result(
            conn.restore_domain(&image_str),
            &format!("{kind}: restore the guest from the image"),
        )?;
        let back = conn.lookup_domain_by_name(&name)?;
        t.ok(
            back.is_active()?
                && parse(&back.xml_desc(0)?)?
                    .find_text("description")
                    .as_deref()
                    == Some(DESCRIPTION),
            &format!("{kind}: the restored guest runs with the redefined description"),
        );
        t.ok_result(back.destroy(), &format!("{kind}: stop the restored guest"))?;
        if kind == "persistent" {
            t.ok_result(back.undefine(), "persistent: undefine the guest")?;
        }
        std::fs::remove_file(&image)?;
    }

    // Not a save image: 4 MiB of a pattern.
    let garbage = cx.scratch_file("garbage.save")?;
    std::fs::write(&garbage, pattern(9, 4 << 20))?;
    let garbage = garbage.to_string_lossy().into_owned();
    t.err_any(
        conn.save_image_xml_desc(&garbage, 0),
        "reading the XML of a garbage image fails",
    );
    t.err_any(
        conn.save_image_define_xml(&garbage, &cx.domain(&cx.name("garbage"))?.as_xml(), 0),
        "redefining the XML of a garbage image fails",
    );
    t.err_any(
        conn.restore_domain(&garbage),
        "restoring from a garbage image fails",
    );
    std::fs::remove_file(&garbage)?;
    Ok(())
}
