//! Defining a running transient pool from its own XML makes it persistent without stopping it; after destroy it stays defined until undefined.

use tck::prelude::*;
use tck::virt::storage::PoolDir;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let pool_xml = cx.pool(&name)?;
    let _dir = PoolDir::create(&pool_xml)?;
    let pool = t.ok_result(
        conn.create_storage_pool_xml(&pool_xml.as_xml(), 0),
        "create a transient pool",
    )?;
    let uuid = pool.uuid_string()?;
    t.ok(!pool.is_persistent()?, "the created pool is transient");

    let live = pool.xml_desc(0)?;
    let defined = t.ok_result(
        conn.define_storage_pool_xml(&live, 0),
        "define the pool from its live XML",
    )?;
    t.is(
        defined.uuid_string()?,
        uuid.as_str(),
        "the definition is the same pool (same UUID)",
    );
    t.ok(
        pool.is_persistent()? && pool.is_active()?,
        "the pool is now persistent and still active",
    );

    t.ok_result(pool.destroy(), "destroy the pool")?;
    t.ok(
        !conn.lookup_storage_pool_by_name(&name)?.is_active()?,
        "after destroy the pool is still defined, inactive",
    );
    t.ok_result(pool.undefine(), "undefine the pool")?;
    t.err_code(
        conn.lookup_storage_pool_by_name(&name),
        ErrorNumber::NoStoragePool,
        "lookup after undefine raises NoStoragePool",
    );
    Ok(())
}
