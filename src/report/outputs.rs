//! The one entry point `tck run` (and `tck render`) uses to write report
//! files, the clap flags that select them, and the raw-output source the
//! archive and JUnit's system-out read from.

use super::error::ReportError;
use super::model::Report;
use std::collections::HashMap;
use std::io::{self, Read};
use std::path::PathBuf;

/// The report files of a run, as `tck run` flags (flatten into a command
/// with `#[command(flatten)] outputs: OutputArgs`). Any of them together.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct OutputArgs {
    /// Write the tck XML report (schema version 1) to FILE.
    #[arg(long, value_name = "FILE")]
    pub xml: Option<PathBuf>,
    /// Write the report as JSON to FILE (see docs/report-json.md).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report (Jenkins, GitLab) to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write an archive directory DIR: report.xml plus each script's raw TAP
    /// and stderr (created if missing; `tck import DIR` reads it back).
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
}

impl OutputArgs {
    pub fn is_empty(&self) -> bool {
        *self == OutputArgs::default()
    }
}

/// Which raw stream of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawStream {
    /// What the script printed on stdout (its TAP), byte for byte.
    Tap,
    /// Everything it printed on stderr (the report keeps only a tail).
    Stderr,
}

/// Where a script's raw output can be read from, e.g. the harness's spool
/// files or an archive directory. `Ok(None)`: not available.
pub trait RawSource {
    fn open(&self, script_id: &str, stream: RawStream) -> io::Result<Option<Box<dyn Read + '_>>>;

    /// The whole stream in memory (for JUnit's system-out).
    fn read_all(&self, script_id: &str, stream: RawStream) -> io::Result<Option<Vec<u8>>> {
        match self.open(script_id, stream)? {
            None => Ok(None),
            Some(mut r) => {
                let mut v = Vec::new();
                r.read_to_end(&mut v)?;
                Ok(Some(v))
            }
        }
    }
}

/// No raw output (reports rendered from a saved XML).
pub struct NoRaw;

impl RawSource for NoRaw {
    fn open(&self, _: &str, _: RawStream) -> io::Result<Option<Box<dyn Read + '_>>> {
        Ok(None)
    }
}

/// Raw output held in memory, keyed by script id.
#[derive(Debug, Default, Clone)]
pub struct MemoryRaw {
    pub streams: HashMap<(String, RawStream), Vec<u8>>,
}

impl MemoryRaw {
    pub fn insert(&mut self, script_id: &str, stream: RawStream, bytes: Vec<u8>) {
        self.streams.insert((script_id.to_string(), stream), bytes);
    }
}

impl RawSource for MemoryRaw {
    fn open(&self, id: &str, stream: RawStream) -> io::Result<Option<Box<dyn Read + '_>>> {
        Ok(self
            .streams
            .get(&(id.to_string(), stream))
            .map(|v| Box::new(v.as_slice()) as Box<dyn Read + '_>))
    }
}

/// Writes every report `outputs` asks for. Each file is written atomically;
/// the first error stops and is returned (files already written stay).
pub fn write_outputs(
    report: &Report,
    outputs: &OutputArgs,
    raw: &dyn RawSource,
) -> Result<(), ReportError> {
    if let Some(p) = &outputs.xml {
        super::xml::write(report, p)?;
    }
    if let Some(p) = &outputs.json {
        super::atomic::write_atomic(p, |w| super::json::write_json(report, w))?;
    }
    if let Some(p) = &outputs.junit {
        super::atomic::write_atomic(p, |w| super::junit::write_junit(report, raw, w))?;
    }
    if let Some(p) = &outputs.html {
        let html = super::html::render_html(report)?;
        super::atomic::write_atomic(p, |w| w.write_all(html.as_bytes()))?;
    }
    if let Some(dir) = &outputs.archive {
        super::archive::write_archive(report, raw, dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Run {
        #[command(flatten)]
        outputs: OutputArgs,
    }

    #[test]
    fn output_flags_flatten_into_a_command() {
        let r = Run::try_parse_from([
            "run",
            "--xml",
            "r.xml",
            "--archive",
            "dir",
            "--html",
            "r.html",
        ])
        .unwrap();
        assert_eq!(r.outputs.xml, Some(PathBuf::from("r.xml")));
        assert_eq!(r.outputs.archive, Some(PathBuf::from("dir")));
        assert_eq!(r.outputs.html, Some(PathBuf::from("r.html")));
        assert_eq!(r.outputs.json, None);
        assert!(!r.outputs.is_empty());
        assert!(Run::try_parse_from(["run"]).unwrap().outputs.is_empty());
    }

    #[test]
    fn a_failing_output_names_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let outputs = OutputArgs {
            json: Some(dir.path().join("missing/r.json")),
            ..OutputArgs::default()
        };
        let e =
            write_outputs(&crate::report::sample::sample_report(), &outputs, &NoRaw).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }
}
