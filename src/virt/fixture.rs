//! The clean-environment fixture (DESIGN.md §5): the harness's
//! [`Fixture`] for libvirt.
//!
//! - Before a run: objects under the configured prefix are leftovers of an
//!   interrupted run; the harness lists them and removes them only with
//!   `--force` (or `autoclean`).
//! - Before a script: its namespace (`<prefix><tag>-`, see
//!   [`crate::harness::namespace`]) is made empty.
//! - After a script: whatever is left in its namespace is returned as leaked
//!   by that script, then removed.
//!
//! What is owned, and how each kind is removed, is [`super::clean`]'s
//! business; this module adds the scopes, the requirement checks and the
//! environment fingerprint. One connection serves every call, from any
//! harness thread (libvirt connections are thread-safe). When the daemon
//! behind it restarts (a disruptive script restarts it, or an
//! administrator does), the connection is dead: the next call opens a new
//! one, so the scripts after that run against the restarted daemon.

use super::clean::{self, Found, Removal, Scope};
use super::connection::{ConnectError, Connection};
use super::error::LibvirtError;
use super::{fingerprint, requirements};
use crate::config::Config;
use crate::harness::fixture::{Fixture, FixtureError};
use crate::harness::namespace::script_prefix;
use crate::report::model::{Environment, Leak};
use crate::script::Meta;

/// The libvirt clean-environment fixture.
pub struct VirtFixture {
    /// Replaced by a new connection when the daemon went away.
    conn: std::sync::RwLock<Connection>,
    config: Config,
    /// libvirt's driver type, asked once.
    driver: String,
}

impl VirtFixture {
    /// Open the configured URI and build the fixture. This is the one place a
    /// run learns that its URI is unreachable: the caller reports the error
    /// once and exits with status 2.
    pub fn open(config: &Config) -> Result<VirtFixture, ConnectError> {
        let conn = Connection::open(&config.uri)?;
        VirtFixture::with_connection(config, conn).map_err(|error| ConnectError {
            uri: config.uri.clone(),
            error,
        })
    }

    /// Build the fixture on an open connection (shared with a script's
    /// context in `tck exec`).
    pub fn with_connection(config: &Config, conn: Connection) -> Result<VirtFixture, LibvirtError> {
        let driver = conn.driver()?;
        Ok(VirtFixture {
            conn: std::sync::RwLock::new(conn),
            config: config.clone(),
            driver,
        })
    }

    /// The fixture's connection (another reference to it), opened again
    /// first if the daemon closed it.
    pub fn connection(&self) -> Result<Connection, LibvirtError> {
        // A poisoned lock only means a thread panicked while swapping the
        // connection; the value is still a connection.
        let current = self
            .conn
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if current.is_alive().unwrap_or(false) {
            return Ok(current);
        }
        let fresh = Connection::open(&self.config.uri).map_err(|e| {
            e.error.context(format!(
                "the connection to {} was lost and cannot be opened again",
                self.config.uri
            ))
        })?;
        *self
            .conn
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// libvirt's driver type ("QEMU", "TEST"…).
    pub fn driver(&self) -> &str {
        &self.driver
    }

    /// Everything under the configured prefix.
    pub fn run_scope(&self) -> Scope {
        Scope::new(&self.config.prefix, &self.config.scratch_run_dir())
    }

    /// One script's namespace.
    pub fn script_scope(&self, script_id: &str) -> Scope {
        self.namespace_scope(&script_prefix(&self.config.prefix, script_id))
    }

    /// A namespace given directly (as `TCK_PREFIX`).
    pub fn namespace_scope(&self, namespace: &str) -> Scope {
        Scope::new(namespace, &self.config.scratch_run_dir())
    }

    /// The owned objects of a scope, without touching them (`tck clean --dry-run`).
    pub fn find(&self, scope: &Scope) -> Result<Vec<Found>, LibvirtError> {
        let conn = self.connection()?;
        clean::find(&conn, scope)
    }

    /// Find and remove the owned objects of a scope.
    pub fn clean(&self, scope: &Scope) -> Result<Removal, LibvirtError> {
        let found = self.find(scope)?;
        Ok(clean::remove(found, scope))
    }

    /// Close the connection, reporting a failure.
    pub fn close(self) -> Result<(), LibvirtError> {
        self.conn
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .close()
    }

    fn clean_for(&self, scope: &Scope, when: &str) -> Result<Vec<Leak>, FixtureError> {
        let removal = self.clean(scope).map_err(|e| {
            FixtureError(format!(
                "{when}: cannot clean the objects under {:?} on {}: {e}",
                scope.prefix, self.config.uri
            ))
        })?;
        failures_to_error(removal, scope, when)
    }
}

/// `Ok(removed)`, or an error listing what could not be removed (and what
/// was) so nothing is silently left behind.
fn failures_to_error(
    removal: Removal,
    scope: &Scope,
    when: &str,
) -> Result<Vec<Leak>, FixtureError> {
    if removal.failed.is_empty() {
        return Ok(removal.removed);
    }
    let mut msg = format!(
        "{when}: {} object(s) under {:?} could not be removed; remove them by hand (`virsh`), then `tck clean`:",
        removal.failed.len(),
        scope.prefix
    );
    for (_, e) in &removal.failed {
        msg.push_str(&format!("\n  {e}"));
    }
    if !removal.removed.is_empty() {
        msg.push_str("\nremoved:");
        for l in &removal.removed {
            msg.push_str(&format!("\n  {} {}", l.kind, l.name));
        }
    }
    Err(FixtureError(msg))
}

impl Fixture for VirtFixture {
    fn leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
        let scope = self.run_scope();
        self.find(&scope)
            .map(|found| found.iter().map(Found::leak).collect())
            .map_err(|e| {
                FixtureError(format!(
                    "cannot look for objects under {:?} on {}: {e}",
                    scope.prefix, self.config.uri
                ))
            })
    }

    fn remove_leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
        self.clean_for(&self.run_scope(), "removing leftovers")
    }

    fn before_script(&self, script_id: &str) -> Result<(), FixtureError> {
        self.clean_for(
            &self.script_scope(script_id),
            &format!("before {script_id}"),
        )
        .map(|_| ())
    }

    fn after_script(&self, script_id: &str) -> Result<Vec<Leak>, FixtureError> {
        self.clean_for(&self.script_scope(script_id), &format!("after {script_id}"))
    }

    fn check_requirements(&self, meta: &Meta) -> Result<(), String> {
        let env = requirements::Env {
            config: &self.config,
            driver: &self.driver,
            uid: super::host::euid(),
        };
        requirements::check(meta, &env)
    }

    fn describe(&self, env: &mut Environment) {
        match self.connection() {
            Ok(conn) => fingerprint::describe(&conn, &self.config, env),
            Err(_) => fingerprint::describe(
                &self
                    .conn
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                &self.config,
                env,
            ),
        }
    }
}

#[cfg(test)]
mod tests;
