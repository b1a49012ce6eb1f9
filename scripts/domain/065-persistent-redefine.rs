//! Redefines a persistent domain (same UUID, on_reboot restart then destroy) while inactive and while running: the new definition replaces the old one, and while the domain runs it waits for the next start.

use tck::prelude::*;
use tck::virt::builders::random_uuid;
use tck::virt::xpath::text_at;
use virt::domain::Domain;
use virt::sys::VIR_DOMAIN_XML_INACTIVE;

/// The domain's `<on_reboot>`, from its live (flags 0) or persistent XML.
fn on_reboot(dom: &Domain, flags: u32) -> Result<String, Stop> {
    let xml = dom.xml_desc(flags)?;
    let value = text_at(&xml, &["domain", "on_reboot"])
        .map_err(|e| format!("the domain XML is not well-formed: {e}"))?;
    Ok(value.unwrap_or_default())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(12);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let uuid = random_uuid()?;
    let base = cx.domain(&name)?.uuid(&uuid);
    let restart = base.clone().on_reboot("restart").as_xml();
    let destroy = base.on_reboot("destroy").as_xml();

    let dom = t.ok_result(
        conn.define_domain_xml(&restart),
        "define with on_reboot=restart",
    )?;
    t.is(
        on_reboot(&dom, 0)?,
        "restart",
        "the definition says on_reboot=restart",
    );

    let dom = t.ok_result(
        conn.define_domain_xml(&destroy),
        "redefining the inactive domain with on_reboot=destroy succeeds",
    )?;
    t.is(
        dom.uuid_string()?,
        uuid.as_str(),
        "the redefined domain keeps its UUID",
    );
    t.is(
        on_reboot(&dom, 0)?,
        "destroy",
        "the inactive domain now says on_reboot=destroy",
    );

    t.ok_result(dom.create(), "start the domain")?;
    t.ok_result(
        conn.define_domain_xml(&restart),
        "redefining the running domain with on_reboot=restart succeeds",
    )?;
    t.is(
        on_reboot(&dom, 0)?,
        "destroy",
        "the running domain keeps its live on_reboot=destroy",
    );
    t.is(
        on_reboot(&dom, VIR_DOMAIN_XML_INACTIVE)?,
        "restart",
        "the persistent definition of the running domain says on_reboot=restart",
    );

    t.ok_result(dom.destroy(), "destroy the domain")?;
    t.is(
        on_reboot(&dom, 0)?,
        "restart",
        "after destroy the new definition is the domain's",
    );
    t.ok_result(dom.undefine(), "undefine the domain")?;
    Ok(())
}
