//! Creating a network checks name and UUID uniqueness against running and defined networks: a running one cannot be created again, another name with its UUID or its name with another UUID is refused, and creating a defined inactive network's own XML starts it.

use tck::prelude::*;
use tck::suite::unique_id::Twins;
use virt::network::Network;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let a = Twins::<Network>::new(cx)?;

    let net = t.ok_result(
        conn.create_network_xml(&a.same),
        "create transient network A",
    )?;
    a.creating_again(t, cx)?;
    a.creating_clashes(t, cx, "running")?;
    t.is(
        net.uuid_string()?,
        a.uuid.as_str(),
        "running: A keeps its UUID",
    );
    a.none_under_other_name(t, cx, "created")?;
    t.ok_result(net.destroy(), "destroy transient network A")?;

    let net = t.ok_result(conn.define_network_xml(&a.same), "define network A")?;
    a.creating_clashes(t, cx, "defined")?;
    t.ok_result(
        conn.create_network_xml(&a.same),
        "defined: creating A's own XML succeeds",
    )?;
    t.ok(
        net.is_active()? && net.is_persistent()?,
        "defined: the defined network A is now running and still persistent",
    );
    t.ok_result(net.destroy(), "destroy network A")?;
    t.ok_result(net.undefine(), "undefine network A")?;
    Ok(())
}
