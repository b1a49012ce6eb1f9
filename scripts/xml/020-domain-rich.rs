//! A guest with many kinds of configuration (two disks, a NIC with a fixed MAC, VNC graphics, serial console, RNG, a custom CPU model, two vCPUs, title and description, features) keeps all of it in its dump, and define → dump → redefine → dump gives identical XML.

use tck::prelude::*;
use tck::virt::builders::{Chardev, CpuSpec, Disk, Graphics, Interface, Rng};
use tck::virt::xmltree::Element;
use virt::sys::VIR_DOMAIN_XML_INACTIVE as INACTIVE;

pub const META: Meta = Meta {
    tags: &["xml"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    // VNC, video, virtio disks and a balloon: a hardware VM's devices.
    let guest = cx.vm_guest()?;
    t.plan(13);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let (system, data) = (
        cx.scratch_file("system.qcow2")?,
        cx.scratch_file("data.img")?,
    );
    let mac = cx.mac(1);
    let mut builder = cx
        .domain(&name)?
        .title("tck rich guest")
        .description("every kind of device the round trip should keep")
        .vcpus(2)
        .cpu(CpuSpec::custom("qemu64"))
        .disk(
            Disk::file(&system.to_string_lossy(), "vda")
                .format("qcow2")
                .bus("virtio"),
        )
        .disk(
            Disk::file(&data.to_string_lossy(), "vdb")
                .format("raw")
                .bus("virtio")
                .readonly(),
        )
        .interface(
            Interface::network(&cx.name("net"))
                .mac(&mac)
                .model("virtio"),
        )
        .graphics(Graphics::vnc().listen("127.0.0.1"))
        .serial(Chardev::serial("pty"))
        .console(Chardev::console("pty"))
        .rng(Rng::random(Some("/dev/urandom")))
        .memballoon("virtio");
    let mut features = guest.features.clone();
    if cx
        .caps()?
        .guest(&guest.os_type, &guest.arch)
        .is_some_and(|g| g.has_feature("pae"))
    {
        builder = builder.with_pae();
        features.push("pae".to_string());
    }

    let dom = t.ok_result(
        conn.define_domain_xml(&builder.as_xml()),
        "define the rich guest",
    )?;
    let first = dom.xml_desc(INACTIVE)?;
    let e = Element::parse(&first).map_err(|e| e.to_string())?;
    let disks: Vec<&str> = e
        .find_all("devices/disk")
        .iter()
        .filter_map(|d| d.find_attr("target", "dev"))
        .collect();
    t.is(disks, vec!["vda", "vdb"], "both disks are kept, in order");
    t.ok(
        e.find_all("devices/disk")
            .iter()
            .any(|d| d.find("readonly").is_some()),
        "the second disk stays read-only",
    );
    t.is(
        e.find_attr("devices/interface", "type"),
        Some("network"),
        "the NIC stays on its network",
    );
    t.is(
        e.find_attr("devices/interface/mac", "address"),
        Some(mac.as_str()),
        "the NIC keeps its MAC address",
    );
    t.is(
        (
            e.find_attr("devices/graphics", "type"),
            e.find_attr("devices/graphics/listen", "address"),
        ),
        (Some("vnc"), Some("127.0.0.1")),
        "the VNC display keeps its listen address",
    );
    t.is(
        (
            e.find_attr("devices/serial", "type"),
            e.find_attr("devices/rng", "model"),
            e.find_text("devices/rng/backend"),
        ),
        (
            Some("pty"),
            Some("virtio"),
            Some("/dev/urandom".to_string()),
        ),
        "the serial port and the RNG and its backend are kept",
    );
    t.is(
        (
            e.find_attr("cpu", "mode"),
            e.find_text("cpu/model"),
            e.find_text("vcpu"),
        ),
        (
            Some("custom"),
            Some("qemu64".to_string()),
            Some("2".to_string()),
        ),
        "the custom CPU model and the two vCPUs are kept",
    );
    let kept: Vec<String> = e
        .find("features")
        .map(|f| f.elements().map(|x| x.name.clone()).collect())
        .unwrap_or_default();
    let lost: Vec<&String> = features.iter().filter(|f| !kept.contains(f)).collect();
    t.is(
        (e.find_text("title"), lost),
        (Some("tck rich guest".to_string()), Vec::<&String>::new()),
        "the title and every requested feature are kept",
    );

    let again = t.ok_result(
        conn.define_domain_xml(&first),
        "redefine the guest from its dump",
    )?;
    t.same_text(
        &again.xml_desc(INACTIVE)?,
        &first,
        "the second dump is identical to the first",
    );
    t.ok_result(dom.undefine(), "undefine the guest")?;
    let fresh = conn.define_domain_xml(&first)?;
    t.same_text(
        &fresh.xml_desc(INACTIVE)?,
        &first,
        "a new guest defined from the dump dumps identically",
    );
    fresh.undefine()?;
    Ok(())
}
