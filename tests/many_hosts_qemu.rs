//! `tck run` on several hosts at once through libvirt's remote driver:
//! the shared `qemu:///system` next to a private libvirtd of the test's
//! own, reached as `qemu+tcp://127.0.0.1:PORT/system` (and as
//! `qemu+tcp://localhost:PORT/system`: two URIs, one daemon, so the runs'
//! namespaces must keep apart). Gated like the other QEMU tests: skipped
//! where it cannot run, a failure under `CI=true` (which starts its own
//! private daemon the same way).

mod common;

use common::{qemu_system, short_prefix, tck, text, PrivateDaemon};
use std::path::Path;
use tck::report::model::{Report, ScriptStatus};
use tck::virt::connection::Connection;

const SELECTION: [&str; 5] = [
    "connect/",
    "capabilities/",
    "domain/050",
    "domain/060",
    "secret/010",
];

fn config(dir: &Path, prefix: &str) -> std::path::PathBuf {
    let path = dir.join("tck.toml");
    std::fs::write(
        &path,
        format!(
            "prefix = {prefix:?}\nscratch_dir = {:?}\n",
            dir.join("scratch").display().to_string()
        ),
    )
    .expect("write config");
    path
}

fn read(p: &Path) -> Report {
    tck::report::xml::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Names of every object on `uri` under `prefix` (`tck clean --dry-run`).
fn leftovers(config: &Path, uri: &str) -> String {
    let o = tck()
        .args(["clean", "--dry-run", "--config"])
        .arg(config)
        .args(["--uri", uri])
        .output()
        .expect("tck clean");
    let (out, err) = text(&o);
    assert!(
        o.status.success(),
        "tck clean --dry-run on {uri}: {out}\n{err}"
    );
    out
}

#[test]
fn hosts_run_at_once_over_the_remote_driver_each_with_its_report_then_a_matrix() {
    let Some(local) = qemu_system() else { return };
    let _ = local.close();
    let Some(daemon) = PrivateDaemon::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = short_prefix(1);
    let config = config(dir.path(), &prefix);
    let tcp = daemon.uri();
    let same = format!("qemu+tcp://localhost:{}/system", daemon.port);
    let out = tck()
        .arg("run")
        .arg("--config")
        .arg(&config)
        .args(["--uri", "qemu:///system"])
        .args(["--uri", &format!("tcp={tcp}")])
        .args(["--uri", &format!("same={same}")])
        .args(["-j", "2"])
        .args(SELECTION)
        .arg("--xml")
        .arg(dir.path().join("r.xml"))
        .output()
        .expect("tck runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");

    // The legend: each URI with its own prefix.
    for (label, uri, slot) in [
        ("qemu-system", "qemu:///system", 'a'),
        ("tcp", tcp.as_str(), 'b'),
        ("same", same.as_str(), 'c'),
    ] {
        let legend = format!("[{label}]");
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&legend) && l.contains(uri))
            .unwrap_or_else(|| panic!("no legend line for {label}:\n{stdout}"));
        assert!(line.contains(&format!("prefix {prefix}{slot}-")), "{line}");
    }
    // Each host's progress, labelled; the runs under way at once: the
    // script lines of the two runs on the private daemon interleave.
    let lines: Vec<&str> = stdout.lines().collect();
    let script_lines = |label: &str| -> Vec<usize> {
        let tag = format!("[{label}]");
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with(&tag) && l.contains("PASS"))
            .map(|(i, _)| i)
            .collect()
    };
    for label in ["qemu-system", "tcp", "same"] {
        assert_eq!(script_lines(label).len(), 6, "{label}:\n{stdout}");
        assert!(
            stdout.contains(&format!("[{label}] Summary: 6 scripts")),
            "{stdout}"
        );
    }
    let (on_tcp, on_same) = (script_lines("tcp"), script_lines("same"));
    let inside = |a: &[usize], b: &[usize]| b.iter().any(|i| a[0] < *i && *i < a[a.len() - 1]);
    assert!(
        inside(&on_tcp, &on_same) || inside(&on_same, &on_tcp),
        "the two runs on one daemon did not overlap:\n{stdout}"
    );
    assert!(stdout.contains("Readiness by area"), "{stdout}");
    assert!(stdout.contains("Matrix"), "{stdout}");
    assert!(
        stdout.lines().any(
            |l| l.trim_start().starts_with("domain/050-transient-lifecycle")
                && l.matches("pass").count() == 3
        ),
        "{stdout}"
    );

    // A report per host, named by its label, each from its own URI.
    let mut ids = Vec::new();
    for (label, uri) in [
        ("qemu-system", "qemu:///system"),
        ("tcp", &tcp),
        ("same", &same),
    ] {
        let r = read(&dir.path().join(format!("r.{label}.xml")));
        assert_eq!(r.environment.uri, *uri);
        assert_eq!(r.environment.driver, "QEMU");
        assert!(!r.environment.libvirt_daemon_version.is_empty());
        assert!(
            r.scripts
                .iter()
                .all(|s| s.status == ScriptStatus::Pass && s.leaked.is_empty()),
            "{label}: {:?}",
            r.scripts
                .iter()
                .map(|s| (&s.id, s.status, &s.reason))
                .collect::<Vec<_>>()
        );
        ids.push(r.scripts.iter().map(|s| s.id.clone()).collect::<Vec<_>>());
    }
    assert_eq!(ids[0].len(), 6);
    assert!(ids.iter().all(|i| *i == ids[0]));
    assert!(!dir.path().join("r.xml").exists());

    // Nothing left on either daemon.
    for uri in ["qemu:///system", tcp.as_str()] {
        let left = leftovers(&config, uri);
        assert!(left.contains("nothing to clean"), "{uri}: {left}");
    }
    drop(daemon);
}

/// A small nwfilter named `name` (an object kind the fixture owns).
fn define_filter(conn: &Connection, name: &str) {
    let xml = format!(
        "<filter name='{name}' chain='root'><rule action='accept' direction='in' \
         priority='500'><all/></rule></filter>"
    );
    conn.define_nwfilter_xml(&xml).expect("define nwfilter");
}

fn filter_exists(conn: &Connection, name: &str) -> bool {
    conn.lookup_nwfilter_by_name(name).is_ok()
}

#[test]
fn each_run_checks_and_removes_only_the_leftovers_under_its_own_prefix() {
    let Some(daemon) = PrivateDaemon::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = short_prefix(2);
    let config = config(dir.path(), &prefix);
    let uri = daemon.uri();
    let conn = Connection::open(&uri).expect("connect to the private daemon");
    // Slot b's run left this behind; slot z is another run's.
    let mine = format!("{prefix}b-left");
    let other = format!("{prefix}z-other");
    define_filter(&conn, &mine);
    define_filter(&conn, &other);

    let run = |force: bool| {
        let mut c = tck();
        c.arg("run")
            .arg("--config")
            .arg(&config)
            .args(["--uri", &format!("a={uri}")])
            .args([
                "--uri",
                &format!("b=qemu+tcp://localhost:{}/system", daemon.port),
            ])
            .arg("connect/");
        if force {
            c.arg("--force");
        }
        let o = c.output().expect("tck runs");
        let (out, err) = text(&o);
        (o.status.code(), out, err)
    };

    let (code, out, err) = run(false);
    assert_eq!(code, Some(2), "{out}\n{err}");
    assert!(err.contains("[b]") && err.contains(&mine), "{err}");
    assert!(!err.contains(&other), "{err}");
    assert!(err.contains("nothing was run"), "{err}");
    assert!(!out.contains("PASS"), "{out}");
    assert!(filter_exists(&conn, &mine));

    let (code, out, err) = run(true);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        err.contains("[b] --force: removed 1 object") && err.contains(&mine),
        "{err}"
    );
    assert!(!filter_exists(&conn, &mine));
    assert!(
        filter_exists(&conn, &other),
        "another run's object was removed"
    );

    if let Ok(f) = conn.lookup_nwfilter_by_name(&other) {
        let _ = f.undefine();
    }
    let _ = conn.close();
    drop(daemon);
}
