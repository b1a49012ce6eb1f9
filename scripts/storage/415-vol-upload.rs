//! Uploads patterned data into a raw volume through a blocking stream: over the whole volume, its first 64 KiB, an unaligned region spanning several stream messages, and its last 4 KiB; each upload writes exactly that region (SHA-256) and leaves the bytes before and after it untouched.
//!
//! The stream is blocking and read or written chunk by chunk with
//! `virStreamSend` until the end (then virStreamFinish).

use std::time::Duration;
use tck::prelude::*;
use tck::virt::storage::content::{pattern, pattern_at, Region};
use tck::virt::storage::stream::{patterned_volume, upload, Mode, CASES, VOLUME_SIZE};

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

/// Unused by blocking transfers (their limit is the script timeout).
const LIMIT: Duration = Duration::from_secs(15);

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(4 * CASES.len() as u64);
    let conn = cx.connect()?;
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let (vol, file) = patterned_volume(cx, &pool, "vol.raw", 1)?;
    let old = pattern(1, VOLUME_SIZE as usize);

    for case in CASES {
        // Every case starts from the old content.
        std::fs::write(&file, &old)?;
        let region = Region::new(case.offset, case.len, VOLUME_SIZE);
        let new = pattern_at(2, region.offset, region.len as usize);
        t.ok_result(
            upload(
                conn,
                &vol,
                case.offset,
                case.len,
                &new,
                Mode::Blocking,
                LIMIT,
            ),
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
