//! Hot-plugs disks vdb, sda, sdc, vdc, sdb (virtio and virtio-scsi) into a running persistent domain, live and then into its configuration: both XMLs list them grouped by bus and sorted by target within a bus — vdb, vdc, sda, sdb, sdc — whatever the order they came in.
//!
//! SCSI disks sit on a virtio-scsi controller: SATA disks cannot be
//! hot-plugged. Plugging needs no guest cooperation (only unplugging
//! does), so the domain needs no OS.

use tck::prelude::*;
use tck::virt::builders::{Controller, Disk};
use tck::virt::xmltree::Element;
use virt::domain::Domain;
use virt::sys::{
    VIR_DOMAIN_AFFECT_CONFIG as CONFIG, VIR_DOMAIN_AFFECT_LIVE as LIVE, VIR_DOMAIN_XML_INACTIVE,
};

const PLUG_ORDER: [(&str, &str); 5] = [
    ("vdb", "virtio"),
    ("sda", "scsi"),
    ("sdc", "scsi"),
    ("vdc", "virtio"),
    ("sdb", "scsi"),
];
const LISTED_ORDER: [&str; 5] = ["vdb", "vdc", "sda", "sdb", "sdc"];

/// The disk targets of a domain XML, in document order.
fn targets(xml: &str) -> Result<Vec<String>, Stop> {
    let root =
        Element::parse(xml).map_err(|e| format!("the domain XML is not well-formed: {e}"))?;
    Ok(root
        .find_all("devices/disk")
        .iter()
        .filter_map(|d| d.find_attr("target", "dev").map(str::to_string))
        .collect())
}

/// Attaches the disks in [`PLUG_ORDER`] with `flags` and checks the order
/// of the XML read with `xml_flags`; `to` says where ("live", "to the
/// configuration") and `xml` which XML.
fn plug_all(
    t: &mut Tap,
    cx: &Context,
    dom: &Domain,
    kind: &str,
    (flags, to): (u32, &str),
    (xml_flags, xml): (u32, &str),
) -> Outcome {
    t.plan(6);
    for (dev, bus) in PLUG_ORDER {
        let image = cx.scratch_file(&format!("{dev}.img"))?;
        std::fs::File::create(&image)?.set_len(1 << 20)?;
        let disk = Disk::file(&image.to_string_lossy(), dev)
            .bus(bus)
            .format("raw");
        t.ok_result(
            dom.attach_device_flags(&disk.as_xml(kind), flags),
            &format!("attach {dev} ({bus}) {to}"),
        )?;
    }
    t.is(
        targets(&dom.xml_desc(xml_flags)?)?,
        LISTED_ORDER,
        &format!("the {xml} XML lists vdb, vdc, sda, sdb, sdc"),
    );
    Ok(())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(5);
    let conn = cx.connect()?;
    let _scratch = cx.scratch_cleanup();
    let b = cx
        .domain(&cx.name("dom"))?
        .controller(Controller::new("scsi").index(0).model("virtio-scsi"));
    let kind = b.domain_type().to_string();
    let dom = t.ok_result(
        conn.define_domain_xml(&b.as_xml()),
        "define a domain with a virtio-scsi controller",
    )?;
    t.ok_result(dom.create(), "start the domain")?;
    t.subtest("hot-plug into the running domain, in the live XML", |t| {
        plug_all(t, cx, &dom, &kind, (LIVE, "live"), (0, "live"))
    });
    t.subtest(
        "hot-plug into the configuration, in the persistent XML",
        |t| {
            plug_all(
                t,
                cx,
                &dom,
                &kind,
                (CONFIG, "to the configuration"),
                (VIR_DOMAIN_XML_INACTIVE, "persistent"),
            )
        },
    );
    t.ok_result(dom.destroy(), "destroy the domain")?;
    dom.undefine()?;
    Ok(())
}
