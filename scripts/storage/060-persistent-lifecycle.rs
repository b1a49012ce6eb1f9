//! Defines a directory pool, builds and starts it, stops it, deletes its directory and undefines it, checking at each step its active and persistent flags and the state `info` reports.

use tck::prelude::*;
use virt::storage_pool::StoragePool;
use virt::sys::{VIR_STORAGE_POOL_INACTIVE, VIR_STORAGE_POOL_RUNNING};

pub const META: Meta = Meta {
    tags: &["storage"],
    priority: 0,
    ..Meta::DEFAULT
};

/// (active, persistent, info state) of the pool.
fn flags(pool: &StoragePool) -> Result<(bool, bool, u32), Stop> {
    Ok((pool.is_active()?, pool.is_persistent()?, pool.info()?.state))
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(13);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let xml = cx.pool(&name)?.as_xml();

    let pool = t.ok_result(conn.define_storage_pool_xml(&xml, 0), "define the pool")?;
    t.is(
        flags(&pool)?,
        (false, true, VIR_STORAGE_POOL_INACTIVE),
        "the defined pool is inactive, persistent, and info says INACTIVE",
    );
    t.ok_result(pool.build(0), "build the pool (creates its directory)")?;
    t.ok_result(pool.create(0), "start the pool")?;
    t.is(
        flags(&pool)?,
        (true, true, VIR_STORAGE_POOL_RUNNING),
        "the started pool is active, persistent, and info says RUNNING",
    );

    t.ok_result(pool.destroy(), "stop the pool")?;
    t.is(
        flags(&pool)?,
        (false, true, VIR_STORAGE_POOL_INACTIVE),
        "the stopped pool is inactive again and still persistent",
    );
    let found = t.ok_result(
        conn.lookup_storage_pool_by_name(&name),
        "the stopped pool is still found by name",
    )?;
    t.is(
        found.uuid_string()?,
        pool.uuid_string()?,
        "the pool found has the defined pool's UUID",
    );
    t.ok_result(pool.delete(0), "delete the stopped pool's directory")?;
    let dir = cx.scratch_file(&name)?;
    t.ok(!dir.exists(), "the pool's directory is gone after delete");
    t.ok_result(pool.undefine(), "undefine the pool")?;
    t.err_code(
        conn.lookup_storage_pool_by_name(&name),
        ErrorNumber::NoStoragePool,
        "lookup after undefine raises NoStoragePool",
    );
    Ok(())
}
