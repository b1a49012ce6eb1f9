//! Domain lifecycle events arrive through the event loop in the order of the operations: defined, started, suspended, resumed, stopped (destroyed), undefined, each with its documented detail, and no unrelated event comes with them.
//!
//! A driver may report intermediate states it really goes through: QEMU
//! starts a guest paused and reports it resumed before started, and
//! reports a host-initiated shutdown before a destroyed guest stops. So
//! the operations' events must appear in order among the received ones,
//! and every other received event must be one of those kinds or a
//! shutdown notice.

use std::sync::mpsc::channel;
use std::time::{Duration, Instant};
use tck::prelude::*;
use tck::virt::connection::start_event_loop;
use tck::virt::shim::register_lifecycle_events;

pub const META: Meta = Meta {
    tags: &["event", "guest"],
    priority: 0,
    ..Meta::DEFAULT
};

/// How long the whole sequence may take to be delivered.
const DEADLINE: Duration = Duration::from_secs(10);

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    if !start_event_loop() {
        return Err(Stop::Error(
            "cannot start libvirt's default event loop".into(),
        ));
    }
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let (tx, rx) = channel();
    let reg = t.ok_result(
        register_lifecycle_events(conn, None, tx),
        "register for lifecycle events of every domain",
    )?;

    let dom = t.ok_result(
        conn.define_domain_xml(&cx.domain(&name)?.as_xml()),
        "define the guest",
    )?;
    t.ok_result(dom.create(), "start the guest")?;
    t.ok_result(dom.suspend(), "suspend the guest")?;
    t.ok_result(dom.resume(), "resume the guest")?;
    t.ok_result(dom.destroy(), "destroy the guest")?;
    t.ok_result(dom.undefine(), "undefine the guest")?;

    // Other scripts' domains send events too: keep this guest's, until its
    // undefinition arrives.
    let until = Instant::now() + DEADLINE;
    let mut got = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(e) if e.domain == name => {
                got.push(e.describe());
                if e.event == virt::sys::VIR_DOMAIN_EVENT_UNDEFINED as i32 {
                    break;
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    t.note(&format!("events received: {}", got.join(", ")));
    let expected = [
        "defined/added",
        "started/booted",
        "suspended/paused",
        "resumed/unpaused",
        "stopped/destroyed",
        "undefined/removed",
    ];
    let mut rest = got.iter();
    let missing: Vec<&str> = expected
        .iter()
        .filter(|want| !rest.any(|g| g == *want))
        .copied()
        .collect();
    if !t.ok(
        missing.is_empty(),
        "the operations' events arrive in operation order with their details, within 10 s",
    ) {
        t.diag(&format!("not found in order: {}", missing.join(", ")));
    }
    let unrelated: Vec<&String> = got
        .iter()
        .filter(|g| !expected.contains(&g.as_str()) && !g.starts_with("shutdown/"))
        .collect();
    t.is(
        unrelated,
        Vec::<&String>::new(),
        "no unrelated event arrives (shutdown notices aside)",
    );
    t.ok_result(reg.deregister(), "deregister the callback")?;
    Ok(())
}
