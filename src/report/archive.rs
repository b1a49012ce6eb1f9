//! The archive directory (`--archive DIR`): everything needed to re-examine
//! a run later, in plain files.
//!
//! ```text
//! DIR/report.xml                 the tck XML report
//! DIR/scripts/<id>.tap           each script's stdout (raw TAP), byte for byte
//! DIR/scripts/<id>.stderr        each script's stderr, complete
//! ```
//!
//! `<id>` keeps the script id's directories (`scripts/domain/050-x.tap`);
//! path components that could escape the directory (`..`, `.`, empty) and
//! control characters are replaced by `_`. report.xml is written last, so an
//! archive with a report.xml is complete. `tck import DIR` and
//! `tck render DIR` read it back.

use super::error::ReportError;
use super::model::Report;
use super::outputs::{RawSource, RawStream};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The report file inside an archive directory.
pub const REPORT_FILE: &str = "report.xml";

/// Relative path (under the archive) of a script's raw stream.
pub fn raw_path(script_id: &str, stream: RawStream) -> PathBuf {
    let mut p = PathBuf::from("scripts");
    let parts: Vec<&str> = script_id.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let mut name: String = part
            .chars()
            .map(|c| if c.is_control() || c == '\\' { '_' } else { c })
            .collect();
        if name.is_empty() || name == "." || name == ".." {
            name = "_".into();
        }
        if i + 1 == parts.len() {
            name.push_str(match stream {
                RawStream::Tap => ".tap",
                RawStream::Stderr => ".stderr",
            });
        }
        p.push(name);
    }
    p
}

/// Writes the archive of `report` into `dir` (created if needed).
pub fn write_archive(report: &Report, raw: &dyn RawSource, dir: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(dir).map_err(|e| ReportError::io(dir, "create the archive directory", e))?;
    for s in &report.scripts {
        for stream in [RawStream::Tap, RawStream::Stderr] {
            let Some(mut input) = raw.open(&s.id, stream).map_err(|e| {
                ReportError::io(
                    &dir.join(raw_path(&s.id, stream)),
                    "read the raw output for",
                    e,
                )
            })?
            else {
                continue;
            };
            let path = dir.join(raw_path(&s.id, stream));
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| ReportError::io(parent, "create", e))?;
            }
            super::atomic::write_atomic(&path, |w| io::copy(&mut input, w).map(|_| ()))?;
        }
    }
    super::xml::write(report, &dir.join(REPORT_FILE))
}

/// Is `dir` a tck archive (a directory with a report.xml)?
pub fn is_archive(dir: &Path) -> bool {
    dir.is_dir() && dir.join(REPORT_FILE).is_file()
}

/// Reads the report of the archive `dir`.
pub fn read_archive(dir: &Path) -> Result<Report, ReportError> {
    if !is_archive(dir) {
        return Err(ReportError::invalid(
            dir,
            format!("not a tck archive directory: it has no {REPORT_FILE}"),
        ));
    }
    super::xml::read(&dir.join(REPORT_FILE))
}

/// The raw streams of an archive directory.
pub struct ArchiveRaw {
    pub dir: PathBuf,
}

impl RawSource for ArchiveRaw {
    fn open(&self, id: &str, stream: RawStream) -> io::Result<Option<Box<dyn Read + '_>>> {
        match fs::File::open(self.dir.join(raw_path(id, stream))) {
            Ok(f) => Ok(Some(Box::new(io::BufReader::new(f)))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::outputs::MemoryRaw;
    use crate::report::sample::sample_report;

    #[test]
    fn archive_keeps_raw_bytes_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let arch = dir.path().join("run1");
        let report = sample_report();
        let mut raw = MemoryRaw::default();
        let tap = b"1..9\nok 1 - x\n\xff\xfe invalid utf-8 \x00 nul\n".to_vec();
        raw.insert("domain/020-fail", RawStream::Tap, tap.clone());
        raw.insert(
            "domain/020-fail",
            RawStream::Stderr,
            b"full stderr\n".to_vec(),
        );
        raw.insert("external/check.sh", RawStream::Tap, b"hello\n".to_vec());
        write_archive(&report, &raw, &arch).unwrap();
        assert_eq!(
            fs::read(arch.join("scripts/domain/020-fail.tap")).unwrap(),
            tap
        );
        assert_eq!(
            fs::read(arch.join("scripts/domain/020-fail.stderr")).unwrap(),
            b"full stderr\n"
        );
        assert!(arch.join("scripts/external/check.sh.tap").is_file());
        crate::report::xml::tests::assert_valid(&arch.join(REPORT_FILE));
        assert_eq!(read_archive(&arch).unwrap(), report);
        let back = ArchiveRaw { dir: arch.clone() };
        assert_eq!(
            back.read_all("domain/020-fail", RawStream::Tap).unwrap(),
            Some(tap)
        );
        assert_eq!(
            back.read_all("domain/010-pass", RawStream::Tap).unwrap(),
            None
        );
        let e = read_archive(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not a tck archive"), "{e}");
    }

    #[test]
    fn raw_paths_never_escape_the_archive() {
        assert_eq!(
            raw_path("a/b", RawStream::Tap),
            PathBuf::from("scripts/a/b.tap")
        );
        assert_eq!(
            raw_path("../../etc/passwd", RawStream::Stderr),
            PathBuf::from("scripts/_/_/etc/passwd.stderr")
        );
        assert_eq!(
            raw_path("/abs//x\u{1}", RawStream::Tap),
            PathBuf::from("scripts/_/abs/_/x_.tap")
        );
    }
}
