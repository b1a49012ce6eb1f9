//! Redefines a persistent pool (same UUID, target mode 0700 then 0777) while inactive and while running: the new definition replaces the old one, and while the pool runs it waits for the next start.
//!
//! The live XML of a running directory pool reports its directory's
//! actual permissions; building the pool applies the configured mode, so
//! after a build it reads the mode the definition gave.

use tck::prelude::*;
use tck::virt::assert::unsupported_reason;
use tck::virt::builders::random_uuid;
use tck::virt::storage::PoolDir;
use tck::virt::xpath::text_at;
use virt::storage_pool::StoragePool;
use virt::sys::VIR_STORAGE_XML_INACTIVE;

pub const META: Meta = Meta {
    tags: &["storage"],
    ..Meta::DEFAULT
};

/// The target mode in a pool's XML.
fn mode_in(xml: &str) -> Result<String, Stop> {
    let value = text_at(xml, &["pool", "target", "permissions", "mode"])
        .map_err(|e| format!("the pool XML is not well-formed: {e}"))?;
    Ok(value.unwrap_or_default())
}

/// The pool's live target mode.
fn mode(pool: &StoragePool) -> Result<String, Stop> {
    mode_in(&pool.xml_desc(0)?)
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(13);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let uuid = random_uuid()?;
    let base = cx.pool(&name)?.uuid(&uuid);
    let private = base.clone().permissions(Some(0o700), None, None).as_xml();
    let open = base.permissions(Some(0o777), None, None).as_xml();

    let pool = t.ok_result(
        conn.define_storage_pool_xml(&private, 0),
        "define with mode 0700",
    )?;
    t.is(mode(&pool)?, "0700", "the definition says mode 0700");

    let pool = t.ok_result(
        conn.define_storage_pool_xml(&open, 0),
        "redefining the inactive pool with mode 0777 succeeds",
    )?;
    t.is(
        pool.uuid_string()?,
        uuid.as_str(),
        "the redefined pool keeps its UUID",
    );
    t.is(mode(&pool)?, "0777", "the inactive pool now says mode 0777");

    let _dir = PoolDir::create(&cx.pool(&name)?)?;
    t.ok_result(
        pool.build(0),
        "build the pool (applies mode 0777 to its directory)",
    )?;
    t.ok_result(pool.create(0), "start the pool")?;
    t.ok_result(
        conn.define_storage_pool_xml(&private, 0),
        "redefining the running pool with mode 0700 succeeds",
    )?;
    t.is(
        mode(&pool)?,
        "0777",
        "the running pool keeps its live mode 0777",
    );
    let desc = "the persistent definition of the running pool says mode 0700";
    match pool
        .xml_desc(VIR_STORAGE_XML_INACTIVE)
        .map_err(LibvirtError::from)
    {
        Err(e) if e.is_unsupported() => t.skip_point(desc, &unsupported_reason(&e)),
        inactive => {
            t.is(mode_in(&inactive?)?, "0700", desc);
        }
    }

    t.ok_result(pool.destroy(), "stop the pool")?;
    t.is(
        mode(&pool)?,
        "0700",
        "after stopping, the new definition is the pool's",
    );
    t.ok_result(pool.undefine(), "undefine the pool")?;
    Ok(())
}
