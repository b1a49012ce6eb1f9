//! The order scripts are scheduled in.
//!
//! Path order (the order discovery gives) is the default and what reports
//! list. The other orders use the run [`crate::history`] of the URI:
//!
//! - `slow-first`: longest recorded duration first. With `-j N`, starting
//!   the long scripts first keeps one from starting last and running alone
//!   while the other slots are idle (longest-processing-time scheduling).
//!   Scripts with no recorded duration (new ones) go first: they may be
//!   slow, and their results are the most wanted.
//! - `failed-first`: what did not pass in the last recorded run (failed,
//!   errored, timed out, crashed, bailed out, or was never started), then
//!   the rest.
//! - `recent`: most recently failed or changed first. A script's mark is
//!   the newest recorded run in which it failed; a script that changed
//!   since its last recorded run (its file's content for an external
//!   script, the tck build for a built-in one) or was never recorded
//!   counts as failing now. Scripts that never failed and did not change
//!   keep path order at the end.
//!
//! Every order is stable: ties keep path order.

/// `--order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// The order of the paths and ids given (built-in scripts by id).
    #[default]
    Path,
    /// Longest recorded duration first.
    SlowFirst,
    /// What did not pass last time first.
    FailedFirst,
    /// Most recently failed or changed first.
    Recent,
}

impl Order {
    pub const ALL: [Order; 4] = [
        Order::Path,
        Order::SlowFirst,
        Order::FailedFirst,
        Order::Recent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Order::Path => "path",
            Order::SlowFirst => "slow-first",
            Order::FailedFirst => "failed-first",
            Order::Recent => "recent",
        }
    }

    pub fn parse(s: &str) -> Option<Order> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Does this order need the run history?
    pub fn uses_history(self) -> bool {
        self != Order::Path
    }
}

use std::collections::HashMap;

use crate::harness::discover::Script;
use crate::history::{RunRecord, ScriptRecord};
use crate::report::model::Report;

/// Puts `scripts` (in path order) in `order`, from `runs` (the URI's
/// recorded runs, oldest first).
pub fn arrange(scripts: &mut [Script], order: Order, runs: &[RunRecord]) {
    arrange_with(scripts, order, runs, crate::history::digest_of);
}

/// [`arrange`] with the digest of a script given (for tests).
pub fn arrange_with(
    scripts: &mut [Script],
    order: Order,
    runs: &[RunRecord],
    digest: impl Fn(&Script) -> String,
) {
    // Per script id: its newest record, and the newest run (1-based) in
    // which it failed.
    let mut newest: HashMap<&str, &ScriptRecord> = HashMap::new();
    let mut failed_in: HashMap<&str, usize> = HashMap::new();
    for (i, run) in runs.iter().enumerate() {
        for r in &run.scripts {
            newest.insert(&r.id, r);
            if r.status.is_failure() {
                failed_in.insert(&r.id, i + 1);
            }
        }
    }
    match order {
        Order::Path => {}
        Order::SlowFirst => {
            // Unknown durations sort as the longest.
            let key = |s: &Script| {
                newest
                    .get(s.id.as_str())
                    .map(|r| r.duration)
                    .unwrap_or(f64::INFINITY)
            };
            scripts.sort_by(|a, b| key(b).total_cmp(&key(a)));
        }
        Order::FailedFirst => {
            let failed = runs.last().map(RunRecord::failed).unwrap_or_default();
            scripts.sort_by_key(|s| !failed.contains(&s.id.as_str()));
        }
        Order::Recent => {
            let now = runs.len() + 1;
            let keys: HashMap<String, usize> = scripts
                .iter()
                .map(|s| {
                    let changed = match newest.get(s.id.as_str()) {
                        None => true,
                        Some(r) => {
                            let d = digest(s);
                            !d.is_empty() && !r.digest.is_empty() && d != r.digest
                        }
                    };
                    let key = if changed {
                        now
                    } else {
                        failed_in.get(s.id.as_str()).copied().unwrap_or(0)
                    };
                    (s.id.clone(), key)
                })
                .collect();
            scripts.sort_by_key(|s| std::cmp::Reverse(keys.get(&s.id).copied().unwrap_or(0)));
        }
    }
}

/// Puts a report's scripts (and those not run) back in path order, the
/// order of `planned`, whatever order they were scheduled in.
pub fn restore_path_order(report: &mut Report, planned: &[Script]) {
    let index: HashMap<&str, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let at = |id: &str| index.get(id).copied().unwrap_or(usize::MAX);
    report.scripts.sort_by_key(|s| at(&s.id));
    report.not_run.sort_by_key(|n| at(&n.id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EnvSummary;
    use crate::report::model::{NotRun, ScriptResult, ScriptStatus};
    use crate::script::Meta;

    fn script(id: &str) -> Script {
        Script {
            id: id.into(),
            title: String::new(),
            meta: Meta::DEFAULT,
            tags: Vec::new(),
            source: crate::harness::discover::Source::External(id.into()),
        }
    }

    fn run(scripts: &[(&str, ScriptStatus, f64, &str)], not_run: &[&str]) -> RunRecord {
        RunRecord {
            format: crate::history::FORMAT,
            uri: "test:///default".into(),
            start: String::new(),
            end: String::new(),
            wall: 0.0,
            profile: None,
            command_line: Vec::new(),
            incomplete: !not_run.is_empty(),
            environment: EnvSummary::default(),
            scripts: scripts
                .iter()
                .map(|(id, status, duration, digest)| ScriptRecord {
                    id: id.to_string(),
                    status: *status,
                    duration: *duration,
                    runs: 1,
                    path: None,
                    digest: digest.to_string(),
                })
                .collect(),
            not_run: not_run
                .iter()
                .map(|s| crate::history::NotRunRecord {
                    id: s.to_string(),
                    path: None,
                })
                .collect(),
        }
    }

    fn ids(scripts: &[Script]) -> Vec<&str> {
        scripts.iter().map(|s| s.id.as_str()).collect()
    }

    fn plan() -> Vec<Script> {
        ["a", "b", "c", "d", "e"].map(script).to_vec()
    }

    use ScriptStatus::{Fail, Pass, Timeout};

    #[test]
    fn slow_first_uses_the_newest_duration_and_puts_unknown_scripts_first() {
        let runs = [
            run(
                &[
                    ("a", Pass, 9.0, ""),
                    ("b", Pass, 1.0, ""),
                    ("c", Pass, 5.0, ""),
                ],
                &[],
            ),
            run(
                &[
                    ("a", Pass, 0.5, ""),
                    ("c", Pass, 5.0, ""),
                    ("d", Pass, 2.0, ""),
                ],
                &[],
            ),
        ];
        let mut s = plan();
        arrange_with(&mut s, Order::SlowFirst, &runs, |_| String::new());
        // e unknown; c 5.0; d 2.0; b 1.0 (older run); a 0.5 (newest wins).
        assert_eq!(ids(&s), ["e", "c", "d", "b", "a"]);
        let mut s = plan();
        arrange_with(&mut s, Order::SlowFirst, &[], |_| String::new());
        assert_eq!(ids(&s), ["a", "b", "c", "d", "e"], "no history: path order");
    }

    #[test]
    fn failed_first_takes_the_last_runs_failures_and_unstarted_scripts() {
        let runs = [
            run(&[("a", Fail, 1.0, "")], &[]),
            run(&[("b", Pass, 1.0, ""), ("d", Timeout, 1.0, "")], &["e"]),
        ];
        let mut s = plan();
        arrange_with(&mut s, Order::FailedFirst, &runs, |_| String::new());
        assert_eq!(ids(&s), ["d", "e", "a", "b", "c"]);
    }

    #[test]
    fn recent_puts_changed_and_new_scripts_then_the_latest_failures_first() {
        let runs = [
            run(
                &[
                    ("a", Fail, 1.0, "A"),
                    ("b", Pass, 1.0, "B"),
                    ("c", Pass, 1.0, "C"),
                    ("d", Pass, 1.0, "D"),
                ],
                &[],
            ),
            run(
                &[
                    ("a", Pass, 1.0, "A"),
                    ("b", Fail, 1.0, "B"),
                    ("c", Pass, 1.0, "C"),
                    ("d", Pass, 1.0, "D"),
                ],
                &[],
            ),
        ];
        let mut s = plan();
        // c changed since it was recorded; e was never recorded.
        arrange_with(&mut s, Order::Recent, &runs, |s| {
            if s.id == "c" {
                "C2".into()
            } else {
                s.id.to_uppercase()
            }
        });
        assert_eq!(ids(&s), ["c", "e", "b", "a", "d"]);
    }

    #[test]
    fn reports_go_back_to_path_order() {
        let planned = plan();
        let mut r = Report::default();
        for id in ["c", "a", "e"] {
            r.scripts
                .push(ScriptResult::without_output(id, "", Pass, ""));
        }
        r.not_run = ["d", "b"]
            .iter()
            .map(|id| NotRun {
                id: id.to_string(),
                reason: String::new(),
            })
            .collect();
        restore_path_order(&mut r, &planned);
        let got: Vec<&str> = r.scripts.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(got, ["a", "c", "e"]);
        let got: Vec<&str> = r.not_run.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(got, ["b", "d"]);
    }
}
