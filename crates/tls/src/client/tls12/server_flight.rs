//! The server's TLS 1.2 flight (RFC 5246 §7.3): Certificate, ServerKeyExchange,
//! [CertificateRequest], ServerHelloDone; then ours: [Certificate], ClientKeyExchange,
//! [CertificateVerify], ChangeCipherSpec, Finished; then the server's ChangeCipherSpec and
//! Finished.

use std::sync::Arc;

use crate::client::hs::Offer;
use crate::client_certs::CertificateRequestInfo;
use crate::config::{CertifiedKey, ClientConfig};
use crate::conn::HandshakeKind;
use crate::error::{Error, PeerMisbehaved};
use crate::handshake_trace::trace_certificate_check;
use crate::output::{unexpected, Output};
use crate::suites::{self, Tls12Suite};
use crate::tls12::handshake::{self, PeerChain, Randoms, SessionKeys, Transcript12};
use crate::tls12::prf::Sender;
use crate::tls12::signatures;
use crate::verify::{self, Authenticated, CertVerified, ServerName, SignatureVerified};
use crate::wire::codec::{write_opaque, Codec, LengthPrefix};
use crate::wire::enums::HandshakeType;
use crate::wire::enums::{NamedGroup, ProtocolVersion, SignatureScheme};
use crate::wire::handshake::{
    encode_handshake, CertificateRequest12, HandshakePayload, ServerKeyExchange,
};
use crate::wire::List;

use super::resume::{receive_ticket, ReceivedTicket, SessionKeeper};
use super::{ExpectTraffic, KeyExchange, State};

/// What the client's TLS 1.2 states carry from the ServerHello on.
pub(crate) struct Context {
    pub(crate) offer: Offered,
    pub(crate) suite: Tls12Suite,
    pub(crate) randoms: Randoms,
    /// Both sides do the Extended Master Secret (RFC 7627).
    pub(crate) extended_master_secret: bool,
    pub(crate) transcript: Transcript12,
    /// The ServerHello's session_ticket: a NewSessionTicket comes before the server's
    /// ChangeCipherSpec (RFC 5077 §3.3).
    pub(crate) ticket_announced: bool,
    /// Where the session goes once the handshake is done (`None`: not kept).
    pub(crate) keeper: Option<SessionKeeper>,
}

/// What the TLS 1.2 states still need of our ClientHello and its configuration. The rest
/// of the [`Offer`] (the ClientHello's other fields, TLS 1.3's key shares and PSK, the
/// buffered transcript) is dropped at the ServerHello: every step moves its state into
/// the next, and this keeps that move to a few hundred bytes instead of two kilobytes.
pub(crate) struct Offered {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName,
    /// ClientHello.client_version: an RSA pre-master secret begins with it (RFC 5246
    /// §7.4.7.1).
    pub(crate) legacy_version: ProtocolVersion,
    /// Our supported_groups: the server's certificate curve and ECDHE group must be among
    /// them (RFC 8422 §5.3, §5.4).
    pub(crate) supported_groups: Vec<NamedGroup>,
    /// Our signature_algorithms: the ServerKeyExchange must be signed with one of them
    /// (RFC 5246 §7.4.1.4.1).
    pub(crate) signature_algorithms: Vec<SignatureScheme>,
}

impl Offered {
    /// Keeps what the TLS 1.2 states need of `offer`, the rest is dropped.
    pub(crate) fn keep(mut offer: Offer) -> Self {
        let extensions = &mut offer.hello.extensions;
        Self {
            supported_groups: into_vec(extensions.supported_groups.take()),
            signature_algorithms: into_vec(extensions.signature_algorithms.take()),
            legacy_version: offer.hello.legacy_version,
            config: offer.config,
            server_name: offer.server_name,
        }
    }
}

/// The values of a list our ClientHello built (moved out, not copied); an absent
/// extension is an empty list.
fn into_vec<T: Clone + for<'a> Codec<'a>>(list: Option<List<'static, T>>) -> Vec<T> {
    list.map(|mut list| std::mem::take(list.to_mut()))
        .unwrap_or_default()
}

/// Waiting for the server's Certificate (RFC 5246 §7.4.2).
pub(crate) struct ExpectCertificate {
    pub(crate) context: Context,
}

impl ExpectCertificate {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::Certificate12(certificate) = message else {
            return Err(unexpected("Certificate", message.name()));
        };
        let mut context = self.context;
        let chain = certificate.to_chain();
        let config = &context.offer.config;
        let result = verify::verify_server_chain(
            config.verifier.as_ref(),
            &chain,
            &context.offer.server_name,
            (config.time)(),
        );
        trace_certificate_check(out, &chain, &result);
        let server = PeerChain::new(chain, result?)?;
        // RFC 5246 §7.4.2: the key must fit the suite (ECDSA suites, ECDSA keys).
        signatures::leaf_fits_suite(server.key_algorithm(), context.suite.auth)?;
        signatures::leaf_curve_offered(server.key_algorithm(), &context.offer.supported_groups)?;
        context.transcript.add(raw);
        Ok(match context.suite.kx {
            suites::KeyExchangeKind::Ecdhe => {
                State::ServerKeyExchange(ExpectServerKeyExchange { context, server })
            }
            // RFC 5246 §7.4.3: no ServerKeyExchange with RSA key transport; the finished
            // handshake proves the server holds the key.
            suites::KeyExchangeKind::Rsa => {
                let kx = KeyExchange::Rsa {
                    leaf: server.leaf().to_vec(),
                };
                State::CertificateRequestOrDone(ExpectCertificateRequestOrDone {
                    context,
                    server,
                    signature: None,
                    kx,
                })
            }
        })
    }
}

/// Waiting for the ServerKeyExchange (RFC 8422 §5.4): the server's ECDH point, signed.
pub(crate) struct ExpectServerKeyExchange {
    context: Context,
    server: PeerChain,
}

impl ExpectServerKeyExchange {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::ServerKeyExchange(ske) = message else {
            return Err(unexpected("ServerKeyExchange", message.name()));
        };
        let Self {
            mut context,
            server,
        } = self;
        let group = check_group(&context.offer, ske.params.named_group)?;
        let signature = check_signature(&context, &server, &ske, out)?;
        let kx = agree(group, ske.params.public, out)?;
        context.transcript.add(raw);
        out.signature_scheme(ske.signature.algorithm);
        let group = Some(ske.params.named_group);
        handshake::report_negotiated(context.suite, group, HandshakeKind::Full, out);
        Ok(State::CertificateRequestOrDone(
            ExpectCertificateRequestOrDone {
                context,
                server,
                signature: Some(signature),
                kx,
            },
        ))
    }
}

/// RFC 8422 §5.4: the curve must be one we offered in supported_groups (and one TLS 1.2
/// uses), else illegal_parameter.
fn check_group(
    offer: &Offered,
    group: NamedGroup,
) -> Result<padlock_crypto::KeyExchangeAlgorithm, Error> {
    offer
        .supported_groups
        .contains(&group)
        .then(|| suites::tls12_group(group))
        .flatten()
        .ok_or_else(|| PeerMisbehaved::SelectedUnofferedGroup.into())
}

/// RFC 8422 §5.4: the signature over client_random + server_random + params, with a
/// scheme we offered, by the certificate's key.
fn check_signature(
    context: &Context,
    server: &PeerChain,
    ske: &ServerKeyExchange<'_>,
    out: &dyn Output,
) -> Result<SignatureVerified, Error> {
    handshake::check_peer_signature(
        out,
        server,
        &context.offer.signature_algorithms,
        &ske.signature,
        &handshake::signed_params(&context.randoms, &ske.params),
        PeerMisbehaved::BadServerKeyExchangeSignature,
    )
}

/// RFC 8422 §5.10: our ECDH key, agreed with the server's point; a point that is not on
/// the curve (or X25519's all-zero result) is illegal_parameter (§5.4). The server's point
/// came first, so ours answers it in one step (the responder's shape,
/// [`padlock_crypto::Provider::respond_to_key_share`]): the key lives only for the call.
fn agree(
    algorithm: padlock_crypto::KeyExchangeAlgorithm,
    their_public: &[u8],
    out: &dyn Output,
) -> Result<KeyExchange, Error> {
    let answer = out
        .provider()
        .respond_to_key_share(algorithm, their_public)
        .map_err(suites::key_share_error)?;
    Ok(KeyExchange::Ecdhe {
        our_public: answer.share,
        shared: answer.secret,
    })
}

/// Waiting for a CertificateRequest (RFC 5246 §7.4.4) or the ServerHelloDone.
pub(crate) struct ExpectCertificateRequestOrDone {
    context: Context,
    server: PeerChain,
    signature: Option<SignatureVerified>,
    kx: KeyExchange,
}

impl ExpectCertificateRequestOrDone {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let mut this = self;
        match message {
            HandshakePayload::CertificateRequest12(request) => {
                this.context.transcript.add(raw);
                Ok(State::ServerHelloDone(ExpectServerHelloDone {
                    before: this,
                    // Answered once the server's flight ends.
                    request: request.into_owned(),
                }))
            }
            HandshakePayload::ServerHelloDone => {
                this.context.transcript.add(raw);
                this.context.transcript.forget_messages();
                send_client_flight(this, None, out)
            }
            other => Err(unexpected(
                "CertificateRequest or ServerHelloDone",
                other.name(),
            )),
        }
    }
}

/// After a CertificateRequest: waiting for the ServerHelloDone (RFC 5246 §7.4.5).
pub(crate) struct ExpectServerHelloDone {
    before: ExpectCertificateRequestOrDone,
    request: CertificateRequest12<'static>,
}

impl ExpectServerHelloDone {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::ServerHelloDone = message else {
            return Err(unexpected("ServerHelloDone", message.name()));
        };
        let Self {
            mut before,
            request,
        } = self;
        before.context.transcript.add(raw);
        send_client_flight(before, Some(request), out)
    }
}

/// Our certificate for a CertificateRequest, with the scheme to sign with: the one the
/// configuration's resolver chooses ([`crate::ResolvesClientCert`]), if the server accepts
/// its key type (RFC 5246 §7.4.4) and one of its schemes.
fn choose_client_certificate(
    context: &Context,
    request: &CertificateRequest12<'static>,
) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
    let config = &context.offer.config;
    let resolver = config.client_auth.as_ref()?;
    // `into_owned` made the lists built ones.
    let authorities: Vec<&[u8]> = request
        .certificate_authorities
        .built()
        .unwrap_or_default()
        .iter()
        .map(|name| name.0.as_ref())
        .collect();
    let info = CertificateRequestInfo {
        version: ProtocolVersion::TLSv1_2,
        signature_schemes: request.signature_algorithms.built().unwrap_or_default(),
        certificate_types: &request.certificate_types,
        certificate_authorities: &authorities,
        configured: &config.signature_schemes,
    };
    info.resolve(resolver.as_ref())
}

/// Our flight (RFC 5246 §7.3): [Certificate], ClientKeyExchange, [CertificateVerify],
/// ChangeCipherSpec, Finished.
fn send_client_flight(
    state: ExpectCertificateRequestOrDone,
    request: Option<CertificateRequest12<'static>>,
    out: &mut dyn Output,
) -> Result<State, Error> {
    let ExpectCertificateRequestOrDone {
        mut context,
        server,
        signature,
        kx,
    } = state;
    let ours = request
        .as_ref()
        .and_then(|r| choose_client_certificate(&context, r));
    if request.is_some() {
        send_certificate(ours.as_ref().map(|(c, _)| c.as_ref()), &mut context, out);
    }
    let pre_master_secret = send_client_key_exchange(kx, &mut context, out)?;
    let keys = SessionKeys::derive(
        context.suite,
        pre_master_secret.as_ref(),
        context.extended_master_secret,
        &mut context.transcript,
        &context.randoms,
        out,
    )?;
    if let Some((cert, scheme)) = &ours {
        send_certificate_verify(cert, *scheme, &mut context, out)?;
    }
    context.transcript.forget_messages();
    handshake::send_change_cipher_spec_and_finished(
        &keys,
        Sender::Client,
        &mut context.transcript,
        out,
    )?;
    if let Some(keeper) = context.keeper.take() {
        context.keeper = Some(keeper.with_certificates(server.chain.clone()));
    }
    out.peer_certificates(server.chain);
    let ticket_announced = context.ticket_announced;
    let next = ExpectChangeCipherSpec {
        context,
        keys,
        server: server.verified,
        signature,
        ticket: None,
    };
    Ok(if ticket_announced {
        State::NewSessionTicket(ExpectNewSessionTicket(next))
    } else {
        State::ChangeCipherSpec(next)
    })
}

/// Waiting for the NewSessionTicket the ServerHello announced (RFC 5077 §3.3): after our
/// Finished, before the server's ChangeCipherSpec, and in the transcript.
pub(crate) struct ExpectNewSessionTicket(ExpectChangeCipherSpec);

impl ExpectNewSessionTicket {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let mut next = self.0;
        let ticket = receive_ticket(message, raw, &mut next.context.transcript, out)?;
        next.ticket = Some(ticket);
        Ok(State::ChangeCipherSpec(next))
    }
}

/// Certificate (RFC 5246 §7.4.6): ours, or an empty list when we have none that fits.
fn send_certificate(cert: Option<&CertifiedKey>, context: &mut Context, out: &mut dyn Output) {
    let chain = cert.map(|c| c.chain.as_slice()).unwrap_or_default();
    let count = chain.len();
    let message = crate::state::queue_message(out, |queue| {
        crate::tls12::handshake::encode_certificate(queue, chain)
    });
    context.transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "Certificate", len, || {
        format!("{count} certificate(s)")
    });
}

/// ClientKeyExchange (RFC 5246 §7.4.7): our ECDH point (RFC 8422 §5.7), or for RSA key
/// transport the encrypted pre-master secret. Returns the pre-master secret.
fn send_client_key_exchange(
    kx: KeyExchange,
    context: &mut Context,
    out: &mut dyn Output,
) -> Result<padlock_crypto::SharedSecret, Error> {
    let (body, pre_master_secret) = match kx {
        KeyExchange::Ecdhe { our_public, shared } => (ExchangeKeys::Ecdh(our_public), shared),
        KeyExchange::Rsa { leaf } => {
            let (encrypted, secret) = rsa_client_key_exchange(&leaf, context, out)?;
            (ExchangeKeys::EncryptedPreMasterSecret(encrypted), secret)
        }
    };
    let message = crate::state::queue_message(out, |queue| body.encode(queue));
    context.transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "ClientKeyExchange", len, String::new);
    Ok(pre_master_secret)
}

/// The body of our ClientKeyExchange (RFC 5246 §7.4.7).
enum ExchangeKeys {
    /// Our ECDH public point (RFC 8422 §5.7).
    Ecdh(padlock_crypto::ShareBytes),
    /// The `EncryptedPreMasterSecret`, encoded with its length (RFC 5246 §7.4.7.1).
    EncryptedPreMasterSecret(Vec<u8>),
}

impl ExchangeKeys {
    /// Appends the ClientKeyExchange carrying these keys: the same bytes as a
    /// [`ClientKeyExchange`](crate::wire::handshake::ClientKeyExchange) encodes, without
    /// a vector of its own for the body.
    fn encode(&self, queue: &mut Vec<u8>) {
        encode_handshake(HandshakeType::ClientKeyExchange, queue, |out| match self {
            // RFC 8422 §5.7: `opaque point <1..2^8-1>`.
            Self::Ecdh(point) => write_opaque(out, LengthPrefix::U8, point),
            Self::EncryptedPreMasterSecret(encoded) => out.extend_from_slice(encoded),
        })
    }
}

/// RSA key transport (RFC 5246 §7.4.7.1): the seam where the `legacy_rsa_key_exchange`
/// client goes — a fresh 48-byte pre-master secret beginning with our ClientHello's
/// version (`context.offer.legacy_version`), encrypted with RSAES-PKCS1-v1_5 to the
/// key of `leaf` (which must allow keyEncipherment); returns the
/// `EncryptedPreMasterSecret` encoding and the pre-master secret.
fn rsa_client_key_exchange(
    leaf: &[u8],
    context: &Context,
    out: &mut dyn Output,
) -> Result<(Vec<u8>, padlock_crypto::SharedSecret), Error> {
    crate::tls12::rsa_key_transport::encrypt_pre_master_secret(
        out.provider().as_ref(),
        leaf,
        context.offer.legacy_version,
    )
}

/// CertificateVerify (RFC 5246 §7.4.8): our signature over every handshake message so
/// far.
fn send_certificate_verify(
    cert: &CertifiedKey,
    scheme: SignatureScheme,
    context: &mut Context,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let mut encoded = Ok(());
    // The same bytes as a CertificateVerify message encodes, signed in place.
    let message = crate::state::queue_message(out, |queue| {
        let (kind, messages) = (
            HandshakeType::CertificateVerify,
            context.transcript.messages(),
        );
        encoded = signatures::encode_signed_message(queue, kind, |_| {}, cert, scheme, messages);
    });
    encoded?;
    context.transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "CertificateVerify", len, || {
        format!("scheme={scheme}")
    });
    Ok(())
}

/// Waiting for the server's ChangeCipherSpec (RFC 5246 §7.1).
pub(crate) struct ExpectChangeCipherSpec {
    context: Context,
    keys: SessionKeys,
    server: CertVerified,
    signature: Option<SignatureVerified>,
    /// The NewSessionTicket that came, if one was announced.
    ticket: Option<ReceivedTicket>,
}

impl ExpectChangeCipherSpec {
    pub(super) fn change_cipher_spec(self, out: &mut dyn Output) -> Result<State, Error> {
        handshake::receive_change_cipher_spec(&self.keys, Sender::Server, out)?;
        Ok(State::Finished(ExpectFinished { before: self }))
    }
}

/// Waiting for the server's Finished (RFC 5246 §7.4.9), under its new keys.
pub(crate) struct ExpectFinished {
    before: ExpectChangeCipherSpec,
}

impl ExpectFinished {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        _raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::Finished(finished) = message else {
            return Err(unexpected("Finished", message.name()));
        };
        let ExpectChangeCipherSpec {
            context,
            keys,
            server,
            signature,
            ticket,
        } = self.before;
        let provider = out.provider();
        let verified = keys.check_last_finished(
            Sender::Server,
            context.transcript,
            &finished,
            provider.as_ref(),
        )?;
        let server = match signature {
            Some(signature) => Authenticated::Certificate {
                chain: server,
                signature,
            },
            // RSA key transport: the Finished just verified is the proof of possession.
            None => Authenticated::KeyTransport { chain: server },
        };
        if let Some(keeper) = context.keeper {
            keeper.keep(keys.master_secret(), ticket);
        }
        out.tls12_exporter(keys.into_exporter(context.randoms));
        out.handshake_complete()?;
        Ok(State::Traffic(ExpectTraffic {
            _server: server,
            _finished: verified,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::Codec;
    use crate::wire::handshake::{ClientEcdhPublic, ClientKeyExchange};

    #[test]
    fn a_client_key_exchange_is_written_as_the_wire_types_encode_it() {
        let point = vec![4; 65];
        let body = ClientEcdhPublic { public: &point }.to_vec();
        let expected =
            crate::state::encode(&HandshakePayload::ClientKeyExchange(ClientKeyExchange {
                body: &body,
            }));
        let mut written = Vec::new();
        ExchangeKeys::Ecdh(padlock_crypto::ShareBytes::from_slice(&point)).encode(&mut written);
        assert_eq!(written, expected);
        let encrypted = vec![0, 3, 1, 2, 3];
        let expected =
            crate::state::encode(&HandshakePayload::ClientKeyExchange(ClientKeyExchange {
                body: &encrypted,
            }));
        let mut written = Vec::new();
        ExchangeKeys::EncryptedPreMasterSecret(encrypted).encode(&mut written);
        assert_eq!(written, expected);
    }
}
