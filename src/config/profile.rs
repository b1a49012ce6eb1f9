//! Profiles: named sets of defaults for `tck run` (`--profile NAME`).
//!
//! A profile is a `[profile.NAME]` table of the configuration file. What a
//! run uses comes from three layers, highest first:
//!
//! 1. the command line (`-j`, `--timeout`, `--retries`, `--junit`, …);
//! 2. the profile named by `--profile`;
//! 3. the top-level keys of the configuration file (`jobs`, `timeout`,
//!    `retries`, `flaky_fails`), then the built-in defaults.
//!
//! Each key is resolved on its own: `--junit out.xml` replaces the
//! profile's `junit` and keeps its `xml`. [`resolve`] is that rule, pure so
//! that it is unit-tested.
//!
//! tck ships two profiles, `ci` and `dev` ([`builtin`]); a file's
//! `[profile.ci]` replaces the built-in one as a whole.
//!
//! Output paths in a profile may contain `{uri}` (the URI made safe for a
//! file name: `qemu:///system` → `qemu_system`), `{time}` (the start of the
//! run, UTC, `20250102T030405Z`) and `{profile}`, so that successive runs
//! do not overwrite each other.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::report::console::Verbosity;
use crate::report::OutputArgs;
use crate::select::Order;

/// One profile: every key is optional (unset: the next layer decides).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub jobs: Option<u32>,
    pub timeout: Option<u64>,
    pub retries: Option<u32>,
    pub flaky_fails: Option<bool>,
    /// A filter expression (`--filter`).
    pub filter: Option<String>,
    pub order: Option<Order>,
    pub repeat: Option<u32>,
    pub verbosity: Option<Verbosity>,
    pub timer: Option<bool>,
    pub keep_going: Option<bool>,
    /// Output path templates (see the module doc for placeholders).
    pub xml: Option<String>,
    pub json: Option<String>,
    pub junit: Option<String>,
    pub html: Option<String>,
    pub archive: Option<String>,
}

impl Profile {
    /// This profile's values where set, else `lower`'s.
    pub fn or(&self, lower: &Profile) -> Profile {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            a.clone().or_else(|| b.clone())
        }
        Profile {
            jobs: pick(&self.jobs, &lower.jobs),
            timeout: pick(&self.timeout, &lower.timeout),
            retries: pick(&self.retries, &lower.retries),
            flaky_fails: pick(&self.flaky_fails, &lower.flaky_fails),
            filter: pick(&self.filter, &lower.filter),
            order: pick(&self.order, &lower.order),
            repeat: pick(&self.repeat, &lower.repeat),
            verbosity: pick(&self.verbosity, &lower.verbosity),
            timer: pick(&self.timer, &lower.timer),
            keep_going: pick(&self.keep_going, &lower.keep_going),
            xml: pick(&self.xml, &lower.xml),
            json: pick(&self.json, &lower.json),
            junit: pick(&self.junit, &lower.junit),
            html: pick(&self.html, &lower.html),
            archive: pick(&self.archive, &lower.archive),
        }
    }
}

/// The profiles tck ships (documented, commented out, in conf/default.toml).
pub fn builtin() -> BTreeMap<String, Profile> {
    let mut m = BTreeMap::new();
    m.insert(
        "ci".to_string(),
        Profile {
            verbosity: Some(Verbosity::Quiet),
            retries: Some(1),
            xml: Some("tck-report.xml".into()),
            junit: Some("tck-junit.xml".into()),
            ..Profile::default()
        },
    );
    m.insert(
        "dev".to_string(),
        Profile {
            verbosity: Some(Verbosity::Verbose),
            timer: Some(true),
            order: Some(Order::FailedFirst),
            archive: Some("tck-archive/{uri}-{time}".into()),
            ..Profile::default()
        },
    );
    m
}

/// The settings of one run, every layer applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// `None`: one per CPU.
    pub jobs: Option<u32>,
    pub timeout: u64,
    pub retries: u32,
    pub flaky_fails: bool,
    pub filter: Option<String>,
    pub order: Order,
    pub repeat: u32,
    pub verbosity: Verbosity,
    pub timer: bool,
    pub keep_going: bool,
    /// Output paths: the command line's as given, the profile's expanded.
    pub outputs: OutputArgs,
    /// Which outputs came from the profile (their directories are created).
    pub outputs_from_profile: Vec<PathBuf>,
}

/// Values for the placeholders of output paths.
#[derive(Debug, Clone)]
pub struct Placeholders {
    pub uri: String,
    pub time: String,
    pub profile: String,
}

/// Applies the layers: `cli` over `profile` over `base` (the
/// configuration's top level, [`super::Config::base_profile`]), then
/// built-in defaults. Output templates of the profile are expanded with
/// `vars`; the command line's output paths are taken as they are.
pub fn resolve(
    cli: &Profile,
    cli_outputs: &OutputArgs,
    profile: Option<&Profile>,
    base: &Profile,
    vars: &Placeholders,
) -> Result<Effective, String> {
    let none = Profile::default();
    let p = profile.unwrap_or(&none);
    let all = cli.or(p).or(base);
    let mut from_profile = Vec::new();
    let mut output = |given: &Option<PathBuf>,
                      template: &Option<String>,
                      key: &str|
     -> Result<Option<PathBuf>, String> {
        if given.is_some() {
            return Ok(given.clone());
        }
        match template {
            None => Ok(None),
            Some(t) => {
                let path = PathBuf::from(expand(t, vars).map_err(|e| format!("`{key}`: {e}"))?);
                from_profile.push(path.clone());
                Ok(Some(path))
            }
        }
    };
    let outputs = OutputArgs {
        xml: output(&cli_outputs.xml, &p.xml, "xml")?,
        json: output(&cli_outputs.json, &p.json, "json")?,
        junit: output(&cli_outputs.junit, &p.junit, "junit")?,
        html: output(&cli_outputs.html, &p.html, "html")?,
        archive: output(&cli_outputs.archive, &p.archive, "archive")?,
    };
    Ok(Effective {
        jobs: all.jobs,
        timeout: all.timeout.unwrap_or(super::DEFAULT_TIMEOUT),
        retries: all.retries.unwrap_or(0),
        flaky_fails: all.flaky_fails.unwrap_or(false),
        filter: all.filter,
        order: all.order.unwrap_or_default(),
        repeat: all.repeat.unwrap_or(1),
        verbosity: all.verbosity.unwrap_or(Verbosity::Normal),
        timer: all.timer.unwrap_or(false),
        keep_going: all.keep_going.unwrap_or(false),
        outputs,
        outputs_from_profile: from_profile,
    })
}

/// Placeholders an output template may use.
pub const PLACEHOLDERS: [&str; 3] = ["uri", "time", "profile"];

/// Replaces `{uri}`, `{time}` and `{profile}` in `template`.
pub fn expand(template: &str, vars: &Placeholders) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("{template:?}: `{{` without `}}`"));
        };
        let value = match &after[..close] {
            "uri" => &vars.uri,
            "time" => &vars.time,
            "profile" => &vars.profile,
            other => {
                return Err(format!(
                    "{template:?}: unknown placeholder {{{other}}}; use {{uri}}, {{time}} or {{profile}}"
                ))
            }
        };
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A URI made safe for a file name: `qemu:///system` → `qemu_system`,
/// `qemu+ssh://host/system?x=1` → `qemu+ssh_host_system_x=1`.
pub fn uri_slug(uri: &str) -> String {
    let mut s = String::with_capacity(uri.len());
    for c in uri.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '=') {
            s.push(c);
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "uri".into()
    } else {
        s
    }
}

/// `2025-01-02T03:04:05Z` → `20250102T030405Z`: a time stamp for file names.
pub fn time_slug(rfc3339: &str) -> String {
    rfc3339.chars().filter(|c| *c != '-' && *c != ':').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Placeholders {
        Placeholders {
            uri: "qemu_system".into(),
            time: "20250102T030405Z".into(),
            profile: "ci".into(),
        }
    }

    #[test]
    fn the_command_line_wins_over_the_profile_which_wins_over_the_file() {
        let base = Profile {
            jobs: Some(4),
            timeout: Some(100),
            retries: Some(2),
            flaky_fails: Some(false),
            ..Profile::default()
        };
        let profile = Profile {
            jobs: Some(2),
            retries: Some(1),
            verbosity: Some(Verbosity::Quiet),
            filter: Some("tag(slow)".into()),
            xml: Some("r-{profile}.xml".into()),
            junit: Some("j.xml".into()),
            ..Profile::default()
        };
        let cli = Profile {
            jobs: Some(8),
            ..Profile::default()
        };
        let cli_outputs = OutputArgs {
            junit: Some("mine.xml".into()),
            ..OutputArgs::default()
        };
        let e = resolve(&cli, &cli_outputs, Some(&profile), &base, &vars()).unwrap();
        assert_eq!(e.jobs, Some(8), "command line");
        assert_eq!(e.retries, 1, "profile over file");
        assert_eq!(e.timeout, 100, "file when the profile says nothing");
        assert!(!e.flaky_fails);
        assert_eq!(e.verbosity, Verbosity::Quiet);
        assert_eq!(e.filter.as_deref(), Some("tag(slow)"));
        assert_eq!(e.order, Order::Path, "built-in default");
        assert_eq!(e.repeat, 1);
        assert_eq!(e.outputs.junit, Some(PathBuf::from("mine.xml")), "per key");
        assert_eq!(
            e.outputs.xml,
            Some(PathBuf::from("r-ci.xml")),
            "kept, expanded"
        );
        assert_eq!(e.outputs.json, None);
        assert_eq!(e.outputs_from_profile, [PathBuf::from("r-ci.xml")]);

        // Without a profile: command line over file over built-in defaults.
        let e = resolve(
            &Profile::default(),
            &OutputArgs::default(),
            None,
            &base,
            &vars(),
        )
        .unwrap();
        assert_eq!((e.jobs, e.retries, e.timeout), (Some(4), 2, 100));
        assert_eq!(e.verbosity, Verbosity::Normal);
        assert!(e.outputs.is_empty());
        let e = resolve(
            &Profile::default(),
            &OutputArgs::default(),
            None,
            &Profile::default(),
            &vars(),
        )
        .unwrap();
        assert_eq!(
            (e.jobs, e.retries, e.timeout),
            (None, 0, super::super::DEFAULT_TIMEOUT)
        );
    }

    #[test]
    fn templates_expand_known_placeholders_only() {
        assert_eq!(
            expand("out/{uri}/{time}-{profile}.xml", &vars()).unwrap(),
            "out/qemu_system/20250102T030405Z-ci.xml"
        );
        assert_eq!(expand("plain.xml", &vars()).unwrap(), "plain.xml");
        assert!(expand("{host}.xml", &vars())
            .unwrap_err()
            .contains("unknown placeholder {host}"));
        assert!(expand("{uri.xml", &vars()).unwrap_err().contains("without"));
        let bad = Profile {
            xml: Some("{nope}".into()),
            ..Profile::default()
        };
        let e = resolve(
            &Profile::default(),
            &OutputArgs::default(),
            Some(&bad),
            &Profile::default(),
            &vars(),
        )
        .unwrap_err();
        assert!(e.starts_with("`xml`: "), "{e}");
    }

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(uri_slug("qemu:///system"), "qemu_system");
        assert_eq!(uri_slug("test:///default"), "test_default");
        assert_eq!(
            uri_slug("qemu+ssh://root@h/system?no_tty=1"),
            "qemu+ssh_root_h_system_no_tty=1"
        );
        assert_eq!(uri_slug("///"), "uri");
        assert_eq!(time_slug("2025-01-02T03:04:05Z"), "20250102T030405Z");
    }

    #[test]
    fn builtin_profiles_are_ci_and_dev() {
        let b = builtin();
        assert_eq!(b.keys().collect::<Vec<_>>(), ["ci", "dev"]);
        assert_eq!(b["ci"].verbosity, Some(Verbosity::Quiet));
        assert!(b["ci"].junit.is_some() && b["ci"].xml.is_some());
        assert_eq!(b["dev"].verbosity, Some(Verbosity::Verbose));
        assert!(b["dev"].archive.is_some());
    }
}
