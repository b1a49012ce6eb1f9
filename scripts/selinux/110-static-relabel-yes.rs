//! A static SELinux label with `relabel='yes'`: the guest runs with the given label, libvirt labels its image `svirt_image_t` with the same categories, and restores the image's label when the guest stops.

use tck::prelude::*;
use tck::virt::builders::{Disk, SecLabel};
use tck::virt::selinux::{domain_labels, file_label, SecurityContext, IMAGE_TYPE};

pub const META: Meta = Meta {
    requires: &[Require::Root, Require::LocalHost],
    tags: &["selinux", "security", "guest"],
    ..Meta::DEFAULT
};

const LABEL: &str = "system_u:system_r:svirt_t:s0:c392,c662";

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.precondition(cx.require_selinux())?;
    t.plan(6);
    let conn = cx.connect()?;
    let image = cx.scratch_file("disk.img")?;
    std::fs::write(&image, vec![0u8; 1 << 20])?;
    let before = file_label(&image)?;
    let xml = cx
        .domain(&cx.name("dom"))?
        .disk(Disk::file(&image.to_string_lossy(), "vda").format("raw"))
        .seclabel(
            SecLabel::new("selinux", "static")
                .relabel(true)
                .label(LABEL),
        )
        .as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&xml, 0),
        "start a guest with a static label and relabel='yes'",
    )?;
    let live = domain_labels(&dom.xml_desc(0)?).unwrap_or_default();
    t.is(
        live.label.as_deref(),
        Some(LABEL),
        "the guest's label is the static one",
    );
    let on_disk = file_label(&image)?
        .as_deref()
        .and_then(SecurityContext::parse);
    t.is(
        on_disk.as_ref().map(|c| c.type_.as_str()),
        Some(IMAGE_TYPE),
        "the image is relabelled svirt_image_t",
    );
    t.is(
        on_disk.as_ref().and_then(|c| c.categories()),
        Some("c392,c662"),
        "with the guest's categories",
    );
    t.ok_result(dom.destroy(), "destroy the guest")?;
    t.is(
        file_label(&image)?,
        before,
        "the image's label is restored after the guest stops",
    );
    Ok(())
}
