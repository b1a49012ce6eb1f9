//! Re-creating a domain under the same name with a new UUID reports the new UUID everywhere: handles, lookups by name and by UUID must not serve a cached old domain.

use tck::prelude::*;
use tck::suite::unique_id::recreate_with_new_uuid;
use virt::domain::Domain;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    recreate_with_new_uuid::<Domain>(t, cx)
}
