//! Capabilities and domain capabilities agree: every guest arch and domain type has domain capabilities with the same arch, type and emulator, the default machine and each machine alias resolve to their canonical machine, the vCPU limit fits the machine's, and a KVM host's own arch is a KVM guest arch.

use std::collections::BTreeSet;
use tck::prelude::*;
use tck::virt::caps::{DomainCapabilities, Guest};

pub const META: Meta = Meta {
    tags: &["capabilities"],
    priority: 0,
    ..Meta::DEFAULT
};

/// The canonical name of machine `name` of `kind` guests (itself when it
/// is not an alias), and its vCPU limit.
fn canonical(g: &Guest, kind: &str, name: &str) -> (String, Option<u32>) {
    let machines = g.machines_for(kind);
    let m = machines.iter().find(|m| m.name == name);
    let canon = m
        .and_then(|m| m.canonical.clone())
        .unwrap_or_else(|| name.to_string());
    let max = machines
        .iter()
        .find(|m| m.name == canon)
        .and_then(|m| m.max_cpus)
        .or(m.and_then(|m| m.max_cpus));
    (canon, max)
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    let conn = cx.connect()?;
    let caps = cx.caps()?;
    t.ok(
        !caps.guests.is_empty(),
        "the capabilities offer at least one guest",
    );
    let generic = cx.guest()?;
    t.ok_result(
        conn.domain_capabilities(
            None,
            Some(&generic.arch),
            None,
            Some(&generic.domain_type),
            0,
        ),
        "get the domain capabilities of the generic guest",
    )?;

    let (mut failed, mut identity, mut emulator, mut machine, mut vcpus) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut seen = BTreeSet::new();
    let mut compared = 0;
    for g in &caps.guests {
        for d in &g.domains {
            if !seen.insert((g.arch.clone(), d.kind.clone())) {
                continue; // another os type of the same arch and domain type
            }
            // The default machine (None) and every alias, by name.
            let mut asks: Vec<Option<String>> = vec![None];
            asks.extend(
                g.machines_for(&d.kind)
                    .iter()
                    .filter(|m| m.canonical.is_some())
                    .map(|m| Some(m.name.clone())),
            );
            for ask in asks {
                let what = format!(
                    "{} {} machine {}",
                    g.arch,
                    d.kind,
                    ask.as_deref().unwrap_or("(default)")
                );
                let xml = match conn.domain_capabilities(
                    None,
                    Some(&g.arch),
                    ask.as_deref(),
                    Some(&d.kind),
                    0,
                ) {
                    Ok(x) => x,
                    Err(e) => {
                        failed.push(format!("{what}: {e}"));
                        continue;
                    }
                };
                let dc = DomainCapabilities::parse(&xml)?;
                compared += 1;
                if dc.arch != g.arch || dc.domain_type != d.kind {
                    identity.push(format!(
                        "{what}: domain capabilities say {} {}",
                        dc.arch, dc.domain_type
                    ));
                }
                if let (Some(path), Some(emu)) = (&dc.path, g.emulator_for(&d.kind)) {
                    if path != emu {
                        emulator.push(format!(
                            "{what}: domain capabilities {path}, capabilities {emu}"
                        ));
                    }
                }
                let default = g.machines_for(&d.kind).first().map(|m| m.name.clone());
                if let (Some(dm), Some(name)) = (&dc.machine, ask.clone().or(default)) {
                    let (canon, max) = canonical(g, &d.kind, &name);
                    if *dm != canon {
                        machine.push(format!(
                            "{what}: domain capabilities machine {dm}, expected {canon}"
                        ));
                    }
                    if let Some(n) = dc.max_vcpus {
                        if n == 0 || max.is_some_and(|m| n > m) {
                            vcpus.push(format!("{what}: vcpu max {n}, machine maxCpus {max:?}"));
                        }
                    }
                }
            }
        }
    }
    t.note(&format!(
        "{compared} domain capabilities documents compared"
    ));
    t.is(
        failed,
        Vec::<String>::new(),
        "every guest arch, domain type and machine alias has domain capabilities",
    );
    t.is(
        identity,
        Vec::<String>::new(),
        "the domain capabilities agree on arch and domain type",
    );
    t.is(
        emulator,
        Vec::<String>::new(),
        "the domain capabilities name the emulator the capabilities list",
    );
    t.is(
        machine,
        Vec::<String>::new(),
        "the default machine and each alias resolve to their canonical machine",
    );
    t.is(
        vcpus,
        Vec::<String>::new(),
        "the vCPU limit is positive and within the machine's",
    );

    let kvm_arches: Vec<&str> = caps
        .guests
        .iter()
        .filter(|g| g.has_domain_type("kvm"))
        .map(|g| g.arch.as_str())
        .collect();
    if kvm_arches.is_empty() {
        t.skip("the driver offers no kvm guests", 1);
    } else {
        t.ok(
            kvm_arches.contains(&caps.host.arch.as_str()),
            "the host's arch is among the kvm guest arches",
        );
    }
    Ok(())
}
