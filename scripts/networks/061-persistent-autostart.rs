//! Toggles autostart on a persistent network while inactive and while running, and checks that the setting survives start and destroy.

use tck::prelude::*;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(17);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let xml = cx.network(&name).as_xml();

    let net = t.ok_result(conn.define_network_xml(&xml), "define a persistent network")?;
    t.is(
        net.autostart()?,
        false,
        "a newly defined network does not autostart",
    );

    t.ok_result(net.set_autostart(true), "inactive: set_autostart(true)")?;
    t.is(net.autostart()?, true, "inactive: autostart reads true");
    t.ok_result(net.set_autostart(false), "inactive: set_autostart(false)")?;
    t.is(net.autostart()?, false, "inactive: autostart reads false");
    t.ok_result(
        net.set_autostart(true),
        "inactive: set_autostart(true) again",
    )?;

    t.ok_result(net.create(), "start the network")?;
    t.is(
        net.autostart()?,
        true,
        "autostart is still set after starting the network",
    );
    t.ok_result(net.set_autostart(false), "running: set_autostart(false)")?;
    t.is(net.autostart()?, false, "running: autostart reads false");
    t.ok_result(net.set_autostart(true), "running: set_autostart(true)")?;
    t.is(net.autostart()?, true, "running: autostart reads true");

    t.ok_result(net.destroy(), "destroy the network")?;
    t.is(
        net.autostart()?,
        true,
        "autostart is still set after destroying the network",
    );
    t.ok_result(net.undefine(), "undefine the network")?;
    t.err_code(
        conn.lookup_network_by_name(&name),
        ErrorNumber::NoNetwork,
        "lookup after undefine raises NoNetwork",
    );
    Ok(())
}
