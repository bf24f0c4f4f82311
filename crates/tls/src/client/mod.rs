//! The client handshake (RFC 8446 §2, §4): one struct per awaited message.
//!
//! `hs` sends the ClientHello and reads the server's answer until the version is known;
//! each version's states live in their own module (`tls13`).
//!
//! Every `handle` guards the message type first, so a message in the wrong state is an
//! `unexpected_message` by construction. Checks carry the RFC section they implement.

mod hs;
mod psk;
mod tls12;
mod tls13;

use std::sync::Arc;

use crate::config::ClientConfig;
use crate::error::Error;
use crate::key_update::ApplicationTraffic;
use crate::output::{unexpected, Output};
use crate::state::StateBox;
use crate::ticket::ClientSession;
use crate::verify::{Authenticated, FinishedVerified, ServerName};
use crate::wire::handshake::HandshakePayload;

/// The client's handshake states.
pub(crate) enum State {
    /// TLS 1.3 (RFC 8446), and before it the wait for the ServerHello that settles the
    /// version (`tls13::State::FirstServerHello`), in the same box.
    Tls13(StateBox<tls13::State>),
    /// TLS 1.2 (RFC 5246).
    Tls12(StateBox<tls12::State>),
    /// Unboxed: it is the state a connection keeps for its life, and a box would be one
    /// more allocation per connection (and one per post-handshake message).
    Traffic(ExpectTraffic),
}

/// Sends the ClientHello and waits for the server's answer.
pub(crate) fn start(
    config: Arc<ClientConfig>,
    server_name: ServerName,
    session: Option<ClientSession>,
    out: &mut dyn Output,
) -> Result<crate::state::State, Error> {
    let boxed = hs::start(config, server_name, session, out)?;
    Ok(crate::state::State::Client(State::Tls13(boxed)))
}

impl State {
    /// Handles one handshake message (`raw` is its encoding, header included).
    pub(crate) fn handle(self, raw: &[u8], out: &mut dyn Output) -> Result<Self, Error> {
        let message = match self {
            Self::Tls12(_) => HandshakePayload::decode_tls12(raw)?,
            _ => <HandshakePayload as crate::wire::Codec>::decode(raw)?,
        };
        crate::handshake_trace::trace_message(
            out,
            crate::trace::Direction::Received,
            &message,
            raw.len(),
        );
        match self {
            Self::Tls13(s) => tls13::handle(s, message, raw, out),
            Self::Tls12(s) => s.step(|s| s.handle(message, raw, out)).map(Self::Tls12),
            Self::Traffic(s) => s.handle(message, out).map(Self::Traffic),
        }
    }

    /// The application traffic secrets, once the handshake is done.
    pub(crate) fn traffic(&mut self) -> Option<&mut ApplicationTraffic> {
        match self {
            Self::Traffic(s) => Some(&mut s.traffic),
            _ => None,
        }
    }

    /// TLS 1.2: the server's ServerHelloDone came and our flight went; the server waits
    /// for it, then sends its ChangeCipherSpec.
    pub(crate) fn awaits_server_change_cipher_spec(&self) -> bool {
        matches!(
            self,
            Self::Tls12(s) if s.get().is_some_and(tls12::State::awaits_server_change_cipher_spec)
        )
    }

    /// A HelloRetryRequest was answered: only the ServerHello may come.
    pub(crate) fn awaits_answer_to_retry(&self) -> bool {
        matches!(self, Self::Tls13(s) if s.get().is_some_and(tls13::State::awaits_server_hello))
    }

    /// RFC 8446 §5: a ChangeCipherSpec may arrive after our first ClientHello and before
    /// the server's Finished.
    pub(crate) fn allows_change_cipher_spec(&self) -> bool {
        !matches!(self, Self::Traffic(_) | Self::Tls12(_))
    }

    /// RFC 5246 §7.1: TLS 1.2's ChangeCipherSpec, at its one place.
    pub(crate) fn expects_change_cipher_spec(&self) -> bool {
        matches!(self, Self::Tls12(s) if s.get().is_some_and(tls12::State::expects_change_cipher_spec))
    }

    pub(crate) fn change_cipher_spec(self, out: &mut dyn Output) -> Result<Self, Error> {
        match self {
            Self::Tls12(s) => s.step(|s| s.change_cipher_spec(out)).map(Self::Tls12),
            _ => Err(crate::error::PeerMisbehaved::IllegalChangeCipherSpec.into()),
        }
    }
}

/// The handshake is done; application data flows. Holding the proofs makes it impossible
/// to get here without verifying the server.
pub(crate) struct ExpectTraffic {
    pub(crate) _server: Authenticated,
    pub(crate) _finished: FinishedVerified,
    /// The application traffic secrets, for KeyUpdate (RFC 8446 §4.6.3).
    pub(crate) traffic: ApplicationTraffic,
    /// Where tickets go (`None`: the configuration keeps no sessions).
    pub(crate) tickets: Option<Box<psk::TicketReceiver>>,
}

impl ExpectTraffic {
    fn handle(mut self, message: HandshakePayload, out: &mut dyn Output) -> Result<Self, Error> {
        match message {
            // RFC 8446 §4.6.1: a ticket for a later connection; kept if there is a store.
            HandshakePayload::NewSessionTicket(ticket) => {
                if let Some(receiver) = &self.tickets {
                    receiver.receive(ticket, out)?;
                }
                Ok(self)
            }
            HandshakePayload::KeyUpdate(update) => {
                self.traffic.receive(update, out)?;
                Ok(self)
            }
            other => Err(unexpected("NewSessionTicket or KeyUpdate", other.name())),
        }
    }
}
