//! A comparison as text (for a terminal: everything from a report is made
//! safe with [`safe_line`]) and as JSON (every row and change, nothing
//! capped). Both take their words from [`super::state`], their diagnostics
//! from [`diagnostics`], so text, JSON and HTML always agree.
//!
//! Two reports give a diff grouped by class, regressions first; more give
//! the environment table, the readiness roll-up, the matrix, then each
//! adjacent pair's changes.

use super::align::{ScriptCell, PATH_SEP};
use super::readiness::Readiness;
use super::state::{Class, State};
use super::{Change, ClassCounts, Comparison, Pair};
use crate::report::console::safe_line;
use crate::report::model::{ScriptStatus, SCHEMA_VERSION};
use crate::report::render::yaml_text;
use serde::Serialize;
use std::fmt::Write as _;

/// Lines of YAML diagnostics shown per change in text and HTML.
const YAML_LINES: usize = 12;
/// Lines of stderr shown for a script that errored, timed out or crashed.
const STDERR_LINES: usize = 5;

/// How much the text and HTML show (JSON always has everything).
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Every change and every matrix row, uncapped.
    pub all: bool,
    /// Changes listed per class when not `all`.
    pub limit: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            all: false,
            limit: 100,
        }
    }
}

/// The script id and (for a point) the test's identity path for people.
pub fn subject(cmp: &Comparison<'_>, change: &Change) -> (String, Option<String>) {
    let row = &cmp.table.scripts[change.script];
    (
        row.id.clone(),
        change.point.map(|p| row.points[p].display()),
    )
}

/// One line naming the changed test: `script` or `script › point`.
pub fn subject_line(cmp: &Comparison<'_>, change: &Change) -> String {
    match subject(cmp, change) {
        (s, Some(p)) => format!("{s} › {p}"),
        (s, None) => s,
    }
}

/// The diagnostics of the worse side of `change`, as lines (unsanitised).
pub fn diagnostics(cmp: &Comparison<'_>, pair: &Pair, change: &Change) -> Vec<String> {
    let ri = cmp.explaining_report(pair, change);
    let row = &cmp.table.scripts[change.script];
    let script = row.cells[ri];
    let mut out = Vec::new();
    match change.point {
        Some(pi) => match row.points[pi].cells[ri].result {
            Some(t) => {
                if let Some(m) = &t.mask {
                    out.push(known_broken_line(m));
                }
                if let (Some(d), Some(r)) = (t.directive, &t.reason) {
                    if !r.is_empty() {
                        out.push(format!("{}: {r}", d.tap_word()));
                    }
                }
                if let Some(y) = &t.yaml {
                    let text = yaml_text(y, 0);
                    let lines: Vec<&str> = text.lines().collect();
                    out.extend(lines.iter().take(YAML_LINES).map(|l| l.to_string()));
                    if lines.len() > YAML_LINES {
                        out.push(format!("… ({} more lines)", lines.len() - YAML_LINES));
                    }
                }
            }
            None => out.push(why_missing(row.points[pi].cells[ri].state, script)),
        },
        None => match script.result {
            Some(s) => {
                if let Some(m) = &s.mask {
                    out.push(known_broken_line(m));
                }
                if !s.reason.is_empty() {
                    out.push(s.reason.clone());
                }
                for e in s.parse_errors.iter().take(2) {
                    if !s.reason.contains(&e.message) {
                        out.push(format!("TAP line {}: {}", e.line, e.message));
                    }
                }
                if matches!(
                    s.status,
                    ScriptStatus::Error | ScriptStatus::Timeout | ScriptStatus::Crash
                ) {
                    let tail: Vec<&str> = s.stderr_tail.trim_end().lines().collect();
                    let from = tail.len().saturating_sub(STDERR_LINES);
                    out.extend(tail[from..].iter().map(|l| format!("stderr: {l}")));
                }
            }
            None => out.push(why_missing(script.state, script)),
        },
    }
    out
}

/// A masked result's entry, as the report recorded it.
fn known_broken_line(m: &crate::report::model::Mask) -> String {
    format!("known broken ({}): {}", m.entry, m.reason)
}

/// Why a report has no result for a test (the state came from its script).
fn why_missing(state: State, script: ScriptCell<'_>) -> String {
    match (state, script.result, script.not_run) {
        (State::Absent, _, _) => "not in this report".to_string(),
        (_, _, Some(why)) => format!("script not run: {why}"),
        (State::Skip(_), Some(s), _) => format!("script skipped: {}", s.reason),
        (State::NotRun, Some(s), _) => format!(
            "not reached: the script ended with {}{}",
            s.status.as_str(),
            if s.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.reason)
            }
        ),
        _ => format!("{} (from its script)", state.as_str()),
    }
}

/// "3 regressions, 1 fix, 20 unchanged" (classes with a count only).
pub fn counts_text(c: &ClassCounts) -> String {
    let parts: Vec<String> = Class::ALL
        .iter()
        .filter(|k| c.get(**k) > 0)
        .map(|k| {
            let n = c.get(*k);
            format!("{n} {}", class_noun(*k, n))
        })
        .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

fn class_noun(c: Class, n: u64) -> &'static str {
    let one = n == 1;
    match c {
        Class::Regression if one => "regression",
        Class::Regression => "regressions",
        Class::NewFailure if one => "new failure",
        Class::NewFailure => "new failures",
        Class::NewlySkipped => "newly skipped",
        Class::NoLongerRun => "no longer run",
        Class::Fix if one => "fix",
        Class::Fix => "fixes",
        Class::NewlyRun => "newly run",
        Class::NewTest if one => "new test",
        Class::NewTest => "new tests",
        Class::RemovedTest if one => "removed test",
        Class::RemovedTest => "removed tests",
        Class::Unchanged => "unchanged",
    }
}

/// "12/14 86%" and what did not pass.
pub fn readiness_text(r: &Readiness) -> String {
    if r.total == 0 {
        return "-".to_string();
    }
    let mut s = format!("{}/{} {:.0}%", r.pass, r.total, r.fraction() * 100.0);
    let mut extra = Vec::new();
    for (n, what) in [
        (r.fail, "failed"),
        (r.unsupported, "unsupported"),
        (r.skip, "skipped"),
        (r.not_run, "not run"),
        (r.todo, "todo"),
    ] {
        if n > 0 {
            extra.push(format!("{n} {what}"));
        }
    }
    if !extra.is_empty() {
        let _ = write!(s, " ({})", extra.join(", "));
    }
    s
}

/// Column names in text: `A`/`B` for a diff, `[1]`…`[n]` for a matrix.
fn column_name(n: usize, i: usize) -> String {
    if n == 2 {
        ["A", "B"][i].to_string()
    } else {
        format!("[{}]", i + 1)
    }
}

/// Should the matrix show this point row (when not `--all`)? When a
/// report fails it, or the reports do not agree.
pub(crate) fn interesting(states: &[State]) -> bool {
    states.iter().any(|s| s.is_failure()) || states.iter().any(|s| *s != states[0])
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// The comparison as text.
pub fn text(cmp: &Comparison<'_>, opts: RenderOptions) -> String {
    let n = cmp.inputs.len();
    let mut out = head_text(cmp, opts);
    if n > 2 {
        readiness_table(cmp, &mut out);
        matrix_text(cmp, opts, &mut out);
    }
    for pair in &cmp.pairs {
        pair_text(cmp, pair, opts, &Class::ALL, &mut out);
    }
    if n < 2 {
        out.push_str("\nOnly one report: nothing to compare it with.\n");
    }
    out
}

/// The reports side by side, however many: the reports, their environment
/// differences, the readiness roll-up and the matrix, but no changes
/// between neighbours. What `tck run` prints after running on several
/// URIs at once, whose reports are hosts next to each other, not runs
/// before and after.
pub fn side_by_side_text(cmp: &Comparison<'_>, opts: RenderOptions) -> String {
    let mut out = head_text(cmp, opts);
    readiness_table(cmp, &mut out);
    matrix_text(cmp, opts, &mut out);
    out
}

/// The reports compared, the environment differences, notes and
/// duplicates.
fn head_text(cmp: &Comparison<'_>, opts: RenderOptions) -> String {
    let n = cmp.inputs.len();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Comparing {n} report{}:",
        if n == 1 { "" } else { "s" }
    );
    let wl = cmp
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    for (i, (label, input)) in cmp.labels.iter().zip(&cmp.inputs).enumerate() {
        let _ = writeln!(
            out,
            "  {:>3}  {}  {}",
            column_name(n, i),
            pad(&safe_line(label), wl),
            safe_line(input.source)
        );
    }
    environment_text(cmp, &mut out);
    if !cmp.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for note in &cmp.notes {
            let _ = writeln!(out, "  - {}", safe_line(note));
        }
    }
    if !cmp.table.duplicates.is_empty() {
        out.push_str("\nDuplicates (identities that occur more than once in one report):\n");
        let limit = if opts.all { usize::MAX } else { opts.limit };
        for d in cmp.table.duplicates.iter().take(limit) {
            let what = match &d.test {
                Some(t) => format!("{} › {}", d.script, t),
                None => format!("script {}", d.script),
            };
            let _ = writeln!(
                out,
                "  {}: {} ×{}",
                column_name(n, d.report),
                safe_line(&what),
                d.count
            );
        }
        if cmp.table.duplicates.len() > limit {
            let _ = writeln!(
                out,
                "  … and {} more (--all lists them)",
                cmp.table.duplicates.len() - limit
            );
        }
    }
    out
}

fn environment_text(cmp: &Comparison<'_>, out: &mut String) {
    let n = cmp.inputs.len();
    if cmp.environment.is_empty() {
        if n > 1 {
            out.push_str(
                "\nEnvironment: the same in every report (driver, versions, platform, digests).\n",
            );
        }
        return;
    }
    out.push_str("\nEnvironment differences:\n");
    let wf = cmp
        .environment
        .iter()
        .map(|d| d.field.len())
        .max()
        .unwrap_or(0);
    let short = |v: &str, field: &str| -> String {
        safe_line(&super::environment::display_value(field, v))
    };
    if n == 2 {
        for d in &cmp.environment {
            let _ = writeln!(
                out,
                "  {}  {} → {}",
                pad(d.field, wf),
                short(&d.values[0], d.field),
                short(&d.values[1], d.field)
            );
        }
        return;
    }
    let mut widths = vec![0usize; n];
    for d in &cmp.environment {
        for (i, v) in d.values.iter().enumerate() {
            widths[i] = widths[i].max(short(v, d.field).chars().count());
        }
    }
    let mut head = format!("  {}", pad("", wf));
    for (i, w) in widths.iter_mut().enumerate() {
        *w = (*w).max(column_name(n, i).len());
        let _ = write!(head, "  {}", pad(&column_name(n, i), *w));
    }
    let _ = writeln!(out, "{}", head.trim_end());
    for d in &cmp.environment {
        let mut line = format!("  {}", pad(d.field, wf));
        for (i, v) in d.values.iter().enumerate() {
            let _ = write!(line, "  {}", pad(&short(v, d.field), widths[i]));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn readiness_table(cmp: &Comparison<'_>, out: &mut String) {
    let n = cmp.inputs.len();
    out.push_str("\nReadiness by area (test points passed / total, per report):\n");
    let cells: Vec<Vec<String>> = cmp
        .readiness
        .iter()
        .map(|a| a.reports.iter().map(readiness_text).collect())
        .collect();
    let wa = cmp
        .readiness
        .iter()
        .map(|a| area_name(&a.area).len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut widths: Vec<usize> = (0..n).map(|i| column_name(n, i).len()).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut head = format!("  {}", pad("area", wa));
    for (i, w) in widths.iter().enumerate() {
        let _ = write!(head, "  {}", pad(&column_name(n, i), *w));
    }
    let _ = writeln!(out, "{}", head.trim_end());
    for (a, row) in cmp.readiness.iter().zip(&cells) {
        let mut line = format!("  {}", pad(&safe_line(area_name(&a.area)), wa));
        for (i, c) in row.iter().enumerate() {
            let _ = write!(line, "  {}", pad(c, widths[i]));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// An area for people ("" is the top level of external scripts).
pub fn area_name(area: &str) -> &str {
    if area.is_empty() {
        "(top level)"
    } else {
        area
    }
}

fn matrix_text(cmp: &Comparison<'_>, opts: RenderOptions, out: &mut String) {
    let n = cmp.inputs.len();
    let mut rows: Vec<(String, Vec<&'static str>)> = Vec::new();
    let mut hidden = 0usize;
    for row in &cmp.table.scripts {
        rows.push((
            row.id.clone(),
            row.cells.iter().map(|c| c.label()).collect(),
        ));
        for p in &row.points {
            let states: Vec<State> = p.cells.iter().map(|c| c.state).collect();
            if opts.all || interesting(&states) {
                rows.push((
                    format!("  › {}", p.key.replace(PATH_SEP, " › ")),
                    p.cells.iter().map(|c| c.label()).collect(),
                ));
            } else {
                hidden += 1;
            }
        }
    }
    let _ = writeln!(
        out,
        "\nMatrix ({}):",
        if opts.all {
            "every script and test point"
        } else {
            "scripts, and the test points that fail somewhere or differ"
        }
    );
    let wt = rows
        .iter()
        .map(|r| safe_line(&r.0).chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut widths: Vec<usize> = (0..n).map(|i| column_name(n, i).len()).collect();
    for (_, st) in &rows {
        for (i, s) in st.iter().enumerate() {
            widths[i] = widths[i].max(s.len());
        }
    }
    let mut head = format!("  {}", pad("test", wt));
    for (i, w) in widths.iter().enumerate() {
        let _ = write!(head, "  {}", pad(&column_name(n, i), *w));
    }
    let _ = writeln!(out, "{}", head.trim_end());
    for (name, st) in &rows {
        let mut line = format!("  {}", pad(&safe_line(name), wt));
        for (i, s) in st.iter().enumerate() {
            let _ = write!(line, "  {}", pad(s, widths[i]));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "  ({hidden} test point row{} with the same non-failing result everywhere not shown; --all shows them)",
            if hidden == 1 { "" } else { "s" }
        );
    }
}

/// Only the changes of the given classes (with the counts of every class):
/// what `tck run --compare-with` prints.
pub fn classes_text(cmp: &Comparison<'_>, only: &[Class], opts: RenderOptions) -> String {
    let mut out = String::new();
    for pair in &cmp.pairs {
        pair_text(cmp, pair, opts, only, &mut out);
    }
    out
}

fn pair_text(
    cmp: &Comparison<'_>,
    pair: &Pair,
    opts: RenderOptions,
    only: &[Class],
    out: &mut String,
) {
    let n = cmp.inputs.len();
    let indent = if n == 2 { "" } else { "  " };
    if n > 2 {
        let _ = writeln!(
            out,
            "\n{} → {}:",
            column_name(n, pair.from),
            column_name(n, pair.to)
        );
    } else {
        out.push('\n');
    }
    let _ = writeln!(out, "{indent}Scripts:     {}", counts_text(&pair.scripts));
    let _ = writeln!(out, "{indent}Test points: {}", counts_text(&pair.points));
    let limit = if opts.all { usize::MAX } else { opts.limit };
    for &class in only {
        let changes: Vec<&Change> = pair.changes.iter().filter(|c| c.class == class).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{indent}{} ({}):", class.title(), changes.len());
        let width = changes
            .iter()
            .take(limit)
            .map(|c| safe_line(&subject_line(cmp, c)).chars().count())
            .max()
            .unwrap_or(0)
            .min(70);
        for c in changes.iter().take(limit) {
            let _ = writeln!(
                out,
                "{indent}  {}  {} → {}",
                pad(&safe_line(&subject_line(cmp, c)), width),
                c.from.as_str(),
                c.to.as_str()
            );
            for l in diagnostics(cmp, pair, c) {
                let _ = writeln!(out, "{indent}      {}", safe_line(&l));
            }
        }
        if changes.len() > limit {
            let _ = writeln!(
                out,
                "{indent}  … and {} more (--all lists them)",
                changes.len() - limit
            );
        }
    }
    if pair.regressions() == 0 {
        let _ = writeln!(
            out,
            "\n{indent}No regressions{}.",
            if n > 2 {
                format!(
                    " from {} to {}",
                    column_name(n, pair.from),
                    column_name(n, pair.to)
                )
            } else {
                String::new()
            }
        );
    }
}

// ---- JSON -----------------------------------------------------------------

#[derive(Serialize)]
struct JsonReport<'a> {
    label: &'a str,
    source: &'a str,
    schema_version: u32,
    incomplete: bool,
    environment: &'a crate::report::model::Environment,
}

#[derive(Serialize)]
struct JsonChange {
    class: &'static str,
    script: String,
    test: Option<String>,
    from: &'static str,
    to: &'static str,
    diagnostics: Vec<String>,
}

#[derive(Serialize)]
struct JsonPair {
    from: usize,
    to: usize,
    regressions: u64,
    scripts: serde_json::Map<String, serde_json::Value>,
    tests: serde_json::Map<String, serde_json::Value>,
    changes: Vec<JsonChange>,
}

#[derive(Serialize)]
struct JsonReadiness {
    #[serde(flatten)]
    counts: Readiness,
    fraction: f64,
}

#[derive(Serialize)]
struct JsonArea<'a> {
    area: &'a str,
    reports: Vec<JsonReadiness>,
}

#[derive(Serialize)]
struct JsonRow {
    script: String,
    test: Option<String>,
    states: Vec<&'static str>,
}

#[derive(Serialize)]
struct JsonComparison<'a> {
    tck_version: &'static str,
    /// The version of this JSON's shape (the report schema it reads).
    schema_version: u32,
    reports: Vec<JsonReport<'a>>,
    notes: &'a [String],
    duplicates: &'a [super::Duplicate],
    environment_differences: &'a [super::Difference],
    regressions: u64,
    pairs: Vec<JsonPair>,
    readiness: Vec<JsonArea<'a>>,
    matrix: Vec<JsonRow>,
}

fn counts_map(c: &ClassCounts) -> serde_json::Map<String, serde_json::Value> {
    Class::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), serde_json::Value::from(c.get(*k))))
        .collect()
}

/// The comparison as JSON: every row, every change (docs/compare.md).
pub fn write_json(cmp: &Comparison<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let view = JsonComparison {
        tck_version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
        reports: cmp
            .inputs
            .iter()
            .zip(&cmp.labels)
            .map(|(i, l)| JsonReport {
                label: l,
                source: i.source,
                schema_version: i.report.schema_version,
                incomplete: i.report.incomplete,
                environment: &i.report.environment,
            })
            .collect(),
        notes: &cmp.notes,
        duplicates: &cmp.table.duplicates,
        environment_differences: &cmp.environment,
        regressions: cmp.regressions(),
        pairs: cmp
            .pairs
            .iter()
            .map(|p| JsonPair {
                from: p.from,
                to: p.to,
                regressions: p.regressions(),
                scripts: counts_map(&p.scripts),
                tests: counts_map(&p.points),
                changes: p
                    .changes
                    .iter()
                    .map(|c| {
                        let (script, test) = subject(cmp, c);
                        JsonChange {
                            class: c.class.as_str(),
                            script,
                            test,
                            from: c.from.as_str(),
                            to: c.to.as_str(),
                            diagnostics: diagnostics(cmp, p, c),
                        }
                    })
                    .collect(),
            })
            .collect(),
        readiness: cmp
            .readiness
            .iter()
            .map(|a| JsonArea {
                area: &a.area,
                reports: a
                    .reports
                    .iter()
                    .map(|r| JsonReadiness {
                        counts: *r,
                        fraction: r.fraction(),
                    })
                    .collect(),
            })
            .collect(),
        matrix: cmp
            .table
            .scripts
            .iter()
            .flat_map(|row| {
                std::iter::once(JsonRow {
                    script: row.id.clone(),
                    test: None,
                    states: row.cells.iter().map(|c| c.state.as_str()).collect(),
                })
                .chain(row.points.iter().map(|p| JsonRow {
                    script: row.id.clone(),
                    test: Some(p.display()),
                    states: p.cells.iter().map(|c| c.state.as_str()).collect(),
                }))
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &view)?;
    out.write_all(b"\n")
}
