//! The libvirt layer: connection, clean-environment fixture, capabilities,
//! XML builders, guest media, and the context scripts run in.

pub mod context;
