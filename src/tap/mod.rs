//! The TAP engine: an incremental TAP 13/14 parser, the verdict rules, and a
//! producer for built-in scripts.

pub mod model;
pub mod parser;
pub mod producer;
pub mod verdict;
