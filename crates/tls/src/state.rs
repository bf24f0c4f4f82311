//! The handshake state of either side — the dispatcher the connection drives — and the
//! small steps both sides share. The authentication messages are in `auth_messages`, what
//! the states tell a trace in `handshake_trace`.

use padlock_crypto::Provider;

use crate::conn::HandshakeKind;
use crate::error::Error;
use crate::key_update::ApplicationTraffic;
use crate::output::{trace, Output};
use crate::suites::Suite;
use crate::trace::TraceEvent;
use crate::wire::codec::Codec;
use crate::wire::enums::{NamedGroup, ProtocolVersion};
use crate::wire::handshake::HandshakePayload;

/// The handshake state machine of one connection.
pub(crate) enum State {
    Client(crate::client::State),
    Server(crate::server::State),
}

impl State {
    /// Handles one whole handshake message (header included).
    pub(crate) fn handle(self, raw: &[u8], out: &mut dyn Output) -> Result<Self, Error> {
        match self {
            Self::Client(s) => s.handle(raw, out).map(Self::Client),
            Self::Server(s) => s.handle(raw, out).map(Self::Server),
        }
    }

    /// The application traffic secrets, once the handshake is done (for KeyUpdate).
    pub(crate) fn traffic(&mut self) -> Option<&mut ApplicationTraffic> {
        match self {
            Self::Client(s) => s.traffic(),
            Self::Server(s) => s.traffic(),
        }
    }

    /// True while only the answer to a HelloRetryRequest may come next (RFC 8446 §4.1.4):
    /// a server that sent one waits for the second ClientHello, a client that received one
    /// and answered waits for the ServerHello.
    pub(crate) fn awaits_answer_to_retry(&self) -> bool {
        match self {
            Self::Client(s) => s.awaits_answer_to_retry(),
            Self::Server(s) => s.awaits_answer_to_retry(),
        }
    }

    /// Whether a ChangeCipherSpec record may arrive now (RFC 8446 §5).
    pub(crate) fn allows_change_cipher_spec(&self) -> bool {
        match self {
            Self::Client(s) => s.allows_change_cipher_spec(),
            Self::Server(s) => s.allows_change_cipher_spec(),
        }
    }
}

/// A TLS 1.3 handshake settled on `suite` and `group` (after a HelloRetryRequest if
/// `retried`): tell the connection and the trace.
pub(crate) fn report_negotiated(
    suite: Suite,
    group: NamedGroup,
    retried: bool,
    out: &mut dyn Output,
) {
    out.negotiated(suite, group);
    out.handshake_kind(if retried {
        HandshakeKind::FullWithHelloRetryRequest
    } else {
        HandshakeKind::Full
    });
    trace(out, || TraceEvent::Negotiated {
        version: ProtocolVersion::TLSv1_3,
        suite: suite.suite,
        group,
    });
}

/// The wire encoding of a handshake message, header included.
pub(crate) fn encode(payload: &HandshakePayload) -> Vec<u8> {
    payload.to_vec()
}

/// `N` random bytes from the provider.
pub(crate) fn random_bytes<const N: usize>(provider: &dyn Provider) -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    provider
        .fill_random(&mut out)
        .map_err(|_| Error::Internal("the random number generator failed"))?;
    Ok(out)
}
