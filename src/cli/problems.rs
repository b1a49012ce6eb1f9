//! `tck problems REPORT… --known-broken FILE|DIR…`: the masked view of
//! reports (see [`crate::known_broken::problems`] and docs/known-broken.md).

use crate::known_broken::{self, render};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  every failure is known broken, and no known-broken entry passed
  1  an unexpected failure, or an unexpected pass of a non-flaky entry
  2  usage error, a report that cannot be read, or a bad known-broken file
     (the message names the file, and the line)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// What needs fixing first, for people.
    Text,
    /// Every section (docs/known-broken.md).
    Json,
    /// Self-contained HTML page.
    Html,
}

/// Show what remains of reports' failures after masking the known-broken
/// ones, and which entries are stale.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports (tck XML, archives, Perl libvirt-tck XML).
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Known-broken file, or directory of *.toml files (repeatable).
    #[arg(long = "known-broken", value_name = "FILE|DIR", required = true)]
    pub known_broken: Vec<PathBuf>,
    /// What to produce.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: Format,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    const WHO: &str = "tck problems";
    if let Some(t) = args
        .reports
        .iter()
        .find(|p| p.extension().is_some_and(|x| x == "toml"))
    {
        eprintln!(
            "{WHO}: {} looks like a known-broken file: give each one with its own --known-broken",
            t.display()
        );
        return ExitCode::from(2);
    }
    let kb = match crate::cli::known_broken::load(&args.known_broken, WHO, false) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let (mut reports, sources) = match crate::cli::compare::load_all(&args.reports, WHO) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let today = known_broken::today();
    let outcomes: Vec<_> = reports
        .iter_mut()
        .map(|r| known_broken::mask_report(r, &kb, today))
        .collect();
    let pairs: Vec<_> = reports.iter().zip(&outcomes).collect();
    let p = known_broken::problems(&pairs, &sources, &kb, today);
    let body = |w: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            Format::Text => w.write_all(render::text(&p).as_bytes()),
            Format::Json => render::write_json(&p, w),
            Format::Html => {
                let page = render::html(&p).map_err(std::io::Error::other)?;
                w.write_all(page.as_bytes())
            }
        }
    };
    if let Err(e) = crate::cli::compare::write_output(args.output.as_deref(), body) {
        eprintln!("{WHO}: {e}");
        return ExitCode::from(2);
    }
    ExitCode::from(p.exit_status())
}
