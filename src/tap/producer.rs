//! TAP producer for built-in scripts, in the spirit of Perl's Test::More.
//!
//! A script gets a [`Tap`] and makes assertions; each prints one TAP 14 test
//! point, at once (stdout is flushed line by line so that the harness sees
//! progress and a crash loses nothing). A failing assertion prints a YAML
//! diagnostic block with what was got and what was expected, plus `at`, the
//! script line that made the assertion (the assertion methods are
//! `#[track_caller]`). Layers above build their own assertions on
//! [`Tap::point`] (e.g. "this libvirt call fails with error code X").
//!
//! Conventions that make reports useful:
//! - **Descriptions are identities.** Reports and `tck compare` align test
//!   points by script and description, so a description reused within one
//!   stream gets a warning note.
//! - `#` and `\` in descriptions and reasons are escaped (`\#`, `\\`); line
//!   breaks become spaces.
//! - A script ends through [`Tap::finish`] with its [`Outcome`]: an error
//!   becomes a failing point, a skip skips what was planned, and the plan is
//!   printed at the end if it was not printed at the start.
//! - Subtests are TAP 14 subtests: `# Subtest: name`, the child document
//!   indented by 4 spaces, and a closing point with the same description.
//!
//! The output is written for this crate's own parser (`parser.rs`) and for
//! `prove`; tests here check that they agree.

use std::collections::HashMap;
use std::io::Write;
use std::panic::Location;

use crate::script::{Outcome, Stop};
use crate::tap::model::Directive;
use crate::yaml::Yaml;

/// The first line of every stream. The content is TAP 14 (escapes,
/// subtests), but the line says 13: `prove` from Debian 12 (TAP::Parser
/// 3.44) rejects "TAP version 14" as unknown, TAP 14 lets harnesses read a
/// 13 stream as 14 (tck's parser does), and TAP 13 harnesses see subtests
/// as ignorable indented lines plus their closing points, which is the
/// graceful fallback TAP 14 designed them for.
pub const VERSION_LINE: &str = "TAP version 13\n";

/// Writes one TAP stream.
pub struct Tap {
    out: Box<dyn Write>,
    /// `frames[0]` is the stream; one more per open subtest.
    frames: Vec<Frame>,
    /// Reasons of the open `todo` blocks; the innermost applies.
    todo: Vec<String>,
    started: bool,
    /// After a bail-out nothing more is written.
    bailed_out: bool,
    write_failed: bool,
}

#[derive(Default)]
struct Frame {
    /// The plan announced by `plan` (printed, or to print at the end).
    planned: Option<u64>,
    plan_printed: bool,
    /// The document was skipped as a whole (`1..0 # SKIP`).
    skip_all: Option<String>,
    current: u64,
    failed: u64,
    /// Description → number of the first point that used it.
    descriptions: HashMap<String, u64>,
}

impl Frame {
    /// Does this document pass, as far as the producer knows?
    fn passed(&self) -> bool {
        self.failed == 0 && self.planned.map_or(true, |p| p == self.current)
    }
}

impl Tap {
    /// A producer writing to `out`; every line is flushed as it is written.
    pub fn new(out: impl Write + 'static) -> Self {
        Tap {
            out: Box::new(out),
            frames: vec![Frame::default()],
            todo: Vec::new(),
            started: false,
            bailed_out: false,
            write_failed: false,
        }
    }

    /// A producer writing to the process's stdout.
    pub fn stdout() -> Self {
        Tap::new(std::io::stdout())
    }

    /// The underlying writer, for output that is not TAP (rarely needed:
    /// prefer [`Tap::note`]).
    pub fn out(&mut self) -> &mut dyn Write {
        &mut *self.out
    }

    /// Announces `n` test points. Call it before the first assertion, or
    /// not at all (the plan is then printed at the end). Called after
    /// assertions, `n` is printed as the plan at the end, so that the parser
    /// still checks the count.
    pub fn plan(&mut self, n: u64) {
        let frame = self.frame();
        if frame.plan_printed || frame.planned.is_some() {
            self.note(&format!(
                "plan({n}) ignored: this document already has a plan"
            ));
        } else if frame.current > 0 {
            frame.planned = Some(n);
            self.note(&format!(
                "plan({n}) called after test points: the plan is printed at the end"
            ));
        } else {
            frame.planned = Some(n);
            frame.plan_printed = true;
            self.line(&format!("1..{n}"));
        }
    }

    /// Skips the whole document: prints `1..0 # SKIP reason` and returns
    /// [`Stop::Done`] for the script to return. When assertions or a plan
    /// were already printed it returns `Stop::Skip(reason)` instead, so that
    /// [`Tap::finish`] skips the remaining planned points.
    pub fn skip_all(&mut self, reason: &str) -> Stop {
        let frame = self.frame();
        if frame.current > 0 || frame.plan_printed {
            return Stop::Skip(reason.to_string());
        }
        frame.plan_printed = true;
        frame.skip_all = Some(reason.to_string());
        self.line(&format!("1..0 # SKIP {}", escape(reason)));
        Stop::Done
    }

    /// Passes when `cond` is true.
    #[track_caller]
    pub fn ok(&mut self, cond: bool, desc: &str) -> bool {
        let diag = (!cond)
            .then(|| Yaml::map([("got", Yaml::Bool(false)), ("expected", Yaml::Bool(true))]));
        self.point(cond, desc, diag)
    }

    /// Passes when `got == expected`; a failure shows both (`Debug`).
    #[track_caller]
    pub fn is<G, E>(&mut self, got: G, expected: E, desc: &str) -> bool
    where
        G: PartialEq<E> + std::fmt::Debug,
        E: std::fmt::Debug,
    {
        let pass = got == expected;
        let diag = (!pass).then(|| {
            Yaml::map([
                ("got", Yaml::Str(format!("{got:?}"))),
                ("expected", Yaml::Str(format!("{expected:?}"))),
            ])
        });
        self.point(pass, desc, diag)
    }

    /// Passes when `got != unexpected`.
    #[track_caller]
    pub fn isnt<G, E>(&mut self, got: G, unexpected: E, desc: &str) -> bool
    where
        G: PartialEq<E> + std::fmt::Debug,
        E: std::fmt::Debug,
    {
        let pass = got != unexpected;
        let diag = (!pass).then(|| {
            Yaml::map([
                ("got", Yaml::Str(format!("{got:?}"))),
                (
                    "expected",
                    Yaml::Str(format!("anything but {unexpected:?}")),
                ),
            ])
        });
        self.point(pass, desc, diag)
    }

    /// Passes when the whole of `got` matches the glob `pattern` (`*` any
    /// text, line breaks included; `?` one character; `[abc]`, `[!a-z]`;
    /// `\*` a literal `*`). An invalid pattern fails, saying why.
    #[track_caller]
    pub fn like(&mut self, got: &str, pattern: &str, desc: &str) -> bool {
        let matcher = globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map(|g| g.compile_matcher());
        match matcher {
            Ok(m) => {
                let pass = m.is_match(got);
                let diag = (!pass).then(|| {
                    Yaml::map([
                        ("got", Yaml::from(got)),
                        (
                            "expected",
                            Yaml::Str(format!("text matching the glob {pattern:?}")),
                        ),
                    ])
                });
                self.point(pass, desc, diag)
            }
            Err(e) => {
                let diag = Yaml::map([
                    ("got", Yaml::from(got)),
                    ("error", Yaml::Str(format!("invalid glob pattern: {e}"))),
                ]);
                self.point(false, desc, Some(diag))
            }
        }
    }

    /// A passing point.
    #[track_caller]
    pub fn pass(&mut self, desc: &str) -> bool {
        self.point(true, desc, None)
    }

    /// A failing point with diagnostics.
    #[track_caller]
    pub fn fail(&mut self, desc: &str, diag: Yaml) -> bool {
        self.point(false, desc, Some(diag))
    }

    /// The assertion all others are built on: prints one test point (with
    /// the `# TODO` of an enclosing [`Tap::todo`]) and, when given, its YAML
    /// diagnostics. A failing point's diagnostics get `at`, the caller's
    /// file and line (callers that are `#[track_caller]` pass their own
    /// caller's). Returns `ok`.
    #[track_caller]
    pub fn point(&mut self, ok: bool, desc: &str, diag: Option<Yaml>) -> bool {
        let diag = if ok {
            diag
        } else {
            let at = Location::caller();
            let mut d = match diag {
                Some(d @ Yaml::Map(_)) => d,
                None => Yaml::Map(Vec::new()),
                Some(other) => Yaml::map([("diagnostic", other)]),
            };
            if d.get("at").is_none() {
                d.insert(
                    "at",
                    Yaml::Str(format!("{}:{}", source_path(at.file()), at.line())),
                );
            }
            Some(d)
        };
        let todo = self.todo.last().cloned();
        let directive = todo.as_deref().map(|r| (Directive::Todo, r));
        self.emit_point(ok, desc, directive, diag.as_ref());
        ok
    }

    /// Skips `count` test points, with a reason.
    pub fn skip(&mut self, reason: &str, count: u64) {
        for _ in 0..count {
            self.emit_point(true, "", Some((Directive::Skip, reason)), None);
        }
    }

    /// Skips one test point that has a description (its identity in
    /// reports), e.g. the assertion whose operation the driver does not
    /// support: `ok N - desc # SKIP reason`.
    pub fn skip_point(&mut self, desc: &str, reason: &str) {
        self.emit_point(true, desc, Some((Directive::Skip, reason)), None);
    }

    /// Runs `f` with its assertions marked `# TODO reason`: they are
    /// expected to fail and do not fail the stream.
    pub fn todo<R>(&mut self, reason: &str, f: impl FnOnce(&mut Tap) -> R) -> R {
        self.todo.push(reason.to_string());
        let result = f(self);
        self.todo.pop();
        result
    }

    /// Runs `f` as a TAP 14 subtest named `name`, ends it like
    /// [`Tap::finish`] ends a script, and prints its closing point. Returns
    /// whether the subtest passed.
    pub fn subtest(&mut self, name: &str, f: impl FnOnce(&mut Tap) -> Outcome) -> bool {
        if self.bailed_out {
            return false;
        }
        self.line(&format!("# Subtest: {}", escape(name)));
        self.frames.push(Frame::default());
        let outcome = f(self);
        self.end_document(outcome, "subtest stopped early");
        let child = self.frames.pop().unwrap_or_default();
        if self.bailed_out {
            return false;
        }
        let passed = child.passed();
        let todo = self.todo.last().cloned();
        let directive = match (&child.skip_all, &todo) {
            (Some(reason), _) => Some((Directive::Skip, reason.as_str())),
            (None, Some(reason)) => Some((Directive::Todo, reason.as_str())),
            (None, None) => None,
        };
        let diag = (!passed).then(|| {
            let mut d = Yaml::map([("failed", Yaml::from(child.failed))]);
            if let Some(planned) = child.planned.filter(|&p| p != child.current) {
                d.insert("planned", Yaml::from(planned));
                d.insert("ran", Yaml::from(child.current));
            }
            d
        });
        self.emit_point(passed, name, directive, diag.as_ref());
        passed
    }

    /// A diagnostic message for people, on stderr (like Test::More's `diag`).
    pub fn diag(&mut self, msg: &str) {
        let mut err = std::io::stderr().lock();
        for line in msg.lines() {
            // Nothing sensible to do if stderr is gone.
            let _ = writeln!(err, "# {line}");
        }
    }

    /// A comment in the TAP stream (`# msg`), at the current subtest depth.
    pub fn note(&mut self, msg: &str) {
        for line in msg.lines() {
            self.line(&format!("# {line}"));
        }
    }

    /// Stops the whole run: prints `Bail out! reason` (repeated at the top
    /// level when inside a subtest, as TAP 14 asks) and returns
    /// [`Stop::Done`] for the script to return. Nothing is printed after it.
    pub fn bail_out(&mut self, reason: &str) -> Stop {
        if !self.bailed_out {
            let line = format!("Bail out! {}", escape(reason));
            self.line(&line);
            if self.frames.len() > 1 {
                self.raw_line(&line);
            }
            self.bailed_out = true;
        }
        Stop::Done
    }

    /// Prints the plan now, if none was printed: for scripts that do not
    /// know their count in advance. With no test point at all it prints a
    /// skip-all plan, `1..0 # SKIP no test points were run`.
    pub fn done_testing(&mut self) {
        if self.bailed_out {
            return;
        }
        let frame = self.frame();
        if frame.plan_printed {
            return;
        }
        frame.plan_printed = true;
        let n = frame.planned.unwrap_or(frame.current);
        if n == 0 {
            // `1..0` is a skip-all plan: say why rather than pass silently.
            const REASON: &str = "no test points were run";
            frame.skip_all = Some(REASON.to_string());
            self.line(&format!("1..0 # SKIP {REASON}"));
        } else {
            self.line(&format!("1..{n}"));
        }
    }

    /// Ends the stream with the script's outcome and returns the exit code
    /// for the script's process:
    /// - `Err(Stop::Error(msg))`: a failing point "script stopped early",
    ///   with `msg` in its YAML;
    /// - `Err(Stop::Skip(reason))`: `ok N # SKIP reason` for each remaining
    ///   planned point, or `1..0 # SKIP reason` when nothing was printed;
    /// - then the plan, when none was printed.
    ///
    /// The code is 0 when nothing failed, else the number of failed points
    /// plus planned points that never ran (or ran beyond the plan), capped
    /// at 254; 255 after a bail-out (as Test::More).
    pub fn finish(&mut self, outcome: Outcome) -> i32 {
        // Subtests left open (a misuse) end with the stream.
        while self.frames.len() > 1 {
            self.end_document(Ok(()), "");
            self.frames.pop();
        }
        self.end_document(outcome, "script stopped early");
        let _ = self.out.flush();
        if self.bailed_out {
            return 255;
        }
        let f = &self.frames[0];
        let off_plan = f.planned.map_or(0, |p| p.abs_diff(f.current));
        f.failed.saturating_add(off_plan).min(254) as i32
    }

    /// Failed points so far in the current document (TODO excluded).
    pub fn failed(&self) -> u64 {
        self.frames.last().map_or(0, |f| f.failed)
    }

    /// Number of the last test point printed in the current document.
    pub fn current(&self) -> u64 {
        self.frames.last().map_or(0, |f| f.current)
    }

    /// Applies `outcome` to the current document and prints its plan.
    fn end_document(&mut self, outcome: Outcome, stopped: &str) {
        if self.bailed_out {
            return;
        }
        match outcome {
            Ok(()) | Err(Stop::Done) => {}
            Err(Stop::Error(message)) => {
                let diag = Yaml::map([("message", Yaml::Str(message))]);
                self.emit_point(false, stopped, None, Some(&diag));
            }
            Err(Stop::Skip(reason)) => {
                let frame = self.frame();
                if frame.current == 0 && !frame.plan_printed {
                    frame.plan_printed = true;
                    frame.skip_all = Some(reason.clone());
                    self.line(&format!("1..0 # SKIP {}", escape(&reason)));
                } else if let Some(planned) = frame.planned {
                    let remaining = planned.saturating_sub(frame.current);
                    self.skip(&reason, remaining);
                } else {
                    self.note(&format!("stopped, skipping the rest: {reason}"));
                }
            }
        }
        self.done_testing();
    }

    fn frame(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::default());
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    fn emit_point(
        &mut self,
        ok: bool,
        desc: &str,
        directive: Option<(Directive, &str)>,
        diag: Option<&Yaml>,
    ) {
        if self.bailed_out {
            return;
        }
        let frame = self.frame();
        frame.current += 1;
        let number = frame.current;
        if !ok && !matches!(directive, Some((Directive::Todo | Directive::Skip, _))) {
            frame.failed += 1;
        }
        let reused = if desc.is_empty() {
            None
        } else {
            match frame.descriptions.get(desc) {
                Some(&first) => Some(first),
                None => {
                    frame.descriptions.insert(desc.to_string(), number);
                    None
                }
            }
        };
        self.line(&point_line(ok, number, desc, directive));
        if let Some(diag) = diag {
            let block = diag.to_block(4 * (self.frames.len() - 1) + 2);
            self.raw(&block);
        }
        if let Some(first) = reused {
            self.note(&format!(
                "description {desc:?} is used by test points {first} and {number}; reports identify test points by description, so make it unique"
            ));
        }
    }

    /// Writes one line at the current subtest indentation.
    fn line(&mut self, text: &str) {
        let indent = "    ".repeat(self.frames.len().saturating_sub(1));
        self.raw(&format!("{indent}{text}\n"));
    }

    /// Writes one line at the top level.
    fn raw_line(&mut self, text: &str) {
        self.raw(&format!("{text}\n"));
    }

    fn raw(&mut self, text: &str) {
        if self.write_failed {
            return;
        }
        if !self.started {
            self.started = true;
            self.raw(VERSION_LINE);
        }
        // A closed stdout (the harness gave up on us) must not panic the
        // script: stop writing and let it finish.
        if self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush())
            .is_err()
        {
            self.write_failed = true;
        }
    }
}

/// A test point's line, without indentation or newline: `ok N - DESC #
/// SKIP REASON`, the description and reason escaped.
pub fn point_line(
    ok: bool,
    number: u64,
    desc: &str,
    directive: Option<(Directive, &str)>,
) -> String {
    let mut line = String::with_capacity(desc.len() + 16);
    line.push_str(if ok { "ok " } else { "not ok " });
    line.push_str(&number.to_string());
    if !desc.is_empty() {
        line.push_str(" - ");
        line.push_str(&escape(desc));
    }
    if let Some((directive, reason)) = directive {
        line.push_str(" # ");
        line.push_str(directive.tap_word());
        if !reason.is_empty() {
            line.push(' ');
            line.push_str(&escape(reason));
        }
    }
    line
}

/// Escapes `\` and `#` (TAP 14) and turns line breaks into spaces, so that
/// a description or reason stays one line and reads back unchanged.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '#' => out.push_str("\\#"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A source path as people know it: built-in scripts are compiled through
/// absolute `#[path]`s, so strip the build tree's own directory
/// (`/home/x/tck/scripts/a/b.rs` → `scripts/a/b.rs`).
fn source_path(file: &str) -> &str {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    file.strip_prefix(root).unwrap_or(file)
}

/// A writer that keeps what a [`Tap`] wrote, for unit tests.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct Captured(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

#[cfg(test)]
impl Write for Captured {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

/// Runs a script body on a [`Tap`] writing to memory: its TAP and exit
/// code. For unit tests.
#[cfg(test)]
pub(crate) fn capture(body: impl FnOnce(&mut Tap) -> Outcome) -> (String, i32) {
    let buf = Captured::default();
    let mut t = Tap::new(buf.clone());
    let outcome = body(&mut t);
    let code = t.finish(outcome);
    (buf.text(), code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn failure_locations_are_relative_to_the_source_tree() {
        let abs = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/domain/050-x.rs");
        assert_eq!(super::source_path(abs), "scripts/domain/050-x.rs");
        assert_eq!(super::source_path("/elsewhere/x.rs"), "/elsewhere/x.rs");
    }

    use super::*;
    use crate::tap::model::PointOutcome;
    use crate::tap::verdict::parse_bytes;

    #[test]
    fn plan_and_passing_assertions() {
        let (out, code) = capture(|t| {
            t.plan(5);
            t.ok(true, "first");
            t.is(2 + 2, 4, "sum");
            t.is(String::from("abc"), "abc", "string against str");
            t.isnt(1u32, 2, "different");
            t.like(
                "error: domain 'tck-x' not found",
                "*domain '*' not found",
                "glob",
            );
            Ok(())
        });
        assert_eq!(
            out,
            "TAP version 13\n1..5\nok 1 - first\nok 2 - sum\nok 3 - string against str\nok 4 - different\nok 5 - glob\n"
        );
        assert_eq!(code, 0);
        assert!(parse_bytes(out.as_bytes(), false).verdict.ok);
    }

    #[test]
    fn is_accepts_the_comparisons_scripts_write() {
        let (out, code) = capture(|t| {
            let n: u32 = 5;
            t.is(n, 5, "integer against a literal");
            t.is(String::from("a"), "a", "String against &str");
            t.is("a", String::from("a"), "&str against String");
            t.is(None::<u8>, None, "Option against None");
            t.is(vec![1, 2], vec![1, 2], "vectors");
            t.isnt(Some(1i64), None, "Some is not None");
            Ok(())
        });
        assert_eq!(code, 0, "{out}");
    }

    #[test]
    fn a_failing_assertion_prints_got_expected_and_where() {
        let (out, code) = capture(|t| {
            t.is(3, 4, "three is four");
            Ok(())
        });
        let line = line!() - 3;
        assert_eq!(
            out,
            format!(
                "TAP version 13\nnot ok 1 - three is four\n  ---\n  got: \"3\"\n  expected: \"4\"\n  at: \"{}:{line}\"\n  ...\n1..1\n",
                file!()
            )
        );
        assert_eq!(code, 1);
        let doc = parse_bytes(out.as_bytes(), true);
        assert!(!doc.verdict.ok);
        let yaml = doc.tests[0].yaml.as_ref().expect("diagnostics");
        assert_eq!(yaml.get("got"), Some(&Yaml::Str("3".into())));
        assert_eq!(yaml.get("expected"), Some(&Yaml::Str("4".into())));
    }

    #[test]
    fn ok_isnt_like_fail_failures() {
        let (out, code) = capture(|t| {
            t.ok(false, "false");
            t.isnt("same", "same", "isnt");
            t.like("abc", "x*", "like");
            t.like("abc", "[", "bad pattern");
            t.fail("by hand", Yaml::map([("code", Yaml::Int(55))]));
            Ok(())
        });
        let doc = parse_bytes(out.as_bytes(), true);
        assert_eq!(doc.verdict.failed, 5);
        assert_eq!(code, 5);
        let get = |i: usize, k: &str| doc.tests[i].yaml.as_ref().and_then(|y| y.get(k)).cloned();
        assert_eq!(get(0, "got"), Some(Yaml::Bool(false)));
        assert_eq!(
            get(1, "expected"),
            Some(Yaml::Str("anything but \"same\"".into()))
        );
        assert_eq!(
            get(2, "expected"),
            Some(Yaml::Str("text matching the glob \"x*\"".into()))
        );
        assert!(matches!(get(3, "error"), Some(Yaml::Str(e)) if e.contains("invalid glob")));
        assert_eq!(get(4, "code"), Some(Yaml::Int(55)));
        assert!(get(4, "at").is_some());
    }

    #[test]
    fn like_matches_the_whole_string_across_lines() {
        let (out, _) = capture(|t| {
            t.like("line one\nline two", "line*two", "multi-line");
            t.like("abc", "b", "whole string only");
            t.like("a*c", "a\\*c", "escaped star");
            t.like("x.y", "x?y", "question mark");
            Ok(())
        });
        let doc = parse_bytes(out.as_bytes(), true);
        let oks: Vec<bool> = doc.tests.iter().map(|t| t.ok).collect();
        assert_eq!(oks, vec![true, false, true, true]);
    }

    #[test]
    fn descriptions_and_reasons_are_escaped_and_read_back() {
        let (out, _) = capture(|t| {
            t.pass("a # b \\ c\nd");
            t.skip("no # disk", 1);
            Ok(())
        });
        assert!(out.contains("ok 1 - a \\# b \\\\ c d\n"), "{out}");
        assert!(out.contains("ok 2 # SKIP no \\# disk\n"), "{out}");
        let doc = parse_bytes(out.as_bytes(), true);
        assert_eq!(doc.tests[0].description, "a # b \\ c d");
        assert_eq!(doc.tests[0].directive, None);
        assert_eq!(doc.tests[1].reason.as_deref(), Some("no # disk"));
    }

    #[test]
    fn skip_and_todo() {
        let (out, code) = capture(|t| {
            t.plan(4);
            t.skip("unsupported by driver", 2);
            t.todo("bug 123", |t| {
                t.ok(false, "known broken");
                t.ok(true, "fixed already");
            });
            Ok(())
        });
        assert!(
            out.contains("ok 1 # SKIP unsupported by driver\nok 2 # SKIP unsupported by driver\n")
        );
        assert!(out.contains("not ok 3 - known broken # TODO bug 123\n"));
        assert!(out.contains("ok 4 - fixed already # TODO bug 123\n"));
        assert_eq!(code, 0);
        let v = parse_bytes(out.as_bytes(), false).verdict;
        assert!(v.ok);
        assert_eq!((v.skipped, v.todo, v.todo_passed), (2, 1, 1));
    }

    #[test]
    fn skip_all_before_anything() {
        let (out, code) = capture(|t| Err(t.skip_all("no hypervisor")));
        assert_eq!(out, "TAP version 13\n1..0 # SKIP no hypervisor\n");
        assert_eq!(code, 0);
        let doc = parse_bytes(out.as_bytes(), false);
        assert!(doc.verdict.ok);
        assert_eq!(
            doc.plan.and_then(|p| p.skip_reason).as_deref(),
            Some("no hypervisor")
        );
    }

    #[test]
    fn stop_skip_skips_the_remaining_planned_points() {
        let (out, code) = capture(|t| {
            t.plan(3);
            t.pass("one");
            Err(Stop::Skip("unsupported by driver: snapshots".into()))
        });
        assert!(out.ends_with("ok 2 # SKIP unsupported by driver: snapshots\nok 3 # SKIP unsupported by driver: snapshots\n"), "{out}");
        assert_eq!(code, 0);
        assert!(parse_bytes(out.as_bytes(), false).verdict.ok);
        // Nothing printed yet: a skip-all.
        let (out, _) = capture(|_| Err(Stop::Skip("nothing to do".into())));
        assert_eq!(out, "TAP version 13\n1..0 # SKIP nothing to do\n");
        // skip_all after points falls back to Stop::Skip.
        let (out, _) = capture(|t| {
            t.plan(2);
            t.pass("one");
            Err(t.skip_all("late"))
        });
        assert!(out.ends_with("ok 2 # SKIP late\n"), "{out}");
    }

    #[test]
    fn stop_error_is_a_failing_point_with_the_message() {
        let (out, code) = capture(|t| {
            t.pass("one");
            Err(Stop::Error("libvirt: domain not found".into()))
        });
        assert!(out.contains("not ok 2 - script stopped early\n  ---\n  message: \"libvirt: domain not found\"\n  ...\n1..2\n"), "{out}");
        assert_eq!(code, 1);
        let doc = parse_bytes(out.as_bytes(), false);
        assert!(!doc.verdict.ok);
    }

    #[test]
    fn exit_code_counts_failures_and_plan_shortfall_capped() {
        let (out, code) = capture(|t| {
            t.plan(5);
            t.pass("only one");
            Ok(())
        });
        assert_eq!(code, 4);
        assert!(!parse_bytes(out.as_bytes(), false).verdict.ok);
        let (_, code) = capture(|t| {
            for i in 0..300 {
                t.ok(false, &format!("f{i}"));
            }
            Ok(())
        });
        assert_eq!(code, 254);
    }

    #[test]
    fn trailing_plan_and_done_testing() {
        let (out, _) = capture(|t| {
            t.pass("a");
            t.done_testing();
            Ok(())
        });
        assert_eq!(out, "TAP version 13\nok 1 - a\n1..1\n");
        // A plan given late is printed at the end, so the count is checked.
        let (out, _) = capture(|t| {
            t.pass("a");
            t.plan(2);
            Ok(())
        });
        assert!(out.ends_with("1..2\n"));
        assert!(!parse_bytes(out.as_bytes(), false).verdict.ok);
    }

    #[test]
    fn subtests_nest_and_close_with_their_name() {
        let (out, code) = capture(|t| {
            t.plan(3);
            t.pass("before");
            let inner_ok = t.subtest("group # one", |t| {
                t.plan(2);
                t.pass("inside");
                t.subtest("deeper", |t| {
                    t.is(1, 2, "fails deep");
                    Ok(())
                });
                Ok(())
            });
            assert!(!inner_ok);
            t.subtest("skipped group", |t| Err(t.skip_all("not here")));
            Ok(())
        });
        let expected_start = "TAP version 13\n1..3\nok 1 - before\n# Subtest: group \\# one\n    1..2\n    ok 1 - inside\n    # Subtest: deeper\n        not ok 1 - fails deep\n          ---\n";
        assert!(out.starts_with(expected_start), "{out}");
        assert!(
            out.contains(
                "        1..1\n    not ok 2 - deeper\n      ---\n      failed: 1\n      ...\n"
            ),
            "{out}"
        );
        assert!(out.contains("not ok 2 - group \\# one\n"), "{out}");
        assert!(out.ends_with("# Subtest: skipped group\n    1..0 # SKIP not here\nok 3 - skipped group # SKIP not here\n"), "{out}");
        assert_eq!(code, 1);
        let doc = parse_bytes(out.as_bytes(), true);
        assert!(doc.verdict.errors.is_empty(), "{:?}", doc.verdict.errors);
        assert_eq!(
            (doc.verdict.passed, doc.verdict.failed, doc.verdict.skipped),
            (1, 1, 1)
        );
        let group = doc.tests[1].subtest.as_ref().expect("group");
        assert_eq!(group.name.as_deref(), Some("group # one"));
        let deeper = group.tests[1].subtest.as_ref().expect("deeper");
        assert_eq!(deeper.tests[0].outcome, PointOutcome::Fail);
    }

    #[test]
    fn nothing_asserted_is_a_skip_with_a_reason() {
        let (out, code) = capture(|t| {
            t.subtest("empty", |_| Ok(()));
            Ok(())
        });
        assert_eq!(
            out,
            "TAP version 13\n# Subtest: empty\n    1..0 # SKIP no test points were run\nok 1 - empty # SKIP no test points were run\n1..1\n"
        );
        assert_eq!(code, 0);
        let (out, _) = capture(|_| Ok(()));
        assert_eq!(out, "TAP version 13\n1..0 # SKIP no test points were run\n");
    }

    #[test]
    fn subtest_stopped_by_an_error_fails_inside() {
        let (out, _) = capture(|t| {
            t.subtest("s", |t| {
                t.pass("a");
                Err(Stop::Error("boom".into()))
            });
            Ok(())
        });
        assert!(out.contains("    not ok 2 - subtest stopped early\n      ---\n      message: boom\n      ...\n    1..2\nnot ok 1 - s\n"), "{out}");
    }

    #[test]
    fn bail_out_stops_everything() {
        let (out, code) = capture(|t| {
            t.plan(3);
            t.pass("a");
            t.subtest("s", |t| {
                t.pass("b");
                Err(t.bail_out("host # gone"))
            });
            t.pass("never printed");
            Ok(())
        });
        assert!(
            out.ends_with("    ok 1 - b\n    Bail out! host \\# gone\nBail out! host \\# gone\n"),
            "{out}"
        );
        assert_eq!(code, 255);
        let doc = parse_bytes(out.as_bytes(), false);
        assert_eq!(doc.verdict.bailout.as_deref(), Some("host # gone"));
    }

    #[test]
    fn reused_descriptions_get_a_note() {
        let (out, _) = capture(|t| {
            t.pass("same");
            t.pass("same");
            t.pass("other");
            Ok(())
        });
        assert!(
            out.contains("ok 2 - same\n# description \"same\" is used by test points 1 and 2;"),
            "{out}"
        );
        assert_eq!(out.matches("is used by").count(), 1);
    }

    #[test]
    fn notes_are_comments_at_the_current_depth() {
        let (out, _) = capture(|t| {
            t.note("top\nsecond line");
            t.subtest("s", |t| {
                t.note("inside");
                t.pass("x");
                Ok(())
            });
            Ok(())
        });
        assert!(
            out.starts_with("TAP version 13\n# top\n# second line\n# Subtest: s\n    # inside\n"),
            "{out}"
        );
    }

    #[test]
    fn a_closed_output_does_not_panic() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut t = Tap::new(Closed);
        t.plan(2);
        t.ok(false, "x");
        assert_eq!(t.failed(), 1);
        assert_eq!(t.current(), 1);
        assert_eq!(t.finish(Ok(())), 2);
    }
}
