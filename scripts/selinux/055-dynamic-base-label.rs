//! Dynamic SELinux labelling from a base label: the guest runs with the base label's type (`svirt_tcg_t`) and fresh categories, its image gets the matching `svirt_image_t` label; once stopped, the defined guest keeps its base label while the generated labels are cleared and the image label restored.

use tck::prelude::*;
use tck::virt::builders::{Disk, SecLabel};
use tck::virt::selinux::{domain_labels, file_label, SecurityContext, IMAGE_TYPE, TCG_DOMAIN_TYPE};

pub const META: Meta = Meta {
    requires: &[Require::Root, Require::LocalHost],
    tags: &["selinux", "security", "guest"],
    ..Meta::DEFAULT
};

const BASE: &str = "system_u:system_r:svirt_tcg_t:s0";

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.precondition(cx.require_selinux())?;
    t.plan(10);
    let conn = cx.connect()?;
    let image = cx.scratch_file("disk.img")?;
    std::fs::write(&image, vec![0u8; 1 << 20])?;
    let before = file_label(&image)?;
    let xml = cx
        .domain(&cx.name("dom"))?
        .disk(Disk::file(&image.to_string_lossy(), "vda").format("raw"))
        .seclabel(SecLabel::new("selinux", "dynamic").base_label(BASE))
        .as_xml();
    let dom = t.ok_result(
        conn.define_domain_xml(&xml),
        "define a guest with a base label",
    )?;
    t.ok_result(dom.create(), "start it")?;
    let live = domain_labels(&dom.xml_desc(0)?).unwrap_or_default();
    let label = live.label.as_deref().and_then(SecurityContext::parse);
    let imagelabel = live.image_label.as_deref().and_then(SecurityContext::parse);
    t.is(
        label.as_ref().map(|c| c.type_.as_str()),
        Some(TCG_DOMAIN_TYPE),
        "the guest runs with the base label's type",
    );
    t.ok(
        label.as_ref().and_then(|c| c.categories()).is_some(),
        "the guest's label has categories of its own",
    );
    t.is(
        imagelabel.as_ref().map(|c| c.type_.as_str()),
        Some(IMAGE_TYPE),
        "its image label has type svirt_image_t",
    );
    t.is(
        file_label(&image)?,
        live.image_label.clone(),
        "the image file carries the image label",
    );
    t.ok_result(dom.destroy(), "destroy the guest")?;
    let stopped = domain_labels(&dom.xml_desc(0)?).unwrap_or_default();
    t.is(
        stopped.base_label.as_deref(),
        Some(BASE),
        "the stopped guest keeps its base label",
    );
    t.ok(
        stopped.label.is_none() && stopped.image_label.is_none(),
        "the generated labels are cleared",
    );
    t.is(file_label(&image)?, before, "the image's label is restored");
    dom.undefine()?;
    Ok(())
}
