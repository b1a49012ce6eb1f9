//! HTML (placeholder until the template lands).
use super::error::ReportError;
use super::model::Report;
pub fn render_html(_r: &Report) -> Result<String, ReportError> {
    Ok(String::new())
}
