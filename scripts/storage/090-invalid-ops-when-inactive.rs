//! Operations that need a running pool raise OperationInvalid on an inactive one: destroy, refresh, listing volumes, creating a volume and cloning a volume into it; the pool stays inactive.

use tck::prelude::*;
use virt::storage_vol::StorageVol;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let (name, src_name) = (cx.name("pool"), cx.name("src"));
    let pool = t.ok_result(
        conn.define_storage_pool_xml(&cx.pool(&name)?.as_xml(), 0),
        "define an inactive pool",
    )?;
    // A running pool with a volume to clone from.
    let (src, _src_dir) = cx.started_pool(&src_name)?;
    let vol_xml = cx
        .volume("vol")
        .capacity(tck::virt::builders::Size::mib(1))
        .as_xml();
    let src_vol = t.ok_result(
        StorageVol::create_xml(&src, &vol_xml, 0),
        "create a volume in the source pool",
    )?;

    let invalid = ErrorNumber::OperationInvalid;
    t.err_code(pool.destroy(), invalid, "destroy raises OperationInvalid");
    t.err_code(pool.refresh(0), invalid, "refresh raises OperationInvalid");
    t.err_code(
        pool.list_volumes(),
        invalid,
        "list_volumes raises OperationInvalid",
    );
    t.err_code(
        StorageVol::create_xml(&pool, &vol_xml, 0),
        invalid,
        "creating a volume raises OperationInvalid",
    );
    t.err_code(
        StorageVol::create_xml_from(&pool, &vol_xml, &src_vol, 0),
        invalid,
        "cloning a volume into it raises OperationInvalid",
    );
    t.ok(!pool.is_active()?, "the pool is still inactive");

    src_vol.delete(0)?;
    src.destroy()?;
    t.ok_result(pool.undefine(), "undefine the inactive pool")?;
    Ok(())
}
