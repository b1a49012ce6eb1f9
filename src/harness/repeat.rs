//! `--repeat N`: run the whole selection N times, one full pass after the
//! other, and fold the passes into one report with per-script pass rates,
//! for hunting intermittent failures.
//!
//! Passes run one after the other (never two runs of one script at once:
//! they would share the script's namespace). Each script's result in the
//! folded report ([`merge`]) is one of its runs, with the others as
//! `attempts`, so every writer (XML, JSON, JUnit, HTML) carries all of them
//! without a new format:
//!
//! - every run passed (or skipped): `pass` (the last run's status);
//! - every run failed: the last run, with its status;
//! - some failed and some did not: `flaky`, and the script's own data is
//!   the last run that did not fail, so that its points are green as for a
//!   retried flaky script; the failed runs are attempts (JUnit shows them
//!   as `flakyFailure`).
//!
//! The pass rate is [`ScriptResult::pass_rate`]. A bail-out (without
//! `--keep-going`) or an interruption ends the repetitions.

use std::time::{Duration, Instant};

use super::discover::Script;
use super::fixture::Fixture;
use super::interrupt::Interrupt;
use super::runner::{run, Observer, RunError, ScriptOutput};
use super::RunSettings;
use crate::report::model::{Attempt, NotRun, Report, ScriptResult, ScriptStatus};

/// Runs `scripts` `times` times (at least once) and returns the folded
/// report. The observer sees one run: `run_started` with every planned
/// run, each script as it finishes, a note between passes, and
/// `run_finished` with the folded report.
pub fn run_repeated(
    scripts: &[Script],
    settings: &RunSettings,
    fixture: &dyn Fixture,
    interrupt: &Interrupt,
    observer: &mut dyn Observer,
    times: u32,
) -> Result<Report, RunError> {
    let started = Instant::now();
    let times = times.max(1);
    let planned: Vec<Script> = (0..times).flat_map(|_| scripts.iter().cloned()).collect();
    observer.run_started(&planned, settings.jobs.max(1));
    let mut reports = Vec::new();
    for i in 0..times {
        if i > 0 {
            observer.note(&format!("repetition {} of {times}", i + 1));
        }
        let mut pass = OnePass {
            inner: &mut *observer,
        };
        let report = run(scripts, settings, fixture, interrupt, &mut pass)?;
        let stop = report.incomplete || interrupt.is_set();
        reports.push(report);
        if stop {
            break;
        }
    }
    let merged = merge(reports);
    observer.run_finished(&merged, started.elapsed());
    Ok(merged)
}

/// Forwards one pass's events, except the start and end of the run.
struct OnePass<'a> {
    inner: &'a mut dyn Observer,
}

impl Observer for OnePass<'_> {
    fn note(&mut self, message: &str) {
        self.inner.note(message);
    }
    fn script_started(&mut self, script: &Script) {
        self.inner.script_started(script);
    }
    fn script_finished(&mut self, result: &ScriptResult, output: &ScriptOutput) {
        self.inner.script_finished(result, output);
    }
    fn run_finished(&mut self, _report: &Report, _wall: Duration) {}
}

/// Folds the reports of successive passes over the same selection into
/// one (see the module documentation). Scripts keep the order of the
/// first report they appear in; the environment is the first pass's, with
/// the last pass's end time.
pub fn merge(reports: Vec<Report>) -> Report {
    let mut iter = reports.into_iter();
    let Some(mut first) = iter.next() else {
        return Report::default();
    };
    let mut runs: Vec<(String, Vec<ScriptResult>)> = Vec::new();
    let mut not_run: Vec<NotRun> = Vec::new();
    let mut add = |report: Report, runs: &mut Vec<(String, Vec<ScriptResult>)>| {
        for s in report.scripts {
            match runs.iter_mut().find(|(id, _)| *id == s.id) {
                Some((_, v)) => v.push(s),
                None => runs.push((s.id.clone(), vec![s])),
            }
        }
        not_run = report.not_run;
    };
    let mut environment = std::mem::take(&mut first.environment);
    let mut incomplete = first.incomplete;
    let schema_version = first.schema_version;
    add(first, &mut runs);
    for r in iter {
        environment.end = r.environment.end.clone();
        incomplete |= r.incomplete;
        add(r, &mut runs);
    }
    // Not run: planned in the last pass and never run in any.
    not_run.retain(|n| !runs.iter().any(|(id, _)| *id == n.id));
    Report {
        schema_version,
        environment,
        scripts: runs.into_iter().map(|(_, v)| fold(v)).collect(),
        incomplete,
        not_run,
    }
}

/// One script's runs, oldest first (at least one), as one result.
fn fold(mut runs: Vec<ScriptResult>) -> ScriptResult {
    let failed = runs.iter().filter(|r| r.status.is_failure()).count();
    let mixed = failed > 0 && failed < runs.len();
    let own = if mixed {
        // The last run that did not fail (one exists: not all failed).
        runs.iter()
            .rposition(|r| !r.status.is_failure())
            .unwrap_or(runs.len() - 1)
    } else {
        runs.len() - 1
    };
    let mut result = runs.remove(own);
    let mut leaked = Vec::new();
    let mut attempts = Vec::new();
    for mut r in runs {
        for l in r.leaked.drain(..) {
            if !leaked.contains(&l) {
                leaked.push(l);
            }
        }
        attempts.push(Attempt::of(r));
    }
    for l in result.leaked.drain(..) {
        if !leaked.contains(&l) {
            leaked.push(l);
        }
    }
    result.leaked = leaked;
    result.attempts = attempts;
    if mixed {
        result.status = ScriptStatus::Flaky;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::Leak;

    fn result(id: &str, status: ScriptStatus, reason: &str) -> ScriptResult {
        let mut r = ScriptResult::without_output(id, "", status, reason);
        r.duration = 1.0;
        r
    }

    fn report(results: Vec<ScriptResult>, end: &str) -> Report {
        let mut r = Report {
            scripts: results,
            ..Report::default()
        };
        r.environment.end = end.into();
        r
    }

    #[test]
    fn runs_fold_into_pass_fail_or_flaky_with_every_run_kept() {
        use ScriptStatus::*;
        let passes = vec![
            report(
                vec![
                    result("a", Pass, ""),
                    result("b", Fail, "b1"),
                    result("c", Timeout, "c1"),
                    result("d", Skip, "no"),
                ],
                "t1",
            ),
            report(
                vec![
                    result("a", Pass, ""),
                    result("b", Pass, ""),
                    result("c", Crash, "c2"),
                    result("d", Skip, "no"),
                ],
                "t2",
            ),
            report(
                vec![
                    result("a", Pass, ""),
                    result("b", Fail, "b3"),
                    result("c", Fail, "c3"),
                    result("d", Skip, "no"),
                ],
                "t3",
            ),
        ];
        let m = merge(passes);
        assert_eq!(m.environment.end, "t3");
        let by = |id: &str| m.scripts.iter().find(|s| s.id == id).unwrap();
        let ids: Vec<&str> = m.scripts.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert_eq!((by("a").status, by("a").pass_rate()), (Pass, (3, 3)));
        assert_eq!((by("d").status, by("d").pass_rate()), (Skip, (3, 3)));
        // b: fail, pass, fail → flaky; its own data is the passing run,
        // the failures are its attempts in the order they ran.
        let b = by("b");
        assert_eq!((b.status, b.pass_rate()), (Flaky, (1, 3)));
        assert_eq!(b.reason, "");
        let reasons: Vec<&str> = b.attempts.iter().map(|a| a.reason.as_str()).collect();
        assert_eq!(reasons, ["b1", "b3"]);
        // c: failed every time → its last run's status.
        let c = by("c");
        assert_eq!(
            (c.status, c.reason.as_str(), c.pass_rate()),
            (Fail, "c3", (0, 3))
        );
        let statuses: Vec<ScriptStatus> = c.attempts.iter().map(|a| a.status).collect();
        assert_eq!(statuses, [Timeout, Crash]);
    }

    #[test]
    fn leaks_of_every_run_are_kept_once_and_unrun_scripts_stay_not_run() {
        let leak = |n: &str| Leak {
            kind: "domain".into(),
            name: n.into(),
        };
        let mut a1 = result("a", ScriptStatus::Pass, "");
        a1.leaked = vec![leak("x")];
        let mut a2 = result("a", ScriptStatus::Pass, "");
        a2.leaked = vec![leak("x"), leak("y")];
        let mut r1 = report(vec![a1], "t1");
        r1.not_run = vec![NotRun {
            id: "z".into(),
            reason: "not started: bail-out in q".into(),
        }];
        r1.incomplete = true;
        let m = merge(vec![r1, report(vec![a2], "t2")]);
        assert_eq!(m.scripts[0].leaked, [leak("x"), leak("y")]);
        assert!(m.incomplete);
        assert!(
            m.not_run.is_empty(),
            "the last pass decides: {:?}",
            m.not_run
        );
        let mut r = report(vec![result("a", ScriptStatus::Pass, "")], "t");
        r.not_run = vec![NotRun {
            id: "z".into(),
            reason: "interrupted".into(),
        }];
        assert_eq!(merge(vec![r]).not_run.len(), 1);
        assert_eq!(merge(Vec::new()), Report::default());
    }
}
