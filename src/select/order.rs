//! The order scripts are scheduled in.
//!
//! Path order (the order discovery gives) is the default and what reports
//! list. The other orders use the run [`crate::history`] of the URI:
//!
//! - `slow-first`: longest recorded duration first. With `-j N`, starting
//!   the long scripts first keeps one from starting last and running alone
//!   while the other slots are idle (longest-processing-time scheduling).
//!   Scripts with no recorded duration (new ones) go first: they may be
//!   slow, and their results are the most wanted.
//! - `failed-first`: what did not pass in the last recorded run (failed,
//!   errored, timed out, crashed, bailed out, or was never started), then
//!   the rest.
//! - `recent`: most recently failed or changed first. A script's mark is
//!   the newest recorded run in which it failed; a script that changed
//!   since its last recorded run (its file's content for an external
//!   script, the tck build for a built-in one) or was never recorded
//!   counts as failing now. Scripts that never failed and did not change
//!   keep path order at the end.
//!
//! Every order is stable: ties keep path order.

/// `--order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// The order of the paths and ids given (built-in scripts by id).
    #[default]
    Path,
    /// Longest recorded duration first.
    SlowFirst,
    /// What did not pass last time first.
    FailedFirst,
    /// Most recently failed or changed first.
    Recent,
}

impl Order {
    pub const ALL: [Order; 4] = [
        Order::Path,
        Order::SlowFirst,
        Order::FailedFirst,
        Order::Recent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Order::Path => "path",
            Order::SlowFirst => "slow-first",
            Order::FailedFirst => "failed-first",
            Order::Recent => "recent",
        }
    }

    pub fn parse(s: &str) -> Option<Order> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Does this order need the run history?
    pub fn uses_history(self) -> bool {
        self != Order::Path
    }
}
