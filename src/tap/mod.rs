//! The TAP engine: an incremental TAP 13/14 parser, the verdict rules, and a
//! producer for built-in scripts.
//!
//! Bytes flow one way: [`parser::Parser`] turns them into [`model::Event`]s
//! line by line (with `grammar` for the syntax of one line), and
//! [`verdict::Judge`] folds events into a judged [`model::Document`].
//! [`producer::Tap`] writes TAP that this parser reads back.

mod grammar;
mod ids;
pub mod model;
pub mod parser;
pub mod producer;
pub mod verdict;

pub use parser::Parser;
pub use verdict::{parse_bytes, Judge};
