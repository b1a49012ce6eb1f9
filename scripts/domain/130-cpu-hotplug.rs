//! vCPU counts of a guest with 2 possible vCPUs and 1 present: the configuration changes while inactive; a booted guest gets a vCPU hot-plugged and unplugged, live only or live and config; counts of 0, above the maximum, a live change while inactive and a live maximum change are refused.
//!
//! The Perl kit's SMP part never ran (its guests had one vCPU); here the
//! guest always has room to hot-plug, and unplugging needs the booted
//! guest's cooperation (it offlines and ejects the vCPU).

use tck::prelude::*;
use virt::sys::{
    VIR_DOMAIN_VCPU_CONFIG as CONFIG, VIR_DOMAIN_VCPU_LIVE as LIVE,
    VIR_DOMAIN_VCPU_MAXIMUM as MAXIMUM,
};

pub const META: Meta = Meta {
    requires: &[Require::BootedGuest],
    tags: &["guest"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(27);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let b = cx.booted_domain(&cx.name("dom"))?.vcpus(2).vcpus_current(1);
    let dom = t.ok_result(
        conn.define_domain_xml(&b.as_xml()),
        "define a guest with 2 possible vCPUs, 1 present",
    )?;

    // Inactive: the persistent configuration.
    t.is(
        dom.vcpus_flags(CONFIG | MAXIMUM)?,
        2,
        "inactive: the configured maximum is 2",
    );
    t.is(
        dom.vcpus_flags(CONFIG)?,
        1,
        "inactive: 1 vCPU is configured",
    );
    t.ok_result(
        dom.set_vcpus_flags(2, CONFIG),
        "inactive: configure 2 vCPUs",
    )?;
    t.is(
        dom.vcpus_flags(CONFIG)?,
        2,
        "inactive: 2 vCPUs are configured",
    );
    t.ok_result(
        dom.set_vcpus_flags(1, CONFIG),
        "inactive: configure 1 vCPU again",
    )?;
    t.ok_result(
        dom.set_vcpus_flags(3, CONFIG | MAXIMUM),
        "inactive: raise the configured maximum to 3",
    )?;
    t.is(
        dom.vcpus_flags(CONFIG | MAXIMUM)?,
        3,
        "inactive: the configured maximum is 3",
    );
    t.ok_result(
        dom.set_vcpus_flags(2, CONFIG | MAXIMUM),
        "inactive: lower the configured maximum to 2",
    )?;
    t.err_code(
        dom.set_vcpus_flags(3, CONFIG),
        ErrorNumber::InvalidArg,
        "inactive: configuring more vCPUs than the maximum raises InvalidArg",
    );
    t.err_code(
        dom.set_vcpus_flags(0, CONFIG),
        ErrorNumber::InvalidArg,
        "inactive: configuring 0 vCPUs raises InvalidArg",
    );
    t.err_code(
        dom.set_vcpus_flags(2, LIVE),
        ErrorNumber::OperationInvalid,
        "inactive: a live change raises OperationInvalid",
    );

    // Running: hot-plug and unplug.
    t.ok_result(dom.create(), "start the guest")?;
    cx.wait_booted(&dom)?;
    t.is(
        dom.max_vcpus()?,
        2,
        "running: max_vcpus is the domain's maximum, 2",
    );
    t.is(
        dom.info()?.nr_virt_cpu,
        1,
        "running: the guest starts with 1 vCPU",
    );
    t.ok_result(
        dom.set_vcpus(2),
        "running: set_vcpus hot-plugs a second vCPU",
    )?;
    t.is(dom.vcpus_flags(LIVE)?, 2, "running: 2 vCPUs are live");
    t.is(
        dom.vcpus_flags(CONFIG)?,
        1,
        "running: the live hot-plug left 1 vCPU configured",
    );
    t.err_code(
        dom.set_vcpus_flags(3, LIVE),
        ErrorNumber::InvalidArg,
        "running: more live vCPUs than the maximum raises InvalidArg",
    );
    t.err_code(
        dom.set_vcpus_flags(0, LIVE),
        ErrorNumber::InvalidArg,
        "running: 0 live vCPUs raises InvalidArg",
    );
    t.err_code(
        dom.set_vcpus_flags(3, LIVE | MAXIMUM),
        ErrorNumber::InvalidArg,
        "running: changing the live maximum raises InvalidArg",
    );
    t.ok_result(
        dom.set_vcpus_flags(2, LIVE | CONFIG),
        "running: set 2 vCPUs live and in the configuration",
    )?;
    t.is(
        dom.vcpus_flags(CONFIG)?,
        2,
        "running: 2 vCPUs are configured",
    );
    let unplugged = t.ok_result(
        dom.set_vcpus_flags(1, LIVE),
        "running: unplug the second vCPU live",
    );
    if let Err(Stop::Skip(why)) = unplugged {
        return Err(Stop::Skip(why));
    }
    t.is(
        dom.info()?.nr_virt_cpu,
        1,
        "running: 1 vCPU is left after the unplug",
    );
    t.is(
        dom.vcpus_flags(CONFIG)?,
        2,
        "running: the live unplug left 2 vCPUs configured",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    dom.undefine()?;
    Ok(())
}
