//! A q35 UEFI domain and its NVRAM file (domain/401–405): however the
//! firmware was chosen — an explicit loader and template, or
//! `firmware='efi'` auto-selection — the domain gets an NVRAM file of its
//! own, which undefine must not drop silently: plain undefine is refused,
//! `VIR_DOMAIN_UNDEFINE_KEEP_NVRAM` keeps the file and
//! `VIR_DOMAIN_UNDEFINE_NVRAM` deletes it.

use crate::prelude::*;
use crate::virt::generic::{GuestChoice, GuestPrefs};
use std::path::Path;
use virt::domain::Domain;
use virt::sys::{VIR_DOMAIN_UNDEFINE_KEEP_NVRAM, VIR_DOMAIN_UNDEFINE_NVRAM};

/// The generic guest on a q35 machine (the machine UEFI firmware is built
/// for).
pub fn q35_guest(cx: &Context) -> Result<GuestChoice, Stop> {
    cx.guest_with(&GuestPrefs {
        machine: Some("q35".into()),
        ..GuestPrefs::default()
    })
}

/// Destroys the running domain `dom` (defined from `xml` as `name`, with
/// its NVRAM file at `nvram`), then checks how undefine treats the NVRAM:
/// refused without a flag, kept with KEEP_NVRAM, deleted with NVRAM (the
/// domain is defined again from `xml` for that). Nine test points.
pub fn destroy_and_undefine(
    t: &mut Tap,
    cx: &Context,
    dom: Domain,
    name: &str,
    xml: &str,
    nvram: &str,
) -> Outcome {
    let conn = cx.connect()?;
    t.ok_result(dom.destroy(), "destroy the domain")?;

    t.err_code(
        dom.undefine(),
        ErrorNumber::OperationInvalid,
        "undefine without an NVRAM flag raises OperationInvalid",
    );
    t.ok(
        conn.lookup_domain_by_name(name).is_ok(),
        "the domain is still defined",
    );
    t.ok_result(
        dom.undefine_flags(VIR_DOMAIN_UNDEFINE_KEEP_NVRAM),
        "undefine with KEEP_NVRAM",
    )?;
    t.ok(
        conn.lookup_domain_by_name(name).is_err() && Path::new(nvram).exists(),
        "the domain is gone and its NVRAM file kept",
    );

    let dom = t.ok_result(conn.define_domain_xml(xml), "define the domain again")?;
    t.ok_result(
        dom.undefine_flags(VIR_DOMAIN_UNDEFINE_NVRAM),
        "undefine with NVRAM",
    )?;
    t.ok(!Path::new(nvram).exists(), "the NVRAM file is deleted");
    t.err_code(
        conn.lookup_domain_by_name(name),
        ErrorNumber::NoDomain,
        "the domain is gone",
    );
    Ok(())
}
