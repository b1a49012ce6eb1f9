//! Domains, networks and storage pools behind one trait, for the scripts
//! that check the same semantics of each kind (name and UUID uniqueness,
//! stale handles, autostart): a body written once for [`Kind`] runs for
//! every kind, and a script names its kind by type —
//! `define_twice::<Network>(t, cx)`.
//!
//! Only what those bodies need is here; everything kind-specific stays in
//! the scripts.

use crate::prelude::*;
use crate::virt::storage::PoolDir;
use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::Error;
use virt::network::Network;
use virt::storage_pool::StoragePool;

/// A kind of libvirt object with a name and a UUID that can be defined,
/// created (started from XML), started, stopped and undefined.
pub trait Kind: Sized {
    /// How test point descriptions name the kind: "domain", "network",
    /// "pool".
    const NOUN: &'static str;
    /// The local name of a script's one object of the kind
    /// (`cx.name(LOCAL)`).
    const LOCAL: &'static str;
    /// The error of a lookup that finds none, and its name in
    /// descriptions.
    const MISSING: (ErrorNumber, &'static str);
    /// How descriptions say "stop a running one": "destroy", "stop".
    const STOP: &'static str;
    /// The `virConnect` method that creates (starts) one from XML, as
    /// descriptions name it.
    const CREATE_API: &'static str;

    /// What must exist on the host before one named `name` can start (a
    /// directory pool's directory), removed when dropped.
    type Guard;
    fn prepare(cx: &Context, name: &str) -> Result<Self::Guard, Stop>;
    /// The generic XML of one named `name` (with the UUID `uuid`, if
    /// given).
    fn xml(cx: &Context, name: &str, uuid: Option<&str>) -> Result<String, Stop>;

    fn define(conn: &Connect, xml: &str) -> Result<Self, Error>;
    fn create(conn: &Connect, xml: &str) -> Result<Self, Error>;
    fn by_name(conn: &Connect, name: &str) -> Result<Self, Error>;
    fn by_uuid(conn: &Connect, uuid: &str) -> Result<Self, Error>;
    fn start(&self) -> Result<(), Error>;
    fn destroy(&self) -> Result<(), Error>;
    fn undefine(&self) -> Result<(), Error>;
    fn uuid(&self) -> Result<String, Error>;
    fn is_active(&self) -> Result<bool, Error>;
    fn is_persistent(&self) -> Result<bool, Error>;
    fn autostart(&self) -> Result<bool, Error>;
    fn set_autostart(&self, on: bool) -> Result<(), Error>;
}

/// The methods every kind has under the same name.
macro_rules! common {
    () => {
        fn destroy(&self) -> Result<(), Error> {
            Self::destroy(self)
        }
        fn undefine(&self) -> Result<(), Error> {
            Self::undefine(self)
        }
        fn uuid(&self) -> Result<String, Error> {
            self.uuid_string()
        }
        fn is_active(&self) -> Result<bool, Error> {
            Self::is_active(self)
        }
        fn is_persistent(&self) -> Result<bool, Error> {
            Self::is_persistent(self)
        }
        fn autostart(&self) -> Result<bool, Error> {
            Self::autostart(self)
        }
        fn set_autostart(&self, on: bool) -> Result<(), Error> {
            Self::set_autostart(self, on)
        }
    };
}

impl Kind for Domain {
    const NOUN: &'static str = "domain";
    const LOCAL: &'static str = "dom";
    const MISSING: (ErrorNumber, &'static str) = (ErrorNumber::NoDomain, "NoDomain");
    const STOP: &'static str = "destroy";
    const CREATE_API: &'static str = "create_domain_xml";
    type Guard = ();

    fn prepare(_: &Context, _: &str) -> Result<(), Stop> {
        Ok(())
    }
    fn xml(cx: &Context, name: &str, uuid: Option<&str>) -> Result<String, Stop> {
        let b = cx.domain(name)?;
        Ok(match uuid {
            Some(u) => b.uuid(u),
            None => b,
        }
        .as_xml())
    }
    fn define(conn: &Connect, xml: &str) -> Result<Self, Error> {
        conn.define_domain_xml(xml)
    }
    fn create(conn: &Connect, xml: &str) -> Result<Self, Error> {
        conn.create_domain_xml(xml, 0)
    }
    fn by_name(conn: &Connect, name: &str) -> Result<Self, Error> {
        conn.lookup_domain_by_name(name)
    }
    fn by_uuid(conn: &Connect, uuid: &str) -> Result<Self, Error> {
        conn.lookup_domain_by_uuid_string(uuid)
    }
    fn start(&self) -> Result<(), Error> {
        self.create()
    }
    common!();
}

impl Kind for Network {
    const NOUN: &'static str = "network";
    const LOCAL: &'static str = "net";
    const MISSING: (ErrorNumber, &'static str) = (ErrorNumber::NoNetwork, "NoNetwork");
    const STOP: &'static str = "destroy";
    const CREATE_API: &'static str = "create_network_xml";
    type Guard = ();

    fn prepare(_: &Context, _: &str) -> Result<(), Stop> {
        Ok(())
    }
    fn xml(cx: &Context, name: &str, uuid: Option<&str>) -> Result<String, Stop> {
        let b = cx.network(name);
        Ok(match uuid {
            Some(u) => b.uuid(u),
            None => b,
        }
        .as_xml())
    }
    fn define(conn: &Connect, xml: &str) -> Result<Self, Error> {
        conn.define_network_xml(xml)
    }
    fn create(conn: &Connect, xml: &str) -> Result<Self, Error> {
        conn.create_network_xml(xml)
    }
    fn by_name(conn: &Connect, name: &str) -> Result<Self, Error> {
        conn.lookup_network_by_name(name)
    }
    fn by_uuid(conn: &Connect, uuid: &str) -> Result<Self, Error> {
        conn.lookup_network_by_uuid_string(uuid)
    }
    fn start(&self) -> Result<(), Error> {
        self.create()
    }
    common!();
}

impl Kind for StoragePool {
    const NOUN: &'static str = "pool";
    const LOCAL: &'static str = "pool";
    const MISSING: (ErrorNumber, &'static str) = (ErrorNumber::NoStoragePool, "NoStoragePool");
    const STOP: &'static str = "stop";
    const CREATE_API: &'static str = "create_storage_pool_xml";
    type Guard = PoolDir;

    fn prepare(cx: &Context, name: &str) -> Result<PoolDir, Stop> {
        Ok(PoolDir::create(&cx.pool(name)?)?)
    }
    fn xml(cx: &Context, name: &str, uuid: Option<&str>) -> Result<String, Stop> {
        let b = cx.pool(name)?;
        Ok(match uuid {
            Some(u) => b.uuid(u),
            None => b,
        }
        .as_xml())
    }
    fn define(conn: &Connect, xml: &str) -> Result<Self, Error> {
        conn.define_storage_pool_xml(xml, 0)
    }
    fn create(conn: &Connect, xml: &str) -> Result<Self, Error> {
        conn.create_storage_pool_xml(xml, 0)
    }
    fn by_name(conn: &Connect, name: &str) -> Result<Self, Error> {
        conn.lookup_storage_pool_by_name(name)
    }
    fn by_uuid(conn: &Connect, uuid: &str) -> Result<Self, Error> {
        conn.lookup_storage_pool_by_uuid_string(uuid)
    }
    fn start(&self) -> Result<(), Error> {
        self.create(0)
    }
    common!();
}
