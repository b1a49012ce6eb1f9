//! Defines a network, undefines it, defines it again, starts and destroys it, and undefines it, checking activity, persistence and lookups at each step.

use tck::prelude::*;

pub const META: Meta = Meta {
    tags: &["network"],
    priority: 0,
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(15);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let xml = cx.network(&name).as_xml();

    let net = t.ok_result(conn.define_network_xml(&xml), "define a persistent network")?;
    t.ok(!net.is_active()?, "a newly defined network is inactive");
    t.ok(net.is_persistent()?, "a defined network is persistent");
    t.ok_result(net.undefine(), "undefine the inactive network")?;
    t.err_code(
        conn.lookup_network_by_name(&name),
        ErrorNumber::NoNetwork,
        "lookup after the first undefine raises NoNetwork",
    );

    let net = t.ok_result(conn.define_network_xml(&xml), "define the network again")?;
    t.ok_result(net.create(), "start the defined network")?;
    t.ok(net.is_active()?, "the started network is active");
    t.ok(
        net.is_persistent()?,
        "the started network is still persistent",
    );

    t.ok_result(net.destroy(), "destroy the running network")?;
    t.ok(!net.is_active()?, "the destroyed network is inactive");
    let found = t.ok_result(
        conn.lookup_network_by_name(&name),
        "the destroyed network can still be looked up",
    )?;
    t.ok(
        found.is_persistent()?,
        "the destroyed network keeps its persistent configuration",
    );

    t.ok_result(net.undefine(), "undefine the network")?;
    t.err_code(
        conn.lookup_network_by_name(&name),
        ErrorNumber::NoNetwork,
        "lookup after the final undefine raises NoNetwork",
    );
    Ok(())
}
