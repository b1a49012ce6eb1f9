//! A transient network cannot be marked for autostart: autostart reads false, setting it raises OperationInvalid and changes nothing.
//!
//! Autostart starts a network's persistent configuration when the daemon
//! starts; a transient network has none.

use tck::prelude::*;
use tck::suite::autostart::transient_refuses;
use virt::network::Network;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    transient_refuses::<Network>(t, cx)
}
