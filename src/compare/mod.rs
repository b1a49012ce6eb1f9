//! Comparing reports: "what changed between these runs?"
//!
//! Pure functions over loaded [`Report`]s (DESIGN.md §3, §8): the CLI reads
//! the files (through the import layer, so tck XML, archives and the Perl
//! kit's XML all work) and hands them here. Nothing in this module does I/O.
//!
//! - [`state`]: what a test amounts to in one report, the severity order,
//!   and the class of a change (the baseline table, tested case by case);
//! - [`align`]: rows by identity (script id after renames, test point
//!   identity path), one cell per report;
//! - [`environment`]: labels and environment differences;
//! - [`readiness`]: the per-area roll-up ("what does this driver support");
//! - [`render`] and [`html`]: text, JSON and HTML.
//!
//! **How script and point classes combine.** Both levels are classified on
//! their own and both are listed: a script row from the script's status, a
//! point row from the point's outcome. Where a report does not list a
//! point, the point's state comes from its script (skipped script → same
//! skip; script stopped early → not run; script completed → absent; see
//! [`align`]), so a script that now crashes at point 3 shows one script
//! regression and its unreached points as "no longer run", not as removed.
//! Regressions at either level count for the exit status: a point that
//! newly fails inside a script that already failed is a regression.

pub mod align;
pub mod environment;
pub mod html;
pub mod readiness;
pub mod render;
pub mod state;

pub use align::{Duplicate, PointRow, ScriptRow, Table};
pub use environment::Difference;
pub use readiness::AreaReadiness;
pub use state::{classify, Class, Severity, State};

use crate::report::model::Report;
use std::collections::HashMap;

/// One report to compare, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub report: &'a Report,
    /// The path as given (for labels and messages).
    pub source: &'a str,
}

/// How to compare.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Old script id → new script id, applied to every report.
    pub renames: HashMap<String, String>,
    /// Column labels, in report order (the rest come from the environment).
    pub labels: Vec<String>,
}

/// One change between two adjacent reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub class: Class,
    /// Index into [`Comparison::table`]`.scripts`.
    pub script: usize,
    /// Index into that script row's `points`; `None` for the script itself.
    pub point: Option<usize>,
    pub from: State,
    pub to: State,
}

/// How many scripts and test points fell into each class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassCounts(pub [u64; Class::ALL.len()]);

impl ClassCounts {
    pub fn get(&self, c: Class) -> u64 {
        self.0[c as usize]
    }

    fn add(&mut self, c: Class) {
        self.0[c as usize] += 1;
    }
}

/// The changes from report `from` to report `to` (adjacent).
#[derive(Debug, Clone)]
pub struct Pair {
    pub from: usize,
    pub to: usize,
    /// Every change but `Unchanged`, in class order (regressions first),
    /// then in row order; a script before its points.
    pub changes: Vec<Change>,
    pub scripts: ClassCounts,
    pub points: ClassCounts,
}

impl Pair {
    pub fn regressions(&self) -> u64 {
        self.scripts.get(Class::Regression) + self.points.get(Class::Regression)
    }

    pub fn changed(&self) -> bool {
        !self.changes.is_empty()
    }
}

/// The whole comparison.
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    pub inputs: Vec<Input<'a>>,
    pub labels: Vec<String>,
    pub table: Table<'a>,
    pub pairs: Vec<Pair>,
    pub environment: Vec<Difference>,
    pub readiness: Vec<AreaReadiness>,
    /// Things a reader must know to trust the comparison (schema versions,
    /// incomplete runs, duplicates, renames that matched nothing).
    pub notes: Vec<String>,
}

impl Comparison<'_> {
    pub fn regressions(&self) -> u64 {
        self.pairs.iter().map(Pair::regressions).sum()
    }

    pub fn changed(&self) -> bool {
        self.pairs.iter().any(Pair::changed)
    }

    /// Which report explains `change` (the worse side).
    pub fn explaining_report(&self, pair: &Pair, change: &Change) -> usize {
        if change.class.explained_by_later() {
            pair.to
        } else {
            pair.from
        }
    }
}

/// When `tck compare` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// A regression (script or test point) between any adjacent reports.
    #[default]
    Regressions,
    /// Any change at all (every class but unchanged).
    Changes,
    /// Never: exit 0 whatever changed (2 still means unreadable input).
    Never,
}

impl FailOn {
    pub fn fails(self, c: &Comparison<'_>) -> bool {
        match self {
            FailOn::Regressions => c.regressions() > 0,
            FailOn::Changes => c.changed(),
            FailOn::Never => false,
        }
    }
}

/// Compares `inputs` (oldest first).
pub fn compare<'a>(inputs: &[Input<'a>], opts: &Options) -> Comparison<'a> {
    let reports: Vec<&Report> = inputs.iter().map(|i| i.report).collect();
    let table = align::align(&reports, &opts.renames);
    let pairs = (1..inputs.len()).map(|i| pair(&table, i - 1, i)).collect();
    let envs: Vec<_> = reports.iter().map(|r| &r.environment).collect();
    let sources: Vec<String> = inputs.iter().map(|i| i.source.to_string()).collect();
    let labels = environment::labels(&envs, &opts.labels, &sources);
    let mut notes = Vec::new();
    let mut versions: Vec<u32> = reports.iter().map(|r| r.schema_version).collect();
    versions.sort_unstable();
    versions.dedup();
    if versions.len() > 1 {
        let per: Vec<String> = reports
            .iter()
            .zip(&labels)
            .map(|(r, l)| format!("{l}: {}", r.schema_version))
            .collect();
        notes.push(format!(
            "the reports use different schema versions ({}); they are compared on what every version records (statuses, outcomes, identities)",
            per.join("; ")
        ));
    }
    for (r, l) in reports.iter().zip(&labels) {
        if r.incomplete {
            notes.push(format!(
                "{l}: the run was incomplete ({} script{} not run); those are compared as \"not run\"",
                r.not_run.len(),
                if r.not_run.len() == 1 { "" } else { "s" }
            ));
        }
    }
    let mut unused: Vec<&String> = opts
        .renames
        .keys()
        .filter(|old| {
            !reports.iter().any(|r| {
                r.scripts.iter().any(|s| s.id == **old) || r.not_run.iter().any(|n| n.id == **old)
            })
        })
        .collect();
    unused.sort();
    for old in unused {
        notes.push(format!("--rename {old}=…: no report has a script {old:?}"));
    }
    if !table.duplicates.is_empty() {
        notes.push(format!(
            "{} identit{} occur more than once in one report; they are aligned by occurrence (\"x\", \"x [2]\") and listed under duplicates",
            table.duplicates.len(),
            if table.duplicates.len() == 1 { "y" } else { "ies" }
        ));
    }
    let readiness = readiness::readiness(&table, inputs.len());
    Comparison {
        inputs: inputs.to_vec(),
        labels,
        environment: environment::differences(&envs),
        table,
        pairs,
        readiness,
        notes,
    }
}

fn pair(table: &Table<'_>, from: usize, to: usize) -> Pair {
    let mut changes = Vec::new();
    let mut scripts = ClassCounts::default();
    let mut points = ClassCounts::default();
    for (si, row) in table.scripts.iter().enumerate() {
        let (a, b) = (row.cells[from].state, row.cells[to].state);
        if !(a == State::Absent && b == State::Absent) {
            let class = classify(a, b);
            scripts.add(class);
            if class != Class::Unchanged {
                changes.push(Change {
                    class,
                    script: si,
                    point: None,
                    from: a,
                    to: b,
                });
            }
        }
        for (pi, p) in row.points.iter().enumerate() {
            let (a, b) = (p.cells[from].state, p.cells[to].state);
            if a == State::Absent && b == State::Absent {
                continue;
            }
            let class = classify(a, b);
            points.add(class);
            if class != Class::Unchanged {
                changes.push(Change {
                    class,
                    script: si,
                    point: Some(pi),
                    from: a,
                    to: b,
                });
            }
        }
    }
    // Stable: row order (script, then its points) within each class.
    changes.sort_by_key(|c| c.class);
    Pair {
        from,
        to,
        changes,
        scripts,
        points,
    }
}

#[cfg(test)]
mod tests;
