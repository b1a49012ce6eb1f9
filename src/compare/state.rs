//! What one test (a script or a test point) amounts to in one report, the
//! severity order between results, and the class of a change between two
//! reports — the baseline mapping of compare, as one table in code.
//!
//! Severity (worst last) extends DESIGN.md §8's `pass < todo < fail < error
//! < timeout < crash` with tck's two other script statuses: `flaky` (failed,
//! then passed on a retry) ranks just above `pass`, and `bailout` (the
//! script gave up: broken environment) between `error` and `timeout`. A
//! `todo-passed` point counts as `pass`. Skips (unsupported kept apart from
//! missing-resource), "not run" and "absent" are not on that scale: moving
//! to or from them is its own class, never a regression or a fix.

use crate::report::model::{ScriptStatus, SkipKind};
use crate::tap::model::PointOutcome;

/// The result of a test that ran, in severity order (worst last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Pass,
    Flaky,
    Todo,
    Fail,
    Error,
    Bailout,
    Timeout,
    Crash,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Pass => "pass",
            Severity::Flaky => "flaky",
            Severity::Todo => "todo",
            Severity::Fail => "fail",
            Severity::Error => "error",
            Severity::Bailout => "bailout",
            Severity::Timeout => "timeout",
            Severity::Crash => "crash",
        }
    }

    /// A failure that needs attention (`todo` is an expected failure and
    /// `flaky` passed in the end: neither is).
    pub fn is_failure(self) -> bool {
        self >= Severity::Fail
    }
}

/// What a test amounts to in one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// The report does not have this test (older/newer suite, other build).
    Absent,
    /// Planned but never started (the run stopped), or a test point its
    /// script never reached (it crashed, timed out, bailed out, errored).
    NotRun,
    Skip(SkipKind),
    Ran(Severity),
}

impl State {
    /// A script's state from its status (and skip kind).
    pub fn of_script(status: ScriptStatus, skip_kind: Option<SkipKind>, reason: &str) -> State {
        State::Ran(match status {
            ScriptStatus::Pass => Severity::Pass,
            ScriptStatus::Flaky => Severity::Flaky,
            ScriptStatus::Skip => {
                return State::Skip(skip_kind.unwrap_or_else(|| SkipKind::classify(reason)))
            }
            ScriptStatus::Fail => Severity::Fail,
            ScriptStatus::Error => Severity::Error,
            ScriptStatus::Timeout => Severity::Timeout,
            ScriptStatus::Crash => Severity::Crash,
            ScriptStatus::Bailout => Severity::Bailout,
        })
    }

    /// A test point's state from its outcome (and skip reason).
    pub fn of_point(outcome: PointOutcome, reason: Option<&str>) -> State {
        State::Ran(match outcome {
            PointOutcome::Pass | PointOutcome::TodoPassed => Severity::Pass,
            PointOutcome::Todo => Severity::Todo,
            PointOutcome::Fail => Severity::Fail,
            PointOutcome::Skip => {
                return State::Skip(SkipKind::classify(reason.unwrap_or("")));
            }
        })
    }

    /// The word used in every output (text, JSON, HTML classes).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Absent => "absent",
            State::NotRun => "not-run",
            State::Skip(SkipKind::Unsupported) => "unsupported",
            State::Skip(SkipKind::MissingResource) => "missing-resource",
            State::Skip(SkipKind::Other) => "skip",
            State::Ran(s) => s.as_str(),
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(self, State::Ran(s) if s.is_failure())
    }

    pub fn is_pass(self) -> bool {
        self == State::Ran(Severity::Pass)
    }
}

/// How a test changed between two adjacent reports. The order of the
/// variants is the order of the sections in every output (regressions
/// first; what needs attention before what is good news).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Ran in both, worse now (`pass → fail`, `fail → crash`, `pass → todo`).
    Regression,
    /// Fails now (fail or worse) and did not run before: new, skipped or
    /// not run in the earlier report.
    NewFailure,
    /// Ran before, skipped now (unsupported or missing resource).
    NewlySkipped,
    /// Ran before, not run now (its script stopped before reaching it, or
    /// the run stopped before the script).
    NoLongerRun,
    /// Ran in both, better now.
    Fix,
    /// Skipped or not run before, runs now without failing.
    NewlyRun,
    /// Not in the earlier report, and does not fail now.
    NewTest,
    /// In the earlier report, not in this one.
    RemovedTest,
    /// Same result (skip and not-run count as the same "did not run").
    Unchanged,
}

impl Class {
    pub const ALL: [Class; 9] = [
        Class::Regression,
        Class::NewFailure,
        Class::NewlySkipped,
        Class::NoLongerRun,
        Class::Fix,
        Class::NewlyRun,
        Class::NewTest,
        Class::RemovedTest,
        Class::Unchanged,
    ];

    /// Machine name (JSON, HTML ids).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Regression => "regression",
            Class::NewFailure => "new-failure",
            Class::NewlySkipped => "newly-skipped",
            Class::NoLongerRun => "no-longer-run",
            Class::Fix => "fix",
            Class::NewlyRun => "newly-run",
            Class::NewTest => "new-test",
            Class::RemovedTest => "removed-test",
            Class::Unchanged => "unchanged",
        }
    }

    /// Section heading for people.
    pub fn title(self) -> &'static str {
        match self {
            Class::Regression => "Regressions",
            Class::NewFailure => "New failures",
            Class::NewlySkipped => "Newly skipped or unsupported",
            Class::NoLongerRun => "No longer run",
            Class::Fix => "Fixes",
            Class::NewlyRun => "Newly run",
            Class::NewTest => "New tests",
            Class::RemovedTest => "Removed tests",
            Class::Unchanged => "Unchanged",
        }
    }

    /// Which side's diagnostics explain the change: the worse one (the
    /// later report, except for a fix or a removed test).
    pub fn explained_by_later(self) -> bool {
        !matches!(self, Class::Fix | Class::RemovedTest)
    }
}

/// The class of the change `prev → cur` (the table of DESIGN.md §8; see
/// the module documentation for the order).
pub fn classify(prev: State, cur: State) -> Class {
    use State::*;
    let did_not_run = |s: State| matches!(s, NotRun | Skip(_));
    match (prev, cur) {
        (Absent, Absent) => Class::Unchanged,
        (Absent, Ran(s)) if s.is_failure() => Class::NewFailure,
        (Absent, _) => Class::NewTest,
        (_, Absent) => Class::RemovedTest,
        (p, Ran(s)) if did_not_run(p) => {
            if s.is_failure() {
                Class::NewFailure
            } else {
                Class::NewlyRun
            }
        }
        (p, c) if did_not_run(p) && did_not_run(c) => Class::Unchanged,
        (Ran(_), Skip(_)) => Class::NewlySkipped,
        (Ran(_), NotRun) => Class::NoLongerRun,
        (Ran(p), Ran(c)) if p < c => Class::Regression,
        (Ran(p), Ran(c)) if p > c => Class::Fix,
        _ => Class::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Severity::*;
    use State::*;

    #[test]
    fn severity_order_is_the_documented_one() {
        let order = [Pass, Flaky, Todo, Fail, Error, Bailout, Timeout, Crash];
        for (i, a) in order.iter().enumerate() {
            for (j, b) in order.iter().enumerate() {
                assert_eq!(a.cmp(b), i.cmp(&j), "{a:?} vs {b:?}");
            }
        }
        assert!(!Todo.is_failure() && !Flaky.is_failure() && !Pass.is_failure());
        assert!(Fail.is_failure() && Crash.is_failure() && Bailout.is_failure());
    }

    #[test]
    fn every_class_case_by_case() {
        let unsup = Skip(SkipKind::Unsupported);
        let res = Skip(SkipKind::MissingResource);
        #[rustfmt::skip]
        let table: &[(State, State, Class)] = &[
            // ran → ran: severity decides
            (Ran(Pass), Ran(Fail), Class::Regression),
            (Ran(Pass), Ran(Todo), Class::Regression),
            (Ran(Pass), Ran(Flaky), Class::Regression),
            (Ran(Todo), Ran(Fail), Class::Regression),
            (Ran(Fail), Ran(Error), Class::Regression),
            (Ran(Error), Ran(Bailout), Class::Regression),
            (Ran(Bailout), Ran(Timeout), Class::Regression),
            (Ran(Timeout), Ran(Crash), Class::Regression),
            (Ran(Fail), Ran(Pass), Class::Fix),
            (Ran(Crash), Ran(Fail), Class::Fix),
            (Ran(Todo), Ran(Pass), Class::Fix),
            (Ran(Pass), Ran(Pass), Class::Unchanged),
            (Ran(Fail), Ran(Fail), Class::Unchanged),
            // absent before
            (Absent, Ran(Pass), Class::NewTest),
            (Absent, Ran(Todo), Class::NewTest),
            (Absent, unsup, Class::NewTest),
            (Absent, NotRun, Class::NewTest),
            (Absent, Ran(Fail), Class::NewFailure),
            (Absent, Ran(Crash), Class::NewFailure),
            (Absent, Absent, Class::Unchanged),
            // absent now
            (Ran(Pass), Absent, Class::RemovedTest),
            (Ran(Fail), Absent, Class::RemovedTest),
            (unsup, Absent, Class::RemovedTest),
            (NotRun, Absent, Class::RemovedTest),
            // did not run before
            (unsup, Ran(Pass), Class::NewlyRun),
            (res, Ran(Todo), Class::NewlyRun),
            (NotRun, Ran(Pass), Class::NewlyRun),
            (unsup, Ran(Fail), Class::NewFailure),
            (NotRun, Ran(Timeout), Class::NewFailure),
            // did not run either time
            (unsup, res, Class::Unchanged),
            (res, NotRun, Class::Unchanged),
            (NotRun, unsup, Class::Unchanged),
            (unsup, unsup, Class::Unchanged),
            // ran before, not now
            (Ran(Pass), unsup, Class::NewlySkipped),
            (Ran(Fail), res, Class::NewlySkipped),
            (Ran(Pass), NotRun, Class::NoLongerRun),
            (Ran(Crash), NotRun, Class::NoLongerRun),
        ];
        for (prev, cur, want) in table {
            assert_eq!(classify(*prev, *cur), *want, "{prev:?} → {cur:?}");
        }
    }

    #[test]
    fn states_of_scripts_and_points() {
        assert_eq!(
            State::of_script(ScriptStatus::Skip, None, "unsupported by driver: x"),
            Skip(SkipKind::Unsupported)
        );
        assert_eq!(
            State::of_script(ScriptStatus::Skip, Some(SkipKind::MissingResource), ""),
            Skip(SkipKind::MissingResource)
        );
        assert_eq!(
            State::of_script(ScriptStatus::Bailout, None, ""),
            Ran(Bailout)
        );
        assert_eq!(
            State::of_point(PointOutcome::TodoPassed, Some("x")),
            Ran(Pass)
        );
        assert_eq!(
            State::of_point(PointOutcome::Skip, Some("missing resource: nic")),
            Skip(SkipKind::MissingResource)
        );
        assert_eq!(State::of_point(PointOutcome::Todo, None), Ran(Todo));
    }
}
