//! `tck import INPUT... [--format F] [--output FILE]`: turns TAP files (or
//! directories of `*.tap`), tck archives and the Perl libvirt-tck's XML into
//! one tck XML report, so that old results can be compared with new ones.

use crate::report::import::{import_paths, ImportFormat};
use crate::report::{self, ReportError};
use std::path::PathBuf;
use std::process::ExitCode;

/// Import other results as a tck XML report.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TAP files, directories of *.tap files, tck archive directories, or
    /// Perl libvirt-tck XML reports; all go into one report.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// What the inputs are (auto: decided per input by looking at it).
    #[arg(long, value_enum, default_value = "auto")]
    pub format: ImportFormat,
    /// Write the tck XML report to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    match import(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tck import: {e}");
            ExitCode::from(2)
        }
    }
}

fn import(args: &Args) -> Result<(), ReportError> {
    let report = import_paths(&args.inputs, args.format)?;
    match &args.output {
        Some(path) => report::xml::write(&report, path),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            report::xml::write_report(&report, &mut lock)
                .map_err(|e| ReportError::io(std::path::Path::new("<stdout>"), "write", e))
        }
    }
}
