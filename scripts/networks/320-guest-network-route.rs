//! A guest NIC on a routed network (forward mode route) on a free subnet: the guest starts, its NIC is on the network, and its host device is a port of the network's bridge until the guest stops.

use tck::prelude::*;
use tck::suite::guest_network::{on_subnet, SubnetNetwork};

pub const META: Meta = Meta {
    tags: &["network", "guest"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    on_subnet(
        t,
        cx,
        &SubnetNetwork {
            forward: Some("route"),
            create: "create a routed network on a free subnet",
            no_firewall_rules: false,
        },
    )
}
