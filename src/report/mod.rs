//! Reports: the results model and every renderer of it.

pub mod console;
pub mod model;
