//! Hot-plugs three NICs into a booted guest, unplugs the middle one (a second unplug of it raises DeviceMissing and changes nothing), then the other two: the live XML follows each step and ends as it began.

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

/// The MACs of the live XML's interfaces, in document order.
fn macs(xml: &str) -> Vec<String> {
    xml.split("<mac address='")
        .skip(1)
        .filter_map(|rest| rest.split('\'').next())
        .map(str::to_string)
        .collect()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let mac: Vec<String> = (1..=3).map(|n| cx.mac(n)).collect();
    let nic = |m: &str| Interface::user().mac(m).model("virtio").as_xml();
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.booted_domain(&cx.name("dom"))?.as_xml(), 0),
        "start a guest",
    )?;
    cx.wait_booted(&dom)?;
    let before = dom.xml_desc(0)?;
    let gone = |m: &str| {
        until(
            Duration::from_secs(10),
            || dom.xml_desc(0),
            |x| !x.contains(m),
        )
    };

    for (i, m) in mac.iter().enumerate() {
        t.ok_result(
            dom.attach_device_flags(&nic(m), LIVE),
            &format!("attach NIC {} live", i + 1),
        )?;
    }
    t.is(
        macs(&dom.xml_desc(0)?),
        mac.clone(),
        "the live XML lists the three NICs in attach order",
    );

    t.ok_result(
        dom.detach_device_flags(&nic(&mac[1]), LIVE),
        "detach NIC 2 live",
    )?;
    let xml = gone(&mac[1])?;
    t.is(
        macs(&xml),
        vec![mac[0].clone(), mac[2].clone()],
        "NICs 1 and 3 are left",
    );
    t.err_code(
        dom.detach_device_flags(&nic(&mac[1]), LIVE),
        ErrorNumber::DeviceMissing,
        "detaching NIC 2 again raises DeviceMissing",
    );
    t.is(
        macs(&dom.xml_desc(0)?),
        vec![mac[0].clone(), mac[2].clone()],
        "the failed detach changed nothing",
    );

    t.ok_result(
        dom.detach_device_flags(&nic(&mac[0]), LIVE),
        "detach NIC 1 live",
    )?;
    t.ok_result(
        dom.detach_device_flags(&nic(&mac[2]), LIVE),
        "detach NIC 3 live",
    )?;
    let after = until(
        Duration::from_secs(10),
        || dom.xml_desc(0),
        |x| macs(x).is_empty(),
    )?;
    t.is(
        macs(&after),
        Vec::<String>::new(),
        "no hot-plugged NIC is left",
    );
    t.is(
        after,
        before,
        "the live XML is back to what it was before the attaches",
    );

    t.ok_result(dom.destroy(), "destroy the guest")?;
    Ok(())
}
