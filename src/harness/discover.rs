//! Which scripts a run (or `tck list`) covers.
//!
//! Arguments are either paths (an executable file, or a directory walked
//! recursively) or selectors of built-in scripts (an id, or a prefix such as
//! `domain/`, `domain` or `domain/050`). An argument that names an existing
//! file or directory is a path; one that starts with `/`, `./` or `../` is a
//! path that must exist; anything else must select at least one built-in
//! script. With no argument, every built-in script is planned.
//!
//! Scripts run in path order, so numbering orders them: built-in scripts in
//! registry order (sorted by id), then each path argument in the order given,
//! each directory's files sorted by name.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::script::{Meta, ScriptDef};

/// Where a script comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Compiled into tck, run as `tck exec <id>`.
    Builtin(&'static ScriptDef),
    /// An executable file, run directly.
    External(PathBuf),
}

/// One planned script.
#[derive(Debug, Clone)]
pub struct Script {
    /// Built-in: its registry id. External: its path relative to the
    /// directory given on the command line, or its file name.
    pub id: String,
    pub title: String,
    /// Requirements, priority, timeout, exclusivity. External scripts have
    /// no requirements; their priority, timeout and exclusivity come from
    /// their `# tck:` declaration ([`super::header`]).
    pub meta: Meta,
    /// The script's tags: `meta.tags` of a built-in script, the declared
    /// tags of an external one. Use this, not `meta.tags`.
    pub tags: Vec<String>,
    pub source: Source,
}

impl Script {
    pub fn builtin(def: &'static ScriptDef) -> Self {
        Script {
            id: def.id.to_string(),
            title: def.title.to_string(),
            meta: def.meta,
            tags: def.meta.tags.iter().map(|t| t.to_string()).collect(),
            source: Source::Builtin(def),
        }
    }

    /// An external script run from `path`, known as `id`, with the title
    /// and metadata its header declares.
    pub fn external(id: String, path: PathBuf) -> Result<Self, DiscoverError> {
        let h = super::header::read(&path).map_err(|e| DiscoverError::Header {
            path: path.clone(),
            line: e.line,
            message: e.message,
        })?;
        let meta = Meta {
            priority: h.priority.unwrap_or(Meta::DEFAULT.priority),
            timeout: h.timeout,
            exclusive: h.exclusive.unwrap_or(false),
            ..Meta::DEFAULT
        };
        Ok(Script {
            id,
            title: h.title,
            meta,
            tags: h.tags,
            source: Source::External(path),
        })
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self.source, Source::Builtin(_))
    }

    /// The area: the first component of the id (a built-in script's
    /// directory under `scripts/`, an external script's first directory
    /// under the one given); "" for an external file given directly or
    /// lying at the top of the directory given.
    pub fn area(&self) -> &str {
        crate::report::model::area_of(&self.id)
    }

    /// The number: leading digits of the file name (0 when none).
    pub fn number(&self) -> u32 {
        crate::script::number_of(&self.id)
    }

    /// Requirements in their short form (`root`, `driver(QEMU)`, …).
    pub fn requirements(&self) -> Vec<String> {
        self.meta.requires.iter().map(|r| r.describe()).collect()
    }

    /// The file run for an external script.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            Source::External(p) => Some(p),
            Source::Builtin(_) => None,
        }
    }
}

/// Why the scripts to run could not be worked out. All are usage errors
/// (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoverError {
    MissingPath(String),
    NotExecutable(PathBuf),
    NoScriptsInDir {
        dir: PathBuf,
        ignored: usize,
    },
    UnknownId {
        id: String,
        suggestions: Vec<String>,
    },
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
    Walk {
        path: PathBuf,
        message: String,
    },
    /// A bad `# tck:` declaration in an external script.
    Header {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoverError::MissingPath(p) => write!(f, "{p}: no such file or directory"),
            DiscoverError::NotExecutable(p) => write!(
                f,
                "{}: not executable; make it executable (chmod +x) to run it as a test script",
                p.display()
            ),
            DiscoverError::NoScriptsInDir { dir, ignored } => {
                write!(
                    f,
                    "{}: no executable scripts in this directory",
                    dir.display()
                )?;
                if *ignored > 0 {
                    write!(f, " ({ignored} non-executable files ignored)")?;
                }
                Ok(())
            }
            DiscoverError::UnknownId { id, suggestions } => {
                write!(
                    f,
                    "{id}: no such file or directory, and no built-in script has this id or prefix"
                )?;
                match suggestions.as_slice() {
                    [] => write!(f, " (`tck list` shows them all)"),
                    s => write!(f, "; did you mean {}?", s.join(", ")),
                }
            }
            DiscoverError::DuplicateId { id, first, second } => write!(
                f,
                "two scripts would share the id {id:?} ({first} and {second}); \
                 give their common parent directory instead"
            ),
            DiscoverError::Walk { path, message } => {
                write!(f, "cannot read {}: {message}", path.display())
            }
            DiscoverError::Header {
                path,
                line,
                message,
            } => write!(
                f,
                "{}:{line}: {message} (see `tck: ...` declarations in docs/selection.md)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for DiscoverError {}

/// What discovery found, plus notes for the user (ignored files).
#[derive(Debug, Default)]
pub struct Discovery {
    pub scripts: Vec<Script>,
    pub notes: Vec<String>,
}

/// Plans the scripts for `args` among `builtins` (normally
/// [`crate::registry::SCRIPTS`]).
pub fn discover(
    args: &[String],
    builtins: &'static [ScriptDef],
) -> Result<Discovery, DiscoverError> {
    let mut found = Discovery::default();
    if args.is_empty() {
        found.scripts = builtins.iter().map(Script::builtin).collect();
        return Ok(found);
    }
    let mut selected = vec![false; builtins.len()];
    let mut external = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        let looks_like_path =
            arg.starts_with('/') || arg.starts_with("./") || arg.starts_with("../");
        if path.exists() {
            walk(path, &mut external, &mut found.notes)?;
        } else if looks_like_path {
            return Err(DiscoverError::MissingPath(arg.clone()));
        } else {
            let mut any = false;
            for (i, def) in builtins.iter().enumerate() {
                if selects(arg, def.id) {
                    selected[i] = true;
                    any = true;
                }
            }
            if !any {
                return Err(DiscoverError::UnknownId {
                    id: arg.clone(),
                    suggestions: suggest(arg, builtins),
                });
            }
        }
    }
    found.scripts = builtins
        .iter()
        .zip(&selected)
        .filter(|(_, s)| **s)
        .map(|(d, _)| Script::builtin(d))
        .collect();
    // The same file reached twice (`tck run dir dir/010-x.sh`) runs once.
    let mut seen_paths = std::collections::HashSet::new();
    for s in external {
        let key = s
            .path()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()));
        if seen_paths.insert(key) {
            found.scripts.push(s);
        }
    }
    let mut seen: BTreeMap<&str, &Script> = BTreeMap::new();
    for s in &found.scripts {
        if let Some(first) = seen.insert(&s.id, s) {
            let show = |s: &Script| match s.path() {
                Some(p) => p.display().to_string(),
                None => format!("built-in {}", s.id),
            };
            return Err(DiscoverError::DuplicateId {
                id: s.id.clone(),
                first: show(first),
                second: show(s),
            });
        }
    }
    Ok(found)
}

/// Does selector `sel` pick the built-in script `id`? An exact id, an area
/// (`domain`), a directory-like prefix (`domain/`), a number (`domain/050`)
/// or the first digits of numbers (`domain/1` picks domain/100–199). A
/// truncated name does not select (`domain/050-transient-lifecycl` is a
/// typo to report, not a prefix).
pub fn selects(sel: &str, id: &str) -> bool {
    if sel == id {
        return true;
    }
    if sel.ends_with('/') {
        return id.starts_with(sel);
    }
    let Some(rest) = id.strip_prefix(sel) else {
        return false;
    };
    let partial_number = sel
        .rsplit('/')
        .next()
        .is_some_and(|last| !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        && sel.contains('/');
    rest.starts_with('/')
        || rest.starts_with('-')
        || (partial_number && rest.bytes().next().is_some_and(|b| b.is_ascii_digit()))
}

fn walk(path: &Path, out: &mut Vec<Script>, notes: &mut Vec<String>) -> Result<(), DiscoverError> {
    let meta = std::fs::metadata(path).map_err(|e| DiscoverError::Walk {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if !meta.is_dir() {
        if !is_executable(&meta) {
            return Err(DiscoverError::NotExecutable(path.to_path_buf()));
        }
        let id = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        out.push(Script::external(id, path.to_path_buf())?);
        return Ok(());
    }
    let mut ignored = Vec::new();
    let before = out.len();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        // Hidden files and directories (.git, editor swap files) are not tests.
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| DiscoverError::Walk {
            path: e.path().unwrap_or(path).to_path_buf(),
            message: e
                .io_error()
                .map(|io| io.to_string())
                .unwrap_or_else(|| e.to_string()),
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let file = entry.path();
        let executable = entry.metadata().map(|m| is_executable(&m)).unwrap_or(false);
        if !executable {
            ignored.push(file.to_path_buf());
            continue;
        }
        let rel = file.strip_prefix(path).unwrap_or(file);
        out.push(Script::external(
            rel.to_string_lossy().into_owned(),
            file.to_path_buf(),
        )?);
    }
    if out.len() == before {
        return Err(DiscoverError::NoScriptsInDir {
            dir: path.to_path_buf(),
            ignored: ignored.len(),
        });
    }
    if !ignored.is_empty() {
        const SHOWN: usize = 5;
        let names: Vec<String> = ignored
            .iter()
            .take(SHOWN)
            .map(|p| p.strip_prefix(path).unwrap_or(p).display().to_string())
            .collect();
        let more = if ignored.len() > SHOWN {
            format!(" and {} more", ignored.len() - SHOWN)
        } else {
            String::new()
        };
        notes.push(format!(
            "{}: ignoring {} non-executable file{}: {}{more}",
            path.display(),
            ignored.len(),
            if ignored.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    Ok(())
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// Built-in ids and areas close to `arg`, best first.
fn suggest(arg: &str, builtins: &[ScriptDef]) -> Vec<String> {
    let mut candidates: Vec<String> = builtins.iter().map(|d| d.id.to_string()).collect();
    for d in builtins {
        let area = format!("{}/", d.area());
        if !candidates.contains(&area) {
            candidates.push(area);
        }
    }
    let limit = (arg.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = if c.contains(arg) || (arg.len() >= 3 && c.ends_with(arg)) {
                1
            } else {
                distance(arg, &c)
            };
            (d <= limit).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Levenshtein distance, by characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Outcome;
    use crate::tap::producer::Tap;
    use crate::virt::context::Context;

    fn nothing(_: &mut Tap, _: &Context) -> Outcome {
        Ok(())
    }

    static DEFS: &[ScriptDef] = &[
        ScriptDef {
            id: "connect/010-open-close",
            title: "Opens and closes",
            meta: Meta::DEFAULT,
            run: nothing,
        },
        ScriptDef {
            id: "domain/050-transient-lifecycle",
            title: "Transient",
            meta: Meta::DEFAULT,
            run: nothing,
        },
        ScriptDef {
            id: "domain/051-transient-autostart",
            title: "Autostart",
            meta: Meta::DEFAULT,
            run: nothing,
        },
    ];

    fn ids(args: &[&str]) -> Result<Vec<String>, DiscoverError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        discover(&args, DEFS).map(|d| d.scripts.into_iter().map(|s| s.id).collect())
    }

    #[test]
    fn selection_by_id_area_and_prefix_keeps_registry_order() {
        assert_eq!(ids(&[]).expect("all").len(), 3);
        assert_eq!(
            ids(&["domain/051-transient-autostart", "connect"]).expect("ok"),
            ["connect/010-open-close", "domain/051-transient-autostart"]
        );
        assert_eq!(ids(&["domain/"]).expect("ok").len(), 2);
        assert_eq!(
            ids(&["domain/050"]).expect("ok"),
            ["domain/050-transient-lifecycle"]
        );
        assert!(!selects("dom", "domain/050-transient-lifecycle"));
        // The first digits of numbers select every script they start.
        assert!(selects("domain/05", "domain/050-transient-lifecycle"));
        assert!(selects("domain/0", "domain/051-transient-autostart"));
        assert!(!selects("domain/1", "domain/050-transient-lifecycle"));
        assert_eq!(ids(&["domain/05"]).expect("ok").len(), 2);
    }

    #[test]
    fn unknown_ids_are_named_with_suggestions() {
        let e = ids(&["domain/050-transient-lifecycl"]).expect_err("unknown");
        let DiscoverError::UnknownId { id, suggestions } = &e else {
            panic!("wrong error {e:?}");
        };
        assert_eq!(id, "domain/050-transient-lifecycl");
        assert_eq!(suggestions[0], "domain/050-transient-lifecycle");
        assert!(e
            .to_string()
            .contains("did you mean domain/050-transient-lifecycle"));
        let e = ids(&["zzzzzzzz"]).expect_err("unknown");
        assert!(e.to_string().contains("tck list"), "{e}");
    }

    #[test]
    fn paths_that_look_like_paths_must_exist() {
        assert_eq!(
            ids(&["./nowhere/at-all"]).expect_err("missing"),
            DiscoverError::MissingPath("./nowhere/at-all".into())
        );
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
    }
}
