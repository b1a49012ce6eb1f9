//! Reading known-broken files. [`parse`] checks one file's text (pure);
//! [`load`] reads files and directories (every `*.toml` in a directory,
//! sorted by name) — the only I/O of the module. Errors name the file, the
//! line and the key (`qemu.toml:12: key `libvirt`: …`) and stop loading;
//! warnings (an entry that can never match, a duplicate, a placeholder
//! reason) are collected and printed by the commands.

use super::version::VersionRange;
use super::{Date, Entry, KnownBroken, Pattern, TestSel};
use crate::config::{line_of, toml_error, ConfigError};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The reason `tck known-broken suggest` writes, to be replaced by a
/// person; entries that still have it are warned about.
pub const PLACEHOLDER_REASON: &str = "TODO: say why (a bug URL, or what is broken)";

/// Driver types libvirt reports (`virConnectGetType`), for the "can never
/// match" warning; matching itself ignores case.
pub const KNOWN_DRIVERS: &[&str] = &[
    "QEMU", "TEST", "LXC", "Xen", "VBOX", "ESX", "HYPERV", "BHYVE", "OPENVZ", "VMWARE", "vz", "CH",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    broken: Vec<Spanned<RawEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    script: Option<Spanned<String>>,
    test: Option<Spanned<toml::Value>>,
    driver: Option<Spanned<String>>,
    uri: Option<Spanned<String>>,
    libvirt: Option<Spanned<String>>,
    hypervisor: Option<Spanned<String>>,
    os: Option<Spanned<String>>,
    arch: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<toml::Value>>,
    flaky: Option<bool>,
}

/// Parses one known-broken file's text; `origin` names it in messages and
/// in each entry's location.
pub fn parse(text: &str, origin: &str) -> Result<KnownBroken, ConfigError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
    let mut out = KnownBroken::default();
    let lines: Vec<&str> = text.lines().collect();
    for spanned in raw.broken {
        let header = header_line(&lines, line_of(text, spanned.span().start));
        let e = spanned.into_inner();
        let at = |start: usize, key: &str, msg: String| {
            ConfigError::at(origin, Some(line_of(text, start)), key, msg)
        };
        let location = format!("{origin}:{header}");
        let glob = |v: &Spanned<String>, key: &str| -> Result<Pattern, ConfigError> {
            if v.get_ref().trim().is_empty() {
                return Err(at(v.span().start, key, "is empty".into()));
            }
            Pattern::new(v.get_ref()).map_err(|m| at(v.span().start, key, m))
        };
        let Some(script) = &e.script else {
            return Err(ConfigError::at(
                origin,
                Some(header),
                "script",
                "missing: every [[broken]] entry names the script it is about (a glob over script ids, e.g. \"domain/102-*\")".into(),
            ));
        };
        let script_pat = glob(script, "script")?;
        let Some(reason) = &e.reason else {
            return Err(ConfigError::at(
                origin,
                Some(header),
                "reason",
                "missing: say why it is known broken (a bug URL, or what is broken)".into(),
            ));
        };
        if reason.get_ref().trim().is_empty() {
            return Err(at(
                reason.span().start,
                "reason",
                "is empty: say why it is known broken (a bug URL, or what is broken)".into(),
            ));
        }
        let test = match &e.test {
            None => None,
            Some(t) => Some(match t.get_ref() {
                toml::Value::Integer(n) if *n >= 1 => TestSel::Number(*n as u64),
                toml::Value::Integer(n) => {
                    return Err(at(
                        t.span().start,
                        "test",
                        format!("{n} is not a test point number (they start at 1)"),
                    ))
                }
                toml::Value::String(s) if s.trim().is_empty() => {
                    return Err(at(t.span().start, "test", "is empty".into()))
                }
                toml::Value::String(s) => TestSel::Description(
                    Pattern::new(s).map_err(|m| at(t.span().start, "test", m))?,
                ),
                other => {
                    return Err(at(
                        t.span().start,
                        "test",
                        format!(
                        "a {} is not a test point: give a description glob (string) or a number",
                        other.type_str()
                    ),
                    ))
                }
            }),
        };
        let range =
            |v: &Option<Spanned<String>>, key: &str| -> Result<Option<VersionRange>, ConfigError> {
                match v {
                    None => Ok(None),
                    Some(v) => VersionRange::parse(v.get_ref())
                        .map(Some)
                        .map_err(|m| at(v.span().start, key, format!("bad version range: {m}"))),
                }
            };
        let opt_glob =
            |v: &Option<Spanned<String>>, key: &str| -> Result<Option<Pattern>, ConfigError> {
                v.as_ref().map(|v| glob(v, key)).transpose()
            };
        let expires = match &e.expires {
            None => None,
            Some(v) => {
                let text_date = match v.get_ref() {
                    toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
                        d.to_string()
                    }
                    toml::Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                Some(Date::parse(&text_date).ok_or_else(|| {
                    at(
                        v.span().start,
                        "expires",
                        "is not a date: write YYYY-MM-DD, e.g. expires = 2026-06-30".into(),
                    )
                })?)
            }
        };
        let driver = match &e.driver {
            Some(d) if d.get_ref().trim().is_empty() => {
                return Err(at(d.span().start, "driver", "is empty".into()))
            }
            Some(d) => Some(d.get_ref().trim().to_string()),
            None => None,
        };
        let entry = Entry {
            location,
            script: script_pat,
            test,
            driver,
            uri: opt_glob(&e.uri, "uri")?,
            libvirt: range(&e.libvirt, "libvirt")?,
            hypervisor: range(&e.hypervisor, "hypervisor")?,
            os: opt_glob(&e.os, "os")?,
            arch: opt_glob(&e.arch, "arch")?,
            reason: reason.get_ref().trim().to_string(),
            expires,
            flaky: e.flaky.unwrap_or(false),
        };
        out.warnings.extend(never_matches(&entry));
        if entry.reason == PLACEHOLDER_REASON {
            out.warnings.push(format!(
                "{}: the reason is still the placeholder written by `tck known-broken suggest`: say why it is broken",
                entry.location
            ));
        }
        out.entries.push(entry);
    }
    Ok(out)
}

/// The line of the `[[broken]]` header of an entry whose table starts on
/// `line` (toml's span may start at the header or at its first key): the
/// nearest header at or before it.
fn header_line(lines: &[&str], line: usize) -> usize {
    let mut l = line;
    while l >= 1 {
        if let Some(t) = lines.get(l - 1) {
            if t.trim_start().starts_with("[[") {
                return l;
            }
        }
        l -= 1;
    }
    line
}

/// Why an entry's scope can never match a report (a warning each).
fn never_matches(e: &Entry) -> Vec<String> {
    let mut w = Vec::new();
    for (key, r) in [("libvirt", &e.libvirt), ("hypervisor", &e.hypervisor)] {
        if let Some(r) = r {
            if r.is_empty() {
                w.push(format!(
                    "{}: {key} = {:?} contains no version: this entry can never match",
                    e.location, r.text
                ));
            }
        }
    }
    if let Some(d) = &e.driver {
        if !KNOWN_DRIVERS.iter().any(|k| k.eq_ignore_ascii_case(d)) {
            w.push(format!(
                "{}: driver = {d:?} is not a libvirt driver type ({}): this entry can never match",
                e.location,
                KNOWN_DRIVERS.join(", ")
            ));
        }
    }
    if let Some(o) = &e.os {
        if !o.is_glob() && !o.text.contains('-') {
            w.push(format!(
                "{}: os = {:?} can never match: reports record ID-VERSION_ID of os-release, e.g. \"{}-12\" (or use a glob, \"{}-*\")",
                e.location, o.text, o.text, o.text
            ));
        }
    }
    w
}

/// Loads every file given; a directory means every `*.toml` in it (sorted
/// by name, not recursive). Also warns about duplicate entries across
/// files.
pub fn load(paths: &[PathBuf]) -> Result<KnownBroken, ConfigError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| {
                ConfigError::plain(format!("{}: cannot read the directory: {e}", p.display()))
            })?;
            let mut found: Vec<PathBuf> = rd
                .filter_map(|d| d.ok().map(|d| d.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml") && f.is_file())
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    let mut all = KnownBroken::default();
    for f in files {
        let part = load_file(&f)?;
        all.entries.extend(part.entries);
        all.warnings.extend(part.warnings);
    }
    all.warnings.extend(duplicates(&all.entries));
    Ok(all)
}

fn load_file(path: &Path) -> Result<KnownBroken, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::plain(format!("{origin}: cannot read: {e}")))?;
    parse(&text, &origin)
}

/// Entries with the same subject and scope as an earlier one.
fn duplicates(entries: &[Entry]) -> Vec<String> {
    let mut first: std::collections::HashMap<(String, String), &str> =
        std::collections::HashMap::new();
    let mut w = Vec::new();
    for e in entries {
        match first.entry((e.subject(), e.scope_text())) {
            std::collections::hash_map::Entry::Occupied(f) => w.push(format!(
                "{}: the same script, test and scope as {}: only the first one masks anything",
                e.location,
                f.get()
            )),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(&e.location);
            }
        }
    }
    w
}

/// Today's date (UTC), for expiry.
pub fn today() -> Date {
    let now = crate::harness::clock::rfc3339(std::time::SystemTime::now());
    // rfc3339 always starts with YYYY-MM-DD; a clock before 1970 gives the
    // epoch's date.
    now.get(..10).and_then(Date::parse).unwrap_or(Date {
        year: 1970,
        month: 1,
        day: 1,
    })
}
