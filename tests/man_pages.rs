//! The documentation that ships: man pages in `man/` and shell completions.
//!
//! - The section 1 pages in `man/` are exactly what the generator makes
//!   from today's command-line definition: a CLI change without
//!   regenerated pages fails here, saying how to regenerate them.
//! - The hand-written section 5 pages describe every key the parsers
//!   accept (the keys are taken from the parsers' own "expected one of"
//!   errors, so a new key is noticed).
//! - Every page renders with `man` without a warning.
//! - `tck completions` gives a script per shell that knows the commands.

mod common;

use common::{tck, text};
use std::path::{Path, PathBuf};

const REGENERATE: &str = "cargo run -- manpages man/";

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("man")
}

#[test]
fn committed_section_1_pages_are_what_the_cli_definition_generates() {
    let pages = tck::man::pages();
    assert!(pages.len() >= 15, "{} pages", pages.len());
    let mut stale = Vec::new();
    for p in &pages {
        let path = man_dir().join(&p.file);
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == p.text => {}
            Ok(_) => stale.push(format!("{} differs", p.file)),
            Err(_) => stale.push(format!("{} is missing", p.file)),
        }
    }
    for entry in std::fs::read_dir(man_dir()).expect("man/") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".1") && !pages.iter().any(|p| p.file == name) {
            stale.push(format!("{name} is no longer generated (remove it)"));
        }
    }
    assert!(
        stale.is_empty(),
        "the man pages in man/ are out of date with the command-line definition:\n  {}\n\
         regenerate them with `{REGENERATE}` and commit the result",
        stale.join("\n  ")
    );
}

#[test]
fn the_hidden_generator_writes_the_same_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = tck()
        .arg("manpages")
        .arg(dir.path())
        .output()
        .expect("tck manpages");
    assert!(o.status.success(), "{:?}", text(&o));
    for p in tck::man::pages() {
        let written = std::fs::read_to_string(dir.path().join(&p.file)).expect("page written");
        assert_eq!(written, p.text, "{}", p.file);
    }
    // It is not advertised: no page of its own, not in --help.
    let help = tck().arg("--help").output().expect("tck --help");
    assert!(!String::from_utf8_lossy(&help.stdout).contains("manpages"));
}

/// The keys of a "unknown field `x`, expected one of `a`, `b`" error (or
/// "expected `a` or `b`").
fn expected_keys(message: &str) -> Vec<String> {
    let Some((_, list)) = message.split_once("expected") else {
        panic!("no key list in {message:?}");
    };
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The page's text with roff escapes of '-' undone.
fn page(name: &str) -> String {
    std::fs::read_to_string(man_dir().join(name))
        .unwrap_or_else(|e| panic!("man/{name}: {e}"))
        .replace("\\-", "-")
}

/// Whether `key` occurs in `text` as a word of its own.
fn mentions(text: &str, key: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(key).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + key.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

fn config_error(toml: &str) -> String {
    tck::config::Config::from_toml(toml, tck::config::ConfigSource::BuiltIn)
        .expect_err("a bogus key is an error")
        .to_string()
}

#[test]
fn tck_config_5_describes_every_key_the_configuration_accepts() {
    let text = page("tck-config.5");
    let mut keys = Vec::new();
    for probe in [
        "bogus = 1\n",
        "[profile.x]\nbogus = 1\n",
        "[[block_devices]]\nbogus = 1\n",
        "[[nfs_exports]]\nbogus = 1\n",
        "[[iscsi_targets]]\nbogus = 1\n",
        "usb_devices = [{ bogus = 1 }]\n",
        "pci_devices = [{ bogus = 1 }]\n",
    ] {
        keys.extend(expected_keys(&config_error(probe)));
    }
    assert!(keys.len() >= 40, "{keys:?}");
    let missing: Vec<&String> = keys.iter().filter(|k| !mentions(&text, k)).collect();
    assert!(
        missing.is_empty(),
        "man/tck-config.5 does not describe {missing:?}"
    );
    // And every key conf/default.toml shows (the file /etc/tck gets).
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("conf/default.toml"))
            .expect("conf/default.toml");
    for line in shipped.lines() {
        let l = line.trim_start_matches(['#', ' ']);
        if let Some((key, _)) = l.split_once(" = ") {
            if !key.is_empty()
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && line.starts_with("# ")
                && !line.starts_with("#  ")
            {
                assert!(
                    mentions(&text, key),
                    "man/tck-config.5 does not describe `{key}`"
                );
            }
        }
    }
}

#[test]
fn tck_known_broken_5_describes_every_key_of_an_entry() {
    let text = page("tck-known-broken.5");
    let err = tck::known_broken::parse("[[broken]]\nbogus = 1\n", "probe.toml")
        .expect_err("a bogus key is an error")
        .to_string();
    let keys = expected_keys(&err);
    assert!(keys.len() >= 11, "{keys:?}");
    for k in keys {
        assert!(
            mentions(&text, &k),
            "man/tck-known-broken.5 does not describe `{k}`"
        );
    }
}

#[test]
fn every_page_renders_without_a_warning() {
    let have_man = common::on_path("man");
    if !have_man {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but man(1) is not installed");
        }
        eprintln!("note: man(1) not installed; pages not rendered");
        return;
    }
    let mut rendered = 0;
    for entry in std::fs::read_dir(man_dir()).expect("man/") {
        let path = entry.expect("entry").path();
        let o = std::process::Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&path)
            .env("MANWIDTH", "80")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .expect("man runs");
        let (out, err) = text(&o);
        assert!(o.status.success(), "{}: {err}", path.display());
        assert!(
            err.trim().is_empty(),
            "{}: warnings:\n{err}",
            path.display()
        );
        assert!(
            out.contains("NAME") && out.len() > 300,
            "{}:\n{out}",
            path.display()
        );
        rendered += 1;
    }
    assert!(rendered >= 17);
}

#[test]
fn completions_know_every_subcommand_and_bash_accepts_the_script() {
    for shell in ["bash", "zsh", "fish"] {
        let o = tck()
            .args(["completions", shell])
            .output()
            .expect("tck completions");
        let (out, err) = text(&o);
        assert!(o.status.success(), "{shell}: {err}");
        for word in ["merge", "partition", "known-broken", "completions"] {
            assert!(out.contains(word), "{shell} completion lacks {word}");
        }
        if shell == "bash" {
            let dir = tempfile::tempdir().expect("tempdir");
            let f = dir.path().join("tck.bash");
            std::fs::write(&f, &out).expect("write");
            let check = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("source {} && complete -p tck", f.display()))
                .output()
                .expect("bash");
            let (o2, e2) = text(&check);
            assert!(check.status.success(), "bash: {e2}");
            assert!(o2.contains("tck"), "{o2}");
        }
    }
    let o = tck().args(["completions", "tcsh"]).output().expect("tck");
    assert_eq!(o.status.code(), Some(2));
}
