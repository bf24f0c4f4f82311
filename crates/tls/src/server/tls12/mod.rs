//! The server's TLS 1.2 handshake (RFC 5246 §7.3): `hello` answers the ClientHello with
//! ServerHello … ServerHelloDone; `client_flight` reads the client's [Certificate],
//! ClientKeyExchange, [CertificateVerify], ChangeCipherSpec and Finished, then sends ours;
//! `resume` checks a session the client offers (RFC 5077 ticket or session id) and runs
//! the abbreviated handshake, and keeps the sessions of full handshakes.
//!
//! The key exchange is a step of its own ([`KeyExchange`]): ECDHE here; RSA key transport
//! (the `legacy_rsa_key_exchange` opt-in) is its second variant.

mod client_flight;
mod hello;
mod resume;

pub(crate) use hello::start;

use crate::error::Error;
use crate::output::{unexpected, Output};
use crate::wire::enums::AlertDescription;
use crate::wire::handshake::HandshakePayload;

use client_flight::{
    ExpectCertificate, ExpectCertificateVerify, ExpectChangeCipherSpec, ExpectClientKeyExchange,
    ExpectFinished,
};
use resume::{ExpectResumedChangeCipherSpec, ExpectResumedFinished};

/// The server's TLS 1.2 states, one per awaited message.
pub(crate) enum State {
    Certificate(ExpectCertificate),
    ClientKeyExchange(ExpectClientKeyExchange),
    CertificateVerify(ExpectCertificateVerify),
    ChangeCipherSpec(ExpectChangeCipherSpec),
    Finished(ExpectFinished),
    /// Resumed (RFC 5246 §7.3): our Finished went first; the client's comes now.
    ResumedChangeCipherSpec(ExpectResumedChangeCipherSpec),
    ResumedFinished(ExpectResumedFinished),
    Traffic(ExpectTraffic),
}

/// How the server establishes the pre-master secret with the client (RFC 5246 §7.4.3,
/// §7.4.7).
pub(crate) enum KeyExchange {
    /// Our ephemeral ECDH key (RFC 8422 §5.4), waiting for the client's point.
    Ecdhe(padlock_crypto::InlineKeyExchange),
    /// RSA key transport (RFC 5246 §7.4.7.1): the client encrypts the pre-master secret to
    /// our certificate's key. Only with `legacy_rsa_key_exchange`.
    Rsa(std::sync::Arc<crate::config::CertifiedKey>),
}

impl State {
    pub(crate) fn handle(
        self,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Self, Error> {
        match self {
            Self::Certificate(s) => s.handle(message, raw, out),
            Self::ClientKeyExchange(s) => s.handle(message, raw, out),
            Self::CertificateVerify(s) => s.handle(message, raw, out),
            // RFC 5246 §7.4.9: Finished only after ChangeCipherSpec (CVE-2014-0224's
            // cousin: nothing may skip the key change).
            Self::ChangeCipherSpec(_) | Self::ResumedChangeCipherSpec(_) => {
                Err(unexpected("ChangeCipherSpec", message.name()))
            }
            Self::Finished(s) => s.handle(message, raw, out),
            Self::ResumedFinished(s) => s.handle(message, out),
            Self::Traffic(s) => s.handle(message, out).map(Self::Traffic),
        }
    }

    /// RFC 5246 §7.1: the client's ChangeCipherSpec comes after its ClientKeyExchange (and
    /// CertificateVerify), right before its Finished — or, resuming, after our Finished
    /// (§7.3) — and nowhere else.
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

/// The TLS 1.2 handshake is done. Renegotiation is refused: a ClientHello gets a
/// no_renegotiation warning (RFC 5246 §7.4.1.2, RFC 5746 §4.4) and the connection goes on.
pub(crate) struct ExpectTraffic {
    pub(crate) _client: Option<crate::verify::Authenticated>,
    pub(crate) _finished: crate::verify::FinishedVerified,
}

impl ExpectTraffic {
    fn handle(self, message: HandshakePayload, out: &mut dyn Output) -> Result<Self, Error> {
        match message {
            HandshakePayload::ClientHello(_) => {
                out.send_warning_alert(AlertDescription::NoRenegotiation)?;
                Ok(self)
            }
            other => Err(unexpected("application data", other.name())),
        }
    }
}
