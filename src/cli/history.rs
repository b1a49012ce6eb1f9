//! `tck history`: the runs recorded for a URI, newest first, with their
//! counts and what changed in the environment since the run before.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::history::{changes, Change, RunRecord, Store};
use crate::report::console::{duration_text, safe_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub config: crate::cli::ConfigArgs,

    /// Show at most N runs (the newest).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

/// One run as `tck history --format json` shows it.
#[derive(serde::Serialize)]
struct Entry<'a> {
    start: &'a str,
    end: &'a str,
    wall: f64,
    profile: Option<&'a str>,
    command_line: &'a [String],
    incomplete: bool,
    scripts: usize,
    /// Scripts per status (non-zero only).
    counts: serde_json::Map<String, serde_json::Value>,
    not_run: usize,
    /// What did not pass (as `--rerun-failed` would run it).
    failed: Vec<&'a str>,
    /// The environment's changes since the run before (empty for the oldest).
    changes: Vec<Change>,
    environment: &'a crate::history::EnvSummary,
}

pub fn main(args: HistoryArgs) -> ExitCode {
    let config = match args.config.read() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let store = Store::of(&config);
    let history = store.runs(&config.uri);
    for w in &history.warnings {
        eprintln!("note: {w}");
    }
    let runs = &history.runs;
    let shown: Vec<(usize, &RunRecord)> = runs.iter().enumerate().rev().take(args.limit).collect();
    let changes_of = |i: usize| -> Vec<Change> {
        match i.checked_sub(1) {
            Some(prev) => changes(&runs[prev].environment, &runs[i].environment),
            None => Vec::new(),
        }
    };
    let text = match args.format {
        HistoryFormat::Json => {
            let entries: Vec<Entry> = shown
                .iter()
                .map(|(i, r)| Entry {
                    start: &r.start,
                    end: &r.end,
                    wall: r.wall,
                    profile: r.profile.as_deref(),
                    command_line: &r.command_line,
                    incomplete: r.incomplete,
                    scripts: r.scripts.len(),
                    counts: r
                        .counts()
                        .into_iter()
                        .map(|(st, n)| (st.as_str().to_string(), n.into()))
                        .collect(),
                    not_run: r.not_run.len(),
                    failed: r.failed(),
                    changes: changes_of(*i),
                    environment: &r.environment,
                })
                .collect();
            match serde_json::to_string_pretty(&entries) {
                Ok(j) => j + "\n",
                Err(e) => {
                    eprintln!("tck: cannot render the history as JSON: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        HistoryFormat::Text => {
            if runs.is_empty() {
                let others = store.uris();
                let mut msg = format!(
                    "No run of {} is recorded (in {}).",
                    config.uri,
                    store.root().display()
                );
                if !others.is_empty() {
                    msg.push_str(&format!(
                        " Runs are recorded for: {} (choose one with --uri).",
                        others.join(", ")
                    ));
                }
                if config.history_keep == 0 {
                    msg.push_str(" Recording is off: the configuration sets history_keep = 0.");
                }
                println!("{msg}");
                return ExitCode::SUCCESS;
            }
            let mut s = format!(
                "Runs of {} (newest first; {} of {} kept in {}):\n",
                config.uri,
                shown.len(),
                runs.len(),
                store.dir_for(&config.uri).display()
            );
            for (i, r) in &shown {
                s.push_str(&line(r));
                let ch = changes_of(*i);
                if !ch.is_empty() {
                    let parts: Vec<String> = ch.iter().map(change_text).collect();
                    s.push_str(&format!("    changed: {}\n", parts.join("; ")));
                }
            }
            s
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// `2025-01-02T03:04:05Z  12.3s  12 scripts: 10 pass, 2 fail  [ci]  failed: a, b`
fn line(r: &RunRecord) -> String {
    let counts: Vec<String> = r
        .counts()
        .iter()
        .map(|(st, n)| format!("{n} {}", st.as_str()))
        .collect();
    let mut s = format!(
        "{}  {:>7}  {} script{}",
        r.start,
        duration_text(r.wall),
        r.scripts.len() + r.not_run.len(),
        if r.scripts.len() + r.not_run.len() == 1 {
            ""
        } else {
            "s"
        }
    );
    if !counts.is_empty() {
        s.push_str(&format!(": {}", counts.join(", ")));
    }
    if !r.not_run.is_empty() {
        s.push_str(&format!(", {} not run", r.not_run.len()));
    }
    if r.incomplete {
        s.push_str(" (incomplete)");
    }
    if let Some(p) = &r.profile {
        s.push_str(&format!("  [profile {p}]"));
    }
    let failed = r.failed();
    if !failed.is_empty() {
        const SHOWN: usize = 5;
        let mut names: Vec<String> = failed.iter().take(SHOWN).map(|f| safe_line(f)).collect();
        if failed.len() > SHOWN {
            names.push(format!("… {} more", failed.len() - SHOWN));
        }
        s.push_str(&format!("  did not pass: {}", names.join(", ")));
    }
    s.push('\n');
    s
}

/// `libvirt daemon 11.2.0 → 11.3.0`; digests shortened.
fn change_text(c: &Change) -> String {
    let short = |v: &str| {
        let v = if v.is_empty() { "(none)" } else { v };
        let is_digest = c.field.contains("capabilities") || c.field == "config";
        if is_digest && v.len() > 12 {
            v[..12].to_string()
        } else {
            safe_line(v)
        }
    };
    format!("{} {} → {}", c.field, short(&c.before), short(&c.after))
}
