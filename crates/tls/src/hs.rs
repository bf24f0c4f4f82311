//! What handshake states may do to the world: the [`Output`] sink. State code never touches
//! buffers, sockets, clocks or alerts; it reports what should happen and the connection
//! makes it so (see `conn.rs`).

use std::sync::Arc;

use padlock_crypto::Provider;

use crate::suites::Suite;
use crate::tls13::key_schedule::TrafficSecret;
use crate::trace::{Trace, TraceEvent};
use crate::{HandshakeKind, NamedGroup, SignatureScheme};

/// Which traffic keys are being installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keys {
    /// Handshake traffic keys.
    Handshake,
    /// Application traffic keys, generation 0.
    Application,
}

/// The sink handshake states write to, in protocol order.
pub(crate) trait Output {
    /// The provider, for crypto.
    fn provider(&self) -> Arc<dyn Provider>;
    /// Who listens to trace events, if anyone.
    fn tracer(&self) -> Option<&dyn Trace>;
    /// Sends one encoded handshake message (header included) under the current write keys.
    fn send_handshake(&mut self, message: &[u8]);
    /// Sends a middlebox-compatibility ChangeCipherSpec record (RFC 8446 §D.4).
    fn send_change_cipher_spec(&mut self);
    /// The suite and group are settled.
    fn negotiated(&mut self, suite: Suite, group: NamedGroup);
    /// The client's random, which key log lines are keyed by.
    fn client_random(&mut self, random: [u8; 32]);
    /// Installs keys for what we send.
    fn install_write_keys(&mut self, secret: &TrafficSecret, keys: Keys);
    /// Installs keys for what we receive.
    fn install_read_keys(&mut self, secret: &TrafficSecret, keys: Keys);
    /// Logs a secret (SSLKEYLOGFILE) under an NSS label.
    fn log_secret(&mut self, label: &'static str, secret: &[u8]);
    /// The server chose `protocol` by ALPN.
    fn alpn(&mut self, protocol: Vec<u8>);
    /// The server name (client: the one asked for; server: SNI received).
    fn server_name(&mut self, name: String);
    /// The peer's certificate chain was verified.
    fn peer_certificates(&mut self, chain: Vec<Vec<u8>>);
    /// The scheme of the peer's CertificateVerify.
    fn signature_scheme(&mut self, scheme: SignatureScheme);
    /// Full handshake, with or without HelloRetryRequest.
    fn handshake_kind(&mut self, kind: HandshakeKind);
    /// Exporter master secret is known (RFC 8446 §7.5).
    fn exporter(&mut self, secret: crate::tls13::key_schedule::ExporterSecret);
    /// The handshake is complete: application data may flow both ways.
    fn handshake_complete(&mut self);
    /// Our side of a KeyUpdate (RFC 8446 §4.6.3): send the message, then switch write keys.
    fn send_key_update(&mut self, request_peer_update: bool);
    /// The peer's KeyUpdate arrived: switch read keys.
    fn update_read_keys(&mut self);
}

/// Emits a trace event, building it only if someone listens.
pub(crate) fn trace<'a>(out: &dyn Output, event: impl FnOnce() -> TraceEvent<'a>) {
    if let Some(t) = out.tracer() {
        t.event(&event());
    }
}

/// A message-type guard: the violation for an unexpected message in a state.
pub(crate) fn unexpected(expected: &'static str, got: &'static str) -> crate::Error {
    crate::error::PeerMisbehaved::UnexpectedMessage { expected, got }.into()
}
