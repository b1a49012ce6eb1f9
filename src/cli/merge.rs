//! `tck merge A.xml B.xml … -o ALL.xml`: join the reports of a run's slices
//! (`tck run --partition K/N` in N CI jobs) into one report. The rules are
//! [`crate::report::merge`]'s; this reads the files and writes the result.

use crate::report;
use crate::report::merge::{self, Input, Options};
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  the merged report was written
  2  a report cannot be read, or the reports cannot be merged (different
     environments, a script in two of them, a slice missing or given twice);
     the message says which files";

/// Join the reports of a run's slices into one report.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The slices' reports (tck XML or archive directories), in any order.
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Write the merged tck XML report to FILE (atomically) instead of
    /// standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Merge even when slices are missing; the merged report is marked
    /// incomplete.
    #[arg(long)]
    pub allow_missing: bool,
}

pub fn run(args: &Args) -> ExitCode {
    let (reports, sources) = match super::compare::load_all(&args.reports, "tck merge") {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let inputs: Vec<Input> = sources
        .into_iter()
        .zip(reports)
        .map(|(source, report)| Input { source, report })
        .collect();
    let n = inputs.len();
    let merged = match merge::merge(
        inputs,
        Options {
            allow_missing: args.allow_missing,
        },
    ) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("tck merge: {e}");
            return ExitCode::from(2);
        }
    };
    let written = super::compare::write_output(args.output.as_deref(), |w| {
        report::xml::write_report(&merged, w)
    });
    if let Err(e) = written {
        eprintln!("tck merge: {e}");
        return ExitCode::from(2);
    }
    let ran = merged.scripts.len();
    eprintln!(
        "tck merge: {n} report{} → {ran} script{}{}{}{}",
        if n == 1 { "" } else { "s" },
        if ran == 1 { "" } else { "s" },
        match merged.not_run.len() {
            0 => String::new(),
            k => format!(", {k} not run"),
        },
        if merged.incomplete {
            " (incomplete)"
        } else {
            ""
        },
        match &args.output {
            Some(p) => format!(" in {}", p.display()),
            None => String::new(),
        }
    );
    ExitCode::SUCCESS
}
