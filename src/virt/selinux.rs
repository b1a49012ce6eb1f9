//! SELinux labels for the `selinux/` scripts: security contexts, file
//! labels read and written through the `security.selinux` extended
//! attribute (what `getfattr`/`chcon` do, without the tools), the
//! enforcing switch (only ever flipped inside a guard that puts it back),
//! and whether the host's security model is SELinux at all.
//!
//! A context is `user:role:type:level`, the level being a sensitivity and
//! an optional category set (`s0:c12,c34`). libvirt's dynamic labelling
//! gives each guest process the type `svirt_t` (or a base label's type)
//! and a random category pair, and its images `svirt_image_t` with the
//! same pair, so that guests cannot read each other's disks.

use crate::script::Stop;
use crate::virt::context::Context;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The type of a confined guest process.
pub const DOMAIN_TYPE: &str = "svirt_t";
/// The type of a guest process under a TCG base label.
pub const TCG_DOMAIN_TYPE: &str = "svirt_tcg_t";
/// The type of an image a guest uses exclusively.
pub const IMAGE_TYPE: &str = "svirt_image_t";

const XATTR: &str = "security.selinux";
const ENFORCE: &str = "/sys/fs/selinux/enforce";

/// A parsed security context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityContext {
    pub user: String,
    pub role: String,
    pub type_: String,
    /// `s0`, `s0:c12,c34`, `s0-s0:c0.c1023`; absent on MLS-less policies.
    pub level: Option<String>,
}

impl SecurityContext {
    pub fn parse(s: &str) -> Option<SecurityContext> {
        let s = s.trim_end_matches('\0').trim();
        let mut parts = s.splitn(4, ':');
        let user = parts.next().filter(|p| !p.is_empty())?.to_string();
        let role = parts.next().filter(|p| !p.is_empty())?.to_string();
        let type_ = parts.next().filter(|p| !p.is_empty())?.to_string();
        let level = parts.next().map(str::to_string);
        Some(SecurityContext {
            user,
            role,
            type_,
            level,
        })
    }

    /// The category set of the level (`c12,c34` of `s0:c12,c34`).
    pub fn categories(&self) -> Option<&str> {
        self.level.as_deref()?.split_once(':').map(|(_, c)| c)
    }
}

impl std::fmt::Display for SecurityContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.user, self.role, self.type_)?;
        if let Some(l) = &self.level {
            write!(f, ":{l}")?;
        }
        Ok(())
    }
}

fn c_path(path: &Path) -> std::io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in path"))
}

/// The file's SELinux label (`getfattr -n security.selinux`), `None` when
/// it has none (no SELinux on this file system or host).
pub fn file_label(path: &Path) -> std::io::Result<Option<String>> {
    let p = c_path(path)?;
    let name = CString::new(XATTR).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    let mut buf = vec![0u8; 1024];
    // SAFETY: valid NUL-terminated strings and a buffer of the given size.
    let n = unsafe {
        libc::getxattr(
            p.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENODATA) | Some(libc::EOPNOTSUPP) => Ok(None),
            _ => Err(e),
        };
    }
    buf.truncate(n as usize);
    while buf.last() == Some(&0) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Sets the file's label (`chcon`).
pub fn set_file_label(path: &Path, label: &str) -> std::io::Result<()> {
    let p = c_path(path)?;
    let name = CString::new(XATTR).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    let value = CString::new(label).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    let bytes = value.as_bytes_with_nul();
    // SAFETY: valid NUL-terminated strings; the value buffer has the length
    // given (labels are stored with their NUL, as libselinux does).
    let rc = unsafe {
        libc::setxattr(
            p.as_ptr(),
            name.as_ptr(),
            bytes.as_ptr().cast(),
            bytes.len(),
            0,
        )
    };
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Whether SELinux enforces (`None`: SELinux is not enabled).
pub fn enforcing() -> Option<bool> {
    std::fs::read_to_string(ENFORCE)
        .ok()
        .map(|s| s.trim() == "1")
}

/// Permissive mode until dropped, then the mode it found. Only for the few
/// steps that need it; nothing else of the host's SELinux is touched.
#[derive(Debug)]
pub struct PermissiveGuard {
    was_enforcing: bool,
}

impl PermissiveGuard {
    pub fn new() -> std::io::Result<PermissiveGuard> {
        let was_enforcing = enforcing().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "SELinux is not enabled")
        })?;
        if was_enforcing {
            std::fs::write(ENFORCE, "0")?;
        }
        Ok(PermissiveGuard { was_enforcing })
    }
}

impl Drop for PermissiveGuard {
    fn drop(&mut self) {
        if self.was_enforcing {
            if let Err(e) = std::fs::write(ENFORCE, "1") {
                eprintln!(
                    "tck: cannot put SELinux back into enforcing mode: {e}; run `setenforce 1`"
                );
            }
        }
    }
}

/// The `<seclabel model='selinux'>` of a domain's XML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainLabels {
    /// `dynamic`, `static`, `none`.
    pub kind: String,
    pub relabel: Option<String>,
    pub label: Option<String>,
    pub image_label: Option<String>,
    pub base_label: Option<String>,
}

/// Reads the SELinux `<seclabel>` of domain XML (`None` without one).
pub fn domain_labels(xml: &str) -> Option<DomainLabels> {
    let root = crate::virt::xmltree::Element::parse(xml).ok()?;
    let sl = root
        .find_all("seclabel")
        .into_iter()
        .find(|e| e.get_attr("model") == Some("selinux"))?;
    Some(DomainLabels {
        kind: sl.get_attr("type").unwrap_or_default().to_string(),
        relabel: sl.get_attr("relabel").map(str::to_string),
        label: sl.find_text("label"),
        image_label: sl.find_text("imagelabel"),
        base_label: sl.find_text("baselabel"),
    })
}

/// The skip reason when the host's security model is not SELinux, naming
/// the models it has (`None` when it is SELinux).
pub fn not_selinux(models: &[String]) -> Option<String> {
    if models.iter().any(|m| m == "selinux") {
        return None;
    }
    let have = if models.is_empty() {
        "none reported".to_string()
    } else {
        models.join(", ")
    };
    Some(format!(
        "requires SELinux: host security model is not SELinux (it is {have})"
    ))
}

impl Context {
    /// `Err(Stop::Skip(..))` unless the driver's host security model is
    /// SELinux (from the capabilities' `<secmodel>`s) and SELinux is
    /// enabled on this host.
    pub fn require_selinux(&self) -> Result<(), Stop> {
        let caps = self.caps()?;
        let models: Vec<String> = caps
            .host
            .security_models
            .iter()
            .map(|m| m.model.clone())
            .collect();
        if let Some(reason) = not_selinux(&models) {
            return Err(Stop::Skip(reason));
        }
        if enforcing().is_none() {
            return Err(Stop::Skip(
                "requires SELinux enabled on this host: the driver reports the selinux model but /sys/fs/selinux/enforce is missing (a remote host?)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_parse_with_and_without_levels() {
        let c = SecurityContext::parse("system_u:object_r:svirt_image_t:s0:c392,c662\0").unwrap();
        assert_eq!(c.user, "system_u");
        assert_eq!(c.role, "object_r");
        assert_eq!(c.type_, IMAGE_TYPE);
        assert_eq!(c.level.as_deref(), Some("s0:c392,c662"));
        assert_eq!(c.categories(), Some("c392,c662"));
        assert_eq!(
            c.to_string(),
            "system_u:object_r:svirt_image_t:s0:c392,c662"
        );
        let d = SecurityContext::parse("system_u:system_r:svirt_tcg_t:s0").unwrap();
        assert_eq!(d.categories(), None);
        let e = SecurityContext::parse("user_u:role_r:type_t").unwrap();
        assert_eq!(e.level, None);
        assert_eq!(e.to_string(), "user_u:role_r:type_t");
        assert!(SecurityContext::parse("onlyone").is_none());
        assert!(SecurityContext::parse("a::c").is_none());
        assert!(SecurityContext::parse("").is_none());
    }

    #[test]
    fn domain_xml_labels() {
        let xml = "<domain><seclabel type='dynamic' model='dac' relabel='yes'><label>+64055:+64055</label></seclabel>\
                   <seclabel type='dynamic' model='selinux' relabel='yes'><label>system_u:system_r:svirt_t:s0:c1,c2</label>\
                   <imagelabel>system_u:object_r:svirt_image_t:s0:c1,c2</imagelabel></seclabel></domain>";
        let l = domain_labels(xml).unwrap();
        assert_eq!(l.kind, "dynamic");
        assert_eq!(l.relabel.as_deref(), Some("yes"));
        assert_eq!(
            l.label.as_deref(),
            Some("system_u:system_r:svirt_t:s0:c1,c2")
        );
        assert!(l.image_label.unwrap().contains(IMAGE_TYPE));
        assert_eq!(l.base_label, None);
        assert!(domain_labels("<domain/>").is_none());
    }

    #[test]
    fn the_skip_reason_names_the_models_the_host_has() {
        let r = not_selinux(&["none".into(), "dac".into()]).unwrap();
        assert_eq!(
            r,
            "requires SELinux: host security model is not SELinux (it is none, dac)"
        );
        assert!(
            crate::report::model::SkipKind::classify(&r)
                == crate::report::model::SkipKind::MissingResource
        );
        assert!(not_selinux(&["selinux".into(), "dac".into()]).is_none());
        assert!(not_selinux(&[]).unwrap().contains("none reported"));
    }

    #[test]
    fn file_labels_on_this_host() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("img");
        std::fs::write(&f, b"x").unwrap();
        match enforcing() {
            // Without SELinux a file has no label; root may still store
            // one as a plain extended attribute, which reads back.
            None => {
                assert_eq!(file_label(&f).unwrap(), None);
                let l = "system_u:object_r:virt_image_t:s0";
                if set_file_label(&f, l).is_ok() {
                    assert_eq!(file_label(&f).unwrap().as_deref(), Some(l));
                }
                assert!(PermissiveGuard::new().is_err());
            }
            Some(_) => {
                let l = file_label(&f).unwrap().expect("labelled");
                assert!(SecurityContext::parse(&l).is_some(), "{l}");
            }
        }
        assert!(file_label(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn the_test_driver_is_not_selinux() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::Config::from_toml(
            &format!("scratch_dir = {:?}\n", dir.path().display().to_string()),
            crate::config::ConfigSource::BuiltIn,
        )
        .unwrap();
        let cx = Context::new("selinux/999-x", config);
        match cx.require_selinux() {
            Err(Stop::Skip(r)) => assert!(r.contains("(it is testSecurity)"), "{r}"),
            other => panic!("{other:?}"),
        }
    }
}
