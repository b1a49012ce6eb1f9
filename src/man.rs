//! Man pages, generated from the command-line definition.
//!
//! Section 1 (`tck.1`, one `tck-<subcommand>.1` per subcommand) is made
//! here from the clap definition with `clap_mangen`, so a new option is
//! documented the moment it exists; `man/` holds the pages as generated,
//! and a test fails when they differ from what this module produces now
//! (`tck manpages man/` regenerates them). The clap text gives NAME,
//! SYNOPSIS, DESCRIPTION, OPTIONS and SUBCOMMANDS; this module adds what
//! clap does not know: EXIT STATUS (from each command's `after_help`),
//! and for `tck` itself ENVIRONMENT, FILES, EXAMPLES, and SEE ALSO
//! everywhere. Section 5 (`tck-config.5`, `tck-known-broken.5`) is written
//! by hand in `man/`: a file format needs prose, not an option list.
//!
//! Pages carry no date, so that generating them twice gives the same bytes.

use clap::CommandFactory;

/// The hand-written pages of section 5, in `man/`.
pub const SECTION5: [&str; 2] = ["tck-config.5", "tck-known-broken.5"];

/// One generated page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// File name, e.g. `tck-run.1`.
    pub file: String,
    pub text: String,
}

/// Escapes text for a roff line: backslashes, and a leading `.` or `'`
/// that would make the line a request.
fn esc(s: &str) -> String {
    let s = s.replace('\\', "\\e");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// Every section 1 page: `tck.1`, then each (visible) subcommand's, nested
/// ones as `tck-known-broken-suggest.1`.
pub fn pages() -> Vec<Page> {
    let mut root = crate::cli::Cli::command().disable_help_subcommand(true);
    root.build();
    let mut names = Vec::new();
    collect_names(&root, &mut names);
    let mut out = Vec::new();
    render_tree(&root, &names, &mut out);
    out
}

/// Page names (without section) of `cmd` and its visible subcommands.
fn collect_names(cmd: &clap::Command, names: &mut Vec<String>) {
    names.push(page_name(cmd));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_names(sub, names);
    }
}

fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

fn render_tree(cmd: &clap::Command, all: &[String], out: &mut Vec<Page>) {
    out.push(render(cmd, all));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_tree(sub, all, out);
    }
}

fn render(cmd: &clap::Command, all: &[String]) -> Page {
    let name = page_name(cmd);
    let version = crate::cli::Cli::command()
        .get_version()
        .unwrap_or_default()
        .to_string();
    let man = clap_mangen::Man::new(cmd.clone())
        .title(name.to_ascii_uppercase())
        .section("1")
        .source(format!("tck {version}"))
        .manual("tck manual");
    let mut buf: Vec<u8> = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man.render_title(&mut buf);
    let _ = man.render_name_section(&mut buf);
    let _ = man.render_synopsis_section(&mut buf);
    let _ = man.render_description_section(&mut buf);
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        let _ = man.render_options_section(&mut buf);
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        let _ = man.render_subcommands_section(&mut buf);
    }
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    if let Some(after) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) {
        text.push_str(&exit_status(&after.to_string()));
    }
    if name == "tck" {
        text.push_str(TCK_EXTRA);
    }
    if name == "tck-run" {
        text.push_str(RUN_EXTRA);
    }
    text.push_str(&see_also(&name, all));
    Page {
        file: format!("{name}.1"),
        text,
    }
}

/// An "Exit status:" help text as an EXIT STATUS section: one tagged
/// paragraph per status, continuation lines joined.
fn exit_status(help: &str) -> String {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut other = String::new();
    for line in help.lines() {
        let t = line.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("exit status:") {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent <= 2 && t.starts_with(|c: char| c.is_ascii_digit()) {
            let (code, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
            entries.push((code.to_string(), rest.trim().to_string()));
        } else if let Some((_, text)) = entries.last_mut() {
            text.push(' ');
            text.push_str(t);
        } else {
            other.push_str(&format!("{}\n", esc(t)));
        }
    }
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    s.push_str(&other);
    for (code, text) in entries {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(&code), esc(&text)));
    }
    s
}

fn see_also(name: &str, all: &[String]) -> String {
    let mut refs: Vec<String> = Vec::new();
    if name == "tck" {
        refs.extend(
            all.iter()
                .filter(|n| *n != "tck")
                .map(|n| format!("{n}(1)")),
        );
    } else {
        refs.push("tck(1)".into());
        // The parent and the children of a nested command.
        refs.extend(
            all.iter()
                .filter(|n| {
                    *n != name
                        && *n != "tck"
                        && (name.starts_with(&format!("{n}-"))
                            || n.starts_with(&format!("{name}-")))
                })
                .map(|n| format!("{n}(1)")),
        );
    }
    refs.extend(SECTION5.iter().map(|f| {
        let (n, sec) = f.rsplit_once('.').unwrap_or((f, "5"));
        format!("{n}({sec})")
    }));
    refs.push("virsh(1)".into());
    let bold: Vec<String> = refs
        .iter()
        .map(|r| {
            let (n, sec) = r.split_once('(').unwrap_or((r, ""));
            format!("\\fB{}\\fR({sec}", esc(n))
        })
        .collect();
    format!(".SH \"SEE ALSO\"\n{}\n", bold.join(",\n"))
}

/// What `tck(1)` says beyond its options.
const TCK_EXTRA: &str = r#".SH ENVIRONMENT
.TP
\fBTCK_CONFIG\fR
The configuration file, when \fB\-\-config\fR is not given (see \fBtck\-config\fR(5)).
.TP
\fBTCK_HISTORY_DIR\fR
Where runs are recorded for \fB\-\-rerun\-failed\fR, \fB\-\-order\fR and \fBtck history\fR (overrides \fIhistory_dir\fR).
.TP
\fBNO_COLOR\fR
When set to anything but the empty string, no colour on a terminal (unless \fB\-\-color always\fR).
.TP
\fBTCK_URI\fR, \fBTCK_PREFIX\fR, \fBTCK_SCRATCH_DIR\fR, \fBTCK_SCRIPT_ID\fR, \fBTCK_CONFIG\fR
Set by \fBtck run\fR for every script it runs: the URI under test, the script's own name prefix (every object it creates must start with it), its scratch directory, its id, and the configuration file. External scripts read them; \fBtck exec\fR does too.
.SH FILES
.TP
\fI/etc/tck/default.toml\fR
The system configuration, used when neither \fB\-\-config\fR nor \fBTCK_CONFIG\fR names a file. Every key is documented in it, commented out with its default, and in \fBtck\-config\fR(5).
.TP
\fI/usr/share/tck/known\-broken/\fR
The known-broken files shipped with tck (one per area), for \fB\-\-known\-broken\fR; see \fBtck\-known\-broken\fR(5).
.TP
\fI/var/cache/tck/\fR
The scratch directory of root's runs (\fIscratch_dir\fR): prepared guest media, each running script's scratch files under \fIrun/\fR, and the run history under \fIhistory/\fR. Other users: \fI$XDG_CACHE_HOME/tck\fR.
.SH SAFETY
tck creates, changes and destroys only libvirt objects and files whose name starts with the configured prefix (default \fBtck\-\fR), plus the host resources listed in the configuration. Each script works in its own namespace under the prefix, cleaned before and after it; objects left by an interrupted run stop the next run until \fB\-\-force\fR or \fBtck clean\fR removes them.
.SH EXAMPLES
.TP
\fBtck list\fR
The built-in scripts, with their requirements.
.TP
\fBtck run \-\-uri qemu:///system \-\-xml kvm.xml \-\-html kvm.html\fR
The whole suite on the local QEMU/KVM driver, with an XML and an HTML report.
.TP
\fBtck run \-\-uri qemu:///system \-\-known\-broken /usr/share/tck/known\-broken domain/\fR
The domain scripts; failures listed as known broken do not fail the run.
.TP
\fBtck compare before.xml after.xml\fR
What changed between two runs: regressions, fixes, new and removed tests.
.TP
\fBtck run \-\-uri kvm1=qemu+ssh://kvm1/system \-\-uri kvm2=qemu+ssh://kvm2/system \-\-xml r.xml\fR
Two hosts at once through libvirt's remote driver: \fIr.kvm1.xml\fR, \fIr.kvm2.xml\fR and a matrix.
"#;

/// What `tck-run(1)` says beyond its options.
const RUN_EXTRA: &str = r#".SH "SEVERAL HOSTS"
\fB\-\-uri\fR may be given several times, as \fIURI\fR or \fILABEL\fR=\fIURI\fR. Each URI is run at once, on a thread of its own, with its own \fB\-j\fR slots, run history and reports; remote hosts are reached through libvirt's remote driver (\fBqemu+ssh://\fR, \fBqemu+tcp://\fR, \fBqemu+tls://\fR). The console prefixes each line with the URI's label; after the runs, the hosts are shown side by side (per-area readiness and a matrix, as \fBtck\-compare\fR(1) shows them).
.PP
URI number 1, 2, \&... runs under its own prefix: the configured prefix, a slot letter and the prefix's separator (\fBtck\-a\-\fR, \fBtck\-b\-\fR), so that two URIs reaching the same daemon never touch each other's objects; the configured prefix may then have at most 6 characters. Report paths get the label before their extension (\fB\-\-xml r.xml\fR writes \fIr.LABEL.xml\fR; an archive directory \fIdir\fR becomes \fIdir.LABEL\fR). Scripts that inspect the local host skip on a remote URI. The exit status is the worst of the runs'.
.SH PARTITIONS
\fB\-\-partition\fR \fIK\fR/\fIN\fR runs slice \fIK\fR of \fIN\fR of the selected scripts: after every other selection, the scripts in path order are dealt round-robin, so slices differ in size by one at most and each area is spread over all of them. The report records the slice; \fBtck\-merge\fR(1) joins the slices' reports into one.
"#;

/// Writes every section 1 page into `dir` (created if missing); returns
/// the files written.
pub fn write_to(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for p in pages() {
        let path = dir.join(&p.file);
        std::fs::write(&path, p.text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_subcommand_has_a_page_with_its_sections() {
        let pages = pages();
        let files: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
        for f in [
            "tck.1",
            "tck-run.1",
            "tck-merge.1",
            "tck-completions.1",
            "tck-known-broken-suggest.1",
        ] {
            assert!(files.contains(&f), "{f} missing from {files:?}");
        }
        assert!(
            !files.iter().any(|f| f.contains("manpages")),
            "hidden commands have no page"
        );
        let run = pages
            .iter()
            .find(|p| p.file == "tck-run.1")
            .map(|p| &p.text);
        let run = run.map(String::as_str).unwrap_or_default();
        assert!(run.contains("\n.TH TCK-RUN 1 "), "{run}");
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH OPTIONS",
            ".SH \"EXIT STATUS\"",
            ".SH \"SEVERAL HOSTS\"",
            ".SH \"SEE ALSO\"",
        ] {
            assert!(run.contains(section), "{section}");
        }
        assert!(run.contains("partition"), "options come from clap");
        assert!(run.contains(".TP\n\\fB130\\fR\ninterrupted"), "{run}");
    }

    #[test]
    fn exit_status_help_becomes_tagged_paragraphs() {
        let s = exit_status(
            "Exit status:\n  0    all passed\n  1    a script failed, or\n       errored\n  2    usage",
        );
        assert_eq!(
            s,
            ".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nall passed\n.TP\n\\fB1\\fR\na script failed, or errored\n.TP\n\\fB2\\fR\nusage\n"
        );
    }

    #[test]
    fn text_cannot_become_a_roff_request() {
        assert_eq!(esc(".x"), "\\&.x");
        assert_eq!(esc("'x"), "\\&'x");
        assert_eq!(esc("a\\b"), "a\\eb");
    }
}
