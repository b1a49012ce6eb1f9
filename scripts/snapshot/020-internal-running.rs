//! Internal snapshots of a running and of an inactive guest keep the run state: reverting to a shut-off snapshot stops the guest, reverting to a running one starts it from the saved state, paused with REVERT_PAUSED.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::shim::domain_state;
use tck::virt::xmltree::Element;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["snapshot", "guest"],
    ..Meta::DEFAULT
};

const FROM_SNAPSHOT: (u32, u32) = (
    sys::VIR_DOMAIN_RUNNING,
    sys::VIR_DOMAIN_RUNNING_FROM_SNAPSHOT,
);

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(15);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let name = cx.name("dom");
    let dom = conn.define_domain_xml(&cx.domain(&name)?.disk(disk.disk("vda")).as_xml())?;

    let off = t.ok_result(
        dom.create_snapshot_xml("<domainsnapshot><name>off</name></domainsnapshot>", 0),
        "snapshot the inactive guest",
    )?;
    t.ok_result(dom.create(), "start the guest")?;
    let on = t.ok_result(
        dom.create_snapshot_xml("<domainsnapshot><name>on</name></domainsnapshot>", 0),
        "snapshot the running guest",
    )?;
    let x = Element::parse(&on.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        x.find_text("state").unwrap_or_default(),
        "running",
        "the snapshot records the guest as running",
    );
    t.is(
        x.find_attr("memory", "snapshot").unwrap_or("(none)"),
        "internal",
        "the running guest's memory is saved inside the snapshot",
    );
    t.ok(
        dom.is_active()?,
        "the guest keeps running after the snapshot",
    );

    let by_state = |flags: u32| -> Result<Vec<String>, Stop> {
        Ok(dom
            .list_all_snapshots(flags)?
            .iter()
            .filter_map(|s| s.name().ok())
            .collect())
    };
    t.is(
        by_state(sys::VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE)?,
        vec!["on".to_string()],
        "listing active snapshots gives the running one",
    );
    t.is(
        by_state(sys::VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE)?,
        vec!["off".to_string()],
        "listing inactive snapshots gives the shut-off one",
    );

    t.ok_result(
        off.revert(0),
        "revert the running guest to the shut-off snapshot",
    )?;
    t.ok(
        !dom.is_active()?,
        "reverting to a shut-off snapshot stops the guest",
    );
    t.ok_result(
        on.revert(0),
        "revert the stopped guest to the running snapshot",
    )?;
    t.is(
        domain_state(&dom)?,
        FROM_SNAPSHOT,
        "the guest runs again, from the snapshot",
    );

    t.ok_result(
        on.revert(sys::VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED),
        "revert to the running snapshot with REVERT_PAUSED",
    )?;
    t.is(
        domain_state(&dom)?.0,
        sys::VIR_DOMAIN_PAUSED,
        "REVERT_PAUSED leaves the restored guest paused",
    );

    dom.destroy()?;
    on.delete(0)?;
    off.delete(0)?;
    t.is(dom.num_snapshots(0)?, 0, "both snapshots are deleted");
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
