//! The maximum migration speed of a running domain round-trips through set and get, the post-copy speed separately from the pre-copy one, and a value too large for the driver raises Overflow and changes nothing.

use tck::prelude::*;
use virt::sys::VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY as POSTCOPY;

/// MiB/s.
const SPEED: u64 = 100;
const POSTCOPY_SPEED: u64 = 50;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(11);
    let conn = cx.connect()?;
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&cx.name("dom"))?.as_xml(), 0),
        "create a running domain",
    )?;

    let default = t.ok_result(dom.migrate_max_speed(0), "get the default maximum speed")?;
    t.note(&format!("default maximum migration speed: {default} MiB/s"));
    t.ok(default > 0, "the default maximum speed is not zero");

    t.ok_result(
        dom.migrate_set_max_speed(SPEED, 0),
        &format!("set the maximum speed to {SPEED} MiB/s"),
    )?;
    t.is(
        dom.migrate_max_speed(0)?,
        SPEED,
        "the maximum speed reads back as set",
    );

    t.ok_result(
        dom.migrate_set_max_speed(POSTCOPY_SPEED, POSTCOPY),
        &format!("set the post-copy maximum speed to {POSTCOPY_SPEED} MiB/s"),
    )?;
    t.is(
        dom.migrate_max_speed(POSTCOPY)?,
        POSTCOPY_SPEED,
        "the post-copy maximum speed reads back as set",
    );
    t.is(
        dom.migrate_max_speed(0)?,
        SPEED,
        "setting the post-copy speed leaves the pre-copy speed alone",
    );

    // Bandwidth is in MiB/s; the driver converts to bytes/s, so anything
    // over u64::MAX >> 20 cannot be represented.
    t.err_code(
        dom.migrate_set_max_speed(u64::MAX >> 10, 0),
        ErrorNumber::Overflow,
        "a speed too large to represent in bytes/s raises Overflow",
    );
    t.is(
        dom.migrate_max_speed(0)?,
        SPEED,
        "the refused speed did not change the maximum speed",
    );

    t.ok_result(dom.destroy(), "destroy the domain")?;
    Ok(())
}
