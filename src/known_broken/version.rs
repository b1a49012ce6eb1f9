//! Version ranges of known-broken entries: `">=9.0, <11.2"`.
//!
//! Grammar: one or more clauses separated by commas, all of which must
//! hold; a clause is an optional operator (`>=`, `>`, `<=`, `<`, `=`,
//! `==`; none means `=`) and a version of one to three numbers
//! (`11`, `11.2`, `11.2.0`). A partial version stands for every release
//! it starts (`11.2` is 11.2.0, 11.2.1, …), as in Cargo:
//!
//! | clause   | means              |
//! |----------|--------------------|
//! | `>=11.2` | ≥ 11.2.0           |
//! | `>11.2`  | ≥ 11.3.0           |
//! | `<11.2`  | < 11.2.0           |
//! | `<=11.2` | < 11.3.0           |
//! | `=11.2`  | ≥ 11.2.0, < 11.3.0 |
//! | `11`     | ≥ 11.0.0, < 12.0.0 |
//!
//! So every range is one half-open interval `[low, high)`, which makes an
//! impossible range (`>=11, <9`) easy to see and warn about. There is no
//! "or": write two entries.

use std::fmt;

/// A release version: major, minor, micro (missing parts are 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub [u64; 3]);

impl Version {
    /// Reads a version as reports record it ("11.3.0", "10.0", "9.0.0-4"):
    /// the leading dot-separated numbers, at most three; `None` when there
    /// is no leading number at all.
    pub fn from_report(s: &str) -> Option<Version> {
        let mut parts = [0u64; 3];
        let mut n = 0;
        for piece in s.trim().split('.') {
            let digits: String = piece.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() || n == 3 {
                break;
            }
            parts[n] = digits.parse().ok()?;
            n += 1;
            if digits.len() != piece.len() {
                break;
            }
        }
        (n > 0).then_some(Version(parts))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0[0], self.0[1], self.0[2])
    }
}

/// A parsed range: `low <= v < high` (`high` `None` = unbounded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    /// As written in the file.
    pub text: String,
    pub low: Version,
    pub high: Option<Version>,
}

/// The versions a partial version stands for: `[first, next)`.
fn span(parts: &[u64]) -> (Version, Option<Version>) {
    let mut first = [0u64; 3];
    first[..parts.len()].copy_from_slice(parts);
    let mut next = first;
    let last = parts.len() - 1;
    // The version after every release `parts` starts; none past the top.
    let next = match next[last].checked_add(1) {
        Some(v) => {
            next[last] = v;
            Some(Version(next))
        }
        None => None,
    };
    (Version(first), next)
}

impl VersionRange {
    /// Parses `text` (see the module documentation); the error says what
    /// is wrong with which clause.
    pub fn parse(text: &str) -> Result<VersionRange, String> {
        let mut low = Version([0, 0, 0]);
        let mut high: Option<Version> = None;
        if text.trim().is_empty() {
            return Err("empty version range (write e.g. \">=9.0, <11.2\")".into());
        }
        for clause in text.split(',') {
            let c = clause.trim();
            let (op, rest) = [">=", "<=", "==", ">", "<", "="]
                .iter()
                .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim())))
                .unwrap_or(("=", c));
            let parts: Vec<&str> = rest.split('.').collect();
            if rest.is_empty()
                || parts.len() > 3
                || parts
                    .iter()
                    .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(format!(
                    "{clause:?} is not a version clause: write an operator (>=, >, <=, <, =) and a version of one to three numbers, e.g. \">=9.0\""
                ));
            }
            let nums: Vec<u64> = parts
                .iter()
                .map(|p| p.parse::<u64>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("{clause:?}: a version number is too large"))?;
            let (first, next) = span(&nums);
            let (lo, hi) = match op {
                ">=" => (Some(first), None),
                ">" => match next {
                    Some(n) => (Some(n), None),
                    // Nothing is above the largest version: empty.
                    None => (Some(first), Some(first)),
                },
                "<" => (None, Some(first)),
                "<=" => (None, next),
                _ => (Some(first), next),
            };
            if let Some(lo) = lo {
                low = low.max(lo);
            }
            if let Some(hi) = hi {
                high = Some(high.map_or(hi, |h| h.min(hi)));
            }
        }
        Ok(VersionRange {
            text: text.trim().to_string(),
            low,
            high,
        })
    }

    pub fn contains(&self, v: Version) -> bool {
        v >= self.low
            && match self.high {
                Some(h) => v < h,
                None => true,
            }
    }

    /// No version is in the range (e.g. `">=11, <9"`).
    pub fn is_empty(&self) -> bool {
        self.high.is_some_and(|h| h <= self.low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::from_report(s).unwrap()
    }

    #[test]
    fn clauses_and_partial_versions() {
        #[rustfmt::skip]
        let table: &[(&str, &[&str], &[&str])] = &[
            // range, versions inside, versions outside
            (">=9.0, <11.2", &["9.0.0", "9.0.1", "11.1.99", "10"], &["8.99.0", "11.2.0", "11.2.1", "12"]),
            ("<11.0", &["10.99.99", "0.0.1"], &["11.0.0", "11.0.5"]),
            ("<=11.2", &["11.2.0", "11.2.9"], &["11.3.0"]),
            (">11.2", &["11.3.0", "12.0.0"], &["11.2.0", "11.2.9"]),
            (">11.2.3", &["11.2.4"], &["11.2.3"]),
            ("=11.2", &["11.2.0", "11.2.7"], &["11.1.9", "11.3.0"]),
            ("==11.2.1", &["11.2.1"], &["11.2.0", "11.2.2"]),
            ("11", &["11.0.0", "11.9.9"], &["10.9.9", "12.0.0"]),
            (" >= 9 ,< 10 ", &["9.5.0"], &["10.0.0"]),
            (">=0", &["0.0.0", "99.0.0"], &[]),
        ];
        for (range, inside, outside) in table {
            let r = VersionRange::parse(range).unwrap_or_else(|e| panic!("{range}: {e}"));
            assert!(!r.is_empty(), "{range}");
            for x in *inside {
                assert!(r.contains(v(x)), "{range} should contain {x}");
            }
            for x in *outside {
                assert!(!r.contains(v(x)), "{range} should not contain {x}");
            }
        }
    }

    #[test]
    fn impossible_ranges_are_empty() {
        for range in [
            ">=11, <9",
            ">11.2, <=11.2",
            "=9, =10",
            "<0",
            ">=11.2, <11.2",
        ] {
            let r = VersionRange::parse(range).unwrap();
            assert!(r.is_empty(), "{range}: {r:?}");
        }
        assert!(!VersionRange::parse(">=11.2, <11.3").unwrap().is_empty());
    }

    #[test]
    fn bad_ranges_say_which_clause() {
        for (range, clause) in [
            ("", "empty version range"),
            ("9.0,", "\"\""),
            (">=nine", "\">=nine\""),
            ("~9.0", "\"~9.0\""),
            ("1.2.3.4", "\"1.2.3.4\""),
            (">=9..1", "\">=9..1\""),
            ("=> 9", "\"=> 9\""),
            ("<99999999999999999999999", "too large"),
        ] {
            let e = VersionRange::parse(range).unwrap_err();
            assert!(e.contains(clause), "{range}: {e}");
        }
    }

    #[test]
    fn versions_from_reports() {
        assert_eq!(v("11.3.0"), Version([11, 3, 0]));
        assert_eq!(v("10.0"), Version([10, 0, 0]));
        assert_eq!(v("9.0.0-4+deb12u1"), Version([9, 0, 0]));
        assert_eq!(v(" 7 "), Version([7, 0, 0]));
        assert_eq!(v("1.2.3.4"), Version([1, 2, 3]));
        assert_eq!(Version::from_report(""), None);
        assert_eq!(Version::from_report("unknown"), None);
    }
}
