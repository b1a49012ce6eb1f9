//! tck: a technology compatibility kit for libvirt and the hypervisors behind it.
//!
//! The crate is both the harness (`tck run`, reports, compare) and the library
//! that test scripts are written against (`use tck::prelude::*`). Data flows
//! one way (DESIGN.md §3): config + CLI → plan → scheduler → process runner →
//! TAP parser → results model → reporters; compare and known-broken are pure
//! functions over loaded reports.

// Scripts say `use tck::prelude::*;` whether they are compiled into this
// library (the registry) or elsewhere.
extern crate self as tck;

pub mod cli;
pub mod compare;
pub mod config;
pub mod harness;
pub mod history;
pub mod known_broken;
pub mod man;
pub mod prelude;
pub mod registry;
pub mod report;
pub mod script;
pub mod select;
pub mod suite;
pub mod tap;
pub mod virt;
pub mod yaml;
