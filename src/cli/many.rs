//! `tck run --uri A --uri B …`: the suite on several hosts at once.
//!
//! One controller, many hypervisors: every URI is reached through libvirt
//! itself (`qemu+ssh://`, `qemu+tcp://`, `qemu+tls://` go through libvirt's
//! remote driver); tck adds nothing of its own on the remote side. Each
//! URI is an ordinary run ([`super::run::prepare`] and
//! [`super::run::execute`]) on a thread of its own, with its own `-j`
//! slots, fixture, history and reports. Then the reports are put side by
//! side with [`crate::compare`] (matrix and per-area readiness).
//!
//! Design choices (docs/many-hosts.md tells users the same):
//!
//! - **Namespaces.** Two URIs may reach the same daemon
//!   (`qemu:///system` and `qemu+tcp://127.0.0.1/system`), so the runs must
//!   not share names: URI number *i* gets a slot letter (`a`, `b`, …) and
//!   runs under the sub-prefix `<prefix><slot><sep>` (`tck-a-`, `tck-b-`),
//!   where `<sep>` is the prefix's own final separator. Everything the
//!   fixture does is scoped by the run's prefix, so the leftover check
//!   before a run, `--force`, and the cleanup around each script touch only
//!   that run's objects. A sub-prefix is still a valid prefix (it ends with
//!   a separator), and it cannot match another run's objects: `tck-a-`
//!   never matches `tck-b-…`, nor a single run's `tck-<tag>-…` (tags have
//!   no separator). The cost is two bytes of name: the configured prefix
//!   may have at most 6 characters here.
//! - **Leftovers** are checked on every URI before any run starts, so a
//!   problem on one host stops everything with nothing run, as for a
//!   single URI.
//! - **Outputs.** `--xml out.xml` and the other report flags name one file
//!   per URI: the URI's label goes before the extension (`out.kvm.xml`;
//!   an archive directory `dir` becomes `dir.kvm`). A path that already
//!   differs between URIs (a profile's `{uri}` placeholder) is kept.
//! - **Console.** Each line is prefixed with the URI's label; a script's
//!   lines and a summary are written as one block, so hosts interleave
//!   only between blocks. No live progress line (several runs cannot
//!   share one).
//! - **Exit status**: the worst of the runs (130 interrupted, then 2, 1, 0).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::run::{self, RunArgs, EXIT_USAGE};
use crate::compare::{self, render, Input, Options};
use crate::harness::runner::leaked_by;
use crate::harness::{Interrupt, Observer, RunError, Script, ScriptOutput};
use crate::report::model::{Report, ScriptResult};
use crate::report::OutputArgs;

/// Hosts one run can drive: one slot letter each.
const SLOTS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

/// `LABEL=URI` → (Some(LABEL), URI); a plain URI → (None, URI). A URI has
/// its scheme's `:` before any `=` (`qemu:///system?x=1`), so a label is
/// recognised by having none.
pub(super) fn split_label(arg: &str) -> (Option<&str>, &str) {
    match arg.split_once('=') {
        Some((label, uri)) if !label.is_empty() && !label.contains([':', '/']) => {
            (Some(label), uri)
        }
        _ => (None, arg),
    }
}

/// One URI of a many-host run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Host {
    pub label: String,
    pub uri: String,
    pub slot: char,
}

fn label_ok(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 32
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Letters, digits, '-', '_' and '.' of `s`; runs of anything else become
/// one '-'.
fn sanitize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(32).collect()
}

/// The label of a URI when none is given: the host name for a remote URI
/// (`qemu+ssh://kvm1.example/system` → `kvm1.example`), else the driver
/// and path (`qemu:///system` → `qemu-system`, `lxc:///` → `lxc`).
fn short_label(uri: &str) -> String {
    let p = crate::virt::connection::parse_uri(uri);
    let s = if p.host.is_empty() {
        sanitize(&format!("{}{}", p.driver, p.path))
    } else {
        sanitize(&p.host)
    };
    if s.is_empty() {
        "uri".into()
    } else {
        s
    }
}

/// The label when short ones collide: the whole URI as a file name.
fn long_label(uri: &str) -> String {
    let s = sanitize(&crate::config::profile::uri_slug(uri));
    if s.is_empty() {
        "uri".into()
    } else {
        s
    }
}

/// The hosts of `--uri` arguments: labels given or derived (short, then
/// long where short ones collide, then numbered), each URI once.
pub(super) fn hosts(args: &[String]) -> Result<Vec<Host>, String> {
    if args.len() > SLOTS.len() {
        return Err(format!(
            "{} URIs given: one run drives at most {}; split them over several runs",
            args.len(),
            SLOTS.len()
        ));
    }
    let mut given: Vec<(Option<String>, String)> = Vec::new();
    for a in args {
        let (label, uri) = split_label(a);
        let uri = uri.trim();
        if uri.is_empty() {
            return Err(format!("--uri {a:?}: the URI is empty"));
        }
        if let Some(l) = label {
            if !label_ok(l) {
                return Err(format!(
                    "--uri {a:?}: the label {l:?} must be 1 to 32 letters, digits, '-', '_' or '.' \
                     (it names the host's report files)"
                ));
            }
        }
        if given.iter().any(|(_, u)| u == uri) {
            return Err(format!(
                "--uri {uri} is given twice: give each URI once (two URIs may reach the same \
                 daemon: each run has its own prefix)"
            ));
        }
        given.push((label.map(str::to_string), uri.to_string()));
    }
    let explicit: Vec<&str> = given.iter().filter_map(|(l, _)| l.as_deref()).collect();
    for (i, l) in explicit.iter().enumerate() {
        if explicit[..i].contains(l) {
            return Err(format!(
                "the label {l:?} is given to two URIs: labels name each host's reports"
            ));
        }
    }
    let short: Vec<String> = given.iter().map(|(_, u)| short_label(u)).collect();
    let mut labels: Vec<String> = Vec::new();
    for (i, (l, u)) in given.iter().enumerate() {
        let label = match l {
            Some(l) => l.clone(),
            None => {
                let clash = short
                    .iter()
                    .enumerate()
                    .any(|(j, s)| j != i && given[j].0.is_none() && *s == short[i])
                    || explicit.contains(&short[i].as_str());
                if clash {
                    long_label(u)
                } else {
                    short[i].clone()
                }
            }
        };
        labels.push(label);
    }
    // Still equal (one URI's long label is another's short one, or the
    // URIs differ only in characters a label cannot hold): number them.
    for i in 0..labels.len() {
        if given[i].0.is_some() {
            continue;
        }
        let mut n = 2;
        let base = labels[i].clone();
        while labels
            .iter()
            .enumerate()
            .any(|(j, l)| j != i && *l == labels[i])
        {
            labels[i] = format!("{base}-{n}");
            n += 1;
        }
    }
    Ok(given
        .into_iter()
        .zip(labels)
        .zip(SLOTS)
        .map(|(((_, uri), label), slot)| Host {
            label,
            uri,
            slot: char::from(*slot),
        })
        .collect())
}

/// The prefix of a host's run: the configured prefix, the slot letter,
/// and the prefix's own final separator (`tck-` → `tck-a-`). It must
/// still be a valid prefix (at most 8 characters).
pub(super) fn sub_prefix(prefix: &str, slot: char) -> Result<String, String> {
    let sep = prefix.chars().last().unwrap_or('-');
    let sub = format!("{prefix}{slot}{sep}");
    crate::config::check_prefix(&sub).map_err(|e| {
        format!(
            "with several URIs each run gets its own prefix ({sub:?} for the URI in slot \
             {slot}), and {e}; configure a prefix of at most {} characters",
            crate::config::PREFIX_MAX_LEN - 2
        )
    })?;
    Ok(sub)
}

/// `path` with `.label` before its extension (`out.xml` → `out.kvm.xml`),
/// or at the end when it has none (`archive` → `archive.kvm`).
pub(super) fn labelled_path(path: &Path, label: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(name) = name else {
        return path.join(label);
    };
    let new = match name.rfind('.').filter(|i| *i > 0) {
        Some(i) => format!("{}.{label}{}", &name[..i], &name[i..]),
        None => format!("{name}.{label}"),
    };
    path.with_file_name(new)
}

/// Gives each host its own report files: a path equal to another host's
/// gets the host's label (see [`labelled_path`]).
pub(super) fn separate_outputs(outputs: &mut [(&str, &mut OutputArgs)]) {
    fn fields(o: &mut OutputArgs) -> [&mut Option<PathBuf>; 5] {
        [
            &mut o.xml,
            &mut o.json,
            &mut o.junit,
            &mut o.html,
            &mut o.archive,
        ]
    }
    for k in 0..5 {
        let paths: Vec<Option<PathBuf>> = outputs
            .iter_mut()
            .map(|(_, o)| fields(o)[k].clone())
            .collect();
        for (i, (label, o)) in outputs.iter_mut().enumerate() {
            let Some(p) = paths[i].as_ref() else {
                continue;
            };
            let shared = paths
                .iter()
                .enumerate()
                .any(|(j, q)| j != i && q.as_ref() == Some(p));
            if shared {
                *fields(o)[k] = Some(labelled_path(p, label));
            }
        }
    }
}

/// A console writer for one host: each line gets `[label] ` in front, and
/// what was written between two flushes goes out as one block, so that
/// hosts interleave only between whole script lines and summaries (the
/// console flushes after each).
pub(super) struct Prefixed {
    prefix: String,
    buf: Vec<u8>,
}

impl Prefixed {
    pub fn new(label: &str) -> Self {
        Prefixed {
            prefix: format!("[{label}] "),
            buf: Vec::new(),
        }
    }

    /// The complete lines buffered, prefixed; a partial last line waits.
    fn take_lines(&mut self) -> Vec<u8> {
        let Some(end) = self.buf.iter().rposition(|b| *b == b'\n') else {
            return Vec::new();
        };
        let rest = self.buf.split_off(end + 1);
        let lines = std::mem::replace(&mut self.buf, rest);
        let mut out = Vec::with_capacity(lines.len() + 16 * self.prefix.len());
        for line in lines.split_inclusive(|b| *b == b'\n') {
            if line != b"\n" {
                out.extend_from_slice(self.prefix.as_bytes());
            }
            out.extend_from_slice(line);
        }
        out
    }
}

impl Write for Prefixed {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let block = self.take_lines();
        if block.is_empty() {
            return Ok(());
        }
        // Stdout's lock is held for the whole block.
        let mut out = std::io::stdout().lock();
        out.write_all(&block)?;
        out.flush()
    }
}

impl Drop for Prefixed {
    fn drop(&mut self) {
        if !self.buf.is_empty() && !self.buf.ends_with(b"\n") {
            self.buf.push(b'\n');
        }
        let _ = self.flush();
    }
}

/// Passes every event on, with the host's label in front of notes (the
/// console prints those on stderr, unprefixed).
pub(super) struct NoteLabel<'a> {
    label: &'a str,
    inner: &'a mut dyn Observer,
}

impl<'a> NoteLabel<'a> {
    pub fn new(label: &'a str, inner: &'a mut dyn Observer) -> Self {
        NoteLabel { label, inner }
    }
}

impl Observer for NoteLabel<'_> {
    fn note(&mut self, message: &str) {
        self.inner.note(&format!("[{}] {message}", self.label));
    }
    fn run_started(&mut self, scripts: &[Script], jobs: usize) {
        self.inner.run_started(scripts, jobs);
    }
    fn script_started(&mut self, script: &Script) {
        self.inner.script_started(script);
    }
    fn script_finished(&mut self, result: &ScriptResult, output: &ScriptOutput) {
        self.inner.script_finished(result, output);
    }
    fn run_finished(&mut self, report: &Report, wall: std::time::Duration) {
        self.inner.run_finished(report, wall);
    }
}

/// The worst of several exit statuses: 130, then 2, 1, 0.
fn worst(statuses: &[u8]) -> u8 {
    let rank = |s: u8| match s {
        0 => 0,
        1 => 1,
        130 => 3,
        _ => 2,
    };
    statuses
        .iter()
        .copied()
        .max_by_key(|s| rank(*s))
        .unwrap_or(0)
}

/// `tck run` with several `--uri`.
pub(super) fn main(args: &RunArgs, scripts: Vec<Script>) -> ExitCode {
    if args.compare.compare_with.is_some() {
        eprintln!(
            "tck: --compare-with takes one URI; with several, each host's report is written \
             (--xml) and `tck compare OLD.xml NEW.<label>.xml` compares one of them"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let hosts = match hosts(&args.config.uri) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("tck: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let known_broken = match args.known_broken.load() {
        Ok(k) => k,
        Err(code) => return code,
    };

    // Plan and connect every host before anything runs: a wrong URI or
    // prefix stops the whole run at once.
    let mut prepared: Vec<(Host, run::HostRun)> = Vec::new();
    for h in hosts {
        let mut config = match run::load_config(args, Some(&h.uri)) {
            Ok(c) => c,
            Err(code) => return code,
        };
        config.prefix = match sub_prefix(&config.prefix, h.slot) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("tck: configuration error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        match run::prepare(args, config, scripts.clone()) {
            Ok(p) => prepared.push((h, p)),
            // `--rerun-failed` with nothing to rerun on this URI (the
            // message is printed): the others still run.
            Err(code) if code == ExitCode::SUCCESS => {}
            Err(code) => return code,
        }
    }
    if prepared.is_empty() {
        return ExitCode::SUCCESS;
    }
    {
        let mut outs: Vec<(&str, &mut OutputArgs)> = prepared
            .iter_mut()
            .map(|(h, p)| (h.label.as_str(), &mut p.plan.effective.outputs))
            .collect();
        separate_outputs(&mut outs);
    }

    if let Some(code) = leftovers(&prepared) {
        return code;
    }

    let interrupt = match Interrupt::with_signals() {
        Ok(i) => Arc::new(i),
        Err(e) => {
            eprintln!("tck: cannot install the SIGINT/SIGTERM handlers: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let tty = std::io::stdout().is_terminal();
    print_legend(&prepared);

    let results: Vec<run::Ran> = std::thread::scope(|scope| {
        let handles: Vec<_> = prepared
            .iter()
            .map(|(h, p)| {
                let interrupt = &interrupt;
                let kb = known_broken.as_ref();
                scope.spawn(move || {
                    let sink = run::Sink {
                        out: Prefixed::new(&h.label),
                        colour_tty: tty,
                        progress: false,
                        label: Some(&h.label),
                    };
                    run::execute(p, args, kb, interrupt, sink)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|t| {
                t.join().unwrap_or_else(|_| {
                    eprintln!("tck: internal error: a host's run panicked (please report)");
                    run::Ran {
                        report: None,
                        status: EXIT_USAGE,
                    }
                })
            })
            .collect()
    });

    let mut statuses: Vec<u8> = results.iter().map(|r| r.status).collect();
    print_hosts(&prepared, &results);
    print_matrix(&prepared, &results);
    if interrupt.is_set() {
        statuses.push(130);
    }
    ExitCode::from(worst(&statuses))
}

/// Every host's leftovers (unless `--force`/`autoclean`), before any run:
/// `Some(status)` when some were found. Each host's are reported as
/// `harness::run` reports them for one URI ([`RunError::Leftovers`]: the
/// objects, the script that leaked each, and how to remove them), with the
/// host's label in front.
fn leftovers(prepared: &[(Host, run::HostRun)]) -> Option<ExitCode> {
    let mut found = false;
    for (h, p) in prepared {
        if p.settings.force {
            continue;
        }
        match p.fixture.leftovers() {
            Ok(objects) if objects.is_empty() => {}
            Ok(objects) => {
                found = true;
                let prefix = &p.settings.prefix;
                let owners = objects
                    .iter()
                    .map(|l| leaked_by(l, prefix, &p.plan.scripts).map(str::to_string))
                    .collect();
                let e = RunError::Leftovers {
                    prefix: prefix.clone(),
                    objects,
                    owners,
                };
                eprintln!("tck: [{}] {}: {e}", h.label, h.uri);
            }
            Err(e) => {
                eprintln!("tck: [{}] {}: {}", h.label, h.uri, RunError::Fixture(e));
                return Some(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    found.then(|| ExitCode::from(EXIT_USAGE))
}

fn print_legend(prepared: &[(Host, run::HostRun)]) {
    let n = prepared
        .iter()
        .map(|(_, p)| p.plan.scripts.len())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "Running {n} script{} on {} URIs at once:\n",
        if n == 1 { "" } else { "s" },
        prepared.len()
    );
    let wl = prepared
        .iter()
        .map(|(h, _)| h.label.len() + 2)
        .max()
        .unwrap_or(0);
    for (h, p) in prepared {
        out.push_str(&format!(
            "  {:<wl$}  {}  (prefix {}, -j{})\n",
            format!("[{}]", h.label),
            h.uri,
            p.settings.prefix,
            p.settings.jobs
        ));
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// One line per host: its status and where its reports went.
fn print_hosts(prepared: &[(Host, run::HostRun)], results: &[run::Ran]) {
    let mut out = String::from("\nHosts:\n");
    for ((h, p), r) in prepared.iter().zip(results) {
        let what = match &r.report {
            None => "did not run (see the error above)".to_string(),
            Some(rep) => status_counts(rep),
        };
        out.push_str(&format!(
            "  [{}] {}: exit {}; {what}\n",
            h.label, h.uri, r.status
        ));
        let o = &p.plan.effective.outputs;
        let files: Vec<String> = [&o.xml, &o.json, &o.junit, &o.html, &o.archive]
            .into_iter()
            .flatten()
            .map(|p| p.display().to_string())
            .collect();
        if !files.is_empty() {
            out.push_str(&format!("      reports: {}\n", files.join(", ")));
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// "12 pass, 3 skip, 1 fail, 1 known broken, 2 not run", counted as the
/// host's console summary counts them: a failure that `--known-broken`
/// explains is "known broken", not its status.
fn status_counts(r: &Report) -> String {
    use crate::report::model::ScriptStatus;
    let masked = |s: &ScriptResult| s.status.is_failure() && s.mask.is_some();
    let mut parts: Vec<String> = ScriptStatus::ALL
        .iter()
        .filter_map(|st| {
            let n = r
                .scripts
                .iter()
                .filter(|s| s.status == *st && !masked(s))
                .count();
            (n > 0).then(|| format!("{n} {}", st.as_str()))
        })
        .collect();
    let known = r.scripts.iter().filter(|s| masked(s)).count();
    if known > 0 {
        parts.push(format!("{known} known broken"));
    }
    if !r.not_run.is_empty() {
        parts.push(format!("{} not run", r.not_run.len()));
    }
    if parts.is_empty() {
        "no scripts".into()
    } else {
        parts.join(", ")
    }
}

/// The hosts side by side (compare's matrix and readiness roll-up).
fn print_matrix(prepared: &[(Host, run::HostRun)], results: &[run::Ran]) {
    let mut labels = Vec::new();
    let mut sources = Vec::new();
    let mut reports = Vec::new();
    for ((h, p), r) in prepared.iter().zip(results) {
        if let Some(rep) = &r.report {
            labels.push(h.label.clone());
            sources.push(match &p.plan.effective.outputs.xml {
                Some(x) => x.display().to_string(),
                None => h.uri.clone(),
            });
            reports.push(rep);
        }
    }
    if reports.len() < 2 {
        return;
    }
    let inputs: Vec<Input<'_>> = reports
        .iter()
        .zip(&sources)
        .map(|(report, source)| Input { report, source })
        .collect();
    let cmp = compare::compare(
        &inputs,
        &Options {
            renames: HashMap::new(),
            labels,
        },
    );
    let text = render::side_by_side_text(&cmp, render::RenderOptions::default());
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout);
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(args: &[&str]) -> Vec<String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        hosts(&args)
            .expect("hosts")
            .into_iter()
            .map(|h| h.label)
            .collect()
    }

    #[test]
    fn labels_are_split_from_uris_only_before_a_scheme() {
        assert_eq!(
            split_label("kvm=qemu:///system"),
            (Some("kvm"), "qemu:///system")
        );
        assert_eq!(split_label("qemu:///system"), (None, "qemu:///system"));
        assert_eq!(
            split_label("qemu+ssh://h/system?keyfile=/k"),
            (None, "qemu+ssh://h/system?keyfile=/k")
        );
        assert_eq!(split_label("=qemu:///system"), (None, "=qemu:///system"));
    }

    #[test]
    fn labels_are_short_unique_and_given_ones_win() {
        assert_eq!(
            labels(&[
                "qemu:///system",
                "qemu+tcp://127.0.0.1:16599/system",
                "lxc:///"
            ]),
            ["qemu-system", "127.0.0.1", "lxc"]
        );
        assert_eq!(
            labels(&["qemu+ssh://h1/system", "qemu+ssh://h2.example/system"]),
            ["h1", "h2.example"]
        );
        // Same host, two drivers: the long form tells them apart.
        assert_eq!(
            labels(&["qemu+ssh://h1/system", "lxc+ssh://h1/"]),
            ["qemu-ssh_h1_system", "lxc-ssh_h1"]
        );
        assert_eq!(
            labels(&["kvm=qemu:///system", "test:///default"]),
            ["kvm", "test-default"]
        );
        // A labelled URI's own short label is not in the way.
        assert_eq!(
            labels(&["test:///default", "two=test:///default?x=2"]),
            ["test-default", "two"]
        );
        // A derived label never takes a given one.
        let l = labels(&["qemu:///system", "qemu-system=test:///default"]);
        assert_eq!(l[1], "qemu-system");
        assert_ne!(l[0], l[1]);
    }

    #[test]
    fn bad_host_lists_are_refused() {
        let err = |a: &[&str]| {
            let a: Vec<String> = a.iter().map(|s| s.to_string()).collect();
            hosts(&a).unwrap_err()
        };
        assert!(err(&["qemu:///system", "qemu:///system"]).contains("given twice"));
        assert!(err(&["a=qemu:///system", "a=test:///default"]).contains("two URIs"));
        assert!(err(&["a b=qemu:///system", "test:///default"]).contains("label"));
        let many: Vec<String> = (0..27).map(|i| format!("test:///default?{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(err(&many).contains("at most 26"));
    }

    #[test]
    fn sub_prefixes_keep_the_separator_and_the_length_limit() {
        assert_eq!(sub_prefix("tck-", 'a').unwrap(), "tck-a-");
        assert_eq!(sub_prefix("tk_", 'b').unwrap(), "tk_b_");
        assert_eq!(sub_prefix("tck-s-", 'z').unwrap(), "tck-s-z-");
        let e = sub_prefix("tck-xyz-", 'a').unwrap_err();
        assert!(e.contains("at most 6 characters"), "{e}");
        // A host's run scope never covers another host's, nor a single
        // run's script namespaces (a tag has no separator in it).
        let a = sub_prefix("tck-", 'a').unwrap();
        let b = sub_prefix("tck-", 'b').unwrap();
        assert!(!b.starts_with(&a) && !a.starts_with(&b));
        let single = crate::harness::namespace::script_prefix("tck-", "domain/050-x");
        assert!(!single.starts_with(&a));
        let ns_a = crate::harness::namespace::script_prefix(&a, "domain/050-x");
        assert!(ns_a.starts_with(&a) && !ns_a.starts_with(&b));
    }

    #[test]
    fn shared_output_paths_get_the_label_distinct_ones_are_kept() {
        assert_eq!(
            labelled_path(Path::new("out/r.xml"), "kvm"),
            Path::new("out/r.kvm.xml")
        );
        assert_eq!(
            labelled_path(Path::new("arch"), "kvm"),
            Path::new("arch.kvm")
        );
        assert_eq!(
            labelled_path(Path::new(".hidden"), "kvm"),
            Path::new(".hidden.kvm")
        );
        let mut a = OutputArgs {
            xml: Some("r.xml".into()),
            html: Some("a.html".into()),
            archive: Some("arc".into()),
            ..OutputArgs::default()
        };
        let mut b = OutputArgs {
            xml: Some("r.xml".into()),
            html: Some("b.html".into()),
            archive: Some("arc".into()),
            ..OutputArgs::default()
        };
        separate_outputs(&mut [("kvm", &mut a), ("tcp", &mut b)]);
        assert_eq!(a.xml.as_deref(), Some(Path::new("r.kvm.xml")));
        assert_eq!(b.xml.as_deref(), Some(Path::new("r.tcp.xml")));
        assert_eq!(a.html.as_deref(), Some(Path::new("a.html")));
        assert_eq!(b.archive.as_deref(), Some(Path::new("arc.tcp")));
        assert_eq!(a.json, None);
    }

    #[test]
    fn console_blocks_are_prefixed_line_by_line() {
        let mut p = Prefixed::new("kvm");
        p.buf.extend_from_slice(b"PASS a\n\nSummary\n  x\npartial");
        let block = p.take_lines();
        assert_eq!(
            String::from_utf8_lossy(&block),
            "[kvm] PASS a\n\n[kvm] Summary\n[kvm]   x\n"
        );
        assert_eq!(p.buf, b"partial");
        p.buf.clear();
    }

    #[test]
    fn host_counts_show_known_broken_failures_as_the_console_does() {
        use crate::report::model::{Mask, NotRun, ScriptStatus};
        let result = |id: &str, status, masked: bool| ScriptResult {
            mask: masked.then(|| Mask {
                entry: "kb.toml:1".into(),
                reason: "bug".into(),
                flaky: false,
            }),
            ..ScriptResult::without_output(id, id, status, "")
        };
        let report = Report {
            scripts: vec![
                result("a/1", ScriptStatus::Pass, false),
                result("a/2", ScriptStatus::Fail, false),
                result("a/3", ScriptStatus::Fail, true),
                result("a/4", ScriptStatus::Crash, true),
                // A mask on a script that did not fail changes nothing.
                result("a/5", ScriptStatus::Pass, true),
            ],
            not_run: vec![NotRun {
                id: "a/6".into(),
                reason: "interrupted".into(),
            }],
            ..Report::default()
        };
        assert_eq!(
            status_counts(&report),
            "2 pass, 1 fail, 2 known broken, 1 not run"
        );
    }

    #[test]
    fn the_worst_status_wins() {
        assert_eq!(worst(&[0, 1, 0]), 1);
        assert_eq!(worst(&[1, 2, 0]), 2);
        assert_eq!(worst(&[2, 130, 1]), 130);
        assert_eq!(worst(&[0, 0]), 0);
    }
}
