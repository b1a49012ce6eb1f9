//! A qcow2 volume created with a backing store but no backing format gets the pool's default volume format written as the backing format — raw — never a format probed from the backing file, even when that file is itself a qcow2 image.
//!
//! The storage pool capabilities document each pool type's default volume
//! format (`<defaultFormat>`; raw for directory pools); a backing store
//! given without a format takes it. Probing instead would trust whatever
//! header a guest wrote into its disk: here the backing file really is
//! qcow2, so a probing driver would write "qcow2" and fail. The header is
//! read by tck itself.

use tck::prelude::*;
use tck::suite::qcow2_backing::{self, BackingStore};

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

const SCRIPT: BackingStore = BackingStore {
    base: ("base.qcow2", "qcow2"),
    base_sparse: false,
    create_base: "create a qcow2 base volume",
    backing_format: None,
    create_top: "create a qcow2 volume backed by it, without a backing format",
    xml_names_backing: "the volume XML gives the backing store the pool's default format",
    header_size: None,
    header_backing: [
        "the image header names the backing file",
        "the image header's backing-format extension gives the default format, not the probed one",
    ],
    deleted: None,
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    qcow2_backing::run(t, cx, &SCRIPT)
}
