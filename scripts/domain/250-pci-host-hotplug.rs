//! Detaches a configured host PCI device from its host driver, resets it, hot-plugs it into a booted guest and unplugs it, resets it again and gives it back to the host; the device is given back to the host however the script ends.

use std::time::Duration;
use tck::prelude::*;
use tck::virt::builders::{Hostdev, PciAddress};
use tck::virt::poll::until;
use tck::virt::xmltree::Element;
use virt::nodedev::NodeDevice;
use virt::sys::VIR_DOMAIN_AFFECT_LIVE as LIVE;

pub const META: Meta = Meta {
    requires: &[
        Require::Resource(Resource::PciDevice),
        Require::Driver(&["QEMU"]),
        Require::Root,
        Require::LocalHost,
        Require::BootedGuest,
    ],
    tags: &["guest", "hostdev"],
    ..Meta::DEFAULT
};

/// Gives the device back to its host driver when dropped, unless the
/// script already did.
struct Reattach<'a>(&'a NodeDevice, bool);

impl Drop for Reattach<'_> {
    fn drop(&mut self) {
        if !self.1 {
            // Best effort on a failure path: the script's own error is
            // what gets reported.
            let _ = self.0.reattach();
        }
    }
}

/// The host driver the node device is bound to, from its XML.
fn driver(dev: &NodeDevice) -> Result<String, Stop> {
    let root =
        Element::parse(&dev.xml_desc(0)?).map_err(|e| format!("bad node device XML: {e}"))?;
    Ok(root.find_text("driver/name").unwrap_or_default())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let pci = *cx
        .config()
        .pci_devices
        .first()
        .ok_or("no PCI device is configured")?;
    if cx.caps()?.host.iommu == Some(false) {
        return Err(t.skip_all("missing host support: the host capabilities report no IOMMU"));
    }
    t.plan(13);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let dev = t.ok_result(
        conn.lookup_node_device_by_name(&pci.nodedev_name()),
        &format!("look up the node device of {}", pci.address()),
    )?;
    let host_driver = driver(&dev)?;
    t.note(&format!("{} is bound to {host_driver:?}", pci.address()));

    t.ok_result(
        dev.detach_flags(None, 0),
        "detach the device from its host driver",
    )?;
    let mut guard = Reattach(&dev, false);
    t.is(driver(&dev)?, "vfio-pci", "the device is bound to vfio-pci");
    t.ok_result(dev.reset(), "reset the detached device")?;

    let dom = t.ok_result(
        conn.create_domain_xml(&cx.booted_domain(&cx.name("dom"))?.as_xml(), 0),
        "start a guest",
    )?;
    cx.wait_booted(&dom)?;
    let addr = PciAddress::new(pci.domain, pci.bus, pci.slot, pci.function);
    let hostdev = Hostdev::pci(addr).managed(false).as_xml();
    let hostdevs = |x: &str| {
        Element::parse(x)
            .map(|e| e.find_all("devices/hostdev").len())
            .unwrap_or(0)
    };
    t.ok_result(
        dom.attach_device_flags(&hostdev, LIVE),
        "attach the device to the guest live",
    )?;
    t.is(
        hostdevs(&dom.xml_desc(0)?),
        1,
        "the live XML lists the host device",
    );
    t.ok_result(
        dom.detach_device_flags(&hostdev, LIVE),
        "detach it from the guest live",
    )?;
    let after = until(
        Duration::from_secs(10),
        || dom.xml_desc(0),
        |x| hostdevs(x) == 0,
    )?;
    t.is(
        hostdevs(&after),
        0,
        "the host device is gone from the live XML",
    );
    t.ok_result(dom.destroy(), "destroy the guest")?;

    t.ok_result(dev.reset(), "reset the device again")?;
    t.ok_result(dev.reattach(), "give the device back to its host driver")?;
    guard.1 = true;
    t.is(
        driver(&dev)?,
        host_driver,
        "the device is back on its host driver",
    );
    Ok(())
}
