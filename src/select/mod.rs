//! Which scripts a run covers, beyond the paths and ids on the command
//! line: the [`filter`] language over script metadata, and the [`order`]
//! they are scheduled in from the run [`crate::history`].

pub mod filter;
pub mod order;

pub use filter::{Filter, FilterError, Subject};
pub use order::Order;
