//! Defining a pool checks name and UUID uniqueness: the same name and UUID redefines it, another name with its UUID or its name with another UUID is refused, while inactive and while running.

use tck::prelude::*;
use tck::suite::unique_id::define_twice;
use virt::storage_pool::StoragePool;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    define_twice::<StoragePool>(t, cx)
}
