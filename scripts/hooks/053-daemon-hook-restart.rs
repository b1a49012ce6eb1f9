//! Restarting the daemon calls its hook as `daemon - shutdown - shutdown` and then `daemon - start - start`; the restarted daemon answers new connections, and the hook directory is put back as it was.
//!
//! The restart goes through systemd when the daemon is a systemd service,
//! else stops the daemon with SIGTERM and runs it again exactly as it was
//! started (`tck::virt::daemon`); a daemon that cannot be started again is
//! reported with the command that starts it. Running guests survive: the
//! daemon reconnects to them.

use std::path::Path;
use std::time::Duration;
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
    tags: &["hooks", "disruptive", "host", "slow"],
    priority: 2,
    exclusive: true,
    timeout: Some(180),
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let _scratch = cx.scratch_cleanup();
    t.plan(8);
    let uri = cx.uri().to_string();
    let before = dir_snapshot(Path::new(HOOK_DIR));
    let daemon = Daemon::find(cx.driver()?)?;
    let old_pid = daemon.pid;
    t.note(&format!(
        "restarting {} (pid {}) with: {}",
        daemon.name,
        old_pid,
        daemon.command()
    ));
    let mut session = t.ok_host(
        HookSession::start(daemon.clone(), Path::new(HOOK_DIR), cx.scratch_dir()?),
        "install a daemon hook",
    )?;

    let answers = || {
        Connection::open(&uri)
            .map(|c| c.close().is_ok())
            .unwrap_or(false)
    };
    let new = t.ok_host(
        daemon.restart(Duration::from_secs(90), answers),
        "restart the daemon",
    )?;
    session.set_daemon(new.clone());
    t.isnt(new.pid, old_pid, "the daemon runs as a new process");
    let lines: Vec<String> = read_log(session.daemon_log())
        .iter()
        .map(|l| l.join(" "))
        .collect();
    t.is(
        lines,
        vec![
            "- shutdown - shutdown".to_string(),
            "- start - start".to_string(),
        ],
        "the hook saw the shutdown, then the start",
    );
    let conn = t.ok_result(
        Connection::open(&uri).map_err(|e| e.error),
        "a new connection opens",
    )?;
    t.ok_result(
        conn.list_all_domains(0).map(|_| ()),
        "the restarted daemon lists domains",
    )?;
    conn.close()?;
    t.ok_host(session.finish(), "put the hooks back")?;
    t.ok(
        dir_snapshot(Path::new(HOOK_DIR)) == before,
        "the hook directory is as it was",
    );
    Ok(())
}
