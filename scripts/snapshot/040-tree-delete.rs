//! Snapshots form a tree: parents, children, roots and leaves are listed consistently; deleting a snapshot re-parents its children, DELETE_CHILDREN_ONLY keeps it and DELETE_CHILDREN removes the whole subtree.

use tck::prelude::*;
use tck::virt::builders::Size;
use virt::domain::Domain;
use virt::domain_snapshot::DomainSnapshot;
use virt::sys;

pub const META: Meta = Meta {
    tags: &["snapshot"],
    ..Meta::DEFAULT
};

fn names(v: Vec<DomainSnapshot>) -> Vec<String> {
    let mut n: Vec<String> = v.iter().filter_map(|s| s.name().ok()).collect();
    n.sort();
    n
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(17);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    let snap = |n: &str| {
        dom.create_snapshot_xml(
            &format!("<domainsnapshot><name>{n}</name></domainsnapshot>"),
            0,
        )
    };

    // s1 ─ s2 ─ s3, and s1 ─ s4 (made after reverting to s1).
    let s1 = t.ok_result(snap("s1"), "create s1")?;
    let s2 = snap("s2")?;
    let s3 = snap("s3")?;
    s1.revert(0)?;
    let s4 = t.ok_result(snap("s4"), "create s4 after reverting to s1")?;

    t.is(s3.parent(0)?.name()?, "s2", "s3's parent is s2");
    t.is(
        s4.parent(0)?.name()?,
        "s1",
        "s4's parent is s1, the snapshot reverted to",
    );
    t.err_code(
        s1.parent(0),
        ErrorNumber::NoDomainSnapshot,
        "the root s1 has no parent",
    );
    t.is(
        names(s1.list_all_children(0)?),
        strs(&["s2", "s4"]),
        "s1's children are s2 and s4",
    );
    t.is(
        (
            s1.num_children(0)?,
            s1.num_children(sys::VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)?,
        ),
        (2, 3),
        "s1 has 2 children and 3 descendants",
    );
    t.is(
        names(dom.list_all_snapshots(sys::VIR_DOMAIN_SNAPSHOT_LIST_ROOTS)?),
        strs(&["s1"]),
        "the only root is s1",
    );
    t.is(
        names(dom.list_all_snapshots(sys::VIR_DOMAIN_SNAPSHOT_LIST_LEAVES)?),
        strs(&["s3", "s4"]),
        "the leaves are s3 and s4",
    );

    t.ok_result(s2.delete(0), "delete s2, which has a child")?;
    t.is(s3.parent(0)?.name()?, "s1", "s3 is re-parented to s1");
    t.is(
        names(dom.list_all_snapshots(0)?),
        strs(&["s1", "s3", "s4"]),
        "only s2 is gone",
    );

    t.ok_result(
        s1.delete(sys::VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY),
        "delete s1's children only",
    )?;
    t.is(
        names(dom.list_all_snapshots(0)?),
        strs(&["s1"]),
        "DELETE_CHILDREN_ONLY keeps s1 and removes s3 and s4",
    );

    s1.revert(0)?;
    snap("s5")?;
    t.ok_result(
        s1.delete(sys::VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN),
        "delete s1 with its children",
    )?;
    t.is(
        dom.num_snapshots(0)?,
        0,
        "DELETE_CHILDREN removes s1 and its child s5",
    );
    t.err_code(
        Domain::lookup_snapshot_by_name(&dom, "s5", 0),
        ErrorNumber::NoDomainSnapshot,
        "the deleted child s5 cannot be looked up",
    );
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
