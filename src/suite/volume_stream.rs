//! Volume transfers through libvirt streams (storage/400–425): a
//! patterned raw volume downloaded, or uploaded into, over the same four
//! regions — the whole volume, its start, an unaligned region spanning
//! several stream messages, its tail — with the stream driven one of the
//! three ways of [`Mode`]. Each region's bytes are compared by SHA-256
//! with the volume's file on this host, the oracle (so the scripts skip
//! where volumes are not local files, as on the test driver).

use crate::prelude::*;
use crate::virt::builders::Size;
use crate::virt::storage::content::{pattern, pattern_at, Region};
use crate::virt::storage::local_file;
use crate::virt::storage::stream::{download, upload, Mode};
use std::path::PathBuf;
use std::time::Duration;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

/// How long one non-blocking transfer may take (blocking ones are bounded
/// by the script's timeout).
const LIMIT: Duration = Duration::from_secs(15);

/// The size of the volume transferred to and from:
/// 3 MiB and a bit, so that no transfer ends on a chunk boundary.
pub const VOLUME_SIZE: u64 = (3 << 20) + 1234;

/// An offset and length (0: to the end) of a transfer, with a label for
/// test point descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    pub label: &'static str,
    pub offset: u64,
    pub len: u64,
}

/// The transfers made on a [`VOLUME_SIZE`] volume:
/// the whole of it, its start, an unaligned region spanning several stream
/// messages, and its tail up to the end.
pub const CASES: [Case; 4] = [
    Case {
        label: "the whole volume",
        offset: 0,
        len: 0,
    },
    Case {
        label: "the first 64 KiB",
        offset: 0,
        len: 64 << 10,
    },
    Case {
        label: "600000 bytes at offset 1 MiB + 3",
        offset: (1 << 20) + 3,
        len: 600_000,
    },
    Case {
        label: "the last 4 KiB up to the end",
        offset: VOLUME_SIZE - 4096,
        len: 0,
    },
];

/// A raw volume of [`VOLUME_SIZE`] in `pool` filled with the pattern
/// `seed`, and its file. Skips (the rest of the script) when the driver's
/// volumes are not files on this host: the file is the oracle.
pub fn patterned_volume(
    cx: &Context,
    pool: &StoragePool,
    name: &str,
    seed: u8,
) -> Result<(StorageVol, PathBuf), Stop> {
    let xml = cx
        .volume(name)
        .capacity(Size::bytes(VOLUME_SIZE))
        .format("raw")
        .as_xml();
    let vol = StorageVol::create_xml(pool, &xml, 0)
        .map_err(|e| LibvirtError::from(e).context(format!("cannot create the volume {name}")))?;
    let file = local_file(&vol.path()?).map_err(Stop::Skip)?;
    std::fs::write(&file, pattern(seed, VOLUME_SIZE as usize))?;
    Ok((vol, file))
}

/// Downloads each of [`CASES`] of a patterned volume in `mode`: two test
/// points per case, the download and its bytes.
pub fn download_cases(t: &mut Tap, cx: &Context, mode: Mode) -> Outcome {
    t.plan(2 * CASES.len() as u64);
    let conn = cx.connect()?;
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let (vol, file) = patterned_volume(cx, &pool, "vol.raw", 1)?;
    let data = std::fs::read(&file)?;

    for case in CASES {
        let region = Region::new(case.offset, case.len, VOLUME_SIZE);
        let got = t.ok_result(
            download(conn, &vol, case.offset, case.len, mode, LIMIT),
            &format!("download {}", case.label),
        )?;
        t.same_bytes(
            &got,
            region.slice(&data),
            &format!("the download of {} gives exactly its bytes", case.label),
        );
    }
    vol.delete(0)?;
    pool.destroy()?;
    Ok(())
}

/// Uploads new data over each of [`CASES`] of a patterned volume in
/// `mode`, each case starting from the old content: four test points per
/// case, the upload, the region's new bytes, and the untouched bytes
/// before and after it.
pub fn upload_cases(t: &mut Tap, cx: &Context, mode: Mode) -> Outcome {
    t.plan(4 * CASES.len() as u64);
    let conn = cx.connect()?;
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let (vol, file) = patterned_volume(cx, &pool, "vol.raw", 1)?;
    let old = pattern(1, VOLUME_SIZE as usize);

    for case in CASES {
        std::fs::write(&file, &old)?;
        let region = Region::new(case.offset, case.len, VOLUME_SIZE);
        let new = pattern_at(2, region.offset, region.len as usize);
        t.ok_result(
            upload(conn, &vol, case.offset, case.len, &new, mode, LIMIT),
            &format!("upload {}", case.label),
        )?;
        let now = std::fs::read(&file)?;
        let (start, end) = (region.offset as usize, region.end() as usize);
        let at = |r: std::ops::Range<usize>| now.get(r).unwrap_or_default();
        t.same_bytes(
            at(start..end),
            &new,
            &format!("the upload of {} wrote exactly the data sent", case.label),
        );
        t.same_bytes(
            at(0..start),
            &old[..start],
            &format!(
                "the upload of {} left the bytes before it untouched",
                case.label
            ),
        );
        t.same_bytes(
            at(end..now.len()),
            &old[end..],
            &format!(
                "the upload of {} left the bytes after it untouched",
                case.label
            ),
        );
    }
    vol.delete(0)?;
    pool.destroy()?;
    Ok(())
}
