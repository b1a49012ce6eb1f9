//! An internal snapshot saves the disk's content inside the qcow2 image: data written after it is undone by a revert, and deleting the snapshot removes it from the image.
//!
//! The image is written and read with `qemu-io` while the guest is shut
//! off, and inspected with `qemu-img info`, so the check sees the bytes on
//! disk rather than libvirt's metadata.

use std::process::Command;
use tck::prelude::*;
use tck::virt::builders::Size;

pub const META: Meta = Meta {
    requires: &[
        Require::Driver(&["QEMU"]),
        Require::LocalHost,
        Require::Tool("qemu-io"),
        Require::Tool("qemu-img"),
    ],
    tags: &["snapshot", "storage"],
    ..Meta::DEFAULT
};

/// Runs one qemu-io command on the image; true when it succeeded (a read
/// with `-P` fails when the data is not the pattern).
fn qemu_io(path: &str, cmd: &str) -> Result<(bool, String), Stop> {
    let out = Command::new("qemu-io")
        .args(["-f", "qcow2", "-c", cmd, path])
        .output()
        .map_err(|e| Stop::Error(format!("cannot run qemu-io: {e}")))?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok((
        out.status.success() && !text.contains("verification failed"),
        text,
    ))
}

/// The names of the internal snapshots stored in the image.
fn image_snapshots(path: &str) -> Result<Vec<String>, Stop> {
    let out = Command::new("qemu-img")
        .args(["info", "-U", "--output=json", path])
        .output()
        .map_err(|e| Stop::Error(format!("cannot run qemu-img: {e}")))?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| Stop::Error(format!("qemu-img info {path}: {e}")))?;
    Ok(v["snapshots"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let disk = cx.scratch_qcow2("disk.qcow2", Size::mib(16))?;
    let dom =
        conn.define_domain_xml(&cx.domain(&cx.name("dom"))?.disk(disk.disk("vda")).as_xml())?;

    let (ok, out) = qemu_io(&disk.path, "write -P 0x5a 0 64k")?;
    if !ok {
        return Err(Stop::Error(format!(
            "cannot write the first pattern: {out}"
        )));
    }
    let s1 = t.ok_result(
        dom.create_snapshot_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0),
        "snapshot the guest after writing pattern 0x5a",
    )?;
    t.ok(
        image_snapshots(&disk.path)?.contains(&"s1".to_string()),
        "the image holds internal snapshot s1",
    );
    let (ok, out) = qemu_io(&disk.path, "write -P 0xa5 0 64k")?;
    if !t.ok(
        ok,
        "overwrite the data with pattern 0xa5 after the snapshot",
    ) {
        t.diag(&out);
    }
    t.ok(
        qemu_io(&disk.path, "read -P 0xa5 0 64k")?.0,
        "before the revert the disk holds 0xa5",
    );

    t.ok_result(s1.revert(0), "revert to s1")?;
    let (ok, out) = qemu_io(&disk.path, "read -P 0x5a 0 64k")?;
    if !t.ok(
        ok,
        "after the revert the disk holds the snapshot's 0x5a again",
    ) {
        t.diag(&out);
    }
    t.ok(
        !qemu_io(&disk.path, "read -P 0xa5 0 64k")?.0,
        "the data written after the snapshot is gone",
    );

    t.ok_result(s1.delete(0), "delete s1")?;
    t.ok(
        !image_snapshots(&disk.path)?.contains(&"s1".to_string()),
        "deleting s1 removes it from the image",
    );
    t.ok(
        qemu_io(&disk.path, "read -P 0x5a 0 64k")?.0,
        "deleting the snapshot keeps the current data",
    );
    dom.undefine()?;
    disk.discard()?;
    Ok(())
}
