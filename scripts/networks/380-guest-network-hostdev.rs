//! A guest NIC on a hostdev network (forward mode hostdev, managed) over the first configured PCI device: the guest starts with the device assigned to it, the device is bound to vfio-pci while the guest runs and goes back to its host driver afterwards.
//!
//! The configured device should be an SR-IOV virtual function: libvirt
//! programs the guest's MAC address through its physical function. The
//! device's address is used exactly as configured (the Perl kit dropped
//! the PCI function).

use std::convert::Infallible;
use std::path::Path;
use std::time::Duration;
use tck::prelude::*;
use tck::suite::guest_network::start_guest;
use tck::virt::builders::{NetworkBuilder, PciAddress};
use tck::virt::host::net::inspectable;
use tck::virt::host::{pci_device_exists, pci_driver, SYSFS};
use tck::virt::poll;

pub const META: Meta = Meta {
    requires: &[Require::Resource(Resource::PciDevice)],
    tags: &["network", "guest", "host"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let Some(pci) = cx.config().pci_devices.first().copied() else {
        return Err(Stop::Skip(
            "missing resource: no `pci_devices` configured".into(),
        ));
    };
    let address = pci.address();
    let sysfs = Path::new(SYSFS);
    t.plan(8);
    let conn = cx.connect()?;
    let host = inspectable(cx);
    if host.is_ok() && !pci_device_exists(sysfs, &address) {
        return Err(Stop::Error(format!(
            "the configured PCI device {address} does not exist on this host (see `lspci -D`)"
        )));
    }
    let driver_before = pci_driver(sysfs, &address);
    let name = cx.name("net");
    let xml = NetworkBuilder::new(&name)
        .forward("hostdev")
        .forward_managed(true)
        .forward_pci(PciAddress::new(pci.domain, pci.bus, pci.slot, pci.function))
        .as_xml();
    let net = t.ok_result(
        conn.create_network_xml(&xml),
        "create a hostdev network over the configured PCI device",
    )?;

    let guest = start_guest(t, cx, &name)?;
    let desc = "the device is bound to vfio-pci while the guest runs";
    match &host {
        Err(why) => t.skip_point(desc, why),
        Ok(()) => {
            t.is(
                pci_driver(sysfs, &address).as_deref(),
                Some("vfio-pci"),
                desc,
            );
        }
    }

    t.ok_result(guest.dom.destroy(), "destroy the guest")?;
    let desc = "the device is back on its host driver after the guest stops";
    match &host {
        Err(why) => t.skip_point(desc, why),
        Ok(()) => {
            // Managed devices are reattached as the guest stops.
            let now = poll::until(
                Duration::from_secs(5),
                || Ok::<_, Infallible>(pci_driver(sysfs, &address)),
                |now| *now == driver_before,
            )
            .unwrap_or(None);
            t.is(now, driver_before, desc);
        }
    }
    t.ok_result(net.destroy(), "destroy the network")?;
    t.err_code(
        conn.lookup_network_by_name(&name),
        ErrorNumber::NoNetwork,
        "the destroyed hostdev network is gone",
    );
    Ok(())
}
