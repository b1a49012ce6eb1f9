//! Dynamic SELinux labelling: the running guest gets a `svirt_t` process label and its disk image a `svirt_image_t` label with the same categories (the process really runs with that label), and the image's label is restored when the guest stops.

use tck::prelude::*;
use tck::virt::builders::{Disk, SecLabel};
use tck::virt::selinux::{domain_labels, file_label, SecurityContext, DOMAIN_TYPE, IMAGE_TYPE};
use tck::virt::shim::domain_security_label;

pub const META: Meta = Meta {
    requires: &[Require::Root, Require::LocalHost],
    tags: &["selinux", "security", "guest"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.precondition(cx.require_selinux())?;
    t.plan(9);
    let conn = cx.connect()?;
    let image = cx.scratch_file("disk.img")?;
    std::fs::write(&image, vec![0u8; 1 << 20])?;
    let before = file_label(&image)?;
    let xml = cx
        .domain(&cx.name("dom"))?
        .disk(Disk::file(&image.to_string_lossy(), "vda").format("raw"))
        .seclabel(SecLabel::new("selinux", "dynamic"))
        .as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "start a guest with a dynamic SELinux label",
    )?;
    let live = domain_labels(&dom.xml_desc(0)?).unwrap_or_default();
    let label = live.label.as_deref().and_then(SecurityContext::parse);
    let imagelabel = live.image_label.as_deref().and_then(SecurityContext::parse);
    t.is(
        label.as_ref().map(|c| c.type_.as_str()),
        Some(DOMAIN_TYPE),
        "the guest's label has type svirt_t",
    );
    t.is(
        imagelabel.as_ref().map(|c| c.type_.as_str()),
        Some(IMAGE_TYPE),
        "its image label has type svirt_image_t",
    );
    t.ok(
        label.as_ref().and_then(|c| c.categories()).is_some()
            && label.as_ref().and_then(|c| c.categories())
                == imagelabel.as_ref().and_then(|c| c.categories()),
        "the guest and its image share their categories",
    );
    let process = t.ok_result(
        domain_security_label(&dom),
        "get the running process's label",
    )?;
    t.is(
        Some(process.0),
        live.label.clone(),
        "the QEMU process runs with the guest's label",
    );
    t.is(
        file_label(&image)?,
        live.image_label.clone(),
        "the image file carries the image label",
    );
    t.ok_result(dom.destroy(), "destroy the guest")?;
    t.is(
        file_label(&image)?,
        before,
        "the image's label is restored after the guest stops",
    );
    Ok(())
}
