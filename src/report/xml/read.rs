//! Reading tck XML (version 1) back into a [`Report`].
//!
//! A recursive-descent reader over the tokens of [`super::lex`]. It is strict
//! about structure (an element the schema does not allow is an error with its
//! line and column), because a report that reads "successfully" with
//! silently missing results would be worse than a clear refusal.
//!
//! The file is read into memory whole: element names, attribute values and
//! text are slices of that one buffer, so the only allocations are the
//! model's own strings. That is what makes reading a report about as fast as
//! parsing the TAP it came from (issue 5; `benches/report-io.sh` measures
//! both). The buffer is small next to the model built from it (the bench
//! shows peak resident memory, file and model together, at under four times
//! the file size; the budget is ten), and it lets errors be located without
//! reading the file again.

use super::super::error::ReportError;
use super::super::escape::unescape;
use super::super::model::*;
use super::lex::{is_space, same, Event, Lexer};
use crate::tap::model::{Directive, Plan, PointOutcome, TapError};
use crate::yaml::Yaml;
use std::borrow::Cow;
use std::path::Path;

/// Deeper nesting (subtests in subtests, YAML in YAML) than any real report
/// has; the limit keeps hostile input from exhausting the stack.
const MAX_DEPTH: usize = 200;

/// Reads the tck report at `path`.
pub fn read(path: &Path) -> Result<Report, ReportError> {
    from_bytes(path, &read_file(path)?)
}

/// Reads a report from `bytes`, the contents of `path` (which errors name).
pub(super) fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Report, ReportError> {
    let located = |offset: u64, syntax: bool, message: String| {
        let (line, column) = line_col(bytes, offset);
        let path = path.to_path_buf();
        if syntax {
            ReportError::Syntax {
                path,
                line,
                column,
                message,
            }
        } else {
            ReportError::Invalid {
                path,
                line,
                column,
                message,
            }
        }
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        located(
            e.valid_up_to() as u64,
            true,
            "invalid UTF-8 (a tck report is always UTF-8)".to_string(),
        )
    })?;
    parse(text).map_err(|e| located(e.offset, e.syntax, e.message))
}

/// The whole file (`std::fs::read` sizes its buffer from the file's
/// metadata: one allocation).
fn read_file(path: &Path) -> Result<Vec<u8>, ReportError> {
    std::fs::read(path).map_err(|e| ReportError::io(path, "read", e))
}

/// A problem found while reading, located by byte offset (converted to a
/// line and column by [`read`]).
#[derive(Debug)]
struct Located {
    offset: u64,
    syntax: bool,
    message: String,
}

/// Parses a whole report held in memory.
fn parse(text: &str) -> Result<Report, Located> {
    let mut x = Xr {
        lx: Lexer::new(text),
        name: "",
        text: Cow::Borrowed(""),
        pending: None,
        pos: 0,
        depth: 0,
    };
    x.document()
}

/// Converts a byte offset in `bytes` to a 1-based (line, column); the
/// column counts characters, not bytes.
fn line_col(bytes: &[u8], offset: u64) -> (u64, u64) {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let before = &bytes[..end];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count() as u64;
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count() as u64;
    (line, column)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Start,
    Empty,
    End,
    Text,
    Eof,
}

struct Xr<'a> {
    lx: Lexer<'a>,
    /// Name of the current Start/Empty/End element.
    name: &'a str,
    /// Text of the current Text token (entities and references resolved).
    text: Cow<'a, str>,
    /// A non-text event read while collecting text, returned next.
    pending: Option<(Tok, u64)>,
    /// Byte offset where the current token started.
    pos: u64,
    depth: usize,
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(is_space)
}

impl<'a> Xr<'a> {
    fn invalid(&self, message: impl Into<String>) -> Located {
        Located {
            offset: self.pos,
            syntax: false,
            message: message.into(),
        }
    }

    fn push_text(&mut self, t: Cow<'a, str>) {
        if self.text.is_empty() {
            self.text = t;
        } else {
            self.text.to_mut().push_str(&t);
        }
    }

    /// The next token; consecutive text and CDATA are merged into one Text
    /// token.
    fn next(&mut self) -> Result<Tok, Located> {
        self.next_inner(false)
    }

    /// `skip_blank`: drop a text run that is only whitespace (indentation
    /// between elements) instead of returning it.
    fn next_inner(&mut self, skip_blank: bool) -> Result<Tok, Located> {
        if let Some((t, pos)) = self.pending.take() {
            self.pos = pos;
            return Ok(t);
        }
        self.text = Cow::Borrowed("");
        let mut have_text = false;
        loop {
            if skip_blank && !have_text {
                // Indentation between elements: not content.
                self.lx.skip_blank();
            }
            let here = self.lx.pos() as u64;
            if !have_text {
                self.pos = here;
            }
            let ev = self.lx.next().map_err(|e| Located {
                offset: e.offset as u64,
                syntax: true,
                message: e.message,
            })?;
            let tok = match ev {
                Event::Text(t) => {
                    if skip_blank && !have_text && is_blank(&t) {
                        // Indentation between elements: not content.
                        continue;
                    }
                    self.push_text(t);
                    have_text = true;
                    continue;
                }
                Event::Start(name) => {
                    self.name = name;
                    Tok::Start
                }
                Event::Empty(name) => {
                    self.name = name;
                    Tok::Empty
                }
                Event::End(name) => {
                    self.name = name;
                    Tok::End
                }
                Event::Eof => Tok::Eof,
            };
            if have_text && skip_blank && is_blank(&self.text) {
                self.text = Cow::Borrowed("");
                have_text = false;
            }
            if have_text {
                self.pending = Some((tok, here));
                return Ok(Tok::Text);
            }
            self.pos = here;
            return Ok(tok);
        }
    }

    /// Next token that is not whitespace-only text (between elements).
    fn next_significant(&mut self) -> Result<Tok, Located> {
        loop {
            let t = self.next_inner(true)?;
            if t == Tok::Text && is_blank(&self.text) {
                continue;
            }
            return Ok(t);
        }
    }

    /// Does the current element carry `escaped="true"`?
    fn escaped(&self) -> bool {
        self.attr_value("escaped") == Some("true")
    }

    /// The value of attribute `key` of the current element, as written
    /// (references resolved, not tck-unescaped).
    #[inline]
    fn attr_value(&self, key: &str) -> Option<&str> {
        self.lx.attrs().find(|(k, _)| same(k, key)).map(|(_, v)| v)
    }

    /// A required attribute of the current element, unescaped when the
    /// element is marked `escaped`.
    fn attr(&self, key: &str) -> Result<String, Located> {
        self.opt_attr(key)?.ok_or_else(|| self.missing_attr(key))
    }

    fn missing_attr(&self, key: &str) -> Located {
        self.invalid(format!("<{}> lacks the attribute {key}", self.name))
    }

    fn opt_attr(&self, key: &str) -> Result<Option<String>, Located> {
        let Some(v) = self.attr_value(key) else {
            return Ok(None);
        };
        self.owned(v, self.escaped()).map(Some)
    }

    /// An attribute value as a string of the model: tck-unescaped if the
    /// element is marked `escaped`.
    fn owned(&self, v: &str, escaped: bool) -> Result<String, Located> {
        if escaped {
            unescape(v).map_err(|e| self.invalid(e))
        } else {
            Ok(v.to_string())
        }
    }

    /// A token attribute (number, enumeration), never escaped.
    fn raw_attr(&self, key: &str) -> Result<&str, Located> {
        self.attr_value(key).ok_or_else(|| self.missing_attr(key))
    }

    fn num_attr<T: std::str::FromStr>(&self, key: &str) -> Result<T, Located> {
        let v = self.raw_attr(key)?;
        v.parse().map_err(|_| {
            self.invalid(format!(
                "<{}> attribute {key}={v:?} is not a valid number",
                self.name
            ))
        })
    }

    fn bool_attr(&self, key: &str) -> Result<bool, Located> {
        match self.raw_attr(key)? {
            "true" => Ok(true),
            "false" => Ok(false),
            v => Err(self.invalid(format!(
                "<{}> attribute {key}={v:?} must be true or false",
                self.name
            ))),
        }
    }

    fn unexpected(&self, tok: Tok, context: &str) -> Located {
        match tok {
            Tok::Start | Tok::Empty => {
                self.invalid(format!("unexpected element <{}> in {context}", self.name))
            }
            Tok::End => self.invalid(format!("unexpected end tag </{}> in {context}", self.name)),
            Tok::Text => self.invalid(format!(
                "unexpected text {:?} in {context}",
                self.text.chars().take(40).collect::<String>()
            )),
            Tok::Eof => self.invalid(format!(
                "the file ends inside {context} (truncated report?)"
            )),
        }
    }

    /// The text content of the element whose start token was just read
    /// (`tok` is Start or Empty); consumes through its end tag.
    fn text_content(&mut self, tok: Tok) -> Result<String, Located> {
        self.text_cow(tok).map(Cow::into_owned)
    }

    /// [`Self::text_content`], borrowed from the input where it can be.
    fn text_cow(&mut self, tok: Tok) -> Result<Cow<'a, str>, Located> {
        let esc = self.escaped();
        if tok == Tok::Empty {
            return Ok(Cow::Borrowed(""));
        }
        let name = self.name;
        let mut t = self.next()?;
        let mut text = Cow::Borrowed("");
        if t == Tok::Text {
            text = std::mem::replace(&mut self.text, Cow::Borrowed(""));
            t = self.next()?;
        }
        if t != Tok::End {
            return Err(self.unexpected(t, &format!("<{name}> (text only)")));
        }
        if esc {
            text = Cow::Owned(unescape(&text).map_err(|e| self.invalid(e))?);
        }
        Ok(text)
    }

    fn text_parse<T: std::str::FromStr>(&mut self, tok: Tok) -> Result<T, Located> {
        let name = self.name;
        let t = self.text_cow(tok)?;
        t.trim()
            .parse()
            .map_err(|_| self.invalid(format!("<{name}> holds {t:?}, which is not a valid number")))
    }

    fn document(&mut self) -> Result<Report, Located> {
        let tok = self.next_significant()?;
        if tok == Tok::Eof {
            return Err(self.invalid("empty file: not a tck report"));
        }
        if tok != Tok::Start && tok != Tok::Empty {
            return Err(self.unexpected(tok, "the document"));
        }
        if self.name != "tck-report" {
            let root = self.name;
            let hint = if root == "results" {
                " (this looks like a Perl libvirt-tck report: convert it with `tck import`)"
            } else {
                ""
            };
            return Err(self.invalid(format!(
                "not a tck report: the root element is <{root}>, expected <tck-report>{hint}"
            )));
        }
        let version = self.attr("version")?;
        if version != SCHEMA_VERSION.to_string() {
            return Err(self.invalid(format!(
                "this is a tck report of schema version {version}; this tck reads version {SCHEMA_VERSION} (use a tck release that matches the report)"
            )));
        }
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            incomplete: self.bool_attr("incomplete")?,
            ..Report::default()
        };
        if tok == Tok::Empty {
            return Err(self.invalid("<tck-report> has no <environment>"));
        }
        let mut seen_env = false;
        loop {
            let tok = self.next_significant()?;
            match tok {
                Tok::Start | Tok::Empty if self.name == "environment" && !seen_env => {
                    report.environment = self.environment(tok)?;
                    seen_env = true;
                }
                Tok::Start if self.name == "script" && seen_env => {
                    report.scripts.push(self.script()?);
                }
                Tok::Start | Tok::Empty if self.name == "not-run" && seen_env => {
                    let id = self.attr("id")?;
                    let reason = self.text_content(tok)?;
                    report.not_run.push(NotRun { id, reason });
                }
                Tok::End => break,
                t => return Err(self.unexpected(t, "<tck-report>")),
            }
        }
        if !seen_env {
            return Err(self.invalid("<tck-report> has no <environment>"));
        }
        match self.next_significant()? {
            Tok::Eof => Ok(report),
            t => Err(self.unexpected(t, "the end of the document")),
        }
    }

    fn environment(&mut self, tok: Tok) -> Result<Environment, Located> {
        let mut e = Environment::default();
        if tok == Tok::Empty {
            return Ok(e);
        }
        loop {
            let tok = self.next_significant()?;
            if tok == Tok::End {
                return Ok(e);
            }
            if tok != Tok::Start && tok != Tok::Empty {
                return Err(self.unexpected(tok, "<environment>"));
            }
            let field = match self.name {
                "tck-version" => &mut e.tck_version,
                "tck-commit" => &mut e.tck_commit,
                "uri" => &mut e.uri,
                "driver" => &mut e.driver,
                "hypervisor-version" => &mut e.hypervisor_version,
                "libvirt-library-version" => &mut e.libvirt_library_version,
                "libvirt-daemon-version" => &mut e.libvirt_daemon_version,
                "hostname" => &mut e.hostname,
                "os-id" => &mut e.os_id,
                "os-version" => &mut e.os_version,
                "kernel" => &mut e.kernel,
                "arch" => &mut e.arch,
                "cpu-model" => &mut e.cpu_model,
                "capabilities-digest" => &mut e.capabilities_digest,
                "domain-capabilities-digest" => &mut e.domain_capabilities_digest,
                "config-digest" => &mut e.config_digest,
                "guest-boot" => &mut e.guest_boot,
                "start" => &mut e.start,
                "end" => &mut e.end,
                "partition" => &mut e.partition,
                "jobs" => {
                    e.jobs = self.text_parse(tok)?;
                    continue;
                }
                "seed" => {
                    e.seed = self.text_parse(tok)?;
                    continue;
                }
                "command-line" => {
                    if tok == Tok::Start {
                        loop {
                            match self.next_significant()? {
                                Tok::End => break,
                                t @ (Tok::Start | Tok::Empty) if self.name == "arg" => {
                                    let a = self.text_content(t)?;
                                    e.command_line.push(a);
                                }
                                t => return Err(self.unexpected(t, "<command-line>")),
                            }
                        }
                    }
                    continue;
                }
                _ => {
                    return Err(self.unexpected(tok, "<environment>"));
                }
            };
            *field = self.text_content(tok)?;
        }
    }

    fn status_attr(&self) -> Result<ScriptStatus, Located> {
        let s = self.raw_attr("status")?;
        ScriptStatus::parse(s).ok_or_else(|| self.invalid(format!("unknown script status {s:?}")))
    }

    fn script(&mut self) -> Result<ScriptResult, Located> {
        let id = self.attr("id")?;
        let title = String::new();
        let mut s = ScriptResult::without_output(&id, &title, self.status_attr()?, "");
        s.area = self.attr("area")?;
        s.duration = self.num_attr("duration")?;
        s.skip_kind = None;
        let mut seen_exit = false;
        let ctx = format!("<script id={id:?}>");
        loop {
            let tok = self.next_significant()?;
            if tok == Tok::End {
                break;
            }
            if tok != Tok::Start && tok != Tok::Empty {
                return Err(self.unexpected(tok, &ctx));
            }
            match self.name {
                "title" => s.title = self.text_content(tok)?,
                "requirement" => {
                    let r = self.text_content(tok)?;
                    s.requirements.push(r);
                }
                "reason" => {
                    s.skip_kind = self.skip_kind_attr()?;
                    s.reason = self.text_content(tok)?;
                }
                "exit" => {
                    s.exit = self.exit(tok)?;
                    seen_exit = true;
                }
                "plan" => s.plan = Some(self.plan(tok)?),
                "counts" => {
                    s.counts = self.counts(tok)?;
                    // The points follow; size the vector once (bounded, as
                    // the count is only a claim of the file).
                    s.tests.reserve_exact(s.counts.total.min(1 << 16) as usize);
                }
                "leak" => {
                    let kind = self.attr("kind")?;
                    let name = self.attr("name")?;
                    self.text_content(tok)?;
                    s.leaked.push(Leak { kind, name });
                }
                "stderr" => s.stderr_tail = self.text_content(tok)?,
                "parse-error" => {
                    let line = self.num_attr("line")?;
                    let message = self.text_content(tok)?;
                    s.parse_errors.push(TapError { line, message });
                }
                "mask" => s.mask = Some(self.mask(tok)?),
                "test" => {
                    let t = self.test(tok)?;
                    s.tests.push(t);
                }
                "attempt" => {
                    let a = self.attempt(tok)?;
                    s.attempts.push(a);
                }
                _ => return Err(self.unexpected(tok, &ctx)),
            }
        }
        if !seen_exit {
            return Err(self.invalid(format!("{ctx} has no <exit>")));
        }
        Ok(s)
    }

    fn skip_kind_attr(&self) -> Result<Option<SkipKind>, Located> {
        match self.opt_attr("skip-kind")? {
            None => Ok(None),
            Some(k) => SkipKind::parse(&k)
                .map(Some)
                .ok_or_else(|| self.invalid(format!("unknown skip-kind {k:?}"))),
        }
    }

    /// Consumes the end tag of an element that must be empty.
    fn finish_empty(&mut self, tok: Tok) -> Result<(), Located> {
        if tok == Tok::Empty {
            return Ok(());
        }
        let name = self.name;
        match self.next_significant()? {
            Tok::End => Ok(()),
            t => Err(self.unexpected(t, &format!("<{name}> (must be empty)"))),
        }
    }

    fn exit(&mut self, tok: Tok) -> Result<Exit, Located> {
        let kind = self.attr("kind")?;
        let exit = match kind.as_str() {
            "code" => Exit::Code {
                code: self.num_attr("code")?,
            },
            "signal" => Exit::Signal {
                signal: self.num_attr("signal")?,
                name: self.attr("name")?,
            },
            "not-started" => Exit::NotStarted,
            "unknown" => Exit::Unknown,
            k => return Err(self.invalid(format!("unknown exit kind {k:?}"))),
        };
        self.finish_empty(tok)?;
        Ok(exit)
    }

    fn plan(&mut self, tok: Tok) -> Result<Plan, Located> {
        let mut plan = Plan {
            start: self.num_attr("start")?,
            end: self.num_attr("end")?,
            skip_reason: None,
        };
        if tok == Tok::Start {
            loop {
                match self.next_significant()? {
                    Tok::End => break,
                    t @ (Tok::Start | Tok::Empty)
                        if self.name == "skip-reason" && plan.skip_reason.is_none() =>
                    {
                        plan.skip_reason = Some(self.text_content(t)?);
                    }
                    t => return Err(self.unexpected(t, "<plan>")),
                }
            }
        }
        Ok(plan)
    }

    fn counts(&mut self, tok: Tok) -> Result<Counts, Located> {
        let c = Counts {
            total: self.num_attr("total")?,
            pass: self.num_attr("pass")?,
            fail: self.num_attr("fail")?,
            skip: self.num_attr("skip")?,
            todo: self.num_attr("todo")?,
            todo_passed: self.num_attr("todo-passed")?,
        };
        self.finish_empty(tok)?;
        Ok(c)
    }

    fn mask(&mut self, tok: Tok) -> Result<Mask, Located> {
        let entry = self.attr("entry")?;
        let flaky = self.bool_attr("flaky")?;
        let reason = self.text_content(tok)?;
        Ok(Mask {
            entry,
            reason,
            flaky,
        })
    }

    fn attempt(&mut self, tok: Tok) -> Result<Attempt, Located> {
        let mut a = Attempt {
            status: self.status_attr()?,
            reason: String::new(),
            duration: self.num_attr("duration")?,
            counts: Counts::default(),
            stderr_tail: String::new(),
            tests: Vec::new(),
        };
        if tok == Tok::Empty {
            return Ok(a);
        }
        loop {
            let tok = self.next_significant()?;
            match tok {
                Tok::End => return Ok(a),
                Tok::Start | Tok::Empty => match self.name {
                    "reason" => a.reason = self.text_content(tok)?,
                    "counts" => a.counts = self.counts(tok)?,
                    "stderr" => a.stderr_tail = self.text_content(tok)?,
                    "test" => {
                        let t = self.test(tok)?;
                        a.tests.push(t);
                    }
                    _ => return Err(self.unexpected(tok, "<attempt>")),
                },
                t => return Err(self.unexpected(t, "<attempt>")),
            }
        }
    }

    fn enter(&mut self) -> Result<(), Located> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.invalid(format!(
                "nesting deeper than {MAX_DEPTH} levels (subtests or diagnostics)"
            )));
        }
        Ok(())
    }

    fn test(&mut self, tok: Tok) -> Result<TestResult, Located> {
        self.enter()?;
        // One pass over the attributes: there is one <test> per point.
        let (mut number, mut outcome, mut directive) = (None, None, None);
        let (mut description, mut reason, mut identity) = (None, None, None);
        let mut escaped = false;
        for (key, v) in self.lx.attrs() {
            match key {
                "number" => number = Some(v),
                "outcome" => outcome = Some(v),
                "directive" => directive = Some(v),
                "description" => description = Some(v),
                "reason" => reason = Some(v),
                "identity" => identity = Some(v),
                "escaped" => escaped = v == "true",
                _ => {}
            }
        }
        let number = number.ok_or_else(|| self.missing_attr("number"))?;
        let number = number.parse().map_err(|_| {
            self.invalid(format!(
                "<test> attribute number={number:?} is not a valid number"
            ))
        })?;
        let outcome = match outcome.ok_or_else(|| self.missing_attr("outcome"))? {
            "pass" => PointOutcome::Pass,
            "fail" => PointOutcome::Fail,
            "skip" => PointOutcome::Skip,
            "todo" => PointOutcome::Todo,
            "todo-passed" => PointOutcome::TodoPassed,
            o => return Err(self.invalid(format!("unknown test outcome {o:?}"))),
        };
        let directive = match directive {
            None => None,
            Some("skip") => Some(Directive::Skip),
            Some("todo") => Some(Directive::Todo),
            Some(d) => return Err(self.invalid(format!("unknown directive {d:?}"))),
        };
        let description = description.ok_or_else(|| self.missing_attr("description"))?;
        let description = self.owned(description, escaped)?;
        let reason = reason.map(|r| self.owned(r, escaped)).transpose()?;
        let identity = identity.map(|i| self.owned(i, escaped)).transpose()?;
        let mut t = TestResult {
            number,
            description,
            outcome,
            directive,
            reason,
            yaml: None,
            identity: String::new(),
            subtest: None,
            mask: None,
        };
        if tok == Tok::Start {
            loop {
                let tok = self.next_significant()?;
                match tok {
                    Tok::End => break,
                    Tok::Start | Tok::Empty => match self.name {
                        "diagnostics" if t.yaml.is_none() => t.yaml = Some(self.diagnostics(tok)?),
                        "subtest" if t.subtest.is_none() => {
                            t.subtest = Some(Box::new(self.subtest(tok)?))
                        }
                        "mask" if t.mask.is_none() => t.mask = Some(Box::new(self.mask(tok)?)),
                        _ => {
                            return Err(self.unexpected(tok, &format!("<test number=\"{number}\">")))
                        }
                    },
                    t => return Err(self.unexpected(t, &format!("<test number=\"{number}\">"))),
                }
            }
        }
        t.identity = identity.unwrap_or_else(|| t.description.clone());
        self.depth -= 1;
        Ok(t)
    }

    fn subtest(&mut self, tok: Tok) -> Result<Subtest, Located> {
        let mut sub = Subtest {
            name: self.opt_attr("name")?,
            plan: None,
            tests: Vec::new(),
        };
        if tok == Tok::Empty {
            return Ok(sub);
        }
        loop {
            let tok = self.next_significant()?;
            match tok {
                Tok::End => return Ok(sub),
                Tok::Start | Tok::Empty if self.name == "plan" => sub.plan = Some(self.plan(tok)?),
                Tok::Start | Tok::Empty if self.name == "test" => {
                    let t = self.test(tok)?;
                    sub.tests.push(t);
                }
                t => return Err(self.unexpected(t, "<subtest>")),
            }
        }
    }

    fn diagnostics(&mut self, tok: Tok) -> Result<Yaml, Located> {
        if tok == Tok::Empty {
            return Err(self.invalid("<diagnostics> is empty; it holds one value"));
        }
        let t = self.next_significant()?;
        let y = self.value(t, "<diagnostics>")?;
        match self.next_significant()? {
            Tok::End => Ok(y),
            t => Err(self.unexpected(t, "<diagnostics> (one value only)")),
        }
    }

    /// One YAML value element whose start token is `tok`.
    fn value(&mut self, tok: Tok, ctx: &str) -> Result<Yaml, Located> {
        if tok != Tok::Start && tok != Tok::Empty {
            return Err(self.unexpected(tok, ctx));
        }
        self.enter()?;
        let y = match self.name {
            "null" => {
                self.finish_empty(tok)?;
                Yaml::Null
            }
            "bool" => match self.text_cow(tok)?.as_ref() {
                "true" => Yaml::Bool(true),
                "false" => Yaml::Bool(false),
                b => return Err(self.invalid(format!("<bool> holds {b:?}, not true/false"))),
            },
            "int" => Yaml::Int(self.text_parse(tok)?),
            "float" => Yaml::Float(self.text_content(tok)?),
            "str" => Yaml::Str(self.text_content(tok)?),
            "seq" => {
                let mut items = Vec::new();
                if tok == Tok::Start {
                    loop {
                        let t = self.next_significant()?;
                        if t == Tok::End {
                            break;
                        }
                        items.push(self.value(t, "<seq>")?);
                    }
                }
                Yaml::Seq(items)
            }
            "map" => {
                let mut entries = Vec::new();
                if tok == Tok::Start {
                    loop {
                        let t = self.next_significant()?;
                        match t {
                            Tok::End => break,
                            Tok::Start if self.name == "entry" => {
                                let key = self.attr("key")?;
                                let vt = self.next_significant()?;
                                let v = self.value(vt, "<entry>")?;
                                match self.next_significant()? {
                                    Tok::End => {}
                                    t => return Err(self.unexpected(t, "<entry> (one value only)")),
                                }
                                entries.push((key, v));
                            }
                            t => return Err(self.unexpected(t, "<map>")),
                        }
                    }
                }
                Yaml::Map(entries)
            }
            _ => return Err(self.unexpected(tok, ctx)),
        };
        self.depth -= 1;
        Ok(y)
    }
}
