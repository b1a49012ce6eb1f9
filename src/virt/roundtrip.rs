//! Comparing two XML documents libvirt wrote, for the round-trip scripts
//! (define → dump → redefine → dump must give the same document).
//!
//! libvirt formats its own documents deterministically, so "the same
//! config" is the same text; when it is not, what a person needs is where
//! the two part: the first differing line with its number, and the lines
//! only one of them has. [`Tap::same_text`] is the assertion.

use crate::tap::producer::Tap;
use crate::yaml::Yaml;

/// Where two texts first differ, line by line: `None` when equal.
pub fn first_difference(got: &str, expected: &str) -> Option<String> {
    if got == expected {
        return None;
    }
    let (g, e): (Vec<&str>, Vec<&str>) = (got.lines().collect(), expected.lines().collect());
    for i in 0..g.len().max(e.len()) {
        match (g.get(i), e.get(i)) {
            (Some(a), Some(b)) if a == b => continue,
            (a, b) => {
                return Some(format!(
                    "line {}: got {}, expected {}",
                    i + 1,
                    a.map_or("(end of document)".to_string(), |l| format!(
                        "{:?}",
                        l.trim()
                    )),
                    b.map_or("(end of document)".to_string(), |l| format!(
                        "{:?}",
                        l.trim()
                    )),
                ))
            }
        }
    }
    // Same lines, different line endings or a trailing newline.
    Some("the texts differ only in line endings or a trailing newline".to_string())
}

impl Tap {
    /// Passes when `got` is exactly `expected`; a failure's diagnostics say
    /// where they first differ and carry both documents.
    #[track_caller]
    pub fn same_text(&mut self, got: &str, expected: &str, desc: &str) -> bool {
        match first_difference(got, expected) {
            None => self.point(true, desc, None),
            Some(at) => {
                let diag = Yaml::map([
                    ("difference", Yaml::Str(at)),
                    ("got", Yaml::Str(got.to_string())),
                    ("expected", Yaml::Str(expected.to_string())),
                ]);
                self.point(false, desc, Some(diag))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_the_first_line() {
        assert_eq!(
            first_difference("<a>\n  <b/>\n</a>", "<a>\n  <b/>\n</a>"),
            None
        );
        assert_eq!(
            first_difference("<a>\n  <b/>\n</a>", "<a>\n  <c/>\n</a>").as_deref(),
            Some("line 2: got \"<b/>\", expected \"<c/>\"")
        );
        assert_eq!(
            first_difference("<a>\n</a>", "<a>\n</a>\n<x/>").as_deref(),
            Some("line 3: got (end of document), expected \"<x/>\"")
        );
        assert!(first_difference("<a/>\n", "<a/>").is_some());
    }

    #[test]
    fn same_text_reports_where() {
        let buf = crate::tap::producer::Captured::default();
        let mut t = crate::tap::producer::Tap::new(buf.clone());
        t.plan(2);
        assert!(t.same_text("<a/>", "<a/>", "equal"));
        assert!(!t.same_text("<a>\n<b/>\n</a>", "<a>\n<c/>\n</a>", "differ"));
        let code = t.finish(Ok(()));
        let out = buf.text();
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("ok 1 - equal\n"), "{out}");
        assert!(out.contains("not ok 2 - differ\n"), "{out}");
        assert!(out.contains("line 2: got"), "{out}");
    }
}
