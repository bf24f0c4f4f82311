//! The client's flight to a TLS 1.2 server (RFC 5246 §7.3), then ours: [Certificate],
//! ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished; then our
//! ChangeCipherSpec and Finished.

use std::sync::Arc;

use crate::config::{ClientAuth, ServerConfig};
use crate::error::{Error, PeerIncompatible};
use crate::handshake_trace::trace_certificate_check;
use crate::output::{unexpected, Output};
use crate::suites::{self, Tls12Suite};
use crate::tls12::handshake::{self, PeerChain, Randoms, SessionKeys, Transcript12};
use crate::tls12::prf::Sender;
use crate::verify::{self, Authenticated, ClientCertVerifier};
use crate::wire::codec::Codec;
use crate::wire::enums::ProtocolVersion;
use crate::wire::handshake::{ClientEcdhPublic, HandshakePayload};
use crate::{error::PeerMisbehaved, tls12::signatures};

use super::resume::{self, NewSession};
use super::{ExpectTraffic, KeyExchange, State};

/// What the server's TLS 1.2 states carry from the hello on.
pub(crate) struct Context {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) suite: Tls12Suite,
    pub(crate) randoms: Randoms,
    /// ClientHello.client_version, which an RSA pre-master secret must begin with
    /// (RFC 5246 §7.4.7.1); read by the RSA key transport step.
    pub(crate) client_version: ProtocolVersion,
    /// Both sides do the Extended Master Secret (RFC 7627).
    pub(crate) extended_master_secret: bool,
    pub(crate) transcript: Transcript12,
    /// How this handshake's session is kept for resumption, and what it records.
    pub(crate) session: NewSession,
}

/// Waiting for the client's Certificate (RFC 5246 §7.4.6), which we asked for.
pub(crate) struct ExpectCertificate {
    pub(crate) context: Context,
    pub(crate) kx: KeyExchange,
    pub(crate) verifier: Arc<dyn ClientCertVerifier>,
}

impl ExpectCertificate {
    pub(super) fn handle(
        mut self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::Certificate12(certificate) = message else {
            return Err(unexpected("Certificate", message.name()));
        };
        self.context.transcript.add(raw);
        let chain = certificate.to_chain();
        let client = if chain.is_empty() {
            // RFC 5246 §7.4.6: an empty list when the client has no certificate; a server
            // that requires one answers handshake_failure.
            if matches!(self.context.config.client_auth, ClientAuth::Required(_)) {
                return Err(PeerIncompatible::ClientCertificateRequired.into());
            }
            self.context.transcript.forget_messages();
            None
        } else {
            let now = (self.context.config.time)();
            let result = verify::verify_client_chain(self.verifier.as_ref(), &chain, now);
            trace_certificate_check(out, &chain, &result);
            Some(PeerChain::new(chain, result?)?)
        };
        Ok(State::ClientKeyExchange(ExpectClientKeyExchange {
            context: self.context,
            kx: self.kx,
            client,
        }))
    }
}

/// Waiting for the ClientKeyExchange (RFC 5246 §7.4.7).
pub(crate) struct ExpectClientKeyExchange {
    pub(crate) context: Context,
    pub(crate) kx: KeyExchange,
    pub(crate) client: Option<PeerChain>,
}

impl ExpectClientKeyExchange {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::ClientKeyExchange(cke) = message else {
            return Err(unexpected("ClientKeyExchange", message.name()));
        };
        let Self {
            mut context,
            kx,
            client,
        } = self;
        let pre_master_secret = match kx {
            KeyExchange::Ecdhe(ours) => ecdhe_pre_master_secret(ours, cke.body)?,
            KeyExchange::Rsa(cert) => rsa_pre_master_secret(&cert, cke.body, &context, out)?,
        };
        // RFC 7627 §3: the session hash runs through the ClientKeyExchange.
        context.transcript.add(raw);
        let keys = SessionKeys::derive(
            context.suite,
            pre_master_secret.as_ref(),
            context.extended_master_secret,
            &mut context.transcript,
            &context.randoms,
            out,
        )?;
        Ok(match client {
            Some(client) => State::CertificateVerify(ExpectCertificateVerify {
                context,
                keys,
                client,
            }),
            None => State::ChangeCipherSpec(ExpectChangeCipherSpec {
                context,
                keys,
                client: None,
            }),
        })
    }
}

/// ECDHE (RFC 8422 §5.7, §5.10): the client's point, completed with our key; an invalid
/// point is illegal_parameter.
fn ecdhe_pre_master_secret(
    ours: padlock_crypto::InlineKeyExchange,
    body: &[u8],
) -> Result<padlock_crypto::SharedSecret, Error> {
    let theirs = ClientEcdhPublic::decode(body)?;
    ours.complete(theirs.public)
        .map_err(suites::key_share_error)
}

/// RSA key transport (RFC 5246 §7.4.7.1): the seam where the `legacy_rsa_key_exchange`
/// decryption goes — Bleichenbacher-safe: a bad ciphertext must yield a random pre-master
/// secret (made before decrypting, chosen in constant time), never an alert of its own.
/// `context.client_version` is the version the pre-master secret must begin with.
fn rsa_pre_master_secret(
    cert: &crate::config::CertifiedKey,
    body: &[u8],
    context: &Context,
    _out: &mut dyn Output,
) -> Result<padlock_crypto::SharedSecret, Error> {
    crate::tls12::rsa_key_transport::decrypt_pre_master_secret(cert, body, context.client_version)
}

/// Waiting for the client's CertificateVerify (RFC 5246 §7.4.8): its signature over every
/// handshake message so far, with the key of the certificate it sent.
pub(crate) struct ExpectCertificateVerify {
    context: Context,
    keys: SessionKeys,
    client: PeerChain,
}

impl ExpectCertificateVerify {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::CertificateVerify(cv) = message else {
            return Err(unexpected("CertificateVerify", message.name()));
        };
        let Self {
            mut context,
            keys,
            client,
        } = self;
        let offered: Vec<_> = signatures::our_schemes(&context.config.signature_schemes).collect();
        let signature = handshake::check_peer_signature(
            out,
            &client,
            &offered,
            &cv,
            context.transcript.messages(),
            PeerMisbehaved::BadCertificateVerifySignature,
        )?;
        context.transcript.add(raw);
        context.transcript.forget_messages();
        out.signature_scheme(cv.algorithm);
        if !matches!(context.session.keep, resume::Keep::Nothing) {
            context.session.client_certificates = client.chain.clone();
        }
        out.peer_certificates(client.chain);
        Ok(State::ChangeCipherSpec(ExpectChangeCipherSpec {
            context,
            keys,
            client: Some(Authenticated::Certificate {
                chain: client.verified,
                signature,
            }),
        }))
    }
}

/// Waiting for the client's ChangeCipherSpec (RFC 5246 §7.1). Any handshake message here
/// — its Finished above all — is unexpected.
pub(crate) struct ExpectChangeCipherSpec {
    context: Context,
    keys: SessionKeys,
    client: Option<Authenticated>,
}

impl ExpectChangeCipherSpec {
    pub(super) fn change_cipher_spec(self, out: &mut dyn Output) -> Result<State, Error> {
        handshake::receive_change_cipher_spec(&self.keys, Sender::Client, out)?;
        let Self {
            context,
            keys,
            client,
        } = self;
        Ok(State::Finished(ExpectFinished {
            context,
            keys,
            client,
        }))
    }
}

/// Waiting for the client's Finished (RFC 5246 §7.4.9), under its new keys; then ours.
pub(crate) struct ExpectFinished {
    context: Context,
    keys: SessionKeys,
    client: Option<Authenticated>,
}

impl ExpectFinished {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::Finished(finished) = message else {
            return Err(unexpected("Finished", message.name()));
        };
        let Self {
            mut context,
            keys,
            client,
        } = self;
        let provider = out.provider();
        let verified = keys.check_finished(
            Sender::Client,
            &mut context.transcript,
            &finished,
            provider.as_ref(),
        )?;
        // In a full handshake the client's Finished comes first (RFC 5929 §3.1).
        out.tls_unique(finished.verify_data);
        context.transcript.add(raw);
        resume::keep_session(
            &context.config,
            context.session,
            context.suite,
            &keys,
            &mut context.transcript,
            out,
        )?;
        handshake::send_last_change_cipher_spec_and_finished(
            &keys,
            Sender::Server,
            context.transcript,
            out,
        )?;
        out.tls12_exporter(keys.into_exporter(context.randoms));
        out.handshake_complete()?;
        Ok(State::Traffic(ExpectTraffic {
            _client: client,
            _finished: verified,
        }))
    }
}
