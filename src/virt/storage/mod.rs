//! What the storage scripts need beyond the libvirt API: `qemu-img` and
//! its formats ([`qemu_img`]), a qcow2 header reader ([`qcow2`]), content
//! patterns and hashes ([`content`]), stream transfers ([`stream`]), and
//! the facts about a volume's file on this host that serve as an oracle
//! for what libvirt reports (here).
//!
//! The checks that look at files (sizes on disk, image headers, content)
//! need the volume to be a file on the machine tck runs on. That holds for
//! local daemons with real storage backends; libvirt's test driver keeps
//! its volumes in memory, so [`local_file`] says so and scripts skip those
//! checks with that reason.

pub mod content;
pub mod qcow2;
pub mod qemu_img;
pub mod stream;

use super::builders::StoragePoolBuilder;
use super::context::Context;
use super::error::LibvirtError;
use super::xmltree::Element;
use crate::script::Stop;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use virt::connect::Connect;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

/// The volume file formats libvirt knows for file-based pools (its
/// `virStorageFileFormat` names, "none" and "dir" left out), for drivers
/// that cannot report storage pool capabilities.
pub const LIBVIRT_FILE_FORMATS: &[&str] = &[
    "raw", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow",
    "qcow2", "qed", "vmdk",
];

/// The target directory of a directory pool in the script's scratch
/// area, created so that the pool can start without a build step
/// (`VIR_STORAGE_POOL_CREATE_WITH_BUILD` is not accepted by every driver:
/// the test driver rejects the flag), and removed with whatever is left
/// in it when dropped — destroying a pool keeps its directory, and a
/// transient pool cannot be asked to delete it once stopped. Drop it after
/// the pool is stopped.
#[derive(Debug)]
pub struct PoolDir(PathBuf);

impl PoolDir {
    pub fn create(pool: &StoragePoolBuilder) -> std::io::Result<PoolDir> {
        let dir = pool.target_path().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("the pool {} has no target directory", pool.name()),
            )
        })?;
        std::fs::create_dir_all(dir)?;
        Ok(PoolDir(PathBuf::from(dir)))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PoolDir {
    fn drop(&mut self) {
        // Best effort: the fixture removes (and reports) what is left.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Context {
    /// A running transient directory pool named `name` (usually
    /// `cx.name("…")`) in the script's scratch directory, and its
    /// directory (removed when dropped): for scripts whose subject is the
    /// volumes in it.
    pub fn started_pool(&self, name: &str) -> Result<(StoragePool, PoolDir), Stop> {
        let b = self.pool(name)?;
        let dir = PoolDir::create(&b)?;
        let pool = self
            .connect()?
            .create_storage_pool_xml(&b.as_xml(), 0)
            .map_err(|e| LibvirtError::from(e).context(format!("cannot start the pool {name}")))?;
        Ok((pool, dir))
    }
}

/// A volume's XML description, parsed.
pub fn volume_xml(vol: &StorageVol) -> Result<Element, Stop> {
    let xml = vol
        .xml_desc(0)
        .map_err(|e| LibvirtError::from(e).context("cannot get the volume XML"))?;
    Element::parse(&xml)
        .map_err(|e| Stop::Error(format!("the volume XML is not well-formed: {e}\n{xml}")))
}

/// `path` as a regular file on this host, or why it is not one (a reason
/// for a skip).
pub fn local_file(path: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(path);
    match std::fs::metadata(&p) {
        Ok(m) if m.is_file() => Ok(p),
        Ok(_) => Err(format!(
            "unsupported by driver: the volume {path} is not a regular file on this host"
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "unsupported by driver: its volumes are not files on this host ({path} does not exist; the test driver keeps volumes in memory)"
        )),
        Err(e) => Err(format!("cannot inspect the volume file {path}: {e}")),
    }
}

/// Bytes allocated to a file on its file system (`st_blocks` × 512), which
/// is what libvirt reports as a file volume's allocation.
pub fn allocated_bytes(path: &Path) -> std::io::Result<u64> {
    Ok(std::fs::metadata(path)?.blocks() * 512)
}

/// What the storage pool capabilities say about `dir` pools' volumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirVolumeFormats {
    /// The format a volume gets when its XML names none.
    pub default: Option<String>,
    /// Every volume format the driver accepts ("none" left out).
    pub formats: Vec<String>,
}

impl DirVolumeFormats {
    /// Reads `<pool type='dir'>` of a `<storagepoolCapabilities>` document;
    /// `None` when dir pools are absent or unsupported.
    pub fn parse(caps_xml: &str) -> Result<Option<DirVolumeFormats>, String> {
        let root = Element::parse(caps_xml).map_err(|e| e.to_string())?;
        let Some(pool) = root
            .elements_named("pool")
            .find(|p| p.get_attr("type") == Some("dir") && p.get_attr("supported") == Some("yes"))
        else {
            return Ok(None);
        };
        let Some(vol) = pool.first("volOptions") else {
            return Ok(None);
        };
        let default = vol.find_attr("defaultFormat", "type").map(str::to_string);
        let formats = vol
            .elements_named("enum")
            .filter(|e| e.get_attr("name") == Some("targetFormatType"))
            .flat_map(|e| e.elements_named("value"))
            .map(|v| v.text_content().trim().to_string())
            .filter(|v| !v.is_empty() && v != "none")
            .collect();
        Ok(Some(DirVolumeFormats { default, formats }))
    }

    /// From the driver: `Ok(None)` when it cannot report storage pool
    /// capabilities (an unsupported call) or has no dir pools.
    pub fn of(conn: &Connect) -> Result<Option<DirVolumeFormats>, LibvirtError> {
        match super::shim::storage_pool_capabilities(conn) {
            Ok(xml) => DirVolumeFormats::parse(&xml).map_err(|e| {
                LibvirtError::new(
                    virt::error::ErrorNumber::XmlError,
                    format!("the storage pool capabilities are not well-formed XML: {e}"),
                )
            }),
            Err(e) if e.is_unsupported() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The volume formats a script exercises: those `qemu-img` lists and can
/// create here, that the driver also accepts for directory pools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestedFormats {
    pub formats: Vec<String>,
    /// How the list came about, for a TAP note.
    pub note: String,
}

impl TestedFormats {
    /// Asks `qemu_img` and the driver (probing creation in `scratch`).
    pub fn find(
        conn: &Connect,
        qemu_img: &qemu_img::QemuImg,
        scratch: &Path,
    ) -> Result<TestedFormats, Stop> {
        let driver = DirVolumeFormats::of(conn)?;
        let wanted: Vec<String> = match &driver {
            Some(d) => d.formats.clone(),
            None => LIBVIRT_FILE_FORMATS.iter().map(|s| s.to_string()).collect(),
        };
        let listed = qemu_img.formats()?;
        let formats = qemu_img.creatable_formats(&wanted, scratch)?;
        let note = format!(
            "qemu-img lists {}; the driver's directory pools take {}{}; tested: {}",
            listed.join(" "),
            wanted.join(" "),
            if driver.is_none() {
                " (libvirt's own list: the driver has no storage pool capabilities)"
            } else {
                ""
            },
            formats.join(" ")
        );
        if !formats.iter().any(|f| f == "raw") {
            return Err(Stop::Error(format!(
                "raw is not among the formats both qemu-img and the driver create: {note}"
            )));
        }
        Ok(TestedFormats { formats, note })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_pool_capabilities() {
        let xml = "<storagepoolCapabilities>\
            <pool type='dir' supported='yes'><volOptions><defaultFormat type='raw'/>\
            <enum name='targetFormatType'><value>none</value><value>raw</value>\
            <value>qcow2</value></enum></volOptions></pool>\
            <pool type='fs' supported='yes'/></storagepoolCapabilities>";
        let c = DirVolumeFormats::parse(xml).unwrap().unwrap();
        assert_eq!(c.default.as_deref(), Some("raw"));
        assert_eq!(c.formats, ["raw", "qcow2"]);
        let no =
            "<storagepoolCapabilities><pool type='dir' supported='no'/></storagepoolCapabilities>";
        assert_eq!(DirVolumeFormats::parse(no).unwrap(), None);
        assert!(DirVolumeFormats::parse("<x").is_err());
    }

    #[test]
    fn capabilities_from_drivers() {
        // The test driver has no storage pool capabilities: None, not an
        // error.
        let conn = crate::virt::connection::Connection::open("test:///default").unwrap();
        assert_eq!(DirVolumeFormats::of(&conn).unwrap(), None);
        conn.close().unwrap();
    }

    #[test]
    fn local_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("v");
        std::fs::write(&f, vec![1u8; 8192]).unwrap();
        assert_eq!(local_file(f.to_str().unwrap()).unwrap(), f);
        assert!(local_file(dir.path().to_str().unwrap())
            .unwrap_err()
            .contains("not a regular file"));
        assert!(local_file("/nonexistent/tck/v")
            .unwrap_err()
            .starts_with("unsupported by driver"));
        assert!(local_file("/nonexistent/tck/v")
            .unwrap_err()
            .contains("test driver"));
        assert!(allocated_bytes(&f).unwrap() >= 8192);
        let sparse = dir.path().join("s");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(1 << 20)
            .unwrap();
        assert!(allocated_bytes(&sparse).unwrap() < 1 << 20);
    }
}
