//! Options shared by the subcommands that talk to libvirt.

use crate::config::{Config, LoadOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status for configuration and connection errors (bad config file,
/// unreachable URI, missing driver): nothing was run.
pub const EXIT_CONFIG: u8 = 2;

/// `--config FILE` and `--uri URI`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Configuration file [default: $TCK_CONFIG, else /etc/tck/default.toml,
    /// else built-in defaults].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// libvirt connection URI; overrides the configuration's `uri`
    /// [default: test:///default].
    #[arg(
        short = 'c',
        long = "uri",
        visible_alias = "connect",
        value_name = "URI"
    )]
    pub uri: Option<String>,
}

impl ConfigArgs {
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            file: self.config.clone(),
            uri: self.uri.clone(),
        }
    }

    /// Read the configuration without checking the host (see
    /// [`Config::read`]); on error, print it and give the exit status.
    pub fn read(&self) -> Result<Config, ExitCode> {
        Config::read(&self.options()).map_err(|e| {
            eprintln!("tck: configuration error: {e}");
            ExitCode::from(EXIT_CONFIG)
        })
    }

    /// Load the configuration; on error, print it and give the exit status.
    pub fn load(&self) -> Result<Config, ExitCode> {
        Config::load(&self.options()).map_err(|e| {
            eprintln!("tck: configuration error: {e}");
            ExitCode::from(EXIT_CONFIG)
        })
    }
}

/// `tck run`'s `--config FILE` and `--uri [LABEL=]URI`, which may be given
/// several times: one run per URI, all at once (docs/many-hosts.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunConfigArgs {
    /// Configuration file [default: $TCK_CONFIG, else /etc/tck/default.toml,
    /// else built-in defaults].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// libvirt connection URI; overrides the configuration's `uri`
    /// [default: test:///default]. Repeat it to test several hosts at once
    /// (e.g. `qemu+ssh://host2/system`): each URI runs with its own -j, its
    /// own prefix and its own reports, named by LABEL (default: from the
    /// URI).
    #[arg(
        short = 'c',
        long = "uri",
        visible_alias = "connect",
        value_name = "[LABEL=]URI"
    )]
    pub uri: Vec<String>,
}

impl RunConfigArgs {
    /// Load the configuration for `uri` (`None`: the file's, or the
    /// default); on error, print it and give the exit status.
    pub fn load(&self, uri: Option<&str>) -> Result<Config, ExitCode> {
        ConfigArgs {
            config: self.config.clone(),
            uri: uri.map(str::to_string),
        }
        .load()
    }
}
