//! The TAP data model: what one line of a stream means, and what a whole
//! document (a stream, or one subtest of it) amounts to.
//!
//! The parser (`parser.rs`) turns bytes into [`Event`]s, one per line, with the
//! nesting depth of the line; the judge (`verdict.rs`) folds events into a
//! [`Verdict`] and, when asked to keep them, a tree of [`TestPoint`]s.
//! Everything here is plain data so that the harness, the reports and
//! `tck parse` share one vocabulary.

use crate::yaml::Yaml;

/// `# SKIP` or `# TODO` on a test point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Directive {
    Skip,
    Todo,
}

impl Directive {
    pub fn as_str(self) -> &'static str {
        match self {
            Directive::Skip => "skip",
            Directive::Todo => "todo",
        }
    }

    /// The directive as producers write it (`# SKIP`, `# TODO`).
    pub fn tap_word(self) -> &'static str {
        match self {
            Directive::Skip => "SKIP",
            Directive::Todo => "TODO",
        }
    }
}

/// A plan line: `1..N`, or the skip-all plan `1..0 # reason`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub start: u64,
    pub end: u64,
    /// The reason after `#` on a `1..0` plan (unescaped); `None` otherwise.
    pub skip_reason: Option<String>,
}

impl Plan {
    /// Number of test points the plan announces.
    pub fn count(&self) -> u64 {
        if self.end < self.start {
            0
        } else {
            (self.end - self.start).saturating_add(1)
        }
    }

    pub fn is_skip_all(&self) -> bool {
        self.end == 0
    }
}

/// One `ok`/`not ok` line, as written (before any verdict is applied).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PointLine {
    pub ok: bool,
    /// The number written on the line, if any.
    pub number: Option<u64>,
    /// The description with the leading ` - ` removed and `\#`, `\\` unescaped.
    pub description: String,
    pub directive: Option<Directive>,
    /// The directive's reason, unescaped; `None` when there is no directive.
    pub reason: Option<String>,
}

/// What a test point amounts to once its directive is taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PointOutcome {
    Pass,
    Fail,
    Skip,
    /// `not ok … # TODO`: expected to fail, does not fail the stream.
    Todo,
    /// `ok … # TODO`: the TODO passed (report it; does not fail the stream).
    TodoPassed,
}

impl PointOutcome {
    pub fn of(ok: bool, directive: Option<Directive>) -> Self {
        match (ok, directive) {
            (_, Some(Directive::Skip)) => PointOutcome::Skip,
            (true, Some(Directive::Todo)) => PointOutcome::TodoPassed,
            (false, Some(Directive::Todo)) => PointOutcome::Todo,
            (true, None) => PointOutcome::Pass,
            (false, None) => PointOutcome::Fail,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PointOutcome::Pass => "pass",
            PointOutcome::Fail => "fail",
            PointOutcome::Skip => "skip",
            PointOutcome::Todo => "todo",
            PointOutcome::TodoPassed => "todo-passed",
        }
    }

    /// Does this outcome make the stream fail?
    pub fn is_failure(self) -> bool {
        self == PointOutcome::Fail
    }
}

/// One event produced by the parser: a line (or a YAML block) of the stream.
///
/// Every event carries `line`, the 1-based number of the line it comes from
/// (for a YAML block, the line of its `---`), and `depth`, the subtest nesting
/// level of that line (0 = the top document, 1 = indented by 4 spaces, …).
/// Use [`Event::line`] and [`Event::depth`] to read them without a `match`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Version {
        line: u64,
        depth: usize,
        version: u32,
    },
    Plan {
        line: u64,
        depth: usize,
        plan: Plan,
    },
    Point {
        line: u64,
        depth: usize,
        point: PointLine,
    },
    /// A YAML diagnostic block; it belongs to the preceding test point at the
    /// same depth. A block that is not valid YAML arrives as `Yaml::Str` with
    /// its raw text, preceded by a [`Event::Warning`].
    Yaml {
        line: u64,
        depth: usize,
        yaml: Yaml,
    },
    /// A comment: the text after `#`, leading whitespace removed.
    Comment {
        line: u64,
        depth: usize,
        text: String,
    },
    /// `# Subtest: name` (the name is `None` for a bare `# Subtest`).
    SubtestHeader {
        line: u64,
        depth: usize,
        name: Option<String>,
    },
    /// `Bail out! reason` ("" when no reason was given).
    BailOut {
        line: u64,
        depth: usize,
        reason: String,
    },
    Pragma {
        line: u64,
        depth: usize,
        enable: bool,
        key: String,
    },
    /// A line that is not TAP (kept verbatim, lossily decoded).
    Unknown {
        line: u64,
        depth: usize,
        text: String,
    },
    /// Something a producer should not do but that does not change the
    /// verdict (e.g. `#skip` without a space, a YAML block that is not valid
    /// YAML).
    Warning {
        line: u64,
        depth: usize,
        message: String,
    },
    /// A line the parser could not accept (e.g. an unterminated YAML block,
    /// a line nested deeper than the parser supports). Fails the document.
    Error {
        line: u64,
        depth: usize,
        message: String,
    },
}

impl Event {
    /// The 1-based line the event comes from.
    pub fn line(&self) -> u64 {
        match self {
            Event::Version { line, .. }
            | Event::Plan { line, .. }
            | Event::Point { line, .. }
            | Event::Yaml { line, .. }
            | Event::Comment { line, .. }
            | Event::SubtestHeader { line, .. }
            | Event::BailOut { line, .. }
            | Event::Pragma { line, .. }
            | Event::Unknown { line, .. }
            | Event::Warning { line, .. }
            | Event::Error { line, .. } => *line,
        }
    }

    /// The subtest nesting level of the line (0 = top document).
    pub fn depth(&self) -> usize {
        match self {
            Event::Version { depth, .. }
            | Event::Plan { depth, .. }
            | Event::Point { depth, .. }
            | Event::Yaml { depth, .. }
            | Event::Comment { depth, .. }
            | Event::SubtestHeader { depth, .. }
            | Event::BailOut { depth, .. }
            | Event::Pragma { depth, .. }
            | Event::Unknown { depth, .. }
            | Event::Warning { depth, .. }
            | Event::Error { depth, .. } => *depth,
        }
    }
}

/// A parse or verdict problem, with the 1-based line it was found on
/// (0 when it concerns the stream as a whole, e.g. "no plan").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TapError {
    pub line: u64,
    pub message: String,
}

/// A judged test point, with its diagnostics and subtest, as kept in a
/// [`Document`] tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TestPoint {
    /// The number written on the line, or the harness's own counter when
    /// the line had none.
    pub number: u64,
    pub ok: bool,
    pub description: String,
    pub directive: Option<Directive>,
    pub reason: Option<String>,
    pub outcome: PointOutcome,
    pub yaml: Option<Yaml>,
    pub subtest: Option<Box<Document>>,
}

/// A parsed TAP document (the stream, or one subtest), judged.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Document {
    /// Subtest name (`# Subtest: name`); `None` for the top document.
    pub name: Option<String>,
    pub version: Option<u32>,
    pub plan: Option<Plan>,
    pub tests: Vec<TestPoint>,
    pub verdict: Verdict,
}

/// The counts and verdict of one TAP document.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Verdict {
    /// True when the document passes by the TAP 14 rules.
    pub ok: bool,
    /// Test points seen at this level.
    pub count: u64,
    pub passed: u64,
    /// `not ok` without TODO.
    pub failed: u64,
    /// `not ok # TODO`.
    pub todo: u64,
    /// `ok # TODO`.
    pub todo_passed: u64,
    pub skipped: u64,
    /// `Some(reason)` when the stream bailed out ("" when no reason was given).
    pub bailout: Option<String>,
    /// Numbers the plan announced that never appeared (the first 1,000; the
    /// error that reports them gives the full count).
    pub missing: Vec<u64>,
    /// Parse errors and broken verdict rules, in the order found (problems
    /// only known at the end, such as a missing plan, come last). Bounded:
    /// past 1,000 a final entry says how many more there were.
    pub errors: Vec<TapError>,
    /// Things a producer should not do that do not fail the document
    /// (`#skip` without a space, invalid YAML, unknown pragmas…). Bounded
    /// like `errors`.
    pub warnings: Vec<TapError>,
}
