//! Eight threads, each with its own connection and its own guest, run lifecycles at once for a few seconds (define, start, then suspend, list, dump and resume over and over, destroy, undefine, then more define/undefine rounds); no operation fails, every connection stays alive, no guest is left, and the daemon is the same process afterwards.
//!
//! Starting and stopping a QEMU process costs about a second and a half
//! here, so each thread starts its guest once and spends the time window on
//! the cheap operations, which is where concurrent jobs on distinct
//! domains meet in the daemon.

use std::time::{Duration, Instant};
use tck::prelude::*;
use tck::virt::connection::{uri_is_local, uses_daemon};
use tck::virt::host::{processes_named, DAEMON_NAMES, PROCFS};

pub const META: Meta = Meta {
    tags: &["concurrency", "guest", "slow"],
    ..Meta::DEFAULT
};

const THREADS: usize = 8;
/// How long each thread keeps pausing and resuming its running guest.
const WINDOW: Duration = Duration::from_secs(2);
/// define/undefine rounds after the guest is stopped.
const REDEFINES: u32 = 3;

/// What one thread did.
struct Report {
    conn: Option<Connection>,
    operations: u32,
    errors: Vec<String>,
}

/// One thread's work on its own guest; stops at the first failure.
fn lifecycle(conn: &Connection, name: &str, xml: &str, ops: &mut u32) -> Result<(), String> {
    let at = |what: &'static str| move |e: virt::error::Error| format!("{name}: {what}: {e}");
    let d = conn.define_domain_xml(xml).map_err(at("define"))?;
    d.create().map_err(at("start"))?;
    *ops += 2;
    let until = Instant::now() + WINDOW;
    while Instant::now() < until {
        d.suspend().map_err(at("suspend"))?;
        conn.list_all_domains(0).map_err(at("list"))?;
        d.xml_desc(0).map_err(at("dump"))?;
        d.resume().map_err(at("resume"))?;
        *ops += 4;
    }
    d.destroy().map_err(at("destroy"))?;
    d.undefine().map_err(at("undefine"))?;
    *ops += 2;
    for _ in 0..REDEFINES {
        conn.define_domain_xml(xml)
            .map_err(at("redefine"))?
            .undefine()
            .map_err(at("undefine again"))?;
        *ops += 2;
    }
    Ok(())
}

fn worker(uri: &str, name: &str, xml: &str) -> Report {
    let conn = match Connection::open(uri) {
        Ok(c) => c,
        Err(e) => {
            return Report {
                conn: None,
                operations: 0,
                errors: vec![e.to_string()],
            }
        }
    };
    let mut operations = 0;
    let errors = lifecycle(&conn, name, xml, &mut operations)
        .err()
        .into_iter()
        .collect();
    Report {
        conn: Some(conn),
        operations,
        errors,
    }
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(6);
    let conn = cx.connect()?;
    let daemon_here = uses_daemon(cx.uri()) && uri_is_local(cx.uri());
    let daemons_before = if daemon_here {
        processes_named(std::path::Path::new(PROCFS), &DAEMON_NAMES)?
    } else {
        vec![]
    };

    let mut guests = Vec::new();
    for i in 0..THREADS {
        let name = cx.name(&format!("c{i}"));
        let xml = cx.domain(&name)?.as_xml();
        guests.push((name, xml));
    }
    let uri = cx.uri().to_string();
    let start = Instant::now();
    let reports: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = guests
            .iter()
            .map(|(name, xml)| s.spawn(|| worker(&uri, name, xml)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| Report {
                    conn: None,
                    operations: 0,
                    errors: vec!["thread panicked".into()],
                })
            })
            .collect()
    });
    let total: u32 = reports.iter().map(|r| r.operations).sum();
    t.note(&format!(
        "{total} operations by {THREADS} threads in {:.1} s",
        start.elapsed().as_secs_f64()
    ));

    let errors: Vec<&String> = reports.iter().flat_map(|r| r.errors.iter()).collect();
    t.is(
        errors,
        Vec::<&String>::new(),
        "no operation failed in any thread",
    );
    t.ok(
        reports
            .iter()
            .all(|r| r.errors.is_empty() && r.operations >= 8 + 2 * REDEFINES),
        "every thread completed its lifecycle with at least one pause and resume",
    );
    t.ok(
        reports.iter().all(|r| {
            r.conn
                .as_ref()
                .is_some_and(|c| c.is_alive().unwrap_or(false))
        }),
        "every thread's connection is still alive",
    );
    for r in reports {
        if let Some(c) = r.conn {
            c.close()?;
        }
    }
    let left: Vec<String> = conn
        .list_all_domains(0)?
        .iter()
        .filter_map(|d| d.name().ok())
        .filter(|n| n.starts_with(cx.namespace()))
        .collect();
    t.is(
        left,
        Vec::<String>::new(),
        "no guest of this script is left behind",
    );
    let fresh = Connection::open(cx.uri())?;
    t.ok(
        fresh.daemon_version().is_ok(),
        "a new connection opens and answers",
    );
    fresh.close()?;
    if daemon_here {
        let after = processes_named(std::path::Path::new(PROCFS), &DAEMON_NAMES)?;
        t.is(
            after,
            daemons_before,
            "the libvirt daemons are the same processes as before",
        );
    } else {
        t.skip(
            "no local daemon: the driver runs in this process or on another host",
            1,
        );
    }
    Ok(())
}
