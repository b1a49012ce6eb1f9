//! TEMPORARY STUB (harness branch): a stand-in for the real judge that the
//! `tap` branch provides. Replaced on merge.

use super::model::{Document, Event, PointOutcome, TapError, TestPoint};

pub struct Judge {
    keep: bool,
    doc: Document,
    seen: Vec<u64>,
    next: u64,
    plans: u32,
}

impl Judge {
    pub fn new(keep_tests: bool) -> Self {
        Judge {
            keep: keep_tests,
            doc: Document::default(),
            seen: Vec::new(),
            next: 0,
            plans: 0,
        }
    }

    pub fn event(&mut self, ev: Event) {
        match ev {
            Event::Version { version, .. } => self.doc.version = Some(version),
            Event::Plan { plan, .. } => {
                self.plans += 1;
                self.doc.plan = Some(plan);
            }
            Event::Point { point, .. } => {
                self.next += 1;
                let number = point.number.unwrap_or(self.next);
                let outcome = PointOutcome::of(point.ok, point.directive);
                let v = &mut self.doc.verdict;
                v.count += 1;
                match outcome {
                    PointOutcome::Pass => v.passed += 1,
                    PointOutcome::Fail => v.failed += 1,
                    PointOutcome::Skip => v.skipped += 1,
                    PointOutcome::Todo => v.todo += 1,
                    PointOutcome::TodoPassed => v.todo_passed += 1,
                }
                self.seen.push(number);
                if self.keep {
                    self.doc.tests.push(TestPoint {
                        number,
                        ok: point.ok,
                        description: point.description,
                        directive: point.directive,
                        reason: point.reason,
                        outcome,
                        yaml: None,
                        subtest: None,
                    });
                }
            }
            Event::BailOut { reason, .. } => self.doc.verdict.bailout = Some(reason),
            Event::Error { line, message } => {
                self.doc.verdict.errors.push(TapError { line, message })
            }
            _ => {}
        }
    }

    pub fn bailout(&self) -> Option<&str> {
        self.doc.verdict.bailout.as_deref()
    }

    pub fn finish(mut self) -> Document {
        let v = &mut self.doc.verdict;
        match &self.doc.plan {
            None => v.errors.push(TapError {
                line: 0,
                message: "no plan".into(),
            }),
            Some(p) => {
                if p.count() != v.count && !p.is_skip_all() {
                    v.errors.push(TapError {
                        line: 0,
                        message: format!("planned {} but ran {}", p.count(), v.count),
                    });
                    v.missing = (p.start..=p.end)
                        .filter(|n| !self.seen.contains(n))
                        .collect();
                }
            }
        }
        if self.plans > 1 {
            v.errors.push(TapError {
                line: 0,
                message: "more than one plan".into(),
            });
        }
        v.ok = v.failed == 0 && v.errors.is_empty() && v.bailout.is_none();
        self.doc
    }
}
