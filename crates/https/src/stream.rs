//! A tokio stream over the sans-IO engine: [`TlsStream`] implements `AsyncRead` and
//! `AsyncWrite` on top of a [`padlock_tls::Connection`] and any `AsyncRead + AsyncWrite`
//! transport, with [`TlsAcceptor`] and [`TlsConnector`] to make one.
//!
//! Close semantics (RFC 8446 §6.1): `poll_shutdown` sends close_notify before shutting the
//! transport's write side. A read returns end-of-file only after the peer's close_notify;
//! a transport EOF without it is an `UnexpectedEof` error, so a truncated response is never
//! mistaken for a complete one.
//!
//! Buffers are bounded by the engine (its receive buffer refuses bytes until
//! `process_new_packets` drains it; `write_plaintext` accepts only what fits), and every
//! `Pending` is returned only after the transport registered the waker, so there is no
//! busy loop.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use padlock_tls::{ClientConfig, Connection, ServerConfig, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Accepts TLS connections with a server configuration.
#[derive(Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl std::fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsAcceptor")
    }
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        TlsAcceptor { config }
    }
}

impl TlsAcceptor {
    /// Runs the server handshake over `io`; resolves to a stream ready for application data.
    pub fn accept<IO>(&self, io: IO) -> Handshake<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = Connection::server(self.config.clone()).map_err(tls_to_io);
        Handshake {
            stream: Some(conn.map(|conn| TlsStream::new(io, conn))),
        }
    }
}

/// Opens TLS connections with a client configuration.
#[derive(Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConnector")
    }
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        TlsConnector { config }
    }
}

impl TlsConnector {
    /// Runs the client handshake for `server_name` over `io`.
    pub fn connect<IO>(&self, server_name: ServerName, io: IO) -> Handshake<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = Connection::client(self.config.clone(), server_name).map_err(tls_to_io);
        Handshake {
            stream: Some(conn.map(|conn| TlsStream::new(io, conn))),
        }
    }
}

/// The handshake in progress; resolves to the [`TlsStream`].
#[derive(Debug)]
pub struct Handshake<IO> {
    stream: Option<io::Result<TlsStream<IO>>>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Handshake<IO> {
    type Output = io::Result<TlsStream<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let stream = match self.stream.as_mut() {
            Some(Ok(stream)) => stream,
            Some(Err(_)) => {
                return match self.stream.take() {
                    Some(Err(e)) => Poll::Ready(Err(e)),
                    _ => Poll::Ready(Err(io::Error::other("handshake polled after completion"))),
                }
            }
            None => return Poll::Ready(Err(io::Error::other("handshake polled after completion"))),
        };
        match stream.poll_handshake(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => match self.stream.take() {
                Some(Ok(stream)) => Poll::Ready(Ok(stream)),
                _ => Poll::Ready(Err(io::Error::other("handshake polled after completion"))),
            },
            Poll::Ready(Err(e)) => {
                self.stream = None;
                Poll::Ready(Err(e))
            }
        }
    }
}

/// A TLS connection over a tokio transport.
#[derive(Debug)]
pub struct TlsStream<IO> {
    io: IO,
    conn: Connection,
    /// The transport reached EOF.
    eof: bool,
    /// The peer sent close_notify.
    peer_closed: bool,
    /// We queued close_notify.
    close_sent: bool,
    /// Reused landing place for plaintext when the caller's buffer is uninitialised.
    scratch: Vec<u8>,
}

/// The most plaintext moved per read call: one full TLS record (RFC 8446 §5.1).
const PLAINTEXT_CHUNK: usize = 16 * 1024;

impl<IO> TlsStream<IO> {
    fn new(io: IO, conn: Connection) -> Self {
        TlsStream {
            io,
            conn,
            eof: false,
            peer_closed: false,
            close_sent: false,
            scratch: Vec::new(),
        }
    }

    /// The engine, for queries (ALPN, peer certificates, cipher suite, ...).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The transport.
    pub fn get_ref(&self) -> &IO {
        &self.io
    }

    /// Both parts.
    pub fn into_parts(self) -> (IO, Connection) {
        (self.io, self.conn)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> TlsStream<IO> {
    /// Drives the handshake to completion (flushing our last flight too).
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            while self.conn.wants_write() {
                match self.write_io(cx) {
                    Poll::Ready(Ok(_)) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if !self.conn.is_handshaking() {
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
                Poll::Ready(Ok(n))
            }
            Err(e) => {
                // Best effort: the engine queued an alert for the peer; try to send it.
                let mut writer = SyncIo {
                    io: &mut self.io,
                    cx,
                    eof: false,
                };
                let _ = self.conn.write_tls_to(&mut writer);
                Poll::Ready(Err(tls_to_io(e)))
            }
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

    /// Copies decrypted bytes into `buf`. Callers such as hyper hand over a large
    /// uninitialised buffer on every read; zeroing it each time (what `initialize_unfilled`
    /// does) showed up as memset in profiles, so when `buf` is not already initialised the
    /// bytes go through a small reused scratch buffer instead (a copy of only what arrived).
    fn read_plaintext_into(&mut self, buf: &mut ReadBuf<'_>) -> usize {
        let want = buf.remaining().min(PLAINTEXT_CHUNK);
        let initialised = buf.initialized().len() - buf.filled().len();
        if initialised >= want {
            let n = self.conn.read_plaintext(buf.initialize_unfilled_to(want));
            buf.advance(n);
            return n;
        }
        if self.scratch.len() < want {
            self.scratch.resize(want, 0);
        }
        let n = self.conn.read_plaintext(&mut self.scratch[..want]);
        buf.put_slice(&self.scratch[..n]);
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
        if this.conn.is_handshaking() {
            match this.poll_handshake(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
        }
        let mut stalled = 0u8;
        loop {
            let n = this.read_plaintext_into(buf);
            if n > 0 {
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
                    return Poll::Ready(Err(e));
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
                    if !this.conn.wants_write() {
                        this.conn.shrink_buffers();
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if this.conn.is_handshaking() {
            match this.poll_handshake(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        loop {
            let n = match this.conn.write_plaintext(buf) {
                Ok(n) => n,
                // The send buffer is full: not an error, just "flush first".
                Err(padlock_tls::Error::ApiMisuse(padlock_tls::ApiMisuse::PlaintextBufferFull)) => {
                    0
                }
                Err(e) => return Poll::Ready(Err(tls_to_io(e))),
            };
            if n > 0 {
                // Push out what we can; if the transport is full, what the engine accepted
                // stays queued there (bounded) and goes out on the next write or flush.
                if let Poll::Ready(Err(e)) = this.poll_flush_tls(cx) {
                    return Poll::Ready(Err(e));
                }
                return Poll::Ready(Ok(n));
            }
            if !this.conn.wants_write() {
                // The engine took nothing and has nothing to send: no progress is possible.
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            // The engine's buffer is full: drain it to the transport, then try again.
            match this.poll_flush_tls(cx) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match this.poll_flush_tls(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.close_sent {
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

/// Presents an async transport as blocking `Read + Write` for one poll: `Pending` becomes
/// `WouldBlock` (with the waker registered by the transport).
struct SyncIo<'a, 'b, IO> {
    io: &'a mut IO,
    cx: &'a mut Context<'b>,
    /// The transport reported end-of-file.
    eof: bool,
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
fn tls_to_io(e: padlock_tls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}
