//! Defining a pool checks name and UUID uniqueness: the same name and UUID redefines it, another name with its UUID or its name with another UUID is refused, while inactive and while running.

use tck::prelude::*;
use tck::virt::builders::random_uuid;
use tck::virt::storage::PoolDir;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(13);
    let conn = cx.connect()?;
    let (name, other_name) = (cx.name("a"), cx.name("b"));
    let (uuid, other_uuid) = (random_uuid()?, random_uuid()?);
    let same = cx.pool(&name)?.uuid(&uuid).as_xml();
    let same_uuid = cx.pool(&other_name)?.uuid(&uuid).as_xml();
    let same_name = cx.pool(&name)?.uuid(&other_uuid).as_xml();

    let pool = t.ok_result(conn.define_storage_pool_xml(&same, 0), "define pool A")?;
    let _dir = PoolDir::create(&cx.pool(&name)?)?;
    for state in ["inactive", "running"] {
        if state == "running" {
            t.ok_result(pool.create(0), "start pool A")?;
        }
        t.ok_result(
            conn.define_storage_pool_xml(&same, 0),
            &format!("{state}: redefining A with its own name and UUID succeeds"),
        )?;
        t.err_code(
            conn.define_storage_pool_xml(&same_uuid, 0),
            ErrorNumber::OperationFailed,
            &format!("{state}: defining another name with A's UUID raises OperationFailed"),
        );
        t.err_code(
            conn.define_storage_pool_xml(&same_name, 0),
            ErrorNumber::OperationFailed,
            &format!("{state}: defining A's name with another UUID raises OperationFailed"),
        );
        t.is(
            conn.lookup_storage_pool_by_name(&name)?.uuid_string()?,
            uuid.as_str(),
            &format!("{state}: A keeps its UUID"),
        );
    }
    t.err_code(
        conn.lookup_storage_pool_by_name(&other_name),
        ErrorNumber::NoStoragePool,
        "no pool was defined under the other name",
    );
    t.ok_result(pool.destroy(), "stop pool A")?;
    t.ok_result(pool.undefine(), "undefine pool A")?;
    Ok(())
}
