//! Creates a volume in a directory pool in every format that both `qemu-img` (asked at run time) and the driver support, checking each one's format, capacity, the image on disk and its allocation, then sparse and fully allocated raw volumes, and deletes them.
//!
//! The format list is computed, not assumed: the formats `qemu-img --help`
//! lists, minus those it cannot create here (read-only drivers, formats
//! compiled out), intersected with the volume formats the driver's storage
//! pool capabilities offer for directory pools. Capacity is the requested
//! size, except that VHD (`vpc`) rounds up to its cylinder/head/sector
//! geometry. On the host, `qemu-img info` must agree that the file is an
//! image of that format and virtual size, and libvirt's allocation must be
//! what the file occupies. A sparse raw volume allocates (almost) nothing;
//! one created without an allocation is fully allocated.

use std::path::Path;
use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::storage::qemu_img::QemuImg;
use tck::virt::storage::{allocated_bytes, local_file, volume_xml, TestedFormats};
use virt::storage_vol::StorageVol;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost, Require::Tool("qemu-img")],
    tags: &["storage"],
    ..Meta::DEFAULT
};

const CAPACITY: u64 = 16 << 20;
/// Points per format, and for the two raw allocation cases.
const PER_FORMAT: u64 = 7;
const RAW_EXTRA: u64 = 5;

/// A point on a condition, showing `got` and what was `expected` when
/// it fails.
fn check(t: &mut Tap, cond: bool, desc: &str, got: u64, expected: &str) -> bool {
    let diag = (!cond).then(|| {
        Yaml::map([
            ("got", Yaml::Int(got as i64)),
            ("expected", Yaml::Str(expected.into())),
        ])
    });
    t.point(cond, desc, diag)
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let conn = cx.connect()?;
    let qemu_img = QemuImg::find()?;
    let TestedFormats { formats, note } = TestedFormats::find(conn, &qemu_img, cx.scratch_dir()?)?;
    t.note(&note);
    t.plan(PER_FORMAT * formats.len() as u64 + RAW_EXTRA);

    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;

    for fmt in &formats {
        let xml = cx
            .volume(&format!("{fmt}.img"))
            .capacity(Size::bytes(CAPACITY))
            .allocation(Size::bytes(0))
            .format(fmt)
            .as_xml();
        let vol = t.ok_result(
            StorageVol::create_xml(&pool, &xml, 0),
            &format!("{fmt}: create a sparse 16 MiB volume"),
        )?;
        let back = volume_xml(&vol)?;
        t.is(
            back.find_attr("target/format", "type"),
            Some(fmt.as_str()),
            &format!("{fmt}: the volume XML gives format {fmt}"),
        );
        let info = vol.info()?;
        let rounds = fmt == "vpc";
        check(
            t,
            info.capacity == CAPACITY
                || (rounds && info.capacity > CAPACITY && info.capacity < CAPACITY + (1 << 20)),
            &format!("{fmt}: capacity is the requested size (vpc: rounded up to its geometry)"),
            info.capacity,
            "16777216 bytes (vpc: up to 1 MiB more)",
        );
        // Without a local file (the test driver) the on-disk checks skip.
        let path = vol.path()?;
        let local = local_file(&path);
        match &local {
            Ok(file) => {
                let image = qemu_img.info(file)?;
                t.is(
                    (image.format.as_str(), image.virtual_size),
                    (fmt.as_str(), info.capacity),
                    &format!("{fmt}: qemu-img sees a {fmt} image of the reported capacity"),
                );
                t.is(
                    info.allocation,
                    allocated_bytes(file)?,
                    &format!("{fmt}: allocation is what the file occupies on disk"),
                );
            }
            Err(why) => {
                t.skip_point(
                    &format!("{fmt}: qemu-img sees a {fmt} image of the reported capacity"),
                    why,
                );
                t.skip_point(
                    &format!("{fmt}: allocation is what the file occupies on disk"),
                    why,
                );
            }
        }
        t.ok_result(vol.delete(0), &format!("{fmt}: delete the volume"))?;
        t.ok(
            pool.lookup_storage_vol_by_name(&format!("{fmt}.img"))
                .is_err()
                && !(local.is_ok() && Path::new(&path).exists()),
            &format!("{fmt}: after delete the volume is not found and its file is gone"),
        );
    }

    // Raw allocation: sparse on request, full by default.
    let sparse = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("sparse.raw")
                .capacity(Size::bytes(CAPACITY))
                .allocation(Size::bytes(0))
                .format("raw")
                .as_xml(),
            0,
        ),
        "raw: create a volume with allocation 0",
    )?;
    // A pool "may" honour a sparse request: only a local file system
    // with sparse files is held to it.
    match local_file(&sparse.path()?) {
        Ok(file) => {
            let used = allocated_bytes(&file)?;
            let reported = sparse.info()?.allocation;
            check(
                t,
                used < 1 << 20 && reported < 1 << 20,
                "raw: the sparse volume allocates less than 1 MiB",
                used.max(reported),
                "under 1048576 bytes, on disk and as reported",
            );
        }
        Err(why) => t.skip_point("raw: the sparse volume allocates less than 1 MiB", &why),
    }
    let full = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("full.raw")
                .capacity(Size::bytes(CAPACITY))
                .format("raw")
                .as_xml(),
            0,
        ),
        "raw: create a volume without an allocation (fully allocated)",
    )?;
    let reported = full.info()?.allocation;
    check(
        t,
        reported >= CAPACITY,
        "raw: the fully allocated volume's allocation covers its capacity",
        reported,
        "at least 16777216 bytes",
    );
    match local_file(&full.path()?) {
        Ok(file) => {
            let used = allocated_bytes(&file)?;
            check(
                t,
                used >= CAPACITY,
                "raw: the fully allocated volume's file occupies its capacity",
                used,
                "at least 16777216 bytes",
            );
        }
        Err(why) => t.skip_point(
            "raw: the fully allocated volume's file occupies its capacity",
            &why,
        ),
    }
    sparse.delete(0)?;
    full.delete(0)?;
    pool.destroy()?;
    Ok(())
}
