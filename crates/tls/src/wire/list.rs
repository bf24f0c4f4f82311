//! Vectors of structures (RFC 8446 §3.4) read in place: a decoded list is a view of the
//! bytes it came in, not a copy.
//!
//! Decoding a vector checks every element once — the vector's floor and ceiling, then each
//! element with its own `read` — and keeps only the vector's bytes and the element count.
//! Iterating reads the elements again from those bytes, which cannot fail since they were
//! checked. A list a sender builds holds its values instead, borrowed ([`List::Borrowed`]:
//! from a configuration, a key exchange) or owned ([`List::Owned`]: the client keeps its
//! ClientHello for the whole hello phase).

use std::fmt;

use crate::wire::codec::{
    write_prefixed, Codec, DecodeError, DecodeErrorKind, LengthPrefix, Reader,
};

/// A vector of `T` (RFC 8446 §3.4), as received or as built. (Not a `Cow`: that would make
/// every message holding a list invariant over its lifetime.)
#[derive(Clone)]
pub enum List<'a, T> {
    /// As received, its elements checked: only [`List::read`] makes one.
    Received(Checked<'a>),
    /// Built from values borrowed from the sender.
    Borrowed(&'a [T]),
    /// Built from values the list owns.
    Owned(Vec<T>),
}

/// The bytes of a received vector (after its length prefix), every element checked when it
/// was decoded, and how many elements they hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked<'a> {
    bytes: &'a [u8],
    len: usize,
}

impl<'a> Checked<'a> {
    /// The elements' encodings, back to back.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many elements the bytes hold.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if they hold none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<'a, T: Clone + Codec<'a>> List<'a, T> {
    /// Reads `T elements<min..max>` behind a `prefix`-byte length (RFC 8446 §3.4), checking
    /// every element; an element's decode error is reported as `what`. `min`/`max` bound
    /// the vector's byte length, which bounds the element count (every element takes at
    /// least one byte).
    pub fn read(
        r: &mut Reader<'a>,
        prefix: LengthPrefix,
        min: usize,
        max: usize,
        what: &'static str,
    ) -> Result<Self, DecodeError> {
        Self::read_elements(r, prefix, min, max, what, |e| {
            DecodeError::new(what, e.kind)
        })
    }

    /// [`Self::read`] for elements that are structures of named fields
    /// (`CertificateEntry`): an element's decode error keeps the field's name.
    pub fn read_structures(
        r: &mut Reader<'a>,
        prefix: LengthPrefix,
        min: usize,
        max: usize,
        what: &'static str,
    ) -> Result<Self, DecodeError> {
        Self::read_elements(r, prefix, min, max, what, |e| e)
    }

    fn read_elements(
        r: &mut Reader<'a>,
        prefix: LengthPrefix,
        min: usize,
        max: usize,
        what: &'static str,
        element_error: impl Fn(DecodeError) -> DecodeError,
    ) -> Result<Self, DecodeError> {
        let bytes = r.opaque(prefix, min, max, what)?;
        let mut elements = Reader::new(bytes);
        let mut len = 0;
        while !elements.is_empty() {
            let before = elements.remaining();
            T::read(&mut elements).map_err(&element_error)?;
            // Every element type reads at least one byte, so this loop ends; the check
            // guards against one that reads nothing.
            if elements.remaining() == before {
                return Err(DecodeError::new(what, DecodeErrorKind::IllegalValue));
            }
            len += 1;
        }
        Ok(Self::Received(Checked { bytes, len }))
    }

    /// The elements, in order. A received list decodes each as it is reached (no copy); a
    /// built one yields clones of its values (free for borrowed bytes, a copy for owned
    /// ones: a sender reads its own owned list with [`Self::built`]).
    pub fn iter(&self) -> Iter<'_, 'a, T> {
        match self {
            Self::Received(checked) => {
                Iter(Elements::Received(Reader::new(checked.bytes), checked.len))
            }
            Self::Borrowed(values) => Iter(Elements::Built(values.iter())),
            Self::Owned(values) => Iter(Elements::Built(values.iter())),
        }
    }

    /// How many elements the list holds.
    pub fn len(&self) -> usize {
        match self {
            Self::Received(checked) => checked.len,
            Self::Borrowed(values) => values.len(),
            Self::Owned(values) => values.len(),
        }
    }

    /// True if the list holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first element, if any.
    pub fn first(&self) -> Option<T> {
        self.iter().next()
    }

    /// Whether `value` is an element.
    pub fn contains(&self, value: &T) -> bool
    where
        T: PartialEq,
    {
        self.iter().any(|v| v == *value)
    }

    /// The length of the elements' encoding (without the vector's length prefix), with
    /// `element_len` the encoded length of one value of a built list.
    pub fn elements_len(&self, element_len: impl Fn(&T) -> usize) -> usize {
        match self {
            Self::Received(checked) => checked.bytes.len(),
            Self::Borrowed(values) => values.iter().map(element_len).sum(),
            Self::Owned(values) => values.iter().map(element_len).sum(),
        }
    }

    /// Appends the elements (without the length prefix).
    pub fn encode_elements(&self, out: &mut Vec<u8>) {
        match self {
            Self::Received(checked) => out.extend_from_slice(checked.bytes),
            Self::Borrowed(values) => values.iter().for_each(|v| v.encode(out)),
            Self::Owned(values) => values.iter().for_each(|v| v.encode(out)),
        }
    }

    /// Appends the list behind a `prefix`-byte length.
    pub fn encode(&self, out: &mut Vec<u8>, prefix: LengthPrefix) {
        write_prefixed(out, prefix, |out| self.encode_elements(out));
    }

    /// A list that owns its values, each made by `f` from one of these (a copy that
    /// outlives the message).
    pub fn to_owned_with<U>(&self, f: impl FnMut(T) -> U) -> List<'static, U> {
        List::Owned(self.iter().map(f).collect())
    }

    /// The values, to change them: a list not owned is copied into a vector first. For
    /// senders and tests, not for the receive path.
    pub fn to_mut(&mut self) -> &mut Vec<T> {
        match self {
            Self::Owned(values) => values,
            _ => {
                *self = Self::Owned(self.iter().collect());
                self.to_mut()
            }
        }
    }
}

impl<T> List<'_, T> {
    /// The values of a built list, as a slice; `None` for a list as received, whose
    /// elements [`List::iter`] reads. For a sender looking at what it built.
    pub fn built(&self) -> Option<&[T]> {
        match self {
            Self::Borrowed(values) => Some(values),
            Self::Owned(values) => Some(values),
            Self::Received(_) => None,
        }
    }
}

impl<T> From<Vec<T>> for List<'_, T> {
    fn from(values: Vec<T>) -> Self {
        Self::Owned(values)
    }
}

impl<'a, T> From<&'a [T]> for List<'a, T> {
    fn from(values: &'a [T]) -> Self {
        Self::Borrowed(values)
    }
}

impl<'a, T, const N: usize> From<&'a [T; N]> for List<'a, T> {
    fn from(values: &'a [T; N]) -> Self {
        Self::Borrowed(values)
    }
}

impl<T> FromIterator<T> for List<'_, T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        Self::Owned(values.into_iter().collect())
    }
}

impl<T> Default for List<'_, T> {
    fn default() -> Self {
        Self::Borrowed(&[])
    }
}

/// Lists are equal when their elements are, however each is held.
impl<'a, T: Clone + Codec<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: Clone + Codec<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: Clone + Codec<'a> + PartialEq> PartialEq<[T]> for List<'a, T> {
    fn eq(&self, other: &[T]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().cloned())
    }
}

impl<'a, T: Clone + Codec<'a> + PartialEq, const N: usize> PartialEq<[T; N]> for List<'a, T> {
    fn eq(&self, other: &[T; N]) -> bool {
        *self == other[..]
    }
}

impl<'a, T: Clone + Codec<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'l, 'a, T: Clone + Codec<'a>> IntoIterator for &'l List<'a, T> {
    type Item = T;
    type IntoIter = Iter<'l, 'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The elements of a [`List`], in order.
#[derive(Clone)]
pub struct Iter<'l, 'a, T>(Elements<'l, 'a, T>);

#[derive(Clone)]
enum Elements<'l, 'a, T> {
    /// Reading a received list, with the count of elements left.
    Received(Reader<'a>, usize),
    /// Cloning a built one.
    Built(std::slice::Iter<'l, T>),
}

impl<'a, T: Clone + Codec<'a>> Iterator for Iter<'_, 'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match &mut self.0 {
            // Every element was read once when the list was decoded, so this read succeeds
            // until the bytes run out.
            Elements::Received(r, left) if !r.is_empty() => {
                *left = left.saturating_sub(1);
                T::read(r).ok()
            }
            Elements::Received(..) => None,
            Elements::Built(values) => values.next().cloned(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            Elements::Received(_, left) => (*left, Some(*left)),
            Elements::Built(values) => values.size_hint(),
        }
    }
}

impl<'a, T: Clone + Codec<'a>> ExactSizeIterator for Iter<'_, 'a, T> {}

/// Values gathered for looking at as a slice — a received [`List`]'s elements, the types
/// of an extension block: inline up to `N` (enough for what real peers send, so gathering
/// costs no allocation), moved to the heap beyond, however many a peer sends. The same
/// list `padlock-pki` keeps a certificate's extension lists in.
pub type Inline<T, const N: usize> = padlock_pki::InlineList<T, N>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::enums::NamedGroup;

    #[test]
    fn a_received_list_reads_its_elements_in_place() {
        let bytes = [0, 4, 0, 0x1d, 0, 0x17, 9];
        let mut r = Reader::new(&bytes);
        let list = List::<NamedGroup>::read(&mut r, LengthPrefix::U16, 2, 0xffff, "g").unwrap();
        assert_eq!(r.remaining(), 1);
        assert_eq!(list.len(), 2);
        assert!(list.contains(&NamedGroup::secp256r1));
        assert_eq!(
            list,
            List::from(vec![NamedGroup::x25519, NamedGroup::secp256r1])
        );
        let mut out = Vec::new();
        list.encode(&mut out, LengthPrefix::U16);
        assert_eq!(out, bytes[..6]);
    }

    #[test]
    fn an_element_that_does_not_decode_fails_the_list_by_its_name() {
        let err = List::<NamedGroup>::read(
            &mut Reader::new(&[0, 3, 0, 0x1d, 0]),
            LengthPrefix::U16,
            2,
            0xffff,
            "g",
        )
        .unwrap_err();
        assert_eq!(err.what, "g");
    }

    #[test]
    fn inline_values_move_to_the_heap_past_their_room() {
        let few: Inline<u16, 4> = (0..3).collect();
        assert_eq!(*few, [0, 1, 2]);
        let many: Inline<u16, 4> = (0..9).collect();
        assert_eq!(*many, (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn changing_a_received_list_makes_it_built() {
        let bytes = [0, 2, 0, 0x1d];
        let mut list =
            List::<NamedGroup>::read(&mut Reader::new(&bytes), LengthPrefix::U16, 2, 0xffff, "g")
                .unwrap();
        list.to_mut().push(NamedGroup::x448);
        assert_eq!(list, List::from(vec![NamedGroup::x25519, NamedGroup::x448]));
    }
}
