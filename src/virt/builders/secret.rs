//! Secret XML.
//!
//! Secrets have no name: the fixture recognises the kit's secrets by their
//! usage id (or, without a usage, their description), so scripts give one
//! of those the namespaced name (`cx.secret(local)` does).

use crate::virt::xmltree::Element;

/// What a secret is for (`<usage type=…>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretUsage {
    /// The passphrase of an encrypted volume, by its path.
    Volume(String),
    /// A Ceph client key, by usage name.
    Ceph(String),
    /// An iSCSI CHAP password, by target name.
    Iscsi(String),
    /// A TLS key passphrase, by usage name.
    Tls(String),
    /// A vTPM state key, by usage name.
    Vtpm(String),
}

impl SecretUsage {
    /// libvirt's `usage type` string.
    pub fn kind(&self) -> &'static str {
        match self {
            SecretUsage::Volume(_) => "volume",
            SecretUsage::Ceph(_) => "ceph",
            SecretUsage::Iscsi(_) => "iscsi",
            SecretUsage::Tls(_) => "tls",
            SecretUsage::Vtpm(_) => "vtpm",
        }
    }

    /// The usage id libvirt looks the secret up by.
    pub fn id(&self) -> &str {
        match self {
            SecretUsage::Volume(s)
            | SecretUsage::Ceph(s)
            | SecretUsage::Iscsi(s)
            | SecretUsage::Tls(s)
            | SecretUsage::Vtpm(s) => s,
        }
    }

    /// Parses `volume:/path`, `ceph:name`, `iscsi:target`, `tls:name`,
    /// `vtpm:name`.
    pub fn parse(s: &str) -> Result<SecretUsage, String> {
        let (kind, id) = s.split_once(':').ok_or_else(|| {
            format!("{s:?}: expected TYPE:ID with TYPE one of volume, ceph, iscsi, tls, vtpm")
        })?;
        let id = id.to_string();
        Ok(match kind {
            "volume" => SecretUsage::Volume(id),
            "ceph" => SecretUsage::Ceph(id),
            "iscsi" => SecretUsage::Iscsi(id),
            "tls" => SecretUsage::Tls(id),
            "vtpm" => SecretUsage::Vtpm(id),
            other => {
                return Err(format!(
                    "{s:?}: unknown usage type {other:?} (volume, ceph, iscsi, tls or vtpm)"
                ))
            }
        })
    }

    fn element(&self) -> Element {
        let inner = match self {
            SecretUsage::Volume(p) => Element::with_text("volume", p),
            SecretUsage::Iscsi(t) => Element::with_text("target", t),
            SecretUsage::Ceph(n) | SecretUsage::Tls(n) | SecretUsage::Vtpm(n) => {
                Element::with_text("name", n)
            }
        };
        Element::new("usage").attr("type", self.kind()).child(inner)
    }
}

/// Builds `<secret>` XML.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretBuilder {
    uuid: Option<String>,
    ephemeral: Option<bool>,
    private: Option<bool>,
    description: Option<String>,
    usage: Option<SecretUsage>,
}

impl SecretBuilder {
    pub fn new() -> SecretBuilder {
        SecretBuilder::default()
    }
    pub fn uuid(mut self, uuid: &str) -> Self {
        self.uuid = Some(uuid.to_string());
        self
    }
    /// Kept only in memory (never written to disk by the daemon).
    pub fn ephemeral(mut self, yes: bool) -> Self {
        self.ephemeral = Some(yes);
        self
    }
    /// The value cannot be read back through the API.
    pub fn private(mut self, yes: bool) -> Self {
        self.private = Some(yes);
        self
    }
    pub fn description(mut self, d: &str) -> Self {
        self.description = Some(d.to_string());
        self
    }
    pub fn usage(mut self, usage: SecretUsage) -> Self {
        self.usage = Some(usage);
        self
    }
    pub fn usage_value(&self) -> Option<&SecretUsage> {
        self.usage.as_ref()
    }

    pub fn to_element(&self) -> Element {
        let yn = |b: bool| if b { "yes" } else { "no" };
        Element::new("secret")
            .attr_opt("ephemeral", self.ephemeral.map(yn))
            .attr_opt("private", self.private.map(yn))
            .child_opt(self.uuid.as_ref().map(|u| Element::with_text("uuid", u)))
            .child_opt(
                self.description
                    .as_ref()
                    .map(|d| Element::with_text("description", d)),
            )
            .child_opt(self.usage.as_ref().map(SecretUsage::element))
    }

    pub fn as_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_flags_uuid_description_and_each_usage() {
        let e = SecretBuilder::new()
            .uuid("f4b6c2a0-1d2e-4f3a-8b9c-0d1e2f3a4b5c")
            .ephemeral(false)
            .private(true)
            .description("d")
            .usage(SecretUsage::Iscsi("iqn.x".into()))
            .to_element();
        assert_eq!(e.get_attr("ephemeral"), Some("no"));
        assert_eq!(e.get_attr("private"), Some("yes"));
        assert_eq!(e.find_text("usage/target").as_deref(), Some("iqn.x"));
        assert_eq!(
            SecretBuilder::new()
                .usage(SecretUsage::Volume("/v".into()))
                .to_element()
                .find_text("usage/volume")
                .as_deref(),
            Some("/v")
        );
        assert_eq!(
            SecretBuilder::new()
                .usage(SecretUsage::Vtpm("t".into()))
                .to_element()
                .find_text("usage/name")
                .as_deref(),
            Some("t")
        );
        assert!(SecretBuilder::new().to_element().is_empty());
    }

    // The test driver has no secret driver; defining every usage kind runs
    // against qemu:///system in tests/builders_live.rs.

    #[test]
    fn usage_strings_parse() {
        assert_eq!(
            SecretUsage::parse("volume:/a/b").unwrap(),
            SecretUsage::Volume("/a/b".into())
        );
        assert_eq!(SecretUsage::parse("tls:x").unwrap().kind(), "tls");
        assert!(SecretUsage::parse("nope").is_err());
        assert!(SecretUsage::parse("disk:x")
            .unwrap_err()
            .contains("unknown usage type"));
    }
}
