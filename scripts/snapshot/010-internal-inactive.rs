//! Internal snapshots of an inactive guest with a qcow2 disk: created, listed, looked up and current, and reverting one undoes a later configuration change.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::xmltree::Element;
use virt::domain::Domain;

pub const META: Meta = Meta {
    tags: &["snapshot", "storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(19);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let name = cx.name("dom");
    let guest = cx.domain(&name)?.disk(disk.disk("vda"));
    let dom = t.ok_result(
        conn.define_domain_xml(&guest.as_xml()),
        "define an inactive guest with a qcow2 disk",
    )?;
    t.is(dom.num_snapshots(0)?, 0, "a new guest has no snapshots");
    t.err_code(
        dom.current_snapshot(0),
        ErrorNumber::NoDomainSnapshot,
        "a guest without snapshots has no current snapshot (NoDomainSnapshot)",
    );

    let s1 = t.ok_result(
        dom.create_snapshot_xml(
            "<domainsnapshot><name>s1</name><description>before</description></domainsnapshot>",
            0,
        ),
        "create snapshot s1 of the inactive guest",
    )?;
    let x = Element::parse(&s1.xml_desc(0)?).map_err(|e| e.to_string())?;
    t.is(
        x.find_text("name").unwrap_or_default(),
        "s1",
        "the snapshot XML names s1",
    );
    t.is(
        x.find_text("state").unwrap_or_default(),
        "shutoff",
        "s1 records the guest as shut off",
    );
    let vda = x
        .find_all("disks/disk")
        .into_iter()
        .find(|d| d.get_attr("name") == Some("vda"));
    t.is(
        vda.and_then(|d| d.get_attr("snapshot"))
            .unwrap_or("(no vda entry)"),
        "internal",
        "the qcow2 disk is snapshotted internally",
    );
    t.ok(
        s1.is_current(0)? && s1.has_metadata(0)?,
        "s1 is current and has libvirt metadata",
    );
    let found = t.ok_result(
        Domain::lookup_snapshot_by_name(&dom, "s1", 0),
        "look up s1 by name",
    )?;
    t.is(found.name()?, "s1", "the lookup returns s1");
    let names: Vec<String> = dom
        .list_all_snapshots(0)?
        .iter()
        .filter_map(|s| s.name().ok())
        .collect();
    t.is(names, vec!["s1".to_string()], "the guest lists exactly s1");
    t.err_code(
        Domain::lookup_snapshot_by_name(&dom, "no-such-snapshot", 0),
        ErrorNumber::NoDomainSnapshot,
        "looking up a missing snapshot raises NoDomainSnapshot",
    );

    // Change the configuration after the snapshot, then revert.
    let changed = guest
        .clone()
        .uuid(&dom.uuid_string()?)
        .memory(Size::mib(96))
        .description("after");
    t.ok_result(
        conn.define_domain_xml(&changed.as_xml()),
        "redefine the guest with 96 MiB and a description",
    )?;
    t.ok_result(s1.revert(0), "revert to s1")?;
    let after = Element::parse(&dom.xml_desc(virt::sys::VIR_DOMAIN_XML_INACTIVE)?)
        .map_err(|e| e.to_string())?;
    t.is(
        (after.find_text("memory"), after.find_text("description")),
        (Some(guest.memory_value().in_kib().to_string()), None),
        "the reverted configuration has the snapshot's memory size and no description",
    );
    t.ok(
        !dom.is_active()?,
        "reverting to a shut-off snapshot leaves the guest inactive",
    );

    let s2 = t.ok_result(
        dom.create_snapshot_xml("<domainsnapshot><name>s2</name></domainsnapshot>", 0),
        "create snapshot s2 after the revert",
    )?;
    t.is(
        s2.parent(0)?.name()?,
        "s1",
        "s2's parent is s1, the snapshot reverted to",
    );

    s2.delete(0)?;
    s1.delete(0)?;
    t.is(
        dom.num_snapshots(0)?,
        0,
        "after deleting both the guest has no snapshots",
    );
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
