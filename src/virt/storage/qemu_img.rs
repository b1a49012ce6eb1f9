//! `qemu-img` on the host: which image formats it knows, which of them it
//! can create, and what it says about an image.
//!
//! Scripts ask at run time rather than carrying a list: the formats a
//! QEMU build supports differ between distributions and releases (`qcow`
//! and `vpc` can be compiled out, read-only drivers such as `bochs` or
//! `dmg` are listed but cannot create images). `qemu-img --help` lists
//! every block driver; [`QemuImg::can_create`] probes the ones that matter
//! by creating a 1 MiB image in a scratch directory.
//!
//! `qemu-img info` is an independent oracle for what libvirt reports about
//! a volume (format, virtual size, backing file): tck reads it as JSON.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Running `qemu-img` failed or its answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuImgError(pub String);

impl std::fmt::Display for QemuImgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QemuImgError {}

impl From<QemuImgError> for crate::script::Stop {
    fn from(e: QemuImgError) -> Self {
        crate::script::Stop::Error(e.0)
    }
}

/// The `qemu-img` program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuImg {
    path: PathBuf,
}

/// What `qemu-img info` says about an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: String,
    pub virtual_size: u64,
    /// Bytes allocated on the host (`st_blocks` × 512).
    pub actual_size: Option<u64>,
    /// The backing file as written in the image.
    pub backing_filename: Option<String>,
    /// The backing file's format as written in the image, if it is.
    pub backing_format: Option<String>,
}

impl QemuImg {
    /// `qemu-img` found on `PATH`.
    pub fn find() -> Result<QemuImg, QemuImgError> {
        let path = std::env::var_os("PATH")
            .and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join("qemu-img"))
                    .find(|c| c.is_file())
            })
            .ok_or_else(|| QemuImgError("`qemu-img` is not on PATH".into()))?;
        Ok(QemuImg { path })
    }

    /// A given `qemu-img` binary.
    pub fn at(path: &Path) -> QemuImg {
        QemuImg {
            path: path.to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn run(&self, args: &[&std::ffi::OsStr]) -> Result<String, QemuImgError> {
        let out = Command::new(&self.path)
            .args(args)
            .env("LC_ALL", "C")
            .output()
            .map_err(|e| QemuImgError(format!("cannot run {}: {e}", self.path.display())))?;
        if !out.status.success() {
            let shown: Vec<String> = args.iter().map(|a| a.to_string_lossy().into()).collect();
            return Err(QemuImgError(format!(
                "`{} {}` failed ({}): {}",
                self.path.display(),
                shown.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Every format `qemu-img --help` lists (block drivers, including
    /// protocols and read-only formats), in its order.
    pub fn formats(&self) -> Result<Vec<String>, QemuImgError> {
        let help = self.run(&["--help".as_ref()])?;
        let formats = parse_supported_formats(&help);
        if formats.is_empty() {
            return Err(QemuImgError(format!(
                "`{} --help` lists no supported formats",
                self.path.display()
            )));
        }
        Ok(formats)
    }

    /// Whether `qemu-img create -f format` works here: creates a 1 MiB
    /// image in `dir` and removes it.
    pub fn can_create(&self, format: &str, dir: &Path) -> bool {
        let probe = dir.join(format!(".probe-{}.{format}", std::process::id()));
        let ok = Command::new(&self.path)
            .args(["create", "-q", "-f", format])
            .arg(&probe)
            .arg("1M")
            .env("LC_ALL", "C")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        // A probe that failed half-way may leave a file (or, for some
        // formats, a directory) behind.
        let _ = std::fs::remove_file(&probe).or_else(|_| std::fs::remove_dir_all(&probe));
        ok
    }

    /// The formats of [`QemuImg::formats`] for which [`QemuImg::can_create`]
    /// holds, restricted to `wanted` (in `qemu-img`'s order).
    pub fn creatable_formats(
        &self,
        wanted: &[String],
        dir: &Path,
    ) -> Result<Vec<String>, QemuImgError> {
        Ok(self
            .formats()?
            .into_iter()
            .filter(|f| wanted.contains(f))
            .filter(|f| self.can_create(f, dir))
            .collect())
    }

    /// `qemu-img info` of an image (`-U`: readable while a guest uses it).
    pub fn info(&self, image: &Path) -> Result<ImageInfo, QemuImgError> {
        let json = self.run(&[
            "info".as_ref(),
            "--output=json".as_ref(),
            "-U".as_ref(),
            image.as_os_str(),
        ])?;
        parse_info_json(&json)
            .map_err(|e| QemuImgError(format!("`qemu-img info {}`: {e}", image.display())))
    }
}

/// The format names in `qemu-img --help`: the words after "Supported
/// formats:" (older releases, on the same line) or "Supported image
/// formats:" (newer ones, on the following lines), up to the next blank
/// line after them.
pub fn parse_supported_formats(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = help.lines();
    for line in lines.by_ref() {
        if let Some(pos) = line.find("formats:") {
            if line[..pos].contains("Supported") {
                out.extend(
                    line[pos + "formats:".len()..]
                        .split_whitespace()
                        .map(String::from),
                );
                break;
            }
        }
    }
    for line in lines {
        if line.trim().is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        out.extend(line.split_whitespace().map(String::from));
    }
    out
}

/// Reads `qemu-img info --output=json`.
pub fn parse_info_json(text: &str) -> Result<ImageInfo, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
    let n = |k: &str| v.get(k).and_then(|x| x.as_u64());
    Ok(ImageInfo {
        format: s("format").ok_or("no \"format\"")?,
        virtual_size: n("virtual-size").ok_or("no \"virtual-size\"")?,
        actual_size: n("actual-size"),
        backing_filename: s("backing-filename"),
        backing_format: s("backing-filename-format"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELP_NEW: &str = "usage: qemu-img [standard options] command [command options]\n\
        \n  snapshot - List or manipulate snapshots within image\n\
        \nSupported image formats:\n\
        \n  blkdebug bochs cloop dmg file luks parallels qcow\n\
        \n  qcow2 qed raw vdi vhdx\n  vmdk vpc vvfat\n\
        \nSee <https://qemu.org/contribute/report-a-bug> for how to report bugs.\n";

    #[test]
    fn help_of_new_and_old_releases() {
        // Newer: the list starts on the next line; a blank line between two
        // list lines would end it (as here, after "qcow").
        assert_eq!(
            parse_supported_formats(HELP_NEW),
            [
                "blkdebug",
                "bochs",
                "cloop",
                "dmg",
                "file",
                "luks",
                "parallels",
                "qcow"
            ]
        );
        let new = HELP_NEW.replace("qcow\n\n", "qcow\n");
        let f = parse_supported_formats(&new);
        assert_eq!(f.len(), 16, "{f:?}");
        assert_eq!(f.last().map(String::as_str), Some("vvfat"));
        // Older: on the same line, wrapped.
        let old = "Supported formats: vvfat vpc vmdk\n raw qcow2 qcow\n\nSee…\n";
        assert_eq!(
            parse_supported_formats(old),
            ["vvfat", "vpc", "vmdk", "raw", "qcow2", "qcow"]
        );
        assert!(parse_supported_formats("no list here\n").is_empty());
        assert!(parse_supported_formats("").is_empty());
    }

    #[test]
    fn info_json() {
        let i = parse_info_json(
            r#"{"virtual-size": 1048576, "format": "qcow2", "actual-size": 200704,
                "backing-filename": "/b.img", "backing-filename-format": "raw"}"#,
        )
        .unwrap();
        assert_eq!(i.format, "qcow2");
        assert_eq!(i.virtual_size, 1 << 20);
        assert_eq!(i.actual_size, Some(200704));
        assert_eq!(i.backing_filename.as_deref(), Some("/b.img"));
        assert_eq!(i.backing_format.as_deref(), Some("raw"));
        let i = parse_info_json(r#"{"virtual-size": 5, "format": "raw"}"#).unwrap();
        assert_eq!((i.backing_filename, i.actual_size), (None, None));
        assert!(parse_info_json("{").unwrap_err().contains("not JSON"));
        assert!(parse_info_json(r#"{"format": "raw"}"#)
            .unwrap_err()
            .contains("virtual-size"));
    }

    /// Against the real `qemu-img`, when the host has one.
    #[test]
    fn real_qemu_img_lists_probes_and_describes() {
        let Ok(q) = QemuImg::find() else {
            eprintln!("qemu-img not installed: skipped");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let formats = q.formats().unwrap();
        assert!(formats.iter().any(|f| f == "raw"), "{formats:?}");
        assert!(q.can_create("raw", dir.path()));
        assert!(!q.can_create("no-such-format", dir.path()));
        if formats.iter().any(|f| f == "bochs") {
            assert!(!q.can_create("bochs", dir.path()), "bochs is read-only");
        }
        let wanted = vec!["raw".to_string(), "bochs".to_string(), "nope".to_string()];
        assert_eq!(q.creatable_formats(&wanted, dir.path()).unwrap(), ["raw"]);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "probes removed"
        );

        let img = dir.path().join("x.raw");
        std::fs::write(&img, vec![0u8; 4096]).unwrap();
        let info = q.info(&img).unwrap();
        assert_eq!((info.format.as_str(), info.virtual_size), ("raw", 4096));
        let e = q.info(&dir.path().join("missing")).unwrap_err();
        assert!(e.0.contains("failed"), "{e}");
    }
}
