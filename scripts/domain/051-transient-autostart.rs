//! A transient domain cannot be marked for autostart: autostart reads false, setting it raises OperationInvalid and changes nothing.
//!
//! Autostart starts a domain's persistent configuration when the host
//! boots; a transient domain has none, so every stateful driver refuses it.

use tck::prelude::*;
use tck::suite::autostart::transient_refuses;
use virt::domain::Domain;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    transient_refuses::<Domain>(t, cx)
}
