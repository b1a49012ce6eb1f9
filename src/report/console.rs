//! The console reporter of `tck run`: a line per script as it finishes, a
//! summary, then each failure with its first diagnostics.
//!
//! It is an [`Observer`] of the run, called on one thread with one whole
//! script at a time, so lines never interleave whatever `-j` is. Colour
//! and the live progress line (`[12/95] running: domain/050-…`) are for
//! terminals only: the caller decides with [`use_colour`] and
//! [`std::io::IsTerminal`]. Everything printed that came from a script
//! (raw TAP, descriptions, stderr) is made safe for a terminal first:
//! invalid UTF-8 is replaced and control characters are shown escaped.

use std::io::Write;
use std::time::{Duration, SystemTime};

use crate::harness::clock;
use crate::harness::discover::Script;
use crate::harness::runner::{Observer, ScriptOutput};
use crate::report::model::{Counts, Report, ScriptResult, ScriptStatus, TestResult};
use crate::tap::model::PointOutcome;

/// How much `tck run` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verbosity {
    /// `-q`: the summary only.
    Quiet,
    /// A line per script, the summary, the failures.
    Normal,
    /// `-v`: also each script's raw TAP.
    Verbose,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColourChoice {
    Auto,
    Always,
    Never,
}

/// Whether to colour: `always`/`never` as asked; `auto` colours a terminal
/// unless `NO_COLOR` is set (to anything non-empty).
pub fn use_colour(choice: ColourChoice, is_terminal: bool, no_color: Option<&str>) -> bool {
    match choice {
        ColourChoice::Always => true,
        ColourChoice::Never => false,
        ColourChoice::Auto => is_terminal && !matches!(no_color, Some(v) if !v.is_empty()),
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ConsoleOptions {
    pub verbosity: Verbosity,
    pub colour: bool,
    /// Live progress line (terminals only).
    pub progress: bool,
    /// `--timer`: a wall-clock time stamp on every script line, and the
    /// slowest scripts in the summary.
    pub timer: bool,
}

/// Diagnostics shown per failed script.
const FAILED_POINTS_SHOWN: usize = 3;
const YAML_LINES_SHOWN: usize = 12;
const STDERR_LINES_SHOWN: usize = 10;
const NOT_RUN_SHOWN: usize = 20;
const LEAKS_SHOWN: usize = 10;

pub struct Console<W: Write> {
    out: W,
    opts: ConsoleOptions,
    total: usize,
    done: usize,
    running: Vec<String>,
    progress_shown: bool,
    interrupted: Option<Box<dyn Fn() -> bool>>,
    /// `--flaky-fails`: flaky scripts are shown as failures.
    flaky_fails: bool,
    /// `--repeat`: the summary has a table of pass rates.
    pass_rates: bool,
    /// First write error (stdout closed…): later output is dropped.
    failed: bool,
}

impl Verbosity {
    pub fn parse(s: &str) -> Option<Verbosity> {
        match s {
            "quiet" => Some(Verbosity::Quiet),
            "normal" => Some(Verbosity::Normal),
            "verbose" => Some(Verbosity::Verbose),
            _ => None,
        }
    }
}

impl<W: Write> Console<W> {
    pub fn new(out: W, opts: ConsoleOptions) -> Self {
        Console {
            out,
            opts,
            total: 0,
            done: 0,
            running: Vec::new(),
            progress_shown: false,
            interrupted: None,
            flaky_fails: false,
            pass_rates: false,
            failed: false,
        }
    }

    /// Tells the summary whether the run was interrupted.
    pub fn with_interrupted(mut self, f: impl Fn() -> bool + 'static) -> Self {
        self.interrupted = Some(Box::new(f));
        self
    }

    /// Under `--flaky-fails`, flaky scripts are listed as failures.
    pub fn with_flaky_fails(mut self, yes: bool) -> Self {
        self.flaky_fails = yes;
        self
    }

    /// Under `--repeat`, the summary lists every script's pass rate.
    pub fn with_pass_rates(mut self, yes: bool) -> Self {
        self.pass_rates = yes;
        self
    }

    /// Is this status a failure for this run?
    fn fails(&self, s: ScriptStatus) -> bool {
        s.is_failure() || (self.flaky_fails && s == ScriptStatus::Flaky)
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.opts.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// The status in capitals, coloured, right-aligned to `width`.
    fn status_word(&self, s: ScriptStatus, width: usize) -> String {
        let word = s.as_str().to_ascii_uppercase();
        let code = match s {
            ScriptStatus::Flaky if self.flaky_fails => "1;31",
            ScriptStatus::Flaky => "33",
            ScriptStatus::Pass => "32",
            ScriptStatus::Skip => "33",
            _ => "1;31",
        };
        self.paint(&format!("{word:>width$}"), code)
    }

    fn emit(&mut self, text: &str) {
        if self.failed {
            return;
        }
        if self.out.write_all(text.as_bytes()).is_err() {
            self.failed = true;
        }
    }

    fn clear_progress(&mut self) {
        if self.progress_shown {
            self.emit("\r\x1b[K");
            self.progress_shown = false;
        }
    }

    fn show_progress(&mut self) {
        if !self.opts.progress || self.running.is_empty() {
            let _ = self.out.flush();
            return;
        }
        let mut line = format!(
            "[{}/{}] running: {}",
            self.done,
            self.total,
            self.running.join(", ")
        );
        let width = terminal_width().saturating_sub(1).max(20);
        if line.chars().count() > width {
            line = shorten(&line, width - 1);
        }
        self.emit(&format!("\r\x1b[K{line}"));
        self.progress_shown = true;
        let _ = self.out.flush();
    }

    /// A failure a known-broken entry explains (`--known-broken`).
    fn masked(r: &ScriptResult) -> bool {
        r.status.is_failure() && r.mask.is_some()
    }

    fn script_line(&self, r: &ScriptResult) -> String {
        let mut line = String::new();
        if self.opts.timer {
            line.push_str(&format!(
                "[{}] ",
                clock::local_time_of_day(SystemTime::now())
            ));
        }
        let mut detail =
            if matches!(r.status, ScriptStatus::Pass | ScriptStatus::Flaky) && r.counts.total > 0 {
                counts_text(&r.counts)
            } else {
                r.reason.clone()
            };
        let runs = runs_text(r);
        if !runs.is_empty() {
            if !detail.is_empty() {
                detail.push_str("  ");
            }
            detail.push_str(&runs);
        }
        let word = if Self::masked(r) {
            // An expected failure, as pytest and deqp-runner call it.
            self.paint(&format!("{:>7}", "XFAIL"), "33")
        } else {
            self.status_word(r.status, 7)
        };
        line.push_str(&format!(
            "{} [{:>7}] {}",
            word,
            duration_text(r.duration),
            safe_line(&r.id)
        ));
        if !detail.is_empty() {
            line.push_str(&format!("  {}", safe_line(&detail)));
        }
        if let Some(m) = r.mask.as_ref().filter(|_| Self::masked(r)) {
            line.push_str(&format!(
                "  {}",
                self.paint(
                    &format!("(known broken: {})", shorten(&safe_line(&m.reason), 100)),
                    "33"
                )
            ));
        }
        if !r.leaked.is_empty() {
            line.push_str(&format!(
                "  {}",
                self.paint(&format!("({} leaked)", r.leaked.len()), "33")
            ));
        }
        line.push('\n');
        line
    }

    fn raw_block(&mut self, r: &ScriptResult, output: &ScriptOutput) {
        let Some(tap) = &output.tap else {
            return;
        };
        self.emit(&format!("── {} ──\n", safe_line(&r.id)));
        let mut raw = Vec::new();
        if let Err(e) = tap.copy_to(&mut raw) {
            self.emit(&format!("(raw TAP unavailable: {e})\n"));
        }
        let mut text = safe_text(&raw);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        self.emit(&text);
        if let Some(e) = tap.error() {
            self.emit(&format!("(raw TAP incomplete: {e})\n"));
        }
    }

    /// The summary and the failures; `wall` is the run's wall time, when
    /// known.
    fn summary(&mut self, report: &Report, wall: Option<Duration>) {
        let interrupted = self.interrupted.as_ref().is_some_and(|f| f());
        let mut s = String::new();
        let n = report.scripts.len() + report.not_run.len();
        s.push_str(&format!(
            "\n{}: {} script{}{} (-j{})\n",
            if interrupted {
                self.paint("Interrupted", "1;31")
            } else {
                "Summary".to_string()
            },
            n,
            if n == 1 { "" } else { "s" },
            wall.map(|w| format!(" in {}", duration_text(w.as_secs_f64())))
                .unwrap_or_default(),
            report.environment.jobs
        ));
        let mut by_status = Vec::new();
        for st in ScriptStatus::ALL {
            let c = report
                .scripts
                .iter()
                .filter(|r| r.status == st && !Self::masked(r))
                .count();
            if c > 0 {
                let text = format!("{c} {}", st.as_str());
                by_status.push(if self.fails(st) {
                    self.paint(&text, "1;31")
                } else {
                    text
                });
            }
        }
        let known = report.scripts.iter().filter(|r| Self::masked(r)).count();
        if known > 0 {
            by_status.push(self.paint(&format!("{known} known broken"), "33"));
        }
        if !report.not_run.is_empty() {
            by_status.push(self.paint(&format!("{} not run", report.not_run.len()), "33"));
        }
        s.push_str(&format!("  scripts:     {}\n", by_status.join(", ")));
        let flaky: Vec<String> = report
            .scripts
            .iter()
            .filter(|r| r.status == ScriptStatus::Flaky)
            .map(|r| {
                let (passed, runs) = r.pass_rate();
                format!(
                    "{} (failed {} of {runs} runs)",
                    safe_line(&r.id),
                    runs - passed
                )
            })
            .collect();
        if !flaky.is_empty() {
            let label = if self.flaky_fails {
                self.paint("flaky:", "1;31")
            } else {
                "flaky:".to_string()
            };
            s.push_str(&format!("  {label}       {}", flaky.join(", ")));
            s.push_str(if self.flaky_fails {
                "; counted as failures (--flaky-fails)\n"
            } else {
                "; counted as passes (--flaky-fails counts them as failures)\n"
            });
        }
        let points: Counts = report.scripts.iter().map(|r| r.counts).sum();
        s.push_str(&format!("  test points: {} total", points.total));
        if points.total > 0 {
            s.push_str(&format!(": {}", counts_text(&points)));
        }
        let masked_points: usize = report.scripts.iter().map(|r| masked_points(&r.tests)).sum();
        if masked_points > 0 {
            s.push_str(&format!(" ({masked_points} failed known broken)"));
        }
        s.push('\n');
        let leaks: Vec<String> = report
            .scripts
            .iter()
            .flat_map(|r| {
                r.leaked.iter().map(move |l| {
                    format!("{}: {} {}", safe_line(&r.id), l.kind, safe_line(&l.name))
                })
            })
            .collect();
        if !leaks.is_empty() {
            s.push_str(&format!(
                "  leaked:      {} object{}
",
                leaks.len(),
                if leaks.len() == 1 { "" } else { "s" }
            ));
            for l in leaks.iter().take(LEAKS_SHOWN) {
                s.push_str(&format!("    {l}\n"));
            }
            if leaks.len() > LEAKS_SHOWN {
                s.push_str(&format!("    … and {} more\n", leaks.len() - LEAKS_SHOWN));
            }
        }
        if !report.not_run.is_empty() {
            let why = report.not_run[0]
                .reason
                .strip_prefix("not started: ")
                .unwrap_or(&report.not_run[0].reason)
                .to_string();
            let ids: Vec<&str> = report
                .not_run
                .iter()
                .take(NOT_RUN_SHOWN)
                .map(|n| n.id.as_str())
                .collect();
            s.push_str(&format!(
                "  not run ({}): {}",
                safe_line(&why),
                safe_line(&ids.join(", "))
            ));
            if report.not_run.len() > NOT_RUN_SHOWN {
                s.push_str(&format!(
                    " and {} more",
                    report.not_run.len() - NOT_RUN_SHOWN
                ));
            }
            s.push('\n');
        }
        if self.opts.timer {
            let mut slow: Vec<&ScriptResult> = report.scripts.iter().collect();
            slow.sort_by(|a, b| b.duration.total_cmp(&a.duration));
            let shown: Vec<String> = slow
                .iter()
                .take(5)
                .map(|r| format!("{} {}", safe_line(&r.id), duration_text(r.duration)))
                .collect();
            if !shown.is_empty() {
                s.push_str(&format!("  slowest:     {}\n", shown.join(", ")));
            }
        }
        if self.pass_rates {
            s.push_str(&pass_rate_table(report));
        }
        self.emit(&s);

        let failures: Vec<&ScriptResult> = report
            .scripts
            .iter()
            .filter(|r| self.fails(r.status) && !Self::masked(r))
            .collect();
        if failures.is_empty() {
            return;
        }
        if self.opts.verbosity == Verbosity::Quiet {
            let ids: Vec<String> = failures
                .iter()
                .map(|r| format!("{} ({})", safe_line(&r.id), r.status.as_str()))
                .collect();
            self.emit(&format!("  failed:      {}\n", ids.join(", ")));
            return;
        }
        self.emit("\nFailures:\n");
        for r in failures {
            let block = self.failure_block(r);
            self.emit(&block);
        }
    }

    fn failure_block(&self, r: &ScriptResult) -> String {
        if r.status == ScriptStatus::Flaky {
            return self.flaky_block(r);
        }
        let mut s = format!(
            "\n{} {}: {}\n",
            self.status_word(r.status, 0),
            safe_line(&r.id),
            safe_line(&r.reason)
        );
        let mut failed = Vec::new();
        collect_failed(&r.tests, "", &mut failed);
        for (path, t) in failed.iter().take(FAILED_POINTS_SHOWN) {
            s.push_str(&format!(
                "    not ok {}{}{}\n",
                path,
                t.number,
                if t.description.is_empty() {
                    String::new()
                } else {
                    format!(" - {}", safe_line(&t.description))
                }
            ));
            if let Some(y) = &t.yaml {
                let text = super::render::yaml_text(y, 0);
                let lines: Vec<&str> = text.lines().collect();
                for l in lines.iter().take(YAML_LINES_SHOWN) {
                    s.push_str(&format!("        {}\n", safe_line(l)));
                }
                if lines.len() > YAML_LINES_SHOWN {
                    s.push_str(&format!(
                        "        … ({} more lines)\n",
                        lines.len() - YAML_LINES_SHOWN
                    ));
                }
            }
        }
        if failed.len() > FAILED_POINTS_SHOWN {
            s.push_str(&format!(
                "    … and {} more failed test points\n",
                failed.len() - FAILED_POINTS_SHOWN
            ));
        }
        // The reason already quotes the first error when it is about TAP.
        let skip = usize::from(
            r.parse_errors
                .first()
                .is_some_and(|e| r.reason.contains(&e.message)),
        );
        for e in r.parse_errors.iter().skip(skip).take(3) {
            if e.line > 0 {
                s.push_str(&format!(
                    "    TAP line {}: {}\n",
                    e.line,
                    safe_line(&e.message)
                ));
            } else {
                s.push_str(&format!("    TAP: {}\n", safe_line(&e.message)));
            }
        }
        if r.parse_errors.len() > 3 {
            s.push_str(&format!(
                "    … and {} more TAP errors\n",
                r.parse_errors.len() - 3
            ));
        }
        for l in &r.leaked {
            s.push_str(&format!("    leaked {} {}\n", l.kind, safe_line(&l.name)));
        }
        let stderr = r.stderr_tail.trim_end();
        if !stderr.is_empty() {
            let lines: Vec<&str> = stderr.lines().collect();
            let from = lines.len().saturating_sub(STDERR_LINES_SHOWN);
            s.push_str(&format!(
                "    stderr ({}):\n",
                if from > 0 {
                    format!("last {STDERR_LINES_SHOWN} lines")
                } else {
                    "all".to_string()
                }
            ));
            for l in &lines[from..] {
                s.push_str(&format!("      {}\n", safe_line(l)));
            }
        }
        s
    }
}

impl<W: Write> Console<W> {
    /// A flaky script under `--flaky-fails`: its failed runs, each with its
    /// first failed points.
    fn flaky_block(&self, r: &ScriptResult) -> String {
        let mut s = format!(
            "\n{} {}: {}\n",
            self.status_word(r.status, 0),
            safe_line(&r.id),
            runs_text(r)
        );
        for (i, a) in r.attempts.iter().enumerate() {
            if !a.status.is_failure() {
                continue;
            }
            s.push_str(&format!(
                "    run {}: {} {}\n",
                i + 1,
                a.status.as_str(),
                safe_line(&a.reason)
            ));
            let mut failed = Vec::new();
            collect_failed(&a.tests, "", &mut failed);
            for (path, t) in failed.iter().take(FAILED_POINTS_SHOWN) {
                s.push_str(&format!(
                    "        not ok {path}{} {}\n",
                    t.number,
                    safe_line(&t.description)
                ));
            }
        }
        s
    }
}

impl<W: Write> Observer for Console<W> {
    fn note(&mut self, message: &str) {
        self.clear_progress();
        let _ = self.out.flush();
        eprintln!("note: {message}");
        self.show_progress();
    }

    fn run_started(&mut self, scripts: &[Script], _jobs: usize) {
        self.total = scripts.len();
    }

    fn script_started(&mut self, script: &Script) {
        self.running.push(script.id.clone());
        self.show_progress();
    }

    fn script_finished(&mut self, result: &ScriptResult, output: &ScriptOutput) {
        self.done += 1;
        if let Some(i) = self.running.iter().position(|id| *id == result.id) {
            self.running.remove(i);
        }
        self.clear_progress();
        if self.opts.verbosity == Verbosity::Verbose {
            self.raw_block(result, output);
        }
        if self.opts.verbosity != Verbosity::Quiet {
            let line = self.script_line(result);
            self.emit(&line);
        }
        self.show_progress();
    }

    fn run_finished(&mut self, report: &Report, wall: Duration) {
        self.running.clear();
        self.clear_progress();
        self.summary(report, Some(wall));
        let _ = self.out.flush();
    }
}

/// A saved report as `tck run` printed it: a line per script, the
/// summary and the failures, without colour, progress or times of day
/// (the run's wall time is not in the report). `tck render --format text`.
pub fn replay(report: &Report) -> String {
    let opts = ConsoleOptions {
        verbosity: Verbosity::Normal,
        colour: false,
        progress: false,
        timer: false,
    };
    let mut c = Console::new(Vec::new(), opts);
    for r in &report.scripts {
        let line = c.script_line(r);
        c.emit(&line);
    }
    c.summary(report, None);
    String::from_utf8_lossy(&c.into_inner()).into_owned()
}

/// How a script ran more than once: "(failed 1 of 2 runs: fail, exit
/// status 1)", "(passed all 3 runs)"; "" for a script run once.
fn runs_text(r: &ScriptResult) -> String {
    if r.attempts.is_empty() {
        return String::new();
    }
    let (passed, runs) = r.pass_rate();
    if passed == runs {
        return format!("(passed all {runs} runs)");
    }
    if passed == 0 {
        return format!("(failed all {runs} runs)");
    }
    let mut s = format!("(failed {} of {runs} runs", runs - passed);
    if let Some(a) = r.attempts.iter().find(|a| a.status.is_failure()) {
        s.push_str(&format!(": {}", a.status.as_str()));
        if !a.reason.is_empty() {
            s.push_str(&format!(", {}", a.reason));
        }
    }
    s.push(')');
    s
}

/// Every script's pass rate, lowest first (`--repeat`).
pub fn pass_rate_table(report: &Report) -> String {
    let mut rows: Vec<(usize, usize, &ScriptResult)> = report
        .scripts
        .iter()
        .map(|r| {
            let (p, n) = r.pass_rate();
            (p, n, r)
        })
        .collect();
    // Lowest rate first; ties keep report order (stable sort).
    rows.sort_by(|a, b| (a.0 * b.1).cmp(&(b.0 * a.1)));
    let runs = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let mut s = format!("  pass rates (over {runs} runs, lowest first):\n");
    for (p, n, r) in rows {
        let pct = (p * 100).checked_div(n).unwrap_or(0);
        s.push_str(&format!(
            "    {:>9} {pct:>3}%  {}  {}\n",
            format!("{p}/{n}"),
            safe_line(&r.id),
            r.status.as_str()
        ));
    }
    s
}

/// "5 passed, 1 failed, 2 skipped" (only the non-zero parts).
pub fn counts_text(c: &Counts) -> String {
    let parts: Vec<String> = [
        (c.pass, "passed"),
        (c.fail, "failed"),
        (c.skip, "skipped"),
        (c.todo, "todo"),
        (c.todo_passed, "todo passed"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "no test points".into()
    } else {
        parts.join(", ")
    }
}

/// "0.12s", "12.3s", "4m05s".
pub fn duration_text(secs: f64) -> String {
    if secs < 10.0 {
        format!("{secs:.2}s")
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let s = secs.round() as u64;
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// Failed points, depth first, with their subtest path ("2.1." for point 1
/// of the subtest of point 2).
fn collect_failed<'a>(
    tests: &'a [TestResult],
    path: &str,
    out: &mut Vec<(String, &'a TestResult)>,
) {
    for t in tests {
        if let Some(sub) = &t.subtest {
            let before = out.len();
            collect_failed(&sub.tests, &format!("{path}{}.", t.number), out);
            if out.len() > before {
                continue;
            }
        }
        if t.outcome == PointOutcome::Fail {
            out.push((path.to_string(), t));
        }
    }
}

/// Text from a script made safe for a terminal, on one line.
pub fn safe_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        escape_char(c, &mut out);
    }
    out
}

/// Bytes from a script made safe for a terminal; newlines and tabs kept.
pub fn safe_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\n' || c == '\t' {
            out.push(c);
        } else {
            escape_char(c, &mut out);
        }
    }
    out
}

fn escape_char(c: char, out: &mut String) {
    if c.is_control() {
        let n = u32::from(c);
        if n < 0x100 {
            out.push_str(&format!("\\x{n:02x}"));
        } else {
            out.push_str(&format!("\\u{{{n:x}}}"));
        }
    } else {
        out.push(c);
    }
}

/// At most `max` characters of `text`, with an ellipsis when cut (the
/// whole text is in the reports).
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

/// Failing test points masked by a known-broken entry (every level).
fn masked_points(tests: &[TestResult]) -> usize {
    tests
        .iter()
        .map(|t| {
            usize::from(t.outcome == PointOutcome::Fail && t.mask.is_some())
                + t.subtest.as_ref().map_or(0, |s| masked_points(&s.tests))
        })
        .sum()
}

/// Columns of the terminal on stdout (80 when unknown).
fn terminal_width() -> usize {
    // SAFETY: TIOCGWINSZ fills a plain winsize struct; a zeroed one is a
    // valid initial value and is only read when the call succeeds.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 {
            return usize::from(ws.ws_col);
        }
    }
    80
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_reasons_are_shortened_on_a_character_boundary() {
        assert_eq!(super::shorten("short", 10), "short");
        assert_eq!(super::shorten("ééééé", 3), "ééé…");
        assert_eq!(super::shorten("a b c", 2), "a…");
    }

    use super::*;
    use crate::report::model::{Environment, NotRun};
    use crate::yaml::Yaml;

    fn opts(verbosity: Verbosity) -> ConsoleOptions {
        ConsoleOptions {
            verbosity,
            colour: false,
            progress: false,
            timer: false,
        }
    }

    fn result(id: &str, status: ScriptStatus, reason: &str) -> ScriptResult {
        ScriptResult::without_output(id, "", status, reason)
    }

    #[test]
    fn colour_rules() {
        assert!(use_colour(ColourChoice::Auto, true, None));
        assert!(use_colour(ColourChoice::Auto, true, Some("")));
        assert!(!use_colour(ColourChoice::Auto, true, Some("1")));
        assert!(!use_colour(ColourChoice::Auto, false, None));
        assert!(use_colour(ColourChoice::Always, false, Some("1")));
        assert!(!use_colour(ColourChoice::Never, true, None));
    }

    #[test]
    fn lines_summary_and_failure_details() {
        let mut c = Console::new(Vec::new(), opts(Verbosity::Normal));
        let mut ok = result("a/010-ok", ScriptStatus::Pass, "");
        ok.counts = Counts {
            total: 3,
            pass: 2,
            skip: 1,
            ..Counts::default()
        };
        let mut bad = result("a/020-bad", ScriptStatus::Fail, "1 of 2 test points failed");
        bad.tests.push(TestResult {
            number: 2,
            description: "lookup \x1b[2J fails".into(),
            outcome: PointOutcome::Fail,
            directive: None,
            reason: None,
            yaml: Some(Yaml::Map(vec![
                ("got".into(), Yaml::Int(1)),
                ("expected".into(), Yaml::Int(2)),
            ])),
            identity: "lookup".into(),
            subtest: None,
            mask: None,
        });
        bad.stderr_tail = "warning: x\nerror: y\n".into();
        c.script_finished(&ok, &ScriptOutput::default());
        c.script_finished(&bad, &ScriptOutput::default());
        let report = Report {
            environment: Environment {
                jobs: 2,
                ..Environment::default()
            },
            scripts: vec![ok, bad],
            not_run: vec![NotRun {
                id: "b/010-later".into(),
                reason: "not started: bail-out in a/020-bad".into(),
            }],
            incomplete: true,
            ..Report::default()
        };
        c.run_finished(&report, Duration::from_millis(1500));
        let text = String::from_utf8(c.into_inner()).expect("utf-8");
        assert!(
            text.contains("   PASS [  0.00s] a/010-ok  2 passed, 1 skipped\n"),
            "{text}"
        );
        assert!(text.contains("   FAIL [  0.00s] a/020-bad  1 of 2 test points failed\n"));
        assert!(text.contains("Summary: 3 scripts in 1.50s (-j2)"), "{text}");
        assert!(
            text.contains("scripts:     1 pass, 1 fail, 1 not run"),
            "{text}"
        );
        assert!(
            text.contains("test points: 3 total: 2 passed, 1 skipped"),
            "{text}"
        );
        assert!(
            text.contains("not run (bail-out in a/020-bad): b/010-later"),
            "{text}"
        );
        assert!(
            text.contains(
                "not ok 2 - lookup \\x1b[2J fails\n        got: 1\n        expected: 2\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("stderr (all):\n      warning: x\n      error: y\n"),
            "{text}"
        );
        assert!(!text.contains('\x1b'), "no raw escapes without colour");
    }

    #[test]
    fn quiet_prints_the_summary_only() {
        let mut c = Console::new(Vec::new(), opts(Verbosity::Quiet));
        let bad = result("a/020-bad", ScriptStatus::Crash, "killed by SIGSEGV");
        c.script_finished(&bad, &ScriptOutput::default());
        let report = Report {
            scripts: vec![bad],
            ..Report::default()
        };
        c.run_finished(&report, Duration::from_secs(1));
        let text = String::from_utf8(c.into_inner()).expect("utf-8");
        assert!(!text.contains("[  0.00s]"), "{text}");
        assert!(text.contains("failed:      a/020-bad (crash)"), "{text}");
        assert!(!text.contains("Failures:"), "{text}");
    }

    #[test]
    fn progress_line_is_redrawn_and_cleared_around_script_lines() {
        use crate::harness::discover::{Script, Source};
        let mut c = Console::new(
            Vec::new(),
            ConsoleOptions {
                progress: true,
                ..opts(Verbosity::Normal)
            },
        );
        let script = |id: &str| Script {
            id: id.into(),
            title: String::new(),
            meta: crate::script::Meta::DEFAULT,
            tags: Vec::new(),
            source: Source::External(id.into()),
        };
        let (a, b) = (script("a.sh"), script("b.sh"));
        c.run_started(&[a.clone(), b.clone()], 2);
        c.script_started(&a);
        c.script_started(&b);
        c.script_finished(
            &result("a.sh", ScriptStatus::Pass, ""),
            &ScriptOutput::default(),
        );
        c.script_finished(
            &result("b.sh", ScriptStatus::Pass, ""),
            &ScriptOutput::default(),
        );
        c.run_finished(&Report::default(), Duration::ZERO);
        let text = String::from_utf8(c.into_inner()).expect("utf-8");
        assert!(
            text.contains("\r\x1b[K[0/2] running: a.sh, b.sh"),
            "{text:?}"
        );
        // The finished line replaces the progress line, which comes back
        // with what is still running.
        assert!(
            text.contains("\r\x1b[K   PASS [  0.00s] a.sh\n\r\x1b[K[1/2] running: b.sh"),
            "{text:?}"
        );
        // Nothing is left of it once all is done.
        assert!(text.contains("b.sh\n\nSummary"), "{text:?}");
    }

    #[test]
    fn known_broken_failures_are_counted_apart_and_not_listed() {
        use crate::report::model::Mask;
        let mut c = Console::new(Vec::new(), opts(Verbosity::Normal));
        let mask = Mask {
            entry: "kb.toml:3".into(),
            reason: "bug 42".into(),
            flaky: false,
        };
        let mut known = result(
            "a/010-known",
            ScriptStatus::Fail,
            "1 of 1 test points failed",
        );
        known.tests.push(TestResult {
            number: 1,
            description: "broken thing".into(),
            outcome: PointOutcome::Fail,
            directive: None,
            reason: None,
            yaml: None,
            identity: "broken thing".into(),
            subtest: None,
            mask: Some(Box::new(mask.clone())),
        });
        known.counts.total = 1;
        known.counts.fail = 1;
        known.mask = Some(mask);
        let bad = result("a/020-bad", ScriptStatus::Crash, "killed by SIGSEGV");
        c.script_finished(&known, &ScriptOutput::default());
        c.script_finished(&bad, &ScriptOutput::default());
        let report = Report {
            scripts: vec![known, bad],
            ..Report::default()
        };
        c.run_finished(&report, Duration::from_secs(1));
        let text = String::from_utf8(c.into_inner()).expect("utf-8");
        assert!(
            text.contains(
                "  XFAIL [  0.00s] a/010-known  1 of 1 test points failed  (known broken: bug 42)"
            ),
            "{text}"
        );
        assert!(
            text.contains("scripts:     1 crash, 1 known broken"),
            "{text}"
        );
        assert!(text.contains("(1 failed known broken)"), "{text}");
        let failures = &text[text.find("Failures:").expect(&text)..];
        assert!(failures.contains("a/020-bad"), "{text}");
        assert!(!failures.contains("a/010-known"), "{text}");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_text(0.123), "0.12s");
        assert_eq!(duration_text(12.34), "12.3s");
        assert_eq!(duration_text(245.0), "4m05s");
    }
}
