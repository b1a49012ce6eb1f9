//! `tck completions bash|zsh|fish`: a completion script for the shell, on
//! standard output, generated from the command-line definition by
//! `clap_complete` (so it knows every subcommand and option of this build).
//!
//! Install it where the shell looks, e.g. bash:
//! `tck completions bash > /usr/share/bash-completion/completions/tck`;
//! the Debian package ships all three.

use clap::CommandFactory;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Print a shell completion script.
#[derive(Debug, clap::Args)]
#[command(
    long_about = "Print a completion script for SHELL on standard output.\n\n\
Install it where the shell finds it:\n  \
bash: tck completions bash > ~/.local/share/bash-completion/completions/tck\n  \
zsh:  tck completions zsh > ~/.zfunc/_tck   (with fpath+=(~/.zfunc) before compinit)\n  \
fish: tck completions fish > ~/.config/fish/completions/tck.fish\n\n\
The Debian package installs all three system-wide."
)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &Args) -> ExitCode {
    let mut cmd = crate::cli::Cli::command();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out: Vec<u8> = Vec::new();
    clap_complete::generate(shell, &mut cmd, "tck", &mut out);
    super::compare::write_output(None, |w| w.write_all(&out))
        .map(|()| ExitCode::SUCCESS)
        .unwrap_or_else(|e| {
            eprintln!("tck completions: {e}");
            ExitCode::from(2)
        })
}
