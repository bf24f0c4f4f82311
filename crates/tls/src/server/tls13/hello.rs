//! A TLS 1.3 ClientHello in; the server's flight out (RFC 8446 §4.1, §4.3, §4.4), in the
//! RFC's steps: process the hello, check for resumption, choose suite, key share,
//! certificate and protocol, then send ServerHello, EncryptedExtensions,
//! [CertificateRequest], Certificate + CertificateVerify and Finished.

use std::borrow::Cow;
use std::sync::Arc;

use padlock_crypto::{ShareBytes, SharedSecret};

use crate::config::{CertifiedKey, ClientAuth, ClientHelloInfo, ServerConfig};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::output::{trace, Output};
use crate::record::RecordKeys;
use crate::state::{queue_message, queue_payload};
use crate::suites::Suite;
use crate::ticket::state::SessionState;
use crate::tls13::key_schedule::{EarlySecret, FinishedKey, HandshakeSecret, MasterSecret};
use crate::trace::{Direction, KeyPhase, TraceEvent};
use crate::transcript::{Remaining, Transcript};
use crate::verify::{Authenticated, ClientCertVerifier};
use crate::wire::enums::{
    CipherSuite, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::wire::extensions::{
    CertificateRequestExtensions, DistinguishedName, EncryptedExtensionsExtensions, ExtensionBlock,
    KeyShareEntry, ServerHelloExtensions,
};
use crate::wire::handshake::{
    CertificateRequest, ClientHello, EncryptedExtensions, HandshakePayload, ServerHello,
};
use crate::wire::list::{Inline, List};
use crate::{auth_messages, handshake_trace, state, suites};

use super::client_auth::{
    ClientFinished, ExpectCertificate, ExpectEndOfEarlyData, ExpectFinished, Pending, PendingTicket,
};
use super::resume::{self, check_resumption, Resumption, TicketFacts};
use super::retry;
use super::State;

/// What a ClientHello offers, checked for TLS 1.3 (RFC 8446 §4.1.2, §4.2, §9.2).
pub(super) struct Offer<'h> {
    pub(super) hello: &'h ClientHello<'h>,
    /// supported_groups, gathered for looking at (inline for a real client's).
    pub(super) groups: Inline<NamedGroup, 32>,
    pub(super) shares: &'h List<'h, KeyShareEntry<'h>>,
    pub(super) schemes: Inline<SignatureScheme, 32>,
    pub(super) suites: Inline<CipherSuite, 64>,
}

/// How the server answers the client's key shares.
enum KeyShareChoice<'h> {
    /// With a share of its own for this one of the client's.
    Answer(KeyShareEntry<'h>),
    /// By asking for a share of this group in a HelloRetryRequest (RFC 8446 §4.1.4).
    Retry(NamedGroup),
}

/// The first ClientHello of a connection that speaks TLS 1.3: answer it with the server's
/// flight, or with a HelloRetryRequest.
pub(crate) fn start(
    config: Arc<ServerConfig>,
    hello: &ClientHello<'_>,
    raw: &[u8],
    out: &mut dyn Output,
) -> Result<crate::server::State, Error> {
    let offer = process_client_hello(hello)?;
    let suite = choose_suite(&config, &offer)?;
    let resumption = check_resumption(&config, &offer, raw, suite, None, out)?;
    // RFC 8446 §4.2.9: psk_ke resumes without a key exchange.
    if resumption.as_ref().is_some_and(|r| !r.with_key_exchange) {
        let chosen = Chosen {
            suite,
            share: None,
            resumption,
        };
        return send_server_flight(config, &offer, raw, chosen, Before::Nothing, out);
    }
    match choose_key_share(&config, &offer)? {
        KeyShareChoice::Answer(share) => {
            let chosen = Chosen {
                suite,
                share: Some(share),
                resumption,
            };
            send_server_flight(config, &offer, raw, chosen, Before::Nothing, out)
        }
        KeyShareChoice::Retry(group) => {
            // RFC 8446 §4.2.10: after a HelloRetryRequest the 0-RTT data is refused and
            // skipped until the second ClientHello.
            if hello.extensions.early_data {
                trace(out, || TraceEvent::EarlyDataRejected {
                    direction: Direction::Sent,
                    reason: "the handshake needs a HelloRetryRequest".into(),
                });
                out.skip_early_data(resume::early_data_skip_limit(&config));
            }
            retry::send_hello_retry_request(config, hello, raw, suite, group, out)
        }
    }
}

/// Checks what TLS 1.3 requires of a ClientHello, and gathers the extensions the server
/// chooses from.
pub(super) fn process_client_hello<'h>(hello: &'h ClientHello<'h>) -> Result<Offer<'h>, Error> {
    // RFC 8446 §4.1.2: legacy_compression_methods is exactly one zero byte.
    if hello.legacy_compression_methods[..] != [0] {
        return Err(PeerMisbehaved::NonNullCompression.into());
    }
    // RFC 8446 §4.2: no extension that is not allowed in a ClientHello.
    hello
        .extensions
        .check_allowed()
        .map_err(|_| PeerMisbehaved::IllegalExtension)?;
    // RFC 8446 §9.2: without a PSK, these are mandatory → missing_extension.
    let groups: Inline<_, 32> = hello
        .extensions
        .supported_groups
        .as_ref()
        .ok_or(PeerMisbehaved::MissingExtension("supported_groups"))?
        .iter()
        .collect();
    let shares = hello
        .extensions
        .key_share
        .as_ref()
        .ok_or(PeerMisbehaved::MissingExtension("key_share"))?;
    let schemes = hello
        .extensions
        .signature_algorithms
        .as_ref()
        .ok_or(PeerMisbehaved::MissingExtension("signature_algorithms"))?
        .iter()
        .collect();
    // RFC 8446 §4.2.9: "If clients offer "pre_shared_key" without a
    // "psk_key_exchange_modes" extension, servers MUST abort the handshake" — even one that
    // declines every PSK.
    if hello.extensions.pre_shared_key.is_some()
        && hello.extensions.psk_key_exchange_modes.is_none()
    {
        return Err(PeerMisbehaved::MissingExtension("psk_key_exchange_modes").into());
    }
    // RFC 8446 §4.2.8: every share must be for a group the client lists, and have the
    // shape that group's shares have; else illegal_parameter. (Both lists may hold
    // thousands of entries: past a short list the lookup is a binary search, not a scan.)
    let listed = ListedGroups::new(&groups);
    for share in shares {
        if !listed.contains(share.group) {
            return Err(PeerMisbehaved::IllegalKeyShare.into());
        }
        if !share.is_well_formed() {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
    }
    Ok(Offer {
        hello,
        groups,
        shares,
        schemes,
        suites: hello.cipher_suites.iter().collect(),
    })
}

/// The client's supported_groups, for checking each key share against: scanned when the
/// list is short (a real client's is; no allocation), sorted for binary search when not.
enum ListedGroups<'h> {
    Short(&'h [NamedGroup]),
    Sorted(Vec<u16>),
}

impl<'h> ListedGroups<'h> {
    /// Lists up to this long are scanned.
    const SHORT: usize = 32;

    fn new(groups: &'h [NamedGroup]) -> Self {
        if groups.len() <= Self::SHORT {
            return Self::Short(groups);
        }
        let mut sorted: Vec<u16> = groups.iter().map(|g| g.to_wire()).collect();
        sorted.sort_unstable();
        Self::Sorted(sorted)
    }

    fn contains(&self, group: NamedGroup) -> bool {
        match self {
            Self::Short(groups) => groups.contains(&group),
            Self::Sorted(sorted) => sorted.binary_search(&group.to_wire()).is_ok(),
        }
    }
}

/// RFC 8446 §4.1.1: the server picks the suite, by its own preference.
pub(super) fn choose_suite(config: &ServerConfig, offer: &Offer<'_>) -> Result<Suite, Error> {
    config
        .cipher_suites
        .iter()
        .filter(|s| offer.suites.contains(s))
        .find_map(|s| suites::suite(*s))
        .ok_or_else(|| PeerIncompatible::NoCipherSuitesInCommon.into())
}

/// By our preference, a group the client sent a share for; else our most preferred group
/// the client supports, to ask for by HelloRetryRequest (RFC 8446 §4.2.8). With
/// [`ServerConfig::insist_on_post_quantum`], a classical share is not answered when the
/// client supports a post-quantum group of ours: that group is asked for instead.
fn choose_key_share<'h>(
    config: &ServerConfig,
    offer: &Offer<'h>,
) -> Result<KeyShareChoice<'h>, Error> {
    let ours = || {
        config
            .groups
            .iter()
            .copied()
            .filter(|g| suites::group(*g).is_some())
    };
    let shares = offer.shares;
    let post_quantum_supported = || {
        ours()
            .filter(|g| g.is_post_quantum())
            .find(|g| offer.groups.contains(g))
    };
    if let Some(share) = ours().find_map(|g| shares.iter().find(|s| s.group == g)) {
        if config.insist_on_post_quantum && !share.group.is_post_quantum() {
            if let Some(group) = post_quantum_supported() {
                return Ok(KeyShareChoice::Retry(group));
            }
        }
        return Ok(KeyShareChoice::Answer(share));
    }
    ours()
        .find(|g| offer.groups.contains(g))
        .map(KeyShareChoice::Retry)
        .ok_or_else(|| PeerIncompatible::NoGroupsInCommon.into())
}

/// RFC 6066 §3 / RFC 8446 §4.4.2.2: the certificate, by SNI and signature schemes, and the
/// scheme to sign with.
fn choose_certificate(
    config: &ServerConfig,
    offer: &Offer<'_>,
) -> Result<(Arc<CertifiedKey>, SignatureScheme), Error> {
    let cert = config
        .cert_resolver
        .resolve(&ClientHelloInfo {
            server_name: offer.hello.extensions.server_name.as_deref(),
            signature_schemes: &offer.schemes,
            cipher_suites: &offer.suites,
            groups: &offer.groups,
            certificate_authorities: &crate::server::hs::certificate_authorities(offer.hello),
        })
        .ok_or(PeerIncompatible::NoCertificateForName)?;
    let scheme = auth_messages::choose_scheme(&cert, &offer.schemes, &config.signature_schemes)
        .ok_or(PeerIncompatible::NoSignatureSchemesInCommon)?;
    Ok((cert, scheme))
}

/// What the server settled on for the ClientHello it answers.
pub(super) struct Chosen<'h> {
    pub(super) suite: Suite,
    /// The client's share we answer; none for a psk_ke resumption (RFC 8446 §4.2.9).
    pub(super) share: Option<KeyShareEntry<'h>>,
    /// The session resumed, if a PSK was accepted (RFC 8446 §2.2).
    pub(super) resumption: Option<Resumption>,
}

/// What came before the ClientHello the server answers.
pub(super) enum Before {
    /// Nothing: it is the first.
    Nothing,
    /// A HelloRetryRequest; the transcript holds ClientHello1's message_hash and the
    /// HelloRetryRequest (RFC 8446 §4.4.1).
    HelloRetryRequest(Transcript),
}

/// Everything from the ServerHello to our Finished, for a ClientHello (`raw`) answered as
/// `chosen`: with our share for the client's (none: a psk_ke resumption), resuming a
/// session or not.
pub(super) fn send_server_flight(
    config: Arc<ServerConfig>,
    offer: &Offer<'_>,
    raw: &[u8],
    mut chosen: Chosen<'_>,
    before: Before,
    out: &mut dyn Output,
) -> Result<crate::server::State, Error> {
    // Read in place, not destructured: the resumption is over 500 bytes, and each move
    // of it a copy.
    let (suite, share, resumption) = (chosen.suite, &chosen.share, &mut chosen.resumption);
    let (mut transcript, retried) = match before {
        Before::Nothing => (
            resume::hello_transcript(resumption.as_mut(), raw, suite, out),
            false,
        ),
        Before::HelloRetryRequest(mut transcript) => {
            transcript.add(raw);
            (transcript, true)
        }
    };
    let offered_early = offer.hello.extensions.early_data && !retried;
    let early = resume::decide_early_data(&config, resumption.as_ref(), offered_early, out);
    let early_keys = match (&resumption, early) {
        (Some(r), Some(_)) => Some(client_early_keys(r, suite, &transcript, out)?),
        _ => None,
    };
    let cert = match resumption {
        None => Some(choose_certificate(&config, offer)?),
        Some(_) => None,
    };
    let alpn = crate::server::choose_alpn(&config, offer.hello.extensions.alpn.as_ref())?;
    // ServerHello.random is drawn with our key share, where there is one, and with the
    // random bytes of the tickets sent at the end: one call to the generator for all.
    let ticket_count = resume::ticket_count(&config, offer, resumption.is_some());
    let mut drawn = [0u8; 32 + resume::RANDOM_AHEAD_MAX];
    let drawn = &mut drawn[..32 + resume::random_ahead_len(&config, ticket_count)];
    let (our_share, shared) = match &share {
        Some(share) => {
            let (ours, shared) = answer_key_share(share, drawn, out)?;
            (Some((share.group, ours)), Some(shared))
        }
        None => {
            fill_random(out, drawn)?;
            (None, None)
        }
    };
    let Some((&random, ticket_random)) = drawn.split_first_chunk::<32>() else {
        return Err(Error::Internal("no ServerHello.random drawn"));
    };
    let our_share = our_share.as_ref().map(|(group, ours)| KeyShareEntry {
        group: *group,
        key_exchange: Cow::Borrowed(ours),
    });
    let group = share.as_ref().map(|s| s.group);
    report_negotiated(offer, suite, group, retried, resumption.is_some(), out);

    let psk_identity = resumption.as_ref().map(|r| r.identity);
    send_server_hello(
        offer,
        suite,
        random,
        our_share,
        psk_identity,
        &mut transcript,
        out,
    )?;
    // The fields it hands on, not the whole resumption; the session's client certificate
    // and expiry go on into this connection's tickets (`pending_ticket`).
    let (early_secret, client, session) = match chosen.resumption {
        Some(Resumption {
            early_secret,
            proof,
            state,
            ..
        }) => {
            if !state.client_certificates.is_empty() {
                out.peer_certificates(state.client_certificates.clone());
            }
            (
                Some(early_secret),
                Some(Authenticated::Psk(proof)),
                Some(state),
            )
        }
        None => (None, None, None),
    };
    let resumed = client.is_some();
    // RFC 8446 §7.1: without (EC)DHE (psk_ke), the input is HashLen zeros.
    let zeros = [0u8; crate::hkdf::MAX_SECRET_LEN];
    let shared_bytes = match &shared {
        Some(shared) => shared.as_ref(),
        None => &zeros[..suite.hash.output_len()],
    };
    let secrets = handshake_secrets(suite, early_secret, shared_bytes, &transcript, out)?;
    let client_handshake_keys = match (early, early_keys) {
        // RFC 8446 §4.2.10: the client's 0-RTT records come under its early keys, up
        // to EndOfEarlyData; its handshake keys wait until then.
        (Some(max), Some(keys)) => {
            out.install_read_keys(keys, KeyPhase::Early)?;
            out.accept_early_data(max as usize);
            Some(secrets.client_keys)
        }
        _ => {
            out.install_read_keys(secrets.client_keys, KeyPhase::Handshake)?;
            if offered_early {
                out.skip_early_data(resume::early_data_skip_limit(&config));
            }
            None
        }
    };
    let answer = EncryptedAnswers {
        alpn: alpn.clone(),
        early_data: early.is_some(),
        resumed,
    };
    send_encrypted_extensions(offer, answer, &mut transcript, out);
    // RFC 8446 §4.3.2: a server authenticating with a PSK sends no CertificateRequest
    // (and no Certificate, §4.4.2).
    let verifier = match (&config.client_auth, resumed) {
        (ClientAuth::Optional(v) | ClientAuth::Required(v), false) => Some(v.clone()),
        _ => None,
    };
    if let Some(verifier) = &verifier {
        send_certificate_request(&config, verifier.as_ref(), &mut transcript, out);
    }
    if let Some((cert, scheme)) = cert {
        send_certificate(&cert, scheme, &mut transcript, out)?;
    }
    send_finished(&secrets.server_finished, &mut transcript, out);

    // What a ticket records is kept only if tickets will be sent (RFC 8446 §4.6.1).
    let tickets = ticket_count > 0;
    // RFC 8446 §7.1: application secrets from Hash(CH..server Finished). Messages follow
    // it in our transcript only for EndOfEarlyData, a client certificate, or the client's
    // Finished when tickets are sent (the resumption master secret); else this is the
    // transcript's last hash, which the client's Finished is checked against too.
    let more = early.is_some() || verifier.is_some() || tickets;
    let provider = out.provider();
    let (app_hash, transcript) = transcript.hash_and_keep_if(more, provider.as_ref());
    let (app, master) = state::application_secrets(secrets.handshake, &app_hash, out);
    out.exporter(app.exporter);
    out.install_write_keys(
        app.server.record_keys(provider.as_ref(), suite.aead)?,
        KeyPhase::Application(0),
    )?;
    let ticket = pending_ticket(
        offer,
        master,
        suite,
        ticket_count,
        ticket_random,
        alpn,
        session,
    );
    let client_finished = match transcript {
        Remaining::Going(transcript) if tickets && verifier.is_none() => {
            send_tickets_with_finished(
                &config,
                transcript,
                &secrets.client_finished,
                early.is_some(),
                ticket,
                out,
            )?
        }
        transcript => ClientFinished::ToCompute {
            transcript,
            key: secrets.client_finished,
            ticket,
        },
    };
    let pending = Pending {
        client_handshake_keys,
        client_finished,
        client_application_secret: app.client,
        server_application_secret: app.server,
        aead: suite.aead,
        config,
    };
    Ok(match (early.is_some(), verifier) {
        (true, _) => State::EndOfEarlyData(Box::new(ExpectEndOfEarlyData { pending, client })),
        (false, Some(_)) => State::Certificate(Box::new(ExpectCertificate { pending })),
        (false, None) => State::Finished(Box::new(ExpectFinished { pending, client })),
    }
    .into())
}

/// What this connection's tickets will record (RFC 8446 §4.6.1), if it sends any
/// (`count`): the ClientHello's server name, the ALPN protocol, and for a resumed
/// connection the session's client certificate and expiry. Without the certificate a
/// server that requires one would refuse the tickets and every other connection of a
/// mutual-TLS client would pay a full handshake; without the expiry each resumption would
/// extend the session, and its certificates would never be checked again.
fn pending_ticket(
    offer: &Offer<'_>,
    master: MasterSecret,
    suite: Suite,
    count: usize,
    random: &[u8],
    alpn: Option<Vec<u8>>,
    session: Option<SessionState>,
) -> PendingTicket {
    let facts = match count {
        0 => TicketFacts::default(),
        _ => TicketFacts {
            count,
            random: resume::TicketRandom::new(random),
            server_name: offer
                .hello
                .extensions
                .server_name
                .as_deref()
                .map(str::to_owned),
            alpn,
            session_expires_at: session
                .as_ref()
                .map(|s| s.issued_at.saturating_add(u64::from(s.lifetime))),
            client_certificates: session.map(|s| s.client_certificates).unwrap_or_default(),
        },
    };
    PendingTicket {
        master,
        suite: suite.suite,
        facts,
    }
}

/// The tickets sent with the server's Finished (RFC 8446 §4.6.1: "a server which does not
/// request client authentication MAY compute the remainder of the transcript
/// independently and then send a NewSessionTicket immediately upon sending its Finished"),
/// a round trip before the client's Finished would allow: a client that opens its next
/// connection at once, or closes after one exchange, has them. The transcript is
/// completed as the client will complete it — its EndOfEarlyData after accepted 0-RTT
/// data (§4.5), then its Finished (§4.4.4) — and that Finished's verify_data is what the
/// client's is checked against when it comes. They go under the server's application
/// keys, installed by now.
fn send_tickets_with_finished(
    config: &ServerConfig,
    mut transcript: Transcript,
    key: &FinishedKey,
    early_data: bool,
    ticket: PendingTicket,
    out: &mut dyn Output,
) -> Result<ClientFinished, Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    if early_data {
        // RFC 8446 §4.5: its header and an empty body.
        transcript.add(&[u8::from(HandshakeType::EndOfEarlyData), 0, 0, 0]);
    }
    let hash = transcript.hash_so_far(provider);
    let expected = key.verify_data(provider, hash.as_ref());
    state::add_finished(&mut transcript, expected.as_ref());
    ticket.send(config, transcript, out)?;
    Ok(ClientFinished::Predicted(expected))
}

/// RFC 8446 §7.1: `client_early_traffic_secret` = Derive-Secret(Early Secret,
/// "c e traffic", ClientHello), logged, and its record keys.
fn client_early_keys(
    resumption: &Resumption,
    suite: Suite,
    transcript: &Transcript,
    out: &mut dyn Output,
) -> Result<crate::record::RecordKeys, Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    let hash = transcript.current_hash(provider);
    let secret = resumption
        .early_secret
        .client_early_traffic_secret(provider, hash.as_ref());
    out.log_secret("CLIENT_EARLY_TRAFFIC_SECRET", secret.as_bytes());
    secret.record_keys(provider, suite.aead)
}

/// Key exchange (RFC 8446 §4.2.8): our share for the client's, and the shared secret, in
/// one step (Diffie-Hellman: a fresh key and agreement; KEM: encapsulation); `random`
/// (the ServerHello.random, §4.1.3, then the tickets' random bytes) filled too, which the
/// provider may draw with our key.
fn answer_key_share(
    share: &KeyShareEntry<'_>,
    random: &mut [u8],
    out: &dyn Output,
) -> Result<(ShareBytes, SharedSecret), Error> {
    let algorithm = suites::group(share.group).ok_or(PeerIncompatible::NoGroupsInCommon)?;
    let answer = out
        .provider()
        .respond_to_key_share_with_random(algorithm, &share.key_exchange, random)
        .map_err(suites::key_share_error)?;
    Ok((answer.share, answer.secret))
}

/// `random` filled from the provider's generator.
fn fill_random(out: &dyn Output, random: &mut [u8]) -> Result<(), Error> {
    out.provider()
        .fill_random(random)
        .map_err(|_| Error::Internal("the random number generator failed"))
}

fn report_negotiated(
    offer: &Offer<'_>,
    suite: Suite,
    group: Option<NamedGroup>,
    retried: bool,
    resumed: bool,
    out: &mut dyn Output,
) {
    if let Some(name) = &offer.hello.extensions.server_name {
        out.server_name(name.to_string());
    }
    out.client_random(offer.hello.random);
    state::report_negotiated(suite, group, retried, resumed, out);
}

/// ServerHello (RFC 8446 §4.1.3) with our key share (none for psk_ke) and the accepted
/// PSK's index (§4.2.11), then a ChangeCipherSpec in compatibility mode (§D.4). `random`
/// was drawn with our key share (`answer_key_share`).
fn send_server_hello(
    offer: &Offer<'_>,
    suite: Suite,
    random: [u8; 32],
    our_share: Option<KeyShareEntry<'_>>,
    psk_identity: Option<u16>,
    transcript: &mut Transcript,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let group = our_share.as_ref().map(|s| s.group);
    let server_hello = queue_payload(
        out,
        &HandshakePayload::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random,
            legacy_session_id_echo: &offer.hello.legacy_session_id,
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions: ServerHelloExtensions {
                supported_versions: Some(ProtocolVersion::TLSv1_3),
                key_share: our_share,
                pre_shared_key: psk_identity,
                ..Default::default()
            },
        }),
    );
    transcript.add(server_hello);
    let len = server_hello.len();
    handshake_trace::trace_sent(out, "ServerHello", len, || {
        let group = group.map_or_else(|| "none (psk_ke)".to_string(), |g| g.to_string());
        match psk_identity {
            Some(i) => format!("suite={} group={group} psk={i}", suite.suite),
            None => format!("suite={} group={group}", suite.suite),
        }
    });
    if !offer.hello.legacy_session_id.is_empty() {
        out.send_change_cipher_spec()?;
    }
    Ok(())
}

/// RFC 8446 §7.1: the handshake secrets from the Early Secret (the PSK's, if resuming),
/// the shared secret and Hash(CH..SH); switch our writing to them (the caller installs
/// the read keys: the client's handshake keys, or its early keys first for 0-RTT). Each
/// traffic secret is taken apart at once into its record keys and its finished_key
/// (§7.3, §4.4.4).
fn handshake_secrets(
    suite: Suite,
    early: Option<EarlySecret>,
    shared: &[u8],
    transcript: &Transcript,
    out: &mut dyn Output,
) -> Result<HandshakeKeys, Error> {
    let secrets = state::handshake_secrets(suite, early, shared, transcript, out);
    let provider = out.provider();
    let provider = provider.as_ref();
    let (server_keys, server_finished) = secrets.server.handshake_keys(provider, suite.aead)?;
    let (client_keys, client_finished) = secrets.client.handshake_keys(provider, suite.aead)?;
    out.install_write_keys(server_keys, KeyPhase::Handshake)?;
    Ok(HandshakeKeys {
        handshake: secrets.handshake,
        server_finished,
        client_keys,
        client_finished,
    })
}

/// What the handshake traffic secrets (RFC 8446 §7.1) leave the server once its own
/// record keys are installed.
struct HandshakeKeys {
    handshake: HandshakeSecret,
    /// Our finished_key, for our Finished.
    server_finished: FinishedKey,
    /// The client's handshake record keys, for reading.
    client_keys: RecordKeys,
    /// The client's finished_key, to check its Finished.
    client_finished: FinishedKey,
}

/// What EncryptedExtensions answers besides the client's server_name.
struct EncryptedAnswers {
    alpn: Option<Vec<u8>>,
    /// 0-RTT accepted (RFC 8446 §4.2.10).
    early_data: bool,
    /// A resumed session: its certificate was chosen for the name when it was made.
    resumed: bool,
}

/// EncryptedExtensions (RFC 8446 §4.3.1), with early_data when 0-RTT is accepted
/// (§4.2.10).
fn send_encrypted_extensions(
    offer: &Offer<'_>,
    answer: EncryptedAnswers,
    transcript: &mut Transcript,
    out: &mut dyn Output,
) {
    let EncryptedAnswers {
        alpn,
        early_data,
        resumed,
    } = answer;
    let ee = queue_payload(
        out,
        &HandshakePayload::EncryptedExtensions(EncryptedExtensions {
            extensions: EncryptedExtensionsExtensions {
                // RFC 6066 §3: an empty server_name acknowledges the one we used — not
                // when resuming ("MUST NOT include a server_name extension").
                server_name: offer.hello.extensions.server_name.is_some() && !resumed,
                alpn: alpn.as_deref(),
                early_data,
                ..Default::default()
            },
        }),
    );
    transcript.add(ee);
    let len = ee.len();
    handshake_trace::trace_sent(out, "EncryptedExtensions", len, || {
        format!("alpn={}", handshake_trace::alpn_list(alpn.as_slice()))
    });
    if let Some(protocol) = alpn {
        out.alpn(protocol);
    }
}

/// CertificateRequest (RFC 8446 §4.3.2), for mutual TLS.
fn send_certificate_request(
    config: &ServerConfig,
    verifier: &dyn ClientCertVerifier,
    transcript: &mut Transcript,
    out: &mut dyn Output,
) {
    let hints = verifier.root_hint_subjects();
    let cr = queue_payload(
        out,
        &HandshakePayload::CertificateRequest(CertificateRequest {
            certificate_request_context: &[],
            extensions: CertificateRequestExtensions {
                signature_algorithms: Some(List::from(&config.signature_schemes[..])),
                certificate_authorities: (!hints.is_empty()).then(|| {
                    let names: Vec<_> = hints
                        .into_iter()
                        .map(|name| DistinguishedName(Cow::Owned(name)))
                        .collect();
                    names.into()
                }),
                ..Default::default()
            },
        }),
    );
    transcript.add(cr);
    let len = cr.len();
    handshake_trace::trace_sent(out, "CertificateRequest", len, String::new);
}

/// Certificate and CertificateVerify (RFC 8446 §4.4.2, §4.4.3).
fn send_certificate(
    cert: &CertifiedKey,
    scheme: SignatureScheme,
    transcript: &mut Transcript,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let message = queue_message(out, |queue| {
        auth_messages::encode_certificate(queue, &[], &cert.chain)
    });
    transcript.add(message);
    let len = message.len();
    handshake_trace::trace_sent(out, "Certificate", len, || {
        format!("{} certificate(s)", cert.chain.len())
    });
    auth_messages::send_certificate_verify(
        cert,
        scheme,
        auth_messages::SERVER_CONTEXT,
        transcript,
        out,
    )
}

/// Finished (RFC 8446 §4.4.4).
fn send_finished(finished_key: &FinishedKey, transcript: &mut Transcript, out: &mut dyn Output) {
    let provider = out.provider();
    let hash = transcript.current_hash(provider.as_ref());
    let verify_data = finished_key.verify_data(provider.as_ref(), hash.as_ref());
    let finished = state::queue_finished(out, verify_data.as_ref());
    transcript.add(finished);
    let len = finished.len();
    handshake_trace::trace_sent(out, "Finished", len, String::new);
}
