//! Name and UUID uniqueness of domains, networks and pools
//! (`<area>/080–082`): libvirt refuses a second object with the name of
//! one it has and another UUID, or with its UUID and another name, and
//! never serves a cached object that a new one of the same name
//! replaced.
//!
//! [`define_twice`] and [`recreate_with_new_uuid`] are whole scripts for
//! any [`Kind`]; the 081 scripts, whose semantics differ by kind, use
//! [`Twins`].

use super::kind::Kind;
use crate::prelude::*;
use crate::virt::builders::random_uuid;

/// The XML documents of an object A and of the two that clash with it.
pub struct Twins<K: Kind> {
    pub name: String,
    pub other_name: String,
    pub uuid: String,
    /// A's name and UUID.
    pub same: String,
    /// Another name with A's UUID.
    pub same_uuid: String,
    /// A's name with another UUID.
    pub same_name: String,
    /// What A needs on the host to start.
    pub guard: K::Guard,
}

impl<K: Kind> Twins<K> {
    pub fn new(cx: &Context) -> Result<Twins<K>, Stop> {
        let (name, other_name) = (cx.name("a"), cx.name("b"));
        let (uuid, other_uuid) = (random_uuid()?, random_uuid()?);
        Ok(Twins {
            same: K::xml(cx, &name, Some(&uuid))?,
            same_uuid: K::xml(cx, &other_name, Some(&uuid))?,
            same_name: K::xml(cx, &name, Some(&other_uuid))?,
            guard: K::prepare(cx, &name)?,
            name,
            other_name,
            uuid,
        })
    }

    /// Two test points: creating either clashing object while A is in
    /// `state` raises OperationFailed.
    pub fn creating_clashes(&self, t: &mut Tap, cx: &Context, state: &str) -> Outcome {
        let conn = cx.connect()?;
        t.err_code(
            K::create(conn, &self.same_uuid),
            ErrorNumber::OperationFailed,
            &format!("{state}: creating another name with A's UUID raises OperationFailed"),
        );
        t.err_code(
            K::create(conn, &self.same_name),
            ErrorNumber::OperationFailed,
            &format!("{state}: creating A's name with another UUID raises OperationFailed"),
        );
        Ok(())
    }

    /// One test point: creating A again while it runs raises
    /// OperationInvalid.
    pub fn creating_again(&self, t: &mut Tap, cx: &Context) -> Outcome {
        t.err_code(
            K::create(cx.connect()?, &self.same),
            ErrorNumber::OperationInvalid,
            "running: creating A again raises OperationInvalid",
        );
        Ok(())
    }

    /// One test point: none of the kind exists under the other name
    /// (`done`: "defined", "created").
    pub fn none_under_other_name(&self, t: &mut Tap, cx: &Context, done: &str) -> Outcome {
        t.err_code(
            K::by_name(cx.connect()?, &self.other_name),
            K::MISSING.0,
            &format!("no {} was {done} under the other name", K::NOUN),
        );
        Ok(())
    }

    /// Three test points: a transient A is created, creating it again
    /// while it runs raises OperationInvalid, and it is destroyed.
    pub fn transient_clash(&self, t: &mut Tap, cx: &Context) -> Outcome {
        let conn = cx.connect()?;
        let transient = t.ok_result(K::create(conn, &self.same), "create a transient A")?;
        t.err_code(
            K::create(conn, &self.same),
            ErrorNumber::OperationInvalid,
            "creating the running transient A again raises OperationInvalid",
        );
        t.ok_result(transient.destroy(), "destroy the transient A")?;
        Ok(())
    }
}

/// Defining checks name and UUID uniqueness: the same name and UUID
/// redefines A, another name with its UUID or its name with another UUID
/// is refused, while A is inactive and while it runs. 13 test points.
pub fn define_twice<K: Kind>(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(13);
    let conn = cx.connect()?;
    let a = Twins::<K>::new(cx)?;
    let noun = K::NOUN;

    let obj = t.ok_result(K::define(conn, &a.same), &format!("define {noun} A"))?;
    for state in ["inactive", "running"] {
        if state == "running" {
            t.ok_result(obj.start(), &format!("start {noun} A"))?;
        }
        t.ok_result(
            K::define(conn, &a.same),
            &format!("{state}: redefining A with its own name and UUID succeeds"),
        )?;
        t.err_code(
            K::define(conn, &a.same_uuid),
            ErrorNumber::OperationFailed,
            &format!("{state}: defining another name with A's UUID raises OperationFailed"),
        );
        t.err_code(
            K::define(conn, &a.same_name),
            ErrorNumber::OperationFailed,
            &format!("{state}: defining A's name with another UUID raises OperationFailed"),
        );
        t.is(
            K::by_name(conn, &a.name)?.uuid()?,
            a.uuid.as_str(),
            &format!("{state}: A keeps its UUID"),
        );
    }
    a.none_under_other_name(t, cx, "defined")?;
    t.ok_result(obj.destroy(), &format!("{} {noun} A", K::STOP))?;
    t.ok_result(obj.undefine(), &format!("undefine {noun} A"))?;
    Ok(())
}

/// Re-creating an object under the same name with a new UUID reports the
/// new UUID everywhere: handles, lookups by name and by UUID never serve
/// the cached old object. 10 test points.
pub fn recreate_with_new_uuid<K: Kind>(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(10);
    let conn = cx.connect()?;
    let name = cx.name(K::LOCAL);
    let (first, second) = (random_uuid()?, random_uuid()?);
    let _guard = K::prepare(cx, &name)?;
    let noun = K::NOUN;

    let old = t.ok_result(
        K::create(conn, &K::xml(cx, &name, Some(&first))?),
        &format!("create the {noun} with a first UUID"),
    )?;
    t.is(
        old.uuid()?,
        first.as_str(),
        &format!("the {noun} reports the first UUID"),
    );
    t.ok_result(old.destroy(), &format!("destroy the first {noun}"))?;

    let new = t.ok_result(
        K::create(conn, &K::xml(cx, &name, Some(&second))?),
        &format!("create a {noun} with the same name and a second UUID"),
    )?;
    t.is(
        new.uuid()?,
        second.as_str(),
        "the new handle reports the second UUID",
    );
    let found = t.ok_result(K::by_name(conn, &name), "lookup by name")?;
    t.is(
        found.uuid()?,
        second.as_str(),
        "lookup by name gives the second UUID, not a cached first",
    );
    t.err_code(
        K::by_uuid(conn, &first),
        K::MISSING.0,
        &format!("lookup by the first UUID raises {}", K::MISSING.1),
    );
    t.err_code(
        old.is_active(),
        K::MISSING.0,
        &format!("the stale handle of the first {noun} does not reach the new one"),
    );
    t.ok_result(new.destroy(), &format!("destroy the second {noun}"))?;
    Ok(())
}
