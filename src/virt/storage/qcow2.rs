//! The qcow2 header, read by tck itself: what libvirt asked `qemu-img` to
//! write into an image, checked without trusting either of them.
//!
//! The layout (QEMU's `docs/interop/qcow2.txt`), all big-endian: magic
//! `QFI\xfb`, version (2 or 3), the backing file's offset and length
//! inside the first cluster, cluster bits, virtual size, encryption
//! method… Version 3 adds feature bits and a header length; header
//! extensions follow the header (at byte 72 for version 2, at the header
//! length for version 3): a type, a length, the data padded to 8 bytes,
//! until type 0. The extension that matters here is the backing file
//! format (type `0xE2792ACA`): without it QEMU probes the backing file's
//! format, which lets a guest that writes a qcow2 header into a raw
//! backing file make QEMU open any host file — so libvirt always writes it.

use std::io::Read;
use std::path::Path;

/// The qcow2 magic: `QFI\xfb`.
pub const MAGIC: u32 = 0x5146_49fb;
/// Header extension: backing file format name.
pub const EXT_BACKING_FORMAT: u32 = 0xE279_2ACA;
/// Header extension: feature name table.
pub const EXT_FEATURE_NAMES: u32 = 0x6803_f857;
/// Header extension: full disk encryption (LUKS) header pointer.
pub const EXT_ENCRYPTION: u32 = 0x0537_be77;
/// Header extension: external data file name.
pub const EXT_DATA_FILE: u32 = 0x4441_5441;

/// The largest cluster qcow2 allows (2 MiB): the backing file name and
/// the extensions live in the first cluster.
const MAX_CLUSTER_BITS: u32 = 21;

/// Why a header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qcow2Error {
    /// Fewer bytes than the structure needs.
    Truncated {
        need: u64,
        have: u64,
    },
    BadMagic(u32),
    UnsupportedVersion(u32),
    /// A field out of its allowed range.
    Invalid(String),
    Io(String),
}

impl std::fmt::Display for Qcow2Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Qcow2Error::Truncated { need, have } => write!(
                f,
                "truncated qcow2 header: {need} bytes needed, {have} available"
            ),
            Qcow2Error::BadMagic(m) => write!(f, "not a qcow2 image (magic {m:#010x})"),
            Qcow2Error::UnsupportedVersion(v) => write!(f, "unsupported qcow2 version {v}"),
            Qcow2Error::Invalid(why) => write!(f, "invalid qcow2 header: {why}"),
            Qcow2Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Qcow2Error {}

impl From<Qcow2Error> for crate::script::Stop {
    fn from(e: Qcow2Error) -> Self {
        crate::script::Stop::Error(e.to_string())
    }
}

/// A header extension: its type and its data (without padding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub kind: u32,
    pub data: Vec<u8>,
}

/// The fields of a qcow2 header tck checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qcow2Header {
    pub version: u32,
    pub cluster_bits: u32,
    /// Virtual size in bytes.
    pub size: u64,
    /// 0 none, 1 AES (legacy), 2 LUKS.
    pub crypt_method: u32,
    /// Version 3 incompatible feature bits (0 for version 2).
    pub incompatible_features: u64,
    /// Where the extensions start (72 for version 2).
    pub header_length: u32,
    /// The backing file name as stored (not NUL-terminated in the image).
    pub backing_file: Option<String>,
    pub extensions: Vec<Extension>,
}

fn be32(b: &[u8], at: usize) -> Result<u32, Qcow2Error> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or(Qcow2Error::Truncated {
            need: at as u64 + 4,
            have: b.len() as u64,
        })
}

fn be64(b: &[u8], at: usize) -> Result<u64, Qcow2Error> {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or(Qcow2Error::Truncated {
            need: at as u64 + 8,
            have: b.len() as u64,
        })
}

impl Qcow2Header {
    /// Parses the header from the image's first bytes (the first cluster
    /// holds everything this reads).
    pub fn parse(b: &[u8]) -> Result<Qcow2Header, Qcow2Error> {
        let magic = be32(b, 0)?;
        if magic != MAGIC {
            return Err(Qcow2Error::BadMagic(magic));
        }
        let version = be32(b, 4)?;
        if version != 2 && version != 3 {
            return Err(Qcow2Error::UnsupportedVersion(version));
        }
        let backing_offset = be64(b, 8)?;
        let backing_size = be32(b, 16)?;
        let cluster_bits = be32(b, 20)?;
        if !(9..=MAX_CLUSTER_BITS).contains(&cluster_bits) {
            return Err(Qcow2Error::Invalid(format!(
                "cluster bits {cluster_bits} outside 9..=21"
            )));
        }
        let size = be64(b, 24)?;
        let crypt_method = be32(b, 32)?;
        let (incompatible_features, header_length) = if version == 3 {
            let len = be32(b, 100)?;
            if len < 104 || len % 8 != 0 {
                return Err(Qcow2Error::Invalid(format!(
                    "version 3 header length {len} (at least 104, a multiple of 8)"
                )));
            }
            (be64(b, 72)?, len)
        } else {
            (0, 72)
        };
        let cluster = 1u64 << cluster_bits;

        let mut extensions = Vec::new();
        let mut at = header_length as usize;
        loop {
            let kind = be32(b, at)?;
            if kind == 0 {
                break;
            }
            let len = be32(b, at + 4)? as usize;
            let start = at + 8;
            let data = b.get(start..start + len).ok_or(Qcow2Error::Truncated {
                need: (start + len) as u64,
                have: b.len() as u64,
            })?;
            extensions.push(Extension {
                kind,
                data: data.to_vec(),
            });
            at = start + len.div_ceil(8) * 8;
            if at as u64 >= cluster {
                return Err(Qcow2Error::Invalid(
                    "header extensions run past the first cluster".into(),
                ));
            }
        }

        let backing_file = if backing_offset == 0 {
            None
        } else {
            let end = backing_offset + u64::from(backing_size);
            if backing_size > 1023 || end > cluster {
                return Err(Qcow2Error::Invalid(format!(
                    "backing file name at {backing_offset}, {backing_size} bytes: outside the first cluster or over 1023 bytes"
                )));
            }
            let name =
                b.get(backing_offset as usize..end as usize)
                    .ok_or(Qcow2Error::Truncated {
                        need: end,
                        have: b.len() as u64,
                    })?;
            Some(String::from_utf8_lossy(name).into_owned())
        };

        Ok(Qcow2Header {
            version,
            cluster_bits,
            size,
            crypt_method,
            incompatible_features,
            header_length,
            backing_file,
            extensions,
        })
    }

    /// Reads and parses the header of the image at `path`.
    pub fn read(path: &Path) -> Result<Qcow2Header, Qcow2Error> {
        let io = |e: std::io::Error| Qcow2Error::Io(format!("cannot read {}: {e}", path.display()));
        let mut f = std::fs::File::open(path).map_err(io)?;
        // The cluster size is at byte 20; read the first cluster (at most
        // 2 MiB) or the whole file when shorter.
        let mut head = vec![0u8; 24];
        let mut got = 0;
        while got < head.len() {
            match f.read(&mut head[got..]).map_err(io)? {
                0 => break,
                n => got += n,
            }
        }
        head.truncate(got);
        let bits = be32(&head, 20)?.clamp(9, MAX_CLUSTER_BITS);
        let mut buf = head;
        f.take((1u64 << bits) - buf.len() as u64)
            .read_to_end(&mut buf)
            .map_err(io)?;
        Qcow2Header::parse(&buf)
    }

    /// The data of the first extension of `kind`.
    pub fn extension(&self, kind: u32) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| e.data.as_slice())
    }

    /// The backing file's format as the backing-format extension names it.
    pub fn backing_format(&self) -> Option<String> {
        self.extension(EXT_BACKING_FORMAT)
            .map(|d| String::from_utf8_lossy(d).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A qcow2 header built by hand: `version`, an optional backing file
    /// and format, 64 KiB clusters, 1 GiB.
    fn image(version: u32, backing: Option<(&str, Option<&str>)>) -> Vec<u8> {
        let header_len: usize = if version == 3 { 112 } else { 72 };
        let mut b = vec![0u8; 4096];
        b[0..4].copy_from_slice(&MAGIC.to_be_bytes());
        b[4..8].copy_from_slice(&version.to_be_bytes());
        b[20..24].copy_from_slice(&16u32.to_be_bytes());
        b[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
        if version == 3 {
            b[96..100].copy_from_slice(&4u32.to_be_bytes());
            b[100..104].copy_from_slice(&(header_len as u32).to_be_bytes());
        }
        let mut at = header_len;
        let mut ext = |kind: u32, data: &[u8], b: &mut Vec<u8>| {
            b[at..at + 4].copy_from_slice(&kind.to_be_bytes());
            b[at + 4..at + 8].copy_from_slice(&(data.len() as u32).to_be_bytes());
            b[at + 8..at + 8 + data.len()].copy_from_slice(data);
            at += 8 + data.len().div_ceil(8) * 8;
        };
        // A feature name table first, so the parser must skip an
        // extension to find the backing format.
        ext(EXT_FEATURE_NAMES, &[0u8; 48], &mut b);
        if let Some((_, Some(fmt))) = backing {
            ext(EXT_BACKING_FORMAT, fmt.as_bytes(), &mut b);
        }
        // End marker (already zero) and then the name.
        let name_at = at + 8;
        if let Some((name, _)) = backing {
            b[8..16].copy_from_slice(&(name_at as u64).to_be_bytes());
            b[16..20].copy_from_slice(&(name.len() as u32).to_be_bytes());
            b[name_at..name_at + name.len()].copy_from_slice(name.as_bytes());
        }
        b
    }

    #[test]
    fn version_3_with_backing_file_and_format() {
        let h = Qcow2Header::parse(&image(3, Some(("/p/base.img", Some("raw"))))).unwrap();
        assert_eq!(h.version, 3);
        assert_eq!(h.header_length, 112);
        assert_eq!(h.cluster_bits, 16);
        assert_eq!(h.size, 1 << 30);
        assert_eq!(h.backing_file.as_deref(), Some("/p/base.img"));
        assert_eq!(h.backing_format().as_deref(), Some("raw"));
        assert_eq!(h.extensions.len(), 2);
        assert_eq!(h.extension(EXT_FEATURE_NAMES).map(<[u8]>::len), Some(48));
    }

    #[test]
    fn version_2_and_no_backing_or_no_format() {
        let h = Qcow2Header::parse(&image(2, Some(("b.qcow2", None)))).unwrap();
        assert_eq!((h.version, h.header_length), (2, 72));
        assert_eq!(h.backing_file.as_deref(), Some("b.qcow2"));
        assert_eq!(h.backing_format(), None, "no extension, no format");
        let h = Qcow2Header::parse(&image(3, None)).unwrap();
        assert_eq!(h.backing_file, None);
        // Padding: a 5-byte format name ("qcow2") is padded to 8.
        let h = Qcow2Header::parse(&image(3, Some(("/b", Some("qcow2"))))).unwrap();
        assert_eq!(h.backing_format().as_deref(), Some("qcow2"));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(
            Qcow2Header::parse(b"QFI"),
            Err(Qcow2Error::Truncated { need: 4, have: 3 })
        );
        assert!(matches!(
            Qcow2Header::parse(&[0u8; 512]),
            Err(Qcow2Error::BadMagic(0))
        ));
        let mut v = image(3, None);
        v[4..8].copy_from_slice(&7u32.to_be_bytes());
        assert_eq!(
            Qcow2Header::parse(&v),
            Err(Qcow2Error::UnsupportedVersion(7))
        );
        let mut v = image(3, None);
        v[20..24].copy_from_slice(&40u32.to_be_bytes());
        assert!(matches!(
            Qcow2Header::parse(&v),
            Err(Qcow2Error::Invalid(_))
        ));
        let mut v = image(3, None);
        v[100..104].copy_from_slice(&50u32.to_be_bytes());
        assert!(matches!(
            Qcow2Header::parse(&v),
            Err(Qcow2Error::Invalid(_))
        ));
        // Extension running off the end of what was read.
        let v = image(3, Some(("/b", Some("raw"))));
        assert!(matches!(
            Qcow2Header::parse(&v[..130]),
            Err(Qcow2Error::Truncated { .. })
        ));
        // Backing name longer than allowed.
        let mut v = image(3, Some(("/b", Some("raw"))));
        v[16..20].copy_from_slice(&5000u32.to_be_bytes());
        assert!(matches!(
            Qcow2Header::parse(&v),
            Err(Qcow2Error::Invalid(_))
        ));
        // Every prefix of a valid header fails cleanly.
        let v = image(3, Some(("/base", Some("raw"))));
        for n in 0..200 {
            let _ = Qcow2Header::parse(&v[..n]);
        }
        assert!(Qcow2Header::read(Path::new("/nonexistent/x.qcow2"))
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/x.qcow2"));
    }

    #[test]
    fn reads_a_file_and_an_image_qemu_img_made() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hand.qcow2");
        std::fs::write(&p, image(3, Some(("/x/y", Some("raw"))))).unwrap();
        let h = Qcow2Header::read(&p).unwrap();
        assert_eq!(h.backing_file.as_deref(), Some("/x/y"));

        let Ok(q) = super::super::qemu_img::QemuImg::find() else {
            eprintln!("qemu-img not installed: the real-image half skipped");
            return;
        };
        let base = dir.path().join("base.raw");
        std::fs::write(&base, vec![0u8; 1 << 20]).unwrap();
        let top = dir.path().join("top.qcow2");
        let ok = std::process::Command::new(q.path())
            .args(["create", "-q", "-f", "qcow2", "-F", "raw", "-b"])
            .arg(&base)
            .arg(&top)
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let h = Qcow2Header::read(&top).unwrap();
        assert_eq!(h.backing_file.as_deref(), base.to_str());
        assert_eq!(h.backing_format().as_deref(), Some("raw"));
        assert_eq!(h.size, 1 << 20);
    }
}
