//! Per-script namespaces under the configured prefix (DESIGN.md §5).
//!
//! Every object a script creates is named `<prefix><tag>-<name>`, where the
//! tag is derived from the script id. Scripts can then run in parallel, and
//! the fixture cleans exactly one script's objects before and after it. The
//! tag is short because names must fit libvirt's limits (a Linux bridge name
//! has at most 15 bytes): with the default prefix `tck-`, a name like
//! `tck-k3f9q-br0` leaves room for a 5-byte local part.

/// Length of the per-script tag.
pub const TAG_LEN: usize = 5;

/// The tag of a script: 5 characters of `[0-9a-z]`, stable across runs and
/// releases (FNV-1a of the id, in base 36).
pub fn script_tag(script_id: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in script_id.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut tag = String::with_capacity(TAG_LEN);
    for _ in 0..TAG_LEN {
        tag.push(char::from(DIGITS[(hash % 36) as usize]));
        hash /= 36;
    }
    tag
}

/// The name prefix of one script's namespace: `<prefix><tag>-`.
pub fn script_prefix(prefix: &str, script_id: &str) -> String {
    format!("{prefix}{}-", script_tag(script_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stable_short_and_distinct() {
        let a = script_tag("domain/050-transient-lifecycle");
        assert_eq!(a, script_tag("domain/050-transient-lifecycle"));
        assert_eq!(a.len(), TAG_LEN);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        assert_ne!(a, script_tag("domain/051-transient-autostart"));
        assert_eq!(
            script_prefix("tck-", "domain/050-transient-lifecycle"),
            format!("tck-{a}-")
        );
    }

    #[test]
    fn builtin_scripts_have_distinct_tags() {
        let mut seen = std::collections::HashMap::new();
        for s in crate::registry::SCRIPTS {
            if let Some(other) = seen.insert(script_tag(s.id), s.id) {
                panic!(
                    "{} and {} share the namespace tag {}",
                    other,
                    s.id,
                    script_tag(s.id)
                );
            }
        }
    }
}
