//! Every node device's XML is well-formed, names the device, and lists capabilities the device reports; parents resolve to listed devices and lead, without cycles, to the single root "computer".

use std::collections::BTreeMap;
use tck::prelude::*;
use tck::virt::xmltree::Element;

pub const META: Meta = Meta {
    tags: &["nodedev"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let devices = t.ok_result(conn.list_all_node_devices(0), "list all node devices")?;

    // name → parent from the XML; problems collected per check.
    let mut parents: BTreeMap<String, Option<String>> = BTreeMap::new();
    let (mut malformed, mut misnamed, mut bad_caps, mut api_parent) =
        (vec![], vec![], vec![], vec![]);
    for d in &devices {
        let name = d.name()?;
        // A device removed since the listing (hot-unplug) is skipped.
        let Ok(xml) = d.xml_desc(0) else { continue };
        let e = match Element::parse(&xml) {
            Ok(e) if e.name == "device" => e,
            Ok(e) => {
                malformed.push(format!("{name}: root element <{}>", e.name));
                continue;
            }
            Err(err) => {
                malformed.push(format!("{name}: {err}"));
                continue;
            }
        };
        if e.find_text("name").as_deref() != Some(name.as_str()) {
            misnamed.push(format!("{name}: <name> is {:?}", e.find_text("name")));
        }
        let caps = d.list_caps().unwrap_or_default();
        let in_xml: Vec<String> = e
            .elements_named("capability")
            .filter_map(|c| c.get_attr("type").map(str::to_string))
            .collect();
        if in_xml.is_empty() || in_xml.iter().any(|c| !caps.contains(c)) {
            bad_caps.push(format!(
                "{name}: XML capabilities {in_xml:?}, listed {caps:?}"
            ));
        }
        let parent = e.find_text("parent");
        let from_api = d.parent().ok();
        if parent != from_api {
            api_parent.push(format!(
                "{name}: XML parent {parent:?}, virNodeDeviceGetParent {from_api:?}"
            ));
        }
        parents.insert(name, parent);
    }
    t.is(
        malformed,
        Vec::<String>::new(),
        "every device's XML is a well-formed <device> document",
    );
    t.is(
        misnamed,
        Vec::<String>::new(),
        "every device's XML names the device",
    );
    t.is(
        bad_caps,
        Vec::<String>::new(),
        "every device's XML capabilities are among its listed capabilities",
    );
    t.is(
        api_parent,
        Vec::<String>::new(),
        "the XML parent and virNodeDeviceGetParent agree",
    );

    let roots: Vec<&String> = parents
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(n, _)| n)
        .collect();
    t.is(
        roots,
        vec![&"computer".to_string()],
        "the only device without a parent is computer",
    );
    let mut broken = Vec::new();
    for start in parents.keys() {
        let mut cur = start.clone();
        let mut steps = 0;
        while let Some(Some(p)) = parents.get(&cur) {
            cur = p.clone();
            steps += 1;
            if steps > parents.len() {
                break;
            }
        }
        if cur != "computer" {
            broken.push(format!(
                "{start}: the parent chain stops at {cur} after {steps} steps"
            ));
        }
    }
    t.is(
        broken,
        Vec::<String>::new(),
        "every parent chain resolves to computer without cycles",
    );
    Ok(())
}
