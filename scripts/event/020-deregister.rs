//! Deregistering a lifecycle callback stops delivery to it: a second, still registered callback sees the later events while the deregistered one sees none, and libvirt releases the deregistered callback's data.

use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::time::{Duration, Instant};
use tck::prelude::*;
use tck::virt::connection::start_event_loop;
use tck::virt::shim::{register_lifecycle_events, LifecycleEvent};

pub const META: Meta = Meta {
    tags: &["event"],
    ..Meta::DEFAULT
};

const DEADLINE: Duration = Duration::from_secs(10);

/// Waits for the undefinition of `name`; the events of `name` seen before.
fn until_undefined(rx: &Receiver<LifecycleEvent>, name: &str) -> Option<Vec<String>> {
    let until = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        let e = rx.recv_timeout(left).ok()?;
        if e.domain == name {
            seen.push(e.describe());
            if e.event == virt::sys::VIR_DOMAIN_EVENT_UNDEFINED as i32 {
                return Some(seen);
            }
        }
    }
    None
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    if !start_event_loop() {
        return Err(Stop::Error(
            "cannot start libvirt's default event loop".into(),
        ));
    }
    let conn = cx.connect()?;
    let (tx_a, rx_a) = channel();
    let (tx_b, rx_b) = channel();
    let a = t.ok_result(
        register_lifecycle_events(conn, None, tx_a),
        "register callback A",
    )?;
    // libvirt refuses the same callback twice on one connection for the
    // same events: B watches through a connection of its own.
    let other = Connection::open(cx.uri())?;
    let b = t.ok_result(
        register_lifecycle_events(&other, None, tx_b),
        "register callback B on a second connection",
    )?;

    let (one, two) = (cx.name("one"), cx.name("two"));
    conn.define_domain_xml(&cx.domain(&one)?.as_xml())?
        .undefine()?;
    t.ok(
        until_undefined(&rx_a, &one).is_some(),
        "A receives the events of the first guest",
    );
    t.ok(
        until_undefined(&rx_b, &one).is_some(),
        "B receives the events of the first guest",
    );

    t.ok_result(a.deregister(), "deregister A")?;
    conn.define_domain_xml(&cx.domain(&two)?.as_xml())?
        .undefine()?;
    t.is(
        until_undefined(&rx_b, &two),
        Some(vec![
            "defined/added".to_string(),
            "undefined/removed".to_string(),
        ]),
        "B still receives the second guest's events",
    );
    // B has seen the second guest's last event, so anything for A would
    // have been dispatched by now.
    let late: Vec<String> = rx_a
        .try_iter()
        .filter(|e| e.domain == two)
        .map(|e| e.describe())
        .collect();
    t.is(
        late,
        Vec::<String>::new(),
        "A receives nothing after its deregistration",
    );

    // libvirt frees A's data (here: drops its channel's sender) once the
    // callback is gone.
    let until = Instant::now() + DEADLINE;
    let released = loop {
        match rx_a.try_recv() {
            Err(TryRecvError::Disconnected) => break true,
            _ if Instant::now() > until => break false,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    t.ok(
        released,
        "libvirt releases the deregistered callback's data",
    );
    drop(b);
    other.close()?;
    Ok(())
}
