//! `tck list`: the scripts a run would cover, with id, title, requirements
//! and tags, as text or JSON.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::harness::{self, Script};
use crate::registry::SCRIPTS;
use crate::report::console::safe_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Built-in script ids or prefixes, or files and directories of external
    /// scripts, as for `tck run`. Default: every built-in script.
    #[arg(value_name = "SCRIPT|PATH")]
    pub targets: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(serde::Serialize)]
struct Entry<'a> {
    id: &'a str,
    title: &'a str,
    area: &'a str,
    /// "builtin" or "external".
    kind: &'static str,
    /// External scripts: the file run.
    path: Option<String>,
    requirements: Vec<String>,
    tags: &'a [&'static str],
    exclusive: bool,
    timeout: Option<u64>,
}

fn entry(s: &Script) -> Entry<'_> {
    Entry {
        id: &s.id,
        title: &s.title,
        area: if s.is_builtin() {
            crate::report::model::area_of(&s.id)
        } else {
            ""
        },
        kind: if s.is_builtin() {
            "builtin"
        } else {
            "external"
        },
        path: s.path().map(|p| p.display().to_string()),
        requirements: s.meta.requires.iter().map(|r| r.describe()).collect(),
        tags: s.meta.tags,
        exclusive: s.meta.exclusive,
        timeout: s.meta.timeout,
    }
}

pub fn main(args: ListArgs) -> ExitCode {
    let found = match harness::discover(&args.targets, SCRIPTS) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tck: {e}");
            return ExitCode::from(super::run::EXIT_USAGE);
        }
    };
    for note in &found.notes {
        eprintln!("note: {note}");
    }
    let entries: Vec<Entry> = found.scripts.iter().map(entry).collect();
    let text = match args.format {
        ListFormat::Json => match serde_json::to_string_pretty(&entries) {
            Ok(j) => j + "\n",
            Err(e) => {
                eprintln!("tck: cannot render the list as JSON: {e}");
                return ExitCode::FAILURE;
            }
        },
        ListFormat::Text => text(&entries),
    };
    if found.scripts.is_empty() && args.format == ListFormat::Text {
        eprintln!("tck: this build has no built-in scripts");
    }
    let mut out = std::io::stdout().lock();
    // A closed pipe (`tck list | head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// One line per script: id, title, then requirements and tags in brackets.
fn text(entries: &[Entry]) -> String {
    let width = entries
        .iter()
        .map(|e| e.id.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for e in entries {
        let mut extra = Vec::new();
        if !e.requirements.is_empty() {
            extra.push(format!("requires {}", e.requirements.join(", ")));
        }
        if !e.tags.is_empty() {
            extra.push(format!("tags {}", e.tags.join(", ")));
        }
        if e.exclusive {
            extra.push("exclusive".to_string());
        }
        let id = safe_line(e.id);
        let pad = width.saturating_sub(e.id.chars().count());
        s.push_str(&format!("{id}{}  {}", " ".repeat(pad), safe_line(e.title)));
        if !extra.is_empty() {
            s.push_str(&format!("  [{}]", extra.join("; ")));
        }
        s.push('\n');
    }
    s
}
