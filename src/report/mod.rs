//! Reports: the results model and every renderer of it.
//!
//! [`model`] is the single source of truth; [`xml`] writes and reads it back
//! (tck XML version 1, the format compare and known-broken work on), and
//! [`json`], [`junit`], [`html`], [`render`] (text, TAP) and [`archive`]
//! render it. [`import`] builds it from other harnesses' results.
//! [`write_outputs`] is the one entry point `tck run` calls; [`merge`] joins
//! the reports of a run's slices.

pub mod archive;
pub mod atomic;
pub mod console;
pub mod error;
pub mod escape;
pub mod html;
pub mod import;
pub mod json;
pub mod junit;
pub mod merge;
pub mod model;
pub mod outputs;
pub mod render;
pub mod sample;
pub mod xml;

pub use error::ReportError;
pub use outputs::{write_outputs, MemoryRaw, NoRaw, OutputArgs, RawSource, RawStream};
