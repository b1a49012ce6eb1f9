//! tck XML, schema version 1: the format every other output and every later
//! comparison can be derived from. See `share/schema/tck-report-1.rng` for
//! the grammar and its stability policy, and [`super::escape`] for how text
//! XML cannot hold is kept.

mod lex;
mod read;
mod write;

pub use read::read;
pub use write::write_report;

use super::atomic::write_atomic;
use super::error::ReportError;
use super::model::Report;
use std::path::Path;

/// The RELAX NG schema of version 1, embedded so that an installed `tck`
/// needs no data files (`tck render --format schema` is not needed: the file
/// ships in `share/schema/` too).
pub const SCHEMA_RNG: &str = include_str!("../../../share/schema/tck-report-1.rng");

/// Writes `report` to `path` atomically.
pub fn write(report: &Report, path: &Path) -> Result<(), ReportError> {
    write_atomic(path, |w| write_report(report, w))
}

/// The XML of `report` as a string (for tests and small reports).
pub fn to_string(report: &Report) -> String {
    let mut v = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_report(report, &mut v);
    // The writer only emits UTF-8 (it copies `str`s and ASCII markup).
    String::from_utf8_lossy(&v).into_owned()
}

#[cfg(test)]
pub(crate) mod tests;
