//! The storage library on the real storage driver (qemu:///system): stream
//! transfers in each mode, and the directory pool capabilities.
//!
//! No failing transfers here: a run that also exercised failures (more
//! data than announced, a range past the end; the "all" mode then aborted
//! the failed stream a second time) left the shared daemon's main loop
//! spinning in virNetMessageQueuePush, unreachable for every client.
//!
//! The pool is transient, named with a prefix no other process uses, and
//! lives in a temporary directory; a guard destroys it whatever happens.

mod common;

use common::{qemu_system, unique_prefix};
use std::time::Duration;
use tck::virt::builders::{Size, StoragePoolBuilder, StorageVolBuilder};
use tck::virt::storage::content::{pattern, pattern_at};
use tck::virt::storage::stream::{download, upload, Mode};
use tck::virt::storage::DirVolumeFormats;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

struct PoolGuard(StoragePool);

impl PoolGuard {
    /// Deletes the volumes and destroys the pool. The daemon ends a
    /// volume's stream job in its own thread after the client has finished
    /// the stream, so a destroy right after a transfer may still meet "has
    /// asynchronous jobs running": retried for a while, then the error.
    fn remove(&self) -> Result<(), virt::error::Error> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(vols) = self.0.list_all_volumes(0) {
                for v in vols {
                    let _ = v.delete(0);
                }
            }
            match self.0.destroy() {
                Ok(()) => return Ok(()),
                Err(_) if !self.0.is_active().unwrap_or(true) => return Ok(()),
                Err(e) if std::time::Instant::now() >= deadline => return Err(e),
                Err(e) => {
                    eprintln!("pool destroy refused, retrying: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
}

impl Drop for PoolGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self.remove();
        }
    }
}

const SIZE: usize = (1 << 20) + 777;
const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn transfers_in_every_mode() {
    let Some(conn) = qemu_system() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pool_dir = dir.path().join("pool");
    std::fs::create_dir(&pool_dir).unwrap();
    let name = format!("{}streams", unique_prefix());
    let pool = PoolGuard(
        conn.create_storage_pool_xml(
            &StoragePoolBuilder::dir(&name, &pool_dir.to_string_lossy()).as_xml(),
            0,
        )
        .unwrap(),
    );
    let vol = StorageVol::create_xml(
        &pool.0,
        &StorageVolBuilder::new("v.raw")
            .capacity(Size::bytes(SIZE as u64))
            .format("raw")
            .as_xml(),
        0,
    )
    .unwrap();
    let file = pool_dir.join("v.raw");
    let data = pattern(5, SIZE);
    std::fs::write(&file, &data).unwrap();

    for mode in [Mode::Blocking, Mode::All, Mode::NonBlocking] {
        let got = download(&conn, &vol, 1000, 300_000, mode, LIMIT)
            .unwrap_or_else(|e| panic!("{mode:?} download: {e}"));
        assert_eq!(got, &data[1000..301_000], "{mode:?} download");
        let whole = download(&conn, &vol, 0, 0, mode, LIMIT).unwrap();
        assert_eq!(whole, data, "{mode:?} download of everything");

        let new = pattern_at(6, 4096, 500_000);
        upload(&conn, &vol, 4096, new.len() as u64, &new, mode, LIMIT)
            .unwrap_or_else(|e| panic!("{mode:?} upload: {e}"));
        let now = std::fs::read(&file).unwrap();
        assert_eq!(&now[4096..504_096], &new[..], "{mode:?} upload");
        assert_eq!(&now[..4096], &data[..4096], "{mode:?}: before untouched");
        assert_eq!(
            &now[504_096..],
            &data[504_096..],
            "{mode:?}: after untouched"
        );
        std::fs::write(&file, &data).unwrap();
    }
    pool.remove()
        .unwrap_or_else(|e| panic!("the test's pool {name} cannot be removed: {e}"));
    conn.close().unwrap();
}

#[test]
fn dir_pool_capabilities_of_the_storage_driver() {
    let Some(conn) = qemu_system() else { return };
    let caps = DirVolumeFormats::of(&conn).unwrap().expect("dir pools");
    assert_eq!(caps.default.as_deref(), Some("raw"));
    for f in ["raw", "qcow2"] {
        assert!(
            caps.formats.iter().any(|x| x == f),
            "{f} in {:?}",
            caps.formats
        );
    }
    assert!(!caps.formats.iter().any(|x| x == "none"));
    conn.close().unwrap();
}
