//! The client's TLS 1.3 handshake (RFC 8446 §2, §4), once the server chose TLS 1.3.
//!
//! ```text
//!  (hs) ServerHello ──▶ ExpectEncryptedExtensions ──▶ ExpectCertificateOrCertificateRequest
//!  (hs) HelloRetryRequest ──(ClientHello2)──▶ ExpectServerHello ──ServerHello──▶ ...
//!        ──(CertificateRequest)──▶ ExpectCertificate ──▶ ExpectCertificateVerify
//!        ──▶ ExpectFinished ──(our flight)──▶ ExpectTraffic
//! ```

mod hello;
mod server_auth;

use crate::error::Error;
use crate::output::Output;
use crate::state::StateBox;
use crate::wire::handshake::HandshakePayload;

pub(crate) use hello::{handle_hello_retry_request, handle_server_hello, ExpectServerHello};
pub(crate) use server_auth::{Awaiting, Context};

/// The client's TLS 1.3 states, after the version is settled — and the wait for the
/// ServerHello that settles it, so that a TLS 1.3 handshake's states all live in the one
/// box the first ServerHello's wait starts (a TLS 1.2 answer leaves for a box of its own).
/// That first state, holding the whole offer, is the largest: the box is sized for it once,
/// which costs less than a second box beside it when the version is settled.
#[allow(clippy::large_enum_variant)]
pub(crate) enum State {
    /// Waiting for the first ServerHello (or HelloRetryRequest); whichever version it
    /// chooses.
    FirstServerHello(crate::client::hs::ExpectServerHello),
    /// After a HelloRetryRequest and our second ClientHello (boxed: it holds the whole
    /// offer, and is rare).
    ServerHello(Box<ExpectServerHello>),
    /// From the ServerHello to the server's Finished: the context every step reads and
    /// updates where it lies, in the box, beside the message awaited, which alone moves
    /// from step to step (`None` only while a step runs). A step moving the whole state
    /// would copy the box's size (that of the first state) each time.
    Encrypted(Context, Option<Awaiting>),
}

/// Handles one handshake message (`raw` is its encoding, header included) in the state
/// `boxed` holds; a next TLS 1.3 state goes into the same box.
pub(crate) fn handle(
    mut boxed: StateBox<State>,
    message: HandshakePayload,
    raw: &[u8],
    out: &mut dyn Output,
) -> Result<super::State, Error> {
    if let Some(State::FirstServerHello(_)) = boxed.get() {
        return crate::client::hs::ExpectServerHello::handle(boxed, message, raw, out);
    }
    // Between the ServerHello and the server's Finished, the context stays in the box.
    let finished = match boxed.get_mut() {
        Some(State::Encrypted(cx, awaiting)) => match awaiting.take() {
            Some(Awaiting::Finished(finished)) => Some(finished),
            Some(step) => {
                *awaiting = Some(step.handle(cx, message, raw, out)?);
                return Ok(super::State::Tls13(boxed));
            }
            None => return Err(crate::state::missing()),
        },
        _ => None,
    };
    match (boxed.take(), finished) {
        // The server's Finished: the context goes to the traffic state, the box with it.
        (Some(State::Encrypted(cx, _)), Some(finished)) => finished.handle(cx, message, raw, out),
        // After a HelloRetryRequest: the next state goes into the box this one leaves.
        (Some(State::ServerHello(s)), None) => s.handle(boxed, message, raw, out),
        _ => Err(crate::state::missing()),
    }
}

impl State {
    /// Whether only the ServerHello answering our second ClientHello may come.
    pub(crate) fn awaits_server_hello(&self) -> bool {
        matches!(self, Self::ServerHello(_))
    }
}
