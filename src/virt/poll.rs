//! Waiting for something the guest or the daemon does asynchronously (a
//! balloon reaching its target, a device gone after an unplug, counters
//! moving) without fixed sleeps: look every [`INTERVAL`] until the
//! condition holds or the time is up, and hand back the last value seen so
//! the script's assertion shows what it was.

use std::time::{Duration, Instant};

/// How often the condition is looked at.
pub const INTERVAL: Duration = Duration::from_millis(25);

/// Calls `probe` until `done` holds for its value or `timeout` has passed
/// (it is always called at least once), and returns the last value. An
/// error from `probe` ends the wait at once.
pub fn until<T, E>(
    timeout: Duration,
    mut probe: impl FnMut() -> Result<T, E>,
    done: impl Fn(&T) -> bool,
) -> Result<T, E> {
    let deadline = Instant::now() + timeout;
    loop {
        let value = probe()?;
        if done(&value) || Instant::now() >= deadline {
            return Ok(value);
        }
        std::thread::sleep(INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_as_soon_as_the_condition_holds() {
        let mut n = 0;
        let start = Instant::now();
        let got: Result<i32, ()> = until(
            Duration::from_secs(5),
            || {
                n += 1;
                Ok(n)
            },
            |v| *v == 3,
        );
        assert_eq!(got, Ok(3));
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn gives_the_last_value_after_the_timeout_and_stops_on_errors() {
        let start = Instant::now();
        let got: Result<i32, ()> = until(Duration::from_millis(60), || Ok(7), |v| *v == 8);
        assert_eq!(got, Ok(7));
        assert!(start.elapsed() >= Duration::from_millis(60));
        let mut calls = 0;
        let got: Result<i32, &str> = until(
            Duration::from_secs(5),
            || {
                calls += 1;
                Err("gone")
            },
            |_| false,
        );
        assert_eq!((got, calls), (Err("gone"), 1));
    }
}
