//! Volume content: recognisable patterns, hashes, and the file regions
//! scripts compare.
//!
//! A pattern byte depends on its absolute position and a seed, so data
//! written at the wrong offset, shifted, truncated, or from another
//! pattern never hashes the same. Hashes are SHA-256 (`sha2`), shown as
//! hex in diagnostics.

use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// `len` bytes of the pattern `seed`, as they would sit at absolute
/// offsets `start..start + len`.
pub fn pattern_at(seed: u8, start: u64, len: usize) -> Vec<u8> {
    (start..start + len as u64)
        .map(|i| {
            // A cheap mix of the position and the seed: neighbouring bytes
            // differ, 512-byte blocks differ from each other.
            let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
                ^ u64::from(seed).wrapping_mul(0xD6E8_FEB8_6659_FD93);
            (x >> 56) as u8 ^ (i as u8)
        })
        .collect()
}

/// `len` bytes of the pattern `seed` from offset 0.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    pattern_at(seed, 0, len)
}

/// SHA-256 of `data`, in hex.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads `len` bytes of `path` from `offset` (fewer at the end of the
/// file).
pub fn read_region(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut out = Vec::new();
    f.take(len).read_to_end(&mut out)?;
    Ok(out)
}

/// Writes `data` into the existing file `path` at `offset` and syncs it.
pub fn write_region(path: &Path, offset: u64, data: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(data)?;
    f.sync_all()
}

/// Where a transfer touched a volume: `offset` and `len` bytes, inside a
/// volume of `total` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub offset: u64,
    pub len: u64,
    pub total: u64,
}

impl Region {
    /// `len` 0 means "to the end", as in `virStorageVolDownload`/`Upload`.
    pub fn new(offset: u64, len: u64, total: u64) -> Region {
        let len = if len == 0 {
            total.saturating_sub(offset)
        } else {
            len.min(total.saturating_sub(offset))
        };
        Region { offset, len, total }
    }

    pub fn end(&self) -> u64 {
        self.offset + self.len
    }

    /// Bytes after the region, up to the end of the volume.
    pub fn after_len(&self) -> u64 {
        self.total - self.end()
    }

    /// `[offset, offset+len)` of `data` (a whole-volume image), clamped.
    pub fn slice<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let s = (self.offset as usize).min(data.len());
        let e = (self.end() as usize).min(data.len());
        &data[s..e]
    }

    pub fn describe(&self) -> String {
        format!("{} bytes at offset {}", self.len, self.offset)
    }
}

/// The hashes of the three parts of a volume around a region: before,
/// inside, after. Comparing two of these says which part differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    pub before: String,
    pub inside: String,
    pub after: String,
}

impl Parts {
    /// The parts of a whole-volume image `data`.
    pub fn of(data: &[u8], r: &Region) -> Parts {
        let s = (r.offset as usize).min(data.len());
        let e = (r.end() as usize).min(data.len());
        Parts {
            before: sha256_hex(&data[..s]),
            inside: sha256_hex(&data[s..e]),
            after: sha256_hex(&data[e..]),
        }
    }

    /// The parts of the file at `path` (read whole: volumes in scripts
    /// are a few MiB).
    pub fn of_file(path: &Path, r: &Region) -> std::io::Result<Parts> {
        Ok(Parts::of(&std::fs::read(path)?, r))
    }
}

impl crate::tap::producer::Tap {
    /// Passes when `got` is byte for byte `want`. A failure shows both
    /// lengths and SHA-256 hashes and the first offset where they differ
    /// (not the bytes: they are megabytes).
    #[track_caller]
    pub fn same_bytes(&mut self, got: &[u8], want: &[u8], desc: &str) -> bool {
        if got == want {
            return self.point(true, desc, None);
        }
        let first = got
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()));
        let diag = crate::yaml::Yaml::map([
            (
                "got",
                crate::yaml::Yaml::Str(format!("{} bytes, SHA-256 {}", got.len(), sha256_hex(got))),
            ),
            (
                "expected",
                crate::yaml::Yaml::Str(format!(
                    "{} bytes, SHA-256 {}",
                    want.len(),
                    sha256_hex(want)
                )),
            ),
            ("first_difference_at", crate::yaml::Yaml::Int(first as i64)),
        ]);
        self.point(false, desc, Some(diag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_depend_on_position_and_seed() {
        let a = pattern(1, 8192);
        assert_eq!(a, pattern(1, 8192), "deterministic");
        assert_ne!(a, pattern(2, 8192), "seed matters");
        assert_eq!(&a[1000..3000], pattern_at(1, 1000, 2000).as_slice());
        // Blocks are distinct: a block copied to the wrong place shows.
        assert_ne!(a[..512], a[512..1024]);
        assert_ne!(a[..4096], a[4096..]);
        // No long runs of one value (so a zero-filled or constant region
        // never matches).
        assert!(a
            .windows(4)
            .all(|w| !(w[0] == w[1] && w[1] == w[2] && w[2] == w[3])));
    }

    #[test]
    fn hashes_and_regions() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let r = Region::new(10, 0, 100);
        assert_eq!((r.len, r.end(), r.after_len()), (90, 100, 0));
        let r = Region::new(10, 500, 100);
        assert_eq!(r.len, 90, "clamped to the volume");
        let r = Region::new(10, 20, 100);
        assert_eq!(r.after_len(), 70);
        let data = pattern(3, 100);
        assert_eq!(r.slice(&data), &data[10..30]);
        let p = Parts::of(&data, &r);
        let mut changed = data.clone();
        changed[15] ^= 1;
        let q = Parts::of(&changed, &r);
        assert_eq!(
            (
                p.before == q.before,
                p.inside == q.inside,
                p.after == q.after
            ),
            (true, false, true)
        );
        assert_eq!(r.describe(), "20 bytes at offset 10");
    }

    #[test]
    fn same_bytes_reports_lengths_hashes_and_where() {
        let buf = crate::tap::producer::Captured::default();
        let mut t = crate::tap::producer::Tap::new(buf.clone());
        t.plan(3);
        let a = pattern(1, 1000);
        let mut b = a.clone();
        b[700] ^= 1;
        assert!(t.same_bytes(&a, &a, "same"));
        assert!(!t.same_bytes(&b, &a, "one byte differs"));
        assert!(!t.same_bytes(&a[..10], &a, "shorter"));
        t.finish(Ok(()));
        let text = buf.text();
        assert!(text.contains("ok 1 - same\n"), "{text}");
        assert!(text.contains("first_difference_at: 700"), "{text}");
        assert!(
            text.contains(&format!("1000 bytes, SHA-256 {}", sha256_hex(&a))),
            "{text}"
        );
        assert!(text.contains("10 bytes, SHA-256"), "{text}");
        assert!(text.contains("first_difference_at: 10"), "{text}");
    }

    #[test]
    fn file_regions() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("v.img");
        std::fs::write(&f, pattern(1, 4096)).unwrap();
        write_region(&f, 100, &pattern_at(2, 100, 50)).unwrap();
        let back = read_region(&f, 90, 70).unwrap();
        assert_eq!(&back[..10], &pattern_at(1, 90, 10)[..]);
        assert_eq!(&back[10..60], &pattern_at(2, 100, 50)[..]);
        assert_eq!(
            read_region(&f, 4000, 1000).unwrap().len(),
            96,
            "short at the end"
        );
        let r = Region::new(100, 50, 4096);
        let parts = Parts::of_file(&f, &r).unwrap();
        assert_eq!(parts.inside, sha256_hex(&pattern_at(2, 100, 50)));
        assert!(write_region(&dir.path().join("missing"), 0, b"x").is_err());
    }
}
