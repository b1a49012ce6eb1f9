//! A rich sample report: every script status, every point outcome, subtests,
//! YAML of every shape, text XML cannot hold, leaks, attempts and masks.
//! Tests of every renderer (and `tck render` demos) use it; it is public so
//! that integration tests and benchmarks can too.

use super::model::*;
use crate::tap::model::{Directive, Plan, PointOutcome, TapError};
use crate::yaml::Yaml;

// ------------------------------------------- builders of small reports

/// A test point with the directive its outcome implies (SKIP for a skip,
/// TODO for a todo), no reason, no diagnostics.
pub fn point(number: u64, description: &str, outcome: PointOutcome) -> TestResult {
    let directive = match outcome {
        PointOutcome::Skip => Some(Directive::Skip),
        PointOutcome::Todo | PointOutcome::TodoPassed => Some(Directive::Todo),
        _ => None,
    };
    TestResult {
        number,
        description: description.to_string(),
        outcome,
        directive,
        reason: None,
        yaml: None,
        identity: identity_of(number, description, None),
        subtest: None,
        mask: None,
    }
}

/// A script's result with these points, a plan covering them and their
/// counts.
pub fn script(id: &str, status: ScriptStatus, tests: Vec<TestResult>) -> ScriptResult {
    let mut s = ScriptResult::without_output(id, "", status, "");
    s.plan = Some(Plan {
        start: 1,
        end: tests.len() as u64,
        skip_reason: None,
    });
    s.counts = Counts::of(&tests);
    s.tests = tests;
    s
}

/// A Debian 12 x86_64 host's environment: `driver` at `hypervisor`
/// version, under libvirt daemon `libvirt` (other fields empty).
pub fn environment(driver: &str, hypervisor: &str, libvirt: &str) -> Environment {
    Environment {
        driver: driver.into(),
        hypervisor_version: hypervisor.into(),
        libvirt_daemon_version: libvirt.into(),
        os_id: "debian".into(),
        os_version: "12".into(),
        arch: "x86_64".into(),
        ..Environment::default()
    }
}

/// A report of `scripts` run in `environment`.
pub fn report(environment: Environment, scripts: Vec<ScriptResult>) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        environment,
        scripts,
        ..Report::default()
    }
}

/// A point of the sample report: as [`point`], "not yet" being the reason
/// of its directive.
fn sample_point(number: u64, description: &str, outcome: PointOutcome) -> TestResult {
    let mut p = point(number, description, outcome);
    if p.directive.is_some() {
        p.reason = Some("not yet".into());
    }
    p
}

/// Diagnostics of every YAML shape: nested maps and sequences, multi-line
/// strings, odd keys, every scalar type, empty collections.
pub fn rich_yaml() -> Yaml {
    Yaml::Map(vec![
        ("got".into(), Yaml::Str("domain 'tck-a' is running".into())),
        ("expected".into(), Yaml::Str("shut off".into())),
        ("code".into(), Yaml::Int(-55)),
        ("ratio".into(), Yaml::Float("1.5e3".into())),
        ("inf".into(), Yaml::Float("-.inf".into())),
        ("ok".into(), Yaml::Bool(false)),
        ("nothing".into(), Yaml::Null),
        (
            "multi-line".into(),
            Yaml::Str("line one\n  indented two\n\ttab\r\nCRLF end\n\n".into()),
        ),
        (
            "  odd key: with \"quotes\" & <angles>\n".into(),
            Yaml::Str(" lead and trail ".into()),
        ),
        (
            "ctl\u{1}key".into(),
            Yaml::Str("nul\0 bell\u{7} \\u{1} literal".into()),
        ),
        ("".into(), Yaml::Str(String::new())),
        (
            "nested".into(),
            Yaml::Seq(vec![
                Yaml::Map(vec![
                    (
                        "a".into(),
                        Yaml::Seq(vec![Yaml::Int(1), Yaml::Seq(vec![]), Yaml::Map(vec![])]),
                    ),
                    ("b".into(), Yaml::Str("]]> <![CDATA[ x ]]>".into())),
                ]),
                Yaml::Str("- dash".into()),
                Yaml::Null,
            ]),
        ),
        ("dup".into(), Yaml::Int(1)),
        ("dup".into(), Yaml::Int(2)),
    ])
}

/// The sample report.
pub fn sample_report() -> Report {
    let mut failing = sample_point(2, "running domain has an ID > 0", PointOutcome::Fail);
    failing.yaml = Some(rich_yaml());
    let mut with_id = sample_point(5, "lookup by UUID", PointOutcome::Pass);
    with_id.yaml = Some(Yaml::Map(vec![(
        "id".into(),
        Yaml::Str("uuid-lookup".into()),
    )]));
    with_id.identity = "uuid-lookup".into();
    let mut masked = sample_point(6, "", PointOutcome::Fail);
    masked.mask = Some(Box::new(Mask {
        entry: "conf/known-broken/qemu.toml:12".into(),
        reason: "https://gitlab.com/libvirt/libvirt/-/issues/1".into(),
        flaky: true,
    }));
    let mut sub_fail = sample_point(2, "inner fails", PointOutcome::Fail);
    sub_fail.yaml = Some(Yaml::Map(vec![(
        "message".into(),
        Yaml::Str("deep".into()),
    )]));
    let mut inner_sub = sample_point(1, "deepest", PointOutcome::Pass);
    inner_sub.subtest = Some(Box::new(Subtest {
        name: None,
        plan: Some(Plan {
            start: 1,
            end: 1,
            skip_reason: None,
        }),
        tests: vec![sample_point(1, "leaf", PointOutcome::Pass)],
    }));
    let mut parent = sample_point(3, "hotplug", PointOutcome::Fail);
    parent.subtest = Some(Box::new(Subtest {
        name: Some("hotplug\u{1b}[31m".into()),
        plan: Some(Plan {
            start: 1,
            end: 2,
            skip_reason: None,
        }),
        tests: vec![inner_sub, sub_fail],
    }));
    let fail_tests = vec![
        sample_point(1, "defined persistent domain config", PointOutcome::Pass),
        failing,
        parent,
        sample_point(4, "save/restore", PointOutcome::Skip),
        with_id,
        masked,
        sample_point(7, "hotplug ordering", PointOutcome::Todo),
        sample_point(8, "vcpu pinning", PointOutcome::TodoPassed),
        sample_point(
            9,
            "echo \\1 printed \u{1} and NUL \0 and \u{FFFF}",
            PointOutcome::Pass,
        ),
    ];
    let mut fail = ScriptResult::without_output(
        "domain/020-fail",
        "Checks domain lifecycle & <xml> in titles",
        ScriptStatus::Fail,
        "2 of 9 test points failed",
    );
    fail.requirements = vec!["root".into(), "driver(QEMU|TEST)".into()];
    fail.exit = Exit::Code { code: 1 };
    fail.duration = 0.028_14;
    fail.plan = Some(Plan {
        start: 1,
        end: 9,
        skip_reason: None,
    });
    fail.counts = Counts::of(&fail_tests);
    fail.tests = fail_tests;
    fail.leaked = vec![
        Leak {
            kind: "domain".into(),
            name: "tck-w1-dom".into(),
        },
        Leak {
            kind: "file".into(),
            name: "/var/tmp/tck/w1 \"x\"".into(),
        },
    ];
    fail.stderr_tail = "libvirt: error \u{1}\nsecond line\r\n\tindented\u{0}".into();
    fail.parse_errors = vec![TapError {
        line: 14,
        message: "unterminated YAML block".into(),
    }];

    let pass_tests: Vec<TestResult> = (1..=3)
        .map(|n| sample_point(n, &format!("step {n}"), PointOutcome::Pass))
        .collect();
    let mut pass = ScriptResult::without_output(
        "domain/010-pass",
        "Creates a transient guest (C:\\tmp)",
        ScriptStatus::Pass,
        "",
    );
    pass.exit = Exit::Code { code: 0 };
    pass.duration = 1.25;
    pass.plan = Some(Plan {
        start: 1,
        end: 3,
        skip_reason: None,
    });
    pass.counts = Counts::of(&pass_tests);
    pass.tests = pass_tests;

    let mut skip_all = ScriptResult::without_output(
        "nodedev/030-skipall",
        "Detaches a PCI device",
        ScriptStatus::Skip,
        "missing resource: no host pci device in the configuration",
    );
    skip_all.exit = Exit::Code { code: 0 };
    skip_all.plan = Some(Plan {
        start: 1,
        end: 0,
        skip_reason: Some("missing resource: no host pci device in the configuration".into()),
    });
    let unsupported = ScriptResult::without_output(
        "storage/100-iscsi",
        "iSCSI pools",
        ScriptStatus::Skip,
        "unsupported by driver: iscsi pools",
    );

    let mut flaky = ScriptResult::without_output(
        "network/040-flaky",
        "Starts a NAT network",
        ScriptStatus::Flaky,
        "",
    );
    flaky.exit = Exit::Code { code: 0 };
    flaky.tests = vec![sample_point(1, "network is active", PointOutcome::Pass)];
    flaky.counts = Counts::of(&flaky.tests);
    let mut first_fail = sample_point(1, "network is active", PointOutcome::Fail);
    first_fail.yaml = Some(Yaml::Map(vec![(
        "got".into(),
        Yaml::Str("inactive".into()),
    )]));
    flaky.attempts = vec![Attempt {
        status: ScriptStatus::Fail,
        reason: "1 of 1 test points failed".into(),
        duration: 0.5,
        counts: Counts {
            total: 1,
            fail: 1,
            ..Counts::default()
        },
        stderr_tail: "dnsmasq: busy\u{2}".into(),
        tests: vec![first_fail],
    }];

    let mut timeout = ScriptResult::without_output(
        "domain/090-hang",
        "Saves a guest",
        ScriptStatus::Timeout,
        "timed out after 300 s",
    );
    timeout.exit = Exit::Signal {
        signal: 9,
        name: "SIGKILL".into(),
    };
    timeout.tests = vec![sample_point(1, "started", PointOutcome::Pass)];
    timeout.counts = Counts::of(&timeout.tests);
    timeout.duration = 300.0;

    let mut crash = ScriptResult::without_output(
        "qemu/010-crash",
        "Monitor commands",
        ScriptStatus::Crash,
        "killed by signal 11 (SIGSEGV)",
    );
    crash.exit = Exit::Signal {
        signal: 11,
        name: "SIGSEGV".into(),
    };

    let mut error =
        ScriptResult::without_output("external/check.sh", "", ScriptStatus::Error, "no plan");
    error.exit = Exit::Code { code: 0 };
    error.parse_errors = vec![TapError {
        line: 0,
        message: "no plan".into(),
    }];
    error.mask = Some(Mask {
        entry: "conf/known-broken/x.toml:3".into(),
        reason: "ext".into(),
        flaky: false,
    });

    let mut bail = ScriptResult::without_output(
        "hooks/010-bail",
        "Daemon hooks",
        ScriptStatus::Bailout,
        "Bail out! libvirtd went away",
    );
    bail.exit = Exit::Code { code: 255 };
    let mut imported = ScriptResult::without_output("t/old.t", "", ScriptStatus::Pass, "");
    imported.exit = Exit::Unknown;
    imported.area = String::new();

    Report {
        schema_version: SCHEMA_VERSION,
        environment: Environment {
            tck_version: "0.1.0".into(),
            tck_commit: "e2c8e5f55631".into(),
            uri: "test:///default".into(),
            driver: "TEST".into(),
            hypervisor_version: "2.0.0".into(),
            libvirt_library_version: "11.3.0".into(),
            libvirt_daemon_version: "11.3.0".into(),
            hostname: "builder<1>".into(),
            os_id: "debian".into(),
            os_version: "12".into(),
            kernel: "6.1.0-28-amd64".into(),
            arch: "x86_64".into(),
            cpu_model: "Skylake-Client-IBRS".into(),
            capabilities_digest: "ab".repeat(32),
            domain_capabilities_digest: "cd".repeat(32),
            config_digest: "ef".repeat(32),
            guest_boot: "qemu (TCG fallback)".into(),
            start: "2026-11-21T20:00:00Z".into(),
            end: "2026-11-21T20:05:00Z".into(),
            command_line: vec![
                "tck".into(),
                "run".into(),
                "--xml".into(),
                "a b\u{1}.xml".into(),
            ],
            jobs: 2,
            seed: u64::MAX,
            partition: "2/4".into(),
        },
        scripts: vec![
            pass,
            fail,
            skip_all,
            unsupported,
            flaky,
            timeout,
            crash,
            error,
            bail,
            imported,
        ],
        incomplete: true,
        not_run: vec![NotRun {
            id: "storage/200-late".into(),
            reason: "interrupted (SIGINT)".into(),
        }],
    }
}
