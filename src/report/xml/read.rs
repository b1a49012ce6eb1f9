//! Reading tck XML (version 1) back into a [`Report`].
//!
//! A streaming recursive-descent reader over quick-xml events: memory is the
//! model being built plus one event buffer, whatever the file size. It is
//! strict about structure (an element the schema does not allow is an error
//! with its line and column), because a report that reads "successfully"
//! with silently missing results would be worse than a clear refusal.

use super::super::error::ReportError;
use super::super::escape::unescape;
use super::super::model::*;
use crate::tap::model::{Directive, Plan, PointOutcome, TapError};
use crate::yaml::Yaml;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Deeper nesting (subtests in subtests, YAML in YAML) than any real report
/// has; the limit keeps hostile input from exhausting the stack.
const MAX_DEPTH: usize = 200;

/// Reads the tck report at `path`.
pub fn read(path: &Path) -> Result<Report, ReportError> {
    let file = std::fs::File::open(path).map_err(|e| ReportError::io(path, "open", e))?;
    read_from(BufReader::with_capacity(1 << 16, file)).map_err(|e| {
        if let Some(io) = e.io {
            return ReportError::io(path, "read", io);
        }
        let (line, column) = line_col(path, e.offset);
        if e.syntax {
            ReportError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message,
            }
        } else {
            ReportError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message,
            }
        }
    })
}

/// A problem found while reading, located by byte offset (converted to a
/// line and column by [`read`], which can re-read the file).
#[derive(Debug)]
struct Located {
    offset: u64,
    syntax: bool,
    message: String,
    io: Option<std::io::Error>,
}

fn read_from<R: BufRead>(input: R) -> Result<Report, Located> {
    let mut reader = Reader::from_reader(input);
    let cfg = reader.config_mut();
    cfg.trim_text(false);
    cfg.expand_empty_elements = false;
    cfg.check_end_names = true;
    let mut x = Xr {
        reader,
        buf: Vec::with_capacity(4096),
        name: Vec::new(),
        attrs: Attrs::default(),
        text: String::new(),
        pending: None,
        pos: 0,
        depth: 0,
    };
    x.document()
}

/// Converts a byte offset in `path` to a 1-based (line, column).
fn line_col(path: &Path, offset: u64) -> (u64, u64) {
    let Ok(mut f) = std::fs::File::open(path) else {
        return (0, offset);
    };
    if f.seek(SeekFrom::Start(0)).is_err() {
        return (0, offset);
    }
    let mut line = 1u64;
    let mut col = 1u64;
    let mut remaining = offset;
    let mut chunk = vec![0u8; 1 << 16];
    while remaining > 0 {
        let want = remaining.min(chunk.len() as u64) as usize;
        let n = match f.read(&mut chunk[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &b in &chunk[..n] {
            if b == b'\n' {
                line += 1;
                col = 1;
            } else if b & 0xC0 != 0x80 {
                col += 1;
            }
        }
        remaining -= n as u64;
    }
    (line, col)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Start,
    Empty,
    End,
    Text,
    Eof,
}

struct Xr<R> {
    reader: Reader<R>,
    buf: Vec<u8>,
    /// Name of the current Start/Empty/End element.
    name: Vec<u8>,
    /// Attributes of the current Start/Empty element (raw-unescaped values).
    attrs: Attrs,
    /// Text of the current Text token (entities and references resolved).
    text: String,
    /// A non-text event read while collecting text, returned next.
    pending: Option<(Tok, u64)>,
    /// Byte offset where the current token started.
    pos: u64,
    depth: usize,
}

/// The attributes of the current start tag, in buffers reused from one
/// element to the next (no allocation per attribute in the common case).
#[derive(Default)]
struct Attrs {
    keys: Vec<u8>,
    spans: Vec<(usize, usize)>,
    vals: Vec<String>,
    len: usize,
    /// The element carries `escaped="true"`.
    escaped: bool,
}

impl Attrs {
    fn clear(&mut self) {
        self.keys.clear();
        self.spans.clear();
        self.len = 0;
        self.escaped = false;
    }

    fn push(&mut self, key: &[u8], val: &str) {
        let start = self.keys.len();
        self.keys.extend_from_slice(key);
        self.spans.push((start, self.keys.len()));
        if self.vals.len() == self.len {
            self.vals.push(String::new());
        }
        let slot = &mut self.vals[self.len];
        slot.clear();
        slot.push_str(val);
        self.len += 1;
        if key == b"escaped" && val == "true" {
            self.escaped = true;
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.spans
            .iter()
            .position(|&(a, b)| &self.keys[a..b] == key.as_bytes())
            .map(|i| self.vals[i].as_str())
    }
}

/// Copies the name and attributes of a start tag out of the event buffer.
fn take_start(
    name: &mut Vec<u8>,
    attrs: &mut Attrs,
    s: &quick_xml::events::BytesStart<'_>,
    here: u64,
) -> Result<(), Located> {
    name.clear();
    name.extend_from_slice(s.name().as_ref().as_bytes());
    attrs.clear();
    for a in s.attributes() {
        let a = a.map_err(|e| syntax(here, e.to_string()))?;
        let raw: &str = a.value.as_ref();
        if raw.contains(['&', '\t', '\n', '\r']) {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| syntax(here, e.to_string()))?;
            attrs.push(a.key.as_ref().as_bytes(), &v);
        } else {
            // Nothing to resolve or normalise (the common case).
            attrs.push(a.key.as_ref().as_bytes(), raw);
        }
    }
    Ok(())
}

fn syntax(offset: u64, message: String) -> Located {
    Located {
        offset,
        syntax: true,
        message,
        io: None,
    }
}

impl<R: BufRead> Xr<R> {
    fn invalid(&self, message: impl Into<String>) -> Located {
        Located {
            offset: self.pos,
            syntax: false,
            message: message.into(),
            io: None,
        }
    }

    fn name_str(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }

    /// The next token; consecutive text, CDATA and references are merged
    /// into one Text token. Comments and processing instructions are skipped.
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
        self.text.clear();
        let mut have_text = false;
        loop {
            let here = self.reader.buffer_position();
            if !have_text {
                self.pos = here;
            }
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(quick_xml::Error::Io(e)) => {
                    return Err(Located {
                        offset: self.reader.error_position(),
                        syntax: false,
                        message: e.to_string(),
                        io: Some(std::io::Error::new(e.kind(), e.to_string())),
                    })
                }
                Err(e) => return Err(syntax(self.reader.error_position(), e.to_string())),
            };
            let tok = match ev {
                Event::Text(t) => {
                    if skip_blank
                        && !have_text
                        && t.as_ref().bytes().all(|b| b.is_ascii_whitespace())
                    {
                        // Indentation between elements: not content.
                        continue;
                    }
                    self.text.push_str(&t.xml10_content());
                    have_text = true;
                    continue;
                }
                Event::CData(t) => {
                    self.text.push_str(&t.xml10_content());
                    have_text = true;
                    continue;
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => {
                            let name = r.xml10_content();
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(s) => s.to_string(),
                                None => {
                                    return Err(syntax(here, format!("unknown entity &{name};")))
                                }
                            }
                        }
                        Err(e) => return Err(syntax(here, e.to_string())),
                    };
                    self.text.push_str(&resolved);
                    have_text = true;
                    continue;
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => continue,
                Event::Start(s) => {
                    take_start(&mut self.name, &mut self.attrs, &s, here)?;
                    Tok::Start
                }
                Event::Empty(s) => {
                    take_start(&mut self.name, &mut self.attrs, &s, here)?;
                    Tok::Empty
                }
                Event::End(e) => {
                    self.name.clear();
                    self.name.extend_from_slice(e.name().as_ref().as_bytes());
                    Tok::End
                }
                Event::Eof => Tok::Eof,
            };
            if have_text && skip_blank && self.text.bytes().all(|b| b.is_ascii_whitespace()) {
                self.text.clear();
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
            if t == Tok::Text && self.text.bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            return Ok(t);
        }
    }

    fn escaped(&self) -> bool {
        self.attrs.escaped
    }

    /// A required attribute of the current element, unescaped when the
    /// element is marked `escaped`.
    fn attr(&self, key: &str) -> Result<String, Located> {
        self.opt_attr(key)?.ok_or_else(|| self.missing_attr(key))
    }

    fn missing_attr(&self, key: &str) -> Located {
        self.invalid(format!("<{}> lacks the attribute {key}", self.name_str()))
    }

    fn opt_attr(&self, key: &str) -> Result<Option<String>, Located> {
        let Some(v) = self.attrs.get(key) else {
            return Ok(None);
        };
        if self.escaped() {
            unescape(v).map(Some).map_err(|e| self.invalid(e))
        } else {
            Ok(Some(v.to_string()))
        }
    }

    /// A token attribute (number, enumeration), never escaped.
    fn raw_attr(&self, key: &str) -> Result<&str, Located> {
        self.attrs.get(key).ok_or_else(|| self.missing_attr(key))
    }

    fn num_attr<T: std::str::FromStr>(&self, key: &str) -> Result<T, Located> {
        let v = self.raw_attr(key)?;
        v.parse().map_err(|_| {
            self.invalid(format!(
                "<{}> attribute {key}={v:?} is not a valid number",
                self.name_str()
            ))
        })
    }

    fn bool_attr(&self, key: &str) -> Result<bool, Located> {
        match self.raw_attr(key)? {
            "true" => Ok(true),
            "false" => Ok(false),
            v => Err(self.invalid(format!(
                "<{}> attribute {key}={v:?} must be true or false",
                self.name_str()
            ))),
        }
    }

    fn unexpected(&self, tok: Tok, context: &str) -> Located {
        match tok {
            Tok::Start | Tok::Empty => self.invalid(format!(
                "unexpected element <{}> in {context}",
                self.name_str()
            )),
            Tok::End => self.invalid(format!(
                "unexpected end tag </{}> in {context}",
                self.name_str()
            )),
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
        let esc = self.escaped();
        if tok == Tok::Empty {
            return Ok(String::new());
        }
        let name = self.name_str();
        let mut t = self.next()?;
        let mut text = String::new();
        if t == Tok::Text {
            text = std::mem::take(&mut self.text);
            t = self.next()?;
        }
        if t != Tok::End {
            return Err(self.unexpected(t, &format!("<{name}> (text only)")));
        }
        if esc {
            text = unescape(&text).map_err(|e| self.invalid(e))?;
        }
        Ok(text)
    }

    fn text_parse<T: std::str::FromStr>(&mut self, tok: Tok) -> Result<T, Located> {
        let name = self.name_str();
        let t = self.text_content(tok)?;
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
        if self.name != b"tck-report" {
            let root = self.name_str();
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
                Tok::Start | Tok::Empty if self.name == b"environment" && !seen_env => {
                    report.environment = self.environment(tok)?;
                    seen_env = true;
                }
                Tok::Start if self.name == b"script" && seen_env => {
                    report.scripts.push(self.script()?);
                }
                Tok::Start | Tok::Empty if self.name == b"not-run" && seen_env => {
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
            let name = std::mem::take(&mut self.name);
            let field = match name.as_slice() {
                b"tck-version" => &mut e.tck_version,
                b"tck-commit" => &mut e.tck_commit,
                b"uri" => &mut e.uri,
                b"driver" => &mut e.driver,
                b"hypervisor-version" => &mut e.hypervisor_version,
                b"libvirt-library-version" => &mut e.libvirt_library_version,
                b"libvirt-daemon-version" => &mut e.libvirt_daemon_version,
                b"hostname" => &mut e.hostname,
                b"os-id" => &mut e.os_id,
                b"os-version" => &mut e.os_version,
                b"kernel" => &mut e.kernel,
                b"arch" => &mut e.arch,
                b"cpu-model" => &mut e.cpu_model,
                b"capabilities-digest" => &mut e.capabilities_digest,
                b"domain-capabilities-digest" => &mut e.domain_capabilities_digest,
                b"config-digest" => &mut e.config_digest,
                b"guest-boot" => &mut e.guest_boot,
                b"start" => &mut e.start,
                b"end" => &mut e.end,
                b"partition" => &mut e.partition,
                b"jobs" => {
                    self.name = name;
                    e.jobs = self.text_parse(tok)?;
                    continue;
                }
                b"seed" => {
                    self.name = name;
                    e.seed = self.text_parse(tok)?;
                    continue;
                }
                b"command-line" => {
                    self.name = name;
                    if tok == Tok::Start {
                        loop {
                            match self.next_significant()? {
                                Tok::End => break,
                                t @ (Tok::Start | Tok::Empty) if self.name == b"arg" => {
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
                    self.name = name;
                    return Err(self.unexpected(tok, "<environment>"));
                }
            };
            self.name = name;
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
            match self.name.as_slice() {
                b"title" => s.title = self.text_content(tok)?,
                b"requirement" => {
                    let r = self.text_content(tok)?;
                    s.requirements.push(r);
                }
                b"reason" => {
                    s.skip_kind = self.skip_kind_attr()?;
                    s.reason = self.text_content(tok)?;
                }
                b"exit" => {
                    s.exit = self.exit(tok)?;
                    seen_exit = true;
                }
                b"plan" => s.plan = Some(self.plan(tok)?),
                b"counts" => {
                    s.counts = self.counts(tok)?;
                    // The points follow; size the vector once (bounded, as
                    // the count is only a claim of the file).
                    s.tests.reserve_exact(s.counts.total.min(1 << 16) as usize);
                }
                b"leak" => {
                    let kind = self.attr("kind")?;
                    let name = self.attr("name")?;
                    self.text_content(tok)?;
                    s.leaked.push(Leak { kind, name });
                }
                b"stderr" => s.stderr_tail = self.text_content(tok)?,
                b"parse-error" => {
                    let line = self.num_attr("line")?;
                    let message = self.text_content(tok)?;
                    s.parse_errors.push(TapError { line, message });
                }
                b"mask" => s.mask = Some(self.mask(tok)?),
                b"test" => {
                    let t = self.test(tok)?;
                    s.tests.push(t);
                }
                b"attempt" => {
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
        let name = self.name_str();
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
                        if self.name == b"skip-reason" && plan.skip_reason.is_none() =>
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
                Tok::Start | Tok::Empty => match self.name.as_slice() {
                    b"reason" => a.reason = self.text_content(tok)?,
                    b"counts" => a.counts = self.counts(tok)?,
                    b"stderr" => a.stderr_tail = self.text_content(tok)?,
                    b"test" => {
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
        let number = self.num_attr("number")?;
        let outcome = match self.raw_attr("outcome")? {
            "pass" => PointOutcome::Pass,
            "fail" => PointOutcome::Fail,
            "skip" => PointOutcome::Skip,
            "todo" => PointOutcome::Todo,
            "todo-passed" => PointOutcome::TodoPassed,
            o => return Err(self.invalid(format!("unknown test outcome {o:?}"))),
        };
        let directive = match self.attrs.get("directive") {
            None => None,
            Some("skip") => Some(Directive::Skip),
            Some("todo") => Some(Directive::Todo),
            Some(d) => return Err(self.invalid(format!("unknown directive {d:?}"))),
        };
        let description = self.attr("description")?;
        let reason = self.opt_attr("reason")?;
        let identity = self.opt_attr("identity")?;
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
                    Tok::Start | Tok::Empty => match self.name.as_slice() {
                        b"diagnostics" if t.yaml.is_none() => t.yaml = Some(self.diagnostics(tok)?),
                        b"subtest" if t.subtest.is_none() => t.subtest = Some(self.subtest(tok)?),
                        b"mask" if t.mask.is_none() => t.mask = Some(self.mask(tok)?),
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
                Tok::Start | Tok::Empty if self.name == b"plan" => sub.plan = Some(self.plan(tok)?),
                Tok::Start | Tok::Empty if self.name == b"test" => {
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
        let y = match self.name.as_slice() {
            b"null" => {
                self.finish_empty(tok)?;
                Yaml::Null
            }
            b"bool" => match self.text_content(tok)?.as_str() {
                "true" => Yaml::Bool(true),
                "false" => Yaml::Bool(false),
                b => return Err(self.invalid(format!("<bool> holds {b:?}, not true/false"))),
            },
            b"int" => Yaml::Int(self.text_parse(tok)?),
            b"float" => Yaml::Float(self.text_content(tok)?),
            b"str" => Yaml::Str(self.text_content(tok)?),
            b"seq" => {
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
            b"map" => {
                let mut entries = Vec::new();
                if tok == Tok::Start {
                    loop {
                        let t = self.next_significant()?;
                        match t {
                            Tok::End => break,
                            Tok::Start if self.name == b"entry" => {
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
