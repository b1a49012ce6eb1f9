//! Keeps a script's raw TAP for those who want it after the script ended
//! (`tck run -v` prints it; the report archive stores it), without letting
//! memory grow with the size of the stream (DESIGN.md §9): the first
//! [`MEMORY_LIMIT`] bytes stay in memory, the rest goes to an anonymous
//! temporary file (created, then unlinked at once, so nothing is left behind
//! even if tck is killed).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Bytes kept in memory before spilling to a file.
pub const MEMORY_LIMIT: usize = 1024 * 1024;

/// Raw bytes of one stream, in memory or spilled to a file.
#[derive(Debug, Default)]
pub struct Spool {
    memory: Vec<u8>,
    file: Option<File>,
    len: u64,
    /// The first write error, if spilling failed: the raw copy is then
    /// incomplete (the verdict is not affected: it is computed as the bytes
    /// arrive).
    error: Option<String>,
}

impl Spool {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, data: &[u8], tmp_dir: &Path) {
        self.len += data.len() as u64;
        if self.error.is_some() {
            return;
        }
        if self.file.is_none() && self.memory.len() + data.len() <= MEMORY_LIMIT {
            self.memory.extend_from_slice(data);
            return;
        }
        if self.file.is_none() {
            match anonymous_file(tmp_dir) {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    self.error = Some(format!(
                        "cannot spool raw output in {}: {e}",
                        tmp_dir.display()
                    ));
                    return;
                }
            }
        }
        if let Some(f) = self.file.as_mut() {
            if let Err(e) = f.write_all(data) {
                self.error = Some(format!("cannot spool raw output: {e}"));
            }
        }
    }

    /// Total bytes pushed.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Why the copy is incomplete, if it is.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Writes everything kept to `out`.
    pub fn copy_to(&self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(&self.memory)?;
        if let Some(f) = &self.file {
            // `&File` reads and seeks too: the spool stays shared-readable.
            let mut f: &File = f;
            f.seek(SeekFrom::Start(0))?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n])?;
            }
            f.seek(SeekFrom::End(0))?;
        }
        Ok(())
    }

    /// Everything kept, in memory (for small streams and tests).
    pub fn to_vec(&self) -> io::Result<Vec<u8>> {
        let mut v = Vec::new();
        self.copy_to(&mut v)?;
        Ok(v)
    }
}

/// A new file in `dir` that no name refers to.
fn anonymous_file(dir: &Path) -> io::Result<File> {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for attempt in 0..100u32 {
        let path = dir.join(format!(
            ".tck-spool-{}-{nanos:x}-{attempt}",
            std::process::id()
        ));
        match File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                std::fs::remove_file(&path)?;
                return Ok(f);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("no free temporary file name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_streams_stay_in_memory_and_large_ones_spill_intact() {
        let dir = std::env::temp_dir();
        let mut s = Spool::new();
        s.push(b"ok 1\n", &dir);
        assert!(s.file.is_none());
        let chunk = vec![b'x'; 300 * 1024];
        for _ in 0..5 {
            s.push(&chunk, &dir);
        }
        assert!(s.file.is_some());
        assert_eq!(s.len(), 5 + 5 * 300 * 1024);
        let all = s.to_vec().expect("readable");
        assert_eq!(all.len() as u64, s.len());
        assert!(all.starts_with(b"ok 1\nxxx"));
        // Reading twice gives the same bytes.
        assert_eq!(s.to_vec().expect("readable"), all);
    }
}
