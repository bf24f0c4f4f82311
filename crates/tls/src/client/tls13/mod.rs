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
use crate::wire::handshake::HandshakePayload;

pub(crate) use hello::{handle_hello_retry_request, handle_server_hello, ExpectServerHello};
pub(crate) use server_auth::{
    ExpectCertificate, ExpectCertificateOrCertificateRequest, ExpectCertificateVerify,
    ExpectEncryptedExtensions, ExpectFinished,
};

/// The client's TLS 1.3 states, after the version is settled.
pub(crate) enum State {
    /// After a HelloRetryRequest and our second ClientHello (boxed: it holds the whole
    /// offer, and is rare).
    ServerHello(Box<ExpectServerHello>),
    EncryptedExtensions(ExpectEncryptedExtensions),
    CertificateOrCertificateRequest(ExpectCertificateOrCertificateRequest),
    Certificate(ExpectCertificate),
    CertificateVerify(ExpectCertificateVerify),
    Finished(ExpectFinished),
}

/// What a TLS 1.3 step leads to: another TLS 1.3 state, or out of them (to traffic).
/// Only ever returned, never kept: boxing the state here would be the allocation per step
/// that [`Boxed`] saves.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Next {
    Tls13(State),
    Leave(super::State),
}

/// The TLS 1.3 states in one box, reused from step to step: each step moves the next
/// state into the box the last one leaves, so a handshake allocates it once rather than
/// once per message. It is empty only while a step runs.
pub(crate) struct Boxed(Box<Option<State>>);

impl State {
    /// Handles one handshake message (`raw` is its encoding, header included).
    fn handle(
        self,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Next, Error> {
        match self {
            Self::ServerHello(s) => s.handle(message, raw, out),
            Self::EncryptedExtensions(s) => s.handle(message, raw, out),
            Self::CertificateOrCertificateRequest(s) => s.handle(message, raw, out),
            Self::Certificate(s) => s.handle(message, raw, out),
            Self::CertificateVerify(s) => s.handle(message, raw, out),
            Self::Finished(s) => s.handle(message, raw, out),
        }
    }
}

impl Boxed {
    /// Handles one handshake message (`raw` is its encoding, header included).
    pub(crate) fn handle(
        mut self,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<super::State, Error> {
        let state = self
            .0
            .take()
            .ok_or(Error::Internal("handshake state missing"))?;
        Ok(match state.handle(message, raw, out)? {
            Next::Tls13(next) => {
                *self.0 = Some(next);
                super::State::Tls13(self)
            }
            Next::Leave(next) => next,
        })
    }

    /// Whether only the ServerHello answering our second ClientHello may come.
    pub(crate) fn awaits_server_hello(&self) -> bool {
        matches!(*self.0, Some(State::ServerHello(_)))
    }
}

impl Next {
    /// The client state this leads to (a TLS 1.3 state in a box of its own).
    pub(crate) fn into_state(self) -> super::State {
        match self {
            Self::Tls13(state) => super::State::Tls13(Boxed(Box::new(Some(state)))),
            Self::Leave(state) => state,
        }
    }
}

impl From<State> for Next {
    fn from(state: State) -> Self {
        Self::Tls13(state)
    }
}

impl From<super::State> for Next {
    fn from(state: super::State) -> Self {
        Self::Leave(state)
    }
}
