//! libvirt errors, kept whole (code, domain, message) and shown for people.
//!
//! `virt::error::Error` already carries the three fields; this type adds
//! what tck was doing when it happened ("undefining domain tck-k3f9q-dom"),
//! names codes the way script authors write them (`NoDomain`, the
//! `ErrorNumber` variant, with the C value), and answers the one question
//! the kit asks of every error: does it mean "the driver does not support
//! this"?

use virt::error::{ErrorDomain, ErrorDomainEnum, ErrorNumber, ErrorNumberEnum};

/// The codes that mean "this driver does not implement the operation"
/// rather than "the operation failed":
///
/// - `NoSupport` (3): the driver has no implementation of the API;
/// - `OperationUnsupported` (84): the driver implements the API but not this
///   operation on this host or object;
/// - `ArgumentUnsupported` (74): valid use of the API, but this driver does
///   not support the given argument (e.g. a flag it does not know).
///
/// Deliberately not included: `ConfigUnsupported` (67, an XML construct the
/// driver rejects — the XML is often what is under test), `InvalidArg` (8,
/// raised for real misuse too; but see [`UNSUPPORTED_FLAGS_MESSAGE`]), and
/// `OperationInvalid` (55, the object is in the wrong state).
pub const UNSUPPORTED_CODES: [ErrorNumber; 3] = [
    ErrorNumber::NoSupport,
    ErrorNumber::OperationUnsupported,
    ErrorNumber::ArgumentUnsupported,
];

/// How libvirt's `virCheckFlags` words its `InvalidArg` error when a
/// driver does not implement a flag of an API it does implement ("unsupported
/// flags (0x2) in function testDomainSnapshotDelete"): a driver limit like
/// `ArgumentUnsupported`, not misuse, so [`LibvirtError::is_unsupported`]
/// counts it.
pub const UNSUPPORTED_FLAGS_MESSAGE: &str = "unsupported flags (";

/// A libvirt error with what tck was doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibvirtError {
    code: ErrorNumberEnum,
    domain: ErrorDomainEnum,
    message: String,
    context: Option<String>,
}

impl LibvirtError {
    /// An error made by tck itself in the shape of a libvirt one (for
    /// results libvirt reports without an error, e.g. an empty answer).
    pub fn new(code: ErrorNumber, message: impl Into<String>) -> Self {
        LibvirtError {
            code: code.into(),
            domain: ErrorDomain::None.into(),
            message: message.into(),
            context: None,
        }
    }

    /// Say what tck was doing: "cannot undefine domain tck-k3f9q-dom".
    pub fn context(mut self, what: impl Into<String>) -> Self {
        self.context = Some(what.into());
        self
    }

    pub fn code(&self) -> ErrorNumberEnum {
        self.code
    }

    /// The C value of the code (`VIR_ERR_NO_DOMAIN` = 42).
    pub fn code_raw(&self) -> u32 {
        self.code.to_raw()
    }

    pub fn domain(&self) -> ErrorDomainEnum {
        self.domain
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn what(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// Whether the error has this code.
    pub fn is(&self, code: ErrorNumber) -> bool {
        self.code.is(code)
    }

    /// Whether the error means the driver does not support the operation
    /// (see [`UNSUPPORTED_CODES`]), or a flag of it (an `InvalidArg` worded
    /// as [`UNSUPPORTED_FLAGS_MESSAGE`]).
    pub fn is_unsupported(&self) -> bool {
        UNSUPPORTED_CODES.iter().any(|c| self.code.is(*c))
            || (self.code.is(ErrorNumber::InvalidArg)
                && self.message.contains(UNSUPPORTED_FLAGS_MESSAGE))
    }

    /// The code as script authors write it, with its C value: `NoDomain (42)`.
    pub fn code_name(&self) -> String {
        code_name(self.code)
    }

    /// The domain (the libvirt subsystem that raised it): `Qemu (10)`.
    pub fn domain_name(&self) -> String {
        match self.domain {
            virt::enumutil::Enum::Known(d) => format!("{d:?} ({})", self.domain.to_raw()),
            virt::enumutil::Enum::Unknown(n) => format!("unknown domain ({n})"),
        }
    }
}

/// `NoDomain (42)`, or `unknown code (123)` for a code newer than `virt`.
pub fn code_name(code: ErrorNumberEnum) -> String {
    match code {
        virt::enumutil::Enum::Known(c) => format!("{c:?} ({})", code.to_raw()),
        virt::enumutil::Enum::Unknown(n) => format!("unknown code ({n})"),
    }
}

/// `NoDomain (42)` for a known code.
pub fn known_code_name(code: ErrorNumber) -> String {
    code_name(code.into())
}

impl From<virt::error::Error> for LibvirtError {
    fn from(e: virt::error::Error) -> Self {
        LibvirtError {
            code: e.code(),
            domain: e.domain(),
            message: e.message().to_string(),
            context: None,
        }
    }
}

impl std::fmt::Display for LibvirtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(c) = &self.context {
            write!(f, "{c}: ")?;
        }
        let msg = self.message.trim();
        if msg.is_empty() {
            f.write_str("(libvirt gave no message)")?;
        } else {
            f.write_str(msg)?;
        }
        write!(
            f,
            " [libvirt error {}, from {}]",
            self.code_name(),
            self.domain_name()
        )
    }
}

impl std::error::Error for LibvirtError {}

/// `?` on a libvirt error in a script: an unsupported operation skips the
/// rest of the script ("unsupported by driver: …"), anything else stops it
/// as an error.
impl From<LibvirtError> for crate::script::Stop {
    fn from(e: LibvirtError) -> Self {
        if e.is_unsupported() {
            crate::script::Stop::Skip(format!("unsupported by driver: {e}"))
        } else {
            crate::script::Stop::Error(format!("libvirt: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_code_domain_and_context() {
        let e = LibvirtError::new(
            ErrorNumber::NoDomain,
            "Domain not found: no domain with matching name 'x'",
        )
        .context("cannot look up domain x");
        let s = e.to_string();
        assert_eq!(
            s,
            "cannot look up domain x: Domain not found: no domain with matching name 'x' [libvirt error NoDomain (42), from None (0)]"
        );
        assert!(e.is(ErrorNumber::NoDomain));
        assert!(!e.is_unsupported());
        assert_eq!(e.code_raw(), 42);
    }

    #[test]
    fn unsupported_codes_are_exactly_the_documented_ones() {
        for c in UNSUPPORTED_CODES {
            assert!(LibvirtError::new(c, "x").is_unsupported(), "{c:?}");
        }
        for c in [
            ErrorNumber::ConfigUnsupported,
            ErrorNumber::InvalidArg,
            ErrorNumber::OperationInvalid,
            ErrorNumber::InternalError,
        ] {
            assert!(!LibvirtError::new(c, "x").is_unsupported(), "{c:?}");
        } // virCheckFlags: a flag the driver does not implement.
        assert!(LibvirtError::new(
            ErrorNumber::InvalidArg,
            "unsupported flags (0x2) in function testDomainSnapshotDelete"
        )
        .is_unsupported());
        assert!(
            !LibvirtError::new(ErrorNumber::InvalidArg, "name must not be empty").is_unsupported()
        );
    }

    #[test]
    fn stop_from_error_skips_only_unsupported() {
        use crate::script::Stop;
        match Stop::from(LibvirtError::new(
            ErrorNumber::NoSupport,
            "this function is not supported",
        )) {
            Stop::Skip(r) => assert!(r.starts_with("unsupported by driver: "), "{r}"),
            other => panic!("expected a skip, got {other:?}"),
        }
        match Stop::from(LibvirtError::new(ErrorNumber::OperationFailed, "boom")) {
            Stop::Error(r) => assert!(
                r.contains("boom") && r.contains("OperationFailed (9)"),
                "{r}"
            ),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}
