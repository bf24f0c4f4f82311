//! Record framing (RFC 8446 §5.1, §5.2): the record header, a [`Deframer`] that finds
//! complete records in a byte buffer without copying, a fragmenter for sending, and the
//! [`HandshakeJoiner`] that reassembles handshake messages from record payloads.
//!
//! Record *protection* is not here: it lives in `crate::record`, which decrypts in place in
//! the ranges the deframer returns.

use std::ops::Range;

use crate::wire::codec::{Codec, DecodeError, DecodeErrorKind, Reader};
use crate::wire::enums::{ContentType, HandshakeType, ProtocolVersion};
use crate::wire::handshake::{HandshakeMessage, HANDSHAKE_HEADER_LEN};

/// Length of a record header: type, legacy_record_version, length (§5.1).
pub const RECORD_HEADER_LEN: usize = 5;

/// Largest `TLSPlaintext.fragment`: "The length MUST NOT exceed 2^14 bytes" (§5.1).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;

/// Largest `TLSCiphertext.encrypted_record`: "The length MUST NOT exceed 2^14 + 256
/// bytes" (§5.2).
pub const MAX_CIPHERTEXT_LEN: usize = (1 << 14) + 256;

/// Default cap on one handshake message. Certificate chains are the largest messages;
/// 64 KiB holds any reasonable chain while bounding what a peer can make us buffer.
pub const DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN: usize = 64 * 1024;

/// The largest ClientHello body the encoding allows (RFC 8446 §4.1.2): legacy_version (2),
/// random (32), legacy_session_id<0..32> (1 + 32), cipher_suites<2..2^16-2> (2 + 65534),
/// legacy_compression_methods<1..2^8-1> (1 + 255), extensions<8..2^16-1> (2 + 65535).
/// A server must accept any legal ClientHello, so it buffers up to this much (128 KiB)
/// for one; every other message keeps the tight default.
pub const MAX_CLIENT_HELLO_LEN: usize = 2 + 32 + (1 + 32) + (2 + 65534) + (1 + 255) + (2 + 65535);

/// A record header (`TLSPlaintext`/`TLSCiphertext` without the fragment, §5.1, §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// The (outer) content type.
    pub content_type: ContentType,
    /// `legacy_record_version`: 0x0303, or 0x0301 on an initial ClientHello; "MUST be
    /// ignored for all purposes" on receipt (§5.1).
    pub legacy_record_version: ProtocolVersion,
    /// Length of the fragment that follows.
    pub length: u16,
}

/// Where one complete record lies in the buffer given to the [`Deframer`]. The ranges
/// index that buffer, so the record layer can decrypt the payload in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSpan {
    /// The parsed header.
    pub header: RecordHeader,
    /// The header's bytes (the additional data for AEAD, §5.2).
    pub header_range: Range<usize>,
    /// The fragment's bytes.
    pub payload: Range<usize>,
}

/// Finds complete records in a byte buffer, enforcing the size limits of §5.1/§5.2.
///
/// It owns no buffer and never copies or allocates: [`Deframer::peek`] looks at the front
/// of the caller's buffer, [`Deframer::records`] walks all complete records in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deframer {
    max_plaintext_len: usize,
    max_ciphertext_len: usize,
}

/// Iterator over the complete records at the front of a buffer; see
/// [`Deframer::records`].
#[derive(Clone, Debug)]
pub struct Records<'b> {
    deframer: Deframer,
    buf: &'b [u8],
    offset: usize,
    failed: bool,
}

/// Reassembles handshake messages from the payloads of handshake records: several
/// messages coalesced in one record, or one message split across records (§5.1).
///
/// Bounded: a message longer than the configured maximum fails as soon as its header
/// arrives ([`DecodeErrorKind::MessageTooLarge`]), so at most one maximum-size message
/// plus one record is ever buffered. During the handshake its buffer is kept from flight
/// to flight (sized to what arrived: no room is held ahead of need, so the handshake's
/// heap peak does not grow); after [`Self::handshake_done`] it is released whenever it
/// drains.
#[derive(Clone, Debug)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    start: usize,
    max_message_len: usize,
    max_client_hello_len: usize,
    keep_buffer: bool,
}

impl Deframer {
    /// A deframer with the limits of RFC 8446: plaintext records up to 2^14 bytes (§5.1),
    /// protected records up to 2^14 + 256 (§5.2).
    pub const fn new() -> Self {
        Self {
            max_plaintext_len: MAX_PLAINTEXT_LEN,
            max_ciphertext_len: MAX_CIPHERTEXT_LEN,
        }
    }

    /// Lowers the plaintext limit, e.g. to a peer's record_size_limit (RFC 8449 §4); the
    /// protected limit moves with it (`limit + 256`). Values above 2^14 are clamped.
    pub const fn with_max_plaintext_len(mut self, limit: usize) -> Self {
        let limit = if limit > MAX_PLAINTEXT_LEN {
            MAX_PLAINTEXT_LEN
        } else {
            limit
        };
        self.max_plaintext_len = limit;
        self.max_ciphertext_len = limit + 256;
        self
    }

    /// The largest fragment accepted for a record of `content_type`. In TLS 1.3 every
    /// protected record has outer type application_data (§5.2), so it gets the ciphertext
    /// limit; every other type is plaintext and gets the 2^14 limit (§5.1).
    pub const fn max_fragment_len(&self, content_type: ContentType) -> usize {
        match content_type {
            ContentType::ApplicationData => self.max_ciphertext_len,
            _ => self.max_plaintext_len,
        }
    }

    /// Looks at the front of `buf`: `Ok(Some(span))` if a whole record is there,
    /// `Ok(None)` if more bytes are needed, or an error as soon as the bytes present show
    /// the stream is bad — an undefined content type (`unexpected_message`, §5) or a length
    /// over the limit (`record_overflow`, §5.1, §5.2) — without waiting for the body.
    pub fn peek(&self, buf: &[u8]) -> Result<Option<RecordSpan>, DecodeError> {
        const WHAT: &str = "TLSPlaintext";
        let Some(&first) = buf.first() else {
            return Ok(None);
        };
        let content_type = ContentType::from_wire(first);
        if !matches!(
            content_type,
            ContentType::ChangeCipherSpec
                | ContentType::Alert
                | ContentType::Handshake
                | ContentType::ApplicationData
        ) {
            return Err(DecodeError::new(
                WHAT,
                DecodeErrorKind::UnknownContentType(content_type),
            ));
        }
        let &[_, v0, v1, l0, l1, ..] = buf else {
            return Ok(None);
        };
        let header = RecordHeader {
            content_type,
            legacy_record_version: ProtocolVersion::from_wire(u16::from_be_bytes([v0, v1])),
            length: u16::from_be_bytes([l0, l1]),
        };
        let length = usize::from(header.length);
        let max = self.max_fragment_len(content_type);
        if length > max {
            return Err(DecodeError::new(
                WHAT,
                DecodeErrorKind::RecordOverflow { length, max },
            ));
        }
        let end = RECORD_HEADER_LEN + length;
        if buf.len() < end {
            return Ok(None);
        }
        Ok(Some(RecordSpan {
            header,
            header_range: 0..RECORD_HEADER_LEN,
            payload: RECORD_HEADER_LEN..end,
        }))
    }

    /// Iterates over the complete records at the front of `buf`. The iterator ends at the
    /// first incomplete record (see [`Records::consumed`]) or after yielding an error.
    pub fn records<'b>(&self, buf: &'b [u8]) -> Records<'b> {
        Records {
            deframer: *self,
            buf,
            offset: 0,
            failed: false,
        }
    }
}

impl Default for Deframer {
    fn default() -> Self {
        Self::new()
    }
}

impl Records<'_> {
    /// Bytes taken by the records yielded so far: the caller may discard this prefix.
    pub fn consumed(&self) -> usize {
        self.offset
    }
}

impl Iterator for Records<'_> {
    type Item = Result<RecordSpan, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = self.buf.get(self.offset..)?;
        match self.deframer.peek(rest) {
            Ok(Some(span)) => {
                let base = self.offset;
                self.offset += span.payload.end;
                Some(Ok(RecordSpan {
                    header: span.header,
                    header_range: base..base + RECORD_HEADER_LEN,
                    payload: base + span.payload.start..base + span.payload.end,
                }))
            }
            Ok(None) => None,
            Err(err) => {
                self.failed = true;
                Some(Err(err))
            }
        }
    }
}

impl RecordHeader {
    /// The five header bytes.
    pub fn to_bytes(&self) -> [u8; RECORD_HEADER_LEN] {
        let [v0, v1] = self.legacy_record_version.to_wire().to_be_bytes();
        let [l0, l1] = self.length.to_be_bytes();
        [self.content_type.to_wire(), v0, v1, l0, l1]
    }
}

impl Codec<'_> for RecordHeader {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            content_type: ContentType::from_wire(r.u8("TLSPlaintext.type")?),
            legacy_record_version: ProtocolVersion::from_wire(
                r.u16("TLSPlaintext.legacy_record_version")?,
            ),
            length: r.u16("TLSPlaintext.length")?,
        })
    }
}

/// Splits `data` into fragments of at most `max_fragment_len` bytes (at least 1), for
/// sending as consecutive records. Empty data yields no fragment: callers never send empty
/// handshake records (§5.1).
pub fn fragments(data: &[u8], max_fragment_len: usize) -> std::slice::Chunks<'_, u8> {
    data.chunks(max_fragment_len.max(1))
}

/// Appends `data` to `out` as unprotected records of `content_type` (§5.1), each at most
/// `max_fragment_len` (≤ 2^14) bytes, with `legacy_record_version`.
pub fn write_plaintext_records(
    out: &mut Vec<u8>,
    content_type: ContentType,
    legacy_record_version: ProtocolVersion,
    data: &[u8],
    max_fragment_len: usize,
) {
    for fragment in fragments(data, max_fragment_len.min(MAX_PLAINTEXT_LEN)) {
        // `fragments` caps each fragment at 2^14, so it fits the u16 length.
        let length = u16::try_from(fragment.len()).unwrap_or(u16::MAX);
        RecordHeader {
            content_type,
            legacy_record_version,
            length,
        }
        .encode(out);
        out.extend_from_slice(fragment);
    }
}

/// The record payload of a ChangeCipherSpec, which TLS 1.3 peers may send for middlebox
/// compatibility: "a single byte value 0x01" (§5).
pub const CHANGE_CIPHER_SPEC_PAYLOAD: [u8; 1] = [0x01];

/// True if `payload` is the one ChangeCipherSpec body §5 tells us to drop; any other
/// change_cipher_spec record is an `unexpected_message`.
pub fn is_compatibility_change_cipher_spec(payload: &[u8]) -> bool {
    payload == CHANGE_CIPHER_SPEC_PAYLOAD
}

impl HandshakeJoiner {
    /// A joiner accepting messages up to [`DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN`] bytes.
    pub const fn new() -> Self {
        Self::with_max_message_len(DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN)
    }

    /// A joiner accepting message bodies up to `max_message_len` bytes.
    pub const fn with_max_message_len(max_message_len: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            max_message_len,
            max_client_hello_len: max_message_len,
            keep_buffer: true,
        }
    }

    /// The handshake is over: from now on the buffer is released whenever it drains
    /// (post-handshake messages are rare, and an idle connection should hold nothing).
    pub fn handshake_done(&mut self) {
        self.keep_buffer = false;
        self.release_if_empty();
    }

    /// Lets ClientHellos be as long as `limit` (at most [`MAX_CLIENT_HELLO_LEN`] makes
    /// sense): a server accepts any legal ClientHello while it waits for one, and lowers
    /// the limit back with [`Self::refuse_large_client_hellos`] once none may come.
    pub const fn with_max_client_hello_len(mut self, limit: usize) -> Self {
        self.max_client_hello_len = limit;
        self
    }

    /// From now on a ClientHello gets the same limit as every other message.
    pub fn refuse_large_client_hellos(&mut self) {
        self.max_client_hello_len = self.max_message_len;
    }

    /// Adds the payload of one handshake record (plaintext, after any decryption).
    ///
    /// Fails on an empty fragment (§5.1: "Implementations MUST NOT send zero-length
    /// fragments of Handshake types") or when the next message announces more than the
    /// maximum length.
    pub fn push(&mut self, fragment: &[u8]) -> Result<(), DecodeError> {
        if fragment.is_empty() {
            return Err(DecodeError::new(
                "Handshake record",
                DecodeErrorKind::EmptyFragment(ContentType::Handshake),
            ));
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(fragment);
        self.check_next_length()?;
        Ok(())
    }

    /// Takes the next complete message, if one is buffered, decoded, borrowed from the
    /// joiner (no copy) until the next call.
    pub fn next_message(&mut self) -> Result<Option<HandshakeMessage<'_>>, DecodeError> {
        match self.next_raw_message()? {
            Some(raw) => HandshakeMessage::decode(raw).map(Some),
            None => Ok(None),
        }
    }

    /// Takes the next complete message, if one is buffered: its bytes, header included,
    /// borrowed from the joiner (no copy) until the next call. The buffer is released on
    /// the call that finds it drained.
    pub fn next_raw_message(&mut self) -> Result<Option<&[u8]>, DecodeError> {
        let Some(len) = self.next_message_len()? else {
            self.release_if_empty();
            return Ok(None);
        };
        let message = self.start..self.start + len;
        self.start = message.end;
        Ok(self.buf.get(message))
    }

    /// True if nothing is buffered.
    ///
    /// RFC 8446 §5.1: "Handshake messages MUST NOT span key changes. Implementations MUST
    /// verify that all messages immediately preceding a key change align with a record
    /// boundary; if not, then they MUST terminate the connection with an
    /// "unexpected_message" alert." So after handling a message that changes keys
    /// (ServerHello, Finished, KeyUpdate, EndOfEarlyData, …) the state machine checks that
    /// the joiner is empty.
    pub fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }

    /// True if the bytes buffered do not end on a message boundary: part of a message has
    /// arrived and the rest must come in the next handshake record.
    pub fn has_partial_message(&self) -> bool {
        !self.is_empty() && matches!(self.next_message_len(), Ok(None))
    }

    /// Bytes buffered and not yet taken.
    pub fn buffered_len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Fails if a record of `content_type` may not arrive now because a handshake message
    /// is incomplete (§5.1: "Handshake messages MUST NOT be interleaved with other record
    /// types"). Call it for every non-handshake record.
    pub fn check_not_interleaved(&self, content_type: ContentType) -> Result<(), DecodeError> {
        if content_type != ContentType::Handshake && !self.is_empty() {
            return Err(DecodeError::new(
                "Handshake message",
                DecodeErrorKind::InterleavedContentType(content_type),
            ));
        }
        Ok(())
    }

    /// The total length (header included) of the next message if it is complete.
    fn next_message_len(&self) -> Result<Option<usize>, DecodeError> {
        let pending = self.buf.get(self.start..).unwrap_or_default();
        match self.message_len(pending)? {
            Some(total) if pending.len() >= total => Ok(Some(total)),
            _ => Ok(None),
        }
    }

    /// Checks every header now visible, so an oversized message fails on arrival.
    fn check_next_length(&self) -> Result<(), DecodeError> {
        let mut pending = self.buf.get(self.start..).unwrap_or_default();
        while let Some(total) = self.message_len(pending)? {
            let Some(rest) = pending.get(total..) else {
                break;
            };
            pending = rest;
        }
        Ok(())
    }

    /// The total length of the message starting at `pending`, once its header is there,
    /// checked against the maximum (§4: `HandshakeType msg_type; uint24 length;`).
    fn message_len(&self, pending: &[u8]) -> Result<Option<usize>, DecodeError> {
        let &[msg_type, l0, l1, l2, ..] = pending else {
            return Ok(None);
        };
        let body_len = u32::from_be_bytes([0, l0, l1, l2]) as usize;
        let max = if HandshakeType::from_wire(msg_type) == HandshakeType::ClientHello {
            self.max_client_hello_len
        } else {
            self.max_message_len
        };
        if body_len > max {
            return Err(DecodeError::new(
                handshake_name(msg_type),
                DecodeErrorKind::MessageTooLarge {
                    length: body_len,
                    max,
                },
            ));
        }
        Ok(Some(HANDSHAKE_HEADER_LEN + body_len))
    }

    /// Frees the buffer once everything has been taken, so an idle connection holds no
    /// handshake buffer.
    fn release_if_empty(&mut self) {
        if self.is_empty() {
            if self.keep_buffer {
                self.buf.clear();
            } else {
                self.buf = Vec::new();
            }
            self.start = 0;
        }
    }
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        Self::new()
    }
}

fn handshake_name(msg_type: u8) -> &'static str {
    HandshakeType::from_wire(msg_type)
        .name()
        .unwrap_or("handshake message")
}

#[cfg(test)]
mod tests;
