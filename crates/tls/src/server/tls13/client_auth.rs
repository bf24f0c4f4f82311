//! The client's second flight as the server sees it: EndOfEarlyData (after accepted 0-RTT
//! data, RFC 8446 §4.5), Certificate, CertificateVerify (mutual TLS, §4.4.2–§4.4.3) and
//! Finished (§4.4.4) — after which the server sends its tickets (§4.6.1), unless it sent
//! them with its own Finished.

use std::sync::Arc;

use padlock_crypto::{AeadAlgorithm, Digest};

use crate::certificate_chain::CertificateChain;
use crate::config::{ClientAuth, ServerConfig};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::key_update::ApplicationTraffic;
use crate::output::{unexpected, Output};
use crate::record::RecordKeys;
use crate::server::ExpectTraffic;
use crate::tls13::key_schedule::{FinishedKey, MasterSecret, TrafficSecret};
use crate::trace::KeyPhase;
use crate::transcript::{Remaining, Transcript};
use crate::verify::{Authenticated, CertVerified};
use crate::wire::enums::CipherSuite;
use crate::wire::handshake::HandshakePayload;
use crate::{auth_messages, handshake_trace, verify};

use super::resume::{self, TicketFacts};
use super::State;

/// What the server keeps until the client's Finished.
pub(crate) struct Pending {
    pub(crate) config: Arc<ServerConfig>,
    /// The client's handshake record keys, while they wait for its EndOfEarlyData (RFC
    /// 8446 §4.5); `None` once installed.
    pub(crate) client_handshake_keys: Option<RecordKeys>,
    pub(crate) client_finished: ClientFinished,
    pub(crate) client_application_secret: TrafficSecret,
    pub(crate) server_application_secret: TrafficSecret,
    pub(crate) aead: AeadAlgorithm,
}

/// How the client's Finished (RFC 8446 §4.4.4) will be checked.
// Held in a boxed state; boxing the larger variant would cost an allocation per handshake.
#[allow(clippy::large_enum_variant)]
pub(crate) enum ClientFinished {
    /// When it comes, over the transcript as it stands then (EndOfEarlyData and a client
    /// certificate go into it first); the tickets, if any, follow it.
    ToCompute {
        transcript: Remaining,
        /// The client's finished_key.
        key: FinishedKey,
        ticket: PendingTicket,
    },
    /// Against the verify_data the server computed when it sent its Finished: it asked
    /// for no client certificate, so it could complete the transcript itself and send its
    /// tickets with its Finished (RFC 8446 §4.6.1). Nothing more is hashed.
    Predicted(Digest),
}

impl ClientFinished {
    /// The transcript, to add a client message to. An internal error when the server
    /// completed it itself: no message was to come that it did not foresee.
    fn transcript(&mut self) -> Result<&mut Transcript, Error> {
        match self {
            ClientFinished::ToCompute { transcript, .. } => transcript.going(),
            ClientFinished::Predicted(_) => Err(Error::Internal(
                "a client message after the server completed the transcript",
            )),
        }
    }
}

/// What the tickets are made of (RFC 8446 §4.6.1).
pub(crate) struct PendingTicket {
    /// For the resumption master secret, once the client's Finished is in the transcript.
    pub(crate) master: MasterSecret,
    pub(crate) suite: CipherSuite,
    pub(crate) facts: TicketFacts,
}

impl PendingTicket {
    /// Sends the tickets ([`resume::send_tickets`]); `transcript` runs to the client's
    /// Finished.
    pub(super) fn send(
        self,
        config: &ServerConfig,
        transcript: Transcript,
        out: &mut dyn Output,
    ) -> Result<(), Error> {
        resume::send_tickets(
            config,
            &self.master,
            transcript,
            self.suite,
            self.facts,
            out,
        )
    }
}

/// Waiting for the client's EndOfEarlyData (RFC 8446 §4.5): 0-RTT data was accepted, and
/// its records (under the client's early traffic keys) may come first.
pub(crate) struct ExpectEndOfEarlyData {
    pub(crate) pending: Pending,
    pub(crate) client: Option<Authenticated>,
}

impl ExpectEndOfEarlyData {
    pub(super) fn handle(
        mut self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<crate::server::State, Error> {
        let HandshakePayload::EndOfEarlyData = message else {
            return Err(unexpected("EndOfEarlyData", message.name()));
        };
        // A predicted transcript has EndOfEarlyData in it: an empty message, whose bytes
        // are known (RFC 8446 §4.5).
        if let ClientFinished::ToCompute { transcript, .. } = &mut self.pending.client_finished {
            transcript.going()?.add(raw);
        }
        out.end_early_data();
        // RFC 8446 §4.5: what follows is under the client's handshake keys.
        let keys = self
            .pending
            .client_handshake_keys
            .take()
            .ok_or(Error::Internal(
                "the client's handshake keys were installed early",
            ))?;
        out.install_read_keys(keys, KeyPhase::Handshake)?;
        Ok(State::Finished(Box::new(ExpectFinished {
            pending: self.pending,
            client: self.client,
        }))
        .into())
    }
}

/// Waiting for the client's Certificate (we sent a CertificateRequest).
pub(crate) struct ExpectCertificate {
    pub(crate) pending: Pending,
}

impl ExpectCertificate {
    pub(super) fn handle(
        mut self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<crate::server::State, Error> {
        let HandshakePayload::Certificate(certificate) = message else {
            return Err(unexpected("Certificate", message.name()));
        };
        // RFC 8446 §4.4.2: the context echoes the CertificateRequest's (empty).
        if !certificate.certificate_request_context.is_empty() {
            return Err(PeerMisbehaved::BadCertificateRequestContext.into());
        }
        // RFC 8446 §4.4.2: "Extensions in the Certificate message from the client MUST
        // correspond to extensions in the CertificateRequest message from the server" —
        // ours asks for none that a CertificateEntry may carry.
        auth_messages::check_certificate_entry_extensions(&certificate, &[])?;
        let chain = certificate.to_chain();
        self.pending.client_finished.transcript()?.add(raw);
        let (verifier, required) = match &self.pending.config.client_auth {
            ClientAuth::Required(v) => (v.clone(), true),
            ClientAuth::Optional(v) => (v.clone(), false),
            ClientAuth::None => return Err(Error::Internal("client auth state without config")),
        };
        if chain.is_empty() {
            // RFC 8446 §4.4.2.4: no certificate; if one is required → certificate_required.
            if required {
                return Err(PeerIncompatible::CertificateRequired.into());
            }
            return Ok(State::Finished(Box::new(ExpectFinished {
                pending: self.pending,
                client: None,
            }))
            .into());
        }
        let now = (self.pending.config.time)();
        let result = verify::verify_client_chain(verifier.as_ref(), &chain, now);
        handshake_trace::trace_certificate_check(out, &chain, &result);
        let cert = result?;
        Ok(State::CertificateVerify(Box::new(ExpectCertificateVerify {
            pending: self.pending,
            chain,
            cert,
        }))
        .into())
    }
}

/// Waiting for the client's CertificateVerify.
pub(crate) struct ExpectCertificateVerify {
    pending: Pending,
    chain: CertificateChain,
    cert: CertVerified,
}

impl ExpectCertificateVerify {
    pub(super) fn handle(
        mut self: Box<Self>,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<crate::server::State, Error> {
        let HandshakePayload::CertificateVerify(cv) = message else {
            return Err(unexpected("CertificateVerify", message.name()));
        };
        // RFC 8446 §4.4.3: a scheme from our CertificateRequest's signature_algorithms.
        let signature = auth_messages::check_certificate_verify(
            &*out,
            &self.pending.config.signature_schemes,
            self.pending.client_finished.transcript()?,
            auth_messages::CLIENT_CONTEXT,
            &self.chain,
            &cv,
        )?;
        self.pending.client_finished.transcript()?.add(raw);
        out.signature_scheme(cv.algorithm);
        if let ClientFinished::ToCompute { ticket, .. } = &mut self.pending.client_finished {
            if ticket.facts.wanted() {
                ticket.facts.client_certificates = self.chain.clone();
            }
        }
        out.peer_certificates(self.chain);
        Ok(State::Finished(Box::new(ExpectFinished {
            pending: self.pending,
            client: Some(Authenticated::Certificate {
                chain: self.cert,
                signature,
            }),
        }))
        .into())
    }
}

/// Waiting for the client's Finished.
pub(crate) struct ExpectFinished {
    pub(crate) pending: Pending,
    /// How the client proved who it is; `None` if it was not asked to, or sent no
    /// certificate when that was allowed.
    pub(crate) client: Option<Authenticated>,
}

impl ExpectFinished {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<crate::server::State, Error> {
        let HandshakePayload::Finished(finished) = message else {
            return Err(unexpected("Finished", message.name()));
        };
        let provider = out.provider();
        let provider = provider.as_ref();
        let pending = self.pending;
        // RFC 8446 §4.4.4: verify_data over Hash(CH..client CertificateVerify).
        // Without client authentication, the same hash as the application secrets'.
        let (expected, tickets) = match pending.client_finished {
            ClientFinished::ToCompute {
                mut transcript,
                key,
                ticket,
            } => {
                let hash = transcript.hash_so_far(provider);
                (
                    key.verify_data(provider, hash.as_ref()),
                    Some((transcript, ticket)),
                )
            }
            ClientFinished::Predicted(expected) => (expected, None),
        };
        let finished = verify::verify_finished(expected.as_ref(), finished.verify_data)?;
        out.install_read_keys(
            pending
                .client_application_secret
                .record_keys(provider, pending.aead)?,
            KeyPhase::Application(0),
        )?;
        out.handshake_complete()?;
        // RFC 8446 §4.6.1: tickets, keyed from the resumption master secret over
        // Hash(ClientHello..client Finished).
        // (A transcript that ended was not kept for tickets: none are sent.)
        if let Some((Remaining::Going(mut transcript), ticket)) = tickets {
            transcript.add(raw);
            ticket.send(&pending.config, transcript, out)?;
        }
        Ok(crate::server::State::Traffic(ExpectTraffic {
            _client: self.client,
            _finished: finished,
            traffic: ApplicationTraffic::new(
                pending.aead,
                pending.client_application_secret,
                pending.server_application_secret,
            ),
        }))
    }
}
