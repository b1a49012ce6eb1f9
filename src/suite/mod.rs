//! Bodies shared by families of test scripts.
//!
//! Some scripts check one behaviour under a few variations — a guest NIC on
//! an isolated, NAT, routed or open network; a volume download through a
//! blocking, "all" or non-blocking stream. Each variation stays its own
//! script (its own id, title and results across releases), but the body
//! they share lives here once, taking the variation as parameters, so a
//! script in such a family is its doc comment, its `META` and one call
//! naming what makes it different.
//!
//! Code here exists only to serve scripts: it emits test points, and the
//! descriptions it emits are the scripts' (they identify results across
//! releases, so changing one here changes every script of the family).
//! What is not about test points — libvirt wrappers, host inspection,
//! builders — belongs in [`crate::virt`].

pub mod autostart;
pub mod guest_network;
pub mod kind;
pub mod nvram;
pub mod qcow2_access;
pub mod qcow2_backing;
pub mod save_restore;
pub mod unique_id;
pub mod volume_stream;
