//! Streams and the default event loop, where `virt` 0.5 falls short.
//!
//! - `virStreamRecvAll` / `virStreamSendAll` have no wrapper: use
//!   [`stream_recv_all`] and [`stream_send_all`], which take Rust closures
//!   as the sink and the source.
//! - `Stream::event_add_callback` keeps a raw pointer to the `Stream` value
//!   (dangling as soon as the value moves), and the `Stream`'s `Drop` then
//!   *panics* when it cannot remove the callback — which it cannot after
//!   `finish`, because finishing a remote stream detaches its driver. Use
//!   [`StreamWatch`] instead: the callback only records which events fired
//!   and wakes the waiter, its state is shared with libvirt through an
//!   `Arc` (libvirt's reference freed through the free callback), and the
//!   watch is removed explicitly before the stream is finished. Events are
//!   dispatched by the default event loop thread that
//!   `crate::virt::connection` runs.

use crate::virt::error::LibvirtError;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;
use virt::stream::Stream;

fn last_error() -> LibvirtError {
    LibvirtError::from(virt::error::Error::last_error())
}

/// A sink: takes each received chunk; an error stops the transfer.
type Sink<'a> = dyn FnMut(&[u8]) -> Result<(), String> + 'a;
/// A source: fills the buffer, returns how much it wrote (0: the end).
type Source<'a> = dyn FnMut(&mut [u8]) -> usize + 'a;

/// What the sink and source closures see while libvirt calls them.
struct Callback<'a, F: ?Sized> {
    f: &'a mut F,
    /// The closure's own error (or panic), reported instead of libvirt's
    /// generic one.
    error: Option<String>,
}

unsafe extern "C" fn sink_trampoline(
    _st: virt::sys::virStreamPtr,
    data: *const c_char,
    nbytes: usize,
    opaque: *mut c_void,
) -> c_int {
    // SAFETY: `opaque` is the `Callback` that `stream_recv_all` passed and
    // that outlives the virStreamRecvAll call; libvirt hands `nbytes`
    // readable bytes at `data` for the duration of this call.
    let cb = unsafe { &mut *(opaque as *mut Callback<Sink>) };
    let chunk = if nbytes == 0 {
        &[][..]
    } else {
        // SAFETY: see above; `data` is non-null when `nbytes > 0`.
        unsafe { std::slice::from_raw_parts(data.cast::<u8>(), nbytes) }
    };
    let f = &mut *cb.f;
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(chunk))) {
        Ok(Ok(())) => c_int::try_from(nbytes).unwrap_or(c_int::MAX),
        Ok(Err(e)) => {
            cb.error = Some(e);
            -1
        }
        Err(_) => {
            cb.error = Some("the stream sink panicked".into());
            -1
        }
    }
}

/// `virStreamRecvAll`: receive everything from a *blocking* stream, handing
/// each chunk to `sink`, until the end of the stream. The caller then
/// finishes the stream (`Stream::finish`). On failure libvirt has already
/// aborted the stream; a sink error is returned as the error's message.
pub fn stream_recv_all(st: &Stream, sink: &mut Sink) -> Result<(), LibvirtError> {
    let mut cb: Callback<Sink> = Callback {
        f: sink,
        error: None,
    };
    // SAFETY: the stream pointer is valid while `st` lives; `cb` outlives
    // the call, which is the only time libvirt uses the opaque pointer.
    let rc = unsafe {
        virt::sys::virStreamRecvAll(
            st.as_ptr(),
            Some(sink_trampoline),
            (&mut cb as *mut Callback<Sink>).cast(),
        )
    };
    if rc < 0 {
        return Err(match cb.error {
            Some(e) => LibvirtError::new(virt::error::ErrorNumber::OperationFailed, e)
                .context("receiving the whole stream (virStreamRecvAll)"),
            None => last_error().context("receiving the whole stream (virStreamRecvAll)"),
        });
    }
    Ok(())
}

unsafe extern "C" fn source_trampoline(
    _st: virt::sys::virStreamPtr,
    data: *mut c_char,
    nbytes: usize,
    opaque: *mut c_void,
) -> c_int {
    // SAFETY: `opaque` is the `Callback` that `stream_send_all` passed and
    // that outlives the virStreamSendAll call; libvirt hands `nbytes`
    // writable bytes at `data` for the duration of this call.
    let cb = unsafe { &mut *(opaque as *mut Callback<Source>) };
    if nbytes == 0 || data.is_null() {
        return 0;
    }
    // SAFETY: see above.
    let buf = unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), nbytes) };
    let f = &mut *cb.f;
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(buf))) {
        Ok(n) => c_int::try_from(n.min(nbytes)).unwrap_or(c_int::MAX),
        Err(_) => {
            cb.error = Some("the stream source panicked".into());
            -1
        }
    }
}

/// `virStreamSendAll`: send everything `source` produces over a *blocking*
/// stream. `source` fills the buffer it is given and returns how many bytes
/// it wrote, 0 at the end. The caller then finishes the stream.
pub fn stream_send_all(st: &Stream, source: &mut Source) -> Result<(), LibvirtError> {
    let mut cb: Callback<Source> = Callback {
        f: source,
        error: None,
    };
    // SAFETY: as in `stream_recv_all`.
    let rc = unsafe {
        virt::sys::virStreamSendAll(
            st.as_ptr(),
            Some(source_trampoline),
            (&mut cb as *mut Callback<Source>).cast(),
        )
    };
    if rc < 0 {
        return Err(match cb.error {
            Some(e) => LibvirtError::new(virt::error::ErrorNumber::OperationFailed, e)
                .context("sending the whole stream (virStreamSendAll)"),
            None => last_error().context("sending the whole stream (virStreamSendAll)"),
        });
    }
    Ok(())
}

/// Events fired on a stream, and a condition variable to wait for them.
#[derive(Default)]
struct Fired {
    bits: Mutex<u32>,
    cond: Condvar,
}

unsafe extern "C" fn stream_event_trampoline(
    _st: virt::sys::virStreamPtr,
    events: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: `opaque` is the boxed `Arc<Fired>` given to
    // virStreamEventAddCallback; libvirt keeps it alive until it calls
    // `free_fired`, after the last call of this function.
    let fired = unsafe { &*(opaque as *const Arc<Fired>) };
    // A poisoned lock only means a waiter panicked; the bits are still
    // meaningful.
    let mut bits = fired.bits.lock().unwrap_or_else(PoisonError::into_inner);
    *bits |= events as u32;
    fired.cond.notify_all();
}

unsafe extern "C" fn free_fired(opaque: *mut c_void) {
    if !opaque.is_null() {
        // SAFETY: `opaque` came from `Box::into_raw` in `StreamWatch::add`
        // and libvirt calls this exactly once.
        drop(unsafe { Box::from_raw(opaque as *mut Arc<Fired>) });
    }
}

/// A stream event callback that records which events fired
/// (`VIR_STREAM_EVENT_*` bits), for the caller to wait for. Events are
/// dispatched by libvirt's default event loop, which must be running (see
/// `crate::virt::connection::start_event_loop`) and must have been
/// registered before the stream's connection was opened. Remove the watch
/// (explicitly, or by dropping it) before finishing or aborting the stream.
pub struct StreamWatch {
    stream: virt::sys::virStreamPtr,
    fired: Arc<Fired>,
    active: bool,
}

impl StreamWatch {
    /// Watch `st` for `events` (`VIR_STREAM_EVENT_READABLE` | …). The
    /// stream must be non-blocking and must outlive the watch.
    pub fn add(st: &Stream, events: u32) -> Result<StreamWatch, LibvirtError> {
        let fired = Arc::new(Fired::default());
        let opaque = Box::into_raw(Box::new(fired.clone()));
        // SAFETY: the stream pointer is valid while `st` lives (and the
        // caller keeps it alive while the watch exists); libvirt owns
        // `opaque` from here on and frees it through `free_fired`.
        let rc = unsafe {
            virt::sys::virStreamEventAddCallback(
                st.as_ptr(),
                events as c_int,
                Some(stream_event_trampoline),
                opaque.cast(),
                Some(free_fired),
            )
        };
        if rc < 0 {
            // SAFETY: libvirt did not take the pointer when it failed.
            drop(unsafe { Box::from_raw(opaque) });
            return Err(last_error().context("adding a stream event callback"));
        }
        Ok(StreamWatch {
            // SAFETY: a copy of the pointer, used only while `st` lives.
            stream: unsafe { st.as_ptr() },
            fired,
            active: true,
        })
    }

    /// Waits until an event fires or `timeout` passes; returns (and
    /// clears) the events fired, 0 on timeout.
    pub fn wait(&self, timeout: Duration) -> u32 {
        let bits = self
            .fired
            .bits
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (mut bits, _) = self
            .fired
            .cond
            .wait_timeout_while(bits, timeout, |b| *b == 0)
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *bits)
    }

    /// Removes the callback.
    pub fn remove(mut self) -> Result<(), LibvirtError> {
        self.remove_inner()
    }

    fn remove_inner(&mut self) -> Result<(), LibvirtError> {
        if !std::mem::replace(&mut self.active, false) {
            return Ok(());
        }
        // SAFETY: the stream is still alive (see `add`).
        let rc = unsafe { virt::sys::virStreamEventRemoveCallback(self.stream) };
        if rc < 0 {
            Err(last_error().context("removing a stream event callback"))
        } else {
            Ok(())
        }
    }
}

impl Drop for StreamWatch {
    fn drop(&mut self) {
        // Best effort: an error here only means the stream is already gone.
        let _ = self.remove_inner();
    }
}
