//! Known-broken files: "what is broken that we did not already know about?"
//!
//! A known-broken file (TOML, `conf/known-broken/*.toml`, documented in
//! `conf/known-broken/example.toml` and docs/known-broken.md) lists
//! `[[broken]]` entries: a script glob, optionally a test point, an
//! environment scope (driver, URI, libvirt and hypervisor version ranges,
//! OS, arch), a reason, an optional expiry date and a `flaky` flag. The
//! ideas come from deqp-runner's baselines (an unexpected pass fails, so
//! stale entries get cleaned up), kola's scoped, expiring denylist and
//! SQUAD's intermittent known issues; none of them works per TAP test
//! point, this does.
//!
//! - [`file`]: parsing (pure, from text) and loading files and
//!   directories (the only I/O), with errors that name file and line;
//! - [`version`]: the version-range grammar;
//! - [`mask`]: which entries apply to a report, and masking its results
//!   (recording the entry on the script or test point as a
//!   [`Mask`](crate::report::model::Mask));
//! - [`problems`]: the masked view of several reports (`tck problems`);
//! - [`suggest`]: entries for the current failures (`tck known-broken
//!   suggest`).
//!
//! **Semantics.** An entry without `test` is about the whole script: a
//! script that fails, errors, times out, crashes or bails out is masked,
//! and so are its failing points. An entry with `test` is about matching
//! test points (at any subtest depth when `test` is a description glob,
//! top-level when it is a number): a failing point is masked. A script
//! whose only trouble is failing points, all masked, is masked too (its
//! mask names those entries). A matching result that passes is an
//! unexpected pass ("known broken but passed: remove this entry") unless
//! the entry is `flaky`, where a pass is fine. An entry past its `expires`
//! date masks nothing and is listed as expired.

pub mod file;
pub mod mask;
pub mod problems;
pub mod render;
pub mod suggest;
pub mod version;

pub use file::{load, parse, today};
pub use mask::{mask_report, Hit, HitKind, MaskOutcome, Scoped};
pub use problems::{problems, Problems};
pub use version::{Version, VersionRange};

use crate::compare::environment::{libvirt_version, os_of};
use crate::report::model::Environment;
use std::fmt;

/// A glob as written, and its compiled matcher. `*` matches any run of
/// characters (including `/`), `?` one character, `[abc]` a class;
/// `\` escapes.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    matcher: globset::GlobMatcher,
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, String> {
        let glob = globset::GlobBuilder::new(text)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("bad glob {text:?}: {}", e.kind()))?;
        Ok(Pattern {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    pub fn matches(&self, s: &str) -> bool {
        self.matcher.is_match(s)
    }

    /// Has glob syntax (else it matches exactly its text).
    pub fn is_glob(&self) -> bool {
        self.text.contains(['*', '?', '[', '{', '\\'])
    }
}

/// Which test points of a script an entry is about.
#[derive(Debug, Clone)]
pub enum TestSel {
    /// A top-level test point number.
    Number(u64),
    /// A glob over descriptions (or explicit identities), any depth.
    Description(Pattern),
}

impl fmt::Display for TestSel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestSel::Number(n) => write!(f, "#{n}"),
            TestSel::Description(p) => write!(f, "{:?}", p.text),
        }
    }
}

/// A calendar date (`expires`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// `YYYY-MM-DD`, with a real month and day.
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        date.valid().then_some(date)
    }

    fn valid(&self) -> bool {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days).contains(&self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One `[[broken]]` entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `file:line` of its `[[broken]]` header: how masks and messages name it.
    pub location: String,
    pub script: Pattern,
    pub test: Option<TestSel>,
    /// libvirt's driver type (`virConnectGetType`), matched ignoring case.
    pub driver: Option<String>,
    pub uri: Option<Pattern>,
    pub libvirt: Option<VersionRange>,
    pub hypervisor: Option<VersionRange>,
    /// Over `ID-VERSION_ID` of os-release, e.g. `debian-12`.
    pub os: Option<Pattern>,
    pub arch: Option<Pattern>,
    pub reason: String,
    /// Masks up to and including this day; expired after it.
    pub expires: Option<Date>,
    /// A failure is masked, a pass is fine.
    pub flaky: bool,
}

impl Entry {
    /// Does the entry apply to a report of `env`? Every scope field given
    /// must match; a field the report does not record (an imported report
    /// without a driver, say) does not match.
    pub fn in_scope(&self, env: &Environment) -> bool {
        fn known(s: &str) -> Option<&str> {
            (!s.trim().is_empty()).then_some(s)
        }
        let version = |r: &Option<VersionRange>, v: &str| match r {
            None => true,
            Some(r) => Version::from_report(v).is_some_and(|v| r.contains(v)),
        };
        let glob = |p: &Option<Pattern>, v: &str| match p {
            None => true,
            Some(p) => known(v).is_some_and(|v| p.matches(v)),
        };
        let driver = match &self.driver {
            None => true,
            Some(d) => known(&env.driver).is_some_and(|x| x.eq_ignore_ascii_case(d)),
        };
        driver
            && glob(&self.uri, &env.uri)
            && version(&self.libvirt, libvirt_version(env))
            && version(&self.hypervisor, &env.hypervisor_version)
            && glob(&self.os, &os_of(env))
            && glob(&self.arch, &env.arch)
    }

    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| d < today)
    }

    /// The scope for people: `driver QEMU, libvirt <11.0` ("" for none).
    pub fn scope_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.driver {
            parts.push(format!("driver {d}"));
        }
        if let Some(u) = &self.uri {
            parts.push(format!("uri {}", u.text));
        }
        if let Some(r) = &self.libvirt {
            parts.push(format!("libvirt {}", r.text));
        }
        if let Some(r) = &self.hypervisor {
            parts.push(format!("hypervisor {}", r.text));
        }
        if let Some(o) = &self.os {
            parts.push(format!("os {}", o.text));
        }
        if let Some(a) = &self.arch {
            parts.push(format!("arch {}", a.text));
        }
        parts.join(", ")
    }

    /// `script` or `script` test `"description"` for people.
    pub fn subject(&self) -> String {
        match &self.test {
            None => self.script.text.clone(),
            Some(t) => format!("{} test {t}", self.script.text),
        }
    }
}

/// The entries of every file given, in order (files sorted by name within
/// a directory), with the warnings found while loading them.
#[derive(Debug, Clone, Default)]
pub struct KnownBroken {
    pub entries: Vec<Entry>,
    /// Entries whose scope can never match, duplicates, placeholder
    /// reasons: each names `file:line`.
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests;
