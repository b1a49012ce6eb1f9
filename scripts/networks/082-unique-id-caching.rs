//! Re-creating a network under the same name with a new UUID reports the new UUID everywhere: handles, lookups by name and by UUID must not serve a cached old network.

use tck::prelude::*;
use tck::suite::unique_id::recreate_with_new_uuid;
use virt::network::Network;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    recreate_with_new_uuid::<Network>(t, cx)
}
