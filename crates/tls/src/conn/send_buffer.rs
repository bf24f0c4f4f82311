//! The send buffer: sealed records waiting to be written to the peer.

use super::spare::Spare;

/// The least a send buffer allocates.
const MIN_CAPACITY: usize = 2048;

/// Sealed TLS bytes: `buf[start..end]` is not yet sent. Bytes past `end` (up to
/// `buf.len()`) are initialised scratch kept from earlier records, so sealing the next
/// record into [`Self::room`] writes each byte once (the AEAD's output) instead of zeroing
/// it first. A drained buffer goes to this thread's [`Spare`], and the next record takes
/// it back from there: an idle connection holds none, and a stream of records reuses one.
#[derive(Default)]
pub(super) struct SendBuffer {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl SendBuffer {
    /// The bytes not yet sent.
    pub(super) fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Where the next `n` bytes go (initialised; grown if short); then [`Self::commit`].
    pub(super) fn room(&mut self, n: usize) -> &mut [u8] {
        let want = self.end + n;
        if self.buf.capacity() == 0 {
            // Its bytes are records that went out on the wire: nothing to hide.
            self.buf = Spare::Send.take();
        }
        if self.buf.capacity() < want {
            // At least a flight's worth, so a handshake's few records share one
            // allocation instead of growing it record by record.
            self.buf
                .reserve_exact(want.max(MIN_CAPACITY) - self.buf.len());
        }
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        &mut self.buf[self.end..want]
    }

    /// Marks `n` bytes written into [`Self::room`] as queued.
    pub(super) fn commit(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Queues `bytes` as they are.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        self.room(bytes.len()).copy_from_slice(bytes);
        self.commit(bytes.len());
    }

    /// Where the queued bytes end (the next record starts), for [`Self::queued_from`].
    pub(super) fn end(&self) -> usize {
        self.end
    }

    /// The queued bytes from `at` (a value of [`Self::end`]) on, to rewrite in place.
    pub(super) fn queued_from(&mut self, at: usize) -> &mut [u8] {
        let end = self.end;
        &mut self.buf[at.min(end)..end]
    }

    /// Marks the first `n` pending bytes as sent. Once everything is sent the buffer goes
    /// to the thread's spare: an idle connection keeps no send buffer, without
    /// `shrink_buffers`, and the next record (of this connection or another) reuses it.
    pub(super) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
        self.free_if_idle();
    }

    /// Whether nothing waits to be sent.
    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Gives the allocation to the thread's spare if nothing waits to be sent.
    pub(super) fn free_if_idle(&mut self) {
        if self.is_empty() && self.buf.capacity() > 0 {
            Spare::Send.give(std::mem::take(self).buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drained_buffer_goes_to_the_spare_and_comes_back() {
        let mut tx = SendBuffer::default();
        tx.push(b"a record");
        let allocation = tx.buf.as_ptr();
        tx.consume(8);
        assert_eq!(tx.buf.capacity(), 0, "a drained buffer is not kept");
        tx.push(b"next");
        assert_eq!(tx.buf.as_ptr(), allocation, "the spare was reused");
        assert_eq!(tx.pending(), b"next");
    }

    #[test]
    fn sent_bytes_leave_initialised_room_for_the_next_record() {
        let mut tx = SendBuffer::default();
        tx.room(5).copy_from_slice(b"hello");
        tx.commit(5);
        tx.push(b"!");
        assert_eq!(tx.pending(), b"hello!");
        tx.consume(2);
        assert_eq!(tx.pending(), b"llo!");
        tx.consume(4);
        assert!(tx.is_empty());
        // The next record reuses the spare's initialised bytes without growing it.
        assert_eq!(tx.room(6).len(), 6);
        assert_eq!(tx.buf.len(), 6);
        tx.free_if_idle();
        assert_eq!(tx.buf.capacity(), 0);
    }
}
