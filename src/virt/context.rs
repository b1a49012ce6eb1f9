//! The context a built-in script runs in. (Skeleton: the libvirt layer work
//! fills this in.)

/// Connection, name allocation, generic objects, scratch files and config
/// for one script.
pub struct Context {
    pub script_id: String,
}
