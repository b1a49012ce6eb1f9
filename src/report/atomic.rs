//! Never a partial file: every report is written to a temporary file in the
//! destination's directory and renamed over the destination once complete,
//! so a reader (or a crash, or Ctrl-C) sees either the old file or the whole
//! new one, never a truncated one.

use super::error::ReportError;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `path` atomically: `body` writes into a buffered temporary file
/// next to it, which is flushed, synced and renamed. On any error the
/// temporary file is removed and `path` is left untouched.
pub fn write_atomic<F>(path: &Path, body: F) -> Result<(), ReportError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let tmp = temp_path(path);
    let result = (|| {
        let file = File::create(&tmp).map_err(|e| ReportError::io(&tmp, "create", e))?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        body(&mut w).map_err(|e| ReportError::io(path, "write", e))?;
        let file = w
            .into_inner()
            .map_err(|e| ReportError::io(path, "write", e.into_error()))?;
        file.sync_all()
            .map_err(|e| ReportError::io(path, "write", e))?;
        fs::rename(&tmp, path).map_err(|e| ReportError::io(path, "replace", e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `dir/.name.tmp-<pid>-<n>`: hidden, unique per process and call, and in
/// the same directory (so the rename does not cross file systems).
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = format!(".{name}.tmp-{}-{n}", std::process::id());
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(tmp),
        _ => PathBuf::from(tmp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.xml");
        fs::write(&path, "old").unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("interrupted"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("r.xml"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directory_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope/r.xml");
        let err = write_atomic(&path, |w| w.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
