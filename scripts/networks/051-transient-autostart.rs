//! A transient network cannot be marked for autostart: autostart reads false, setting it raises OperationInvalid and changes nothing.
//!
//! Autostart starts a network's persistent configuration when the daemon
//! starts; a transient network has none.

use tck::prelude::*;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(6);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let xml = cx.network(&name).as_xml();

    let net = t.ok_result(
        conn.create_network_xml(&xml),
        "create_network_xml starts a transient network",
    )?;
    t.is(
        net.autostart()?,
        false,
        "autostart reads false on a transient network",
    );
    t.err_code(
        net.set_autostart(true),
        ErrorNumber::OperationInvalid,
        "set_autostart(true) on a transient network raises OperationInvalid",
    );
    t.is(
        net.autostart()?,
        false,
        "autostart still reads false after the refused change",
    );

    t.ok_result(net.destroy(), "destroy stops the transient network")?;
    t.err_code(
        conn.lookup_network_by_name(&name),
        ErrorNumber::NoNetwork,
        "lookup after destroy raises NoNetwork",
    );
    Ok(())
}
