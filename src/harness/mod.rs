//! The harness: discover scripts, schedule them, run each in its own process
//! group, parse its TAP as it arrives, and judge it.

pub mod fixture;
pub mod namespace;
