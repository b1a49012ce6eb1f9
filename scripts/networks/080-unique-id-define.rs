//! Defining a network checks name and UUID uniqueness: the same name and UUID redefines it, another name with its UUID or its name with another UUID is refused, while inactive and while running.

use tck::prelude::*;
use tck::virt::builders::random_uuid;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(13);
    let conn = cx.connect()?;
    let (name, other_name) = (cx.name("a"), cx.name("b"));
    let (uuid, other_uuid) = (random_uuid()?, random_uuid()?);
    let same = cx.network(&name).uuid(&uuid).as_xml();
    let same_uuid = cx.network(&other_name).uuid(&uuid).as_xml();
    let same_name = cx.network(&name).uuid(&other_uuid).as_xml();

    let net = t.ok_result(conn.define_network_xml(&same), "define network A")?;
    for state in ["inactive", "running"] {
        if state == "running" {
            t.ok_result(net.create(), "start network A")?;
        }
        t.ok_result(
            conn.define_network_xml(&same),
            &format!("{state}: redefining A with its own name and UUID succeeds"),
        )?;
        t.err_code(
            conn.define_network_xml(&same_uuid),
            ErrorNumber::OperationFailed,
            &format!("{state}: defining another name with A's UUID raises OperationFailed"),
        );
        t.err_code(
            conn.define_network_xml(&same_name),
            ErrorNumber::OperationFailed,
            &format!("{state}: defining A's name with another UUID raises OperationFailed"),
        );
        t.is(
            conn.lookup_network_by_name(&name)?.uuid_string()?,
            uuid.as_str(),
            &format!("{state}: A keeps its UUID"),
        );
    }
    t.err_code(
        conn.lookup_network_by_name(&other_name),
        ErrorNumber::NoNetwork,
        "no network was defined under the other name",
    );
    t.ok_result(net.destroy(), "destroy network A")?;
    t.ok_result(net.undefine(), "undefine network A")?;
    Ok(())
}
