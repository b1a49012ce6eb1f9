//! A guest NIC on a macvtap network in passthrough mode over the first configured host NIC: the guest starts, and its host device is a macvtap in passthru mode on that NIC until the guest stops.
//!
//! Passthrough takes the NIC for one guest alone, and libvirt gives it
//! the guest's MAC address while the guest runs (no other macvtap may sit
//! on it meanwhile), so the script runs with nothing else beside it.

use tck::prelude::*;
use tck::suite::guest_network::{on_macvtap, Macvtap};

pub const META: Meta = Meta {
    requires: &[Require::Resource(Resource::NetworkDevice)],
    tags: &["network", "guest", "host"],
    exclusive: true,
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    on_macvtap(
        t,
        cx,
        &Macvtap {
            forward: "passthrough",
            kernel_mode: "passthru",
            nic_mac_restored: true,
        },
    )
}
