//! Toggles autostart on a persistent network while inactive and while running, and checks that the setting survives start and destroy.

use tck::prelude::*;
use tck::suite::autostart::persistent_toggles;
use virt::network::Network;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    persistent_toggles::<Network>(t, cx)
}
