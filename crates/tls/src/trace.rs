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
    /// 0-RTT keys: client_early_traffic_secret's (RFC 8446 §7.1).
    Early,
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
    /// A PSK (a session ticket) offered in the ClientHello (RFC 8446 §4.2.11): sent by
    /// a client, or received by a server.
    PskOffered {
        /// Sent or received.
        direction: Direction,
        /// How many identities were offered.
        identities: usize,
        /// Whether the ClientHello announced 0-RTT data (§4.2.10).
        early_data: bool,
    },
    /// The server accepted the PSK at this index: the session is resumed (§2.2).
    PskAccepted {
        /// Sent (server) or received (client).
        direction: Direction,
        /// The index of the identity accepted.
        identity: u16,
    },
    /// The server declined every offered PSK: a full handshake follows.
    PskRefused {
        /// Sent (server) or received (client).
        direction: Direction,
        /// Why, in a person's words (server side: which check failed).
        reason: String,
    },
    /// The server checked a PSK binder (§4.2.11.2).
    BinderCheck {
        /// The index of the identity whose binder was checked.
        identity: u16,
        /// Whether it matched.
        ok: bool,
    },
    /// 0-RTT data was accepted (§4.2.10).
    EarlyDataAccepted {
        /// Sent (server) or received (client).
        direction: Direction,
    },
    /// 0-RTT data was rejected: it is skipped, never delivered (§4.2.10).
    EarlyDataRejected {
        /// Sent (server) or received (client).
        direction: Direction,
        /// Why, in a person's words.
        reason: String,
    },
    /// A TLS 1.2 session offered for resumption: a RFC 5077 ticket (with a random session
    /// id) or a cached session id (RFC 5246 §7.4.1.2).
    SessionOffered {
        /// Sent (client) or received (server).
        direction: Direction,
        /// By ticket (RFC 5077 §3.4), or by session id.
        by_ticket: bool,
    },
    /// The server resumes the offered TLS 1.2 session: an abbreviated handshake (RFC 5246
    /// §7.3), on the session's master secret, which was made with the Extended Master
    /// Secret (RFC 7627 §5.3).
    SessionResumed {
        /// Sent (server) or received (client).
        direction: Direction,
        /// By ticket, or by session id.
        by_ticket: bool,
    },
    /// The offered TLS 1.2 session is not resumed: a full handshake follows.
    SessionRefused {
        /// Sent (server) or received (client).
        direction: Direction,
        /// Why, in a person's words (server side: which check failed).
        reason: String,
    },
    /// A NewSessionTicket was sent or received (§4.6.1).
    Ticket {
        /// Sent or received.
        direction: Direction,
        /// Its lifetime in seconds.
        lifetime: u32,
        /// How much 0-RTT data a TLS 1.3 ticket allows (0: none); `None` for a TLS 1.2
        /// ticket (RFC 5077), which has no early data.
        max_early_data_size: Option<u32>,
    },
    /// The handshake finished.
    HandshakeComplete,
}
