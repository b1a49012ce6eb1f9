//! The seam between the harness and the environment it runs scripts in.
//!
//! The harness knows nothing about libvirt: before a run, before and after
//! each script, it calls a [`Fixture`]. The libvirt layer implements it
//! (clean-environment fixture, DESIGN.md §5); [`NoFixture`] is used where
//! there is nothing to clean (e.g. harness self-tests with plain TAP files).

use crate::report::model::{Environment, Leak};
use crate::script::Meta;

/// A problem with the environment, described for people (what failed, on
/// which object, what to do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError(pub String);

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FixtureError {}

pub trait Fixture: Send + Sync {
    /// Objects under the prefix left by an earlier (interrupted) run.
    fn leftovers(&self) -> Result<Vec<Leak>, FixtureError>;

    /// Remove every object under the prefix; returns what was removed.
    fn remove_leftovers(&self) -> Result<Vec<Leak>, FixtureError>;

    /// Before a script: make its namespace empty.
    fn before_script(&self, script_id: &str) -> Result<(), FixtureError>;

    /// After a script: what is left in its namespace (leaked by it), which
    /// is then removed.
    fn after_script(&self, script_id: &str) -> Result<Vec<Leak>, FixtureError>;

    /// Whether a built-in script's requirements are met here: `Err(reason)`
    /// gives the skip reason, naming what is missing.
    fn check_requirements(&self, meta: &Meta) -> Result<(), String>;

    /// Fill in the environment fingerprint (URI, driver, versions, host…).
    fn describe(&self, env: &mut Environment);
}

/// A fixture with nothing to clean and no requirements met beyond none.
pub struct NoFixture;

impl Fixture for NoFixture {
    fn leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
        Ok(Vec::new())
    }

    fn remove_leftovers(&self) -> Result<Vec<Leak>, FixtureError> {
        Ok(Vec::new())
    }

    fn before_script(&self, _script_id: &str) -> Result<(), FixtureError> {
        Ok(())
    }

    fn after_script(&self, _script_id: &str) -> Result<Vec<Leak>, FixtureError> {
        Ok(Vec::new())
    }

    fn check_requirements(&self, meta: &Meta) -> Result<(), String> {
        match meta.requires.first() {
            None => Ok(()),
            Some(r) => Err(format!("requires {} (no libvirt connection)", r.describe())),
        }
    }

    fn describe(&self, _env: &mut Environment) {}
}
