//! The libvirt layer: connection, clean-environment fixture, capabilities,
//! XML builders, guest media, and the context scripts run in.

pub mod alloc;
pub mod assert;
pub mod builders;
pub mod caps;
pub mod clean;
pub mod connection;
pub mod context;
pub mod daemon;
pub mod error;
pub mod fingerprint;
pub mod firmware;
pub mod fixture;
pub mod generic;
pub mod guestnet;
pub mod hooks;
pub mod host;
pub mod media;
pub mod poll;
pub mod requirements;
pub mod roundtrip;
pub mod scratch_disk;
pub mod selinux;
pub mod shim;
pub mod storage;
pub mod xmltree;
pub mod xpath;
