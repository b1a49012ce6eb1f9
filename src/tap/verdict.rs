//! The judge: folds parser [`Event`]s into a judged [`Document`] tree.
//!
//! It keeps one small state per open document (the stream and each open
//! subtest): counts, a bitset of the test point IDs seen (`ids.rs`), bounded
//! error and warning lists and, only when asked, the test points
//! themselves. With `keep_tests = false` memory stays flat however long
//! the stream is. With `keep_tests = true`, [`Judge::drain_completed`]
//! hands finished top-level points out as they complete, so a caller that
//! writes them somewhere (`tck parse --format json`) also stays flat,
//! buffering only the subtest in progress.
//!
//! # Verdict rules (TAP 14)
//!
//! A document passes when it has a plan, no error, no failed point and no
//! bail-out. Errors (each one fails the document, and has a line number):
//! - no plan;
//! - a second plan; a plan after some test points followed by more test
//!   points ("plan in the middle");
//! - the number of test points differs from the plan, or planned numbers
//!   never appeared (they are listed, and kept in `Verdict::missing`);
//! - a test point ID outside the plan's range (checked as the point arrives
//!   when the plan came first, when the plan arrives when it came last);
//! - a skip-all plan (`1..0`) in a document that has test points;
//! - a TAP version line that is not the document's first TAP line, a second
//!   one, or a version other than 13 or 14;
//! - a subtest that never gets its closing test point;
//! - a non-TAP line in a document under `pragma +strict`;
//! - the parser's own errors (unterminated YAML block, over-long TAP line…).
//!
//! Test point IDs may come in any order. A point without a number gets its
//! position in the document (TAP::Parser does the same). `not ok # TODO` is
//! counted in `todo` and does not fail; `ok # TODO` is counted in
//! `todo_passed` and does not fail either; SKIP never fails. A bail-out, at
//! any depth, fails the stream with its reason and ends it: later lines are
//! ignored, and no "missing tests" or "unclosed subtest" errors are added,
//! as the bail-out already says why.
//!
//! # Choices where TAP 14 says "may"
//!
//! - **Missing version line**: accepted (TAP 12 streams, including the Perl
//!   libvirt-tck's, have none). Non-TAP lines and comments may come before
//!   the version line; TAP lines may not.
//! - **`TAP version 13`**: read as TAP 14. **12 or lower, 15 or higher**:
//!   an error, as TAP::Parser does.
//! - **Duplicate IDs**: an error (the point still counts; it is not treated
//!   as non-TAP).
//! - **Plans not starting at 1** (`5..8`): accepted; IDs outside the range
//!   fail, as TAP 14 then requires.
//! - **`#skip` without a space**: accepted as a directive, with a warning;
//!   a `#` not preceded by whitespace is never a delimiter (see `grammar.rs`).
//! - **Passing TODO**: reported as `todo_passed`, not a failure.
//! - **A failed subtest under a passing closing point**: the point counts
//!   as failed, with an error saying why. The closing point's own status
//!   still rules otherwise: `not ok` fails even if the subtest passed, and
//!   `# TODO`/`# SKIP` on it excuse a failed subtest.
//! - **Pragmas**: `strict` is honoured, per document (a pragma in a subtest
//!   does not affect its parent); other keys are ignored with a warning.
//! - **Invalid YAML in a diagnostic block**: a warning, the raw text kept as
//!   a string (a diagnostic problem should not fail a test run).
//! - **Named subtests** (`# Subtest: name`): the closing point must carry
//!   the same description; a parent-level point that does not is non-TAP
//!   (a warning, an error under strict) and the subtest goes on, as TAP 14
//!   says. The header is accepted at the parent's indentation (TAP 14) or at
//!   the child's (older Test::More). A test point at a grandparent level
//!   ends the deeper subtests as unclosed (an error) instead of being
//!   ignored, so that a truncated child does not hide the rest of the stream.
//! - **A bare subtest** (no header) is closed by the next point at the
//!   parent level; the subtest document takes that point's description as
//!   its name.

use crate::tap::ids::IdSet;
use crate::tap::model::{
    Document, Event, Plan, PointLine, PointOutcome, TapError, TestPoint, Verdict,
};
use crate::tap::parser::{excerpt, Parser};

/// Errors (and warnings) kept per document; the rest are counted.
pub const MAX_ERRORS: usize = 1000;
/// Missing test numbers listed per document.
pub const MAX_MISSING: usize = 1000;

/// Folds events into a judged [`Document`].
#[derive(Debug)]
pub struct Judge {
    keep_tests: bool,
    /// `stack[0]` is the stream; `stack[k]` the open subtest at depth k.
    stack: Vec<Doc>,
    /// `# Subtest` headers waiting for their subtest's first line.
    pending: Vec<Header>,
    bailout: Option<String>,
}

#[derive(Debug)]
struct Header {
    depth: usize,
    name: Option<String>,
    line: u64,
}

/// A bounded list of problems.
#[derive(Debug, Default)]
struct Problems {
    list: Vec<TapError>,
    more: u64,
}

impl Problems {
    fn push(&mut self, line: u64, message: impl Into<String>) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(TapError {
                line,
                message: message.into(),
            });
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty() && self.more == 0
    }

    fn into_vec(mut self, what: &str) -> Vec<TapError> {
        if self.more > 0 {
            self.list.push(TapError {
                line: 0,
                message: format!("… and {} more {what} not listed", self.more),
            });
        }
        self.list
    }
}

/// One open document.
#[derive(Debug, Default)]
struct Doc {
    name: Option<String>,
    /// When opened by a `# Subtest` header: the description its closing
    /// point must have ("" for a header without a name).
    expect: Option<String>,
    start_line: u64,
    version: Option<(u32, u64)>,
    /// A TAP line (other than the version) was seen.
    seen_tap: bool,
    plan: Option<Plan>,
    plan_line: u64,
    /// The plan came after test points: no point may follow it.
    plan_after_points: bool,
    strict: bool,
    count: u64,
    passed: u64,
    failed: u64,
    todo: u64,
    todo_passed: u64,
    skipped: u64,
    ids: IdSet,
    errors: Problems,
    warnings: Problems,
    keep: bool,
    tests: Vec<TestPoint>,
    /// The last TAP element was a test point: a YAML block may attach to it.
    last_point_open: bool,
    bailout: Option<String>,
}

impl Judge {
    /// A judge for one stream. With `keep_tests` the returned [`Document`]
    /// holds every test point (with YAML and subtests); without, only counts
    /// and problems, and memory stays flat.
    pub fn new(keep_tests: bool) -> Self {
        Judge {
            keep_tests,
            stack: vec![Doc {
                keep: keep_tests,
                start_line: 1,
                ..Doc::default()
            }],
            pending: Vec::new(),
            bailout: None,
        }
    }

    /// The bail-out reason, once the stream has bailed out ("" when
    /// `Bail out!` gave none). The harness stops the run on it.
    pub fn bailout(&self) -> Option<&str> {
        self.bailout.as_deref()
    }

    /// Top-level test points that can no longer change, removed from the
    /// judge (only with `keep_tests`). The last point stays until the next
    /// line shows whether a YAML block follows it.
    pub fn drain_completed(&mut self) -> std::vec::Drain<'_, TestPoint> {
        let top = &mut self.stack[0];
        let open = usize::from(top.last_point_open);
        let done = top.tests.len().saturating_sub(open);
        top.tests.drain(..done)
    }

    /// Takes one event.
    pub fn event(&mut self, ev: Event) {
        if self.bailout.is_some() {
            return;
        }
        let cur = self.stack.len() - 1;
        match ev {
            Event::Comment { .. } => {}
            Event::SubtestHeader { line, depth, name } => {
                // A header at a parent level inside an open subtest is only a
                // comment there (TAP 14: such lines are not TAP).
                if depth >= cur {
                    self.pending.retain(|h| h.depth < depth);
                    self.pending.push(Header { depth, name, line });
                }
            }
            Event::Warning {
                line,
                depth,
                message,
            } => self.stack[depth.min(cur)].warnings.push(line, message),
            Event::Error {
                line,
                depth,
                message,
            } => self.stack[depth.min(cur)].errors.push(line, message),
            Event::Unknown { line, depth, text } => self.non_tap(depth.min(cur), line, &text),
            Event::Yaml { line, depth, yaml } => {
                if depth == cur && self.stack[cur].last_point_open {
                    let doc = &mut self.stack[cur];
                    doc.last_point_open = false;
                    if let Some(last) = doc.tests.last_mut() {
                        last.yaml = Some(yaml);
                    }
                } else {
                    self.non_tap(
                        depth.min(cur),
                        line,
                        "a YAML block that follows no test point",
                    );
                }
            }
            Event::BailOut { reason, .. } => {
                for doc in &mut self.stack {
                    doc.bailout = Some(reason.clone());
                }
                self.bailout = Some(reason);
                self.pending.clear();
            }
            Event::Version { line, depth, .. }
            | Event::Plan { line, depth, .. }
            | Event::Point { line, depth, .. }
            | Event::Pragma { line, depth, .. } => self.tap_line(line, depth, ev),
        }
    }

    /// Ends the stream and returns its judged document.
    pub fn finish(mut self) -> Document {
        while self.stack.len() > 1 {
            self.close_unterminated();
        }
        let top = self.stack.pop().unwrap_or_default();
        finalize(top)
    }

    /// A version, plan, test point or pragma line at `depth`.
    fn tap_line(&mut self, line: u64, depth: usize, ev: Event) {
        let cur = self.stack.len() - 1;
        if depth > cur {
            self.open_subtests(depth, line);
        } else if depth < cur {
            // Only a test point can end a subtest; anything else at a parent
            // level inside an open subtest is not TAP (TAP 14, rule 12).
            if let Event::Point { point, .. } = ev {
                self.close_with(line, depth, point);
            } else {
                let what = match ev {
                    Event::Plan { .. } => "a plan",
                    Event::Version { .. } => "a version line",
                    _ => "a pragma",
                };
                self.non_tap(depth, line, &format!("{what} inside an open subtest"));
            }
            self.pending.clear();
            return;
        } else if let Event::Point { point, .. } = &ev {
            // `# Subtest: name` directly followed by its closing point: an
            // empty subtest, which is not a valid TAP document.
            if let Some(pos) = self.pending.iter().position(|h| h.depth == depth) {
                let h = &self.pending[pos];
                if h.name.as_deref().unwrap_or("") == point.description {
                    let (name, start) = (h.name.clone(), h.line);
                    self.pending.clear();
                    let child = finalize(Doc {
                        name,
                        start_line: start,
                        keep: self.keep_tests,
                        ..Doc::default()
                    });
                    if let Event::Point { point, .. } = ev {
                        self.point(depth, line, point, Some(child));
                    }
                    return;
                }
            }
        }
        self.pending.clear();
        let doc = &mut self.stack[depth];
        match ev {
            Event::Version { version, .. } => {
                if let Some((_, first)) = doc.version {
                    doc.errors.push(
                        line,
                        format!("a second TAP version line (the first is on line {first})"),
                    );
                } else if doc.seen_tap {
                    doc.errors.push(
                        line,
                        "the TAP version line must come before any other TAP line of its document",
                    );
                } else if !(13..=14).contains(&version) {
                    doc.errors.push(
                        line,
                        format!("TAP version {version} is not supported: tck reads versions 13 and 14 (or no version line)"),
                    );
                }
                if doc.version.is_none() {
                    doc.version = Some((version, line));
                }
                doc.last_point_open = false;
            }
            Event::Plan { plan, .. } => {
                doc.seen_tap = true;
                doc.last_point_open = false;
                plan_line(doc, line, plan);
            }
            Event::Pragma { enable, key, .. } => {
                doc.seen_tap = true;
                doc.last_point_open = false;
                if key == "strict" {
                    doc.strict = enable;
                } else {
                    doc.warnings.push(
                        line,
                        format!("unknown pragma '{key}' ignored (tck knows 'strict')"),
                    );
                }
            }
            Event::Point { point, .. } => self.point(depth, line, point, None),
            _ => {}
        }
    }

    /// Opens the subtests from the current depth down to `depth`, naming
    /// them from pending `# Subtest` headers.
    fn open_subtests(&mut self, depth: usize, line: u64) {
        let cur = self.stack.len() - 1;
        // Which level each header names: a header at level h names the
        // subtest at h+1 (TAP 14) or, when that is taken or deeper than the
        // line that opens them, the one at h (older Test::More).
        let mut names: Vec<Option<Header>> = (cur + 1..=depth).map(|_| None).collect();
        for h in self.pending.drain(..).rev() {
            let slot = [h.depth + 1, h.depth]
                .into_iter()
                .find(|&l| l > cur && l <= depth && names[l - cur - 1].is_none());
            if let Some(l) = slot {
                names[l - cur - 1] = Some(h);
            }
        }
        for header in names {
            let doc = match header {
                Some(h) => Doc {
                    expect: Some(h.name.clone().unwrap_or_default()),
                    name: h.name,
                    start_line: h.line,
                    keep: self.keep_tests,
                    ..Doc::default()
                },
                None => Doc {
                    start_line: line,
                    keep: self.keep_tests,
                    ..Doc::default()
                },
            };
            self.stack.push(doc);
        }
    }

    /// A test point at `depth`, above the current depth: the closing point
    /// of the subtest at `depth + 1`, if it is the one that subtest expects.
    fn close_with(&mut self, line: u64, depth: usize, point: PointLine) {
        let child = &self.stack[depth + 1];
        if let Some(expect) = &child.expect {
            if *expect != point.description {
                let message = format!(
                    "test point '{}' does not close subtest '{}' (started on line {}), whose closing test point must have that description; ignored as non-TAP",
                    excerpt(&point.description, 80),
                    excerpt(expect, 80),
                    child.start_line
                );
                let doc = &mut self.stack[depth];
                if doc.strict {
                    doc.errors.push(line, message);
                } else {
                    doc.warnings.push(line, message);
                }
                doc.last_point_open = false;
                return;
            }
        }
        while self.stack.len() > depth + 2 {
            self.close_unterminated();
        }
        let Some(mut child) = self.stack.pop() else {
            return;
        };
        if child.name.is_none() && !point.description.is_empty() {
            child.name = Some(point.description.clone());
        }
        let child = finalize(child);
        self.point(depth, line, point, Some(child));
    }

    /// Ends the innermost subtest, which never got its closing point.
    fn close_unterminated(&mut self) {
        let Some(child) = self.stack.pop() else {
            return;
        };
        let bailed = child.bailout.is_some();
        let start = child.start_line;
        let doc = finalize(child);
        if !bailed {
            let name = doc
                .name
                .as_deref()
                .map(|n| format!(" '{}'", excerpt(n, 80)))
                .unwrap_or_default();
            let depth = self.stack.len();
            if let Some(parent) = self.stack.last_mut() {
                parent.errors.push(
                    start,
                    format!(
                        "subtest{name} (depth {depth}, started on line {start}) has no closing test point ({})",
                        summary(&doc.verdict)
                    ),
                );
            }
        }
    }

    fn point(&mut self, depth: usize, line: u64, point: PointLine, subtest: Option<Document>) {
        let doc = &mut self.stack[depth];
        doc.seen_tap = true;
        if doc.plan_after_points {
            doc.errors.push(
                line,
                format!(
                    "test point after the plan on line {}, which came after earlier test points: a plan must come before all test points or after all of them",
                    doc.plan_line
                ),
            );
        }
        doc.count += 1;
        let number = point.number.unwrap_or(doc.count);
        if !doc.ids.insert(number) {
            doc.errors
                .push(line, format!("test number {number} appears more than once"));
        }
        if let Some(plan) = &doc.plan {
            if !doc.plan_after_points
                && !plan.is_skip_all()
                && (number < plan.start || number > plan.end)
            {
                doc.errors.push(
                    line,
                    format!(
                        "test number {number} is outside the plan {}..{} (line {})",
                        plan.start, plan.end, doc.plan_line
                    ),
                );
            }
        }
        let mut outcome = PointOutcome::of(point.ok, point.directive);
        if let Some(child) = &subtest {
            if !child.verdict.ok && outcome == PointOutcome::Pass {
                outcome = PointOutcome::Fail;
                doc.errors.push(
                    line,
                    format!(
                        "subtest '{}' failed ({}) but its closing test point says ok",
                        excerpt(child.name.as_deref().unwrap_or(""), 80),
                        first_problem(&child.verdict)
                    ),
                );
            }
        }
        match outcome {
            PointOutcome::Pass => doc.passed += 1,
            PointOutcome::Fail => doc.failed += 1,
            PointOutcome::Skip => doc.skipped += 1,
            PointOutcome::Todo => doc.todo += 1,
            PointOutcome::TodoPassed => doc.todo_passed += 1,
        }
        doc.last_point_open = true;
        if doc.keep {
            doc.tests.push(TestPoint {
                number,
                ok: point.ok,
                description: point.description,
                directive: point.directive,
                reason: point.reason,
                outcome,
                yaml: None,
                subtest: subtest.map(Box::new),
            });
        }
    }

    fn non_tap(&mut self, idx: usize, line: u64, text: &str) {
        let doc = &mut self.stack[idx];
        doc.last_point_open = false;
        if doc.strict {
            doc.errors.push(
                line,
                format!(
                    "not TAP, and 'pragma +strict' is on: {}",
                    excerpt(text.trim(), 120)
                ),
            );
        }
    }
}

fn plan_line(doc: &mut Doc, line: u64, plan: Plan) {
    if doc.plan.is_some() {
        doc.errors.push(
            line,
            format!("a second plan (the first is on line {})", doc.plan_line),
        );
        return;
    }
    if plan.end < plan.start && !plan.is_skip_all() {
        doc.errors.push(
            line,
            format!(
                "the plan {}..{} ends before it starts",
                plan.start, plan.end
            ),
        );
    }
    if doc.count > 0 {
        doc.plan_after_points = true;
        if !plan.is_skip_all() {
            let outside = doc.ids.outside(plan.start, plan.end, MAX_MISSING);
            if !outside.is_empty() {
                doc.errors.push(
                    line,
                    format!(
                        "test numbers outside the plan {}..{}: {}",
                        plan.start,
                        plan.end,
                        list(&outside, outside.len() as u64)
                    ),
                );
            }
        }
    }
    doc.plan = Some(plan);
    doc.plan_line = line;
}

/// Applies the end-of-document rules and builds the judged document.
fn finalize(mut doc: Doc) -> Document {
    let mut missing = Vec::new();
    if doc.bailout.is_none() {
        match &doc.plan {
            None => doc.errors.push(
                0,
                if doc.count == 0 {
                    "no plan and no test points: this is not a TAP document".to_string()
                } else {
                    format!(
                        "no plan: a TAP document must have a plan line (1..{}) before or after its test points",
                        doc.count
                    )
                },
            ),
            Some(plan) if plan.is_skip_all() => {
                if doc.count > 0 {
                    doc.errors.push(
                        doc.plan_line,
                        format!(
                            "skip-all plan 1..0 on line {}, but {} test point(s) ran",
                            doc.plan_line, doc.count
                        ),
                    );
                }
            }
            Some(plan) => {
                let planned = plan.count();
                let missing_count = planned - doc.ids.count_in(plan.start, plan.end).min(planned);
                if doc.count != planned || missing_count > 0 {
                    missing = doc.ids.missing(plan.start, plan.end, MAX_MISSING);
                    let mut message = if doc.count != planned {
                        format!("planned {planned} test points but {} ran", doc.count)
                    } else {
                        format!("{planned} test points ran as planned, but not with the planned numbers")
                    };
                    if missing_count > 0 {
                        message.push_str(&format!("; missing: {}", list(&missing, missing_count)));
                    }
                    doc.errors.push(doc.plan_line, message);
                }
            }
        }
    }
    let ok = doc.errors.is_empty() && doc.failed == 0 && doc.bailout.is_none();
    Document {
        name: doc.name,
        version: doc.version.map(|(v, _)| v),
        plan: doc.plan,
        tests: doc.tests,
        verdict: Verdict {
            ok,
            count: doc.count,
            passed: doc.passed,
            failed: doc.failed,
            todo: doc.todo,
            todo_passed: doc.todo_passed,
            skipped: doc.skipped,
            bailout: doc.bailout,
            missing,
            errors: doc.errors.into_vec("errors"),
            warnings: doc.warnings.into_vec("warnings"),
        },
    }
}

/// "2, 5, 7 (and 10 more)".
fn list(numbers: &[u64], total: u64) -> String {
    const SHOWN: usize = 20;
    let mut s = numbers
        .iter()
        .take(SHOWN)
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let shown = numbers.len().min(SHOWN) as u64;
    if total > shown {
        s.push_str(&format!(" (and {} more)", total - shown));
    }
    s
}

/// "3 test points, 1 failed".
fn summary(v: &Verdict) -> String {
    let mut s = format!(
        "{} test point{}",
        v.count,
        if v.count == 1 { "" } else { "s" }
    );
    if v.failed > 0 {
        s.push_str(&format!(", {} failed", v.failed));
    }
    s
}

/// Why a document failed, in a few words.
fn first_problem(v: &Verdict) -> String {
    if let Some(reason) = &v.bailout {
        return format!("bailed out: {reason}");
    }
    if v.failed > 0 {
        return format!("{} of {} test points failed", v.failed, v.count);
    }
    match v.errors.first() {
        Some(e) => excerpt(&e.message, 120).into_owned(),
        None => "failed".to_string(),
    }
}

/// Parses and judges a complete stream held in memory.
pub fn parse_bytes(bytes: &[u8], keep_tests: bool) -> Document {
    let mut parser = Parser::new();
    let mut judge = Judge::new(keep_tests);
    parser.feed(bytes, &mut |e| judge.event(e));
    parser.finish(&mut |e| judge.event(e));
    judge.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::model::Directive;
    use crate::yaml::Yaml;

    fn judge(tap: &str) -> Document {
        parse_bytes(tap.as_bytes(), true)
    }

    fn messages(doc: &Document) -> Vec<String> {
        doc.verdict
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.line, e.message))
            .collect()
    }

    fn assert_error(doc: &Document, line: u64, needle: &str) {
        assert!(
            doc.verdict
                .errors
                .iter()
                .any(|e| e.line == line && e.message.contains(needle)),
            "no error {needle:?} on line {line} in {:?}",
            messages(doc)
        );
        assert!(!doc.verdict.ok);
    }

    fn assert_passes(doc: &Document) {
        assert!(doc.verdict.ok, "expected a pass: {:?}", messages(doc));
        assert!(doc.verdict.errors.is_empty());
    }

    #[test]
    fn a_plain_stream_passes_with_counts() {
        let doc = judge("TAP version 14\n1..4\nok 1 - a\nok 2 - b # SKIP no disk\nnot ok 3 - c # TODO later\nok 4 - d # TODO done\n");
        assert_passes(&doc);
        let v = &doc.verdict;
        assert_eq!(
            (
                v.count,
                v.passed,
                v.failed,
                v.skipped,
                v.todo,
                v.todo_passed
            ),
            (4, 1, 0, 1, 1, 1)
        );
        assert_eq!(doc.version, Some(14));
        assert_eq!(doc.tests[2].outcome, PointOutcome::Todo);
        assert_eq!(doc.tests[3].outcome, PointOutcome::TodoPassed);
        assert_eq!(doc.tests[1].reason.as_deref(), Some("no disk"));
    }

    #[test]
    fn no_plan_fails() {
        let doc = judge("ok 1\nok 2\n");
        assert_error(&doc, 0, "no plan");
        assert_eq!(doc.verdict.passed, 2);
    }

    #[test]
    fn empty_input_fails() {
        let doc = judge("");
        assert_error(&doc, 0, "no plan and no test points");
        assert_eq!(doc.verdict.count, 0);
    }

    #[test]
    fn a_failed_point_fails() {
        let doc = judge("1..2\nok 1\nnot ok 2 - broken\n");
        assert!(!doc.verdict.ok);
        assert!(doc.verdict.errors.is_empty());
        assert_eq!(doc.verdict.failed, 1);
    }

    #[test]
    fn count_below_plan_fails_and_lists_missing_numbers() {
        let doc = judge("TAP version 13\n1..6\nnot ok\nok\nnot ok\nok\nok\n");
        assert_error(&doc, 2, "planned 6 test points but 5 ran; missing: 6");
        assert_eq!(doc.verdict.missing, vec![6]);
        assert_eq!(doc.verdict.failed, 2);
        let numbers: Vec<u64> = doc.tests.iter().map(|t| t.number).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn count_above_plan_fails() {
        let doc = judge("1..2\nok 1\nok 2\nok 3\n");
        assert_error(&doc, 4, "test number 3 is outside the plan 1..2");
        assert_error(&doc, 1, "planned 2 test points but 3 ran");
    }

    #[test]
    fn ids_may_come_in_any_order() {
        assert_passes(&judge("TAP version 14\n1..3\nok 2\nok 3\nok 1\n"));
        assert_passes(&judge("ok 3\nok 1\nok 2\n1..3\n"));
    }

    #[test]
    fn id_outside_the_plan_fails_leading_plan() {
        let doc = judge("TAP version 14\n1..3\nok 2\nok 4\nok 1\n");
        assert_error(&doc, 4, "test number 4 is outside the plan 1..3");
        assert_error(&doc, 2, "missing: 3");
        assert_eq!(doc.verdict.missing, vec![3]);
    }

    #[test]
    fn id_outside_the_plan_fails_trailing_plan() {
        let doc = judge("ok 2\nok 4\nok 1\n1..3\n");
        assert_error(&doc, 4, "test numbers outside the plan 1..3: 4");
        assert_eq!(doc.verdict.missing, vec![3]);
    }

    #[test]
    fn plans_not_starting_at_one_are_ranges() {
        assert_passes(&judge("5..7\nok 5\nok 7\nok 6\n"));
        let doc = judge("5..7\nok 5\nok 6\nok 4\n");
        assert_error(&doc, 4, "test number 4 is outside the plan 5..7");
        assert_eq!(doc.verdict.missing, vec![7]);
        assert_error(&judge("3..1\n"), 1, "ends before it starts");
    }

    #[test]
    fn duplicate_id_fails() {
        let doc = judge("1..3\nok 1\nok 1\nok 3\n");
        assert_error(&doc, 3, "test number 1 appears more than once");
        assert_error(
            &doc,
            1,
            "3 test points ran as planned, but not with the planned numbers; missing: 2",
        );
        // The duplicate is still a test point, not a non-TAP line.
        assert_eq!(doc.verdict.count, 3);
    }

    #[test]
    fn failing_todo_does_not_fail_and_passing_todo_is_reported() {
        let doc = judge("1..2\nnot ok 1 # TODO not yet\nok 2 # todo fixed meanwhile\n");
        assert_passes(&doc);
        assert_eq!(
            (
                doc.verdict.todo,
                doc.verdict.todo_passed,
                doc.verdict.failed
            ),
            (1, 1, 0)
        );
    }

    #[test]
    fn failing_skip_does_not_fail() {
        let doc = judge("1..1\nnot ok 1 # skip cannot run\n");
        assert_passes(&doc);
        assert_eq!(doc.verdict.skipped, 1);
    }

    #[test]
    fn plan_in_the_middle_fails() {
        let doc = judge("ok 1\n1..2\nok 2\n");
        assert_error(&doc, 3, "test point after the plan on line 2");
    }

    #[test]
    fn a_second_plan_fails() {
        let doc = judge("1..2\nok 1\nok 2\n1..2\n");
        assert_error(&doc, 4, "a second plan (the first is on line 1)");
    }

    #[test]
    fn bail_out_fails_with_its_reason_and_ends_the_stream() {
        let doc = judge("TAP version 14\n1..573\nnot ok 1 - database handle\nBail out! Couldn't connect to database.\nok 2\n");
        assert!(!doc.verdict.ok);
        assert_eq!(
            doc.verdict.bailout.as_deref(),
            Some("Couldn't connect to database.")
        );
        assert_eq!(doc.verdict.count, 1, "lines after the bail-out are ignored");
        assert!(
            doc.verdict.errors.is_empty(),
            "no missing-test noise: {:?}",
            messages(&doc)
        );
        let doc = judge("1..1\nok 1\nBail out!\n");
        assert_eq!(doc.verdict.bailout.as_deref(), Some(""));
        assert!(!doc.verdict.ok);
    }

    #[test]
    fn bail_out_inside_a_subtest_bails_out_the_stream() {
        let mut judge = Judge::new(false);
        let mut parser = Parser::new();
        parser.feed(
            b"1..2\n# Subtest: s\n    1..1\n    Bail out! inner trouble\n",
            &mut |e| judge.event(e),
        );
        assert_eq!(judge.bailout(), Some("inner trouble"));
        parser.feed(b"ok 1 - s\nok 2\n", &mut |e| judge.event(e));
        let doc = judge.finish();
        assert_eq!(doc.verdict.bailout.as_deref(), Some("inner trouble"));
        assert!(!doc.verdict.ok);
        assert!(doc.verdict.errors.is_empty(), "{:?}", messages(&doc));
    }

    #[test]
    fn strict_pragma_makes_non_tap_lines_errors() {
        assert_passes(&judge("1..1\ngarbage\nok 1\n"));
        let doc = judge("1..1\npragma +strict\ngarbage\nok 1\n");
        assert_error(&doc, 3, "not TAP, and 'pragma +strict' is on: garbage");
        assert_passes(&judge(
            "1..1\npragma +strict\npragma -strict\ngarbage\nok 1\n",
        ));
        // Comments and blank lines are TAP.
        assert_passes(&judge("pragma +strict\n1..1\n# fine\n\nok 1\n"));
    }

    #[test]
    fn strict_pragma_in_a_subtest_stays_in_the_subtest() {
        // TAP 14's example: the non-TAP line is in the parent, which is not strict.
        let doc = judge("TAP version 14\npragma -strict\n# Subtest: child test\n    1..1\n    pragma +strict\n    ok 1\nok 1 - child test\n!!This is not valid TAP content!!\n1..1\n");
        assert_passes(&doc);
        let doc = judge("1..1\n# Subtest: c\n    1..1\n    pragma +strict\n    garbage inside\n    ok 1\nok 1 - c\n");
        assert!(!doc.verdict.ok);
        let child = doc.tests[0].subtest.as_ref().expect("subtest kept");
        assert!(child.verdict.errors[0].message.contains("garbage inside"));
    }

    #[test]
    fn unknown_pragmas_are_warnings() {
        let doc = judge("pragma +bail\n1..1\nok 1\n");
        assert_passes(&doc);
        assert!(doc.verdict.warnings[0]
            .message
            .contains("unknown pragma 'bail'"));
    }

    #[test]
    fn skip_all_plan() {
        let doc = judge(
            "TAP version 14\n1..0 # skip because English-to-French translator isn't installed\n",
        );
        assert_passes(&doc);
        assert_eq!(
            doc.plan.and_then(|p| p.skip_reason).as_deref(),
            Some("because English-to-French translator isn't installed")
        );
        assert_error(
            &judge("1..0 # nothing\nok 1\n"),
            1,
            "skip-all plan 1..0 on line 1, but 1 test point(s) ran",
        );
        assert_error(&judge("ok 1\n1..0\n"), 2, "skip-all plan");
    }

    #[test]
    fn version_rules() {
        assert_passes(&judge("1..1\nok 1\n"));
        assert_passes(&judge("TAP version 13\n1..1\nok 1\n"));
        assert_passes(&judge(
            "some noise\n# comment\nTAP version 14\n1..1\nok 1\n",
        ));
        assert_error(
            &judge("TAP version 12\n1..1\nok 1\n"),
            1,
            "TAP version 12 is not supported",
        );
        assert_error(
            &judge("TAP version 15\n1..1\nok 1\n"),
            1,
            "TAP version 15 is not supported",
        );
        assert_error(
            &judge("1..1\nTAP version 14\nok 1\n"),
            2,
            "must come before any other TAP line",
        );
        assert_error(
            &judge("TAP version 14\nTAP version 14\n1..1\nok 1\n"),
            2,
            "a second TAP version line",
        );
    }

    #[test]
    fn directive_without_space_is_a_warning() {
        let doc = judge("1..1\nok 1 - x #skip\n");
        assert_passes(&doc);
        assert_eq!(doc.verdict.skipped, 1);
        assert_eq!(doc.verdict.warnings.len(), 1);
        assert_eq!(doc.verdict.warnings[0].line, 2);
    }

    #[test]
    fn yaml_attaches_to_its_point() {
        let doc = judge("1..2\nnot ok 1 - a\n  ---\n  got: 1\n  expected: 2\n  ...\nok 2 - b\n");
        assert_eq!(
            doc.tests[0].yaml,
            Some(Yaml::map([
                ("got", Yaml::Int(1)),
                ("expected", Yaml::Int(2))
            ]))
        );
        assert_eq!(doc.tests[1].yaml, None);
    }

    #[test]
    fn unterminated_yaml_block_fails() {
        let doc = judge("1..1\nnot ok 1\n  ---\n  message: cut");
        assert_error(&doc, 3, "unterminated YAML block");
        assert_eq!(
            doc.tests[0].yaml,
            Some(Yaml::map([("message", Yaml::Str("cut".into()))]))
        );
    }

    #[test]
    fn tap14_subtest_examples() {
        let doc = judge(concat!(
            "TAP version 14\n1..2\n\n",
            "# Subtest: foo.tap\n    1..2\n    ok 1\n    ok 2 - this passed\nok 1 - foo.tap\n\n",
            "# Subtest: bar.tap\n    ok 1 - object should be a Bar\n    not ok 2 - object.isBar should return true\n",
            "      ---\n      found: false\n      wanted: true\n      ...\n",
            "    ok 3 - object can bar bears # TODO\n    1..3\nnot ok 2 - bar.tap\n  ---\n  fail: 1\n  todo: 1\n  ...\n",
        ));
        assert!(!doc.verdict.ok);
        assert!(doc.verdict.errors.is_empty(), "{:?}", messages(&doc));
        assert_eq!((doc.verdict.passed, doc.verdict.failed), (1, 1));
        let foo = doc.tests[0].subtest.as_ref().expect("foo subtest");
        assert_eq!(foo.name.as_deref(), Some("foo.tap"));
        assert!(foo.verdict.ok);
        assert_eq!(foo.verdict.count, 2);
        let bar = doc.tests[1].subtest.as_ref().expect("bar subtest");
        assert!(!bar.verdict.ok);
        assert_eq!((bar.verdict.failed, bar.verdict.todo_passed), (1, 1));
        assert_eq!(
            bar.tests[1].yaml.as_ref().and_then(|y| y.get("wanted")),
            Some(&Yaml::Bool(true))
        );
        assert_eq!(
            doc.tests[1].yaml.as_ref().and_then(|y| y.get("fail")),
            Some(&Yaml::Int(1))
        );
    }

    #[test]
    fn bare_and_nested_bare_subtests() {
        let doc = judge("TAP version 14\n    ok 1 - subtest test point\n    1..1\nok 1 - subtest passing\n1..1\n");
        assert_passes(&doc);
        assert_eq!(
            doc.tests[0]
                .subtest
                .as_ref()
                .and_then(|s| s.name.as_deref()),
            Some("subtest passing")
        );
        let doc = judge("TAP version 14\n        ok 1 - nested twice\n        1..1\n    ok 1 - nested parent\n    1..1\nok 1 - double nest passing\n1..1\n");
        assert_passes(&doc);
        let inner = doc.tests[0]
            .subtest
            .as_ref()
            .and_then(|s| s.tests[0].subtest.as_ref())
            .expect("two levels");
        assert_eq!(inner.tests[0].description, "nested twice");
    }

    #[test]
    fn commented_subtests_from_tap14() {
        let doc = judge(concat!(
            "TAP version 14\n\nok 1 - in the parent\n\n",
            "# Subtest: nested\n    1..1\n    ok 1 - in the subtest\nok 2 - nested\n\n",
            "# Subtest: empty\n    1..0\nok 3 - empty\n\n",
            "# Subtest\n    ok 1 - name is optional\n    1..1\nok 4\n\n1..4\n",
        ));
        assert_passes(&doc);
        assert_eq!(
            doc.tests[2]
                .subtest
                .as_ref()
                .and_then(|s| s.plan.clone())
                .map(|p| p.end),
            Some(0)
        );
        assert_eq!(
            doc.tests[3].subtest.as_ref().map(|s| s.name.clone()),
            Some(None)
        );
    }

    #[test]
    fn test_more_style_header_at_the_child_indentation() {
        let doc = judge("1..1\n    # Subtest: outer\n        # Subtest: inner\n        ok 1\n        1..1\n    ok 1 - inner\n    1..1\nok 1 - outer\n");
        assert_passes(&doc);
        let outer = doc.tests[0].subtest.as_ref().expect("outer");
        assert_eq!(outer.name.as_deref(), Some("outer"));
        assert_eq!(
            outer.tests[0]
                .subtest
                .as_ref()
                .and_then(|s| s.name.as_deref()),
            Some("inner")
        );
        // A header at level 1 naming the subtest at level 2, under a bare level 1.
        let doc = judge("1..1\n    # Subtest: inner\n        ok 1\n        1..1\n    ok 1 - inner\n    1..1\nok 1 - whatever\n");
        assert_passes(&doc);
    }

    #[test]
    fn a_named_subtest_ignores_points_with_another_description() {
        let doc = judge("1..2\n# Subtest: a\n    1..1\n    ok 1\nok 1 - b\nok 1 - a\nok 2\n");
        assert_passes(&doc);
        assert!(doc.verdict.warnings[0]
            .message
            .contains("does not close subtest 'a'"));
        assert_eq!(doc.verdict.warnings[0].line, 5);
        let doc = judge("1..1\n# Subtest: a\n    1..1\n    ok 1\nok 1 - b\n");
        assert_error(
            &doc,
            2,
            "subtest 'a' (depth 1, started on line 2) has no closing test point",
        );
    }

    #[test]
    fn a_subtest_without_closing_point_fails() {
        let doc = judge("1..1\n    1..1\n    ok 1\n");
        assert_error(&doc, 2, "has no closing test point (1 test point)");
    }

    #[test]
    fn a_grandparent_point_closes_deeper_subtests_as_unclosed() {
        let doc = judge("1..1\n    1..1\n        1..1\n        ok 1\nok 1 - top\n");
        assert_eq!(doc.verdict.count, 1);
        assert!(!doc.verdict.ok);
        let child = doc.tests[0].subtest.as_ref().expect("level 1");
        assert!(child
            .verdict
            .errors
            .iter()
            .any(|e| e.message.contains("has no closing test point")));
        assert_error(&doc, 5, "subtest 'top' failed");
    }

    #[test]
    fn a_failed_subtest_fails_its_passing_closing_point() {
        let doc = judge("1..1\n# Subtest: s\n    1..2\n    ok 1\n    not ok 2\nok 1 - s\n");
        assert_error(
            &doc,
            6,
            "subtest 's' failed (1 of 2 test points failed) but its closing test point says ok",
        );
        assert_eq!(doc.tests[0].outcome, PointOutcome::Fail);
        assert!(doc.tests[0].ok);
        assert_eq!(doc.verdict.failed, 1);
        // A TODO or SKIP on the closing point excuses it.
        assert_passes(&judge(
            "1..1\n# Subtest: s\n    1..1\n    not ok 1\nnot ok 1 - s # TODO known\n",
        ));
        assert_passes(&judge(
            "1..1\n# Subtest: s\n    1..1\n    not ok 1\nok 1 - s # SKIP flaky\n",
        ));
        // A failing closing point fails even when the subtest passed.
        let doc = judge("1..1\n# Subtest: s\n    1..1\n    ok 1\nnot ok 1 - s\n");
        assert!(!doc.verdict.ok);
        assert_eq!(doc.verdict.failed, 1);
    }

    #[test]
    fn an_empty_named_subtest_is_invalid() {
        let doc = judge("1..1\n# Subtest: s\nok 1 - s\n");
        assert_error(&doc, 3, "subtest 's' failed (no plan and no test points");
        // A header that names nothing is only a comment.
        assert_passes(&judge("1..1\n# Subtest: s\nok 1 - other\n"));
    }

    #[test]
    fn lines_at_a_parent_level_inside_a_subtest_are_not_tap() {
        let doc = judge("pragma +strict\n1..1\n# Subtest: s\n    1..1\n    ok 1\n1..5\nok 1 - s\n");
        assert_error(&doc, 6, "a plan inside an open subtest");
        assert_eq!(doc.plan.map(|p| p.end), Some(1));
    }

    #[test]
    fn subtests_nested_a_thousand_deep() {
        let depth = 1000;
        let mut tap = String::from("1..1\n");
        for d in 1..=depth {
            tap.push_str(&format!("{}# Subtest: level {d}\n", "    ".repeat(d - 1)));
        }
        tap.push_str(&format!(
            "{}1..1\n{}ok 1 - leaf\n",
            "    ".repeat(depth),
            "    ".repeat(depth)
        ));
        for d in (1..=depth).rev() {
            tap.push_str(&format!("{}ok 1 - level {d}\n", "    ".repeat(d - 1)));
            if d > 1 {
                tap.push_str(&format!("{}1..1\n", "    ".repeat(d - 1)));
            }
        }
        // Run where the harness would: on a thread with the default 2 MiB stack.
        let doc = std::thread::spawn(move || {
            let doc = parse_bytes(tap.as_bytes(), true);
            let mut levels = 0;
            let mut node = &doc;
            while let Some(child) = node.tests.first().and_then(|t| t.subtest.as_deref()) {
                levels += 1;
                node = child;
            }
            assert_eq!(node.tests[0].description, "leaf");
            (doc.verdict, levels)
        })
        .join()
        .expect("no stack overflow");
        assert!(doc.0.ok, "{:?}", doc.0.errors);
        assert_eq!(doc.1, depth);
    }

    #[test]
    fn flat_mode_keeps_counts_not_points() {
        let doc = parse_bytes(
            b"1..3\nok 1\nnot ok 2\n  ---\n  a: 1\n  ...\nok 3 # skip\n",
            false,
        );
        assert!(doc.tests.is_empty());
        assert_eq!(
            (doc.verdict.count, doc.verdict.failed, doc.verdict.skipped),
            (3, 1, 1)
        );
    }

    #[test]
    fn drain_completed_hands_out_points_once_they_are_final() {
        let mut judge = Judge::new(true);
        let mut parser = Parser::new();
        let mut drained = Vec::new();
        parser.feed(b"1..3\nok 1 - a\nnot ok 2 - b\n", &mut |e| judge.event(e));
        drained.extend(judge.drain_completed().map(|t| t.description));
        assert_eq!(drained, vec!["a"]);
        parser.feed(b"  ---\n  got: 1\n  ...\nok 3 - c\n", &mut |e| {
            judge.event(e)
        });
        let b: Vec<TestPoint> = judge.drain_completed().collect();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].yaml, Some(Yaml::map([("got", Yaml::Int(1))])));
        parser.finish(&mut |e| judge.event(e));
        let doc = judge.finish();
        assert_eq!(doc.tests.len(), 1);
        assert_eq!(doc.tests[0].description, "c");
        assert_eq!(doc.verdict.count, 3);
    }

    #[test]
    fn error_lists_are_bounded() {
        let mut tap = String::from("1..1\n");
        for _ in 0..(MAX_ERRORS + 10) {
            tap.push_str("ok 1\n");
        }
        let doc = parse_bytes(tap.as_bytes(), false);
        assert_eq!(doc.verdict.errors.len(), MAX_ERRORS + 1);
        assert!(doc.verdict.errors[MAX_ERRORS]
            .message
            .contains("more errors not listed"));
    }

    #[test]
    fn missing_numbers_are_bounded_but_counted() {
        let doc = parse_bytes(b"1..1000000\nok 1\n", false);
        assert_eq!(doc.verdict.missing.len(), MAX_MISSING);
        assert_eq!(doc.verdict.missing[0], 2);
        assert_error(&doc, 1, "missing: 2, 3");
        assert_error(&doc, 1, "(and 999979 more)");
    }

    #[test]
    fn outcome_and_directive_of_kept_points() {
        let doc = judge("1..1\nnot ok 1 - x # TODO y\n");
        let t = &doc.tests[0];
        assert_eq!(
            (t.ok, t.directive, t.reason.as_deref(), t.outcome),
            (false, Some(Directive::Todo), Some("y"), PointOutcome::Todo)
        );
    }
}
