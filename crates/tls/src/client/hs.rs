//! The client's steps before a protocol version is settled: build and send the ClientHello
//! (RFC 8446 §4.1.2), then read the server's answer far enough to know which version it
//! chose (§4.1.3, §4.2.1, §D.5) and hand over to that version's states.
//!
//! Each version adds a variant to [`Version`] and an arm to [`ExpectServerHello::handle`]:
//! TLS 1.3 (`tls13`) and TLS 1.2 (`tls12`), offered together and TLS 1.3 preferred.

use std::borrow::Cow;
use std::sync::Arc;

use padlock_crypto::{CryptoError, InlineKeyExchange, Provider, SharedSecret};

use crate::config::ClientConfig;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::output::{trace, unexpected, Output};
use crate::state::StateBox;
use crate::suites;
use crate::ticket::ClientSession;
use crate::trace::{Direction, TraceEvent};
use crate::transcript::Transcript;
use crate::verify::ServerName;
use crate::wire::enums::{
    CipherSuite, EcPointFormat, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::wire::extensions::{ClientHelloExtensions, KeyShareEntry, ProtocolName};
use crate::wire::handshake::{
    encode_handshake, ClientHello, HandshakePayload, ServerHello, DOWNGRADE_TLS11, DOWNGRADE_TLS12,
};
use crate::wire::{Codec, List};

use super::psk::{self, OfferedPsk};
use super::{tls12, tls13};

/// Signature schemes we accept inside certificates (RFC 8446 §4.2.3: rsa_pkcs1_* are
/// allowed there, never in CertificateVerify).
const CERT_SCHEMES: [SignatureScheme; 3] = [
    SignatureScheme::rsa_pkcs1_sha256,
    SignatureScheme::rsa_pkcs1_sha384,
    SignatureScheme::rsa_pkcs1_sha512,
];

/// What the client offered, and what it needs to hold the server to it.
pub(crate) struct Offer {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName,
    /// The ClientHello as sent (or as adopted from a test override).
    pub(crate) hello: ClientHello<'static>,
    /// Our key shares, one per group we sent a share for.
    pub(crate) shares: OfferedShares,
    /// The ClientHello, kept until the server names the transcript hash.
    pub(crate) transcript: Transcript,
    /// The session offered for resumption (RFC 8446 §2.2), if any.
    pub(crate) psk: Option<OfferedPsk>,
    /// The TLS 1.2 session offered for resumption (RFC 5077 §3.4, RFC 5246 §7.4.1.2).
    pub(crate) tls12_session: Option<ClientSession>,
}

/// The key exchanges the client has started: one per group in its key_share extension
/// (RFC 8446 §4.2.8). The server picks one group; that exchange is completed and the
/// others are dropped. A classical group whose key a hybrid offered before it already
/// holds (X25519 after X25519MLKEM768) reuses that key instead of making another: the
/// same share appears in both entries, as other stacks do.
///
/// Held by value: the first [`INLINE_SHARES`] exchanges (a client offers two by default)
/// in the struct, any more in a vector, each (EC)DH key unboxed
/// ([`Provider::start_key_exchange_inline`]), so offering shares allocates nothing of
/// ours. A slot's index is its place in the offer.
pub(crate) struct OfferedShares {
    inline: [Option<(NamedGroup, Offered)>; INLINE_SHARES],
    more: Vec<Option<(NamedGroup, Offered)>>,
}

/// How many key shares [`OfferedShares`] holds without a vector.
const INLINE_SHARES: usize = 2;

/// One key share entry's exchange.
enum Offered {
    /// An exchange of its own.
    Own(InlineKeyExchange),
    /// The classical half of the hybrid at this index.
    HalfOf(usize),
}

impl OfferedShares {
    /// Starts one key exchange per group in `groups` (a group listed twice is offered
    /// once: RFC 8446 §4.2.8 allows one share per group).
    pub(crate) fn start<'g>(
        provider: &dyn Provider,
        groups: impl IntoIterator<Item = &'g NamedGroup>,
    ) -> Result<Self, Error> {
        Self::start_drawing(provider, groups, &mut [])
    }

    /// [`Self::start`], filling `random` too (the ClientHello's random values): drawn with
    /// the first share's key where the provider can, one call to its generator for both
    /// ([`Provider::start_key_exchange_inline_with_random`]), else on its own.
    pub(crate) fn start_drawing<'g>(
        provider: &dyn Provider,
        groups: impl IntoIterator<Item = &'g NamedGroup>,
        random: &mut [u8],
    ) -> Result<Self, Error> {
        let mut random = Some(random).filter(|random| !random.is_empty());
        let mut shares = Self {
            inline: [None, None],
            more: Vec::new(),
        };
        for group in groups {
            if shares.contains(*group) {
                continue;
            }
            let algorithm = suites::group(*group).ok_or(Error::Config("unsupported group"))?;
            let hybrid = shares.offered().position(|(_, offered)| {
                matches!(offered, Offered::Own(ex)
                    if ex.classical_share().is_some_and(|(a, _)| a == algorithm))
            });
            let offered = match hybrid {
                Some(index) => Offered::HalfOf(index),
                None => Offered::Own(
                    match random.take() {
                        Some(random) => {
                            provider.start_key_exchange_inline_with_random(algorithm, random)
                        }
                        None => provider.start_key_exchange_inline(algorithm),
                    }
                    .map_err(|_| Error::Internal("could not generate a key share"))?,
                ),
            };
            match shares.inline.iter_mut().find(|slot| slot.is_none()) {
                Some(slot) => *slot = Some((*group, offered)),
                None => shares.more.push(Some((*group, offered))),
            }
        }
        // No share of our own to draw it with.
        if let Some(random) = random {
            provider
                .fill_random(random)
                .map_err(|_| Error::Internal("the random number generator failed"))?;
        }
        Ok(shares)
    }

    /// Every slot, in the order offered (`None` only for inline room not used, or an
    /// exchange taken by [`Self::complete`]).
    fn slots(&self) -> impl Iterator<Item = &Option<(NamedGroup, Offered)>> {
        self.inline.iter().chain(&self.more)
    }

    /// The offered exchanges, in order; the position of one is its index.
    fn offered(&self) -> impl Iterator<Item = &(NamedGroup, Offered)> {
        self.slots().flatten()
    }

    /// Takes the exchange in slot `index` out.
    fn take(&mut self, index: usize) -> Option<(NamedGroup, Offered)> {
        match index.checked_sub(INLINE_SHARES) {
            None => self.inline.get_mut(index)?.take(),
            Some(more) => self.more.get_mut(more)?.take(),
        }
    }

    /// The key_share extension's entries (RFC 8446 §4.2.8).
    pub(crate) fn entries(&self) -> Vec<KeyShareEntry<'static>> {
        self.offered()
            .map(|(group, offered)| KeyShareEntry {
                group: *group,
                key_exchange: self.share(offered).to_vec().into(),
            })
            .collect()
    }

    fn share<'a>(&'a self, offered: &'a Offered) -> &'a [u8] {
        match offered {
            Offered::Own(ex) => ex.public_key(),
            Offered::HalfOf(index) => match self.slots().nth(*index) {
                Some(Some((_, Offered::Own(hybrid)))) => {
                    hybrid.classical_share().map_or(&[], |(_, s)| s)
                }
                // `start` only points at an `Own` exchange.
                _ => &[],
            },
        }
    }

    /// Whether we sent a share for `group`.
    pub(crate) fn contains(&self, group: NamedGroup) -> bool {
        self.offered().any(|(g, _)| *g == group)
    }

    /// Completes the exchange for `group` with the server's `peer_share` (a hybrid's
    /// classical half, when that is what the group's entry offered); `None` if we sent no
    /// share for `group`. The other exchanges are dropped.
    pub(crate) fn complete(
        mut self,
        group: NamedGroup,
        peer_share: &[u8],
    ) -> Option<Result<SharedSecret, CryptoError>> {
        let at = self
            .slots()
            .position(|slot| slot.as_ref().is_some_and(|(g, _)| *g == group))?;
        Some(match self.take(at)?.1 {
            Offered::Own(exchange) => exchange.complete(peer_share),
            Offered::HalfOf(index) => match self.take(index)?.1 {
                Offered::Own(hybrid) => hybrid.complete_classical(peer_share),
                Offered::HalfOf(_) => return None,
            },
        })
    }
}

/// The protocol versions this client speaks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Version {
    /// TLS 1.3 (RFC 8446).
    Tls13,
    /// TLS 1.2 (RFC 5246).
    Tls12,
}

/// Builds and sends the first ClientHello (RFC 8446 §4.1.2); the wait for the server's
/// answer is built in the box the TLS 1.3 states keep (see [`tls13::State`]), where it
/// stays: 1.7 KB, built once rather than moved out through each caller.
pub(super) fn start(
    config: Arc<ClientConfig>,
    server_name: ServerName,
    session: Option<ClientSession>,
    out: &mut dyn Output,
) -> Result<StateBox<tls13::State>, Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    crate::config::check_versions(
        &config.versions,
        &config.cipher_suites,
        config.legacy_rsa_key_exchange,
    )?;
    if !config
        .cipher_suites
        .iter()
        .any(|s| offers_suite(&config, *s))
    {
        return Err(Error::Config("no supported cipher suite is enabled"));
    }
    let (tls13, _) = offered_versions(&config);
    // Shares for our most preferred groups; the server may ask for another (§4.1.4).
    let share_groups = config
        .groups
        .iter()
        .filter(|g| suites::group(**g).is_some())
        .take(if tls13 { config.key_shares.max(1) } else { 0 });
    let groups_usable = config
        .groups
        .iter()
        .any(|g| (tls13 && suites::group(*g).is_some()) || suites::tls12_group(*g).is_some());
    if !groups_usable {
        return Err(Error::Config("no supported key exchange group is enabled"));
    }
    // The ClientHello's random and legacy session id, drawn with our first key share.
    let mut drawn = [0u8; 64];
    let shares = OfferedShares::start_drawing(provider, share_groups, &mut drawn)?;
    let mut hello = client_hello(&config, &server_name, &shares, &drawn)?;
    out.client_random(hello.random);
    out.server_name(server_name.to_string());
    // RFC 8446 §4.2.9: a client that keeps sessions lists the PSK mode it resumes with,
    // or servers send it no tickets; §2.2: offer a session from an earlier connection.
    // Both are TLS 1.3's: a ClientHello offering TLS 1.2 alone carries neither.
    let offers_tls13 = hello
        .extensions
        .supported_versions
        .as_ref()
        .is_some_and(|v| v.contains(&ProtocolVersion::TLSv1_3));
    if offers_tls13 && config.session_store.is_some() {
        hello.extensions.psk_key_exchange_modes = Some(vec![psk::mode(&config)].into());
    }
    let now = (config.time)();
    let (_, offers_tls12) = offered_versions(&config);
    // RFC 5077 §3.2: an empty session_ticket says we take tickets.
    if offers_tls12 && config.session_store.is_some() {
        hello.extensions.session_ticket = Some(Cow::Borrowed(&[]));
    }
    let taken = psk::take_session(
        &config,
        &server_name,
        session,
        now,
        (offers_tls13, offers_tls12),
    );
    let (psk, tls12_session) = match taken {
        Some(psk::Taken::Tls13(session, suite)) => (
            Some(psk::offer(
                &config, session, suite, &mut hello, provider, now,
            )),
            None,
        ),
        Some(psk::Taken::Tls12(session)) => {
            tls12::offer_session(&session, &mut hello, provider)?;
            trace(out, || TraceEvent::SessionOffered {
                direction: Direction::Sent,
                by_ticket: !session.ticket.is_empty(),
            });
            (None, Some(session))
        }
        None => (None, None),
    };
    if let Some(psk) = &psk {
        trace(out, || TraceEvent::PskOffered {
            direction: Direction::Sent,
            identities: 1,
            early_data: psk.early_data,
        });
    }

    let offers_session = psk.is_some() || tls12_session.is_some();
    let transcript = client_hello_transcript(&config, offers_session, provider);
    let mut boxed = StateBox::new(tls13::State::FirstServerHello(ExpectServerHello {
        offer: Offer {
            config,
            server_name,
            hello,
            shares,
            transcript,
            psk,
            tls12_session,
        },
    }));
    let Some(tls13::State::FirstServerHello(ExpectServerHello { offer })) = boxed.get_mut() else {
        return Err(Error::Internal("the offer was just boxed"));
    };
    send_client_hello(offer, false, out)?;
    // RFC 8446 §2.3: 0-RTT data goes right after the ClientHello, under the early keys.
    if let Some(psk) = offer.psk.as_ref().filter(|p| p.early_data) {
        let compatibility = !offer.hello.legacy_session_id.is_empty();
        psk::start_early_data(psk, &offer.transcript, compatibility, out)?;
    }
    Ok(boxed)
}

/// The transcript our ClientHello starts (RFC 8446 §4.4.1). Its hash is the suite's, which
/// the ServerHello names; when every suite we offer hashes alike (TLS 1.3 alone, and no
/// session offered, whose binder hashes ahead: `psk::fill_binder`), it is known now, and
/// the ClientHello is hashed as it is sent rather than kept until the ServerHello comes.
fn client_hello_transcript(
    config: &ClientConfig,
    offers_session: bool,
    provider: &dyn Provider,
) -> Transcript {
    // A test hook's ClientHello may offer other suites than the configuration says.
    #[cfg(feature = "insecure-test-hooks")]
    if crate::insecure_test_hooks::client_hello_override(config, false).is_some() {
        return Transcript::buffered();
    }
    let (tls13, tls12) = offered_versions(config);
    let mut hashes = config
        .cipher_suites
        .iter()
        .filter_map(|s| suites::suite(*s))
        .map(|s| s.hash);
    match hashes.next() {
        Some(hash) if tls13 && !tls12 && !offers_session && hashes.all(|h| h == hash) => {
            Transcript::hashing(provider, hash)
        }
        _ => Transcript::buffered(),
    }
}

/// Our ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): the enabled versions, with the
/// configured suites, groups, schemes, server name and ALPN protocols.
fn client_hello(
    config: &ClientConfig,
    server_name: &ServerName,
    shares: &OfferedShares,
    drawn: &[u8; 64],
) -> Result<ClientHello<'static>, Error> {
    let (tls13, tls12) = offered_versions(config);
    // `drawn`: fresh random bytes for this ClientHello, its random then its session id
    // (drawn in one call: each call into the generator has a fixed cost).
    let mut random = [0u8; 32];
    random.copy_from_slice(&drawn[..32]);
    // RFC 8446 §D.4: a non-empty session id puts the peer in middlebox compatibility mode.
    // That is TLS 1.3's; offering TLS 1.2 alone, with no session to resume, the id is
    // empty (RFC 5246 §7.4.1.2).
    let session_id = if tls13 {
        drawn[32..].to_vec()
    } else {
        Vec::new()
    };
    let mut cert_schemes = Vec::with_capacity(config.signature_schemes.len() + CERT_SCHEMES.len());
    cert_schemes.extend_from_slice(&config.signature_schemes);
    for scheme in CERT_SCHEMES {
        if !cert_schemes.contains(&scheme) {
            cert_schemes.push(scheme);
        }
    }
    let sni = match (server_name, config.enable_sni) {
        // RFC 6066 §3: literal IP addresses are not sent as server_name.
        (ServerName::Dns(name), true) => Some(name.clone()),
        _ => None,
    };
    // RFC 8446 §4.2.1: supported_versions lists what we speak, newest first; a client that
    // speaks only TLS 1.2 says so by legacy_version alone (RFC 5246 §7.4.1.2).
    const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];
    let versions: &'static [ProtocolVersion] = if tls12 { &VERSIONS } else { &VERSIONS[..1] };
    // TLS 1.2 signs with PKCS#1 v1.5 too (RFC 5246 §7.4.1.4.1); a TLS 1.3 server may not
    // use it in CertificateVerify (RFC 8446 §4.2.3), which the TLS 1.3 states check.
    let schemes = if tls12 {
        let ours = crate::tls12::signatures::our_schemes(&config.signature_schemes);
        // Room for all of them (the filters' upper bound), so the list never grows.
        let mut schemes = Vec::with_capacity(ours.size_hint().1.unwrap_or_default());
        schemes.extend(ours);
        schemes
    } else {
        config.signature_schemes.clone()
    };
    Ok(ClientHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random,
        legacy_session_id: session_id.into(),
        cipher_suites: offered_suites(config).into(),
        legacy_compression_methods: Cow::Borrowed(&[0]),
        extensions: ClientHelloExtensions {
            server_name: sni.map(Cow::Owned),
            supported_versions: tls13.then_some(List::from(versions)),
            supported_groups: Some(config.groups.clone().into()),
            key_share: tls13.then(|| shares.entries().into()),
            signature_algorithms: Some(schemes.into()),
            signature_algorithms_cert: tls13.then_some(cert_schemes.into()),
            alpn: (!config.alpn_protocols.is_empty())
                .then(|| offered_protocols(&config.alpn_protocols)),
            // RFC 5746 §3.4: an empty renegotiation_info in every initial ClientHello.
            renegotiation_info: tls12.then_some(Cow::Borrowed(&[])),
            // RFC 7627 §5.1: always offer the Extended Master Secret.
            extended_master_secret: tls12,
            // RFC 8422 §5.1.2: uncompressed points only.
            ec_point_formats: tls12.then_some(List::from(&[EcPointFormat::uncompressed])),
            ..Default::default()
        },
    })
}

/// The ALPN protocol names our ClientHello offers (RFC 7301 §3.1), copied to live as
/// long as the ClientHello.
fn offered_protocols(names: &[Vec<u8>]) -> List<'static, ProtocolName<'static>> {
    let names: Vec<_> = names
        .iter()
        .map(|name| ProtocolName(Cow::Owned(name.clone())))
        .collect();
    names.into()
}

/// The suites our ClientHello offers: the configured ones of each enabled version, in the
/// configured order; RSA key transport only with the opt-in.
fn offered_suites(config: &ClientConfig) -> Vec<CipherSuite> {
    config
        .cipher_suites
        .iter()
        .copied()
        .filter(|s| offers_suite(config, *s))
        .collect()
}

/// Whether our ClientHello offers `suite`: a configured one of an enabled version; RSA
/// key transport only with the opt-in.
fn offers_suite(config: &ClientConfig, suite: CipherSuite) -> bool {
    let version = |v| config.versions.contains(&v);
    (version(ProtocolVersion::TLSv1_3) && is_tls13_suite(suite))
        || (version(ProtocolVersion::TLSv1_2) && is_usable_tls12_suite(config, suite))
}

/// The versions our ClientHello offers: those enabled that have a suite to offer, so a
/// configuration with TLS 1.3 suites alone does not claim TLS 1.2 (and its extensions).
fn offered_versions(config: &ClientConfig) -> (bool, bool) {
    let suites = &config.cipher_suites;
    let tls13 = config.versions.contains(&ProtocolVersion::TLSv1_3)
        && suites.iter().any(|s| is_tls13_suite(*s));
    let tls12 = config.versions.contains(&ProtocolVersion::TLSv1_2)
        && suites.iter().any(|s| is_usable_tls12_suite(config, *s));
    (tls13, tls12)
}

fn is_tls13_suite(suite: CipherSuite) -> bool {
    suites::suite(suite).is_some()
}

/// A TLS 1.2 suite we implement; RSA key transport only with the opt-in.
fn is_usable_tls12_suite(config: &ClientConfig, suite: CipherSuite) -> bool {
    suites::tls12_suite(suite)
        .is_some_and(|t| t.kx != suites::KeyExchangeKind::Rsa || config.legacy_rsa_key_exchange)
}

/// Sends `offer.hello` (the second one after a HelloRetryRequest when `retry`) and adds it
/// to the transcript.
#[cfg_attr(not(feature = "insecure-test-hooks"), allow(unused_variables))]
pub(crate) fn send_client_hello(
    offer: &mut Offer,
    retry: bool,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let provider = out.provider();
    let queue = out.handshake_queue();
    let start = queue.len();
    encode_handshake(HandshakeType::ClientHello, queue, |out| {
        offer.hello.encode(out)
    });
    if let Some(psk) = &offer.psk {
        psk::fill_binder(
            psk,
            &offer.hello,
            queue.get_mut(start..).unwrap_or_default(),
            &mut offer.transcript,
            provider.as_ref(),
        );
    }
    #[cfg(feature = "insecure-test-hooks")]
    if let Some(given) = crate::insecure_test_hooks::client_hello_override(&offer.config, retry) {
        offer.hello = crate::insecure_test_hooks::adopt(given, &offer.hello)?;
        queue.truncate(start);
        queue.extend_from_slice(given);
    }
    let encoded = queue.get(start..).unwrap_or_default();
    offer.transcript.add(encoded);
    let len = encoded.len();
    crate::handshake_trace::trace_sent(out, "ClientHello", len, || {
        crate::handshake_trace::client_hello_summary(&offer.hello)
    });
    Ok(())
}

/// Waiting for the server's first answer: a ServerHello or a HelloRetryRequest.
pub(crate) struct ExpectServerHello {
    offer: Offer,
}

impl ExpectServerHello {
    /// Handles the server's first answer to this state, which `boxed` holds: the offer is
    /// read where it lies and taken out once, by the step that uses it up; a next TLS 1.3
    /// state goes into the same box.
    pub(super) fn handle(
        mut boxed: StateBox<tls13::State>,
        message: HandshakePayload,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<super::State, Error> {
        let Some(tls13::State::FirstServerHello(this)) = boxed.get() else {
            return Err(crate::state::missing());
        };
        match message {
            HandshakePayload::ServerHello(sh) => match choose_version(&this.offer, &sh)? {
                Version::Tls13 => {
                    let offer = Self::take_offer(&mut boxed)?;
                    tls13::handle_server_hello(offer, sh, raw, None, boxed, out)
                }
                // RFC 8446 §D.3: a client that sent 0-RTT data fails on a TLS 1.2 answer.
                Version::Tls12 if this.offer.psk.as_ref().is_some_and(|p| p.early_data) => {
                    Err(PeerIncompatible::EarlyDataRefusedByTls12.into())
                }
                Version::Tls12 => {
                    tls12::handle_server_hello(Self::take_offer(&mut boxed)?, sh, raw, out)
                }
            },
            // RFC 8446 §4.1.4: only TLS 1.3 has HelloRetryRequest; it checks its own
            // supported_versions.
            HandshakePayload::HelloRetryRequest(_)
                if !this.offer.offers(ProtocolVersion::TLSv1_3) =>
            {
                Err(PeerMisbehaved::SelectedUnofferedVersion.into())
            }
            HandshakePayload::HelloRetryRequest(hrr) => {
                let offer = Self::take_offer(&mut boxed)?;
                tls13::handle_hello_retry_request(offer, hrr, raw, boxed, out)
            }
            other => Err(unexpected("ServerHello", other.name())),
        }
    }

    /// Takes the offer out of `boxed`, emptying it for the next state (inlined, so that
    /// the 1.7 KB offer is moved once, from the box to the next step).
    #[inline(always)]
    fn take_offer(boxed: &mut StateBox<tls13::State>) -> Result<Offer, Error> {
        let Some(tls13::State::FirstServerHello(Self { offer })) = boxed.take() else {
            return Err(crate::state::missing());
        };
        Ok(offer)
    }
}

impl Offer {
    /// Whether our ClientHello (as sent) offered `version`.
    pub(crate) fn offers(&self, version: ProtocolVersion) -> bool {
        match &self.hello.extensions.supported_versions {
            Some(versions) => versions.contains(&version),
            // RFC 5246 §7.4.1.2: without supported_versions, legacy_version is the offer.
            None => version == self.hello.legacy_version,
        }
    }
}

/// The version the server chose (RFC 8446 §4.2.1, RFC 5246 §7.4.1.3): the one its
/// supported_versions names, or else its legacy_version; either must be one we offered.
pub(crate) fn choose_version(offer: &Offer, sh: &ServerHello) -> Result<Version, Error> {
    // RFC 8446 §D.5: a hello claiming SSL 3.0 or older → protocol_version.
    if sh.legacy_version.to_wire() <= 0x0300 {
        return Err(PeerMisbehaved::ObsoleteLegacyVersion.into());
    }
    let offered_tls13 = offer.offers(ProtocolVersion::TLSv1_3);
    // RFC 8446 §4.2.1: the selected version must be one we offered — and a TLS 1.2
    // server does not send supported_versions at all.
    if let Some(version) = sh.extensions.supported_versions {
        return match version {
            ProtocolVersion::TLSv1_3 if offered_tls13 => Ok(Version::Tls13),
            _ => Err(PeerMisbehaved::SelectedUnofferedVersion.into()),
        };
    }
    // RFC 8446 §4.1.3: without supported_versions the server chose TLS 1.2 or older. A
    // TLS 1.3 server that was forced down marks its random; when we offered TLS 1.3, the
    // mark means someone removed that offer (illegal_parameter).
    let marked = sh.random[24..] == DOWNGRADE_TLS12 || sh.random[24..] == DOWNGRADE_TLS11;
    if offered_tls13 && marked {
        return Err(PeerMisbehaved::DowngradeMarkerPresent.into());
    }
    match sh.legacy_version {
        ProtocolVersion::TLSv1_2 if offer.offers(ProtocolVersion::TLSv1_2) => Ok(Version::Tls12),
        ProtocolVersion::TLSv1_2 if offered_tls13 => Err(PeerIncompatible::Tls13NotOffered.into()),
        v if v.to_wire() < ProtocolVersion::TLSv1_2.to_wire() => {
            Err(PeerIncompatible::ObsoleteVersion(v).into())
        }
        _ => Err(PeerMisbehaved::SelectedUnofferedVersion.into()),
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;
    use crate::alert::alert_for;
    use crate::wire::enums::AlertDescription;
    use crate::wire::extensions::ServerHelloExtensions;

    #[test]
    fn offered_shares_complete_the_group_the_server_chose() {
        let p = AwsLcProvider;
        let groups = [NamedGroup::x25519, NamedGroup::secp256r1];
        let shares = OfferedShares::start(&p, &groups).unwrap();
        let entries = shares.entries();
        assert_eq!(entries.len(), 2);
        assert!(shares.contains(NamedGroup::secp256r1));
        assert!(!shares.contains(NamedGroup::secp384r1));
        // The server answers the P-256 share.
        let answer = p
            .respond_to_key_share(
                padlock_crypto::KeyExchangeAlgorithm::P256,
                &entries[1].key_exchange,
            )
            .unwrap();
        let ours = shares.complete(NamedGroup::secp256r1, &answer.share);
        assert_eq!(ours.unwrap().unwrap().as_ref(), answer.secret.as_ref());
    }

    #[test]
    fn x25519_after_x25519mlkem768_reuses_the_hybrids_key() {
        let p = AwsLcProvider;
        let groups = [NamedGroup::X25519MLKEM768, NamedGroup::x25519];
        let shares = OfferedShares::start(&p, &groups).unwrap();
        let entries = shares.entries();
        assert_eq!(entries[0].key_exchange.len(), 1216);
        assert_eq!(entries[1].key_exchange[..], entries[0].key_exchange[1184..]);
        // A server without ML-KEM answers the X25519 share.
        let answer = p
            .respond_to_key_share(
                padlock_crypto::KeyExchangeAlgorithm::X25519,
                &entries[1].key_exchange,
            )
            .unwrap();
        let ours = shares.complete(NamedGroup::x25519, &answer.share);
        assert_eq!(ours.unwrap().unwrap().as_ref(), answer.secret.as_ref());
        // And the hybrid itself is still there to take when the server picks it.
        let shares = OfferedShares::start(&p, &groups).unwrap();
        let entries = shares.entries();
        let answer = p
            .respond_to_key_share(
                padlock_crypto::KeyExchangeAlgorithm::X25519MlKem768,
                &entries[0].key_exchange,
            )
            .unwrap();
        let ours = shares.complete(NamedGroup::X25519MLKEM768, &answer.share);
        assert_eq!(ours.unwrap().unwrap().as_ref(), answer.secret.as_ref());
    }

    fn server_hello(
        legacy: u16,
        version: Option<ProtocolVersion>,
        random: [u8; 32],
    ) -> ServerHello<'static> {
        ServerHello {
            legacy_version: ProtocolVersion::from_wire(legacy),
            random,
            legacy_session_id_echo: &[],
            cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            legacy_compression_method: 0,
            extensions: ServerHelloExtensions {
                supported_versions: version,
                ..Default::default()
            },
        }
    }

    /// An offer from a client speaking `versions`.
    fn offer(versions: &[ProtocolVersion]) -> Offer {
        let p: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let mut config =
            ClientConfig::new(p.clone(), Arc::new(crate::danger::NoServerVerification));
        config.versions = versions.to_vec();
        let name = ServerName::try_from("example.com").unwrap();
        let shares = OfferedShares::start(p.as_ref(), &[]).unwrap();
        let drawn = crate::state::random_bytes::<64>(p.as_ref()).unwrap();
        let hello = client_hello(&config, &name, &shares, &drawn).unwrap();
        Offer {
            config: Arc::new(config),
            server_name: name,
            hello,
            shares,
            transcript: Transcript::buffered(),
            psk: None,
            tls12_session: None,
        }
    }

    fn choose(sh: &ServerHello) -> Result<Version, Error> {
        choose_version(&offer(&[ProtocolVersion::TLSv1_3]), sh)
    }

    fn alert(sh: &ServerHello) -> Option<AlertDescription> {
        choose(sh).err().as_ref().and_then(alert_for)
    }

    #[test]
    fn version_is_the_one_supported_versions_selects() {
        let tls13 = Some(ProtocolVersion::TLSv1_3);
        assert!(matches!(
            choose(&server_hello(0x0303, tls13, [0; 32])),
            Ok(Version::Tls13)
        ));
        let tls12 = Some(ProtocolVersion::TLSv1_2);
        assert_eq!(
            alert(&server_hello(0x0303, tls12, [0; 32])),
            Some(AlertDescription::IllegalParameter)
        );
    }

    #[test]
    fn a_tls12_server_hello_is_tls12_when_we_offered_it_and_it_is_not_marked() {
        let both = offer(&[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]);
        assert_eq!(
            choose_version(&both, &server_hello(0x0303, None, [0; 32])),
            Ok(Version::Tls12)
        );
        let mut random = [0; 32];
        random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        assert_eq!(
            choose_version(&both, &server_hello(0x0303, None, random)),
            Err(PeerMisbehaved::DowngradeMarkerPresent.into())
        );
        // Offering TLS 1.2 alone, the mark is expected: a TLS 1.3 server answered.
        let tls12 = offer(&[ProtocolVersion::TLSv1_2]);
        assert_eq!(
            choose_version(&tls12, &server_hello(0x0303, None, random)),
            Ok(Version::Tls12)
        );
        // A TLS 1.2 ServerHello must not carry supported_versions.
        let tls12_selected = Some(ProtocolVersion::TLSv1_2);
        assert_eq!(
            choose_version(&both, &server_hello(0x0303, tls12_selected, [0; 32])),
            Err(PeerMisbehaved::SelectedUnofferedVersion.into())
        );
    }

    #[test]
    fn a_tls10_server_is_refused_by_name() {
        let both = offer(&[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]);
        let err = choose_version(&both, &server_hello(0x0301, None, [0; 32])).unwrap_err();
        assert_eq!(alert_for(&err), Some(AlertDescription::ProtocolVersion));
        assert_eq!(
            err.to_string(),
            "the peer is incompatible: it offered only TLS 1.0; padlock needs TLS 1.2 or later"
        );
    }

    #[test]
    fn the_client_hello_offers_tls12_beside_tls13() {
        let both = offer(&[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]);
        let ext = &both.hello.extensions;
        assert_eq!(
            ext.supported_versions.as_ref().and_then(List::built),
            Some(&[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2][..])
        );
        assert!(ext.extended_master_secret);
        assert_eq!(ext.renegotiation_info.as_deref(), Some(&[][..]));
        assert_eq!(
            ext.ec_point_formats.as_ref().and_then(List::built),
            Some(&[EcPointFormat::uncompressed][..])
        );
        assert!(both.hello.cipher_suites.iter().any(|s| s.is_tls13()));
        assert!(both
            .hello
            .cipher_suites
            .contains(&CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256));
        let only13 = offer(&[ProtocolVersion::TLSv1_3]);
        assert!(only13.hello.cipher_suites.iter().all(|s| s.is_tls13()));
        assert!(!only13.hello.extensions.extended_master_secret);
        let only12 = offer(&[ProtocolVersion::TLSv1_2]);
        assert_eq!(only12.hello.extensions.supported_versions, None);
        assert_eq!(only12.hello.extensions.key_share, None);
    }

    #[test]
    fn a_version_without_a_suite_is_not_offered() {
        let p: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let mut config =
            ClientConfig::new(p.clone(), Arc::new(crate::danger::NoServerVerification));
        config.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
        let name = ServerName::try_from("example.com").unwrap();
        let shares = OfferedShares::start(p.as_ref(), &[]).unwrap();
        let drawn = crate::state::random_bytes::<64>(p.as_ref()).unwrap();
        let hello = client_hello(&config, &name, &shares, &drawn).unwrap();
        assert_eq!(
            hello
                .extensions
                .supported_versions
                .as_ref()
                .and_then(List::built),
            Some(&[ProtocolVersion::TLSv1_3][..])
        );
        assert!(!hello.extensions.extended_master_secret);
        assert_eq!(hello.extensions.renegotiation_info, None);
    }

    #[test]
    fn a_client_whose_suites_share_one_hash_hashes_its_client_hello_at_once() {
        let p: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let mut config =
            ClientConfig::new(p.clone(), Arc::new(crate::danger::NoServerVerification));
        let hashing = |config: &ClientConfig, session: bool| {
            client_hello_transcript(config, session, p.as_ref())
                .buffered_bytes()
                .is_none()
        };
        config.cipher_suites = vec![
            CipherSuite::TLS_AES_128_GCM_SHA256,
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        ];
        assert!(hashing(&config, false));
        // A session offered: its binder hashes ahead of a buffered ClientHello.
        assert!(!hashing(&config, true));
        // Two hashes: the ServerHello's suite decides.
        config
            .cipher_suites
            .push(CipherSuite::TLS_AES_256_GCM_SHA384);
        assert!(!hashing(&config, false));
        // TLS 1.2 offered too: its transcript takes the buffered ClientHello.
        config.cipher_suites = vec![
            CipherSuite::TLS_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ];
        assert!(!hashing(&config, false));
    }

    #[test]
    fn refuses_an_ssl3_legacy_version_and_downgrades() {
        let tls13 = Some(ProtocolVersion::TLSv1_3);
        assert_eq!(
            alert(&server_hello(0x0300, tls13, [0; 32])),
            Some(AlertDescription::ProtocolVersion)
        );
        assert_eq!(
            alert(&server_hello(0x0303, None, [0; 32])),
            Some(AlertDescription::ProtocolVersion)
        );
        let mut random = [0; 32];
        random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        assert_eq!(
            alert(&server_hello(0x0303, None, random)),
            Some(AlertDescription::IllegalParameter)
        );
    }
}
