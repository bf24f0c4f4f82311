//! One spare buffer per thread for each direction, so a connection can give its send or
//! receive buffer back the moment it drains and take it again for its next record, without
//! a fresh allocation to zero each time.
//!
//! A drained buffer is not the connection's to keep: an idle connection holds none (no
//! caller has to say it is idle), while a stream of records reuses the same allocation
//! through the spare — its bytes stay initialised, so the next record is written straight
//! into it. A thread keeps at most one spare per direction, of at most [`MAX_SPARE`]
//! bytes; a bigger buffer, or the smaller of two, is freed. (Go's crypto/tls pools its
//! output buffers the same way.)
//!
//! A spare holds whatever its last owner left in it. Send buffers hold only records as
//! they went out on the wire. A receive buffer may hold another connection's plaintext,
//! so [`super::receive_buffer::ReceiveBuffer`] zeroes what it takes before any of it is
//! lent to a reader.

use std::cell::Cell;

/// The largest buffer kept as a spare: two maximal records with their headers.
pub(super) const MAX_SPARE: usize =
    2 * (crate::wire::RECORD_HEADER_LEN + crate::wire::MAX_CIPHERTEXT_LEN);

thread_local! {
    static SEND: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    static RECEIVE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Frees this thread's spare buffers (at most one send and one receive buffer, each up to
/// two records' worth, ≈ 33 KB). A connection releases its drained buffers to them by
/// itself; call this when a thread is done with connections for a long while.
pub fn free_spare_buffers() {
    drop(Spare::Send.take());
    drop(Spare::Receive.take());
}

/// Which direction's spare.
#[derive(Clone, Copy)]
pub(super) enum Spare {
    /// Sealed records on their way out.
    Send,
    /// Received records and their plaintext.
    Receive,
}

impl Spare {
    fn slot(self) -> &'static std::thread::LocalKey<Cell<Vec<u8>>> {
        match self {
            Spare::Send => &SEND,
            Spare::Receive => &RECEIVE,
        }
    }

    /// This thread's spare buffer, or an empty vector if there is none. Its length is how
    /// far its bytes are initialised; their contents are the last owner's.
    pub(super) fn take(self) -> Vec<u8> {
        // After the thread's locals are gone (a connection dropped by another local's
        // destructor), there is no spare.
        self.slot().try_with(Cell::take).unwrap_or_default()
    }

    /// Gives `buf` to this thread as its spare (keeping the larger of it and the one there
    /// already), or frees it.
    pub(super) fn give(self, buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > MAX_SPARE {
            return;
        }
        // If the locals are gone, `buf` is simply freed.
        self.slot()
            .try_with(|slot| {
                let held = slot.take();
                slot.set(if held.capacity() > buf.capacity() {
                    held
                } else {
                    buf
                });
            })
            .unwrap_or(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_buffer_comes_back_with_its_bytes() {
        Spare::Send.give(vec![7u8; 100]);
        let back = Spare::Send.take();
        assert_eq!(back, vec![7u8; 100]);
        assert_eq!(Spare::Send.take().capacity(), 0, "the spare was taken");
    }

    #[test]
    fn freeing_the_spares_empties_both() {
        Spare::Send.give(vec![1u8; 10]);
        Spare::Receive.give(vec![2u8; 10]);
        free_spare_buffers();
        assert_eq!(Spare::Send.take().capacity(), 0);
        assert_eq!(Spare::Receive.take().capacity(), 0);
    }

    #[test]
    fn the_larger_of_two_spares_is_kept_and_huge_ones_are_freed() {
        Spare::Receive.give(vec![1u8; 10]);
        Spare::Receive.give(vec![2u8; 20]);
        Spare::Receive.give(vec![3u8; 5]);
        Spare::Receive.give(vec![4u8; MAX_SPARE + 1]);
        assert_eq!(Spare::Receive.take(), vec![2u8; 20]);
    }
}
