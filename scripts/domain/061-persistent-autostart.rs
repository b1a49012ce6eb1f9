//! Toggles autostart on a persistent domain while inactive and while running, and checks that the setting survives start and destroy.

use tck::prelude::*;
use tck::suite::autostart::persistent_toggles;
use virt::domain::Domain;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    persistent_toggles::<Domain>(t, cx)
}
