//! `tck parse`: judge one TAP stream and print its verdict.
//!
//! The stream is read in chunks and parsed as it arrives; finished test
//! points are written out (JSON) or summarised (text) and dropped at once,
//! so memory stays flat for streams of any size. Only the subtest in
//! progress is held in memory, because its closing point carries its tree.
//! The text summary lists failed points only, so it keeps (and parses the
//! YAML of) those alone; JSON parses and writes everything.
//!
//! Exit status: 0 the stream passes, 1 it fails, 2 the input cannot be read
//! (or the output cannot be written).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::tap::model::{Document, PointOutcome, TestPoint, Verdict};
use crate::tap::{Judge, Keep, Parser};

/// Arguments of `tck parse`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 the stream passes, 1 it fails, 2 the input cannot be read.")]
pub struct ParseArgs {
    /// The TAP file to read; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable summary: counts, plan, failed points, errors with line numbers.
    Text,
    /// One JSON object: ok, counts, plan, bailout, errors and every test point.
    Json,
}

/// Failed (and TODO-passed) points listed by the text format; the rest are counted.
const MAX_LISTED: usize = 100;
/// Read size: large enough that system calls do not dominate.
const CHUNK: usize = 256 << 10;

pub fn run(args: ParseArgs) -> ExitCode {
    // Deep subtest trees are walked recursively (serialisation, drop); give
    // that walk room whatever the platform's main-thread stack is. Only the
    // pages actually used become resident.
    let worker = std::thread::Builder::new()
        .name("tck-parse".into())
        .stack_size(64 << 20)
        .spawn(move || parse(args));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(_)) => ExitCode::from(2),
        Err(e) => {
            eprintln!("tck parse: cannot start: {e}");
            ExitCode::from(2)
        }
    }
}

/// Where the stream comes from, for messages.
fn input_name(file: &Option<PathBuf>) -> String {
    match file {
        Some(p) if p.as_os_str() != "-" => format!("'{}'", p.display()),
        _ => "standard input".to_string(),
    }
}

fn parse(args: ParseArgs) -> u8 {
    let name = input_name(&args.file);
    let mut input: Box<dyn Read> = match &args.file {
        Some(p) if p.as_os_str() != "-" => match std::fs::File::open(p) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("tck parse: cannot read {name}: {e}");
                return 2;
            }
        },
        _ => Box::new(std::io::stdin().lock()),
    };
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::with_capacity(64 << 10, stdout);
    let mut sink: Box<dyn PointSink> = match args.format {
        Format::Json => Box::new(JsonSink::default()),
        Format::Text => Box::new(TextSink::default()),
    };

    // JSON shows every point; the text summary only failures, so it keeps
    // and reads the YAML of those alone.
    let (mut parser, mut judge) = match args.format {
        Format::Json => (Parser::new(), Judge::keeping(Keep::All)),
        Format::Text => (Parser::lazy_yaml(), Judge::keeping(Keep::Failures)),
    };
    let mut failed_write: Option<std::io::Error> = None;
    // Points are handed on as soon as they are final, so that each is
    // freed right after it was allocated (cheap, and memory stays flat).
    let mut on_event = |e| {
        judge.event(e);
        for point in judge.drain_completed() {
            if failed_write.is_none() {
                if let Err(e) = sink.point(&mut out, point) {
                    failed_write = Some(e);
                }
            }
        }
    };
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // A directory, an I/O error: say so; a partial verdict would mislead.
                eprintln!("tck parse: cannot read {name}: {e}");
                return 2;
            }
        };
        parser.feed(&buf[..n], &mut on_event);
    }
    parser.finish(&mut on_event);
    if let Some(e) = failed_write {
        return output_error(e);
    }
    let mut doc = judge.finish();
    for point in std::mem::take(&mut doc.tests) {
        if let Err(e) = sink.point(&mut out, point) {
            return output_error(e);
        }
    }
    if let Err(e) = sink.end(&mut out, &doc).and_then(|()| out.flush()) {
        return output_error(e);
    }
    if doc.verdict.ok {
        0
    } else {
        1
    }
}

fn output_error(e: std::io::Error) -> u8 {
    eprintln!("tck parse: cannot write the output: {e}");
    2
}

/// Receives the top-level test points as they complete, then the document.
trait PointSink {
    fn point(&mut self, out: &mut dyn Write, point: TestPoint) -> std::io::Result<()>;
    /// `doc.tests` is empty: every point went through [`PointSink::point`].
    fn end(&mut self, out: &mut dyn Write, doc: &Document) -> std::io::Result<()>;
}

/// Streams `{"tests":[…], "ok":…, …}`: the tests array first, as parsed.
#[derive(Default)]
struct JsonSink {
    started: bool,
}

impl JsonSink {
    fn start(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            out.write_all(b"{\"tests\":[")?;
        }
        Ok(())
    }
}

impl PointSink for JsonSink {
    fn point(&mut self, out: &mut dyn Write, point: TestPoint) -> std::io::Result<()> {
        let first = !self.started;
        self.start(out)?;
        out.write_all(if first { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &PointJson(&point)).map_err(std::io::Error::other)
    }

    fn end(&mut self, out: &mut dyn Write, doc: &Document) -> std::io::Result<()> {
        let empty = !self.started;
        self.start(out)?;
        out.write_all(if empty { b"]," } else { b"\n]," })?;
        // The summary fields, without the braces of their own object.
        let summary = serde_json::to_string(&SummaryJson(doc)).map_err(std::io::Error::other)?;
        out.write_all(&summary.as_bytes()[1..])?;
        out.write_all(b"\n")
    }
}

/// A test point as JSON: number, ok, description, directive, reason, yaml,
/// subtest.
struct PointJson<'a>(&'a TestPoint);

impl Serialize for PointJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("number", &t.number)?;
        m.serialize_entry("ok", &t.ok)?;
        m.serialize_entry("description", &t.description)?;
        m.serialize_entry("directive", &t.directive.map(|d| d.as_str()))?;
        m.serialize_entry("reason", &t.reason)?;
        m.serialize_entry("yaml", &t.yaml)?;
        m.serialize_entry("subtest", &t.subtest.as_deref().map(SubtestJson))?;
        m.end()
    }
}

/// The verdict fields shared by the top level and subtests.
fn summary_entries<M: SerializeMap>(m: &mut M, doc: &Document) -> Result<(), M::Error> {
    let v: &Verdict = &doc.verdict;
    m.serialize_entry("ok", &v.ok)?;
    m.serialize_entry("count", &v.count)?;
    m.serialize_entry("passed", &v.passed)?;
    m.serialize_entry("failed", &v.failed)?;
    m.serialize_entry("todo", &v.todo)?;
    m.serialize_entry("todo_passed", &v.todo_passed)?;
    m.serialize_entry("skipped", &v.skipped)?;
    m.serialize_entry("plan", &doc.plan)?;
    m.serialize_entry("bailout", &v.bailout)?;
    m.serialize_entry("errors", &v.errors)
}

/// The top level's fields other than `tests`.
struct SummaryJson<'a>(&'a Document);

impl Serialize for SummaryJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(10))?;
        summary_entries(&mut m, self.0)?;
        m.end()
    }
}

/// A subtest: the top level's shape plus its name.
struct SubtestJson<'a>(&'a Document);

impl Serialize for SubtestJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let doc = self.0;
        let mut m = s.serialize_map(Some(12))?;
        m.serialize_entry("name", &doc.name)?;
        summary_entries(&mut m, doc)?;
        m.serialize_entry("tests", &PointsJson(&doc.tests))?;
        m.end()
    }
}

struct PointsJson<'a>(&'a [TestPoint]);

impl Serialize for PointsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for t in self.0 {
            seq.serialize_element(&PointJson(t))?;
        }
        seq.end()
    }
}

/// Keeps the first failed and TODO-passed points for the summary.
#[derive(Default)]
struct TextSink {
    failed: Vec<String>,
    failed_more: u64,
    todo_passed: Vec<String>,
    todo_passed_more: u64,
}

impl PointSink for TextSink {
    fn point(&mut self, _: &mut dyn Write, point: TestPoint) -> std::io::Result<()> {
        match point.outcome {
            PointOutcome::Fail if self.failed.len() < MAX_LISTED => {
                let mut text = String::new();
                describe_failure(&mut text, &point, 1);
                self.failed.push(text);
            }
            PointOutcome::Fail => self.failed_more += 1,
            PointOutcome::TodoPassed if self.todo_passed.len() < MAX_LISTED => {
                self.todo_passed.push(format!("  {}\n", point_line(&point)));
            }
            PointOutcome::TodoPassed => self.todo_passed_more += 1,
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, doc: &Document) -> std::io::Result<()> {
        out.write_all(text_summary(doc, self).as_bytes())
    }
}

fn text_summary(doc: &Document, listed: &TextSink) -> String {
    let v = &doc.verdict;
    let mut s = String::new();
    let status = match (&doc.plan, v.ok) {
        (Some(p), true) if p.is_skip_all() => "SKIP",
        (_, true) => "PASS",
        (_, false) => "FAIL",
    };
    let _ = writeln!(s, "{status}");
    match &doc.plan {
        Some(p) if p.is_skip_all() => {
            let reason = p.skip_reason.as_deref().unwrap_or("");
            let _ = writeln!(
                s,
                "plan:    1..0, skipped: {}",
                if reason.is_empty() {
                    "(no reason given)"
                } else {
                    reason
                }
            );
        }
        Some(p) => {
            let _ = writeln!(s, "plan:    {}..{}", p.start, p.end);
        }
        None => {
            let _ = writeln!(s, "plan:    none");
        }
    }
    let _ = writeln!(
        s,
        "points:  {} ({} passed, {} failed, {} todo, {} todo passed, {} skipped)",
        v.count, v.passed, v.failed, v.todo, v.todo_passed, v.skipped
    );
    if let Some(reason) = &v.bailout {
        let _ = writeln!(
            s,
            "bail out: {}",
            if reason.is_empty() {
                "(no reason given)"
            } else {
                reason
            }
        );
    }
    if !v.missing.is_empty() {
        let shown: Vec<String> = v.missing.iter().take(50).map(u64::to_string).collect();
        let more = if v.missing.len() > 50 { ", …" } else { "" };
        let _ = writeln!(s, "missing: {}{more}", shown.join(", "));
    }
    if !listed.failed.is_empty() {
        let _ = writeln!(s, "\nfailed test points:");
        for f in &listed.failed {
            s.push_str(f);
        }
        if listed.failed_more > 0 {
            let _ = writeln!(s, "  … and {} more", listed.failed_more);
        }
    }
    if !listed.todo_passed.is_empty() {
        let _ = writeln!(s, "\nTODO test points that passed (ready to promote):");
        for t in &listed.todo_passed {
            s.push_str(t);
        }
        if listed.todo_passed_more > 0 {
            let _ = writeln!(s, "  … and {} more", listed.todo_passed_more);
        }
    }
    if !v.errors.is_empty() {
        let _ = writeln!(s, "\nerrors:");
        for e in &v.errors {
            let _ = writeln!(s, "  {}{}", line_prefix(e.line), e.message);
        }
    }
    if !v.warnings.is_empty() {
        let _ = writeln!(s, "\nwarnings:");
        for w in &v.warnings {
            let _ = writeln!(s, "  {}{}", line_prefix(w.line), w.message);
        }
    }
    s
}

fn line_prefix(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!("line {line}: ")
    }
}

/// `not ok 3 - description # TODO reason`, as the producer wrote it.
fn point_line(t: &TestPoint) -> String {
    let mut s = format!("{} {}", if t.ok { "ok" } else { "not ok" }, t.number);
    if !t.description.is_empty() {
        let _ = write!(s, " - {}", t.description);
    }
    if let Some(d) = t.directive {
        let _ = write!(s, " # {}", d.tap_word());
        if let Some(r) = t.reason.as_deref().filter(|r| !r.is_empty()) {
            let _ = write!(s, " {r}");
        }
    }
    s
}

/// A failed point, its first diagnostics, and the failures inside its subtest.
fn describe_failure(s: &mut String, t: &TestPoint, level: usize) {
    const YAML_LINES: usize = 12;
    let pad = "  ".repeat(level);
    let _ = writeln!(s, "{pad}{}", point_line(t));
    if let Some(yaml) = &t.yaml {
        let block = yaml.to_block(0);
        let lines: Vec<&str> = block.lines().collect();
        // Skip the `---`/`...` markers.
        let body = &lines[1.min(lines.len())..lines.len().saturating_sub(1)];
        for line in body.iter().take(YAML_LINES) {
            let _ = writeln!(s, "{pad}    {line}");
        }
        if body.len() > YAML_LINES {
            let _ = writeln!(s, "{pad}    …");
        }
    }
    if let Some(sub) = &t.subtest {
        for e in sub.verdict.errors.iter().take(5) {
            let _ = writeln!(s, "{pad}  {}{}", line_prefix(e.line), e.message);
        }
        for inner in sub
            .tests
            .iter()
            .filter(|p| p.outcome == PointOutcome::Fail)
            .take(10)
        {
            describe_failure(s, inner, level + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::parse_bytes;

    #[test]
    fn text_summary_lists_counts_failures_missing_and_errors() {
        let mut doc = parse_bytes(
            b"1..4\nok 1 - a\nnot ok 2 - b\n  ---\n  got: 1\n  ...\nok 3 - c # TODO soon\n",
            true,
        );
        let mut sink = TextSink::default();
        let mut out = Vec::new();
        for t in std::mem::take(&mut doc.tests) {
            sink.point(&mut out, t).expect("vec");
        }
        sink.end(&mut out, &doc).expect("vec");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "FAIL\nplan:    1..4\npoints:  3 (1 passed, 1 failed, 0 todo, 1 todo passed, 0 skipped)\nmissing: 4\n\nfailed test points:\n  not ok 2 - b\n      got: 1\n\nTODO test points that passed (ready to promote):\n  ok 3 - c # TODO soon\n\nerrors:\n  line 1: planned 4 test points but 3 ran; missing: 4\n"
        );
    }

    #[test]
    fn json_is_streamed_with_the_exact_fields() {
        let mut doc = parse_bytes(
            b"1..1\n# Subtest: s\n    1..1\n    ok 1 - in\nok 1 - s\n",
            true,
        );
        let mut sink = JsonSink::default();
        let mut out = Vec::new();
        for t in std::mem::take(&mut doc.tests) {
            sink.point(&mut out, t).expect("vec");
        }
        sink.end(&mut out, &doc).expect("vec");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let mut keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "bailout",
                "count",
                "errors",
                "failed",
                "ok",
                "passed",
                "plan",
                "skipped",
                "tests",
                "todo",
                "todo_passed"
            ]
        );
        let sub = &v["tests"][0]["subtest"];
        assert_eq!(sub["name"], "s");
        assert_eq!(sub["tests"][0]["description"], "in");
        assert_eq!(
            sub["plan"],
            serde_json::json!({"start": 1, "end": 1, "skip_reason": null})
        );
        // An empty stream still gives valid JSON.
        let doc = parse_bytes(b"", true);
        let mut out = Vec::new();
        JsonSink::default().end(&mut out, &doc).expect("vec");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(v["tests"], serde_json::json!([]));
        assert_eq!(v["ok"], false);
    }
}
