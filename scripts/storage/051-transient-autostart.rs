//! A transient pool cannot be marked for autostart: autostart reads false, setting it raises OperationInvalid and changes nothing.
//!
//! Autostart starts a pool's persistent configuration when the daemon
//! starts; a transient pool has none. libvirt's error codes document
//! OPERATION_INVALID as "operation is not applicable at this time" (the
//! object's state forbids it) and INTERNAL_ERROR as a libvirt bug, and
//! the domain and network drivers refuse the same request on transient
//! objects with OPERATION_INVALID. The Perl kit expected INTERNAL_ERROR
//! here, enshrining what the storage driver happens to raise; this script
//! expects the documented code, so a driver that raises another fails
//! with the code it raised.

use tck::prelude::*;
use tck::suite::autostart::transient_refuses;
use virt::storage_pool::StoragePool;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    transient_refuses::<StoragePool>(t, cx)
}
