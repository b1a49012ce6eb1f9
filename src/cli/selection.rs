//! What `tck run` adds to discovery: profiles, `--filter`, `--rerun-failed`,
//! `--order`, retries and repeats, and recording the run in the history.
//!
//! Kept apart from `run.rs` so that the run command stays a short list of
//! steps; everything here is glue between the CLI and the library pieces
//! ([`crate::config::profile`], [`crate::select`], [`crate::history`]).

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Args;

use crate::config::profile::{self, Effective, Placeholders, Profile};
use crate::config::Config;
use crate::harness::clock;
use crate::harness::discover::Script;
use crate::history::{History, Retention, RunRecord, Store};
use crate::registry::SCRIPTS;
use crate::report::console::Verbosity;
use crate::report::model::{Report, ScriptStatus};
use crate::select::{order, Filter, Order, Partition};

use super::run::{RunArgs, EXIT_USAGE};

/// `tck run` flags for selection, retries, history and profiles.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectionArgs {
    /// Run only the scripts this expression picks, e.g. 'area(domain) &
    /// !tag(slow)', 'priority(<=1)', 'id(storage/1*)', '@smoke' (a
    /// [filters] set of the configuration); see docs/selection.md.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// Take defaults from the configuration's [profile.NAME] (built in:
    /// ci, dev); flags given here override it.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Run a script that failed, errored, timed out or crashed up to N more
    /// times, with the fixture around each attempt; one that then passes
    /// is reported flaky [default: 0, or the configuration's `retries`].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: Option<u32>,

    /// Count flaky scripts (failed, then passed on a retry) as failures:
    /// exit status 1.
    #[arg(long)]
    pub flaky_fails: bool,

    /// Run the whole selection N times, one pass after the other, and
    /// report each script's pass rate (a script that both passed and
    /// failed is flaky).
    #[arg(long, value_name = "N", conflicts_with = "retries",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: Option<u32>,

    /// Run only what did not pass in the last recorded run on this URI
    /// (failed, errored, timed out, crashed, bailed out, or never started).
    #[arg(long)]
    pub rerun_failed: bool,

    /// The order scripts start in: path (default), slow-first (longest
    /// recorded duration first: shortest wall time with -j N),
    /// failed-first (last run's failures first), recent (most recently
    /// failed or changed first).
    #[arg(long, value_enum, value_name = "ORDER")]
    pub order: Option<Order>,

    /// Run only slice K of N of the selected scripts (dealt round-robin in
    /// path order, after every other selection), for CI jobs that split a
    /// run; `tck merge` joins the slices' reports (docs/many-hosts.md).
    /// Not with --rerun-failed: slicing the failures again would rerun only
    /// a share of them.
    #[arg(long, value_name = "K/N", conflicts_with = "rerun_failed")]
    pub partition: Option<Partition>,
}

/// The run, planned.
pub struct Plan {
    /// In the order they start.
    pub scripts: Vec<Script>,
    /// The same scripts in path order (how reports list them).
    pub path_order: Vec<Script>,
    pub effective: Effective,
    pub profile: Option<String>,
    pub store: Store,
    pub retention: Retention,
}

/// Applies the profile, `--rerun-failed`, `--filter` and `--order` to the
/// discovered `scripts`. `Err` carries the exit status (the message has
/// been printed): 2 for errors, 0 when `--rerun-failed` finds nothing to
/// run.
pub fn plan(args: &RunArgs, config: &Config, scripts: Vec<Script>) -> Result<Plan, ExitCode> {
    let sel = &args.selection;
    let profile = match &sel.profile {
        None => None,
        Some(name) => match config.profile(name) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("tck: configuration error: {e}");
                return Err(ExitCode::from(EXIT_USAGE));
            }
        },
    };
    let vars = Placeholders {
        uri: profile::uri_slug(&config.uri),
        time: profile::time_slug(&clock::rfc3339(SystemTime::now())),
        profile: sel.profile.clone().unwrap_or_default(),
    };
    let mut effective = match profile::resolve(
        &cli_layer(args),
        &args.outputs,
        profile,
        &config.base_profile(),
        &vars,
    ) {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "tck: profile {}: {e}",
                sel.profile.as_deref().unwrap_or_default()
            );
            return Err(ExitCode::from(EXIT_USAGE));
        }
    };
    if effective.repeat > 1 && effective.retries > 0 {
        eprintln!(
            "note: --repeat {}: retries are not used while repeating (every run counts)",
            effective.repeat
        );
        effective.retries = 0;
    }

    let store = Store::of(config);
    let needs_history = sel.rerun_failed || effective.order.uses_history();
    let history = if needs_history {
        let h = store.runs(&config.uri);
        for w in &h.warnings {
            eprintln!("note: {w}");
        }
        h
    } else {
        History::default()
    };

    let mut scripts = scripts;
    if sel.rerun_failed {
        scripts = rerun_failed(&args.targets, scripts, &history, &store, &config.uri)?;
    }
    if let Some(text) = &effective.filter {
        let filter = match Filter::parse(text, &config.filters) {
            Ok(f) => f,
            Err(e) => {
                let whence = if sel.filter.is_some() {
                    "--filter".to_string()
                } else {
                    format!(
                        "the filter of profile {}",
                        sel.profile.as_deref().unwrap_or_default()
                    )
                };
                eprintln!("tck: {whence}: {e}");
                return Err(ExitCode::from(EXIT_USAGE));
            }
        };
        let before = scripts.len();
        scripts.retain(|s| filter.picks(s));
        if scripts.is_empty() {
            eprintln!(
                "tck: the filter `{text}` picks none of the {before} script{} planned; \
                 `tck list --filter '{text}'` shows what it picks",
                if before == 1 { "" } else { "s" }
            );
            return Err(ExitCode::from(EXIT_USAGE));
        }
    }
    if let Some(p) = sel.partition {
        let selected = scripts.len();
        scripts = p.apply(scripts);
        if scripts.is_empty() {
            eprintln!(
                "note: --partition {p}: this slice is empty ({selected} script{} selected \
                 for {} slices); the report lists no scripts",
                if selected == 1 { "" } else { "s" },
                p.count
            );
        }
    }
    let path_order = scripts.clone();
    if effective.order.uses_history() {
        if history.runs.is_empty() {
            eprintln!(
                "note: --order {}: no run of {} is recorded yet; running in path order",
                effective.order.as_str(),
                config.uri
            );
        }
        order::arrange(&mut scripts, effective.order, &history.runs);
    }
    Ok(Plan {
        scripts,
        path_order,
        effective,
        profile: sel.profile.clone(),
        store,
        retention: Retention::of(config),
    })
}

/// The command line as the top layer of [`profile::resolve`].
fn cli_layer(args: &RunArgs) -> Profile {
    let sel = &args.selection;
    Profile {
        jobs: args.jobs,
        timeout: args.timeout,
        retries: sel.retries,
        flaky_fails: sel.flaky_fails.then_some(true),
        filter: sel.filter.clone(),
        order: sel.order,
        repeat: sel.repeat,
        verbosity: if args.quiet {
            Some(Verbosity::Quiet)
        } else if args.verbose {
            Some(Verbosity::Verbose)
        } else {
            None
        },
        timer: args.timer.then_some(true),
        keep_going: args.keep_going.then_some(true),
        ..Profile::default()
    }
}

/// The scripts that did not pass in the last run: among `scripts` when
/// targets were given, else every one of them, found again by id (built-in)
/// or recorded path (external).
fn rerun_failed(
    targets: &[String],
    scripts: Vec<Script>,
    history: &History,
    store: &Store,
    uri: &str,
) -> Result<Vec<Script>, ExitCode> {
    let Some(last) = history.last() else {
        let others = store.uris();
        let mut msg = format!(
            "tck: --rerun-failed: no run of {uri} is recorded (in {}); run the scripts once first",
            store.root().display()
        );
        if !others.is_empty() {
            msg.push_str(&format!(
                "; runs are recorded for {} (choose one with --uri)",
                others.join(", ")
            ));
        }
        eprintln!("{msg}");
        return Err(ExitCode::from(EXIT_USAGE));
    };
    let failed = last.failed();
    if failed.is_empty() {
        println!(
            "Nothing to rerun: every script passed or was skipped in the last run on {uri} \
             (started {}, {} script{}).",
            last.start,
            last.scripts.len(),
            if last.scripts.len() == 1 { "" } else { "s" }
        );
        return Err(ExitCode::SUCCESS);
    }
    let mut picked: Vec<Script> = scripts
        .into_iter()
        .filter(|s| failed.contains(&s.id.as_str()))
        .collect();
    if targets.is_empty() {
        for id in &failed {
            if picked.iter().any(|s| s.id == *id) {
                continue;
            }
            if let Some(path) = last.path_of(id) {
                if path.exists() {
                    match Script::external(id.to_string(), path.to_path_buf()) {
                        Ok(s) => picked.push(s),
                        Err(e) => eprintln!("note: --rerun-failed: {e}"),
                    }
                } else {
                    eprintln!(
                        "note: --rerun-failed: {id} did not pass last time, but {} is gone",
                        path.display()
                    );
                }
            } else if !SCRIPTS.iter().any(|d| d.id == *id) {
                eprintln!(
                    "note: --rerun-failed: {id} did not pass last time, but this build has no such built-in script"
                );
            }
        }
    }
    if picked.is_empty() {
        eprintln!(
            "tck: --rerun-failed: none of the scripts given failed in the last run on {uri}; \
             what did not pass: {}",
            failed.join(", ")
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(picked)
}

/// Creates the directories of output paths that came from a profile
/// (`tck-archive/{uri}-{time}`).
pub fn prepare_outputs(effective: &Effective) -> Result<(), String> {
    for p in &effective.outputs_from_profile {
        if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                format!(
                    "cannot create {} for {}: {e}",
                    parent.display(),
                    p.display()
                )
            })?;
        }
    }
    Ok(())
}

/// Records the run in the history; a failure is a warning.
pub fn record(plan: &Plan, report: &Report, wall: Duration) {
    let record = RunRecord::of(report, &plan.path_order, wall, plan.profile.as_deref());
    if let Err(e) = plan.store.record(&record, plan.retention) {
        eprintln!("warning: {e}");
    }
}

/// `harness::exit_status`, with flaky scripts counted as failures under
/// `--flaky-fails`.
pub fn exit_status(code: u8, report: &Report, flaky_fails: bool) -> u8 {
    if code == 0
        && flaky_fails
        && report
            .scripts
            .iter()
            .any(|s| s.status == ScriptStatus::Flaky)
    {
        1
    } else {
        code
    }
}
