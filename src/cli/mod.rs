//! Command-line interface: one file per subcommand; this file parses and
//! dispatches.

pub mod clean;
pub mod common;
pub mod exec;

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
    /// Run one built-in script in this process and print its TAP (how the
    /// harness runs scripts; also how to debug one).
    #[command(after_help = exec::EXIT_STATUS_HELP)]
    Exec(exec::ExecArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => ExitCode::SUCCESS,
        Some(Command::Clean(args)) => clean::main(args),
        Some(Command::Exec(args)) => exec::main(args),
    }
}
