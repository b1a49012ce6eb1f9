//! Undefining an inactive guest that has snapshots fails without UNDEFINE_SNAPSHOTS_METADATA and keeps guest and snapshots; with the flag the guest goes, and a guest redefined under its name inherits no snapshot.

use tck::prelude::*;
use tck::virt::builders::Size;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["snapshot"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let name = cx.name("dom");
    let xml = cx.domain(&name)?.disk(disk.disk("vda")).as_xml();
    let dom = conn.define_domain_xml(&xml)?;
    t.ok_result(
        dom.create_snapshot_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0),
        "snapshot the inactive guest",
    )?;

    t.err_code(
        dom.undefine(),
        ErrorNumber::OperationInvalid,
        "undefine without flags is refused for a guest with snapshots (OperationInvalid)",
    );
    let still = t.ok_result(
        conn.lookup_domain_by_name(&name),
        "the guest is still defined",
    )?;
    t.is(still.num_snapshots(0)?, 1, "its snapshot is still there");

    t.ok_result(
        dom.undefine_flags(sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA),
        "undefine with UNDEFINE_SNAPSHOTS_METADATA",
    )?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "the guest is gone (NoDomain)",
    );
    let again = conn.define_domain_xml(&xml)?;
    t.is(
        again.num_snapshots(0)?,
        0,
        "a guest redefined under the same name has no snapshots",
    );
    again.undefine()?;
    disk.discard()?;
    Ok(())
}
