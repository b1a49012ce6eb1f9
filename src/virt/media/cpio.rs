//! A writer for the cpio "newc" format, the one the Linux kernel unpacks as
//! an initramfs.
//!
//! Each entry is a 110-byte ASCII header (magic `070701` and thirteen 8-digit
//! hex fields), the NUL-terminated name padded to 4 bytes, and the data
//! padded to 4 bytes; a `TRAILER!!!` entry ends the archive. Owners are 0 and
//! times are 0 so that the same inputs always give the same bytes (the media
//! cache compares checksums). The archive is left uncompressed: the kernel
//! accepts it as is, and at a few MiB compression would save nothing worth a
//! dependency.

use std::io::{self, Write};

/// File type bits of `st_mode`.
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;

/// One archive member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir {
        path: String,
        mode: u32,
    },
    File {
        path: String,
        mode: u32,
        data: Vec<u8>,
    },
    Symlink {
        path: String,
        target: String,
    },
    CharDev {
        path: String,
        mode: u32,
        major: u32,
        minor: u32,
    },
}

impl Entry {
    pub fn path(&self) -> &str {
        match self {
            Entry::Dir { path, .. }
            | Entry::File { path, .. }
            | Entry::Symlink { path, .. }
            | Entry::CharDev { path, .. } => path,
        }
    }
}

/// Writes `entries` (paths relative, without a leading `/`) and the trailer.
pub fn write_archive<W: Write>(out: &mut W, entries: &[Entry]) -> io::Result<u64> {
    let mut w = Counting { inner: out, n: 0 };
    for (i, e) in entries.iter().enumerate() {
        let ino = (i + 1) as u32;
        match e {
            Entry::Dir { path, mode } => {
                header(&mut w, ino, S_IFDIR | mode, 2, 0, (0, 0), path)?;
            }
            Entry::File { path, mode, data } => {
                header(&mut w, ino, S_IFREG | mode, 1, data.len(), (0, 0), path)?;
                w.write_all(data)?;
                pad(&mut w)?;
            }
            Entry::Symlink { path, target } => {
                header(&mut w, ino, S_IFLNK | 0o777, 1, target.len(), (0, 0), path)?;
                w.write_all(target.as_bytes())?;
                pad(&mut w)?;
            }
            Entry::CharDev {
                path,
                mode,
                major,
                minor,
            } => {
                header(&mut w, ino, S_IFCHR | mode, 1, 0, (*major, *minor), path)?;
            }
        }
    }
    header(&mut w, 0, 0, 1, 0, (0, 0), "TRAILER!!!")?;
    Ok(w.n)
}

#[allow(clippy::too_many_arguments)]
fn header<W: Write>(
    w: &mut Counting<W>,
    ino: u32,
    mode: u32,
    nlink: u32,
    filesize: usize,
    rdev: (u32, u32),
    name: &str,
) -> io::Result<()> {
    let filesize = u32::try_from(filesize).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name}: a cpio newc member is limited to 4 GiB"),
        )
    })?;
    let namesize = name.len() + 1;
    let fields: [u32; 13] = [
        ino,
        mode,
        0, // uid
        0, // gid
        nlink,
        0, // mtime
        filesize,
        0, // devmajor
        0, // devminor
        rdev.0,
        rdev.1,
        namesize as u32,
        0, // check
    ];
    let mut h = String::with_capacity(110);
    h.push_str("070701");
    for f in fields {
        h.push_str(&format!("{f:08x}"));
    }
    w.write_all(h.as_bytes())?;
    w.write_all(name.as_bytes())?;
    w.write_all(&[0])?;
    pad(w)
}

fn pad<W: Write>(w: &mut Counting<W>) -> io::Result<()> {
    let rem = (w.n % 4) as usize;
    if rem != 0 {
        w.write_all(&[0u8; 3][..4 - rem])?;
    }
    Ok(())
}

struct Counting<'a, W: Write> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A member read back from an archive (for listing and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub path: String,
    pub mode: u32,
    pub size: u64,
    pub rdev: (u32, u32),
    /// File contents or symlink target.
    pub data: Vec<u8>,
}

impl Member {
    pub fn is_dir(&self) -> bool {
        self.mode & 0o170000 == S_IFDIR
    }
    pub fn is_file(&self) -> bool {
        self.mode & 0o170000 == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & 0o170000 == S_IFLNK
    }
    pub fn is_char_device(&self) -> bool {
        self.mode & 0o170000 == S_IFCHR
    }
}

/// Reads a newc archive (up to the trailer); `Err` says what is malformed
/// and where.
pub fn read_archive(bytes: &[u8]) -> Result<Vec<Member>, String> {
    let mut pos = 0usize;
    let mut out = Vec::new();
    let align = |p: usize| (p + 3) & !3;
    loop {
        let h = bytes
            .get(pos..pos + 110)
            .ok_or_else(|| format!("truncated header at byte {pos}"))?;
        if &h[..6] != b"070701" {
            return Err(format!("bad magic at byte {pos}: not a newc archive"));
        }
        let field = |i: usize| -> Result<u32, String> {
            let s = std::str::from_utf8(&h[6 + i * 8..14 + i * 8])
                .map_err(|_| format!("non-ASCII header at byte {pos}"))?;
            u32::from_str_radix(s, 16).map_err(|_| format!("bad header field at byte {pos}"))
        };
        let mode = field(1)?;
        let size = field(6)? as usize;
        let rdev = (field(9)?, field(10)?);
        let namesize = field(11)? as usize;
        let name_start = pos + 110;
        let name_bytes = bytes
            .get(name_start..name_start + namesize.saturating_sub(1))
            .ok_or_else(|| format!("truncated name at byte {name_start}"))?;
        let path = String::from_utf8_lossy(name_bytes).into_owned();
        let data_start = align(name_start + namesize);
        if path == "TRAILER!!!" {
            return Ok(out);
        }
        let data = bytes
            .get(data_start..data_start + size)
            .ok_or_else(|| format!("truncated data of {path} at byte {data_start}"))?
            .to_vec();
        pos = align(data_start + size);
        out.push(Member {
            path,
            mode,
            size: size as u64,
            rdev,
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_member_kind_with_alignment() {
        let entries = vec![
            Entry::Dir {
                path: "bin".into(),
                mode: 0o755,
            },
            Entry::File {
                path: "bin/x".into(),
                mode: 0o755,
                data: b"abcde".to_vec(),
            },
            Entry::Symlink {
                path: "bin/sh".into(),
                target: "busybox".into(),
            },
            Entry::CharDev {
                path: "dev/console".into(),
                mode: 0o600,
                major: 5,
                minor: 1,
            },
            Entry::File {
                path: "empty".into(),
                mode: 0o644,
                data: Vec::new(),
            },
        ];
        let mut buf = Vec::new();
        let n = write_archive(&mut buf, &entries).unwrap();
        assert_eq!(n as usize, buf.len());
        assert_eq!(buf.len() % 4, 0);
        assert!(buf.starts_with(b"070701"));
        let members = read_archive(&buf).unwrap();
        assert_eq!(members.len(), 5);
        assert!(members[0].is_dir());
        assert_eq!(members[1].data, b"abcde");
        assert_eq!(members[1].mode & 0o7777, 0o755);
        assert!(members[2].is_symlink());
        assert_eq!(members[2].data, b"busybox");
        assert!(members[3].is_char_device());
        assert_eq!(members[3].rdev, (5, 1));
        assert!(members[4].is_file() && members[4].size == 0);

        // Deterministic: same input, same bytes.
        let mut again = Vec::new();
        write_archive(&mut again, &entries).unwrap();
        assert_eq!(buf, again);
    }

    #[test]
    fn malformed_archives_are_reported() {
        assert!(read_archive(b"").unwrap_err().contains("truncated header"));
        assert!(read_archive(&[b'x'; 120])
            .unwrap_err()
            .contains("bad magic"));
        let mut buf = Vec::new();
        write_archive(
            &mut buf,
            &[Entry::File {
                path: "f".into(),
                mode: 0o644,
                data: vec![1; 100],
            }],
        )
        .unwrap();
        assert!(read_archive(&buf[..150])
            .unwrap_err()
            .contains("truncated data of f"));
    }

    #[test]
    fn agrees_with_the_system_cpio_when_present() {
        // GNU cpio lists what we wrote (skipped where cpio is not installed;
        // the round-trip test above does not depend on it).
        if !std::path::Path::new("/usr/bin/cpio").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.cpio");
        let mut buf = Vec::new();
        write_archive(
            &mut buf,
            &[
                Entry::Dir {
                    path: "d".into(),
                    mode: 0o755,
                },
                Entry::File {
                    path: "d/f".into(),
                    mode: 0o644,
                    data: b"hello".to_vec(),
                },
            ],
        )
        .unwrap();
        std::fs::write(&path, &buf).unwrap();
        let out = std::process::Command::new("cpio")
            .args(["-i", "-t", "--quiet", "-F"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "d\nd/f\n");
    }
}
