//! The server handshake (RFC 8446 §2, §4): one struct per awaited message.
//!
//! `hs` reads the first ClientHello and chooses the version; each version's states live in
//! their own module (`tls13`).

mod hs;
mod tls12;
mod tls13;

use std::sync::Arc;

use crate::config::{ClientAuth, ServerConfig};
use crate::error::Error;
use crate::key_update::ApplicationTraffic;
use crate::output::{unexpected, Output};
use crate::state::StateBox;
use crate::verify::{Authenticated, FinishedVerified};
use crate::wire::extensions::ProtocolName;
use crate::wire::handshake::HandshakePayload;
use crate::wire::List;
use crate::wire::ProtocolVersion;

/// The server's handshake states.
pub(crate) enum State {
    /// Waiting for the first ClientHello, which settles the version (unboxed: it holds
    /// only the configuration).
    ClientHello(hs::ExpectClientHello),
    /// TLS 1.3 (RFC 8446).
    Tls13(tls13::State),
    /// TLS 1.2 (RFC 5246).
    Tls12(StateBox<tls12::State>),
    /// Unboxed: it is the state a connection keeps for its life, and a box would be one
    /// more allocation per connection (and one per post-handshake message).
    Traffic(ExpectTraffic),
}

/// A server waiting for the first ClientHello.
pub(crate) fn start(config: Arc<ServerConfig>) -> Result<crate::state::State, Error> {
    crate::config::check_versions(
        &config.versions,
        &config.cipher_suites,
        config.legacy_rsa_key_exchange,
    )?;
    if !config.speaks(ProtocolVersion::TLSv1_3) && !config.speaks(ProtocolVersion::TLSv1_2) {
        return Err(Error::Config("no supported cipher suite is enabled"));
    }
    Ok(crate::state::State::Server(State::ClientHello(
        hs::ExpectClientHello::new(config),
    )))
}

impl State {
    /// Handles one handshake message (`raw` is its encoding, header included).
    pub(crate) fn handle(self, raw: &[u8], out: &mut dyn Output) -> Result<Self, Error> {
        let s = match self {
            Self::ClientHello(s) => return s.handle(raw, out),
            s => s,
        };
        let message = match s {
            Self::Tls12(_) => HandshakePayload::decode_tls12(raw)?,
            _ => <HandshakePayload as crate::wire::Codec>::decode(raw)?,
        };
        crate::handshake_trace::trace_message(
            out,
            crate::trace::Direction::Received,
            &message,
            raw.len(),
        );
        match s {
            Self::ClientHello(s) => s.handle(raw, out),
            Self::Tls13(s) => s.handle(message, raw, out),
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

    /// A HelloRetryRequest was sent: only the second ClientHello may come.
    /// Waiting for the first ClientHello, the whole of the client's first flight.
    pub(crate) fn awaits_first_client_hello(&self) -> bool {
        matches!(self, Self::ClientHello(_))
    }

    pub(crate) fn awaits_answer_to_retry(&self) -> bool {
        matches!(self, Self::Tls13(tls13::State::SecondClientHello(_)))
    }

    /// RFC 8446 §5: a ChangeCipherSpec may arrive after the first ClientHello and before
    /// the client's Finished.
    pub(crate) fn allows_change_cipher_spec(&self) -> bool {
        match self {
            Self::ClientHello(_) | Self::Traffic(_) | Self::Tls12(_) => false,
            Self::Tls13(_) => true,
        }
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

/// RFC 7301 §3.2: our most preferred protocol the client offered (`theirs`); none in
/// common → no_application_protocol. No ALPN without an offer or protocols of our own.
/// What a resumption checks of a session, whatever the version.
pub(crate) struct SessionFacts<'a> {
    /// The server name the session was made for.
    pub(crate) server_name: Option<&'a str>,
    /// When it was made (seconds since the epoch), and for how long (seconds).
    pub(crate) issued_at: u64,
    pub(crate) lifetime: u32,
    /// Whether the client authenticated with a certificate.
    pub(crate) has_client_certificate: bool,
}

/// The checks every resumption makes (RFC 8446 §4.2.11, §4.6.1; RFC 5077 §4, §5.6): the
/// session has not expired at `now`, it was made for the server name this ClientHello
/// asks for (`server_name`: the certificate it authenticated was for that name, RFC 6066
/// §3), and it carries a client certificate when this server requires one.
pub(crate) fn session_fits(
    config: &ServerConfig,
    server_name: Option<&str>,
    session: &SessionFacts<'_>,
    now: u64,
) -> Result<(), &'static str> {
    let expiry = session
        .issued_at
        .saturating_add(u64::from(session.lifetime));
    if now >= expiry {
        return Err("the session has expired");
    }
    let same_name = match (server_name, session.server_name) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    if !same_name {
        return Err("the session is for another server name");
    }
    if matches!(config.client_auth, ClientAuth::Required(_)) && !session.has_client_certificate {
        return Err("the session has no client certificate, which is required");
    }
    Ok(())
}

pub(crate) fn choose_alpn(
    config: &ServerConfig,
    theirs: Option<&List<'_, ProtocolName<'_>>>,
) -> Result<Option<Vec<u8>>, Error> {
    match (theirs, config.alpn_protocols.is_empty()) {
        (Some(theirs), false) => config
            .alpn_protocols
            .iter()
            .find(|p| theirs.iter().any(|t| *t.0 == p[..]))
            .cloned()
            .map(Some)
            .ok_or_else(|| crate::error::PeerIncompatible::NoApplicationProtocol.into()),
        _ => Ok(None),
    }
}

/// The handshake is done. The client's Finished was verified, and so was its certificate
/// and CertificateVerify if it sent them (`None`: it was not asked, or sent none when that
/// was allowed).
pub(crate) struct ExpectTraffic {
    pub(crate) _client: Option<Authenticated>,
    pub(crate) _finished: FinishedVerified,
    /// The application traffic secrets, for KeyUpdate (RFC 8446 §4.6.3).
    pub(crate) traffic: ApplicationTraffic,
}

impl ExpectTraffic {
    fn handle(
        mut self,
        message: HandshakePayload<'_>,
        out: &mut dyn Output,
    ) -> Result<Self, Error> {
        match message {
            HandshakePayload::KeyUpdate(update) => {
                self.traffic.receive(update, out)?;
                Ok(self)
            }
            other => Err(unexpected("KeyUpdate", other.name())),
        }
    }
}
