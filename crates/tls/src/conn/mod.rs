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
//!   [`Connection::read_plaintext`], or [`Connection::reader`] to read it in place.
//! * [`Connection::write_plaintext`] at any time; before the handshake completes the data is
//!   held (up to a bound) and sent once application keys exist.
//!
//! After an error, every later call returns that error; the alert that explains it to the
//! peer has been queued (encrypted if keys were installed) and is in `pending_tls`.
//!
//! # Buffers
//!
//! Received records are decrypted in place in the receive buffer (bytes read by
//! `read_tls_from`), or from the caller's slice straight into it (whole application data
//! records given to `read_tls`); application data stays there until `read_plaintext`
//! copies it out (one copy, into the caller's buffer) or the [`Reader`] lends it (no
//! copy). The receive buffer holds two maximal records; when it is
//! full, `read_tls_from` says so with an error, and the plaintext must be read first.
//! Outgoing plaintext is encrypted from the caller's buffer straight into the send buffer
//! (no copy first). The send buffer is released as soon as it drains; the receive buffer
//! once its plaintext is read after a short record, else at the end of the next
//! `process_new_packets` that finds it empty, or at once by
//! [`Connection::shrink_buffers`], so an idle connection holds almost nothing. A released
//! buffer waits as its thread's spare for the next record (one per direction per thread,
//! [`free_spare_buffers`]), so a burst of records reuses one allocation without zeroing it
//! again.

use std::io;
use std::sync::Arc;

use crate::alert;
use crate::certificate_chain::CertificateChain;
use crate::config::{check_fragment_size, ClientConfig, ServerConfig};
use crate::error::ApiMisuse;
use crate::error::Error;
use crate::ticket::ClientSession;
use crate::verify::ServerName;
use crate::wire::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::wire::{HandshakeJoiner, MAX_CLIENT_HELLO_LEN};

mod early_data;
mod lifecycle;
mod negotiated;
mod progress;
mod reader;
mod receive;
mod receive_buffer;
mod record_layer;
mod send_buffer;
mod sink;
mod spare;

pub use spare::free_spare_buffers;

use self::lifecycle::PeerStream;
use self::progress::ProgressGuard;
pub use self::reader::Reader;
use self::sink::Core;

/// How the handshake went.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeKind {
    /// One round trip.
    Full,
    /// The server sent a HelloRetryRequest first.
    FullWithHelloRetryRequest,
    /// A session was resumed (RFC 8446 §2.2: the server accepted the client's PSK; TLS
    /// 1.2: its RFC 5077 ticket or session id, in an abbreviated handshake, RFC 5246 §7.3),
    /// and sent no certificate.
    Resumed,
    /// Resumed, after a HelloRetryRequest.
    ResumedWithHelloRetryRequest,
}

impl HandshakeKind {
    /// Whether a session was resumed (with or without HelloRetryRequest).
    pub fn is_resumed(self) -> bool {
        matches!(self, Self::Resumed | Self::ResumedWithHelloRetryRequest)
    }
}

/// What became of 0-RTT data (RFC 8446 §2.3, §4.2.10).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EarlyDataStatus {
    /// None was offered (client) or announced by the client (server).
    NotOffered,
    /// Client: offered, and the server has not answered yet.
    Pending,
    /// The server took it: client, what `write_early_data` accepted was delivered;
    /// server, it is (or was) readable with `read_early_data`.
    Accepted,
    /// The server refused it, unread: the client should send it again as ordinary data
    /// (`write_plaintext`) if it still wants it sent.
    Rejected,
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
    /// Server: 0-RTT data ready for [`Connection::read_early_data`].
    pub early_data_bytes_to_read: usize,
}

/// Plaintext accepted before the handshake completes.
const MAX_EARLY_PLAINTEXT: usize = 0x1_0000;
/// `write_plaintext` stops accepting once this much TLS data is waiting to be sent.
const MAX_PENDING_TLS: usize = 0x4_0000;

/// One TLS 1.3 connection, client or server.
pub struct Connection {
    core: Core,
    /// Handshake messages being reassembled from records (RFC 8446 §5.1). It lives
    /// beside `core`, not in it, so the state can read a message borrowed from it while
    /// writing to `core`.
    joiner: HandshakeJoiner,
    /// Records in a row that moved nothing forward (empty, warnings, KeyUpdates).
    progress: ProgressGuard,
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
        Self::start_client(config, server_name, None)
    }

    fn start_client(
        config: Arc<ClientConfig>,
        server_name: ServerName,
        session: Option<ClientSession>,
    ) -> Result<Self, Error> {
        let mut core = Core::new(
            config.provider.clone(),
            config.key_log.clone(),
            config.trace.clone(),
            check_fragment_size(config.max_fragment_size)?,
        );
        let state = crate::client::start(config, server_name, session, &mut core)?;
        core.records.flush_initial_client_hello()?;
        Ok(Self {
            core,
            joiner: HandshakeJoiner::new(),
            progress: ProgressGuard::default(),
            state: Some(state),
            error: None,
        })
    }

    /// Starts a client connection that offers `session` (from an earlier connection to
    /// the same server name, e.g. read with [`ClientSession::from_bytes`]) instead of one
    /// from [`ClientConfig::session_store`]. A session for another server name, or expired,
    /// is not offered: the handshake is then a full one.
    pub fn client_resuming(
        config: Arc<ClientConfig>,
        server_name: ServerName,
        session: ClientSession,
    ) -> Result<Self, Error> {
        Self::start_client(config, server_name, Some(session))
    }

    /// Starts a server connection; it waits for a ClientHello.
    pub fn server(config: Arc<ServerConfig>) -> Result<Self, Error> {
        config.check()?;
        let core = Core::new(
            config.provider.clone(),
            config.key_log.clone(),
            config.trace.clone(),
            check_fragment_size(config.max_fragment_size)?,
        );
        let state = crate::server::start(config)?;
        Ok(Self {
            core,
            // RFC 8446 §4.1.2: a server must take any legal ClientHello, however long;
            // the limit drops back once the handshake keys are in place.
            joiner: HandshakeJoiner::new().with_max_client_hello_len(MAX_CLIENT_HELLO_LEN),
            progress: ProgressGuard::default(),
            state: Some(state),
            error: None,
        })
    }

    /// Takes TLS bytes received from the peer into the receive buffer. Returns how many
    /// were taken; 0 means the buffer is full (call `process_new_packets` and
    /// `read_plaintext` first) or the connection has failed.
    ///
    /// Once the handshake is complete, whole application data records are decrypted
    /// straight from `data` into the receive buffer (the AEAD reads each byte once and
    /// writes the plaintext once: no copy of the ciphertext first), up to one full-size
    /// record's worth per call — process it and read the plaintext, then pass the rest of
    /// `data` again; anything else is copied and decrypted in place by
    /// `process_new_packets`, which reports every error either way.
    pub fn read_tls(&mut self, data: &[u8]) -> usize {
        if self.error.is_some() {
            return 0;
        }
        let (opened, full) = self.open_as_received(data);
        if full {
            return opened;
        }
        let rest = &data[opened..];
        let rx = &mut self.core.records.rx;
        let n = rx.free_room().min(rest.len());
        rx.append(&rest[..n]);
        opened + n
    }

    /// Reads TLS bytes from `rd` straight into the receive buffer (one `read` call).
    /// `Ok(0)` means end-of-stream. A full receive buffer is an error of kind
    /// [`io::ErrorKind::Other`] that says so: process the records and read the plaintext
    /// (`process_new_packets`, then `read_plaintext` or [`Self::reader`]) before reading
    /// more. After the connection failed, `Ok(0)`.
    pub fn read_tls_from(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        if self.error.is_some() {
            return Ok(0);
        }
        let rx = &mut self.core.records.rx;
        if rx.free_room() == 0 {
            return Err(io::Error::other(
                "the TLS receive buffer is full: call process_new_packets and read the \
                 plaintext before reading more from the peer",
            ));
        }
        let n = rd.read(rx.room())?;
        rx.filled(n);
        if n == 0 {
            self.core.lifecycle.transport_ended();
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
            .and_then(|()| self.core.records.flush_handshake());
        if let Err(e) = result {
            return Err(self.fail(e));
        }
        self.core.records.free_idle_buffers();
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
        self.core.records.pending_tls()
    }

    /// Marks the first `n` bytes of `pending_tls` as sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.core.records.consume_tls(n);
    }

    /// Releases the send and receive buffers if they hold nothing (a buffer still holding
    /// data is kept) to the thread's spares. Call it when the connection goes idle after
    /// reading: a server that has read a request to its last, full-size record and now
    /// waits, say. Without it that receive buffer (up to 33 KiB) stays allocated until the
    /// next `process_new_packets`, which releases whatever is empty; the send buffer is
    /// released by itself once it drains. Cheap; the next record takes a buffer again.
    pub fn shrink_buffers(&mut self) {
        self.core.records.free_idle_buffers();
    }

    /// Copies received plaintext into `buf`; returns the count (0 = nothing buffered; see
    /// [`IoState::peer_has_closed`] to tell the end of the stream). [`Self::reader`] reads
    /// without this copy.
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let rx = &mut self.core.records.rx;
        let mut copied = 0;
        while copied < buf.len() {
            let front = rx.front_plaintext();
            if front.is_empty() {
                break;
            }
            let n = front.len().min(buf.len() - copied);
            crate::record::copy::copy(&mut buf[copied..copied + n], &front[..n]);
            rx.consume_plaintext(n);
            copied += n;
        }
        copied
    }

    /// A reader of the received plaintext that lends it straight from the receive buffer,
    /// where it was decrypted: [`io::BufRead::fill_buf`] borrows the next piece,
    /// [`io::BufRead::consume`] releases it. No copy is made; [`io::Read`] is there too.
    pub fn reader(&mut self) -> Reader<'_> {
        Reader::new(
            &mut self.core.records.rx,
            self.core.lifecycle.peer,
            self.error.as_ref(),
        )
    }

    /// Queues plaintext to send. Before the handshake completes it is held (up to 64 KiB)
    /// and sent once application keys exist. Returns how much was accepted, which is less
    /// than `data.len()` when the send buffer is full: write out TLS data, then retry.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.core.lifecycle.we_closed {
            return Err(ApiMisuse::WriteAfterClose.into());
        }
        if !self.core.lifecycle.can_write() {
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
        // TLS 1.2 has no KeyUpdate: its sealer refuses a key past its limit, which ends
        // the connection (RFC 8446 §5.5's AES-GCM bound applies to it all the same).
        let can_update = self.core.negotiated.version != Some(ProtocolVersion::TLSv1_2);
        for chunk in data.chunks(self.core.records.max_fragment()) {
            if can_update && self.core.records.sealer.needs_key_update() {
                self.send_key_update(false)?;
            }
            self.core.records.send_application_data(chunk)?;
        }
        Ok(())
    }

    /// Sends a KeyUpdate and switches to the next write keys, through the state that holds
    /// the traffic secrets.
    fn send_key_update(&mut self, ask_peer: bool) -> Result<(), Error> {
        if self.core.negotiated.version == Some(ProtocolVersion::TLSv1_2) {
            return Err(ApiMisuse::NoKeyUpdateInTls12.into());
        }
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
        if self.error.is_some() || self.core.lifecycle.we_closed {
            return;
        }
        let records = &mut self.core.records;
        let sent = records
            .flush_handshake()
            .and_then(|()| records.send_alert(AlertDescription::CloseNotify));
        self.core.lifecycle.we_closed = true;
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
        if !self.core.lifecycle.is_open() {
            return Err(ApiMisuse::HandshakeNotComplete.into());
        }
        if self.core.lifecycle.we_closed {
            return Err(ApiMisuse::WriteAfterClose.into());
        }
        self.send_key_update(ask_peer)
            .and_then(|()| self.core.records.flush_handshake())
            .map_err(|e| self.fail(e))
    }

    /// Whether the connection wants more TLS bytes from the peer.
    pub fn wants_read(&self) -> bool {
        self.error.is_none() && self.core.lifecycle.peer_may_send()
    }

    /// Whether TLS bytes are waiting to be sent.
    pub fn wants_write(&self) -> bool {
        !self.pending_tls().is_empty()
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        self.error.is_none() && !self.core.lifecycle.is_open()
    }

    /// The negotiated version (TLS 1.3 or TLS 1.2), once the ServerHello settled it.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        let negotiated = &self.core.negotiated;
        negotiated
            .version
            .or(negotiated.suite.map(|_| ProtocolVersion::TLSv1_3))
    }

    /// The negotiated cipher suite.
    pub fn cipher_suite(&self) -> Option<CipherSuite> {
        self.core.negotiated.suite.map(|s| s.suite)
    }

    /// The negotiated key exchange group.
    pub fn negotiated_group(&self) -> Option<NamedGroup> {
        self.core.negotiated.group
    }

    /// The scheme of the peer's CertificateVerify.
    pub fn signature_scheme(&self) -> Option<SignatureScheme> {
        self.core.negotiated.scheme
    }

    /// The ALPN protocol chosen (RFC 7301).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.core.negotiated.alpn.as_deref()
    }

    /// The server name (client: the one we asked for; server: the client's SNI).
    pub fn server_name(&self) -> Option<&str> {
        self.core.negotiated.server_name.as_deref()
    }

    /// The peer's certificate chain (DER, leaf first), once verified.
    pub fn peer_certificates(&self) -> Option<&CertificateChain> {
        self.core.negotiated.peer_certificates.as_ref()
    }

    /// Whether a HelloRetryRequest happened, and whether a session was resumed.
    pub fn handshake_kind(&self) -> Option<HandshakeKind> {
        self.core.negotiated.kind
    }

    /// TLS 1.2: whether the master secret was made with the Extended Master Secret (RFC
    /// 7627 §4), which binds it to the whole handshake; without it, an attacker can give two
    /// connections the same master secret (the "triple handshake", RFC 7627 §1). padlock
    /// offers and accepts it always, requires it with `require_extended_master_secret`, and
    /// keeps only sessions that have it (§5.3). `None` before the key exchange and for
    /// TLS 1.3, whose key schedule always binds the handshake (RFC 8446 §7.1).
    pub fn extended_master_secret(&self) -> Option<bool> {
        self.core.negotiated.extended_master_secret
    }

    /// TLS 1.2's tls-unique channel binding (RFC 5929 §3.1): the verify_data of the
    /// handshake's first Finished (the client's in a full handshake, the server's in a
    /// resumed one), 12 bytes, once the handshake is complete. A protocol above TLS (SCRAM's
    /// `-PLUS` mechanisms, say) binds its authentication to this connection with it. It is
    /// unique to the connection only with the Extended Master Secret (RFC 7627 §1: without
    /// it, the "triple handshake" gives two connections the same value), which padlock
    /// always offers and every resumed session has. `None` for TLS 1.3, which defines no
    /// tls-unique: use [`Self::export_keying_material`] with the label
    /// `EXPORTER-Channel-Binding` instead (RFC 9266).
    pub fn tls_unique(&self) -> Option<&[u8]> {
        if self.is_handshaking() {
            return None;
        }
        self.core
            .negotiated
            .tls_unique
            .as_ref()
            .map(|v| v.as_slice())
    }

    /// Client: sends `data` as 0-RTT data (RFC 8446 §2.3) in the first flight, before the
    /// server has answered. Possible only with [`ClientConfig::enable_early_data`], a
    /// resumed session whose ticket allows early data, and until the server's answer has
    /// been processed. Returns how much was taken: at most what the ticket's
    /// `max_early_data_size` leaves. Otherwise [`ApiMisuse::NoEarlyData`].
    ///
    /// Early data can be replayed and is not forward secret (RFC 8446 §8): send only what
    /// is safe to repeat. Check [`Self::early_data_status`] once the handshake is done: if
    /// [`EarlyDataStatus::Rejected`], the server never saw it.
    pub fn write_early_data(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let early = &self.core.early;
        if early.status != EarlyDataStatus::Pending || early.writable == 0 {
            return Err(ApiMisuse::NoEarlyData.into());
        }
        let n = early.writable.min(data.len());
        self.core.early.writable -= n;
        for chunk in data[..n].chunks(self.core.records.max_fragment()) {
            if let Err(e) = self.core.records.send_application_data(chunk) {
                return Err(self.fail(e));
            }
        }
        Ok(n)
    }

    /// What became of 0-RTT data on this connection, as far as is known yet.
    pub fn early_data_status(&self) -> EarlyDataStatus {
        self.core.early.status
    }

    /// Server: copies accepted 0-RTT data (RFC 8446 §2.3) into `buf`; returns the count.
    /// This data came before the handshake completed: it may be a replay of another
    /// connection's (RFC 8446 §8; see [`crate::ticket`] for what the strike register
    /// guarantees), so act on it only if that is safe. [`Self::read_plaintext`] never
    /// returns it.
    pub fn read_early_data(&mut self, buf: &mut [u8]) -> usize {
        self.core.early.read(buf)
    }

    /// The error that ended the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Keying material exporter (RFC 8446 §7.5, RFC 5705; for TLS 1.2 RFC 5705 §4);
    /// `context: None` and `Some(&[])` differ, as RFC 8446 §7.5 says.
    pub fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let negotiated = &self.core.negotiated;
        if let Some(exporter) = negotiated
            .tls12_exporter
            .as_ref()
            .filter(|_| self.core.lifecycle.is_open())
        {
            return exporter
                .export(self.core.provider.as_ref(), label, context, out)
                .map_err(|_| ApiMisuse::ExporterOutputTooLong.into());
        }
        let exporter = self
            .core
            .negotiated
            .exporter
            .as_ref()
            .filter(|_| self.core.lifecycle.is_open())
            .ok_or(ApiMisuse::HandshakeNotComplete)?;
        exporter
            .export(self.core.provider.as_ref(), label, context, out)
            .map_err(|_| ApiMisuse::ExporterOutputTooLong.into())
    }

    fn io_state(&self) -> IoState {
        IoState {
            plaintext_bytes_to_read: self.core.records.rx.plaintext_len(),
            tls_bytes_to_write: self.pending_tls().len(),
            peer_has_closed: self.core.lifecycle.peer == PeerStream::ClosedNotify,
            early_data_bytes_to_read: self.core.early.unread(),
        }
    }

    /// Records `e` as the connection's fate and queues the alert that explains it.
    fn fail(&mut self, e: Error) -> Error {
        if !alert::is_fatal(&e) {
            return e;
        }
        let records = &mut self.core.records;
        if let Some(description) = alert::alert_for(&e) {
            // An alert that cannot be sealed (keys exhausted) cannot be sent at all; the
            // connection fails with `e` either way, and nothing more is written.
            let unsent = !self.core.lifecycle.we_closed && records.send_alert(description).is_err();
            if unsent {
                records.consume_tls(records.pending_tls().len());
            }
        }
        self.core.lifecycle.we_closed = true;
        self.state = None;
        self.error = Some(e.clone());
        // Nothing more will be read: drop what was received.
        records.rx.free();
        self.joiner = HandshakeJoiner::new();
        e
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
        connected_with(None)
    }

    /// A client offering only `suite` (else the defaults) connected to a default server.
    fn connected_with(suite: Option<CipherSuite>) -> (Connection, Connection) {
        let provider: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let cert = server_key();
        let server_config = Arc::new(ServerConfig::new(provider.clone(), cert));
        let mut client_config = ClientConfig::new(provider, Arc::new(danger::NoServerVerification));
        if let Some(suite) = suite {
            client_config.cipher_suites = vec![suite];
        }
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
    const KEY_UPDATE_RECORD_LEN: usize = crate::wire::RECORD_HEADER_LEN + 5 + 1 + 16;

    #[test]
    fn many_key_update_requests_while_silent_get_one_answer() {
        let (mut client, mut server) = connected();
        // With the one below, as many as the server takes from a client that sends no data
        // (more end the connection: they would only make it derive keys).
        for _ in 1..super::progress::MAX_KEY_UPDATES {
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
    fn a_key_update_request_after_our_close_notify_is_not_answered() {
        let (mut client, mut server) = connected();
        client.send_close_notify();
        pump(&mut client, &mut server);
        server.request_key_update(true).unwrap();
        pump(&mut server, &mut client);
        // RFC 8446 §6.1: nothing follows close_notify, not even a KeyUpdate.
        assert!(client.pending_tls().is_empty());
    }

    /// Everything `to` has to read, through `fill_buf`.
    fn read_all(to: &mut Connection) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = to.reader();
        while let Ok(piece) = io::BufRead::fill_buf(&mut reader) {
            if piece.is_empty() {
                break;
            }
            let n = piece.len();
            out.extend_from_slice(piece);
            io::BufRead::consume(&mut reader, n);
        }
        out
    }

    #[test]
    fn records_opened_as_they_arrive_keep_their_order_across_a_key_update() {
        let (mut client, mut server) = connected();
        // Data, a KeyUpdate, data under the new keys, and a record split across two reads:
        // all in the bytes of one read_tls, the split record's end in the next.
        client.write_plaintext(&[1; 20_000]).unwrap();
        client.request_key_update(false).unwrap();
        client.write_plaintext(b"after the update").unwrap();
        client.write_plaintext(&[2; 3000]).unwrap();
        let bytes = client.pending_tls().to_vec();
        client.consume_tls(bytes.len());
        let cut = bytes.len() - 100;
        let mut got = Vec::new();
        for part in [&bytes[..cut], &bytes[cut..]] {
            let mut taken = 0;
            while taken < part.len() {
                let n = server.read_tls(&part[taken..]);
                assert!(n > 0, "the server takes the bytes once it has read");
                taken += n;
                server.process_new_packets().unwrap();
                got.extend(read_all(&mut server));
            }
        }
        let mut want = vec![1; 20_000];
        want.extend_from_slice(b"after the update");
        want.extend_from_slice(&[2; 3000]);
        assert_eq!(got, want);
    }

    #[test]
    fn both_versions_open_application_data_as_it_arrives() {
        for suite in [
            CipherSuite::TLS_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ] {
            let (mut client, mut server) = connected_with(Some(suite));
            assert_eq!(client.cipher_suite(), Some(suite));
            client.write_plaintext(&[3; 40_000]).unwrap();
            client.write_plaintext(b"").unwrap();
            let bytes = client.pending_tls().to_vec();
            client.consume_tls(bytes.len());
            let mut taken = server.read_tls(&bytes);
            // Decrypted by read_tls itself, straight into the receive buffer, one full
            // record before the reader has had it.
            assert_eq!(server.core.records.opened_unhandled, 1, "{suite}");
            server.process_new_packets().unwrap();
            let mut got = read_all(&mut server);
            while taken < bytes.len() {
                taken += server.read_tls(&bytes[taken..]);
                server.process_new_packets().unwrap();
                got.extend(read_all(&mut server));
            }
            assert_eq!(got, vec![3; 40_000], "{suite}");
        }
    }

    #[test]
    fn data_after_close_notify_in_the_same_read_is_refused() {
        let (mut client, mut server) = connected();
        client.write_plaintext(b"last words").unwrap();
        client.send_close_notify();
        let mut bytes = client.pending_tls().to_vec();
        // A record the client could no longer send, sealed under its keys all the same.
        client
            .core
            .records
            .sealer
            .seal_append(
                crate::wire::ContentType::ApplicationData,
                b"more",
                &mut bytes,
            )
            .unwrap();
        assert_eq!(server.read_tls(&bytes), bytes.len());
        assert!(matches!(
            server.process_new_packets(),
            Err(Error::PeerMisbehaved(
                crate::error::PeerMisbehaved::DataAfterCloseNotify
            ))
        ));
    }

    #[test]
    fn records_given_a_byte_at_a_time_arrive_whole() {
        let (mut client, mut server) = connected();
        client.write_plaintext(&[7; 1000]).unwrap();
        client.write_plaintext(b"and more").unwrap();
        let bytes = client.pending_tls().to_vec();
        for b in bytes.chunks(1) {
            assert_eq!(server.read_tls(b), 1);
            server.process_new_packets().unwrap();
        }
        let mut want = vec![7; 1000];
        want.extend_from_slice(b"and more");
        assert_eq!(read_all(&mut server), want);
    }

    #[test]
    fn a_tampered_record_opened_as_it_arrives_fails_as_bad_record_mac() {
        let (mut client, mut server) = connected();
        client.write_plaintext(b"first").unwrap();
        client.write_plaintext(b"second").unwrap();
        let mut bytes = client.pending_tls().to_vec();
        // Flip a ciphertext byte of the second record: the first opens, the second fails.
        let last = bytes.len() - 20;
        bytes[last] ^= 1;
        assert_eq!(server.read_tls(&bytes), bytes.len());
        assert_eq!(server.process_new_packets(), Err(Error::DecryptFailed));
        let alert = server.pending_tls().to_vec();
        assert!(!alert.is_empty(), "the bad_record_mac alert is queued");
    }

    #[test]
    fn an_opened_record_without_content_type_is_refused() {
        let (mut client, mut server) = connected();
        // A record of only padding (RFC 8446 §5.4): it opens, but has no content type.
        let mut record = Vec::new();
        client
            .core
            .records
            .sealer
            .seal_append_padded(crate::wire::ContentType::from_wire(0), b"", 10, &mut record)
            .unwrap();
        assert_eq!(server.read_tls(&record), record.len());
        assert!(matches!(
            server.process_new_packets(),
            Err(Error::PeerMisbehaved(
                crate::error::PeerMisbehaved::NoContentType
            ))
        ));
    }

    #[test]
    fn an_explicit_key_update_is_always_sent() {
        let (mut client, _server) = connected();
        client.request_key_update(false).unwrap();
        client.request_key_update(false).unwrap();
        assert_eq!(client.pending_tls().len(), 2 * KEY_UPDATE_RECORD_LEN);
    }
}
