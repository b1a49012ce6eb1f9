//! Generates the registry of built-in scripts from `scripts/<area>/NNN-name.rs`.
//!
//! Adding a script is adding a file: this walks `scripts/`, checks each
//! file's name, takes the first paragraph of its `//!` doc comment as its
//! title, and writes `$OUT_DIR/registry.rs`, which `src/registry.rs`
//! includes. A script may define `pub const META: tck::script::Meta`; when it
//! does not, `Meta::DEFAULT` is used.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    println!("cargo:rerun-if-changed={}", root.display());
    // The commit this binary was built from, for report fingerprints.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/logs/HEAD");
    println!("cargo:rerun-if-env-changed=TCK_COMMIT");
    let commit = std::env::var("TCK_COMMIT")
        .ok()
        .or_else(git_commit)
        .unwrap_or_default();
    println!("cargo:rustc-env=TCK_COMMIT={commit}");

    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(format!("cannot read {}: {e}", root.display()));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = path
            .strip_prefix(&root)
            .expect("walkdir yields paths under its root");
        let id = rel.with_extension("").to_string_lossy().replace('\\', "/");
        let parts: Vec<&str> = id.split('/').collect();
        let file = parts.last().copied().unwrap_or("");
        let well_named = parts.len() == 2
            && parts[0]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && file.len() > 4
            && file[..3].chars().all(|c| c.is_ascii_digit())
            && file.as_bytes()[3] == b'-'
            && file[4..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_named {
            errors.push(format!(
                "{}: a script must be scripts/<area>/NNN-name.rs (lower case, digits and '-')",
                path.display()
            ));
            continue;
        }
        let source = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let title = doc_title(&source);
        if title.is_empty() {
            errors.push(format!(
                "{}: a script must start with a //! doc comment saying what it checks",
                path.display()
            ));
            continue;
        }
        let has_meta = source.contains("pub const META");
        entries.push((id, path.to_path_buf(), title, has_meta));
    }
    if !errors.is_empty() {
        for e in &errors {
            println!("cargo:warning={e}");
        }
        panic!("invalid scripts under scripts/:\n{}", errors.join("\n"));
    }

    let mut out = String::new();
    for (id, path, _, _) in &entries {
        let _ = writeln!(
            out,
            "#[path = {:?}]\nmod {};",
            path.display().to_string(),
            module_name(id)
        );
    }
    out.push_str("\n/// Every built-in script, in path order.\npub static SCRIPTS: &[crate::script::ScriptDef] = &[\n");
    for (id, _, title, has_meta) in &entries {
        let m = module_name(id);
        let meta = if *has_meta {
            format!("{m}::META")
        } else {
            "crate::script::Meta::DEFAULT".to_string()
        };
        let _ = writeln!(
            out,
            "    crate::script::ScriptDef {{ id: {id:?}, title: {title:?}, meta: {meta}, run: {m}::run }},"
        );
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("registry.rs");
    std::fs::write(&dest, out).expect("OUT_DIR is writable");
}

/// `domain/050-transient-lifecycle` → `s_domain_050_transient_lifecycle`.
fn module_name(id: &str) -> String {
    let mut m = String::from("s_");
    for c in id.chars() {
        m.push(if c.is_ascii_alphanumeric() { c } else { '_' });
    }
    m
}

/// The first paragraph of the leading `//!` comment, joined into one line.
fn doc_title(source: &str) -> String {
    let mut words = Vec::new();
    for line in source.lines() {
        let Some(rest) = line.trim_start().strip_prefix("//!") else {
            break;
        };
        let text = rest.trim();
        if text.is_empty() {
            if words.is_empty() {
                continue;
            }
            break;
        }
        words.push(text.to_string());
    }
    words.join(" ")
}

fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}
