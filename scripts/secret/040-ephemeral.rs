//! An ephemeral secret is never written to disk, while a persistent one is: the daemon's secret directory holds the persistent secret's definition and value, nothing of the ephemeral one, and nothing of either after undefine.
//!
//! The directory is where libvirt's secret driver keeps its state on this
//! host: `/etc/libvirt/secrets` for a `/system` URI,
//! `$XDG_CONFIG_HOME/libvirt/secrets` (default `~/.config`) for `/session`.

use std::path::PathBuf;
use tck::prelude::*;
use tck::virt::builders::SecretUsage;
use tck::virt::connection::parse_uri;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["secret"],
    ..Meta::DEFAULT
};

/// Where the secret driver of `uri` keeps its files on this host.
fn secrets_dir(uri: &str) -> Option<PathBuf> {
    match parse_uri(uri).path.as_str() {
        "/system" => Some(PathBuf::from("/etc/libvirt/secrets")),
        "/session" => {
            let config = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
            Some(config.join("libvirt/secrets"))
        }
        _ => None,
    }
}

/// The files in `dir` whose name starts with `uuid`.
fn files_of(dir: &std::path::Path, uuid: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(uuid))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(7);
    let conn = cx.connect()?;
    let Some(dir) = secrets_dir(cx.uri()) else {
        return Err(t.skip_all(&format!(
            "no known secret directory for {} (only /system and /session URIs)",
            cx.uri()
        )));
    };
    let kept = cx
        .secret(&cx.name("kept"))
        .usage(SecretUsage::Ceph(cx.name("kept")));
    let kept = t.ok_result(
        conn.define_secret_xml(&kept.as_xml(), 0),
        "define a persistent secret",
    )?;
    let fleeting = cx
        .secret(&cx.name("fleeting"))
        .usage(SecretUsage::Ceph(cx.name("fleeting")))
        .ephemeral(true);
    let fleeting = t.ok_result(
        conn.define_secret_xml(&fleeting.as_xml(), 0),
        "define an ephemeral secret",
    )?;
    kept.set_value(b"persistent value", 0)?;
    fleeting.set_value(b"ephemeral value", 0)?;
    let (k, f) = (kept.uuid_string()?, fleeting.uuid_string()?);

    if std::fs::read_dir(&dir).is_err() {
        return Err(t.skip_all(&format!(
            "cannot read the secret directory {} (run as its owner)",
            dir.display()
        )));
    }
    t.is(
        files_of(&dir, &k),
        vec![format!("{k}.base64"), format!("{k}.xml")],
        "the persistent secret's definition and value are on disk",
    );
    t.is(
        files_of(&dir, &f),
        Vec::<String>::new(),
        "nothing of the ephemeral secret is on disk",
    );
    t.is(
        fleeting.value(0)?,
        b"ephemeral value".to_vec(),
        "the ephemeral secret still gives its value from memory",
    );

    t.ok_result(kept.undefine(), "undefine the persistent secret")?;
    fleeting.undefine()?;
    t.is(
        files_of(&dir, &k),
        Vec::<String>::new(),
        "undefine removes the persistent secret's files",
    );
    Ok(())
}
