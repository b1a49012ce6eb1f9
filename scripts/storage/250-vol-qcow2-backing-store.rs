//! A qcow2 volume created with a raw backing store: the volume XML names the backing file and its format, and the image's own header (read by tck, not by qemu-img) names the backing file and carries the backing-format extension saying "raw".
//!
//! The backing-format header extension (type 0xE2792ACA) is what stops
//! QEMU from probing the backing file's format, which a guest writing a
//! fake qcow2 header into a raw backing file could otherwise exploit.

use std::path::Path;
use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::storage::qcow2::Qcow2Header;
use tck::virt::storage::{local_file, volume_xml};
use virt::storage_vol::StorageVol;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

const HEADER: [&str; 3] = [
    "the image header is a readable qcow2 header of the volume's capacity",
    "the image header names the backing file",
    "the image header's backing-format extension says raw",
];

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let base = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("base.raw")
                .capacity(Size::mib(16))
                .allocation(Size::bytes(0))
                .format("raw")
                .as_xml(),
            0,
        ),
        "create a raw base volume",
    )?;
    let base_path = base.path()?;
    let top = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("top.qcow2")
                .capacity(Size::mib(16))
                .format("qcow2")
                .backing(&base_path, Some("raw"))
                .as_xml(),
            0,
        ),
        "create a qcow2 volume backed by it, format raw",
    )?;
    let xml = volume_xml(&top)?;
    t.is(
        (
            xml.find_text("backingStore/path"),
            xml.find_attr("backingStore/format", "type"),
        ),
        (Some(base_path.clone()), Some("raw")),
        "the volume XML names the backing file and format raw",
    );

    match local_file(&top.path()?) {
        Err(why) => {
            for d in HEADER {
                t.skip_point(d, &why);
            }
        }
        Ok(file) => match Qcow2Header::read(&file) {
            Ok(h) => {
                t.is(h.size, top.info()?.capacity, HEADER[0]);
                t.is(
                    h.backing_file.as_deref(),
                    Some(base_path.as_str()),
                    HEADER[1],
                );
                t.is(h.backing_format().as_deref(), Some("raw"), HEADER[2]);
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
    t.ok(!Path::new(&base_path).exists(), "the volumes are deleted");
    pool.destroy()?;
    Ok(())
}
