//! A self-contained HTML report: one file, CSS and JS inline, nothing
//! fetched, readable offline. Rendered with minijinja from the templates in
//! `share/html/` (embedded in the binary).
//!
//! Layout: the environment, then counts, then scripts as `<details>` with
//! problem scripts first and open, every failing point with its diagnostics
//! visible, and all of a script's points in one collapsed `<pre>` (one DOM
//! node per script, however many points: 100,000 points stay fast to open).

use super::error::ReportError;
use super::escape::visible;
use super::json::summary;
use super::model::*;
use crate::tap::model::PointOutcome;
use serde::Serialize;

const CSS: &str = include_str!("../../share/html/report.css");
const JS: &str = include_str!("../../share/html/report.js");

#[derive(Serialize)]
struct PointView {
    label: String,
    outcome: &'static str,
    diag: String,
    mask: String,
}

#[derive(Serialize)]
struct ScriptView {
    id: String,
    title: String,
    status: &'static str,
    reason: String,
    /// "1" when the script needs attention (for the filter).
    problem: &'static str,
    open: bool,
    counts: String,
    duration: String,
    exit: String,
    requirements: String,
    mask: String,
    problems: Vec<PointView>,
    leaked: String,
    parse_errors: Vec<String>,
    stderr: String,
    attempts: Vec<String>,
    points: String,
    npoints: u64,
}

#[derive(Serialize)]
struct View {
    title: String,
    incomplete: bool,
    environment: Vec<(&'static str, String)>,
    script_counts: Vec<(&'static str, u64)>,
    test_counts: Vec<(&'static str, u64)>,
    scripts: Vec<ScriptView>,
    not_run: Vec<(String, String)>,
    tck_version: &'static str,
    schema_version: u32,
    css: &'static str,
    js: &'static str,
}

fn v(s: &str) -> String {
    visible(s).into_owned()
}

fn problems_of(tests: &[TestResult], prefix: &str, out: &mut Vec<PointView>) {
    for t in tests {
        let num = format!("{prefix}{}", t.number);
        if t.outcome == PointOutcome::Fail {
            out.push(PointView {
                label: if t.description.is_empty() {
                    format!("#{num}")
                } else {
                    v(&format!("{num} - {}", t.description))
                },
                outcome: t.outcome.as_str(),
                diag: t
                    .yaml
                    .as_ref()
                    .map(|y| v(&super::render::yaml_text(y, 0)))
                    .unwrap_or_default(),
                mask: t
                    .mask
                    .as_ref()
                    .map(|m| v(&format!("{} ({})", m.reason, m.entry)))
                    .unwrap_or_default(),
            });
        }
        if let Some(sub) = &t.subtest {
            problems_of(&sub.tests, &format!("{num}."), out);
        }
    }
}

fn compact_points(tests: &[TestResult], indent: usize, out: &mut String) {
    for t in tests {
        for _ in 0..indent {
            out.push_str("    ");
        }
        out.push_str(&format!("{:<11} {}", t.outcome.as_str(), t.number));
        if !t.description.is_empty() {
            out.push_str(" - ");
            out.push_str(&visible(&t.description.replace('\n', " ")));
        }
        if let Some(r) = &t.reason {
            if !r.is_empty() {
                out.push_str(" # ");
                out.push_str(&visible(r));
            }
        }
        out.push('\n');
        if let Some(sub) = &t.subtest {
            compact_points(&sub.tests, indent + 1, out);
        }
    }
}

fn exit_text(e: &Exit) -> String {
    match e {
        Exit::Code { code } => format!("exit status {code}"),
        Exit::Signal { signal, name } => format!("killed by signal {signal} ({})", v(name)),
        Exit::NotStarted => "not started".into(),
        Exit::Unknown => "exit status not recorded".into(),
    }
}

fn script_view(s: &ScriptResult) -> ScriptView {
    let problem = s.status.is_failure() && s.mask.is_none();
    let mut problems = Vec::new();
    problems_of(&s.tests, "", &mut problems);
    let mut points = String::new();
    compact_points(&s.tests, 0, &mut points);
    let c = &s.counts;
    let mut counts = format!("{} points", c.total);
    for (n, what) in [
        (c.fail, "fail"),
        (c.skip, "skip"),
        (c.todo, "todo"),
        (c.todo_passed, "todo passed"),
    ] {
        if n > 0 {
            counts.push_str(&format!(", {n} {what}"));
        }
    }
    ScriptView {
        id: v(&s.id),
        title: v(&s.title),
        status: s.status.as_str(),
        reason: v(&s.reason),
        problem: if problem || !problems.is_empty() {
            "1"
        } else {
            "0"
        },
        open: problem || problems.iter().any(|p| p.mask.is_empty()),
        counts,
        duration: format!("{:.2} s", s.duration),
        exit: exit_text(&s.exit),
        requirements: v(&s.requirements.join(", ")),
        mask: s
            .mask
            .as_ref()
            .map(|m| v(&format!("{} ({})", m.reason, m.entry)))
            .unwrap_or_default(),
        problems,
        leaked: v(&s
            .leaked
            .iter()
            .map(|l| format!("{} {}", l.kind, l.name))
            .collect::<Vec<_>>()
            .join(", ")),
        parse_errors: s
            .parse_errors
            .iter()
            .map(|e| {
                if e.line > 0 {
                    v(&format!("TAP line {}: {}", e.line, e.message))
                } else {
                    v(&e.message)
                }
            })
            .collect(),
        stderr: v(&s.stderr_tail),
        attempts: s
            .attempts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                v(&format!(
                    "attempt {}: {} {} ({:.2} s)",
                    i + 1,
                    a.status.as_str(),
                    a.reason,
                    a.duration
                ))
            })
            .collect(),
        points,
        npoints: c.total,
    }
}

/// Problems first (unmasked failures, then the rest in plan order).
fn rank(s: &ScriptResult) -> u8 {
    if s.status.is_failure() && s.mask.is_none() {
        0
    } else if s.status == ScriptStatus::Flaky || s.counts.fail > 0 {
        1
    } else {
        2
    }
}

/// The report as one self-contained HTML page.
pub fn render_html(report: &Report) -> Result<String, ReportError> {
    let e = &report.environment;
    let environment: Vec<(&'static str, String)> = [
        ("URI", &e.uri),
        ("Driver", &e.driver),
        ("Hypervisor version", &e.hypervisor_version),
        ("libvirt library", &e.libvirt_library_version),
        ("libvirt daemon", &e.libvirt_daemon_version),
        ("Host", &e.hostname),
        ("OS", &format!("{} {}", e.os_id, e.os_version)),
        ("Kernel", &e.kernel),
        ("Arch", &e.arch),
        ("CPU model", &e.cpu_model),
        ("Guest boot", &e.guest_boot),
        ("Started", &e.start),
        ("Ended", &e.end),
        ("tck", &format!("{} {}", e.tck_version, e.tck_commit)),
        ("Command line", &e.command_line.join(" ")),
        ("Jobs / seed", &format!("{} / {}", e.jobs, e.seed)),
        ("Partition", &e.partition),
        ("Capabilities digest", &e.capabilities_digest),
        ("Domain capabilities digest", &e.domain_capabilities_digest),
        ("Config digest", &e.config_digest),
    ]
    .into_iter()
    .filter(|(_, val)| !val.trim().is_empty())
    .map(|(k, val)| (k, v(val)))
    .collect();
    let sum = summary(report);
    let mut script_counts = vec![("total", sum.scripts["total"])];
    script_counts.extend(
        ScriptStatus::ALL
            .iter()
            .map(|s| (s.as_str(), sum.scripts[s.as_str()]))
            .filter(|(_, n)| *n > 0),
    );
    if sum.scripts["not_run"] > 0 {
        script_counts.push(("not-run", sum.scripts["not_run"]));
    }
    let test_counts = ["total", "pass", "fail", "skip", "todo", "todo-passed"]
        .into_iter()
        .map(|k| (k, sum.tests[k]))
        .collect();
    let mut order: Vec<&ScriptResult> = report.scripts.iter().collect();
    order.sort_by_key(|s| rank(s));
    let title = if e.uri.is_empty() {
        "tck report".to_string()
    } else {
        v(&format!("tck report: {} ({})", e.uri, e.start))
    };
    let view = View {
        title,
        incomplete: report.incomplete,
        environment,
        script_counts,
        test_counts,
        scripts: order.into_iter().map(script_view).collect(),
        not_run: report
            .not_run
            .iter()
            .map(|n| (v(&n.id), v(&n.reason)))
            .collect(),
        tck_version: env!("CARGO_PKG_VERSION"),
        schema_version: report.schema_version,
        css: CSS,
        js: JS,
    };
    render_page("report.html", &view)
}

/// The HTML page templates (`share/html/`), by name: each page extends
/// `page.html` (head, inline CSS, footer); compare and problems include
/// `verdict-header.html` (title, the reports, the verdict).
const PAGES: [(&str, &str); 5] = [
    ("page.html", include_str!("../../share/html/page.html")),
    (
        "verdict-header.html",
        include_str!("../../share/html/verdict-header.html"),
    ),
    ("report.html", include_str!("../../share/html/report.html")),
    (
        "compare.html",
        include_str!("../../share/html/compare.html"),
    ),
    (
        "problems.html",
        include_str!("../../share/html/problems.html"),
    ),
];

/// Renders the page `name` (one of [`PAGES`]) with `view`.
pub(crate) fn render_page<T: serde::Serialize>(
    name: &str,
    view: &T,
) -> Result<String, ReportError> {
    let err = |e: minijinja::Error| ReportError::Render {
        what: format!("the HTML page (share/html/{name})"),
        message: e.to_string(),
    };
    let mut env = minijinja::Environment::new();
    for (page, source) in PAGES {
        env.add_template(page, source).map_err(err)?;
    }
    let tmpl = env.get_template(name).map_err(err)?;
    tmpl.render(minijinja::value::Serde(view)).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn html_is_self_contained_escaped_and_puts_failures_first() {
        let html = render_html(&sample_report()).unwrap();
        assert!(
            !html.contains("http://") && !html.contains("https://") || !html.contains("src=\"http")
        );
        for external in ["<link", "src=\"", "@import", "url("] {
            assert!(!html.contains(external), "fetches something: {external}");
        }
        assert!(html.contains("Checks domain lifecycle &amp; &lt;xml&gt; in titles"));
        assert!(!html.contains('\u{1}') && !html.contains('\0'));
        let fail = html.find("data-id=\"domain&#x2f;020-fail\"").unwrap();
        let pass = html.find("data-id=\"domain&#x2f;010-pass\"").unwrap();
        assert!(fail < pass, "failures come first");
        assert!(
            html.contains("got: &quot;domain &#x27;tck-a&#x27; is running&quot;"),
            "{html}"
        );
    }
}

#[cfg(test)]
#[test]
#[ignore = "writes /tmp/tck-sample.html for a human to look at"]
fn write_sample_html() {
    std::fs::write(
        "/tmp/tck-sample.html",
        render_html(&crate::report::sample::sample_report()).unwrap(),
    )
    .unwrap();
}
