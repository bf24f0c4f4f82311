//! A small DER writer (X.690 §10) for the certificates, CRLs and names the local CA makes.
//!
//! Constructed values are written by a closure; their length is back-patched when the
//! closure returns, so callers never compute a length by hand. Lengths use the minimal
//! definite form (X.690 §10.1). The writer only ever writes what our own code asks for, so
//! it has no error path: every input is encodable.

use crate::der::tag;
use crate::time::UnixTime;

/// Builds one DER encoding.
#[derive(Debug, Default)]
pub struct DerWriter {
    buf: Vec<u8>,
}

impl DerWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The encoding written so far.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    /// A SEQUENCE whose contents `body` writes.
    pub fn sequence(&mut self, body: impl FnOnce(&mut Self)) {
        self.constructed(tag::SEQUENCE, body);
    }

    /// A SET whose contents `body` writes. (DER sorts SET OF elements; every SET we write
    /// has exactly one element, so there is nothing to sort.)
    pub fn set(&mut self, body: impl FnOnce(&mut Self)) {
        self.constructed(tag::SET, body);
    }

    /// A value with identifier octet `tag` whose contents `body` writes; the length is
    /// back-patched afterwards.
    pub fn constructed(&mut self, tag: u8, body: impl FnOnce(&mut Self)) {
        self.buf.push(tag);
        let len_at = self.buf.len();
        // One placeholder length octet; widened below if the contents need a long form.
        self.buf.push(0);
        let start = self.buf.len();
        body(self);
        let len = self.buf.len() - start;
        let encoded = encode_length(len);
        self.buf.splice(len_at..len_at + 1, encoded);
    }

    /// `[n]` EXPLICIT around what `body` writes.
    pub fn explicit(&mut self, n: u8, body: impl FnOnce(&mut Self)) {
        self.constructed(tag::context_constructed(n), body);
    }

    /// A primitive value with identifier `tag` and contents `value`.
    pub fn primitive(&mut self, tag: u8, value: &[u8]) {
        self.buf.push(tag);
        self.buf.extend_from_slice(&encode_length(value.len()));
        self.buf.extend_from_slice(value);
    }

    /// `[n]` IMPLICIT primitive contents (e.g. a GeneralName's dNSName).
    pub fn implicit_primitive(&mut self, n: u8, value: &[u8]) {
        self.primitive(tag::context_primitive(n), value);
    }

    /// An already-encoded value, copied verbatim.
    pub fn raw(&mut self, der: &[u8]) {
        self.buf.extend_from_slice(der);
    }

    /// A BOOLEAN (DER: TRUE is 0xff).
    pub fn boolean(&mut self, value: bool) {
        self.primitive(tag::BOOLEAN, &[if value { 0xff } else { 0x00 }]);
    }

    /// A non-negative INTEGER from big-endian magnitude bytes: leading zeros are dropped and
    /// a zero octet is prepended when the top bit is set, giving the minimal two's-complement
    /// form (X.690 §8.3.2).
    pub fn unsigned_integer(&mut self, magnitude: &[u8]) {
        let first_nonzero = magnitude.iter().position(|b| *b != 0);
        let trimmed = first_nonzero.map_or(&[][..], |i| &magnitude[i..]);
        let mut value = Vec::with_capacity(trimmed.len() + 1);
        if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
            value.push(0);
        }
        value.extend_from_slice(trimmed);
        self.primitive(tag::INTEGER, &value);
    }

    /// A small non-negative INTEGER.
    pub fn integer(&mut self, value: u64) {
        self.unsigned_integer(&value.to_be_bytes());
    }

    /// An OBJECT IDENTIFIER given as its arcs (X.690 §8.19).
    pub fn oid(&mut self, arcs: &[u64]) {
        self.primitive(tag::OID, &encode_oid(arcs));
    }

    /// NULL.
    pub fn null(&mut self) {
        self.primitive(tag::NULL, &[]);
    }

    /// A BIT STRING of whole octets (no unused bits).
    pub fn bit_string(&mut self, bytes: &[u8]) {
        self.buf.push(tag::BIT_STRING);
        self.buf.extend_from_slice(&encode_length(bytes.len() + 1));
        self.buf.push(0);
        self.buf.extend_from_slice(bytes);
    }

    /// A named-bit BIT STRING such as KeyUsage: bit 0 is the most significant bit of the
    /// first octet. DER drops trailing zero bits and counts them as unused (X.690 §11.2.2).
    pub fn named_bits(&mut self, bits: &[u8]) {
        let mut octets: Vec<u8> = Vec::new();
        for &bit in bits {
            let i = usize::from(bit / 8);
            if octets.len() <= i {
                octets.resize(i + 1, 0);
            }
            octets[i] |= 0x80 >> (bit % 8);
        }
        while octets.last() == Some(&0) {
            octets.pop();
        }
        let unused = octets.last().map_or(0, |b| b.trailing_zeros() as u8);
        let mut value = vec![unused];
        value.extend_from_slice(&octets);
        self.primitive(tag::BIT_STRING, &value);
    }

    /// An OCTET STRING.
    pub fn octet_string(&mut self, bytes: &[u8]) {
        self.primitive(tag::OCTET_STRING, bytes);
    }

    /// A UTF8String.
    pub fn utf8_string(&mut self, s: &str) {
        self.primitive(tag::UTF8_STRING, s.as_bytes());
    }

    /// A Time (RFC 5280 §4.1.2.5): UTCTime `YYMMDDHHMMSSZ` through 2049, GeneralizedTime
    /// `YYYYMMDDHHMMSSZ` from 2050 on. Always UTC, always with seconds.
    pub fn time(&mut self, t: UnixTime) {
        let (y, mo, d, h, mi, s) = t.to_civil();
        if (1950..2050).contains(&y) {
            let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
            self.primitive(tag::UTC_TIME, text.as_bytes());
        } else {
            let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
            self.primitive(tag::GENERALIZED_TIME, text.as_bytes());
        }
    }

    /// An ENUMERATED.
    pub fn enumerated(&mut self, value: u8) {
        self.primitive(tag::ENUMERATED, &[value]);
    }
}

/// The definite length octets for `len` (X.690 §8.1.3): short form below 128, otherwise
/// the long form in the fewest octets.
fn encode_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        // Fits in 7 bits.
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = &bytes[skip..];
    let mut out = Vec::with_capacity(1 + significant.len());
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
    out
}

/// The contents octets of an OBJECT IDENTIFIER: the first two arcs combined, then each arc
/// in base 128, high bit set on all but the last octet (X.690 §8.19.2).
pub fn encode_oid(arcs: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    let (first, rest) = match arcs {
        [a, b, rest @ ..] => (a * 40 + b, rest),
        [a] => (a * 40, &[][..]),
        [] => return out,
    };
    for arc in std::iter::once(first).chain(rest.iter().copied()) {
        let mut groups = [0u8; 10];
        let mut n = 0;
        let mut v = arc;
        loop {
            groups[n] = (v & 0x7f) as u8;
            n += 1;
            v >>= 7;
            if v == 0 {
                break;
            }
        }
        for i in (0..n).rev() {
            out.push(groups[i] | if i == 0 { 0 } else { 0x80 });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut DerWriter)) -> Vec<u8> {
        let mut w = DerWriter::new();
        f(&mut w);
        w.finish()
    }

    #[test]
    fn short_and_long_lengths_are_back_patched_minimally() {
        assert_eq!(written(|w| w.sequence(|_| {})), [0x30, 0x00]);
        let der = written(|w| w.sequence(|w| w.octet_string(&[7u8; 200])));
        assert_eq!(&der[..6], &[0x30, 0x81, 203, 0x04, 0x81, 200]);
        assert_eq!(der.len(), 206);
        let der = written(|w| w.sequence(|w| w.octet_string(&[7u8; 300])));
        assert_eq!(&der[..4], &[0x30, 0x82, 0x01, 0x30]);
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(written(|w| w.integer(0)), [0x02, 0x01, 0x00]);
        assert_eq!(written(|w| w.integer(127)), [0x02, 0x01, 0x7f]);
        assert_eq!(written(|w| w.integer(128)), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(
            written(|w| w.unsigned_integer(&[0, 0, 0x01, 0x02])),
            [0x02, 0x02, 0x01, 0x02]
        );
    }

    #[test]
    fn oids_encode_as_in_x690() {
        // 1.2.840.113549.1.1.11 (sha256WithRSAEncryption)
        assert_eq!(
            encode_oid(&[1, 2, 840, 113549, 1, 1, 11]),
            [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]
        );
        assert_eq!(encode_oid(&[2, 5, 29, 19]), [0x55, 0x1d, 0x13]);
    }

    #[test]
    fn named_bits_drop_trailing_zeros() {
        // keyCertSign (5) and cRLSign (6): 0000 0110 -> one unused bit.
        assert_eq!(written(|w| w.named_bits(&[5, 6])), [0x03, 0x02, 0x01, 0x06]);
        // digitalSignature (0) alone: 1000 0000 -> seven unused bits.
        assert_eq!(written(|w| w.named_bits(&[0])), [0x03, 0x02, 0x07, 0x80]);
    }

    #[test]
    fn times_switch_form_at_2050() {
        let t = UnixTime::from_civil(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(written(|w| w.time(t)), b"\x17\x0d260102030405Z");
        let t = UnixTime::from_civil(2050, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(written(|w| w.time(t)), b"\x18\x0f20500101000000Z");
    }
}
