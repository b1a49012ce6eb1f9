//! Autostart of domains and networks, and of storage pools where they
//! behave alike (`<area>/051`, `<area>/061`): autostart starts an
//! object's persistent configuration when the host boots or the daemon
//! starts, so a transient object refuses it, and a persistent one keeps
//! the setting across start and stop.

use super::kind::Kind;
use crate::prelude::*;

/// A transient object cannot be marked for autostart: autostart reads
/// false, setting it raises OperationInvalid and changes nothing. 6 test
/// points.
pub fn transient_refuses<K: Kind>(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(6);
    let conn = cx.connect()?;
    let name = cx.name(K::LOCAL);
    let _guard = K::prepare(cx, &name)?;
    let noun = K::NOUN;

    let obj = t.ok_result(
        K::create(conn, &K::xml(cx, &name, None)?),
        &format!("{} starts a transient {noun}", K::CREATE_API),
    )?;
    t.is(
        obj.autostart()?,
        false,
        &format!("autostart reads false on a transient {noun}"),
    );
    t.err_code(
        obj.set_autostart(true),
        ErrorNumber::OperationInvalid,
        &format!("set_autostart(true) on a transient {noun} raises OperationInvalid"),
    );
    t.is(
        obj.autostart()?,
        false,
        "autostart still reads false after the refused change",
    );

    t.ok_result(
        obj.destroy(),
        &format!("destroy stops the transient {noun}"),
    )?;
    t.err_code(
        K::by_name(conn, &name),
        K::MISSING.0,
        &format!("lookup after destroy raises {}", K::MISSING.1),
    );
    Ok(())
}

/// Autostart of a persistent object is toggled while it is inactive and
/// while it runs, and survives start and destroy. 17 test points.
pub fn persistent_toggles<K: Kind>(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(17);
    let conn = cx.connect()?;
    let name = cx.name(K::LOCAL);
    let _guard = K::prepare(cx, &name)?;
    let noun = K::NOUN;

    let obj = t.ok_result(
        K::define(conn, &K::xml(cx, &name, None)?),
        &format!("define a persistent {noun}"),
    )?;
    t.is(
        obj.autostart()?,
        false,
        &format!("a newly defined {noun} does not autostart"),
    );

    t.ok_result(obj.set_autostart(true), "inactive: set_autostart(true)")?;
    t.is(obj.autostart()?, true, "inactive: autostart reads true");
    t.ok_result(obj.set_autostart(false), "inactive: set_autostart(false)")?;
    t.is(obj.autostart()?, false, "inactive: autostart reads false");
    t.ok_result(
        obj.set_autostart(true),
        "inactive: set_autostart(true) again",
    )?;

    t.ok_result(obj.start(), &format!("start the {noun}"))?;
    t.is(
        obj.autostart()?,
        true,
        &format!("autostart is still set after starting the {noun}"),
    );
    t.ok_result(obj.set_autostart(false), "running: set_autostart(false)")?;
    t.is(obj.autostart()?, false, "running: autostart reads false");
    t.ok_result(obj.set_autostart(true), "running: set_autostart(true)")?;
    t.is(obj.autostart()?, true, "running: autostart reads true");

    t.ok_result(obj.destroy(), &format!("destroy the {noun}"))?;
    t.is(
        obj.autostart()?,
        true,
        &format!("autostart is still set after destroying the {noun}"),
    );
    t.ok_result(obj.undefine(), &format!("undefine the {noun}"))?;
    t.err_code(
        K::by_name(conn, &name),
        K::MISSING.0,
        &format!("lookup after undefine raises {}", K::MISSING.1),
    );
    Ok(())
}
