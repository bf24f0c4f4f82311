//! Record protection (RFC 8446 §5.2–§5.5): one [`RecordSealer`] for what we send and one
//! [`RecordOpener`] for what we receive.
//!
//! Neither copies a record first. Sealing ([`RecordSealer::seal_into`]) encrypts the
//! caller's content straight into the output buffer, after the header (the AEAD reads the
//! plaintext once and writes the ciphertext once); opening decrypts the received record in
//! place inside the receive buffer and reports where the plaintext is. Neither allocates
//! per record (an output `Vec` grows only if its capacity is short).
//!
//! Before keys are installed both sides pass records through unprotected
//! (`TLSPlaintext`, §5.1). After [`RecordSealer::install`] (with the [`RecordKeys`] the key
//! schedule derives, RFC 8446 §7.3) every record is a
//! `TLSCiphertext` with outer type application_data and version 0x0303:
//!
//! ```text
//! struct {
//!     opaque content[TLSPlaintext.length];
//!     ContentType type;
//!     uint8 zeros[length_of_padding];
//! } TLSInnerPlaintext;
//! ```
//!
//! The per-record nonce is the write IV XORed with the 64-bit sequence number, left-padded
//! with zeros (§5.3); the additional data is the 5-byte record header (§5.2). Sequence
//! numbers start at 0 with each new key and never wrap: at 2^64−1 the connection must end
//! (§5.3). Keys are retired before their usage limit (§5.5): see
//! [`RecordSealer::needs_key_update`].
//!
//! TLS 1.2 keys ([`RecordKeys::tls12`]) protect records the RFC 5246 §6.2.3.3 way: the
//! outer type is the real one, there is no inner content type or padding, and the
//! additional data is `seq_num ‖ type ‖ version ‖ length` (of the plaintext). AES-GCM
//! records carry an 8-byte explicit nonce after the header, which we set to the sequence
//! number; the nonce is the 4-byte implicit salt followed by it (RFC 5288 §3).
//! ChaCha20-Poly1305 has no explicit part: its nonce is made as in TLS 1.3 (RFC 7905 §2).

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use padlock_crypto::{
    AeadAlgorithm, AeadKey, CryptoError, InlineAeadKey, Provider, NONCE_LEN, TAG_LEN,
};

use crate::hkdf::Secret;
use crate::wire::{
    ContentType, ProtocolVersion, RecordHeader, MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN,
    RECORD_HEADER_LEN,
};

/// Bytes a protected record adds to its content without padding: header, inner content
/// type and tag.
pub const PROTECTED_OVERHEAD: usize = RECORD_HEADER_LEN + 1 + TAG_LEN;

/// The length of the explicit nonce of a TLS 1.2 AES-GCM record (RFC 5288 §3).
pub const EXPLICIT_NONCE_LEN: usize = 8;

/// The largest TLSCiphertext.fragment TLS 1.2 allows: 2^14 + 2048 (RFC 5246 §6.2.3).
const MAX_TLS12_CIPHERTEXT_LEN: usize = MAX_PLAINTEXT_LEN + 2048;

/// Which record format a key protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordVersion {
    /// TLS 1.3 (RFC 8446 §5.2): TLSInnerPlaintext under an application_data outer type.
    Tls13,
    /// TLS 1.2 AEAD (RFC 5246 §6.2.3.3): the real type outside, the sequence number in the
    /// additional data, and for AES-GCM an explicit nonce in the record (RFC 5288 §3).
    Tls12,
}

/// Why a record could not be protected or unprotected. Each peer-caused variant names the
/// alert RFC 8446 prescribes.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// The record did not authenticate (alert bad_record_mac, §5.2).
    BadRecordMac,
    /// `TLSCiphertext.length` exceeds 2^14 + 256 (alert record_overflow, §5.2).
    CiphertextTooLong,
    /// The content exceeds 2^14 bytes, or the TLSInnerPlaintext (content, type, padding)
    /// 2^14 + 1 (alert record_overflow, §5.1/§5.4).
    PlaintextTooLong,
    /// The decrypted TLSInnerPlaintext was all zeros: no content type (alert
    /// unexpected_message, §5.4).
    NoContentType,
    /// A record under protection had an outer type other than application_data (alert
    /// unexpected_message, §5.2).
    UnexpectedOuterType(ContentType),
    /// The record is shorter than its header says, or shorter than a header.
    Truncated,
    /// The sequence number reached 2^64−1; the connection must end (§5.3).
    SequenceExhausted,
    /// We refused to seal: this key reached its usage limit (§5.5). Update keys first.
    KeyLimitReached,
    /// We were asked to seal more than 2^14 bytes in one record; the caller must fragment.
    PayloadTooLong,
    /// Record keys of the wrong length for their AEAD.
    BadKeyLength,
    /// The provider refused the key (wrong length, unsupported algorithm).
    Crypto(CryptoError),
    /// A protected TLS 1.2 record whose header names a version other than TLS 1.2's
    /// 0x0303 (alert protocol_version; RFC 5246 §6.2.1, §E.1).
    WrongTls12Version,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRecordMac => f.write_str(
                "a record failed authentication: it was altered in transit, or the keys differ",
            ),
            Self::CiphertextTooLong => {
                f.write_str("an encrypted record was longer than the 16640 bytes TLS 1.3 allows")
            }
            Self::PlaintextTooLong => {
                f.write_str("a record carried more than the 16384 bytes of content TLS allows")
            }
            Self::NoContentType => {
                f.write_str("a decrypted record held only padding, with no content type")
            }
            Self::UnexpectedOuterType(t) => write!(
                f,
                "a record of type {t} arrived unencrypted where only encrypted records are allowed"
            ),
            Self::Truncated => f.write_str("a record was shorter than its header says"),
            Self::SequenceExhausted => f.write_str(
                "the record sequence number is exhausted; the connection cannot continue",
            ),
            Self::KeyLimitReached => f.write_str(
                "the traffic key reached its usage limit and must be updated before sending more",
            ),
            Self::PayloadTooLong => {
                f.write_str("asked to seal more than 16384 bytes in one record")
            }
            Self::WrongTls12Version => {
                f.write_str("a TLS 1.2 record's header named a version other than TLS 1.2")
            }
            Self::BadKeyLength => {
                f.write_str("record keys of the wrong length for their AEAD algorithm")
            }
            Self::Crypto(e) => write!(f, "could not install record keys: {e}"),
        }
    }
}

impl std::error::Error for RecordError {}

/// A record opened by [`RecordOpener::open_in_place`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedRecord {
    /// The (inner, if protected) content type.
    pub content_type: ContentType,
    /// Where the content lies, relative to the slice passed in.
    pub content: Range<usize>,
}

/// The keys of one direction's record protection (RFC 8446 §7.3): the AEAD, its
/// `[sender]_write_key` and `[sender]_write_iv`. The key schedule derives them from a
/// traffic secret; the record layer knows nothing of secrets. The key is zeroed on drop.
#[derive(Clone)]
pub struct RecordKeys {
    aead: AeadAlgorithm,
    key: Secret,
    iv: [u8; NONCE_LEN],
    version: RecordVersion,
}

impl RecordKeys {
    /// TLS 1.3 keys for `aead`; `key` must be `aead.key_len()` bytes and `iv` 12 (§5.3).
    pub fn new(aead: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, RecordError> {
        if key.len() != aead.key_len() {
            return Err(RecordError::BadKeyLength);
        }
        let iv = <[u8; NONCE_LEN]>::try_from(iv).map_err(|_| RecordError::BadKeyLength)?;
        Ok(Self {
            aead,
            key: Secret::new(key),
            iv,
            version: RecordVersion::Tls13,
        })
    }

    /// TLS 1.2 keys for `aead` from the key block (RFC 5246 §6.3): `fixed_iv` is the
    /// 4-byte implicit salt for AES-GCM (RFC 5288 §3) or the 12-byte IV for
    /// ChaCha20-Poly1305 (RFC 7905 §2).
    pub fn tls12(aead: AeadAlgorithm, key: &[u8], fixed_iv: &[u8]) -> Result<Self, RecordError> {
        if key.len() != aead.key_len() {
            return Err(RecordError::BadKeyLength);
        }
        let mut iv = [0u8; NONCE_LEN];
        match (has_explicit_nonce(aead), fixed_iv.len()) {
            // salt ‖ 0^64: XORed with the sequence number, it is salt ‖ seq_num, the
            // nonce whose explicit part we send (RFC 5288 §3).
            (true, 4) => iv[..4].copy_from_slice(fixed_iv),
            (false, NONCE_LEN) => iv.copy_from_slice(fixed_iv),
            _ => return Err(RecordError::BadKeyLength),
        }
        Ok(Self {
            aead,
            key: Secret::new(key),
            iv,
            version: RecordVersion::Tls12,
        })
    }

    /// The record format these keys protect.
    pub fn version(&self) -> RecordVersion {
        self.version
    }

    /// The AEAD algorithm.
    pub fn aead(&self) -> AeadAlgorithm {
        self.aead
    }

    /// The write key.
    pub fn key(&self) -> &[u8] {
        self.key.as_bytes()
    }

    /// The write IV.
    pub fn iv(&self) -> &[u8; NONCE_LEN] {
        &self.iv
    }
}

impl fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordKeys({:?}, ..)", self.aead)
    }
}

/// The protection of the records going one way: unprotected until keys are installed,
/// then an AEAD with a per-record sequence number (RFC 8446 §5.2, §5.3). The direction is
/// in the type — [`RecordSealer`] for the records we send, [`RecordOpener`] for those we
/// receive — so a sealer cannot open, nor an opener seal.
pub struct RecordProtection<D> {
    state: Option<DirectionState>,
    direction: PhantomData<D>,
}

/// The direction of the records we send.
#[derive(Debug)]
pub enum Sending {}

/// The direction of the records we receive.
#[derive(Debug)]
pub enum Receiving {}

/// Protection of the records we send.
pub type RecordSealer = RecordProtection<Sending>;

/// Protection of the records we receive.
pub type RecordOpener = RecordProtection<Receiving>;

impl<D> Default for RecordProtection<D> {
    fn default() -> Self {
        Self {
            state: None,
            direction: PhantomData,
        }
    }
}

impl<D> RecordProtection<D> {
    /// Protection that passes unprotected records until keys are installed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Installs `keys`, resetting the sequence number to 0 (RFC 8446 §5.3). Every key
    /// change (handshake keys, application keys, each KeyUpdate) goes through here.
    pub fn install(
        &mut self,
        provider: &dyn Provider,
        keys: &RecordKeys,
    ) -> Result<(), RecordError> {
        self.state = Some(DirectionState::new(provider, keys)?);
        Ok(())
    }

    /// Whether records are being protected.
    pub fn is_protected(&self) -> bool {
        self.state.is_some()
    }

    /// Whether records are protected the TLS 1.3 way, hiding their content type under
    /// application_data (RFC 8446 §5.2).
    pub fn hides_content_type(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|s| s.version == RecordVersion::Tls13)
    }

    /// The sequence number of the next protected record (0 when unprotected).
    pub fn sequence_number(&self) -> u64 {
        self.state.as_ref().map_or(0, |s| s.seq)
    }
}

impl RecordSealer {
    /// Whether this key is close to its usage limit (RFC 8446 §5.5) or to sequence
    /// exhaustion, so that a KeyUpdate should be sent now. For AES-GCM this becomes true
    /// after 2^24 records, well before the 2^24.5 limit; for ChaCha20-Poly1305 the limit
    /// exceeds 2^64 and only sequence exhaustion matters.
    pub fn needs_key_update(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|s| s.seq >= s.limits.update_after)
    }

    /// Appends one record carrying `payload` (at most 2^14 bytes) of `content_type` to
    /// `out`: protected if keys are installed, else as a plain `TLSPlaintext`.
    pub fn seal_append(
        &mut self,
        content_type: ContentType,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), RecordError> {
        self.seal_append_padded(content_type, payload, 0, out)
    }

    /// The bytes one record carrying `payload_len` bytes of content takes on the wire
    /// (header included), as [`Self::seal_into`] writes it.
    pub fn sealed_len(&self, payload_len: usize) -> usize {
        let extra = match &self.state {
            // TLS 1.2: explicit nonce (AES-GCM) and tag, no inner type (RFC 5246 §6.2.3.3).
            Some(s) if s.version == RecordVersion::Tls12 => s.explicit_nonce_len() + TAG_LEN,
            // TLS 1.3: inner content type and tag (RFC 8446 §5.2).
            Some(_) => 1 + TAG_LEN,
            None => 0,
        };
        RECORD_HEADER_LEN + payload_len + extra
    }

    /// Writes one record carrying `payload` (at most 2^14 bytes) of `content_type` into
    /// `out`, which must be exactly [`Self::sealed_len`] bytes: the header, then the
    /// protected record encrypted straight from `payload` (the AEAD reads the caller's
    /// plaintext once and writes the ciphertext once: no copy first), or the plain
    /// `TLSPlaintext` before keys are installed. On error `out` is unspecified.
    pub fn seal_into(
        &mut self,
        content_type: ContentType,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<(), RecordError> {
        if payload.len() > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PayloadTooLong);
        }
        if out.len() != self.sealed_len(payload.len()) {
            return Err(RecordError::Truncated);
        }
        let (header, body) = out.split_at_mut(RECORD_HEADER_LEN);
        let Some(state) = self.state.as_mut() else {
            // TLSPlaintext (§5.1).
            write_header(header, 0, content_type, payload.len());
            copy::copy(body, payload);
            return Ok(());
        };
        if state.version == RecordVersion::Tls12 {
            return state.seal_tls12_into(content_type, payload, header, body);
        }
        let nonce = state.next_nonce(true)?;
        // TLSInnerPlaintext = content + type (§5.2), at most 2^14 + 1.
        write_header(header, 0, ContentType::ApplicationData, body.len());
        state
            .key
            .seal_to(&nonce, header, payload, &[content_type.to_wire()], body)
            .map_err(RecordError::Crypto)?;
        state.seq += 1;
        Ok(())
    }

    /// Like [`Self::seal_append`], with `padding` zero bytes after the inner content type
    /// (RFC 8446 §5.4). Padding is ignored for unprotected records.
    pub fn seal_append_padded(
        &mut self,
        content_type: ContentType,
        payload: &[u8],
        padding: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), RecordError> {
        if payload.len() > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PayloadTooLong);
        }
        let start = out.len();
        if padding == 0 || self.state.is_none() {
            out.resize(start + self.sealed_len(payload.len()), 0);
            let result = self.seal_into(content_type, payload, &mut out[start..]);
            if result.is_err() {
                out.truncate(start);
            }
            return result;
        }
        let (extra, explicit) = match &self.state {
            Some(s) if s.version == RecordVersion::Tls12 => (TAG_LEN, s.explicit_nonce_len()),
            Some(_) => (1 + padding + TAG_LEN, 0),
            None => (0, 0),
        };
        out.reserve(RECORD_HEADER_LEN + explicit + payload.len() + extra);
        out.extend_from_slice(&[0; RECORD_HEADER_LEN]);
        out.resize(out.len() + explicit, 0);
        copy::extend(out, payload);
        let result = self.try_seal(content_type, out, start, padding, explicit > 0);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Seals the record that starts at `record_start` in `buf`: `buf[record_start..][..5]`
    /// is space for the header (its contents are overwritten), and everything after it to
    /// the end of `buf` is the content (at most 2^14 bytes). Appends the inner content
    /// type and the tag, and writes the header. On error `buf` is truncated back to
    /// `record_start`.
    pub fn seal_in_place(
        &mut self,
        content_type: ContentType,
        buf: &mut Vec<u8>,
        record_start: usize,
    ) -> Result<(), RecordError> {
        self.seal_in_place_padded(content_type, buf, record_start, 0)
    }

    fn seal_in_place_padded(
        &mut self,
        content_type: ContentType,
        buf: &mut Vec<u8>,
        record_start: usize,
        padding: usize,
    ) -> Result<(), RecordError> {
        let result = self.try_seal(content_type, buf, record_start, padding, false);
        if result.is_err() {
            buf.truncate(record_start);
        }
        result
    }

    /// Seals the record at `record_start`; `explicit_reserved`: the TLS 1.2 explicit nonce
    /// already has its space after the header.
    fn try_seal(
        &mut self,
        content_type: ContentType,
        buf: &mut Vec<u8>,
        record_start: usize,
        padding: usize,
        explicit_reserved: bool,
    ) -> Result<(), RecordError> {
        let content_start = record_start
            .checked_add(RECORD_HEADER_LEN)
            .filter(|&s| s <= buf.len())
            .ok_or(RecordError::Truncated)?;
        let content_len = buf.len() - content_start;
        let Some(state) = self.state.as_mut() else {
            if content_len > MAX_PLAINTEXT_LEN {
                return Err(RecordError::PayloadTooLong);
            }
            // TLSPlaintext (§5.1); the length fits u16 because it is at most 2^14.
            write_header(buf, record_start, content_type, content_len);
            return Ok(());
        };
        if state.version == RecordVersion::Tls12 {
            return state.seal_tls12(content_type, buf, record_start, explicit_reserved);
        }
        if content_len > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PayloadTooLong);
        }

        // TLSInnerPlaintext = content + type + padding ≤ 2^14 + 1 (§5.4), so
        // TLSCiphertext.length stays within 2^14 + 256 (§5.2).
        let inner_len = content_len.saturating_add(1).saturating_add(padding);
        if inner_len > MAX_PLAINTEXT_LEN + 1 {
            return Err(RecordError::PayloadTooLong);
        }
        let ciphertext_len = inner_len + TAG_LEN;
        let nonce = state.next_nonce(true)?;

        buf.push(content_type.to_wire());
        buf.resize(buf.len() + padding, 0);
        write_header(
            buf,
            record_start,
            ContentType::ApplicationData,
            ciphertext_len,
        );
        let (header, inner) = buf[record_start..].split_at_mut(RECORD_HEADER_LEN);
        let tag = state
            .key
            .seal_in_place(&nonce, header, inner)
            .map_err(RecordError::Crypto)?;
        buf.extend_from_slice(&tag);
        state.seq += 1;
        Ok(())
    }
}

impl RecordOpener {
    /// Opens one whole record (header included) in place and returns its content type and
    /// where its content now lies within `record`.
    ///
    /// Unprotected: the outer type and the fragment, after the §5.1 length check.
    /// Protected: the outer type must be application_data; the ciphertext is decrypted in
    /// place, the zero padding stripped from the end and the inner type taken (§5.2,
    /// §5.4). The caller routes ChangeCipherSpec records before calling this.
    pub fn open_in_place(&mut self, record: &mut [u8]) -> Result<OpenedRecord, RecordError> {
        let (header, body) = split_record(record)?;
        let outer_type = ContentType::from_wire(header[0]);

        let Some(state) = self.state.as_mut() else {
            if body.len() > MAX_PLAINTEXT_LEN {
                return Err(RecordError::PlaintextTooLong);
            }
            return Ok(OpenedRecord {
                content_type: outer_type,
                content: RECORD_HEADER_LEN..RECORD_HEADER_LEN + body.len(),
            });
        };
        if state.version == RecordVersion::Tls12 {
            return state.open_tls12(outer_type, header, body);
        }

        check_protected(outer_type, body.len())?;
        let nonce = state.next_nonce(false)?;
        let inner_len = state
            .key
            .open_in_place(&nonce, header, body)
            .map_err(|_| RecordError::BadRecordMac)?;
        state.seq += 1;
        let inner = body.get(..inner_len).ok_or(RecordError::BadRecordMac)?;
        let (content_type, content_len) = inner_content(inner)?;
        Ok(OpenedRecord {
            content_type,
            content: RECORD_HEADER_LEN..RECORD_HEADER_LEN + content_len,
        })
    }

    /// Decrypts one whole protected record (header included) from `record` into `out`,
    /// leaving `record` untouched: the AEAD reads the ciphertext once and writes the
    /// TLSInnerPlaintext once, with no copy first. `out` must be [`Self::inner_len`]
    /// bytes; [`inner_content`] then finds the content type and the content in it (the
    /// checks [`Self::open_in_place`] makes after decrypting). Fails with
    /// [`RecordError::Truncated`] when no keys are installed (nothing to open).
    ///
    /// A TLS 1.2 application data record is written in the same form, its plaintext
    /// followed by its (outer) content type, so that both versions are read alike; `out`
    /// is then [`Self::opened_len`] bytes.
    pub fn open_to(&mut self, record: &[u8], out: &mut [u8]) -> Result<(), RecordError> {
        if record.len() < RECORD_HEADER_LEN {
            return Err(RecordError::Truncated);
        }
        let (header, body) = record.split_at(RECORD_HEADER_LEN);
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let body = body.get(..len).ok_or(RecordError::Truncated)?;
        let Some(state) = self.state.as_mut() else {
            return Err(RecordError::Truncated);
        };
        if state.version == RecordVersion::Tls12 {
            return state.open_tls12_to(header, body, out);
        }
        check_protected(ContentType::from_wire(header[0]), body.len())?;
        if out.len() != Self::inner_len(body.len()) || body.len() < TAG_LEN {
            return Err(RecordError::Truncated);
        }
        let nonce = state.next_nonce(false)?;
        state
            .key
            .open_to(&nonce, header, body, out)
            .map_err(|_| RecordError::BadRecordMac)?;
        state.seq += 1;
        Ok(())
    }

    /// The TLSInnerPlaintext length of a protected record whose body (ciphertext and tag)
    /// is `body_len` bytes: what [`Self::open_to`] writes.
    pub fn inner_len(body_len: usize) -> usize {
        body_len.saturating_sub(TAG_LEN)
    }

    /// The length a record had on the wire (header included) that [`Self::open_to`] opened
    /// into `opened` bytes, header included: what the trace reports.
    pub fn record_len_of_opened(&self, opened: usize) -> usize {
        match &self.state {
            Some(s) if s.version == RecordVersion::Tls12 => {
                (opened + s.explicit_nonce_len() + TAG_LEN).saturating_sub(1)
            }
            _ => opened + TAG_LEN,
        }
    }

    /// What [`Self::open_to`] writes for a record whose body is `body_len` bytes, with
    /// the keys now installed: for TLS 1.3 the TLSInnerPlaintext; for TLS 1.2 the
    /// plaintext (the body less the explicit nonce and the tag) and its type byte.
    pub fn opened_len(&self, body_len: usize) -> usize {
        match &self.state {
            Some(s) if s.version == RecordVersion::Tls12 => body_len
                .saturating_sub(s.explicit_nonce_len() + TAG_LEN)
                .saturating_add(1),
            _ => Self::inner_len(body_len),
        }
    }
}

/// The checks on a protected record before it is decrypted (RFC 8446 §5.2): not longer
/// than 2^14 + 256, outer type application_data.
fn check_protected(outer_type: ContentType, body_len: usize) -> Result<(), RecordError> {
    if body_len > MAX_CIPHERTEXT_LEN {
        return Err(RecordError::CiphertextTooLong);
    }
    if outer_type != ContentType::ApplicationData {
        return Err(RecordError::UnexpectedOuterType(outer_type));
    }
    Ok(())
}

/// The content type and content length of a decrypted TLSInnerPlaintext (RFC 8446 §5.4):
/// the last non-zero byte is the type, the zeros after it padding. A record with no
/// content type, or whose TLSInnerPlaintext is too long, is refused.
pub(crate) fn inner_content(inner: &[u8]) -> Result<(ContentType, usize), RecordError> {
    // §5.4: "The length MUST NOT exceed 2^14 + 1 octets" for the whole
    // TLSInnerPlaintext — content, type and padding — so padding cannot stretch a
    // record past what one record may carry. This also bounds the scan below.
    if inner.len() > MAX_PLAINTEXT_LEN + 1 {
        return Err(RecordError::PlaintextTooLong);
    }
    let type_at = inner
        .iter()
        .rposition(|&b| b != 0)
        .ok_or(RecordError::NoContentType)?;
    Ok((ContentType::from_wire(inner[type_at]), type_at))
}

/// The header the receive buffer keeps before a record opened as it arrived
/// ([`RecordOpener::open_to`]): application_data, and the length of the TLSInnerPlaintext
/// that follows it (not the ciphertext's), so the deframer walks the buffer as usual.
pub(crate) fn opened_record_header(inner_len: usize) -> [u8; RECORD_HEADER_LEN] {
    let mut header = [0; RECORD_HEADER_LEN];
    write_header(&mut header, 0, ContentType::ApplicationData, inner_len);
    header
}

/// Splits a whole record into its header and the body its length field covers.
fn split_record(record: &mut [u8]) -> Result<(&[u8], &mut [u8]), RecordError> {
    if record.len() < RECORD_HEADER_LEN {
        return Err(RecordError::Truncated);
    }
    let (header, body) = record.split_at_mut(RECORD_HEADER_LEN);
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let body = body.get_mut(..len).ok_or(RecordError::Truncated)?;
    Ok((header, body))
}

/// Writes a record header with legacy_record_version 0x0303 (RFC 8446 §5.1).
fn write_header(buf: &mut [u8], at: usize, content_type: ContentType, len: usize) {
    let header = RecordHeader {
        content_type,
        legacy_record_version: ProtocolVersion::TLSv1_2,
        // Callers bound `len` by 2^14 + 256, so it fits in u16.
        length: u16::try_from(len).unwrap_or(u16::MAX),
    };
    buf[at..at + RECORD_HEADER_LEN].copy_from_slice(&header.to_bytes());
}

/// Whether TLS 1.2 records of `aead` carry an explicit nonce (RFC 5288 §3: AES-GCM does;
/// RFC 7905 §2: ChaCha20-Poly1305 does not).
fn has_explicit_nonce(aead: AeadAlgorithm) -> bool {
    matches!(aead, AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm)
}

/// The TLS 1.2 additional data (RFC 5246 §6.2.3.3):
/// `seq_num ‖ TLSCompressed.type ‖ TLSCompressed.version ‖ TLSCompressed.length`.
fn tls12_additional_data(seq: u64, content_type: ContentType, len: usize) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8] = content_type.to_wire();
    aad[9..11].copy_from_slice(&ProtocolVersion::TLSv1_2.to_wire().to_be_bytes());
    // Callers bound `len` by 2^14.
    aad[11..].copy_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
    aad
}

/// What opening one TLS 1.2 record takes, from [`DirectionState::tls12_opening`].
struct Tls12Opening {
    nonce: [u8; NONCE_LEN],
    aad: [u8; 13],
    /// The length of the explicit nonce before the ciphertext (8 for AES-GCM, else 0).
    explicit: usize,
}

/// One direction's keys and counters.
struct DirectionState {
    key: InlineAeadKey,
    iv: [u8; NONCE_LEN],
    seq: u64,
    limits: KeyLimits,
    version: RecordVersion,
}

impl DirectionState {
    fn new(provider: &dyn Provider, keys: &RecordKeys) -> Result<Self, RecordError> {
        Ok(Self {
            key: provider
                .aead_key_inline(keys.aead, keys.key.as_bytes())
                .map_err(RecordError::Crypto)?,
            iv: keys.iv,
            seq: 0,
            limits: KeyLimits::for_aead(keys.aead),
            version: keys.version,
        })
    }

    /// The explicit nonce's length in this direction's TLS 1.2 records (0 for TLS 1.3).
    fn explicit_nonce_len(&self) -> usize {
        if self.version == RecordVersion::Tls12 && has_explicit_nonce(self.key.algorithm()) {
            EXPLICIT_NONCE_LEN
        } else {
            0
        }
    }

    /// Seals a TLS 1.2 record (RFC 5246 §6.2.3.3) from `payload` straight into `body` (the
    /// explicit nonce, then ciphertext and tag), writing its header into `header`.
    fn seal_tls12_into(
        &mut self,
        content_type: ContentType,
        payload: &[u8],
        header: &mut [u8],
        body: &mut [u8],
    ) -> Result<(), RecordError> {
        let explicit = self.explicit_nonce_len();
        let nonce = self.next_nonce(true)?;
        let (explicit_nonce, sealed) = body.split_at_mut(explicit);
        // RFC 5288 §3: the explicit nonce is ours to choose, unique per key; the sequence
        // number is, and makes the nonce salt ‖ seq_num.
        explicit_nonce.copy_from_slice(&nonce[NONCE_LEN - explicit..]);
        let aad = tls12_additional_data(self.seq, content_type, payload.len());
        write_header(header, 0, content_type, explicit + payload.len() + TAG_LEN);
        self.key
            .seal_to(&nonce, &aad, payload, &[], sealed)
            .map_err(RecordError::Crypto)?;
        self.seq += 1;
        Ok(())
    }

    /// Seals a TLS 1.2 record (RFC 5246 §6.2.3.3) in place: `buf[record_start..]` is the
    /// header's space, then (if `explicit_reserved`) the explicit nonce's, then the content.
    fn seal_tls12(
        &mut self,
        content_type: ContentType,
        buf: &mut Vec<u8>,
        record_start: usize,
        explicit_reserved: bool,
    ) -> Result<(), RecordError> {
        let explicit = self.explicit_nonce_len();
        let nonce_at = record_start + RECORD_HEADER_LEN;
        if explicit > 0 && !explicit_reserved {
            // A caller that laid the record out for TLS 1.3 left no room for the explicit
            // nonce: make it (one move of the content).
            buf.splice(nonce_at..nonce_at, [0u8; EXPLICIT_NONCE_LEN]);
        }
        let content_start = nonce_at + explicit;
        let content_len = buf
            .len()
            .checked_sub(content_start)
            .ok_or(RecordError::Truncated)?;
        if content_len > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PayloadTooLong);
        }
        let nonce = self.next_nonce(true)?;
        // RFC 5288 §3: the explicit nonce is ours to choose, unique per key; the sequence
        // number is, and makes the nonce salt ‖ seq_num.
        buf[nonce_at..content_start].copy_from_slice(&nonce[NONCE_LEN - explicit..]);
        let aad = tls12_additional_data(self.seq, content_type, content_len);
        write_header(
            buf,
            record_start,
            content_type,
            explicit + content_len + TAG_LEN,
        );
        let tag = self
            .key
            .seal_in_place(&nonce, &aad, &mut buf[content_start..])
            .map_err(RecordError::Crypto)?;
        buf.extend_from_slice(&tag);
        self.seq += 1;
        Ok(())
    }

    /// Opens a TLS 1.2 record (RFC 5246 §6.2.3.3) in place; the content type is the
    /// outer one.
    fn open_tls12(
        &mut self,
        outer_type: ContentType,
        header: &[u8],
        body: &mut [u8],
    ) -> Result<OpenedRecord, RecordError> {
        let Tls12Opening {
            nonce,
            aad,
            explicit,
        } = self.tls12_opening(outer_type, header, body)?;
        let len = self
            .key
            .open_in_place(&nonce, &aad, &mut body[explicit..])
            .map_err(|_| RecordError::BadRecordMac)?;
        self.seq += 1;
        // RFC 5246 §6.2.3.3: the plaintext may not exceed 2^14 bytes.
        if len > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PlaintextTooLong);
        }
        let start = RECORD_HEADER_LEN + explicit;
        Ok(OpenedRecord {
            content_type: outer_type,
            content: start..start + len,
        })
    }

    /// The checks before a protected TLS 1.2 record is decrypted, and what decrypting it
    /// takes (RFC 5246 §6.2.3.3): its version, its length, the nonce (RFC 5288 §3's salt ‖
    /// the explicit part the sender chose, or RFC 7905 §2's) and the additional data.
    fn tls12_opening(
        &self,
        outer_type: ContentType,
        header: &[u8],
        body: &[u8],
    ) -> Result<Tls12Opening, RecordError> {
        // RFC 5246 §6.2.1: `version` is "the version of the protocol being employed"; once
        // TLS 1.2 is, every record says {3, 3} (TLS 1.3 ignores it, RFC 8446 §5.1).
        if header.get(1..3) != Some(&[0x03, 0x03][..]) {
            return Err(RecordError::WrongTls12Version);
        }
        if body.len() > MAX_TLS12_CIPHERTEXT_LEN {
            return Err(RecordError::CiphertextTooLong);
        }
        let explicit = self.explicit_nonce_len();
        // Too short for the explicit nonce and a tag: it cannot authenticate.
        let plaintext_len = body
            .len()
            .checked_sub(explicit + TAG_LEN)
            .ok_or(RecordError::BadRecordMac)?;
        let mut nonce = self.next_nonce(false)?;
        nonce[NONCE_LEN - explicit..].copy_from_slice(&body[..explicit]);
        Ok(Tls12Opening {
            nonce,
            aad: tls12_additional_data(self.seq, outer_type, plaintext_len),
            explicit,
        })
    }

    /// Decrypts a protected TLS 1.2 application data record's `body` into `out` (RFC 5246
    /// §6.2.3.3; the nonce of RFC 5288 §3 or RFC 7905 §2), leaving the record untouched,
    /// and writes the content type after the plaintext: the form a TLS 1.3 record opens
    /// to, so the receive path reads both alike. `out` is the plaintext length plus one.
    fn open_tls12_to(
        &mut self,
        header: &[u8],
        body: &[u8],
        out: &mut [u8],
    ) -> Result<(), RecordError> {
        let outer_type = ContentType::from_wire(header[0]);
        // Only application data takes this path; the rest is opened in place.
        if outer_type != ContentType::ApplicationData {
            return Err(RecordError::UnexpectedOuterType(outer_type));
        }
        let Tls12Opening {
            nonce,
            aad,
            explicit,
        } = self.tls12_opening(outer_type, header, body)?;
        let plaintext_len = body.len() - explicit - TAG_LEN;
        // RFC 5246 §6.2.3.3: the plaintext may not exceed 2^14 bytes.
        if plaintext_len > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PlaintextTooLong);
        }
        let (plaintext, type_byte) = out
            .split_at_mut_checked(plaintext_len)
            .filter(|(_, t)| t.len() == 1)
            .ok_or(RecordError::Truncated)?;
        self.key
            .open_to(&nonce, &aad, &body[explicit..], plaintext)
            .map_err(|_| RecordError::BadRecordMac)?;
        self.seq += 1;
        type_byte[0] = outer_type.to_wire();
        Ok(())
    }

    /// The nonce for the current sequence number (§5.3), refusing an exhausted sequence
    /// and, when sending, a key past its usage limit.
    fn next_nonce(&self, sending: bool) -> Result<[u8; NONCE_LEN], RecordError> {
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        if sending && self.seq >= self.limits.refuse_at {
            return Err(RecordError::KeyLimitReached);
        }
        let mut nonce = self.iv;
        for (n, s) in nonce[NONCE_LEN - 8..]
            .iter_mut()
            .zip(self.seq.to_be_bytes())
        {
            *n ^= s;
        }
        Ok(nonce)
    }
}

/// Record counts at which a key should be updated and after which it must not be used
/// (RFC 8446 §5.5).
#[derive(Clone, Copy)]
struct KeyLimits {
    update_after: u64,
    refuse_at: u64,
}

impl KeyLimits {
    fn for_aead(aead: AeadAlgorithm) -> Self {
        match aead {
            // §5.5: at most 2^24.5 full-size records (about 24 million) per AES-GCM key.
            AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => Self {
                update_after: 1 << 24,
                refuse_at: 23_726_566,
            },
            // ChaCha20-Poly1305's limit is beyond 2^64 records; stop short of exhaustion.
            _ => Self {
                update_after: u64::MAX - (1 << 16),
                refuse_at: u64::MAX,
            },
        }
    }
}

pub(crate) mod copy;

#[cfg(test)]
mod tests;
