//! An 802.1Qbg (VEPA) direct NIC with a VSI type: while the guest runs the adjacent switch has its VSI (instance and MAC) associated, as `lldptool` shows on the host NIC, and the association is gone after the guest stops.
//!
//! Needs a host NIC connected to an 802.1Qbg-capable switch (the first of
//! `network_devices`) and lldpad's `lldptool`.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::builders::{random_uuid, Interface, Virtualport};
use tck::virt::host;
use tck::virt::poll;

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

/// How long the switch may take to (dis)associate the VSI.
const SETTLE: Duration = Duration::from_secs(10);

/// What lldptool reports about VSIs on `nic` (lowercased); lldptool
/// failing is an error naming the command.
fn vsi_table(nic: &str) -> Result<String, Stop> {
    Ok(host::run("lldptool", &["-t", "-i", nic, "-V", "vdp", "-c", "vsi"])?.to_lowercase())
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
    let instance = random_uuid()?.to_lowercase();
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
    let associated =
        |table: &String| table.contains(&instance) && table.contains(&mac.to_lowercase());
    let table = match poll::until(SETTLE, || vsi_table(&nic), associated) {
        Ok(table) => table,
        Err(e) => {
            let _ = dom.destroy();
            return Err(e);
        }
    };
    t.point(
        associated(&table),
        &format!("lldptool on {nic} shows the guest's VSI instance and MAC"),
        (!associated(&table)).then(|| Yaml::map([("lldptool", Yaml::Str(table.clone()))])),
    );
    t.ok_result(dom.destroy(), "destroy the guest")?;
    let table = poll::until(
        SETTLE,
        || vsi_table(&nic),
        |table| !table.contains(&instance),
    )?;
    t.point(
        !table.contains(&instance),
        "the VSI is no longer associated",
        table
            .contains(&instance)
            .then(|| Yaml::map([("lldptool", Yaml::Str(table.clone()))])),
    );
    Ok(())
}
