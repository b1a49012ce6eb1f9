//! Archive (placeholder).
use super::error::ReportError;
use super::model::Report;
use super::outputs::RawSource;
pub fn write_archive(
    _r: &Report,
    _raw: &dyn RawSource,
    _d: &std::path::Path,
) -> Result<(), ReportError> {
    Ok(())
}
