//! Stopping a run: Ctrl-C (SIGINT) or SIGTERM to tck, or a caller's request.
//!
//! An [`Interrupt`] is a flag plus a socket pair. Triggering it (from the
//! signal handler, through signal-hook, or with [`Interrupt::trigger`])
//! writes one byte that nobody reads, so the read end stays readable for
//! good: every script's poll loop includes it and wakes at once, with no
//! polling tick, and the scheduler checks the flag before starting a script.

use std::io::{self, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A run-wide stop request.
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    read: UnixStream,
    write: Mutex<UnixStream>,
    registered: Vec<signal_hook::SigId>,
}

impl Interrupt {
    /// An interrupt that only [`Interrupt::trigger`] sets.
    pub fn new() -> io::Result<Self> {
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        Ok(Interrupt {
            flag: Arc::new(AtomicBool::new(false)),
            read,
            write: Mutex::new(write),
            registered: Vec::new(),
        })
    }

    /// An interrupt that SIGINT and SIGTERM to this process also set. The
    /// handlers are removed when the value is dropped.
    pub fn with_signals() -> io::Result<Self> {
        let mut me = Self::new()?;
        for signal in [libc::SIGINT, libc::SIGTERM] {
            let id = signal_hook::flag::register(signal, Arc::clone(&me.flag))?;
            me.registered.push(id);
            let w = me
                .write
                .lock()
                .map_err(|_| io::Error::other("interrupt lock poisoned"))?
                .try_clone()?;
            let id = signal_hook::low_level::pipe::register(signal, w)?;
            me.registered.push(id);
        }
        Ok(me)
    }

    /// Request the run to stop.
    pub fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Ok(mut w) = self.write.lock() {
            // A full socket buffer means it is readable already: fine.
            let _ = w.write(&[1]);
        }
    }

    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Readable once the interrupt is set (never drained).
    pub fn fd(&self) -> RawFd {
        self.read.as_raw_fd()
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        for id in self.registered.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_sets_the_flag_and_makes_the_fd_readable() {
        let i = Interrupt::new().expect("socketpair");
        assert!(!i.is_set());
        let mut p = libc::pollfd {
            fd: i.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, timeout 0.
        assert_eq!(unsafe { libc::poll(&mut p, 1, 0) }, 0);
        i.trigger();
        assert!(i.is_set());
        // SAFETY: as above.
        assert_eq!(unsafe { libc::poll(&mut p, 1, 0) }, 1);
        // Still readable: nobody drains it.
        // SAFETY: as above.
        assert_eq!(unsafe { libc::poll(&mut p, 1, 0) }, 1);
    }
}
