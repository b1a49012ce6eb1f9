//! Command-line interface: one file per subcommand; this file parses and
//! dispatches.

pub mod clean;
pub mod common;

pub use common::{ConfigArgs, EXIT_CONFIG};

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
    /// Remove every libvirt object and scratch file under the prefix (what
    /// an interrupted run left behind); objects without the prefix are never
    /// touched.
    #[command(after_help = clean::EXIT_STATUS_HELP)]
    Clean(clean::CleanArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => ExitCode::SUCCESS,
        Some(Command::Clean(args)) => clean::main(args),
    }
}
