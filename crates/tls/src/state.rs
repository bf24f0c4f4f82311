//! The handshake state of either side — the dispatcher the connection drives — and the
//! small steps both sides share. The authentication messages are in `auth_messages`, what
//! the states tell a trace in `handshake_trace`.

use padlock_crypto::{Digest, Provider};

use crate::conn::HandshakeKind;
use crate::error::Error;
use crate::key_update::ApplicationTraffic;
use crate::output::{trace, Output};
use crate::suites::Suite;
use crate::tls13::key_schedule::{
    ApplicationSecrets, EarlySecret, HandshakeSecret, MasterSecret, TrafficSecret,
};
use crate::trace::TraceEvent;
use crate::transcript::Transcript;
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

    /// Whether the message this state awaits is the whole of the peer's first flight (the
    /// first ClientHello): the peer then waits for ours, so nothing may be buffered behind
    /// it (RFC 5246 §7.3).
    pub(crate) fn awaits_first_client_hello(&self) -> bool {
        matches!(self, Self::Server(s) if s.awaits_first_client_hello())
    }

    /// Whether the peer's flight just ended with a TLS 1.2 ServerHelloDone and ours went:
    /// the server waits for it, so nothing may be buffered behind the ServerHelloDone
    /// (RFC 5246 §7.3).
    pub(crate) fn awaits_server_change_cipher_spec(&self) -> bool {
        matches!(self, Self::Client(s) if s.awaits_server_change_cipher_spec())
    }

    /// Whether the state waits for the peer's TLS 1.2 ChangeCipherSpec, the one place
    /// TLS 1.2 allows it (RFC 5246 §7.1, §7.4.9; CVE-2014-0224 was accepting it early).
    pub(crate) fn expects_change_cipher_spec(&self) -> bool {
        match self {
            Self::Client(s) => s.expects_change_cipher_spec(),
            Self::Server(s) => s.expects_change_cipher_spec(),
        }
    }

    /// The peer's TLS 1.2 ChangeCipherSpec: its records are protected from now on.
    pub(crate) fn change_cipher_spec(self, out: &mut dyn Output) -> Result<Self, Error> {
        match self {
            Self::Client(s) => s.change_cipher_spec(out).map(Self::Client),
            Self::Server(s) => s.change_cipher_spec(out).map(Self::Server),
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

/// One version's handshake states in one box, reused from step to step: each step moves
/// the next state into the box the last one leaves, so a handshake allocates it once
/// rather than once per message. It is empty only while a step runs (and after one
/// failed, when the connection is dead).
pub(crate) struct StateBox<S>(Box<Option<S>>);

impl<S> StateBox<S> {
    pub(crate) fn new(state: S) -> Self {
        // Allocated first and the state moved in once: `Box::new(Some(state))` moves a
        // state (1.7 KB, the client's offer) twice, into the `Some` and then the box.
        let mut boxed = Box::new(None);
        *boxed = Some(state);
        Self(boxed)
    }

    /// The state, between steps.
    pub(crate) fn get(&self) -> Option<&S> {
        self.0.as_ref().as_ref()
    }

    /// The state, for a step that updates it where it lies.
    pub(crate) fn get_mut(&mut self) -> Option<&mut S> {
        self.0.as_mut().as_mut()
    }

    /// Takes the state out, leaving the box empty for the next (see [`Self::put`]): the
    /// one move out, where a match on the result moves the state no further.
    pub(crate) fn take(&mut self) -> Option<S> {
        self.0.take()
    }

    /// Runs one step on the state; the next goes into the same box.
    pub(crate) fn step(mut self, step: impl FnOnce(S) -> Result<S, Error>) -> Result<Self, Error> {
        let state = self.0.take().ok_or_else(missing)?;
        match step(state) {
            Ok(next) => {
                *self.0 = Some(next);
                Ok(self)
            }
            Err(e) => Err(e),
        }
    }

    /// Puts the next state into the box [`Self::take`] emptied.
    pub(crate) fn put(mut self, state: S) -> Self {
        *self.0 = Some(state);
        self
    }
}

/// The error of a step on a [`StateBox`] left empty by one that failed.
pub(crate) fn missing() -> Error {
    Error::Internal("handshake state missing")
}

/// A TLS 1.3 handshake settled on `suite` and `group` (none: a psk_ke resumption,
/// RFC 8446 §4.2.9), after a HelloRetryRequest if `retried`, resumed or not: tell the
/// connection and the trace.
pub(crate) fn report_negotiated(
    suite: Suite,
    group: Option<NamedGroup>,
    retried: bool,
    resumed: bool,
    out: &mut dyn Output,
) {
    out.negotiated(suite, group);
    out.handshake_kind(match (resumed, retried) {
        (false, false) => HandshakeKind::Full,
        (false, true) => HandshakeKind::FullWithHelloRetryRequest,
        (true, false) => HandshakeKind::Resumed,
        (true, true) => HandshakeKind::ResumedWithHelloRetryRequest,
    });
    if let Some(group) = group {
        trace(out, || TraceEvent::Negotiated {
            version: ProtocolVersion::TLSv1_3,
            suite: suite.suite,
            group,
        });
    }
}

/// The secrets of the handshake (RFC 8446 §7.1).
pub(crate) struct HandshakeSecrets {
    pub(crate) handshake: HandshakeSecret,
    /// `client_handshake_traffic_secret`.
    pub(crate) client: TrafficSecret,
    /// `server_handshake_traffic_secret`.
    pub(crate) server: TrafficSecret,
}

/// RFC 8446 §7.1: the Early Secret (`early`, from the PSK; without one, of zeros) →
/// Handshake Secret with the key exchange's `shared` secret (HashLen zeros for psk_ke),
/// and the handshake traffic secrets from Hash(ClientHello..ServerHello) (`transcript`),
/// which go to the key log.
pub(crate) fn handshake_secrets(
    suite: Suite,
    early: Option<EarlySecret>,
    shared: &[u8],
    transcript: &Transcript,
    out: &mut dyn Output,
) -> HandshakeSecrets {
    let provider = out.provider();
    let provider = provider.as_ref();
    let early = early.unwrap_or_else(|| EarlySecret::new(provider, suite.hash, None));
    let hash = transcript.current_hash(provider);
    let (handshake, client, server) = early.into_handshake_secrets(provider, shared, hash.as_ref());
    out.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", client.as_bytes());
    out.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", server.as_bytes());
    HandshakeSecrets {
        handshake,
        client,
        server,
    }
}

/// RFC 8446 §7.1: the application secrets from Hash(ClientHello..server Finished)
/// (`hash`); the traffic secrets go to the key log. The Master Secret comes back too, for
/// the resumption master secret once the client's Finished is known.
pub(crate) fn application_secrets(
    handshake: HandshakeSecret,
    hash: &Digest,
    out: &mut dyn Output,
) -> (ApplicationSecrets, MasterSecret) {
    let provider = out.provider();
    let provider = provider.as_ref();
    let master = handshake.into_master(provider);
    let app = master.application_secrets(provider, hash.as_ref());
    out.log_secret("CLIENT_TRAFFIC_SECRET_0", app.client.as_bytes());
    out.log_secret("SERVER_TRAFFIC_SECRET_0", app.server.as_bytes());
    (app, master)
}

/// Room a handshake message's encoding starts with: most of ours (a ClientHello, a
/// two-certificate chain) fit, so the vector does not grow byte by byte from empty.
pub(crate) const ENCODE_CAPACITY: usize = 1024;

/// The wire encoding of a handshake message, header included.
pub(crate) fn encode(payload: &HandshakePayload) -> Vec<u8> {
    let mut out = Vec::with_capacity(ENCODE_CAPACITY);
    payload.encode(&mut out);
    out
}

/// Encodes one handshake message straight into the send queue (no vector of its own: a
/// flight shares one buffer) and returns its bytes, header included, for the transcript
/// and the trace.
pub(crate) fn queue_message(out: &mut dyn Output, encode: impl FnOnce(&mut Vec<u8>)) -> &[u8] {
    let queue = out.handshake_queue();
    let start = queue.len();
    encode(queue);
    queue.get(start..).unwrap_or_default()
}

/// [`queue_message`] for a payload.
pub(crate) fn queue_payload<'o>(out: &'o mut dyn Output, payload: &HandshakePayload) -> &'o [u8] {
    queue_message(out, |queue| payload.encode(queue))
}

/// [`queue_message`] for a Finished (RFC 8446 §4.4.4, RFC 5246 §7.4.9) with
/// `verify_data`, without copying it into a [`crate::wire::handshake::Finished`] first.
pub(crate) fn queue_finished<'o>(out: &'o mut dyn Output, verify_data: &[u8]) -> &'o [u8] {
    queue_message(out, |queue| write_finished(queue, verify_data))
}

/// Adds to `transcript` the Finished (RFC 8446 §4.4.4) carrying `verify_data` (at most
/// [`crate::hkdf::MAX_SECRET_LEN`] bytes), encoded on the stack: a message the peer will
/// send, added ahead of time.
pub(crate) fn add_finished(transcript: &mut crate::transcript::Transcript, verify_data: &[u8]) {
    let mut message = [0u8; 4 + crate::hkdf::MAX_SECRET_LEN];
    let len = verify_data.len().min(crate::hkdf::MAX_SECRET_LEN);
    message[0] = u8::from(crate::wire::enums::HandshakeType::Finished);
    message[3] = len as u8;
    message[4..4 + len].copy_from_slice(&verify_data[..len]);
    transcript.add(&message[..4 + len]);
}

/// Writes a Finished (RFC 8446 §4.4.4): the handshake header, then `verify_data` (the
/// same bytes as encoding a `Finished` message, without copying `verify_data` into one).
fn write_finished(queue: &mut Vec<u8>, verify_data: &[u8]) {
    crate::wire::handshake::encode_handshake(
        crate::wire::enums::HandshakeType::Finished,
        queue,
        |queue| queue.extend_from_slice(verify_data),
    )
}

/// `N` random bytes from the provider.
pub(crate) fn random_bytes<const N: usize>(provider: &dyn Provider) -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    provider
        .fill_random(&mut out)
        .map_err(|_| Error::Internal("the random number generator failed"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::handshake::{Finished, HandshakePayload};

    #[test]
    fn a_finished_is_written_as_its_struct_encodes() {
        let verify_data = [0x5a; 48];
        let expected = encode(&HandshakePayload::Finished(Finished {
            verify_data: &verify_data,
        }));
        let mut written = Vec::new();
        write_finished(&mut written, &verify_data);
        assert_eq!(written, expected);
    }
}
