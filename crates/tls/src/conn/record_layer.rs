//! The connection's record layer: the buffers, record protection in each direction, and
//! the records that carry handshake messages, alerts and ChangeCipherSpec.

use std::sync::Arc;

use padlock_crypto::Provider;

use super::receive_buffer::ReceiveBuffer;
use super::send_buffer::SendBuffer;
use crate::error::Error;
use crate::error::PeerMisbehaved;
use crate::record::{RecordError, RecordKeys, RecordOpener, RecordSealer};
use crate::trace::{Direction, Trace, TraceEvent};
use crate::wire::{
    Alert, AlertDescription, Codec, ContentType, Deframer, ProtocolVersion, RecordHeader,
    CHANGE_CIPHER_SPEC_PAYLOAD, RECORD_HEADER_LEN,
};

/// How much early data (RFC 8446 §4.2.10) a server that does not accept it skips before
/// it gives up: the client stops sending 0-RTT data once it sees our ServerHello, so a
/// real client's skipped records stay far below this.
pub(super) const MAX_SKIPPED_EARLY_DATA: usize = 1 << 16;

/// The room the first handshake message queued in a flight reserves.
const FLIGHT_CAPACITY: usize = 2048;

/// Record protection, the buffers, and the framing of what we send.
pub(super) struct RecordLayer {
    pub(super) deframer: Deframer,
    pub(super) sealer: RecordSealer,
    pub(super) opener: RecordOpener,
    /// Incremented whenever read keys change (for the §5.1 record-boundary check).
    pub(super) read_key_changes: u32,
    pub(super) rx: ReceiveBuffer,
    /// Handshake messages to send, coalesced into records at the next flush. It is
    /// released at every flush: kept from flight to flight it would save a client one
    /// allocation per handshake but hold 2 KiB through the server's flight, when the
    /// handshake's heap peaks.
    hs_out: Vec<u8>,
    /// Outgoing TLS bytes.
    tx: SendBuffer,
    pub(super) ccs_sent: bool,
    /// While `Some`, records the server cannot open are 0-RTT data it refused and are
    /// skipped, up to this many more bytes (RFC 8446 §4.2.10).
    pub(super) early_data_to_skip: Option<usize>,
    /// Records `read_tls` opened as they arrived that `process_new_packets` has not
    /// handled yet (for their sequence numbers in the trace).
    pub(super) opened_unhandled: u32,
    /// The most plaintext one record we send carries (2^14 unless configured lower).
    max_fragment: usize,
    trace: Option<Arc<dyn Trace>>,
}

impl RecordLayer {
    pub(super) fn new(trace: Option<Arc<dyn Trace>>, max_fragment: usize) -> Self {
        Self {
            deframer: Deframer::new(),
            sealer: RecordSealer::new(),
            opener: RecordOpener::new(),
            read_key_changes: 0,
            rx: ReceiveBuffer::new(),
            hs_out: Vec::new(),
            tx: SendBuffer::default(),
            ccs_sent: false,
            early_data_to_skip: None,
            opened_unhandled: 0,
            max_fragment,
            trace,
        }
    }

    /// The most plaintext bytes one record we send carries: what we write is cut into
    /// records of this size (RFC 8446 §5.1, RFC 5246 §6.2.1).
    pub(super) fn max_fragment(&self) -> usize {
        self.max_fragment
    }

    /// The queued TLS bytes.
    pub(super) fn pending_tls(&self) -> &[u8] {
        self.tx.pending()
    }

    /// Marks the first `n` bytes of [`Self::pending_tls`] as sent.
    pub(super) fn consume_tls(&mut self, n: usize) {
        // Once everything is out the buffer goes to the thread's spare (`spare.rs`), from
        // which the next record takes it back.
        self.tx.consume(n);
    }

    /// Frees the send and receive buffers when they hold nothing.
    pub(super) fn free_idle_buffers(&mut self) {
        self.rx.free_if_idle();
        self.tx.free_if_idle();
    }

    /// Queues a handshake message for the next flush.
    pub(super) fn queue_handshake(&mut self, message: &[u8]) {
        self.reserve_flight(message.len());
        self.hs_out.extend_from_slice(message);
    }

    /// The queue of handshake messages for the next flush, for a state to encode its next
    /// message straight into (appending whole messages only), with no vector of its own.
    pub(super) fn handshake_queue(&mut self) -> &mut Vec<u8> {
        self.reserve_flight(0);
        &mut self.hs_out
    }

    fn reserve_flight(&mut self, len: usize) {
        if self.hs_out.capacity() == 0 {
            // A whole flight in one allocation (a server's, with its certificates, is
            // about 1.5 KiB), rather than one growth per message.
            self.hs_out.reserve(len.max(FLIGHT_CAPACITY));
        }
    }

    /// Turns the queued handshake messages into records under the current write keys,
    /// and releases the queue: the flight is out.
    pub(super) fn flush_handshake(&mut self) -> Result<(), Error> {
        self.flush_within_flight()?;
        self.hs_out = Vec::new();
        Ok(())
    }

    /// [`Self::flush_handshake`] at a key change inside a flight (a server's ServerHello,
    /// then its encrypted messages; a ChangeCipherSpec between): the queue keeps its room
    /// for the rest of the flight, which the flush ending the step releases. One
    /// allocation per flight, not one per key change.
    fn flush_within_flight(&mut self) -> Result<(), Error> {
        if self.hs_out.is_empty() {
            return Ok(());
        }
        let mut out = std::mem::take(&mut self.hs_out);
        for chunk in out.chunks(self.max_fragment) {
            self.seal(ContentType::Handshake, chunk)?;
        }
        out.clear();
        self.hs_out = out;
        Ok(())
    }

    /// Like [`Self::flush_handshake`], for the initial ClientHello: its unprotected records
    /// say legacy_record_version 0x0301, as RFC 8446 §5.1 allows "for compatibility
    /// purposes" (some middleboxes expect it; openssl, rustls and the RFC 8448 traces do
    /// the same). Every other record, the ClientHello after a HelloRetryRequest included,
    /// says 0x0303.
    pub(super) fn flush_initial_client_hello(&mut self) -> Result<(), Error> {
        let start = self.tx.end();
        self.flush_handshake()?;
        if self.sealer.is_protected() {
            return Ok(());
        }
        // Walk the records just written; unprotected headers are not authenticated, so
        // rewriting their version bytes changes nothing else.
        let written = self.tx.queued_from(start);
        let mut at = 0;
        while let Ok(Some(span)) = self.deframer.peek(&written[at..]) {
            let header = RecordHeader {
                legacy_record_version: ProtocolVersion::TLSv1_0,
                ..span.header
            };
            written[at..at + RECORD_HEADER_LEN].copy_from_slice(&header.to_bytes());
            at += span.payload.end;
        }
        Ok(())
    }

    /// Seals one record of `typ` into the send buffer, encrypting `payload` straight
    /// into it (no copy first). It fails (queuing nothing) on an exhausted sequence
    /// number or key, which ends the connection.
    pub(super) fn seal(&mut self, typ: ContentType, payload: &[u8]) -> Result<(), Error> {
        let seq = self.sealer.sequence_number();
        let protected = self.sealer.is_protected();
        let len = self.sealer.sealed_len(payload.len());
        self.sealer
            .seal_into(typ, payload, self.tx.room(len))
            .map_err(record_error)?;
        self.tx.commit(len);
        if protected {
            if let Some(t) = self.trace.as_deref() {
                t.event(&TraceEvent::Record {
                    direction: Direction::Sent,
                    seq,
                    len,
                });
            }
        }
        Ok(())
    }

    /// Seals `chunk` (at most [`Self::max_fragment`] bytes) as one application data record.
    pub(super) fn send_application_data(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.seal(ContentType::ApplicationData, chunk)
    }

    /// Seals one alert (RFC 8446 §6): close_notify as a warning, the rest fatal.
    pub(super) fn send_alert(&mut self, description: AlertDescription) -> Result<(), Error> {
        let alert = match description {
            AlertDescription::CloseNotify => Alert::close_notify(),
            other => Alert::fatal(other),
        };
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::Alert {
                direction: Direction::Sent,
                description,
            });
        }
        self.seal(ContentType::Alert, &alert.to_vec())
    }

    /// Seals one warning alert (TLS 1.2's no_renegotiation, RFC 5246 §7.2.2).
    pub(super) fn send_warning_alert(
        &mut self,
        description: AlertDescription,
    ) -> Result<(), Error> {
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::Alert {
                direction: Direction::Sent,
                description,
            });
        }
        let alert = Alert {
            level: crate::wire::AlertLevel::Warning,
            description,
        };
        self.seal(ContentType::Alert, &alert.to_vec())
    }

    /// Sends the middlebox-compatibility ChangeCipherSpec (RFC 8446 §D.4): at most one,
    /// never protected, after the handshake messages queued before it.
    pub(super) fn send_change_cipher_spec(&mut self) -> Result<(), Error> {
        if self.ccs_sent {
            return Ok(());
        }
        self.ccs_sent = true;
        self.flush_within_flight()?;
        let header = RecordHeader {
            content_type: ContentType::ChangeCipherSpec,
            legacy_record_version: ProtocolVersion::TLSv1_2,
            length: 1,
        };
        self.tx.push(&header.to_bytes());
        self.tx.push(&CHANGE_CIPHER_SPEC_PAYLOAD);
        Ok(())
    }

    /// Seals the queued handshake messages under the old keys, then installs `keys`.
    pub(super) fn install_write_keys(
        &mut self,
        provider: &dyn Provider,
        keys: &RecordKeys,
    ) -> Result<(), Error> {
        self.flush_within_flight()?;
        self.sealer.install(provider, keys).map_err(record_error)
    }

    /// Installs `keys` for the records that follow.
    pub(super) fn install_read_keys(
        &mut self,
        provider: &dyn Provider,
        keys: &RecordKeys,
    ) -> Result<(), Error> {
        self.opener.install(provider, keys).map_err(record_error)?;
        self.read_key_changes += 1;
        Ok(())
    }

    /// Whether a record that could not be opened is refused 0-RTT data to skip
    /// (RFC 8446 §4.2.10); counts it against the limit.
    pub(super) fn skips_early_data(&mut self, record_len: usize) -> Result<bool, Error> {
        let Some(left) = self.early_data_to_skip else {
            return Ok(false);
        };
        let left = left
            .checked_sub(record_len)
            .ok_or(PeerMisbehaved::TooMuchEarlyData)?;
        self.early_data_to_skip = Some(left);
        Ok(true)
    }
}

/// The engine's error for a record-layer failure (RFC 8446 §5).
pub(super) fn record_error(e: RecordError) -> Error {
    match e {
        RecordError::BadRecordMac => Error::DecryptFailed,
        RecordError::CiphertextTooLong | RecordError::PlaintextTooLong => Error::RecordOverflow,
        RecordError::NoContentType => PeerMisbehaved::NoContentType.into(),
        RecordError::UnexpectedOuterType(t) => PeerMisbehaved::UnprotectedRecord(t).into(),
        RecordError::WrongTls12Version => PeerMisbehaved::WrongRecordVersion.into(),
        RecordError::Truncated => Error::Internal("a record was cut short"),
        RecordError::SequenceExhausted | RecordError::KeyLimitReached => {
            Error::Internal("the record sequence number or key usage limit is exhausted")
        }
        _ => Error::Internal("record protection failed"),
    }
}
