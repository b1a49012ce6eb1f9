//! Assertions about libvirt calls, on the TAP producer.
//!
//! - [`Tap::err_code`]: the call must fail with a given error code
//!   ("lookup after destroy raises NoDomain").
//! - [`Tap::err_any`]: the call must fail, whatever the code, for
//!   operations whose error code the API does not pin down ("restoring a
//!   truncated image fails"); prefer `err_code` wherever it does.
//! - [`Tap::ok_result`]: the call must succeed; its value is handed back so
//!   the script can go on with it.
//! - [`Tap::ok_host`]: the same for an operation on the host that is not a
//!   libvirt call (a hook installed, a daemon reloaded): its error, any
//!   `Display`, is the diagnostic.
//!
//! Both apply DESIGN.md §4's rule: when the operation under test is not
//! supported by the driver (see [`super::error::UNSUPPORTED_CODES`]), the
//! point is a SKIP "unsupported by driver: …", not a failure. Failures
//! carry YAML diagnostics with libvirt's code (as `ErrorNumber` names it,
//! with its C value), domain and message.

use super::error::{known_code_name, LibvirtError};
use crate::script::Stop;
use crate::tap::producer::Tap;
use crate::yaml::Yaml;
use virt::error::ErrorNumber;

/// The YAML block describing a libvirt error.
pub fn error_yaml(e: &LibvirtError) -> Vec<(&'static str, Yaml)> {
    let mut v = vec![
        ("code", Yaml::Str(e.code_name())),
        ("domain", Yaml::Str(e.domain_name())),
        ("message", Yaml::Str(e.message().to_string())),
    ];
    if let Some(w) = e.what() {
        v.push(("while", Yaml::Str(w.to_string())));
    }
    v
}

/// The skip reason for an unsupported operation.
pub fn unsupported_reason(e: &LibvirtError) -> String {
    format!(
        "unsupported by driver: {} ({})",
        e.message().trim(),
        e.code_name()
    )
}

impl Tap {
    /// Passes when `result` is a libvirt error with `code`. A success fails
    /// ("got: success"); another code fails with got/expected codes, the
    /// error's domain and message. An unsupported-operation error (when that
    /// is not the code expected) is a SKIP point. Returns whether the point
    /// did not fail.
    #[track_caller]
    pub fn err_code<T, E: Into<LibvirtError>>(
        &mut self,
        result: Result<T, E>,
        code: ErrorNumber,
        desc: &str,
    ) -> bool {
        let expected = Yaml::Str(format!("libvirt error {}", known_code_name(code)));
        match result {
            Ok(_) => {
                let diag = Yaml::map([
                    ("got", Yaml::Str("success (no error)".into())),
                    ("expected", expected),
                ]);
                self.point(false, desc, Some(diag))
            }
            Err(e) => {
                let e: LibvirtError = e.into();
                if e.is(code) {
                    return self.point(true, desc, None);
                }
                if e.is_unsupported() {
                    self.skip_point(desc, &unsupported_reason(&e));
                    return true;
                }
                let mut entries = vec![
                    ("got", Yaml::Str(format!("libvirt error {}", e.code_name()))),
                    ("expected", expected),
                ];
                entries.extend(error_yaml(&e).into_iter().filter(|(k, _)| *k != "code"));
                self.point(false, desc, Some(Yaml::map(entries)))
            }
        }
    }

    /// Passes when `result` is a libvirt error, whatever its code (which
    /// is noted in the stream). A success fails ("got: success"); an
    /// unsupported-operation error is a SKIP point, as for `err_code`.
    /// Returns whether the point did not fail.
    #[track_caller]
    pub fn err_any<T, E: Into<LibvirtError>>(&mut self, result: Result<T, E>, desc: &str) -> bool {
        match result {
            Ok(_) => {
                let diag = Yaml::map([
                    ("got", Yaml::Str("success (no error)".into())),
                    ("expected", Yaml::Str("a libvirt error".into())),
                ]);
                self.point(false, desc, Some(diag))
            }
            Err(e) => {
                let e: LibvirtError = e.into();
                if e.is_unsupported() {
                    self.skip_point(desc, &unsupported_reason(&e));
                    return true;
                }
                let passed = self.point(true, desc, None);
                self.note(&format!(
                    "failed as expected with libvirt error {}: {}",
                    e.code_name(),
                    e.message().trim()
                ));
                passed
            }
        }
    }

    /// Passes when `result` is `Ok`, and hands back its value. On an
    /// unsupported-operation error: a SKIP point and `Err(Stop::Skip)`, so
    /// that `?` skips the rest of the script's plan. On another error: a
    /// failing point with the error's code, domain and message, and
    /// `Err(Stop::Done)` (the failure is already reported).
    #[track_caller]
    pub fn ok_result<T, E: Into<LibvirtError>>(
        &mut self,
        result: Result<T, E>,
        desc: &str,
    ) -> Result<T, Stop> {
        match result {
            Ok(v) => {
                self.point(true, desc, None);
                Ok(v)
            }
            Err(e) => {
                let e: LibvirtError = e.into();
                if e.is_unsupported() {
                    let reason = unsupported_reason(&e);
                    self.skip_point(desc, &reason);
                    return Err(Stop::Skip(reason));
                }
                let mut entries = vec![
                    ("got", Yaml::Str(format!("libvirt error {}", e.code_name()))),
                    ("expected", Yaml::Str("success".into())),
                ];
                entries.extend(error_yaml(&e).into_iter().filter(|(k, _)| *k != "code"));
                self.point(false, desc, Some(Yaml::map(entries)));
                Err(Stop::Done)
            }
        }
    }
}

impl Tap {
    /// For a check made before the plan: a `Stop::Skip(reason)` skips the
    /// whole script (`1..0 # SKIP reason`); other errors pass through.
    pub fn precondition<T>(&mut self, r: Result<T, Stop>) -> Result<T, Stop> {
        r.map_err(|e| match e {
            Stop::Skip(reason) => self.skip_all(&reason),
            other => other,
        })
    }

    /// Passes when a host operation (not a libvirt call) succeeded, and
    /// hands back its value; on error, a failing point whose diagnostic is
    /// the error, and `Err(Stop::Done)`.
    #[track_caller]
    pub fn ok_host<T, E: std::fmt::Display>(
        &mut self,
        result: Result<T, E>,
        desc: &str,
    ) -> Result<T, Stop> {
        match result {
            Ok(v) => {
                self.point(true, desc, None);
                Ok(v)
            }
            Err(e) => {
                self.point(
                    false,
                    desc,
                    Some(Yaml::map([("error", Yaml::Str(e.to_string()))])),
                );
                Err(Stop::Done)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::producer::capture;

    fn err(code: ErrorNumber, msg: &str) -> Result<(), LibvirtError> {
        Err(LibvirtError::new(code, msg))
    }

    #[test]
    fn err_code_passes_on_the_expected_code() {
        let (tap, code) = capture(|t| {
            t.plan(1);
            t.err_code(
                err(ErrorNumber::NoDomain, "no domain"),
                ErrorNumber::NoDomain,
                "lookup fails",
            );
            Ok(())
        });
        assert_eq!(code, 0, "{tap}");
        assert!(tap.contains("ok 1 - lookup fails\n"), "{tap}");
    }

    #[test]
    fn err_code_fails_on_success_and_on_another_code_with_names() {
        let (tap, code) = capture(|t| {
            t.plan(2);
            t.err_code(
                Ok::<_, LibvirtError>(()),
                ErrorNumber::NoDomain,
                "must fail",
            );
            t.err_code(
                err(ErrorNumber::OperationInvalid, "domain is not running"),
                ErrorNumber::NoDomain,
                "wrong code",
            );
            Ok(())
        });
        assert_eq!(code, 2, "{tap}");
        assert!(tap.contains("not ok 1 - must fail\n"), "{tap}");
        assert!(tap.contains("got: success (no error)"), "{tap}");
        assert!(
            tap.contains("expected: libvirt error NoDomain (42)"),
            "{tap}"
        );
        assert!(tap.contains("not ok 2 - wrong code\n"), "{tap}");
        assert!(
            tap.contains("got: libvirt error OperationInvalid (55)"),
            "{tap}"
        );
        assert!(tap.contains("message: domain is not running"), "{tap}");
        assert!(tap.contains("domain: None (0)"), "{tap}");
    }

    #[test]
    fn err_code_skips_when_the_driver_does_not_support_the_call() {
        let (tap, code) = capture(|t| {
            t.plan(2);
            t.err_code(
                err(ErrorNumber::NoSupport, "not supported"),
                ErrorNumber::OperationInvalid,
                "x",
            );
            // Expecting the unsupported code itself is a real check.
            t.err_code(
                err(ErrorNumber::NoSupport, "not supported"),
                ErrorNumber::NoSupport,
                "y",
            );
            Ok(())
        });
        assert_eq!(code, 0, "{tap}");
        assert!(
            tap.contains("ok 1 - x # SKIP unsupported by driver: not supported (NoSupport (3))"),
            "{tap}"
        );
        assert!(tap.contains("ok 2 - y\n"), "{tap}");
    }

    #[test]
    fn err_any_passes_on_any_error_and_notes_its_code() {
        let (tap, code) = capture(|t| {
            t.plan(3);
            t.err_any(err(ErrorNumber::OperationFailed, "bad image"), "fails");
            t.err_any(Ok::<_, LibvirtError>(()), "must fail");
            t.err_any(err(ErrorNumber::NoSupport, "no restore"), "unsupported");
            Ok(())
        });
        assert_eq!(code, 1, "{tap}");
        assert!(tap.contains("ok 1 - fails\n# failed as expected with libvirt error OperationFailed (9): bad image\n"), "{tap}");
        assert!(tap.contains("not ok 2 - must fail\n"), "{tap}");
        assert!(tap.contains("got: success (no error)"), "{tap}");
        assert!(
            tap.contains("ok 3 - unsupported # SKIP unsupported by driver"),
            "{tap}"
        );
    }

    #[test]
    fn ok_result_hands_back_the_value() {
        let (tap, code) = capture(|t| {
            t.plan(2);
            let v = t.ok_result(Ok::<_, LibvirtError>(41), "got a value")?;
            t.is(v + 1, 42, "value usable");
            Ok(())
        });
        assert_eq!(code, 0, "{tap}");
        assert!(
            tap.contains("ok 1 - got a value\nok 2 - value usable\n"),
            "{tap}"
        );
    }

    #[test]
    fn ok_result_unsupported_skips_the_rest_of_the_plan() {
        let (tap, code) = capture(|t| {
            t.plan(3);
            t.ok_result(
                err(ErrorNumber::OperationUnsupported, "save is not supported"),
                "saved the domain",
            )?;
            t.pass("never reached");
            Ok(())
        });
        assert_eq!(code, 0, "{tap}");
        assert!(
            tap.contains("ok 1 - saved the domain # SKIP unsupported by driver: save is not supported (OperationUnsupported (84))"),
            "{tap}"
        );
        assert!(!tap.contains("never reached"), "{tap}");
        assert_eq!(
            tap.matches("# SKIP").count(),
            3,
            "remaining points skipped: {tap}"
        );
    }

    #[test]
    fn ok_result_error_fails_once_with_diagnostics_and_stops() {
        let (tap, code) = capture(|t| {
            t.plan(2);
            t.ok_result(
                Err::<(), _>(
                    LibvirtError::new(ErrorNumber::OperationFailed, "qemu died")
                        .context("starting tck-x"),
                ),
                "started",
            )?;
            t.pass("never reached");
            Ok(())
        });
        assert!(code != 0, "{tap}");
        assert!(tap.contains("not ok 1 - started\n"), "{tap}");
        assert!(
            tap.contains("got: libvirt error OperationFailed (9)"),
            "{tap}"
        );
        assert!(tap.contains("message: qemu died"), "{tap}");
        assert!(tap.contains("while: starting tck-x"), "{tap}");
        assert!(!tap.contains("never reached"), "{tap}");
        // Stop::Done: no extra "script stopped early" point.
        assert!(!tap.contains("stopped early"), "{tap}");
    }

    #[test]
    fn a_failed_precondition_skips_the_whole_script() {
        let (tap, code) = capture(|t| {
            t.precondition(Err::<(), _>(Stop::Skip("requires X".into())))?;
            t.plan(1);
            t.pass("never");
            Ok(())
        });
        assert_eq!(code, 0, "{tap}");
        assert!(tap.contains("1..0 # SKIP requires X"), "{tap}");
        let (tap, _) = capture(|t| {
            let v = t.precondition(Ok::<_, Stop>(3))?;
            t.plan(1);
            t.is(v, 3, "passes through");
            Ok(())
        });
        assert!(tap.contains("ok 1 - passes through"), "{tap}");
    }

    #[test]
    fn ok_host_passes_values_and_fails_with_the_error() {
        let (tap, code) = capture(|t| {
            t.plan(2);
            let v = t.ok_host(Ok::<_, String>(7), "host step")?;
            t.is(v, 7, "value");
            t.ok_host(Err::<(), _>("disk on fire"), "another step")?;
            Ok(())
        });
        assert!(code != 0, "{tap}");
        assert!(tap.contains("ok 1 - host step\n"), "{tap}");
        assert!(tap.contains("not ok 3 - another step\n"), "{tap}");
        assert!(tap.contains("error: disk on fire"), "{tap}");
    }

    #[test]
    fn assertions_accept_virt_errors_directly() {
        let conn =
            crate::virt::connection::Connection::open("test:///default").expect("test driver");
        let (tap, code) = capture(|t| {
            t.plan(1);
            t.err_code(
                conn.lookup_domain_by_name("fxa-no-such-domain"),
                ErrorNumber::NoDomain,
                "lookup of a missing domain raises NoDomain",
            );
            Ok(())
        });
        assert_eq!(code, 0, "{tap}");
        conn.close().expect("close");
    }
}
