//! padlock-tokio: TLS streams for tokio over padlock's sans-IO engine ([`padlock_tls`]).
//!
//! - [`TlsConnector`] opens a client connection, [`TlsAcceptor`] answers one; both resolve
//!   to a [`TlsStream`], which is `AsyncRead + AsyncWrite` (the shape tokio-rustls users
//!   know). [`TlsStream::get_ref`] gives the [`Connection`] for what was negotiated.
//! - [`LazyConfigAcceptor`] reads the ClientHello first, so a server can choose its
//!   [`ServerConfig`] from the client's SNI, ALPN, suites, groups or signature schemes
//!   ([`padlock_tls::Acceptor`]) before the handshake starts.
//! - Shutting a stream down sends close_notify (RFC 8446 §6.1); reading to the end requires
//!   the peer's close_notify, so a truncation is an error, not a short read.
//! - After a fatal error the stream writes the alert, half-closes and reads what the peer
//!   still sends for up to [`LINGER_TIME`] / [`LINGER_BYTES`] before reporting the error,
//!   so the peer reads the alert instead of a connection reset. This uses tokio's timer.
//!
//! Nothing here depends on hyper: HTTP lives in `padlock-https`, which builds on this crate.
//!
//! A client:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use padlock_crypto::AwsLcProvider;
//! use padlock_tls::{ClientConfig, RootStore, ServerName, WebPkiServerVerifier};
//! use padlock_tokio::TlsConnector;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # async fn run() -> std::io::Result<()> {
//! let provider = Arc::new(AwsLcProvider);
//! let roots = Arc::new(RootStore::system().expect("system roots"));
//! let verifier = Arc::new(WebPkiServerVerifier::new(provider.clone(), roots));
//! let connector = TlsConnector::from(Arc::new(ClientConfig::new(provider, verifier)));
//!
//! let tcp = tokio::net::TcpStream::connect("example.com:443").await?;
//! let name = ServerName::try_from("example.com").expect("a DNS name");
//! let mut tls = connector.connect(name, tcp).await?;
//! println!("negotiated {:?}", tls.get_ref().1.cipher_suite());
//! tls.write_all(b"GET / HTTP/1.0\r\nHost: example.com\r\n\r\n").await?;
//! let mut page = Vec::new();
//! tls.read_to_end(&mut page).await?;
//! # Ok(())
//! # }
//! ```
//!
//! A server:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use padlock_tls::ServerConfig;
//! use padlock_tokio::TlsAcceptor;
//! use tokio::io::AsyncWriteExt;
//!
//! # async fn run(config: Arc<ServerConfig>) -> std::io::Result<()> {
//! let acceptor = TlsAcceptor::from(config);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
//! loop {
//!     let (tcp, _) = listener.accept().await?;
//!     let acceptor = acceptor.clone();
//!     tokio::spawn(async move {
//!         let mut tls = acceptor.accept(tcp).await?;
//!         tls.write_all(b"hello\n").await?;
//!         tls.shutdown().await // close_notify
//!     });
//! }
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use padlock_tls::{ClientConfig, Connection, ServerConfig, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};

mod lazy;
mod linger;
mod stream;

pub use lazy::{LazyConfigAcceptor, StartHandshake};
pub use padlock_tls::{LINGER_BYTES, LINGER_TIME};
pub use stream::TlsStream;

use linger::Refusal;

use stream::{tls_to_io, Until};

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
        Handshake::start(Connection::server(self.config.clone()), io, Side::Server)
    }

    /// Like [`Self::accept`], but when the client's 0-RTT data is accepted (RFC 8446 §2.3;
    /// the configuration's `max_early_data_size` is above 0) the stream is ready as soon as
    /// our flight is sent: reads return the early data while the client's Finished is on
    /// its way, and the handshake completes in a later read or write. The stream says how
    /// many bytes were early ([`TlsStream::early_data_read`]); early data may be a replay
    /// (RFC 8446 §8), so act on it only where that is safe. Until the handshake completes
    /// the client is not authenticated by this connection's Finished; writes wait for it.
    pub fn accept_with_early_data<IO>(&self, io: IO) -> Handshake<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        Handshake::start(
            Connection::server(self.config.clone()),
            io,
            Side::ServerReadingEarlyData,
        )
    }

    /// The configuration handshakes use.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
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
        Handshake::start(
            Connection::client(self.config.clone(), server_name),
            io,
            Side::Client,
        )
    }

    /// The configuration handshakes use.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }
}

/// A handshake in progress (client or server); resolves to the [`TlsStream`].
///
/// If the handshake fails with an alert for the peer, the future lingers (see
/// [`LINGER_TIME`]) before it resolves to the error, so the peer reads the alert.
#[derive(Debug)]
pub struct Handshake<IO> {
    state: HandshakeState<IO>,
    until: Until,
}

/// Which end a handshake is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
    /// A server whose handshake future is ready once early data can be read.
    ServerReadingEarlyData,
}

// Running is the common case and is moved out whole when the handshake ends; boxing it
// would cost an allocation per connection to shrink the rare states.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum HandshakeState<IO> {
    Running(TlsStream<IO>),
    /// Refused before the connection started (see [`StartHandshake::into_stream`]).
    Refusing(Refusal<IO>),
    /// Failed before it started (the configuration cannot work, say).
    Failed(io::Error),
    Finished,
}

impl<IO> Handshake<IO> {
    fn start(conn: Result<Connection, padlock_tls::Error>, io: IO, side: Side) -> Self {
        let state = match conn {
            Ok(conn) => HandshakeState::Running(TlsStream::new(io, conn, side != Side::Client)),
            Err(e) => HandshakeState::Failed(tls_to_io(e)),
        };
        let until = match side {
            Side::ServerReadingEarlyData => Until::EarlyData,
            Side::Client | Side::Server => Until::Complete,
        };
        Handshake { state, until }
    }

    fn refuse(io: IO, rejected: padlock_tls::Rejected) -> Self {
        let alert = rejected.alert().to_vec();
        let state = match Refusal::start(io, alert, rejected.into_error()) {
            Ok(refusal) => HandshakeState::Refusing(refusal),
            Err(e) => HandshakeState::Failed(e),
        };
        Handshake {
            state,
            until: Until::Complete,
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Handshake<IO> {
    type Output = io::Result<TlsStream<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let until = self.until;
        let polled = match &mut self.state {
            HandshakeState::Running(stream) => stream.poll_handshake(cx, until),
            HandshakeState::Refusing(refusal) => refusal.poll(cx).map(Err),
            HandshakeState::Failed(_) | HandshakeState::Finished => Poll::Ready(Ok(())),
        };
        if polled.is_pending() {
            return Poll::Pending;
        }
        let state = std::mem::replace(&mut self.state, HandshakeState::Finished);
        Poll::Ready(match (polled, state) {
            (Poll::Ready(Err(e)), _) | (_, HandshakeState::Failed(e)) => Err(e),
            (_, HandshakeState::Running(stream)) => Ok(stream),
            _ => Err(io::Error::other("handshake polled after completion")),
        })
    }
}
