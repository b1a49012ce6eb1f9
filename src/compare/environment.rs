//! Where each report ran: a short label per report (driver and versions,
//! platform) and the fields in which the environments differ, so that a
//! reader knows what changed besides the results.

use crate::report::model::Environment;

/// A fingerprint field whose value is not the same in every report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// For people ("libvirt daemon").
    pub field: &'static str,
    /// One value per report, in report order ("" when not recorded).
    pub values: Vec<String>,
}

/// The compared fields, for people and in order; digests last.
fn fields(e: &Environment) -> [(&'static str, String); 15] {
    [
        ("driver", e.driver.clone()),
        ("hypervisor version", e.hypervisor_version.clone()),
        ("libvirt daemon", e.libvirt_daemon_version.clone()),
        ("libvirt library", e.libvirt_library_version.clone()),
        ("URI", e.uri.clone()),
        ("OS", os_of(e)),
        ("kernel", e.kernel.clone()),
        ("arch", e.arch.clone()),
        ("CPU model", e.cpu_model.clone()),
        ("host", e.hostname.clone()),
        ("guest boot", e.guest_boot.clone()),
        (
            "tck",
            format!("{} {}", e.tck_version, e.tck_commit)
                .trim()
                .to_string(),
        ),
        ("capabilities digest", e.capabilities_digest.clone()),
        (
            "domain capabilities digest",
            e.domain_capabilities_digest.clone(),
        ),
        ("config digest", e.config_digest.clone()),
    ]
}

/// A difference's value for people: "(unknown)" when not recorded, and
/// digests cut to their first 12 hex digits (enough to tell them apart;
/// JSON keeps them whole).
pub fn display_value(field: &str, v: &str) -> String {
    if v.is_empty() {
        "(unknown)".to_string()
    } else if field.ends_with("digest") {
        v.chars().take(12).collect()
    } else {
        v.to_string()
    }
}

/// `ID-VERSION_ID` of os-release ("debian-12"), the form known-broken
/// files use too; "" when unknown.
pub fn os_of(e: &Environment) -> String {
    match (e.os_id.is_empty(), e.os_version.is_empty()) {
        (true, _) => String::new(),
        (false, true) => e.os_id.clone(),
        (false, false) => format!("{}-{}", e.os_id, e.os_version),
    }
}

/// The libvirt version a report was produced with: the daemon's, else the
/// library's.
pub fn libvirt_version(e: &Environment) -> &str {
    if e.libvirt_daemon_version.is_empty() {
        &e.libvirt_library_version
    } else {
        &e.libvirt_daemon_version
    }
}

/// The fields that are not the same in every report.
pub fn differences(envs: &[&Environment]) -> Vec<Difference> {
    if envs.len() < 2 {
        return Vec::new();
    }
    let all: Vec<[(&'static str, String); 15]> = envs.iter().map(|e| fields(e)).collect();
    (0..15)
        .filter_map(|i| {
            let values: Vec<String> = all.iter().map(|f| f[i].1.clone()).collect();
            if values.iter().all(|v| *v == values[0]) {
                None
            } else {
                Some(Difference {
                    field: all[0][i].0,
                    values,
                })
            }
        })
        .collect()
}

/// A label from the environment: "QEMU 10.0.0, libvirt 11.3.0, debian-12
/// x86_64"; `fallback` (the file name) when the report records nothing.
pub fn label_of(e: &Environment, fallback: &str) -> String {
    let mut parts = Vec::new();
    if !e.driver.is_empty() {
        if e.hypervisor_version.is_empty() {
            parts.push(e.driver.clone());
        } else {
            parts.push(format!("{} {}", e.driver, e.hypervisor_version));
        }
    }
    let lv = libvirt_version(e);
    if !lv.is_empty() {
        parts.push(format!("libvirt {lv}"));
    }
    let platform = format!("{} {}", os_of(e), e.arch).trim().to_string();
    if !platform.is_empty() {
        parts.push(platform);
    }
    if parts.is_empty() {
        fallback.to_string()
    } else {
        parts.join(", ")
    }
}

/// Labels for every report: `given[i]` when set, else from the
/// environment; labels that would be equal get the file name, then a
/// number, so every column is told apart.
pub fn labels(envs: &[&Environment], given: &[String], sources: &[String]) -> Vec<String> {
    let file = |i: usize| -> String {
        let s = sources.get(i).map(String::as_str).unwrap_or("");
        std::path::Path::new(s)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| s.to_string())
    };
    let mut out: Vec<String> = envs
        .iter()
        .enumerate()
        .map(|(i, e)| match given.get(i) {
            Some(l) => l.clone(),
            None => label_of(e, &file(i)),
        })
        .collect();
    let count = |v: &[String], x: &str| v.iter().filter(|l| *l == x).count();
    // Equal labels from environments: add the file name where that tells
    // them apart; then number whatever is still equal.
    let with_file: Vec<String> = (0..out.len())
        .map(|i| {
            let f = file(i);
            if i >= given.len() && count(&out, &out[i]) > 1 && !f.is_empty() && f != out[i] {
                format!("{} ({f})", out[i])
            } else {
                out[i].clone()
            }
        })
        .collect();
    for i in 0..out.len() {
        if count(&with_file, &with_file[i]) == 1 {
            out[i] = with_file[i].clone();
        }
    }
    let snapshot = out.clone();
    for i in 0..out.len() {
        if count(&snapshot, &snapshot[i]) > 1 {
            out[i] = format!("{} #{}", snapshot[i], i + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(driver: &str, hv: &str, lv: &str) -> Environment {
        Environment {
            libvirt_library_version: lv.into(),
            ..crate::report::sample::environment(driver, hv, lv)
        }
    }

    #[test]
    fn labels_name_driver_versions_and_platform_and_stay_distinct() {
        let a = env("QEMU", "10.0.0", "11.3.0");
        let b = env("TEST", "0.0.2", "11.3.0");
        let c = env("QEMU", "10.0.0", "11.3.0");
        let none = Environment::default();
        let sources = ["a/r.xml", "b/r.xml", "c/s.xml", "old.xml"].map(String::from);
        let l = labels(&[&a, &b, &c, &none], &[], &sources);
        assert_eq!(l[1], "TEST 0.0.2, libvirt 11.3.0, debian-12 x86_64");
        assert_eq!(
            l[0],
            "QEMU 10.0.0, libvirt 11.3.0, debian-12 x86_64 (r.xml)"
        );
        assert_eq!(
            l[2],
            "QEMU 10.0.0, libvirt 11.3.0, debian-12 x86_64 (s.xml)"
        );
        assert_eq!(l[3], "old.xml");
        let l = labels(&[&a, &c], &["before".into()], &sources[..2]);
        assert_eq!(l[0], "before");
        assert_eq!(l[1], "QEMU 10.0.0, libvirt 11.3.0, debian-12 x86_64");
        let l = labels(&[&a, &c], &["x".into(), "x".into()], &sources[..2]);
        assert_eq!(l, ["x #1", "x #2"]);
        // The same file twice: numbered, no useless file name.
        let same = [
            "r.xml".to_string(),
            "q.xml".to_string(),
            "r.xml".to_string(),
        ];
        let l = labels(&[&a, &b, &a], &[], &same);
        assert_eq!(l[0], "QEMU 10.0.0, libvirt 11.3.0, debian-12 x86_64 #1");
        assert_eq!(l[2], "QEMU 10.0.0, libvirt 11.3.0, debian-12 x86_64 #3");
    }

    #[test]
    fn differences_list_only_fields_that_differ() {
        let mut a = env("QEMU", "10.0.0", "11.3.0");
        let mut b = env("QEMU", "10.0.0", "11.4.0");
        a.config_digest = "aa".into();
        b.config_digest = "bb".into();
        let d = differences(&[&a, &b]);
        let names: Vec<&str> = d.iter().map(|d| d.field).collect();
        assert_eq!(
            names,
            ["libvirt daemon", "libvirt library", "config digest"]
        );
        assert_eq!(d[0].values, ["11.3.0", "11.4.0"]);
        assert!(differences(&[&a, &a.clone()]).is_empty());
    }
}
