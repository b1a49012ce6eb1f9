//! JUnit XML, the lingua franca of CI dashboards (Jenkins, GitLab).
//!
//! One `<testsuite>` per script (named by its id), one `<testcase>` per test
//! point with `classname` = the script id (subtest points flattened, named
//! `parent / child`). Script-level trouble (timeout, crash, bail-out, no
//! plan) gets its own `(script)` testcase so that a script that timed out
//! after three passing points is not green; so does a script with no points
//! at all. Retries appear nextest-style: `flakyFailure` on a testcase that
//! failed before and passed in the end, `rerunFailure` on one that failed
//! every time. Masked (known-broken) failures are `skipped` with the entry's
//! reason. Text XML cannot hold is shown as `\u{HEX}` (never read back).

use super::escape::{push_xml_attr, push_xml_text, visible};
use super::model::*;
use super::outputs::{RawSource, RawStream};
use crate::tap::model::PointOutcome;
use std::collections::HashMap;
use std::io::{self, Write};

/// One earlier failure of a test point (or of the script).
struct Earlier {
    attempt: usize,
    message: String,
    body: String,
}

/// What a testcase says about its result.
enum Verdict {
    Pass,
    Failure { message: String, body: String },
    Error { kind: String, message: String },
    Skipped { message: String },
}

struct Case {
    name: String,
    identity: Option<String>,
    time: Option<f64>,
    verdict: Verdict,
}

fn point_cases(tests: &[TestResult], prefix: &str, out: &mut Vec<Case>) {
    for t in tests {
        let label = if t.description.is_empty() {
            format!("{prefix}{}", t.number)
        } else {
            format!("{prefix}{} - {}", t.number, t.description)
        };
        let verdict = match (t.outcome, &t.mask) {
            (PointOutcome::Fail, Some(m)) => Verdict::Skipped {
                message: format!("known broken ({}): {}", m.entry, m.reason),
            },
            (PointOutcome::Fail, None) => Verdict::Failure {
                message: if t.description.is_empty() {
                    format!("test point {} failed", t.number)
                } else {
                    t.description.clone()
                },
                body: t
                    .yaml
                    .as_ref()
                    .map(|y| super::render::yaml_text(y, 0))
                    .unwrap_or_default(),
            },
            (PointOutcome::Skip, _) => Verdict::Skipped {
                message: t.reason.clone().unwrap_or_default(),
            },
            (PointOutcome::Todo, _) => Verdict::Skipped {
                message: format!("TODO {}", t.reason.as_deref().unwrap_or(""))
                    .trim_end()
                    .to_string(),
            },
            (PointOutcome::Pass | PointOutcome::TodoPassed, _) => Verdict::Pass,
        };
        out.push(Case {
            name: label.clone(),
            identity: Some(format!("{prefix}{}", t.identity)),
            time: None,
            verdict,
        });
        if let Some(sub) = &t.subtest {
            point_cases(&sub.tests, &format!("{label} / "), out);
        }
    }
}

fn failures_of(
    tests: &[TestResult],
    prefix: &str,
    attempt: usize,
    out: &mut HashMap<String, Vec<Earlier>>,
) {
    for t in tests {
        let id = format!("{prefix}{}", t.identity);
        if t.outcome == PointOutcome::Fail {
            out.entry(id.clone()).or_default().push(Earlier {
                attempt,
                message: t.description.clone(),
                body: t
                    .yaml
                    .as_ref()
                    .map(|y| super::render::yaml_text(y, 0))
                    .unwrap_or_default(),
            });
        }
        if let Some(sub) = &t.subtest {
            let label = if t.description.is_empty() {
                format!("{prefix}{}", t.number)
            } else {
                format!("{prefix}{} - {}", t.number, t.description)
            };
            // Children are keyed under their parent's label, as in point_cases.
            failures_of(&sub.tests, &format!("{label} / "), attempt, out);
        }
    }
}

fn script_verdict(s: &ScriptResult) -> Verdict {
    if let Some(m) = &s.mask {
        if s.status.is_failure() {
            return Verdict::Skipped {
                message: format!("known broken ({}): {}", m.entry, m.reason),
            };
        }
    }
    match s.status {
        ScriptStatus::Pass | ScriptStatus::Flaky => Verdict::Pass,
        ScriptStatus::Skip => Verdict::Skipped {
            message: s.reason.clone(),
        },
        ScriptStatus::Fail => Verdict::Failure {
            message: s.reason.clone(),
            body: exit_text(&s.exit),
        },
        st => Verdict::Error {
            kind: st.as_str().to_string(),
            message: s.reason.clone(),
        },
    }
}

fn exit_text(e: &Exit) -> String {
    match e {
        Exit::Code { code } => format!("exit status {code}"),
        Exit::Signal { signal, name } => format!("killed by signal {signal} ({name})"),
        Exit::NotStarted => "not started".into(),
        Exit::Unknown => String::new(),
    }
}

fn cases_of(s: &ScriptResult) -> (Vec<Case>, Vec<Vec<Earlier>>) {
    let mut cases = Vec::new();
    point_cases(&s.tests, "", &mut cases);
    let any_point_failed = cases
        .iter()
        .any(|c| matches!(c.verdict, Verdict::Failure { .. }));
    let script_level = match script_verdict(s) {
        Verdict::Pass => None,
        Verdict::Failure { .. } if any_point_failed => None,
        Verdict::Skipped { .. } if !cases.is_empty() && s.mask.is_none() => None,
        v => Some(v),
    };
    // Earlier attempts: failures keyed by point identity; the rest belong
    // to the script-level case.
    let mut earlier: HashMap<String, Vec<Earlier>> = HashMap::new();
    let mut script_earlier = Vec::new();
    for (i, a) in s.attempts.iter().enumerate() {
        let before = earlier.values().map(Vec::len).sum::<usize>();
        failures_of(&a.tests, "", i + 1, &mut earlier);
        let found = earlier.values().map(Vec::len).sum::<usize>() > before;
        if a.status.is_failure() && !found {
            script_earlier.push(Earlier {
                attempt: i + 1,
                message: format!("{}: {}", a.status.as_str(), a.reason),
                body: a.stderr_tail.clone(),
            });
        }
    }
    let mut extra = Vec::new();
    for c in &cases {
        extra.push(
            c.identity
                .as_ref()
                .and_then(|id| earlier.remove(id))
                .unwrap_or_default(),
        );
    }
    // Failures of points that no longer exist go to the script-level case.
    let mut leftover: Vec<Earlier> = earlier.into_values().flatten().collect();
    leftover.sort_by_key(|e| e.attempt);
    script_earlier.extend(leftover);
    if script_level.is_some() || cases.is_empty() || !script_earlier.is_empty() {
        cases.push(Case {
            name: "(script)".into(),
            identity: None,
            time: Some(s.duration),
            verdict: script_level.unwrap_or(Verdict::Pass),
        });
        extra.push(script_earlier);
    }
    (cases, extra)
}

struct Out {
    buf: Vec<u8>,
}

impl Out {
    fn s(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }
    fn attr(&mut self, k: &str, v: &str) {
        self.s(" ");
        self.s(k);
        self.s("=\"");
        push_xml_attr(&mut self.buf, &visible(v));
        self.s("\"");
    }
    fn text(&mut self, t: &str) {
        push_xml_text(&mut self.buf, &visible(t));
    }
    fn text_elem(&mut self, indent: &str, name: &str, attrs: &[(&str, &str)], body: &str) {
        self.s(indent);
        self.s("<");
        self.s(name);
        for (k, v) in attrs {
            self.attr(k, v);
        }
        if body.is_empty() {
            self.s("/>\n");
        } else {
            self.s(">");
            self.text(body);
            self.s("</");
            self.s(name);
            self.s(">\n");
        }
    }
}

fn secs(d: f64) -> String {
    if d.is_finite() && d >= 0.0 {
        format!("{d:.3}")
    } else {
        "0.000".into()
    }
}

/// Writes `report` as JUnit XML; `raw` supplies each script's TAP for
/// `system-out` (the model's TAP rendering is used when it has none).
pub fn write_junit(report: &Report, raw: &dyn RawSource, out: &mut dyn Write) -> io::Result<()> {
    // The totals come first in the document, so the suites are rendered
    // into `body` and written after the header.
    let mut o = Out {
        buf: Vec::with_capacity(1 << 16),
    };
    let mut body = Out {
        buf: Vec::with_capacity(1 << 16),
    };
    let (mut tests, mut failures, mut errors, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    let mut time = 0.0;
    for s in &report.scripts {
        let (cases, extra) = cases_of(s);
        let (mut f, mut e, mut k) = (0, 0, 0);
        for c in &cases {
            match c.verdict {
                Verdict::Failure { .. } => f += 1,
                Verdict::Error { .. } => e += 1,
                Verdict::Skipped { .. } => k += 1,
                Verdict::Pass => {}
            }
        }
        tests += cases.len();
        failures += f;
        errors += e;
        skipped += k;
        if s.duration.is_finite() && s.duration > 0.0 {
            time += s.duration;
        }
        let b = &mut body;
        b.s("  <testsuite");
        b.attr("name", &s.id);
        b.attr("tests", &cases.len().to_string());
        b.attr("failures", &f.to_string());
        b.attr("errors", &e.to_string());
        b.attr("skipped", &k.to_string());
        b.attr("time", &secs(s.duration));
        if !report.environment.hostname.is_empty() {
            b.attr("hostname", &report.environment.hostname);
        }
        b.s(">\n    <properties>\n");
        let mut props = vec![("status", s.status.as_str().to_string())];
        if !s.title.is_empty() {
            props.push(("title", s.title.clone()));
        }
        if !s.reason.is_empty() {
            props.push(("reason", s.reason.clone()));
        }
        let exit = exit_text(&s.exit);
        if !exit.is_empty() {
            props.push(("exit", exit));
        }
        if !report.environment.uri.is_empty() {
            props.push(("uri", report.environment.uri.clone()));
        }
        for l in &s.leaked {
            props.push(("leaked", format!("{} {}", l.kind, l.name)));
        }
        for (k, v) in &props {
            b.text_elem("      ", "property", &[("name", k), ("value", v)], "");
        }
        b.s("    </properties>\n");
        for (c, earlier) in cases.iter().zip(&extra) {
            b.s("    <testcase");
            b.attr("classname", &s.id);
            b.attr("name", &c.name);
            if let Some(t) = c.time {
                b.attr("time", &secs(t));
            }
            let passed = matches!(c.verdict, Verdict::Pass | Verdict::Skipped { .. });
            if matches!(c.verdict, Verdict::Pass) && earlier.is_empty() {
                b.s("/>\n");
                continue;
            }
            b.s(">\n");
            match &c.verdict {
                Verdict::Pass => {}
                Verdict::Failure { message, body } => b.text_elem(
                    "      ",
                    "failure",
                    &[("message", message), ("type", "fail")],
                    body,
                ),
                Verdict::Error { kind, message } => {
                    let stderr = s.stderr_tail.as_str();
                    b.text_elem(
                        "      ",
                        "error",
                        &[("message", message), ("type", kind)],
                        stderr,
                    )
                }
                Verdict::Skipped { message } => {
                    b.text_elem("      ", "skipped", &[("message", message)], "")
                }
            }
            let elem = if passed {
                "flakyFailure"
            } else {
                "rerunFailure"
            };
            for e in earlier {
                let msg = format!("attempt {}: {}", e.attempt, e.message);
                b.text_elem(
                    "      ",
                    elem,
                    &[("message", &msg), ("type", "fail")],
                    &e.body,
                );
            }
            b.s("    </testcase>\n");
        }
        let tap = match raw.read_all(&s.id, RawStream::Tap)? {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => super::render::script_tap(s),
        };
        b.text_elem("    ", "system-out", &[], &tap);
        b.text_elem("    ", "system-err", &[], &s.stderr_tail);
        b.s("  </testsuite>\n");
    }
    for nr in &report.not_run {
        let b = &mut body;
        b.s("  <testsuite");
        b.attr("name", &nr.id);
        b.s(
            " tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" time=\"0.000\">\n    <testcase",
        );
        b.attr("classname", &nr.id);
        b.s(" name=\"(script)\">\n");
        b.text_elem(
            "      ",
            "skipped",
            &[("message", &format!("not run: {}", nr.reason))],
            "",
        );
        b.s("    </testcase>\n  </testsuite>\n");
        tests += 1;
        skipped += 1;
    }
    o.s("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    o.attr("name", "tck");
    o.attr("tests", &tests.to_string());
    o.attr("failures", &failures.to_string());
    o.attr("errors", &errors.to_string());
    o.attr("skipped", &skipped.to_string());
    o.attr("time", &secs(time));
    if !report.environment.start.is_empty() {
        o.attr("timestamp", &report.environment.start);
    }
    o.s(">\n");
    out.write_all(&o.buf)?;
    out.write_all(&body.buf)?;
    out.write_all(b"</testsuites>\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::outputs::{MemoryRaw, NoRaw};
    use crate::report::sample::sample_report;
    use std::process::Command;

    /// Evaluates an XPath expression on `xml` with xmllint (an independent
    /// XML implementation), which also proves the document well-formed.
    fn xpath(xml: &[u8], expr: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("junit.xml");
        std::fs::write(&p, xml).unwrap();
        let out = Command::new("xmllint")
            .args(["--xpath", expr])
            .arg(&p)
            .output()
            .expect("xmllint is installed");
        assert!(
            out.status.success(),
            "{expr}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        text.strip_suffix('\n').unwrap_or(&text).to_string()
    }

    #[test]
    fn junit_has_a_suite_per_script_and_a_case_per_point() {
        let mut raw = MemoryRaw::default();
        raw.insert(
            "domain/010-pass",
            RawStream::Tap,
            b"1..3\nok 1 - step 1 RAW\n\x01".to_vec(),
        );
        let mut v = Vec::new();
        write_junit(&sample_report(), &raw, &mut v).unwrap();
        let x = |e: &str| xpath(&v, e);
        assert_eq!(x("count(/testsuites/testsuite)"), "11");
        assert_eq!(x("string(/testsuites/@tests)"), x("count(//testcase)"));
        assert_eq!(
            x("string(/testsuites/@failures)"),
            x("count(//testcase[failure])")
        );
        assert_eq!(
            x("string(/testsuites/@errors)"),
            x("count(//testcase[error])")
        );
        assert_eq!(
            x("string(/testsuites/@skipped)"),
            x("count(//testcase[skipped])")
        );
        let fail = "/testsuites/testsuite[@name='domain/020-fail']";
        assert_eq!(x(&format!("string({fail}/@tests)")), "12");
        assert_eq!(
            x(&format!("string({fail}/testcase[2]/@classname)")),
            "domain/020-fail"
        );
        assert_eq!(
            x(&format!("string({fail}/testcase[2]/@name)")),
            "2 - running domain has an ID > 0"
        );
        let body = x(&format!("string({fail}/testcase[2]/failure)"));
        assert!(
            body.contains("got: \"domain 'tck-a' is running\""),
            "{body}"
        );
        assert_eq!(
            x(&format!(
                "string({fail}/testcase[@name='3 - hotplug / 2 - inner fails']/failure/@message)"
            )),
            "inner fails"
        );
        assert!(x(&format!(
            "string({fail}/testcase[@name='4 - save/restore']/skipped/@message)"
        ))
        .contains("not yet"));
        assert!(x(&format!(
            "string({fail}/testcase[@name='6']/skipped/@message)"
        ))
        .starts_with("known broken"));
        assert!(x(&format!("string({fail}/system-err)")).contains("libvirt: error \\u{1}"));
        // Raw TAP when available, the model's TAP otherwise.
        assert!(
            x("string(//testsuite[@name='domain/010-pass']/system-out)").contains("RAW\n\\u{1}")
        );
        assert!(x(&format!("string({fail}/system-out)")).contains("not ok 2 - running domain"));
        // Script-level trouble and point-less scripts are cases too.
        assert_eq!(x("string(//testsuite[@name='domain/090-hang']/testcase[@name='(script)']/error/@type)"), "timeout");
        assert_eq!(
            x("count(//testsuite[@name='qemu/010-crash']/testcase)"),
            "1"
        );
        assert!(
            x("string(//testsuite[@name='nodedev/030-skipall']/testcase/skipped/@message)")
                .starts_with("missing resource")
        );
        assert!(
            x("string(//testsuite[@name='storage/200-late']/testcase/skipped/@message)")
                .starts_with("not run")
        );
        // Retries, nextest style.
        let flaky =
            "//testsuite[@name='network/040-flaky']/testcase[@name='1 - network is active']";
        assert_eq!(x(&format!("count({flaky}/flakyFailure)")), "1");
        assert!(x(&format!("string({flaky}/flakyFailure)")).contains("got: inactive"));
        assert_eq!(x(&format!("count({flaky}/failure)")), "0");
    }

    #[test]
    fn rerun_failures_when_every_attempt_failed() {
        let mut r = sample_report();
        let s = &mut r.scripts[4];
        s.status = ScriptStatus::Fail;
        s.tests[0].outcome = PointOutcome::Fail;
        let mut v = Vec::new();
        write_junit(&r, &NoRaw, &mut v).unwrap();
        let case = "//testsuite[@name='network/040-flaky']/testcase[@name='1 - network is active']";
        assert_eq!(xpath(&v, &format!("count({case}/rerunFailure)")), "1");
        assert_eq!(xpath(&v, &format!("count({case}/failure)")), "1");
    }
}
