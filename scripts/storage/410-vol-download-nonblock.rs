//! Downloads a patterned raw volume through a non-blocking stream on the default event loop: the whole volume, its first 64 KiB, an unaligned region spanning several stream messages, and its last 4 KiB; each download gives exactly the bytes of that region (SHA-256).
//!
//! The stream is non-blocking (`VIR_STREAM_NONBLOCK`): `virStreamRecv` answers
//! "would block" until data arrives, and a stream callback dispatched by
//! libvirt's default event loop says when to try again.

use tck::prelude::*;
use tck::suite::volume_stream::download_cases;
use tck::virt::storage::stream::Mode;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    download_cases(t, cx, Mode::NonBlocking)
}
