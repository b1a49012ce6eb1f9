//! A disk whose XML names no format is raw — libvirt does not probe it: with a chain base ← middle ← top of qcow2 images (each labelled qcow2), a guest given top without a format gets top only, and QEMU may open neither backing file.
//!
//! Probing the format of a guest-writable image would let a guest that
//! writes a qcow2 header into it open any host file as its backing file;
//! libvirt treats a disk with no format as raw instead. The process
//! identity is read from `/proc/<pid>/status` (pid from libvirt's pid
//! file); access is decided from owner, mode and POSIX ACLs along the
//! whole path (src/virt/host_access.rs). All files start out root's,
//! mode 0600.

use std::path::Path;
use tck::prelude::*;
use tck::virt::builders::{Disk, Size};
use tck::virt::host_access::{access, qemu_pid, Ids};
use tck::virt::storage::local_file;
use tck::virt::xmltree::Element;
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
    t.plan(10);
    let conn = cx.connect()?;
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let vol = |name: &str, fmt: &str, backing: Option<(&str, &str)>| {
        let mut b = cx
            .volume(name)
            .capacity(Size::mib(16))
            .format(fmt)
            .permissions(Some(0o600), Some(0), Some(0));
        if let Some((path, format)) = backing {
            b = b.backing(path, Some(format));
        }
        StorageVol::create_xml(&pool, &b.as_xml(), 0)
    };
    let base = t.ok_result(vol("base.raw", "raw", None), "create a raw base volume")?;
    let base_path = local_file(&base.path()?).map_err(Stop::Skip)?;
    let mid = t.ok_result(
        vol("mid.qcow2", "qcow2", Some((&base.path()?, "raw"))),
        "create a qcow2 middle image backed by it",
    )?;
    let mid_path = local_file(&mid.path()?).map_err(Stop::Skip)?;
    let top = t.ok_result(
        vol("top.qcow2", "qcow2", Some((&mid.path()?, "qcow2"))),
        "create a qcow2 top image backed by the middle one, labelled qcow2",
    )?;
    let top_path = local_file(&top.path()?).map_err(Stop::Skip)?;

    let name = cx.name("dom");
    let disk = Disk::file(&top_path.to_string_lossy(), "vda").bus("virtio");
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&name)?.disk(disk).as_xml(), 0),
        "a guest with the top image as a disk of no format starts",
    )?;
    let ids = Ids::of_pid(qemu_pid(Path::new(RUN_DIR), &name)?)?;
    t.note(&format!("the guest's QEMU runs as {}", ids.describe()));
    if ids.uid == 0 {
        return Err(Stop::Skip(
            "unsupported by driver configuration: QEMU runs as root (qemu.conf user), so DAC cannot confine it".into(),
        ));
    }
    let live = dom.xml_desc(0)?;
    let disk_xml = Element::parse(&live)
        .map_err(|e| format!("the live domain XML is not well-formed: {e}"))?;
    t.ok(
        disk_xml.find_attr("devices/disk/driver", "type") == Some("raw")
            && !live.contains(&*mid_path.to_string_lossy())
            && !live.contains(&*base_path.to_string_lossy()),
        "the live XML gives the disk format raw and no backing chain",
    );
    for (path, what, read, write) in [
        (
            &top_path,
            "QEMU may read and write the top image",
            true,
            true,
        ),
        (
            &mid_path,
            "QEMU may not open the middle image",
            false,
            false,
        ),
        (&base_path, "QEMU may not open the base image", false, false),
    ] {
        let a = access(path, &ids)?;
        let ok = a.read == read && (!write || a.write) && (read || !a.write);
        t.point(
            ok,
            what,
            (!ok).then(|| Yaml::map([("why", Yaml::Str(a.why.clone()))])),
        );
    }

    t.ok_result(dom.destroy(), "stop the guest")?;
    for v in [&top, &mid, &base] {
        v.delete(0)?;
    }
    t.ok(
        !top_path.exists() && !mid_path.exists() && !base_path.exists(),
        "the volumes are deleted",
    );
    pool.destroy()?;
    Ok(())
}
