//! A qcow2 overlay given to a guest as a raw disk: libvirt grants the guest's QEMU process its image and nothing behind it — QEMU may read and write the overlay file, but not its backing file — and restores the image's owner when the guest stops.
//!
//! A disk labelled raw has no backing chain, whatever its content says;
//! following the qcow2 header's backing file would let a guest that
//! writes such a header into its raw disk open any host file. The process
//! identity is read from `/proc/<pid>/status` (pid from libvirt's pid
//! file); access is decided from owner, mode and POSIX ACLs along the
//! whole path (src/virt/host_access.rs). Both files start out root's,
//! mode 0600.

use std::path::Path;
use tck::prelude::*;
use tck::virt::builders::{Disk, Size};
use tck::virt::host_access::{access, qemu_pid, FileSecurity, Ids};
use tck::virt::storage::local_file;
use virt::storage_vol::StorageVol;

pub const META: Meta = Meta {
    requires: &[
        Require::Root,
        Require::LocalHost,
        Require::Driver(&["QEMU"]),
    ],
    tags: &["storage", "guest", "security"],
    ..Meta::DEFAULT
};

/// Where the system daemon keeps the pid files of running QEMU guests.
const RUN_DIR: &str = "/run/libvirt/qemu";

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let vol = |name: &str, fmt: &str, backing: Option<&str>| {
        let mut b = cx
            .volume(name)
            .capacity(Size::mib(16))
            .format(fmt)
            .permissions(Some(0o600), Some(0), Some(0));
        if let Some(path) = backing {
            b = b.backing(path, Some("raw"));
        }
        StorageVol::create_xml(&pool, &b.as_xml(), 0)
    };
    let base = t.ok_result(vol("base.raw", "raw", None), "create a raw base volume")?;
    let base_path = local_file(&base.path()?).map_err(Stop::Skip)?;
    let top = t.ok_result(
        vol("top.qcow2", "qcow2", Some(&base.path()?)),
        "create a qcow2 overlay backed by it",
    )?;
    let top_path = local_file(&top.path()?).map_err(Stop::Skip)?;
    let before = FileSecurity::of(&top_path)?;

    let name = cx.name("dom");
    let disk = Disk::file(&top_path.to_string_lossy(), "vda")
        .bus("virtio")
        .format("raw");
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&name)?.disk(disk).as_xml(), 0),
        "a guest with the overlay as a raw disk starts",
    )?;
    let ids = Ids::of_pid(qemu_pid(Path::new(RUN_DIR), &name)?)?;
    t.note(&format!("the guest's QEMU runs as {}", ids.describe()));
    if ids.uid == 0 {
        return Err(Stop::Skip(
            "unsupported by driver configuration: QEMU runs as root (qemu.conf user), so DAC cannot confine it".into(),
        ));
    }
    let live = dom.xml_desc(0)?;
    t.ok(
        !live.contains(&*base_path.to_string_lossy()),
        "the live XML shows no backing chain behind the raw disk",
    );
    let a = access(&top_path, &ids)?;
    t.point(
        a.read && a.write,
        "QEMU may read and write the overlay image",
        (!(a.read && a.write)).then(|| Yaml::map([("why", Yaml::Str(a.why.clone()))])),
    );
    let b = access(&base_path, &ids)?;
    t.point(
        !b.read && !b.write,
        "QEMU may not open the backing file behind the raw-labelled image",
        (b.read || b.write).then(|| Yaml::map([("why", Yaml::Str(b.why.clone()))])),
    );

    t.ok_result(dom.destroy(), "stop the guest")?;
    let after = FileSecurity::of(&top_path)?;
    t.is(
        (after.uid, after.gid, after.mode),
        (before.uid, before.gid, before.mode),
        "after the guest stops the overlay has its old owner and mode again",
    );
    top.delete(0)?;
    base.delete(0)?;
    t.ok(
        !top_path.exists() && !base_path.exists(),
        "the volumes are deleted",
    );
    pool.destroy()?;
    Ok(())
}
