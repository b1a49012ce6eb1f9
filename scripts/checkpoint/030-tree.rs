//! Checkpoints form a chain: each new one is the child of the previous; roots, leaves and descendants are listed consistently; deleting a middle checkpoint re-parents its child, DELETE_CHILDREN_ONLY keeps the checkpoint and DELETE_CHILDREN removes it with its subtree.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::shim::{checkpoint_create_xml, list_all_checkpoints, DomainCheckpoint};
use virt::sys;

pub const META: Meta = Meta {
    tags: &["checkpoint", "storage", "guest"],
    ..Meta::DEFAULT
};

fn names(v: Vec<DomainCheckpoint>) -> Vec<String> {
    let mut n: Vec<String> = v.iter().filter_map(|c| c.name().ok()).collect();
    n.sort();
    n
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(14);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;
    dom.create()?;
    let make = |n: &str| {
        checkpoint_create_xml(
            &dom,
            &format!("<domaincheckpoint><name>{n}</name></domaincheckpoint>"),
            0,
        )
    };

    let c1 = t.ok_result(make("c1"), "create c1")?;
    let c2 = make("c2")?;
    let c3 = t.ok_result(make("c3"), "create c2 and c3 after it")?;
    t.is(
        (c2.parent()?.name()?, c3.parent()?.name()?),
        ("c1".to_string(), "c2".to_string()),
        "each checkpoint is the child of the one before",
    );
    t.err_code(
        c1.parent(),
        ErrorNumber::NoDomainCheckpoint,
        "the first checkpoint has no parent",
    );
    t.is(
        names(c1.list_all_children(0)?),
        strs(&["c2"]),
        "c1's only child is c2",
    );
    t.is(
        names(c1.list_all_children(sys::VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)?),
        strs(&["c2", "c3"]),
        "c1's descendants are c2 and c3",
    );
    t.is(
        names(list_all_checkpoints(
            &dom,
            sys::VIR_DOMAIN_CHECKPOINT_LIST_ROOTS,
        )?),
        strs(&["c1"]),
        "the only root is c1",
    );
    t.is(
        names(list_all_checkpoints(
            &dom,
            sys::VIR_DOMAIN_CHECKPOINT_LIST_LEAVES,
        )?),
        strs(&["c3"]),
        "the only leaf is c3",
    );

    t.ok_result(c2.delete(0), "delete the middle checkpoint c2")?;
    t.is(c3.parent()?.name()?, "c1", "c3 is re-parented to c1");

    t.ok_result(
        c1.delete(sys::VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY),
        "delete c1's children only",
    )?;
    t.is(
        names(list_all_checkpoints(&dom, 0)?),
        strs(&["c1"]),
        "DELETE_CHILDREN_ONLY keeps c1 and removes c3",
    );

    make("c4")?;
    t.ok_result(
        c1.delete(sys::VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN),
        "delete c1 with its children",
    )?;
    t.is(
        list_all_checkpoints(&dom, 0)?.len(),
        0,
        "DELETE_CHILDREN removes c1 and its child c4",
    );

    dom.destroy()?;
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
