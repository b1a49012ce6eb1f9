//! A qcow2 volume created with a raw backing store: the volume XML names the backing file and its format, and the image's own header (read by tck, not by qemu-img) names the backing file and carries the backing-format extension saying "raw".
//!
//! The backing-format header extension (type 0xE2792ACA) is what stops
//! QEMU from probing the backing file's format, which a guest writing a
//! fake qcow2 header into a raw backing file could otherwise exploit.

use tck::prelude::*;
use tck::suite::qcow2_backing::{self, BackingStore};

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

const SCRIPT: BackingStore = BackingStore {
    base: ("base.raw", "raw"),
    base_sparse: true,
    create_base: "create a raw base volume",
    backing_format: Some("raw"),
    create_top: "create a qcow2 volume backed by it, format raw",
    xml_names_backing: "the volume XML names the backing file and format raw",
    header_size: Some("the image header is a readable qcow2 header of the volume's capacity"),
    header_backing: [
        "the image header names the backing file",
        "the image header's backing-format extension says raw",
    ],
    deleted: Some("the volumes are deleted"),
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    qcow2_backing::run(t, cx, &SCRIPT)
}
