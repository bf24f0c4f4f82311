//! The server's encrypted flight: EncryptedExtensions, CertificateRequest, Certificate,
//! CertificateVerify, Finished (RFC 8446 §4.3, §4.4) — and our answer.

use std::sync::Arc;

use crate::certificate_chain::CertificateChain;
use crate::client::psk::TicketReceiver;
use crate::client::ExpectTraffic;
use crate::client_certs::CertificateRequestInfo;
use crate::config::{CertifiedKey, ClientConfig};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::key_update::ApplicationTraffic;
use crate::output::{trace, unexpected, Output};
use crate::record::RecordKeys;
use crate::state::{queue_message, queue_payload};
use crate::suites::Suite;
use crate::ticket::ClientSession;
use crate::tls13::key_schedule::{FinishedKey, HandshakeSecret};
use crate::trace::KeyPhase;
use crate::trace::{Direction, TraceEvent};
use crate::transcript::Transcript;
use crate::verify::{Authenticated, CertVerified, ServerName};
use crate::wire::enums::{ExtensionType, ProtocolVersion, SignatureScheme};
use crate::wire::extensions::{ExtensionBlock, ExtensionTypes, ProtocolName};
use crate::wire::handshake::{CertificateRequest, EncryptedExtensions, HandshakePayload};
use crate::wire::List;
use crate::{auth_messages, handshake_trace, verify};

/// The message awaited after the ServerHello, beside the [`Context`] (see
/// [`State::Encrypted`]): each state holds only what its own step adds.
pub(crate) enum Awaiting {
    EncryptedExtensions(ExpectEncryptedExtensions),
    CertificateOrCertificateRequest(ExpectCertificateOrCertificateRequest),
    Certificate(ExpectCertificate),
    CertificateVerify(ExpectCertificateVerify),
    Finished(ExpectFinished),
}

impl Awaiting {
    /// Handles one handshake message (`raw` is its encoding, header included) before the
    /// server's Finished, updating `cx` where it lies.
    pub(super) fn handle(
        self,
        cx: &mut Context,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Self, Error> {
        match self {
            Self::EncryptedExtensions(s) => s.handle(cx, message, raw, out),
            Self::CertificateOrCertificateRequest(s) => s.handle(cx, message, raw, out),
            Self::Certificate(s) => s.handle(cx, message, raw, out),
            Self::CertificateVerify(s) => s.handle(cx, message, raw, out),
            // The last step takes the context (`tls13::handle` gives it the whole).
            Self::Finished(_) => Err(Error::Internal("the Finished step needs the context")),
        }
    }
}

/// Waiting for EncryptedExtensions.
pub(crate) struct ExpectEncryptedExtensions {
    /// The protocols our ClientHello offered (RFC 7301 §3.2).
    pub(super) offered_alpn: List<'static, ProtocolName<'static>>,
}

/// Everything the client carries from the ServerHello to the end of the handshake.
pub(crate) struct Context {
    pub(super) config: Arc<ClientConfig>,
    pub(super) server_name: ServerName,
    /// The extension types of our ClientHello: the only answers allowed in
    /// EncryptedExtensions (RFC 8446 §4.2) and the only ones a CertificateEntry may carry
    /// (§4.4.2).
    pub(super) offered_types: ExtensionTypes,
    pub(super) transcript: Transcript,
    pub(super) handshake_secret: HandshakeSecret,
    /// Our handshake record keys while 0-RTT holds them back (RFC 8446 §4.2.10, §4.5);
    /// `None` once installed.
    pub(super) client_keys: Option<RecordKeys>,
    /// Our finished_key and the server's (RFC 8446 §4.4.4).
    pub(super) client_finished: FinishedKey,
    pub(super) server_finished: FinishedKey,
    pub(super) suite: Suite,
    /// The session the server resumed (RFC 8446 §2.2), if it did.
    pub(super) resumed: Option<ClientSession>,
    pub(super) early_data: EarlyData,
    /// The ALPN protocol the server chose (RFC 7301), once EncryptedExtensions is read.
    pub(super) alpn: Option<Vec<u8>>,
}

/// Where our 0-RTT data stands (RFC 8446 §4.2.10).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EarlyData {
    NotOffered,
    /// Offered; our handshake write keys wait for the server's answer.
    Offered,
    /// Accepted: EndOfEarlyData goes before our Finished (§4.5).
    Accepted,
}

/// What the server asked for in its CertificateRequest.
struct ClientAuthRequest {
    context: Vec<u8>,
    schemes: Vec<SignatureScheme>,
    /// certificate_authorities (RFC 8446 §4.2.4): DER names, none if it named none.
    authorities: Vec<Vec<u8>>,
}

impl ExpectEncryptedExtensions {
    fn handle(
        self,
        cx: &mut Context,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Awaiting, Error> {
        let HandshakePayload::EncryptedExtensions(ee) = message else {
            return Err(unexpected("EncryptedExtensions", message.name()));
        };
        self.check(cx, &ee, out)?;
        cx.transcript.add(raw);
        early_data_answer(cx, ee.extensions.early_data, out)?;
        // RFC 8446 §4.2.11: a resumed server authenticates with the PSK: no Certificate
        // (and no CertificateRequest, §4.3.2); its Finished is next.
        if let Some(session) = &cx.resumed {
            if !session.peer_certificates.is_empty() {
                out.peer_certificates(session.peer_certificates.clone());
            }
            return Ok(Awaiting::Finished(ExpectFinished {
                request: None,
                chain: CertificateChain::default(),
                server: None,
            }));
        }
        Ok(Awaiting::CertificateOrCertificateRequest(
            ExpectCertificateOrCertificateRequest,
        ))
    }

    fn check(
        &self,
        cx: &mut Context,
        ee: &EncryptedExtensions,
        out: &mut dyn Output,
    ) -> Result<(), Error> {
        // RFC 8446 §4.2: only extensions allowed in EncryptedExtensions...
        ee.extensions
            .check_allowed()
            .map_err(|_| PeerMisbehaved::IllegalExtension)?;
        // ...and only answers to what we asked (supported_groups may always be sent,
        // §4.2.7).
        let offered = &cx.offered_types;
        let unsolicited =
            |typ: ExtensionType| typ != ExtensionType::SupportedGroups && !offered.contains(&typ);
        if ee.extensions.find_type(unsolicited).is_some() {
            return Err(PeerMisbehaved::UnsolicitedExtension.into());
        }
        // RFC 7301 §3.2: the server's protocol must be one we offered.
        if let Some(protocol) = ee.extensions.alpn {
            // Our own list, as built (read in place, not copied).
            let offered = self.offered_alpn.built().unwrap_or_default();
            if !offered.iter().any(|ours| *ours.0 == *protocol) {
                return Err(PeerMisbehaved::SelectedUnofferedAlpnProtocol.into());
            }
            out.alpn(protocol.to_vec());
        }
        cx.alpn = ee.extensions.alpn.map(<[u8]>::to_vec);
        Ok(())
    }
}

/// RFC 8446 §4.2.10: the server took our 0-RTT data if its EncryptedExtensions carry
/// early_data — only possible when it resumed our first (only) PSK, with the session's
/// suite and ALPN protocol (else illegal_parameter). Refused, our handshake keys are
/// installed at once; accepted, after our EndOfEarlyData.
fn early_data_answer(cx: &mut Context, accepted: bool, out: &mut dyn Output) -> Result<(), Error> {
    if cx.early_data != EarlyData::Offered {
        // Not offered: an early_data answer was refused as unsolicited.
        return Ok(());
    }
    if accepted {
        let fits = cx
            .resumed
            .as_ref()
            .is_some_and(|s| s.suite == cx.suite.suite && s.alpn == cx.alpn);
        if !fits {
            return Err(PeerMisbehaved::IllegalEarlyDataAcceptance.into());
        }
        cx.early_data = EarlyData::Accepted;
        trace(out, || TraceEvent::EarlyDataAccepted {
            direction: Direction::Received,
        });
    } else {
        trace(out, || TraceEvent::EarlyDataRejected {
            direction: Direction::Received,
            reason: "the server refused it".into(),
        });
        out.install_write_keys(take_client_keys(&mut cx.client_keys)?, KeyPhase::Handshake)?;
    }
    out.early_data_result(accepted);
    Ok(())
}

/// After EncryptedExtensions: Certificate, or CertificateRequest first.
pub(crate) struct ExpectCertificateOrCertificateRequest;

impl ExpectCertificateOrCertificateRequest {
    fn handle(
        self,
        cx: &mut Context,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Awaiting, Error> {
        match message {
            HandshakePayload::CertificateRequest(cr) => {
                let request = check_certificate_request(&cr)?;
                cx.transcript.add(raw);
                Ok(Awaiting::Certificate(ExpectCertificate {
                    request: Some(request),
                }))
            }
            HandshakePayload::Certificate(_) => {
                ExpectCertificate { request: None }.handle(cx, message, raw, out)
            }
            other => Err(unexpected(
                "Certificate or CertificateRequest",
                other.name(),
            )),
        }
    }
}

fn check_certificate_request(cr: &CertificateRequest<'_>) -> Result<ClientAuthRequest, Error> {
    // RFC 8446 §4.3.2: during the handshake the context is empty.
    if !cr.certificate_request_context.is_empty() {
        return Err(PeerMisbehaved::BadCertificateRequestContext.into());
    }
    cr.extensions
        .check_allowed()
        .map_err(|_| PeerMisbehaved::IllegalExtension)?;
    // RFC 8446 §4.3.2: signature_algorithms must be present.
    let schemes = cr
        .extensions
        .signature_algorithms
        .as_ref()
        .ok_or(PeerMisbehaved::MissingExtension("signature_algorithms"))?;
    let authorities = match &cr.extensions.certificate_authorities {
        Some(names) => names.iter().map(|name| name.0.to_vec()).collect(),
        None => Vec::new(),
    };
    Ok(ClientAuthRequest {
        context: cr.certificate_request_context.to_vec(),
        schemes: schemes.iter().collect(),
        authorities,
    })
}

/// Waiting for the server's Certificate.
pub(crate) struct ExpectCertificate {
    request: Option<ClientAuthRequest>,
}

impl ExpectCertificate {
    fn handle(
        self,
        cx: &mut Context,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Awaiting, Error> {
        let HandshakePayload::Certificate(certificate) = message else {
            return Err(unexpected("Certificate", message.name()));
        };
        // RFC 8446 §4.4.2: the server's context is empty.
        if !certificate.certificate_request_context.is_empty() {
            return Err(PeerMisbehaved::BadCertificateRequestContext.into());
        }
        // RFC 8446 §4.4.2: "Extensions in the Certificate message from the server MUST
        // correspond to ones from the ClientHello message."
        crate::auth_messages::check_certificate_entry_extensions(&certificate, &cx.offered_types)?;
        let chain = certificate.to_chain();
        // RFC 8446 §4.4.2.4: an empty server Certificate → decode_error.
        if chain.is_empty() {
            return Err(PeerMisbehaved::EmptyServerCertificate.into());
        }
        let now = (cx.config.time)();
        let verified =
            verify::verify_server_chain(cx.config.verifier.as_ref(), &chain, &cx.server_name, now);
        handshake_trace::trace_certificate_check(out, &chain, &verified);
        let cert = verified?;
        cx.transcript.add(raw);
        Ok(Awaiting::CertificateVerify(ExpectCertificateVerify {
            request: self.request,
            chain,
            cert,
        }))
    }
}

/// Waiting for the server's CertificateVerify.
pub(crate) struct ExpectCertificateVerify {
    request: Option<ClientAuthRequest>,
    chain: CertificateChain,
    cert: CertVerified,
}

impl ExpectCertificateVerify {
    fn handle(
        self,
        cx: &mut Context,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<Awaiting, Error> {
        let HandshakePayload::CertificateVerify(cv) = message else {
            return Err(unexpected("CertificateVerify", message.name()));
        };
        let signature = auth_messages::check_certificate_verify(
            &*out,
            &cx.config.signature_schemes,
            &cx.transcript,
            auth_messages::SERVER_CONTEXT,
            &self.chain,
            &cv,
        )?;
        out.signature_scheme(cv.algorithm);
        cx.transcript.add(raw);
        Ok(Awaiting::Finished(ExpectFinished {
            request: self.request,
            chain: self.chain,
            server: Some(Authenticated::Certificate {
                chain: self.cert,
                signature,
            }),
        }))
    }
}

/// Waiting for the server's Finished.
pub(crate) struct ExpectFinished {
    request: Option<ClientAuthRequest>,
    /// The server's certificate chain (empty when resumed: the session has it).
    chain: CertificateChain,
    /// How the server authenticated: by certificate, or (`None`) by the PSK of a resumed
    /// session, which its Finished proves.
    server: Option<Authenticated>,
}

impl ExpectFinished {
    /// The last step: the context goes into the traffic state.
    pub(super) fn handle(
        self,
        cx: Context,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<crate::client::State, Error> {
        let HandshakePayload::Finished(finished) = message else {
            return Err(unexpected("Finished", message.name()));
        };
        let Self {
            request,
            chain,
            server,
        } = self;
        let Context {
            config,
            server_name,
            mut transcript,
            handshake_secret,
            mut client_keys,
            client_finished,
            server_finished,
            suite,
            resumed,
            early_data,
            alpn,
            ..
        } = cx;
        let aead = suite.aead;
        let provider = out.provider();
        let provider = provider.as_ref();
        // RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Hash(CH..CV)).
        let hash = transcript.current_hash(provider);
        let expected = server_finished.verify_data(provider, hash.as_ref());
        let finished_ok = verify::verify_finished(expected.as_ref(), finished.verify_data)?;
        transcript.add(raw);
        let server = match server {
            Some(proof) => proof,
            None => Authenticated::Psk(verify::psk_proven_by_finished(&finished_ok)),
        };

        // RFC 8446 §7.1: application secrets from Hash(CH..server Finished). Messages
        // follow it in our transcript only for EndOfEarlyData, our certificate, or our
        // Finished when tickets are kept (the resumption master secret); else this is the
        // transcript's last hash.
        let store = config.session_store.clone();
        let more = early_data == EarlyData::Accepted || request.is_some() || store.is_some();
        let (app_hash, mut transcript) = transcript.hash_and_keep_if(more, provider);
        let (app, master) = crate::state::application_secrets(handshake_secret, &app_hash, out);
        let (client_app, server_app, exporter) = (app.client, app.server, app.exporter);
        out.install_read_keys(
            server_app.record_keys(provider, aead)?,
            KeyPhase::Application(0),
        )?;
        out.exporter(exporter);
        let session_expires_at = resumed.as_ref().map(|session| session.expires_at().0);
        // The connection and every ticket of it share one copy of the chain.
        let ticket_chain = match &resumed {
            Some(session) => session.peer_certificates.clone(),
            None => {
                out.peer_certificates(chain.clone());
                chain
            }
        };

        // RFC 8446 §4.5: after accepted 0-RTT data, EndOfEarlyData under the early keys,
        // then our handshake keys.
        if early_data == EarlyData::Accepted {
            let message = queue_payload(out, &HandshakePayload::EndOfEarlyData);
            transcript.going()?.add(message);
            let len = message.len();
            handshake_trace::trace_sent(out, "EndOfEarlyData", len, String::new);
            out.install_write_keys(take_client_keys(&mut client_keys)?, KeyPhase::Handshake)?;
        }
        // Our second flight (RFC 8446 §4.4): [Certificate, CertificateVerify], Finished (in
        // compatibility mode the ChangeCipherSpec went after the ServerHello, §D.4).
        if let Some(request) = request {
            send_client_auth(&config, transcript.going()?, &request, out)?;
        }
        // Without client authentication, the same hash as the application secrets'.
        let hash = transcript.hash_so_far(provider);
        let verify_data = client_finished.verify_data(provider, hash.as_ref());
        let message = crate::state::queue_finished(out, verify_data.as_ref());
        let len = message.len();
        // RFC 8446 §4.6.1, §7.1: tickets will be keyed from the resumption master secret,
        // over Hash(CH..client Finished).
        if store.is_some() {
            transcript.going()?.add(message);
        }
        handshake_trace::trace_sent(out, "Finished", len, String::new);
        out.install_write_keys(
            client_app.record_keys(provider, aead)?,
            KeyPhase::Application(0),
        )?;
        out.handshake_complete()?;
        let tickets = store.map(|store| {
            let hash = transcript.finish(provider);
            Box::new(TicketReceiver {
                store,
                resumption: master.resumption_master_secret(provider, hash.as_ref()),
                config: config.clone(),
                server_name,
                suite,
                alpn,
                peer_certificates: ticket_chain,
                session_expires_at,
            })
        });
        Ok(crate::client::State::Traffic(ExpectTraffic {
            _server: server,
            _finished: finished_ok,
            traffic: ApplicationTraffic::new(aead, server_app, client_app),
            tickets,
        }))
    }
}

/// Sends our Certificate (possibly empty) and CertificateVerify (RFC 8446 §4.4.2, §4.4.3).
fn send_client_auth(
    config: &ClientConfig,
    transcript: &mut Transcript,
    request: &ClientAuthRequest,
    out: &mut dyn Output,
) -> Result<(), Error> {
    // The resolver's certificate, with a scheme the server accepts that its key can make;
    // without one we send an empty Certificate (RFC 8446 §4.4.2: "If no suitable
    // certificate is available...").
    let authorities: Vec<&[u8]> = request.authorities.iter().map(Vec::as_slice).collect();
    let info = CertificateRequestInfo {
        version: ProtocolVersion::TLSv1_3,
        signature_schemes: &request.schemes,
        certificate_types: &[],
        certificate_authorities: &authorities,
        configured: &config.signature_schemes,
    };
    let chosen: Option<(Arc<CertifiedKey>, SignatureScheme)> = config
        .client_auth
        .as_ref()
        .and_then(|resolver| info.resolve(resolver.as_ref()));
    let chain: &[Vec<u8>] = chosen
        .as_ref()
        .map(|(k, _)| k.chain.as_slice())
        .unwrap_or_default();
    let message = queue_message(out, |queue| {
        auth_messages::encode_certificate(queue, &request.context, chain)
    });
    transcript.add(message);
    let len = message.len();
    handshake_trace::trace_sent(out, "Certificate", len, || {
        format!("{} certificate(s)", chain.len())
    });
    let Some((key, scheme)) = chosen else {
        return Ok(());
    };
    auth_messages::send_certificate_verify(
        &key,
        scheme,
        auth_messages::CLIENT_CONTEXT,
        transcript,
        out,
    )
    .map_err(|_| Error::from(PeerIncompatible::NoSignatureSchemesInCommon))
}

/// Our handshake record keys, held back while 0-RTT data was possible, for installing
/// now; installed twice would be a bug, refused.
fn take_client_keys(keys: &mut Option<RecordKeys>) -> Result<RecordKeys, Error> {
    keys.take()
        .ok_or(Error::Internal("our handshake keys were installed already"))
}
