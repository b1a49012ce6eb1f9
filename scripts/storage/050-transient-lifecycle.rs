//! Creates a transient directory pool, checks that it is active and not persistent, destroys it, and checks that it is gone by name and by UUID.

use tck::prelude::*;
use tck::virt::storage::PoolDir;

pub const META: Meta = Meta {
    tags: &["storage"],
    priority: 0,
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let pool_xml = cx.pool(&name)?;
    let _dir = PoolDir::create(&pool_xml)?;

    let pool = t.ok_result(
        conn.create_storage_pool_xml(&pool_xml.as_xml(), 0),
        "create_storage_pool_xml starts a transient pool",
    )?;
    let uuid = pool.uuid_string()?;
    t.is(
        pool.name()?,
        name.as_str(),
        "the pool has the name its XML gives",
    );
    t.ok(pool.is_active()?, "the created pool is active");
    t.ok(!pool.is_persistent()?, "the created pool is not persistent");

    t.ok_result(pool.destroy(), "destroy stops the transient pool")?;
    // The Perl original looked up a different name here, so its check
    // could never fail; this one looks up the pool it destroyed.
    t.err_code(
        conn.lookup_storage_pool_by_name(&name),
        ErrorNumber::NoStoragePool,
        "lookup by name after destroy raises NoStoragePool",
    );
    t.err_code(
        conn.lookup_storage_pool_by_uuid_string(&uuid),
        ErrorNumber::NoStoragePool,
        "lookup by UUID after destroy raises NoStoragePool",
    );
    Ok(())
}
