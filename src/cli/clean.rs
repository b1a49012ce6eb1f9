//! `tck clean [--dry-run]`: the fixture's cleanup, by hand.
//!
//! Lists every object under the configured prefix (domains, networks,
//! nwfilters, volumes, pools, secrets, scratch files — see
//! [`crate::virt::clean`] for what counts as owned) and removes it, or with
//! `--dry-run` only lists it. Objects without the prefix are never touched.

use super::ConfigArgs;
use crate::virt::fixture::VirtFixture;
use std::process::ExitCode;

/// Exit statuses of `tck clean`, for `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  everything under the prefix was removed (or listed, with --dry-run), or there was nothing
  1  some objects could not be removed (each is named with libvirt's error)
  2  configuration or connection error: nothing was done";

#[derive(Debug, Clone, clap::Args)]
pub struct CleanArgs {
    /// List what would be removed; change nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn main(args: CleanArgs) -> ExitCode {
    let config = match args.config.load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let fixture = match VirtFixture::open(&config) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tck clean: {e}");
            return ExitCode::from(super::EXIT_CONFIG);
        }
    };
    let scope = fixture.run_scope();
    let found = match fixture.find(&scope) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tck clean: {e}");
            let _ = fixture.close();
            return ExitCode::from(super::EXIT_CONFIG);
        }
    };
    let where_ = format!("under the prefix {:?} on {}", config.prefix, config.uri);
    if found.is_empty() {
        println!("nothing to clean {where_}");
        let _ = fixture.close();
        return ExitCode::SUCCESS;
    }
    if args.dry_run {
        for f in &found {
            println!("would remove {} {}", f.kind.as_str(), f.name);
        }
        println!(
            "{} object{} {where_} would be removed (run `tck clean` without --dry-run to remove them)",
            found.len(),
            plural(found.len())
        );
        let _ = fixture.close();
        return ExitCode::SUCCESS;
    }
    let removal = crate::virt::clean::remove(found, &scope);
    for l in &removal.removed {
        println!("removed {} {}", l.kind, l.name);
    }
    for (_, e) in &removal.failed {
        eprintln!("tck clean: {e}");
    }
    println!(
        "removed {} object{} {where_}",
        removal.removed.len(),
        plural(removal.removed.len())
    );
    if let Err(e) = fixture.close() {
        eprintln!("tck clean: {e}");
    }
    if removal.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "tck clean: {} object{} could not be removed",
            removal.failed.len(),
            plural(removal.failed.len())
        );
        ExitCode::from(1)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
