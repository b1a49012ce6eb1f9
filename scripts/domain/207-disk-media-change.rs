//! Changes the medium of a running domain's CD-ROM drive with update_device: eject (the drive is empty), insert another medium, swap media directly; the drive reports each medium's size, and live changes leave the persistent configuration alone until it is updated itself.
//!
//! The Perl kit skipped this for a QEMU bug (tray handling) fixed long ago.
//! No guest driver holds the tray locked, so no OS is needed.

use tck::prelude::*;
use tck::virt::builders::Disk;
use tck::virt::shim::domain_block_info;
use tck::virt::xmltree::Element;
use virt::domain::Domain;
use virt::sys::{
    VIR_DOMAIN_AFFECT_CONFIG as CONFIG, VIR_DOMAIN_AFFECT_LIVE as LIVE, VIR_DOMAIN_XML_INACTIVE,
};

const MIB: u64 = 1 << 20;

/// The source file of the CD-ROM `dev` in the domain XML (`flags`), or
/// `None` when the drive is empty.
fn medium(dom: &Domain, dev: &str, flags: u32) -> Result<Option<String>, Stop> {
    let root = Element::parse(&dom.xml_desc(flags)?)
        .map_err(|e| format!("the domain XML is not well-formed: {e}"))?;
    let disk = root
        .find_all("devices/disk")
        .into_iter()
        .find(|d| d.find_attr("target", "dev") == Some(dev))
        .ok_or_else(|| format!("the domain XML has no disk {dev}"))?;
    Ok(disk.find_attr("source", "file").map(str::to_string))
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(15);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let guest = cx.guest()?;
    let buses = cx.domain_caps(&guest)?.disk_buses().to_vec();
    let (dev, bus) = if buses.iter().any(|b| b == "ide") || buses.is_empty() {
        ("hdc", "ide")
    } else {
        ("sda", "sata")
    };
    let mut iso = Vec::new();
    for (name, size) in [("a.iso", MIB), ("b.iso", 2 * MIB)] {
        let path = cx.scratch_file(name)?;
        std::fs::File::create(&path)?.set_len(size)?;
        iso.push(path.to_string_lossy().into_owned());
    }
    let (a, b) = (iso[0].clone(), iso[1].clone());
    let kind = guest.domain_type.clone();
    let cdrom = |src: Option<&str>| {
        let d = match src {
            Some(p) => Disk::file(p, dev).device("cdrom").format("raw"),
            None => Disk::empty_cdrom(dev),
        };
        d.bus(bus).as_xml(&kind)
    };
    let size = |d: &Domain| domain_block_info(d, dev, 0).map(|i| i.capacity);

    let xml = guest
        .domain(&cx.name("dom"))
        .disk(Disk::file(&a, dev).device("cdrom").bus(bus).format("raw"));
    let dom = t.ok_result(
        conn.define_domain_xml(&xml.as_xml()),
        &format!("define a domain with medium A in CD-ROM {dev} ({bus})"),
    )?;
    t.ok_result(dom.create(), "start the domain")?;
    t.is(size(&dom)?, MIB, "the drive reports medium A's 1 MiB");

    t.ok_result(
        dom.update_device_flags(&cdrom(None), LIVE),
        "eject the medium live",
    )?;
    t.is(
        medium(&dom, dev, 0)?,
        None,
        "the live XML shows an empty drive",
    );
    t.err_code(
        size(&dom),
        ErrorNumber::InvalidArg,
        "block info of the empty drive raises InvalidArg",
    );

    t.ok_result(
        dom.update_device_flags(&cdrom(Some(&b)), LIVE),
        "insert medium B live",
    )?;
    t.is(
        medium(&dom, dev, 0)?,
        Some(b.clone()),
        "the live XML shows medium B",
    );
    t.is(size(&dom)?, 2 * MIB, "the drive reports medium B's 2 MiB");

    t.ok_result(
        dom.update_device_flags(&cdrom(Some(&a)), LIVE),
        "swap medium B for A live",
    )?;
    t.is(size(&dom)?, MIB, "the drive reports medium A's 1 MiB again");
    t.is(
        medium(&dom, dev, VIR_DOMAIN_XML_INACTIVE)?,
        Some(a.clone()),
        "the live changes left medium A in the configuration",
    );
    t.ok_result(
        dom.update_device_flags(&cdrom(Some(&b)), CONFIG),
        "put medium B in the configuration",
    )?;
    t.ok(
        medium(&dom, dev, VIR_DOMAIN_XML_INACTIVE)? == Some(b.clone())
            && medium(&dom, dev, 0)? == Some(a.clone()),
        "the configuration has medium B while the running drive keeps A",
    );

    t.ok_result(dom.destroy(), "destroy the domain")?;
    dom.undefine()?;
    Ok(())
}
