//! `tck merge`: several reports of one environment joined into one, e.g.
//! the slices of a run split over CI jobs with `tck run --partition K/N`.
//!
//! Pure: the CLI reads the files and writes the result.
//!
//! Rules, and why:
//! - **One environment.** Every fingerprint field compare looks at
//!   ([`crate::compare::environment::differences`]: driver, versions, URI,
//!   host, OS, kernel, CPU, tck build, capabilities and configuration
//!   digests) must be equal: a merged report claims that one environment
//!   gave these results. What may differ is when and how the pieces ran:
//!   start and end (the merged run starts at the earliest start and ends at
//!   the latest end), the command line (each slice names its own
//!   `--partition` and often its own output file), and `-j` (the merged
//!   report keeps the largest).
//! - **Each script once.** A script id in two inputs (ran, or listed as not
//!   run) is an error: the inputs overlap, and neither result can be
//!   preferred silently.
//! - **Slices complete.** When the inputs are slices (their environment
//!   records `K/N`), they must all be slices of the same N, each K once;
//!   a missing slice is an error unless allowed, and the merged report is
//!   then marked incomplete (the missing scripts are unknown, so they
//!   cannot be listed as not run).
//! - **Path order.** Slice K holds the selection's scripts at positions
//!   K-1, K-1+N, … ([`crate::select::partition`]), each in path order, so
//!   dealing them back round-robin restores the run's path order exactly.
//!   Inputs that are not slices are joined with built-in scripts sorted by
//!   id (their path) first, then external scripts in the order given.
//! - **Incomplete** if any input is; the scripts that did not run are
//!   listed in `not_run` as each input listed them.

use std::collections::HashMap;
use std::fmt;

use super::model::{NotRun, Report, ScriptResult};
use crate::compare::environment::{differences, display_value};
use crate::select::Partition;

/// One report to merge, with the path it came from (for messages).
pub struct Input {
    pub source: String,
    pub report: Report,
}

/// Options of a merge.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Merge slices even when some of them are missing (the result is
    /// marked incomplete).
    pub allow_missing: bool,
}

/// Why reports cannot be merged; the message names the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError(pub String);

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// Missing slices named in an error; more are counted.
const MISSING_NAMED: usize = 10;

fn err<T>(msg: String) -> Result<T, MergeError> {
    Err(MergeError(msg))
}

/// The slice each input is, when every input is one; `None` when none is.
fn slices(inputs: &[Input]) -> Result<Option<Vec<Partition>>, MergeError> {
    let mut parts = Vec::new();
    for i in inputs {
        let text = &i.report.environment.partition;
        if text.is_empty() {
            continue;
        }
        let p: Partition = text
            .parse()
            .map_err(|e| MergeError(format!("{}: its partition is not K/N: {e}", i.source)))?;
        parts.push((p, i.source.as_str()));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    if parts.len() != inputs.len() {
        let whole: Vec<&str> = inputs
            .iter()
            .filter(|i| i.report.environment.partition.is_empty())
            .map(|i| i.source.as_str())
            .collect();
        return err(format!(
            "{} {} a whole run, but {} {} a slice (tck run --partition): merge either slices \
             of one run, or whole runs",
            whole.join(", "),
            if whole.len() == 1 { "is" } else { "are" },
            parts[0].1,
            if parts.len() == 1 {
                "is"
            } else {
                "and others are"
            },
        ));
    }
    let n = parts[0].0.count;
    if let Some((p, src)) = parts.iter().find(|(p, _)| p.count != n) {
        return err(format!(
            "{} is slice {} of {n}, but {src} is slice {p}: merge the slices of one split",
            parts[0].1, parts[0].0
        ));
    }
    let mut seen: HashMap<u32, &str> = HashMap::new();
    for (p, src) in &parts {
        if let Some(first) = seen.insert(p.index, src) {
            return err(format!("slice {p} is given twice: {first} and {src}"));
        }
    }
    Ok(Some(parts.into_iter().map(|(p, _)| p).collect()))
}

/// Merges `inputs` into one report (see the module documentation).
pub fn merge(mut inputs: Vec<Input>, opts: Options) -> Result<Report, MergeError> {
    let Some(first) = inputs.first() else {
        return err("no report to merge".into());
    };
    if let Some(other) = inputs
        .iter()
        .find(|i| i.report.schema_version != first.report.schema_version)
    {
        return err(format!(
            "{} has schema version {}, but {} has {}",
            first.source, first.report.schema_version, other.source, other.report.schema_version
        ));
    }
    let envs: Vec<_> = inputs.iter().map(|i| &i.report.environment).collect();
    let diffs = differences(&envs);
    if !diffs.is_empty() {
        let mut msg = "the reports were not made in the same environment, so they cannot be \
                       one run (merge only the slices of one run):"
            .to_string();
        for d in &diffs {
            msg.push_str(&format!("\n  {}:", d.field));
            for (i, v) in inputs.iter().zip(&d.values) {
                msg.push_str(&format!(" {} in {};", display_value(d.field, v), i.source));
            }
            msg.pop();
        }
        return err(msg);
    }
    let version = first.report.schema_version;

    let slices = slices(&inputs)?;
    let mut incomplete = inputs.iter().any(|i| i.report.incomplete);
    if let Some(parts) = &slices {
        let n = parts[0].count;
        // The slices are distinct (checked above), so this many are missing.
        let missing = n as usize - parts.len();
        if missing > 0 {
            if !opts.allow_missing {
                // Named when few (N comes from the files, and may be large).
                let named: Vec<String> = (1..=n)
                    .filter(|k| !parts.iter().any(|p| p.index == *k))
                    .take(MISSING_NAMED)
                    .map(|k| format!("{k}/{n}"))
                    .collect();
                let more = if missing > named.len() {
                    format!(" and {} more", missing - named.len())
                } else {
                    String::new()
                };
                return err(format!(
                    "slice{} {}{more} of the run {} missing: the merged report would lack their \
                     scripts; give every slice's report (or --allow-missing to merge anyway, \
                     marked incomplete)",
                    if missing == 1 { "" } else { "s" },
                    named.join(", "),
                    if missing == 1 { "is" } else { "are" }
                ));
            }
            incomplete = true;
        }
        let mut by_slice: Vec<(u32, Input)> = parts.iter().map(|p| p.index).zip(inputs).collect();
        by_slice.sort_by_key(|(k, _)| *k);
        inputs = by_slice.into_iter().map(|(_, i)| i).collect();
    }

    // Every script id once, across results and not-run entries.
    let mut owner: HashMap<String, String> = HashMap::new();
    for i in &inputs {
        let ids = i
            .report
            .scripts
            .iter()
            .map(|s| &s.id)
            .chain(i.report.not_run.iter().map(|n| &n.id));
        for id in ids {
            if let Some(first) = owner.insert(id.clone(), i.source.clone()) {
                return err(format!(
                    "{id} is in {first} and in {}: the reports overlap (was a slice given \
                     twice, or the same script run in two of them?)",
                    i.source
                ));
            }
        }
    }

    let mut env = inputs[0].report.environment.clone();
    for i in &inputs[1..] {
        let e = &i.report.environment;
        if !e.start.is_empty() && (env.start.is_empty() || e.start < env.start) {
            env.start = e.start.clone();
        }
        if e.end > env.end {
            env.end = e.end.clone();
        }
        env.jobs = env.jobs.max(e.jobs);
    }
    env.partition = String::new();
    env.command_line = without_partition(&env.command_line);

    // Each input's planned scripts, in its (path) order: results first,
    // then those that never started (a stopped run's tail).
    enum Item {
        Ran(Box<ScriptResult>),
        NotRun(NotRun),
    }
    let lists: Vec<Vec<Item>> = inputs
        .into_iter()
        .map(|i| {
            let r = i.report;
            r.scripts
                .into_iter()
                .map(|s| Item::Ran(Box::new(s)))
                .chain(r.not_run.into_iter().map(Item::NotRun))
                .collect()
        })
        .collect();
    let mut items: Vec<Item> = Vec::new();
    if slices.is_some() {
        let mut iters: Vec<_> = lists.into_iter().map(Vec::into_iter).collect();
        loop {
            let before = items.len();
            for it in iters.iter_mut() {
                items.extend(it.next());
            }
            if items.len() == before {
                break;
            }
        }
    } else {
        items = lists.into_iter().flatten().collect();
    }
    // Path order puts built-in scripts first, sorted by id. Dealing the
    // slices back gives it already unless a slice ran in another order
    // (`--order slow-first`) and was interrupted, so that scripts that never
    // started sit between ones that ran; sorting restores it for built-in
    // scripts, and is stable, so external scripts keep the order given (or
    // dealt).
    let id = |item: &Item| match item {
        Item::Ran(s) => s.id.clone(),
        Item::NotRun(n) => n.id.clone(),
    };
    items.sort_by_cached_key(|item| {
        let id = id(item);
        match crate::registry::find(&id) {
            Some(_) => (0, id),
            None => (1, String::new()),
        }
    });
    let mut scripts = Vec::new();
    let mut not_run = Vec::new();
    for item in items {
        match item {
            Item::Ran(s) => scripts.push(*s),
            Item::NotRun(n) => not_run.push(n),
        }
    }
    Ok(Report {
        schema_version: version,
        environment: env,
        scripts,
        incomplete: incomplete || !not_run.is_empty(),
        not_run,
    })
}

/// A slice's command line without its `--partition K/N`: the command that
/// runs the whole selection.
fn without_partition(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a == "--partition" {
            skip = true;
            continue;
        }
        if a.starts_with("--partition=") {
            continue;
        }
        out.push(a.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Environment, ScriptStatus};

    fn env(partition: &str, start: &str, end: &str) -> Environment {
        Environment {
            uri: "test:///default".into(),
            driver: "TEST".into(),
            hypervisor_version: "2.0.0".into(),
            hostname: "h".into(),
            start: start.into(),
            end: end.into(),
            jobs: 2,
            partition: partition.into(),
            command_line: ["tck", "run", "--partition", partition, "--xml", "x.xml"]
                .map(String::from)
                .to_vec(),
            ..Environment::default()
        }
    }

    fn result(id: &str, status: ScriptStatus) -> ScriptResult {
        ScriptResult::without_output(id, "", status, "")
    }

    /// The built-in ids `0..n` of the registry, as a stand-in selection.
    fn ids(n: usize) -> Vec<&'static str> {
        crate::registry::SCRIPTS
            .iter()
            .take(n)
            .map(|d| d.id)
            .collect()
    }

    /// Slice k of n of `selection`, as `tck run --partition` would report it.
    fn slice(selection: &[&str], k: u32, n: u32, not_run_from: Option<usize>) -> Input {
        let p = Partition { index: k, count: n };
        let mine = p.apply(selection.to_vec());
        let cut = not_run_from.unwrap_or(mine.len()).min(mine.len());
        let report = Report {
            schema_version: 1,
            environment: env(
                &p.to_string(),
                &format!("2026-01-01T00:0{k}:00Z"),
                &format!("2026-01-01T00:1{k}:00Z"),
            ),
            scripts: mine[..cut]
                .iter()
                .map(|id| result(id, ScriptStatus::Pass))
                .collect(),
            incomplete: cut < mine.len(),
            not_run: mine[cut..]
                .iter()
                .map(|id| NotRun {
                    id: id.to_string(),
                    reason: "not started: interrupted".into(),
                })
                .collect(),
        };
        Input {
            source: format!("slice{k}.xml"),
            report,
        }
    }

    #[test]
    fn slices_merge_back_into_the_run_in_path_order() {
        let sel = ids(11);
        // Given out of order: the merge orders by slice.
        let inputs = vec![
            slice(&sel, 3, 3, None),
            slice(&sel, 1, 3, None),
            slice(&sel, 2, 3, None),
        ];
        let m = merge(inputs, Options::default()).expect("merge");
        let got: Vec<&str> = m.scripts.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(got, sel);
        assert!(!m.incomplete);
        assert!(m.not_run.is_empty());
        let e = &m.environment;
        assert_eq!(e.partition, "");
        assert_eq!(e.start, "2026-01-01T00:01:00Z");
        assert_eq!(e.end, "2026-01-01T00:13:00Z");
        assert_eq!(e.command_line, ["tck", "run", "--xml", "x.xml"]);
    }

    #[test]
    fn an_interrupted_slice_makes_the_merge_incomplete_with_its_not_run_listed() {
        let sel = ids(6);
        let inputs = vec![slice(&sel, 1, 2, Some(1)), slice(&sel, 2, 2, None)];
        let m = merge(inputs, Options::default()).expect("merge");
        assert!(m.incomplete);
        let not_run: Vec<&str> = m.not_run.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(not_run, [sel[2], sel[4]]);
        let ran: Vec<&str> = m.scripts.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ran, [sel[0], sel[1], sel[3], sel[5]]);
    }

    #[test]
    fn a_slice_interrupted_out_of_path_order_still_merges_in_path_order() {
        // Slice 1 of 2 ran its first and last script (slow-first), then was
        // interrupted: its second script never started.
        let sel = ids(6);
        let mut first = slice(&sel, 1, 2, None);
        let middle = first.report.scripts.remove(1);
        first.report.not_run.push(NotRun {
            id: middle.id,
            reason: "not started: interrupted".into(),
        });
        first.report.incomplete = true;
        let m = merge(vec![first, slice(&sel, 2, 2, None)], Options::default()).expect("merge");
        let ran: Vec<&str> = m.scripts.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ran, [sel[0], sel[1], sel[3], sel[4], sel[5]]);
        let not_run: Vec<&str> = m.not_run.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(not_run, [sel[2]]);
        assert!(m.incomplete);
    }

    #[test]
    fn many_missing_slices_are_counted_not_listed() {
        let sel = ids(4);
        let mut only = slice(&sel, 1, 2, None);
        only.report.environment.partition = "1/4000000000".into();
        let e = merge(vec![only], Options::default()).unwrap_err();
        assert!(e.0.contains("2/4000000000") && e.0.contains("more"), "{e}");
        assert!(e.0.len() < 1000, "{e}");
    }

    #[test]
    fn different_environments_are_refused_naming_field_and_files() {
        let sel = ids(4);
        let mut b = slice(&sel, 2, 2, None);
        b.report.environment.hypervisor_version = "3.0.0".into();
        // Times, command line and jobs may differ.
        b.report.environment.jobs = 8;
        let e = merge(vec![slice(&sel, 1, 2, None), b], Options::default()).unwrap_err();
        assert!(e.0.contains("hypervisor version"), "{e}");
        assert!(
            e.0.contains("2.0.0 in slice1.xml") && e.0.contains("3.0.0 in slice2.xml"),
            "{e}"
        );
        assert!(!e.0.contains("jobs") && !e.0.contains("start"), "{e}");
    }

    #[test]
    fn overlapping_duplicate_or_missing_slices_are_refused() {
        let sel = ids(6);
        let e = merge(
            vec![slice(&sel, 1, 2, None), slice(&sel, 1, 2, None)],
            Options::default(),
        )
        .unwrap_err();
        assert!(e.0.contains("slice 1/2 is given twice"), "{e}");

        let e = merge(
            vec![slice(&sel, 1, 3, None), slice(&sel, 3, 3, None)],
            Options::default(),
        )
        .unwrap_err();
        assert!(e.0.contains("slice 2/3 of the run is missing"), "{e}");
        let m = merge(
            vec![slice(&sel, 1, 3, None), slice(&sel, 3, 3, None)],
            Options {
                allow_missing: true,
            },
        )
        .expect("allowed");
        assert!(m.incomplete);
        assert_eq!(m.scripts.len(), 4);

        let e = merge(
            vec![slice(&sel, 1, 2, None), slice(&sel, 2, 3, None)],
            Options::default(),
        )
        .unwrap_err();
        assert!(
            e.0.contains("slice 1/2") && e.0.contains("slice 2/3"),
            "{e}"
        );

        // Whole runs that share a script overlap.
        let mut a = slice(&sel, 1, 1, None);
        let mut b = slice(&sel, 1, 1, None);
        a.report.environment.partition.clear();
        b.report.environment.partition.clear();
        b.source = "other.xml".into();
        let e = merge(vec![a, b], Options::default()).unwrap_err();
        assert!(
            e.0.contains(&format!("{} is in slice1.xml and in other.xml", sel[0])),
            "{e}"
        );

        // A slice with a whole run.
        let mut whole = slice(&sel, 1, 1, None);
        whole.report.environment.partition.clear();
        whole.source = "whole.xml".into();
        let e = merge(vec![whole, slice(&sel, 2, 2, None)], Options::default()).unwrap_err();
        assert!(e.0.contains("whole.xml is a whole run"), "{e}");
    }

    #[test]
    fn whole_runs_join_with_built_in_scripts_in_id_order_then_external_ones() {
        let sel = ids(4);
        let mk = |src: &str, ids: &[&str]| {
            let mut e = env("", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z");
            e.command_line = vec!["tck".into()];
            Input {
                source: src.into(),
                report: Report {
                    schema_version: 1,
                    environment: e,
                    scripts: ids
                        .iter()
                        .map(|id| result(id, ScriptStatus::Fail))
                        .collect(),
                    incomplete: false,
                    not_run: Vec::new(),
                },
            }
        };
        let m = merge(
            vec![
                mk("b.xml", &[sel[2], sel[3], "zz-ext.sh"]),
                mk("a.xml", &[sel[0], "aa-ext.sh", sel[1]]),
            ],
            Options::default(),
        )
        .expect("merge");
        let got: Vec<&str> = m.scripts.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            got,
            [sel[0], sel[1], sel[2], sel[3], "zz-ext.sh", "aa-ext.sh"]
        );
        assert!(m.scripts.iter().all(|s| s.status == ScriptStatus::Fail));
    }
}
