//! Downloads a patterned raw volume through virStreamRecvAll: the whole volume, its first 64 KiB, an unaligned region spanning several stream messages, and its last 4 KiB; each download gives exactly the bytes of that region (SHA-256).
//!
//! `virt` 0.5 has no `recv_all`/`send_all`: tck calls libvirt's
//! `virStreamRecvAll` itself (src/virt/shim/stream.rs) with a Rust sink closure.

use tck::prelude::*;
use tck::suite::volume_stream::download_cases;
use tck::virt::storage::stream::Mode;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    download_cases(t, cx, Mode::All)
}
