//! The send buffer: sealed records waiting to be written to the peer.

/// Sealed TLS bytes: `buf[start..end]` is not yet sent. Bytes past `end` (up to
/// `buf.len()`) are initialised scratch kept from earlier records, so sealing the next
/// record into [`Self::room`] writes each byte once (the AEAD's output) instead of zeroing
/// it first.
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

    /// Marks the first `n` pending bytes as sent. Once everything is sent the buffer
    /// starts over at its front, keeping its allocation for the next record of a burst.
    pub(super) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Whether nothing waits to be sent.
    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Frees the allocation if nothing waits to be sent.
    pub(super) fn free_if_idle(&mut self) {
        if self.is_empty() {
            *self = Self::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // The next record reuses the front without growing the buffer.
        assert_eq!(tx.room(6).len(), 6);
        assert_eq!(tx.buf.len(), 6);
        tx.free_if_idle();
        assert_eq!(tx.buf.capacity(), 0);
    }
}
