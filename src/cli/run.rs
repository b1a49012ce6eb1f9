//! `tck run` (also plain `tck`): run scripts and print their results.
//!
//! Fixture choice: the harness takes any [`Fixture`]. Until the libvirt
//! clean-environment fixture is wired in here, every run uses
//! [`NoFixture`]; once it is, runs use it whenever a URI is configured
//! (always, by default), including runs of external scripts only, so that
//! their namespaces are cleaned too. `--no-fixture` runs plain TAP scripts
//! without touching libvirt at all (harness self-tests, the overhead
//! benchmark).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::selection;
use crate::harness::fixture::{Fixture, NoFixture};
use crate::harness::{self, Interrupt, RunSettings};
use crate::registry::SCRIPTS;
use crate::report::console::{use_colour, ColourChoice, Console, ConsoleOptions, Verbosity};

/// The exit statuses of `tck run`, for `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0    every script passed, was flaky or was skipped (or --rerun-failed
       found nothing to rerun)
  1    a script failed, errored, timed out, crashed or bailed out (or was
       flaky, with --flaky-fails; with --known-broken: only failures no
       entry masks, or an entry's result passed; with --compare-with: or a
       regression against OLD)
  2    usage, configuration or connection error (nothing was run, or the run
       could not start: bad config, unreachable URI, missing driver, leftovers)
  130  interrupted (SIGINT or SIGTERM); the partial summary is printed";

/// Exit status for usage and configuration errors.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Built-in script ids or prefixes (`domain/`, `domain/050`), or
    /// executable files and directories of external scripts. Default: every
    /// built-in script.
    #[arg(value_name = "SCRIPT|PATH")]
    pub targets: Vec<String>,

    #[command(flatten)]
    pub config: crate::cli::common::RunConfigArgs,

    #[command(flatten)]
    pub outputs: crate::report::OutputArgs,

    /// Scripts to run at once [default: the number of CPUs].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,

    /// Per-script timeout in seconds; then SIGTERM, and SIGKILL 5 s later
    /// [default: 300].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,

    /// Keep starting scripts after one bails out.
    #[arg(short = 'k', long)]
    pub keep_going: bool,

    /// Remove objects left under the prefix by an earlier run, instead of
    /// stopping.
    #[arg(long)]
    pub force: bool,

    /// Also run scripts that change the host for everyone (restart or
    /// reload the libvirt daemon, install hook scripts): they declare
    /// `disruptive` and otherwise skip. Same as `disruptive = true`.
    #[arg(long)]
    pub disruptive: bool,

    /// Print each script's raw TAP as it ran (one block per script).
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Print the summary only.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour the output.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColourChoice::Auto)]
    pub color: ColourChoice,

    /// Time-stamp each script line and list the slowest scripts.
    #[arg(long)]
    pub timer: bool,

    /// Directory for scratch files, passed to scripts as TCK_SCRATCH_DIR.
    #[arg(long, value_name = "DIR")]
    pub scratch_dir: Option<PathBuf>,

    /// Run without the libvirt clean-environment fixture: for plain TAP
    /// scripts that do not touch libvirt.
    #[arg(long)]
    pub no_fixture: bool,

    #[command(flatten)]
    pub selection: super::selection::SelectionArgs,

    #[command(flatten)]
    pub compare: crate::cli::compare::CompareWithArgs,

    #[command(flatten)]
    pub known_broken: crate::cli::known_broken::KnownBrokenArgs,
}

pub fn main(args: RunArgs) -> ExitCode {
    let found = match harness::discover(&args.targets, SCRIPTS) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tck: {e}");
            if let Some(sub) = misplaced_subcommand(&args.targets) {
                eprintln!(
                    "hint: options go after the subcommand: `tck {sub} [OPTIONS] …` (e.g. `tck {sub} --uri qemu:///system`)"
                );
            }
            return ExitCode::from(EXIT_USAGE);
        }
    };
    for note in &found.notes {
        eprintln!("note: {note}");
    }
    if found.scripts.is_empty() {
        eprintln!(
            "tck: no scripts to run: this build has no built-in scripts; \
             give external scripts as paths (`tck run DIR`)"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    if args.config.uri.len() > 1 {
        return super::many::main(&args, found.scripts);
    }

    let compare_with = match args.compare.load() {
        Ok(old) => old,
        Err(e) => {
            eprintln!("tck: --compare-with: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };

    let known_broken = match args.known_broken.load() {
        Ok(k) => k,
        Err(code) => return code,
    };

    let uri = args
        .config
        .uri
        .first()
        .map(|u| super::many::split_label(u).1);
    let config = match load_config(&args, uri) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let host = match prepare(&args, config, found.scripts) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let interrupt = match Interrupt::with_signals() {
        Ok(i) => std::sync::Arc::new(i),
        Err(e) => {
            eprintln!("tck: cannot install the SIGINT/SIGTERM handlers: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let stdout_tty = std::io::stdout().is_terminal();
    let sink = Sink {
        out: std::io::stdout(),
        colour_tty: stdout_tty,
        progress: stdout_tty,
        label: None,
    };
    let ran = execute(&host, &args, known_broken.as_ref(), &interrupt, sink);
    let Some(report) = ran.report.filter(|_| ran.status != EXIT_USAGE) else {
        return ExitCode::from(ran.status);
    };
    let mut status = ran.status;
    if let Some((path, old)) = &compare_with {
        let regressed = crate::cli::compare::after_run(path, old, &report, &mut std::io::stdout());
        if regressed && status == 0 {
            status = 1;
        }
    }
    ExitCode::from(status)
}

/// The configuration for a run on `uri` (`None`: the configured one), with
/// `--scratch-dir` applied.
pub(super) fn load_config(
    args: &RunArgs,
    uri: Option<&str>,
) -> Result<crate::config::Config, ExitCode> {
    let mut config = args.config.load(uri)?;
    if let Some(dir) = &args.scratch_dir {
        // Checked like `scratch_dir` in a file: one clear error now rather
        // than one per script later.
        if let Some(problem) = crate::config::scratch_dir_problem(dir) {
            eprintln!("tck: {problem}; choose another with --scratch-dir");
            return Err(ExitCode::from(EXIT_USAGE));
        }
        config.scratch_dir = dir.clone();
    }
    if args.disruptive {
        config.disruptive = true;
    }
    if let Some(warning) = crate::config::scratch_reachability_warning(&config) {
        eprintln!("warning: {warning}");
    }
    Ok(config)
}

/// One URI's run, planned and connected: everything decided before the
/// first script starts.
pub(super) struct HostRun {
    pub config: crate::config::Config,
    pub plan: selection::Plan,
    pub settings: RunSettings,
    pub fixture: Box<dyn Fixture>,
}

/// Plans the run of `scripts` with `config` (its URI and prefix are the
/// run's) and opens the fixture. `Err` carries the exit status; the
/// message has been printed.
pub(super) fn prepare(
    args: &RunArgs,
    config: crate::config::Config,
    scripts: Vec<harness::Script>,
) -> Result<HostRun, ExitCode> {
    let plan = selection::plan(args, &config, scripts)?;
    let eff = &plan.effective;
    let mut settings = RunSettings {
        uri: config.uri.clone(),
        prefix: config.prefix.clone(),
        timeout: Duration::from_secs(eff.timeout),
        scratch_dir: config.scratch_dir.clone(),
        config_path: config.file().map(|p| p.to_path_buf()),
        keep_going: eff.keep_going,
        retries: eff.retries,
        force: args.force || config.autoclean,
        disruptive: config.disruptive,
        keep_raw: eff.verbosity == Verbosity::Verbose
            || eff.outputs.archive.is_some()
            || eff.outputs.junit.is_some(),
        ..RunSettings::default()
    };
    if let Some(j) = eff.jobs {
        settings.jobs = j as usize;
    }
    if !args.no_fixture {
        let layout = config.clone();
        settings.script_scratch = Some(harness::ScratchLayout(std::sync::Arc::new(
            move |ns: &str| layout.script_scratch_dir(ns),
        )));
    }
    settings.exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) if plan.scripts.iter().any(|s| s.is_builtin()) => {
            eprintln!("tck: cannot find the tck executable to run built-in scripts: {e}");
            return Err(ExitCode::from(EXIT_USAGE));
        }
        Err(_) => PathBuf::from("tck"),
    };
    let fixture = match fixture_for(args, &config) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tck: {e}");
            return Err(ExitCode::from(EXIT_USAGE));
        }
    };
    Ok(HostRun {
        config,
        plan,
        settings,
        fixture,
    })
}

/// What [`execute`] gives back: the report (`None` when the run could not
/// start; the message has been printed) and the exit status.
pub(super) struct Ran {
    pub report: Option<crate::report::model::Report>,
    pub status: u8,
}

/// Where a run's console goes.
pub(super) struct Sink<'a, W> {
    pub out: W,
    /// `out` is a terminal: colour unless told otherwise (`--color`,
    /// `NO_COLOR`).
    pub colour_tty: bool,
    /// Show the live progress line (a terminal, one run).
    pub progress: bool,
    /// The host's label in notes, when several URIs run at once.
    pub label: Option<&'a str>,
}

/// Runs a prepared URI: the console on `sink`, then the report's outputs,
/// the run history, and the exit status.
pub(super) fn execute<W: std::io::Write>(
    host: &HostRun,
    args: &RunArgs,
    known_broken: Option<&crate::cli::known_broken::RunMasking>,
    interrupt: &std::sync::Arc<Interrupt>,
    sink: Sink<'_, W>,
) -> Ran {
    let eff = &host.plan.effective;
    let settings = &host.settings;
    let label = sink.label;
    let no_color = std::env::var("NO_COLOR").ok();
    let verbosity = eff.verbosity;
    let opts = ConsoleOptions {
        verbosity,
        colour: use_colour(args.color, sink.colour_tty, no_color.as_deref()),
        progress: sink.progress && verbosity != Verbosity::Quiet,
        timer: eff.timer,
    };
    let flag = std::sync::Arc::clone(interrupt);
    let mut console = Console::new(sink.out, opts)
        .with_interrupted(move || flag.is_set())
        .with_flaky_fails(eff.flaky_fails)
        .with_pass_rates(eff.repeat > 1);

    let mut raw = match crate::harness::raw::RawStore::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tck: cannot create a temporary directory for raw output: {e}");
            return Ran {
                report: None,
                status: EXIT_USAGE,
            };
        }
    };
    let started = std::time::Instant::now();
    let ran = {
        // With --known-broken the console sees each result masked by the
        // entries in scope for this run's environment.
        let mut env = crate::report::model::Environment {
            uri: settings.uri.clone(),
            ..Default::default()
        };
        if known_broken.is_some() {
            host.fixture.describe(&mut env);
        }
        let mut labelled;
        let console_obs: &mut dyn crate::harness::Observer = match label {
            Some(l) => {
                labelled = super::many::NoteLabel::new(l, &mut console);
                &mut labelled
            }
            None => &mut console,
        };
        let mut masking;
        let shown: &mut dyn crate::harness::Observer = match known_broken {
            Some(k) => {
                masking = k.observer(&env, console_obs);
                &mut masking
            }
            None => console_obs,
        };
        let mut observers = crate::harness::runner::Tee(vec![shown, &mut raw]);
        if eff.repeat > 1 {
            harness::repeat::run_repeated(
                &host.plan.scripts,
                settings,
                host.fixture.as_ref(),
                interrupt,
                &mut observers,
                eff.repeat,
            )
        } else {
            harness::run(
                &host.plan.scripts,
                settings,
                host.fixture.as_ref(),
                interrupt,
                &mut observers,
            )
        }
    };
    let mut out = console.into_inner();
    let mut report = match ran {
        Ok(report) => report,
        Err(e) => {
            match label {
                Some(l) => eprintln!("tck: {l}: {e}"),
                None => eprintln!("tck: {e}"),
            }
            let status = if interrupt.is_set() { 130 } else { EXIT_USAGE };
            return Ran {
                report: None,
                status,
            };
        }
    };
    crate::select::order::restore_path_order(&mut report, &host.plan.path_order);
    if report.environment.config_digest.is_empty() {
        // The libvirt fixture fills it in; without it, still say
        // which settings the run had (history compares it).
        report.environment.config_digest = host.config.digest();
    }
    if let Some(p) = args.selection.partition {
        report.environment.partition = p.to_string();
    }
    let unexpected_pass = known_broken.is_some_and(|k| k.finish(&mut report, &mut out));
    selection::record(&host.plan, &report, started.elapsed());
    let written = selection::prepare_outputs(eff).and_then(|()| {
        crate::report::write_outputs(&report, &eff.outputs, &raw).map_err(|e| e.to_string())
    });
    if let Err(e) = written {
        eprintln!("tck: {e}");
        return Ran {
            report: Some(report),
            status: EXIT_USAGE,
        };
    }
    let code = harness::exit_status(&report, interrupt.is_set());
    let mut status = selection::exit_status(code, &report, eff.flaky_fails);
    if unexpected_pass && status == 0 {
        status = 1;
    }
    Ran {
        report: Some(report),
        status,
    }
}

/// A target that is really a subcommand given after options
/// (`tck --uri URI run domain/` parses as `tck run` with the targets `run`
/// and `domain/`), when no file of that name exists.
fn misplaced_subcommand(targets: &[String]) -> Option<&str> {
    use clap::CommandFactory;
    let cli = crate::cli::Cli::command();
    targets.iter().map(String::as_str).find(|t| {
        !std::path::Path::new(t).exists() && cli.get_subcommands().any(|s| s.get_name() == *t)
    })
}

/// The fixture for this run (see the module documentation).
fn fixture_for(
    args: &RunArgs,
    config: &crate::config::Config,
) -> Result<Box<dyn Fixture>, crate::virt::connection::ConnectError> {
    if args.no_fixture {
        return Ok(Box::new(NoFixture));
    }
    Ok(Box::new(crate::virt::fixture::VirtFixture::open(config)?))
}
