//! What a guest's QEMU process may open of a qcow2 chain (qemu/200–210):
//! libvirt's DAC security driver grants QEMU the images of the disk's
//! backing chain as libvirt understands it — from the formats the domain
//! XML and the images' headers give, never from probing — and nothing
//! else. A script names the chain, the disk's format, what the live XML
//! must show and what QEMU may do with each image; [`run`] does the rest.
//!
//! The process identity is read from `/proc/<pid>/status` (pid from
//! libvirt's pid file); access is decided from owner, mode and POSIX ACLs
//! along the whole path ([`crate::virt::host::access`]). Every image
//! starts out root's, mode 0600, so QEMU can open only what libvirt
//! grants it.

use crate::prelude::*;
use crate::virt::builders::{Disk, Size};
use crate::virt::host::access::{access, qemu_pid, FileSecurity, Ids};
use crate::virt::storage::local_file;
use crate::virt::xmltree::Element;
use std::path::{Path, PathBuf};
use virt::storage_vol::StorageVol;

/// Where the system daemon keeps the pid files of running QEMU guests.
const RUN_DIR: &str = "/run/libvirt/qemu";

/// What QEMU may do with an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum May {
    ReadWrite,
    /// Read (a backing image is opened read-only: whether it is also
    /// writable is not checked).
    Read,
    /// Neither read nor write.
    Nothing,
}

impl May {
    fn holds(self, read: bool, write: bool) -> bool {
        match self {
            May::ReadWrite => read && write,
            May::Read => read,
            May::Nothing => !read && !write,
        }
    }
}

/// One image of the chain.
#[derive(Debug, Clone, Copy)]
pub struct Image {
    /// The volume name.
    pub name: &'static str,
    /// The image's own format.
    pub format: &'static str,
    /// The format its header gives its backing file, the image before it
    /// in the chain (`None` for the base).
    pub backing_format: Option<&'static str>,
    /// The description of the test point that creates it.
    pub create: &'static str,
    /// What QEMU may do with it while the guest runs…
    pub may: May,
    /// …and the description of the test point that checks it.
    pub may_desc: &'static str,
}

/// A qemu/2xx script.
#[derive(Debug, Clone, Copy)]
pub struct Qcow2Access {
    /// The images, base first; the last is the guest's disk.
    pub chain: &'static [Image],
    /// The format the domain XML gives the disk (`None`: no format).
    pub disk_format: Option<&'static str>,
    /// The description of the test point that starts the guest.
    pub guest_starts: &'static str,
    /// How many images, counting the disk, the live XML shows in the
    /// disk's chain; the paths of the images behind them must not appear.
    pub live_chain: usize,
    /// The format the live XML must give the disk, when checked.
    pub live_format: Option<&'static str>,
    /// The description of the live XML check.
    pub live_desc: &'static str,
    /// Also check that the disk image gets its owner and mode back after
    /// the guest stops.
    pub owner_restored: bool,
}

impl Qcow2Access {
    /// How many test points [`run`] makes.
    pub fn points(&self) -> u64 {
        2 * self.chain.len() as u64 + 4 + u64::from(self.owner_restored)
    }
}

/// Creates the chain in a scratch pool, starts a guest on its top image,
/// checks the live XML and what QEMU may open, stops the guest and
/// deletes the chain. Skips when the volumes are not local files or QEMU
/// runs as root (DAC cannot confine it then).
pub fn run(t: &mut Tap, cx: &Context, s: &Qcow2Access) -> Outcome {
    t.plan(s.points());
    let conn = cx.connect()?;
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let mut vols: Vec<StorageVol> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for image in s.chain {
        let mut b = cx
            .volume(image.name)
            .capacity(Size::mib(16))
            .format(image.format)
            .permissions(Some(0o600), Some(0), Some(0));
        if let (Some(format), Some(below)) = (image.backing_format, vols.last()) {
            b = b.backing(&below.path()?, Some(format));
        }
        let vol = t.ok_result(StorageVol::create_xml(&pool, &b.as_xml(), 0), image.create)?;
        files.push(local_file(&vol.path()?).map_err(Stop::Skip)?);
        vols.push(vol);
    }
    let Some(top) = files.last().cloned() else {
        return Err(Stop::Error("a qcow2 access script names no image".into()));
    };
    let before = s
        .owner_restored
        .then(|| FileSecurity::of(&top))
        .transpose()?;

    let name = cx.name("dom");
    let mut disk = Disk::file(&top.to_string_lossy(), "vda").bus("virtio");
    if let Some(format) = s.disk_format {
        disk = disk.format(format);
    }
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&name)?.disk(disk).as_xml(), 0),
        s.guest_starts,
    )?;
    let ids = Ids::of_pid(qemu_pid(Path::new(RUN_DIR), &name)?)?;
    t.note(&format!("the guest's QEMU runs as {}", ids.describe()));
    if ids.uid == 0 {
        return Err(Stop::Skip(
            "unsupported by driver configuration: QEMU runs as root (qemu.conf user), so DAC cannot confine it".into(),
        ));
    }

    let live = dom.xml_desc(0)?;
    let shown = |f: &PathBuf| live.contains(&*f.to_string_lossy());
    let below = &files[..files.len() - 1];
    let (behind, in_chain) =
        below.split_at(below.len().saturating_sub(s.live_chain.saturating_sub(1)));
    let format_ok = match s.live_format {
        None => true,
        Some(want) => {
            let xml = Element::parse(&live)
                .map_err(|e| format!("the live domain XML is not well-formed: {e}"))?;
            xml.find_attr("devices/disk/driver", "type") == Some(want)
        }
    };
    t.ok(
        format_ok && in_chain.iter().all(shown) && !behind.iter().any(shown),
        s.live_desc,
    );
    for (image, file) in s.chain.iter().zip(&files).rev() {
        let a = access(file, &ids)?;
        let ok = image.may.holds(a.read, a.write);
        t.point(
            ok,
            image.may_desc,
            (!ok).then(|| Yaml::map([("why", Yaml::Str(a.why.clone()))])),
        );
    }

    t.ok_result(dom.destroy(), "stop the guest")?;
    if let Some(before) = before {
        let after = FileSecurity::of(&top)?;
        t.is(
            (after.uid, after.gid, after.mode),
            (before.uid, before.gid, before.mode),
            "after the guest stops the overlay has its old owner and mode again",
        );
    }
    for vol in vols.iter().rev() {
        vol.delete(0)?;
    }
    t.ok(files.iter().all(|f| !f.exists()), "the volumes are deleted");
    pool.destroy()?;
    Ok(())
}
