//! Saves a running domain straight onto a raw block device (one the configuration lists as expendable) and restores it from there: the domain goes away, the device holds the image, and the restored domain is the same one, running.
//!
//! The first 10 MiB of the device are zeroed first, so what is found there
//! afterwards was written by the save.

use std::io::{Read, Write};
use tck::prelude::*;
use tck::virt::shim::domain_save;

const ZEROED: u64 = 10 << 20;

pub const META: Meta = Meta {
    requires: &[
        Require::Resource(Resource::BlockDevice),
        Require::LocalHost,
        Require::Root,
    ],
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let device = cx
        .config()
        .block_devices
        .first()
        .ok_or("no block device is configured")?
        .clone();
    let path = device.path.to_string_lossy().into_owned();
    t.plan(8);
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(&device.path)?;
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(ZEROED.min(device.size) >> 20) {
            f.write_all(&zeros)?;
        }
        f.sync_all()?;
    }
    t.note(&format!("zeroed the start of {path}"));

    let conn = cx.connect()?;
    let name = cx.name("dom");
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&name)?.as_xml(), 0),
        "create a running domain",
    )?;
    let uuid = dom.uuid_string()?;
    t.ok_result(
        domain_save(&dom, &device.path),
        &format!("save the domain to {path}"),
    )?;
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "the saved domain is gone",
    );
    let mut head = vec![0u8; 4096];
    std::fs::File::open(&device.path)?.read_exact(&mut head)?;
    t.ok(
        head.iter().any(|&b| b != 0),
        "the device now starts with the save image",
    );

    t.ok_result(
        conn.restore_domain(&path),
        &format!("restore the domain from {path}"),
    )?;
    let back = t.ok_result(
        conn.lookup_domain_by_name(&name),
        "the restored domain is found by name",
    )?;
    t.ok(
        back.uuid_string()? == uuid && back.is_active()?,
        "the restored domain has the saved UUID and runs",
    );
    t.ok_result(back.destroy(), "destroy the restored domain")?;
    Ok(())
}
