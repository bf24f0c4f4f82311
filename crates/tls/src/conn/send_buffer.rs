//! The send buffer: sealed records waiting to be written to the peer.

/// The least a send buffer allocates.
const MIN_CAPACITY: usize = 2048;

/// Sealed TLS bytes: `buf[start..end]` is not yet sent. Bytes past `end` (up to
/// `buf.len()`) are initialised scratch kept from earlier records, so sealing the next
/// record into [`Self::room`] writes each byte once (the AEAD's output) instead of zeroing
/// it first.
#[derive(Default)]
pub(super) struct SendBuffer {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Whether the last record queued was a full-size one (2^14 bytes of data): the
    /// caller is likely streaming, so the buffer is kept for the next when it drains.
    streaming: bool,
}

impl SendBuffer {
    /// The bytes not yet sent.
    pub(super) fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Where the next `n` bytes go (initialised; grown if short); then [`Self::commit`].
    pub(super) fn room(&mut self, n: usize) -> &mut [u8] {
        let want = self.end + n;
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

    /// Notes whether the record just queued carried a full 2^14 bytes of data.
    pub(super) fn note_record(&mut self, full: bool) {
        self.streaming = full;
    }

    /// Marks the first `n` pending bytes as sent. Once everything is sent the buffer is
    /// freed, unless the last record was full-size: then it starts over at its front,
    /// keeping its allocation for the next record of the burst (an idle connection keeps
    /// no send buffer once its last, shorter record is out, without `shrink_buffers`).
    pub(super) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
        if self.start == self.end {
            if self.streaming {
                self.start = 0;
                self.end = 0;
            } else {
                *self = Self::default();
            }
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
    fn a_drained_buffer_is_freed_unless_the_last_record_was_full() {
        let mut tx = SendBuffer::default();
        tx.push(b"short record");
        tx.note_record(false);
        tx.consume(12);
        assert_eq!(tx.buf.capacity(), 0);
        tx.push(b"full record");
        tx.note_record(true);
        tx.consume(11);
        assert!(tx.buf.capacity() > 0);
    }

    #[test]
    fn sent_bytes_leave_initialised_room_for_the_next_record() {
        let mut tx = SendBuffer::default();
        tx.note_record(true);
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
