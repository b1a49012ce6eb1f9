//! The environment fingerprint of a report: what was tested, where, with
//! which versions — enough to tell two runs apart and to scope known-broken
//! entries.
//!
//! Values that cannot be learnt are left empty rather than guessed. Host
//! facts that libvirt does not report (os-release, kernel) are read locally,
//! so they are filled only when the URI's hypervisor runs on this host.

use super::connection::{library_version, uri_is_local, Connection};
use super::xpath::text_at;
use crate::config::{hex, Config};
use crate::report::model::Environment;
use sha2::{Digest, Sha256};

/// Fill `env` from the connection and the configuration. Never fails:
/// fields whose source fails stay as they were.
pub fn describe(conn: &Connection, config: &Config, env: &mut Environment) {
    env.tck_version = env!("CARGO_PKG_VERSION").to_string();
    env.tck_commit = env!("TCK_COMMIT").to_string();
    env.uri = conn.uri().to_string();
    env.config_digest = config.digest();
    if let Ok(d) = conn.driver() {
        env.driver = d;
    }
    if let Ok(v) = conn.hypervisor_version() {
        env.hypervisor_version = v;
    }
    if let Ok(v) = library_version() {
        env.libvirt_library_version = v;
    }
    if let Ok(v) = conn.daemon_version() {
        env.libvirt_daemon_version = v;
    }
    if let Ok(h) = conn.hostname() {
        env.hostname = h;
    }
    // libvirt's test driver describes an invented host (an i686 with no
    // CPU model): its capabilities are digested like any other, but the
    // platform fields describe the machine the run happened on.
    let simulated = env.driver.eq_ignore_ascii_case("test");
    if let Ok(caps) = conn.capabilities() {
        env.capabilities_digest = sha256_hex(caps.as_bytes());
        if !simulated {
            if let Ok(Some(arch)) = text_at(&caps, &["capabilities", "host", "cpu", "arch"]) {
                env.arch = arch;
            }
            if let Ok(Some(model)) = text_at(&caps, &["capabilities", "host", "cpu", "model"]) {
                env.cpu_model = model;
            }
        }
    }
    // The driver's default guest; the generic domain may refine this.
    if let Ok(dcaps) = conn.domain_capabilities(None, None, None, None, 0) {
        env.domain_capabilities_digest = sha256_hex(dcaps.as_bytes());
    }
    // Which domain type booted guests use here (from `tck prepare`'s probe).
    env.guest_boot = crate::virt::media::guest_boot_summary(config, conn.uri());
    if uri_is_local(conn.uri()) {
        if let Ok(text) = std::fs::read_to_string("/etc/os-release") {
            let (id, version) = os_release(&text);
            env.os_id = id;
            env.os_version = version;
        }
        env.kernel = crate::virt::host::uname().release;
        if env.arch.is_empty() {
            env.arch = std::env::consts::ARCH.to_string();
        }
    }
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `ID` and `VERSION_ID` from an os-release text.
pub fn os_release(text: &str) -> (String, String) {
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
            .unwrap_or_default()
    };
    (get("ID"), get("VERSION_ID"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_fields() {
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\nID_LIKE=x\n";
        assert_eq!(os_release(text), ("debian".into(), "12".into()));
        assert_eq!(os_release(""), (String::new(), String::new()));
    }

    #[test]
    fn test_driver_fingerprint() {
        let conn = Connection::open("test:///default").expect("test driver");
        let config = Config::defaults().expect("defaults");
        let mut env = Environment::default();
        describe(&conn, &config, &mut env);
        assert_eq!(env.uri, "test:///default");
        assert_eq!(env.driver, "TEST");
        assert_eq!(env.tck_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(env.config_digest, config.digest());
        assert_eq!(env.capabilities_digest.len(), 64);
        // The test driver's capabilities describe an invented i686 host; the
        // fingerprint describes the machine the run happened on instead.
        assert_eq!(env.arch, std::env::consts::ARCH);
        assert!(env.libvirt_library_version.split('.').count() == 3);
        assert!(!env.kernel.is_empty());
        assert!(!env.hostname.is_empty());
        assert!(
            !env.guest_boot.is_empty(),
            "guest_boot says how guests boot"
        );
        conn.close().expect("close");
    }
}
