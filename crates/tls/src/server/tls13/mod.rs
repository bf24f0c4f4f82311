//! The server's TLS 1.3 handshake (RFC 8446 §2, §4), once the client's hello chose TLS 1.3.
//!
//! ```text
//!  (hs) ClientHello ──▶ [HelloRetryRequest] ──▶ ExpectSecondClientHello ──ClientHello──▶
//!     [ServerHello, EncryptedExtensions, CertificateRequest?, Certificate,
//!      CertificateVerify, Finished]       (resumed: no CertificateRequest, Certificate,
//!                                          CertificateVerify)
//!     [NewSessionTicket…]                 (no CertificateRequest: with the Finished)
//!     ──▶ ExpectEndOfEarlyData? (0-RTT accepted)
//!     ──▶ (ExpectCertificate ──▶ ExpectCertificateVerify)? ──▶ ExpectFinished
//!     ──[NewSessionTicket…]──▶ ExpectTraffic    (after a CertificateRequest)
//! ```

mod client_auth;
mod cookie;
mod hello;
mod resume;
mod retry;

use crate::error::Error;
use crate::output::Output;
use crate::wire::handshake::HandshakePayload;

pub(crate) use client_auth::{
    ExpectCertificate, ExpectCertificateVerify, ExpectEndOfEarlyData, ExpectFinished,
};
pub(crate) use hello::start;
pub(crate) use retry::ExpectSecondClientHello;

/// The server's TLS 1.3 states, after the version is settled.
pub(crate) enum State {
    /// After a HelloRetryRequest.
    SecondClientHello(Box<ExpectSecondClientHello>),
    /// 0-RTT data accepted: until the client's EndOfEarlyData.
    EndOfEarlyData(Box<ExpectEndOfEarlyData>),
    Certificate(Box<ExpectCertificate>),
    CertificateVerify(Box<ExpectCertificateVerify>),
    Finished(Box<ExpectFinished>),
}

impl State {
    /// Handles one handshake message (`raw` is its encoding, header included).
    pub(crate) fn handle(
        self,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<super::State, Error> {
        match self {
            Self::SecondClientHello(s) => (*s).handle(message, raw, out),
            Self::EndOfEarlyData(s) => s.handle(message, raw, out),
            Self::Certificate(s) => s.handle(message, raw, out),
            Self::CertificateVerify(s) => s.handle(message, raw, out),
            Self::Finished(s) => s.handle(message, raw, out),
        }
    }
}

impl From<State> for super::State {
    fn from(state: State) -> Self {
        Self::Tls13(state)
    }
}
