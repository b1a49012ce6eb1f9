//! Re-creating a network under the same name with a new UUID reports the new UUID everywhere: handles, lookups by name and by UUID must not serve a cached old network.

use tck::prelude::*;
use tck::virt::builders::random_uuid;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let (first, second) = (random_uuid()?, random_uuid()?);

    let old = t.ok_result(
        conn.create_network_xml(&cx.network(&name).uuid(&first).as_xml()),
        "create the network with a first UUID",
    )?;
    t.is(
        old.uuid_string()?,
        first.as_str(),
        "the network reports the first UUID",
    );
    t.ok_result(old.destroy(), "destroy the first network")?;

    let new = t.ok_result(
        conn.create_network_xml(&cx.network(&name).uuid(&second).as_xml()),
        "create a network with the same name and a second UUID",
    )?;
    t.is(
        new.uuid_string()?,
        second.as_str(),
        "the new handle reports the second UUID",
    );
    let found = t.ok_result(conn.lookup_network_by_name(&name), "lookup by name")?;
    t.is(
        found.uuid_string()?,
        second.as_str(),
        "lookup by name gives the second UUID, not a cached first",
    );
    t.err_code(
        conn.lookup_network_by_uuid_string(&first),
        ErrorNumber::NoNetwork,
        "lookup by the first UUID raises NoNetwork",
    );
    t.err_code(
        old.is_active(),
        ErrorNumber::NoNetwork,
        "the stale handle of the first network does not reach the new one",
    );
    t.ok_result(new.destroy(), "destroy the second network")?;
    Ok(())
}
