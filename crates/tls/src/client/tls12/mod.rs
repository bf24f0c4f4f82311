//! The client's TLS 1.2 handshake (RFC 5246 §7.3): `hello` checks the ServerHello;
//! `server_flight` reads the server's Certificate, ServerKeyExchange, [CertificateRequest]
//! and ServerHelloDone, sends our flight, then checks the server's ChangeCipherSpec and
//! Finished; `resume` offers a stored session and runs the abbreviated handshake when the
//! server resumes it, and keeps the session of every handshake for the next.
//!
//! The key exchange is a step of its own ([`KeyExchange`]): ECDHE here; RSA key transport
//! (the `legacy_rsa_key_exchange` opt-in) is its second variant.

mod hello;
mod resume;
mod server_flight;

pub(crate) use hello::handle_server_hello;
pub(crate) use resume::offer_session;

use crate::error::Error;
use crate::output::{unexpected, Output};
use crate::verify::{Authenticated, FinishedVerified};
use crate::wire::enums::AlertDescription;
use crate::wire::handshake::HandshakePayload;

use resume::{ExpectResumedChangeCipherSpec, ExpectResumedFinished, ExpectResumedNewSessionTicket};
use server_flight::{
    ExpectCertificate, ExpectCertificateRequestOrDone, ExpectChangeCipherSpec, ExpectFinished,
    ExpectNewSessionTicket, ExpectServerHelloDone, ExpectServerKeyExchange,
};

/// The client's TLS 1.2 states, one per awaited message.
pub(crate) enum State {
    Certificate(ExpectCertificate),
    ServerKeyExchange(ExpectServerKeyExchange),
    CertificateRequestOrDone(ExpectCertificateRequestOrDone),
    ServerHelloDone(ExpectServerHelloDone),
    /// The ServerHello announced a ticket (RFC 5077 §3.3): it comes before the server's
    /// ChangeCipherSpec.
    NewSessionTicket(ExpectNewSessionTicket),
    ChangeCipherSpec(ExpectChangeCipherSpec),
    Finished(ExpectFinished),
    /// Resumed (RFC 5246 §7.3): the server's [NewSessionTicket], ChangeCipherSpec and
    /// Finished come first.
    ResumedNewSessionTicket(ExpectResumedNewSessionTicket),
    ResumedChangeCipherSpec(ExpectResumedChangeCipherSpec),
    ResumedFinished(ExpectResumedFinished),
    Traffic(ExpectTraffic),
}

/// How the client establishes the pre-master secret with the server (RFC 5246 §7.4.7).
pub(crate) enum KeyExchange {
    /// ECDHE (RFC 8422): the server's signed point came in its ServerKeyExchange; our
    /// point and the shared secret are ready.
    Ecdhe {
        /// Our point for the ClientKeyExchange (RFC 8422 §5.7), held inline.
        our_public: padlock_crypto::ShareBytes,
        shared: padlock_crypto::SharedSecret,
    },
    /// RSA key transport (RFC 5246 §7.4.7.1): we encrypt a fresh pre-master secret to the
    /// key of the server's certificate (`leaf`). Only with `legacy_rsa_key_exchange`.
    Rsa { leaf: Vec<u8> },
}

impl State {
    pub(crate) fn handle(
        self,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Self, Error> {
        // RFC 5246 §7.4.1.1: a HelloRequest "will be ignored by the client if the client is
        // currently negotiating a session", and it is not part of the transcript.
        if matches!(message, HandshakePayload::HelloRequest) && !matches!(self, Self::Traffic(_)) {
            return Ok(self);
        }
        match self {
            Self::Certificate(s) => s.handle(message, raw, out),
            Self::ServerKeyExchange(s) => s.handle(message, raw, out),
            Self::CertificateRequestOrDone(s) => s.handle(message, raw, out),
            Self::ServerHelloDone(s) => s.handle(message, raw, out),
            Self::NewSessionTicket(s) => s.handle(message, raw, out),
            // RFC 5246 §7.4.9: the server's Finished only after its ChangeCipherSpec; a
            // NewSessionTicket only where the ServerHello announced it (RFC 5077 §3.3).
            Self::ChangeCipherSpec(_) | Self::ResumedChangeCipherSpec(_) => {
                Err(unexpected("ChangeCipherSpec", message.name()))
            }
            Self::Finished(s) => s.handle(message, raw, out),
            Self::ResumedNewSessionTicket(s) => s.handle(message, raw, out),
            Self::ResumedFinished(s) => s.handle(message, raw, out),
            Self::Traffic(s) => s.handle(message, out).map(Self::Traffic),
        }
    }

    /// Our flight went after the server's ServerHelloDone: the server's ChangeCipherSpec
    /// (or the NewSessionTicket announced before it) is next.
    pub(crate) fn awaits_server_change_cipher_spec(&self) -> bool {
        matches!(self, Self::ChangeCipherSpec(_) | Self::NewSessionTicket(_))
    }

    /// RFC 5246 §7.1: the server's ChangeCipherSpec comes after our Finished and right
    /// before its own, and nowhere else (CVE-2014-0224 was accepting one earlier).
    pub(crate) fn expects_change_cipher_spec(&self) -> bool {
        matches!(
            self,
            Self::ChangeCipherSpec(_) | Self::ResumedChangeCipherSpec(_)
        )
    }

    pub(crate) fn change_cipher_spec(self, out: &mut dyn Output) -> Result<Self, Error> {
        match self {
            Self::ChangeCipherSpec(s) => s.change_cipher_spec(out),
            Self::ResumedChangeCipherSpec(s) => s.change_cipher_spec(out),
            _ => Err(crate::error::PeerMisbehaved::IllegalChangeCipherSpec.into()),
        }
    }
}

/// The TLS 1.2 handshake is done; application data flows. Renegotiation is refused: a
/// HelloRequest gets a no_renegotiation warning (RFC 5246 §7.4.1.1, §7.2.2) and the
/// connection goes on.
pub(crate) struct ExpectTraffic {
    pub(crate) _server: Authenticated,
    pub(crate) _finished: FinishedVerified,
}

impl ExpectTraffic {
    fn handle(self, message: HandshakePayload, out: &mut dyn Output) -> Result<Self, Error> {
        match message {
            HandshakePayload::HelloRequest => {
                out.send_warning_alert(AlertDescription::NoRenegotiation)?;
                Ok(self)
            }
            other => Err(unexpected("application data", other.name())),
        }
    }
}
