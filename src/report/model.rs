//! The results model: the single source of truth for one run.
//!
//! Every output (console, XML, JSON, JUnit, HTML, archive) renders from a
//! [`Report`], `tck` reads its own XML back into a [`Report`], and compare /
//! known-broken are pure functions over loaded reports. Keep this module free
//! of I/O.

use crate::tap::model::{Directive, Plan, PointOutcome, TapError};
use crate::yaml::Yaml;

/// Version of the XML/JSON report schema written by this build.
pub const SCHEMA_VERSION: u32 = 1;

/// One run of `tck` against one URI.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub environment: Environment,
    /// Scripts in the order they were planned (path order), not completion order.
    pub scripts: Vec<ScriptResult>,
    /// True when the run was interrupted (Ctrl-C, bail-out without
    /// `--keep-going`) before every planned script ran.
    pub incomplete: bool,
    /// Ids of planned scripts that never started, with why.
    pub not_run: Vec<NotRun>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotRun {
    pub id: String,
    pub reason: String,
}

/// Where and how a run happened. Every field is optional in practice (a
/// report imported from plain TAP knows almost nothing), so absent values
/// are empty strings / `None` rather than guesses.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Environment {
    pub tck_version: String,
    pub tck_commit: String,
    pub uri: String,
    /// libvirt's driver type (`virConnectGetType`): "QEMU", "TEST", "LXC"…
    pub driver: String,
    /// Hypervisor version as "major.minor.micro".
    pub hypervisor_version: String,
    pub libvirt_library_version: String,
    pub libvirt_daemon_version: String,
    pub hostname: String,
    /// `ID` from os-release, e.g. "debian".
    pub os_id: String,
    /// `VERSION_ID` from os-release, e.g. "12".
    pub os_version: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    /// Hex SHA-256 of the capabilities XML.
    pub capabilities_digest: String,
    /// Hex SHA-256 of the domain capabilities XML of the generic guest.
    pub domain_capabilities_digest: String,
    /// Hex SHA-256 of the effective configuration.
    pub config_digest: String,
    /// How guests that need to boot were run, e.g. "kvm" or "qemu (TCG fallback)".
    pub guest_boot: String,
    /// RFC 3339 UTC timestamps.
    pub start: String,
    pub end: String,
    pub command_line: Vec<String>,
    pub jobs: u32,
    pub seed: u64,
    /// `K/N` when the run was slice K of N of its selection (`tck run
    /// --partition`), else empty; `tck merge` joins the slices.
    pub partition: String,
}

/// Final status of one script.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ScriptStatus {
    Pass,
    /// Failed, then passed on a retry (`--retries`).
    Flaky,
    Skip,
    Fail,
    /// Harness or environment trouble: could not start, no plan, invalid TAP.
    Error,
    Timeout,
    /// Killed by a signal.
    Crash,
    Bailout,
}

impl ScriptStatus {
    pub const ALL: [ScriptStatus; 8] = [
        ScriptStatus::Pass,
        ScriptStatus::Flaky,
        ScriptStatus::Skip,
        ScriptStatus::Fail,
        ScriptStatus::Error,
        ScriptStatus::Timeout,
        ScriptStatus::Crash,
        ScriptStatus::Bailout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScriptStatus::Pass => "pass",
            ScriptStatus::Flaky => "flaky",
            ScriptStatus::Skip => "skip",
            ScriptStatus::Fail => "fail",
            ScriptStatus::Error => "error",
            ScriptStatus::Timeout => "timeout",
            ScriptStatus::Crash => "crash",
            ScriptStatus::Bailout => "bailout",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Does this status make `tck run` exit 1 (before known-broken masking)?
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            ScriptStatus::Pass | ScriptStatus::Skip | ScriptStatus::Flaky
        )
    }
}

/// Why a script or test point was skipped. `unsupported` (the driver does
/// not implement it) is kept apart from `missing-resource` (the host or the
/// configuration lacks something) so that compare can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    Unsupported,
    MissingResource,
    Other,
}

impl SkipKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipKind::Unsupported => "unsupported",
            SkipKind::MissingResource => "missing-resource",
            SkipKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unsupported" => Some(SkipKind::Unsupported),
            "missing-resource" => Some(SkipKind::MissingResource),
            "other" => Some(SkipKind::Other),
            _ => None,
        }
    }

    /// Classify a skip reason text. Scripts word their reasons so that this
    /// works: "unsupported by driver: …" and "missing resource: …".
    pub fn classify(reason: &str) -> Self {
        let r = reason.to_ascii_lowercase();
        if r.starts_with("unsupported") || r.contains("not supported") {
            SkipKind::Unsupported
        } else if r.starts_with("missing")
            || r.starts_with("requires")
            || r.starts_with("needs")
            // The Perl kit's wording: "No host pci device available in configuration file".
            || (r.starts_with("no ") && (r.contains("available") || r.contains("configur")))
        {
            SkipKind::MissingResource
        } else {
            SkipKind::Other
        }
    }
}

/// How the script's process ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Exit {
    Code {
        code: i32,
    },
    Signal {
        signal: i32,
        name: String,
    },
    /// The process never ran (requirements unmet, could not start, not run).
    NotStarted,
    /// Not recorded: results imported from plain TAP files.
    Unknown,
}

/// Point counts of one script (top-level points only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    pub total: u64,
    pub pass: u64,
    pub fail: u64,
    pub skip: u64,
    pub todo: u64,
    pub todo_passed: u64,
}

impl Counts {
    /// Counts one more point with this outcome.
    pub fn add(&mut self, outcome: PointOutcome) {
        self.total += 1;
        match outcome {
            PointOutcome::Pass => self.pass += 1,
            PointOutcome::Fail => self.fail += 1,
            PointOutcome::Skip => self.skip += 1,
            PointOutcome::Todo => self.todo += 1,
            PointOutcome::TodoPassed => self.todo_passed += 1,
        }
    }

    /// The counts of `tests` (top-level points; subtests count as their
    /// own point).
    pub fn of(tests: &[TestResult]) -> Counts {
        let mut c = Counts::default();
        for t in tests {
            c.add(t.outcome);
        }
        c
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.total += o.total;
        self.pass += o.pass;
        self.fail += o.fail;
        self.skip += o.skip;
        self.todo += o.todo;
        self.todo_passed += o.todo_passed;
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(it: I) -> Counts {
        let mut total = Counts::default();
        for c in it {
            total += c;
        }
        total
    }
}

/// An object the fixture found in a script's namespace after it ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Leak {
    /// "domain", "network", "pool", "volume", "nwfilter", "secret", "file"…
    pub kind: String,
    pub name: String,
}

/// One other run of a script: an earlier attempt when it was retried
/// (`--retries`), or another repetition (`--repeat`); see
/// [`ScriptResult::attempts`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Attempt {
    pub status: ScriptStatus,
    pub reason: String,
    pub duration: f64,
    pub counts: Counts,
    pub stderr_tail: String,
    pub tests: Vec<TestResult>,
}

impl Attempt {
    /// The attempt a (finished) result was.
    pub fn of(r: ScriptResult) -> Attempt {
        Attempt {
            status: r.status,
            reason: r.reason,
            duration: r.duration,
            counts: r.counts,
            stderr_tail: r.stderr_tail,
            tests: r.tests,
        }
    }
}

/// The known-broken entry that masked a result (issue: compare/known-broken).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mask {
    /// "file:line" of the entry.
    pub entry: String,
    pub reason: String,
    pub flaky: bool,
}

/// One script's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScriptResult {
    /// e.g. "domain/050-transient-lifecycle".
    pub id: String,
    pub title: String,
    pub area: String,
    pub requirements: Vec<String>,
    pub status: ScriptStatus,
    /// Why it skipped, errored, crashed…; "" when it passed.
    pub reason: String,
    pub skip_kind: Option<SkipKind>,
    pub exit: Exit,
    /// Wall-clock seconds.
    pub duration: f64,
    pub plan: Option<Plan>,
    pub counts: Counts,
    pub leaked: Vec<Leak>,
    /// Bounded tail of stderr (lossily decoded, control characters kept as
    /// text; writers escape them).
    pub stderr_tail: String,
    pub parse_errors: Vec<TapError>,
    pub tests: Vec<TestResult>,
    /// The other attempts: with `--retries`, the earlier failed ones (this
    /// result is the last); with `--repeat`, the other repetitions in the
    /// order they ran (this result is the last one, or for a flaky script
    /// the last that did not fail). Empty for a script run once.
    pub attempts: Vec<Attempt>,
    pub mask: Option<Mask>,
}

impl ScriptResult {
    /// Runs of the script that did not fail, and its runs in all: the
    /// `attempts` (retries, or the other repetitions of `--repeat`) and the
    /// result itself. (1, 1) for a script run once that passed.
    pub fn pass_rate(&self) -> (usize, usize) {
        let passed = self
            .attempts
            .iter()
            .map(|a| a.status)
            .chain([self.status])
            .filter(|s| !s.is_failure())
            .count();
        (passed, self.attempts.len() + 1)
    }

    /// A result for a script that never produced output (skipped before
    /// start, not run, could not start).
    pub fn without_output(id: &str, title: &str, status: ScriptStatus, reason: &str) -> Self {
        ScriptResult {
            id: id.to_string(),
            title: title.to_string(),
            area: area_of(id).to_string(),
            requirements: Vec::new(),
            status,
            reason: reason.to_string(),
            skip_kind: (status == ScriptStatus::Skip).then(|| SkipKind::classify(reason)),
            exit: Exit::NotStarted,
            duration: 0.0,
            plan: None,
            counts: Counts::default(),
            leaked: Vec::new(),
            stderr_tail: String::new(),
            parse_errors: Vec::new(),
            tests: Vec::new(),
            attempts: Vec::new(),
            mask: None,
        }
    }
}

/// One test point's result.
///
/// A run can hold hundreds of thousands of these, and building them is most
/// of the time it takes to read a report back: the rare, large parts (a
/// subtest, a known-broken mask) are boxed so that a plain point stays small.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TestResult {
    pub number: u64,
    pub description: String,
    pub outcome: PointOutcome,
    pub directive: Option<Directive>,
    pub reason: Option<String>,
    pub yaml: Option<Yaml>,
    /// Stable identity within the script: the explicit `id` from the YAML
    /// block if given, else the description, else `#<number>`.
    pub identity: String,
    pub subtest: Option<Box<Subtest>>,
    pub mask: Option<Box<Mask>>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Subtest {
    pub name: Option<String>,
    pub plan: Option<Plan>,
    pub tests: Vec<TestResult>,
}

/// The area of a script id: the part before the first `/` ("" for none).
pub fn area_of(id: &str) -> &str {
    id.split_once('/').map(|(a, _)| a).unwrap_or("")
}

/// The stable identity of a test point (see [`TestResult::identity`]).
pub fn identity_of(number: u64, description: &str, yaml: Option<&Yaml>) -> String {
    if let Some(id) = yaml
        .and_then(|y| y.get("id"))
        .and_then(Yaml::as_scalar_string)
    {
        if !id.is_empty() {
            return id;
        }
    }
    if description.is_empty() {
        format!("#{number}")
    } else {
        description.to_string()
    }
}
