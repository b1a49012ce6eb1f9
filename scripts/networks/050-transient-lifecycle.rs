//! Creates a transient network, checks that it is active, not persistent and on the bridge its XML names, destroys it, and checks that it is gone.

use tck::prelude::*;

pub const META: Meta = Meta {
    tags: &["network"],
    priority: 0,
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    let conn = cx.connect()?;
    let name = cx.bridge_name("net")?;
    let xml = cx.network(&name).as_xml();

    let net = t.ok_result(
        conn.create_network_xml(&xml),
        "create_network_xml starts a transient network",
    )?;
    let uuid = net.uuid_string()?;
    t.is(
        net.name()?,
        name.as_str(),
        "the network has the name its XML gives",
    );
    t.ok(net.is_active()?, "the created network is active");
    t.ok(
        !net.is_persistent()?,
        "the created network is not persistent",
    );
    t.is(
        net.bridge_name()?,
        name.as_str(),
        "the network uses the bridge its XML names",
    );

    t.ok_result(net.destroy(), "destroy stops the transient network")?;
    t.err_code(
        conn.lookup_network_by_name(&name),
        ErrorNumber::NoNetwork,
        "lookup by name after destroy raises NoNetwork",
    );
    t.err_code(
        conn.lookup_network_by_uuid_string(&uuid),
        ErrorNumber::NoNetwork,
        "lookup by UUID after destroy raises NoNetwork",
    );
    Ok(())
}
