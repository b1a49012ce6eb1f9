//! A running transient domain saved to a file (domain/100–102): the
//! set-up of the scripts that then restore the image, whole or damaged.

use crate::prelude::*;
use crate::virt::shim::domain_save;
use std::path::PathBuf;

/// A domain saved by [`save_transient`].
#[derive(Debug)]
pub struct Saved {
    pub name: String,
    pub uuid: String,
    /// The save image, in the script's scratch directory.
    pub image: PathBuf,
}

/// Creates a transient domain and saves it while it runs. Two test
/// points.
pub fn save_transient(t: &mut Tap, cx: &Context) -> Result<Saved, Stop> {
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let image = cx.scratch_file("saved.img")?;
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&name)?.as_xml(), 0),
        "create a transient domain",
    )?;
    let uuid = dom.uuid_string()?;
    t.ok_result(
        domain_save(&dom, &image),
        "save the running transient domain",
    )?;
    Ok(Saved { name, uuid, image })
}
