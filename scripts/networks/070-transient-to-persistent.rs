//! Defining a running transient network from its own live XML makes it persistent without stopping it; destroying it then leaves it defined.

use tck::prelude::*;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let xml = cx.network(&name).as_xml();

    let net = t.ok_result(
        conn.create_network_xml(&xml),
        "create_network_xml starts a transient network",
    )?;
    t.ok(!net.is_persistent()?, "the created network is transient");
    let uuid = net.uuid_string()?;
    let live = net.xml_desc(0)?;

    let defined = t.ok_result(
        conn.define_network_xml(&live),
        "define the network from its live XML",
    )?;
    t.is(
        defined.uuid_string()?,
        uuid.as_str(),
        "the definition is the same network (same UUID)",
    );
    t.ok(net.is_persistent()?, "the network is now persistent");
    t.ok(
        net.is_active()?,
        "the network is still active after being defined",
    );

    t.ok_result(net.destroy(), "destroy the network")?;
    t.ok(!net.is_active()?, "the destroyed network is inactive");
    t.ok_result(
        conn.lookup_network_by_name(&name),
        "the destroyed network is still defined",
    )?;
    t.ok_result(net.undefine(), "undefine the network")?;
    Ok(())
}
