//! The per-area readiness roll-up: for each area (`domain`, `storage`…)
//! and each report, how many of the area's tests passed — what an
//! application developer reads as "what does this driver support".
//!
//! The unit is the test point, over the union of every report's rows: a
//! point one report lacks because its script was skipped there counts as
//! skipped in that report, not as nothing, so a driver that skips a whole
//! script is not rated on the scripts it happens to run. A script that has
//! no test points in any report (skipped everywhere before it started)
//! counts as one unit. Rows absent from a report (not in its suite) are
//! left out of that report's total.

use super::align::Table;
use super::state::{Severity, State};
use crate::report::model::SkipKind;

/// The tally of one area in one report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Readiness {
    /// Units present in the report (everything below added up).
    pub total: u64,
    /// Passed (a flaky script passed in the end).
    pub pass: u64,
    /// Expected failures (`# TODO`).
    pub todo: u64,
    /// Failed, errored, timed out, crashed or bailed out.
    pub fail: u64,
    pub unsupported: u64,
    /// Skipped for a missing resource or another reason.
    pub skip: u64,
    pub not_run: u64,
}

impl Readiness {
    /// `pass / total` (0 when there is nothing).
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.pass as f64 / self.total as f64
        }
    }

    fn add(&mut self, s: State) {
        match s {
            State::Absent => return,
            State::NotRun => self.not_run += 1,
            State::Skip(SkipKind::Unsupported) => self.unsupported += 1,
            State::Skip(_) => self.skip += 1,
            State::Ran(Severity::Pass | Severity::Flaky) => self.pass += 1,
            State::Ran(Severity::Todo) => self.todo += 1,
            State::Ran(_) => self.fail += 1,
        }
        self.total += 1;
    }
}

/// One area across the reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AreaReadiness {
    /// "" for scripts outside any area (external scripts at the top level).
    pub area: String,
    /// One per report, in report order.
    pub reports: Vec<Readiness>,
}

/// The roll-up, areas sorted by name.
pub fn readiness(table: &Table<'_>, n: usize) -> Vec<AreaReadiness> {
    let mut out: Vec<AreaReadiness> = Vec::new();
    for row in &table.scripts {
        let at = match out.iter().position(|a| a.area == row.area) {
            Some(i) => i,
            None => {
                out.push(AreaReadiness {
                    area: row.area.clone(),
                    reports: vec![Readiness::default(); n],
                });
                out.len() - 1
            }
        };
        let area = &mut out[at];
        if row.points.is_empty() {
            for (ri, c) in row.cells.iter().enumerate() {
                area.reports[ri].add(c.state);
            }
        } else {
            for p in &row.points {
                for (ri, c) in p.cells.iter().enumerate() {
                    area.reports[ri].add(c.state);
                }
            }
        }
    }
    out.sort_by(|a, b| a.area.cmp(&b.area));
    out
}
