//! The receive buffer: TLS bytes as they arrive, records decrypted in place (or opened
//! straight from the caller's bytes by `read_tls`), and the application data they held
//! until the reader takes it. It grows to what arrives (a handshake flight needs a few
//! KiB, bulk data two records' worth), never past [`RX_CAPACITY`].

use std::collections::VecDeque;
use std::ops::Range;

use super::spare::Spare;
use crate::record::copy;
use crate::wire::{MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};

/// Receive buffer size: room for two maximal records, so a full record can always be
/// completed while the previous one's plaintext waits to be read.
pub(super) const RX_CAPACITY: usize = 2 * (RECORD_HEADER_LEN + MAX_CIPHERTEXT_LEN);
/// The least the receive buffer allocates: a handshake flight's worth.
const RX_MIN_CAPACITY: usize = 0x1000;
/// Room offered to the first read on a fresh receive buffer (it grows when reads fill
/// it): enough for a typical request in one read.
const RX_FIRST_READ: usize = 0x1000;

/// At most [`RX_CAPACITY`] bytes: `buf[start..end]` is received and not yet deframed;
/// decrypted application data lies before `start`, at the ranges in `plaintext`. Records
/// in `buf[start..opened_end]` were opened as they arrived: each is a header saying
/// application_data and the length of its TLSInnerPlaintext, then that plaintext.
///
/// A freed buffer goes to the thread's [`Spare`] and a buffer starting out takes it from
/// there, so its initialised bytes need not be zeroed again; they may be another
/// connection's, so [`Self::room`] zeroes what it lends a reader beyond [`Self::clean`].
pub(super) struct ReceiveBuffer {
    buf: Vec<u8>,
    /// Start of the bytes not yet deframed.
    pub(super) start: usize,
    /// End of the received bytes; bytes past it (up to `buf.len()`) are initialised
    /// scratch space kept for the next read, so reads need not zero it again.
    pub(super) end: usize,
    /// How much room [`Self::room`] offers a reader: small at first, doubled each time a
    /// read fills it (up to the whole buffer), so an idle connection woken by a small
    /// request zeroes 4 KiB of a fresh buffer, not 33 KiB; it is kept when the buffer is
    /// freed, so a bulk receiver pays its growth once.
    read_size: usize,
    /// Decrypted application data lying in `buf`, oldest first.
    pub(super) plaintext: VecDeque<Range<usize>>,
    /// End of the records already opened (see the type's comment); `<= start` if none.
    opened_end: usize,
    /// Whether the last application data record was full-size (2^14 bytes): the peer is
    /// likely streaming, so the buffer is kept for its next record when it drains.
    streaming: bool,
    /// `buf[..clean]` holds only this connection's bytes or zeros (bytes beyond it, up
    /// to `buf.len()`, may be a spare's former owner's): what a reader may be lent.
    clean: usize,
}

impl ReceiveBuffer {
    pub(super) fn new() -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            end: 0,
            read_size: RX_FIRST_READ,
            plaintext: VecDeque::new(),
            opened_end: 0,
            streaming: false,
            clean: 0,
        }
    }

    /// Grows the allocation to hold at least `want` bytes, doubling (up to
    /// [`RX_CAPACITY`]) so a burst of small appends does not reallocate each time.
    fn reserve_to(&mut self, want: usize) {
        if self.buf.capacity() == 0 {
            self.buf = Spare::Receive.take();
            self.clean = 0;
        }
        if self.buf.capacity() < want {
            // Double (from a flight's worth), never past RX_CAPACITY, never short of want.
            let doubled = (self.buf.capacity() * 2).clamp(RX_MIN_CAPACITY, RX_CAPACITY);
            let target = want.max(doubled);
            self.buf.reserve_exact(target - self.buf.len());
        }
    }

    /// Makes `buf[..want]` initialised, zeroing what is new (the caller reserved it).
    fn grow_to(&mut self, want: usize) {
        if self.buf.len() < want {
            if self.clean >= self.buf.len() {
                // Everything up to here is ours, and the new bytes are zeros.
                self.clean = want;
            }
            self.buf.resize(want, 0);
        }
    }

    /// Free room for received bytes.
    pub(super) fn free_room(&self) -> usize {
        RX_CAPACITY - self.end
    }

    /// Appends received TLS bytes (at most [`Self::free_room`]; the caller checks),
    /// growing the buffer to hold them.
    pub(super) fn append(&mut self, data: &[u8]) {
        self.reserve_to(self.end + data.len());
        // Overwrite the initialised scratch first, then grow the vector with the rest;
        // `end <= buf.len()` always holds, so the slice is in bounds.
        let end = self.end;
        let overlap = self.buf.len().saturating_sub(end).min(data.len());
        let (head, tail) = data.split_at(overlap);
        copy::copy(&mut self.buf[end..end + overlap], head);
        if self.clean >= self.buf.len() {
            self.clean = self.buf.len() + tail.len();
        }
        copy::extend(&mut self.buf, tail);
        self.end += data.len();
    }

    /// The free room, initialised, for a reader to fill; then call [`Self::filled`].
    /// Bytes are zeroed once per allocation (or once per spare taken over), not once per
    /// read, and only as far as reads have needed; the caller checks that there is room.
    pub(super) fn room(&mut self) -> &mut [u8] {
        let want = (self.end + self.read_size).min(RX_CAPACITY);
        self.reserve_to(want);
        self.grow_to(want);
        if self.clean < want {
            // A spare's former contents are not lent to this connection's reader.
            let from = self.clean.max(self.end);
            self.buf[from..want].fill(0);
            self.clean = want;
        }
        let (end, lent) = (self.end, self.lendable());
        &mut self.buf[end..lent]
    }

    /// Where the room [`Self::room`] lends ends: as far as the bytes are clean.
    fn lendable(&self) -> usize {
        self.clean.min(self.buf.len()).max(self.end)
    }

    /// Marks `n` bytes written into [`Self::room`] as received.
    pub(super) fn filled(&mut self, n: usize) {
        let lent = self.lendable();
        let offered = lent - self.end;
        self.end = (self.end + n).min(lent);
        if n > 0 && n == offered {
            // The reader had more: offer more room next time.
            self.read_size = (self.read_size * 2).min(RX_CAPACITY);
        }
    }

    /// Room for one record opened as it arrives: `len` initialised bytes at the end (the
    /// caller checks [`Self::free_room`]); then [`Self::opened`].
    pub(super) fn room_for_opened(&mut self, len: usize) -> &mut [u8] {
        let want = self.end + len;
        self.reserve_to(want);
        self.grow_to(want);
        let end = self.end;
        &mut self.buf[end..want]
    }

    /// Marks the `len` bytes written into [`Self::room_for_opened`] as one opened record.
    pub(super) fn opened(&mut self, len: usize) {
        self.end = (self.end + len).min(self.buf.len());
        self.opened_end = self.end;
    }

    /// Whether the record starting at `at` was opened as it arrived.
    pub(super) fn was_opened(&self, at: usize) -> bool {
        at < self.opened_end
    }

    /// The received bytes not yet deframed.
    pub(super) fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// The bytes at `range` (a record handed out by the deframer), to open in place.
    pub(super) fn slice_mut(&mut self, range: Range<usize>) -> &mut [u8] {
        &mut self.buf[range]
    }

    /// The bytes at `range`.
    pub(super) fn slice(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// The oldest unread application data.
    pub(super) fn front_plaintext(&self) -> &[u8] {
        self.plaintext.front().map_or(&[], |r| &self.buf[r.clone()])
    }

    /// Application data decrypted at `content`, for the reader.
    pub(super) fn push_plaintext(&mut self, content: Range<usize>) {
        self.streaming = content.len() == MAX_PLAINTEXT_LEN;
        if !content.is_empty() {
            self.plaintext.push_back(content);
        }
    }

    /// Marks `n` bytes of the front plaintext (at most its length) as read. Once all
    /// plaintext is read, what is left (the start of a record, if anything) moves to the
    /// front; unread plaintext is not moved here, so reading costs no copy. A buffer left
    /// holding nothing is freed at once unless the last record was full-size (more is
    /// likely on its way): an idle connection keeps no receive buffer, and nobody has to
    /// call `shrink_buffers` for that.
    pub(super) fn consume_plaintext(&mut self, n: usize) {
        let Some(range) = self.plaintext.front_mut() else {
            return;
        };
        range.start = range.start.saturating_add(n).min(range.end);
        if range.start == range.end {
            self.plaintext.pop_front();
            if self.plaintext.is_empty() {
                if self.start == self.end && !self.streaming {
                    self.free();
                } else {
                    self.compact();
                }
            }
        }
    }

    /// Unread application data, in bytes.
    pub(super) fn plaintext_len(&self) -> usize {
        self.plaintext.iter().map(|r| r.len()).sum()
    }

    /// Gives the buffer, with whatever it holds, to the thread's spare.
    pub(super) fn free(&mut self) {
        Spare::Receive.give(std::mem::take(&mut self.buf));
        self.clean = 0;
        self.start = 0;
        self.end = 0;
        self.opened_end = 0;
        self.plaintext.clear();
    }

    /// Frees the buffer if it holds nothing.
    pub(super) fn free_if_idle(&mut self) {
        if self.start == self.end && self.plaintext.is_empty() {
            self.free();
        }
    }

    /// Moves unread data to the front of the buffer. An emptied buffer keeps its
    /// allocation, so the records of one burst reuse it; [`Self::free_if_idle`] releases
    /// it once the connection goes idle.
    pub(super) fn compact(&mut self) {
        let keep_from = self.plaintext.front().map_or(self.start, |r| r.start);
        if keep_from == self.end {
            if self.plaintext.is_empty() {
                self.end = 0;
                self.start = 0;
                self.opened_end = 0;
            }
            return;
        }
        if keep_from == 0 {
            return;
        }
        copy::move_to_front(&mut self.buf, keep_from, self.end);
        self.end -= keep_from;
        self.start -= keep_from;
        self.opened_end = self.opened_end.saturating_sub(keep_from);
        for r in &mut self.plaintext {
            r.start -= keep_from;
            r.end -= keep_from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer holding `data` with `plaintext` marked as decrypted application data and
    /// everything from `start` not yet deframed.
    fn buffer(data: &[u8], plaintext: &[(usize, usize)], start: usize) -> ReceiveBuffer {
        let mut rx = ReceiveBuffer::new();
        rx.append(data);
        rx.plaintext.extend(plaintext.iter().map(|&(a, b)| a..b));
        rx.start = start;
        rx
    }

    #[test]
    fn reading_moves_nothing_until_all_plaintext_is_read() {
        let mut rx = buffer(b"..abc..de.partial", &[(2, 5), (7, 9)], 10);
        rx.consume_plaintext(3);
        assert_eq!(rx.front_plaintext(), b"de");
        assert_eq!(rx.pending(), b"partial");
        assert_eq!(rx.start, 10, "unread plaintext was moved");
        rx.consume_plaintext(2);
        // All read: only the start of the next record moves to the front.
        assert_eq!(rx.start, 0);
        assert_eq!(rx.pending(), b"partial");
        assert_eq!(rx.free_room(), RX_CAPACITY - 7);
    }

    #[test]
    fn consuming_more_than_the_front_piece_stops_at_its_end() {
        let mut rx = buffer(b"abcdef", &[(0, 3), (3, 6)], 6);
        rx.consume_plaintext(100);
        assert_eq!(rx.front_plaintext(), b"def");
        assert_eq!(rx.plaintext_len(), 3);
    }

    #[test]
    fn a_reader_is_never_lent_a_spare_s_old_bytes() {
        Spare::Receive.give(vec![0xaa; RX_CAPACITY]);
        let mut rx = ReceiveBuffer::new();
        let room = rx.room();
        assert_eq!(room.len(), RX_FIRST_READ);
        assert!(
            room.iter().all(|&b| b == 0),
            "another connection's bytes were lent"
        );
        room[..3].copy_from_slice(b"abc");
        rx.filled(3);
        // Opening a record into the rest does not make the stale bytes after it lendable.
        rx.room_for_opened(RX_FIRST_READ * 2).fill(0x11);
        rx.opened(RX_FIRST_READ * 2);
        let room = rx.room();
        assert!(room.iter().all(|&b| b == 0));
        assert_eq!(rx.pending()[..3], *b"abc");
    }

    #[test]
    fn a_freed_buffer_is_reused_without_zeroing_by_the_next_record() {
        let mut rx = ReceiveBuffer::new();
        rx.room_for_opened(100).fill(0x11);
        rx.opened(100);
        let allocation = rx.buf.as_ptr();
        rx.start = 100;
        rx.free_if_idle();
        assert_eq!(rx.buf.capacity(), 0);
        assert_eq!(
            rx.room_for_opened(100),
            [0x11; 100],
            "the spare's bytes were zeroed again"
        );
        assert_eq!(rx.buf.as_ptr(), allocation);
    }

    #[test]
    fn an_emptied_buffer_is_freed_when_idle() {
        let mut rx = buffer(b"abc", &[(0, 3)], 3);
        rx.consume_plaintext(3);
        rx.free_if_idle();
        assert_eq!(rx.buf.capacity(), 0);
    }
}
