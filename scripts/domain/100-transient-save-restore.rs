//! Saves a running transient domain to a file (it goes away) and restores it from that file (it is back, running and still transient).

use tck::prelude::*;
use tck::suite::save_restore::{save_transient, Saved};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    let conn = cx.connect()?;
    let Saved { name, uuid, image } = save_transient(t, cx)?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "the saved transient domain is gone",
    );

    t.ok_result(
        conn.restore_domain(&image.to_string_lossy()),
        "restore the domain from its image",
    )?;
    let back = t.ok_result(
        conn.lookup_domain_by_name(&name),
        "the restored domain is found by name",
    )?;
    t.is(
        back.uuid_string()?,
        uuid.as_str(),
        "the restored domain has the saved UUID",
    );
    t.ok(
        back.is_active()? && !back.is_persistent()?,
        "the restored domain runs and is still transient",
    );
    t.ok_result(back.destroy(), "destroy the restored domain")?;
    std::fs::remove_file(&image)?;
    Ok(())
}
