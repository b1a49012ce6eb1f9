//! Turning other results into a tck [`Report`], so that old results can be
//! compared with new ones: TAP files (or directories of `*.tap` files), tck
//! archive directories and tck XML, and the Perl libvirt-tck's XML
//! (`libvirt-tck --format xml`).
//!
//! Several inputs make one report (their scripts side by side; an id may
//! appear once). Environment fields an input does not record stay empty:
//! plain TAP knows nothing of where it ran, the Perl XML only its timing.

use super::archive::{is_archive, read_archive};
use super::error::ReportError;
use super::model::*;
use crate::tap::model::{Directive, Plan, PointOutcome, TapError};
use crate::yaml::Yaml;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What an input is; `Auto` decides by looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ImportFormat {
    /// Directory with report.xml → archive; other directory → its *.tap
    /// files; file starting with `<` → tck or Perl XML by its root; else TAP.
    #[default]
    Auto,
    /// A TAP file, or a directory of *.tap files (one script per file).
    Tap,
    /// A tck archive directory (or a tck XML file).
    Tck,
    /// The Perl libvirt-tck's XML report (`--format xml`).
    PerlXml,
}

/// Imports every input into one report.
pub fn import_paths(inputs: &[PathBuf], format: ImportFormat) -> Result<Report, ReportError> {
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        ..Report::default()
    };
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut have_env = false;
    for input in inputs {
        let part = import_one(input, format)?;
        if !have_env && part.environment != Environment::default() {
            report.environment = part.environment;
            have_env = true;
        }
        report.incomplete |= part.incomplete;
        report.not_run.extend(part.not_run);
        for s in part.scripts {
            if let Some(first) = seen.get(&s.id) {
                return Err(ReportError::invalid(
                    input,
                    format!(
                        "script {:?} is also in {}; import them into separate reports",
                        s.id,
                        first.display()
                    ),
                ));
            }
            seen.insert(s.id.clone(), input.clone());
            report.scripts.push(s);
        }
    }
    Ok(report)
}

fn import_one(input: &Path, format: ImportFormat) -> Result<Report, ReportError> {
    let meta = std::fs::metadata(input).map_err(|e| ReportError::io(input, "read", e))?;
    if meta.is_dir() {
        return match format {
            ImportFormat::Tck => read_archive(input),
            ImportFormat::Auto if is_archive(input) => read_archive(input),
            ImportFormat::Auto | ImportFormat::Tap => import_tap_dir(input),
            ImportFormat::PerlXml => Err(ReportError::invalid(
                input,
                "is a directory; the Perl libvirt-tck's XML report is one file",
            )),
        };
    }
    let format = match format {
        ImportFormat::Auto => sniff(input)?,
        f => f,
    };
    match format {
        ImportFormat::Tck => super::xml::read(input),
        ImportFormat::PerlXml => import_perl_xml(input),
        _ => {
            let id = tap_id(input, None);
            Ok(single(import_tap_file(input, &id)?))
        }
    }
}

fn single(s: ScriptResult) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        scripts: vec![s],
        ..Report::default()
    }
}

/// Looks at the first bytes of a file: XML (by its root element) or TAP.
fn sniff(path: &Path) -> Result<ImportFormat, ReportError> {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let mut f = std::fs::File::open(path).map_err(|e| ReportError::io(path, "open", e))?;
    let n = f
        .read(&mut head)
        .map_err(|e| ReportError::io(path, "read", e))?;
    let text = String::from_utf8_lossy(&head[..n]);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('<') {
        return Ok(ImportFormat::Tap);
    }
    if t.contains("<tck-report") {
        Ok(ImportFormat::Tck)
    } else if t.contains("<results") {
        Ok(ImportFormat::PerlXml)
    } else {
        Err(ReportError::invalid(
            path,
            "is XML but neither a tck report (<tck-report>) nor a Perl libvirt-tck report (<results>)",
        ))
    }
}

/// The script id of a TAP file: its path relative to `root` (or as given),
/// `/`-separated, without a `.tap` extension.
fn tap_id(path: &Path, root: Option<&Path>) -> String {
    let rel = root.and_then(|r| path.strip_prefix(r).ok()).unwrap_or(path);
    let mut id = rel
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/");
    if let Some(stripped) = id.strip_suffix(".tap") {
        id = stripped.to_string();
    }
    id
}

/// One TAP file as one script.
pub fn import_tap_file(path: &Path, id: &str) -> Result<ScriptResult, ReportError> {
    let bytes = std::fs::read(path).map_err(|e| ReportError::io(path, "read", e))?;
    Ok(crate::harness::judge::result_of_tap(id, "", &bytes))
}

/// Every `*.tap` file under `dir` (sorted by path), one script each.
pub fn import_tap_dir(dir: &Path) -> Result<Report, ReportError> {
    let mut report = single_empty();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let p = e.path().unwrap_or(dir).to_path_buf();
            ReportError::io(&p, "read", e.into())
        })?;
        let p = entry.path();
        if entry.file_type().is_file() && p.extension().is_some_and(|e| e == "tap") {
            let id = tap_id(p, Some(dir));
            report.scripts.push(import_tap_file(p, &id)?);
        }
    }
    if report.scripts.is_empty() {
        return Err(ReportError::invalid(
            dir,
            "has no *.tap files (and no report.xml, so it is not a tck archive either)",
        ));
    }
    Ok(report)
}

fn single_empty() -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        ..Report::default()
    }
}

/// Seconds since the epoch (fractional, as the Perl kit records them) as
/// an RFC 3339 UTC timestamp; "" for a time before the epoch or no number.
pub fn rfc3339(epoch: f64) -> String {
    if !epoch.is_finite() || epoch < 0.0 {
        return String::new();
    }
    // `as` saturates: an absurdly late time gives a far year, not a panic.
    crate::harness::clock::epoch_rfc3339(epoch.floor() as u64)
}

/// The tck id of a Perl libvirt-tck script path: `scripts/domain/050-x.t`
/// → `domain/050-x`, so that old and new reports align in `tck compare`.
pub fn perl_script_id(name: &str) -> String {
    let n = name.strip_prefix("./").unwrap_or(name);
    let n = n.strip_prefix("scripts/").unwrap_or(n);
    n.strip_suffix(".t").unwrap_or(n).to_string()
}

/// State while reading one Perl `<test name=…>` element.
#[derive(Default)]
struct PerlScript {
    name: String,
    plan: Option<Plan>,
    tests: Vec<TestResult>,
    bailout: Option<String>,
    exit: Option<Exit>,
    start: Option<f64>,
    end: Option<f64>,
    parse_errors: Vec<TapError>,
    /// `# comment` lines after the last test point (Test::More's failure
    /// diagnostics), attached to that point as `diag`.
    comments: Vec<String>,
}

impl PerlScript {
    fn flush_comments(&mut self) {
        if self.comments.is_empty() {
            return;
        }
        let text = self.comments.join("\n");
        self.comments.clear();
        let Some(t) = self.tests.last_mut() else {
            return; // Comments before the first point are not part of the model.
        };
        match &mut t.yaml {
            Some(Yaml::Map(entries)) => entries.push(("diag".into(), Yaml::Str(text))),
            Some(other) => {
                let prev = std::mem::replace(other, Yaml::Null);
                *other = Yaml::Map(vec![
                    ("yaml".into(), prev),
                    ("diag".into(), Yaml::Str(text)),
                ]);
            }
            None => t.yaml = Some(Yaml::Map(vec![("diag".into(), Yaml::Str(text))])),
        }
    }

    fn finish(mut self) -> ScriptResult {
        self.flush_comments();
        for t in &mut self.tests {
            t.identity = identity_of(t.number, &t.description, t.yaml.as_ref());
        }
        let id = perl_script_id(&self.name);
        let counts = Counts::of(&self.tests);
        let exit = self.exit.clone().unwrap_or(Exit::Unknown);
        let planned = self.plan.as_ref().map(Plan::count);
        let (status, reason) = if let Some(b) = &self.bailout {
            (
                ScriptStatus::Bailout,
                format!("Bail out! {b}").trim_end().to_string(),
            )
        } else if let Exit::Signal { signal, name } = &exit {
            (
                ScriptStatus::Crash,
                format!("killed by signal {signal} ({name})"),
            )
        } else if counts.fail > 0 {
            (
                ScriptStatus::Fail,
                format!("{} of {} test points failed", counts.fail, counts.total),
            )
        } else if self.plan.as_ref().is_some_and(Plan::is_skip_all) {
            let r = self
                .plan
                .as_ref()
                .and_then(|p| p.skip_reason.clone())
                .unwrap_or_default();
            (ScriptStatus::Skip, r)
        } else if planned.is_none() {
            (ScriptStatus::Error, "no plan".to_string())
        } else if planned != Some(counts.total) {
            (
                ScriptStatus::Error,
                format!(
                    "planned {} test points but ran {}",
                    planned.unwrap_or(0),
                    counts.total
                ),
            )
        } else if let Exit::Code { code } = exit {
            if code != 0 {
                (ScriptStatus::Fail, format!("exit status {code}"))
            } else {
                (ScriptStatus::Pass, String::new())
            }
        } else {
            (ScriptStatus::Pass, String::new())
        };
        let mut s = ScriptResult::without_output(&id, "", status, &reason);
        s.exit = exit;
        s.plan = self.plan;
        s.counts = counts;
        s.tests = self.tests;
        s.parse_errors = self.parse_errors;
        if let (Some(a), Some(b)) = (self.start, self.end) {
            s.duration = (b - a).max(0.0);
        }
        s
    }
}

/// Reads the Perl libvirt-tck's XML report (`libvirt-tck --format xml`).
///
/// Mapping: `<test name>` → a script (id by [`perl_script_id`]); `<plan
/// count>` and its `<skip>` → the plan; each `<test id>` → a point (`<pass/>`
/// / `<fail/>`, `<desc>` without its leading "- ", `<todo pass="yes|no">` →
/// todo-passed / todo, `<skip>` → skip, `<unplanned/>` → a parse error);
/// `<yaml>` → the point's diagnostics; `<comment>`s after a point → its
/// diagnostics' `diag` text; `<bailout>` → status bailout; `<summary>`'s
/// `<status wait exit>` → the exit (a signal when `wait & 127`), `<timing>`
/// → duration and the environment's start/end. Version, pragma and
/// `<unknown>` (non-TAP) lines and comments before the first point are not
/// part of the model, as with tck's own TAP.
pub fn import_perl_xml(path: &Path) -> Result<Report, ReportError> {
    let text = std::fs::read(path).map_err(|e| ReportError::io(path, "read", e))?;
    let mut r = quick_xml::Reader::from_reader(text.as_slice());
    r.config_mut().trim_text(false);
    let mut report = single_empty();
    let mut stack: Vec<String> = Vec::new();
    let mut cur: Option<PerlScript> = None;
    let mut point: Option<TestResult> = None;
    let mut buf_text = String::new();
    let mut in_summary = false;
    let mut first_start: Option<f64> = None;
    let mut last_end: Option<f64> = None;
    let mut saw_root = false;
    let err_at = |offset: u64, msg: String| {
        let before = &text[..(offset as usize).min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
        ReportError::Invalid {
            path: path.to_path_buf(),
            line,
            column: col,
            message: msg,
        }
    };
    loop {
        let pos = r.buffer_position();
        let ev = r.read_event().map_err(|e| {
            let (line, column) = match err_at(r.error_position(), String::new()) {
                ReportError::Invalid { line, column, .. } => (line, column),
                _ => (0, 0),
            };
            ReportError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.to_string(),
            }
        })?;
        match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = s.name().as_ref().to_string();
                let attr = |k: &str| -> Option<String> {
                    s.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                        .map(|v| v.into_owned())
                };
                let parent = stack.last().map(String::as_str);
                match (parent, name.as_str()) {
                    (None, "results") => saw_root = true,
                    (None, other) => {
                        return Err(err_at(
                            pos,
                            format!("not a Perl libvirt-tck report: the root element is <{other}>, expected <results>"),
                        ))
                    }
                    (Some("results"), "test") => {
                        cur = Some(PerlScript {
                            name: attr("name").unwrap_or_default(),
                            ..PerlScript::default()
                        });
                    }
                    (Some("test"), "test") if cur.is_some() && point.is_none() => {
                        let mut next = 1;
                        if let Some(c) = cur.as_mut() {
                            c.flush_comments();
                            next = c.tests.len() as u64 + 1;
                        }
                        let n = attr("id").and_then(|v| v.trim().parse().ok()).unwrap_or(next);
                        point = Some(TestResult {
                            number: n,
                            description: String::new(),
                            outcome: PointOutcome::Pass,
                            directive: None,
                            reason: None,
                            yaml: None,
                            identity: String::new(),
                            subtest: None,
                            mask: None,
                        });
                    }
                    (Some("test"), "pass") => {}
                    (Some("test"), "fail") => {
                        if let Some(p) = &mut point {
                            p.outcome = PointOutcome::Fail;
                        }
                    }
                    (Some("test"), "unplanned") => {
                        if let (Some(c), Some(p)) = (&mut cur, &point) {
                            c.parse_errors.push(TapError {
                                line: 0,
                                message: format!("test point {} was not planned", p.number),
                            });
                        }
                    }
                    (Some("test"), "todo") => {
                        if let Some(p) = &mut point {
                            p.directive = Some(Directive::Todo);
                            p.reason = Some(String::new());
                            p.outcome = if attr("pass").as_deref() == Some("yes") {
                                PointOutcome::TodoPassed
                            } else {
                                PointOutcome::Todo
                            };
                        }
                    }
                    (Some("test"), "skip") if point.is_some() => {
                        if let Some(p) = &mut point {
                            p.directive = Some(Directive::Skip);
                            p.outcome = PointOutcome::Skip;
                            p.reason = Some(String::new());
                        }
                    }
                    (Some("test"), "plan") if !in_summary => {
                        let count: u64 = attr("count").and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                        if let Some(c) = &mut cur {
                            c.plan = Some(Plan {
                                start: 1,
                                end: count,
                                skip_reason: None,
                            });
                        }
                    }
                    (Some("test"), "summary") => in_summary = true,
                    (Some("summary"), "status") => {
                        let wait: i64 = attr("wait").and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                        let exit: i32 = attr("exit").and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                        if let Some(c) = &mut cur {
                            let sig = (wait & 0x7f) as i32;
                            c.exit = Some(if sig != 0 {
                                Exit::Signal {
                                    signal: sig,
                                    name: signal_name(sig),
                                }
                            } else {
                                Exit::Code { code: exit }
                            });
                        }
                    }
                    (Some("summary"), "timing") => {
                        let start = attr("start").and_then(|v| v.trim().parse::<f64>().ok());
                        let end = attr("end").and_then(|v| v.trim().parse::<f64>().ok());
                        if let Some(c) = &mut cur {
                            c.start = start;
                            c.end = end;
                        }
                        if let Some(s) = start {
                            first_start = Some(first_start.map_or(s, |f: f64| f.min(s)));
                        }
                        if let Some(e) = end {
                            last_end = Some(last_end.map_or(e, |l: f64| l.max(e)));
                        }
                    }
                    _ => {}
                }
                if !empty {
                    stack.push(name);
                    buf_text.clear();
                }
            }
            Event::Text(t) => buf_text.push_str(&t.xml10_content()),
            Event::CData(t) => buf_text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => {
                if let Ok(Some(c)) = g.resolve_char_ref() {
                    buf_text.push(c);
                } else if let Some(s) =
                    quick_xml::escape::resolve_predefined_entity(&g.xml10_content())
                {
                    buf_text.push_str(s);
                }
            }
            Event::End(e) => {
                let name = e.name().as_ref().to_string();
                stack.pop();
                let parent = stack.last().map(String::as_str);
                let text_val = std::mem::take(&mut buf_text);
                match (parent, name.as_str()) {
                    (Some("test"), "desc") => {
                        if let Some(p) = &mut point {
                            let d = text_val.trim();
                            p.description = d.strip_prefix("- ").unwrap_or(d).to_string();
                        }
                    }
                    (Some("test"), "todo") | (Some("test"), "skip") if point.is_some() => {
                        if let Some(p) = &mut point {
                            p.reason = Some(text_val.trim().to_string());
                        }
                    }
                    (Some("plan"), "skip") if !in_summary => {
                        if let Some(Some(plan)) = cur.as_mut().map(|c| c.plan.as_mut()) {
                            plan.skip_reason = Some(text_val.trim().to_string());
                        }
                    }
                    (Some("test"), "test") => {
                        if let (Some(c), Some(p)) = (&mut cur, point.take()) {
                            c.tests.push(p);
                        }
                    }
                    (Some("test"), "comment") if point.is_none() => {
                        if let Some(c) = &mut cur {
                            let t = text_val.trim_end();
                            if !t.is_empty() {
                                c.comments.push(t.to_string());
                            }
                        }
                    }
                    (Some("test"), "yaml") if point.is_none() => {
                        if let Some(c) = &mut cur {
                            c.flush_comments();
                            if let Some(t) = c.tests.last_mut() {
                                t.yaml =
                                    Some(Yaml::parse(&text_val).unwrap_or(Yaml::Str(text_val)));
                            }
                        }
                    }
                    (Some("test"), "bailout") => {
                        if let Some(c) = &mut cur {
                            c.bailout = Some(text_val.trim().to_string());
                        }
                    }
                    (Some("test"), "summary") => in_summary = false,
                    (Some("results"), "test") => {
                        if let Some(c) = cur.take() {
                            report.scripts.push(c.finish());
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(ReportError::invalid(
            path,
            "empty file: not a Perl libvirt-tck report",
        ));
    }
    if !stack.is_empty() {
        return Err(ReportError::invalid(
            path,
            format!(
                "the file ends inside <{}> (truncated report?)",
                stack.join("><")
            ),
        ));
    }
    report.environment.start = first_start.map(rfc3339).unwrap_or_default();
    report.environment.end = last_end.map(rfc3339).unwrap_or_default();
    Ok(report)
}

fn signal_name(sig: i32) -> String {
    let name = match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}
