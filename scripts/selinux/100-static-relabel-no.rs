//! A static SELinux label with `relabel='no'`: the guest runs with exactly the given label, and libvirt leaves the image's manually set label alone, while the guest runs and after it stops.

use tck::prelude::*;
use tck::virt::builders::{Disk, SecLabel};
use tck::virt::selinux::{domain_labels, file_label, set_file_label, PermissiveGuard};
use tck::virt::shim::domain_security_label;

pub const META: Meta = Meta {
    // Permissive mode, for the guest's start, is host-wide: for everyone on
    // the host (--disruptive), and with no other script beside it.
    requires: &[Require::Root, Require::LocalHost, Require::Disruptive],
    tags: &["selinux", "security", "guest", "disruptive"],
    exclusive: true,
    ..Meta::DEFAULT
};

const LABEL: &str = "system_u:system_r:svirt_t:s0:c392,c662";
const IMAGE: &str = "system_u:object_r:svirt_image_t:s0:c392,c662";

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.precondition(cx.require_selinux())?;
    t.plan(8);
    let conn = cx.connect()?;
    let image = cx.scratch_file("disk.img")?;
    std::fs::write(&image, vec![0u8; 1 << 20])?;
    set_file_label(&image, IMAGE)?;
    t.is(
        file_label(&image)?.as_deref(),
        Some(IMAGE),
        "label the image by hand",
    );
    let xml = cx
        .domain(&cx.name("dom"))?
        .disk(Disk::file(&image.to_string_lossy(), "vda").format("raw"))
        .seclabel(
            SecLabel::new("selinux", "static")
                .relabel(false)
                .label(LABEL),
        )
        .as_xml();
    // The scratch directory's own labels are not the guest's business:
    // start in permissive mode (put back right after the start).
    let dom = {
        let _permissive = PermissiveGuard::new()?;
        t.ok_result(
            conn.create_domain_xml(&xml, 0),
            "start a guest with a static label and relabel='no'",
        )?
    };
    let live = domain_labels(&dom.xml_desc(0)?).unwrap_or_default();
    t.is(
        live.label.as_deref(),
        Some(LABEL),
        "the guest's label is the static one",
    );
    t.is(
        live.relabel.as_deref(),
        Some("no"),
        "and it is not relabelled",
    );
    let process = t.ok_result(
        domain_security_label(&dom),
        "get the running process's label",
    )?;
    t.is(
        process.0.as_str(),
        LABEL,
        "the QEMU process runs with the static label",
    );
    t.is(
        file_label(&image)?.as_deref(),
        Some(IMAGE),
        "the image keeps its manual label while the guest runs",
    );
    dom.destroy()?;
    t.is(
        file_label(&image)?.as_deref(),
        Some(IMAGE),
        "and after the guest stops",
    );
    Ok(())
}
