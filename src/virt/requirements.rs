//! Whether a script's declared requirements are met on this host, and if
//! not, a skip reason that says what is missing and how to provide it.
//!
//! Reasons are worded for [`crate::report::model::SkipKind::classify`]: a
//! driver mismatch starts with "unsupported by driver" (the driver does not
//! do this), everything else with "missing" or "requires" (the host or the
//! configuration lacks something the user could add).

use super::connection::uri_is_local;
use crate::config::Config;
use crate::script::{Meta, Require, Resource};
use std::path::Path;

/// What requirement checks need to know about the environment.
pub struct Env<'a> {
    pub config: &'a Config,
    /// libvirt's driver type of the URI under test ("QEMU", "TEST"…).
    pub driver: &'a str,
    /// Effective user id.
    pub uid: u32,
}

/// `Ok` when every requirement is met, else every unmet one, driver first.
pub fn check(meta: &Meta, env: &Env) -> Result<(), String> {
    let mut reasons = Vec::new();
    for r in meta.requires {
        if let Require::Driver(_) = r {
            if let Err(why) = check_one(r, env) {
                reasons.push(why);
            }
        }
    }
    for r in meta.requires {
        if !matches!(r, Require::Driver(_)) {
            if let Err(why) = check_one(r, env) {
                reasons.push(why);
            }
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons.join("; "))
    }
}

/// One requirement.
pub fn check_one(r: &Require, env: &Env) -> Result<(), String> {
    let c = env.config;
    match r {
        Require::Root => {
            if env.uid == 0 {
                Ok(())
            } else {
                Err(format!("requires root (running as uid {})", env.uid))
            }
        }
        Require::Driver(list) => {
            if list.iter().any(|d| d.eq_ignore_ascii_case(env.driver)) {
                Ok(())
            } else {
                Err(format!(
                    "unsupported by driver {}: the script is for {}",
                    env.driver,
                    list.join(" or ")
                ))
            }
        }
        Require::Resource(res) => {
            if resource_configured(c, *res) {
                Ok(())
            } else {
                Err(format!(
                    "missing resource: `{}` is not set in {} (see conf/default.toml)",
                    res.config_key(),
                    c.source
                ))
            }
        }
        Require::OtherHost => match &c.other_uri {
            Some(_) => Ok(()),
            None => Err(format!(
                "missing resource: `other_uri` (a second host) is not set in {}",
                c.source
            )),
        },
        // The guest media are files on this host, named by path in the
        // domain XML: a remote daemon cannot boot them.
        Require::BootedGuest if !uri_is_local(&c.uri) => Err(format!(
            "requires the local host: the guest media are files here, and {} is a remote URI",
            c.uri
        )),
        Require::BootedGuest => booted_guest(c),
        Require::Tool(tool) => {
            if on_path(tool) {
                Ok(())
            } else {
                Err(format!("missing tool: `{tool}` is not on PATH"))
            }
        }
        Require::LocalHost => {
            if uri_is_local(&c.uri) {
                Ok(())
            } else {
                Err(format!(
                    "requires the local host: {} is a remote URI",
                    c.uri
                ))
            }
        }
        Require::Disruptive => {
            if c.disruptive {
                Ok(())
            } else {
                Err("requires --disruptive (or `disruptive = true`): the script changes the host for everyone".into())
            }
        }
    }
}

/// Whether the configuration lists at least one of a resource.
pub fn resource_configured(c: &Config, r: Resource) -> bool {
    match r {
        Resource::UsbDevice => !c.usb_devices.is_empty(),
        Resource::PciDevice => !c.pci_devices.is_empty(),
        Resource::BlockDevice => !c.block_devices.is_empty(),
        Resource::NetworkDevice => !c.network_devices.is_empty(),
        Resource::NfsExport => !c.nfs_exports.is_empty(),
        Resource::IscsiTarget => !c.iscsi_targets.is_empty(),
        Resource::FreeSpaceDir => c.free_space_dir.is_some(),
    }
}

/// Sub-directory of the scratch directory holding prepared guest media.
pub const MEDIA_SUBDIR: &str = "media";

/// Whether guests can boot to a ready state here: `tck prepare` has built
/// the guest media (see [`crate::virt::media`]), which also records which
/// domain type boots them.
pub fn booted_guest(c: &Config) -> Result<(), String> {
    let settings = crate::virt::media::MediaSettings::from_config(c);
    if crate::virt::media::load(&settings).is_some() {
        return Ok(());
    }
    Err(format!(
        "missing resource: no bootable guest media in {} (run `tck prepare`)",
        settings.media_dir().display()
    ))
}

/// Whether an executable named `tool` is in a directory of `$PATH` (or, for
/// a path with '/', exists and is executable).
pub fn on_path(tool: &str) -> bool {
    if tool.contains('/') {
        return is_executable(Path::new(tool));
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| is_executable(&d.join(tool))))
        .unwrap_or(false)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigSource;

    fn config(text: &str) -> Config {
        Config::from_toml(
            &format!("scratch_dir = \"/nonexistent/tck-scratch\"\n{text}"),
            ConfigSource::BuiltIn,
        )
        .expect("config")
    }

    fn meta(requires: &'static [Require]) -> Meta {
        Meta {
            requires,
            ..Meta::DEFAULT
        }
    }

    #[test]
    fn nothing_required_is_met() {
        let c = config("");
        let env = Env {
            config: &c,
            driver: "TEST",
            uid: 1000,
        };
        assert_eq!(check(&meta(&[]), &env), Ok(()));
    }

    #[test]
    fn each_unmet_requirement_says_what_is_missing() {
        let c = config("uri = \"qemu+ssh://far/system\"\n");
        let env = Env {
            config: &c,
            driver: "TEST",
            uid: 1000,
        };
        let cases: &[(Require, &str)] = &[
            (Require::Root, "requires root (running as uid 1000)"),
            (
                Require::Driver(&["QEMU"]),
                "unsupported by driver TEST: the script is for QEMU",
            ),
            (
                Require::Resource(Resource::BlockDevice),
                "missing resource: `block_devices` is not set in built-in defaults",
            ),
            (Require::OtherHost, "missing resource: `other_uri`"),
            (
                Require::BootedGuest,
                "requires the local host: the guest media are files here",
            ),
            (
                Require::Tool("tck-no-such-tool"),
                "missing tool: `tck-no-such-tool` is not on PATH",
            ),
            (
                Require::LocalHost,
                "requires the local host: qemu+ssh://far/system is a remote URI",
            ),
            (Require::Disruptive, "requires --disruptive"),
        ];
        for (r, want) in cases {
            let got = check_one(r, &env).expect_err(&format!("{r:?} is unmet"));
            assert!(got.contains(want), "{r:?}: {got}");
        }
    }

    #[test]
    fn met_requirements_pass() {
        let c = config(
            "disruptive = true\nother_uri = \"qemu+ssh://b/system\"\nnetwork_devices = [\"eth9\"]\n",
        );
        let env = Env {
            config: &c,
            driver: "QEMU",
            uid: 0,
        };
        for r in [
            Require::Root,
            Require::Driver(&["LXC", "qemu"]),
            Require::Resource(Resource::NetworkDevice),
            Require::OtherHost,
            Require::Tool("sh"),
            Require::LocalHost,
            Require::Disruptive,
        ] {
            assert_eq!(check_one(&r, &env), Ok(()), "{r:?}");
        }
    }

    #[test]
    fn driver_mismatch_comes_first_and_classifies_as_unsupported() {
        use crate::report::model::SkipKind;
        let c = config("");
        let env = Env {
            config: &c,
            driver: "TEST",
            uid: 1000,
        };
        static REQ: &[Require] = &[Require::Root, Require::Driver(&["QEMU"])];
        let why = check(&meta(REQ), &env).expect_err("unmet");
        assert!(why.starts_with("unsupported by driver TEST"), "{why}");
        assert!(why.contains("; requires root"), "{why}");
        assert_eq!(SkipKind::classify(&why), SkipKind::Unsupported);
        let why = check_one(&Require::Resource(Resource::UsbDevice), &env).expect_err("unmet");
        assert_eq!(SkipKind::classify(&why), SkipKind::MissingResource);
    }

    #[test]
    fn prepared_media_make_a_bootable_guest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let kernel = dir.path().join("vmlinuz-0.0.1-tck");
        std::fs::write(&kernel, b"k").expect("write");
        let c = Config::from_toml(
            &format!(
                "scratch_dir = {:?}\nkernel = {:?}\n",
                dir.path().display().to_string(),
                kernel.display().to_string()
            ),
            ConfigSource::BuiltIn,
        )
        .expect("config");
        let why = booted_guest(&c).expect_err("nothing prepared");
        assert!(why.contains("run `tck prepare`"), "{why}");
        crate::virt::media::prepare(&crate::virt::media::MediaSettings::from_config(&c))
            .expect("prepare");
        assert_eq!(booted_guest(&c), Ok(()));
    }
}
