//! Defining a domain checks name and UUID uniqueness: the same name and UUID redefines it, another name with its UUID or its name with another UUID is refused, while inactive and while running.

use tck::prelude::*;
use tck::suite::unique_id::define_twice;
use virt::domain::Domain;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    define_twice::<Domain>(t, cx)
}
