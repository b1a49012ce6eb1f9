//! A daemon hook installed while the daemon runs is called on the next SIGHUP (reload) as `daemon - reload begin SIGHUP`; the daemon keeps running and answering, and the hook directory is put back as it was.
//!
//! libvirt caches which hook scripts exist at start-up and re-scans on
//! SIGHUP (see `tck::virt::hooks`), so this is how a hook added to a
//! running daemon takes effect. The daemon's start and shutdown calls need
//! a restart: `hooks/053-daemon-hook-restart`.

use std::path::Path;
use tck::prelude::*;
use tck::virt::daemon::Daemon;
use tck::virt::hooks::{dir_snapshot, read_log, HookSession, HOOK_DIR};

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU", "LXC"]),
        Require::Root,
        Require::LocalHost,
        Require::Disruptive,
    ],
    tags: &["hooks", "disruptive", "host"],
    exclusive: true,
    timeout: Some(120),
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.plan(7);
    let conn = cx.connect()?;
    let before = dir_snapshot(Path::new(HOOK_DIR));
    let daemon = Daemon::find(cx.driver()?)?;
    t.note(&format!(
        "daemon {} pid {}, restarted by: {}",
        daemon.name,
        daemon.pid,
        daemon.command()
    ));
    let pid = daemon.pid;

    let session = t.ok_host(
        HookSession::start(daemon, Path::new(HOOK_DIR), cx.scratch_dir()?),
        "install a daemon hook while the daemon runs",
    )?;
    let took = t.ok_host(
        session.reload(),
        "after SIGHUP the daemon calls the new hook",
    )?;
    t.note(&format!(
        "hook called {:.0} ms after SIGHUP",
        took.as_secs_f64() * 1e3
    ));
    let lines = read_log(session.daemon_log());
    t.is(
        lines,
        vec![vec!["-", "reload", "begin", "SIGHUP"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()],
        "the hook was called once, as `- reload begin SIGHUP`",
    );
    t.is(
        Daemon::find(cx.driver()?)?.pid,
        pid,
        "the daemon reloaded in place (same process)",
    );
    t.ok_result(
        conn.lib_version(),
        "the daemon still answers on the same connection",
    )?;

    t.ok_host(session.finish(), "put the hooks back")?;
    t.ok(
        dir_snapshot(Path::new(HOOK_DIR)) == before,
        "the hook directory is as it was",
    );
    Ok(())
}
