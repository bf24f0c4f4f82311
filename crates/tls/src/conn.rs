//! The public, sans-IO connection: bytes in, bytes out, plaintext in, plaintext out.

use std::io;
use std::sync::Arc;

use crate::error::ApiMisuse;
use crate::{
    CipherSuite, ClientConfig, Error, NamedGroup, ProtocolVersion, ServerConfig, ServerName,
    SignatureScheme,
};

/// How the handshake went.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeKind {
    /// One round trip.
    Full,
    /// The server sent a HelloRetryRequest first.
    FullWithHelloRetryRequest,
}

/// What `process_new_packets` left for the caller to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoState {
    /// Plaintext ready for `read_plaintext`.
    pub plaintext_bytes_to_read: usize,
    /// TLS bytes waiting for `write_tls_to` / `pending_tls`.
    pub tls_bytes_to_write: usize,
    /// The peer sent close_notify: no more plaintext will come.
    pub peer_has_closed: bool,
}

/// One TLS 1.3 connection, client or server.
pub struct Connection {
    error: Option<Error>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

impl Connection {
    /// Starts a client connection to `server_name`; the ClientHello is queued at once.
    pub fn client(config: Arc<ClientConfig>, server_name: ServerName) -> Result<Self, Error> {
        let _ = (config, server_name);
        Err(ApiMisuse::NotImplemented("the client").into())
    }

    /// Starts a server connection; it waits for a ClientHello.
    pub fn server(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let _ = config;
        Err(ApiMisuse::NotImplemented("the server").into())
    }

    /// Copies TLS bytes received from the peer into the receive buffer. Returns how many
    /// were taken; 0 means the buffer is full: call `process_new_packets` first.
    pub fn read_tls(&mut self, data: &[u8]) -> usize {
        let _ = data;
        0
    }

    /// Reads TLS bytes from `rd` straight into the receive buffer. `Ok(0)` means EOF.
    pub fn read_tls_from(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        let _ = rd;
        Ok(0)
    }

    /// Decrypts and handles the buffered records.
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(IoState::default()),
        }
    }

    /// Writes queued TLS bytes to `wr`.
    pub fn write_tls_to(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        let _ = wr;
        Ok(0)
    }

    /// The queued TLS bytes, to send to the peer.
    pub fn pending_tls(&self) -> &[u8] {
        &[]
    }

    /// Marks `n` bytes of `pending_tls` as sent.
    pub fn consume_tls(&mut self, n: usize) {
        let _ = n;
    }

    /// Copies received plaintext into `buf`; returns the count (0 = nothing buffered).
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let _ = buf;
        0
    }

    /// Queues plaintext to send (buffered until the handshake completes).
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        let _ = data;
        Err(ApiMisuse::NotImplemented("write_plaintext").into())
    }

    /// Queues a close_notify alert.
    pub fn send_close_notify(&mut self) {}

    /// Whether the connection wants more TLS bytes from the peer.
    pub fn wants_read(&self) -> bool {
        false
    }

    /// Whether TLS bytes are waiting to be sent.
    pub fn wants_write(&self) -> bool {
        false
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        true
    }

    /// The negotiated version.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        None
    }

    /// The negotiated cipher suite.
    pub fn cipher_suite(&self) -> Option<CipherSuite> {
        None
    }

    /// The negotiated key exchange group.
    pub fn negotiated_group(&self) -> Option<NamedGroup> {
        None
    }

    /// The scheme of the peer's (client: server's) CertificateVerify.
    pub fn signature_scheme(&self) -> Option<SignatureScheme> {
        None
    }

    /// The ALPN protocol chosen.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        None
    }

    /// The server name (client: the one we asked for; server: the client's SNI).
    pub fn server_name(&self) -> Option<&str> {
        None
    }

    /// The peer's certificate chain (DER, leaf first), once verified.
    pub fn peer_certificates(&self) -> Option<&[Vec<u8>]> {
        None
    }

    /// Whether a HelloRetryRequest happened.
    pub fn handshake_kind(&self) -> Option<HandshakeKind> {
        None
    }

    /// RFC 8446 §7.5 exporter.
    pub fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        let _ = (out, label, context);
        Err(ApiMisuse::HandshakeNotComplete.into())
    }
}
