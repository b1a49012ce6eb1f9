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
