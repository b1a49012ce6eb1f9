//! Hot-plugs a virtio disk into a booted guest, which reads it, then unplugs it: the live XML gains the disk and afterwards is exactly what it was before.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::builders::Disk;
use tck::virt::poll::until;
use virt::sys::VIR_DOMAIN_AFFECT_LIVE as LIVE;

pub const META: Meta = Meta {
    requires: &[Require::BootedGuest],
    tags: &["guest", "storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let image = cx.scratch_file("extra.img")?;
    std::fs::File::create(&image)?.set_len(4 << 20)?;
    let b = cx.booted_domain(&cx.name("dom"))?;
    let disk = Disk::file(&image.to_string_lossy(), "vdb")
        .bus("virtio")
        .format("raw")
        .as_xml(b.domain_type());

    let dom = t.ok_result(conn.create_domain_xml(&b.as_xml(), 0), "start a guest")?;
    let runs_code = cx.wait_booted(&dom)?.is_some();
    let before = dom.xml_desc(0)?;

    t.ok_result(
        dom.attach_device_flags(&disk, LIVE),
        "attach a virtio disk vdb live",
    )?;
    let with = dom.xml_desc(0)?;
    t.ok(
        with.contains("dev='vdb'") && with.contains(&*image.to_string_lossy()),
        "the live XML lists vdb with its image",
    );
    if runs_code {
        let stats = until(
            Duration::from_secs(10),
            || dom.block_stats("vdb"),
            |s| s.rd_req > 0,
        )?;
        t.ok(stats.rd_req > 0, "the guest reads the hot-plugged disk");
    } else {
        t.skip_point(
            "the guest reads the hot-plugged disk",
            "unsupported by driver: its guests run no code",
        );
    }

    t.ok_result(dom.detach_device_flags(&disk, LIVE), "detach the disk live")?;
    // The guest acknowledges the unplug; libvirt may return first.
    let after = until(
        Duration::from_secs(10),
        || dom.xml_desc(0),
        |x| !x.contains("dev='vdb'"),
    )?;
    t.ok(
        !after.contains("dev='vdb'"),
        "the disk is gone from the live XML",
    );
    t.is(
        after,
        before,
        "the live XML is back to what it was before the attach",
    );
    t.err_code(
        dom.block_stats("vdb"),
        ErrorNumber::InvalidArg,
        "block_stats of the unplugged disk raises InvalidArg",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    Ok(())
}
