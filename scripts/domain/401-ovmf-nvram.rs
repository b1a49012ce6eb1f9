//! A q35 domain with an explicit UEFI loader and NVRAM template gets its own NVRAM, copied from the template when it starts; undefine refuses to drop it silently, keeps it with KEEP_NVRAM and deletes it with NVRAM.
//!
//! The loader and template come from the host's QEMU firmware descriptors
//! (Debian's `ovmf` package installs them), not from fixed paths.

use tck::prelude::*;
use tck::suite::nvram::{destroy_and_undefine, q35_guest};
use tck::virt::firmware::{plain_uefi_flash, RemoveOnDrop};
use tck::virt::xmltree::Element;
use virt::sys::{VIR_DOMAIN_START_PAUSED, VIR_DOMAIN_XML_INACTIVE};

pub const META: Meta = Meta {
    requires: &[Require::Driver(&["QEMU"]), Require::LocalHost],
    tags: &["firmware"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let guest = q35_guest(cx)?;
    // Descriptors name machines by version (pc-q35-*), not by alias.
    let caps = cx.caps()?;
    let machine = caps
        .guest(&guest.os_type, &guest.arch)
        .and_then(|g| {
            g.machines_for(&guest.domain_type)
                .iter()
                .find(|m| m.name == "q35")
        })
        .and_then(|m| m.canonical.clone())
        .unwrap_or_else(|| "q35".into());
    let fw = plain_uefi_flash(&guest.arch, &machine).ok_or_else(|| {
        Stop::Skip(format!(
            "missing resource: no UEFI flash firmware with an NVRAM template for {} {machine} in /etc/qemu/firmware or /usr/share/qemu/firmware (Debian: install ovmf)",
            guest.arch
        ))
    })?;
    let (Some(code), Some(template)) = (fw.executable.clone(), fw.nvram_template.clone()) else {
        return Err(Stop::Error(format!(
            "{}: a plain flash firmware without files",
            fw.file.display()
        )));
    };
    t.plan(13);
    t.note(&format!(
        "firmware {code}, NVRAM template {template} ({})",
        fw.file.display()
    ));
    let conn = cx.connect()?;
    let name = cx.name("dom");
    let xml = guest
        .domain(&name)
        .loader(&code, Some("pflash"), Some(true), None)
        .nvram(None, Some(&template))
        .as_xml();

    let dom = t.ok_result(
        conn.define_domain_xml(&xml),
        "define a q35 domain with a UEFI loader and NVRAM template",
    )?;
    let def = Element::parse(&dom.xml_desc(VIR_DOMAIN_XML_INACTIVE)?)
        .map_err(|e| format!("bad domain XML: {e}"))?;
    let nvram = def.find_text("os/nvram").unwrap_or_default();
    t.ok(
        def.find_attr("os/nvram", "template") == Some(template.as_str()) && nvram.starts_with('/'),
        "the definition keeps the template and gives the domain an NVRAM path",
    );
    t.note(&format!("NVRAM: {nvram}"));
    let _leftover = RemoveOnDrop(nvram.clone().into());

    t.ok_result(
        dom.create_with_flags(VIR_DOMAIN_START_PAUSED),
        "start the domain (paused)",
    )?;
    let copied = std::fs::read(&nvram).ok();
    t.ok(
        copied.is_some() && copied == std::fs::read(&template).ok(),
        "the NVRAM file exists, a copy of the template",
    );
    destroy_and_undefine(t, cx, dom, &name, &xml, &nvram)
}
