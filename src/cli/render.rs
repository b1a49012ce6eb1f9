//! `tck render REPORT --format FORMAT [--output FILE]`: converts a saved
//! report (tck XML, or an archive directory) into another format.

use crate::report::archive::{is_archive, read_archive, ArchiveRaw};
use crate::report::{self, NoRaw, RawSource, ReportError};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// What `tck run` printed (a line per script, the summary, failures with
    /// diagnostics), under the run's environment.
    Text,
    /// One TAP stream, a subtest per script.
    Tap,
    /// JUnit XML for Jenkins and GitLab.
    Junit,
    /// Self-contained HTML page.
    Html,
    /// JSON (docs/report-json.md).
    Json,
    /// tck XML (normalises the file; same bytes when tck wrote it).
    Xml,
}

/// Convert a saved report into another format.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A tck XML report, or an archive directory written by --archive.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// What to produce.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: Format,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    match render(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tck render: {e}");
            ExitCode::from(2)
        }
    }
}

fn render(args: &Args) -> Result<(), ReportError> {
    let archive = is_archive(&args.report);
    let report = if archive {
        read_archive(&args.report)?
    } else {
        report::xml::read(&args.report)?
    };
    let archive_raw = ArchiveRaw {
        dir: args.report.clone(),
    };
    let raw: &dyn RawSource = if archive { &archive_raw } else { &NoRaw };
    let body = |w: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            Format::Text => w.write_all(report::render::render_text(&report).as_bytes()),
            Format::Tap => w.write_all(report::render::render_tap(&report).as_bytes()),
            Format::Junit => report::junit::write_junit(&report, raw, w),
            Format::Json => report::json::write_json(&report, w),
            Format::Xml => report::xml::write_report(&report, w),
            Format::Html => {
                let html = report::html::render_html(&report).map_err(std::io::Error::other)?;
                w.write_all(html.as_bytes())
            }
        }
    };
    match &args.output {
        Some(path) => report::atomic::write_atomic(path, body),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            body(&mut lock)
                .map_err(|e| ReportError::io(std::path::Path::new("<stdout>"), "write", e))
        }
    }
}
