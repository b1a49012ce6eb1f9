//! Storage pool XML.
//!
//! `<source>` is written only when something is in it (the Perl builder
//! always wrote an empty one), and the source format sits inside
//! `<source>` where the schema wants it.

use super::Permissions;
use crate::virt::xmltree::Element;

/// Builds `<pool>` XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePoolBuilder {
    kind: String,
    name: String,
    uuid: Option<String>,
    source_hosts: Vec<(String, Option<u16>)>,
    source_dir: Option<String>,
    source_devices: Vec<String>,
    source_adapter: Option<String>,
    source_name: Option<String>,
    source_format: Option<String>,
    source_initiator: Option<String>,
    target: Option<String>,
    permissions: Permissions,
}

impl StoragePoolBuilder {
    /// A pool of type `dir`, `fs`, `netfs`, `logical`, `disk`, `iscsi`,
    /// `iscsi-direct`, `scsi`, `mpath`, `rbd`, `gluster`, `zfs`…
    pub fn new(kind: &str, name: &str) -> StoragePoolBuilder {
        StoragePoolBuilder {
            kind: kind.to_string(),
            name: name.to_string(),
            uuid: None,
            source_hosts: Vec::new(),
            source_dir: None,
            source_devices: Vec::new(),
            source_adapter: None,
            source_name: None,
            source_format: None,
            source_initiator: None,
            target: None,
            permissions: Permissions::default(),
        }
    }

    /// A `dir` pool at `path`.
    pub fn dir(name: &str, path: &str) -> StoragePoolBuilder {
        StoragePoolBuilder::new("dir", name).target(path)
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn kind(&self) -> &str {
        &self.kind
    }
    pub fn target_path(&self) -> Option<&str> {
        self.target.as_deref()
    }
    pub fn uuid(mut self, uuid: &str) -> Self {
        self.uuid = Some(uuid.to_string());
        self
    }
    /// A source host (NFS server, iSCSI portal, Ceph monitor); repeatable.
    pub fn source_host(mut self, host: &str, port: Option<u16>) -> Self {
        self.source_hosts.push((host.to_string(), port));
        self
    }
    /// The exported directory (`netfs`, `gluster`).
    pub fn source_dir(mut self, path: &str) -> Self {
        self.source_dir = Some(path.to_string());
        self
    }
    /// A source device (`fs`, `logical`, `disk`; for iSCSI the target IQN);
    /// repeatable.
    pub fn source_device(mut self, path: &str) -> Self {
        self.source_devices.push(path.to_string());
        self
    }
    /// A SCSI host adapter name (`scsi` pools), e.g. `host0`.
    pub fn source_adapter(mut self, name: &str) -> Self {
        self.source_adapter = Some(name.to_string());
        self
    }
    /// A source name (volume group for `logical`, pool for `rbd`/`zfs`).
    pub fn source_name(mut self, name: &str) -> Self {
        self.source_name = Some(name.to_string());
        self
    }
    /// Source format: `auto`, `ext4`, `nfs`, `dos`, `gpt`, `lvm2`…
    pub fn source_format(mut self, format: &str) -> Self {
        self.source_format = Some(format.to_string());
        self
    }
    /// The iSCSI initiator IQN.
    pub fn source_initiator(mut self, iqn: &str) -> Self {
        self.source_initiator = Some(iqn.to_string());
        self
    }
    /// The target path (directory, mount point, or `/dev/disk/by-path`).
    pub fn target(mut self, path: &str) -> Self {
        self.target = Some(path.to_string());
        self
    }
    /// Target permissions: octal mode, owner and group ids.
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
    pub fn permissions_label(mut self, label: &str) -> Self {
        self.permissions.label = Some(label.to_string());
        self
    }

    pub fn to_element(&self) -> Element {
        let source = Element::new("source")
            .children(
                self.source_hosts
                    .iter()
                    .map(|(h, port)| Element::new("host").attr("name", h).attr_opt("port", *port)),
            )
            .children(
                self.source_devices
                    .iter()
                    .map(|d| Element::new("device").attr("path", d)),
            )
            .child_opt(
                self.source_dir
                    .as_ref()
                    .map(|d| Element::new("dir").attr("path", d)),
            )
            .child_opt(self.source_adapter.as_ref().map(|a| {
                Element::new("adapter")
                    .attr("type", "scsi_host")
                    .attr("name", a)
            }))
            .child_opt(
                self.source_name
                    .as_ref()
                    .map(|n| Element::with_text("name", n)),
            )
            .child_opt(
                self.source_format
                    .as_ref()
                    .map(|f| Element::new("format").attr("type", f)),
            )
            .child_opt(
                self.source_initiator
                    .as_ref()
                    .map(|i| Element::new("initiator").child(Element::new("iqn").attr("name", i))),
            );
        let target = Element::new("target")
            .child_opt(self.target.as_ref().map(|p| Element::with_text("path", p)))
            .child_opt(self.permissions.element());
        Element::new("pool")
            .attr("type", &self.kind)
            .child(Element::with_text("name", &self.name))
            .child_opt(self.uuid.as_ref().map(|u| Element::with_text("uuid", u)))
            .child_opt((!source.is_empty()).then_some(source))
            .child_opt((!target.is_empty()).then_some(target))
    }

    pub fn as_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{parse, test_conn};
    use super::*;

    fn define_and_read_back(b: &StoragePoolBuilder) -> Element {
        let conn = test_conn();
        let xml = b.as_xml();
        let pool = conn
            .define_storage_pool_xml(&xml, 0)
            .unwrap_or_else(|e| panic!("test driver rejected the XML: {e}\n{xml}"));
        let back = parse(&pool.xml_desc(0).expect("xml_desc"));
        pool.undefine().expect("undefine");
        back
    }

    #[test]
    fn dir_pool_has_no_empty_source() {
        let b = StoragePoolBuilder::dir("tck-p-dir", "/var/lib/tck/p")
            .uuid("3c1b1d4e-2f33-4a5b-8c6d-7e8f9a0b1c2d")
            .permissions(Some(0o711), Some(0), Some(0));
        let e = b.to_element();
        assert!(e.find("source").is_none(), "{}", b.as_xml());
        let back = define_and_read_back(&b);
        assert_eq!(back.get_attr("type"), Some("dir"));
        assert_eq!(back.find_text("name").as_deref(), Some("tck-p-dir"));
        assert_eq!(
            back.find_text("uuid").as_deref(),
            Some("3c1b1d4e-2f33-4a5b-8c6d-7e8f9a0b1c2d")
        );
        assert_eq!(
            back.find_text("target/path").as_deref(),
            Some("/var/lib/tck/p")
        );
        assert_eq!(
            back.find_text("target/permissions/mode").as_deref(),
            Some("0711")
        );
        assert_eq!(
            back.find_text("target/permissions/owner").as_deref(),
            Some("0")
        );
    }

    #[test]
    fn fs_netfs_logical_disk_and_iscsi_sources_survive_define() {
        let back = define_and_read_back(
            &StoragePoolBuilder::new("fs", "tck-p-fs")
                .source_device("/dev/sdz1")
                .source_format("ext4")
                .target("/mnt/tck-fs"),
        );
        assert_eq!(back.find_attr("source/device", "path"), Some("/dev/sdz1"));
        assert_eq!(back.find_attr("source/format", "type"), Some("ext4"));

        let back = define_and_read_back(
            &StoragePoolBuilder::new("netfs", "tck-p-nfs")
                .source_host("nfs.example.org", None)
                .source_dir("/export/tck")
                .source_format("nfs")
                .target("/mnt/tck-nfs"),
        );
        assert_eq!(
            back.find_attr("source/host", "name"),
            Some("nfs.example.org")
        );
        assert_eq!(back.find_attr("source/dir", "path"), Some("/export/tck"));

        let back = define_and_read_back(
            &StoragePoolBuilder::new("logical", "tck-p-lvm")
                .source_device("/dev/sdz2")
                .source_device("/dev/sdz3")
                .source_name("tckvg")
                .source_format("lvm2")
                .target("/dev/tckvg"),
        );
        assert_eq!(back.find_all("source/device").len(), 2);
        assert_eq!(back.find_text("source/name").as_deref(), Some("tckvg"));

        let back = define_and_read_back(
            &StoragePoolBuilder::new("disk", "tck-p-disk")
                .source_device("/dev/sdz")
                .source_format("gpt")
                .target("/dev"),
        );
        assert_eq!(back.find_attr("source/format", "type"), Some("gpt"));

        let back = define_and_read_back(
            &StoragePoolBuilder::new("iscsi", "tck-p-iscsi")
                .source_host("192.0.2.10", Some(3260))
                .source_device("iqn.2024-01.org.example:tck")
                .source_initiator("iqn.2024-01.org.example:client")
                .target("/dev/disk/by-path"),
        );
        assert_eq!(back.find_attr("source/host", "port"), Some("3260"));
        assert_eq!(
            back.find_attr("source/device", "path"),
            Some("iqn.2024-01.org.example:tck")
        );
        assert_eq!(
            back.find_attr("source/initiator/iqn", "name"),
            Some("iqn.2024-01.org.example:client")
        );

        let back = define_and_read_back(
            &StoragePoolBuilder::new("scsi", "tck-p-scsi")
                .source_adapter("host0")
                .target("/dev/disk/by-path"),
        );
        assert_eq!(back.find_attr("source/adapter", "name"), Some("host0"));
    }
}
