//! The connection's side of the [`Output`] sink: what handshake states write to.

use std::sync::Arc;

use padlock_crypto::Provider;

use super::early_data::EarlyData;
use super::lifecycle::{Lifecycle, Stage};
use super::negotiated::Negotiated;
use super::record_layer::{RecordLayer, MAX_SKIPPED_EARLY_DATA};
use super::{EarlyDataStatus, HandshakeKind};
use crate::certificate_chain::CertificateChain;
use crate::error::Error;
use crate::keylog::KeyLog;
use crate::output::Output;
use crate::record::RecordKeys;
use crate::suites::Suite;
use crate::tls13::key_schedule::ExporterSecret;
use crate::trace::{Direction, KeyPhase, Trace, TraceEvent};
use crate::wire::{AlertDescription, NamedGroup, ProtocolVersion, SignatureScheme};

/// The record layer, what was negotiated, and where the connection is in its life.
pub(crate) struct Core {
    pub(super) provider: Arc<dyn Provider>,
    key_log: Option<Arc<dyn KeyLog>>,
    pub(super) trace: Option<Arc<dyn Trace>>,
    pub(super) records: RecordLayer,
    pub(super) negotiated: Negotiated,
    pub(super) lifecycle: Lifecycle,
    /// Plaintext written before application keys existed.
    pub(super) early_plaintext: Vec<u8>,
    /// 0-RTT data (RFC 8446 §2.3): what a client may still write, what a server received.
    pub(super) early: EarlyData,
}

impl Core {
    /// `max_fragment`: the most plaintext one record we send carries (checked by
    /// [`crate::config::check_fragment_size`]).
    pub(super) fn new(
        provider: Arc<dyn Provider>,
        key_log: Option<Arc<dyn KeyLog>>,
        trace: Option<Arc<dyn Trace>>,
        max_fragment: usize,
    ) -> Self {
        Self {
            provider,
            key_log,
            records: RecordLayer::new(trace.clone(), max_fragment),
            trace,
            negotiated: Negotiated::default(),
            lifecycle: Lifecycle::new(),
            early_plaintext: Vec::new(),
            early: EarlyData::new(),
        }
    }

    fn log(&self, label: &'static str, secret: &[u8]) {
        if let Some(k) = &self.key_log {
            k.log(label, &self.negotiated.client_random, secret);
        }
    }

    fn trace_keys(&self, direction: Direction, phase: KeyPhase) {
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::KeysInstalled { direction, phase });
        }
    }
}

impl Output for Core {
    fn provider(&self) -> Arc<dyn Provider> {
        self.provider.clone()
    }

    fn tracer(&self) -> Option<&dyn Trace> {
        self.trace.as_deref()
    }

    fn send_handshake(&mut self, message: &[u8]) {
        self.records.queue_handshake(message);
    }

    fn handshake_queue(&mut self) -> &mut Vec<u8> {
        self.records.handshake_queue()
    }

    fn send_change_cipher_spec(&mut self) -> Result<(), Error> {
        self.records.send_change_cipher_spec()
    }

    fn negotiated(&mut self, suite: Suite, group: Option<NamedGroup>) {
        self.negotiated.suite = Some(suite);
        self.negotiated.group = group;
    }

    fn protocol_version(&mut self, version: ProtocolVersion) {
        self.negotiated.version = Some(version);
    }

    fn send_warning_alert(&mut self, description: AlertDescription) -> Result<(), Error> {
        self.records.flush_handshake()?;
        self.records.send_warning_alert(description)
    }

    fn client_random(&mut self, random: [u8; 32]) {
        self.negotiated.client_random = random;
    }

    fn install_write_keys(&mut self, keys: RecordKeys, phase: KeyPhase) -> Result<(), Error> {
        self.records
            .install_write_keys(self.provider.as_ref(), &keys)?;
        self.trace_keys(Direction::Sent, phase);
        if self.lifecycle.stage == Stage::Handshaking && phase == KeyPhase::Application(0) {
            self.lifecycle.stage = Stage::HandshakingCanWrite;
            // Plaintext written before the handshake got this far (at most
            // MAX_EARLY_PLAINTEXT bytes) goes first under the new keys.
            let early = std::mem::take(&mut self.early_plaintext);
            for chunk in early.chunks(self.records.max_fragment()) {
                self.records.send_application_data(chunk)?;
            }
        }
        Ok(())
    }

    fn install_read_keys(&mut self, keys: RecordKeys, phase: KeyPhase) -> Result<(), Error> {
        self.records
            .install_read_keys(self.provider.as_ref(), &keys)?;
        self.trace_keys(Direction::Received, phase);
        Ok(())
    }

    fn write_keys_used(&self) -> bool {
        self.records.sealer.sequence_number() > 0
    }

    fn write_closed(&self) -> bool {
        self.lifecycle.we_closed
    }

    fn skip_early_data(&mut self, limit: usize) {
        self.records.early_data_to_skip = Some(limit.max(MAX_SKIPPED_EARLY_DATA));
        self.early.status = EarlyDataStatus::Rejected;
    }

    fn accept_early_data(&mut self, max: usize) {
        self.early.receiving = Some(max);
        self.early.status = EarlyDataStatus::Accepted;
    }

    fn end_early_data(&mut self) {
        self.early.receiving = None;
    }

    fn start_early_data(
        &mut self,
        keys: RecordKeys,
        max: usize,
        compatibility: bool,
    ) -> Result<(), Error> {
        // The ClientHello goes out as the initial one (RFC 8446 §5.1), then the
        // ChangeCipherSpec right after it (§D.4: "immediately after the first ClientHello"
        // when offering early data), then records under the early keys.
        self.records.flush_initial_client_hello()?;
        if compatibility {
            self.records.send_change_cipher_spec()?;
        }
        self.install_write_keys(keys, KeyPhase::Early)?;
        self.early.status = EarlyDataStatus::Pending;
        self.early.writable = max;
        Ok(())
    }

    fn early_data_writes_done(&mut self) {
        self.early.writable = 0;
    }

    fn abandon_early_data(&mut self) {
        self.early.writable = 0;
        if self.early.status == EarlyDataStatus::Pending {
            self.early.status = EarlyDataStatus::Rejected;
            // RFC 8446 §4.1.2: the second ClientHello is sent in the clear.
            self.records.sealer = crate::record::RecordSealer::new();
        }
    }

    fn early_data_result(&mut self, accepted: bool) {
        self.early.status = if accepted {
            EarlyDataStatus::Accepted
        } else {
            EarlyDataStatus::Rejected
        };
    }

    fn log_secret(&mut self, label: &'static str, secret: &[u8]) {
        self.log(label, secret);
    }

    fn alpn(&mut self, protocol: Vec<u8>) {
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::Alpn {
                protocol: &protocol,
            });
        }
        self.negotiated.alpn = Some(protocol);
    }

    fn server_name(&mut self, name: String) {
        self.negotiated.server_name = Some(name);
    }

    fn peer_certificates(&mut self, chain: CertificateChain) {
        self.negotiated.peer_certificates = Some(chain);
    }

    fn signature_scheme(&mut self, scheme: SignatureScheme) {
        self.negotiated.scheme = Some(scheme);
    }

    fn handshake_kind(&mut self, kind: HandshakeKind) {
        self.negotiated.kind = Some(kind);
    }

    fn exporter(&mut self, secret: ExporterSecret) {
        self.log("EXPORTER_SECRET", secret.as_bytes());
        self.negotiated.exporter = Some(secret);
    }

    fn tls12_exporter(&mut self, exporter: crate::tls12::handshake::Exporter12) {
        self.negotiated.tls12_exporter = Some(exporter);
    }

    fn extended_master_secret(&mut self, extended: bool) {
        self.negotiated.extended_master_secret = Some(extended);
    }

    fn tls_unique(&mut self, verify_data: &[u8]) {
        // A checked Finished always has the length; another is no binding.
        self.negotiated.tls_unique = verify_data.try_into().ok();
    }

    fn handshake_complete(&mut self) -> Result<(), Error> {
        let before = self.lifecycle.stage;
        self.lifecycle.stage = Stage::Open;
        if let Some(t) = self.trace.as_deref() {
            t.event(&TraceEvent::HandshakeComplete);
        }
        if before == Stage::Handshaking && !self.early_plaintext.is_empty() {
            // TLS 1.2: our keys were installed at ChangeCipherSpec, but data waits for
            // the handshake to complete; it goes after our Finished.
            self.records.flush_handshake()?;
            let early = std::mem::take(&mut self.early_plaintext);
            for chunk in early.chunks(self.records.max_fragment()) {
                self.records.send_application_data(chunk)?;
            }
        }
        Ok(())
    }
}
