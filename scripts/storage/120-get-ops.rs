//! Lookups: a pool by name and by UUID, a volume by name, key and path; a file put into the pool's directory behind libvirt's back is no volume until the pool is refreshed (NoStorageVolume), then is one of type file whose capacity and allocation are the file's.
//!
//! The second half needs the driver to keep volumes as files on this
//! host (checked on the first volume); the test driver keeps them in
//! memory, so that half skips there with the reason.

use std::path::Path;
use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::storage::content::pattern;
use tck::virt::storage::{allocated_bytes, local_file};
use virt::storage_vol::StorageVol;
use virt::sys::VIR_STORAGE_VOL_FILE;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

/// Behind libvirt's back: 1 MiB + 512 bytes of data.
const OUTSIDE_SIZE: usize = (1 << 20) + 512;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(16);
    let conn = cx.connect()?;
    let name = cx.name("pool");
    let (pool, dir) = cx.started_pool(&name)?;
    let uuid = pool.uuid_string()?;
    t.is(
        conn.lookup_storage_pool_by_name(&name)?.uuid_string()?,
        uuid.as_str(),
        "lookup by name finds the pool",
    );
    t.is(
        conn.lookup_storage_pool_by_uuid_string(&uuid)?.name()?,
        name.as_str(),
        "lookup by UUID finds the pool",
    );

    let xml = cx.volume("api.img").capacity(Size::mib(1)).as_xml();
    let vol = t.ok_result(StorageVol::create_xml(&pool, &xml, 0), "create a volume")?;
    let (key, path) = (vol.key()?, vol.path()?);
    t.is(
        pool.lookup_storage_vol_by_name("api.img")?.key()?,
        key.as_str(),
        "lookup by name in the pool finds the volume",
    );
    t.is(
        conn.lookup_storage_vol_by_key(&key)?.name()?,
        "api.img",
        "lookup by key finds the volume",
    );
    t.is(
        conn.lookup_storage_vol_by_path(&path)?.name()?,
        "api.img",
        "lookup by path finds the volume",
    );
    t.is(
        vol.lookup_storage_pool()?.name()?,
        name.as_str(),
        "the volume's pool is the pool",
    );

    // Behind libvirt's back.
    const HALF: [&str; 8] = [
        "before a refresh the outside file is not a volume (NoStorageVolume)",
        "refresh the pool",
        "after the refresh the outside file is a volume",
        "its key and path are the file's path",
        "it is of type file",
        "its capacity is the file's size",
        "its allocation is what the file occupies",
        "delete removes the outside file",
    ];
    if let Err(why) = local_file(&path) {
        for d in HALF {
            t.skip_point(d, &why);
        }
    } else {
        let file = dir.path().join("outside.img");
        std::fs::write(&file, pattern(7, OUTSIDE_SIZE))?;
        t.err_code(
            pool.lookup_storage_vol_by_name("outside.img"),
            ErrorNumber::NoStorageVolume,
            HALF[0],
        );
        t.ok_result(pool.refresh(0), HALF[1])?;
        let outside = t.ok_result(pool.lookup_storage_vol_by_name("outside.img"), HALF[2])?;
        let file_str = file.to_string_lossy().into_owned();
        t.is(
            (outside.key()?, outside.path()?),
            (file_str.clone(), file_str),
            HALF[3],
        );
        let info = outside.info()?;
        t.is(info.kind, VIR_STORAGE_VOL_FILE, HALF[4]);
        t.is(info.capacity, OUTSIDE_SIZE as u64, HALF[5]);
        t.is(info.allocation, allocated_bytes(&file)?, HALF[6]);
        outside.delete(0)?;
        t.ok(!Path::new(&file).exists(), HALF[7]);
    }
    t.ok_result(vol.delete(0), "delete the volume")?;
    pool.destroy()?;
    Ok(())
}
