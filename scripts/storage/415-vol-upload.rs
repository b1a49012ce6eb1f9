//! Uploads patterned data into a raw volume through a blocking stream: over the whole volume, its first 64 KiB, an unaligned region spanning several stream messages, and its last 4 KiB; each upload writes exactly that region (SHA-256) and leaves the bytes before and after it untouched.
//!
//! The stream is blocking and read or written chunk by chunk with
//! `virStreamSend` until the end (then virStreamFinish).

use tck::prelude::*;
use tck::suite::volume_stream::upload_cases;
use tck::virt::storage::stream::Mode;

pub const META: Meta = Meta {
    requires: &[Require::LocalHost],
    tags: &["storage"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    upload_cases(t, cx, Mode::Blocking)
}
