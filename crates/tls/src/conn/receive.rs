//! The receive path (RFC 8446 §5): find a record in the receive buffer
//! ([`crate::wire::Deframer`]), open it in place, then hand its content on: handshake bytes
//! to the [`crate::wire::HandshakeJoiner`], whose whole messages go to the state machine
//! borrowed; alerts to [`Connection::handle_alert`]; application data stays where it was
//! decrypted until it is read.

use std::ops::Range;

use super::lifecycle::PeerStream;
use super::record_layer::record_error;
use super::Connection;
use crate::error::Error;
use crate::error::PeerMisbehaved;
use crate::output::unexpected;
use crate::record::{inner_content, opened_record_header, RecordError};
use crate::trace::{Direction, TraceEvent};
use crate::wire::{
    is_compatibility_change_cipher_spec, Alert, AlertDescription, AlertLevel, Codec, ContentType,
    DecodeError, DecodeErrorKind, ProtocolVersion, MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN,
};

/// How much `read_tls` opens as it arrives before the reader has had its plaintext: one
/// full-size record (2^14 bytes of content).
const OPEN_AHEAD: usize = MAX_PLAINTEXT_LEN;

impl Connection {
    /// Opens whole application data records at the front of `data` straight into the
    /// receive buffer, as they arrive: `read_tls`'s fast path. Only once the handshake is
    /// complete, only while no earlier bytes wait in the buffer (records are handled in
    /// order), and it stops after any record that is not application data (a KeyUpdate
    /// may change the keys for what follows). A record that does not open is left to be
    /// copied, so `process_new_packets` finds and reports it as usual.
    ///
    /// It opens at most [`OPEN_AHEAD`] bytes' worth of records per call — one full-size
    /// record: its plaintext is read while it is still in the cache, and the next record
    /// opens into the same lines of the buffer. (Opening a run of full records ahead of
    /// the reader wrote each into lines that the ciphertext streaming past had evicted:
    /// an L1 miss per line written.) Returns the bytes taken, and whether to take no more
    /// now (that much was opened, or the buffer has no room for the next whole record).
    pub(super) fn open_as_received(&mut self, data: &[u8]) -> (usize, bool) {
        // The opened form is TLS 1.3's TLSInnerPlaintext after a marking header; a TLS 1.2
        // record opens to its plaintext and type byte, the same form.
        let known = matches!(
            self.protocol_version(),
            Some(ProtocolVersion::TLSv1_3 | ProtocolVersion::TLSv1_2)
        );
        let records = &mut self.core.records;
        let lifecycle = &self.core.lifecycle;
        if !known
            || !lifecycle.is_open()
            || !lifecycle.peer_may_send()
            || !records.opener.is_protected()
            || records.early_data_to_skip.is_some()
            || !records.rx.pending().is_empty()
        {
            return (0, false);
        }
        let (mut taken, mut opened) = (0, 0);
        // Each iteration takes one whole record of `data`, or stops.
        loop {
            if opened >= OPEN_AHEAD {
                return (taken, true);
            }
            let Ok(Some(span)) = records.deframer.peek(&data[taken..]) else {
                return (taken, false);
            };
            if span.header.content_type != ContentType::ApplicationData {
                return (taken, false);
            }
            let record = &data[taken..taken + span.payload.end];
            let inner_len = records.opener.opened_len(span.payload.len());
            let stored = RECORD_HEADER_LEN + inner_len;
            if records.rx.free_room() < stored {
                return (taken, true);
            }
            let room = records.rx.room_for_opened(stored);
            let (header, inner) = room.split_at_mut(RECORD_HEADER_LEN);
            if records.opener.open_to(record, inner).is_err() {
                return (taken, false);
            }
            let application_data =
                matches!(inner_content(inner), Ok((ContentType::ApplicationData, _)));
            header.copy_from_slice(&opened_record_header(inner_len));
            records.rx.opened(stored);
            records.opened_unhandled += 1;
            taken += record.len();
            opened += inner_len;
            if !application_data {
                // process_new_packets handles it (and reports it if it is bad).
                return (taken, false);
            }
        }
    }

    /// Handles every whole record in the receive buffer.
    pub(super) fn process_records(&mut self) -> Result<(), Error> {
        // Each iteration consumes one record from a buffer of bounded size.
        loop {
            let records = &mut self.core.records;
            let Some(span) = records.deframer.peek(records.rx.pending())? else {
                // Unread plaintext stays where it is (moving it would copy every byte
                // again); once it is all read, `consume_plaintext` compacts.
                if records.rx.plaintext.is_empty() {
                    records.rx.compact();
                }
                return Ok(());
            };
            let start = records.rx.start;
            let record = start..start + span.payload.end;
            records.rx.start = record.end;
            self.handle_record(span.header.content_type, record)?;
        }
    }

    /// Handles one record; `record` is where it lies (header included) in the buffer.
    fn handle_record(&mut self, outer: ContentType, record: Range<usize>) -> Result<(), Error> {
        if self.core.lifecycle.peer == PeerStream::ClosedNotify {
            // RFC 8446 §6.1: nothing may follow close_notify.
            return Err(PeerMisbehaved::DataAfterCloseNotify.into());
        }
        let records = &mut self.core.records;
        if records.rx.was_opened(record.start) {
            return self.handle_opened_record(record);
        }
        let protected = records.opener.is_protected();
        match outer {
            ContentType::ChangeCipherSpec => return self.handle_change_cipher_spec(record),
            // TLS 1.3 hides a protected alert's type; TLS 1.2 does not (RFC 5246 §6.2.3).
            ContentType::Alert if records.opener.hides_content_type() => {
                return self.handle_unprotected_alert(record)
            }
            ContentType::ApplicationData if !protected => {
                // RFC 8446 §4.2.10: 0-RTT data the server refused, before its keys for
                // the client's second ClientHello; else data before any keys (§5.2).
                if records.skips_early_data(record.len())? {
                    return Ok(());
                }
                return Err(unexpected("a handshake record", "application data"));
            }
            _ => {}
        }
        let seq = records.opener.sequence_number();
        let opened = match records
            .opener
            .open_in_place(records.rx.slice_mut(record.clone()))
        {
            Ok(opened) => opened,
            // RFC 8446 §4.2.10: refused 0-RTT data does not open under the handshake keys.
            Err(RecordError::BadRecordMac) if records.skips_early_data(record.len())? => {
                return Ok(())
            }
            Err(e) => return Err(record_error(e)),
        };
        // A record that opens ends any 0-RTT data: the client's handshake goes on.
        records.early_data_to_skip = None;
        if protected {
            if let Some(t) = self.core.trace.as_deref() {
                t.event(&TraceEvent::Record {
                    direction: Direction::Received,
                    seq,
                    len: record.len(),
                });
            }
        }
        let content = record.start + opened.content.start..record.start + opened.content.end;
        self.handle_content(opened.content_type, content)
    }

    /// A record [`Self::open_as_received`] opened: its TLSInnerPlaintext follows the
    /// header; what remains is what [`Self::handle_record`] does after opening.
    fn handle_opened_record(&mut self, record: Range<usize>) -> Result<(), Error> {
        let records = &mut self.core.records;
        let inner = record.start + RECORD_HEADER_LEN..record.end;
        let (content_type, len) =
            inner_content(records.rx.slice(inner.clone())).map_err(record_error)?;
        // The opener counted it when it was opened; trace it with its own number.
        let seq = records
            .opener
            .sequence_number()
            .saturating_sub(u64::from(records.opened_unhandled));
        records.opened_unhandled = records.opened_unhandled.saturating_sub(1);
        if let Some(t) = self.core.trace.as_deref() {
            t.event(&TraceEvent::Record {
                direction: Direction::Received,
                seq,
                len: records.opener.record_len_of_opened(record.len()),
            });
        }
        self.handle_content(content_type, inner.start..inner.start + len)
    }

    /// The content of an opened record, by its (inner) type.
    fn handle_content(
        &mut self,
        content_type: ContentType,
        content: Range<usize>,
    ) -> Result<(), Error> {
        match content_type {
            ContentType::Handshake => {
                self.joiner.push(self.core.records.rx.slice(content))?;
                self.handle_handshake_messages()
            }
            ContentType::Alert => self.handle_alert(content),
            ContentType::ApplicationData => self.handle_application_data(content),
            // RFC 8446 §5: any other type, defined or not, is unexpected here.
            other => match other.name() {
                Some(name) => Err(unexpected(
                    "a handshake, alert or application data record",
                    name,
                )),
                None => Err(DecodeError::new(
                    "TLSInnerPlaintext",
                    DecodeErrorKind::UnknownContentType(other),
                )
                .into()),
            },
        }
    }

    /// RFC 8446 §5: a ChangeCipherSpec is never protected; a `0x01` between the first
    /// ClientHello and the peer's Finished is dropped ("MUST simply drop it"), each time —
    /// up to a bound, so a peer sending only those is still refused. Anything else is
    /// unexpected.
    fn handle_change_cipher_spec(&mut self, record: Range<usize>) -> Result<(), Error> {
        self.joiner
            .check_not_interleaved(ContentType::ChangeCipherSpec)?;
        let records = &mut self.core.records;
        let body = records
            .rx
            .slice(record.start + RECORD_HEADER_LEN..record.end);
        if self
            .state
            .as_ref()
            .is_some_and(|s| s.expects_change_cipher_spec())
        {
            return self.handle_tls12_change_cipher_spec(record);
        }
        let allowed = self
            .state
            .as_ref()
            .is_some_and(|s| s.allows_change_cipher_spec());
        if !is_compatibility_change_cipher_spec(body) || !allowed {
            return Err(PeerMisbehaved::IllegalChangeCipherSpec.into());
        }
        self.progress.change_cipher_spec()
    }

    /// TLS 1.2's ChangeCipherSpec (RFC 5246 §7.1): one byte 0x01, unprotected (the first
    /// one of a connection), on a message boundary; the state installs the read keys.
    fn handle_tls12_change_cipher_spec(&mut self, record: Range<usize>) -> Result<(), Error> {
        let body = self
            .core
            .records
            .rx
            .slice(record.start + RECORD_HEADER_LEN..record.end);
        if !is_compatibility_change_cipher_spec(body) || self.core.records.opener.is_protected() {
            return Err(PeerMisbehaved::IllegalChangeCipherSpec.into());
        }
        // RFC 5246 §7.1 (and RFC 8446 §5.1's rule for any key change): no handshake
        // message may span it.
        if !self.joiner.is_empty() {
            return Err(PeerMisbehaved::HandshakeMessageSplitAcrossKeyChange.into());
        }
        if let Some(t) = self.core.trace.as_deref() {
            t.event(&TraceEvent::Message {
                direction: Direction::Received,
                name: "ChangeCipherSpec",
                len: 1,
                summary: String::new(),
            });
        }
        let state = self
            .state
            .take()
            .ok_or(Error::Internal("handshake state missing"))?;
        self.state = Some(state.change_cipher_spec(&mut self.core)?);
        Ok(())
    }

    /// An alert record in the clear after encryption started. RFC 8446 §5.2 allows only
    /// protected records then, but many clients send their refusal of our certificate
    /// (`unknown_ca`, `bad_certificate`) unencrypted. It is read as the alert it is; being
    /// unauthenticated, it always ends the connection, whatever it says, and is not
    /// answered.
    fn handle_unprotected_alert(&mut self, record: Range<usize>) -> Result<(), Error> {
        self.joiner.check_not_interleaved(ContentType::Alert)?;
        let body = record.start + RECORD_HEADER_LEN..record.end;
        let alert = self.decode_alert(body)?;
        Err(Error::AlertReceived(alert.description))
    }

    /// An alert (RFC 8446 §6): close_notify ends the peer's writing; user_canceled as a
    /// warning is followed by close_notify; every other alert is fatal. In TLS 1.2 every
    /// warning-level alert lets the connection go on (RFC 5246 §7.2: "If an alert with a
    /// level of warning is sent and received, generally the connection can continue
    /// normally"), and so before the version is settled, when the peer may be a TLS 1.2
    /// one (a warning unrecognized_name before the ServerHello, RFC 6066 §3). Warnings in
    /// a row are counted either way, so a peer cannot keep us busy with them.
    fn handle_alert(&mut self, content: Range<usize>) -> Result<(), Error> {
        self.joiner.check_not_interleaved(ContentType::Alert)?;
        let alert = self.decode_alert(content)?;
        let tls12 = self.protocol_version() != Some(ProtocolVersion::TLSv1_3);
        match alert.description {
            AlertDescription::CloseNotify if self.core.lifecycle.is_open() => {
                self.core.lifecycle.peer = PeerStream::ClosedNotify;
                Ok(())
            }
            AlertDescription::UserCanceled if alert.level == AlertLevel::Warning => {
                self.progress.warning_alert()
            }
            _ if tls12 && alert.level == AlertLevel::Warning => self.progress.warning_alert(),
            // RFC 8446 §6: "all alerts are fatal" apart from those two.
            other => Err(Error::AlertReceived(other)),
        }
    }

    /// Decodes the one alert an alert record holds (RFC 8446 §5.1: alerts are never
    /// fragmented, never coalesced, never empty) and traces it.
    fn decode_alert(&self, content: Range<usize>) -> Result<Alert, Error> {
        let bytes = self.core.records.rx.slice(content);
        if bytes.is_empty() {
            return Err(DecodeError::new(
                "Alert record",
                DecodeErrorKind::EmptyFragment(ContentType::Alert),
            )
            .into());
        }
        let alert = Alert::decode(bytes)?;
        if let Some(t) = self.core.trace.as_deref() {
            t.event(&TraceEvent::Alert {
                direction: Direction::Received,
                description: alert.description,
            });
        }
        // RFC 8446 §6 (RFC 5246 §7.2): AlertLevel is warning(1) or fatal(2); anything else
        // is not an alert we can read, fatal or not.
        if let AlertLevel::Unknown(_) = alert.level {
            return Err(PeerMisbehaved::UnknownAlertLevel.into());
        }
        Ok(alert)
    }

    /// Application data: only once the handshake is complete (RFC 8446 §2), never inside a
    /// fragmented handshake message (§5.1). It stays where it was decrypted.
    fn handle_application_data(&mut self, content: Range<usize>) -> Result<(), Error> {
        self.joiner
            .check_not_interleaved(ContentType::ApplicationData)?;
        if !self.core.lifecycle.is_open() {
            // RFC 8446 §4.2.10: accepted 0-RTT data, under the early keys, up to the
            // limit ("If the server ... receives more ... it SHOULD abort the handshake
            // with an "unexpected_message" alert").
            if self.core.early.receiving.is_some() {
                let len = content.len();
                if !self.core.early.receive(self.core.records.rx.slice(content)) {
                    return Err(PeerMisbehaved::EarlyDataBeyondLimit.into());
                }
                return self.progress.application_data(len);
            }
            return Err(unexpected("a handshake message", "application data"));
        }
        self.progress.application_data(content.len())?;
        self.core.records.rx.push_plaintext(content);
        Ok(())
    }

    /// Hands each whole handshake message in the joiner to the state machine, borrowed
    /// from the joiner's buffer.
    ///
    /// Two points end what the peer may send in one go, and there nothing may be left in
    /// the joiner: a key change (RFC 8446 §5.1: it must fall on a record boundary), and a
    /// message the peer must wait for our answer to (§4.1.4: after our HelloRetryRequest,
    /// or theirs, only the answer to it may come, so bytes already buffered behind the
    /// ClientHello or the HelloRetryRequest were sent before it was read; RFC 5246 §7.3:
    /// likewise the first ClientHello and a TLS 1.2 ServerHelloDone end a flight).
    fn handle_handshake_messages(&mut self) -> Result<(), Error> {
        let was_open = self.core.lifecycle.is_open();
        let read_keys_at_start = self.core.records.read_key_changes;
        // Each iteration takes one message; the joiner holds finitely many.
        while let Some(raw) = self.joiner.next_raw_message()? {
            let state = self
                .state
                .take()
                .ok_or(Error::Internal("handshake state missing"))?;
            let read_keys_before = self.core.records.read_key_changes;
            let first_hello = state.awaits_first_client_hello();
            let state = self.state.insert(state.handle(raw, &mut self.core)?);
            if self.core.records.read_key_changes != read_keys_before {
                if !self.joiner.is_empty() {
                    return Err(PeerMisbehaved::HandshakeMessageSplitAcrossKeyChange.into());
                }
                // No ClientHello can come under protection: back to the tight limit.
                self.joiner.refuse_large_client_hellos();
            } else if state.awaits_answer_to_retry() && !self.joiner.is_empty() {
                return Err(PeerMisbehaved::HandshakeDataBeforeRetryAnswered.into());
            } else if (first_hello || state.awaits_server_change_cipher_spec())
                && !self.joiner.is_empty()
            {
                return Err(PeerMisbehaved::HandshakeDataBeforeFlightAnswered.into());
            }
        }
        if self.core.lifecycle.is_open() {
            self.joiner.handshake_done();
        }
        if was_open {
            // After the handshake every read key change is a KeyUpdate (RFC 8446 §4.6.3).
            let key_updates = self
                .core
                .records
                .read_key_changes
                .wrapping_sub(read_keys_at_start);
            self.progress.handshake(key_updates)?;
        }
        Ok(())
    }
}
