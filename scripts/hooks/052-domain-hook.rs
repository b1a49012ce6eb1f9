//! The driver's domain hook (`qemu`, `lxc`) is called with `prepare begin`, `start begin`, `started begin` when a guest starts and `stopped end`, `release end` (with the shutoff reason) when it is destroyed; a hook that fails makes the start fail (HookScriptFailed), and the hooks are put back afterwards.
//!
//! The hook acts only for this script's guests (anything else: exit 0), so
//! other guests on the host start normally while the failing hook is in
//! place. It is installed while the daemon runs and takes effect after a
//! SIGHUP (see `tck::virt::hooks`).

use std::path::Path;
use std::time::Duration;
use tck::prelude::*;
use tck::virt::daemon::Daemon;
use tck::virt::hooks::{dir_snapshot, logging_hook, wait_log, HookSession, HOOK_DIR};

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU", "LXC"]),
        Require::Root,
        Require::LocalHost,
        Require::Disruptive,
    ],
    tags: &["hooks", "disruptive", "host", "guest"],
    exclusive: true,
    timeout: Some(120),
    ..Meta::DEFAULT
};

/// `op subop` of each line about `dom`.
fn calls(lines: &[Vec<String>], dom: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.first().map(String::as_str) == Some(dom))
        .map(|l| l.get(1..3).map(|w| w.join(" ")).unwrap_or_default())
        .collect()
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.plan(12);
    let conn = cx.connect()?;
    let driver = cx.driver()?.to_ascii_lowercase();
    let daemon = Daemon::find(&driver)?;
    let before = dir_snapshot(Path::new(HOOK_DIR));
    let scratch = cx.scratch_dir()?.to_path_buf();
    let log = scratch.join("domain-hook.log");
    let mut session = t.ok_host(
        HookSession::start(daemon, Path::new(HOOK_DIR), &scratch),
        "install a logging daemon hook",
    )?;
    t.ok_host(
        session.install(&driver, &logging_hook(&log, cx.namespace(), 0)),
        &format!("install a `{driver}` hook that logs and succeeds"),
    )?;
    t.ok_host(
        session.reload(),
        "the daemon reloads and re-scans its hooks",
    )?;

    let name = cx.name("dom");
    let xml = cx.domain(&name)?.as_xml();
    let dom = t.ok_result(conn.create_domain_xml(&xml, 0), "start a guest")?;
    t.ok_result(dom.destroy(), "destroy the guest")?;
    let want = [
        "prepare begin",
        "start begin",
        "started begin",
        "stopped end",
        "release end",
    ];
    let (_, lines) = wait_log(&log, Duration::from_secs(10), |l| {
        calls(l, &name).len() >= want.len()
    });
    t.is(
        calls(&lines, &name),
        want.to_vec(),
        "the hook saw the start and the destroy, in order",
    );
    // Since libvirt 11.0 `release` names the shutoff reason (hooks.html:
    // "release end <shutoff-reason>", `destroyed` for a forced poweroff);
    // before, every extra argument was `-`.
    let reason = if conn.lib_version()? >= 11_000_000 {
        "destroyed"
    } else {
        "-"
    };
    let extras: Vec<String> = lines
        .iter()
        .filter(|l| l.first() == Some(&name))
        .map(|l| l[1..].join(" "))
        .collect();
    let want_full: Vec<String> = want
        .iter()
        .map(|c| format!("{c} {}", if *c == "release end" { reason } else { "-" }))
        .collect();
    t.is(
        extras,
        want_full,
        &format!("each call's last argument is `-`, and `{reason}` for the release"),
    );
    t.ok_host(
        session.install(&driver, &logging_hook(&log, cx.namespace(), 1)),
        "make the hook fail",
    )?;
    t.err_code(
        conn.create_domain_xml(&xml, 0),
        ErrorNumber::HookScriptFailed,
        "a guest whose prepare hook fails does not start",
    );
    t.err_code(
        conn.lookup_domain_by_name(&name),
        ErrorNumber::NoDomain,
        "the guest that failed to start does not exist",
    );
    t.ok_host(session.finish(), "put the hooks back and reload")?;
    std::fs::remove_file(&log)?;
    t.ok(
        dir_snapshot(Path::new(HOOK_DIR)) == before,
        "the hook directory is as it was",
    );
    Ok(())
}
