//! JSON output: the same model as the XML, for tools that would rather not
//! parse XML. Its shape is a stable interface documented in
//! `docs/report-json.md`: top-level `schema_version`, `incomplete`,
//! `not_run`, `environment`, `scripts` and `summary`.

use super::model::*;
use crate::tap::model::PointOutcome;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    incomplete: bool,
    not_run: &'a [NotRun],
    environment: &'a Environment,
    scripts: &'a [ScriptResult],
    summary: Summary,
}

/// Counts over a whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Summary {
    /// Scripts by status (every status present, 0 when none), plus `total`
    /// and `not_run`.
    pub scripts: BTreeMap<&'static str, u64>,
    /// Top-level test points by outcome (every outcome present), plus
    /// `total`.
    pub tests: BTreeMap<&'static str, u64>,
}

/// Counts of scripts by status and of top-level test points by outcome.
pub fn summary(report: &Report) -> Summary {
    let mut s = Summary::default();
    for st in ScriptStatus::ALL {
        s.scripts.insert(st.as_str(), 0);
    }
    for o in [
        PointOutcome::Pass,
        PointOutcome::Fail,
        PointOutcome::Skip,
        PointOutcome::Todo,
        PointOutcome::TodoPassed,
    ] {
        s.tests.insert(o.as_str(), 0);
    }
    for script in &report.scripts {
        *s.scripts.entry(script.status.as_str()).or_default() += 1;
    }
    let total: Counts = report.scripts.iter().map(|r| r.counts).sum();
    s.scripts.insert("total", report.scripts.len() as u64);
    s.scripts.insert("not_run", report.not_run.len() as u64);
    s.tests.insert("total", total.total);
    s.tests.insert("pass", total.pass);
    s.tests.insert("fail", total.fail);
    s.tests.insert("skip", total.skip);
    s.tests.insert("todo", total.todo);
    s.tests.insert("todo-passed", total.todo_passed);
    s
}

/// Writes `report` as JSON (one document, compact, newline-terminated).
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        schema_version: report.schema_version,
        incomplete: report.incomplete,
        not_run: &report.not_run,
        environment: &report.environment,
        scripts: &report.scripts,
        summary: summary(report),
    };
    serde_json::to_writer(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn json_has_the_documented_shape() {
        let mut v = Vec::new();
        write_json(&sample_report(), &mut v).unwrap();
        let j: serde_json::Value = serde_json::from_slice(&v).unwrap();
        assert_eq!(j["schema_version"], 1);
        assert_eq!(j["incomplete"], true);
        assert_eq!(j["not_run"][0]["id"], "storage/200-late");
        assert_eq!(j["environment"]["uri"], "test:///default");
        assert_eq!(j["environment"]["seed"], u64::MAX);
        let fail = &j["scripts"][1];
        for key in [
            "id", "title", "area", "status", "reason", "duration", "counts", "tests",
        ] {
            assert!(fail.get(key).is_some(), "script lacks {key}");
        }
        assert_eq!(fail["status"], "fail");
        assert_eq!(fail["exit"], serde_json::json!({"kind": "code", "code": 1}));
        assert_eq!(fail["tests"][1]["outcome"], "fail");
        assert_eq!(fail["tests"][1]["yaml"]["code"], -55);
        assert_eq!(fail["tests"][1]["yaml"]["ratio"], 1500.0);
        assert_eq!(fail["tests"][1]["yaml"]["inf"], "-.inf");
        assert_eq!(
            fail["tests"][1]["yaml"]["ctl\u{1}key"],
            "nul\0 bell\u{7} \\u{1} literal"
        );
        assert_eq!(
            fail["tests"][2]["subtest"]["tests"][1]["description"],
            "inner fails"
        );
        assert_eq!(fail["tests"][4]["identity"], "uuid-lookup");
        assert_eq!(j["scripts"][3]["skip_kind"], "unsupported");
        assert_eq!(j["summary"]["scripts"]["total"], 10);
        assert_eq!(j["summary"]["scripts"]["skip"], 2);
        assert_eq!(j["summary"]["scripts"]["not_run"], 1);
        assert_eq!(j["summary"]["tests"]["fail"], 3);
        assert_eq!(j["summary"]["tests"]["total"], 9 + 3 + 1 + 1);
    }
}
