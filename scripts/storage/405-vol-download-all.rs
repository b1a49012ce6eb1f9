//! Downloads a patterned raw volume through virStreamRecvAll: the whole volume, its first 64 KiB, an unaligned region spanning several stream messages, and its last 4 KiB; each download gives exactly the bytes of that region (SHA-256).
//!
//! `virt` 0.5 has no `recv_all`/`send_all`: tck calls libvirt's
//! `virStreamRecvAll` itself (src/virt/shim/stream.rs) with a Rust sink closure.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::storage::content::Region;
use tck::virt::storage::stream::{download, patterned_volume, Mode, CASES, VOLUME_SIZE};

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

/// Unused by blocking transfers (their limit is the script timeout).
const LIMIT: Duration = Duration::from_secs(15);

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(2 * CASES.len() as u64);
    let conn = cx.connect()?;
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let (vol, file) = patterned_volume(cx, &pool, "vol.raw", 1)?;
    let data = std::fs::read(&file)?;

    for case in CASES {
        let region = Region::new(case.offset, case.len, VOLUME_SIZE);
        let got = t.ok_result(
            download(conn, &vol, case.offset, case.len, Mode::All, LIMIT),
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
