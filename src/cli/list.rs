//! `tck list`: the scripts a run would cover, with id, title, priority,
//! tags and requirements, as text or JSON; `--filter` picks among them
//! exactly as `tck run --filter` does.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::harness::{self, Script};
use crate::registry::SCRIPTS;
use crate::report::console::safe_line;
use crate::select::Filter;

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

    /// List only the scripts this expression picks, as `tck run --filter`
    /// would (see docs/selection.md).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// Use the filter of the configuration's [profile.NAME] (unless
    /// --filter is given).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// List only slice K of N of the scripts, as `tck run --partition K/N`
    /// would run.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<crate::select::Partition>,

    /// Configuration file, for its [filters] sets and profiles [default:
    /// $TCK_CONFIG, else /etc/tck/default.toml, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(serde::Serialize)]
struct Entry<'a> {
    id: &'a str,
    title: &'a str,
    /// The first component of the id ("" for an external file at the top).
    area: &'a str,
    /// The leading digits of the file name (0 when none).
    number: u32,
    /// "builtin" or "external".
    kind: &'static str,
    /// External scripts: the file run.
    path: Option<String>,
    requirements: Vec<String>,
    tags: &'a [String],
    priority: u8,
    exclusive: bool,
    timeout: Option<u64>,
}

fn entry(s: &Script) -> Entry<'_> {
    Entry {
        id: &s.id,
        title: &s.title,
        area: s.area(),
        number: s.number(),
        kind: if s.is_builtin() {
            "builtin"
        } else {
            "external"
        },
        path: s.path().map(|p| p.display().to_string()),
        requirements: s.requirements(),
        tags: &s.tags,
        priority: s.meta.priority,
        exclusive: s.meta.exclusive,
        timeout: s.meta.timeout,
    }
}

/// The filter to apply, from `--filter` or the profile's; sets come from
/// the configuration.
fn filter_of(args: &ListArgs) -> Result<Option<Filter>, ExitCode> {
    if args.filter.is_none() && args.profile.is_none() {
        return Ok(None);
    }
    let opts = crate::cli::ConfigArgs {
        config: args.config.clone(),
        uri: None,
    };
    let config = opts.read()?;
    let (text, whence) = match (&args.filter, &args.profile) {
        (Some(f), _) => (f.clone(), "--filter".to_string()),
        (None, Some(name)) => match config.profile(name) {
            Err(e) => {
                eprintln!("tck: configuration error: {e}");
                return Err(ExitCode::from(super::run::EXIT_USAGE));
            }
            Ok(p) => match &p.filter {
                Some(f) => (f.clone(), format!("the filter of profile {name}")),
                None => return Ok(None),
            },
        },
        (None, None) => return Ok(None),
    };
    match Filter::parse(&text, &config.filters) {
        Ok(f) => Ok(Some(f)),
        Err(e) => {
            eprintln!("tck: {whence}: {e}");
            Err(ExitCode::from(super::run::EXIT_USAGE))
        }
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
    let filter = match filter_of(&args) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let mut scripts = found.scripts;
    if let Some(f) = &filter {
        let before = scripts.len();
        scripts.retain(|s| f.picks(s));
        if scripts.is_empty() && args.format == ListFormat::Text {
            eprintln!(
                "tck: the filter `{}` picks none of the {before} script{}",
                f.text(),
                if before == 1 { "" } else { "s" }
            );
        }
    }
    if let Some(p) = args.partition {
        scripts = p.apply(scripts);
    }
    let entries: Vec<Entry> = scripts.iter().map(entry).collect();
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
    if scripts.is_empty() && filter.is_none() && args.format == ListFormat::Text {
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
        let mut extra = vec![format!("priority {}", e.priority)];
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
