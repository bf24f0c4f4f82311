//! What the handshake settled, for the connection's queries.

use crate::conn::HandshakeKind;
use crate::suites::Suite;
use crate::tls13::key_schedule::ExporterSecret;
use crate::wire::{NamedGroup, ProtocolVersion, SignatureScheme};

/// The negotiated parameters; each is `None` until the handshake settles it.
#[derive(Default)]
pub(super) struct Negotiated {
    /// The client's random, which key log lines are keyed by.
    pub(super) client_random: [u8; 32],
    pub(super) suite: Option<Suite>,
    /// Set by TLS 1.2 handshakes; a settled suite without it is TLS 1.3.
    pub(super) version: Option<ProtocolVersion>,
    pub(super) group: Option<NamedGroup>,
    /// The scheme of the peer's CertificateVerify.
    pub(super) scheme: Option<SignatureScheme>,
    pub(super) alpn: Option<Vec<u8>>,
    pub(super) server_name: Option<String>,
    pub(super) peer_certificates: Option<crate::CertificateChain>,
    pub(super) kind: Option<HandshakeKind>,
    pub(super) exporter: Option<ExporterSecret>,
    /// TLS 1.2's exporter (RFC 5705).
    pub(super) tls12_exporter: Option<crate::tls12::handshake::Exporter12>,
    /// TLS 1.2: whether the master secret has the Extended Master Secret (RFC 7627).
    pub(super) extended_master_secret: Option<bool>,
    /// TLS 1.2's tls-unique channel binding (RFC 5929 §3.1).
    pub(super) tls_unique: Option<[u8; crate::tls12::prf::VERIFY_DATA_LEN]>,
}
