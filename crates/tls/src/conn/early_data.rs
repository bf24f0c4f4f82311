//! 0-RTT data on the connection's side (RFC 8446 §2.3, §4.2.10): what a client may still
//! send, and what a server received, kept apart from ordinary plaintext.

use super::EarlyDataStatus;

/// The connection's 0-RTT bookkeeping.
pub(super) struct EarlyData {
    pub(super) status: EarlyDataStatus,
    /// Client: how much more [`super::Connection::write_early_data`] may send (0 once the
    /// ServerHello was read: the first flight is over).
    pub(super) writable: usize,
    /// Server: while `Some`, application data records are 0-RTT data, with this much more
    /// allowed (the ticket's max_early_data_size, RFC 8446 §4.2.10).
    pub(super) receiving: Option<usize>,
    /// Server: accepted 0-RTT data not yet read; `received[read..]` is unread.
    received: Vec<u8>,
    read: usize,
}

impl EarlyData {
    pub(super) fn new() -> Self {
        Self {
            status: EarlyDataStatus::NotOffered,
            writable: 0,
            receiving: None,
            received: Vec::new(),
            read: 0,
        }
    }

    /// Server: keeps a record's 0-RTT data; `false` if it goes beyond the limit.
    pub(super) fn receive(&mut self, data: &[u8]) -> bool {
        let Some(left) = self.receiving else {
            return false;
        };
        let Some(left) = left.checked_sub(data.len()) else {
            return false;
        };
        self.receiving = Some(left);
        self.received.extend_from_slice(data);
        true
    }

    /// Unread 0-RTT data.
    pub(super) fn unread(&self) -> usize {
        self.received.len() - self.read
    }

    /// Copies unread 0-RTT data into `buf`; returns the count.
    pub(super) fn read(&mut self, buf: &mut [u8]) -> usize {
        let unread = &self.received[self.read..];
        let n = unread.len().min(buf.len());
        crate::record::copy::copy(&mut buf[..n], &unread[..n]);
        self.read += n;
        if self.read == self.received.len() {
            self.received = Vec::new();
            self.read = 0;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_data_is_kept_up_to_the_limit_and_read_once() {
        let mut early = EarlyData::new();
        assert!(!early.receive(b"x"), "nothing is taken unless accepted");
        early.receiving = Some(5);
        assert!(early.receive(b"abc"));
        assert!(!early.receive(b"def"), "beyond the limit");
        assert!(early.receive(b"de"));
        assert_eq!(early.unread(), 5);
        let mut buf = [0; 4];
        assert_eq!(early.read(&mut buf), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(early.read(&mut buf), 1);
        assert_eq!(early.unread(), 0);
        assert_eq!(early.read(&mut buf), 0);
    }
}
