//! `tck manpages DIR` (hidden): writes the section 1 man pages generated
//! from the command-line definition ([`crate::man`]). `man/` in the source
//! tree holds them as generated; `tck manpages man/` refreshes them after a
//! CLI change (a test fails until then).

use std::path::PathBuf;
use std::process::ExitCode;

/// Write the generated man pages (section 1) into DIR.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write `tck.1` and `tck-<subcommand>.1` into (created
    /// if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(args: &Args) -> ExitCode {
    match crate::man::write_to(&args.dir) {
        Ok(files) => {
            eprintln!(
                "tck manpages: wrote {} pages to {} (section 5 pages are written by hand in man/)",
                files.len(),
                args.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "tck manpages: cannot write into {}: {e}",
                args.dir.display()
            );
            ExitCode::from(2)
        }
    }
}
