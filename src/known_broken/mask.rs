//! Applying known-broken entries to results: which entries are in scope
//! for a report ([`Scoped`]), masking a script's failures with them
//! (recording the entry as a [`Mask`] on the script and test points), and
//! the bookkeeping `tck problems` needs: every result an entry matched
//! ([`Hit`]) and every failure it masked ([`Expected`]).
//!
//! Masking is idempotent: masks already present are cleared first, so a
//! report read back from XML (or masked as it ran) can be masked again
//! with other files.

use super::{Date, Entry, KnownBroken, TestSel};
use crate::compare::align::PATH_SEP;
use crate::report::model::{Mask, Report, ScriptResult, ScriptStatus, TestResult};
use crate::tap::model::PointOutcome;

/// What an entry met in one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// A failure, masked.
    Masked,
    /// A pass: unexpected unless the entry is flaky.
    Passed,
    /// Skipped, TODO, not run or not reached: says nothing either way.
    NotExercised,
    /// A failure the entry would mask, had it not expired.
    Expired,
}

/// One result an entry matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into [`KnownBroken::entries`].
    pub entry: usize,
    pub kind: HitKind,
    pub script: String,
    /// The test point's identity path (" › " between levels); `None` for
    /// the script itself.
    pub test: Option<String>,
}

/// A failure masked by an entry: a script (masked by a script-level
/// entry) or a test point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub script: String,
    pub test: Option<String>,
    /// The script status or point outcome ("fail", "crash"…).
    pub status: &'static str,
    pub mask: Mask,
}

/// What masking one script (or report) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaskOutcome {
    pub hits: Vec<Hit>,
    pub expected: Vec<Expected>,
}

/// The entries of a [`KnownBroken`] that apply to one environment:
/// active ones mask, expired ones are only recorded.
#[derive(Debug, Clone)]
pub struct Scoped<'k> {
    active: Vec<(usize, &'k Entry)>,
    expired: Vec<(usize, &'k Entry)>,
}

impl KnownBroken {
    /// The entries in scope for a report of `env` on `today`.
    pub fn scoped(&self, env: &crate::report::model::Environment, today: Date) -> Scoped<'_> {
        let mut active = Vec::new();
        let mut expired = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.in_scope(env) {
                if e.expired(today) {
                    expired.push((i, e));
                } else {
                    active.push((i, e));
                }
            }
        }
        Scoped { active, expired }
    }
}

fn mask_of(e: &Entry) -> Mask {
    Mask {
        entry: e.location.clone(),
        reason: e.reason.clone(),
        flaky: e.flaky,
    }
}

/// One mask standing for several (a script whose failing points were
/// masked by different entries).
fn combine(masks: &[Mask]) -> Option<Mask> {
    let mut distinct: Vec<&Mask> = Vec::new();
    for m in masks {
        if !distinct.contains(&m) {
            distinct.push(m);
        }
    }
    match distinct.as_slice() {
        [] => None,
        [one] => Some((*one).clone()),
        many => Some(Mask {
            entry: many
                .iter()
                .map(|m| m.entry.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            reason: many
                .iter()
                .map(|m| m.reason.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            flaky: many.iter().all(|m| m.flaky),
        }),
    }
}

fn clear(tests: &mut [TestResult]) {
    for t in tests {
        t.mask = None;
        if let Some(sub) = &mut t.subtest {
            clear(&mut sub.tests);
        }
    }
}

fn selects(sel: &TestSel, t: &TestResult, top_level: bool) -> bool {
    match sel {
        TestSel::Number(n) => top_level && t.number == *n,
        TestSel::Description(p) => p.matches(&t.description) || p.matches(&t.identity),
    }
}

/// The walk over one script's points.
struct Walk<'a, 'k> {
    script: &'a str,
    /// Point-level entries whose script glob matches.
    active: Vec<(usize, &'k Entry)>,
    expired: Vec<(usize, &'k Entry)>,
    /// The script-level mask, which covers every failing point.
    script_mask: Option<Mask>,
    out: &'a mut MaskOutcome,
    /// Did any point-level entry select a point?
    selected: Vec<bool>,
}

impl Walk<'_, '_> {
    /// Masks `tests`; returns the masks of the failing points when every
    /// one of them is masked (`None` if one is not).
    fn points(&mut self, tests: &mut [TestResult], prefix: &str, top: bool) -> Option<Vec<Mask>> {
        let mut masks = Vec::new();
        let mut all = true;
        for t in tests {
            let path = if prefix.is_empty() {
                t.identity.clone()
            } else {
                format!("{prefix}{PATH_SEP}{}", t.identity)
            };
            let children = match &mut t.subtest {
                Some(sub) => self.points(&mut sub.tests, &path, false),
                None => None,
            };
            let mut first: Option<Mask> = None;
            for (k, &(i, e)) in self.active.iter().enumerate() {
                let Some(sel) = &e.test else { continue };
                if !selects(sel, t, top) {
                    continue;
                }
                self.selected[k] = true;
                let kind = match t.outcome {
                    PointOutcome::Fail => {
                        if first.is_none() {
                            first = Some(mask_of(e));
                        }
                        HitKind::Masked
                    }
                    PointOutcome::Pass | PointOutcome::TodoPassed => HitKind::Passed,
                    PointOutcome::Skip | PointOutcome::Todo => HitKind::NotExercised,
                };
                self.out.hits.push(Hit {
                    entry: i,
                    kind,
                    script: self.script.to_string(),
                    test: Some(path.replace(PATH_SEP, " › ")),
                });
            }
            if t.outcome != PointOutcome::Fail {
                continue;
            }
            if self.script_mask.is_none() {
                for &(i, e) in &self.expired {
                    if e.test.as_ref().is_some_and(|sel| selects(sel, t, top)) {
                        self.out.hits.push(Hit {
                            entry: i,
                            kind: HitKind::Expired,
                            script: self.script.to_string(),
                            test: Some(path.replace(PATH_SEP, " › ")),
                        });
                    }
                }
            }
            let mask = if let Some(m) = &self.script_mask {
                Some(m.clone())
            } else if let Some(m) = first {
                self.out.expected.push(Expected {
                    script: self.script.to_string(),
                    test: Some(path.replace(PATH_SEP, " › ")),
                    status: "fail",
                    mask: m.clone(),
                });
                Some(m)
            } else {
                // A failing subtest whose failing points are all masked.
                children.filter(|c| !c.is_empty()).and_then(|c| combine(&c))
            };
            match mask {
                Some(m) => {
                    t.mask = Some(Box::new(m.clone()));
                    masks.push(m);
                }
                None => all = false,
            }
        }
        all.then_some(masks)
    }
}

fn matching<'k>(
    list: &[(usize, &'k Entry)],
    id: &str,
    script_level: bool,
) -> Vec<(usize, &'k Entry)> {
    list.iter()
        .filter(|(_, e)| e.test.is_none() == script_level && e.script.matches(id))
        .copied()
        .collect()
}

impl Scoped<'_> {
    /// Masks one script's result in place (clearing earlier masks) and
    /// returns what the entries met.
    pub fn mask_script(&self, s: &mut ScriptResult) -> MaskOutcome {
        let mut out = MaskOutcome::default();
        s.mask = None;
        clear(&mut s.tests);
        let id = s.id.clone();
        let matching = |list, script_level| matching(list, &id, script_level);
        let script_entries = matching(&self.active, true);
        let point_entries = matching(&self.active, false);
        let expired_script = matching(&self.expired, true);
        let expired_points = matching(&self.expired, false);
        if script_entries.is_empty()
            && point_entries.is_empty()
            && expired_script.is_empty()
            && expired_points.is_empty()
        {
            return out;
        }
        let failure = s.status.is_failure();
        let passed = matches!(s.status, ScriptStatus::Pass | ScriptStatus::Flaky);
        for &(i, _) in &script_entries {
            out.hits.push(Hit {
                entry: i,
                kind: if failure {
                    HitKind::Masked
                } else if passed {
                    HitKind::Passed
                } else {
                    HitKind::NotExercised
                },
                script: s.id.clone(),
                test: None,
            });
        }
        let script_mask = if failure {
            script_entries.first().map(|(_, e)| mask_of(e))
        } else {
            None
        };
        if failure && script_mask.is_none() {
            for &(i, _) in &expired_script {
                out.hits.push(Hit {
                    entry: i,
                    kind: HitKind::Expired,
                    script: s.id.clone(),
                    test: None,
                });
            }
        }
        if let Some(m) = &script_mask {
            out.expected.push(Expected {
                script: s.id.clone(),
                test: None,
                status: s.status.as_str(),
                mask: m.clone(),
            });
        }
        let mut walk = Walk {
            script: &id,
            selected: vec![false; point_entries.len()],
            active: point_entries,
            expired: expired_points,
            script_mask: script_mask.clone(),
            out: &mut out,
        };
        let top = walk.points(&mut s.tests, "", true);
        // Point entries that selected nothing in a script that did not run
        // to its end (skipped, crashed…): not reached, not stale.
        let completed = crate::compare::align::completed(s);
        let unreached: Vec<usize> = walk
            .active
            .iter()
            .zip(&walk.selected)
            .filter(|(_, sel)| !**sel && !completed)
            .map(|((i, _), _)| *i)
            .collect();
        for i in unreached {
            out.hits.push(Hit {
                entry: i,
                kind: HitKind::NotExercised,
                script: s.id.clone(),
                test: None,
            });
        }
        s.mask = match script_mask {
            Some(m) => Some(m),
            None if s.status == ScriptStatus::Fail && s.parse_errors.is_empty() => {
                top.filter(|m| !m.is_empty()).and_then(|m| combine(&m))
            }
            None => None,
        };
        out
    }

    /// Entries about scripts the run never started: not exercised.
    fn not_run(&self, id: &str, out: &mut MaskOutcome) {
        for &(i, e) in &self.active {
            if e.script.matches(id) {
                out.hits.push(Hit {
                    entry: i,
                    kind: HitKind::NotExercised,
                    script: id.to_string(),
                    test: None,
                });
            }
        }
    }
}

/// Masks every script of `report` with the entries in scope for its
/// environment on `today` (clearing earlier masks).
pub fn mask_report(report: &mut Report, kb: &KnownBroken, today: Date) -> MaskOutcome {
    let scoped = kb.scoped(&report.environment, today);
    let mut out = MaskOutcome::default();
    for s in &mut report.scripts {
        let o = scoped.mask_script(s);
        out.hits.extend(o.hits);
        out.expected.extend(o.expected);
    }
    for n in &report.not_run {
        scoped.not_run(&n.id, &mut out);
    }
    out
}
