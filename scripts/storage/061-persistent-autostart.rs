//! Autostart of a persistent pool: off when defined, on and off again on request, kept across start and stop, and seen through a fresh handle.

use tck::prelude::*;
use tck::virt::storage::PoolDir;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(11);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let pool_xml = cx.pool(&name)?;

    let pool = t.ok_result(
        conn.define_storage_pool_xml(&pool_xml.as_xml(), 0),
        "define the pool",
    )?;
    t.is(
        pool.autostart()?,
        false,
        "a newly defined pool does not autostart",
    );
    t.ok_result(pool.set_autostart(true), "set_autostart(true) succeeds")?;
    t.is(pool.autostart()?, true, "autostart reads true");
    let fresh = conn.lookup_storage_pool_by_name(&name)?;
    t.is(
        fresh.autostart()?,
        true,
        "a fresh handle also reads autostart true",
    );

    let _dir = PoolDir::create(&pool_xml)?;
    t.ok_result(pool.create(0), "start the pool")?;
    t.is(
        pool.autostart()?,
        true,
        "autostart is kept while the pool runs",
    );
    t.ok_result(pool.destroy(), "stop the pool")?;
    t.is(
        pool.autostart()?,
        true,
        "autostart is kept after the pool stops",
    );

    t.ok_result(pool.set_autostart(false), "set_autostart(false) succeeds")?;
    t.is(pool.autostart()?, false, "autostart reads false again");
    pool.undefine()?;
    Ok(())
}
