//! Re-creating a pool under the same name with a new UUID reports the new UUID everywhere: handles, lookups by name and by UUID must not serve a cached old pool.

use tck::prelude::*;
use tck::virt::builders::random_uuid;
use tck::virt::storage::PoolDir;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let (first, second) = (random_uuid()?, random_uuid()?);
    let _dir = PoolDir::create(&cx.pool(&name)?)?;

    let old = t.ok_result(
        conn.create_storage_pool_xml(&cx.pool(&name)?.uuid(&first).as_xml(), 0),
        "create the pool with a first UUID",
    )?;
    t.is(
        old.uuid_string()?,
        first.as_str(),
        "the pool reports the first UUID",
    );
    t.ok_result(old.destroy(), "destroy the first pool")?;

    let new = t.ok_result(
        conn.create_storage_pool_xml(&cx.pool(&name)?.uuid(&second).as_xml(), 0),
        "create a pool with the same name and a second UUID",
    )?;
    t.is(
        new.uuid_string()?,
        second.as_str(),
        "the new handle reports the second UUID",
    );
    let found = t.ok_result(conn.lookup_storage_pool_by_name(&name), "lookup by name")?;
    t.is(
        found.uuid_string()?,
        second.as_str(),
        "lookup by name gives the second UUID, not a cached first",
    );
    t.err_code(
        conn.lookup_storage_pool_by_uuid_string(&first),
        ErrorNumber::NoStoragePool,
        "lookup by the first UUID raises NoStoragePool",
    );
    t.err_code(
        old.is_active(),
        ErrorNumber::NoStoragePool,
        "the stale handle of the first pool does not reach the new one",
    );
    t.ok_result(new.destroy(), "destroy the second pool")?;
    Ok(())
}
