//! The scheduler: runs the planned scripts, up to `jobs` at a time, and
//! folds their results into a [`Report`].
//!
//! The calling thread schedules and reports; each running script has one
//! worker thread (see `process`) that also calls the fixture around it, so
//! cleanup of one script's namespace overlaps with other scripts' work.
//! Results reach the [`Observer`] on the calling thread, one complete script
//! at a time, so console output never interleaves.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use super::discover::{Script, Source};
use super::fixture::{Fixture, FixtureError};
use super::interrupt::Interrupt;
use super::judge::{result_of, TapStream};
use super::namespace::script_prefix;
use super::process::{self, Limits, Pipe};
use super::spool::Spool;
use super::{clock, RunSettings};
use crate::report::model::{
    Attempt, Environment, Leak, NotRun, Report, ScriptResult, ScriptStatus, SCHEMA_VERSION,
};

/// Stack of a worker thread: deep TAP subtest trees are walked recursively
/// while judging. Only the pages used are ever committed.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// Receives the run as it happens. Every method has a default that does
/// nothing; the console reporter and the report writers implement what
/// they need.
pub trait Observer {
    /// Something the user should know that is not a result (leftovers
    /// removed with `--force`, a fixture problem).
    fn note(&mut self, _message: &str) {}
    fn run_started(&mut self, _scripts: &[Script], _jobs: usize) {}
    fn script_started(&mut self, _script: &Script) {}
    /// One script ended (or was skipped before starting). `output` holds
    /// its raw stdout and stderr when [`RunSettings::keep_raw`] is set.
    fn script_finished(&mut self, _result: &ScriptResult, _output: &ScriptOutput) {}
    fn run_finished(&mut self, _report: &Report, _wall: Duration) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// Sends every event to each observer in turn.
pub struct Tee<'a>(pub Vec<&'a mut dyn Observer>);

impl Observer for Tee<'_> {
    fn note(&mut self, message: &str) {
        self.0.iter_mut().for_each(|o| o.note(message));
    }
    fn run_started(&mut self, scripts: &[Script], jobs: usize) {
        self.0.iter_mut().for_each(|o| o.run_started(scripts, jobs));
    }
    fn script_started(&mut self, script: &Script) {
        self.0.iter_mut().for_each(|o| o.script_started(script));
    }
    fn script_finished(&mut self, result: &ScriptResult, output: &ScriptOutput) {
        self.0
            .iter_mut()
            .for_each(|o| o.script_finished(result, output));
    }
    fn run_finished(&mut self, report: &Report, wall: Duration) {
        self.0.iter_mut().for_each(|o| o.run_finished(report, wall));
    }
}

/// What a script printed, beyond what its result holds. Both are `None`
/// when raw output is not kept or when no process ran.
#[derive(Debug, Default)]
pub struct ScriptOutput {
    /// The raw TAP: everything on stdout, byte for byte.
    pub tap: Option<Spool>,
    /// Everything on stderr (the result keeps only a tail).
    pub stderr: Option<Spool>,
}

/// Why a run did not start. The CLI maps these to exit status 2.
#[derive(Debug)]
pub enum RunError {
    /// Objects under the prefix from an earlier run, and `--force` not given.
    Leftovers {
        prefix: String,
        objects: Vec<Leak>,
        /// For each object, the script whose namespace it is in, when that
        /// script is known (built-in, or in this run's plan).
        owners: Vec<Option<String>>,
    },
    Fixture(FixtureError),
    /// The scratch directory cannot be created.
    Scratch {
        dir: PathBuf,
        message: String,
    },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Leftovers {
                prefix,
                objects,
                owners,
            } => {
                writeln!(
                    f,
                    "found {} object{} under the prefix {prefix:?} left by an earlier run:",
                    objects.len(),
                    if objects.len() == 1 { "" } else { "s" }
                )?;
                for (i, o) in objects.iter().enumerate() {
                    write!(f, "  {} {}", o.kind, o.name)?;
                    match owners.get(i).and_then(Option::as_deref) {
                        Some(id) => writeln!(f, " (leaked by {id})")?,
                        None => writeln!(f)?,
                    }
                }
                write!(
                    f,
                    "nothing was run. Remove them with `tck clean`, or run again with --force \
                     to remove them first"
                )
            }
            RunError::Fixture(e) => write!(f, "cannot prepare the environment: {e}"),
            RunError::Scratch { dir, message } => write!(
                f,
                "cannot create the scratch directory {}: {message}; choose another with \
                 --scratch-dir",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for RunError {}

/// The script whose namespace a leftover object is in (a name that starts
/// with the namespace, or a scratch file under `<namespace>scratch`), among
/// the built-in scripts and this run's: an interrupted run's leftovers are
/// then attributed to the script that left them.
pub(crate) fn leaked_by<'a>(leak: &Leak, prefix: &str, scripts: &'a [Script]) -> Option<&'a str> {
    let builtin = crate::registry::SCRIPTS.iter().map(|s| s.id);
    scripts
        .iter()
        .map(|s| s.id.as_str())
        .chain(builtin)
        .find(|id| {
            let ns = crate::harness::namespace::script_prefix(prefix, id);
            leak.name.starts_with(&ns) || leak.name.contains(&format!("/{ns}"))
        })
}

/// Runs `scripts` (in the order given, which is path order) and returns the
/// report. Scripts that never started are listed in `Report::not_run`.
pub fn run(
    scripts: &[Script],
    settings: &RunSettings,
    fixture: &dyn Fixture,
    interrupt: &Interrupt,
    observer: &mut dyn Observer,
) -> Result<Report, RunError> {
    let started = Instant::now();
    let jobs = settings.jobs.max(1);
    let mut environment = Environment {
        tck_version: env!("CARGO_PKG_VERSION").to_string(),
        tck_commit: env!("TCK_COMMIT").to_string(),
        uri: settings.uri.clone(),
        start: clock::rfc3339(SystemTime::now()),
        command_line: settings.command_line.clone(),
        jobs: u32::try_from(jobs).unwrap_or(u32::MAX),
        ..Environment::default()
    };
    fixture.describe(&mut environment);
    std::fs::create_dir_all(&settings.scratch_dir).map_err(|e| RunError::Scratch {
        dir: settings.scratch_dir.clone(),
        message: e.to_string(),
    })?;

    let leftovers = fixture.leftovers().map_err(RunError::Fixture)?;
    if !leftovers.is_empty() {
        if !settings.force {
            let owners = leftovers
                .iter()
                .map(|l| leaked_by(l, &settings.prefix, scripts).map(str::to_string))
                .collect();
            return Err(RunError::Leftovers {
                prefix: settings.prefix.clone(),
                objects: leftovers,
                owners,
            });
        }
        let removed = fixture.remove_leftovers().map_err(RunError::Fixture)?;
        let names: Vec<String> = removed
            .iter()
            .map(|l| match leaked_by(l, &settings.prefix, scripts) {
                Some(id) => format!("{} {} (leaked by {id})", l.kind, l.name),
                None => format!("{} {}", l.kind, l.name),
            })
            .collect();
        observer.note(&format!(
            "--force: removed {} object{} left under the prefix {:?} by an earlier run: {}",
            removed.len(),
            if removed.len() == 1 { "" } else { "s" },
            settings.prefix,
            names.join(", ")
        ));
    }

    observer.run_started(scripts, jobs);
    let mut results: Vec<Option<ScriptResult>> = vec![None; scripts.len()];
    let mut stopped: Option<String> = None;
    let mut next = 0;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, ScriptResult, ScriptOutput)>();
        let mut running = 0usize;
        let mut exclusive_running = false;
        loop {
            if stopped.is_none() && interrupt.is_set() {
                stopped = Some("interrupted".to_string());
            }
            if next < scripts.len() && stopped.is_none() {
                let script = &scripts[next];
                let may_start = if script.meta.exclusive {
                    running == 0
                } else {
                    running < jobs && !exclusive_running
                };
                if may_start {
                    let index = next;
                    next += 1;
                    if script.is_builtin() {
                        if let Err(reason) = fixture.check_requirements(&script.meta) {
                            let mut r = ScriptResult::without_output(
                                &script.id,
                                &script.title,
                                ScriptStatus::Skip,
                                &reason,
                            );
                            r.requirements =
                                script.meta.requires.iter().map(|q| q.describe()).collect();
                            observer.script_finished(&r, &ScriptOutput::default());
                            results[index] = Some(r);
                            continue;
                        }
                    }
                    observer.script_started(script);
                    running += 1;
                    exclusive_running = script.meta.exclusive;
                    let tx = tx.clone();
                    let spawned = std::thread::Builder::new()
                        .name(format!("tck {}", script.id))
                        .stack_size(WORKER_STACK)
                        .spawn_scoped(scope, move || {
                            let (result, output) =
                                run_with_retries(script, settings, fixture, interrupt);
                            // The receiver lives until every worker has
                            // ended (the scope), so this cannot fail.
                            let _ = tx.send((index, result, output));
                        });
                    if let Err(e) = spawned {
                        running -= 1;
                        exclusive_running = false;
                        let r = ScriptResult::without_output(
                            &script.id,
                            &script.title,
                            ScriptStatus::Error,
                            &format!("could not start a thread to run it: {e}"),
                        );
                        observer.script_finished(&r, &ScriptOutput::default());
                        results[index] = Some(r);
                    }
                    continue;
                }
            }
            if running == 0 {
                break;
            }
            // At least one worker is running and will send its result; an
            // interruption reaches it through the interrupt descriptor.
            let Ok((index, result, output)) = rx.recv() else {
                break;
            };
            running -= 1;
            exclusive_running = false;
            if result.status == ScriptStatus::Bailout && !settings.keep_going && stopped.is_none() {
                stopped = Some(format!("bail-out in {}", result.id));
            }
            observer.script_finished(&result, &output);
            results[index] = Some(result);
        }
    });

    let not_run: Vec<NotRun> = scripts[next..]
        .iter()
        .map(|s| NotRun {
            id: s.id.clone(),
            reason: format!(
                "not started: {}",
                stopped.as_deref().unwrap_or("the run stopped")
            ),
        })
        .collect();
    environment.end = clock::rfc3339(SystemTime::now());
    let report = Report {
        schema_version: SCHEMA_VERSION,
        environment,
        scripts: results.into_iter().flatten().collect(),
        incomplete: interrupt.is_set() || !not_run.is_empty(),
        not_run,
    };
    observer.run_finished(&report, started.elapsed());
    Ok(report)
}

/// Is a script that ended so run again when retries are left? Failures
/// are; a bail-out is not: it is the script's deliberate statement that
/// testing cannot go on, and it stops the run.
pub fn is_retried(status: ScriptStatus) -> bool {
    matches!(
        status,
        ScriptStatus::Fail | ScriptStatus::Error | ScriptStatus::Timeout | ScriptStatus::Crash
    )
}

/// [`run_one_guarded`] up to `1 + settings.retries` times, while it fails
/// ([`is_retried`]) and the run is not interrupted. Each attempt goes
/// through the fixture like the first. The result is the last attempt's,
/// with the earlier ones in `attempts` and the objects every attempt leaked;
/// a script that failed and then did not is [`ScriptStatus::Flaky`]. Only
/// the last attempt's raw output is kept.
fn run_with_retries(
    script: &Script,
    settings: &RunSettings,
    fixture: &dyn Fixture,
    interrupt: &Interrupt,
) -> (ScriptResult, ScriptOutput) {
    let mut earlier: Vec<Attempt> = Vec::new();
    let mut leaked: Vec<Leak> = Vec::new();
    loop {
        let (mut result, output) = run_one_guarded(script, settings, fixture, interrupt);
        let left = settings.retries as usize > earlier.len();
        if is_retried(result.status) && left && !interrupt.is_set() {
            leaked.append(&mut result.leaked);
            earlier.push(Attempt::of(result));
            continue;
        }
        if !earlier.is_empty() {
            if !result.status.is_failure() {
                result.status = ScriptStatus::Flaky;
            }
            leaked.append(&mut result.leaked);
            result.leaked = leaked;
            result.attempts = earlier;
        }
        return (result, output);
    }
}

/// [`run_one`], turning a panic (a bug in tck or in a fixture) into an
/// error result, so that the scheduler always hears back and never hangs.
fn run_one_guarded(
    script: &Script,
    settings: &RunSettings,
    fixture: &dyn Fixture,
    interrupt: &Interrupt,
) -> (ScriptResult, ScriptOutput) {
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_one(script, settings, fixture, interrupt)
    }));
    ran.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let r = ScriptResult::without_output(
            &script.id,
            &script.title,
            ScriptStatus::Error,
            &format!("internal error in tck while running it (please report): {what}"),
        );
        (r, ScriptOutput::default())
    })
}

/// Runs one script with the fixture around it.
fn run_one(
    script: &Script,
    settings: &RunSettings,
    fixture: &dyn Fixture,
    interrupt: &Interrupt,
) -> (ScriptResult, ScriptOutput) {
    let requirements: Vec<String> = script.meta.requires.iter().map(|q| q.describe()).collect();
    if let Err(e) = fixture.before_script(&script.id) {
        let mut r = ScriptResult::without_output(
            &script.id,
            &script.title,
            ScriptStatus::Error,
            &format!("could not clean the script's namespace before it ran: {e}"),
        );
        r.requirements = requirements;
        return (r, ScriptOutput::default());
    }
    let timeout = script
        .meta
        .timeout
        .map(Duration::from_secs)
        .unwrap_or(settings.timeout);
    let limits = Limits {
        timeout,
        grace: settings.grace,
        leak: settings.leak_timeout,
        stderr_limit: settings.stderr_limit,
    };
    let namespace = script_prefix(&settings.prefix, &script.id);
    let scratch = match &settings.script_scratch {
        Some(layout) => (layout.0)(&namespace),
        None => settings.scratch_dir.clone(),
    };
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        let mut r = ScriptResult::without_output(
            &script.id,
            &script.title,
            ScriptStatus::Error,
            &format!(
                "cannot create its scratch directory {}: {e}",
                scratch.display()
            ),
        );
        r.requirements = requirements;
        // The namespace was cleaned; clean it again (nothing ran).
        let _ = fixture.after_script(&script.id);
        return (r, ScriptOutput::default());
    }
    let mut cmd = command(script, settings, &namespace, &scratch);
    let tmp = std::env::temp_dir();
    let mut stream = TapStream::new(settings.keep_raw.then(|| tmp.clone()));
    let mut stderr = settings.keep_raw.then(Spool::new);
    let ran = process::run(
        &mut cmd,
        &limits,
        Some(interrupt.fd()),
        &mut |pipe, bytes| match pipe {
            Pipe::Stdout => stream.feed(bytes),
            Pipe::Stderr => {
                if let Some(s) = stderr.as_mut() {
                    s.push(bytes, &tmp);
                }
            }
        },
    );
    let (mut result, output) = match ran {
        Ok(outcome) => {
            let mut end = stream.finish();
            let r = result_of(script, &mut end, &outcome, timeout);
            let output = ScriptOutput {
                tap: end.raw,
                stderr,
            };
            (r, output)
        }
        Err(e) => {
            let mut why = format!(
                "could not start {}: {e}",
                program_of(script, settings).display()
            );
            if e.raw_os_error() == Some(libc::ENOEXEC) {
                why.push_str(" (a script must start with a #! line naming its interpreter)");
            }
            let mut r =
                ScriptResult::without_output(&script.id, &script.title, ScriptStatus::Error, &why);
            r.requirements = requirements;
            (r, ScriptOutput::default())
        }
    };
    match fixture.after_script(&script.id) {
        Ok(leaks) => result.leaked.extend(leaks),
        Err(e) => {
            if !result.reason.is_empty() {
                result.reason.push_str("; ");
            }
            result
                .reason
                .push_str(&format!("cleanup after the script failed: {e}"));
        }
    }
    (result, output)
}

fn program_of(script: &Script, settings: &RunSettings) -> PathBuf {
    match &script.source {
        Source::Builtin(_) => settings.exe.clone(),
        Source::External(p) => p.clone(),
    }
}

/// The command for a script, with its environment (DESIGN.md §4).
/// `TCK_HARNESS=1` tells `tck exec` that the fixture runs around it here.
fn command(script: &Script, settings: &RunSettings, namespace: &str, scratch: &Path) -> Command {
    let mut cmd = Command::new(program_of(script, settings));
    if let Source::Builtin(def) = &script.source {
        cmd.arg("exec").arg(def.id);
    }
    cmd.env("TCK_URI", &settings.uri)
        .env("TCK_PREFIX", namespace)
        .env("TCK_SCRATCH_DIR", scratch)
        .env("TCK_SCRIPT_ID", &script.id)
        .env("TCK_HARNESS", "1");
    if settings.disruptive {
        cmd.env("TCK_DISRUPTIVE", "1");
    } else {
        cmd.env_remove("TCK_DISRUPTIVE");
    }
    match &settings.config_path {
        Some(p) => cmd.env("TCK_CONFIG", p),
        None => cmd.env_remove("TCK_CONFIG"),
    };
    cmd
}

/// The exit status of `tck run` for a report: 130 when interrupted, 1 when a
/// script failed, errored, timed out, crashed or bailed out (unless a
/// known-broken entry masks it), else 0.
pub fn exit_status(report: &Report, interrupted: bool) -> u8 {
    if interrupted {
        130
    } else if report
        .scripts
        .iter()
        .any(|s| s.status.is_failure() && s.mask.is_none())
    {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::namespace::script_prefix;
    use crate::script::Meta;

    fn leak(kind: &str, name: &str) -> Leak {
        Leak {
            kind: kind.into(),
            name: name.into(),
        }
    }

    #[test]
    fn leftovers_are_attributed_to_the_script_whose_namespace_holds_them() {
        let external = Script {
            id: "010-ext.sh".into(),
            title: String::new(),
            meta: Meta::DEFAULT,
            tags: Vec::new(),
            source: Source::External(PathBuf::from("/x/010-ext.sh")),
        };
        let plan = [external];
        let ext_ns = script_prefix("tck-", "010-ext.sh");
        let builtin_ns = script_prefix("tck-", "connect/010-open-close");
        let by = |l: &Leak| leaked_by(l, "tck-", &plan).map(str::to_string);
        assert_eq!(
            by(&leak("domain", &format!("{ext_ns}left"))).as_deref(),
            Some("010-ext.sh")
        );
        // Built-in scripts are known even when not in the plan; scratch
        // files by their directory.
        assert_eq!(
            by(&leak(
                "file",
                &format!("/var/cache/tck/run/{builtin_ns}scratch/x.img")
            ))
            .as_deref(),
            Some("connect/010-open-close")
        );
        assert_eq!(by(&leak("domain", "tck-zzzzz-left")), None);
        // Another prefix's namespaces are not this run's.
        assert_eq!(by(&leak("domain", &format!("x{ext_ns}left"))), None);
    }
}
