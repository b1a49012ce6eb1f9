//! Creating a pool checks name and UUID uniqueness: with the name and UUID of an inactive persistent pool it starts that pool, which stays persistent; another name with its UUID, its name with another UUID, or any clash with a running pool is refused.

use tck::prelude::*;
use tck::suite::unique_id::Twins;
use virt::storage_pool::StoragePool;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(15);
    let conn = cx.connect()?;
    let a = Twins::<StoragePool>::new(cx)?;

    t.ok_result(conn.define_storage_pool_xml(&a.same, 0), "define pool A")?;
    a.creating_clashes(t, cx, "inactive")?;
    let started = t.ok_result(
        conn.create_storage_pool_xml(&a.same, 0),
        "inactive: creating A's name and UUID starts pool A",
    )?;
    t.ok(started.is_active()?, "the started pool A is active");
    t.ok(
        started.is_persistent()?,
        "the started pool A is still persistent (its definition is kept)",
    );

    a.creating_again(t, cx)?;
    a.creating_clashes(t, cx, "running")?;
    a.none_under_other_name(t, cx, "created")?;
    t.ok_result(started.destroy(), "stop pool A")?;
    // Tolerate a driver that (wrongly) made A transient: then it is gone.
    if let Ok(p) = conn.lookup_storage_pool_by_name(&a.name) {
        p.undefine()?;
    }
    t.err_code(
        conn.lookup_storage_pool_by_name(&a.name),
        ErrorNumber::NoStoragePool,
        "pool A is gone after stop and undefine",
    );

    // A transient pool clashes the same way.
    a.transient_clash(t, cx)
}
