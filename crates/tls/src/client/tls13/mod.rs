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
    /// After a HelloRetryRequest and our second ClientHello.
    ServerHello(Box<ExpectServerHello>),
    EncryptedExtensions(Box<ExpectEncryptedExtensions>),
    CertificateOrCertificateRequest(Box<ExpectCertificateOrCertificateRequest>),
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
            Self::ServerHello(s) => s.handle(message, raw, out),
            Self::EncryptedExtensions(s) => s.handle(message, raw, out),
            Self::CertificateOrCertificateRequest(s) => s.handle(message, raw, out),
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
