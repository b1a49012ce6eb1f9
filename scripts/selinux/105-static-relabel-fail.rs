//! A static SELinux label with `relabel='no'` and an image labelled for other categories: with SELinux enforcing the guest cannot open its disk and does not start, and the image's label is left untouched.

use tck::prelude::*;
use tck::virt::builders::{Disk, SecLabel};
use tck::virt::selinux::{enforcing, file_label, set_file_label};

pub const META: Meta = Meta {
    requires: &[Require::Root, Require::LocalHost],
    tags: &["selinux", "security", "guest"],
    ..Meta::DEFAULT
};

const LABEL: &str = "system_u:system_r:svirt_t:s0:c392,c662";
const WRONG: &str = "system_u:object_r:svirt_image_t:s0:c1,c2";

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.precondition(cx.require_selinux())?;
    if enforcing() != Some(true) {
        return Err(t.skip_all("requires SELinux in enforcing mode: in permissive mode a wrong label cannot stop the guest"));
    }
    t.plan(3);
    let conn = cx.connect()?;
    let image = cx.scratch_file("disk.img")?;
    std::fs::write(&image, vec![0u8; 1 << 20])?;
    set_file_label(&image, WRONG)?;
    t.is(
        file_label(&image)?.as_deref(),
        Some(WRONG),
        "label the image for other categories",
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
    match conn.create_domain_xml(&xml, 0) {
        Ok(d) => {
            let _ = d.destroy();
            t.fail(
                "a guest whose image is labelled for other categories does not start",
                Yaml::map([("got", Yaml::Str("the guest started".into()))]),
            );
        }
        Err(e) => {
            t.note(&format!("start refused: {}", LibvirtError::from(e)));
            t.pass("a guest whose image is labelled for other categories does not start");
        }
    }
    t.is(
        file_label(&image)?.as_deref(),
        Some(WRONG),
        "the image's label is untouched",
    );
    Ok(())
}
