//! [`TlsStream`]: `AsyncRead + AsyncWrite` over a [`Connection`] and a tokio transport.
//!
//! Close semantics (RFC 8446 §6.1): `poll_shutdown` sends close_notify before shutting the
//! transport's write side. A read returns end-of-file only after the peer's close_notify;
//! a transport EOF without it is an `UnexpectedEof` error, so a truncated response is never
//! mistaken for a complete one.
//!
//! Fatal errors (RFC 8446 §6.2): the engine queues the alert that explains the error; the
//! stream then lingers — it writes the alert out, half-closes, and reads and
//! discards what the peer is still sending for a short bounded time — before it reports
//! the error. Closing at once would make the kernel answer the peer's in-flight data with
//! a reset: the peer's next write fails with a broken pipe, which is what it reports, and
//! on some systems the reset also discards the alert unread. For the same reason a write
//! of ours that fails that way reports the peer's alert when one had arrived.
//!
//! Buffers are bounded by the engine (its receive buffer refuses bytes until
//! `process_new_packets` drains it; `write_plaintext` accepts only what fits), and every
//! `Pending` is returned only after the transport registered the waker, so there is no
//! busy loop.

use std::io::{self, BufRead, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use padlock_tls::{Connection, EarlyDataStatus};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::linger::Linger;

/// A TLS connection over a tokio transport: client or server, made by
/// [`TlsConnector`](crate::TlsConnector) or [`TlsAcceptor`](crate::TlsAcceptor).
///
/// Lingering after a fatal alert uses tokio's timer: the runtime must have it enabled
/// (`enable_time` or `enable_all`).
///
/// A server that accepted 0-RTT data (RFC 8446 §2.3, `ServerConfig::max_early_data_size`)
/// reads it first, before any data sent after the handshake: the first
/// [`Self::early_data_read`] bytes read are early data, which may be a replay (§8), and one
/// read never returns early data together with later data, so a caller can tell them
/// apart by comparing the count before and after a read.
#[derive(Debug)]
pub struct TlsStream<IO> {
    io: IO,
    conn: Connection,
    /// A server stream: it reads 0-RTT data when the engine accepted some.
    server: bool,
    /// Server: 0-RTT bytes the engine holds for `read_early_data`, as last reported.
    early_ready: usize,
    /// Server: 0-RTT bytes handed to the reader so far.
    early_read: u64,
    /// The transport reached EOF.
    eof: bool,
    /// The peer sent close_notify.
    peer_closed: bool,
    /// We queued close_notify.
    close_sent: bool,
    /// Set once a fatal error queued an alert: the closing steps still to do.
    linger: Option<Linger>,
    /// Hold sealed records until `poll_flush` (see [`TlsStream::set_coalesce_writes`]).
    coalesce: bool,
    /// Buffers are released at a `Pending` read only once no plaintext has been read for
    /// this long (see [`TlsStream::set_release_buffers_after`]).
    release_after: std::time::Duration,
    /// When plaintext was last read (kept only while `release_after` is not zero).
    last_data: Option<tokio::time::Instant>,
    /// Plaintext gathered into one record: with write coalescing on, what was written since
    /// the last flush (up to one record's worth); otherwise one vectored write's slices
    /// (empty between writes). Its capacity is kept while the connection is busy and
    /// released when it goes idle.
    gather: Vec<u8>,
}

/// With write coalescing on, queued TLS bytes go out once they reach this much even
/// without a flush (about one full record), so a large write streams rather than piles up.
const COALESCE_UP_TO: usize = 16 * 1024;

/// Plaintext is gathered, up to this many bytes, into one record: the most a record
/// holds (RFC 8446 §5.1).
const GATHER_UP_TO: usize = 16 * 1024;

impl<IO> TlsStream<IO> {
    pub(crate) fn new(io: IO, conn: Connection, server: bool) -> Self {
        TlsStream {
            io,
            conn,
            server,
            early_ready: 0,
            early_read: 0,
            eof: false,
            peer_closed: false,
            close_sent: false,
            linger: None,
            coalesce: false,
            release_after: std::time::Duration::ZERO,
            last_data: None,
            gather: Vec::new(),
        }
    }

    /// Whether writes wait for `poll_flush` (or for about one record's worth of bytes)
    /// before they reach the transport. Off by default: every `poll_write` then pushes its
    /// record out at once, so a caller that writes and then waits for an answer without
    /// flushing still works.
    ///
    /// On, the plaintext of small writes is gathered until the flush (or until it fills a
    /// record) and sealed then: a response written in pieces (HTTP/2 writes a frame header,
    /// then the body from another buffer; a server answers several streams in one go)
    /// leaves in one record and one system call, rather than a record per write. A write
    /// of a record's worth or more, with nothing gathered, is sealed from the caller's
    /// buffer at once. Turn it on only for callers that flush when they are done writing,
    /// as hyper does.
    pub fn set_coalesce_writes(&mut self, on: bool) {
        self.coalesce = on;
    }

    /// How long the connection must have been quiet (no plaintext read) before a read that
    /// finds nothing to do gives the engine's buffers back. Zero (the default) releases
    /// them at every such read: the least memory for a parked connection, but a busy one
    /// (HTTP/2 under load wakes for every batch of requests) then allocates and clears its
    /// receive buffer again on every wake-up.
    ///
    /// With a delay, buffers are released only by a read polled after the delay: the
    /// caller must poll a quiet connection again once it has been quiet that long, or the
    /// buffers stay until its next read (padlock serve's connection loop does this).
    pub fn set_release_buffers_after(&mut self, quiet: std::time::Duration) {
        self.release_after = quiet;
    }

    /// The transport and the engine; the engine answers queries about what was negotiated
    /// (ALPN, peer certificates, cipher suite, ...).
    pub fn get_ref(&self) -> (&IO, &Connection) {
        (&self.io, &self.conn)
    }

    /// The transport and the engine, mutably (to export keying material or request a
    /// KeyUpdate, say). Reading or writing the transport directly breaks the TLS stream.
    pub fn get_mut(&mut self) -> (&mut IO, &mut Connection) {
        (&mut self.io, &mut self.conn)
    }

    /// Both parts.
    pub fn into_inner(self) -> (IO, Connection) {
        (self.io, self.conn)
    }

    /// Server: how many bytes of 0-RTT data (RFC 8446 §2.3) reads have returned so far.
    /// They came first, before any other data; see the type's notes.
    pub fn early_data_read(&self) -> u64 {
        self.early_read
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> TlsStream<IO> {
    /// Drives the handshake to completion (flushing our last flight too). With `until`
    /// [`Until::EarlyData`], a server's handshake is also ready once the client's 0-RTT
    /// data is accepted and our flight is out, so the early data can be read while the
    /// client's Finished is on its way.
    pub(crate) fn poll_handshake(
        &mut self,
        cx: &mut Context<'_>,
        until: Until,
    ) -> Poll<io::Result<()>> {
        if self.linger.is_some() {
            return self.poll_linger(cx).map(Err);
        }
        loop {
            while self.conn.wants_write() {
                match self.write_io(cx) {
                    Poll::Ready(Ok(_)) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if !self.conn.is_handshaking() {
                return match self.conn.error() {
                    // The handshake ended in an error reported earlier.
                    Some(e) => Poll::Ready(Err(tls_to_io(e.clone()))),
                    None => Poll::Ready(Ok(())),
                };
            }
            if until == Until::EarlyData
                && self.server
                && self.conn.early_data_status() == EarlyDataStatus::Accepted
            {
                return Poll::Ready(Ok(()));
            }
            if self.eof {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection during the TLS handshake",
                )));
            }
            match self.read_io(cx) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Moves TLS bytes from the transport into the engine and processes them. `Ok(0)` means
    /// transport EOF.
    fn read_io(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let (n, eof) = {
            let mut reader = SyncIo {
                io: &mut self.io,
                cx,
                eof: false,
            };
            match self.conn.read_tls_from(&mut reader) {
                Ok(n) => (n, reader.eof),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        };
        // `Ok(0)` from the engine also means "receive buffer full"; only the transport
        // itself says end-of-file.
        if eof {
            self.eof = true;
        }
        match self.conn.process_new_packets() {
            Ok(state) => {
                if state.peer_has_closed {
                    self.peer_closed = true;
                }
                self.early_ready = state.early_data_bytes_to_read;
                Poll::Ready(Ok(n))
            }
            Err(e) => self.fail(cx, e),
        }
    }

    /// The engine failed: if it queued an alert for the peer, linger so the peer reads it;
    /// then report `e`.
    fn fail<T>(&mut self, cx: &mut Context<'_>, e: padlock_tls::Error) -> Poll<io::Result<T>> {
        if !self.conn.wants_write() {
            // No alert to deliver (the peer sent one, say): nothing to wait for.
            return Poll::Ready(Err(tls_to_io(e)));
        }
        let unsent = self.conn.pending_tls().to_vec();
        self.conn.consume_tls(unsent.len());
        self.linger = Some(Linger::start(unsent));
        self.poll_linger(cx).map(Err)
    }

    /// Runs the closing steps after a fatal alert; ready with the connection's error once
    /// they are done (at once on later calls).
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if let Some(linger) = self.linger.as_mut() {
            if linger.poll(cx, &mut self.io).is_pending() {
                return Poll::Pending;
            }
        }
        Poll::Ready(match self.conn.error() {
            Some(e) => tls_to_io(e.clone()),
            None => io::Error::other("the TLS connection failed"),
        })
    }

    /// A write to the transport failed (a broken pipe, say): if the peer sent an alert
    /// before it went away, that alert is the better explanation, so look at what has
    /// arrived. Otherwise `write_error` stands.
    fn explain(&mut self, cx: &mut Context<'_>, write_error: io::Error) -> io::Error {
        if self.eof || self.linger.is_some() {
            return write_error;
        }
        match self.read_io(cx) {
            Poll::Ready(Err(e)) if e.get_ref().is_some_and(|e| e.is::<padlock_tls::Error>()) => e,
            _ => write_error,
        }
    }

    /// Moves TLS bytes from the engine to the transport.
    fn write_io(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut writer = SyncIo {
            io: &mut self.io,
            cx,
            eof: false,
        };
        match self.conn.write_tls_to(&mut writer) {
            Ok(0) if self.conn.wants_write() => Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Copies decrypted bytes into `buf` straight from the engine's receive buffer, where
    /// they were decrypted (`Connection::reader`): one copy, and only of what arrived —
    /// callers such as hyper hand over a large uninitialised buffer on every read, and
    /// zeroing it first showed up as memset in profiles.
    fn read_plaintext_into(&mut self, buf: &mut ReadBuf<'_>) -> usize {
        let mut reader = self.conn.reader();
        let mut copied = 0;
        while buf.remaining() > 0 {
            // An error here only says "nothing buffered" (more may come, or the stream
            // ended); the caller tells those apart from the connection's state.
            let Ok(piece) = reader.fill_buf() else { break };
            if piece.is_empty() {
                break;
            }
            let n = piece.len().min(buf.remaining());
            buf.put_slice(&piece[..n]);
            reader.consume(n);
            copied += n;
        }
        copied
    }

    /// Server: copies 0-RTT data the engine holds into `buf` (`Connection::read_early_data`),
    /// and counts it; 0 when there is none.
    fn read_early_into(&mut self, buf: &mut ReadBuf<'_>) -> usize {
        if self.early_ready == 0 || buf.remaining() == 0 {
            return 0;
        }
        let n = self.conn.read_early_data(buf.initialize_unfilled());
        buf.advance(n);
        // Nothing came although some was announced: believe the read, so no caller loops.
        self.early_ready = if n == 0 {
            0
        } else {
            self.early_ready.saturating_sub(n)
        };
        self.early_read += n as u64;
        n
    }

    /// Writes out everything the engine has queued.
    fn poll_flush_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            match self.write_io(cx) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.linger.is_some() {
            return this.poll_linger(cx).map(Err);
        }
        // 0-RTT data first, alone in its read; then the handshake's end; then the rest.
        if this.read_early_into(buf) > 0 {
            return Poll::Ready(Ok(()));
        }
        let mut stalled = 0u8;
        while this.conn.is_handshaking() {
            match this.poll_handshake(cx, Until::EarlyData) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            if this.read_early_into(buf) > 0 {
                return Poll::Ready(Ok(()));
            }
            if this.conn.is_handshaking() {
                // Early data accepted but none here yet: wait for the transport.
                match this.read_io(cx) {
                    Poll::Ready(Ok(0)) if !this.eof => {
                        // The engine took no bytes and has no early data to give: it is
                        // stuck, and looping would spin.
                        stalled += 1;
                        if stalled > 1 {
                            return Poll::Ready(Err(io::Error::other(
                                "the TLS engine's receive buffer is full during the handshake",
                            )));
                        }
                    }
                    Poll::Ready(Ok(_)) if !this.eof => {}
                    Poll::Ready(Ok(_)) => {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the peer closed the connection during the TLS handshake",
                        )))
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
                if this.read_early_into(buf) > 0 {
                    return Poll::Ready(Ok(()));
                }
            }
        }
        stalled = 0;
        loop {
            let n = this.read_plaintext_into(buf);
            if n > 0 {
                if !this.release_after.is_zero() {
                    this.last_data = Some(tokio::time::Instant::now());
                }
                return Poll::Ready(Ok(()));
            }
            if this.peer_closed {
                return Poll::Ready(Ok(())); // clean EOF: close_notify received
            }
            if this.eof {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection without close_notify (the data may be truncated)",
                )));
            }
            // Post-handshake messages (KeyUpdate) may need an answer: send what is queued,
            // but don't wait for it here.
            if this.conn.wants_write() {
                if let Poll::Ready(Err(e)) = this.poll_flush_tls(cx) {
                    return Poll::Ready(Err(this.explain(cx, e)));
                }
            }
            match this.read_io(cx) {
                Poll::Ready(Ok(0)) if !this.eof => {
                    // The engine's receive buffer is full yet yielded no plaintext: it can
                    // make no progress, and looping would spin.
                    stalled += 1;
                    if stalled > 1 {
                        return Poll::Ready(Err(io::Error::other(
                            "the TLS engine's receive buffer is full but yields no data",
                        )));
                    }
                    continue;
                }
                Poll::Ready(Ok(_)) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    // Nothing to read, nothing to send: the connection is idle (a
                    // keep-alive connection between requests, say). Give the engine's
                    // buffers back rather than hold them while parked; the next record
                    // allocates again. Buffers still holding bytes are kept.
                    let quiet = this.release_after.is_zero()
                        || this
                            .last_data
                            .is_none_or(|t| t.elapsed() >= this.release_after);
                    if quiet && !this.conn.wants_write() && this.gather.is_empty() {
                        this.conn.shrink_buffers();
                        this.gather = Vec::new();
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> TlsStream<IO> {
    /// Ready once application data may be written: no fatal error is lingering and the
    /// handshake is complete.
    fn poll_writable(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.linger.is_some() {
            return self.poll_linger(cx).map(Err);
        }
        if self.conn.is_handshaking() {
            return self.poll_handshake(cx, Until::Complete);
        }
        Poll::Ready(Ok(()))
    }

    /// Seals `buf` (or as much as the engine takes) into records now; with coalescing on
    /// they wait for the flush unless a record's worth is queued.
    fn poll_seal(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            let n = match self.conn.write_plaintext(buf) {
                Ok(n) => n,
                // The send buffer is full: not an error, just "flush first".
                Err(padlock_tls::Error::ApiMisuse(padlock_tls::ApiMisuse::PlaintextBufferFull)) => {
                    0
                }
                Err(e) if self.conn.error().is_some() => return self.fail(cx, e),
                Err(e) => return Poll::Ready(Err(tls_to_io(e))),
            };
            if n > 0 {
                if self.coalesce && self.conn.pending_tls().len() < COALESCE_UP_TO {
                    // Held for the caller's flush (see `set_coalesce_writes`).
                    return Poll::Ready(Ok(n));
                }
                // Push out what we can; if the transport is full, what the engine accepted
                // stays queued there (bounded) and goes out on the next write or flush.
                if let Poll::Ready(Err(e)) = self.poll_flush_tls(cx) {
                    return Poll::Ready(Err(self.explain(cx, e)));
                }
                return Poll::Ready(Ok(n));
            }
            if !self.conn.wants_write() {
                // The engine took nothing and has nothing to send: no progress is possible.
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            // The engine's buffer is full: drain it to the transport, then try again.
            match self.poll_flush_tls(cx) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(self.explain(cx, e))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Seals the gathered plaintext; ready once none is left.
    fn poll_seal_gathered(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.gather.is_empty() {
            let gathered = std::mem::take(&mut self.gather);
            let sealed = self.poll_seal(cx, &gathered);
            self.gather = gathered;
            match sealed {
                Poll::Ready(Ok(n)) if n == self.gather.len() => self.gather.clear(),
                Poll::Ready(Ok(n)) => {
                    self.gather.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Coalescing on: adds what fits of `bufs` to the gathered plaintext, sealing it first
    /// when it already fills a record.
    fn poll_gather(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.gather.len() >= GATHER_UP_TO {
            match self.poll_seal_gathered(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let mut taken = 0;
        for buf in bufs {
            let n = buf.len().min(GATHER_UP_TO - self.gather.len());
            self.gather.extend_from_slice(&buf[..n]);
            taken += n;
            if self.gather.len() == GATHER_UP_TO {
                break;
            }
        }
        Poll::Ready(Ok(taken))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    /// Gathers small slices (up to 16 KiB in all) into one record rather than one each —
    /// with coalescing on, across writes until the flush. A first slice that is large on
    /// its own, with nothing gathered, is sealed alone from the caller's buffer.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let mut nonempty = bufs.iter().filter(|b| !b.is_empty());
        let Some(first) = nonempty.next() else {
            return Poll::Ready(Ok(0));
        };
        match this.poll_writable(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if this.coalesce {
            if this.gather.is_empty() && first.len() >= GATHER_UP_TO {
                return this.poll_seal(cx, first);
            }
            return this.poll_gather(cx, bufs);
        }
        // Not coalescing (any more): what was gathered before goes first.
        match this.poll_seal_gathered(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if first.len() >= GATHER_UP_TO || nonempty.next().is_none() {
            return this.poll_seal(cx, first);
        }
        // Copied into a kept buffer, not a zeroed array: zeroing 16 KiB per write cost more
        // than the record it saved.
        match this.poll_gather(cx, bufs) {
            Poll::Ready(Ok(_)) => {}
            other => return other,
        }
        let mut gathered = std::mem::take(&mut this.gather);
        let written = this.poll_seal(cx, &gathered);
        gathered.clear();
        this.gather = gathered;
        written
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.linger.is_some() {
            return this.poll_linger(cx).map(Err);
        }
        match this.poll_seal_gathered(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        match this.poll_flush_tls(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.linger.is_some() {
            // The fatal alert already closed the connection; lingering shut the transport.
            return this.poll_linger(cx).map(|_| Ok(()));
        }
        if !this.close_sent {
            // What was written goes before close_notify.
            match this.poll_seal_gathered(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            // RFC 8446 §6.1: close_notify before closing the write side.
            this.conn.send_close_notify();
            this.close_sent = true;
        }
        match this.poll_flush_tls(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_shutdown(cx),
            other => other,
        }
    }
}

/// How far [`TlsStream::poll_handshake`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    /// The handshake is complete.
    Complete,
    /// Complete, or (server) the client's early data was accepted and can be read.
    EarlyData,
}

/// Presents an async transport as blocking `Read + Write` for one poll: `Pending` becomes
/// `WouldBlock` (with the waker registered by the transport).
pub(crate) struct SyncIo<'a, 'b, IO> {
    pub(crate) io: &'a mut IO,
    pub(crate) cx: &'a mut Context<'b>,
    /// The transport reported end-of-file.
    pub(crate) eof: bool,
}

impl<IO: AsyncRead + Unpin> Read for SyncIo<'_, '_, IO> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut rb = ReadBuf::new(buf);
        match Pin::new(&mut *self.io).poll_read(self.cx, &mut rb) {
            Poll::Ready(Ok(())) => {
                let n = rb.filled().len();
                if n == 0 && rb.capacity() > 0 {
                    self.eof = true;
                }
                Ok(n)
            }
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl<IO: AsyncWrite + Unpin> Write for SyncIo<'_, '_, IO> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.io).poll_write(self.cx, buf) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match Pin::new(&mut *self.io).poll_flush(self.cx) {
            Poll::Ready(r) => r,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// Engine errors surface as `InvalidData` I/O errors carrying the engine's error, so
/// callers can downcast to [`padlock_tls::Error`] for the precise reason.
pub(crate) fn tls_to_io(e: padlock_tls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}
