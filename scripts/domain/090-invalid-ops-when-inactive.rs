//! Operations that need a running domain raise OperationInvalid on an inactive one: block and interface stats, core dump, destroy, memory peek, vCPU pinning, reboot, resume, save, shutdown and suspend.

use tck::prelude::*;
use tck::virt::shim::{domain_memory_peek, domain_save};
use virt::sys::VIR_MEMORY_VIRTUAL;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let dom = t.ok_result(
        conn.define_domain_xml(&cx.domain(&name)?.as_xml()),
        "define an inactive domain",
    )?;
    let core = cx.scratch_file("core.img")?;
    let image = cx.scratch_file("save.img")?;
    let mut peek = [0u8; 16];

    let invalid = ErrorNumber::OperationInvalid;
    t.err_code(
        dom.block_stats("vda"),
        invalid,
        "block_stats raises OperationInvalid",
    );
    t.err_code(
        dom.core_dump(&core.to_string_lossy(), 0),
        invalid,
        "core_dump raises OperationInvalid",
    );
    t.err_code(dom.destroy(), invalid, "destroy raises OperationInvalid");
    t.err_code(
        dom.interface_stats("vnet0"),
        invalid,
        "interface_stats raises OperationInvalid",
    );
    t.err_code(
        domain_memory_peek(&dom, 0, &mut peek, VIR_MEMORY_VIRTUAL),
        invalid,
        "memory_peek raises OperationInvalid",
    );
    t.err_code(
        dom.pin_vcpu(0, &[1]),
        invalid,
        "pin_vcpu raises OperationInvalid",
    );
    t.err_code(dom.reboot(0), invalid, "reboot raises OperationInvalid");
    t.err_code(dom.resume(), invalid, "resume raises OperationInvalid");
    t.err_code(
        domain_save(&dom, &image),
        invalid,
        "save raises OperationInvalid",
    );
    t.err_code(dom.shutdown(), invalid, "shutdown raises OperationInvalid");
    t.err_code(dom.suspend(), invalid, "suspend raises OperationInvalid");

    t.ok(
        !dom.is_active()? && !core.exists() && !image.exists(),
        "the domain is still inactive and no file was written",
    );
    t.ok_result(dom.undefine(), "undefine the domain")?;
    Ok(())
}
