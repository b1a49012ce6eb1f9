//! Creating a network checks name and UUID uniqueness against running and defined networks: a running one cannot be created again, another name with its UUID or its name with another UUID is refused, and creating a defined inactive network's own XML starts it.

use tck::prelude::*;
use tck::virt::builders::random_uuid;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let (name, other_name) = (cx.name("a"), cx.name("b"));
    let (uuid, other_uuid) = (random_uuid()?, random_uuid()?);
    let same = cx.network(&name).uuid(&uuid).as_xml();
    let same_uuid = cx.network(&other_name).uuid(&uuid).as_xml();
    let same_name = cx.network(&name).uuid(&other_uuid).as_xml();

    let clashes = |t: &mut Tap, state: &str| {
        t.err_code(
            conn.create_network_xml(&same_uuid),
            ErrorNumber::OperationFailed,
            &format!("{state}: creating another name with A's UUID raises OperationFailed"),
        );
        t.err_code(
            conn.create_network_xml(&same_name),
            ErrorNumber::OperationFailed,
            &format!("{state}: creating A's name with another UUID raises OperationFailed"),
        );
    };

    let net = t.ok_result(conn.create_network_xml(&same), "create transient network A")?;
    t.err_code(
        conn.create_network_xml(&same),
        ErrorNumber::OperationInvalid,
        "running: creating A again raises OperationInvalid",
    );
    clashes(t, "running");
    t.is(
        net.uuid_string()?,
        uuid.as_str(),
        "running: A keeps its UUID",
    );
    t.err_code(
        conn.lookup_network_by_name(&other_name),
        ErrorNumber::NoNetwork,
        "no network was created under the other name",
    );
    t.ok_result(net.destroy(), "destroy transient network A")?;

    let net = t.ok_result(conn.define_network_xml(&same), "define network A")?;
    clashes(t, "defined");
    t.ok_result(
        conn.create_network_xml(&same),
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
