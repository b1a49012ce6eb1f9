//! Restoring a save image whose end was cut off fails and leaves no domain behind.

use tck::prelude::*;
use tck::suite::save_restore::{save_transient, Saved};

/// At most this much is cut from the end of the image (at most half of it).
const CUT: u64 = 512 * 1024;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(5);
    let conn = cx.connect()?;
    let Saved { name, uuid, image } = save_transient(t, cx)?;

    let file = std::fs::OpenOptions::new().write(true).open(&image)?;
    let len = file.metadata()?.len();
    let keep = len - CUT.min(len / 2);
    file.set_len(keep)?;
    t.note(&format!("cut the save image from {len} to {keep} bytes"));

    t.err_any(
        conn.restore_domain(&image.to_string_lossy()),
        "restoring the truncated image fails",
    );
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "no domain is left by name after the failed restore",
    );
    t.err_code(
        conn.lookup_domain_by_uuid_string(&uuid),
        ErrorNumber::NoDomain,
        "no domain is left by UUID after the failed restore",
    );
    std::fs::remove_file(&image)?;
    Ok(())
}
