//! Clones a patterned raw volume into every format that both `qemu-img` and the driver support, and each clone back into raw: every clone is an image of its format, and every round trip gives back exactly the original bytes (SHA-256).
//!
//! The source is 8 MiB + 4 KiB, so its end is not cluster-aligned. VHD
//! (`vpc`) rounds sizes up to its geometry: there the round trip must give
//! the original bytes followed by zeros.

use tck::prelude::*;
use tck::virt::builders::Size;
use tck::virt::storage::content::{pattern, sha256_hex};
use tck::virt::storage::qemu_img::QemuImg;
use tck::virt::storage::{local_file, TestedFormats};
use virt::storage_vol::StorageVol;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost, Require::Tool("qemu-img")],
    tags: &["storage"],
    ..Meta::DEFAULT
};

const SIZE: usize = (8 << 20) + 4096;
const PER_FORMAT: u64 = 4;

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let conn = cx.connect()?;
    let qemu_img = QemuImg::find()?;
    let TestedFormats { formats, note } = TestedFormats::find(conn, &qemu_img, cx.scratch_dir()?)?;
    t.note(&note);
    t.plan(1 + PER_FORMAT * formats.len() as u64);

    let (pool, _dir) = cx.started_pool(&cx.name("pool"))?;
    let src = t.ok_result(
        StorageVol::create_xml(
            &pool,
            &cx.volume("src.raw")
                .capacity(Size::bytes(SIZE as u64))
                .format("raw")
                .as_xml(),
            0,
        ),
        "create the raw source volume",
    )?;
    // The content is written (and read back) on the host.
    let src_file = local_file(&src.path()?).map_err(Stop::Skip)?;
    let data = pattern(42, SIZE);
    std::fs::write(&src_file, &data)?;
    let want = sha256_hex(&data);

    for fmt in &formats {
        let clone_xml = cx
            .volume(&format!("clone.{fmt}"))
            .capacity(Size::bytes(SIZE as u64))
            .format(fmt)
            .as_xml();
        let clone = t.ok_result(
            StorageVol::create_xml_from(&pool, &clone_xml, &src, 0),
            &format!("{fmt}: clone the raw volume into {fmt}"),
        )?;
        let clone_file = local_file(&clone.path()?).map_err(Stop::Skip)?;
        let image = qemu_img.info(&clone_file)?;
        t.is(
            image.format.as_str(),
            fmt.as_str(),
            &format!("{fmt}: the clone is a {fmt} image"),
        );

        let back_xml = cx
            .volume(&format!("back.{fmt}.raw"))
            .capacity(Size::bytes(clone.info()?.capacity))
            .format("raw")
            .as_xml();
        let back = t.ok_result(
            StorageVol::create_xml_from(&pool, &back_xml, &clone, 0),
            &format!("{fmt}: clone the {fmt} volume back into raw"),
        )?;
        let bytes = std::fs::read(local_file(&back.path()?).map_err(Stop::Skip)?)?;
        let (head, tail) = bytes.split_at(bytes.len().min(SIZE));
        let ok = sha256_hex(head) == want && head.len() == SIZE && tail.iter().all(|&b| b == 0);
        let diag = (!ok).then(|| {
            Yaml::map([
                (
                    "expected",
                    Yaml::Str(format!("{SIZE} bytes with SHA-256 {want}, then only zeros")),
                ),
                (
                    "got",
                    Yaml::Str(format!(
                        "{} bytes; the first {} have SHA-256 {}; {} non-zero bytes after them",
                        bytes.len(),
                        head.len(),
                        sha256_hex(head),
                        tail.iter().filter(|&&b| b != 0).count()
                    )),
                ),
            ])
        });
        t.point(
            ok,
            &format!("{fmt}: the round trip through {fmt} gives the original bytes"),
            diag,
        );
        back.delete(0)?;
        clone.delete(0)?;
    }
    src.delete(0)?;
    pool.destroy()?;
    Ok(())
}
