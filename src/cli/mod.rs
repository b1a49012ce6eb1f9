//! Command-line interface: one file per subcommand; this file parses and
//! dispatches.

pub mod import;
pub mod render;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// tck: run numbered TAP test scripts against live libvirt drivers.
#[derive(Debug, Parser)]
#[command(name = "tck", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert a saved report (XML or archive) to text, TAP, JUnit, HTML or JSON.
    Render(render::Args),
    /// Turn TAP files, tck archives or Perl libvirt-tck XML into a tck XML report.
    Import(import::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => ExitCode::SUCCESS,
        Some(Command::Render(args)) => render::run(&args),
        Some(Command::Import(args)) => import::run(&args),
    }
}
