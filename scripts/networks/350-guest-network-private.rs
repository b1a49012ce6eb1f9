//! A guest NIC on a macvtap network in private mode over the first configured host NIC: the guest starts, and its host device is a macvtap in private mode on that NIC until the guest stops.

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
            forward: "private",
            kernel_mode: "private",
            nic_mac_restored: false,
        },
    )
}
