//! A strict DER reader (X.690 §10, as profiled by RFC 5280 §4.1).
//!
//! Every value is a tag-length-value triple. This reader accepts only the distinguished
//! encoding: single-byte tags (no high tag numbers), definite lengths in the minimal number of
//! octets, no indefinite form, and no bytes left over after the outermost value. Lengths are
//! bounded by [`MAX_INPUT`]; nesting is bounded by the fixed shape of the structures we parse
//! (the reader itself never recurses).

use crate::error::{DecodeError, Error};

/// The largest DER input we look at (certificates, CRLs): 1 MiB.
pub const MAX_INPUT: usize = 1 << 20;

/// Universal and context tags we use.
pub mod tag {
    /// BOOLEAN.
    pub const BOOLEAN: u8 = 0x01;
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// BIT STRING.
    pub const BIT_STRING: u8 = 0x03;
    /// OCTET STRING.
    pub const OCTET_STRING: u8 = 0x04;
    /// NULL.
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// ENUMERATED.
    pub const ENUMERATED: u8 = 0x0a;
    /// UTF8String.
    pub const UTF8_STRING: u8 = 0x0c;
    /// PrintableString.
    pub const PRINTABLE_STRING: u8 = 0x13;
    /// TeletexString (T61String).
    pub const TELETEX_STRING: u8 = 0x14;
    /// IA5String.
    pub const IA5_STRING: u8 = 0x16;
    /// UTCTime.
    pub const UTC_TIME: u8 = 0x17;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// UniversalString.
    pub const UNIVERSAL_STRING: u8 = 0x1c;
    /// BMPString.
    pub const BMP_STRING: u8 = 0x1e;
    /// SEQUENCE (constructed).
    pub const SEQUENCE: u8 = 0x30;
    /// SET (constructed).
    pub const SET: u8 = 0x31;

    /// `[n]` context-specific, constructed (EXPLICIT or a constructed IMPLICIT type).
    pub const fn context_constructed(n: u8) -> u8 {
        0xa0 | n
    }
    /// `[n]` context-specific, primitive (IMPLICIT of a primitive type).
    pub const fn context_primitive(n: u8) -> u8 {
        0x80 | n
    }
}

/// One decoded tag-length-value.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    /// The identifier octet.
    pub tag: u8,
    /// The contents octets.
    pub value: &'a [u8],
    /// The whole encoding: identifier, length and contents.
    pub raw: &'a [u8],
}

/// A cursor over DER input.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    context: &'static str,
}

impl<'a> Reader<'a> {
    /// Starts reading `data`; `context` names the structure in errors.
    pub fn new(data: &'a [u8], context: &'static str) -> Self {
        Self {
            data,
            pos: 0,
            context,
        }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Fails unless everything has been read (DER allows no trailing bytes).
    pub fn finish(&self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.err("trailing data"))
        }
    }

    /// The tag of the next value, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// A decode error naming this reader's structure.
    pub fn err(&self, reason: &'static str) -> Error {
        Error::Decode(DecodeError {
            context: self.context,
            reason,
        })
    }

    /// Reads the next value, whatever its tag.
    pub fn read_any(&mut self) -> Result<Tlv<'a>, Error> {
        let start = self.pos;
        let rest = self.data.get(start..).unwrap_or(&[]);
        let (&tag, after_tag) = rest.split_first().ok_or_else(|| self.err("truncated"))?;
        if tag & 0x1f == 0x1f {
            return Err(self.err("high tag numbers are not used in X.509"));
        }
        let (&first, mut after_len) = after_tag
            .split_first()
            .ok_or_else(|| self.err("truncated length"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(self.err("indefinite length is not DER"));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 3 {
                return Err(self.err("length too large"));
            }
            let bytes = after_len
                .get(..n)
                .ok_or_else(|| self.err("truncated length"))?;
            after_len = after_len.get(n..).unwrap_or(&[]);
            if bytes.first() == Some(&0) {
                return Err(self.err("non-minimal length"));
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return Err(self.err("non-minimal length"));
            }
            len
        };
        if len > MAX_INPUT {
            return Err(self.err("length too large"));
        }
        let value = after_len.get(..len).ok_or_else(|| self.err("truncated"))?;
        let header = rest.len() - after_len.len();
        let total = header + len;
        self.pos = start + total;
        Ok(Tlv {
            tag,
            value,
            raw: rest.get(..total).unwrap_or(&[]),
        })
    }

    /// Reads the next value, which must have tag `tag`.
    pub fn read(&mut self, tag: u8) -> Result<Tlv<'a>, Error> {
        match self.peek_tag() {
            Some(t) if t == tag => self.read_any(),
            Some(_) => Err(self.err("unexpected tag")),
            None => Err(self.err("truncated")),
        }
    }

    /// Reads the next value's contents, which must have tag `tag`.
    pub fn value(&mut self, tag: u8) -> Result<&'a [u8], Error> {
        Ok(self.read(tag)?.value)
    }

    /// Reads the next value if it has tag `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Error> {
        if self.peek_tag() == Some(tag) {
            self.read_any().map(Some)
        } else {
            Ok(None)
        }
    }

    /// A reader over the contents of the next value, which must have tag `tag`.
    pub fn nested(&mut self, tag: u8, context: &'static str) -> Result<Reader<'a>, Error> {
        let v = self.value(tag)?;
        Ok(Reader::new(v, context))
    }

    /// Reads a BOOLEAN (DER: 0x00 or 0xff).
    pub fn boolean(&mut self) -> Result<bool, Error> {
        match self.value(tag::BOOLEAN)? {
            [0x00] => Ok(false),
            [0xff] => Ok(true),
            _ => Err(self.err("BOOLEAN is not DER")),
        }
    }

    /// Reads an INTEGER's content octets, checking the minimal two's-complement encoding.
    pub fn integer(&mut self) -> Result<&'a [u8], Error> {
        let v = self.value(tag::INTEGER)?;
        check_integer(v).map_err(|r| self.err(r))?;
        Ok(v)
    }

    /// Reads a non-negative INTEGER that fits in a u64.
    pub fn small_uint(&mut self) -> Result<u64, Error> {
        let v = self.integer()?;
        uint_value(v).ok_or_else(|| self.err("integer out of range"))
    }

    /// Reads an OBJECT IDENTIFIER's content octets (validated).
    pub fn oid(&mut self) -> Result<&'a [u8], Error> {
        let v = self.value(tag::OID)?;
        check_oid(v).map_err(|r| self.err(r))?;
        Ok(v)
    }

    /// Reads a BIT STRING with no unused bits; returns the bytes.
    pub fn bit_string_octets(&mut self) -> Result<&'a [u8], Error> {
        let (unused, bytes) = self.bit_string()?;
        if unused != 0 {
            return Err(self.err("BIT STRING has unused bits"));
        }
        Ok(bytes)
    }

    /// Reads a BIT STRING; returns (unused bit count, bytes), checked for DER (unused bits zero).
    pub fn bit_string(&mut self) -> Result<(u8, &'a [u8]), Error> {
        let v = self.value(tag::BIT_STRING)?;
        let (&unused, bytes) = v
            .split_first()
            .ok_or_else(|| self.err("empty BIT STRING"))?;
        if unused > 7 || (bytes.is_empty() && unused != 0) {
            return Err(self.err("bad BIT STRING padding"));
        }
        if let Some(&last) = bytes.last() {
            if unused > 0 && last & ((1u8 << unused) - 1) != 0 {
                return Err(self.err("BIT STRING padding bits set"));
            }
        }
        Ok((unused, bytes))
    }
}

/// Checks a two's-complement INTEGER encoding is non-empty and minimal.
fn check_integer(v: &[u8]) -> Result<(), &'static str> {
    match v {
        [] => Err("empty INTEGER"),
        [0x00, b, ..] if b & 0x80 == 0 => Err("non-minimal INTEGER"),
        [0xff, b, ..] if b & 0x80 != 0 => Err("non-minimal INTEGER"),
        _ => Ok(()),
    }
}

/// The value of a non-negative INTEGER's contents that fits in a u64.
pub fn uint_value(v: &[u8]) -> Option<u64> {
    if v.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let v = match v {
        [0, rest @ ..] => rest,
        _ => v,
    };
    if v.len() > 8 {
        return None;
    }
    Some(v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Checks an OID's content octets: non-empty, each arc minimally encoded and terminated.
fn check_oid(v: &[u8]) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("empty OBJECT IDENTIFIER");
    }
    let mut at_start = true;
    for &b in v {
        if at_start && b == 0x80 {
            return Err("non-minimal OBJECT IDENTIFIER arc");
        }
        at_start = b & 0x80 == 0;
    }
    if !at_start {
        return Err("truncated OBJECT IDENTIFIER");
    }
    Ok(())
}

/// Formats an OID's content octets in dotted form ("2.5.29.19").
pub fn oid_to_string(v: &[u8]) -> String {
    let mut arcs: Vec<u128> = Vec::new();
    let mut acc: u128 = 0;
    for &b in v {
        acc = acc.saturating_mul(128) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
        }
    }
    let mut out = String::new();
    if let Some((&first, rest)) = arcs.split_first() {
        let (a, b) = match first {
            0..=39 => (0, first),
            40..=79 => (1, first - 40),
            _ => (2, first - 80),
        };
        out = format!("{a}.{b}");
        for arc in rest {
            out.push('.');
            out.push_str(&arc.to_string());
        }
    }
    out
}

/// Writes a DER length and value with tag `tag` (used by tests and by the PEM/CA tooling).
pub fn write_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_short_form_value() {
        let mut r = Reader::new(&[0x04, 0x02, 0xaa, 0xbb], "t");
        assert_eq!(r.value(tag::OCTET_STRING).unwrap(), &[0xaa, 0xbb]);
        r.finish().unwrap();
    }

    #[test]
    fn rejects_non_minimal_long_form_length() {
        let mut r = Reader::new(&[0x04, 0x81, 0x02, 0xaa, 0xbb], "t");
        assert!(r.read_any().is_err());
        let mut r = Reader::new(&[0x04, 0x82, 0x00, 0x81], "t");
        assert!(r.read_any().is_err());
    }

    #[test]
    fn rejects_indefinite_length() {
        let mut r = Reader::new(&[0x30, 0x80, 0x00, 0x00], "t");
        assert!(r.read_any().is_err());
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut r = Reader::new(&[0x05, 0x00, 0x00], "t");
        r.value(tag::NULL).unwrap();
        assert!(r.finish().is_err());
    }

    #[test]
    fn rejects_truncated_value() {
        let mut r = Reader::new(&[0x04, 0x05, 0x00], "t");
        assert!(r.read_any().is_err());
    }

    #[test]
    fn rejects_non_der_boolean_and_integer() {
        assert!(Reader::new(&[0x01, 0x01, 0x01], "t").boolean().is_err());
        assert!(Reader::new(&[0x02, 0x02, 0x00, 0x01], "t")
            .integer()
            .is_err());
        assert!(Reader::new(&[0x02, 0x00], "t").integer().is_err());
        assert_eq!(
            Reader::new(&[0x02, 0x02, 0x00, 0x80], "t")
                .small_uint()
                .unwrap(),
            128
        );
    }

    #[test]
    fn formats_oids_in_dotted_form() {
        assert_eq!(oid_to_string(&[0x55, 0x1d, 0x13]), "2.5.29.19");
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
            "1.2.840.113549.1.1.11"
        );
    }

    #[test]
    fn long_lengths_round_trip() {
        let mut out = Vec::new();
        write_tlv(&mut out, tag::OCTET_STRING, &[7u8; 300]);
        let mut r = Reader::new(&out, "t");
        assert_eq!(r.value(tag::OCTET_STRING).unwrap().len(), 300);
        r.finish().unwrap();
    }
}
