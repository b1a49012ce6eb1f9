//! TAP producer for built-in scripts, in the spirit of Perl's Test::More.
//! (Skeleton: the TAP engine work fills this in.)

use std::io::Write;

/// Writes one TAP stream.
pub struct Tap {
    out: Box<dyn Write>,
}

impl Tap {
    pub fn new(out: impl Write + 'static) -> Self {
        Tap { out: Box::new(out) }
    }

    pub fn out(&mut self) -> &mut dyn Write {
        &mut *self.out
    }
}
