//! The guest kernel: finding one, reading its version, extracting the
//! uncompressed `vmlinux` from an x86 bzImage, and resolving the modules
//! the initramfs must load.
//!
//! Why extract `vmlinux`: under TCG the kernel's own decompressor takes
//! about 3 s of a 5 s boot (measured here), while QEMU boots an ELF
//! `vmlinux` with a PVH entry note directly. The payload is decompressed
//! with the distribution's own tools (`xz`, `zstd`, `gzip`…), which are
//! present wherever the kernel package is; there is no decompressor crate
//! among the project's dependencies and one is not worth adding for this.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Reads the version string of an x86 bzImage (`6.1.0-27-amd64`), from the
/// setup header's `kernel_version` pointer. `None` for other formats.
pub fn bzimage_version(image: &[u8]) -> Option<String> {
    if image.get(0x202..0x206) != Some(b"HdrS") {
        return None;
    }
    let ptr = u16::from_le_bytes(image.get(0x20e..0x210)?.try_into().ok()?) as usize;
    if ptr == 0 {
        return None;
    }
    let start = ptr + 0x200;
    let raw = image.get(start..start.saturating_add(256).min(image.len()))?;
    let end = raw.iter().position(|&c| c == 0 || c == b' ')?;
    let v = std::str::from_utf8(&raw[..end]).ok()?;
    (!v.is_empty()).then(|| v.to_string())
}

/// The compressed payload of an x86 bzImage (boot protocol ≥ 2.08) and its
/// compression, by magic.
pub fn bzimage_payload(image: &[u8]) -> Option<(&[u8], Compression)> {
    if image.get(0x202..0x206) != Some(b"HdrS") {
        return None;
    }
    let version = u16::from_le_bytes(image.get(0x206..0x208)?.try_into().ok()?);
    if version < 0x0208 {
        return None;
    }
    let setup_sects = match *image.get(0x1f1)? {
        0 => 4,
        n => n as usize,
    };
    let pm_start = (setup_sects + 1) * 512;
    let off = u32::from_le_bytes(image.get(0x248..0x24c)?.try_into().ok()?) as usize;
    let len = u32::from_le_bytes(image.get(0x24c..0x250)?.try_into().ok()?) as usize;
    let payload = image.get(pm_start + off..pm_start + off + len)?;
    Some((payload, Compression::detect(payload)?))
}

/// Kernel payload compressions and the tool that undoes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Xz,
    Zstd,
    Lzma,
    Bzip2,
    Lz4,
    Lzo,
}

impl Compression {
    pub fn detect(data: &[u8]) -> Option<Compression> {
        let m = |magic: &[u8]| data.starts_with(magic);
        Some(if m(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if m(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Compression::Xz
        } else if m(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if m(&[0x5d, 0, 0]) {
            Compression::Lzma
        } else if m(b"BZh") {
            Compression::Bzip2
        } else if m(&[0x02, 0x21, 0x4c, 0x18]) {
            Compression::Lz4
        } else if m(&[0x89, b'L', b'Z', b'O']) {
            Compression::Lzo
        } else {
            return None;
        })
    }

    /// The command (program and arguments) that decompresses stdin to
    /// stdout, and the Debian package that has it.
    fn tool(self) -> (&'static str, &'static [&'static str], &'static str) {
        match self {
            Compression::Gzip => ("gzip", &["-dc"], "gzip"),
            Compression::Xz => ("xz", &["-dc", "--single-stream"], "xz-utils"),
            Compression::Zstd => ("zstd", &["-dcq"], "zstd"),
            Compression::Lzma => ("xz", &["-dc", "--format=lzma"], "xz-utils"),
            Compression::Bzip2 => ("bzip2", &["-dc"], "bzip2"),
            Compression::Lz4 => ("lz4", &["-dc"], "lz4"),
            Compression::Lzo => ("lzop", &["-dc"], "lzop"),
        }
    }

    /// The file-name suffix of a module compressed this way.
    fn module_suffix(self) -> &'static str {
        match self {
            Compression::Gzip => ".gz",
            Compression::Xz => ".xz",
            Compression::Zstd => ".zst",
            _ => "",
        }
    }

    /// Decompresses `input` with the external tool, writing to `out`.
    /// `kernel_payload`: the kernel build appends the uncompressed size as 4
    /// bytes to every format except gzip; they are cut off first.
    pub fn decompress(self, input: &[u8], out: &Path, kernel_payload: bool) -> Result<(), String> {
        let (prog, args, package) = self.tool();
        let input = if kernel_payload && self != Compression::Gzip && input.len() > 4 {
            &input[..input.len() - 4]
        } else {
            input
        };
        let out_file = std::fs::File::create(out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let mut child = Command::new(prog)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::from(out_file))
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!("cannot run `{prog}` to decompress ({e}): install the `{package}` package")
            })?;
        // Feed stdin from a thread so a full stdout pipe cannot deadlock us.
        let mut stdin = child.stdin.take();
        let data = input.to_vec();
        let feeder = std::thread::spawn(move || {
            use std::io::Write;
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(&data);
            }
            drop(stdin);
        });
        let result = child
            .wait_with_output()
            .map_err(|e| format!("`{prog}` failed: {e}"))?;
        let _ = feeder.join();
        if !result.status.success() {
            return Err(format!(
                "`{prog} {}` failed ({}): {}",
                args.join(" "),
                result.status,
                String::from_utf8_lossy(&result.stderr).trim()
            ));
        }
        Ok(())
    }
}

/// Versions of the kernels installed in `/boot` (`vmlinuz-<version>`),
/// newest first (version-aware order: 6.10 after 6.9).
pub fn host_kernels(boot: &Path) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(boot)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let v = name.strip_prefix("vmlinuz-")?.to_string();
            Some((v, e.path()))
        })
        .collect();
    found.sort_by_key(|k| std::cmp::Reverse(version_key(&k.0)));
    found
}

fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-', '+', '~'])
        .map(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            (digits.parse().unwrap_or(0), p[digits.len()..].to_string())
        })
        .collect()
}

/// The modules the initramfs loads, by module name, in a useful order:
/// virtio transport first, then devices, then ACPI button and evdev (so the
/// guest sees the power button and powers off on `virDomainShutdown`).
pub const WANTED_MODULES: &[&str] = &[
    "virtio_ring",
    "virtio",
    "virtio_pci_legacy_dev",
    "virtio_pci_modern_dev",
    "virtio_pci",
    "virtio_blk",
    "failover",
    "net_failover",
    "virtio_net",
    "virtio_balloon",
    "virtio_console",
    "virtio_rng",
    "button",
    "evdev",
];

/// A module to put in the initramfs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleFile {
    /// Module name (`virtio_pci`).
    pub name: String,
    /// Its file under the modules directory (may be compressed).
    pub path: PathBuf,
}

/// The resolution of [`WANTED_MODULES`] against a modules directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModulePlan {
    /// Files to load, dependencies first, each once.
    pub load: Vec<ModuleFile>,
    /// Wanted modules built into the kernel (nothing to load).
    pub builtin: Vec<String>,
    /// Wanted modules this kernel does not have at all.
    pub missing: Vec<String>,
}

fn module_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let base = file.split(".ko").next().unwrap_or(file);
    base.replace('-', "_")
}

/// Resolves `wanted` through `modules.dep` (and `modules.builtin`) in
/// `dir`, dependencies before dependents.
pub fn resolve_modules(dir: &Path, wanted: &[&str]) -> Result<ModulePlan, String> {
    let dep_path = dir.join("modules.dep");
    let dep = std::fs::read_to_string(&dep_path)
        .map_err(|e| format!("cannot read {}: {e}", dep_path.display()))?;
    let builtin: Vec<String> = std::fs::read_to_string(dir.join("modules.builtin"))
        .unwrap_or_default()
        .lines()
        .map(module_name)
        .collect();
    // name → (relative path, dependency paths as listed)
    let mut table: std::collections::HashMap<String, (String, Vec<String>)> =
        std::collections::HashMap::new();
    for (n, line) in dep.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (module, deps) = line
            .split_once(':')
            .ok_or_else(|| format!("{}:{}: expected `module: deps`", dep_path.display(), n + 1))?;
        table.insert(
            module_name(module),
            (
                module.trim().to_string(),
                deps.split_whitespace().map(str::to_string).collect(),
            ),
        );
    }
    let mut plan = ModulePlan::default();
    let mut seen = std::collections::HashSet::new();
    fn visit(
        name: &str,
        table: &std::collections::HashMap<String, (String, Vec<String>)>,
        dir: &Path,
        seen: &mut std::collections::HashSet<String>,
        out: &mut Vec<ModuleFile>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 64 {
            return Err(format!("modules.dep: dependency loop through {name}"));
        }
        if !seen.insert(name.to_string()) {
            return Ok(());
        }
        let Some((path, deps)) = table.get(name) else {
            return Err(format!(
                "modules.dep lists a dependency {name} it does not define"
            ));
        };
        // modprobe loads the listed dependencies last-first.
        for d in deps.iter().rev() {
            visit(&module_name(d), table, dir, seen, out, depth + 1)?;
        }
        out.push(ModuleFile {
            name: name.to_string(),
            path: dir.join(path),
        });
        Ok(())
    }
    for w in wanted {
        let name = w.replace('-', "_");
        if table.contains_key(&name) {
            visit(&name, &table, dir, &mut seen, &mut plan.load, 0)?;
        } else if builtin.contains(&name) {
            plan.builtin.push(name);
        } else {
            plan.missing.push(name);
        }
    }
    Ok(plan)
}

/// Reads a module file, decompressing `.ko.xz`, `.ko.zst` and `.ko.gz`.
pub fn read_module(path: &Path, scratch: &Path) -> Result<Vec<u8>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path.to_string_lossy();
    let compression = [Compression::Xz, Compression::Zstd, Compression::Gzip]
        .into_iter()
        .find(|c| name.ends_with(&format!(".ko{}", c.module_suffix())));
    match compression {
        None => Ok(raw),
        Some(c) => {
            let tmp = scratch.join(format!(".module-{}", std::process::id()));
            let r = c
                .decompress(&raw, &tmp, false)
                .and_then(|()| std::fs::read(&tmp).map_err(|e| e.to_string()));
            let _ = std::fs::remove_file(&tmp);
            r.map_err(|e| format!("{}: {e}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_resolve_dependencies_first_once_with_builtins_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("modules.dep"),
            "kernel/drivers/virtio/virtio_ring.ko:\n\
             kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n\
             kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n\
             kernel/drivers/virtio/virtio_pci_legacy_dev.ko:\n\
             kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("modules.builtin"),
            "kernel/drivers/acpi/button.ko\n",
        )
        .unwrap();
        let plan = resolve_modules(
            dir.path(),
            &["virtio_pci", "virtio_rng", "virtio", "button", "evdev"],
        )
        .unwrap();
        let names: Vec<_> = plan.load.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "virtio_ring",
                "virtio",
                "virtio_pci_legacy_dev",
                "virtio_pci",
                "virtio_rng"
            ]
        );
        assert!(plan.load[4].path.ends_with("virtio-rng.ko.xz"));
        assert_eq!(plan.builtin, vec!["button"]);
        assert_eq!(plan.missing, vec!["evdev"]);
    }

    #[test]
    fn broken_modules_dep_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("modules.dep"), "a.ko:\nnonsense\n").unwrap();
        let e = resolve_modules(dir.path(), &["a"]).unwrap_err();
        assert!(e.contains("modules.dep:2"), "{e}");
        let e = resolve_modules(&dir.path().join("none"), &["a"]).unwrap_err();
        assert!(e.contains("cannot read"), "{e}");
    }

    #[test]
    fn kernel_versions_sort_numerically() {
        let dir = tempfile::tempdir().unwrap();
        for v in ["6.9.0-1-amd64", "6.10.0-1-amd64", "6.1.0-56-amd64"] {
            std::fs::write(dir.path().join(format!("vmlinuz-{v}")), b"").unwrap();
        }
        std::fs::write(dir.path().join("config-6.10.0-1-amd64"), b"").unwrap();
        let v: Vec<_> = host_kernels(dir.path())
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        assert_eq!(v, vec!["6.10.0-1-amd64", "6.9.0-1-amd64", "6.1.0-56-amd64"]);
    }

    #[test]
    fn compressed_modules_are_decompressed_with_the_system_tool() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("m.ko");
        std::fs::write(&plain, b"\x7fELFmodule").unwrap();
        let st = Command::new("xz").arg("-k").arg(&plain).status().unwrap();
        assert!(st.success());
        let xz = dir.path().join("m.ko.xz");
        assert_eq!(read_module(&xz, dir.path()).unwrap(), b"\x7fELFmodule");
        assert_eq!(read_module(&plain, dir.path()).unwrap(), b"\x7fELFmodule");
        std::fs::write(dir.path().join("bad.ko.xz"), b"not xz").unwrap();
        let e = read_module(&dir.path().join("bad.ko.xz"), dir.path()).unwrap_err();
        assert!(e.contains("bad.ko.xz") && e.contains("xz"), "{e}");
    }

    #[test]
    fn compression_magics() {
        assert_eq!(
            Compression::detect(&[0xfd, b'7', b'z', b'X', b'Z', 0, 1]),
            Some(Compression::Xz)
        );
        assert_eq!(
            Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd]),
            Some(Compression::Zstd)
        );
        assert_eq!(
            Compression::detect(b"\x1f\x8b\x08"),
            Some(Compression::Gzip)
        );
        assert_eq!(Compression::detect(b"hello"), None);
    }

    #[test]
    fn host_bzimage_header_when_a_kernel_is_installed() {
        // CI installs linux-image-amd64; on a machine without a kernel in
        // /boot there is nothing to read.
        let Some((version, path)) = host_kernels(Path::new("/boot")).into_iter().next() else {
            return;
        };
        let image = std::fs::read(&path).unwrap();
        assert_eq!(bzimage_version(&image).as_deref(), Some(version.as_str()));
        let (payload, c) = bzimage_payload(&image).expect("payload");
        assert!(payload.len() > 1 << 20);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("vmlinux");
        c.decompress(payload, &out, true).unwrap();
        let info = super::super::elf::inspect(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(info.arch(), Some("x86_64"));
        assert!(info.pvh_entry, "Debian kernels have CONFIG_PVH=y");
    }
}
