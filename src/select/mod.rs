//! Which scripts a run covers, beyond the paths and ids on the command
//! line: the [`filter`] language over script metadata, and the [`order`]
//! they are scheduled in from the run [`crate::history`], and the
//! [`partition`] a CI job runs.

pub mod filter;
pub mod order;
pub mod partition;

pub use filter::{Filter, FilterError, Subject};
pub use order::Order;
pub use partition::Partition;
