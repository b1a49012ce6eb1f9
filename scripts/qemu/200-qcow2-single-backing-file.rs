//! A qcow2 overlay given to a guest as a raw disk: libvirt grants the guest's QEMU process its image and nothing behind it — QEMU may read and write the overlay file, but not its backing file — and restores the image's owner when the guest stops.
//!
//! A disk labelled raw has no backing chain, whatever its content says;
//! following the qcow2 header's backing file would let a guest that writes
//! such a header into its raw disk open any host file. How access is
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
            may_desc: "QEMU may not open the backing file behind the raw-labelled image",
        },
        Image {
            name: "top.qcow2",
            format: "qcow2",
            backing_format: Some("raw"),
            create: "create a qcow2 overlay backed by it",
            may: May::ReadWrite,
            may_desc: "QEMU may read and write the overlay image",
        },
    ],
    disk_format: Some("raw"),
    guest_starts: "a guest with the overlay as a raw disk starts",
    live_chain: 1,
    live_format: None,
    live_desc: "the live XML shows no backing chain behind the raw disk",
    owner_restored: true,
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    qcow2_access::run(t, cx, &SCRIPT)
}
