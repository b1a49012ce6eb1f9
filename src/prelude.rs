//! What a test script needs: `use tck::prelude::*;`.

pub use crate::script::{Meta, Outcome, Require, Resource, Stop};
pub use crate::tap::producer::Tap;
pub use crate::virt::connection::Connection;
pub use crate::virt::context::Context;
pub use crate::virt::error::LibvirtError;
pub use crate::yaml::Yaml;
pub use virt::error::ErrorNumber;
