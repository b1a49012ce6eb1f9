//! What an external script says about itself in its first lines.
//!
//! Built-in scripts declare their metadata in Rust (`META`); an external
//! script (any executable file) can only say it in text. tck reads the
//! leading comment block after the `#!` line (comment lines start with `#`
//! or `//`, blank lines are allowed; the block ends at the first other line
//! or after 4 KiB):
//!
//! - the first comment line that is not a declaration is the script's
//!   **title** (`# Checks that a network can be started twice`);
//! - a comment line starting with `tck:` is a **declaration** of metadata:
//!
//! ```text
//! #!/bin/sh
//! # Starts and stops a transient network.
//! # tck: tags=network,slow priority=2 timeout=60 exclusive
//! ```
//!
//! Keys: `tags` (comma-separated; letters, digits, `_`, `.`, `-`),
//! `priority` (0 = smoke … 3 = exhaustive; default 1, as for built-in
//! scripts), `timeout` (seconds, overriding the configured one) and
//! `exclusive` (runs alone; `exclusive=false` is accepted too). Spaces
//! around `=` and after commas are allowed. Several declaration lines add
//! up. An unknown key or a bad value is an error naming the file and line,
//! because a typo in `tags=` would otherwise silently drop the script from
//! every filter that selects it. External scripts cannot declare
//! requirements: they check what they need themselves and skip
//! (`1..0 # SKIP reason`).

/// How much of the file is read.
const HEAD_BYTES: usize = 4096;

/// The title and metadata declared by an external script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub title: String,
    pub tags: Vec<String>,
    pub priority: Option<u8>,
    pub timeout: Option<u64>,
    pub exclusive: Option<bool>,
}

/// A bad declaration: 1-based line, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    pub line: usize,
    pub message: String,
}

/// Reads the header of the script at `path`. A file that cannot be read,
/// is not text, or has no `#!` line has an empty header: whether it can
/// run is the runner's business.
pub fn read(path: &std::path::Path) -> Result<Header, HeaderError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(HEAD_BYTES as u64).read_to_end(&mut head))
        .is_ok();
    if !read {
        return Ok(Header::default());
    }
    let text = match std::str::from_utf8(&head) {
        Ok(t) => t,
        // A multi-byte character cut at the end of the buffer is fine.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Ok(Header::default()),
    };
    // The last line may be cut by the buffer: ignore it.
    let text = if head.len() == HEAD_BYTES {
        text.rsplit_once('\n').map(|(t, _)| t).unwrap_or("")
    } else {
        text
    };
    parse(text)
}

/// Parses the header from the start of a script's text.
pub fn parse(text: &str) -> Result<Header, HeaderError> {
    let mut h = Header::default();
    if !text.starts_with("#!") {
        return Ok(h);
    }
    let mut title_seen = false;
    for (i, line) in text.lines().enumerate().skip(1) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let comment = if let Some(c) = t.strip_prefix("//") {
            c
        } else if let Some(c) = t.strip_prefix('#') {
            c
        } else {
            break;
        };
        let comment = comment.trim_start_matches(['#', '/', ' ', '\t']).trim();
        if let Some(decl) = comment.strip_prefix("tck:") {
            declaration(decl, &mut h).map_err(|message| HeaderError {
                line: i + 1,
                message,
            })?;
        } else if !title_seen {
            title_seen = true;
            h.title = comment.to_string();
        }
    }
    Ok(h)
}

/// One `tck:` line (without the `tck:`).
fn declaration(text: &str, h: &mut Header) -> Result<(), String> {
    for item in items(text) {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (item.as_str(), None),
        };
        match (key, value) {
            ("tags", Some(v)) => {
                for tag in v.split(',').filter(|t| !t.is_empty()) {
                    if !tag
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                    {
                        return Err(format!(
                            "tag {tag:?}: tags are letters, digits, '_', '.' and '-'"
                        ));
                    }
                    if !h.tags.iter().any(|t| t == tag) {
                        h.tags.push(tag.to_string());
                    }
                }
            }
            ("priority", Some(v)) => {
                h.priority = Some(v.parse().map_err(|_| {
                    format!("priority {v:?}: give a number from 0 (smoke) to 255, e.g. priority=2")
                })?);
            }
            ("timeout", Some(v)) => match v.parse::<u64>() {
                Ok(t) if t > 0 => h.timeout = Some(t),
                _ => {
                    return Err(format!(
                        "timeout {v:?}: give whole seconds (at least 1), e.g. timeout=60"
                    ))
                }
            },
            ("exclusive", None) | ("exclusive", Some("true")) => h.exclusive = Some(true),
            ("exclusive", Some("false")) => h.exclusive = Some(false),
            ("exclusive", Some(v)) => {
                return Err(format!(
                    "exclusive={v}: give `exclusive` or `exclusive=false`"
                ))
            }
            ("tags" | "priority" | "timeout", None) => {
                return Err(format!("`{key}` needs a value: {key}=…"))
            }
            _ => {
                return Err(format!(
                    "unknown item {item:?} in the `tck:` declaration; known: \
                     tags=a,b priority=N timeout=SECS exclusive"
                ))
            }
        }
    }
    Ok(())
}

/// Whitespace-separated items, with spaces around `=` and after commas
/// folded into their item (`tags = a, b` is one item, `tags=a,b`).
fn items(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut glue = false;
    for word in text.split_whitespace() {
        let joins = glue || word.starts_with('=') || word.starts_with(',');
        match out.last_mut() {
            Some(last) if joins => last.push_str(word),
            _ => out.push(word.to_string()),
        }
        glue = word.ends_with('=') || word.ends_with(',');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_declaration_in_either_order() {
        let h = parse(
            "#!/bin/sh\n\n# tck: tags=slow,network priority=2\n# Starts a network.\n# more text\necho 1..1\n# tck: tags=ignored-after-code\n",
        )
        .unwrap();
        assert_eq!(h.title, "Starts a network.");
        assert_eq!(h.tags, ["slow", "network"]);
        assert_eq!(h.priority, Some(2));
        assert_eq!(h.timeout, None);
        assert_eq!(h.exclusive, None);
    }

    #[test]
    fn spaces_around_equals_and_commas_and_several_lines_add_up() {
        let h = parse("#!/usr/bin/env python3\n## tck: tags = a, b  timeout= 30\n// tck: exclusive tags=b,c\n")
            .unwrap();
        assert_eq!(h.tags, ["a", "b", "c"]);
        assert_eq!(h.timeout, Some(30));
        assert_eq!(h.exclusive, Some(true));
        assert_eq!(h.title, "");
    }

    #[test]
    fn no_shebang_no_header() {
        assert_eq!(parse("# tck: tags=x\n").unwrap(), Header::default());
    }

    #[test]
    fn bad_declarations_name_the_line() {
        for (text, line, needle) in [
            (
                "#!/bin/sh\n# tck: tag=slow\n",
                2,
                "unknown item \"tag=slow\"",
            ),
            (
                "#!/bin/sh\n#\n# tck: priority=high\n",
                3,
                "priority \"high\"",
            ),
            ("#!/bin/sh\n# tck: priority=256\n", 2, "priority \"256\""),
            ("#!/bin/sh\n# tck: timeout=0\n", 2, "timeout \"0\""),
            ("#!/bin/sh\n# tck: tags=a(b)\n", 2, "tag \"a(b)\""),
            ("#!/bin/sh\n# tck: tags\n", 2, "`tags` needs a value"),
            ("#!/bin/sh\n# tck: exclusive=yes\n", 2, "exclusive=yes"),
        ] {
            let e = parse(text).expect_err(text);
            assert_eq!(e.line, line, "{text}");
            assert!(e.message.contains(needle), "{text}: {}", e.message);
        }
    }

    #[test]
    fn read_ignores_binary_files_and_cut_lines() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::write(&bin, b"\x7fELF\xff\xfe").unwrap();
        assert_eq!(read(&bin).unwrap(), Header::default());
        let long = dir.path().join("long");
        let mut text = String::from("#!/bin/sh\n# Title\n");
        while text.len() < HEAD_BYTES - 10 {
            text.push_str("# padding line\n");
        }
        text.push_str("# tck: tags=cut-in-the-middle-of-this-line\n");
        std::fs::write(&long, &text).unwrap();
        let h = read(&long).unwrap();
        assert_eq!(h.title, "Title");
        assert!(h.tags.is_empty(), "{:?}", h.tags);
    }
}
