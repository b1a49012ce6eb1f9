//! The raw output of every script of a run, kept for those who need it
//! after the run: the report archive (raw TAP and complete stderr, byte for
//! byte) and JUnit's system-out.
//!
//! A [`RawStore`] is an [`Observer`]: as each script finishes, its spooled
//! stdout and stderr are written to files in a private temporary directory
//! (removed when the store is dropped), so memory and open descriptors do
//! not grow with the number of scripts. It needs
//! [`super::RunSettings::keep_raw`] set.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::process::Pipe;
use super::runner::{Observer, ScriptOutput};
use super::spool::Spool;
use crate::report::model::ScriptResult;

pub struct RawStore {
    dir: PathBuf,
    /// Where each stream went, or why it could not be kept.
    files: HashMap<(String, Pipe), Result<PathBuf, String>>,
    next: usize,
}

impl RawStore {
    /// A store in a new private directory under the system's temporary
    /// directory.
    pub fn new() -> io::Result<Self> {
        Self::in_dir(&std::env::temp_dir())
    }

    /// A store in a new private directory under `parent`.
    pub fn in_dir(parent: &Path) -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for attempt in 0..100u32 {
            let dir = parent.join(format!(
                "tck-raw-{}-{nanos:x}-{attempt}",
                std::process::id()
            ));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {
                    return Ok(RawStore {
                        dir,
                        files: HashMap::new(),
                        next: 0,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("no free temporary directory name"))
    }

    /// A script's raw stream: `Ok(None)` when none was kept (the script
    /// did not start, or raw output was not asked for).
    pub fn open(&self, script_id: &str, pipe: Pipe) -> io::Result<Option<File>> {
        match self.files.get(&(script_id.to_string(), pipe)) {
            None => Ok(None),
            Some(Ok(path)) => File::open(path).map(Some),
            Some(Err(why)) => Err(io::Error::other(why.clone())),
        }
    }

    fn keep(&mut self, id: &str, pipe: Pipe, spool: &Spool) {
        self.next += 1;
        let ext = match pipe {
            Pipe::Stdout => "tap",
            Pipe::Stderr => "stderr",
        };
        let path = self.dir.join(format!("{}.{ext}", self.next));
        let kept = File::create(&path)
            .and_then(|mut f| spool.copy_to(&mut f))
            .map_err(|e| format!("cannot keep the raw output in {}: {e}", path.display()))
            .and_then(|()| match spool.error() {
                Some(e) => Err(e.to_string()),
                None => Ok(path),
            });
        self.files.insert((id.to_string(), pipe), kept);
    }
}

impl Observer for RawStore {
    fn script_finished(&mut self, result: &ScriptResult, output: &ScriptOutput) {
        if let Some(s) = &output.tap {
            self.keep(&result.id, Pipe::Stdout, s);
        }
        if let Some(s) = &output.stderr {
            self.keep(&result.id, Pipe::Stderr, s);
        }
    }
}

impl crate::report::RawSource for RawStore {
    fn open(
        &self,
        script_id: &str,
        stream: crate::report::RawStream,
    ) -> io::Result<Option<Box<dyn io::Read + '_>>> {
        let pipe = match stream {
            crate::report::RawStream::Tap => Pipe::Stdout,
            crate::report::RawStream::Stderr => Pipe::Stderr,
        };
        Ok(RawStore::open(self, script_id, pipe)?.map(|f| Box::new(f) as Box<dyn io::Read>))
    }
}

impl Drop for RawStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::ScriptStatus;
    use std::io::Read;

    #[test]
    fn keeps_each_scripts_streams_until_dropped() {
        let parent = std::env::temp_dir();
        let mut store = RawStore::in_dir(&parent).expect("temp dir");
        let dir = store.dir.clone();
        let mut tap = Spool::new();
        tap.push(b"1..1\nok 1 \xff\n", &parent);
        let mut err = Spool::new();
        err.push(b"warning\n", &parent);
        let r = ScriptResult::without_output("a/010-x", "", ScriptStatus::Pass, "");
        store.script_finished(
            &r,
            &ScriptOutput {
                tap: Some(tap),
                stderr: Some(err),
            },
        );
        let read = |pipe| {
            let mut v = Vec::new();
            store
                .open("a/010-x", pipe)
                .expect("readable")
                .expect("kept")
                .read_to_end(&mut v)
                .expect("read");
            v
        };
        assert_eq!(read(Pipe::Stdout), b"1..1\nok 1 \xff\n");
        assert_eq!(read(Pipe::Stderr), b"warning\n");
        assert!(store.open("b/020-y", Pipe::Stdout).expect("fine").is_none());
        drop(store);
        assert!(!dir.exists());
    }
}
