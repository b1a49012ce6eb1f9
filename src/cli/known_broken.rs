//! `tck known-broken suggest`, and the `--known-broken` option of `tck run`:
//! loading the files (errors name file and line; warnings are printed),
//! masking the console's view of each script as it finishes, masking the
//! report before it is written, and the closing summary (unexpected
//! passes, expired entries). The rules live in [`crate::known_broken`].

use crate::harness::runner::{Observer, ScriptOutput};
use crate::harness::Script;
use crate::known_broken::{self, Date, KnownBroken, Scoped};
use crate::report::console::safe_line;
use crate::report::model::{Environment, Report, ScriptResult};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write known-broken entries for the current failures of reports,
    /// scoped to each report's environment, with a reason to fill in.
    Suggest(SuggestArgs),
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// Reports (tck XML, archives, Perl libvirt-tck XML).
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    match &args.command {
        Command::Suggest(a) => suggest(a),
    }
}

fn suggest(args: &SuggestArgs) -> ExitCode {
    let (reports, sources) =
        match crate::cli::compare::load_all(&args.reports, "tck known-broken suggest") {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
    let refs: Vec<&Report> = reports.iter().collect();
    let (text, n) = known_broken::suggest::suggest(&refs, &sources);
    let written =
        crate::cli::compare::write_output(args.output.as_deref(), |w| w.write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!("tck known-broken suggest: {e}");
        return ExitCode::from(2);
    }
    if let Some(p) = &args.output {
        eprintln!(
            "tck: wrote {n} entr{} to {}; fill in each reason",
            if n == 1 { "y" } else { "ies" },
            p.display()
        );
    }
    ExitCode::SUCCESS
}

/// Loads known-broken files or directories, printing the warnings to
/// stderr when `warn` (`tck problems` puts them in its output instead); an
/// error (printed, naming file and line) gives exit status 2.
pub(crate) fn load(paths: &[PathBuf], who: &str, warn: bool) -> Result<KnownBroken, ExitCode> {
    match known_broken::load(paths) {
        Ok(k) => {
            if warn {
                for w in &k.warnings {
                    eprintln!("{who}: warning: {w}");
                }
            }
            Ok(k)
        }
        Err(e) => {
            eprintln!("{who}: known-broken file: {e}");
            Err(ExitCode::from(2))
        }
    }
}

/// `tck run --known-broken FILE|DIR` (repeatable).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KnownBrokenArgs {
    /// Known-broken file, or directory of *.toml files (repeatable): the
    /// failures they list are reported as known broken and do not fail the
    /// run; their unexpected passes do.
    #[arg(long = "known-broken", value_name = "FILE|DIR")]
    pub known_broken: Vec<PathBuf>,
}

/// The known-broken entries of a run, loaded before it starts.
pub(crate) struct RunMasking {
    kb: KnownBroken,
    today: Date,
}

impl KnownBrokenArgs {
    /// `None` when no file was given.
    pub(crate) fn load(&self) -> Result<Option<RunMasking>, ExitCode> {
        if self.known_broken.is_empty() {
            return Ok(None);
        }
        Ok(Some(RunMasking {
            kb: load(&self.known_broken, "tck", true)?,
            today: known_broken::today(),
        }))
    }
}

impl RunMasking {
    /// An observer that shows `inner` each script masked by the entries in
    /// scope for `env` (the run's environment, described before it starts).
    pub(crate) fn observer<'a>(
        &'a self,
        env: &Environment,
        inner: &'a mut dyn Observer,
    ) -> Masking<'a> {
        Masking {
            scoped: self.kb.scoped(env, self.today),
            inner,
        }
    }

    /// Masks the finished report (for its outputs and exit status), prints
    /// the unexpected passes and expired entries; true when a non-flaky
    /// entry's result passed (the run must then fail).
    pub(crate) fn finish(&self, report: &mut Report, out: &mut dyn Write) -> bool {
        let outcome = known_broken::mask_report(report, &self.kb, self.today);
        let p = known_broken::problems(
            &[(report, &outcome)],
            &[String::new()],
            &self.kb,
            self.today,
        );
        if !p.unexpected_passes.is_empty() {
            let _ = writeln!(
                out,
                "\nKnown broken but passed (remove these entries, or mark them flaky = true):"
            );
            for u in &p.unexpected_passes {
                let subject = match &u.test {
                    Some(t) => format!("{} › {t}", u.script),
                    None => u.script.clone(),
                };
                let _ = writeln!(
                    out,
                    "  {}  entry {}: {}",
                    safe_line(&subject),
                    safe_line(&u.entry),
                    safe_line(&u.reason)
                );
            }
        }
        let expired: Vec<_> = p.expired.iter().filter(|e| e.failures > 0).collect();
        if !expired.is_empty() {
            let _ = writeln!(
                out,
                "\nExpired known-broken entries (they no longer mask these failures):"
            );
            for e in expired {
                let _ = writeln!(
                    out,
                    "  {}  {} expired {}: {}",
                    safe_line(&e.entry),
                    safe_line(&e.subject),
                    e.expires,
                    safe_line(&e.reason)
                );
            }
        }
        let _ = out.flush();
        !p.unexpected_passes.is_empty()
    }
}

/// Shows another observer (the console) each result masked.
pub(crate) struct Masking<'a> {
    scoped: Scoped<'a>,
    inner: &'a mut dyn Observer,
}

impl Observer for Masking<'_> {
    fn note(&mut self, message: &str) {
        self.inner.note(message);
    }

    fn run_started(&mut self, scripts: &[Script], jobs: usize) {
        self.inner.run_started(scripts, jobs);
    }

    fn script_started(&mut self, script: &Script) {
        self.inner.script_started(script);
    }

    fn script_finished(&mut self, result: &ScriptResult, output: &ScriptOutput) {
        let mut masked = result.clone();
        self.scoped.mask_script(&mut masked);
        self.inner.script_finished(&masked, output);
    }

    fn run_finished(&mut self, report: &Report, wall: Duration) {
        let mut masked = report.clone();
        for s in &mut masked.scripts {
            self.scoped.mask_script(s);
        }
        self.inner.run_finished(&masked, wall);
    }
}
