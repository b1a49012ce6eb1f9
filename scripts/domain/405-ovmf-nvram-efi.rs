//! A q35 domain asking for firmware='efi' (without Secure Boot) gets a UEFI loader and an NVRAM file chosen by the driver when it starts (both read from the live XML); undefine refuses to drop the NVRAM silently, keeps it with KEEP_NVRAM and deletes it with NVRAM.
//!
//! Skips, saying so, where the domain capabilities offer no `efi` firmware
//! auto-selection (the Perl script's skip condition could never fire).

use tck::prelude::*;
use tck::suite::nvram::{destroy_and_undefine, q35_guest};
use tck::virt::firmware::RemoveOnDrop;
use tck::virt::xmltree::Element;
use virt::sys::{VIR_DOMAIN_START_PAUSED, VIR_DOMAIN_XML_INACTIVE};

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["firmware"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let guest = q35_guest(cx)?;
    let dcaps = cx.domain_caps(&guest)?;
    if !dcaps.firmware_values().iter().any(|f| f == "efi") {
        return Err(t.skip_all(&format!(
            "unsupported by driver: the domain capabilities of {} offer no efi firmware auto-selection",
            guest.describe()
        )));
    }
    t.plan(14);
    let conn = cx.connect()?;
    let name = cx.name("dom");
    // Without Secure Boot: its firmware needs SMM, which not every
    // accelerator emulates (this host's nested KVM does not).
    let xml = guest
        .domain(&name)
        .firmware("efi")
        .firmware_feature("secure-boot", false)
        .as_xml();

    let dom = t.ok_result(
        conn.define_domain_xml(&xml),
        "define a q35 domain with firmware='efi'",
    )?;
    let def = Element::parse(&dom.xml_desc(VIR_DOMAIN_XML_INACTIVE)?)
        .map_err(|e| format!("bad domain XML: {e}"))?;
    t.is(
        def.find_attr("os", "firmware"),
        Some("efi"),
        "the definition asks for efi firmware",
    );

    t.ok_result(
        dom.create_with_flags(VIR_DOMAIN_START_PAUSED),
        "start the domain (paused)",
    )?;
    let live = Element::parse(&dom.xml_desc(0)?).map_err(|e| format!("bad domain XML: {e}"))?;
    let loader = live.find_text("os/loader").unwrap_or_default();
    let nvram = live.find_text("os/nvram").unwrap_or_default();
    t.note(&format!("loader {loader}, NVRAM {nvram}"));
    let _leftover = (!nvram.is_empty()).then(|| RemoveOnDrop(nvram.clone().into()));
    t.ok(
        dcaps.loader.values.contains(&loader),
        "the live XML names a loader the domain capabilities list",
    );
    t.ok(
        nvram.starts_with('/') && std::path::Path::new(&nvram).is_file(),
        "the live XML names the domain's NVRAM file, which exists",
    );
    destroy_and_undefine(t, cx, dom, &name, &xml, &nvram)
}
