//! NUMA memory tuning: nodeset and mode set in the configuration take effect when the domain starts; while it runs, the nodeset changes live (restrictive mode), the mode does not, a host node that does not exist is refused, and a configuration change waits for the next start.

use tck::prelude::*;
use virt::domain::{Domain, NUMAParameters};
use virt::sys::{
    VIR_DOMAIN_AFFECT_CONFIG as CONFIG, VIR_DOMAIN_AFFECT_LIVE as LIVE,
    VIR_DOMAIN_NUMATUNE_MEM_RESTRICTIVE as RESTRICTIVE, VIR_DOMAIN_NUMATUNE_MEM_STRICT as STRICT,
};

/// `(mode, nodeset)` as the domain reports them with `flags`.
fn numa(dom: &Domain, flags: u32) -> Result<(Option<i32>, String), Stop> {
    let p = dom.numa_parameters(flags)?;
    Ok((p.mode, p.node_set.unwrap_or_default()))
}

fn nodeset(set: &str) -> NUMAParameters {
    NUMAParameters {
        node_set: Some(set.to_string()),
        mode: None,
    }
}

fn mode(mode: u32) -> NUMAParameters {
    NUMAParameters {
        node_set: None,
        mode: Some(mode as i32),
    }
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(18);
    let conn = cx.connect()?;
    // The first host node, and one past the last (which does not exist).
    let cells = cx.caps()?.host.numa_cells;
    let first = cells.iter().map(|c| c.id).min().unwrap_or(0);
    let missing = cells.iter().map(|c| c.id + 1).max().unwrap_or(1);
    let (node, absent) = (first.to_string(), missing.to_string());
    let (strict, restrictive) = (Some(STRICT as i32), Some(RESTRICTIVE as i32));

    let dom = t.ok_result(
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.as_xml()),
        "define a domain",
    )?;
    t.is(
        numa(&dom, CONFIG)?.0,
        strict,
        "inactive: the default mode is strict",
    );
    t.ok_result(
        dom.set_numa_parameters(nodeset(&node), CONFIG),
        &format!("inactive: configure nodeset {node}"),
    )?;
    t.ok_result(
        dom.set_numa_parameters(mode(RESTRICTIVE), CONFIG),
        "inactive: configure restrictive mode",
    )?;
    t.is(
        numa(&dom, CONFIG)?,
        (restrictive, node.clone()),
        "inactive: the configuration reads back",
    );

    t.ok_result(dom.create(), "start the domain")?;
    t.is(
        numa(&dom, LIVE)?,
        (restrictive, node.clone()),
        "running: the live tuning is the configured one",
    );
    t.ok_result(
        dom.set_numa_parameters(nodeset(&node), LIVE),
        &format!("running: set nodeset {node} live"),
    )?;
    t.is(
        numa(&dom, LIVE)?.1,
        node.clone(),
        "running: the live nodeset reads back",
    );
    t.err_code(
        dom.set_numa_parameters(mode(STRICT), LIVE),
        ErrorNumber::OperationInvalid,
        "running: changing the mode live raises OperationInvalid",
    );
    t.err_code(
        dom.set_numa_parameters(nodeset(&absent), LIVE),
        ErrorNumber::ConfigUnsupported,
        &format!("running: nodeset {absent}, a node the host lacks, raises ConfigUnsupported"),
    );
    t.ok_result(
        dom.set_numa_parameters(mode(STRICT), CONFIG),
        "running: configure strict mode",
    )?;
    t.is(
        numa(&dom, CONFIG)?.0,
        strict,
        "running: the configuration says strict",
    );
    t.is(
        numa(&dom, LIVE)?.0,
        restrictive,
        "running: the live mode is still restrictive",
    );

    t.ok_result(dom.destroy(), "destroy the domain")?;
    t.ok_result(dom.create(), "start the domain again")?;
    t.is(
        numa(&dom, LIVE)?,
        (strict, node.clone()),
        "restarted: the domain runs with the configured strict mode and nodeset",
    );
    t.ok_result(dom.destroy(), "destroy the domain at the end")?;
    dom.undefine()?;
    Ok(())
}
