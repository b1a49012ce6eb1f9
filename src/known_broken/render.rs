//! `tck problems` output: text for a terminal (report text made safe with
//! [`safe_line`]), JSON (the [`Problems`] structure as is, plus the exit
//! status) and a self-contained HTML page (`share/html/problems.html`).
//! What needs fixing comes first in all three.

use super::problems::{ExpectedFailure, Problems, Unexpected};
use crate::compare::html::ReportView;
use crate::report::console::safe_line;
use crate::report::error::ReportError;
use crate::report::escape::visible;
use serde::Serialize;
use std::fmt::Write as _;

fn tag(p: &Problems, report: usize) -> String {
    if p.reports.len() > 1 {
        format!("[{}] ", report + 1)
    } else {
        String::new()
    }
}

fn subject(script: &str, test: &Option<String>) -> String {
    match test {
        Some(t) => format!("{script} › {t}"),
        None => script.to_string(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "N unexpected failures, N unexpected passes, N expected failures".
fn verdict(p: &Problems) -> String {
    format!(
        "{}, {}, {}",
        plural(
            p.unexpected_failures.len(),
            "unexpected failure",
            "unexpected failures"
        ),
        plural(
            p.unexpected_passes.len(),
            "unexpected pass",
            "unexpected passes"
        ),
        plural(
            p.expected_failures.len(),
            "expected failure",
            "expected failures"
        )
    )
}

/// The lines under an unexpected failure, with their indentation relative
/// to it: each failed point, its diagnostics, and the expired entries that
/// would have masked it.
fn failure_lines(u: &Unexpected) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    for pt in &u.points {
        lines.push((0, format!("not ok {} - {}", pt.number, pt.test)));
        lines.extend(pt.diagnostics.iter().map(|l| (4, l.clone())));
    }
    for e in &u.expired_entries {
        lines.push((0, format!("(the expired entry {e} would have masked it)")));
    }
    lines
}

/// Why an expected failure is expected: "known broken (flaky): REASON (ENTRY)".
fn expected_detail(e: &ExpectedFailure) -> String {
    format!(
        "known broken{}: {} ({})",
        if e.flaky { " (flaky)" } else { "" },
        e.reason,
        e.entry
    )
}

/// A section heading of the text: "\nTITLE (N)", then ": none" when empty,
/// or `hint` when not.
fn heading(out: &mut String, title: &str, n: usize, hint: &str) {
    let _ = writeln!(
        out,
        "\n{title} ({n}){}",
        if n == 0 { ": none" } else { hint }
    );
}

/// The problems as text.
pub fn text(p: &Problems) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tck problems: {} against {}",
        plural(p.reports.len(), "report", "reports"),
        plural(p.entries, "known-broken entry", "known-broken entries")
    );
    for (i, (label, source)) in p.reports.iter().zip(&p.sources).enumerate() {
        let file = std::path::Path::new(source)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if *label == file || label == source {
            let _ = writeln!(out, "  [{}] {}", i + 1, safe_line(source));
        } else {
            let _ = writeln!(
                out,
                "  [{}] {}  {}",
                i + 1,
                safe_line(label),
                safe_line(source)
            );
        }
    }
    if !p.warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for w in &p.warnings {
            let _ = writeln!(out, "  {}", safe_line(w));
        }
    }
    heading(
        &mut out,
        "Unexpected failures",
        p.unexpected_failures.len(),
        ": these need fixing (or a known-broken entry)",
    );
    for u in &p.unexpected_failures {
        let _ = writeln!(
            out,
            "  {}{}  {}{}",
            tag(p, u.report),
            safe_line(&u.script),
            u.status,
            if u.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", safe_line(&u.reason))
            }
        );
        for (indent, l) in failure_lines(u) {
            let _ = writeln!(out, "      {:indent$}{}", "", safe_line(&l));
        }
    }
    heading(
        &mut out,
        "Unexpected passes",
        p.unexpected_passes.len(),
        ": known broken but passed: remove these entries (or mark them flaky = true)",
    );
    for u in &p.unexpected_passes {
        let _ = writeln!(
            out,
            "  {}{}  passed; entry {}: {}",
            tag(p, u.report),
            safe_line(&subject(&u.script, &u.test)),
            safe_line(&u.entry),
            safe_line(&u.reason)
        );
    }
    let _ = writeln!(out, "\nExpected failures ({})", p.expected_failures.len());
    for e in &p.expected_failures {
        let _ = writeln!(
            out,
            "  {}{}  {}  {}",
            tag(p, e.report),
            safe_line(&subject(&e.script, &e.test)),
            e.status,
            safe_line(&expected_detail(e))
        );
    }
    for (title, list) in [
        ("Entries that matched nothing", &p.unused),
        (
            "Entries that matched only skipped or not-run results",
            &p.not_exercised,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({})", list.len());
        for u in list {
            let _ = writeln!(
                out,
                "  {}  {}{}: {}",
                safe_line(&u.entry),
                safe_line(&u.subject),
                if u.scope.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", safe_line(&u.scope))
                },
                safe_line(&u.why)
            );
        }
    }
    if !p.expired.is_empty() {
        let _ = writeln!(
            out,
            "\nExpired entries ({}): they mask nothing; renew or remove them",
            p.expired.len()
        );
        for e in &p.expired {
            let _ = writeln!(
                out,
                "  {}  {}: expired {}{}: {}",
                safe_line(&e.entry),
                safe_line(&e.subject),
                e.expires,
                if e.failures > 0 {
                    format!(
                        " (would mask {})",
                        plural(e.failures, "failure", "failures")
                    )
                } else {
                    String::new()
                },
                safe_line(&e.reason)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}: {}",
        if p.exit_status() == 0 {
            "OK"
        } else {
            "PROBLEMS"
        },
        verdict(p)
    );
    out
}

#[derive(Serialize)]
struct JsonProblems<'a> {
    tck_version: &'static str,
    exit_status: u8,
    #[serde(flatten)]
    problems: &'a Problems,
}

/// The problems as JSON (docs/known-broken.md).
pub fn write_json(p: &Problems, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let view = JsonProblems {
        tck_version: env!("CARGO_PKG_VERSION"),
        exit_status: p.exit_status(),
        problems: p,
    };
    serde_json::to_writer_pretty(&mut *out, &view)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Item {
    subject: String,
    status: String,
    detail: String,
    diag: String,
}

#[derive(Serialize)]
struct Section {
    id: &'static str,
    class: &'static str,
    title: String,
    open: bool,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct View {
    title: String,
    css: &'static str,
    tck_version: &'static str,
    bad: bool,
    verdict: String,
    reports: Vec<ReportView>,
    warnings: Vec<String>,
    sections: Vec<Section>,
}

fn v(s: &str) -> String {
    visible(s).into_owned()
}

/// The problems as a self-contained HTML page.
pub fn html(p: &Problems) -> Result<String, ReportError> {
    let t = |r: usize| tag(p, r);
    let unexpected = p
        .unexpected_failures
        .iter()
        .map(|u| {
            let mut diag = String::new();
            for (indent, l) in failure_lines(u) {
                let _ = writeln!(diag, "{:indent$}{l}", "");
            }
            Item {
                subject: v(&format!("{}{}", t(u.report), u.script)),
                status: u.status.to_string(),
                detail: v(&u.reason),
                diag: v(diag.trim_end()),
            }
        })
        .collect();
    let passes = p
        .unexpected_passes
        .iter()
        .map(|u| Item {
            subject: v(&format!("{}{}", t(u.report), subject(&u.script, &u.test))),
            status: "pass".into(),
            detail: v(&format!(
                "known broken but passed: remove entry {} ({})",
                u.entry, u.reason
            )),
            diag: String::new(),
        })
        .collect();
    let expected = p
        .expected_failures
        .iter()
        .map(|e| Item {
            subject: v(&format!("{}{}", t(e.report), subject(&e.script, &e.test))),
            status: e.status.to_string(),
            detail: v(&expected_detail(e)),
            diag: String::new(),
        })
        .collect();
    let entries = |list: &[super::problems::Unused]| -> Vec<Item> {
        list.iter()
            .map(|u| Item {
                subject: v(&format!("{} {}", u.entry, u.subject)),
                status: "entry".into(),
                detail: v(&u.why),
                diag: String::new(),
            })
            .collect()
    };
    let expired = p
        .expired
        .iter()
        .map(|e| Item {
            subject: v(&format!("{} {}", e.entry, e.subject)),
            status: "expired".into(),
            detail: v(&format!("expired {}: {}", e.expires, e.reason)),
            diag: String::new(),
        })
        .collect();
    let sections = vec![
        Section {
            id: "unexpected-failures",
            class: "unexpected-failure",
            title: format!("Unexpected failures ({})", p.unexpected_failures.len()),
            open: true,
            items: unexpected,
        },
        Section {
            id: "unexpected-passes",
            class: "unexpected-pass",
            title: format!(
                "Unexpected passes ({}): known broken but passed",
                p.unexpected_passes.len()
            ),
            open: true,
            items: passes,
        },
        Section {
            id: "expected-failures",
            class: "expected-failure",
            title: format!("Expected failures ({})", p.expected_failures.len()),
            open: false,
            items: expected,
        },
        Section {
            id: "unused",
            class: "unused",
            title: format!("Entries that matched nothing ({})", p.unused.len()),
            open: !p.unused.is_empty(),
            items: entries(&p.unused),
        },
        Section {
            id: "not-exercised",
            class: "unused",
            title: format!(
                "Entries that matched only skipped or not-run results ({})",
                p.not_exercised.len()
            ),
            open: false,
            items: entries(&p.not_exercised),
        },
        Section {
            id: "expired",
            class: "expired",
            title: format!("Expired entries ({})", p.expired.len()),
            open: !p.expired.is_empty(),
            items: expired,
        },
    ];
    let view = View {
        title: "tck problems".into(),
        css: crate::compare::html::CSS,
        tck_version: env!("CARGO_PKG_VERSION"),
        bad: p.exit_status() != 0,
        verdict: verdict(p),
        reports: p
            .reports
            .iter()
            .zip(&p.sources)
            .enumerate()
            .map(|(i, (l, s))| ReportView {
                name: format!("[{}]", i + 1),
                label: v(l),
                source: v(s),
            })
            .collect(),
        warnings: p.warnings.iter().map(|w| v(w)).collect(),
        sections,
    };
    crate::report::html::render_page("problems.html", &view)
}
