//! Configuration errors, located for people: file, line, key.

/// A configuration problem. Displayed as `FILE:LINE: key `KEY`: MESSAGE`
/// (the parts that are known), e.g.
/// `/etc/tck/default.toml:4: key `jobs`: invalid type: string "two", expected u32`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or "built-in defaults", "--uri"), when the error is about one.
    pub origin: Option<String>,
    /// 1-based line in the file.
    pub line: Option<usize>,
    /// The key, dotted for nested ones (`block_devices[1].size`).
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    /// An error about no particular file or key.
    pub fn plain(message: String) -> Self {
        ConfigError {
            origin: None,
            line: None,
            key: None,
            message,
        }
    }

    pub(crate) fn at(origin: &str, line: Option<usize>, key: &str, message: String) -> Self {
        ConfigError {
            origin: Some(origin.to_string()),
            line,
            key: (!key.is_empty()).then(|| key.to_string()),
            message,
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(origin) = &self.origin {
            f.write_str(origin)?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// 1-based line number of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
