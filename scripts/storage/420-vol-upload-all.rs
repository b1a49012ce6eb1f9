//! Uploads patterned data into a raw volume through virStreamSendAll: over the whole volume, its first 64 KiB, an unaligned region spanning several stream messages, and its last 4 KiB; each upload writes exactly that region (SHA-256) and leaves the bytes before and after it untouched.
//!
//! `virt` 0.5 has no `recv_all`/`send_all`: tck calls libvirt's
//! `virStreamSendAll` itself (src/virt/shim/stream.rs) with a Rust source closure.

use tck::prelude::*;
use tck::suite::volume_stream::upload_cases;
use tck::virt::storage::stream::Mode;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    upload_cases(t, cx, Mode::All)
}
