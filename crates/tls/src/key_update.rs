//! The application traffic secrets of an established connection, and KeyUpdate
//! (RFC 8446 §4.6.3, §7.2).
//!
//! The record layer holds only keys; the secrets they come from live here, in the
//! handshake's last state, so that the next generation can be derived:
//! `application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N,
//! "traffic upd", "", Hash.length)` (§7.2), then the record keys of that secret (§7.3).

use padlock_crypto::AeadAlgorithm;

use crate::error::Error;
use crate::error::PeerMisbehaved;
use crate::output::Output;
use crate::tls13::key_schedule::TrafficSecret;
use crate::trace::KeyPhase;
use crate::wire::{Codec, HandshakePayload, KeyUpdate, KeyUpdateRequest};

/// Both directions' current application traffic secrets and their generations.
pub(crate) struct ApplicationTraffic {
    aead: AeadAlgorithm,
    read: TrafficSecret,
    read_generation: u64,
    write: TrafficSecret,
    write_generation: u64,
}

impl ApplicationTraffic {
    /// Generation 0: the secrets the handshake installed (RFC 8446 §7.1).
    pub(crate) fn new(aead: AeadAlgorithm, read: TrafficSecret, write: TrafficSecret) -> Self {
        Self {
            aead,
            read,
            read_generation: 0,
            write,
            write_generation: 0,
        }
    }

    /// The peer's KeyUpdate arrived: switch to its next read keys and answer if asked.
    ///
    /// RFC 8446 §4.6.3: a peer's `update_requested` is answered with one KeyUpdate, but
    /// "an implementation which receives multiple KeyUpdates while it is silent" responds
    /// "with a single update": while our last KeyUpdate's keys are unused, a further
    /// answer is skipped. Without this, a peer that asks again and again and never reads
    /// would grow our unsent output by one record per request, without a bound.
    pub(crate) fn receive(&mut self, update: KeyUpdate, out: &mut dyn Output) -> Result<(), Error> {
        let answer = match update.request_update {
            KeyUpdateRequest::update_not_requested => false,
            KeyUpdateRequest::update_requested => true,
            // RFC 8446 §4.6.3: any other value → illegal_parameter.
            _ => return Err(PeerMisbehaved::IllegalKeyUpdate.into()),
        };
        let provider = out.provider();
        self.read = self.read.next_generation(provider.as_ref());
        self.read_generation += 1;
        let keys = self.read.record_keys(provider.as_ref(), self.aead)?;
        out.install_read_keys(keys, KeyPhase::Application(self.read_generation))?;
        let silent_since_our_update = self.write_generation > 0 && !out.write_keys_used();
        // Nothing may follow our close_notify (RFC 8446 §6.1), not even a KeyUpdate.
        if answer && !silent_since_our_update && !out.write_closed() {
            self.send(false, out)?;
        }
        Ok(())
    }

    /// Sends a KeyUpdate under the current keys, then switches to the next write keys
    /// (RFC 8446 §4.6.3); `request_peer_update` asks the peer to update its own.
    pub(crate) fn send(
        &mut self,
        request_peer_update: bool,
        out: &mut dyn Output,
    ) -> Result<(), Error> {
        let request_update = if request_peer_update {
            KeyUpdateRequest::update_requested
        } else {
            KeyUpdateRequest::update_not_requested
        };
        let message = HandshakePayload::KeyUpdate(KeyUpdate { request_update });
        out.send_handshake(&message.to_vec());
        let provider = out.provider();
        self.write = self.write.next_generation(provider.as_ref());
        self.write_generation += 1;
        let keys = self.write.record_keys(provider.as_ref(), self.aead)?;
        out.install_write_keys(keys, KeyPhase::Application(self.write_generation))
    }
}
