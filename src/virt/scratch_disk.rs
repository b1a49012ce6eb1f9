//! qcow2 disks for guests whose scripts need snapshots or checkpoints:
//! volumes in a `dir` pool of the script's own, inside its scratch area.
//!
//! Internal snapshots, external overlays and checkpoint bitmaps all need a
//! qcow2 image; creating it through a storage pool (rather than by running
//! `qemu-img`) keeps the scripts on the libvirt API, works on every driver
//! with storage pools (the test driver's are simulated), and lets scripts
//! inspect images — sizes, backing chains, overlays appearing and going —
//! through volume XML. The pool is transient and named `cx.name("pool")`;
//! its directory is in the script's scratch directory. The first disk made
//! owns the pool: [`ScratchDisk::discard`] (or dropping it, when a script
//! ends early, e.g. on a skip) removes the pool and its directory, so
//! nothing is left for the fixture to report as leaked.

use super::builders::{Disk, Size};
use super::context::Context;
use super::error::LibvirtError;
use crate::script::Stop;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

/// A qcow2 volume in the script's scratch pool.
pub struct ScratchDisk {
    pub pool: StoragePool,
    pub volume: StorageVol,
    /// The volume's path, as guests' `<source file>` names it.
    pub path: String,
    /// The pool's directory (overlays and copies go next to the volume).
    pub dir: String,
    /// This disk made the pool and removes it when discarded or dropped.
    owns_pool: bool,
}

impl ScratchDisk {
    /// A guest disk on this volume at `target` (`vda`), format qcow2.
    pub fn disk(&self, target: &str) -> Disk {
        Disk::file(&self.path, target).format("qcow2")
    }

    /// A path next to the volume, for files libvirt creates (overlays).
    pub fn sibling(&self, file: &str) -> String {
        format!("{}/{file}", self.dir)
    }

    /// Removes the scratch pool with everything in its directory (this
    /// volume, other volumes of the pool, overlays libvirt made there):
    /// what a script calls once at the end, after the guests using the
    /// disks are gone, so that nothing is left for the fixture to report.
    pub fn discard(mut self) -> Result<(), Stop> {
        if !self.owns_pool {
            return self.volume.delete(0).map_err(|e| {
                Stop::from(LibvirtError::from(e).context(format!("cannot delete {}", self.path)))
            });
        }
        self.owns_pool = false;
        self.pool.destroy().map_err(|e| {
            Stop::from(LibvirtError::from(e).context("cannot destroy the scratch pool"))
        })?;
        match std::fs::remove_dir_all(&self.dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Stop::Error(format!("cannot remove {}: {e}", self.dir))),
        }
    }
}

impl Drop for ScratchDisk {
    /// A script that stops early: remove the pool anyway (best effort; the
    /// fixture reports and removes whatever this could not).
    fn drop(&mut self) {
        if self.owns_pool {
            let _ = self.pool.destroy();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Context {
    /// The script's scratch `dir` pool (`cx.name("pool")`), started; made
    /// on first use, looked up afterwards.
    pub fn scratch_pool(&self) -> Result<StoragePool, Stop> {
        let conn = self.connect()?;
        let name = self.name("pool");
        if let Ok(p) = conn.lookup_storage_pool_by_name(&name) {
            return Ok(p);
        }
        let builder = self.pool(&name)?;
        if let Some(dir) = builder.target_path() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Stop::Error(format!("cannot create the pool directory {dir}: {e}")))?;
        }
        conn.create_storage_pool_xml(&builder.as_xml(), 0)
            .map_err(|e| {
                Stop::from(
                    LibvirtError::from(e).context(format!("cannot create the scratch pool {name}")),
                )
            })
    }

    /// A new qcow2 volume `file` (e.g. `disk.qcow2`) of `size` in the
    /// scratch pool.
    pub fn scratch_qcow2(&self, file: &str, size: Size) -> Result<ScratchDisk, Stop> {
        let owns_pool = self
            .connect()?
            .lookup_storage_pool_by_name(&self.name("pool"))
            .is_err();
        let pool = self.scratch_pool()?;
        // compat 1.1 (qcow2 v3) explicitly: libvirt 9.0's storage driver
        // creates v2 (compat 0.10) by default, which cannot hold the
        // persistent dirty bitmaps checkpoints are.
        let xml = self
            .volume(file)
            .capacity(size)
            .format("qcow2")
            .compat("1.1")
            .as_xml();
        let volume = StorageVol::create_xml(&pool, &xml, 0).map_err(|e| {
            Stop::from(LibvirtError::from(e).context(format!("cannot create the volume {file}")))
        })?;
        let path = volume
            .path()
            .map_err(|e| Stop::from(LibvirtError::from(e).context("cannot get a volume's path")))?;
        let dir = match path.rsplit_once('/') {
            Some((d, _)) => d.to_string(),
            None => {
                return Err(Stop::Error(format!(
                    "volume path {path:?} has no directory"
                )))
            }
        };
        Ok(ScratchDisk {
            pool,
            volume,
            path,
            dir,
            owns_pool,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_driver_gives_a_qcow2_volume_in_an_own_pool() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = crate::config::Config::from_toml(
            &format!("scratch_dir = {:?}\n", dir.path().display().to_string()),
            crate::config::ConfigSource::BuiltIn,
        )
        .expect("config");
        let cx = Context::new("snapshot/999-scratch-disk", config);
        let d = cx.scratch_qcow2("a.qcow2", Size::mib(16)).expect("disk");
        assert!(d.path.ends_with("/a.qcow2"), "{}", d.path);
        assert_eq!(d.pool.name().expect("name"), cx.name("pool"));
        let again = cx.scratch_qcow2("b.qcow2", Size::mib(16)).expect("second");
        assert_eq!(again.dir, d.dir, "one pool for all disks");
        assert_eq!(d.sibling("o.qcow2"), format!("{}/o.qcow2", d.dir));
        let xml = cx
            .domain("tck-x")
            .expect("dom")
            .disk(d.disk("vda"))
            .as_xml();
        assert!(xml.contains(&d.path), "{xml}");
        again
            .discard()
            .expect("the second disk only deletes its volume");
        let conn = cx.connect().expect("conn");
        assert!(conn.lookup_storage_pool_by_name(&cx.name("pool")).is_ok());
        let dir_path = d.dir.clone();
        d.discard().expect("discard");
        assert!(conn.lookup_storage_pool_by_name(&cx.name("pool")).is_err());
        assert!(!std::path::Path::new(&dir_path).exists());

        // Dropped without discard (a script that stopped early): gone too.
        let e = cx.scratch_qcow2("c.qcow2", Size::mib(16)).expect("third");
        drop(e);
        assert!(conn.lookup_storage_pool_by_name(&cx.name("pool")).is_err());
        cx.close().expect("close");
    }
}
