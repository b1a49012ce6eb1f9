//! Filters redefined over and over while guests using them start and stop, all at once on separate connections: every operation succeeds, the daemon keeps answering, and afterwards no guest runs, no filter binding or host rule is left, and each filter holds its last successful definition.

use std::sync::atomic::{AtomicBool, Ordering};
use tck::prelude::*;
use tck::virt::builders::{Interface, Ip, NwFilterBuilder, Rule};
use tck::virt::host::net as hostnet;
use tck::virt::host::net::nwfilter::{FilterRules, SAVE_TOOLS};
use tck::virt::requirements::on_path;
use tck::virt::shim::nwfilter_bindings;

pub const META: Meta = Meta {
    requires: &[Require::Driver(&["QEMU"])],
    tags: &["nwfilter", "network", "guest", "concurrency"],
    timeout: Some(120),
    ..Meta::DEFAULT
};

/// Start/stop cycles per guest thread.
const CYCLES: usize = 4;
/// At most this many redefinitions per filter thread.
const MAX_DEFINES: usize = 200;
/// Between two redefinitions: each one rebuilds the rules of every guest
/// using the filter under the driver's update lock; back to back, they
/// would starve the guest threads rather than interleave with them.
const PAUSE: std::time::Duration = std::time::Duration::from_millis(200);

/// A layer-2 and a layer-3 rule (ebtables and iptables), cheap to
/// instantiate so that many starts, stops and rebuilds overlap.
fn filter(name: &str, uuid: &str, port: usize) -> NwFilterBuilder {
    NwFilterBuilder::new(name)
        .uuid(uuid)
        .rule(Rule::new("drop", "inout").protocol("mac", &[("protocolid", "ipv6")]))
        .rule(Rule::new("accept", "in").protocol("tcp", &[("dstportstart", &port.to_string())]))
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let subnet = cx.free_subnet()?;
    t.plan(13);
    let conn = cx.connect()?;
    let br = cx.bridge_name("br")?;
    let net = t.ok_result(
        conn.create_network_xml(
            &cx.network(&br)
                .ip(Ip::v4(&subnet.gateway().to_string(), 24))
                .as_xml(),
        ),
        "create a network on a free subnet",
    )?;
    let names = [cx.name("f0"), cx.name("f1")];
    let mut uuids = Vec::new();
    for n in &names {
        let f = conn.define_nwfilter_xml(&cx.nwfilter(n).as_xml())?;
        uuids.push(f.uuid_string()?);
        conn.define_nwfilter_xml(
            &filter(n, uuids.last().map(String::as_str).unwrap_or(""), 1999).as_xml(),
        )?;
    }
    t.pass("define two filters");
    let guests: Vec<(String, String)> = (0..2u8)
        .map(|i| {
            let nic = Interface::network(&br).mac(&cx.mac(i + 1)).filterref(
                &names[i as usize],
                &[("IP", &subnet.host(10 + i).to_string())],
            );
            Ok((
                cx.name(&format!("g{i}")),
                cx.domain(&cx.name(&format!("g{i}")))?
                    .interface(nic)
                    .as_xml(),
            ))
        })
        .collect::<Result<_, Stop>>()?;

    let uri = cx.uri().to_string();
    let guests_done = AtomicBool::new(false);
    // (errors, taps seen) per guest thread; (errors, defines, last port) per filter thread.
    let (guest_results, filter_results) = std::thread::scope(|s| {
        let g: Vec<_> = guests
            .iter()
            .map(|(_, xml)| {
                let uri = &uri;
                s.spawn(move || {
                    let (mut errors, mut taps) = (Vec::new(), Vec::new());
                    let c = match Connection::open(uri) {
                        Ok(c) => c,
                        Err(e) => return (vec![e.to_string()], taps),
                    };
                    for _ in 0..CYCLES {
                        match c.create_domain_xml(xml, 0) {
                            Ok(d) => {
                                if let Ok(Some(tap)) = d.xml_desc(0).map(|x| {
                                    hostnet::guest_nics(&x)
                                        .ok()
                                        .and_then(|n| n.into_iter().next())
                                        .and_then(|n| n.target)
                                }) {
                                    taps.push(tap);
                                }
                                if let Err(e) = d.destroy() {
                                    errors.push(format!("destroy: {e}"));
                                }
                            }
                            Err(e) => errors.push(format!("start: {e}")),
                        }
                    }
                    let _ = c.close();
                    (errors, taps)
                })
            })
            .collect();
        let f: Vec<_> = names
            .iter()
            .zip(&uuids)
            .map(|(name, uuid)| {
                let (uri, done) = (&uri, &guests_done);
                s.spawn(move || {
                    let (mut errors, mut n, mut port) = (Vec::new(), 0, 1999);
                    let c = match Connection::open(uri) {
                        Ok(c) => c,
                        Err(e) => return (vec![e.to_string()], 0, 0),
                    };
                    while n < MAX_DEFINES && (n < CYCLES || !done.load(Ordering::SeqCst)) {
                        match c.define_nwfilter_xml(&filter(name, uuid, 2000 + n).as_xml()) {
                            // The definition a filter must end with.
                            Ok(_) => port = 2000 + n,
                            Err(e) => errors.push(e.to_string()),
                        }
                        n += 1;
                        std::thread::sleep(PAUSE);
                    }
                    let _ = c.close();
                    (errors, n, port)
                })
            })
            .collect();
        let gr: Vec<_> = g
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| (vec!["thread panicked".into()], vec![]))
            })
            .collect();
        guests_done.store(true, Ordering::SeqCst);
        let fr: Vec<_> = f
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| (vec!["thread panicked".into()], 0, 0))
            })
            .collect();
        (gr, fr)
    });

    let list = |v: &[String]| Yaml::Seq(v.iter().cloned().map(Yaml::Str).collect());
    let guest_errors: Vec<String> = guest_results.iter().flat_map(|(e, _)| e.clone()).collect();
    t.point(
        guest_errors.is_empty(),
        &format!("{} guest starts and stops all succeeded", 2 * CYCLES),
        (!guest_errors.is_empty()).then(|| list(&guest_errors)),
    );
    let filter_errors: Vec<String> = filter_results
        .iter()
        .flat_map(|(e, _, _)| e.clone())
        .collect();
    let defines: usize = filter_results.iter().map(|(_, n, _)| n).sum();
    t.note(&format!(
        "{defines} filter redefinitions during the guest cycles"
    ));
    t.point(
        filter_errors.is_empty(),
        "every concurrent redefinition succeeded",
        (!filter_errors.is_empty()).then(|| list(&filter_errors)),
    );

    let fresh = t.ok_result(
        Connection::open(cx.uri()).map_err(|e| e.error),
        "the daemon accepts a new connection",
    )?;
    let running: Vec<String> = t
        .ok_result(
            fresh.list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE),
            "it lists the running guests",
        )?
        .iter()
        .filter_map(|d| d.name().ok())
        .filter(|n| guests.iter().any(|(g, _)| g == n))
        .collect();
    t.is(
        running,
        Vec::<String>::new(),
        "none of the guests is left running",
    );
    let bindings = t.ok_result(nwfilter_bindings(&fresh), "list the filter bindings")?;
    let ours: Vec<String> = bindings
        .iter()
        .filter(|b| names.contains(&b.filter))
        .map(|b| format!("{} on {}", b.filter, b.port_dev))
        .collect();
    t.is(
        ours,
        Vec::<String>::new(),
        "no binding of the filters is left",
    );
    let last_ok = names.iter().zip(&filter_results).all(|(n, (_, _, port))| {
        fresh
            .lookup_nwfilter_by_name(n)
            .and_then(|f| f.xml_desc(0))
            .is_ok_and(|x| x.contains(&format!("dstportstart='{port}'")))
    });
    t.ok(last_ok, "each filter holds its last successful definition");
    let taps: Vec<String> = guest_results.iter().flat_map(|(_, t)| t.clone()).collect();
    let missing: Vec<&str> = SAVE_TOOLS
        .iter()
        .map(|(tool, _)| *tool)
        .filter(|tool| !on_path(tool))
        .collect();
    let inspectable = hostnet::firewall_inspectable(cx).and_then(|()| {
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("missing tool: {} not on PATH", missing.join(", ")))
        }
    });
    match inspectable {
        Ok(()) => {
            let left: Vec<String> = FilterRules::list()
                .map(|f| taps.iter().flat_map(|tap| f.traces_of(tap)).collect())
                .unwrap_or_else(|e| vec![e.to_string()]);
            t.point(
                left.is_empty(),
                "no host rule is left for the guests' devices",
                (!left.is_empty()).then(|| list(&left)),
            );
        }
        Err(why) => t.skip_point("no host rule is left for the guests' devices", &why),
    }
    fresh.close()?;
    for n in &names {
        conn.lookup_nwfilter_by_name(n)?.undefine()?;
    }
    t.pass("undefine the filters");
    t.ok_result(net.destroy(), "destroy the network")?;
    Ok(())
}
