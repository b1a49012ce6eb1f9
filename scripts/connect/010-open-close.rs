//! Opens the configured URI, checks the driver's identity, versions, host name and capabilities XML, and closes the connection.
//!
//! The first script of the kit: it proves the registry, the TAP producer and
//! the libvirt binding end to end, on any driver. It opens a connection of
//! its own (not the context's shared one) so that opening and closing are
//! what is tested.

use tck::prelude::*;
use tck::virt::connection::{format_version, parse_uri, uri_is_local};
use tck::virt::xpath::{check_well_formed, text_at};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(11);
    let uri = cx.uri();
    let conn = t.ok_result(
        Connection::open(uri).map_err(|e| e.error),
        "open the configured URI",
    )?;
    t.note(&format!("URI {uri}"));

    let driver = t.ok_result(conn.driver(), "driver type")?;
    t.is(
        driver.to_ascii_lowercase(),
        parse_uri(uri).driver,
        "driver type names the URI's driver",
    );

    let lib = t.ok_result(
        virt::connect::Connect::version().map(format_version),
        "library version",
    )?;
    t.note(&format!("libvirt library {lib}"));

    let daemon = t.ok_result(conn.lib_version(), "daemon libvirt version")?;
    t.note(&format!("libvirt daemon {}", format_version(daemon)));

    let hyp = t.ok_result(conn.hyp_version(), "hypervisor version")?;
    t.note(&format!("{driver} hypervisor {}", format_version(hyp)));

    let host = conn.hostname().unwrap_or_default();
    if uri_is_local(uri) {
        // libvirt reports gethostname(), possibly expanded to a FQDN.
        let local = local_hostname();
        let short = |h: &str| h.split('.').next().unwrap_or("").to_string();
        t.is(short(&host), short(&local), "host name is this host's");
    } else {
        t.ok(
            !host.is_empty() && !host.contains(char::is_whitespace),
            "host name is a single word",
        );
    }

    let caps = t.ok_result(conn.capabilities(), "capabilities")?;
    match check_well_formed(&caps) {
        Ok(()) => t.pass("capabilities XML is well-formed"),
        Err(why) => t.fail(
            "capabilities XML is well-formed",
            Yaml::map([("error", Yaml::Str(why)), ("xml", Yaml::Str(caps.clone()))]),
        ),
    };
    let arch = text_at(&caps, &["capabilities", "host", "cpu", "arch"])
        .ok()
        .flatten()
        .unwrap_or_default();
    t.ok(
        !arch.is_empty(),
        "capabilities give the host CPU architecture",
    );

    t.ok_result(conn.close(), "close the connection")?;
    Ok(())
}

fn local_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // on success when the name fits (it does: HOST_NAME_MAX is 64).
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
