//! Whether a process on this host may open a file, decided the way the
//! kernel decides it for discretionary access control: search permission
//! on every directory of the path, then read or write permission on the
//! file, from its owner, group and mode — or, when the file has an
//! extended POSIX ACL, from the ACL (named users and groups, masked).
//!
//! The qemu/ scripts use it to check what libvirt's DAC security driver
//! granted a guest's QEMU process: the image it was given must be open to
//! it, a backing file libvirt was told not to follow must not be. The
//! process's identity comes from `/proc/<pid>/status` (file-system uid and
//! gid, supplementary groups), the QEMU pid from libvirt's pid file. ACLs
//! are read with `getfacl` when it is installed and otherwise from the
//! `system.posix_acl_access` extended attribute directly.

use std::ffi::{CString, OsStr};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Permission bits, as in a mode's "rwx" triplets.
pub const READ: u8 = 4;
pub const WRITE: u8 = 2;
pub const EXEC: u8 = 1;

/// The identity a process presents to file permission checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// File-system uid (the 4th value of `Uid:`).
    pub uid: u32,
    /// File-system gid.
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Ids {
    /// From the text of `/proc/<pid>/status`.
    pub fn parse_status(text: &str) -> Result<Ids, String> {
        let field = |name: &str| -> Result<Vec<u32>, String> {
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
                .ok_or_else(|| format!("no {name}: line"))?;
            line.split_whitespace()
                .map(|v| {
                    v.parse()
                        .map_err(|_| format!("{name}: {v:?} is not a number"))
                })
                .collect()
        };
        let uids = field("Uid")?;
        let gids = field("Gid")?;
        let fs = |v: &[u32], name: &str| {
            v.get(3)
                .copied()
                .ok_or_else(|| format!("{name}: expected 4 values, got {}", v.len()))
        };
        Ok(Ids {
            uid: fs(&uids, "Uid")?,
            gid: fs(&gids, "Gid")?,
            groups: field("Groups").unwrap_or_default(),
        })
    }

    /// The identity of process `pid`.
    pub fn of_pid(pid: u32) -> Result<Ids, String> {
        let path = Path::new(super::PROCFS)
            .join(pid.to_string())
            .join("status");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ids::parse_status(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }

    pub fn describe(&self) -> String {
        format!("uid {} gid {} groups {:?}", self.uid, self.gid, self.groups)
    }
}

/// The pid of a running QEMU domain, from libvirt's pid file
/// (`<run_dir>/<name>.pid`; the system daemon's run dir is
/// `/run/libvirt/qemu`).
pub fn qemu_pid(run_dir: &Path, name: &str) -> Result<u32, String> {
    let path = run_dir.join(format!("{name}.pid"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.trim()
        .parse()
        .map_err(|_| format!("{}: {:?} is not a pid", path.display(), text.trim()))
}

/// An ACL entry's qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    UserObj,
    User(u32),
    GroupObj,
    Group(u32),
    Mask,
    Other,
}

/// An access ACL: entries with their "rwx" bits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Acl {
    pub entries: Vec<(Tag, u8)>,
}

// On-disk tags of `system.posix_acl_access` (linux/posix_acl_xattr.h).
const X_USER_OBJ: u16 = 0x01;
const X_USER: u16 = 0x02;
const X_GROUP_OBJ: u16 = 0x04;
const X_GROUP: u16 = 0x08;
const X_MASK: u16 = 0x10;
const X_OTHER: u16 = 0x20;
const XATTR_VERSION: u32 = 2;
const XATTR_NAME: &str = "system.posix_acl_access";

impl Acl {
    /// From the `system.posix_acl_access` value: a little-endian version
    /// (2), then 8-byte entries (tag u16, perm u16, id u32).
    pub fn from_xattr(b: &[u8]) -> Result<Acl, String> {
        let version = b
            .get(0..4)
            .and_then(|s| s.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or("ACL attribute shorter than its header")?;
        if version != XATTR_VERSION {
            return Err(format!("ACL attribute version {version}, expected 2"));
        }
        let body = &b[4..];
        if body.len() % 8 != 0 {
            return Err(format!(
                "ACL attribute body of {} bytes is not whole entries",
                body.len()
            ));
        }
        let mut entries = Vec::new();
        for e in body.chunks_exact(8) {
            let tag = u16::from_le_bytes([e[0], e[1]]);
            let perm = (u16::from_le_bytes([e[2], e[3]]) & 7) as u8;
            let id = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            let tag = match tag {
                X_USER_OBJ => Tag::UserObj,
                X_USER => Tag::User(id),
                X_GROUP_OBJ => Tag::GroupObj,
                X_GROUP => Tag::Group(id),
                X_MASK => Tag::Mask,
                X_OTHER => Tag::Other,
                t => return Err(format!("unknown ACL tag {t:#x}")),
            };
            entries.push((tag, perm));
        }
        Ok(Acl { entries })
    }

    /// From `getfacl -n` output (numeric ids; comments and effective
    /// rights annotations ignored).
    pub fn from_getfacl(text: &str) -> Result<Acl, String> {
        let mut entries = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with("default:") {
                continue;
            }
            let mut parts = line.splitn(3, ':');
            let (kind, qual, perms) = match (parts.next(), parts.next(), parts.next()) {
                (Some(k), Some(q), Some(p)) => (k, q, p.trim()),
                _ => return Err(format!("getfacl line {line:?} is not TYPE:ID:PERMS")),
            };
            let id = |q: &str| {
                q.parse::<u32>().map_err(|_| {
                    format!("getfacl line {line:?}: {q:?} is not a numeric id (use -n)")
                })
            };
            let tag = match (kind, qual) {
                ("user", "") => Tag::UserObj,
                ("user", q) => Tag::User(id(q)?),
                ("group", "") => Tag::GroupObj,
                ("group", q) => Tag::Group(id(q)?),
                ("mask", _) => Tag::Mask,
                ("other", _) => Tag::Other,
                _ => {
                    return Err(format!(
                        "getfacl line {line:?}: unknown entry type {kind:?}"
                    ))
                }
            };
            let bits = perms.as_bytes();
            if bits.len() != 3 {
                return Err(format!(
                    "getfacl line {line:?}: permissions {perms:?} are not rwx"
                ));
            }
            let perm = (u8::from(bits[0] == b'r') * READ)
                | (u8::from(bits[1] == b'w') * WRITE)
                | (u8::from(bits[2] == b'x' || bits[2] == b'X') * EXEC);
            entries.push((tag, perm));
        }
        Ok(Acl { entries })
    }

    /// Whether the ACL says more than the mode bits (named entries).
    pub fn is_extended(&self) -> bool {
        self.entries
            .iter()
            .any(|(t, _)| matches!(t, Tag::User(_) | Tag::Group(_) | Tag::Mask))
    }

    fn get(&self, tag: Tag) -> Option<u8> {
        self.entries
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, p)| *p)
    }

    /// The extended access ACL of `path`, or `None` when it has only its
    /// mode bits: `getfacl` if installed, else the extended attribute.
    pub fn read(path: &Path) -> Result<Option<Acl>, String> {
        let acl = if crate::virt::requirements::on_path("getfacl") {
            Acl::read_getfacl(path)?
        } else {
            Acl::read_xattr(path)?
        };
        Ok(acl.filter(Acl::is_extended))
    }

    /// Through `getfacl -n -p` (no ACL support: `None`).
    pub fn read_getfacl(path: &Path) -> Result<Option<Acl>, String> {
        let args = [
            OsStr::new("-n"),
            OsStr::new("-p"),
            OsStr::new("--"),
            path.as_os_str(),
        ];
        let out = super::run("getfacl", &args).map_err(|e| e.to_string())?;
        Acl::from_getfacl(&out).map(Some)
    }

    /// Through `getxattr(2)` of `system.posix_acl_access` (absent or
    /// unsupported by the file system: `None`).
    pub fn read_xattr(path: &Path) -> Result<Option<Acl>, String> {
        let cpath = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("{} contains a NUL byte", path.display()))?;
        let cname = CString::new(XATTR_NAME).map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 1024];
        loop {
            // SAFETY: both strings are NUL-terminated and outlive the call;
            // the kernel writes at most `buf.len()` bytes into `buf`.
            let n = unsafe {
                libc::getxattr(
                    cpath.as_ptr(),
                    cname.as_ptr(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                )
            };
            if n >= 0 {
                buf.truncate(n as usize);
                return Acl::from_xattr(&buf).map(Some);
            }
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::ENODATA) | Some(libc::EOPNOTSUPP) => return Ok(None),
                Some(libc::ERANGE) if buf.len() < 1 << 20 => buf.resize(buf.len() * 4, 0),
                _ => return Err(format!("cannot read the ACL of {}: {err}", path.display())),
            }
        }
    }
}

/// The permission facts of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSecurity {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits (`0o7777` part of the mode).
    pub mode: u32,
    pub acl: Option<Acl>,
}

impl FileSecurity {
    pub fn of(path: &Path) -> Result<FileSecurity, String> {
        let m =
            std::fs::metadata(path).map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
        Ok(FileSecurity {
            uid: m.uid(),
            gid: m.gid(),
            mode: m.mode() & 0o7777,
            acl: Acl::read(path)?,
        })
    }

    /// Whether `ids` get all of `want` (READ/WRITE/EXEC bits), by the
    /// POSIX ACL access algorithm (plain mode bits when there is no ACL).
    /// uid 0 is not special-cased: callers decide what root means.
    pub fn permits(&self, ids: &Ids, want: u8) -> bool {
        let bits = |shift: u32| ((self.mode >> shift) & 7) as u8;
        let has = |perm: u8| perm & want == want;
        let Some(acl) = &self.acl else {
            return if ids.uid == self.uid {
                has(bits(6))
            } else if ids.in_group(self.gid) {
                has(bits(3))
            } else {
                has(bits(0))
            };
        };
        if ids.uid == self.uid {
            return has(acl.get(Tag::UserObj).unwrap_or(bits(6)));
        }
        let mask = acl.get(Tag::Mask).unwrap_or(7);
        if let Some(p) = acl.get(Tag::User(ids.uid)) {
            return has(p & mask);
        }
        let mut matched = false;
        for (tag, perm) in &acl.entries {
            let applies = match tag {
                Tag::GroupObj => ids.in_group(self.gid),
                Tag::Group(g) => ids.in_group(*g),
                _ => false,
            };
            if applies {
                matched = true;
                if has(perm & mask) {
                    return true;
                }
            }
        }
        if matched {
            return false;
        }
        has(acl.get(Tag::Other).unwrap_or(bits(0)))
    }

    pub fn describe(&self) -> String {
        let acl = match &self.acl {
            None => "no ACL".to_string(),
            Some(a) => format!("ACL {:?}", a.entries),
        };
        format!(
            "owner {}:{} mode {:04o}, {acl}",
            self.uid, self.gid, self.mode
        )
    }
}

/// What `ids` may do with a file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    /// The facts behind the answer, for diagnostics.
    pub why: String,
}

/// Whether `ids` may open `path` for reading and for writing: search
/// permission on each directory above it, then the file's own permission.
pub fn access(path: &Path, ids: &Ids) -> Result<Access, String> {
    let path = std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut dir = PathBuf::from("/");
    let parents: Vec<_> = path
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    for c in parents {
        dir.push(c);
        let s = FileSecurity::of(&dir)?;
        if !s.permits(ids, EXEC) {
            return Ok(Access {
                read: false,
                write: false,
                why: format!(
                    "no search permission on {}: {}",
                    dir.display(),
                    s.describe()
                ),
            });
        }
    }
    let s = FileSecurity::of(&path)?;
    Ok(Access {
        read: s.permits(ids, READ),
        write: s.permits(ids, WRITE),
        why: format!("{}: {}", path.display(), s.describe()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tqemu-system-x86\nUmask:\t0022\nState:\tS (sleeping)\n\
        Uid:\t64055\t64055\t64055\t64056\nGid:\t64055\t64055\t64055\t64057\n\
        FDSize:\t64\nGroups:\t36 64055 \nNStgid:\t1\n";

    fn ids(uid: u32, gid: u32, groups: &[u32]) -> Ids {
        Ids {
            uid,
            gid,
            groups: groups.to_vec(),
        }
    }

    #[test]
    fn process_ids_are_the_file_system_ones() {
        let i = Ids::parse_status(STATUS).unwrap();
        assert_eq!(i, ids(64056, 64057, &[36, 64055]));
        assert!(Ids::parse_status("Uid:\t1 2 3\nGid:\t1 2 3 4\n")
            .unwrap_err()
            .contains("expected 4"));
        assert!(Ids::parse_status("Gid:\t1 2 3 4\n")
            .unwrap_err()
            .contains("no Uid"));
        assert!(Ids::parse_status("Uid:\ta 2 3 4\nGid:\t1 2 3 4\n").is_err());
        let empty_groups = Ids::parse_status("Uid:\t1 1 1 1\nGid:\t2 2 2 2\nGroups:\n").unwrap();
        assert!(empty_groups.groups.is_empty());
        let me = Ids::of_pid(std::process::id()).unwrap();
        // SAFETY: geteuid has no preconditions.
        assert_eq!(me.uid, unsafe { libc::geteuid() });
        assert!(Ids::of_pid(u32::MAX).is_err());
    }

    #[test]
    fn pid_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tck-a.pid"), "1234\n").unwrap();
        std::fs::write(dir.path().join("tck-b.pid"), "x").unwrap();
        assert_eq!(qemu_pid(dir.path(), "tck-a"), Ok(1234));
        assert!(qemu_pid(dir.path(), "tck-b")
            .unwrap_err()
            .contains("not a pid"));
        assert!(qemu_pid(dir.path(), "tck-c")
            .unwrap_err()
            .contains("cannot read"));
    }

    fn xattr(entries: &[(u16, u16, u32)]) -> Vec<u8> {
        let mut b = XATTR_VERSION.to_le_bytes().to_vec();
        for (t, p, id) in entries {
            b.extend(t.to_le_bytes());
            b.extend(p.to_le_bytes());
            b.extend(id.to_le_bytes());
        }
        b
    }

    #[test]
    fn acl_from_xattr_and_getfacl_agree() {
        let raw = xattr(&[
            (X_USER_OBJ, 6, u32::MAX),
            (X_USER, 4, 64055),
            (X_GROUP_OBJ, 0, u32::MAX),
            (X_GROUP, 6, 36),
            (X_MASK, 4, u32::MAX),
            (X_OTHER, 0, u32::MAX),
        ]);
        let a = Acl::from_xattr(&raw).unwrap();
        let text = "# file: x\n# owner: 0\n# group: 0\nuser::rw-\nuser:64055:r--\n\
            group::---\ngroup:36:rw-\t\t#effective:r--\nmask::r--\nother::---\n\n\
            default:user::rwx\n";
        assert_eq!(Acl::from_getfacl(text).unwrap(), a);
        assert!(a.is_extended());
        assert!(!Acl::from_getfacl("user::rw-\ngroup::r--\nother::r--\n")
            .unwrap()
            .is_extended());
        assert!(Acl::from_xattr(&[2, 0]).is_err());
        assert!(Acl::from_xattr(&[1, 0, 0, 0])
            .unwrap_err()
            .contains("version 1"));
        assert!(Acl::from_xattr(&raw[..raw.len() - 3]).is_err());
        assert!(Acl::from_xattr(&xattr(&[(0x40, 7, 0)]))
            .unwrap_err()
            .contains("unknown"));
        assert!(Acl::from_getfacl("user:qemu:rw-\n")
            .unwrap_err()
            .contains("numeric"));
        assert!(Acl::from_getfacl("user::rw\n").is_err());
        assert!(Acl::from_getfacl("bogus\n").is_err());
    }

    #[test]
    fn permission_algorithm() {
        let plain = |uid, gid, mode| FileSecurity {
            uid,
            gid,
            mode,
            acl: None,
        };
        let qemu = ids(64055, 64055, &[]);
        assert!(plain(64055, 64055, 0o600).permits(&qemu, READ | WRITE));
        assert!(!plain(0, 0, 0o600).permits(&qemu, READ));
        assert!(plain(0, 0, 0o644).permits(&qemu, READ));
        assert!(!plain(0, 0, 0o644).permits(&qemu, WRITE));
        assert!(plain(0, 64055, 0o640).permits(&qemu, READ));
        // The owner class wins even when it grants less than others.
        assert!(!plain(64055, 0, 0o077).permits(&qemu, READ));
        assert!(plain(0, 36, 0o050).permits(&ids(1, 1, &[36]), READ | EXEC));

        let with_acl = |entries: Vec<(Tag, u8)>| FileSecurity {
            uid: 0,
            gid: 0,
            mode: 0o600,
            acl: Some(Acl { entries }),
        };
        let base = vec![(Tag::UserObj, 6), (Tag::GroupObj, 0), (Tag::Other, 0)];
        let mut named = base.clone();
        named.push((Tag::User(64055), 6));
        named.push((Tag::Mask, 6));
        assert!(with_acl(named.clone()).permits(&qemu, READ | WRITE));
        // The mask limits named entries.
        let mut masked = named.clone();
        masked.retain(|(t, _)| *t != Tag::Mask);
        masked.push((Tag::Mask, 4));
        let f = with_acl(masked);
        assert!(f.permits(&qemu, READ) && !f.permits(&qemu, WRITE));
        // Group entries: a matching group that does not grant denies, even
        // when other would.
        let mut g = base.clone();
        g.push((Tag::Group(64055), 0));
        g.push((Tag::Mask, 7));
        g.retain(|(t, _)| *t != Tag::Other);
        g.push((Tag::Other, 4));
        assert!(!with_acl(g).permits(&qemu, READ));
        assert!(!with_acl(base).permits(&qemu, READ));
    }

    /// On a real file: mode bits, then an ACL set through the extended
    /// attribute, read back both ways when getfacl is installed.
    #[test]
    fn real_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("img");
        std::fs::write(&f, b"x").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let me = Ids::of_pid(std::process::id()).unwrap();
        let stranger = ids(me.uid.wrapping_add(4242), me.gid.wrapping_add(4242), &[]);
        let a = access(&f, &me).unwrap();
        assert!(a.read && a.write, "{}", a.why);
        // /tmp and its parents are searchable by anyone on a normal host.
        let a = access(&f, &stranger).unwrap();
        assert!(!a.read && !a.write, "{}", a.why);
        assert!(a.why.contains("mode 0600"), "{}", a.why);

        let value = xattr(&[
            (X_USER_OBJ, 6, u32::MAX),
            (X_USER, 4, stranger.uid),
            (X_GROUP_OBJ, 0, u32::MAX),
            (X_MASK, 4, u32::MAX),
            (X_OTHER, 0, u32::MAX),
        ]);
        let cpath = CString::new(f.as_os_str().as_encoded_bytes()).unwrap();
        let cname = CString::new(XATTR_NAME).unwrap();
        // SAFETY: valid NUL-terminated strings and a buffer of the given
        // length.
        let rc = unsafe {
            libc::setxattr(
                cpath.as_ptr(),
                cname.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            )
        };
        if rc != 0 {
            eprintln!(
                "the file system does not take POSIX ACLs ({}): ACL half skipped",
                std::io::Error::last_os_error()
            );
            return;
        }
        let from_xattr = Acl::read_xattr(&f).unwrap().unwrap();
        assert!(from_xattr.entries.contains(&(Tag::User(stranger.uid), 4)));
        if crate::virt::requirements::on_path("getfacl") {
            assert_eq!(Acl::read_getfacl(&f).unwrap(), Some(from_xattr.clone()));
        }
        let a = access(&f, &stranger).unwrap();
        assert!(a.read && !a.write, "{}", a.why);
        assert!(Acl::read_xattr(&dir.path().join("missing")).is_err());
    }
}
