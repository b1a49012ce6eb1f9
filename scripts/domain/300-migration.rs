//! Migrates domains to the second host (`other_uri`): transient and persistent, running and paused, with LIVE, PERSIST_DEST, UNDEFINE_SOURCE and PAUSED, and peer-to-peer (direct and tunnelled); each time the domain arrives with its UUID, in the expected state and persistence, and the source keeps or drops its definition as the flags say.
//!
//! The Perl script ran 960 checks (every flag set in every mode); these
//! eight scenarios cover each flag's effect once, and both peer-to-peer
//! modes. The domains have no disks, so no shared storage is needed.

use tck::prelude::*;
use tck::virt::shim::domain_state;
use virt::domain::Domain;
use virt::sys::{
    VIR_DOMAIN_PAUSED, VIR_DOMAIN_RUNNING, VIR_MIGRATE_LIVE as LIVE, VIR_MIGRATE_PAUSED as PAUSED,
    VIR_MIGRATE_PEER2PEER as P2P, VIR_MIGRATE_PERSIST_DEST as PERSIST_DEST,
    VIR_MIGRATE_TUNNELLED as TUNNELLED, VIR_MIGRATE_UNDEFINE_SOURCE as UNDEFINE_SOURCE,
};

pub const META: Meta = Meta {
    requires: &[Require::OtherHost],
    tags: &["migration", "slow"],
    priority: 2,
    ..Meta::DEFAULT
};

/// One scenario: the source domain (persistent? paused?), and how it is
/// migrated.
struct Scenario {
    label: &'static str,
    persistent: bool,
    paused: bool,
    flags: u32,
}

const fn sc(label: &'static str, persistent: bool, paused: bool, flags: u32) -> Scenario {
    Scenario {
        label,
        persistent,
        paused,
        flags,
    }
}

// One row per scenario: label, persistent, paused, flags.
#[rustfmt::skip]
const SCENARIOS: [Scenario; 8] = [
    sc("transient, running, LIVE", false, false, LIVE),
    sc("transient, paused, LIVE", false, true, LIVE),
    sc("persistent, running, LIVE|PERSIST_DEST", true, false, LIVE | PERSIST_DEST),
    sc("persistent, running, LIVE|PERSIST_DEST|UNDEFINE_SOURCE", true, false, LIVE | PERSIST_DEST | UNDEFINE_SOURCE),
    sc("persistent, running, LIVE|PAUSED", true, false, LIVE | PAUSED),
    sc("persistent, paused, LIVE|PERSIST_DEST|UNDEFINE_SOURCE", true, true, LIVE | PERSIST_DEST | UNDEFINE_SOURCE),
    sc("persistent, running, peer-to-peer LIVE|PERSIST_DEST", true, false, LIVE | P2P | PERSIST_DEST),
    sc("persistent, running, tunnelled peer-to-peer LIVE|PERSIST_DEST", true, false, LIVE | P2P | TUNNELLED | PERSIST_DEST),
];

/// Removes a domain of this name from a connection when dropped: the
/// fixture cleans only the URI under test, not the second host.
struct Remove<'a>(&'a Connection, String);

impl Drop for Remove<'_> {
    fn drop(&mut self) {
        if let Ok(d) = self.0.lookup_domain_by_name(&self.1) {
            // Best effort: nothing more to do if the other host refuses.
            let _ = d.destroy();
            if let Ok(d) = self.0.lookup_domain_by_name(&self.1) {
                let _ = d.undefine();
            }
        }
    }
}

fn migrate_one(
    t: &mut Tap,
    cx: &Context,
    dest: &Connection,
    other_uri: &str,
    n: usize,
    s: &Scenario,
) -> Outcome {
    t.plan(5);
    let conn = cx.connect()?;
    let name = cx.name(&format!("mig{n}"));
    let _on_dest = Remove(dest, name.clone());
    let _on_source = Remove(conn, name.clone());
    let xml = cx.domain(&name)?.as_xml();
    let dom = if s.persistent {
        let d = conn.define_domain_xml(&xml)?;
        d.create()?;
        d
    } else {
        conn.create_domain_xml(&xml, 0)?
    };
    if s.paused {
        dom.suspend()?;
    }
    let uuid = dom.uuid_string()?;

    let moved: Result<Domain, LibvirtError> = if s.flags & P2P != 0 {
        dom.migrate_to_uri(other_uri, s.flags, None, 0)
            .map_err(LibvirtError::from)
            .and_then(|()| {
                dest.lookup_domain_by_name(&name)
                    .map_err(LibvirtError::from)
            })
    } else {
        dom.migrate(dest, s.flags, None, None, 0)
            .map_err(LibvirtError::from)
    };
    let l = s.label;
    let there = t.ok_result(moved, &format!("{l}: the migration succeeds"))?;
    t.is(
        there.uuid_string()?,
        uuid.as_str(),
        &format!("{l}: the domain arrives with its UUID"),
    );
    let want = if s.paused || s.flags & PAUSED != 0 {
        VIR_DOMAIN_PAUSED
    } else {
        VIR_DOMAIN_RUNNING
    };
    t.is(
        domain_state(&there)?.0,
        want,
        &if want == VIR_DOMAIN_PAUSED {
            format!("{l}: it is paused on the destination")
        } else {
            format!("{l}: it runs on the destination")
        },
    );
    t.is(
        there.is_persistent()?,
        s.flags & PERSIST_DEST != 0,
        &format!("{l}: it is persistent on the destination exactly with PERSIST_DEST"),
    );
    let kept = conn.lookup_domain_by_name(&name).ok();
    let expect_kept = s.persistent && s.flags & UNDEFINE_SOURCE == 0;
    t.ok(
        match &kept {
            Some(d) => expect_kept && !d.is_active()?,
            None => !expect_kept,
        },
        &if expect_kept {
            format!("{l}: the source keeps its definition, inactive")
        } else {
            format!("{l}: the source no longer has the domain")
        },
    );
    Ok(())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let other_uri = cx
        .config()
        .other_uri
        .clone()
        .ok_or("other_uri is not set")?;
    let dest = Connection::open(&other_uri)?;
    t.plan(SCENARIOS.len() as u64);
    for (n, s) in SCENARIOS.iter().enumerate() {
        t.subtest(s.label, |t| migrate_one(t, cx, &dest, &other_uri, n, s));
    }
    dest.close()?;
    Ok(())
}
