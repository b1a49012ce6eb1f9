//! From a script's output and exit to its [`ScriptResult`].
//!
//! The TAP rules themselves (plan, numbering, TODO, subtests) live in
//! `tap::verdict`; this module adds what only the harness knows: how the
//! process ended (exit status, signal, timeout, interruption), whether any
//! TAP was printed at all, and what the fixture found afterwards. The
//! decision is the table in [`decide`], first matching row wins:
//!
//! | evidence                                   | status    |
//! |--------------------------------------------|-----------|
//! | tck was interrupted while it ran           | error     |
//! | its timeout expired                        | timeout   |
//! | `Bail out!`                                | bailout   |
//! | killed by a signal                         | crash     |
//! | no TAP at all, exit 0                      | pass      |
//! | no TAP at all, exit ≠ 0                    | error     |
//! | skip-all plan, exit 0                      | skip      |
//! | a test point failed                        | fail      |
//! | invalid TAP (no plan, bad count, …)        | error     |
//! | TAP passes, exit ≠ 0                       | fail      |
//! | TAP passes, exit 0                         | pass      |
//!
//! "No TAP at all" means no version line, plan, test point or bail-out: a
//! script that only logs text (or prints nothing) is judged by its exit
//! status, as DESIGN.md §4 says for external scripts.

use std::path::PathBuf;
use std::time::Duration;

use super::discover::Script;
use super::process::{Ended, ProcessOutcome};
use super::spool::Spool;
use crate::report::model::{
    identity_of, Counts, Exit, Leak, ScriptResult, ScriptStatus, Subtest, TestResult,
};
use crate::tap::model::{Document, Event, TapError, TestPoint};
use crate::tap::parser::Parser;
use crate::tap::verdict::Judge;

/// Top-level test points kept per script. A runaway script (printing
/// `ok` in a loop until its timeout) must not exhaust tck's memory: points
/// beyond this are counted but not kept, and the result says so.
pub const MAX_KEPT_POINTS: usize = 100_000;

/// Parses one script's stdout as it arrives, turns completed test points
/// into results as it goes, and keeps a raw copy when asked to.
pub struct TapStream {
    parser: Parser,
    judge: Judge,
    saw_tap: bool,
    raw: Option<(Spool, PathBuf)>,
    kept: Kept,
}

/// Test points taken from the judge so far.
#[derive(Default)]
struct Kept {
    tests: Vec<TestResult>,
    counts: Counts,
    /// Points counted but not kept (beyond [`MAX_KEPT_POINTS`]).
    dropped: u64,
    /// Subtest levels beyond [`MAX_KEPT_DEPTH`] were dropped.
    too_deep: bool,
}

impl Kept {
    fn take(&mut self, points: impl Iterator<Item = TestPoint>) {
        for p in points {
            self.counts.add(p.outcome);
            if self.tests.len() < MAX_KEPT_POINTS {
                self.tests.push(result_of_point(&p, 0, &mut self.too_deep));
            } else {
                self.dropped += 1;
            }
        }
    }
}

/// What a finished stream amounts to.
pub struct StreamEnd {
    /// The judged document; its top-level `tests` have been moved to
    /// `tests`.
    pub document: Document,
    /// At least one version line, plan, test point or bail-out was seen.
    pub saw_tap: bool,
    pub raw: Option<Spool>,
    /// Top-level points as results (at most [`MAX_KEPT_POINTS`]).
    pub tests: Vec<TestResult>,
    /// Counts of every top-level point, kept or not.
    pub counts: Counts,
    /// Notes about what was not kept.
    pub notes: Vec<TapError>,
}

impl TapStream {
    /// `keep_raw`: where to spill a large raw copy, or `None` to keep none.
    pub fn new(keep_raw: Option<PathBuf>) -> Self {
        TapStream {
            parser: Parser::new(),
            judge: Judge::new(true),
            saw_tap: false,
            raw: keep_raw.map(|dir| (Spool::new(), dir)),
            kept: Kept::default(),
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        if let Some((spool, dir)) = self.raw.as_mut() {
            spool.push(bytes, dir);
        }
        let judge = &mut self.judge;
        let saw_tap = &mut self.saw_tap;
        self.parser.feed(bytes, &mut |ev| {
            *saw_tap |= is_tap(&ev);
            judge.event(ev);
        });
        self.kept.take(self.judge.drain_completed());
    }

    /// The reason of a `Bail out!` seen so far.
    pub fn bailout(&self) -> Option<&str> {
        self.judge.bailout()
    }

    pub fn finish(mut self) -> StreamEnd {
        let judge = &mut self.judge;
        let saw_tap = &mut self.saw_tap;
        self.parser.finish(&mut |ev| {
            *saw_tap |= is_tap(&ev);
            judge.event(ev);
        });
        let mut document = self.judge.finish();
        let mut kept = self.kept;
        kept.take(std::mem::take(&mut document.tests).into_iter());
        let mut notes = Vec::new();
        if kept.dropped > 0 {
            notes.push(TapError {
                line: 0,
                message: format!(
                    "only the first {MAX_KEPT_POINTS} test points are kept in the report; \
                     {} more were counted but not kept",
                    kept.dropped
                ),
            });
        }
        if kept.too_deep {
            notes.push(TapError {
                line: 0,
                message: format!(
                    "subtests nested deeper than {MAX_KEPT_DEPTH} levels are counted in \
                     their parents' verdicts but not kept in the report"
                ),
            });
        }
        StreamEnd {
            document,
            saw_tap: self.saw_tap,
            raw: self.raw.map(|(s, _)| s),
            tests: kept.tests,
            counts: kept.counts,
            notes,
        }
    }
}

fn is_tap(ev: &Event) -> bool {
    matches!(
        ev,
        Event::Version { .. } | Event::Plan { .. } | Event::Point { .. } | Event::BailOut { .. }
    )
}

/// The status and the reason (for people) of a script that ran.
pub fn decide(
    doc: &Document,
    saw_tap: bool,
    process: &ProcessOutcome,
    timeout: Duration,
) -> (ScriptStatus, String) {
    match process.ended {
        Ended::Interrupted => {
            return (
                ScriptStatus::Error,
                "interrupted: tck was stopped while the script ran".into(),
            )
        }
        Ended::Timeout => {
            let mut why = format!("timed out after {}", seconds(timeout));
            if process.killed_after_grace {
                why.push_str("; ignored SIGTERM and was killed with SIGKILL");
            }
            return (ScriptStatus::Timeout, why);
        }
        Ended::Normally => {}
    }
    judge_output(doc, saw_tap, &process.exit)
}

/// The rows of [`decide`] after the process's own: from the TAP and the
/// exit. [`Exit::Unknown`] is a stream with no process behind it (an
/// imported TAP file): judged by its TAP alone.
fn judge_output(doc: &Document, saw_tap: bool, exit: &Exit) -> (ScriptStatus, String) {
    let v = &doc.verdict;
    if let Some(reason) = &v.bailout {
        let why = if reason.is_empty() {
            "Bail out! (no reason given)".to_string()
        } else {
            format!("Bail out! {reason}")
        };
        return (ScriptStatus::Bailout, why);
    }
    if let Exit::Signal { name, .. } = exit {
        let mut why = format!("killed by {name}");
        if saw_tap {
            why.push_str(&format!(" after {} test points", v.count));
        }
        return (ScriptStatus::Crash, why);
    }
    if !saw_tap && *exit == Exit::Unknown {
        return (
            ScriptStatus::Error,
            "no TAP output, and no exit status to judge it by".into(),
        );
    }
    let code = match exit {
        Exit::Code { code } => *code,
        _ => 0,
    };
    if !saw_tap {
        return if code == 0 {
            (
                ScriptStatus::Pass,
                "no TAP output: judged by its exit status (0)".into(),
            )
        } else {
            (
                ScriptStatus::Error,
                format!("no TAP output, and exit status {code}"),
            )
        };
    }
    let skip_all = doc.plan.as_ref().filter(|p| p.is_skip_all());
    if let Some(plan) = skip_all {
        if v.failed == 0 && v.errors.is_empty() {
            if code != 0 {
                return (
                    ScriptStatus::Fail,
                    format!("skip-all plan, but exit status {code}"),
                );
            }
            let reason = plan.skip_reason.clone().unwrap_or_default();
            let reason = if reason.is_empty() {
                "skipped (no reason given)".to_string()
            } else {
                reason
            };
            return (ScriptStatus::Skip, reason);
        }
    }
    let exit_note = if code != 0 {
        format!("; exit status {code}")
    } else {
        String::new()
    };
    if v.failed > 0 {
        let mut why = format!("{} of {} test points failed", v.failed, v.count);
        if let Some(e) = v.errors.first() {
            why.push_str(&format!("; {}", e.message));
        }
        why.push_str(&exit_note);
        return (ScriptStatus::Fail, why);
    }
    if let Some(first) = v.errors.first() {
        let mut why = format!("invalid TAP: {}", first.message);
        if first.line > 0 {
            why = format!("invalid TAP at line {}: {}", first.line, first.message);
        }
        if v.errors.len() > 1 {
            why.push_str(&format!(" (and {} more)", v.errors.len() - 1));
        }
        why.push_str(&exit_note);
        return (ScriptStatus::Error, why);
    }
    if code != 0 {
        return (
            ScriptStatus::Fail,
            format!("all test points passed, but the script exited with status {code}"),
        );
    }
    if !v.ok {
        return (ScriptStatus::Fail, "the TAP stream does not pass".into());
    }
    (ScriptStatus::Pass, String::new())
}

/// A whole number of seconds when it is one ("300s"), else milliseconds.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// The result of a script that ran (its test points are moved out of `end`).
pub fn result_of(
    script: &Script,
    end: &mut StreamEnd,
    process: &ProcessOutcome,
    timeout: Duration,
) -> ScriptResult {
    let (status, reason) = decide(&end.document, end.saw_tap, process, timeout);
    let mut r = result_of_stream(&script.id, &script.title, status, &reason, end);
    r.requirements = script.meta.requires.iter().map(|q| q.describe()).collect();
    r.exit = process.exit.clone();
    r.duration = process.duration.as_secs_f64();
    r.stderr_tail = String::from_utf8_lossy(&process.stderr_tail).into_owned();
    if process.pipes_held_open {
        r.leaked.push(Leak {
            kind: "process".into(),
            name: format!(
                "group {}: held stdout/stderr open after the script exited; killed",
                process.pid
            ),
        });
    }
    r
}

/// The result of a TAP stream with no process behind it (`tck import` of
/// a TAP file): judged by the same rules as a script that ran, its exit
/// status unknown.
pub fn result_of_tap(id: &str, title: &str, tap: &[u8]) -> ScriptResult {
    let mut stream = TapStream::new(None);
    stream.feed(tap);
    let mut end = stream.finish();
    let (status, reason) = judge_output(&end.document, end.saw_tap, &Exit::Unknown);
    let mut r = result_of_stream(id, title, status, &reason, &mut end);
    r.exit = Exit::Unknown;
    r
}

/// What a result takes from its stream (whose test points are moved out).
fn result_of_stream(
    id: &str,
    title: &str,
    status: ScriptStatus,
    reason: &str,
    end: &mut StreamEnd,
) -> ScriptResult {
    let mut r = ScriptResult::without_output(id, title, status, reason);
    r.plan = end.document.plan.clone();
    r.tests = std::mem::take(&mut end.tests);
    r.counts = end.counts;
    // A script with no TAP at all is judged by its exit status: the TAP
    // rules it did not follow ("no plan") are not its errors.
    if end.saw_tap {
        r.parse_errors = end.document.verdict.errors.clone();
    }
    r.parse_errors.extend(end.notes.iter().cloned());
    r
}

/// Subtest levels kept in a [`ScriptResult`]. Deeper levels (pathological
/// streams) are dropped so that every consumer of the report (clone,
/// serialisers, compare) can recurse over the tree without running out of
/// stack; their points still count in the verdicts of their parents.
pub const MAX_KEPT_DEPTH: usize = 64;

/// A judged test point in the report's shape, with its stable identity.
/// `depth` is its subtest level; `too_deep` is set when levels beyond
/// [`MAX_KEPT_DEPTH`] were dropped.
fn result_of_point(p: &TestPoint, depth: usize, too_deep: &mut bool) -> TestResult {
    TestResult {
        number: p.number,
        description: p.description.clone(),
        outcome: p.outcome,
        directive: p.directive,
        reason: p.reason.clone(),
        yaml: p.yaml.clone(),
        identity: identity_of(p.number, &p.description, p.yaml.as_ref()),
        subtest: p.subtest.as_ref().map(|d| {
            Box::new(Subtest {
                name: d.name.clone(),
                plan: d.plan.clone(),
                tests: if depth + 1 >= MAX_KEPT_DEPTH {
                    *too_deep |= !d.tests.is_empty();
                    Vec::new()
                } else {
                    d.tests
                        .iter()
                        .map(|t| result_of_point(t, depth + 1, too_deep))
                        .collect()
                },
            })
        }),
        mask: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(tap: &str) -> StreamEnd {
        let mut s = TapStream::new(None);
        s.feed(tap.as_bytes());
        s.finish()
    }

    fn doc(tap: &str) -> (Document, bool) {
        let end = stream(tap);
        (end.document, end.saw_tap)
    }

    fn outcome(exit: Exit, ended: Ended) -> ProcessOutcome {
        ProcessOutcome {
            pid: 1,
            exit,
            ended,
            killed_after_grace: false,
            pipes_held_open: false,
            duration: Duration::from_millis(10),
            stderr_tail: Vec::new(),
        }
    }

    fn status(tap: &str, exit: Exit, ended: Ended) -> (ScriptStatus, String) {
        let (d, saw) = doc(tap);
        decide(&d, saw, &outcome(exit, ended), Duration::from_secs(300))
    }

    const OK: Exit = Exit::Code { code: 0 };

    #[test]
    fn each_row_of_the_table() {
        let seg = Exit::Signal {
            signal: libc::SIGSEGV,
            name: "SIGSEGV".into(),
        };
        let cases: Vec<(&str, Exit, Ended, ScriptStatus, &str)> = vec![
            (
                "1..1\nok 1\n",
                OK,
                Ended::Interrupted,
                ScriptStatus::Error,
                "interrupted",
            ),
            (
                "1..1\n",
                Exit::Signal {
                    signal: 15,
                    name: "SIGTERM".into(),
                },
                Ended::Timeout,
                ScriptStatus::Timeout,
                "timed out after 300s",
            ),
            (
                "1..2\nok 1\nBail out! no daemon\n",
                Exit::Code { code: 255 },
                Ended::Normally,
                ScriptStatus::Bailout,
                "Bail out! no daemon",
            ),
            (
                "1..2\nok 1\nok 2\n",
                seg.clone(),
                Ended::Normally,
                ScriptStatus::Crash,
                "killed by SIGSEGV after 2 test points",
            ),
            (
                "just a log line\n",
                OK,
                Ended::Normally,
                ScriptStatus::Pass,
                "no TAP output",
            ),
            (
                "",
                Exit::Code { code: 4 },
                Ended::Normally,
                ScriptStatus::Error,
                "no TAP output, and exit status 4",
            ),
            (
                "1..0 # SKIP needs a NIC\n",
                OK,
                Ended::Normally,
                ScriptStatus::Skip,
                "needs a NIC",
            ),
            (
                "1..0 # SKIP needs a NIC\n",
                Exit::Code { code: 1 },
                Ended::Normally,
                ScriptStatus::Fail,
                "exit status 1",
            ),
            (
                "1..2\nok 1\nnot ok 2\n",
                Exit::Code { code: 1 },
                Ended::Normally,
                ScriptStatus::Fail,
                "1 of 2 test points failed; exit status 1",
            ),
            (
                "ok 1\nok 2\n",
                OK,
                Ended::Normally,
                ScriptStatus::Error,
                "invalid TAP",
            ),
            (
                "1..2\nok 1\nok 2\n",
                Exit::Code { code: 3 },
                Ended::Normally,
                ScriptStatus::Fail,
                "exited with status 3",
            ),
            (
                "1..2\nok 1\nok 2\n",
                OK,
                Ended::Normally,
                ScriptStatus::Pass,
                "",
            ),
        ];
        for (tap, exit, ended, want, reason) in cases {
            let (got, why) = status(tap, exit, ended);
            assert_eq!(got, want, "{tap:?}: {why}");
            assert!(why.contains(reason), "{tap:?}: {why:?} lacks {reason:?}");
        }
    }

    #[test]
    fn deep_subtests_are_cut_at_the_kept_depth_with_a_note() {
        let levels = MAX_KEPT_DEPTH + 6;
        let mut tap = String::from("1..1\n");
        for d in 1..=levels {
            tap.push_str(&format!(
                "{}# Subtest: s{d}\n{}1..1\n",
                "    ".repeat(d),
                "    ".repeat(d)
            ));
        }
        tap.push_str(&format!("{}ok 1 - leaf\n", "    ".repeat(levels)));
        for d in (1..=levels).rev() {
            tap.push_str(&format!("{}ok 1 - s{d}\n", "    ".repeat(d - 1)));
        }
        let mut s = TapStream::new(None);
        s.feed(tap.as_bytes());
        let mut end = s.finish();
        let script = Script::builtin(&NOOP);
        let r = result_of(
            &script,
            &mut end,
            &outcome(OK, Ended::Normally),
            Duration::from_secs(1),
        );
        assert_eq!(r.status, ScriptStatus::Pass, "{}", r.reason);
        let mut depth = 0;
        let mut tests = &r.tests;
        while let Some(sub) = tests.first().and_then(|t| t.subtest.as_ref()) {
            depth += 1;
            tests = &sub.tests;
        }
        assert_eq!(depth, MAX_KEPT_DEPTH);
        assert!(r
            .parse_errors
            .iter()
            .any(|e| e.message.contains("not kept")));
    }

    fn noop(
        _: &mut crate::tap::producer::Tap,
        _: &crate::virt::context::Context,
    ) -> crate::script::Outcome {
        Ok(())
    }

    static NOOP: crate::script::ScriptDef = crate::script::ScriptDef {
        id: "x/010-noop",
        title: "",
        meta: crate::script::Meta::DEFAULT,
        run: noop,
    };

    #[test]
    fn a_runaway_stream_keeps_a_bounded_number_of_points_but_counts_all() {
        let n = MAX_KEPT_POINTS + 5;
        let mut s = TapStream::new(None);
        s.feed(format!("1..{n}\n").as_bytes());
        let chunk = "ok\n".repeat(1000);
        let mut fed = 0;
        while fed < n {
            let k = (n - fed).min(1000);
            s.feed(&chunk.as_bytes()[..3 * k]);
            fed += k;
        }
        let end = s.finish();
        assert_eq!(end.tests.len(), MAX_KEPT_POINTS);
        assert_eq!(end.counts.total, n as u64);
        assert_eq!(end.counts.pass, n as u64);
        assert!(end.document.verdict.ok, "{:?}", end.document.verdict.errors);
        assert!(
            end.notes[0].message.contains("5 more were counted"),
            "{:?}",
            end.notes
        );
    }

    #[test]
    fn counts_follow_outcomes() {
        let end = stream("1..4\nok 1\nnot ok 2\nok 3 # SKIP x\nnot ok 4 # TODO y\n");
        let c = end.counts;
        assert_eq!((c.total, c.pass, c.fail, c.skip, c.todo), (4, 1, 1, 1, 1));
        assert_eq!(end.tests.len(), 4);
        assert_eq!(end.tests[1].identity, "#2");
    }

    #[test]
    fn a_tap_file_is_judged_like_a_script_with_no_exit_status() {
        let r = result_of_tap("area/010-x", "", b"1..2\nok 1 - a\nnot ok 2 - b\n");
        assert_eq!(r.status, ScriptStatus::Fail);
        assert_eq!(r.reason, "1 of 2 test points failed");
        assert_eq!((r.area.as_str(), r.exit.clone()), ("area", Exit::Unknown));
        assert_eq!((r.counts.total, r.counts.fail), (2, 1));
        assert_eq!(r.tests[1].identity, "b");

        let skip = result_of_tap("x", "", b"1..0 # SKIP no disk\n");
        assert_eq!(
            (skip.status, skip.reason.as_str()),
            (ScriptStatus::Skip, "no disk")
        );
        let bail = result_of_tap("x", "", b"1..3\nok 1\nBail out! gone\n");
        assert_eq!(bail.status, ScriptStatus::Bailout);
        let short = result_of_tap("x", "", b"1..3\nok 1\n");
        assert_eq!(short.status, ScriptStatus::Error, "{}", short.reason);
        // No exit status to fall back on: text that is not TAP is no pass.
        let none = result_of_tap("x", "", b"just a log line\n");
        assert_eq!(none.status, ScriptStatus::Error);
        assert!(none.reason.contains("no TAP output"), "{}", none.reason);
    }
}
