//! A secret is defined with a UUID chosen by libvirt, found by UUID and by usage, listed, updated by redefinition under its UUID, and gone after undefine (NoSecret by UUID and by usage).

use tck::prelude::*;
use tck::virt::builders::SecretUsage;
use tck::virt::shim::secret_usage_id;
use tck::virt::xmltree::Element;
use virt::sys::VIR_SECRET_USAGE_TYPE_CEPH as CEPH;

pub const META: Meta = Meta {
    tags: &["secret"],
    priority: 0,
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let usage = cx.name("ceph");
    let builder = cx
        .secret(&cx.name("s"))
        .usage(SecretUsage::Ceph(usage.clone()));
    let s = t.ok_result(
        conn.define_secret_xml(&builder.as_xml(), 0),
        "define a ceph secret without a UUID",
    )?;
    let uuid = s.uuid_string()?;
    t.like(
        &uuid,
        "????????-????-????-????-????????????",
        "libvirt gave it a UUID",
    );
    t.is(
        (s.usage_type()?, secret_usage_id(&s)),
        (CEPH, Some(usage.clone())),
        "its usage is ceph with the given name",
    );

    let by_uuid = t.ok_result(
        conn.lookup_secret_by_uuid_string(&uuid),
        "look the secret up by UUID",
    )?;
    t.is(
        by_uuid.uuid_string()?,
        uuid.clone(),
        "the UUID lookup finds it",
    );
    let by_usage = t.ok_result(
        conn.lookup_secret_by_usage(CEPH as i32, &usage),
        "look the secret up by usage",
    )?;
    t.is(
        by_usage.uuid_string()?,
        uuid.clone(),
        "the usage lookup finds it",
    );
    let listed: Vec<String> = conn
        .list_all_secrets(0)?
        .iter()
        .filter_map(|s| s.uuid_string().ok())
        .collect();
    t.ok(listed.contains(&uuid), "list_all_secrets includes it");

    let x = Element::parse(&s.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        (
            x.get_attr("ephemeral"),
            x.get_attr("private"),
            x.find_text("description"),
        ),
        (Some("no"), Some("no"), Some(cx.name("s"))),
        "its XML is persistent, not private, with the given description",
    );

    let updated = builder.clone().uuid(&uuid).description(&cx.name("s2"));
    let again = t.ok_result(
        conn.define_secret_xml(&updated.as_xml(), 0),
        "redefine it under its UUID with a new description",
    )?;
    let x = Element::parse(&again.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        x.find_text("description"),
        Some(cx.name("s2")),
        "the redefinition updates the description",
    );

    t.ok_result(s.undefine(), "undefine the secret")?;
    t.err_code(
        conn.lookup_secret_by_uuid_string(&uuid),
        ErrorNumber::NoSecret,
        "lookup by UUID after undefine raises NoSecret",
    );
    t.err_code(
        conn.lookup_secret_by_usage(CEPH as i32, &usage),
        ErrorNumber::NoSecret,
        "lookup by usage after undefine raises NoSecret",
    );
    Ok(())
}
