//! A chain of three images, base ← middle ← top, where top's header labels the middle image raw (although it is qcow2): a guest using top as a qcow2 disk gets top and the middle image, and nothing behind the middle one — QEMU may not open base.
//!
//! A backing file labelled raw ends the chain, whatever its content says;
//! following the middle image's own qcow2 header would let a guest that
//! writes such a header into a raw image open any host file. How access is
//! decided, and the chain's starting owner and mode:
//! src/suite/qcow2_access.rs.

use tck::prelude::*;
use tck::suite::qcow2_access::{self, Image, May, Qcow2Access};

pub const META: Meta = Meta {
    requires: &[
        Require::Root,
        Require::LocalHost,
        Require::Driver(&["QEMU"]),
    ],
    tags: &["storage", "guest", "security"],
    ..Meta::DEFAULT
};

const SCRIPT: Qcow2Access = Qcow2Access {
    chain: &[
        Image {
            name: "base.raw",
            format: "raw",
            backing_format: None,
            create: "create a raw base volume",
            may: May::Nothing,
            may_desc: "QEMU may not open the base image behind the raw label",
        },
        Image {
            name: "mid.qcow2",
            format: "qcow2",
            backing_format: Some("raw"),
            create: "create a qcow2 middle image backed by it",
            may: May::Read,
            may_desc: "QEMU may read the middle image",
        },
        Image {
            name: "top.qcow2",
            format: "qcow2",
            backing_format: Some("raw"),
            create: "create a qcow2 top image backed by the middle one, labelled raw",
            may: May::ReadWrite,
            may_desc: "QEMU may read and write the top image",
        },
    ],
    disk_format: Some("qcow2"),
    guest_starts: "a guest with the top image as a qcow2 disk starts",
    live_chain: 2,
    live_format: None,
    live_desc: "the live XML shows the middle image in the chain and nothing behind it",
    owner_restored: false,
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    qcow2_access::run(t, cx, &SCRIPT)
}
