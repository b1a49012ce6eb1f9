//! Uploads patterned data into a raw volume through a non-blocking stream on the default event loop: over the whole volume, its first 64 KiB, an unaligned region spanning several stream messages, and its last 4 KiB; each upload writes exactly that region (SHA-256) and leaves the bytes before and after it untouched.
//!
//! The stream is non-blocking (`VIR_STREAM_NONBLOCK`): `virStreamSend` answers
//! "would block" until data can be queued, and a stream callback dispatched by
//! libvirt's default event loop says when to try again.

use tck::prelude::*;
use tck::suite::volume_stream::upload_cases;
use tck::virt::storage::stream::Mode;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    upload_cases(t, cx, Mode::NonBlocking)
}
