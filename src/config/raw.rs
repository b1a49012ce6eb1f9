//! The file format: TOML deserialized with serde (`deny_unknown_fields`),
//! then checked value by value with the line of each value kept for messages.

use super::error::{line_of, ConfigError};
use super::profile::{self, Profile};
use super::{
    check_prefix, default_scratch_dir, BlockDevice, Config, ConfigSource, IscsiTarget, NfsExport,
    PciDevice, UsbDevice, DEFAULT_PREFIX, DEFAULT_TIMEOUT, DEFAULT_URI,
};
use crate::report::console::Verbosity;
use crate::select::{Filter, Order};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    uri: Option<Spanned<String>>,
    other_uri: Option<Spanned<String>>,
    prefix: Option<Spanned<String>>,
    autoclean: Option<bool>,
    disruptive: Option<bool>,
    jobs: Option<Spanned<u32>>,
    timeout: Option<Spanned<u64>>,
    scratch_dir: Option<Spanned<PathBuf>>,
    kernel: Option<Spanned<PathBuf>>,
    initrd: Option<Spanned<PathBuf>>,
    busybox: Option<Spanned<PathBuf>>,
    #[serde(default)]
    usb_devices: Vec<Spanned<RawUsb>>,
    #[serde(default)]
    pci_devices: Vec<Spanned<RawPci>>,
    #[serde(default)]
    block_devices: Vec<Spanned<RawBlock>>,
    #[serde(default)]
    network_devices: Vec<Spanned<String>>,
    #[serde(default)]
    nfs_exports: Vec<Spanned<RawNfs>>,
    #[serde(default)]
    iscsi_targets: Vec<Spanned<RawIscsi>>,
    free_space_dir: Option<Spanned<PathBuf>>,
    retries: Option<Spanned<u32>>,
    flaky_fails: Option<bool>,
    history_dir: Option<Spanned<PathBuf>>,
    history_keep: Option<u32>,
    history_days: Option<u32>,
    #[serde(default)]
    filters: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    profile: BTreeMap<String, Spanned<RawProfile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    jobs: Option<Spanned<u32>>,
    timeout: Option<Spanned<u64>>,
    retries: Option<Spanned<u32>>,
    flaky_fails: Option<bool>,
    filter: Option<Spanned<String>>,
    order: Option<Spanned<String>>,
    repeat: Option<Spanned<u32>>,
    verbosity: Option<Spanned<String>>,
    timer: Option<bool>,
    keep_going: Option<bool>,
    xml: Option<Spanned<String>>,
    json: Option<Spanned<String>>,
    junit: Option<Spanned<String>>,
    html: Option<Spanned<String>>,
    archive: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUsb {
    vendor: Option<HexId>,
    product: Option<HexId>,
    bus: Option<u16>,
    device: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPci {
    #[serde(default)]
    domain: u16,
    bus: u8,
    slot: u8,
    function: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    path: PathBuf,
    size: ByteSize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNfs {
    server: String,
    path: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIscsi {
    host: String,
    #[serde(default = "default_iscsi_port")]
    port: u16,
    iqn: String,
}

fn default_iscsi_port() -> u16 {
    3260
}

/// A 16-bit USB id: an integer (`0x046d`) or a hex string (`"046d"`, `"0x046d"`).
#[derive(Debug, Clone, Copy)]
struct HexId(u16);

impl<'de> Deserialize<'de> for HexId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HexId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a 16-bit id: an integer such as 0x046d or a hex string such as \"046d\"",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<HexId, E> {
                u16::try_from(v)
                    .map(HexId)
                    .map_err(|_| E::custom(format!("{v} does not fit in 16 bits")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<HexId, E> {
                u16::try_from(v)
                    .map(HexId)
                    .map_err(|_| E::custom(format!("{v} does not fit in 16 bits")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HexId, E> {
                let digits = v.trim_start_matches("0x").trim_start_matches("0X");
                u16::from_str_radix(digits, 16)
                    .map(HexId)
                    .map_err(|_| E::custom(format!("{v:?} is not a 16-bit hex id (like \"046d\")")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A size in bytes: an integer, or a string with a binary suffix
/// (`"512M"`, `"8G"`, `"1TiB"`).
#[derive(Debug, Clone, Copy)]
struct ByteSize(u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a size: bytes as an integer, or a string such as \"8G\" or \"512MiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("a size cannot be negative ({v})")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                parse_size(v).map(ByteSize).ok_or_else(|| {
                    E::custom(format!(
                        "{v:?} is not a size (use bytes, or a number with K, M, G or T, e.g. \"8G\")"
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `"8G"` → 8 GiB. Suffixes are binary (K = 1024); `B`, `iB` are accepted.
pub(crate) fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let unit = unit.trim();
    let unit = unit
        .strip_suffix("iB")
        .or_else(|| unit.strip_suffix('B'))
        .unwrap_or(unit);
    let shift = match unit {
        "" => 0,
        "K" | "k" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return None,
    };
    n.checked_mul(1u64 << shift)
}

/// Parse and check one configuration text.
pub(super) fn parse(text: &str, source: ConfigSource) -> Result<Config, ConfigError> {
    let origin = source.to_string();
    let raw: Raw = toml::from_str(text).map_err(|e| toml_error(&origin, text, &e))?;
    let line = |start: usize| Some(line_of(text, start));
    let mut lines: Vec<(String, usize)> = Vec::new();
    let err =
        |start: usize, key: &str, msg: String| ConfigError::at(&origin, line(start), key, msg);

    let uri = match raw.uri {
        Some(u) if u.get_ref().trim().is_empty() => {
            return Err(err(u.span().start, "uri", "the URI is empty".into()))
        }
        Some(u) => u.into_inner(),
        None => DEFAULT_URI.to_string(),
    };
    let other_uri = match raw.other_uri {
        Some(u) if u.get_ref().trim().is_empty() => {
            return Err(err(
                u.span().start,
                "other_uri",
                "the URI is empty (remove the key when there is no second host)".into(),
            ))
        }
        Some(u) => Some(u.into_inner()),
        None => None,
    };
    let prefix = match raw.prefix {
        Some(p) => {
            check_prefix(p.get_ref()).map_err(|m| err(p.span().start, "prefix", m))?;
            p.into_inner()
        }
        None => DEFAULT_PREFIX.to_string(),
    };
    let jobs = match raw.jobs {
        Some(j) if *j.get_ref() == 0 => {
            return Err(err(
                j.span().start,
                "jobs",
                "must be at least 1 (remove the key to use one job per CPU)".into(),
            ))
        }
        Some(j) => Some(j.into_inner()),
        None => None,
    };
    let timeout = match raw.timeout {
        Some(t) if *t.get_ref() == 0 => {
            return Err(err(
                t.span().start,
                "timeout",
                "must be at least 1 second".into(),
            ))
        }
        Some(t) => t.into_inner(),
        None => DEFAULT_TIMEOUT,
    };
    let abs = |p: Option<Spanned<PathBuf>>, key: &str| -> Result<Option<PathBuf>, ConfigError> {
        match p {
            None => Ok(None),
            Some(p) if p.get_ref().is_absolute() => Ok(Some(p.into_inner())),
            Some(p) => Err(err(
                p.span().start,
                key,
                format!("{} is not an absolute path", p.get_ref().display()),
            )),
        }
    };
    let scratch_dir = match abs(raw.scratch_dir, "scratch_dir")? {
        Some(d) => d,
        None => default_scratch_dir().ok_or_else(|| {
            ConfigError::at(
                &origin,
                None,
                "scratch_dir",
                "no default scratch directory: neither $XDG_CACHE_HOME nor $HOME is set; set `scratch_dir`".into(),
            )
        })?,
    };
    let kernel = abs(raw.kernel, "kernel")?;
    let initrd = abs(raw.initrd, "initrd")?;
    let busybox = abs(raw.busybox, "busybox")?;
    let free_space_dir = abs(raw.free_space_dir, "free_space_dir")?;

    let mut usb_devices = Vec::new();
    for (i, u) in raw.usb_devices.into_iter().enumerate() {
        let key = format!("usb_devices[{i}]");
        let at = u.span().start;
        lines.push((key.clone(), line_of(text, at)));
        let u = u.into_inner();
        let dev = match (u.vendor, u.product, u.bus, u.device) {
            (Some(v), Some(p), None, None) => UsbDevice::Id {
                vendor: v.0,
                product: p.0,
            },
            (None, None, Some(bus), Some(device)) => UsbDevice::Address { bus, device },
            _ => {
                return Err(err(
                    at,
                    &key,
                    "give either `vendor` and `product`, or `bus` and `device`".into(),
                ))
            }
        };
        usb_devices.push(dev);
    }

    let mut pci_devices = Vec::new();
    for (i, p) in raw.pci_devices.into_iter().enumerate() {
        let key = format!("pci_devices[{i}]");
        let at = p.span().start;
        lines.push((key.clone(), line_of(text, at)));
        let p = p.into_inner();
        if p.slot > 0x1f {
            return Err(err(at, &key, format!("slot {:#x} is over 0x1f", p.slot)));
        }
        if p.function > 7 {
            return Err(err(at, &key, format!("function {} is over 7", p.function)));
        }
        pci_devices.push(PciDevice {
            domain: p.domain,
            bus: p.bus,
            slot: p.slot,
            function: p.function,
        });
    }

    let mut block_devices = Vec::new();
    for (i, b) in raw.block_devices.into_iter().enumerate() {
        let key = format!("block_devices[{i}]");
        let at = b.span().start;
        lines.push((key.clone(), line_of(text, at)));
        let b = b.into_inner();
        if !b.path.is_absolute() {
            return Err(err(
                at,
                &key,
                format!("{} is not an absolute path", b.path.display()),
            ));
        }
        if b.size.0 == 0 {
            return Err(err(
                at,
                &key,
                "`size` is 0: give the disk's exact size, as a check that the path names the intended disk".into(),
            ));
        }
        block_devices.push(BlockDevice {
            path: b.path,
            size: b.size.0,
        });
    }

    let mut network_devices = Vec::new();
    for (i, n) in raw.network_devices.into_iter().enumerate() {
        lines.push((
            format!("network_devices[{i}]"),
            line_of(text, n.span().start),
        ));
        let name = n.get_ref();
        if name.is_empty()
            || name.len() > 15
            || name.contains(|c: char| c == '/' || c.is_whitespace() || c == ':')
        {
            return Err(err(
                n.span().start,
                &format!("network_devices[{i}]"),
                format!("{name:?} is not a network interface name"),
            ));
        }
        network_devices.push(n.into_inner());
    }

    let mut nfs_exports = Vec::new();
    for (i, n) in raw.nfs_exports.into_iter().enumerate() {
        let key = format!("nfs_exports[{i}]");
        let at = n.span().start;
        lines.push((key.clone(), line_of(text, at)));
        let n = n.into_inner();
        if n.server.trim().is_empty() {
            return Err(err(at, &key, "`server` is empty".into()));
        }
        if !n.path.starts_with('/') {
            return Err(err(
                at,
                &key,
                format!("`path` {:?} is not an absolute export path", n.path),
            ));
        }
        nfs_exports.push(NfsExport {
            server: n.server,
            path: n.path,
        });
    }

    let mut iscsi_targets = Vec::new();
    for (i, t) in raw.iscsi_targets.into_iter().enumerate() {
        let key = format!("iscsi_targets[{i}]");
        let at = t.span().start;
        lines.push((key.clone(), line_of(text, at)));
        let t = t.into_inner();
        if t.host.trim().is_empty() {
            return Err(err(at, &key, "`host` is empty".into()));
        }
        if !["iqn.", "eui.", "naa."]
            .iter()
            .any(|p| t.iqn.starts_with(p))
        {
            return Err(err(
                at,
                &key,
                format!(
                    "`iqn` {:?} is not an iSCSI name (it starts with iqn., eui. or naa.)",
                    t.iqn
                ),
            ));
        }
        iscsi_targets.push(IscsiTarget {
            host: t.host,
            port: t.port,
            iqn: t.iqn,
        });
    }

    let retries = match raw.retries {
        Some(r) if *r.get_ref() > super::MAX_RETRIES => {
            return Err(err(
                r.span().start,
                "retries",
                format!(
                    "at most {} (a script is run at most retries + 1 times)",
                    super::MAX_RETRIES
                ),
            ))
        }
        Some(r) => r.into_inner(),
        None => 0,
    };
    let history_dir = abs(raw.history_dir, "history_dir")?;

    // Filter sets: the built-in ones, replaced by the file's of the same name.
    let mut filters: BTreeMap<String, String> = super::BUILTIN_FILTERS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut filter_at = Vec::new();
    for (name, expr) in raw.filters {
        let key = format!("filters.{name}");
        let at = expr.span().start;
        lines.push((key.clone(), line_of(text, at)));
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                at,
                &key,
                "a filter set name is letters, digits, '_' and '-' (it is used as @name)".into(),
            ));
        }
        filter_at.push((name.clone(), at));
        filters.insert(name, expr.into_inner());
    }
    for (name, at) in &filter_at {
        // Parsed as `@name`, so that the error names the set it is in.
        if let Err(e) = Filter::parse(&format!("@{name}"), &filters) {
            return Err(err(*at, &format!("filters.{name}"), e.to_string()));
        }
    }

    // Profiles: the built-in ones, each replaced whole by the file's.
    let mut profiles = profile::builtin();
    for (name, p) in raw.profile {
        let key = format!("profile.{name}");
        let at = p.span().start;
        lines.push((key.clone(), line_of(text, at)));
        let parsed = raw_profile(p.into_inner(), &key, &filters, &|start, k, m| {
            err(start, k, m)
        })?;
        profiles.insert(name, parsed);
    }

    // Lines of the keys whose values are checked against the host later.
    for key in [
        "scratch_dir",
        "kernel",
        "initrd",
        "busybox",
        "free_space_dir",
        "history_dir",
    ] {
        if let Some(l) = find_key_line(text, key) {
            lines.push((key.to_string(), l));
        }
    }

    Ok(Config {
        uri,
        other_uri,
        prefix,
        autoclean: raw.autoclean.unwrap_or(false),
        disruptive: raw.disruptive.unwrap_or(false),
        jobs,
        timeout,
        scratch_dir,
        kernel,
        initrd,
        busybox,
        usb_devices,
        pci_devices,
        block_devices,
        network_devices,
        nfs_exports,
        iscsi_targets,
        free_space_dir,
        retries,
        flaky_fails: raw.flaky_fails.unwrap_or(false),
        history_dir,
        history_keep: raw.history_keep.unwrap_or(super::DEFAULT_HISTORY_KEEP),
        history_days: raw.history_days.unwrap_or(super::DEFAULT_HISTORY_DAYS),
        filters,
        profiles,
        source,
        key_lines: lines,
    })
}

/// Checks one `[profile.NAME]` table (`key` is `profile.NAME`).
fn raw_profile(
    p: RawProfile,
    key: &str,
    filters: &BTreeMap<String, String>,
    err: &dyn Fn(usize, &str, String) -> ConfigError,
) -> Result<Profile, ConfigError> {
    let at_least_1 = |v: Option<Spanned<u64>>, name: &str| -> Result<Option<u64>, ConfigError> {
        match v {
            Some(v) if *v.get_ref() == 0 => Err(err(
                v.span().start,
                &format!("{key}.{name}"),
                "must be at least 1".into(),
            )),
            v => Ok(v.map(Spanned::into_inner)),
        }
    };
    let widen = |v: Option<Spanned<u32>>| {
        v.map(|v| {
            let span = v.span();
            Spanned::new(span, u64::from(v.into_inner()))
        })
    };
    let jobs = at_least_1(widen(p.jobs), "jobs")?.map(|j| j as u32);
    let timeout = at_least_1(p.timeout, "timeout")?;
    let repeat = at_least_1(widen(p.repeat), "repeat")?.map(|r| r as u32);
    let retries = match p.retries {
        Some(r) if *r.get_ref() > super::MAX_RETRIES => {
            return Err(err(
                r.span().start,
                &format!("{key}.retries"),
                format!("at most {}", super::MAX_RETRIES),
            ))
        }
        r => r.map(Spanned::into_inner),
    };
    if let Some(f) = &p.filter {
        if let Err(e) = Filter::parse(f.get_ref(), filters) {
            return Err(err(f.span().start, &format!("{key}.filter"), e.to_string()));
        }
    }
    let order = match p.order {
        None => None,
        Some(o) => Some(Order::parse(o.get_ref()).ok_or_else(|| {
            let all: Vec<&str> = Order::ALL.iter().map(|o| o.as_str()).collect();
            err(
                o.span().start,
                &format!("{key}.order"),
                format!(
                    "{:?} is not an order; use one of {}",
                    o.get_ref(),
                    all.join(", ")
                ),
            )
        })?),
    };
    let verbosity = match p.verbosity {
        None => None,
        Some(v) => Some(Verbosity::parse(v.get_ref()).ok_or_else(|| {
            err(
                v.span().start,
                &format!("{key}.verbosity"),
                format!(
                    "{:?}: use \"quiet\", \"normal\" or \"verbose\"",
                    v.get_ref()
                ),
            )
        })?),
    };
    let dummy = profile::Placeholders {
        uri: "u".into(),
        time: "t".into(),
        profile: "p".into(),
    };
    let output = |v: Option<Spanned<String>>, name: &str| -> Result<Option<String>, ConfigError> {
        match v {
            None => Ok(None),
            Some(v) if v.get_ref().trim().is_empty() => Err(err(
                v.span().start,
                &format!("{key}.{name}"),
                "the path is empty (remove the key to write no such output)".into(),
            )),
            Some(v) => match profile::expand(v.get_ref(), &dummy) {
                Ok(_) => Ok(Some(v.into_inner())),
                Err(e) => Err(err(v.span().start, &format!("{key}.{name}"), e)),
            },
        }
    };
    Ok(Profile {
        jobs,
        timeout,
        retries,
        flaky_fails: p.flaky_fails,
        filter: p.filter.map(Spanned::into_inner),
        order,
        repeat,
        verbosity,
        timer: p.timer,
        keep_going: p.keep_going,
        xml: output(p.xml, "xml")?,
        json: output(p.json, "json")?,
        junit: output(p.junit, "junit")?,
        html: output(p.html, "html")?,
        archive: output(p.archive, "archive")?,
    })
}

/// The line of a top-level `key = …` assignment.
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[') {
            in_table = true;
        }
        if in_table {
            continue;
        }
        if let Some(rest) = t.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return Some(i + 1);
            }
        }
    }
    None
}

/// A TOML or serde error, with its line and the key it concerns.
fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> ConfigError {
    let line = e.span().map(|s| line_of(text, s.start));
    // toml keeps the key path private but prints it ("in `a.b`") when the
    // error has no input attached.
    let mut bare = e.clone();
    bare.set_input(None);
    let rendered = bare.to_string();
    let key = rendered
        .lines()
        .find_map(|l| l.strip_prefix("in `").and_then(|k| k.strip_suffix('`')))
        .map(str::to_string)
        .or_else(|| e.span().and_then(|s| key_before(text, s.start)))
        .unwrap_or_default();
    ConfigError::at(origin, line, &key, e.message().trim_end().to_string())
}

/// The key assigned on the line of `offset`, when the offset is in a value.
fn key_before(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let before = &text[start..offset];
    let eq = before.rfind('=')?;
    let key: String = before[..eq]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '"'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let key = key.trim_matches('"').to_string();
    (!key.is_empty()).then_some(key)
}
