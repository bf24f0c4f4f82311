//! A list held inline up to a fixed count and on the heap beyond it: the lists a
//! certificate's extensions hold (their OIDs, extended key usages, subject alternative
//! names) are short in practice, and parsing a certificate, as every handshake does,
//! should allocate nothing for them. Any count is still taken: entries past `N` move the
//! list to the heap.

use std::fmt;
use std::ops::Deref;

/// Up to `N` entries inline, more on the heap; read as a slice.
///
/// The inline array is filled with copies of the first entry until later ones replace
/// them, so it needs no placeholder value (and stays covariant, unlike a list of
/// `MaybeUninit` slots behind a trait: a certificate's lifetime can still shorten).
#[derive(Clone)]
pub struct InlineList<T: Copy, const N: usize>(Repr<T, N>);

#[derive(Clone)]
enum Repr<T: Copy, const N: usize> {
    Empty,
    Inline([T; N], usize),
    Heap(Vec<T>),
}

impl<T: Copy, const N: usize> InlineList<T, N> {
    /// An empty list.
    pub const fn new() -> Self {
        Self(Repr::Empty)
    }

    /// Appends `value`; the list moves to the heap when the inline room is full.
    pub fn push(&mut self, value: T) {
        match &mut self.0 {
            Repr::Empty if N > 0 => self.0 = Repr::Inline([value; N], 1),
            Repr::Empty => self.0 = Repr::Heap(vec![value]),
            Repr::Inline(items, len) => match items.get_mut(*len) {
                Some(slot) => {
                    *slot = value;
                    *len += 1;
                }
                None => {
                    let mut heap = Vec::with_capacity(2 * N);
                    heap.extend_from_slice(items);
                    heap.push(value);
                    self.0 = Repr::Heap(heap);
                }
            },
            Repr::Heap(items) => items.push(value),
        }
    }

    /// Removes the last entry (the inline copy left behind is past the end, unread).
    pub fn pop(&mut self) -> Option<T> {
        match &mut self.0 {
            Repr::Empty => None,
            Repr::Inline(items, len) => {
                *len = len.checked_sub(1)?;
                items.get(*len).copied()
            }
            Repr::Heap(items) => items.pop(),
        }
    }
}

impl<T: Copy, const N: usize> Default for InlineList<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const N: usize> FromIterator<T> for InlineList<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut list = Self::new();
        values.into_iter().for_each(|v| list.push(v));
        list
    }
}

impl<T: Copy, const N: usize> Deref for InlineList<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match &self.0 {
            Repr::Empty => &[],
            Repr::Inline(items, len) => items.get(..*len).unwrap_or_default(),
            Repr::Heap(items) => items,
        }
    }
}

impl<'l, T: Copy, const N: usize> IntoIterator for &'l InlineList<T, N> {
    type Item = &'l T;
    type IntoIter = std::slice::Iter<'l, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Copy + fmt::Debug, const N: usize> fmt::Debug for InlineList<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for InlineList<T, N> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Copy + Eq, const N: usize> Eq for InlineList<T, N> {}

#[cfg(test)]
mod tests {
    use super::InlineList;

    #[test]
    fn keeps_every_entry_in_order_inline_and_past_the_inline_room() {
        for count in 0..10u8 {
            let mut list = InlineList::<u8, 4>::new();
            for i in 0..count {
                list.push(i);
            }
            let expected: Vec<u8> = (0..count).collect();
            assert_eq!(&list[..], &expected[..]);
            assert_eq!(list.len(), usize::from(count));
            for i in (0..count).rev() {
                assert_eq!(list.pop(), Some(i));
            }
            assert_eq!(list.pop(), None);
            assert!(list.is_empty());
        }
    }

    #[test]
    fn a_list_without_inline_room_lives_on_the_heap() {
        let mut list = InlineList::<u8, 0>::new();
        list.push(7);
        list.push(8);
        assert_eq!(&list[..], &[7, 8]);
    }
}
