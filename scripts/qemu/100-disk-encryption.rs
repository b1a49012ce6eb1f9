//! A LUKS-encrypted volume created through a secret (with a UUID libvirt generates) is a LUKS image on disk, and a guest with that disk and the secret starts.
//!
//! Slow by nature: creating the volume and opening it each run LUKS's key
//! derivation, which is tuned to take about two seconds of CPU.

use tck::prelude::*;
use tck::virt::builders::{Disk, SecretUsage, Size};
use tck::virt::storage::{local_file, volume_xml};
use virt::storage_vol::StorageVol;

pub const META: Meta = Meta {
    requires: &[Require::Driver(&["QEMU"])],
    tags: &["storage", "guest", "slow"],
    ..Meta::DEFAULT
};

/// The first bytes of a LUKS (version 1 or 2) header.
const LUKS_MAGIC: &[u8] = b"LUKS\xba\xbe";

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let (pool, dir) = cx.started_pool(&cx.name("pool"))?;
    let vol_name = cx.name("disk.luks");
    let vol_path = dir.path().join(&vol_name).to_string_lossy().into_owned();

    // No <uuid>: libvirt generates one, so runs never collide on a fixed UUID.
    let secret_xml = cx
        .secret(&cx.name("luks"))
        .usage(SecretUsage::Volume(vol_path.clone()))
        .as_xml();
    let secret = t.ok_result(
        conn.define_secret_xml(&secret_xml, 0),
        "define a volume secret",
    )?;
    let uuid = secret.uuid_string()?;
    t.ok_result(
        secret.set_value(b"tck-correct-horse", 0),
        "set its passphrase",
    )?;

    let vol = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume(&vol_name)
                .capacity(Size::mib(16))
                .format("raw")
                .encryption_luks(&uuid)
                .as_xml(),
            0,
        ),
        "create a LUKS-encrypted raw volume with the secret",
    )?;
    let xml = volume_xml(&vol)?;
    t.is(
        (
            xml.find_attr("target/encryption", "format"),
            xml.find_attr("target/encryption/secret", "uuid"),
        ),
        (Some("luks"), Some(uuid.as_str())),
        "the volume XML says LUKS with the secret's UUID",
    );
    match local_file(&vol.path()?) {
        Ok(file) => {
            let head = std::fs::read(&file)?;
            t.ok(
                head.starts_with(LUKS_MAGIC),
                "the volume file starts with a LUKS header",
            );
        }
        Err(why) => t.skip_point("the volume file starts with a LUKS header", &why),
    }

    let disk = Disk::file(&vol_path, "vda")
        .bus("virtio")
        .format("raw")
        .encryption_luks(&uuid);
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk).as_xml(), 0),
        "a guest with the encrypted disk and its secret starts",
    )?;
    t.ok(dom.is_active()?, "the guest is running");
    let live = dom.xml_desc(0)?;
    t.ok(
        live.contains("format='luks'") && live.contains(&uuid),
        "the guest's live XML keeps the disk's LUKS encryption and secret",
    );
    t.ok_result(dom.destroy(), "stop the guest")?;

    vol.delete(0)?;
    t.ok_result(secret.undefine(), "undefine the secret")?;
    pool.destroy()?;
    Ok(())
}
