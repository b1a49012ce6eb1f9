//! A lifecycle callback registered for one domain receives that domain's events only, while a callback for all domains receives every guest's.

use std::sync::mpsc::channel;
use std::time::{Duration, Instant};
use tck::prelude::*;
use tck::virt::connection::start_event_loop;
use tck::virt::shim::register_lifecycle_events;

pub const META: Meta = Meta {
    tags: &["event"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(4);
    if !start_event_loop() {
        return Err(Stop::Error(
            "cannot start libvirt's default event loop".into(),
        ));
    }
    let conn = cx.connect()?;
    let (watched, other) = (cx.name("watched"), cx.name("other"));
    let dom = conn.define_domain_xml(&cx.domain(&watched)?.as_xml())?;
    let (tx_one, rx_one) = channel();
    let (tx_all, rx_all) = channel();
    let _one = t.ok_result(
        register_lifecycle_events(conn, Some(&dom), tx_one),
        "register a callback for the watched guest",
    )?;
    let _all = t.ok_result(
        register_lifecycle_events(conn, None, tx_all),
        "register a callback for every guest",
    )?;

    conn.define_domain_xml(&cx.domain(&other)?.as_xml())?
        .undefine()?;
    dom.undefine()?;

    // The all-domains callback sees the watched guest's undefinition last.
    let until = Instant::now() + Duration::from_secs(10);
    let mut everything = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match rx_all.recv_timeout(left) {
            Ok(e) if e.domain == watched || e.domain == other => {
                let last = e.domain == watched;
                everything.push(format!("{} {}", e.domain, e.describe()));
                if last {
                    break;
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    t.is(
        everything,
        vec![
            format!("{other} defined/added"),
            format!("{other} undefined/removed"),
            format!("{watched} undefined/removed"),
        ],
        "the all-domains callback receives both guests' events in order",
    );
    // Both callbacks live on one connection and see an event in the same
    // dispatch, the one-domain callback (registered first) before the
    // other: its events are all in by now.
    let filtered: Vec<String> = rx_one
        .try_iter()
        .map(|e| format!("{} {}", e.domain, e.describe()))
        .collect();
    t.is(
        filtered,
        vec![format!("{watched} undefined/removed")],
        "the one-domain callback receives only the watched guest's event",
    );
    Ok(())
}
