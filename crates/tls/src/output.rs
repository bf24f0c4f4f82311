//! What handshake states may do to the world: the [`Output`] sink. State code never touches
//! buffers, sockets, clocks or alerts; it reports what should happen and the connection
//! makes it so (see `conn/`).
//!
//! The sink knows records, not the key schedule: states derive [`RecordKeys`] from their
//! traffic secrets (RFC 8446 §7.3) and install those. Everything that can fail on the
//! connection's side (sealing queued messages, installing a key) returns an error, which
//! the state passes on: the connection then fails closed.

use std::sync::Arc;

use padlock_crypto::Provider;

use crate::certificate_chain::CertificateChain;
use crate::conn::HandshakeKind;
use crate::error::Error;
use crate::record::RecordKeys;
use crate::suites::Suite;
use crate::trace::{KeyPhase, Trace, TraceEvent};
use crate::wire::{AlertDescription, NamedGroup, ProtocolVersion, SignatureScheme};

/// The sink handshake states write to, in protocol order.
pub(crate) trait Output {
    /// The provider, for crypto.
    fn provider(&self) -> Arc<dyn Provider>;
    /// Who listens to trace events, if anyone.
    fn tracer(&self) -> Option<&dyn Trace>;
    /// Queues one encoded handshake message (header included); queued messages are sealed
    /// under the write keys current when they are flushed, which happens before any
    /// change of write keys.
    fn send_handshake(&mut self, message: &[u8]);
    /// The queue [`Self::send_handshake`] appends to, for encoding a message straight
    /// into it (see `state::send_message`): append whole handshake messages only.
    fn handshake_queue(&mut self) -> &mut Vec<u8>;
    /// Sends a middlebox-compatibility ChangeCipherSpec record (RFC 8446 §D.4), after the
    /// queued handshake messages.
    fn send_change_cipher_spec(&mut self) -> Result<(), Error>;
    /// The suite and group are settled (no group: TLS 1.2 RSA key transport, or a TLS 1.3
    /// psk_ke resumption).
    fn negotiated(&mut self, suite: Suite, group: Option<NamedGroup>);
    /// The protocol version is settled (TLS 1.3 is assumed until this says otherwise).
    fn protocol_version(&mut self, version: ProtocolVersion);
    /// Sends a warning alert after the queued handshake messages (TLS 1.2's
    /// no_renegotiation, RFC 5246 §7.2.2); the connection goes on.
    fn send_warning_alert(&mut self, description: AlertDescription) -> Result<(), Error>;
    /// The client's random, which key log lines are keyed by.
    fn client_random(&mut self, random: [u8; 32]);
    /// Seals the queued handshake messages under the current write keys, then protects
    /// what we send with `keys` from here on.
    fn install_write_keys(&mut self, keys: RecordKeys, phase: KeyPhase) -> Result<(), Error>;
    /// Opens what we receive with `keys` from the next record on. The records already
    /// received must end on a message boundary (RFC 8446 §5.1); the connection checks.
    fn install_read_keys(&mut self, keys: RecordKeys, phase: KeyPhase) -> Result<(), Error>;
    /// Whether a record has been sent under the current write keys (RFC 8446 §4.6.3 needs
    /// it: a peer's repeated `update_requested` is answered once while we are silent).
    fn write_keys_used(&self) -> bool;
    /// Whether we sent close_notify: nothing may follow it (RFC 8446 §6.1).
    fn write_closed(&self) -> bool;
    /// The server refuses the 0-RTT data the ClientHello announced: records it cannot
    /// open are skipped, up to `limit` bytes, until the client's handshake records arrive
    /// (RFC 8446 §4.2.10).
    fn skip_early_data(&mut self, limit: usize);
    /// Server: 0-RTT data is accepted (RFC 8446 §4.2.10): application data records are
    /// early data, up to `max` bytes, until [`Self::end_early_data`].
    fn accept_early_data(&mut self, max: usize);
    /// Server: EndOfEarlyData arrived; no more 0-RTT data may come.
    fn end_early_data(&mut self);
    /// Client: the ClientHello (queued) offered 0-RTT data: send it (and, in compatibility
    /// mode, a ChangeCipherSpec, RFC 8446 §D.4), then protect what follows with the early
    /// traffic `keys`; up to `max` bytes of early data may be written.
    fn start_early_data(
        &mut self,
        keys: RecordKeys,
        max: usize,
        compatibility: bool,
    ) -> Result<(), Error>;
    /// Client: the server answered; no more 0-RTT data may be written.
    fn early_data_writes_done(&mut self);
    /// Client: the server asked for a second ClientHello (RFC 8446 §4.1.4): the early data
    /// is refused, and what follows is sent unprotected again.
    fn abandon_early_data(&mut self);
    /// Either side: whether the server took the 0-RTT data.
    fn early_data_result(&mut self, accepted: bool);
    /// Logs a secret (SSLKEYLOGFILE) under an NSS label.
    fn log_secret(&mut self, label: &'static str, secret: &[u8]);
    /// The server chose `protocol` by ALPN.
    fn alpn(&mut self, protocol: Vec<u8>);
    /// The server name (client: the one asked for; server: SNI received).
    fn server_name(&mut self, name: String);
    /// The peer's certificate chain was verified.
    fn peer_certificates(&mut self, chain: CertificateChain);
    /// The scheme of the peer's CertificateVerify.
    fn signature_scheme(&mut self, scheme: SignatureScheme);
    /// Full or resumed handshake, with or without HelloRetryRequest.
    fn handshake_kind(&mut self, kind: HandshakeKind);
    /// Exporter master secret is known (RFC 8446 §7.5).
    fn exporter(&mut self, secret: crate::tls13::key_schedule::ExporterSecret);
    /// A TLS 1.2 session's exporter (RFC 5705) is known.
    fn tls12_exporter(&mut self, exporter: crate::tls12::handshake::Exporter12);
    /// TLS 1.2: whether the master secret was made with the Extended Master Secret
    /// (RFC 7627).
    fn extended_master_secret(&mut self, extended: bool);
    /// TLS 1.2: the verify_data of the handshake's first Finished, sent or received: the
    /// tls-unique channel binding (RFC 5929 §3.1).
    fn tls_unique(&mut self, verify_data: &[u8]);
    /// The handshake is complete: application data may flow both ways. Plaintext the
    /// caller wrote before is sent now, after the queued handshake messages, if our
    /// application write keys were not installed as such (TLS 1.2's, at ChangeCipherSpec).
    fn handshake_complete(&mut self) -> Result<(), Error>;
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
