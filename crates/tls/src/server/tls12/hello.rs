//! A TLS 1.2 ClientHello in; the server's flight out (RFC 5246 §7.3), in the RFC's steps:
//! process the hello, choose certificate, suite, protocol and key exchange (group and
//! signature scheme), then send ServerHello, Certificate, ServerKeyExchange,
//! [CertificateRequest] and ServerHelloDone — unless `check_resumption` finds a session to
//! resume, and the abbreviated handshake (`resume`) answers instead.

use std::borrow::Cow;
use std::sync::Arc;

use padlock_crypto::InlineKeyExchange;

use crate::certificate_chain::CertificateChain;
use crate::config::{CertifiedKey, ClientAuth, ClientHelloInfo, ServerConfig};
use crate::conn::HandshakeKind;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::output::Output;
use crate::state::{random_bytes, StateBox};
use crate::suites::{self, KeyExchangeKind, Tls12Suite};
use crate::tls12::handshake::{self, Randoms, Transcript12};
use crate::tls12::signatures;
use crate::wire::codec::{
    write_opaque, write_prefixed, Codec, DecodeError, DecodeErrorKind, LengthPrefix,
};
use crate::wire::enums::{
    CipherSuite, EcPointFormat, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use crate::wire::extensions::{write_extension_bytes, DistinguishedName, ExtensionBlock};
use crate::wire::handshake::tls12::client_certificate_type;
use crate::wire::handshake::{
    encode_handshake, CertificateRequest12, ClientHello, HandshakePayload, ServerEcdhParams,
    DOWNGRADE_TLS12,
};
use crate::wire::list::Inline;

use super::client_flight::{Context, ExpectCertificate, ExpectClientKeyExchange};
use super::{resume, KeyExchange, State};

/// What a ClientHello offers, checked for TLS 1.2.
pub(super) struct Offer<'h> {
    pub(super) hello: &'h ClientHello<'h>,
    /// supported_groups, gathered for looking at (inline for a real client's).
    groups: Inline<NamedGroup, 32>,
    schemes: Inline<SignatureScheme, 32>,
    /// The client's TLS 1.2 suites (its TLS 1.3 ones left out), for the certificate
    /// resolver.
    suites: Inline<CipherSuite, 64>,
    /// The client does secure renegotiation indication (RFC 5746 §3.5).
    secure_renegotiation: bool,
    /// The client offered the Extended Master Secret (RFC 7627 §5.1).
    pub(super) extended_master_secret: bool,
}

/// The ServerHello's answer about the session: its session id (echoed when resuming, new
/// when the session will be cached, else empty) and whether a NewSessionTicket follows
/// (RFC 5077 §3.2).
pub(super) struct SessionAnswer<'a> {
    pub(super) id: &'a [u8],
    pub(super) ticket: bool,
    /// The ServerHello resumes the session named by `id`.
    pub(super) resumed: bool,
}

/// RFC 8422 §5.1.1: a client that sends no supported_groups is assumed to support
/// secp256r1, which every ECC implementation has.
const ASSUMED_GROUPS: [NamedGroup; 1] = [NamedGroup::secp256r1];

/// A ClientHello whose best version is TLS 1.2: answer it with the server's first flight.
pub(crate) fn start(
    config: Arc<ServerConfig>,
    hello: &ClientHello<'_>,
    raw: &[u8],
    out: &mut dyn Output,
) -> Result<crate::server::State, Error> {
    let offer = process_client_hello(&config, hello)?;
    if let Some(resumption) = resume::check_resumption(&config, &offer, out)? {
        let randoms = Randoms {
            client: hello.random,
            server: server_random(&config, out)?,
        };
        return resume::resume(config, &offer, raw, resumption, randoms, out);
    }
    let cert = choose_certificate(&config, &offer)?;
    let suite = choose_suite(&config, &offer, &cert)?;
    let alpn = crate::server::choose_alpn(&config, hello.extensions.alpn.as_ref())?;
    let keep_messages = !matches!(config.client_auth, ClientAuth::None);
    let mut transcript = Transcript12::new(out.provider().as_ref(), suite, keep_messages);
    transcript.add(raw);

    let plan = choose_key_exchange(&config, &offer, suite, &cert)?;
    reserve_flight(&cert, &plan, alpn.as_deref(), out);
    if let Some(name) = &hello.extensions.server_name {
        out.server_name(name.to_string());
    }
    out.client_random(hello.random);
    handshake::report_negotiated(suite, plan.group(), HandshakeKind::Full, out);
    let (server, ours) = server_random_and_key(&config, plan, out)?;
    let randoms = Randoms {
        client: hello.random,
        server,
    };
    let keep = resume::choose_keep(&config, &offer);
    let answer = SessionAnswer {
        id: resume::announced_id(&keep),
        ticket: matches!(keep, resume::Keep::Ticket),
        resumed: false,
    };
    send_server_hello(
        &offer,
        suite,
        &randoms,
        alpn.as_deref(),
        answer,
        &mut transcript,
        out,
    )?;
    if let Some(protocol) = &alpn {
        out.alpn(protocol.clone());
    }
    send_certificate(&cert, &mut transcript, out);
    let kx = match ours {
        OurKeyExchange::Ecdhe { key, group, scheme } => {
            send_server_key_exchange(&cert, key, group, scheme, &randoms, &mut transcript, out)?
        }
        // RFC 5246 §7.4.3: no ServerKeyExchange with RSA key transport.
        OurKeyExchange::Rsa => KeyExchange::Rsa(cert),
    };
    let verifier = send_certificate_request(&config, &mut transcript, out);
    send_server_hello_done(&mut transcript, out);

    let context = Context {
        config,
        suite,
        randoms,
        client_version: hello.legacy_version,
        extended_master_secret: offer.extended_master_secret,
        transcript,
        session: resume::NewSession {
            // Recorded only in a session that will be kept.
            server_name: match keep {
                resume::Keep::Nothing => None,
                _ => hello.extensions.server_name.as_deref().map(str::to_owned),
            },
            keep,
            alpn,
            client_certificates: CertificateChain::default(),
        },
    };
    Ok(crate::server::State::Tls12(StateBox::new(match verifier {
        Some(verifier) => State::Certificate(ExpectCertificate {
            context,
            kx,
            verifier,
        }),
        None => State::ClientKeyExchange(ExpectClientKeyExchange {
            context,
            kx,
            client: None,
        }),
    })))
}

/// Room for our flight up to the ServerHelloDone, made in the send queue before its first
/// message: the flight is encoded into one buffer that never grows (and never copies what
/// it holds) on the way. The queue starts with room for a usual flight; this matters for
/// longer chains (RSA certificates). A CertificateRequest, when there is one, may still
/// grow it.
fn reserve_flight(
    cert: &CertifiedKey,
    plan: &KeyExchangePlan,
    alpn: Option<&[u8]>,
    out: &mut dyn Output,
) {
    // Handshake header, version, random, session id, suite, compression, and every
    // extension we may answer with (27 bytes) but ALPN's name.
    const SERVER_HELLO: usize = 4 + 2 + 32 + 1 + 32 + 2 + 1 + 2 + 27 + 7;
    // Handshake header, certificate_list length, then each ASN.1Cert behind its length.
    let certificate = 4 + 3 + cert.chain.iter().map(|der| 3 + der.len()).sum::<usize>();
    let key_exchange = match plan {
        // Header, curve type + group + point length, the longest point (P-384,
        // uncompressed), then the scheme, the signature's length and the signature.
        KeyExchangePlan::Ecdhe { .. } => 4 + 4 + 97 + 2 + 2 + max_signature_len(cert),
        KeyExchangePlan::Rsa => 0,
    };
    const SERVER_HELLO_DONE: usize = 4;
    let room =
        SERVER_HELLO + alpn.map_or(0, <[u8]>::len) + certificate + key_exchange + SERVER_HELLO_DONE;
    out.handshake_queue().reserve(room);
}

/// The longest signature our certificate's key makes: a DER ECDSA signature of its curve,
/// an Ed25519 signature, or an RSA signature as long as the modulus.
fn max_signature_len(cert: &CertifiedKey) -> usize {
    match cert.key.kind() {
        padlock_crypto::KeyKind::EcdsaP256 => 72,
        padlock_crypto::KeyKind::EcdsaP384 => 104,
        padlock_crypto::KeyKind::Ed25519 => 64,
        padlock_crypto::KeyKind::Rsa(bits) => (bits as usize).div_ceil(8),
        // A kind this list does not know yet: as long as an RSA-4096 signature.
        _ => 512,
    }
}

/// Checks what TLS 1.2 and its safety rails require of a ClientHello.
fn process_client_hello<'h>(
    config: &ServerConfig,
    hello: &'h ClientHello<'h>,
) -> Result<Offer<'h>, Error> {
    // RFC 5246 §7.4.1.2: the list "MUST contain" the null method; we use no other.
    if !hello.legacy_compression_methods.contains(&0) {
        return Err(PeerMisbehaved::NonNullCompression.into());
    }
    hello
        .extensions
        .check_allowed()
        .map_err(|_| PeerMisbehaved::IllegalExtension)?;
    // The TLS 1.2-only extensions a TLS 1.3 parse keeps raw when malformed
    // (ClientHelloExtensions::read_one): malformed is a decode_error here.
    if let Some(bad) = hello.extensions.other.iter().find(|e| {
        matches!(
            e.typ,
            ExtensionType::RenegotiationInfo
                | ExtensionType::ExtendedMasterSecret
                | ExtensionType::EcPointFormats
        )
    }) {
        return Err(DecodeError::new(
            bad.typ.name().unwrap_or("ClientHello.extensions"),
            DecodeErrorKind::IllegalValue,
        )
        .into());
    }
    // RFC 7507 §3: a client that signals a fallback retry, to a server that speaks a
    // newer version than the client now offers, is being downgraded.
    if hello
        .cipher_suites
        .contains(&CipherSuite::TLS_FALLBACK_SCSV)
        && config.speaks(ProtocolVersion::TLSv1_3)
    {
        return Err(PeerMisbehaved::InappropriateFallback.into());
    }
    // RFC 5746 §3.6: an initial handshake's renegotiation_info must be empty; the SCSV
    // says the same as the empty extension (§3.3).
    let secure_renegotiation = match &hello.extensions.renegotiation_info {
        Some(info) if !info.is_empty() => return Err(PeerMisbehaved::BadRenegotiationInfo.into()),
        Some(_) => true,
        None => hello
            .cipher_suites
            .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
    };
    // RFC 7627 §5.2 (server): without EMS, abort if our configuration requires it.
    let extended_master_secret = hello.extensions.extended_master_secret;
    if !extended_master_secret && config.require_extended_master_secret {
        return Err(PeerIncompatible::ExtendedMasterSecretRequired.into());
    }
    // RFC 8422 §5.1.2: the uncompressed format is mandatory to support.
    if let Some(formats) = &hello.extensions.ec_point_formats {
        if !formats.contains(&EcPointFormat::uncompressed) {
            return Err(PeerMisbehaved::UncompressedPointsNotOffered.into());
        }
    }
    Ok(Offer {
        hello,
        groups: match &hello.extensions.supported_groups {
            Some(groups) => groups.iter().collect(),
            None => ASSUMED_GROUPS.into_iter().collect(),
        },
        // RFC 5246 §7.4.1.4.1: without signature_algorithms the client accepts only SHA-1
        // signatures, which we never make: no scheme in common.
        schemes: hello
            .extensions
            .signature_algorithms
            .iter()
            .flatten()
            .collect(),
        suites: hello
            .cipher_suites
            .iter()
            .filter(|s| !s.is_tls13())
            .collect(),
        secure_renegotiation,
        extended_master_secret,
    })
}

/// RFC 6066 §3: the certificate, by SNI, signature schemes and — TLS 1.2 suites name the
/// key type — the client's TLS 1.2 suites.
fn choose_certificate(
    config: &ServerConfig,
    offer: &Offer<'_>,
) -> Result<Arc<CertifiedKey>, Error> {
    config
        .cert_resolver
        .resolve(&ClientHelloInfo {
            server_name: offer.hello.extensions.server_name.as_deref(),
            signature_schemes: &offer.schemes,
            cipher_suites: &offer.suites,
            groups: &offer.groups,
            certificate_authorities: &crate::server::hs::certificate_authorities(offer.hello),
        })
        .ok_or_else(|| PeerIncompatible::NoCertificateForName.into())
}

/// RFC 5246 §7.4.1.3: our most preferred suite the client offers that our certificate can
/// authenticate (an ECDSA suite needs an ECDSA key, an RSA suite an RSA key), among the
/// AEAD suites; RSA key transport only with the opt-in. When none is left, the error says
/// what the client offered instead.
fn choose_suite(
    config: &ServerConfig,
    offer: &Offer<'_>,
    cert: &CertifiedKey,
) -> Result<Tls12Suite, Error> {
    // RSA key transport needs the opt-in and a certificate that allows keyEncipherment.
    let key_transport = config.legacy_rsa_key_exchange
        && crate::tls12::rsa_key_transport::certificate_allows_key_transport(cert);
    let kind = cert.key.kind();
    let fits_key = |suite: &Tls12Suite| {
        (suite.kx != KeyExchangeKind::Rsa || key_transport)
            && signatures::key_fits_suite(kind, suite.auth)
    };
    let mut shared = config
        .cipher_suites
        .iter()
        .filter(|s| offer.hello.cipher_suites.contains(s))
        .filter_map(|s| suites::tls12_suite(*s))
        .filter(fits_key)
        .peekable();
    if shared.peek().is_some() {
        // RFC 8422 §5.3: an ECDSA certificate's curve must be one the client lists.
        if !signatures::curve_supported(kind, &offer.groups) {
            return Err(PeerIncompatible::CertificateCurveNotOffered.into());
        }
        // An ECDHE suite needs a group the client lists (RFC 8422 §5.1: none → no ECC
        // suite) and a signature it accepts (RFC 5246 §7.4.1.4.1); without them, a suite
        // that needs neither (RSA key transport, when enabled) may still serve.
        let ecdhe_refused = ecdhe_refusal(config, offer, cert);
        return match shared.find(|s| s.kx == KeyExchangeKind::Rsa || ecdhe_refused.is_none()) {
            Some(suite) => Ok(suite),
            None => Err(ecdhe_refused.unwrap_or(PeerIncompatible::NoCipherSuitesInCommon.into())),
        };
    }
    let theirs: Vec<Tls12Suite> = offer
        .hello
        .cipher_suites
        .iter()
        .filter_map(suites::tls12_suite)
        .collect();
    // A client offering TLS 1.3 suites alone has AEAD suites, none for TLS 1.2.
    let offers_tls13_suites = offer.hello.cipher_suites.iter().any(|s| s.is_tls13());
    Err(if theirs.is_empty() && !offers_tls13_suites {
        PeerIncompatible::OnlyInsecureCipherSuites
    } else if !config.legacy_rsa_key_exchange
        && !theirs.is_empty()
        && theirs.iter().all(|s| s.kx == KeyExchangeKind::Rsa)
    {
        PeerIncompatible::RsaKeyExchangeNotEnabled
    } else {
        PeerIncompatible::NoCipherSuitesInCommon
    }
    .into())
}

/// Why an ECDHE suite cannot serve this client, if it cannot: no group in common (RFC 8422
/// §5.1.1), or no signature scheme it accepts that our key makes (RFC 5246 §7.4.1.4.1).
fn ecdhe_refusal(config: &ServerConfig, offer: &Offer<'_>, cert: &CertifiedKey) -> Option<Error> {
    choose_group(config, offer)
        .and_then(|_| choose_signature_scheme(config, offer, cert))
        .err()
}

/// How the suite's key exchange will run.
enum KeyExchangePlan {
    /// ECDHE in `group`, the ServerKeyExchange signed with `scheme` (RFC 8422 §5.4).
    Ecdhe {
        group: NamedGroup,
        scheme: SignatureScheme,
    },
    /// RSA key transport: no ServerKeyExchange (RFC 5246 §7.4.3).
    Rsa,
}

impl KeyExchangePlan {
    fn group(&self) -> Option<NamedGroup> {
        match self {
            Self::Ecdhe { group, .. } => Some(*group),
            Self::Rsa => None,
        }
    }
}

/// The key exchange the suite names: for ECDHE, the group and the signature scheme.
fn choose_key_exchange(
    config: &ServerConfig,
    offer: &Offer<'_>,
    suite: Tls12Suite,
    cert: &CertifiedKey,
) -> Result<KeyExchangePlan, Error> {
    Ok(match suite.kx {
        KeyExchangeKind::Ecdhe => KeyExchangePlan::Ecdhe {
            group: choose_group(config, offer)?,
            scheme: choose_signature_scheme(config, offer, cert)?,
        },
        KeyExchangeKind::Rsa => KeyExchangePlan::Rsa,
    })
}

/// RFC 8422 §5.1.1: our most preferred classical group the client supports.
fn choose_group(config: &ServerConfig, offer: &Offer<'_>) -> Result<NamedGroup, Error> {
    config
        .groups
        .iter()
        .copied()
        .filter(|g| suites::tls12_group(*g).is_some())
        .find(|g| offer.groups.contains(g))
        .ok_or_else(|| PeerIncompatible::NoGroupsInCommon.into())
}

/// RFC 5246 §7.4.1.4.1: a scheme the client accepts that our key can make, for the
/// ServerKeyExchange.
fn choose_signature_scheme(
    config: &ServerConfig,
    offer: &Offer<'_>,
    cert: &CertifiedKey,
) -> Result<SignatureScheme, Error> {
    signatures::choose_scheme(cert, &offer.schemes, &config.signature_schemes)
        .ok_or_else(|| PeerIncompatible::NoSignatureSchemesInCommon.into())
}

/// ServerHello.random: 32 random bytes; a server that speaks TLS 1.3 ends it with the
/// downgrade sentinel when it negotiates TLS 1.2 (RFC 8446 §4.1.3), so a TLS 1.3 client
/// whose offer was tampered with notices.
fn server_random(config: &ServerConfig, out: &dyn Output) -> Result<[u8; 32], Error> {
    let random = random_bytes::<32>(out.provider().as_ref())?;
    Ok(with_downgrade_sentinel(config, random))
}

/// `random` ending with the RFC 8446 §4.1.3 downgrade sentinel if we speak TLS 1.3.
fn with_downgrade_sentinel(config: &ServerConfig, mut random: [u8; 32]) -> [u8; 32] {
    if config.speaks(ProtocolVersion::TLSv1_3) {
        random[24..].copy_from_slice(&DOWNGRADE_TLS12);
    }
    random
}

/// ServerHello.random ([`server_random`]) and, for ECDHE, our ephemeral key for the
/// ServerKeyExchange (RFC 8422 §5.4), both needed in this step: drawn in one call to the
/// generator where the provider can (an X25519 key is any 32 random bytes, RFC 7748 §5;
/// [`padlock_crypto::Provider::start_key_exchange_inline_with_random`]), since each call
/// has a fixed cost. The key is held by value, not boxed, until the ClientKeyExchange.
fn server_random_and_key(
    config: &ServerConfig,
    plan: KeyExchangePlan,
    out: &dyn Output,
) -> Result<([u8; 32], OurKeyExchange), Error> {
    let KeyExchangePlan::Ecdhe { group, scheme } = plan else {
        return Ok((server_random(config, out)?, OurKeyExchange::Rsa));
    };
    let algorithm = suites::tls12_group(group).ok_or(Error::Internal("unsupported group"))?;
    let mut random = [0u8; 32];
    let key = out
        .provider()
        .start_key_exchange_inline_with_random(algorithm, &mut random)
        .map_err(|_| Error::Internal("could not generate an ECDH key"))?;
    let ours = OurKeyExchange::Ecdhe { key, group, scheme };
    Ok((with_downgrade_sentinel(config, random), ours))
}

/// The key exchange planned, with what we drew for it: for ECDHE, our key.
enum OurKeyExchange {
    /// Our ephemeral key in `group`, for a ServerKeyExchange signed with `scheme`.
    Ecdhe {
        key: InlineKeyExchange,
        group: NamedGroup,
        scheme: SignatureScheme,
    },
    /// RSA key transport: nothing drawn (RFC 5246 §7.4.3).
    Rsa,
}

/// ServerHello (RFC 5246 §7.4.1.3) with the answers to the client's extensions.
pub(super) fn send_server_hello(
    offer: &Offer<'_>,
    suite: Tls12Suite,
    randoms: &Randoms,
    alpn: Option<&[u8]>,
    session: SessionAnswer<'_>,
    transcript: &mut Transcript12,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let answers = HelloAnswers {
        // RFC 6066 §3: a server that used the server_name "SHALL include" an empty one;
        // "When resuming a session, the server MUST NOT include" it.
        server_name: offer.hello.extensions.server_name.is_some() && !session.resumed,
        // RFC 5746 §3.6: an empty renegotiation_info for a client that signalled.
        renegotiation_info: offer.secure_renegotiation,
        // RFC 7627 §5.2: answer EMS whenever it is offered.
        extended_master_secret: offer.extended_master_secret,
        // RFC 8422 §5.2: answer ec_point_formats with uncompressed only.
        ec_point_formats: offer.hello.extensions.ec_point_formats.is_some()
            && suite.kx == KeyExchangeKind::Ecdhe,
        alpn,
        // RFC 5077 §3.2: an empty session_ticket when a NewSessionTicket will follow.
        session_ticket: session.ticket,
    };
    let hello = crate::state::queue_message(out, |queue| {
        // RFC 5246 §7.4.1.3: the resumed session's id, the new session's, or none.
        encode_server_hello(queue, &randoms.server, session.id, suite.suite, &answers)
    });
    transcript.add(hello);
    let len = hello.len();
    crate::handshake_trace::trace_sent(out, "ServerHello", len, || {
        format!("version=TLSv1.2 suite={}", suite.suite)
    });
    Ok(())
}

/// Our answers to the client's TLS 1.2 extensions: the ServerHello's extensions (RFC 5246
/// §7.4.1.4), each present or not; only ALPN carries a value of ours.
struct HelloAnswers<'a> {
    server_name: bool,
    renegotiation_info: bool,
    extended_master_secret: bool,
    ec_point_formats: bool,
    alpn: Option<&'a [u8]>,
    session_ticket: bool,
}

/// Appends a TLS 1.2 ServerHello (RFC 5246 §7.4.1.3) answering with `answers`, written
/// field by field straight into `queue`: the same bytes as a [`ServerHello`] whose
/// extensions are a [`Tls12ServerHelloExtensions`] (in its order), without a vector per
/// extension on the way.
fn encode_server_hello(
    queue: &mut Vec<u8>,
    random: &[u8; 32],
    session_id: &[u8],
    suite: CipherSuite,
    answers: &HelloAnswers<'_>,
) {
    encode_handshake(HandshakeType::ServerHello, queue, |out| {
        ProtocolVersion::TLSv1_2.encode(out);
        out.extend_from_slice(random);
        write_opaque(out, LengthPrefix::U8, session_id);
        suite.encode(out);
        // compression_method: null, the only one (RFC 5246 §7.4.1.2).
        out.push(0);
        write_prefixed(out, LengthPrefix::U16, |out| {
            let empty = |_: &mut Vec<u8>| {};
            if answers.server_name {
                write_extension_bytes(out, ExtensionType::ServerName, empty);
            }
            if answers.renegotiation_info {
                // RFC 5746 §3.2: `opaque renegotiated_connection<0..255>`, empty.
                write_extension_bytes(out, ExtensionType::RenegotiationInfo, |out| {
                    write_opaque(out, LengthPrefix::U8, &[])
                });
            }
            if answers.extended_master_secret {
                write_extension_bytes(out, ExtensionType::ExtendedMasterSecret, empty);
            }
            if answers.ec_point_formats {
                write_extension_bytes(out, ExtensionType::EcPointFormats, |out| {
                    write_opaque(out, LengthPrefix::U8, &[EcPointFormat::uncompressed.into()])
                });
            }
            if let Some(name) = answers.alpn {
                // RFC 7301 §3.1: a ProtocolNameList of exactly one name.
                let alpn = ExtensionType::ApplicationLayerProtocolNegotiation;
                write_extension_bytes(out, alpn, |out| {
                    write_prefixed(out, LengthPrefix::U16, |out| {
                        write_opaque(out, LengthPrefix::U8, name)
                    })
                });
            }
            if answers.session_ticket {
                write_extension_bytes(out, ExtensionType::SessionTicket, empty);
            }
        });
    });
}

/// Certificate (RFC 5246 §7.4.2): our chain, leaf first.
fn send_certificate(cert: &CertifiedKey, transcript: &mut Transcript12, out: &mut dyn Output) {
    let message = crate::state::queue_message(out, |queue| {
        crate::tls12::handshake::encode_certificate(queue, &cert.chain)
    });
    transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "Certificate", len, || {
        format!("{} certificate(s)", cert.chain.len())
    });
}

/// ServerKeyExchange (RFC 8422 §5.4): our fresh ECDH key `ours` in `group`, signed with
/// our certificate's key over `client_random + server_random + params`.
fn send_server_key_exchange(
    cert: &CertifiedKey,
    ours: InlineKeyExchange,
    group: NamedGroup,
    scheme: SignatureScheme,
    randoms: &Randoms,
    transcript: &mut Transcript12,
    out: &mut dyn Output,
) -> Result<KeyExchange, Error> {
    let params = ServerEcdhParams {
        named_group: group,
        public: ours.public_key(),
    };
    let signed = handshake::signed_params(randoms, &params);
    let mut encoded = Ok(());
    // The same bytes as a ServerKeyExchange message encodes, signed in place.
    let message = crate::state::queue_message(out, |queue| {
        let kind = HandshakeType::ServerKeyExchange;
        let params = |out: &mut Vec<u8>| params.encode(out);
        encoded = signatures::encode_signed_message(queue, kind, params, cert, scheme, &signed);
    });
    encoded?;
    transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "ServerKeyExchange", len, || {
        format!("group={group} scheme={scheme}")
    });
    Ok(KeyExchange::Ecdhe(ours))
}

/// CertificateRequest (RFC 5246 §7.4.4) when we authenticate clients: ECDSA or RSA
/// certificates, signed with a scheme we accept, by one of our roots.
fn send_certificate_request(
    config: &ServerConfig,
    transcript: &mut Transcript12,
    out: &mut dyn Output,
) -> Option<Arc<dyn crate::verify::ClientCertVerifier>> {
    let verifier = match &config.client_auth {
        ClientAuth::None => return None,
        ClientAuth::Optional(v) | ClientAuth::Required(v) => v.clone(),
    };
    let message = crate::state::queue_payload(
        out,
        &HandshakePayload::CertificateRequest12(CertificateRequest12 {
            certificate_types: Cow::Borrowed(&[
                client_certificate_type::ECDSA_SIGN,
                client_certificate_type::RSA_SIGN,
            ]),
            signature_algorithms: signatures::our_schemes(&config.signature_schemes).collect(),
            certificate_authorities: verifier
                .root_hint_subjects()
                .into_iter()
                .map(|name| DistinguishedName(Cow::Owned(name)))
                .collect(),
        }),
    );
    transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "CertificateRequest", len, String::new);
    Some(verifier)
}

/// ServerHelloDone (RFC 5246 §7.4.5): our flight is complete.
fn send_server_hello_done(transcript: &mut Transcript12, out: &mut dyn Output) {
    let message = crate::state::queue_payload(out, &HandshakePayload::ServerHelloDone);
    transcript.add(message);
    let len = message.len();
    crate::handshake_trace::trace_sent(out, "ServerHelloDone", len, String::new);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::extensions::{ServerHelloExtensions, Tls12ServerHelloExtensions};
    use crate::wire::handshake::ServerHello;
    use crate::wire::list::List;

    /// The ServerHello as the wire types encode it, for [`encode_server_hello`] to match.
    fn encoded_by_wire(session_id: &[u8], answers: &HelloAnswers<'_>) -> Vec<u8> {
        let extensions = Tls12ServerHelloExtensions {
            server_name: answers.server_name,
            renegotiation_info: answers.renegotiation_info.then_some(&[]),
            extended_master_secret: answers.extended_master_secret,
            ec_point_formats: answers
                .ec_point_formats
                .then(|| List::from(&[EcPointFormat::uncompressed])),
            alpn: answers.alpn,
            session_ticket: answers.session_ticket,
            other: Vec::new(),
        };
        crate::state::encode(&HandshakePayload::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random: [7; 32],
            legacy_session_id_echo: session_id,
            cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            legacy_compression_method: 0,
            extensions: ServerHelloExtensions {
                other: extensions.to_raw(),
                ..Default::default()
            },
        }))
    }

    #[test]
    fn a_server_hello_is_written_as_the_wire_types_encode_it() {
        for bits in 0..64u32 {
            let on = |bit: u32| bits & (1 << bit) != 0;
            let answers = HelloAnswers {
                server_name: on(0),
                renegotiation_info: on(1),
                extended_master_secret: on(2),
                ec_point_formats: on(3),
                alpn: on(4).then_some(&b"h2"[..]),
                session_ticket: on(5),
            };
            for session_id in [&[][..], &[9; 32]] {
                let mut written = Vec::new();
                encode_server_hello(
                    &mut written,
                    &[7; 32],
                    session_id,
                    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                    &answers,
                );
                assert_eq!(written, encoded_by_wire(session_id, &answers), "{bits:06b}");
            }
        }
    }
}
