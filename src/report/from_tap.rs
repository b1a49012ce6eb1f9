//! From a judged TAP [`Document`] to the results model.
//!
//! One place for the mapping, used by `tck import` of TAP files and meant
//! for the harness too: test points keep their number, description,
//! directive, YAML diagnostics and subtest tree, and get their stable
//! identity here.

use super::model::*;
use crate::tap::model::{Document, PointOutcome, TestPoint};

/// The results of a document's test points (recursively, with subtests).
pub fn tests_from_document(doc: &Document) -> Vec<TestResult> {
    doc.tests.iter().map(test_from_point).collect()
}

fn test_from_point(p: &TestPoint) -> TestResult {
    TestResult {
        number: p.number,
        description: p.description.clone(),
        outcome: p.outcome,
        directive: p.directive,
        reason: p.reason.clone(),
        yaml: p.yaml.clone(),
        identity: identity_of(p.number, &p.description, p.yaml.as_ref()),
        subtest: p.subtest.as_ref().map(|d| Subtest {
            name: d.name.clone(),
            plan: d.plan.clone(),
            tests: tests_from_document(d),
        }),
        mask: None,
    }
}

/// Counts of the top-level points.
pub fn counts_of(tests: &[TestResult]) -> Counts {
    let mut c = Counts::default();
    for t in tests {
        c.total += 1;
        match t.outcome {
            PointOutcome::Pass => c.pass += 1,
            PointOutcome::Fail => c.fail += 1,
            PointOutcome::Skip => c.skip += 1,
            PointOutcome::Todo => c.todo += 1,
            PointOutcome::TodoPassed => c.todo_passed += 1,
        }
    }
    c
}

/// A script's status and reason judged from its TAP alone (no exit status,
/// no timeout): bail-out, skip-all, pass, fail, or error (no plan, plan
/// mismatch, invalid TAP).
pub fn judge_document(doc: &Document) -> (ScriptStatus, String) {
    let v = &doc.verdict;
    if let Some(reason) = &v.bailout {
        return (
            ScriptStatus::Bailout,
            format!("Bail out! {reason}").trim_end().to_string(),
        );
    }
    if v.failed > 0 {
        return (
            ScriptStatus::Fail,
            format!("{} of {} test points failed", v.failed, v.count),
        );
    }
    if let Some(plan) = &doc.plan {
        if plan.is_skip_all() && v.ok {
            return (
                ScriptStatus::Skip,
                plan.skip_reason.clone().unwrap_or_default(),
            );
        }
    }
    if v.ok {
        return (ScriptStatus::Pass, String::new());
    }
    let reason = v
        .errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| "the TAP stream does not pass".to_string());
    (ScriptStatus::Error, reason)
}

/// A complete script result from a document: `id` names it, `exit` says
/// how its process ended (if known), status judged by [`judge_document`].
pub fn script_from_document(id: &str, title: &str, doc: &Document, exit: Exit) -> ScriptResult {
    let (status, reason) = judge_document(doc);
    let mut s = ScriptResult::without_output(id, title, status, &reason);
    s.exit = exit;
    s.plan = doc.plan.clone();
    s.tests = tests_from_document(doc);
    s.counts = counts_of(&s.tests);
    s.parse_errors = doc.verdict.errors.clone();
    s
}
