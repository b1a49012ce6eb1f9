//! A qcow2 volume created with a backing store (storage/250–255): the
//! volume XML names the backing file and its format, and the image's own
//! header — read by tck ([`Qcow2Header`]), not by qemu-img — names the
//! backing file and carries the backing-format extension (type
//! 0xE2792ACA) with that format. The extension is what stops QEMU from
//! probing the backing file's format, which a guest writing a fake qcow2
//! header into a raw backing file could otherwise exploit.
//!
//! When the script gives no backing format, the expected one is the
//! directory pools' default volume format from the storage pool
//! capabilities (raw where the driver cannot say): never one probed from
//! the backing file.

use crate::prelude::*;
use crate::virt::builders::Size;
use crate::virt::storage::qcow2::Qcow2Header;
use crate::virt::storage::{local_file, volume_xml, DirVolumeFormats};
use std::path::Path;
use virt::storage_vol::StorageVol;

/// A storage/25x script: its volumes and the descriptions of its points.
#[derive(Debug, Clone, Copy)]
pub struct BackingStore {
    /// The base volume's name and format.
    pub base: (&'static str, &'static str),
    /// Create the base volume sparse (allocation 0).
    pub base_sparse: bool,
    /// The description of the point that creates the base volume.
    pub create_base: &'static str,
    /// The backing format the qcow2 volume's XML gives; `None`: none, so
    /// the pool's default is expected.
    pub backing_format: Option<&'static str>,
    /// The description of the point that creates the qcow2 volume.
    pub create_top: &'static str,
    /// The description of the volume XML check.
    pub xml_names_backing: &'static str,
    /// The description of a check that the header's size is the volume's
    /// capacity, when made.
    pub header_size: Option<&'static str>,
    /// The descriptions of the header's backing file and backing format
    /// checks.
    pub header_backing: [&'static str; 2],
    /// The description of a check that both volume files are gone after
    /// deletion, when made.
    pub deleted: Option<&'static str>,
}

impl BackingStore {
    fn points(&self) -> u64 {
        5 + u64::from(self.header_size.is_some()) + u64::from(self.deleted.is_some())
    }
}

/// Creates the base volume and a qcow2 volume backed by it in a scratch
/// pool, checks the volume XML and the qcow2 header, and deletes both.
/// The header checks skip where volumes are not local files.
pub fn run(t: &mut Tap, cx: &Context, s: &BackingStore) -> Outcome {
    t.plan(s.points());
    let format = match s.backing_format {
        Some(f) => f.to_string(),
        None => {
            let default = DirVolumeFormats::of(cx.connect()?)?
                .and_then(|d| d.default)
                .unwrap_or_else(|| "raw".to_string());
            t.note(&format!(
                "the default volume format of directory pools is {default}"
            ));
            default
        }
    };
    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let mut base = cx.volume(s.base.0).capacity(Size::mib(16));
    if s.base_sparse {
        base = base.allocation(Size::bytes(0));
    }
    let base = t.ok_result(
        StorageVol::create_xml(&pool, &base.format(s.base.1).as_xml(), 0),
        s.create_base,
    )?;
    let base_path = base.path()?;
    let top = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("top.qcow2")
                .capacity(Size::mib(16))
                .format("qcow2")
                .backing(&base_path, s.backing_format)
                .as_xml(),
            0,
        ),
        s.create_top,
    )?;
    let xml = volume_xml(&top)?;
    t.is(
        (
            xml.find_text("backingStore/path"),
            xml.find_attr("backingStore/format", "type"),
        ),
        (Some(base_path.clone()), Some(format.as_str())),
        s.xml_names_backing,
    );

    let descs: Vec<&str> = s.header_size.into_iter().chain(s.header_backing).collect();
    match local_file(&top.path()?) {
        Err(why) => {
            for d in descs {
                t.skip_point(d, &why);
            }
        }
        Ok(file) => match Qcow2Header::read(&file) {
            Ok(h) => {
                if let Some(desc) = s.header_size {
                    t.is(h.size, top.info()?.capacity, desc);
                }
                t.is(
                    h.backing_file.as_deref(),
                    Some(base_path.as_str()),
                    s.header_backing[0],
                );
                t.is(
                    h.backing_format().as_deref(),
                    Some(format.as_str()),
                    s.header_backing[1],
                );
            }
            Err(e) => {
                for d in descs {
                    t.fail(
                        d,
                        Yaml::map([("error", Yaml::Str(format!("{}: {e}", file.display())))]),
                    );
                }
            }
        },
    }
    top.delete(0)?;
    base.delete(0)?;
    if let Some(desc) = s.deleted {
        t.ok(!Path::new(&base_path).exists(), desc);
    }
    pool.destroy()?;
    Ok(())
}
