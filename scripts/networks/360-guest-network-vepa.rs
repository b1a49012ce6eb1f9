//! A guest NIC on a macvtap network in VEPA mode over the first configured host NIC: the guest starts, and its host device is a macvtap in VEPA mode on that NIC until the guest stops.

use tck::prelude::*;
use tck::suite::guest_network::{on_macvtap, Macvtap};

pub const META: Meta = Meta {
    requires: &[Require::Resource(Resource::NetworkDevice)],
    tags: &["network", "guest", "host"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    on_macvtap(
        t,
        cx,
        &Macvtap {
            forward: "vepa",
            kernel_mode: "vepa",
            nic_mac_restored: false,
        },
    )
}
