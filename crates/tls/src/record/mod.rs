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

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use padlock_crypto::{AeadAlgorithm, AeadKey, CryptoError, Provider, NONCE_LEN, TAG_LEN};

use crate::hkdf::Secret;
use crate::wire::{
    ContentType, ProtocolVersion, RecordHeader, MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN,
    RECORD_HEADER_LEN,
};

/// Bytes a protected record adds to its content without padding: header, inner content
/// type and tag.
pub const PROTECTED_OVERHEAD: usize = RECORD_HEADER_LEN + 1 + TAG_LEN;

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
}

impl RecordKeys {
    /// Keys for `aead`; `key` must be `aead.key_len()` bytes and `iv` 12 (§5.3).
    pub fn new(aead: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, RecordError> {
        if key.len() != aead.key_len() {
            return Err(RecordError::BadKeyLength);
        }
        let iv = <[u8; NONCE_LEN]>::try_from(iv).map_err(|_| RecordError::BadKeyLength)?;
        Ok(Self {
            aead,
            key: Secret::new(key),
            iv,
        })
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
        let extra = if self.state.is_some() { 1 + TAG_LEN } else { 0 };
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
        let extra = if self.state.is_some() {
            1 + padding + TAG_LEN
        } else {
            0
        };
        out.reserve(RECORD_HEADER_LEN + payload.len() + extra);
        out.extend_from_slice(&[0; RECORD_HEADER_LEN]);
        copy::extend(out, payload);
        self.seal_in_place_padded(content_type, out, start, padding)
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
        let result = self.try_seal(content_type, buf, record_start, padding);
        if result.is_err() {
            buf.truncate(record_start);
        }
        result
    }

    fn try_seal(
        &mut self,
        content_type: ContentType,
        buf: &mut Vec<u8>,
        record_start: usize,
        padding: usize,
    ) -> Result<(), RecordError> {
        let content_start = record_start
            .checked_add(RECORD_HEADER_LEN)
            .filter(|&s| s <= buf.len())
            .ok_or(RecordError::Truncated)?;
        let content_len = buf.len() - content_start;
        if content_len > MAX_PLAINTEXT_LEN {
            return Err(RecordError::PayloadTooLong);
        }

        let Some(state) = self.state.as_mut() else {
            // TLSPlaintext (§5.1); the length fits u16 because it is at most 2^14.
            write_header(buf, record_start, content_type, content_len);
            return Ok(());
        };

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

/// One direction's keys and counters.
struct DirectionState {
    key: Box<dyn AeadKey>,
    iv: [u8; NONCE_LEN],
    seq: u64,
    limits: KeyLimits,
}

impl DirectionState {
    fn new(provider: &dyn Provider, keys: &RecordKeys) -> Result<Self, RecordError> {
        Ok(Self {
            key: provider
                .aead_key(keys.aead, keys.key.as_bytes())
                .map_err(RecordError::Crypto)?,
            iv: keys.iv,
            seq: 0,
            limits: KeyLimits::for_aead(keys.aead),
        })
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
