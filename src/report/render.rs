//! Text renderings of a saved report: the console's summary (under an
//! environment header) and TAP.
//!
//! TAP: the whole report is one TAP stream (version 13, with TAP 14 /
//! Test::More indented subtests) with one subtest per script,
//! in plan order, so `prove` or any TAP consumer reads it as one document;
//! the script's own line is `ok`/`not ok` by its status (`# SKIP reason`
//! for skipped scripts, `# TODO known broken …` for masked ones) with a YAML
//! block giving status, reason and exit when it did not pass. Scripts that
//! never ran are `ok … # SKIP not run: reason`.

use super::model::*;
use crate::tap::model::{Directive, PointOutcome};
use crate::tap::producer::{escape, point_line};
use std::fmt::Write as _;

fn push_point_line(
    out: &mut String,
    indent: &str,
    ok: bool,
    n: u64,
    desc: &str,
    directive: Option<(Directive, &str)>,
) {
    out.push_str(indent);
    out.push_str(&point_line(ok, n, desc, directive));
    out.push('\n');
}

fn push_yaml(out: &mut String, indent: &str, y: &crate::yaml::Yaml) {
    out.push_str(&y.to_block(indent.len() + 2));
}

/// YAML diagnostics as text for people (JUnit bodies, HTML, console): the
/// TAP block without its `---` / `...` markers, indented by `indent`.
pub fn yaml_text(y: &crate::yaml::Yaml, indent: usize) -> String {
    let block = y.to_block(indent);
    let mut lines: Vec<&str> = block.lines().collect();
    if lines.last().is_some_and(|l| l.trim() == "...") {
        lines.pop();
    }
    if lines.first().is_some_and(|l| l.trim() == "---") {
        lines.remove(0);
    }
    let mut out = String::with_capacity(block.len());
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn push_points(out: &mut String, indent: &str, tests: &[TestResult]) {
    for t in tests {
        if let Some(sub) = &t.subtest {
            let inner = format!("{indent}    ");
            match &sub.name {
                Some(n) => {
                    let _ = writeln!(out, "{inner}# Subtest: {}", n.replace(['\n', '\r'], " "));
                }
                None => {
                    let _ = writeln!(out, "{inner}# Subtest");
                }
            }
            push_plan(out, &inner, sub.plan.as_ref(), sub.tests.len());
            push_points(out, &inner, &sub.tests);
        }
        let ok = !matches!(t.outcome, PointOutcome::Fail | PointOutcome::Todo);
        let directive = t.directive.map(|d| (d, t.reason.as_deref().unwrap_or("")));
        push_point_line(out, indent, ok, t.number, &t.description, directive);
        if let Some(y) = &t.yaml {
            push_yaml(out, indent, y);
        }
    }
}

fn push_plan(out: &mut String, indent: &str, plan: Option<&crate::tap::model::Plan>, count: usize) {
    match plan {
        Some(p) if p.is_skip_all() => {
            let reason = p.skip_reason.as_deref().unwrap_or("");
            let _ = writeln!(out, "{indent}1..0 # SKIP {}", escape(reason).trim_end());
        }
        Some(p) => {
            let _ = writeln!(out, "{indent}{}..{}", p.start, p.end);
        }
        None => {
            let _ = writeln!(out, "{indent}1..{count}");
        }
    }
}

/// One script's TAP, reconstructed from the model (plan and points, no
/// version line): what JUnit's system-out shows when the raw TAP is gone.
pub fn script_tap(s: &ScriptResult) -> String {
    let mut out = String::new();
    if s.plan.is_some() || !s.tests.is_empty() {
        push_plan(&mut out, "", s.plan.as_ref(), s.tests.len());
    }
    push_points(&mut out, "", &s.tests);
    out
}

fn exit_yaml(e: &Exit) -> crate::yaml::Yaml {
    use crate::yaml::Yaml;
    match e {
        Exit::Code { code } => Yaml::Int(i64::from(*code)),
        Exit::Signal { name, .. } => Yaml::Str(name.clone()),
        Exit::NotStarted => Yaml::Str("not started".into()),
        Exit::Unknown => Yaml::Null,
    }
}

/// The whole report as one TAP stream (see the module documentation).
pub fn render_tap(report: &Report) -> String {
    use crate::yaml::Yaml;
    // Version 13 (with Test::More-style indented subtests, which TAP 14
    // standardised) so that TAP::Parser 3.x, which refuses version 14,
    // reads it too; TAP 14 parsers accept it unchanged.
    let mut out = String::from("TAP version 13\n");
    let _ = writeln!(out, "1..{}", report.scripts.len() + report.not_run.len());
    let env = &report.environment;
    if !env.uri.is_empty() {
        let _ = writeln!(
            out,
            "# tck report: {} ({}), started {}",
            env.uri, env.driver, env.start
        );
    }
    let mut n = 0u64;
    for s in &report.scripts {
        n += 1;
        if s.plan.is_some() || !s.tests.is_empty() {
            let _ = writeln!(out, "# Subtest: {}", s.id.replace(['\n', '\r'], " "));
            push_plan(&mut out, "    ", s.plan.as_ref(), s.tests.len());
            push_points(&mut out, "    ", &s.tests);
        }
        let directive = match (&s.mask, s.status) {
            (Some(m), st) if st.is_failure() => {
                Some((Directive::Todo, format!("known broken: {}", m.reason)))
            }
            (_, ScriptStatus::Skip) => Some((Directive::Skip, s.reason.clone())),
            _ => None,
        };
        let ok = !s.status.is_failure();
        push_point_line(
            &mut out,
            "",
            ok,
            n,
            &s.id,
            directive.as_ref().map(|(d, r)| (*d, r.as_str())),
        );
        if s.status.is_failure() || s.status == ScriptStatus::Flaky {
            let mut m = vec![("status".to_string(), Yaml::Str(s.status.as_str().into()))];
            if !s.reason.is_empty() {
                m.push(("reason".into(), Yaml::Str(s.reason.clone())));
            }
            m.push(("exit".into(), exit_yaml(&s.exit)));
            if !s.stderr_tail.is_empty() {
                m.push(("stderr".into(), Yaml::Str(s.stderr_tail.clone())));
            }
            push_yaml(&mut out, "", &Yaml::Map(m));
        }
    }
    for nr in &report.not_run {
        n += 1;
        push_point_line(
            &mut out,
            "",
            true,
            n,
            &nr.id,
            Some((Directive::Skip, &format!("not run: {}", nr.reason))),
        );
    }
    out
}

/// A saved report as text: its environment, then what `tck run` printed
/// ([`super::console::replay`]).
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let e = &report.environment;
    let _ = writeln!(
        out,
        "tck report: {} (driver {} {}), libvirt {} / daemon {}",
        or_dash(&e.uri),
        or_dash(&e.driver),
        e.hypervisor_version,
        or_dash(&e.libvirt_library_version),
        or_dash(&e.libvirt_daemon_version)
    );
    let _ = writeln!(
        out,
        "host {} ({} {}, kernel {}, {}), tck {} {}",
        or_dash(&e.hostname),
        e.os_id,
        e.os_version,
        or_dash(&e.kernel),
        or_dash(&e.arch),
        or_dash(&e.tck_version),
        e.tck_commit
    );
    let _ = writeln!(
        out,
        "started {} ended {}",
        or_dash(&e.start),
        or_dash(&e.end)
    );
    if report.incomplete {
        out.push_str("INCOMPLETE: the run was interrupted before every planned script ran\n");
    }
    out.push('\n');
    out.push_str(&super::console::replay(report));
    out
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn tap_rendering_is_one_stream_that_prove_accepts() {
        let tap = render_tap(&sample_report());
        assert!(tap.starts_with("TAP version 13\n1..11\n"), "{tap}");
        assert!(tap.contains("# Subtest: domain/020-fail\n    1..9\n"));
        assert!(tap.contains("    not ok 2 - running domain has an ID > 0\n      ---\n      got: \"domain 'tck-a' is running\"\n"), "{tap}");
        assert!(tap.contains("    ok 4 - save/restore # SKIP not yet\n"));
        assert!(tap.contains("    not ok 7 - hotplug ordering # TODO not yet\n"));
        assert!(tap.contains("    ok 8 - vcpu pinning # TODO not yet\n"));
        assert!(tap.contains("\nok 3 - nodedev/030-skipall # SKIP missing resource"));
        assert!(
            tap.contains("\nnot ok 6 - domain/090-hang\n  ---\n  status: timeout\n"),
            "{tap}"
        );
        assert!(tap.contains("\nok 11 - storage/200-late # SKIP not run: interrupted"));
        // prove (TAP::Parser) parses it; the failing scripts make it fail.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.tap");
        std::fs::write(&p, &tap).unwrap();
        let out = std::process::Command::new("prove")
            .arg("-v")
            .arg("--exec")
            .arg("cat")
            .arg(&p)
            .output()
            .expect("prove (perl) is installed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success());
        assert!(text.contains("Failed 4/11 subtests"), "{text}");
        assert!(!text.contains("Parse errors"), "{text}");
        assert!(text.contains("Failed tests:  2, 6-7, 9"), "{text}");
    }

    #[test]
    fn text_is_the_environment_then_the_console_summary() {
        let t = render_text(&sample_report());
        assert!(
            t.contains("tck report: test:///default (driver TEST 2.0.0)"),
            "{t}"
        );
        assert!(t.contains("INCOMPLETE"));
        // What `tck run` printed: a line per script, the summary, the
        // failures with their diagnostics.
        let console = crate::report::console::replay(&sample_report());
        assert!(t.ends_with(&console), "{t}");
        assert!(
            t.contains("   FAIL [  0.03s] domain/020-fail  2 of 9 test points failed"),
            "{t}"
        );
        assert!(t.contains("\nSummary: 11 scripts (-j2)\n"), "{t}");
        assert!(
            t.contains(
                "  test points: 14 total: 8 passed, 3 failed, 1 skipped, 1 todo, 1 todo passed"
            ),
            "{t}"
        );
        assert!(t.contains("    not ok 2 - running domain has an ID > 0\n        got: \"domain 'tck-a' is running\""), "{t}");
        assert!(t.contains("    not ok 3.2 - inner fails"), "{t}");
        assert!(
            t.contains("  not run (interrupted (SIGINT)): storage/200-late"),
            "{t}"
        );
        assert!(!t.contains('\u{1}'));
    }
}
