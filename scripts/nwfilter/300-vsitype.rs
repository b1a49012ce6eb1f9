//! An 802.1Qbg (VEPA) direct NIC with a VSI type: while the guest runs the adjacent switch has its VSI (instance and MAC) associated, as `lldptool` shows on the host NIC, and the association is gone after the guest stops.
//!
//! Needs a host NIC connected to an 802.1Qbg-capable switch (the first of
//! `network_devices`) and lldpad's `lldptool`.

use tck::prelude::*;
use tck::virt::builders::{random_uuid, Interface, Virtualport};

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU"]),
        Require::Resource(Resource::NetworkDevice),
        Require::Tool("lldptool"),
        Require::Root,
        Require::LocalHost,
    ],
    tags: &["nwfilter", "network", "guest", "host"],
    ..Meta::DEFAULT
};

/// What lldptool reports about VSIs on `nic`.
fn vsi_table(nic: &str) -> Result<String, Stop> {
    let out = std::process::Command::new("lldptool")
        .args(["-t", "-i", nic, "-V", "vdp", "-c", "vsi"])
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout).to_lowercase())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(4);
    let conn = cx.connect()?;
    let nic = cx
        .config()
        .network_devices
        .first()
        .cloned()
        .ok_or("no network device configured")?;
    let instance = random_uuid()?;
    let mac = cx.mac(1);
    let vp = Virtualport::new("802.1Qbg")
        .param("managerid", 12)
        .param("typeid", 1193047)
        .param("typeidversion", 2)
        .param("instanceid", &instance);
    let iface = Interface::direct(&nic, "vepa").mac(&mac).virtualport(vp);
    let dom = t.ok_result(
        conn.create_domain_xml(&cx.domain(&cx.name("dom"))?.interface(iface).as_xml(), 0),
        "start a guest with an 802.1Qbg NIC",
    )?;
    let table = vsi_table(&nic)?;
    t.ok(
        table.contains(&instance.to_lowercase()) && table.contains(&mac.to_lowercase()),
        &format!("lldptool on {nic} shows the guest's VSI instance and MAC"),
    );
    t.ok_result(dom.destroy(), "destroy the guest")?;
    t.ok(
        !vsi_table(&nic)?.contains(&instance.to_lowercase()),
        "the VSI is no longer associated",
    );
    Ok(())
}
