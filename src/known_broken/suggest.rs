//! `tck known-broken suggest`: entries for the failures of reports, so that
//! a first run can become the baseline (deqp-runner's "your first run can
//! be the baseline", with a reason to fill in).
//!
//! One entry per failing test point (by description, or by number when it
//! has none), or per script when the script failed for another reason
//! (crash, timeout, invalid TAP, bail-out). Failures already masked are
//! left out. Each entry is scoped to its report's environment: driver,
//! libvirt from the report's version on (`>=11.3.0`), OS and arch. The
//! text is valid TOML that `tck problems` accepts as it is (it warns
//! about the placeholder reasons until they are replaced).

use super::file::PLACEHOLDER_REASON;
use crate::compare::environment::{label_of, libvirt_version, os_of};
use crate::report::model::{Report, ScriptResult, TestResult};
use crate::tap::model::PointOutcome;
use std::fmt::Write as _;

/// A TOML basic string (quoted and escaped).
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A glob that matches exactly `s`.
fn exact(s: &str) -> String {
    globset::escape(s)
}

struct Suggestion {
    script: String,
    test: Option<Test>,
    seen: String,
}

enum Test {
    Number(u64),
    Description(String),
}

/// Failing, unmasked leaf points: (description path for the comment,
/// test selector).
fn failing_points(tests: &[TestResult], top: bool, out: &mut Vec<(Test, String)>) -> bool {
    let mut ok = true;
    for t in tests {
        if t.outcome != PointOutcome::Fail || t.mask.is_some() {
            continue;
        }
        let before = out.len();
        if let Some(sub) = &t.subtest {
            ok &= failing_points(&sub.tests, false, out);
        }
        if out.len() > before {
            continue;
        }
        let first_diag = t
            .yaml
            .as_ref()
            .map(|y| crate::report::render::yaml_text(y, 0))
            .and_then(|text| text.lines().next().map(str::to_string))
            .unwrap_or_default();
        if !t.description.is_empty() {
            out.push((Test::Description(exact(&t.description)), first_diag));
        } else if top {
            out.push((Test::Number(t.number), first_diag));
        } else {
            // A nested point without a description cannot be named.
            ok = false;
        }
    }
    ok
}

fn suggestions(s: &ScriptResult) -> Vec<Suggestion> {
    if !s.status.is_failure() || s.mask.is_some() {
        return Vec::new();
    }
    let script = exact(&s.id);
    let mut points = Vec::new();
    let nameable = failing_points(&s.tests, true, &mut points);
    let only_points = s.status == crate::report::model::ScriptStatus::Fail
        && s.parse_errors.is_empty()
        && nameable
        && !points.is_empty();
    if only_points {
        points
            .into_iter()
            .map(|(test, diag)| Suggestion {
                script: script.clone(),
                test: Some(test),
                seen: diag,
            })
            .collect()
    } else {
        vec![Suggestion {
            script,
            test: None,
            seen: format!("{}: {}", s.status.as_str(), s.reason),
        }]
    }
}

/// The suggested file for `reports` (`sources` name them in the header);
/// also returns how many entries it has.
pub fn suggest(reports: &[&Report], sources: &[String]) -> (String, usize) {
    let mut out = String::new();
    out.push_str("# Known-broken entries suggested by `tck known-broken suggest` from:\n");
    for (r, src) in reports.iter().zip(sources) {
        let _ = writeln!(
            out,
            "#   {src} ({})",
            label_of(&r.environment, "no environment recorded").replace('\n', " ")
        );
    }
    out.push_str(
        "# Replace every reason with a bug URL or an explanation, and widen or narrow\n\
         # each scope as needed (every key is explained in conf/known-broken/example.toml).\n",
    );
    let mut seen_entries: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut count = 0;
    for r in reports {
        let e = &r.environment;
        let mut scope = String::new();
        if !e.driver.is_empty() {
            let _ = writeln!(scope, "driver = {}", quote(&e.driver));
        }
        let lv = libvirt_version(e);
        if crate::known_broken::Version::from_report(lv).is_some() {
            let _ = writeln!(scope, "libvirt = {}", quote(&format!(">={}", lv.trim())));
        }
        let os = os_of(e);
        if !os.is_empty() {
            let _ = writeln!(scope, "os = {}", quote(&exact(&os)));
        }
        if !e.arch.is_empty() {
            let _ = writeln!(scope, "arch = {}", quote(&exact(&e.arch)));
        }
        for s in &r.scripts {
            for sug in suggestions(s) {
                let mut entry = format!("script = {}\n", quote(&sug.script));
                match &sug.test {
                    Some(Test::Description(d)) => {
                        let _ = writeln!(entry, "test = {}", quote(d));
                    }
                    Some(Test::Number(n)) => {
                        let _ = writeln!(entry, "test = {n}");
                    }
                    None => {}
                }
                entry.push_str(&scope);
                if !seen_entries.insert(entry.clone()) {
                    continue;
                }
                count += 1;
                out.push_str("\n[[broken]]\n");
                out.push_str(&entry);
                let _ = writeln!(out, "reason = {}", quote(PLACEHOLDER_REASON));
                let seen: String = sug
                    .seen
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .take(200)
                    .collect();
                if !seen.trim().is_empty() {
                    let _ = writeln!(out, "# seen: {}", seen.trim());
                }
            }
        }
    }
    if count == 0 {
        out.push_str("\n# No unmasked failures: nothing to suggest.\n");
    }
    (out, count)
}
