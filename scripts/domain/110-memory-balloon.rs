//! Memory sizes: the maximum and the balloon target change in the persistent configuration while the domain is inactive; on a booted guest the live target is reached through the balloon without touching the configuration; the maximum of a running domain, a live change of an inactive one and a target above the maximum are refused.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::poll::until;
use virt::domain::Domain;
use virt::sys::{
    VIR_DOMAIN_MEM_CONFIG as CONFIG, VIR_DOMAIN_MEM_CURRENT as CURRENT,
    VIR_DOMAIN_MEM_LIVE as LIVE, VIR_DOMAIN_MEM_MAXIMUM as MAXIMUM, VIR_DOMAIN_XML_INACTIVE,
};

/// KiB, as the API counts.
const MIB: u64 = 1024;

pub const META: Meta = Meta {
    requires: &[Require::BootedGuest],
    tags: &["guest"],
    ..Meta::DEFAULT
};

/// The `<currentMemory>` of the persistent definition, in KiB.
fn config_memory(dom: &Domain) -> Result<u64, Stop> {
    let xml = dom.xml_desc(VIR_DOMAIN_XML_INACTIVE)?;
    let text = tck::virt::xpath::text_at(&xml, &["domain", "currentMemory"])
        .map_err(|e| format!("the domain XML is not well-formed: {e}"))?;
    text.unwrap_or_default()
        .trim()
        .parse()
        .map_err(|_| Stop::from("the persistent definition has no numeric <currentMemory>"))
}

/// The domain's current memory once it is `kib` (the guest's balloon
/// driver gets there within a second or so), or after 15 s.
fn reaches(dom: &Domain, kib: u64) -> Result<u64, Stop> {
    Ok(until(
        Duration::from_secs(15),
        || dom.info().map(|i| i.memory),
        |m| *m == kib,
    )?)
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(22);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let xml = cx.booted_domain(&cx.name("dom"))?.as_xml();
    let dom = t.ok_result(conn.define_domain_xml(&xml), "define a guest")?;

    // Inactive: everything goes to the persistent configuration.
    t.ok_result(
        dom.set_max_memory(192 * MIB),
        "inactive: set_max_memory to 192 MiB",
    )?;
    t.is(
        dom.max_memory()?,
        192 * MIB,
        "inactive: the maximum reads 192 MiB",
    );
    t.ok_result(
        dom.set_memory_flags(176 * MIB, MAXIMUM | CONFIG),
        "inactive: set the maximum to 176 MiB with MAXIMUM|CONFIG",
    )?;
    t.is(
        dom.max_memory()?,
        176 * MIB,
        "inactive: the maximum reads 176 MiB",
    );
    t.ok_result(
        dom.set_memory_flags(160 * MIB, CONFIG),
        "inactive: set the target to 160 MiB with CONFIG",
    )?;
    t.is(
        config_memory(&dom)?,
        160 * MIB,
        "inactive: the configuration says 160 MiB",
    );
    t.ok_result(
        dom.set_memory_flags(144 * MIB, CURRENT),
        "inactive: set the target to 144 MiB with CURRENT",
    )?;
    t.is(
        config_memory(&dom)?,
        144 * MIB,
        "inactive: CURRENT changed the configuration to 144 MiB",
    );
    t.err_code(
        dom.set_memory_flags(112 * MIB, LIVE),
        ErrorNumber::OperationInvalid,
        "inactive: a LIVE change raises OperationInvalid",
    );
    t.err_code(
        dom.set_memory_flags(256 * MIB, CONFIG),
        ErrorNumber::InvalidArg,
        "inactive: a target above the maximum raises InvalidArg",
    );

    // Running: the balloon moves, the configuration stays.
    t.ok_result(dom.create(), "start the guest")?;
    cx.wait_booted(&dom)?;
    t.ok_result(
        dom.set_memory_flags(112 * MIB, LIVE),
        "running: set the target to 112 MiB with LIVE",
    )?;
    t.is(
        reaches(&dom, 112 * MIB)?,
        112 * MIB,
        "running: the guest's memory shrinks to 112 MiB",
    );
    t.is(
        config_memory(&dom)?,
        144 * MIB,
        "running: the LIVE change left the configuration at 144 MiB",
    );
    t.ok_result(
        dom.set_memory_flags(128 * MIB, CURRENT),
        "running: set the target to 128 MiB with CURRENT",
    )?;
    t.is(
        reaches(&dom, 128 * MIB)?,
        128 * MIB,
        "running: the guest's memory grows to 128 MiB",
    );
    t.err_code(
        dom.set_memory_flags(208 * MIB, MAXIMUM | LIVE),
        ErrorNumber::OperationInvalid,
        "running: changing the live maximum raises OperationInvalid",
    );
    t.err_code(
        dom.set_max_memory(208 * MIB),
        ErrorNumber::OperationInvalid,
        "running: set_max_memory raises OperationInvalid",
    );
    t.err_code(
        dom.set_memory_flags(256 * MIB, LIVE),
        ErrorNumber::InvalidArg,
        "running: a target above the maximum raises InvalidArg",
    );
    t.is(
        dom.max_memory()?,
        176 * MIB,
        "running: the maximum is still 176 MiB",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    dom.undefine()?;
    Ok(())
}
