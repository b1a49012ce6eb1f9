//! A qcow2 volume created with a backing store but no backing format gets the pool's default volume format written as the backing format — raw — never a format probed from the backing file, even when that file is itself a qcow2 image.
//!
//! The storage pool capabilities document each pool type's default volume
//! format (`<defaultFormat>`; raw for directory pools); a backing store
//! given without a format takes it. Probing instead would trust whatever
//! header a guest wrote into its disk: here the backing file really is
//! qcow2, so a probing driver would write "qcow2" and fail. The header is
//! read by tck itself.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::storage::qcow2::Qcow2Header;
use tck::virt::storage::{local_file, volume_xml, DirVolumeFormats};
use virt::storage_vol::StorageVol;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

const HEADER: [&str; 2] = [
    "the image header names the backing file",
    "the image header's backing-format extension gives the default format, not the probed one",
];

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(5);
    let conn = cx.connect()?;
    let default = DirVolumeFormats::of(conn)?
        .and_then(|d| d.default)
        .unwrap_or_else(|| "raw".to_string());
    t.note(&format!(
        "the default volume format of directory pools is {default}"
    ));
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let base = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("base.qcow2")
                .capacity(Size::mib(16))
                .format("qcow2")
                .as_xml(),
            0,
        ),
        "create a qcow2 base volume",
    )?;
    let base_path = base.path()?;
    let top = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("top.qcow2")
                .capacity(Size::mib(16))
                .format("qcow2")
                .backing(&base_path, None)
                .as_xml(),
            0,
        ),
        "create a qcow2 volume backed by it, without a backing format",
    )?;
    let xml = volume_xml(&top)?;
    t.is(
        (
            xml.find_text("backingStore/path"),
            xml.find_attr("backingStore/format", "type"),
        ),
        (Some(base_path.clone()), Some(default.as_str())),
        "the volume XML gives the backing store the pool's default format",
    );

    match local_file(&top.path()?) {
        Err(why) => {
            for d in HEADER {
                t.skip_point(d, &why);
            }
        }
        Ok(file) => match Qcow2Header::read(&file) {
            Ok(h) => {
                t.is(
                    h.backing_file.as_deref(),
                    Some(base_path.as_str()),
                    HEADER[0],
                );
                t.is(
                    h.backing_format().as_deref(),
                    Some(default.as_str()),
                    HEADER[1],
                );
            }
            Err(e) => {
                for d in HEADER {
                    t.fail(
                        d,
                        Yaml::map([("error", Yaml::Str(format!("{}: {e}", file.display())))]),
                    );
                }
            }
        },
    }
    top.delete(0)?;
    base.delete(0)?;
    pool.destroy()?;
    Ok(())
}
