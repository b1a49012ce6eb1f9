//! Creating a pool checks name and UUID uniqueness: with the name and UUID of an inactive persistent pool it starts that pool, which stays persistent; another name with its UUID, its name with another UUID, or any clash with a running pool is refused.

use tck::prelude::*;
use tck::virt::builders::random_uuid;
use tck::virt::storage::PoolDir;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(15);
    let conn = cx.connect()?;
    let (name, other_name) = (cx.name("a"), cx.name("b"));
    let (uuid, other_uuid) = (random_uuid()?, random_uuid()?);
    let same = cx.pool(&name)?.uuid(&uuid).as_xml();
    let same_uuid = cx.pool(&other_name)?.uuid(&uuid).as_xml();
    let same_name = cx.pool(&name)?.uuid(&other_uuid).as_xml();
    let _dir = PoolDir::create(&cx.pool(&name)?)?;

    t.ok_result(conn.define_storage_pool_xml(&same, 0), "define pool A")?;
    t.err_code(
        conn.create_storage_pool_xml(&same_uuid, 0),
        ErrorNumber::OperationFailed,
        "inactive: creating another name with A's UUID raises OperationFailed",
    );
    t.err_code(
        conn.create_storage_pool_xml(&same_name, 0),
        ErrorNumber::OperationFailed,
        "inactive: creating A's name with another UUID raises OperationFailed",
    );
    let started = t.ok_result(
        conn.create_storage_pool_xml(&same, 0),
        "inactive: creating A's name and UUID starts pool A",
    )?;
    t.ok(started.is_active()?, "the started pool A is active");
    t.ok(
        started.is_persistent()?,
        "the started pool A is still persistent (its definition is kept)",
    );

    t.err_code(
        conn.create_storage_pool_xml(&same, 0),
        ErrorNumber::OperationInvalid,
        "running: creating A again raises OperationInvalid",
    );
    t.err_code(
        conn.create_storage_pool_xml(&same_uuid, 0),
        ErrorNumber::OperationFailed,
        "running: creating another name with A's UUID raises OperationFailed",
    );
    t.err_code(
        conn.create_storage_pool_xml(&same_name, 0),
        ErrorNumber::OperationFailed,
        "running: creating A's name with another UUID raises OperationFailed",
    );
    t.err_code(
        conn.lookup_storage_pool_by_name(&other_name),
        ErrorNumber::NoStoragePool,
        "no pool was created under the other name",
    );
    t.ok_result(started.destroy(), "stop pool A")?;
    // Tolerate a driver that (wrongly) made A transient: then it is gone.
    if let Ok(p) = conn.lookup_storage_pool_by_name(&name) {
        p.undefine()?;
    }
    t.err_code(
        conn.lookup_storage_pool_by_name(&name),
        ErrorNumber::NoStoragePool,
        "pool A is gone after stop and undefine",
    );

    // A transient pool clashes the same way.
    let transient = t.ok_result(
        conn.create_storage_pool_xml(&same, 0),
        "create a transient A",
    )?;
    t.err_code(
        conn.create_storage_pool_xml(&same, 0),
        ErrorNumber::OperationInvalid,
        "creating the running transient A again raises OperationInvalid",
    );
    t.ok_result(transient.destroy(), "destroy the transient A")?;
    Ok(())
}
