//! Aligning N reports by identity: one row per script id (after renames)
//! and one row per test point identity within it, with one cell per report.
//!
//! Never by position: a test point's key is the path of identities from
//! the script down to it (the explicit `id` of its YAML block, else its
//! description, else `#number`; subtests nest). Two points of one script
//! with the same identity under the same parent are told apart by their
//! occurrence (`created`, `created [2]`) and reported as duplicates, so a
//! renumbered script still aligns point by point, and nothing is merged
//! silently.
//!
//! A point a report does not list, although its script is there, gets a
//! state from the script (see [`inherited`]): the script was skipped →
//! the same skip; the script stopped early (crash, timeout, bail-out,
//! error, or failed without completing its plan) → not run; the script
//! completed → absent (the point does not exist in that version).

use super::state::State;
use crate::report::model::{area_of, Report, ScriptResult, ScriptStatus, TestResult};
use std::collections::HashMap;

/// Separates the identities of a nested point in [`PointRow::key`].
pub const PATH_SEP: char = '\u{1f}';

/// One report's view of a script.
#[derive(Debug, Clone, Copy)]
pub struct ScriptCell<'a> {
    pub state: State,
    pub result: Option<&'a ScriptResult>,
    /// The "not started" reason when the run never started the script.
    pub not_run: Option<&'a str>,
}

/// One report's view of a test point.
#[derive(Debug, Clone, Copy)]
pub struct PointCell<'a> {
    pub state: State,
    pub result: Option<&'a TestResult>,
}

/// The word for a cell in a matrix: its state, or `xfail` for a failure
/// that a known-broken entry masked when the report was made (the state
/// itself, and so every class of change, stays unmasked: compare shows what
/// ran; `tck problems` is the masked view).
fn cell_label(state: State, masked: bool) -> &'static str {
    if masked && state.is_failure() {
        "xfail"
    } else {
        state.as_str()
    }
}

impl ScriptCell<'_> {
    /// See [`cell_label`].
    pub fn label(&self) -> &'static str {
        cell_label(self.state, self.result.is_some_and(|r| r.mask.is_some()))
    }
}

impl PointCell<'_> {
    /// See [`cell_label`].
    pub fn label(&self) -> &'static str {
        cell_label(self.state, self.result.is_some_and(|r| r.mask.is_some()))
    }
}

#[derive(Debug, Clone)]
pub struct PointRow<'a> {
    /// Identities from the top-level point down, joined by [`PATH_SEP`]
    /// (with ` [n]` on the n-th duplicate).
    pub key: String,
    pub cells: Vec<PointCell<'a>>,
}

impl PointRow<'_> {
    /// The key for people: identities joined by " › ".
    pub fn display(&self) -> String {
        self.key.replace(PATH_SEP, " › ")
    }
}

#[derive(Debug, Clone)]
pub struct ScriptRow<'a> {
    /// The script id after `--rename` (with ` [n]` on the n-th duplicate).
    pub id: String,
    pub area: String,
    pub cells: Vec<ScriptCell<'a>>,
    /// In order of first appearance (earliest report first).
    pub points: Vec<PointRow<'a>>,
}

/// An identity that occurs more than once in one report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Duplicate {
    /// Index of the report.
    pub report: usize,
    pub script: String,
    /// `None`: the script id itself is duplicated.
    pub test: Option<String>,
    pub count: usize,
}

/// The aligned table.
#[derive(Debug, Clone, Default)]
pub struct Table<'a> {
    /// Sorted by id.
    pub scripts: Vec<ScriptRow<'a>>,
    pub duplicates: Vec<Duplicate>,
}

/// Aligns `reports`; `renames` maps an old script id to its new one.
pub fn align<'a>(reports: &[&'a Report], renames: &HashMap<String, String>) -> Table<'a> {
    let n = reports.len();
    let mut rows: Vec<ScriptRow<'a>> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    // Per script row: point key → index in its `points`.
    let mut point_index: Vec<HashMap<String, usize>> = Vec::new();
    let mut duplicates = Vec::new();
    let rename =
        |id: &str| -> String { renames.get(id).cloned().unwrap_or_else(|| id.to_string()) };

    for (ri, report) in reports.iter().enumerate() {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for s in &report.scripts {
            let id = rename(&s.id);
            let occ = {
                let c = seen.entry(id.clone()).or_insert(0);
                *c += 1;
                *c
            };
            let key = occurrence(&id, occ);
            let row = *by_id.entry(key.clone()).or_insert_with(|| {
                rows.push(ScriptRow {
                    area: area_of(&id).to_string(),
                    id: key,
                    cells: vec![absent_script(); n],
                    points: Vec::new(),
                });
                point_index.push(HashMap::new());
                rows.len() - 1
            });
            rows[row].cells[ri] = ScriptCell {
                state: State::of_script(s.status, s.skip_kind, &s.reason),
                result: Some(s),
                not_run: None,
            };
            let mut dups = Vec::new();
            add_points(
                &s.tests,
                "",
                ri,
                n,
                &mut rows[row].points,
                &mut point_index[row],
                &mut dups,
            );
            dups.sort();
            for (test, count) in dups {
                duplicates.push(Duplicate {
                    report: ri,
                    script: id.clone(),
                    test: Some(test.replace(PATH_SEP, " › ")),
                    count,
                });
            }
        }
        for nr in &report.not_run {
            let id = rename(&nr.id);
            let row = *by_id.entry(id.clone()).or_insert_with(|| {
                rows.push(ScriptRow {
                    area: area_of(&id).to_string(),
                    id: id.clone(),
                    cells: vec![absent_script(); n],
                    points: Vec::new(),
                });
                point_index.push(HashMap::new());
                rows.len() - 1
            });
            let cell = &mut rows[row].cells[ri];
            if cell.state == State::Absent {
                *cell = ScriptCell {
                    state: State::NotRun,
                    result: None,
                    not_run: Some(&nr.reason),
                };
            }
        }
        let mut ids: Vec<(String, usize)> = seen.into_iter().filter(|(_, c)| *c > 1).collect();
        ids.sort();
        for (script, count) in ids {
            duplicates.push(Duplicate {
                report: ri,
                script,
                test: None,
                count,
            });
        }
    }

    for row in &mut rows {
        for ri in 0..n {
            let cell = row.cells[ri];
            let inherited = inherited(cell);
            for p in &mut row.points {
                if p.cells[ri].state == State::Absent {
                    p.cells[ri].state = inherited;
                }
            }
        }
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    duplicates.sort_by(|a, b| (a.report, &a.script, &a.test).cmp(&(b.report, &b.script, &b.test)));
    Table {
        scripts: rows,
        duplicates,
    }
}

fn absent_script<'a>() -> ScriptCell<'a> {
    ScriptCell {
        state: State::Absent,
        result: None,
        not_run: None,
    }
}

fn occurrence(identity: &str, occ: usize) -> String {
    if occ == 1 {
        identity.to_string()
    } else {
        format!("{identity} [{occ}]")
    }
}

/// Adds the points of one script of report `ri` (recursively); collects
/// duplicated identities (key, count) into `dups`.
fn add_points<'a>(
    tests: &'a [TestResult],
    prefix: &str,
    ri: usize,
    n: usize,
    rows: &mut Vec<PointRow<'a>>,
    index: &mut HashMap<String, usize>,
    dups: &mut Vec<(String, usize)>,
) {
    // Occurrences of each identity under this parent (few duplicates: a
    // small map, allocated only when needed).
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for t in tests {
        let occ = {
            let c = seen.entry(t.identity.as_str()).or_insert(0);
            *c += 1;
            *c
        };
        let mut key = String::with_capacity(prefix.len() + t.identity.len() + 5);
        if !prefix.is_empty() {
            key.push_str(prefix);
            key.push(PATH_SEP);
        }
        key.push_str(&t.identity);
        if occ > 1 {
            key.push_str(&format!(" [{occ}]"));
        }
        let cell = PointCell {
            state: State::of_point(t.outcome, t.reason.as_deref()),
            result: Some(t),
        };
        match index.get(&key) {
            Some(&i) => rows[i].cells[ri] = cell,
            None => {
                let mut cells = vec![
                    PointCell {
                        state: State::Absent,
                        result: None
                    };
                    n
                ];
                cells[ri] = cell;
                index.insert(key.clone(), rows.len());
                rows.push(PointRow {
                    key: key.clone(),
                    cells,
                });
            }
        }
        if let Some(sub) = &t.subtest {
            add_points(&sub.tests, &key, ri, n, rows, index, dups);
        }
    }
    for (identity, count) in seen {
        if count > 1 {
            let key = if prefix.is_empty() {
                identity.to_string()
            } else {
                format!("{prefix}{PATH_SEP}{identity}")
            };
            dups.push((key, count));
        }
    }
}

/// The state of a point its report does not list, from its script's cell
/// (see the module documentation).
pub fn inherited(script: ScriptCell<'_>) -> State {
    match (script.state, script.result) {
        (State::Absent, _) => State::Absent,
        (State::NotRun, _) => State::NotRun,
        (State::Skip(kind), _) => State::Skip(kind),
        (_, Some(s)) if completed(s) => State::Absent,
        _ => State::NotRun,
    }
}

/// Did the script run to its end (so a point it does not list does not
/// exist in its version)? Passed, or failed with its whole plan run and
/// valid TAP.
pub(crate) fn completed(s: &ScriptResult) -> bool {
    match s.status {
        ScriptStatus::Pass | ScriptStatus::Flaky => true,
        ScriptStatus::Fail => {
            s.parse_errors.is_empty()
                && s.plan.as_ref().is_some_and(|p| s.counts.total >= p.count())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::state::Severity;
    use super::*;
    use crate::report::model::*;
    use crate::report::sample::{self, point, script};
    use crate::tap::model::PointOutcome;

    fn report(scripts: Vec<ScriptResult>) -> Report {
        sample::report(Environment::default(), scripts)
    }

    fn states<'a>(t: &Table<'a>, script: &str, key: &str) -> Vec<State> {
        let row = t.scripts.iter().find(|r| r.id == script).unwrap();
        row.points
            .iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("no row {key:?}"))
            .cells
            .iter()
            .map(|c| c.state)
            .collect()
    }

    #[test]
    fn points_align_by_identity_not_number_or_position() {
        use PointOutcome::*;
        let a = report(vec![script(
            "domain/050-x",
            ScriptStatus::Fail,
            vec![point(1, "define", Pass), point(2, "start", Fail)],
        )]);
        // Renumbered and reordered, one point inserted.
        let b = report(vec![script(
            "domain/050-x",
            ScriptStatus::Pass,
            vec![
                point(1, "check caps", Pass),
                point(2, "start", Pass),
                point(3, "define", Pass),
            ],
        )]);
        let t = align(&[&a, &b], &HashMap::new());
        assert_eq!(
            states(&t, "domain/050-x", "start"),
            vec![State::Ran(Severity::Fail), State::Ran(Severity::Pass)]
        );
        assert_eq!(
            states(&t, "domain/050-x", "define"),
            vec![State::Ran(Severity::Pass), State::Ran(Severity::Pass)]
        );
        assert_eq!(
            states(&t, "domain/050-x", "check caps"),
            vec![State::Absent, State::Ran(Severity::Pass)]
        );
        let keys: Vec<&str> = t.scripts[0].points.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["define", "start", "check caps"]);
    }

    #[test]
    fn renames_map_old_ids_to_new_ones() {
        let a = report(vec![script("domain/050-old", ScriptStatus::Pass, vec![])]);
        let b = report(vec![script("domain/055-new", ScriptStatus::Fail, vec![])]);
        let mut renames = HashMap::new();
        renames.insert("domain/050-old".to_string(), "domain/055-new".to_string());
        let t = align(&[&a, &b], &renames);
        assert_eq!(t.scripts.len(), 1, "{:?}", t.scripts);
        assert_eq!(t.scripts[0].id, "domain/055-new");
        let st: Vec<State> = t.scripts[0].cells.iter().map(|c| c.state).collect();
        assert_eq!(
            st,
            vec![State::Ran(Severity::Pass), State::Ran(Severity::Fail)]
        );
        // Without the rename: two rows, each absent on one side.
        let t = align(&[&a, &b], &HashMap::new());
        assert_eq!(t.scripts.len(), 2);
    }

    #[test]
    fn duplicate_identities_are_reported_and_aligned_by_occurrence() {
        use PointOutcome::*;
        let a = report(vec![
            script(
                "net/010-x",
                ScriptStatus::Fail,
                vec![point(1, "created", Pass), point(2, "created", Fail)],
            ),
            script("net/010-x", ScriptStatus::Pass, vec![]),
        ]);
        let b = report(vec![script(
            "net/010-x",
            ScriptStatus::Pass,
            vec![point(1, "created", Pass), point(2, "created", Pass)],
        )]);
        let t = align(&[&a, &b], &HashMap::new());
        assert_eq!(
            states(&t, "net/010-x", "created [2]"),
            vec![State::Ran(Severity::Fail), State::Ran(Severity::Pass)]
        );
        assert_eq!(
            t.duplicates,
            vec![
                Duplicate {
                    report: 0,
                    script: "net/010-x".into(),
                    test: None,
                    count: 2
                },
                Duplicate {
                    report: 0,
                    script: "net/010-x".into(),
                    test: Some("created".into()),
                    count: 2
                },
                Duplicate {
                    report: 1,
                    script: "net/010-x".into(),
                    test: Some("created".into()),
                    count: 2
                },
            ]
        );
        assert!(t.scripts.iter().any(|r| r.id == "net/010-x [2]"));
    }

    #[test]
    fn missing_points_inherit_from_their_script() {
        use PointOutcome::*;
        let full = vec![point(1, "a", Pass), point(2, "b", Pass)];
        let a = report(vec![
            script("x/1-crash", ScriptStatus::Pass, full.clone()),
            script("x/2-skip", ScriptStatus::Pass, full.clone()),
            script("x/3-gone", ScriptStatus::Pass, full.clone()),
            script("x/4-notrun", ScriptStatus::Pass, full.clone()),
        ]);
        let mut crashed = script("x/1-crash", ScriptStatus::Crash, vec![point(1, "a", Pass)]);
        crashed.plan = None;
        let mut skipped = ScriptResult::without_output(
            "x/2-skip",
            "",
            ScriptStatus::Skip,
            "unsupported by driver: nope",
        );
        skipped.skip_kind = Some(SkipKind::Unsupported);
        let mut b = report(vec![
            crashed,
            skipped,
            script("x/3-gone", ScriptStatus::Pass, vec![point(1, "a", Pass)]),
        ]);
        b.not_run.push(NotRun {
            id: "x/4-notrun".into(),
            reason: "not started: interrupted".into(),
        });
        let t = align(&[&a, &b], &HashMap::new());
        let pass = State::Ran(Severity::Pass);
        assert_eq!(states(&t, "x/1-crash", "b"), vec![pass, State::NotRun]);
        assert_eq!(
            states(&t, "x/2-skip", "b"),
            vec![pass, State::Skip(SkipKind::Unsupported)]
        );
        assert_eq!(states(&t, "x/3-gone", "b"), vec![pass, State::Absent]);
        assert_eq!(states(&t, "x/4-notrun", "a"), vec![pass, State::NotRun]);
        let nr = t.scripts.iter().find(|r| r.id == "x/4-notrun").unwrap();
        assert_eq!(nr.cells[1].not_run, Some("not started: interrupted"));
    }

    #[test]
    fn subtest_points_are_keyed_by_their_path() {
        use PointOutcome::*;
        let mut parent = point(1, "hotplug", Fail);
        parent.subtest = Some(Box::new(Subtest {
            name: Some("hotplug".into()),
            plan: None,
            tests: vec![point(1, "attach", Pass), point(2, "detach", Fail)],
        }));
        let a = report(vec![script("d/1", ScriptStatus::Fail, vec![parent])]);
        let t = align(&[&a], &HashMap::new());
        let keys: Vec<String> = t.scripts[0].points.iter().map(|p| p.display()).collect();
        assert_eq!(keys, ["hotplug", "hotplug › attach", "hotplug › detach"]);
    }
}
