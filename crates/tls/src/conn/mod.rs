//! The public, sans-IO connection: bytes in, bytes out, plaintext in, plaintext out.
//!
//! # When to call what
//!
//! * When the socket is readable: [`Connection::read_tls_from`] (or [`Connection::read_tls`]
//!   with bytes you read yourself), then [`Connection::process_new_packets`].
//! * When [`Connection::wants_write`]: [`Connection::write_tls_to`] (or
//!   [`Connection::pending_tls`] + [`Connection::consume_tls`]). Check it after creating a
//!   client (the ClientHello is queued at once), after every `process_new_packets`, and
//!   after every `write_plaintext` / `send_close_notify`.
//! * When `process_new_packets` reports `plaintext_bytes_to_read > 0`:
//!   [`Connection::read_plaintext`].
//! * [`Connection::write_plaintext`] at any time; before the handshake completes the data is
//!   held (up to a bound) and sent once application keys exist.
//!
//! After an error, every later call returns that error; the alert that explains it to the
//! peer has been queued (encrypted if keys were installed) and is in `pending_tls`.
//!
//! # Buffers
//!
//! Received records are decrypted in place in the receive buffer; application data stays
//! there until `read_plaintext` copies it out (one copy, into the caller's buffer).
//! Outgoing plaintext is copied once into the send buffer and encrypted there. While data
//! flows both buffers are kept, so the records of a burst reuse one allocation each; they
//! are freed once empty at the end of `process_new_packets`, or at once by
//! [`Connection::shrink_buffers`], so an idle connection holds almost nothing.

use std::io;
use std::ops::Range;
use std::sync::Arc;

use crate::error::{ApiMisuse, PeerMisbehaved};
use crate::record::{
    content_type, copy, RecordError, HEADER_LEN, MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN,
};
use crate::trace::{Direction, TraceEvent};
use crate::{
    alert, AlertDescription, CipherSuite, ClientConfig, Error, NamedGroup, ProtocolVersion,
    ServerConfig, ServerName, SignatureScheme,
};

mod engine;

use self::engine::Core;

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

/// Receive buffer size: room for two maximal records, so a full record can always be
/// completed while the previous one's plaintext waits to be read.
const RX_CAPACITY: usize = 2 * (HEADER_LEN + MAX_CIPHERTEXT_LEN);
/// Room offered to the first `read_tls_from` on a fresh receive buffer (it grows when
/// reads fill it): enough for a typical request in one read.
const RX_FIRST_READ: usize = 0x1000;
/// Largest handshake message we accept (certificate chains are the big ones).
const MAX_HANDSHAKE_MESSAGE: usize = 0x1_0000;
/// Plaintext accepted before the handshake completes.
const MAX_EARLY_PLAINTEXT: usize = 0x1_0000;
/// `write_plaintext` stops accepting once this much TLS data is waiting to be sent.
const MAX_PENDING_TLS: usize = 0x4_0000;

/// One TLS 1.3 connection, client or server.
pub struct Connection {
    core: Core,
    state: Option<crate::state::State>,
    error: Option<Error>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("handshaking", &self.is_handshaking())
            .field("suite", &self.cipher_suite())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Starts a client connection to `server_name`; the ClientHello is queued at once, so
    /// call [`Self::write_tls_to`] next.
    pub fn client(config: Arc<ClientConfig>, server_name: ServerName) -> Result<Self, Error> {
        let mut core = Core::new(
            config.provider.clone(),
            config.key_log.clone(),
            config.trace.clone(),
        );
        let state = crate::client::start(config, server_name, &mut core)?;
        core.flush_initial_client_hello()?;
        Ok(Self {
            core,
            state: Some(state),
            error: None,
        })
    }

    /// Starts a server connection; it waits for a ClientHello.
    pub fn server(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let core = Core::new(
            config.provider.clone(),
            config.key_log.clone(),
            config.trace.clone(),
        );
        let state = crate::server::start(config)?;
        Ok(Self {
            core,
            state: Some(state),
            error: None,
        })
    }

    /// Copies TLS bytes received from the peer into the receive buffer. Returns how many
    /// were taken; 0 means the buffer is full (call `process_new_packets` and
    /// `read_plaintext` first) or the connection has failed.
    pub fn read_tls(&mut self, data: &[u8]) -> usize {
        if self.error.is_some() {
            return 0;
        }
        let n = (RX_CAPACITY - self.core.rx_end).min(data.len());
        self.core.rx_append(&data[..n]);
        n
    }

    /// Reads TLS bytes from `rd` straight into the receive buffer (one `read` call).
    /// `Ok(0)` means EOF — or that the buffer is full; check [`Self::wants_read`].
    pub fn read_tls_from(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        if self.error.is_some() {
            return Ok(0);
        }
        if self.core.rx_end >= RX_CAPACITY {
            return Ok(0);
        }
        let n = rd.read(self.core.rx_room())?;
        self.core.rx_filled(n);
        if n == 0 {
            self.core.eof = true;
        }
        Ok(n)
    }

    /// Decrypts and handles the buffered records: runs the handshake, queues replies,
    /// and makes application data available to `read_plaintext`.
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let result = self
            .process_records()
            .and_then(|()| self.core.flush_handshake());
        if let Err(e) = result {
            return Err(self.fail(e));
        }
        self.core.free_idle_buffers();
        Ok(self.io_state())
    }

    /// Writes queued TLS bytes to `wr` (one `write` call); returns the count written.
    pub fn write_tls_to(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        let pending = self.pending_tls();
        if pending.is_empty() {
            return Ok(0);
        }
        let n = wr.write(pending)?;
        self.consume_tls(n);
        Ok(n)
    }

    /// The queued TLS bytes, to send to the peer.
    pub fn pending_tls(&self) -> &[u8] {
        self.core.tx.get(self.core.tx_start..).unwrap_or(&[])
    }

    /// Marks the first `n` bytes of `pending_tls` as sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.core.tx_start = self.core.tx_start.saturating_add(n).min(self.core.tx.len());
        if self.core.tx_start == self.core.tx.len() {
            // Everything is out: keep the allocation for the next record of the burst;
            // `process_new_packets` frees it once the connection is idle.
            self.core.tx.clear();
            self.core.tx_start = 0;
        }
    }

    /// Frees the send and receive buffers if they hold nothing (a buffer still holding
    /// data is kept). Call it when the connection goes idle after writing: a server that
    /// has flushed a response and now waits for the next request, say. Without it the
    /// send buffer (about 16.5 KiB after a full record) stays allocated until the next
    /// `process_new_packets`, which frees whatever is empty. Cheap; the next record
    /// allocates again.
    pub fn shrink_buffers(&mut self) {
        self.core.free_idle_buffers();
    }

    /// Copies received plaintext into `buf`; returns the count (0 = nothing buffered; see
    /// [`IoState::peer_has_closed`] to tell the end of the stream).
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let mut copied = 0;
        while copied < buf.len() {
            let Some(range) = self.core.plaintext.front_mut() else {
                break;
            };
            let n = (range.end - range.start).min(buf.len() - copied);
            copy::copy(
                &mut buf[copied..copied + n],
                &self.core.rx[range.start..range.start + n],
            );
            range.start += n;
            copied += n;
            if range.start == range.end {
                self.core.plaintext.pop_front();
            }
        }
        self.core.compact_rx();
        copied
    }

    /// Queues plaintext to send. Before the handshake completes it is held (up to 64 KiB)
    /// and sent once application keys exist. Returns how much was accepted, which is less
    /// than `data.len()` when the send buffer is full: write out TLS data, then retry.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.core.write_closed {
            return Err(ApiMisuse::WriteAfterClose.into());
        }
        if !self.core.write_app {
            let room = MAX_EARLY_PLAINTEXT.saturating_sub(self.core.early_plaintext.len());
            let n = room.min(data.len());
            if n == 0 && !data.is_empty() {
                return Err(ApiMisuse::PlaintextBufferFull.into());
            }
            self.core.early_plaintext.extend_from_slice(&data[..n]);
            return Ok(n);
        }
        let room = MAX_PENDING_TLS.saturating_sub(self.pending_tls().len());
        let n = room.min(data.len());
        if n == 0 && !data.is_empty() {
            return Err(ApiMisuse::PlaintextBufferFull.into());
        }
        if let Err(e) = self.send_application_data(&data[..n]) {
            return Err(self.fail(e));
        }
        Ok(n)
    }

    /// Seals `data` as application data records, updating keys before their usage limit
    /// (RFC 8446 §5.5).
    fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        for chunk in data.chunks(MAX_PLAINTEXT_LEN) {
            if self.core.sealer.needs_key_update() {
                self.send_key_update(false)?;
            }
            self.core.send_application_data(chunk)?;
        }
        Ok(())
    }

    /// Sends a KeyUpdate and switches to the next write keys, through the state that holds
    /// the traffic secrets.
    fn send_key_update(&mut self, ask_peer: bool) -> Result<(), Error> {
        let traffic = self
            .state
            .as_mut()
            .and_then(crate::state::State::traffic)
            .ok_or(ApiMisuse::HandshakeNotComplete)?;
        traffic.send(ask_peer, &mut self.core)
    }

    /// Queues a close_notify alert (RFC 8446 §6.1); nothing more can be written.
    /// If it cannot be sealed (the keys are exhausted) the connection fails with that
    /// error, which later calls return.
    pub fn send_close_notify(&mut self) {
        if self.error.is_some() || self.core.write_closed {
            return;
        }
        let sent = self
            .core
            .flush_handshake()
            .and_then(|()| self.core.send_alert(AlertDescription::CloseNotify));
        self.core.write_closed = true;
        if let Err(e) = sent {
            self.fail(e);
        }
    }

    /// Sends a KeyUpdate now (RFC 8446 §4.6.3) and switches to the next write keys; with
    /// `ask_peer`, the peer is asked to update its keys too. Updates also happen
    /// automatically before a key reaches its usage limit (§5.5).
    pub fn request_key_update(&mut self, ask_peer: bool) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if !self.core.handshake_complete || !self.core.write_app {
            return Err(ApiMisuse::HandshakeNotComplete.into());
        }
        if self.core.write_closed {
            return Err(ApiMisuse::WriteAfterClose.into());
        }
        self.send_key_update(ask_peer)
            .and_then(|()| self.core.flush_handshake())
            .map_err(|e| self.fail(e))
    }

    /// Whether the connection wants more TLS bytes from the peer.
    pub fn wants_read(&self) -> bool {
        self.error.is_none() && !self.core.peer_closed && !self.core.eof
    }

    /// Whether TLS bytes are waiting to be sent.
    pub fn wants_write(&self) -> bool {
        !self.pending_tls().is_empty()
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        self.error.is_none() && !self.core.handshake_complete
    }

    /// The negotiated version (always TLS 1.3 once known).
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.core.suite.map(|_| ProtocolVersion::TLSv1_3)
    }

    /// The negotiated cipher suite.
    pub fn cipher_suite(&self) -> Option<CipherSuite> {
        self.core.suite.map(|s| s.suite)
    }

    /// The negotiated key exchange group.
    pub fn negotiated_group(&self) -> Option<NamedGroup> {
        self.core.group
    }

    /// The scheme of the peer's CertificateVerify.
    pub fn signature_scheme(&self) -> Option<SignatureScheme> {
        self.core.scheme
    }

    /// The ALPN protocol chosen (RFC 7301).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.core.alpn.as_deref()
    }

    /// The server name (client: the one we asked for; server: the client's SNI).
    pub fn server_name(&self) -> Option<&str> {
        self.core.server_name.as_deref()
    }

    /// The peer's certificate chain (DER, leaf first), once verified.
    pub fn peer_certificates(&self) -> Option<&[Vec<u8>]> {
        self.core.peer_certificates.as_deref()
    }

    /// Whether a HelloRetryRequest happened.
    pub fn handshake_kind(&self) -> Option<HandshakeKind> {
        self.core.kind
    }

    /// The error that ended the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Keying material exporter (RFC 8446 §7.5, RFC 5705); `context: None` and
    /// `Some(&[])` differ, as RFC 8446 §7.5 says.
    pub fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let exporter = self
            .core
            .exporter
            .as_ref()
            .filter(|_| self.core.handshake_complete)
            .ok_or(ApiMisuse::HandshakeNotComplete)?;
        exporter
            .export(self.core.provider.as_ref(), label, context, out)
            .map_err(|_| ApiMisuse::ExporterOutputTooLong.into())
    }

    fn io_state(&self) -> IoState {
        IoState {
            plaintext_bytes_to_read: self.core.plaintext.iter().map(|r| r.end - r.start).sum(),
            tls_bytes_to_write: self.pending_tls().len(),
            peer_has_closed: self.core.peer_closed,
        }
    }

    /// Records `e` as the connection's fate and queues the alert that explains it.
    fn fail(&mut self, e: Error) -> Error {
        if !alert::is_fatal(&e) {
            return e;
        }
        if let Some(description) = alert::alert_for(&e) {
            // An alert that cannot be sealed (keys exhausted) cannot be sent at all; the
            // connection fails with `e` either way, and nothing more is written.
            let unsent = !self.core.write_closed && self.core.send_alert(description).is_err();
            if unsent {
                self.core.tx_start = self.core.tx.len();
            }
        }
        self.core.write_closed = true;
        self.state = None;
        self.error = Some(e.clone());
        // Nothing more will be read: drop what was received.
        self.core.free_rx();
        self.core.plaintext.clear();
        self.core.hs_in = Vec::new();
        e
    }

    fn process_records(&mut self) -> Result<(), Error> {
        loop {
            let Some(record) = self.core.next_record()? else {
                self.core.compact_rx();
                return Ok(());
            };
            self.handle_record(record)?;
        }
    }

    fn handle_record(&mut self, record: Range<usize>) -> Result<(), Error> {
        let core = &mut self.core;
        let outer_type = core.rx[record.start];
        if core.peer_closed {
            // RFC 8446 §6.1: nothing may follow close_notify.
            return Err(PeerMisbehaved::DataAfterCloseNotify.into());
        }
        // RFC 8446 §5: a ChangeCipherSpec is never protected; one 0x01 is tolerated between
        // the first ClientHello and the peer's Finished, anything else is unexpected.
        if outer_type == content_type::CHANGE_CIPHER_SPEC {
            let body = &core.rx[record.start + HEADER_LEN..record.end];
            let allowed = self
                .state
                .as_ref()
                .is_some_and(|s| s.allows_change_cipher_spec());
            if body != [0x01] || !allowed || core.ccs_received || !core.hs_in.is_empty() {
                return Err(PeerMisbehaved::IllegalChangeCipherSpec.into());
            }
            core.ccs_received = true;
            return Ok(());
        }
        if !core.opener.is_protected() && outer_type == content_type::APPLICATION_DATA {
            // RFC 8446 §5.1/§5.2: application data before keys exist.
            return Err(crate::output::unexpected(
                "a handshake record",
                "application data",
            ));
        }
        let seq = core.opener.sequence_number();
        let opened = core
            .opener
            .open_in_place(&mut core.rx[record.clone()])
            .map_err(record_error)?;
        if core.opener.is_protected() {
            if let Some(t) = core.trace.as_deref() {
                t.event(&TraceEvent::Record {
                    direction: Direction::Received,
                    seq,
                    len: record.len(),
                });
            }
        }
        let content = record.start + opened.content.start..record.start + opened.content.end;
        match opened.content_type {
            content_type::HANDSHAKE => {
                if content.is_empty() {
                    // RFC 8446 §5.1: zero-length handshake fragments are not allowed.
                    return Err(PeerMisbehaved::IllegalRecord.into());
                }
                if core.hs_in.len() + content.len() > MAX_HANDSHAKE_MESSAGE + 4 {
                    return Err(PeerMisbehaved::HandshakeMessageTooLarge.into());
                }
                core.hs_in.extend_from_slice(&core.rx[content]);
                self.handle_handshake_messages()
            }
            content_type::ALERT => self.handle_alert(content),
            content_type::APPLICATION_DATA => {
                if !core.read_app || !core.hs_in.is_empty() {
                    // RFC 8446 §5.1: not before the handshake is done, nor inside a
                    // fragmented handshake message.
                    return Err(crate::output::unexpected(
                        "a handshake message",
                        "application data",
                    ));
                }
                if !content.is_empty() {
                    core.plaintext.push_back(content);
                }
                Ok(())
            }
            _ => Err(PeerMisbehaved::IllegalRecord.into()),
        }
    }

    fn handle_alert(&mut self, content: Range<usize>) -> Result<(), Error> {
        let core = &mut self.core;
        // RFC 8446 §5.1: alerts are never fragmented nor coalesced: exactly two bytes.
        let &[level, description] = &core.rx[content] else {
            return Err(PeerMisbehaved::MalformedAlert.into());
        };
        if !core.hs_in.is_empty() {
            return Err(PeerMisbehaved::HandshakeMessageSplitAcrossKeyChange.into());
        }
        let description = AlertDescription::from_wire(description);
        if let Some(t) = core.trace.as_deref() {
            t.event(&TraceEvent::Alert {
                direction: Direction::Received,
                description,
            });
        }
        match description {
            // RFC 8446 §6.1: close_notify ends the peer's writing.
            AlertDescription::CloseNotify if core.handshake_complete => {
                core.peer_closed = true;
                Ok(())
            }
            // §6.1: user_canceled is followed by close_notify; keep going.
            AlertDescription::UserCanceled if level == 1 => Ok(()),
            // §6: "all alerts are fatal" apart from those two; unknown levels included.
            other => Err(Error::AlertReceived(other)),
        }
    }

    fn handle_handshake_messages(&mut self) -> Result<(), Error> {
        // Messages are handed to the state straight out of the joined bytes (no copy per
        // message); the buffer is taken out of `core` meanwhile, as the state writes to it.
        let mut joined = std::mem::take(&mut self.core.hs_in);
        let result = self.handle_joined(&joined);
        match result {
            Ok(consumed) if consumed < joined.len() => {
                joined.drain(..consumed);
                self.core.hs_in = joined;
            }
            // Everything used: free the buffer rather than keep its capacity.
            Ok(_) => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Handles the whole messages at the front of `joined`; returns the bytes used.
    fn handle_joined(&mut self, joined: &[u8]) -> Result<usize, Error> {
        let mut consumed = 0;
        // Each iteration consumes one whole message; the loop ends when less than one
        // message is left (bounded by the buffer's length).
        loop {
            let hs = &joined[consumed..];
            if hs.len() < 4 {
                return Ok(consumed);
            }
            let len = usize::from(hs[1]) << 16 | usize::from(hs[2]) << 8 | usize::from(hs[3]);
            if len > MAX_HANDSHAKE_MESSAGE {
                return Err(PeerMisbehaved::HandshakeMessageTooLarge.into());
            }
            let Some(message) = hs.get(..4 + len) else {
                return Ok(consumed);
            };
            consumed += message.len();
            let state = self
                .state
                .take()
                .ok_or(Error::Internal("handshake state missing"))?;
            let read_keys_before = self.core.read_key_changes;
            let next = state.handle(message, &mut self.core)?;
            self.state = Some(next);
            if self.core.read_key_changes != read_keys_before && consumed < joined.len() {
                // RFC 8446 §5.1: a key change must fall on a record boundary.
                return Err(PeerMisbehaved::HandshakeMessageSplitAcrossKeyChange.into());
            }
        }
    }
}

/// The engine's error for a record-layer failure (RFC 8446 §5).
fn record_error(e: RecordError) -> Error {
    match e {
        RecordError::BadRecordMac => Error::DecryptFailed,
        RecordError::CiphertextTooLong | RecordError::PlaintextTooLong => Error::RecordOverflow,
        RecordError::NoContentType | RecordError::UnexpectedOuterType(_) => {
            PeerMisbehaved::IllegalRecord.into()
        }
        RecordError::Truncated => Error::Internal("a record was cut short"),
        _ => Error::Internal("record protection failed"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, OnceLock};

    use padlock_crypto::{AwsLcProvider, Provider};
    use padlock_pki::ca::{InitOptions, LocalCa};

    use super::*;
    use crate::{danger, CertifiedKey, ClientConfig, ServerConfig, ServerName};

    /// A client and a server connection with the handshake done (the certificate is not
    /// checked: the protocol is under test).
    fn connected() -> (Connection, Connection) {
        let provider: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let cert = server_key();
        let server_config = Arc::new(ServerConfig::new(provider.clone(), cert));
        let client_config = ClientConfig::new(provider, Arc::new(danger::NoServerVerification));
        let name = ServerName::try_from("localhost").unwrap();
        let mut client = Connection::client(Arc::new(client_config), name).unwrap();
        let mut server = Connection::server(server_config).unwrap();
        while client.is_handshaking() || server.is_handshaking() {
            pump(&mut client, &mut server);
            pump(&mut server, &mut client);
        }
        pump(&mut server, &mut client);
        (client, server)
    }

    /// A localhost certificate from our own local CA, made once per test binary.
    fn server_key() -> Arc<CertifiedKey> {
        static KEY: OnceLock<Arc<CertifiedKey>> = OnceLock::new();
        KEY.get_or_init(|| {
            let home = std::env::temp_dir().join(format!("padlock-conn-{}", std::process::id()));
            let leaf = LocalCa::open_or_init(&AwsLcProvider, &home, InitOptions::default())
                .and_then(|ca| ca.localhost_leaf())
                .unwrap();
            let _ = std::fs::remove_dir_all(&home);
            let key = CertifiedKey::from_pem(
                &AwsLcProvider,
                leaf.chain_pem.as_bytes(),
                leaf.key_pem.as_bytes(),
            );
            Arc::new(key.unwrap())
        })
        .clone()
    }

    /// Moves everything `from` has to send into `to`.
    fn pump(from: &mut Connection, to: &mut Connection) {
        let bytes = from.pending_tls().to_vec();
        from.consume_tls(bytes.len());
        assert_eq!(to.read_tls(&bytes), bytes.len());
        to.process_new_packets().unwrap();
    }

    /// Length of a KeyUpdate record as sent (RFC 8446 §5.2: header, 4 + 1 bytes of
    /// message, the inner content type, a 16-byte tag).
    const KEY_UPDATE_RECORD_LEN: usize = HEADER_LEN + 5 + 1 + 16;

    #[test]
    fn many_key_update_requests_while_silent_get_one_answer() {
        let (mut client, mut server) = connected();
        for _ in 0..1000 {
            client.request_key_update(true).unwrap();
        }
        pump(&mut client, &mut server);
        assert_eq!(server.pending_tls().len(), KEY_UPDATE_RECORD_LEN);
        pump(&mut server, &mut client);

        // Once the server has written under its new keys, a new request is answered again.
        server.write_plaintext(b"data").unwrap();
        pump(&mut server, &mut client);
        client.request_key_update(true).unwrap();
        pump(&mut client, &mut server);
        assert_eq!(server.pending_tls().len(), KEY_UPDATE_RECORD_LEN);
    }

    #[test]
    fn an_explicit_key_update_is_always_sent() {
        let (mut client, _server) = connected();
        client.request_key_update(false).unwrap();
        client.request_key_update(false).unwrap();
        assert_eq!(client.pending_tls().len(), 2 * KEY_UPDATE_RECORD_LEN);
    }
}
