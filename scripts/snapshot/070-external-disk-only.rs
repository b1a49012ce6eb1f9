//! An external disk-only snapshot of a running guest puts a new qcow2 overlay on its disk: the guest keeps running on the overlay, whose backing file is the old image, in its live and persistent definitions.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::xmltree::Element;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["snapshot", "storage", "guest"],
    ..Meta::DEFAULT
};

/// `(source, backing source, backing format)` of disk `vda`.
fn vda_chain(xml: &str) -> Result<(String, String, String), Stop> {
    let d = Element::parse(xml).map_err(|e| e.to_string())?;
    let disk = d
        .find_all("devices/disk")
        .into_iter()
        .find(|e| e.find_attr("target", "dev") == Some("vda"))
        .ok_or("the domain XML has no disk vda")?;
    let get = |path: &str, attr: &str| disk.find_attr(path, attr).unwrap_or("").to_string();
    Ok((
        get("source", "file"),
        get("backingStore/source", "file"),
        get("backingStore/format", "type"),
    ))
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(11);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("base.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    dom.create()?;

    let overlay = disk.sibling("overlay.qcow2");
    let xml = format!(
        "<domainsnapshot><name>e1</name><disks><disk name='vda' snapshot='external'>\
         <driver type='qcow2'/><source file='{overlay}'/></disk></disks></domainsnapshot>"
    );
    let e1 = t.ok_result(
        dom.create_snapshot_xml(&xml, sys::VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY),
        "create external disk-only snapshot e1 of the running guest",
    )?;
    let x = Element::parse(&e1.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        x.find_text("state").unwrap_or_default(),
        "disk-snapshot",
        "e1 records state disk-snapshot",
    );
    t.is(
        x.find_attr("memory", "snapshot").unwrap_or("(none)"),
        "no",
        "e1 saved no memory",
    );
    t.is(
        x.find_attr("disks/disk", "snapshot").unwrap_or("(none)"),
        "external",
        "e1's disk snapshot is external",
    );
    t.ok(dom.is_active()?, "the guest keeps running");

    t.is(
        vda_chain(&dom.xml_desc(0)?)?,
        (overlay.clone(), disk.path.clone(), "qcow2".to_string()),
        "the running guest's disk is the overlay, backed by the old qcow2 image",
    );
    t.is(
        vda_chain(&dom.xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)?)?.0,
        overlay.clone(),
        "the persistent definition uses the overlay too",
    );

    disk.pool.refresh(0)?;
    let vol = t.ok_result(
        conn.lookup_storage_vol_by_path(&overlay),
        "the overlay exists as a volume of the pool",
    )?;
    let v = Element::parse(&vol.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        (
            v.find_attr("target/format", "type"),
            v.find_text("backingStore/path"),
        ),
        (Some("qcow2"), Some(disk.path.clone())),
        "the overlay file is qcow2 with the old image as its backing file",
    );

    let kinds = |flags: u32| -> Result<usize, Stop> { Ok(dom.list_all_snapshots(flags)?.len()) };
    t.is(
        (
            kinds(sys::VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL)?,
            kinds(sys::VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL)?,
        ),
        (1, 0),
        "e1 is listed as external, not internal",
    );
    t.is(
        kinds(sys::VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY)?,
        1,
        "e1 is listed as disk-only",
    );

    dom.destroy()?;
    dom.undefine_flags(sys::VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)?;
    disk.discard()?;
    Ok(())
}
