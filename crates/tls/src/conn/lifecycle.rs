//! Where a connection is in its life: handshaking, open, closing.

/// The connection's stage. Each direction closes on its own (RFC 8446 §6.1): we close ours
/// with close_notify, the peer closes its own with close_notify or just drops the
/// transport; an error ends both (the connection keeps the error itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Lifecycle {
    pub(super) stage: Stage,
    /// We sent close_notify: nothing more may be written (RFC 8446 §6.1).
    pub(super) we_closed: bool,
    /// What the peer's side of the stream did.
    pub(super) peer: PeerStream,
}

/// How far the handshake got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// No application keys yet: plaintext written now is held until they exist.
    Handshaking,
    /// Our application write keys exist but the handshake is not complete: a server after
    /// its first flight may send data (RFC 8446 §2, "0.5-RTT"); nothing can be read yet.
    HandshakingCanWrite,
    /// The handshake is complete: application data flows both ways.
    Open,
}

/// The peer's side of the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PeerStream {
    /// The peer may send more.
    Open,
    /// The peer sent close_notify: the data is complete; nothing may follow.
    ClosedNotify,
    /// The transport reached end-of-stream, without close_notify before it.
    Ended,
}

impl Lifecycle {
    pub(super) fn new() -> Self {
        Self {
            stage: Stage::Handshaking,
            we_closed: false,
            peer: PeerStream::Open,
        }
    }

    /// Whether the handshake is complete.
    pub(super) fn is_open(&self) -> bool {
        self.stage == Stage::Open
    }

    /// Whether our application keys exist, so plaintext can be sealed at once.
    pub(super) fn can_write(&self) -> bool {
        self.stage != Stage::Handshaking
    }

    /// Whether more TLS bytes may come from the peer.
    pub(super) fn peer_may_send(&self) -> bool {
        self.peer == PeerStream::Open
    }

    /// The transport reached end-of-stream. After close_notify that is the normal end.
    pub(super) fn transport_ended(&mut self) {
        if self.peer == PeerStream::Open {
            self.peer = PeerStream::Ended;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transport_end_after_close_notify_stays_a_clean_close() {
        let mut life = Lifecycle::new();
        life.peer = PeerStream::ClosedNotify;
        life.transport_ended();
        assert_eq!(life.peer, PeerStream::ClosedNotify);
        let mut life = Lifecycle::new();
        life.transport_ended();
        assert_eq!(life.peer, PeerStream::Ended);
        assert!(!life.peer_may_send());
    }

    #[test]
    fn a_server_may_write_before_the_handshake_is_complete() {
        let mut life = Lifecycle::new();
        assert!(!life.can_write() && !life.is_open());
        life.stage = Stage::HandshakingCanWrite;
        assert!(life.can_write() && !life.is_open());
        life.stage = Stage::Open;
        assert!(life.can_write() && life.is_open());
    }
}
