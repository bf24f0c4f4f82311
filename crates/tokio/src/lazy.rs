//! Choosing the server configuration from the ClientHello, over a tokio transport.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use padlock_tls::{Accepted, Acceptor, ClientHello, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::linger::Refusal;
use crate::stream::{tls_to_io, SyncIo};
use crate::Handshake;

/// Reads a ClientHello from a transport, before any configuration is chosen; resolves to
/// a [`StartHandshake`] that shows the hello and continues with the configuration picked.
///
/// A malformed or unexpected first message is answered with its alert (and the lingering
/// described at [`LINGER_TIME`](crate::LINGER_TIME)) before the future resolves to the
/// error.
///
/// ```no_run
/// use std::sync::Arc;
///
/// use padlock_tls::{Acceptor, ServerConfig};
/// use padlock_tokio::LazyConfigAcceptor;
///
/// # async fn run(
/// #     tcp: tokio::net::TcpStream,
/// #     default: Arc<ServerConfig>,
/// #     internal: Arc<ServerConfig>,
/// # ) -> std::io::Result<()> {
/// let start = LazyConfigAcceptor::new(Acceptor::new(), tcp).await?;
/// let config = match start.client_hello().server_name() {
///     Some("internal.example") => internal,
///     _ => default,
/// };
/// let tls = start.into_stream(config).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct LazyConfigAcceptor<IO> {
    acceptor: Acceptor,
    io: Option<IO>,
    refusal: Option<Refusal<IO>>,
}

/// A ClientHello read and the transport it came on: look at [`Self::client_hello`], then
/// [`Self::into_stream`] with the configuration it calls for.
#[derive(Debug)]
pub struct StartHandshake<IO> {
    accepted: Accepted,
    io: IO,
}

impl<IO> LazyConfigAcceptor<IO> {
    /// Reads the ClientHello from `io` with `acceptor` (usually `Acceptor::new()`).
    pub fn new(acceptor: Acceptor, io: IO) -> Self {
        LazyConfigAcceptor {
            acceptor,
            io: Some(io),
            refusal: None,
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for LazyConfigAcceptor<IO> {
    type Output = io::Result<StartHandshake<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(refusal) = this.refusal.as_mut() {
            return refusal.poll(cx).map(Err);
        }
        loop {
            let Some(io) = this.io.as_mut() else {
                return Poll::Ready(Err(io::Error::other(
                    "LazyConfigAcceptor polled after completion",
                )));
            };
            match this.acceptor.accepted() {
                Ok(Some(accepted)) => {
                    return match this.io.take() {
                        Some(io) => Poll::Ready(Ok(StartHandshake { accepted, io })),
                        None => Poll::Ready(Err(io::Error::other("the transport is gone"))),
                    }
                }
                Ok(None) => {}
                Err(error) => return this.refuse(cx, error),
            }
            let mut reader = SyncIo { io, cx, eof: false };
            match this.acceptor.read_tls_from(&mut reader) {
                // The transport ended before the hello did. (`Ok(0)` without EOF means the
                // acceptor is full; `accepted` reports that on the next turn.)
                Ok(0) if reader.eof => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the client closed the connection before its ClientHello was complete",
                    )))
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> LazyConfigAcceptor<IO> {
    /// The hello was refused: send the alert, linger, then report `error`.
    fn refuse(
        &mut self,
        cx: &mut Context<'_>,
        error: padlock_tls::Error,
    ) -> Poll<io::Result<StartHandshake<IO>>> {
        let alert = self.acceptor.pending_tls().to_vec();
        self.acceptor.consume_tls(alert.len());
        let Some(io) = self.io.take() else {
            return Poll::Ready(Err(tls_to_io(error)));
        };
        match Refusal::start(io, alert, error) {
            Ok(refusal) => self.refusal.insert(refusal).poll(cx).map(Err),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl<IO> StartHandshake<IO> {
    /// What the client offered.
    pub fn client_hello(&self) -> ClientHello<'_> {
        self.accepted.client_hello()
    }

    /// The transport.
    pub fn get_ref(&self) -> &IO {
        &self.io
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> StartHandshake<IO> {
    /// Continues the handshake with `config`; resolves to the stream, or to the error
    /// (after sending its alert) if `config` cannot serve this client.
    pub fn into_stream(self, config: Arc<ServerConfig>) -> Handshake<IO> {
        match self.accepted.accept(config) {
            Ok(conn) => Handshake::start(Ok(conn), self.io, crate::Side::Server),
            Err(rejected) => Handshake::refuse(self.io, rejected),
        }
    }
}
