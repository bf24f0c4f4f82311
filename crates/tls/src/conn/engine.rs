//! The connection's machinery: record protection, buffers, and what was negotiated.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use padlock_crypto::Provider;

use super::{record_error, HandshakeKind, RX_CAPACITY, RX_FIRST_READ};
use crate::error::PeerMisbehaved;
use crate::output::Output;
use crate::record::{
    content_type, copy, RecordKeys, RecordOpener, RecordSealer, HEADER_LEN, MAX_CIPHERTEXT_LEN,
    MAX_PLAINTEXT_LEN,
};
use crate::suites::Suite;
use crate::tls13::key_schedule::ExporterSecret;
use crate::trace::{Direction, KeyPhase, Trace, TraceEvent};
use crate::{AlertDescription, Error, KeyLog, NamedGroup, SignatureScheme};

/// The connection's machinery: record protection, buffers, and what was negotiated. It is
/// the [`Output`] handshake states write to.
pub(crate) struct Core {
    pub(super) provider: Arc<dyn Provider>,
    pub(super) key_log: Option<Arc<dyn KeyLog>>,
    pub(super) trace: Option<Arc<dyn Trace>>,

    pub(super) sealer: RecordSealer,
    pub(super) opener: RecordOpener,
    /// Incremented whenever read keys change (for the §5.1 record-boundary check).
    pub(super) read_key_changes: u32,

    /// Receive buffer (at most `RX_CAPACITY` bytes); `rx[rx_start..rx_end]` is unprocessed.
    pub(super) rx: Vec<u8>,
    pub(super) rx_start: usize,
    /// End of the received bytes in `rx`; bytes past it (up to `rx.len()`) are
    /// initialised scratch space kept for the next read, so reads need not zero it again.
    pub(super) rx_end: usize,
    /// How much room [`Self::rx_room`] offers a reader: small at first, doubled each time
    /// a read fills it (up to the whole buffer), so an idle connection woken by a small
    /// request zeroes 4 KiB of a fresh buffer, not 33 KiB; it is kept when the buffer is
    /// freed, so a bulk receiver pays its growth once.
    pub(super) rx_read_size: usize,
    /// Decrypted application data lying in `rx`, oldest first.
    pub(super) plaintext: VecDeque<Range<usize>>,
    /// Handshake bytes received, not yet a whole message.
    pub(super) hs_in: Vec<u8>,
    /// Handshake messages to send, coalesced into records at the next flush.
    pub(super) hs_out: Vec<u8>,
    /// Outgoing TLS bytes; `tx[tx_start..]` is not yet sent.
    pub(super) tx: Vec<u8>,
    pub(super) tx_start: usize,
    /// Plaintext written before application keys existed.
    pub(super) early_plaintext: Vec<u8>,

    pub(super) ccs_received: bool,
    pub(super) ccs_sent: bool,
    pub(super) read_app: bool,
    pub(super) write_app: bool,
    pub(super) write_closed: bool,
    pub(super) peer_closed: bool,
    pub(super) eof: bool,
    pub(super) handshake_complete: bool,

    pub(super) client_random: [u8; 32],
    pub(super) suite: Option<Suite>,
    pub(super) group: Option<NamedGroup>,
    pub(super) scheme: Option<SignatureScheme>,
    pub(super) alpn: Option<Vec<u8>>,
    pub(super) server_name: Option<String>,
    pub(super) peer_certificates: Option<Vec<Vec<u8>>>,
    pub(super) kind: Option<HandshakeKind>,
    pub(super) exporter: Option<ExporterSecret>,
}

impl Core {
    pub(super) fn new(
        provider: Arc<dyn Provider>,
        key_log: Option<Arc<dyn KeyLog>>,
        trace: Option<Arc<dyn Trace>>,
    ) -> Self {
        Self {
            provider,
            key_log,
            trace,
            sealer: RecordSealer::new(),
            opener: RecordOpener::new(),
            read_key_changes: 0,
            rx: Vec::new(),
            rx_start: 0,
            rx_end: 0,
            rx_read_size: RX_FIRST_READ,
            plaintext: VecDeque::new(),
            hs_in: Vec::new(),
            hs_out: Vec::new(),
            tx: Vec::new(),
            tx_start: 0,
            early_plaintext: Vec::new(),
            ccs_received: false,
            ccs_sent: false,
            read_app: false,
            write_app: false,
            write_closed: false,
            peer_closed: false,
            eof: false,
            handshake_complete: false,
            client_random: [0; 32],
            suite: None,
            group: None,
            scheme: None,
            alpn: None,
            server_name: None,
            peer_certificates: None,
            kind: None,
            exporter: None,
        }
    }

    /// Appends received TLS bytes (at most the free room, `RX_CAPACITY - rx_end`;
    /// the caller checks) to the receive buffer, allocating it on first use.
    pub(super) fn rx_append(&mut self, data: &[u8]) {
        if self.rx.capacity() == 0 {
            self.rx.reserve_exact(RX_CAPACITY);
        }
        // Overwrite the initialised scratch first, then grow the vector with the rest;
        // `rx_end <= rx.len()` always holds, so the slice is in bounds.
        let end = self.rx_end;
        let overlap = self.rx.len().saturating_sub(end).min(data.len());
        let (head, tail) = data.split_at(overlap);
        copy::copy(&mut self.rx[end..end + overlap], head);
        copy::extend(&mut self.rx, tail);
        self.rx_end += data.len();
    }

    /// The free room of the receive buffer, initialised, for a reader to fill; then call
    /// [`Self::rx_filled`]. Bytes are zeroed once per allocation, not once per read, and
    /// only as far as reads have needed ([`Self::rx_read_size`]); the caller checks that
    /// `rx_end < RX_CAPACITY`.
    pub(super) fn rx_room(&mut self) -> &mut [u8] {
        if self.rx.capacity() == 0 {
            self.rx.reserve_exact(RX_CAPACITY);
        }
        let want = (self.rx_end + self.rx_read_size).min(RX_CAPACITY);
        if self.rx.len() < want {
            self.rx.resize(want, 0);
        }
        let end = self.rx_end;
        &mut self.rx[end..]
    }

    /// Marks `n` bytes written into [`Self::rx_room`] as received.
    pub(super) fn rx_filled(&mut self, n: usize) {
        let offered = self.rx.len() - self.rx_end;
        self.rx_end = (self.rx_end + n).min(self.rx.len());
        if n > 0 && n == offered {
            // The reader had more: offer more room next time.
            self.rx_read_size = (self.rx_read_size * 2).min(RX_CAPACITY);
        }
    }

    /// Drops the receive buffer and whatever it holds.
    pub(super) fn free_rx(&mut self) {
        self.rx = Vec::new();
        self.rx_start = 0;
        self.rx_end = 0;
    }

    /// Moves unread data to the front of the receive buffer. An emptied buffer keeps its
    /// allocation, so the records of one burst reuse it; [`Self::free_idle_buffers`]
    /// releases it once the connection goes idle.
    pub(super) fn compact_rx(&mut self) {
        let keep_from = self.plaintext.front().map_or(self.rx_start, |r| r.start);
        if keep_from == self.rx_end {
            if self.plaintext.is_empty() {
                self.rx_end = 0;
                self.rx_start = 0;
            }
            return;
        }
        if keep_from == 0 {
            return;
        }
        copy::move_to_front(&mut self.rx, keep_from, self.rx_end);
        self.rx_end -= keep_from;
        self.rx_start -= keep_from;
        for r in &mut self.plaintext {
            r.start -= keep_from;
            r.end -= keep_from;
        }
    }

    /// Frees the send and receive buffers when they hold nothing, so an idle connection
    /// keeps no buffer. Called at the end of `process_new_packets`: during a burst the
    /// receive buffer still holds unread plaintext there (and a sender drains its send
    /// buffer between writes without processing), so the buffers are reused from record to
    /// record and released only when the traffic stops.
    pub(super) fn free_idle_buffers(&mut self) {
        if self.rx_start == self.rx_end && self.plaintext.is_empty() {
            self.free_rx();
        }
        if self.tx_start == self.tx.len() {
            self.tx = Vec::new();
            self.tx_start = 0;
        }
    }

    /// The next whole record in the receive buffer, if one has arrived.
    pub(super) fn next_record(&mut self) -> Result<Option<Range<usize>>, Error> {
        let pending = self.rx.get(self.rx_start..self.rx_end).unwrap_or_default();
        if pending.len() < HEADER_LEN {
            return Ok(None);
        }
        // RFC 8446 §5.1: only the four TLS 1.3 content types exist.
        if !matches!(
            pending[0],
            content_type::CHANGE_CIPHER_SPEC
                | content_type::ALERT
                | content_type::HANDSHAKE
                | content_type::APPLICATION_DATA
        ) {
            return Err(PeerMisbehaved::IllegalRecord.into());
        }
        let len = usize::from(u16::from_be_bytes([pending[3], pending[4]]));
        // RFC 8446 §5.2: no record is longer than 2^14 + 256.
        if len > MAX_CIPHERTEXT_LEN {
            return Err(Error::RecordOverflow);
        }
        if pending.len() < HEADER_LEN + len {
            return Ok(None);
        }
        let start = self.rx_start;
        self.rx_start += HEADER_LEN + len;
        Ok(Some(start..self.rx_start))
    }

    /// Turns the queued handshake messages into records under the current write keys.
    pub(super) fn flush_handshake(&mut self) -> Result<(), Error> {
        if self.hs_out.is_empty() {
            return Ok(());
        }
        let out = std::mem::take(&mut self.hs_out);
        for chunk in out.chunks(MAX_PLAINTEXT_LEN) {
            self.seal(content_type::HANDSHAKE, chunk)?;
        }
        Ok(())
    }

    /// Like [`Self::flush_handshake`], for the initial ClientHello: its unprotected records
    /// say legacy_record_version 0x0301, as RFC 8446 §5.1 allows "for compatibility
    /// purposes" (some middleboxes expect it; openssl, rustls and the RFC 8448 traces do
    /// the same). Every other record, the ClientHello after a HelloRetryRequest included,
    /// says 0x0303.
    pub(super) fn flush_initial_client_hello(&mut self) -> Result<(), Error> {
        let start = self.tx.len();
        self.flush_handshake()?;
        if self.sealer.is_protected() {
            return Ok(());
        }
        // Walk the records just written; unprotected headers are not authenticated, so
        // rewriting their version bytes changes nothing else.
        let mut at = start;
        while let Some(header) = self.tx.get_mut(at..at + HEADER_LEN) {
            header[1..3].copy_from_slice(&[0x03, 0x01]);
            let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
            at += HEADER_LEN + len;
        }
        Ok(())
    }

    /// Seals one record of `typ` into the send buffer. It fails (appending nothing) on an
    /// exhausted sequence number or key, which ends the connection.
    fn seal(&mut self, typ: u8, payload: &[u8]) -> Result<(), Error> {
        let seq = self.sealer.sequence_number();
        let protected = self.sealer.is_protected();
        let before = self.tx.len();
        self.sealer
            .seal_append(typ, payload, &mut self.tx)
            .map_err(record_error)?;
        if protected {
            if let Some(t) = self.trace.as_deref() {
                t.event(&TraceEvent::Record {
                    direction: Direction::Sent,
                    seq,
                    len: self.tx.len() - before,
                });
            }
        }
        Ok(())
    }

    pub(super) fn send_alert(&mut self, description: AlertDescription) -> Result<(), Error> {
        // RFC 8446 §6: close_notify and user_canceled are warnings, the rest fatal.
        let level = if matches!(description, AlertDescription::CloseNotify) {
            1
        } else {
            2
        };
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::Alert {
                direction: Direction::Sent,
                description,
            });
        }
        self.seal(content_type::ALERT, &[level, description.to_wire()])
    }

    /// Seals `chunk` (at most 2^14 bytes) as one application data record.
    pub(super) fn send_application_data(&mut self, chunk: &[u8]) -> Result<(), Error> {
        let seq = self.sealer.sequence_number();
        self.sealer
            .seal_append(content_type::APPLICATION_DATA, chunk, &mut self.tx)
            .map_err(record_error)?;
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::Record {
                direction: Direction::Sent,
                seq,
                len: chunk.len() + crate::record::PROTECTED_OVERHEAD,
            });
        }
        Ok(())
    }

    fn log(&self, label: &'static str, secret: &[u8]) {
        if let Some(k) = &self.key_log {
            k.log(label, &self.client_random, secret);
        }
    }
}

impl Output for Core {
    fn provider(&self) -> Arc<dyn Provider> {
        self.provider.clone()
    }

    fn tracer(&self) -> Option<&dyn Trace> {
        self.trace.as_deref()
    }

    fn send_handshake(&mut self, message: &[u8]) {
        self.hs_out.extend_from_slice(message);
    }

    fn send_change_cipher_spec(&mut self) -> Result<(), Error> {
        // RFC 8446 §D.4: at most one, always unprotected, in order with the handshake.
        if self.ccs_sent {
            return Ok(());
        }
        self.ccs_sent = true;
        self.flush_handshake()?;
        self.tx.extend_from_slice(&[
            content_type::CHANGE_CIPHER_SPEC,
            0x03,
            0x03,
            0x00,
            0x01,
            0x01,
        ]);
        Ok(())
    }

    fn negotiated(&mut self, suite: Suite, group: NamedGroup) {
        self.suite = Some(suite);
        self.group = Some(group);
    }

    fn client_random(&mut self, random: [u8; 32]) {
        self.client_random = random;
    }

    fn install_write_keys(&mut self, keys: RecordKeys, phase: KeyPhase) -> Result<(), Error> {
        self.flush_handshake()?;
        self.sealer
            .install(self.provider.as_ref(), &keys)
            .map_err(record_error)?;
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::KeysInstalled {
                direction: Direction::Sent,
                phase,
            });
        }
        if phase == KeyPhase::Application(0) {
            self.write_app = true;
            // Plaintext written before the handshake completed (at most
            // MAX_EARLY_PLAINTEXT bytes) goes first under the new keys.
            let early = std::mem::take(&mut self.early_plaintext);
            for chunk in early.chunks(MAX_PLAINTEXT_LEN) {
                self.send_application_data(chunk)?;
            }
        }
        Ok(())
    }

    fn install_read_keys(&mut self, keys: RecordKeys, phase: KeyPhase) -> Result<(), Error> {
        self.opener
            .install(self.provider.as_ref(), &keys)
            .map_err(record_error)?;
        self.read_key_changes += 1;
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::KeysInstalled {
                direction: Direction::Received,
                phase,
            });
        }
        if phase == KeyPhase::Application(0) {
            self.read_app = true;
        }
        Ok(())
    }

    fn write_keys_used(&self) -> bool {
        self.sealer.sequence_number() > 0
    }

    fn write_closed(&self) -> bool {
        self.write_closed
    }

    fn log_secret(&mut self, label: &'static str, secret: &[u8]) {
        self.log(label, secret);
    }

    fn alpn(&mut self, protocol: Vec<u8>) {
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::Alpn {
                protocol: &protocol,
            });
        }
        self.alpn = Some(protocol);
    }

    fn server_name(&mut self, name: String) {
        self.server_name = Some(name);
    }

    fn peer_certificates(&mut self, chain: Vec<Vec<u8>>) {
        self.peer_certificates = Some(chain);
    }

    fn signature_scheme(&mut self, scheme: SignatureScheme) {
        self.scheme = Some(scheme);
    }

    fn handshake_kind(&mut self, kind: HandshakeKind) {
        self.kind = Some(kind);
    }

    fn exporter(&mut self, secret: ExporterSecret) {
        self.log("EXPORTER_SECRET", secret.as_bytes());
        self.exporter = Some(secret);
    }

    fn handshake_complete(&mut self) {
        self.handshake_complete = true;
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::HandshakeComplete);
        }
    }
}
