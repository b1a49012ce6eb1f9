//! Volume download and upload through libvirt streams, three ways:
//!
//! - [`Mode::Blocking`]: a blocking stream, read or written chunk by chunk
//!   with `virStreamRecv`/`virStreamSend` until the end (`virt` 0.5 has no
//!   "all" helpers, so the loop is here);
//! - [`Mode::All`]: a blocking stream handed to `virStreamRecvAll` /
//!   `virStreamSendAll` with a sink or source closure (through the shim);
//! - [`Mode::NonBlocking`]: a `VIR_STREAM_NONBLOCK` stream driven by the
//!   default event loop: `recv`/`send` answer -2 ("would block") when they
//!   cannot go on, and the transfer then waits for the stream callback to
//!   say it is readable or writable again (or for its deadline). The event
//!   loop runs on the thread `crate::virt::connection` starts; a
//!   connection only watches its socket through it when it was opened
//!   after the loop was registered, which `Connection::open` does for
//!   every URI that goes through a daemon (the script's own connection).
//!
//! Every path ends the stream: `finish` after the last byte, `abort` on an
//! error, so the daemon's side of the transfer is closed either way.

use crate::virt::connection::start_event_loop;
use crate::virt::error::LibvirtError;
use crate::virt::shim::{self, StreamWatch};
use std::time::{Duration, Instant};
use virt::connect::Connect;
use virt::error::ErrorNumber;
use virt::storage_vol::StorageVol;
use virt::stream::Stream;
use virt::sys::{
    VIR_STREAM_EVENT_ERROR, VIR_STREAM_EVENT_HANGUP, VIR_STREAM_EVENT_READABLE,
    VIR_STREAM_EVENT_WRITABLE, VIR_STREAM_NONBLOCK,
};

/// The most a stream message carries (libvirt's legacy payload limit).
pub const CHUNK: usize = 256 * 1024;

/// How long a non-blocking transfer waits for an event before trying its
/// stream again anyway (a missed wake-up costs at most this).
const POLL: Duration = Duration::from_millis(50);

/// How the stream is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Blocking,
    All,
    NonBlocking,
}

fn timeout(what: &str, deadline: Duration) -> LibvirtError {
    LibvirtError::new(
        ErrorNumber::OperationTimeout,
        format!("{what}: no end of stream within {deadline:?}"),
    )
}

/// The stream flags for `mode`; a non-blocking stream needs the event
/// loop running.
fn nonblocking_flags(mode: Mode) -> Result<u32, LibvirtError> {
    if mode != Mode::NonBlocking {
        return Ok(0);
    }
    if !start_event_loop() {
        return Err(LibvirtError::new(
            ErrorNumber::InternalError,
            "the default event loop could not be started: non-blocking streams need it",
        ));
    }
    Ok(VIR_STREAM_NONBLOCK)
}

/// Ends `st` with an abort, keeping `e` as the error to report.
fn abort_with<T>(st: Stream, e: LibvirtError) -> Result<T, LibvirtError> {
    let _ = st.abort();
    Err(e)
}

/// Ends a failed transfer: `virStreamRecvAll`/`SendAll` abort the stream
/// themselves when they fail, so an [`Mode::All`] stream is only freed
/// (a second abort of an aborted stream is not sent); the others are
/// aborted.
fn end_failed<T>(st: Stream, mode: Mode, e: LibvirtError) -> Result<T, LibvirtError> {
    if mode == Mode::All {
        drop(st);
        Err(e)
    } else {
        abort_with(st, e)
    }
}

/// Downloads `len` bytes (0: to the end) of `vol` from `offset`.
/// `limit` bounds how long a non-blocking transfer may take.
pub fn download(
    conn: &Connect,
    vol: &StorageVol,
    offset: u64,
    len: u64,
    mode: Mode,
    limit: Duration,
) -> Result<Vec<u8>, LibvirtError> {
    let flags = nonblocking_flags(mode)?;
    let st = Stream::new(conn, flags).map_err(|e| LibvirtError::from(e).context("virStreamNew"))?;
    if let Err(e) = vol.download(&st, offset, len, 0) {
        return abort_with(st, LibvirtError::from(e).context("virStorageVolDownload"));
    }
    let mut out = Vec::new();
    let received = match mode {
        Mode::Blocking => recv_loop(&st, &mut out),
        Mode::All => shim::stream_recv_all(&st, &mut |chunk| {
            out.extend_from_slice(chunk);
            Ok(())
        }),
        Mode::NonBlocking => recv_nonblocking(&st, &mut out, limit),
    };
    match received {
        Ok(()) => st
            .finish()
            .map_err(|e| LibvirtError::from(e).context("virStreamFinish after the download"))
            .map(|()| out),
        Err(e) => end_failed(st, mode, e),
    }
}

fn recv_loop(st: &Stream, out: &mut Vec<u8>) -> Result<(), LibvirtError> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match st.recv(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) if n > 0 => out.extend_from_slice(&buf[..n as usize]),
            Ok(n) => {
                return Err(LibvirtError::new(
                    ErrorNumber::InternalError,
                    format!("virStreamRecv returned {n} on a blocking stream"),
                ))
            }
            Err(e) => return Err(LibvirtError::from(e).context("virStreamRecv")),
        }
    }
}

fn recv_nonblocking(st: &Stream, out: &mut Vec<u8>, limit: Duration) -> Result<(), LibvirtError> {
    let watch = StreamWatch::add(
        st,
        VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP,
    )?;
    let deadline = Instant::now() + limit;
    let mut buf = vec![0u8; CHUNK];
    loop {
        // Drain what is there; -2 means "nothing yet".
        loop {
            match st.recv(&mut buf) {
                Ok(0) => return watch.remove(),
                Ok(-2) => break,
                Ok(n) if n > 0 => out.extend_from_slice(&buf[..n as usize]),
                Ok(n) => {
                    return Err(LibvirtError::new(
                        ErrorNumber::InternalError,
                        format!("virStreamRecv returned {n}"),
                    ))
                }
                Err(e) => return Err(LibvirtError::from(e).context("virStreamRecv")),
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timeout("non-blocking download", limit));
        }
        // ERROR and HANGUP show up as a failing or ending recv above.
        watch.wait(left.min(POLL));
    }
}

/// Uploads `data` into `vol` at `offset`, announcing `len` bytes (0: the
/// rest of the volume) to libvirt.
pub fn upload(
    conn: &Connect,
    vol: &StorageVol,
    offset: u64,
    len: u64,
    data: &[u8],
    mode: Mode,
    limit: Duration,
) -> Result<(), LibvirtError> {
    let flags = nonblocking_flags(mode)?;
    let st = Stream::new(conn, flags).map_err(|e| LibvirtError::from(e).context("virStreamNew"))?;
    if let Err(e) = vol.upload(&st, offset, len, 0) {
        return abort_with(st, LibvirtError::from(e).context("virStorageVolUpload"));
    }
    let sent = match mode {
        Mode::Blocking => send_loop(&st, data),
        Mode::All => {
            let mut rest = data;
            shim::stream_send_all(&st, &mut |buf| {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                rest = &rest[n..];
                n
            })
        }
        Mode::NonBlocking => send_nonblocking(&st, data, limit),
    };
    match sent {
        Ok(()) => st
            .finish()
            .map_err(|e| LibvirtError::from(e).context("virStreamFinish after the upload")),
        Err(e) => end_failed(st, mode, e),
    }
}

fn send_loop(st: &Stream, mut data: &[u8]) -> Result<(), LibvirtError> {
    while !data.is_empty() {
        let n = data.len().min(CHUNK);
        match st.send(&data[..n]) {
            Ok(k) if k > 0 => data = &data[(k as usize).min(n)..],
            Ok(k) => {
                return Err(LibvirtError::new(
                    ErrorNumber::InternalError,
                    format!("virStreamSend returned {k} on a blocking stream"),
                ))
            }
            Err(e) => return Err(LibvirtError::from(e).context("virStreamSend")),
        }
    }
    Ok(())
}

fn send_nonblocking(st: &Stream, mut data: &[u8], limit: Duration) -> Result<(), LibvirtError> {
    let watch = StreamWatch::add(
        st,
        VIR_STREAM_EVENT_WRITABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP,
    )?;
    let deadline = Instant::now() + limit;
    loop {
        while !data.is_empty() {
            let n = data.len().min(CHUNK);
            match st.send(&data[..n]) {
                Ok(-2) => break,
                Ok(k) if k > 0 => data = &data[(k as usize).min(n)..],
                Ok(k) => {
                    return Err(LibvirtError::new(
                        ErrorNumber::InternalError,
                        format!("virStreamSend returned {k}"),
                    ))
                }
                Err(e) => return Err(LibvirtError::from(e).context("virStreamSend")),
            }
        }
        if data.is_empty() {
            return watch.remove();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timeout("non-blocking upload", limit));
        }
        let fired = watch.wait(left.min(POLL));
        if fired & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP) != 0 {
            return Err(LibvirtError::new(
                ErrorNumber::OperationFailed,
                format!(
                    "the stream reported an error or hang-up (events {fired:#x}) during the upload"
                ),
            ));
        }
    }
}
