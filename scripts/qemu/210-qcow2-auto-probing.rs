//! A disk whose XML names no format is raw — libvirt does not probe it: with a chain base ← middle ← top of qcow2 images (each labelled qcow2), a guest given top without a format gets top only, and QEMU may open neither backing file.
//!
//! Probing the format of a guest-writable image would let a guest that
//! writes a qcow2 header into it open any host file as its backing file;
//! libvirt treats a disk with no format as raw instead. How access is
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
            may_desc: "QEMU may not open the base image",
        },
        Image {
            name: "mid.qcow2",
            format: "qcow2",
            backing_format: Some("raw"),
            create: "create a qcow2 middle image backed by it",
            may: May::Nothing,
            may_desc: "QEMU may not open the middle image",
        },
        Image {
            name: "top.qcow2",
            format: "qcow2",
            backing_format: Some("qcow2"),
            create: "create a qcow2 top image backed by the middle one, labelled qcow2",
            may: May::ReadWrite,
            may_desc: "QEMU may read and write the top image",
        },
    ],
    disk_format: None,
    guest_starts: "a guest with the top image as a disk of no format starts",
    live_chain: 1,
    live_format: Some("raw"),
    live_desc: "the live XML gives the disk format raw and no backing chain",
    owner_restored: false,
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    qcow2_access::run(t, cx, &SCRIPT)
}
