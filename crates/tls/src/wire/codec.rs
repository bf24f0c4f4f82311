//! The codec: a borrowing [`Reader`], the [`Codec`] trait, a length-prefix writer that
//! back-patches, and [`DecodeError`].
//!
//! TLS structures are described in RFC 8446 §3 ("Presentation Language"): fixed-width
//! big-endian integers (§3.3), vectors with a length prefix whose width is chosen by the
//! vector's ceiling (§3.4), and structures made of these. Every vector read here is bounded
//! by the floor and ceiling the RFC gives it, so a peer can never make us allocate more than
//! the bytes it actually sent.

use std::fmt;

use crate::wire::enums::{AlertDescription, ContentType, ExtensionType};

/// A decoder over a borrowed byte slice. Reads never copy and never panic: running out of
/// bytes is a [`DecodeErrorKind::Truncated`] error naming the structure being read.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// The width of a vector's length prefix (RFC 8446 §3.4): the smallest number of bytes
/// that can hold the vector's ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthPrefix {
    /// One byte: ceilings up to 2^8-1.
    U8,
    /// Two bytes: ceilings up to 2^16-1.
    U16,
    /// Three bytes: ceilings up to 2^24-1.
    U24,
}

/// A type with a TLS wire encoding.
///
/// `encode` appends the encoding to `out`; `read` consumes exactly one value from the
/// reader. Owned types implement `Codec<'_>` for every lifetime; borrowing types tie their
/// lifetime to the reader's buffer.
pub trait Codec<'a>: Sized {
    /// Appends the wire encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Reads one value from `r`, leaving any following bytes unread.
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError>;

    /// Decodes a value that must fill `bytes` exactly: trailing bytes are an error.
    fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let value = Self::read(&mut r)?;
        // The type's name only for the error: finding it costs a string search.
        if r.remaining() != 0 {
            r.expect_empty(short_type_name::<Self>())?;
        }
        Ok(value)
    }

    /// The wire encoding of `self` as a new vector.
    fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// A decode failure: which structure failed (`"ServerHello.key_share"`) and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The structure or field that failed, in `Message.field` form.
    pub what: &'static str,
    /// What was wrong with it.
    pub kind: DecodeErrorKind,
}

/// How a structure failed to decode. [`DecodeErrorKind::alert`] gives the alert RFC 8446 §6
/// names for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended before the structure did.
    Truncated,
    /// Bytes were left over after the structure ended.
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
    /// A vector's length lies outside the floor..=ceiling the RFC gives it, or is not a
    /// multiple of its element size.
    LengthOutOfRange {
        /// The length the peer sent.
        length: usize,
        /// The RFC's floor.
        min: usize,
        /// The RFC's ceiling.
        max: usize,
    },
    /// A list that must hold at least one element was empty.
    EmptyList,
    /// An extension appeared twice in one block (RFC 8446 §4.2).
    DuplicateExtension(ExtensionType),
    /// An extension appeared where its position is fixed (`pre_shared_key` must be last in
    /// a ClientHello, RFC 8446 §4.2.11).
    MisplacedExtension(ExtensionType),
    /// A field held a value the RFC forbids.
    IllegalValue,
    /// A record is longer than RFC 8446 §5.1/§5.2 allow.
    RecordOverflow {
        /// The record's length field.
        length: usize,
        /// The largest length allowed for this record.
        max: usize,
    },
    /// A handshake message is longer than this endpoint is willing to buffer.
    MessageTooLarge {
        /// The length from the handshake header.
        length: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A record carried a content type that TLS does not define (RFC 8446 §5).
    UnknownContentType(ContentType),
    /// A record of another type arrived while a handshake message was only partly received
    /// (RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types).
    InterleavedContentType(ContentType),
    /// A handshake or alert record had a zero-length fragment (RFC 8446 §5.1: "MUST NOT
    /// send zero-length fragments of Handshake types"; an alert record holds exactly one
    /// alert). Only application data may be empty.
    EmptyFragment(ContentType),
}

impl<'a> Reader<'a> {
    /// A reader over all of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True once every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// How many bytes have been read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The unread bytes, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Consumes and returns all unread bytes.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = self.peek_rest();
        self.pos = self.buf.len();
        rest
    }

    /// Consumes exactly `n` bytes; `what` names the structure for the error.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.buf.len())
            .ok_or(DecodeError::new(what, DecodeErrorKind::Truncated))?;
        let bytes = self.buf.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(bytes)
    }

    /// Consumes `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// Reads a `uint8`.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// Reads a big-endian `uint16`.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    /// Reads a big-endian `uint24`.
    pub fn u24(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let [a, b, c] = self.array(what)?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// Reads a big-endian `uint32`.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    /// Reads a length prefix and returns a sub-reader over the vector's bytes, after
    /// checking `min <= length <= max` (RFC 8446 §3.4).
    pub fn sub(
        &mut self,
        prefix: LengthPrefix,
        min: usize,
        max: usize,
        what: &'static str,
    ) -> Result<Reader<'a>, DecodeError> {
        Ok(Reader::new(self.opaque(prefix, min, max, what)?))
    }

    /// Reads a length-prefixed opaque vector, checking `min <= length <= max`.
    pub fn opaque(
        &mut self,
        prefix: LengthPrefix,
        min: usize,
        max: usize,
        what: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        let length = match prefix {
            LengthPrefix::U8 => usize::from(self.u8(what)?),
            LengthPrefix::U16 => usize::from(self.u16(what)?),
            LengthPrefix::U24 => self.u24(what)? as usize,
        };
        if length < min || length > max {
            return Err(DecodeError::new(
                what,
                DecodeErrorKind::LengthOutOfRange { length, min, max },
            ));
        }
        self.take(length, what)
    }

    /// Fails with [`DecodeErrorKind::TrailingBytes`] unless every byte has been read.
    pub fn expect_empty(&self, what: &'static str) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::new(
                what,
                DecodeErrorKind::TrailingBytes { count },
            )),
        }
    }
}

/// Reads a length-prefixed list whose elements are read by `item` until the vector's bytes
/// are used up. `min`/`max` bound the vector's byte length (RFC 8446 §3.4), which also
/// bounds the element count since every element takes at least one byte.
pub fn read_list<'a, T>(
    r: &mut Reader<'a>,
    prefix: LengthPrefix,
    min: usize,
    max: usize,
    what: &'static str,
    mut item: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut sub = r.sub(prefix, min, max, what)?;
    let mut items = Vec::new();
    while !sub.is_empty() {
        let before = sub.remaining();
        items.push(item(&mut sub)?);
        // Every element consumes at least one byte, so this loop ends; the check guards
        // against an `item` that reads nothing.
        if sub.remaining() == before {
            return Err(DecodeError::new(what, DecodeErrorKind::IllegalValue));
        }
    }
    Ok(items)
}

/// Appends a length prefix, lets `body` write the vector, then back-patches the length.
///
/// The caller guarantees the body fits the prefix (every vector we send is built from
/// bounded configuration or from peer data that was itself bounded when decoded). A body
/// that would not fit is a bug in this crate: it trips a debug assertion, and in release
/// builds the length saturates so the peer sees a decode error rather than a misframed
/// stream that decodes as something else.
pub fn write_prefixed(out: &mut Vec<u8>, prefix: LengthPrefix, body: impl FnOnce(&mut Vec<u8>)) {
    let width = prefix.width();
    let start = out.len();
    out.extend_from_slice(&[0u8; 3][..width]);
    body(out);
    let length = out.len() - start - width;
    debug_assert!(
        length <= prefix.max(),
        "vector too long for its length prefix"
    );
    let length = length.min(prefix.max()) as u32;
    let bytes = length.to_be_bytes();
    if let Some(slot) = out.get_mut(start..start + width) {
        // `width` is 1..=3, so `4 - width` is inside the 4-byte array.
        slot.copy_from_slice(&bytes[4 - width..]);
    }
}

/// Appends `bytes` as an opaque vector with the given length prefix.
pub fn write_opaque(out: &mut Vec<u8>, prefix: LengthPrefix, bytes: &[u8]) {
    write_prefixed(out, prefix, |out| out.extend_from_slice(bytes));
}

/// Appends a big-endian `uint24`. Values above 2^24-1 are a bug; see [`write_prefixed`].
pub fn write_u24(out: &mut Vec<u8>, value: u32) {
    debug_assert!(value < 1 << 24);
    out.extend_from_slice(&value.min((1 << 24) - 1).to_be_bytes()[1..]);
}

impl LengthPrefix {
    /// How many bytes the prefix takes.
    pub const fn width(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }

    /// The largest length the prefix can express.
    pub const fn max(self) -> usize {
        match self {
            Self::U8 => 0xff,
            Self::U16 => 0xffff,
            Self::U24 => 0xff_ffff,
        }
    }
}

impl DecodeError {
    /// An error of `kind` in the structure `what`.
    pub const fn new(what: &'static str, kind: DecodeErrorKind) -> Self {
        Self { what, kind }
    }

    /// The alert RFC 8446 §6 names for this failure.
    pub fn alert(&self) -> AlertDescription {
        self.kind.alert()
    }
}

impl DecodeErrorKind {
    /// The alert RFC 8446 §6 names for this kind of failure:
    /// `decode_error` for malformed encodings, `illegal_parameter` for well-formed but
    /// forbidden values (duplicate or misplaced extensions, §4.2, §4.2.11),
    /// `record_overflow` for oversized records (§5.1, §5.2) and `unexpected_message` for
    /// content types out of place (§5, §5.1).
    pub fn alert(self) -> AlertDescription {
        match self {
            Self::Truncated
            | Self::TrailingBytes { .. }
            | Self::LengthOutOfRange { .. }
            | Self::EmptyList
            | Self::MessageTooLarge { .. } => AlertDescription::DecodeError,
            Self::DuplicateExtension(_) | Self::MisplacedExtension(_) | Self::IllegalValue => {
                AlertDescription::IllegalParameter
            }
            Self::RecordOverflow { .. } => AlertDescription::RecordOverflow,
            Self::UnknownContentType(_)
            | Self::InterleavedContentType(_)
            | Self::EmptyFragment(_) => AlertDescription::UnexpectedMessage,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.what;
        match self.kind {
            DecodeErrorKind::Truncated => write!(f, "{what} ends before its encoding does"),
            DecodeErrorKind::TrailingBytes { count } => {
                write!(
                    f,
                    "{what} is followed by {count} unexpected trailing byte(s)"
                )
            }
            DecodeErrorKind::LengthOutOfRange { length, min, max } => write!(
                f,
                "{what} has length {length}, outside the allowed {min}..={max} \
                 (or not a whole number of elements)"
            ),
            DecodeErrorKind::EmptyList => write!(f, "{what} is empty but must not be"),
            DecodeErrorKind::DuplicateExtension(ext) => {
                write!(f, "{what} contains the {ext} extension more than once")
            }
            DecodeErrorKind::MisplacedExtension(ext) => {
                write!(
                    f,
                    "{what} contains the {ext} extension in a position it may not take"
                )
            }
            DecodeErrorKind::IllegalValue => write!(f, "{what} holds a value the RFC forbids"),
            DecodeErrorKind::RecordOverflow { length, max } => write!(
                f,
                "{what} is {length} bytes long, more than the {max} bytes allowed"
            ),
            DecodeErrorKind::MessageTooLarge { length, max } => write!(
                f,
                "{what} announces {length} bytes, more than the {max} bytes we accept"
            ),
            DecodeErrorKind::UnknownContentType(ct) => {
                write!(f, "{what} has content type {ct}, which TLS does not define")
            }
            DecodeErrorKind::InterleavedContentType(ct) => write!(
                f,
                "a {ct} record arrived in the middle of a handshake message ({what})"
            ),
            DecodeErrorKind::EmptyFragment(ct) => {
                write!(f, "{what} is an empty {ct} record, which is forbidden")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// The last path segment of a type's name, for errors from [`Codec::decode`].
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_integers_big_endian() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(r.u16("b").unwrap(), 0x0203);
        assert_eq!(r.u24("c").unwrap(), 0x040506);
        assert_eq!(r.u32("d").unwrap(), 0x0708090a);
        assert!(r.is_empty());
    }

    #[test]
    fn reports_truncation_with_the_structure_name() {
        let mut r = Reader::new(&[1]);
        let err = r.u16("ServerHello.cipher_suite").unwrap_err();
        assert_eq!(err.what, "ServerHello.cipher_suite");
        assert_eq!(err.kind, DecodeErrorKind::Truncated);
        assert_eq!(r.remaining(), 1, "a failed read consumes nothing");
    }

    #[test]
    fn rejects_vector_length_outside_its_bounds() {
        let mut r = Reader::new(&[0, 1, 0xaa]);
        let err = r.opaque(LengthPrefix::U16, 2, 10, "v").unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::LengthOutOfRange {
                length: 1,
                min: 2,
                max: 10
            }
        );
    }

    #[test]
    fn rejects_vector_longer_than_the_input() {
        let mut r = Reader::new(&[5, 1, 2]);
        let err = r.opaque(LengthPrefix::U8, 0, 255, "v").unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::Truncated);
    }

    #[test]
    fn rejects_trailing_bytes() {
        let r = Reader::new(&[1, 2]);
        assert_eq!(
            r.expect_empty("x").unwrap_err().kind,
            DecodeErrorKind::TrailingBytes { count: 2 }
        );
    }

    #[test]
    fn back_patches_each_prefix_width() {
        for (prefix, header) in [
            (LengthPrefix::U8, &[3u8][..]),
            (LengthPrefix::U16, &[0, 3][..]),
            (LengthPrefix::U24, &[0, 0, 3][..]),
        ] {
            let mut out = vec![0xee];
            write_prefixed(&mut out, prefix, |out| out.extend_from_slice(b"abc"));
            let mut expected = vec![0xee];
            expected.extend_from_slice(header);
            expected.extend_from_slice(b"abc");
            assert_eq!(out, expected);
            let mut r = Reader::new(&out[1..]);
            assert_eq!(r.opaque(prefix, 0, prefix.max(), "v").unwrap(), b"abc");
        }
    }

    #[test]
    fn nested_prefixes_patch_independently() {
        let mut out = Vec::new();
        write_prefixed(&mut out, LengthPrefix::U16, |out| {
            write_opaque(out, LengthPrefix::U8, b"xy");
            write_opaque(out, LengthPrefix::U24, b"z");
        });
        assert_eq!(out, [0, 7, 2, b'x', b'y', 0, 0, 1, b'z']);
    }

    #[test]
    fn read_list_stops_at_vector_end() {
        let bytes = [0, 4, 0, 1, 0, 2, 9];
        let mut r = Reader::new(&bytes);
        let list = read_list(&mut r, LengthPrefix::U16, 0, 100, "l", |r| r.u16("i")).unwrap();
        assert_eq!(list, [1, 2]);
        assert_eq!(r.remaining(), 1);
    }

    #[test]
    fn display_is_a_sentence_naming_the_structure() {
        let err = DecodeError::new("ServerHello.key_share", DecodeErrorKind::Truncated);
        assert_eq!(
            err.to_string(),
            "ServerHello.key_share ends before its encoding does"
        );
    }
}
