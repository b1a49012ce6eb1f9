//! A disk pool on a configured spare block device: it cannot start before it is built, building writes a DOS partition table and a second build is refused, partitions of 256 and 64 MiB are created and deleted, and deleting the pool erases the table. OVERWRITES THE DEVICE.
//!
//! The device is the first of `block_devices` in the configuration (a
//! whole disk you can lose; tck checks it is not mounted or in use). The
//! script first zeroes its first and last MiB, so that no old partition
//! table (DOS, or GPT with its backup at the end) is left. Partition
//! volumes are named by the device, as libvirt requires: `sdb1`, or
//! `nvme0n1p1` when the device name ends in a digit.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use tck::prelude::*;
use tck::virt::builders::{Size, StoragePoolBuilder, StorageVolBuilder};
use virt::storage_vol::StorageVol;
use virt::sys::VIR_STORAGE_VOL_BLOCK;

pub const META: Meta = Meta {
    requires: &[
        Require::Root,
        Require::LocalHost,
        Require::Resource(Resource::BlockDevice),
    ],
    tags: &["storage"],
    ..Meta::DEFAULT
};

const MIB: u64 = 1 << 20;

/// Zeroes the first and the last MiB of the device.
fn wipe_labels(dev: &Path, size: u64) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(dev)?;
    let zeros = vec![0u8; MIB as usize];
    f.write_all(&zeros)?;
    f.seek(SeekFrom::Start(size - MIB))?;
    f.write_all(&zeros)?;
    f.sync_all()
}

/// Whether the device's first sector ends with the MBR signature 55 AA.
fn has_mbr(dev: &Path) -> std::io::Result<bool> {
    let mut sector = [0u8; 512];
    std::fs::File::open(dev)?.read_exact(&mut sector)?;
    Ok(sector[510..] == [0x55, 0xAA])
}

/// The name of partition `n` of `dev`, as the kernel and libvirt name it.
fn partition(dev: &Path, n: u32) -> String {
    let base = dev.file_name().unwrap_or_default().to_string_lossy();
    if base.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{base}p{n}")
    } else {
        format!("{base}{n}")
    }
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let Some(device) = cx.config().block_devices.first() else {
        return Err(t.skip_all("missing resource: `block_devices` is not set"));
    };
    if device.size < 512 * MIB {
        return Err(t.skip_all(&format!(
            "missing resource: the block device {} has {} bytes; this script needs at least 512 MiB",
            device.path.display(),
            device.size
        )));
    }
    t.plan(18);
    let conn = cx.connect()?;
    // libvirt names partitions after the real device node.
    let dev = std::fs::canonicalize(&device.path)?;
    wipe_labels(&dev, device.size)?;
    let dev_str = dev.to_string_lossy().into_owned();
    let xml = StoragePoolBuilder::new("disk", &cx.name("disk"))
        .source_device(&dev_str)
        .source_format("dos")
        .target("/dev")
        .as_xml();

    let pool = t.ok_result(
        conn.define_storage_pool_xml(&xml, 0),
        "define the disk pool",
    )?;
    t.err_code(
        pool.create(0),
        ErrorNumber::StorageProbeFailed,
        "starting it on a device without a partition table raises StorageProbeFailed",
    );
    t.ok_result(pool.build(0), "build writes a partition table")?;
    t.ok(
        has_mbr(&dev)?,
        "the device now has a DOS partition table (55 AA)",
    );
    t.err_code(
        pool.build(0),
        ErrorNumber::StoragePoolBuilt,
        "building again raises StoragePoolBuilt",
    );
    t.ok_result(pool.create(0), "start the built pool")?;

    let (p1, p2) = (partition(&dev, 1), partition(&dev, 2));
    let mut vols = Vec::new();
    for (name, mib) in [(&p1, 256), (&p2, 64)] {
        let vol = t.ok_result(
            StorageVol::create_xml(
                &pool,
                &StorageVolBuilder::new(name)
                    .capacity(Size::mib(mib))
                    .as_xml(),
                0,
            ),
            &format!("create a {mib} MiB partition"),
        )?;
        let info = vol.info()?;
        t.ok(
            info.kind == VIR_STORAGE_VOL_BLOCK && info.capacity >= mib * MIB,
            &format!("the {mib} MiB partition is a block volume of at least {mib} MiB"),
        );
        vols.push(vol);
    }
    let mut listed = pool.list_volumes()?;
    listed.sort();
    t.is(
        listed,
        vec![p1.clone(), p2.clone()],
        "the pool lists both partitions",
    );
    for (vol, mib) in vols.iter().zip([256, 64]) {
        // A failed delete is reported and the script goes on, so that the
        // pool is still stopped and deleted.
        let _ = t.ok_result(vol.delete(0), &format!("delete the {mib} MiB partition"));
    }
    t.is(
        pool.list_volumes()?,
        Vec::<String>::new(),
        "the pool lists no partition",
    );

    t.ok_result(pool.destroy(), "stop the pool")?;
    t.ok_result(
        pool.delete(0),
        "delete the pool (erases the partition table)",
    )?;
    t.ok(
        !has_mbr(&dev)?,
        "the device has no partition table any more",
    );
    t.ok_result(pool.undefine(), "undefine the pool")?;
    Ok(())
}
