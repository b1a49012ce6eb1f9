//! Block statistics: asking for them on an inactive domain raises OperationInvalid; on a booted guest that has read its disk they show the reads (requests and bytes), by target and by source path, and an unknown disk raises InvalidArg.
//!
//! The guest kernel reads the disk's partition table when it finds the
//! disk, before the guest reports ready, so a running guest has read it
//! without any help from inside.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::builders::Disk;
use tck::virt::poll::until;

const DISK_SIZE: u64 = 4 << 20;
const NO_CODE: &str = "unsupported by driver: its guests run no code, so nothing reads the disk";

pub const META: Meta = Meta {
    requires: &[Require::BootedGuest],
    tags: &["guest", "storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let image = cx.scratch_file("disk.img")?;
    std::fs::File::create(&image)?.set_len(DISK_SIZE)?;
    let path = image.to_string_lossy().into_owned();
    let b = cx.booted_domain(&cx.name("dom"))?;
    let xml = b
        .clone()
        .disk(Disk::file(&path, "vda").bus("virtio").format("raw"))
        .as_xml();

    let dom = t.ok_result(
        conn.define_domain_xml(&xml),
        "define a guest with a virtio disk",
    )?;
    t.err_code(
        dom.block_stats("vda"),
        ErrorNumber::OperationInvalid,
        "block_stats on the inactive domain raises OperationInvalid",
    );
    t.ok_result(dom.create(), "start the guest")?;
    if cx.wait_booted(&dom)?.is_none() {
        return Err(Stop::Skip(NO_CODE.into()));
    }

    // The reads are done by the time the guest is ready; allow the stats a
    // moment to catch up all the same.
    let stats = until(
        Duration::from_secs(10),
        || dom.block_stats("vda"),
        |s| s.rd_req > 0,
    )?;
    t.note(&format!(
        "vda: rd_req {} rd_bytes {} wr_req {} wr_bytes {}",
        stats.rd_req, stats.rd_bytes, stats.wr_req, stats.wr_bytes
    ));
    t.ok(stats.rd_req > 0, "the guest's read requests are counted");
    t.ok(
        stats.rd_bytes >= stats.rd_req,
        "the bytes read are counted (at least one per request)",
    );
    let by_path = t.ok_result(
        dom.block_stats(&path),
        "block_stats accepts the disk's source path",
    )?;
    t.ok(
        by_path.rd_req >= stats.rd_req,
        "the source path gives the same disk's counters",
    );
    t.err_code(
        dom.block_stats("vdz"),
        ErrorNumber::InvalidArg,
        "block_stats on a disk the domain does not have raises InvalidArg",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    dom.undefine()?;
    Ok(())
}
