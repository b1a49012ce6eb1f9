//! Deleting external snapshots of a running guest (libvirt 9.0 and later) merges their overlays back: newest first, the guest's disk returns to its base image and the overlay files are removed.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::connection::format_version;
use tck::virt::xmltree::Element;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["snapshot", "storage", "guest"],
    ..Meta::DEFAULT
};

/// libvirt deletes external snapshots (committing them) since 9.0.0.
const DELETE_EXTERNAL_SINCE: u32 = 9_000_000;

/// The files of disk vda's backing chain, top first.
fn vda_chain(xml: &str) -> Result<Vec<String>, Stop> {
    let d = Element::parse(xml).map_err(|e| e.to_string())?;
    let mut cur = d
        .find_all("devices/disk")
        .into_iter()
        .find(|e| e.find_attr("target", "dev") == Some("vda"))
        .ok_or("the domain XML has no disk vda")?;
    let mut chain = Vec::new();
    while let Some(f) = cur.find_attr("source", "file") {
        chain.push(f.to_string());
        match cur.first("backingStore") {
            Some(b) => cur = b,
            None => break,
        }
    }
    Ok(chain)
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(9);
    let conn = cx.connect()?;
    let daemon = conn.lib_version()?;
    if daemon < DELETE_EXTERNAL_SINCE {
        return Err(t.skip_all(&format!(
            "unsupported by driver: deleting external snapshots needs libvirt 9.0.0, the daemon runs {}",
            format_version(daemon)
        )));
    }
    let disk = cx.scratch_qcow2("base.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    dom.create()?;
    let external = |name: &str, file: &str| {
        dom.create_snapshot_xml(
            &format!(
                "<domainsnapshot><name>{name}</name><disks><disk name='vda' snapshot='external'>\
                 <source file='{file}'/></disk></disks></domainsnapshot>"
            ),
            sys::VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY,
        )
    };
    let (o1, o2) = (disk.sibling("o1.qcow2"), disk.sibling("o2.qcow2"));
    let e1 = t.ok_result(external("e1", &o1), "create external snapshot e1")?;
    let e2 = t.ok_result(
        external("e2", &o2),
        "create external snapshot e2 on top of e1",
    )?;
    t.is(
        vda_chain(&dom.xml_desc(0)?)?,
        vec![o2.clone(), o1.clone(), disk.path.clone()],
        "the disk's chain is o2, o1, base",
    );

    t.ok_result(e2.delete(0), "delete e2, the newest snapshot")?;
    t.is(
        vda_chain(&dom.xml_desc(0)?)?,
        vec![o1.clone(), disk.path.clone()],
        "o2 is merged away: the chain is o1, base",
    );
    t.ok_result(e1.delete(0), "delete e1")?;
    t.is(
        vda_chain(&dom.xml_desc(0)?)?,
        vec![disk.path.clone()],
        "the guest is back on its base image alone",
    );
    t.ok(
        dom.is_active()? && dom.num_snapshots(0)? == 0,
        "the guest still runs and has no snapshots",
    );
    disk.pool.refresh(0)?;
    t.ok(
        conn.lookup_storage_vol_by_path(&o1).is_err()
            && conn.lookup_storage_vol_by_path(&o2).is_err(),
        "the overlay files are removed",
    );

    dom.destroy()?;
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
