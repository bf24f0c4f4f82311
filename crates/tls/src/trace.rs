//! Structured handshake events, for `padlock connect -v` and friends.
//!
//! When `config.trace` is `None` nothing is built: every emission site is behind an
//! `if let Some(trace)` on the config.

use crate::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// Receives one event per handshake step.
pub trait Trace: Send + Sync {
    /// Called synchronously, in protocol order.
    fn event(&self, event: &TraceEvent<'_>);
}

/// Which way a message or record travelled.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From us to the peer.
    Sent,
    /// From the peer to us.
    Received,
}

/// Which traffic keys were installed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPhase {
    /// Handshake traffic keys (RFC 8446 §7.3).
    Handshake,
    /// Application traffic keys, generation `n` (0 after the handshake, +1 per KeyUpdate).
    Application(u64),
    /// TLS 1.2 keys from the key block (RFC 5246 §6.3), installed at ChangeCipherSpec:
    /// they protect the Finished and all application data.
    Tls12,
}

/// One step of a connection.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEvent<'a> {
    /// A handshake message, by name, with its length and a one-line summary of its main
    /// parameters.
    Message {
        /// Sent or received.
        direction: Direction,
        /// e.g. "ClientHello".
        name: &'static str,
        /// Encoded length including the 4-byte header.
        len: usize,
        /// e.g. `suites=[..] groups=[..] alpn=[h2]`.
        summary: String,
    },
    /// The negotiated parameters, once the ServerHello is settled.
    Negotiated {
        /// TLS 1.3 or TLS 1.2.
        version: ProtocolVersion,
        /// The cipher suite.
        suite: CipherSuite,
        /// The key exchange group.
        group: NamedGroup,
    },
    /// A HelloRetryRequest was sent or received, asking for `group`.
    HelloRetryRequest {
        /// Sent or received.
        direction: Direction,
        /// The group the server asked for, if any.
        group: Option<NamedGroup>,
        /// Whether it carried a cookie.
        cookie: bool,
    },
    /// The certificate chain check and its result.
    CertificateCheck {
        /// The subject of the leaf (as text), when it could be read.
        subject: String,
        /// Number of certificates presented.
        chain_len: usize,
        /// `Ok(())` or the reason it was refused.
        result: Result<(), String>,
    },
    /// The CertificateVerify signature check.
    SignatureCheck {
        /// The scheme used.
        scheme: SignatureScheme,
        /// Whether it verified.
        ok: bool,
    },
    /// ALPN chosen.
    Alpn {
        /// The protocol.
        protocol: &'a [u8],
    },
    /// New keys installed for one direction.
    KeysInstalled {
        /// Which direction they protect.
        direction: Direction,
        /// Handshake or application (generation).
        phase: KeyPhase,
    },
    /// A protected record sent or received.
    Record {
        /// Sent or received.
        direction: Direction,
        /// Its sequence number in the current key phase.
        seq: u64,
        /// Ciphertext length.
        len: usize,
    },
    /// An alert sent or received.
    Alert {
        /// Sent or received.
        direction: Direction,
        /// Its description.
        description: crate::AlertDescription,
    },
    /// The handshake finished.
    HandshakeComplete,
}
