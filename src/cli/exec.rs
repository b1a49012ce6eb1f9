//! `tck exec <ID>`: run one built-in script in this process and print its
//! TAP on stdout.
//!
//! The harness runs every built-in script this way (one process each), and a
//! person runs one script the same way to debug it; other harnesses (prove,
//! Avocado) can too. The two cases differ only in who cleans:
//!
//! - under the harness (`TCK_HARNESS=1` in the environment) the harness's
//!   fixture cleans the script's namespace before and after, and records
//!   leaks; `exec` does not clean;
//! - standalone, `exec` cleans the namespace before the script, and after it
//!   removes what the script left, listing each leaked object as a TAP
//!   comment (`# leaked: domain tck-k3f9q-dom (removed)`).
//!
//! Where things come from: the configuration as for every command
//! (`--config`, `TCK_CONFIG`, `/etc/tck/default.toml`, defaults); the URI
//! from `--uri`, else `TCK_URI`, else the configuration; the namespace from
//! `TCK_PREFIX`, else derived from the prefix and the script id; the scratch
//! directory from `TCK_SCRATCH_DIR`, else `<scratch_dir>/run/<namespace>scratch`.
//!
//! `--disruptive` (or `TCK_DISRUPTIVE=1`, which `tck run --disruptive`
//! sets) allows scripts that declare `disruptive`.
//!
//! Unmet requirements print `1..0 # SKIP reason` and exit 0. libvirt never
//! prints to stderr by itself: its errors are TAP diagnostics.

use super::{ConfigArgs, EXIT_CONFIG};
use crate::config::Config;
use crate::harness::fixture::Fixture;
use crate::script::{Outcome, ScriptDef, Stop};
use crate::tap::producer::Tap;
use crate::virt::connection::{silence_libvirt_errors, Connection};
use crate::virt::context::{env, Context};
use crate::virt::fixture::VirtFixture;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit statuses of `tck exec`, for `--help`.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0        the script passed, or was skipped
  1-254    the number of failed test points (plus planned points that did not run)
  255      the script bailed out
  2        configuration or connection error, or unknown script: no TAP was printed";

#[derive(Debug, Clone, clap::Args)]
pub struct ExecArgs {
    /// The script's id, e.g. `connect/010-open-close` (see `tck list`).
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Allow a script that changes the host for everyone (see `tck run
    /// --disruptive`); `TCK_DISRUPTIVE=1` does the same.
    #[arg(long)]
    pub disruptive: bool,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn main(args: ExecArgs) -> ExitCode {
    silence_libvirt_errors();
    let Some(def) = crate::registry::find(&args.id) else {
        eprintln!(
            "tck exec: no built-in script {:?} (`tck list` shows them)",
            args.id
        );
        return ExitCode::from(EXIT_CONFIG);
    };
    let under_harness = env_var(env::HARNESS).is_some_and(|v| v == "1");
    let mut opts = args.config.options();
    if opts.uri.is_none() {
        opts.uri = env_var(env::URI);
    }
    let mut config = match Config::load(&opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tck exec: configuration error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if args.disruptive || env_var(env::DISRUPTIVE).is_some_and(|v| v == "1") {
        config.disruptive = true;
    }
    let mut cx = Context::new(def.id, config.clone());
    if let Some(ns) = env_var(env::PREFIX) {
        if let Err(why) = check_namespace(&ns, &config.prefix) {
            eprintln!("tck exec: {}={ns:?}: {why}", env::PREFIX);
            return ExitCode::from(EXIT_CONFIG);
        }
        cx = cx.with_namespace(&ns);
    }
    if let Some(dir) = env_var(env::SCRATCH_DIR) {
        cx = cx.with_scratch_dir(&PathBuf::from(dir));
    }

    let conn = match Connection::open(&config.uri) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tck exec: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let fixture = match VirtFixture::with_connection(&config, conn.clone()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tck exec: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let cx = cx.with_connection(conn);
    let mut tap = Tap::stdout();
    let code = run(def, &mut tap, &cx, &fixture, !under_harness);
    if let Err(e) = cx.close() {
        eprintln!("tck exec: {e}");
    }
    if let Err(e) = fixture.close() {
        eprintln!("tck exec: {e}");
    }
    ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(255))
}

/// The namespace given by the harness must extend the configured prefix
/// and follow the prefix rules (safe characters, final separator).
fn check_namespace(ns: &str, prefix: &str) -> Result<(), String> {
    if !ns.starts_with(prefix) || ns.len() <= prefix.len() {
        return Err(format!(
            "the namespace must extend the configured prefix {prefix:?}"
        ));
    }
    if ns
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err("only letters, digits, '-', '_' and '.' are allowed".into());
    }
    if !ns.ends_with(['-', '_', '.']) {
        return Err("the namespace must end with '-', '_' or '.'".into());
    }
    Ok(())
}

/// Run the script with requirements and (standalone) cleaning around it;
/// returns the process exit code.
pub fn run(
    def: &ScriptDef,
    tap: &mut Tap,
    cx: &Context,
    fixture: &VirtFixture,
    standalone: bool,
) -> i32 {
    if let Err(reason) = fixture.check_requirements(&def.meta) {
        let stop = tap.skip_all(&reason);
        return tap.finish(Err(stop));
    }
    let scope = fixture.namespace_scope(cx.namespace());
    if standalone {
        match fixture.clean(&scope) {
            Ok(removal) => {
                for l in &removal.removed {
                    tap.note(&format!(
                        "removed leftover {} {} before the script",
                        l.kind, l.name
                    ));
                }
                if !removal.failed.is_empty() {
                    let reasons: Vec<String> =
                        removal.failed.iter().map(|(_, e)| e.to_string()).collect();
                    let stop = tap.bail_out(&format!(
                        "cannot clean the namespace {:?} before the script: {}",
                        cx.namespace(),
                        reasons.join("; ")
                    ));
                    return tap.finish(Err(stop));
                }
            }
            Err(e) => {
                let stop = tap.bail_out(&format!(
                    "cannot clean the namespace {:?} before the script: {e}",
                    cx.namespace()
                ));
                return tap.finish(Err(stop));
            }
        }
    }

    let outcome: Outcome =
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (def.run)(tap, cx))) {
            Ok(o) => o,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(Stop::Error(format!("the script panicked: {msg}")))
            }
        };
    let code = tap.finish(outcome);

    if standalone {
        match fixture.clean(&scope) {
            Ok(removal) => {
                for l in &removal.removed {
                    tap.note(&format!("leaked: {} {} (removed)", l.kind, l.name));
                }
                for (l, e) in &removal.failed {
                    tap.note(&format!("leaked: {} {} (NOT removed: {e})", l.kind, l.name));
                }
            }
            Err(e) => tap.note(&format!("cannot look for leaked objects: {e}")),
        }
    }
    code
}

#[cfg(test)]
mod tests;
