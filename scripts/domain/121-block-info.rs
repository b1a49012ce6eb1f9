//! Block info of a running domain's disks (preallocated raw, sparse raw, qcow2 volumes of a dir pool) reports capacity, allocation and physical size as documented; block_resize shrinks and grows a disk; block_peek reads a raw disk's bytes and refuses a qcow2 one.

use tck::prelude::*;
use tck::virt::builders::{Disk, Size};
use tck::virt::shim::{domain_block_info, domain_block_peek, BlockInfo};
use virt::storage_vol::StorageVol;
use virt::sys::VIR_DOMAIN_BLOCK_RESIZE_BYTES as BYTES;

const MIB: u64 = 1 << 20;
const SIZE: u64 = 8 * MIB;

pub const META: Meta = Meta {
    requires: &[Require::Tool("qemu-img"), Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

/// Where the raw disk's known bytes are, and what they are.
const PATTERN_AT: u64 = MIB;
fn pattern() -> Vec<u8> {
    (0..4096u32).map(|i| (i * 7 % 251) as u8).collect()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(26);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let pool_xml = cx.pool(&cx.name("pool"))?;
    if let Some(dir) = pool_xml.target_path() {
        std::fs::create_dir_all(dir)?;
    }
    let pool = t.ok_result(
        conn.create_storage_pool_xml(&pool_xml.as_xml(), 0),
        "create a dir pool in the scratch directory",
    )?;
    let mut make = |name: &str, format: &str, allocation: u64, what: &str| {
        let xml = cx
            .volume(name)
            .capacity(Size::bytes(SIZE))
            .allocation(Size::bytes(allocation))
            .format(format)
            .as_xml();
        t.ok_result(
            StorageVol::create_xml(&pool, &xml, 0),
            &format!("create {what}"),
        )
    };
    let raw = make("full.img", "raw", SIZE, "a preallocated 8 MiB raw volume")?;
    let sparse = make("sparse.img", "raw", 0, "a sparse 8 MiB raw volume")?;
    let qcow2 = make("disk.qcow2", "qcow2", 0, "an 8 MiB qcow2 volume")?;

    // Known bytes inside the raw disk, written through the host file.
    let raw_path = raw.path()?;
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&raw_path)?;
        f.seek(SeekFrom::Start(PATTERN_AT))?;
        f.write_all(&pattern())?;
    }

    let b = cx
        .domain(&cx.name("dom"))?
        .disk(Disk::file(&raw_path, "vdb").bus("virtio").format("raw"))
        .disk(
            Disk::file(&sparse.path()?, "vdc")
                .bus("virtio")
                .format("raw"),
        )
        .disk(
            Disk::file(&qcow2.path()?, "vdd")
                .bus("virtio")
                .format("qcow2"),
        );
    let dom = t.ok_result(
        conn.create_domain_xml(&b.as_xml(), 0),
        "start a domain with the three disks",
    )?;

    let info = |disk: &str| -> Result<BlockInfo, Stop> {
        let i = domain_block_info(&dom, disk, 0)?;
        Ok(i)
    };
    let full = t.ok_result(
        domain_block_info(&dom, "vdb", 0),
        "block info of the preallocated raw disk",
    )?;
    t.note(&format!("preallocated raw: {full:?}"));
    t.ok(
        full.capacity == SIZE && full.physical == SIZE,
        "preallocated raw: capacity and physical size are 8 MiB",
    );
    t.ok(
        full.allocation >= SIZE,
        "preallocated raw: all 8 MiB are allocated",
    );

    let thin = t.ok_result(
        domain_block_info(&dom, "vdc", 0),
        "block info of the sparse raw disk",
    )?;
    t.note(&format!("sparse raw: {thin:?}"));
    t.ok(
        thin.capacity == SIZE && thin.physical == SIZE,
        "sparse raw: capacity and physical size are 8 MiB",
    );
    t.ok(
        thin.allocation < SIZE,
        "sparse raw: less than 8 MiB is allocated",
    );

    let q = t.ok_result(
        domain_block_info(&dom, "vdd", 0),
        "block info of the qcow2 disk",
    )?;
    t.note(&format!("qcow2: {q:?}"));
    t.is(
        q.capacity,
        SIZE,
        "qcow2: the capacity is the 8 MiB virtual size",
    );
    t.ok(
        q.physical < SIZE && q.allocation < SIZE,
        "qcow2: the new image file and its allocation are smaller than the disk",
    );
    t.err_code(
        domain_block_info(&dom, "vdz", 0),
        ErrorNumber::InvalidArg,
        "block info of an unknown disk raises InvalidArg",
    );

    // Resize: down, then up, as the guest sees it.
    t.ok_result(
        dom.block_resize("vdc", 4 * MIB, BYTES),
        "shrink the sparse raw disk to 4 MiB",
    )?;
    t.is(
        info("vdc")?.capacity,
        4 * MIB,
        "the shrunk disk's capacity is 4 MiB",
    );
    t.ok_result(
        dom.block_resize("vdc", 12 * MIB, BYTES),
        "grow the sparse raw disk to 12 MiB",
    )?;
    t.is(
        info("vdc")?.capacity,
        12 * MIB,
        "the grown disk's capacity is 12 MiB",
    );
    t.ok_result(
        dom.block_resize("vdd", 16 * MIB, BYTES),
        "grow the qcow2 disk to 16 MiB",
    )?;
    t.is(
        info("vdd")?.capacity,
        16 * MIB,
        "the grown qcow2 disk's capacity is 16 MiB",
    );

    // Peek: raw disks only.
    let mut buf = vec![0u8; pattern().len()];
    t.ok_result(
        domain_block_peek(&dom, "vdb", PATTERN_AT, &mut buf),
        "block_peek reads the raw disk",
    )?;
    t.ok(
        buf == pattern(),
        "block_peek returns the bytes written at 1 MiB",
    );
    t.err_code(
        domain_block_peek(&dom, "vdb", SIZE - 512, &mut buf),
        ErrorNumber::InvalidArg,
        "block_peek past the end of the disk raises InvalidArg",
    );
    t.err_code(
        domain_block_peek(&dom, "vdd", 0, &mut buf),
        ErrorNumber::OperationUnsupported,
        "block_peek on the qcow2 disk raises OperationUnsupported",
    );

    t.ok_result(dom.destroy(), "destroy the domain")?;
    for v in [raw, sparse, qcow2] {
        v.delete(0)?;
    }
    pool.destroy()?;
    Ok(())
}
