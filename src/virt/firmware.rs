//! Firmware images on the host, as QEMU's firmware descriptors list them.
//!
//! QEMU's firmware interoperability spec (docs/interop/firmware.json)
//! has each firmware package install a JSON descriptor: what interface it
//! offers (`uefi`, `bios`), how it is mapped (`flash` with an executable
//! and an NVRAM template, `memory`, `kernel`), which arch/machine globs it
//! runs on and its features (`secure-boot`, `requires-smm`…). libvirt's
//! firmware auto-selection reads the same files; scripts that give an
//! explicit loader and NVRAM template (domain/401) use them to find the
//! right pair on any distribution instead of hard-coding Debian's paths.
//!
//! Directories are searched in priority order ([`SEARCH_DIRS`]); a file in
//! an earlier directory hides one of the same name in a later one, and the
//! survivors are ordered by file name, as the spec says.
//!
//! [`RemoveOnDrop`] removes a file a domain leaves behind on the host (an
//! NVRAM kept by `VIR_DOMAIN_UNDEFINE_KEEP_NVRAM`) however the script ends.

use globset::Glob;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where descriptors live, highest priority first (the spec's order,
/// without the per-user directory, which the system daemon never reads).
pub const SEARCH_DIRS: [&str; 2] = ["/etc/qemu/firmware", "/usr/share/qemu/firmware"];

/// One firmware descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// The JSON file it came from.
    pub file: PathBuf,
    pub description: String,
    /// `uefi`, `bios`, `openfirmware`, `uboot`.
    pub interface_types: Vec<String>,
    /// `flash`, `memory` or `kernel`.
    pub device: String,
    /// The firmware image.
    pub executable: Option<String>,
    /// The template a domain's NVRAM is copied from (flash only).
    pub nvram_template: Option<String>,
    /// `(architecture, machine globs)`.
    pub targets: Vec<(String, Vec<String>)>,
    pub features: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawDescriptor {
    #[serde(default)]
    description: String,
    #[serde(default)]
    interface_types: Vec<String>,
    mapping: RawMapping,
    #[serde(default)]
    targets: Vec<RawTarget>,
    #[serde(default)]
    features: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMapping {
    device: String,
    executable: Option<RawFile>,
    nvram_template: Option<RawFile>,
    filename: Option<String>,
}

#[derive(Deserialize)]
struct RawFile {
    filename: String,
}

#[derive(Deserialize)]
struct RawTarget {
    architecture: String,
    #[serde(default)]
    machines: Vec<String>,
}

impl Descriptor {
    /// Parses one descriptor; the error says what is wrong with the JSON.
    pub fn parse(file: &Path, json: &str) -> Result<Descriptor, String> {
        let raw: RawDescriptor = serde_json::from_str(json)
            .map_err(|e| format!("{}: not a QEMU firmware descriptor: {e}", file.display()))?;
        Ok(Descriptor {
            file: file.to_path_buf(),
            description: raw.description,
            interface_types: raw.interface_types,
            device: raw.mapping.device,
            executable: raw
                .mapping
                .executable
                .map(|f| f.filename)
                .or(raw.mapping.filename),
            nvram_template: raw.mapping.nvram_template.map(|f| f.filename),
            targets: raw
                .targets
                .into_iter()
                .map(|t| (t.architecture, t.machines))
                .collect(),
            features: raw.features,
        })
    }

    pub fn has_feature(&self, name: &str) -> bool {
        self.features.iter().any(|f| f == name)
    }

    /// Whether it runs on `arch` with the machine `machine` (a canonical
    /// name such as `pc-q35-10.0`: the descriptors' globs name versions).
    pub fn runs_on(&self, arch: &str, machine: &str) -> bool {
        self.targets.iter().any(|(a, globs)| {
            a == arch
                && globs.iter().any(|g| {
                    Glob::new(g)
                        .map(|g| g.compile_matcher().is_match(machine))
                        .unwrap_or(false)
                })
        })
    }

    /// A plain UEFI flash firmware with a separate NVRAM template: no
    /// Secure Boot, no enrolled keys, no SMM requirement (so any domain
    /// XML can use it as is).
    pub fn is_plain_uefi_flash(&self) -> bool {
        self.interface_types.iter().any(|i| i == "uefi")
            && self.device == "flash"
            && self.executable.is_some()
            && self.nvram_template.is_some()
            && !["secure-boot", "enrolled-keys", "requires-smm"]
                .iter()
                .any(|f| self.has_feature(f))
    }
}

/// The descriptors in `dirs` (highest priority first): same-named files
/// in later directories are hidden; the result is ordered by file name.
/// Files that cannot be read or parsed are returned as errors beside it.
pub fn load(dirs: &[&Path]) -> (Vec<Descriptor>, Vec<String>) {
    let mut by_name: BTreeMap<String, PathBuf> = BTreeMap::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().and_then(|x| x.to_str()) != Some("json") {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            by_name.entry(name).or_insert(path);
        }
    }
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in by_name.into_values() {
        match std::fs::read_to_string(&path) {
            Ok(json) => match Descriptor::parse(&path, &json) {
                Ok(d) => found.push(d),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    (found, errors)
}

/// The first plain UEFI flash firmware (see
/// [`Descriptor::is_plain_uefi_flash`]) for `arch`/`machine` among the
/// host's descriptors in [`SEARCH_DIRS`].
pub fn plain_uefi_flash(arch: &str, machine: &str) -> Option<Descriptor> {
    let dirs: Vec<&Path> = SEARCH_DIRS.iter().map(Path::new).collect();
    load(&dirs)
        .0
        .into_iter()
        .find(|d| d.is_plain_uefi_flash() && d.runs_on(arch, machine))
}

/// Removes a file when dropped, if it still exists: for files a domain
/// leaves on the host outside the script's scratch directory.
#[derive(Debug)]
pub struct RemoveOnDrop(pub PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        // Nothing to do if it is already gone; nothing sensible to do if
        // it cannot be removed (the next `tck clean` reports it).
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"{
        "description": "UEFI firmware for x86_64",
        "interface-types": ["uefi"],
        "mapping": {
            "device": "flash",
            "executable": {"filename": "/fw/CODE.fd", "format": "raw"},
            "nvram-template": {"filename": "/fw/VARS.fd", "format": "raw"}
        },
        "targets": [{"architecture": "x86_64", "machines": ["pc-i440fx-*", "pc-q35-*"]}],
        "features": ["acpi-s3", "verbose-dynamic"],
        "tags": []
    }"#;

    const SECURE: &str = r#"{
        "interface-types": ["uefi"],
        "mapping": {
            "device": "flash",
            "executable": {"filename": "/fw/SB.fd"},
            "nvram-template": {"filename": "/fw/SB_VARS.fd"}
        },
        "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}],
        "features": ["requires-smm", "secure-boot"]
    }"#;

    #[test]
    fn descriptors_parse_and_match_arch_and_machine() {
        let d = Descriptor::parse(Path::new("60.json"), PLAIN).unwrap();
        assert_eq!(d.executable.as_deref(), Some("/fw/CODE.fd"));
        assert_eq!(d.nvram_template.as_deref(), Some("/fw/VARS.fd"));
        assert!(d.is_plain_uefi_flash());
        assert!(d.runs_on("x86_64", "pc-q35-10.0"));
        assert!(!d.runs_on("x86_64", "microvm"));
        assert!(!d.runs_on("aarch64", "pc-q35-10.0"));
        let s = Descriptor::parse(Path::new("50.json"), SECURE).unwrap();
        assert!(!s.is_plain_uefi_flash(), "secure boot needs SMM");
        let e = Descriptor::parse(Path::new("bad.json"), "{}").unwrap_err();
        assert!(e.contains("bad.json") && e.contains("mapping"), "{e}");
    }

    #[test]
    fn earlier_directories_hide_same_named_files_and_order_is_by_name() {
        let etc = tempfile::tempdir().unwrap();
        let share = tempfile::tempdir().unwrap();
        std::fs::write(share.path().join("60-plain.json"), PLAIN).unwrap();
        std::fs::write(share.path().join("50-secure.json"), SECURE).unwrap();
        std::fs::write(share.path().join("README"), "not json").unwrap();
        // /etc overrides 60-plain.json with a broken file.
        std::fs::write(etc.path().join("60-plain.json"), "{").unwrap();
        let (found, errors) = load(&[etc.path(), share.path()]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].executable.as_deref(), Some("/fw/SB.fd"));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("60-plain.json"), "{errors:?}");
        let (found, _) = load(&[share.path()]);
        let names: Vec<_> = found
            .iter()
            .map(|d| d.file.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["50-secure.json", "60-plain.json"]);
    }

    #[test]
    fn remove_on_drop_removes_what_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x_VARS.fd");
        std::fs::write(&f, b"x").unwrap();
        drop(RemoveOnDrop(f.clone()));
        assert!(!f.exists());
        drop(RemoveOnDrop(f.clone())); // already gone: fine
    }
}
