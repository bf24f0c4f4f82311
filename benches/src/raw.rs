//! The raw AEAD reference for the bulk tables: aws-lc-rs through padlock-crypto, in place,
//! on the same records a TLS 1.3 connection sends for 16 KiB writes.
//!
//! Same footing as the libraries: each record is laid out as on the wire — a 5-byte
//! header (the additional data, RFC 8446 §5.2), then the TLSInnerPlaintext (16 KiB of
//! content and the content type byte: 16,385 bytes to encrypt) and the 16-byte tag — and
//! [`Segment`] holds them back to back as a socket's receive queue would, so the bytes
//! opened have the same lengths and the same offsets from the start of a piece as the TLS
//! bytes handed to `read_tls`. What the reference leaves out is everything a TLS library
//! adds around the AEAD call: that is what the ratio measures.

use padlock_crypto::{AeadKey, AwsLcProvider, Provider, NONCE_LEN, TAG_LEN};

use crate::Suite;

/// Application data per record: a 16 KiB write.
pub const CONTENT: usize = 16 * 1024;
/// What the AEAD encrypts per record: the content and the inner content type (RFC 8446
/// §5.2).
pub const INNER: usize = CONTENT + 1;
/// Header, TLSInnerPlaintext and tag: one record as the wire carries it.
pub const RECORD: usize = 5 + INNER + TAG_LEN;
/// The header of every record: application_data, TLS 1.2's version, the body's length.
const HEADER: [u8; 5] = [
    0x17,
    0x03,
    0x03,
    ((INNER + TAG_LEN) >> 8) as u8,
    (INNER + TAG_LEN) as u8,
];

/// One direction's AEAD key and its per-record nonces.
pub struct RawAead {
    key: Box<dyn AeadKey>,
}

impl RawAead {
    /// A key for `suite`'s AEAD.
    pub fn new(suite: Suite) -> Self {
        let aead = suite.aead();
        let key = AwsLcProvider
            .aead_key(aead, &vec![7u8; aead.key_len()])
            .expect("key");
        Self { key }
    }

    /// The nonce of record `i` (a sequence number, as RFC 8446 §5.3 makes it).
    fn nonce(i: usize) -> [u8; NONCE_LEN] {
        let mut nonce = [0u8; NONCE_LEN];
        nonce[4..].copy_from_slice(&(i as u64).to_be_bytes());
        nonce
    }

    /// Seals `record` ([`RECORD`] bytes: header, TLSInnerPlaintext, room for the tag) in
    /// place as record number `i`.
    pub fn seal_record(&self, record: &mut [u8], i: usize) {
        let (header, body) = record.split_at_mut(5);
        header.copy_from_slice(&HEADER);
        let (inner, tag_room) = body.split_at_mut(INNER);
        let tag = self
            .key
            .seal_in_place(&Self::nonce(i), header, inner)
            .expect("seal");
        tag_room.copy_from_slice(&tag);
    }

    /// Opens `record` (as [`Self::seal_record`] left it) in place.
    pub fn open_record(&self, record: &mut [u8], i: usize) {
        let (header, body) = record.split_at_mut(5);
        let n = self
            .key
            .open_in_place(&Self::nonce(i), header, body)
            .expect("open");
        assert_eq!(n, INNER);
    }
}

/// Records back to back, as TLS bytes arrive: the raw open reference reads them where
/// they lie.
pub struct Segment {
    bytes: Vec<u8>,
}

impl Segment {
    /// Room for `len` bytes' worth of whole records (at least one), holding plaintext.
    pub fn new(len: usize) -> Self {
        let records = (len / CONTENT).max(1);
        let mut segment = Self {
            bytes: vec![0; records * RECORD],
        };
        segment.refill();
        segment
    }

    /// The records' content in bytes.
    pub fn content_len(&self) -> usize {
        self.bytes.len() / RECORD * CONTENT
    }

    /// Writes fresh plaintext into every record (the sender's application data).
    pub fn refill(&mut self) {
        for record in self.bytes.chunks_exact_mut(RECORD) {
            record[5..5 + CONTENT].fill(0x5a);
            record[5 + CONTENT] = 0x17;
        }
    }

    /// Seals every record in place, numbering them from `first`.
    pub fn seal_all(&mut self, aead: &RawAead, first: usize) {
        for (i, record) in self.bytes.chunks_exact_mut(RECORD).enumerate() {
            aead.seal_record(record, first + i);
        }
    }

    /// Opens every record in place, numbering them from `first`.
    pub fn open_all(&mut self, aead: &RawAead, first: usize) {
        for (i, record) in self.bytes.chunks_exact_mut(RECORD).enumerate() {
            aead.open_record(record, first + i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_segment_opens_in_place_to_its_plaintext() {
        let aead = RawAead::new(Suite::Aes128Gcm);
        let mut segment = Segment::new(3 * CONTENT);
        segment.seal_all(&aead, 5);
        assert_ne!(segment.bytes[5..5 + CONTENT], [0x5a; CONTENT]);
        segment.open_all(&aead, 5);
        for record in segment.bytes.chunks_exact(RECORD) {
            assert_eq!(record[..5], HEADER);
            assert_eq!(record[5..5 + CONTENT], [0x5a; CONTENT]);
            assert_eq!(record[5 + CONTENT], 0x17);
        }
        assert_eq!(segment.content_len(), 3 * CONTENT);
    }
}
