//! Command-line interface: one file per subcommand; this file parses and
//! dispatches.

pub mod clean;
pub mod common;
pub mod compare;
pub mod completions;
pub mod exec;
pub mod history;
pub mod known_broken;
pub mod list;
pub mod manpages;
pub mod many;
pub mod merge;
pub mod parse;
pub mod prepare;
pub mod problems;
pub mod run;
pub mod selection;
pub mod xml;

pub use common::{ConfigArgs, EXIT_CONFIG};
pub mod import;
pub mod render;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// tck: run numbered TAP test scripts against live libvirt drivers.
///
/// tck checks that a libvirt driver behaves as libvirt documents. Its test
/// scripts are compiled in (`tck list`); each runs in its own process,
/// prints TAP, and creates libvirt objects only under its own name prefix,
/// which tck cleans before and after it. A run prints a line per script and
/// a summary, and writes reports (XML, JSON, JUnit, HTML) that `tck
/// compare`, `tck problems` and `tck render` read. The host under test is
/// a libvirt URI (`--uri qemu:///system`); repeat `--uri` to test several
/// hosts at once.
///
/// With no subcommand, `tck [OPTIONS] [SCRIPT|PATH]...` is `tck run`.
#[derive(Debug, Parser)]
#[command(
    name = "tck",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = run::EXIT_STATUS_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: run::RunArgs,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scripts and print their results (the default subcommand).
    #[command(after_help = run::EXIT_STATUS_HELP)]
    Run(run::RunArgs),
    /// List the scripts a run would cover.
    List(list::ListArgs),
    /// List the runs recorded for a URI, with their counts and what changed
    /// in the environment between them.
    History(history::HistoryArgs),
    /// Parse one TAP stream (a file, or standard input) and print its verdict.
    Parse(parse::ParseArgs),
    /// Remove every libvirt object and scratch file under the prefix (what
    /// an interrupted run left behind); objects without the prefix are never
    /// touched.
    #[command(after_help = clean::EXIT_STATUS_HELP)]
    Clean(clean::CleanArgs),
    /// Run one built-in script in this process and print its TAP (how the
    /// harness runs scripts; also how to debug one).
    #[command(after_help = exec::EXIT_STATUS_HELP)]
    Exec(exec::ExecArgs),
    /// Convert a saved report (XML or archive) to text, TAP, JUnit, HTML or JSON.
    Render(render::Args),
    /// Turn TAP files, tck archives or Perl libvirt-tck XML into a tck XML report.
    Import(import::Args),
    /// Compare reports: regressions, fixes, new and removed tests; a matrix
    /// and a per-area readiness roll-up for more than two.
    #[command(after_help = compare::EXIT_STATUS_HELP)]
    Compare(compare::Args),
    /// Join the reports of a run's slices (`tck run --partition K/N`) into
    /// one report.
    #[command(after_help = merge::EXIT_STATUS_HELP)]
    Merge(merge::Args),
    /// Show what remains of reports' failures after masking the known-broken
    /// ones, and which known-broken entries are stale or expired.
    #[command(after_help = problems::EXIT_STATUS_HELP)]
    Problems(problems::Args),
    /// Known-broken files: `suggest` writes entries for current failures.
    KnownBroken(known_broken::Args),
    /// Print generic libvirt XML (domain, network, pool, volume, secret,
    /// nwfilter) for shell scripts.
    #[command(long_about = xml::XML_HELP, after_help = xml::EXIT_STATUS_HELP)]
    Xml(xml::XmlArgs),
    /// Build the guest media (kernel + busybox initramfs) and find which
    /// domain type boots them.
    #[command(long_about = prepare::PREPARE_HELP, after_help = prepare::EXIT_STATUS_HELP)]
    Prepare(prepare::PrepareArgs),
    /// Print a shell completion script (bash, zsh or fish).
    Completions(completions::Args),
    /// Write the man pages generated from this command-line definition
    /// (for packagers and `man/`).
    #[command(hide = true)]
    Manpages(manpages::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run::main(cli.run),
        Some(Command::Run(args)) => run::main(args),
        Some(Command::List(args)) => list::main(args),
        Some(Command::History(args)) => history::main(args),
        Some(Command::Parse(args)) => parse::run(args),
        Some(Command::Clean(args)) => clean::main(args),
        Some(Command::Exec(args)) => exec::main(args),
        Some(Command::Render(args)) => render::run(&args),
        Some(Command::Import(args)) => import::run(&args),
        Some(Command::Compare(args)) => compare::run(&args),
        Some(Command::Merge(args)) => merge::run(&args),
        Some(Command::Problems(args)) => problems::run(&args),
        Some(Command::KnownBroken(args)) => known_broken::run(&args),
        Some(Command::Xml(args)) => xml::main(args),
        Some(Command::Prepare(args)) => prepare::main(args),
        Some(Command::Completions(args)) => completions::run(&args),
        Some(Command::Manpages(args)) => manpages::run(&args),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
