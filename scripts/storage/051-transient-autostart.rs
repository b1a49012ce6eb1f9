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
use tck::virt::storage::PoolDir;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(6);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let pool_xml = cx.pool(&name)?;
    let _dir = PoolDir::create(&pool_xml)?;

    let pool = t.ok_result(
        conn.create_storage_pool_xml(&pool_xml.as_xml(), 0),
        "create_storage_pool_xml starts a transient pool",
    )?;
    t.is(
        pool.autostart()?,
        false,
        "autostart reads false on a transient pool",
    );
    t.err_code(
        pool.set_autostart(true),
        ErrorNumber::OperationInvalid,
        "set_autostart(true) on a transient pool raises OperationInvalid",
    );
    t.is(
        pool.autostart()?,
        false,
        "autostart still reads false after the refused change",
    );

    t.ok_result(pool.destroy(), "destroy stops the transient pool")?;
    t.err_code(
        conn.lookup_storage_pool_by_name(&name),
        ErrorNumber::NoStoragePool,
        "lookup after destroy raises NoStoragePool",
    );
    Ok(())
}
