//! The server handshake (RFC 8446 §2, §4): one struct per awaited message.
//!
//! ```text
//!  ExpectClientHello ──(HelloRetryRequest)──▶ ExpectClientHello (retry)
//!     ──ClientHello──▶ [ServerHello, EncryptedExtensions, CertificateRequest?, Certificate,
//!                       CertificateVerify, Finished]
//!     ──▶ (ExpectCertificate ──▶ ExpectCertificateVerify)? ──▶ ExpectFinished ──▶ ExpectTraffic
//! ```

mod client_auth;
mod cookie;
mod hello;

use std::sync::Arc;

use crate::key_update::ApplicationTraffic;
use crate::output::{unexpected, Output};
use crate::verify::{CertVerified, FinishedVerified};
use crate::wire::HandshakePayload;
use crate::{Error, ServerConfig};

pub(crate) use client_auth::{ExpectCertificate, ExpectCertificateVerify, ExpectFinished};
pub(crate) use hello::ExpectClientHello;

/// The server's handshake states.
pub(crate) enum State {
    ClientHello(Box<ExpectClientHello>),
    Certificate(Box<ExpectCertificate>),
    CertificateVerify(Box<ExpectCertificateVerify>),
    Finished(Box<ExpectFinished>),
    Traffic(Box<ExpectTraffic>),
}

/// A server waiting for the first ClientHello.
pub(crate) fn start(config: Arc<ServerConfig>) -> Result<crate::state::State, Error> {
    if config
        .cipher_suites
        .iter()
        .all(|s| crate::suites::suite(*s).is_none())
    {
        return Err(Error::Config("no supported cipher suite is enabled"));
    }
    Ok(crate::state::State::Server(State::ClientHello(Box::new(
        ExpectClientHello::new(config),
    ))))
}

impl State {
    /// Handles one handshake message (`raw` is its encoding, header included).
    pub(crate) fn handle(self, raw: &[u8], out: &mut dyn Output) -> Result<Self, Error> {
        let message = <HandshakePayload as crate::wire::Codec>::decode(raw)?;
        crate::state::trace_message(out, crate::trace::Direction::Received, &message, raw.len());
        match self {
            Self::ClientHello(s) => (*s).handle(message, raw, out),
            Self::Certificate(s) => (*s).handle(message, raw, out),
            Self::CertificateVerify(s) => s.handle(message, raw, out),
            Self::Finished(s) => (*s).handle(message, raw, out),
            Self::Traffic(s) => s.handle(message, out).map(|s| Self::Traffic(Box::new(s))),
        }
    }

    /// The application traffic secrets, once the handshake is done.
    pub(crate) fn traffic(&mut self) -> Option<&mut ApplicationTraffic> {
        match self {
            Self::Traffic(s) => Some(&mut s.traffic),
            _ => None,
        }
    }

    /// RFC 8446 §5: a ChangeCipherSpec may arrive after the first ClientHello and before
    /// the client's Finished.
    pub(crate) fn allows_change_cipher_spec(&self) -> bool {
        match self {
            Self::ClientHello(s) => s.is_retry(),
            Self::Traffic(_) => false,
            _ => true,
        }
    }
}

/// The handshake is done. The client's Finished was verified (and its certificate, if
/// it sent one).
pub(crate) struct ExpectTraffic {
    pub(crate) _client_cert: Option<CertVerified>,
    pub(crate) _finished: FinishedVerified,
    /// The application traffic secrets, for KeyUpdate (RFC 8446 §4.6.3).
    pub(crate) traffic: ApplicationTraffic,
}

impl ExpectTraffic {
    fn handle(mut self, message: HandshakePayload, out: &mut dyn Output) -> Result<Self, Error> {
        match message {
            HandshakePayload::KeyUpdate(update) => {
                self.traffic.receive(update, out)?;
                Ok(self)
            }
            other => Err(unexpected("KeyUpdate", other.name())),
        }
    }
}
