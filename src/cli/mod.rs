//! Command-line interface: one file per subcommand; this file parses and
//! dispatches.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod parse;

/// tck: run numbered TAP test scripts against live libvirt drivers.
#[derive(Debug, Parser)]
#[command(name = "tck", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse one TAP stream (a file, or standard input) and print its verdict.
    Parse(parse::ParseArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => ExitCode::SUCCESS,
        Some(Command::Parse(args)) => parse::run(args),
    }
}
