//! Just enough ELF to answer two questions about a file without running it:
//! is this executable static (no `PT_INTERP`, so it runs in an initramfs
//! with no libraries), and does this kernel image carry a PVH entry point
//! (a Xen `PHYS32_ENTRY` note, so QEMU can boot the uncompressed `vmlinux`
//! directly and skip the decompressor).

const PT_INTERP: u32 = 3;
const PT_NOTE: u32 = 4;
const PT_DYNAMIC: u32 = 2;
/// `XEN_ELFNOTE_PHYS32_ENTRY`.
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;

/// What the program headers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub class64: bool,
    /// `e_machine` (62 = x86-64, 3 = i386, 183 = AArch64…).
    pub machine: u16,
    /// The requested program interpreter (`/lib64/ld-linux-x86-64.so.2`),
    /// for dynamically linked executables.
    pub interpreter: Option<String>,
    pub has_dynamic: bool,
    /// A Xen PVH 32-bit entry point note is present.
    pub pvh_entry: bool,
}

impl ElfInfo {
    /// Statically linked: no interpreter and no dynamic section. (A
    /// static-pie binary has a dynamic section but no interpreter; it runs
    /// without libraries too.)
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none()
    }

    /// The ELF machine as libvirt names the arch, when known.
    pub fn arch(&self) -> Option<&'static str> {
        match self.machine {
            3 => Some("i686"),
            62 => Some("x86_64"),
            183 => Some("aarch64"),
            40 => Some("armv7l"),
            243 => Some("riscv64"),
            21 => Some("ppc64le"),
            22 => Some("s390x"),
            _ => None,
        }
    }
}

fn u16_at(b: &[u8], off: usize, le: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(off..off + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(s)
    } else {
        u16::from_be_bytes(s)
    })
}

fn u32_at(b: &[u8], off: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(off..off + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

fn u64_at(b: &[u8], off: usize, le: bool) -> Option<u64> {
    let s: [u8; 8] = b.get(off..off + 8)?.try_into().ok()?;
    Some(if le {
        u64::from_le_bytes(s)
    } else {
        u64::from_be_bytes(s)
    })
}

/// Parses the ELF header and program headers of `bytes`. `Err` says why the
/// file is not a usable ELF image.
pub fn inspect(bytes: &[u8]) -> Result<ElfInfo, String> {
    if bytes.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    let class64 = match bytes.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF class".into()),
    };
    let le = match bytes.get(5) {
        Some(1) => true,
        Some(2) => false,
        _ => return Err("unknown ELF byte order".into()),
    };
    let trunc = || "truncated ELF header".to_string();
    let machine = u16_at(bytes, 18, le).ok_or_else(trunc)?;
    let (phoff, phentsize, phnum) = if class64 {
        (
            u64_at(bytes, 32, le).ok_or_else(trunc)? as usize,
            u16_at(bytes, 54, le).ok_or_else(trunc)? as usize,
            u16_at(bytes, 56, le).ok_or_else(trunc)? as usize,
        )
    } else {
        (
            u32_at(bytes, 28, le).ok_or_else(trunc)? as usize,
            u16_at(bytes, 42, le).ok_or_else(trunc)? as usize,
            u16_at(bytes, 44, le).ok_or_else(trunc)? as usize,
        )
    };
    let mut info = ElfInfo {
        class64,
        machine,
        interpreter: None,
        has_dynamic: false,
        pvh_entry: false,
    };
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        let bad = || format!("program header {i} lies outside the file");
        let p_type = u32_at(bytes, ph, le).ok_or_else(bad)?;
        let (offset, filesz) = if class64 {
            (
                u64_at(bytes, ph + 8, le).ok_or_else(bad)? as usize,
                u64_at(bytes, ph + 32, le).ok_or_else(bad)? as usize,
            )
        } else {
            (
                u32_at(bytes, ph + 4, le).ok_or_else(bad)? as usize,
                u32_at(bytes, ph + 16, le).ok_or_else(bad)? as usize,
            )
        };
        match p_type {
            PT_INTERP => {
                let raw = bytes
                    .get(offset..offset.saturating_add(filesz))
                    .ok_or_else(|| "PT_INTERP lies outside the file".to_string())?;
                let s = String::from_utf8_lossy(raw);
                info.interpreter = Some(s.trim_end_matches('\0').to_string());
            }
            PT_DYNAMIC => info.has_dynamic = true,
            PT_NOTE => {
                if let Some(notes) = bytes.get(offset..offset.saturating_add(filesz)) {
                    if has_xen_pvh_note(notes, le) {
                        info.pvh_entry = true;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

/// Walks ELF notes (namesz, descsz, type, name, desc; 4-byte aligned).
fn has_xen_pvh_note(mut notes: &[u8], le: bool) -> bool {
    let align = |n: usize| (n + 3) & !3;
    while notes.len() >= 12 {
        let (Some(namesz), Some(descsz), Some(kind)) = (
            u32_at(notes, 0, le),
            u32_at(notes, 4, le),
            u32_at(notes, 8, le),
        ) else {
            return false;
        };
        let (namesz, descsz) = (namesz as usize, descsz as usize);
        let name = notes.get(12..12 + namesz).unwrap_or(&[]);
        if kind == XEN_ELFNOTE_PHYS32_ENTRY && name.starts_with(b"Xen") {
            return true;
        }
        let next = 12 + align(namesz) + align(descsz);
        if next > notes.len() {
            return false;
        }
        notes = &notes[next..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal 64-bit little-endian ELF with the given program headers
    /// (type, payload).
    fn elf(phdrs: &[(u32, &[u8])]) -> Vec<u8> {
        let phoff = 64usize;
        let data_start = phoff + 56 * phdrs.len();
        let mut b = vec![0u8; data_start];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[18..20].copy_from_slice(&62u16.to_le_bytes());
        b[32..40].copy_from_slice(&(phoff as u64).to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
        for (i, (t, payload)) in phdrs.iter().enumerate() {
            let ph = phoff + 56 * i;
            let off = b.len();
            b.extend_from_slice(payload);
            b[ph..ph + 4].copy_from_slice(&t.to_le_bytes());
            b[ph + 8..ph + 16].copy_from_slice(&(off as u64).to_le_bytes());
            b[ph + 32..ph + 40].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        }
        b
    }

    fn note(name: &[u8], kind: u32, desc: &[u8]) -> Vec<u8> {
        let mut n = Vec::new();
        n.extend_from_slice(&(name.len() as u32).to_le_bytes());
        n.extend_from_slice(&(desc.len() as u32).to_le_bytes());
        n.extend_from_slice(&kind.to_le_bytes());
        n.extend_from_slice(name);
        while n.len() % 4 != 0 {
            n.push(0);
        }
        n.extend_from_slice(desc);
        while n.len() % 4 != 0 {
            n.push(0);
        }
        n
    }

    #[test]
    fn static_and_dynamic_executables() {
        let s = inspect(&elf(&[(1, b"code")])).unwrap();
        assert!(s.is_static());
        assert_eq!(s.arch(), Some("x86_64"));
        let d = inspect(&elf(&[
            (PT_INTERP, b"/lib64/ld-linux-x86-64.so.2\0"),
            (PT_DYNAMIC, b""),
        ]))
        .unwrap();
        assert!(!d.is_static());
        assert_eq!(
            d.interpreter.as_deref(),
            Some("/lib64/ld-linux-x86-64.so.2")
        );
        assert!(d.has_dynamic);
    }

    #[test]
    fn pvh_note_is_found_among_other_notes() {
        let mut notes = note(b"GNU\0", 3, &[1, 2, 3, 4]);
        notes.extend(note(
            b"Xen\0",
            XEN_ELFNOTE_PHYS32_ENTRY,
            &[0x50, 0x08, 0, 1],
        ));
        assert!(inspect(&elf(&[(PT_NOTE, &notes)])).unwrap().pvh_entry);
        let only_gnu = note(b"GNU\0", 3, &[1, 2, 3, 4]);
        assert!(!inspect(&elf(&[(PT_NOTE, &only_gnu)])).unwrap().pvh_entry);
    }

    #[test]
    fn non_elf_and_truncated_files_are_errors() {
        assert_eq!(inspect(b"#!/bin/sh\n").unwrap_err(), "not an ELF file");
        assert!(inspect(b"\x7fELF\x02\x01")
            .unwrap_err()
            .contains("truncated"));
        let mut bad = elf(&[(1, b"x")]);
        bad[32..40].copy_from_slice(&10_000u64.to_le_bytes());
        assert!(inspect(&bad).unwrap_err().contains("outside the file"));
    }

    #[test]
    fn real_binaries_on_this_host() {
        // The shell is dynamically linked on every Debian system.
        let sh = std::fs::read("/bin/sh").unwrap();
        assert!(!inspect(&sh).unwrap().is_static());
        // Debian's busybox-static, when installed (CI installs it).
        if let Ok(bb) = std::fs::read("/bin/busybox") {
            let info = inspect(&bb).unwrap();
            assert!(info.is_static(), "/bin/busybox should be busybox-static");
        }
    }
}
