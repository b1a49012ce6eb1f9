//! Hot-plugs a virtio NIC into a booted guest and unplugs it: the live XML gains an interface with the given MAC, loses it again, and ends exactly as it was before.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::builders::Interface;
use tck::virt::poll::until;
use virt::sys::VIR_DOMAIN_AFFECT_LIVE as LIVE;

pub const META: Meta = Meta {
    requires: &[Require::BootedGuest],
    tags: &["guest", "network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let mac = cx.mac(1);
    let nic = Interface::user().mac(&mac).model("virtio").as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.booted_domain(&cx.name("dom"))?.as_xml(), 0),
        "start a guest",
    )?;
    cx.wait_booted(&dom)?;
    let before = dom.xml_desc(0)?;

    t.ok_result(
        dom.attach_device_flags(&nic, LIVE),
        "attach a user-mode virtio NIC live",
    )?;
    t.ok(
        dom.xml_desc(0)?.contains(&format!("address='{mac}'")),
        "the live XML lists an interface with the NIC's MAC",
    );
    t.ok_result(dom.detach_device_flags(&nic, LIVE), "detach the NIC live")?;
    // The guest acknowledges the unplug; libvirt may return first.
    let after = until(
        Duration::from_secs(10),
        || dom.xml_desc(0),
        |x| !x.contains(&mac),
    )?;
    t.ok(!after.contains(&mac), "the NIC is gone from the live XML");
    t.is(
        after,
        before,
        "the live XML is back to what it was before the attach",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    Ok(())
}
