//! Errors of reading, writing and importing reports: each names the file and,
//! for malformed input, the line and column, and says what to do.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum ReportError {
    /// The file could not be read, created or renamed.
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// The file is not well-formed XML (or not UTF-8).
    Syntax {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    /// Well-formed, but not what was expected: another schema version, not
    /// a report, an element or value the schema does not allow.
    Invalid {
        path: PathBuf,
        /// 0 when the problem concerns the file as a whole.
        line: u64,
        column: u64,
        message: String,
    },
    /// A template failed to render (a bug in `share/html`).
    Render { what: String, message: String },
}

impl ReportError {
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }

    pub fn invalid(path: &Path, message: impl Into<String>) -> Self {
        ReportError::Invalid {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    /// The file this error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ReportError::Io { path, .. }
            | ReportError::Syntax { path, .. }
            | ReportError::Invalid { path, .. } => Some(path),
            ReportError::Render { .. } => None,
        }
    }
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Io {
                path,
                action,
                source,
            } => write!(f, "{}: cannot {action}: {source}", path.display()),
            ReportError::Syntax {
                path,
                line,
                column,
                message,
            } => write!(
                f,
                "{}:{line}:{column}: not well-formed XML: {message} (is the file truncated or damaged?)",
                path.display()
            ),
            ReportError::Invalid {
                path,
                line,
                column,
                message,
            } => {
                if *line == 0 {
                    write!(f, "{}: {message}", path.display())
                } else {
                    write!(f, "{}:{line}:{column}: {message}", path.display())
                }
            }
            ReportError::Render { what, message } => write!(f, "cannot render {what}: {message}"),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
