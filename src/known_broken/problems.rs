//! The masked view of several reports (`tck problems`): what needs fixing
//! (unexpected failures), what is known (expected failures, with their
//! reasons), what is stale (unexpected passes; entries that matched
//! nothing), and what has expired. Pure: the reports come masked, with
//! the [`MaskOutcome`] of each (see [`super::mask_report`]).

use super::mask::{HitKind, MaskOutcome};
use super::{Date, KnownBroken};
use crate::report::model::{Report, TestResult};
use crate::report::render::yaml_text;
use crate::tap::model::PointOutcome;
use serde::Serialize;

/// Lines of YAML diagnostics kept per failing point.
const YAML_LINES: usize = 12;

/// A failing test point of an unexpected failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedPoint {
    /// Identity path (" › " between subtest levels).
    pub test: String,
    pub number: u64,
    pub diagnostics: Vec<String>,
}

/// A script that failed and that no entry explains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unexpected {
    pub report: usize,
    pub script: String,
    pub status: &'static str,
    pub reason: String,
    /// Its failing points no entry masks (empty when the script failed
    /// for another reason: crash, timeout, invalid TAP…).
    pub points: Vec<FailedPoint>,
    /// Expired entries that would have masked it.
    pub expired_entries: Vec<String>,
}

/// A failure an entry masks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedFailure {
    pub report: usize,
    pub script: String,
    pub test: Option<String>,
    pub status: &'static str,
    pub entry: String,
    pub reason: String,
    pub flaky: bool,
}

/// A result a non-flaky entry expected to fail, which passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnexpectedPass {
    pub report: usize,
    pub script: String,
    pub test: Option<String>,
    pub entry: String,
    pub reason: String,
}

/// An entry that masked nothing, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unused {
    pub entry: String,
    pub subject: String,
    pub scope: String,
    pub why: String,
}

/// An entry past its `expires` date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expired {
    pub entry: String,
    pub subject: String,
    pub expires: String,
    pub reason: String,
    /// Failures it would have masked.
    pub failures: usize,
}

/// Everything `tck problems` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problems {
    /// One per report (labels as `tck compare` makes them).
    pub reports: Vec<String>,
    pub sources: Vec<String>,
    pub entries: usize,
    pub unexpected_failures: Vec<Unexpected>,
    pub unexpected_passes: Vec<UnexpectedPass>,
    pub expected_failures: Vec<ExpectedFailure>,
    /// Entries that matched no result in any report.
    pub unused: Vec<Unused>,
    /// Entries that matched only skipped, TODO or not-run results.
    pub not_exercised: Vec<Unused>,
    pub expired: Vec<Expired>,
    /// Loading warnings (entries that can never match…).
    pub warnings: Vec<String>,
}

impl Problems {
    /// 1 on unexpected failures or unexpected passes, else 0.
    pub fn exit_status(&self) -> u8 {
        u8::from(!self.unexpected_failures.is_empty() || !self.unexpected_passes.is_empty())
    }
}

/// The failing, unmasked points of `tests` (recursively; a failing
/// subtest is represented by its failing points when it has any).
fn unmasked(tests: &[TestResult], prefix: &str, out: &mut Vec<FailedPoint>) {
    for t in tests {
        let path = if prefix.is_empty() {
            t.identity.clone()
        } else {
            format!("{prefix} › {}", t.identity)
        };
        if t.outcome != PointOutcome::Fail || t.mask.is_some() {
            continue;
        }
        let before = out.len();
        if let Some(sub) = &t.subtest {
            unmasked(&sub.tests, &path, out);
        }
        if out.len() == before {
            let mut diagnostics = Vec::new();
            if let Some(y) = &t.yaml {
                let text = yaml_text(y, 0);
                let lines: Vec<&str> = text.lines().collect();
                diagnostics.extend(lines.iter().take(YAML_LINES).map(|l| l.to_string()));
                if lines.len() > YAML_LINES {
                    diagnostics.push(format!("… ({} more lines)", lines.len() - YAML_LINES));
                }
            }
            out.push(FailedPoint {
                test: path,
                number: t.number,
                diagnostics,
            });
        }
    }
}

/// The masked view of `reports` (each masked, with its outcome), from
/// the entries of `kb` on `today`.
pub fn problems(
    reports: &[(&Report, &MaskOutcome)],
    sources: &[String],
    kb: &KnownBroken,
    today: Date,
) -> Problems {
    let envs: Vec<_> = reports.iter().map(|(r, _)| &r.environment).collect();
    let labels = crate::compare::environment::labels(&envs, &[], sources);
    let mut p = Problems {
        reports: labels,
        sources: sources.to_vec(),
        entries: kb.entries.len(),
        unexpected_failures: Vec::new(),
        unexpected_passes: Vec::new(),
        expected_failures: Vec::new(),
        unused: Vec::new(),
        not_exercised: Vec::new(),
        expired: Vec::new(),
        warnings: kb.warnings.clone(),
    };
    for (ri, (report, outcome)) in reports.iter().enumerate() {
        for s in &report.scripts {
            if !s.status.is_failure() || s.mask.is_some() {
                continue;
            }
            let mut points = Vec::new();
            unmasked(&s.tests, "", &mut points);
            let mut expired_entries: Vec<String> = outcome
                .hits
                .iter()
                .filter(|h| h.kind == HitKind::Expired && h.script == s.id)
                .filter_map(|h| kb.entries.get(h.entry).map(|e| e.location.clone()))
                .collect();
            expired_entries.dedup();
            p.unexpected_failures.push(Unexpected {
                report: ri,
                script: s.id.clone(),
                status: s.status.as_str(),
                reason: s.reason.clone(),
                points,
                expired_entries,
            });
        }
        for e in &outcome.expected {
            p.expected_failures.push(ExpectedFailure {
                report: ri,
                script: e.script.clone(),
                test: e.test.clone(),
                status: e.status,
                entry: e.mask.entry.clone(),
                reason: e.mask.reason.clone(),
                flaky: e.mask.flaky,
            });
        }
        for h in &outcome.hits {
            let Some(entry) = kb.entries.get(h.entry) else {
                continue;
            };
            if h.kind == HitKind::Passed && !entry.flaky {
                let item = UnexpectedPass {
                    report: ri,
                    script: h.script.clone(),
                    test: h.test.clone(),
                    entry: entry.location.clone(),
                    reason: entry.reason.clone(),
                };
                if !p.unexpected_passes.contains(&item) {
                    p.unexpected_passes.push(item);
                }
            }
        }
    }

    // Per entry: matched anything, matched a pass or failure, expired hits.
    let mut tally = vec![(false, false, 0usize); kb.entries.len()];
    for h in reports.iter().flat_map(|(_, o)| o.hits.iter()) {
        let Some(t) = tally.get_mut(h.entry) else {
            continue;
        };
        t.0 = true;
        match h.kind {
            HitKind::Masked | HitKind::Passed => t.1 = true,
            HitKind::Expired => t.2 += 1,
            HitKind::NotExercised => {}
        }
    }
    for (e, &(any, exercised, expired_failures)) in kb.entries.iter().zip(&tally) {
        if e.expired(today) {
            p.expired.push(Expired {
                entry: e.location.clone(),
                subject: e.subject(),
                // `expired` is only true when there is a date.
                expires: e.expires.map(|d| d.to_string()).unwrap_or_default(),
                reason: e.reason.clone(),
                failures: expired_failures,
            });
            continue;
        }
        let unused = Unused {
            entry: e.location.clone(),
            subject: e.subject(),
            scope: e.scope_text(),
            why: String::new(),
        };
        if !any {
            let in_scope: Vec<&Report> = reports
                .iter()
                .map(|(r, _)| *r)
                .filter(|r| e.in_scope(&r.environment))
                .collect();
            let why = if in_scope.is_empty() {
                format!(
                    "out of scope for every report ({})",
                    if unused.scope.is_empty() {
                        "no scope".to_string()
                    } else {
                        unused.scope.clone()
                    }
                )
            } else if !in_scope.iter().any(|r| {
                r.scripts.iter().any(|s| e.script.matches(&s.id))
                    || r.not_run.iter().any(|n| e.script.matches(&n.id))
            }) {
                format!("no script id matches {:?}", e.script.text)
            } else {
                match &e.test {
                    Some(t) => format!("no test point of the matching scripts matches {t}"),
                    None => "matched nothing".to_string(),
                }
            };
            p.unused.push(Unused { why, ..unused });
        } else if !exercised {
            p.not_exercised.push(Unused {
                why: "matched only skipped, TODO or not-run results".into(),
                ..unused
            });
        }
    }
    p
}
