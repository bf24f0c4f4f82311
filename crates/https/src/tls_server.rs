//! The TLS side of the server: a swappable configuration (certificate reload without
//! dropping connections) and the accept step that reports ALPN and the client's identity.

use std::sync::{Arc, RwLock};

use padlock_tls::{EarlyDataStatus, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::certinfo::ClientIdentity;
use crate::error::Error;
use padlock_tokio::{TlsAcceptor, TlsStream};

/// The server's TLS configuration, replaceable while running: new handshakes use the new
/// one; connections already open keep the one they started with.
#[derive(Clone)]
pub struct TlsSetup {
    current: Arc<RwLock<Arc<ServerConfig>>>,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsSetup")
    }
}

impl TlsSetup {
    /// A setup starting with `config`.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        TlsSetup {
            current: Arc::new(RwLock::new(config)),
        }
    }

    /// The configuration new handshakes use.
    pub fn current(&self) -> Arc<ServerConfig> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            // A writer panicked mid-swap; the value inside is still a whole Arc.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the configuration for every later handshake.
    pub fn replace(&self, config: Arc<ServerConfig>) {
        match self.current.write() {
            Ok(mut guard) => *guard = config,
            Err(poisoned) => *poisoned.into_inner() = config,
        }
    }
}

/// What the handshake settled that the HTTP layer needs.
#[derive(Debug, Clone, Default)]
pub struct HandshakeDetails {
    /// The ALPN protocol chosen, if any.
    pub alpn: Option<Vec<u8>>,
    /// What the verified client certificate says (mutual TLS).
    pub client: Option<Arc<ClientIdentity>>,
    /// Version, cipher suite and key exchange group, and whether that group protects the
    /// session against a future quantum computer: `TLSv1.3 TLS_AES_128_GCM_SHA256
    /// X25519MLKEM768 post-quantum` (or `classical`), then `resumed` when a session was
    /// resumed from a ticket.
    pub summary: Option<String>,
    /// The client's 0-RTT data was accepted: the stream reads it first, before the
    /// handshake completes.
    pub early_data: bool,
}

/// Runs the server handshake on `io` with the current configuration. When that
/// configuration takes 0-RTT data (`max_early_data_size` above 0) and the client sent some,
/// the stream comes back as soon as the early data can be read, before the handshake
/// completes ([`TlsAcceptor::accept_with_early_data`]; [`HandshakeDetails::early_data`]).
pub async fn accept<IO>(
    setup: &TlsSetup,
    io: IO,
) -> Result<(TlsStream<IO>, HandshakeDetails), Error>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let acceptor = TlsAcceptor::from(setup.current());
    let handshake = if acceptor.config().max_early_data_size > 0 {
        acceptor.accept_with_early_data(io)
    } else {
        acceptor.accept(io)
    };
    let stream = handshake.await.map_err(|e| Error::io("TLS handshake", e))?;
    let conn = stream.get_ref().1;
    let details = HandshakeDetails {
        alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        client: conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|leaf| ClientIdentity::of(leaf, acceptor.config().provider.as_ref()))
            .map(Arc::new),
        summary: summary(conn),
        early_data: conn.early_data_status() == EarlyDataStatus::Accepted,
    };
    Ok((stream, details))
}

/// The access log's TLS field (see [`HandshakeDetails::summary`]). TLS 1.2 RSA key
/// transport has no group: `TLSv1.2 TLS_RSA_WITH_AES_128_GCM_SHA256 rsa-key-transport
/// no-forward-secrecy`.
fn summary(conn: &padlock_tls::Connection) -> Option<String> {
    let version = conn.protocol_version()?;
    let suite = conn.cipher_suite()?;
    let resumed = if conn.handshake_kind().is_some_and(|k| k.is_resumed()) {
        " resumed"
    } else {
        ""
    };
    let Some(group) = conn.negotiated_group() else {
        return Some(format!(
            "{version} {suite} rsa-key-transport no-forward-secrecy{resumed}"
        ));
    };
    Some(format!(
        "{version} {suite} {group} {}{resumed}",
        if group.is_post_quantum() {
            "post-quantum"
        } else {
            "classical"
        }
    ))
}
