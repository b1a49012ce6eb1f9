//! The capabilities describe this host: the host arch is the kernel's machine, the NUMA cells are the kernel's nodes with their CPUs and memory, every online CPU is in exactly one cell, and the node info counts the online CPUs.

use std::collections::BTreeMap;
use std::path::Path;
use tck::prelude::*;
use tck::virt::host::{numa_nodes, online_cpus, uname, SYSFS};

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["capabilities", "host"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(5);
    if cx.driver()? == "TEST" {
        return Err(t.skip_all("the test driver describes a simulated host, not this one"));
    }
    let caps = cx.caps()?;
    let sysfs = Path::new(SYSFS);
    t.is(
        caps.host.arch.clone(),
        uname().machine,
        "the host arch is the kernel's machine (uname -m)",
    );

    let online = online_cpus(sysfs)?;
    let mut owners: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for cell in &caps.host.numa_cells {
        for cpu in &cell.cpus {
            owners.entry(*cpu).or_default().push(cell.id);
        }
    }
    let uncovered: Vec<String> = online
        .iter()
        .filter(|c| owners.get(c).map_or(0, Vec::len) != 1)
        .map(|c| {
            format!(
                "cpu {c} in cells {:?}",
                owners.get(c).cloned().unwrap_or_default()
            )
        })
        .collect();
    t.is(
        uncovered,
        Vec::<String>::new(),
        "every online CPU is in exactly one NUMA cell",
    );

    let nodes = numa_nodes(sysfs)?;
    if nodes.is_empty() {
        t.skip(
            "the kernel has no NUMA nodes in sysfs (libvirt reports one cell)",
            2,
        );
    } else {
        let cells: BTreeMap<u32, Vec<u32>> = caps
            .host
            .numa_cells
            .iter()
            .map(|c| (c.id, c.cpus.clone()))
            .collect();
        let sys: BTreeMap<u32, Vec<u32>> =
            nodes.iter().map(|(id, n)| (*id, n.cpus.clone())).collect();
        t.is(
            cells,
            sys,
            "the NUMA cells are the kernel's nodes with the same CPUs",
        );
        let mem: BTreeMap<u32, Option<u64>> = caps
            .host
            .numa_cells
            .iter()
            .map(|c| (c.id, c.memory_kib))
            .collect();
        let sys_mem: BTreeMap<u32, Option<u64>> =
            nodes.iter().map(|(id, n)| (*id, n.memory_kib)).collect();
        t.is(mem, sys_mem, "each NUMA cell has its node's memory");
    }

    let info = cx.connect()?.node_info()?;
    t.is(
        info.cpus as usize,
        online.len(),
        "the node info counts the online CPUs",
    );
    Ok(())
}
