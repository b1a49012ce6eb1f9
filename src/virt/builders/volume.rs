//! Storage volume XML.
//!
//! Unlike the Perl builder: `<allocation>` only when set, encryption only
//! under `<target>` (a volume's own encryption; the backing store's
//! encryption is its own business), and `<compat>` only when asked for.

use super::{luks_encryption, Permissions, Size};
use crate::virt::xmltree::Element;

/// Builds `<volume>` XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageVolBuilder {
    name: String,
    capacity: Size,
    allocation: Option<Size>,
    format: Option<String>,
    compat: Option<String>,
    backing: Option<(String, Option<String>)>,
    encryption_secret: Option<String>,
    permissions: Permissions,
}

impl StorageVolBuilder {
    /// A volume of 50 MiB (change with `capacity`).
    pub fn new(name: &str) -> StorageVolBuilder {
        StorageVolBuilder {
            name: name.to_string(),
            capacity: Size::mib(50),
            allocation: None,
            format: None,
            compat: None,
            backing: None,
            encryption_secret: None,
            permissions: Permissions::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn capacity_value(&self) -> Size {
        self.capacity
    }
    pub fn capacity(mut self, size: Size) -> Self {
        self.capacity = size;
        self
    }
    /// Space to allocate up front (0 = sparse).
    pub fn allocation(mut self, size: Size) -> Self {
        self.allocation = Some(size);
        self
    }
    /// `raw`, `qcow2`, `vmdk`…
    pub fn format(mut self, format: &str) -> Self {
        self.format = Some(format.to_string());
        self
    }
    /// qcow2 compatibility level: `0.10` or `1.1`.
    pub fn compat(mut self, compat: &str) -> Self {
        self.compat = Some(compat.to_string());
        self
    }
    /// A backing store (copy-on-write base) with its format.
    pub fn backing(mut self, path: &str, format: Option<&str>) -> Self {
        self.backing = Some((path.to_string(), format.map(str::to_string)));
        self
    }
    /// Encrypt the volume with LUKS, passphrase in this secret.
    pub fn encryption_luks(mut self, secret_uuid: &str) -> Self {
        self.encryption_secret = Some(secret_uuid.to_string());
        self
    }
    pub fn permissions(
        mut self,
        mode: Option<u32>,
        owner: Option<u32>,
        group: Option<u32>,
    ) -> Self {
        self.permissions.mode = mode;
        self.permissions.owner = owner;
        self.permissions.group = group;
        self
    }

    pub fn to_element(&self) -> Element {
        let target = Element::new("target")
            .child_opt(
                self.format
                    .as_ref()
                    .map(|f| Element::new("format").attr("type", f)),
            )
            .child_opt(self.permissions.element())
            .child_opt(
                self.compat
                    .as_ref()
                    .map(|c| Element::with_text("compat", c)),
            )
            .child_opt(self.encryption_secret.as_deref().map(luks_encryption));
        Element::new("volume")
            .child(Element::with_text("name", &self.name))
            .child(self.capacity.element("capacity"))
            .child_opt(self.allocation.map(|a| a.element("allocation")))
            .child_opt((!target.is_empty()).then_some(target))
            .child_opt(self.backing.as_ref().map(|(path, format)| {
                Element::new("backingStore")
                    .child(Element::with_text("path", path))
                    .child_opt(
                        format
                            .as_ref()
                            .map(|f| Element::new("format").attr("type", f)),
                    )
            }))
    }

    pub fn as_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{parse, test_conn};
    use super::super::StoragePoolBuilder;
    use super::*;

    /// Creates the volume in the test driver's running `default-pool`
    /// (private to this connection) and reads it back.
    fn create_and_read_back(b: &StorageVolBuilder) -> Element {
        let conn = test_conn();
        let pool = conn
            .lookup_storage_pool_by_name("default-pool")
            .expect("the test driver has default-pool");
        let xml = b.as_xml();
        let vol = virt::storage_vol::StorageVol::create_xml(&pool, &xml, 0)
            .unwrap_or_else(|e| panic!("test driver rejected the XML: {e}\n{xml}"));
        let back = parse(&vol.xml_desc(0).expect("xml_desc"));
        vol.delete(0).expect("delete");
        back
    }

    #[test]
    fn plain_volume_has_no_allocation_or_target_noise() {
        let b = StorageVolBuilder::new("tck-v-plain");
        let e = b.to_element();
        assert!(
            e.find("allocation").is_none() && e.find("target").is_none(),
            "{}",
            b.as_xml()
        );
        let back = create_and_read_back(&b.capacity(Size::mib(10)));
        assert_eq!(back.find_text("name").as_deref(), Some("tck-v-plain"));
        assert_eq!(back.find_text("capacity").as_deref(), Some("10485760"));
    }

    #[test]
    fn qcow2_volume_with_allocation_compat_backing_and_luks() {
        let b = StorageVolBuilder::new("tck-v-qcow2")
            .capacity(Size::gib(1))
            .allocation(Size::kib(0))
            .format("qcow2")
            .compat("1.1")
            .permissions(Some(0o600), None, None)
            .backing("/var/lib/tck/base.img", Some("raw"))
            .encryption_luks("0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f");
        let e = b.to_element();
        assert_eq!(e.find_attr("target/encryption", "format"), Some("luks"));
        assert!(
            e.find("backingStore/encryption").is_none(),
            "encryption only under <target>"
        );
        let back = create_and_read_back(&b);
        assert_eq!(back.find_text("capacity").as_deref(), Some("1073741824"));
        assert_eq!(back.find_attr("target/format", "type"), Some("qcow2"));
        assert_eq!(
            back.find_text("backingStore/path").as_deref(),
            Some("/var/lib/tck/base.img")
        );
        assert_eq!(back.find_attr("backingStore/format", "type"), Some("raw"));
    }

    #[test]
    fn volume_in_a_new_dir_pool() {
        let conn = test_conn();
        let pool = conn
            .create_storage_pool_xml(
                &StoragePoolBuilder::dir("tck-v-pool", "/tck-v-pool").as_xml(),
                0,
            )
            .expect("create pool");
        let vol = virt::storage_vol::StorageVol::create_xml(
            &pool,
            &StorageVolBuilder::new("tck-v-in-pool")
                .capacity(Size::mib(1))
                .format("raw")
                .as_xml(),
            0,
        )
        .expect("create volume");
        let back = parse(&vol.xml_desc(0).expect("xml"));
        assert_eq!(
            back.find_text("key").as_deref(),
            Some("/tck-v-pool/tck-v-in-pool")
        );
        vol.delete(0).expect("delete");
        pool.destroy().expect("destroy");
    }
}
