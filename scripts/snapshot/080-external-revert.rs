//! Reverting to an external disk-only snapshot (libvirt 9.9 and later) leaves the guest shut off on a fresh overlay of the image the snapshot froze, and discards the overlay written since; reverting again at once works, and REVERT_RUNNING starts the guest.
//!
//! libvirt names each fresh overlay after the image and the current Unix
//! second, so the "at once" check first waits for a new second and then
//! reverts twice in a row: both reverts then fall in the same second, and
//! the check does not depend on luck.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::connection::format_version;
use tck::virt::xmltree::Element;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["snapshot", "storage", "guest"],
    ..Meta::DEFAULT
};

/// libvirt implements reverting to external snapshots since 9.9.0.
const REVERT_EXTERNAL_SINCE: u32 = 9_009_000;

fn vda_source(xml: &str) -> Result<String, Stop> {
    let d = Element::parse(xml).map_err(|e| e.to_string())?;
    Ok(d.find_all("devices/disk")
        .into_iter()
        .find(|e| e.find_attr("target", "dev") == Some("vda"))
        .and_then(|e| e.find_attr("source", "file"))
        .unwrap_or("")
        .to_string())
}

/// Waits (polling) until the wall clock enters a new second.
fn wait_for_next_second() {
    let secs = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    let start = secs();
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while secs() == start && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let daemon = conn.lib_version()?;
    if daemon < REVERT_EXTERNAL_SINCE {
        return Err(t.skip_all(&format!(
            "unsupported by driver: reverting to external snapshots needs libvirt 9.9.0, the daemon runs {}",
            format_version(daemon)
        )));
    }
    let disk = cx.scratch_qcow2("base.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    dom.create()?;
    let overlay = disk.sibling("overlay.qcow2");
    let e1 = t.ok_result(
        dom.create_snapshot_xml(
            &format!(
                "<domainsnapshot><name>e1</name><disks><disk name='vda' snapshot='external'>\
                 <source file='{overlay}'/></disk></disks></domainsnapshot>"
            ),
            sys::VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY,
        ),
        "create external disk-only snapshot e1 of the running guest",
    )?;

    t.ok_result(e1.revert(0), "revert the running guest to e1")?;
    t.ok(
        !dom.is_active()?,
        "a disk-only snapshot has no run state: the guest is shut off",
    );
    let fresh = vda_source(&dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?)?;
    if !t.ok(
        fresh != overlay && fresh != disk.path && !fresh.is_empty(),
        "the disk is a new overlay, neither the old overlay nor the base image",
    ) {
        t.diag(&format!("disk source after the revert: {fresh:?}"));
    }
    disk.pool.refresh(0)?;
    let backing = conn
        .lookup_storage_vol_by_path(&fresh)
        .and_then(|v| v.xml_desc(0))
        .ok()
        .and_then(|x| Element::parse(&x).ok())
        .and_then(|v| v.find_text("backingStore/path"));
    t.is(
        backing,
        Some(disk.path.clone()),
        "the new overlay is backed by the image e1 froze",
    );
    t.err_code(
        conn.lookup_storage_vol_by_path(&overlay),
        ErrorNumber::NoStorageVolume,
        "the overlay written since e1 is discarded",
    );

    wait_for_next_second();
    t.ok_result(e1.revert(0), "revert the shut-off guest to e1 again")?;
    // A failure here is reported and the script goes on: the guest is
    // still in a known state (shut off on the previous overlay).
    let _ = t.ok_result(
        e1.revert(0),
        "revert to e1 once more at once (within the same second)",
    );

    wait_for_next_second();
    t.ok_result(
        e1.revert(sys::VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING),
        "revert to e1 with REVERT_RUNNING",
    )?;
    t.ok(dom.is_active()?, "REVERT_RUNNING starts the guest");

    dom.destroy()?;
    dom.undefine_flags(sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)?;
    disk.discard()?;
    Ok(())
}
