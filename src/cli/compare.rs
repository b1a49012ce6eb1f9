//! `tck compare A B [C …]`: what changed between runs (see
//! [`crate::compare`] and docs/compare.md). Reading the reports and writing
//! the output are here; the comparison itself is pure.
//!
//! Also the `--compare-with OLD` step of `tck run` ([`after_run`]).

use crate::compare::render::{self, RenderOptions};
use crate::compare::{self, Class, FailOn, Input, Options};
use crate::report::import::{import_paths, ImportFormat};
use crate::report::model::Report;
use crate::report::ReportError;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  no regressions (with --fail-on changes: nothing changed)
  1  regressions between some adjacent reports (or changes, with --fail-on changes)
  2  usage error, or a report that cannot be read (the message names the file)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diff (two reports) or matrix and roll-up (more), for people.
    Text,
    /// Every row and change (docs/compare.md).
    Json,
    /// Self-contained HTML page.
    Html,
}

/// Compare reports: regressions, fixes, new and removed tests; a matrix and
/// a per-area readiness roll-up for more than two.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports, oldest first: tck XML, tck archive directories, or the Perl
    /// libvirt-tck's XML.
    #[arg(value_name = "REPORT", num_args = 2.., required = true)]
    pub reports: Vec<PathBuf>,
    /// A script renamed between the reports: OLD id in older reports is
    /// NEW in newer ones (repeatable).
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Column label, in report order (repeatable) [default: driver,
    /// versions and platform from each report's environment].
    #[arg(long, value_name = "LABEL")]
    pub label: Vec<String>,
    /// What to produce.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: Format,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to exit 1.
    #[arg(long, value_enum, default_value = "regressions")]
    pub fail_on: FailOn,
    /// List every change and every matrix row (text and HTML cap each list
    /// at 100 lines and show only the matrix rows that fail or differ).
    #[arg(long)]
    pub all: bool,
}

/// Reads one report through the import layer (tck XML, archive, Perl XML).
pub(crate) fn load(path: &Path) -> Result<Report, ReportError> {
    import_paths(&[path.to_path_buf()], ImportFormat::Auto)
}

/// Reads every report given on the command line, and their sources (the
/// paths as given); on an error, prints it for `who` and gives exit
/// status 2.
pub(crate) fn load_all(
    paths: &[PathBuf],
    who: &str,
) -> Result<(Vec<Report>, Vec<String>), ExitCode> {
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        match load(path) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("{who}: cannot read a report: {e}");
                return Err(ExitCode::from(2));
            }
        }
    }
    let sources = paths.iter().map(|p| p.display().to_string()).collect();
    Ok((reports, sources))
}

fn parse_renames(list: &[String]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for r in list {
        let Some((old, new)) = r.split_once('=') else {
            return Err(format!("--rename {r:?}: write OLD=NEW (script ids)"));
        };
        let (old, new) = (old.trim(), new.trim());
        if old.is_empty() || new.is_empty() {
            return Err(format!("--rename {r:?}: both OLD and NEW are needed"));
        }
        if let Some(prev) = out.insert(old.to_string(), new.to_string()) {
            if prev != new {
                return Err(format!(
                    "--rename {old}: given twice, as {prev:?} and {new:?}"
                ));
            }
        }
    }
    Ok(out)
}

pub fn run(args: &Args) -> ExitCode {
    let renames = match parse_renames(&args.rename) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tck compare: {e}");
            return ExitCode::from(2);
        }
    };
    if args.label.len() > args.reports.len() {
        eprintln!(
            "tck compare: {} --label given for {} reports",
            args.label.len(),
            args.reports.len()
        );
        return ExitCode::from(2);
    }
    let (reports, sources) = match load_all(&args.reports, "tck compare") {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let inputs: Vec<Input<'_>> = reports
        .iter()
        .zip(&sources)
        .map(|(report, source)| Input { report, source })
        .collect();
    let opts = Options {
        renames,
        labels: args.label.clone(),
    };
    let cmp = compare::compare(&inputs, &opts);
    let ropts = RenderOptions {
        all: args.all,
        ..RenderOptions::default()
    };
    let body = |w: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            Format::Text => w.write_all(render::text(&cmp, ropts).as_bytes()),
            Format::Json => render::write_json(&cmp, w),
            Format::Html => {
                let page = compare::html::render(&cmp, ropts).map_err(std::io::Error::other)?;
                w.write_all(page.as_bytes())
            }
        }
    };
    if let Err(e) = write_output(args.output.as_deref(), body) {
        eprintln!("tck compare: {e}");
        return ExitCode::from(2);
    }
    if args.fail_on.fails(&cmp) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes to `path` atomically, or to standard output (a closed pipe is
/// not an error: `tck compare … | head` is fine).
pub(crate) fn write_output(
    path: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    match path {
        Some(p) => crate::report::atomic::write_atomic(p, body),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            match body(&mut lock).and_then(|()| lock.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(ReportError::io(Path::new("<stdout>"), "write", e))
                }
                _ => Ok(()),
            }
        }
    }
}

/// `tck run --compare-with OLD.xml`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CompareWithArgs {
    /// After the run, print its regressions and fixes against this earlier
    /// report (tck XML, archive or Perl XML), and exit 1 on regressions.
    #[arg(long, value_name = "OLD")]
    pub compare_with: Option<PathBuf>,
}

impl CompareWithArgs {
    /// Reads OLD before the run, so that a wrong path stops at once.
    pub(crate) fn load(&self) -> Result<Option<(PathBuf, Report)>, ReportError> {
        match &self.compare_with {
            Some(p) => Ok(Some((p.clone(), load(p)?))),
            None => Ok(None),
        }
    }
}

/// Prints the regressions and fixes of `report` against `old` (read from
/// `old_path`); true when there are regressions.
pub(crate) fn after_run(
    old_path: &Path,
    old: &Report,
    report: &Report,
    out: &mut dyn Write,
) -> bool {
    let source_old = old_path.display().to_string();
    let inputs = [
        Input {
            report: old,
            source: &source_old,
        },
        Input {
            report,
            source: "this run",
        },
    ];
    let cmp = compare::compare(&inputs, &Options::default());
    let text = render::classes_text(
        &cmp,
        &[Class::Regression, Class::Fix],
        RenderOptions::default(),
    );
    let label = crate::report::console::safe_line(&cmp.labels[0]);
    let name = old_path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    if label == name {
        let _ = write!(out, "\nCompared with {source_old}:\n{text}");
    } else {
        let _ = write!(out, "\nCompared with {source_old} ({label}):\n{text}");
    }
    let _ = out.flush();
    cmp.regressions() > 0
}
