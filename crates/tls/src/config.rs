//! Client and server configuration, with secure defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use padlock_crypto::{Provider, SigningKey};
use padlock_pki::UnixTime;

use crate::client_certs::{ClientCertificates, ResolvesClientCert};
use crate::error::Error;
use crate::keylog::KeyLog;
use crate::ticket::{
    ClientSessionCache, RotatingTicketer, ServerSessionCache, SessionStore, StrikeRegister,
    Ticketer, MAX_TICKET_LIFETIME,
};
use crate::trace::Trace;
use crate::verify::{ClientCertVerifier, ServerCertVerifier};
use crate::wire::enums::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// Where the engine reads the current time (for certificate validity).
pub type TimeSource = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// Configuration for client connections. Share one `Arc<ClientConfig>` between connections.
#[non_exhaustive]
#[derive(Clone)]
pub struct ClientConfig {
    /// The crypto provider (randomness, hashes, AEADs, key exchange, signatures).
    pub provider: Arc<dyn Provider>,
    /// Cipher suites offered, most preferred first. TLS 1.3 suites (RFC 8446 §B.4) and
    /// TLS 1.2 suites share this list; each version offers and accepts only its own. The
    /// RSA key-transport suites (`TLS_RSA_WITH_AES_*_GCM_*`) are allowed here only with
    /// [`Self::legacy_rsa_key_exchange`].
    pub cipher_suites: Vec<CipherSuite>,
    /// The protocol versions we speak: TLS 1.3 and/or TLS 1.2, and nothing else (SSL 3.0,
    /// TLS 1.0 and TLS 1.1 are refused, never implemented). The order does not matter: the
    /// newest version both sides speak is chosen (RFC 8446 §4.2.1), so TLS 1.3 is
    /// preferred. Default `[TLSv1_3, TLSv1_2]`.
    pub versions: Vec<ProtocolVersion>,
    /// Opt-in to RSA key transport in TLS 1.2 (RFC 5246 §7.4.7.1: the client encrypts the
    /// pre-master secret to the server certificate's RSA key), which some old servers
    /// need. **It costs forward secrecy**: whoever later obtains the server's private key
    /// can decrypt every recorded session that used it. Only with this set may
    /// `cipher_suites` list `TLS_RSA_WITH_AES_128_GCM_SHA256` / `_256_GCM_SHA384`.
    /// Default `false`.
    pub legacy_rsa_key_exchange: bool,
    /// Refuse a TLS 1.2 server that does not negotiate the Extended Master Secret
    /// (RFC 7627 §5.2: handshake_failure). EMS is always offered; without it, a TLS 1.2
    /// master secret is not bound to the handshake that made it (the "triple handshake"
    /// attack). Default `false`: such servers are accepted. No effect on TLS 1.3.
    pub require_extended_master_secret: bool,
    /// Key exchange groups offered, most preferred first; key shares are sent for the
    /// first [`Self::key_shares`] of them.
    pub groups: Vec<NamedGroup>,
    /// How many of `groups` (the most preferred ones this engine supports) the first
    /// ClientHello carries a key share for (RFC 8446 §4.2.8); 0 counts as 1. Each share costs
    /// a key generation, and saves a round trip (a HelloRetryRequest, §4.1.4) when the
    /// server picks that group. Default 2: with the default groups, X25519MLKEM768 and
    /// X25519, so a server without post-quantum support needs no HelloRetryRequest.
    pub key_shares: usize,
    /// Signature schemes accepted in CertificateVerify, most preferred first.
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols offered (RFC 7301), most preferred first; empty = no ALPN.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Checks the server's certificate chain and name.
    pub verifier: Arc<dyn ServerCertVerifier>,
    /// Chooses our certificate when the server asks for one (mutual TLS): one that fits
    /// its CertificateRequest, or none, and an empty Certificate is sent (RFC 8446 §4.4.2).
    /// A [`ClientCertificates`] tries several in order; [`Self::set_client_certificate`]
    /// sets one. `None` (the default): we have no certificate.
    pub client_auth: Option<Arc<dyn ResolvesClientCert>>,
    /// Whether to send server_name (RFC 6066 §3) for DNS names (never for IP addresses).
    pub enable_sni: bool,
    /// Where to log secrets (NSS key log format), for debugging with Wireshark.
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Who receives structured handshake events; `None` costs nothing.
    pub trace: Option<Arc<dyn Trace>>,
    /// The clock used for certificate validity and ticket ages.
    pub time: TimeSource,
    /// Where sessions (tickets) from servers are kept, and taken from to resume
    /// (RFC 8446 §2.2): each is used once (§C.4). Default: a [`ClientSessionCache`] of
    /// [`ClientSessionCache::DEFAULT_SERVERS`] server names; `None`: never resume.
    pub session_store: Option<Arc<dyn SessionStore>>,
    /// Whether [`crate::Connection::write_early_data`] may send 0-RTT data (RFC 8446
    /// §2.3) on a ticket that allows it. 0-RTT data can be replayed by an attacker and is
    /// not forward secret (§8): send only what is safe to repeat (a GET, not a payment).
    /// Default `false`.
    pub enable_early_data: bool,
    /// Whether to resume with `psk_ke` only (RFC 8446 §4.2.9): no (EC)DHE in a resumed
    /// handshake, so it saves a key exchange — and loses forward secrecy: whoever later
    /// learns the server's ticket key or this session's secret decrypts the connection.
    /// Default `false`: offer `psk_dhe_ke` only.
    pub insecure_psk_ke: bool,
    /// Whether to run [`Self::verifier`] again, at the current time, over the certificates
    /// a stored session was made with before offering it. A session whose certificates no
    /// longer pass (expired or revoked since, or a trust store that changed) is dropped
    /// and the handshake is a full one, which verifies what the server sends now; nothing,
    /// not even 0-RTT data, goes out under the old session. A resumed server proves only
    /// that it holds the session's secret (RFC 8446 §2.2, RFC 5077 §3.1), so without this a
    /// session is trusted for its lifetime on the strength of one verification. Default
    /// `false`: it costs one chain verification per resumption, much of what resumption
    /// saves.
    pub reverify_on_resume: bool,
    /// The most plaintext bytes one record we send carries: [`MAX_FRAGMENT_SIZE`] (2^14,
    /// the limit of RFC 8446 §5.1 and RFC 5246 §6.2.1) by default, down to
    /// [`MIN_FRAGMENT_SIZE`]. Smaller records reach a slow link's reader sooner and cost
    /// more bytes and work per byte; handshake messages are split across records as
    /// both RFCs allow. A peer's limit on what it receives is its own to announce.
    pub max_fragment_size: usize,
    /// Test only: see [`crate::insecure_test_hooks`].
    #[cfg(feature = "insecure-test-hooks")]
    pub(crate) client_hello_overrides: crate::insecure_test_hooks::ClientHelloOverrides,
}

impl ClientConfig {
    /// A configuration with secure defaults: the three TLS 1.3 suites, X25519MLKEM768
    /// (post-quantum hybrid, draft-ietf-tls-ecdhe-mlkem) / X25519 / P-256 / P-384 with
    /// shares for the first two, and the ECDSA, RSA-PSS and Ed25519 signature schemes.
    pub fn new(provider: Arc<dyn Provider>, verifier: Arc<dyn ServerCertVerifier>) -> Self {
        Self {
            provider,
            cipher_suites: default_cipher_suites(),
            versions: default_versions(),
            legacy_rsa_key_exchange: false,
            require_extended_master_secret: false,
            groups: default_groups(),
            key_shares: 2,
            signature_schemes: default_signature_schemes(),
            alpn_protocols: Vec::new(),
            verifier,
            client_auth: None,
            enable_sni: true,
            key_log: None,
            trace: None,
            time: system_time(),
            session_store: Some(Arc::new(ClientSessionCache::new(
                ClientSessionCache::DEFAULT_SERVERS,
            ))),
            enable_early_data: false,
            insecure_psk_ke: false,
            reverify_on_resume: false,
            max_fragment_size: MAX_FRAGMENT_SIZE,
            #[cfg(feature = "insecure-test-hooks")]
            client_hello_overrides: Default::default(),
        }
    }

    /// Sends `cert` to a server that asks for a client certificate, when it fits the
    /// server's request (else an empty Certificate): [`ClientCertificates::single`].
    pub fn set_client_certificate(&mut self, cert: Arc<CertifiedKey>) {
        self.client_auth = Some(Arc::new(ClientCertificates::single(cert)));
    }
}

/// Configuration for server connections. Share one `Arc<ServerConfig>` between connections.
#[non_exhaustive]
#[derive(Clone)]
pub struct ServerConfig {
    /// The crypto provider.
    pub provider: Arc<dyn Provider>,
    /// Cipher suites accepted, in the server's order of preference (the server chooses).
    /// TLS 1.3 and TLS 1.2 suites share this list; each version chooses among its own. The
    /// RSA key-transport suites (`TLS_RSA_WITH_AES_*_GCM_*`) are allowed here only with
    /// [`Self::legacy_rsa_key_exchange`].
    pub cipher_suites: Vec<CipherSuite>,
    /// The protocol versions we speak: TLS 1.3 and/or TLS 1.2, nothing else. The newest
    /// version the client offers is chosen (RFC 8446 §4.2.1); when we speak TLS 1.3 but
    /// negotiate TLS 1.2, ServerHello.random carries the downgrade sentinel (§4.1.3).
    /// Default `[TLSv1_3, TLSv1_2]`.
    pub versions: Vec<ProtocolVersion>,
    /// Opt-in to RSA key transport in TLS 1.2 (RFC 5246 §7.4.7.1): clients that cannot do
    /// ECDHE encrypt the pre-master secret to our certificate's RSA key. **It costs
    /// forward secrecy**: whoever later obtains the server's private key can decrypt
    /// every recorded session that used it. Only with this set may `cipher_suites` list
    /// `TLS_RSA_WITH_AES_128_GCM_SHA256` / `_256_GCM_SHA384`. Default `false`.
    pub legacy_rsa_key_exchange: bool,
    /// Refuse a TLS 1.2 client that does not offer the Extended Master Secret (RFC 7627
    /// §5.2: handshake_failure). EMS is always accepted and answered when offered.
    /// Default `false`. No effect on TLS 1.3.
    pub require_extended_master_secret: bool,
    /// Key exchange groups accepted, in order of preference.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes we sign with / accept from clients, in order of preference.
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols we speak, in order of preference (RFC 7301 §3.2: the server picks).
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Chooses the certificate to present, e.g. by SNI.
    pub cert_resolver: Arc<dyn ResolvesServerCert>,
    /// Whether to ask the client for a certificate.
    pub client_auth: ClientAuth,
    /// Where to log secrets (NSS key log format).
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Who receives structured handshake events; `None` costs nothing.
    pub trace: Option<Arc<dyn Trace>>,
    /// The clock used for certificate validity and ticket ages.
    pub time: TimeSource,
    /// Seals the session tickets sent after a handshake and opens those clients offer
    /// (RFC 8446 §4.6.1, §2.2); see [`crate::ticket`]. Default: a [`RotatingTicketer`]
    /// (random in-memory keys, rotated every 12 hours), made by [`ServerConfig::new`]: a
    /// configuration made anew (on a reload, say) does not open the old one's tickets, so
    /// keep the `Arc` (clone the configuration, or set this field) to resume across it.
    /// `None`: no tickets are sent and no session is resumed.
    pub ticketer: Option<Arc<dyn Ticketer>>,
    /// Where TLS 1.2 sessions are kept by session id (RFC 5246 §7.4.1.2), for clients that
    /// do not take session tickets (RFC 5077). Bounded, in memory; default: a cache of
    /// [`ServerSessionCache::DEFAULT_SESSION_IDS`] sessions kept for
    /// [`Self::ticket_lifetime`]. `None`: no session ids are issued (a client without
    /// tickets pays a full handshake each time). TLS 1.2 sessions, by ticket or by id, are
    /// made and resumed only with the Extended Master Secret (RFC 7627 §5.3).
    pub session_id_cache: Option<Arc<ServerSessionCache>>,
    /// How many NewSessionTickets to send after each full handshake (a client uses each
    /// ticket once, RFC 8446 §C.4, so one per parallel connection it may open), and at
    /// most after a resumed one (see [`Self::resumed_ticket_count`]). Default 2; 0 sends
    /// none. They go with the server's Finished when it asks for no client certificate
    /// (RFC 8446 §4.6.1: the server completes the transcript itself), so a client has
    /// them a round trip sooner; else after the client's Finished. The server then has
    /// nothing to send when the client's Finished arrives, so over TCP it should ACK it at
    /// once (on Linux `TCP_QUICKACK` after the handshake, as `padlock_https::ack_promptly`
    /// does): a client without `TCP_NODELAY` otherwise holds its request back for the
    /// delayed-ACK timer, about 40 ms.
    pub ticket_count: usize,
    /// The most NewSessionTickets to send after a resumed handshake: the client spent one
    /// ticket to resume, so one new ticket keeps its supply as it was (OpenSSL's rule:
    /// "following a resumption the number of tickets issued will never be more than 1").
    /// Each ticket spared saves the server a PSK derivation, an AEAD seal and a message,
    /// and the client a PSK derivation and a session to store. It is safe: a client
    /// still holds a fresh ticket for its next connection, and one that opens several
    /// connections at once got [`Self::ticket_count`] tickets from its full handshake
    /// (those it cannot cover pay a full handshake, never a failure). Default 1; set it to
    /// [`Self::ticket_count`] to send as many after a resumption as after a full handshake.
    pub resumed_ticket_count: usize,
    /// The lifetime tickets announce (RFC 8446 §4.6.1), at most 7 days; the ticketer's
    /// [`Ticketer::lifetime`] caps it further. Default 12 hours. It is a session's
    /// lifetime, counted from its full handshake: resuming never extends it (a TLS 1.3
    /// ticket issued on a resumed connection expires when the session it resumed does;
    /// TLS 1.2's renewed tickets keep their issue time), so the certificates are checked
    /// again at least that often.
    pub ticket_lifetime: Duration,
    /// Whether to resume with `psk_ke` (RFC 8446 §4.2.9) when the client offers only that
    /// mode. Its cost: such a session has no (EC)DHE, so whoever later learns the ticket key
    /// or the resumption secret decrypts it — no forward secrecy. Default `false`: resume
    /// with `psk_dhe_ke` only, and answer a `psk_ke`-only client with a full handshake.
    pub insecure_psk_ke: bool,
    /// How much 0-RTT data (RFC 8446 §2.3, §4.2.10) tickets allow and the server accepts
    /// from a resuming client. 0 (the default) turns 0-RTT off. Early data can be replayed
    /// (§8): the [`Self::strike_register`] refuses replays at this server, and
    /// [`crate::Connection::read_early_data`] hands it to the application marked as early,
    /// to be acted on only if that is safe.
    pub max_early_data_size: u32,
    /// Remembers the ClientHellos whose early data was accepted, to refuse replays
    /// (RFC 8446 §8.2). Bounded ([`StrikeRegister::DEFAULT_CAPACITY`] by default); share one
    /// between the configurations of one server, so a replay is caught whichever
    /// configuration answers it.
    pub strike_register: Arc<StrikeRegister>,
    /// When set, every HelloRetryRequest carries a cookie (RFC 8446 §4.2.2): the hash of
    /// the first ClientHello under an HMAC-SHA256 with this key, which the client must echo
    /// unchanged in its second ClientHello (else illegal_parameter). It is what would let a
    /// server keep no state across the retry. The key must be secret and random (e.g. 32
    /// bytes from the provider's `fill_random`); servers sharing it accept each other's
    /// cookies. `None` (the default): HelloRetryRequests carry no cookie.
    pub hello_retry_cookie_key: Option<[u8; 32]>,
    /// When set, a client that supports one of our post-quantum groups (X25519MLKEM768, …)
    /// but sent no share for it is asked for one by HelloRetryRequest (RFC 8446 §4.1.4),
    /// even if it sent a share for a classical group we accept. That costs such clients a
    /// round trip, and protects their sessions against a future quantum computer. `false`
    /// (the default): a post-quantum share is preferred whenever one is offered, and a
    /// classical share is answered as it is.
    pub insist_on_post_quantum: bool,
    /// The most plaintext bytes one record we send carries, as
    /// [`ClientConfig::max_fragment_size`]: [`MAX_FRAGMENT_SIZE`] by default.
    pub max_fragment_size: usize,
}

impl ServerConfig {
    /// A configuration presenting one certificate, with the same secure defaults as
    /// [`ClientConfig::new`] and no client authentication; it also accepts the other
    /// post-quantum groups (SecP256r1MLKEM768, MLKEM1024), and prefers every post-quantum
    /// group to every classical one.
    pub fn new(provider: Arc<dyn Provider>, cert: Arc<CertifiedKey>) -> Self {
        Self {
            provider: provider.clone(),
            cipher_suites: default_cipher_suites(),
            versions: default_versions(),
            legacy_rsa_key_exchange: false,
            require_extended_master_secret: false,
            groups: default_server_groups(),
            signature_schemes: default_signature_schemes(),
            alpn_protocols: Vec::new(),
            cert_resolver: Arc::new(SingleCert(cert)),
            client_auth: ClientAuth::None,
            key_log: None,
            trace: None,
            time: system_time(),
            hello_retry_cookie_key: None,
            insist_on_post_quantum: false,
            max_fragment_size: MAX_FRAGMENT_SIZE,
            ticketer: Some(Arc::new(RotatingTicketer::new(
                provider.clone(),
                RotatingTicketer::DEFAULT_PERIOD,
            ))),
            session_id_cache: Some(Arc::new(ServerSessionCache::new(
                provider.clone(),
                ServerSessionCache::DEFAULT_SESSION_IDS,
                DEFAULT_TICKET_LIFETIME,
            ))),
            ticket_count: 2,
            resumed_ticket_count: 1,
            ticket_lifetime: DEFAULT_TICKET_LIFETIME,
            insecure_psk_ke: false,
            max_early_data_size: 0,
            strike_register: Arc::new(StrikeRegister::new(
                provider.as_ref(),
                StrikeRegister::DEFAULT_CAPACITY,
                StrikeRegister::DEFAULT_WINDOW,
            )),
        }
    }

    /// Whether this server can speak `version`: it is enabled in `versions` and
    /// `cipher_suites` lists a suite for it. A server enabling TLS 1.3 and TLS 1.2 but
    /// listing only TLS 1.2 suites is a TLS 1.2 server: it chooses TLS 1.2, writes no
    /// downgrade sentinel (RFC 8446 §4.1.3) and takes no fallback signal as a downgrade
    /// (RFC 7507 §3).
    pub(crate) fn speaks(&self, version: ProtocolVersion) -> bool {
        let has_suite =
            |known: fn(CipherSuite) -> bool| self.cipher_suites.iter().any(|s| known(*s));
        self.versions.contains(&version)
            && match version {
                ProtocolVersion::TLSv1_3 => has_suite(|s| crate::suites::suite(s).is_some()),
                ProtocolVersion::TLSv1_2 => has_suite(|s| crate::suites::tls12_suite(s).is_some()),
                _ => false,
            }
    }

    /// Checks the resumption settings: a ticket lifetime above 7 days is refused
    /// (RFC 8446 §4.6.1).
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.ticket_lifetime > MAX_TICKET_LIFETIME {
            return Err(Error::Config(
                "ticket_lifetime is above 7 days, the longest RFC 8446 §4.6.1 allows",
            ));
        }
        Ok(())
    }
}

/// The largest record fragment there is, and the default `max_fragment_size`: 2^14 bytes
/// of plaintext (RFC 8446 §5.1, RFC 5246 §6.2.1).
pub const MAX_FRAGMENT_SIZE: usize = crate::wire::MAX_PLAINTEXT_LEN;

/// The smallest `max_fragment_size` allowed: 512 bytes, the smallest record limit a peer
/// could ask for with RFC 6066 §4's max_fragment_length. Below it, a record's header and
/// AEAD tag would cost more than a tenth of what it carries.
pub const MIN_FRAGMENT_SIZE: usize = 512;

/// Checks a configuration's `max_fragment_size`.
pub(crate) fn check_fragment_size(size: usize) -> Result<usize, Error> {
    if !(MIN_FRAGMENT_SIZE..=MAX_FRAGMENT_SIZE).contains(&size) {
        return Err(Error::Config(
            "max_fragment_size must be from 512 to 16384 bytes (2^14, RFC 8446 §5.1)",
        ));
    }
    Ok(size)
}

/// The default [`ServerConfig::ticket_lifetime`]: 12 hours.
pub const DEFAULT_TICKET_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Whether and how a server authenticates clients (RFC 8446 §4.3.2).
#[non_exhaustive]
#[derive(Clone)]
pub enum ClientAuth {
    /// No CertificateRequest is sent.
    None,
    /// A CertificateRequest is sent; a client may answer with no certificate.
    Optional(Arc<dyn ClientCertVerifier>),
    /// A CertificateRequest is sent; no certificate → certificate_required.
    Required(Arc<dyn ClientCertVerifier>),
}

/// A certificate chain and its private key.
pub struct CertifiedKey {
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The leaf's private key.
    pub key: Arc<dyn SigningKey>,
    /// The signature schemes this key signs with, most preferred first, in place of the
    /// configuration's `signature_schemes`, which then say only what we accept from the
    /// peer (RFC 8446 §4.2.3 and RFC 5246 §7.4.1.4.1 let each side choose among the
    /// schemes the other offers). Schemes the key cannot make, and in TLS 1.3 PKCS#1 v1.5,
    /// are passed over. `None` (the default): the configuration's list orders both.
    pub signature_schemes: Option<Vec<SignatureScheme>>,
}

impl fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("chain_len", &self.chain.len())
            .field("key", &self.key.kind())
            .finish()
    }
}

impl CertifiedKey {
    /// Whether a certificate in the chain names one of `names` (DER distinguished names,
    /// as a peer's certificate_authorities lists them, RFC 8446 §4.2.4) as its issuer. A
    /// certificate that does not parse names none.
    pub fn issued_by_one_of(&self, names: &[&[u8]]) -> bool {
        !names.is_empty()
            && self.chain.iter().any(|der| {
                padlock_pki::Certificate::from_der(der)
                    .is_ok_and(|c| names.contains(&c.issuer().der))
            })
    }

    /// The schemes we sign with, most preferred first: the key's own list, if it has one,
    /// else `configured` (the configuration's `signature_schemes`).
    pub(crate) fn signing_schemes<'a>(
        &'a self,
        configured: &'a [SignatureScheme],
    ) -> &'a [SignatureScheme] {
        self.signature_schemes.as_deref().unwrap_or(configured)
    }

    /// Loads a PEM chain (leaf first) and a PEM private key (PKCS#8, SEC1 or PKCS#1).
    pub fn from_pem(
        provider: &dyn Provider,
        chain_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<Self, Error> {
        crate::pem::certified_key_from_pem(provider, chain_pem, key_pem)
    }
}

/// What a client said that a server may choose a certificate by.
#[derive(Debug)]
pub struct ClientHelloInfo<'a> {
    /// The server_name the client asked for, if any.
    pub server_name: Option<&'a str>,
    /// The signature schemes the client accepts.
    pub signature_schemes: &'a [SignatureScheme],
    /// The cipher suites the client offers for the version being negotiated: a TLS 1.2
    /// suite names the key type its certificate needs (ECDHE_ECDSA: an ECDSA or Ed25519
    /// key; ECDHE_RSA: an RSA key; RFC 5246 §7.4.2).
    pub cipher_suites: &'a [CipherSuite],
    /// The client's supported_groups: in TLS 1.2 an ECDSA certificate's curve must be
    /// among them (RFC 8422 §5.3).
    pub groups: &'a [NamedGroup],
    /// The DER distinguished names of the CAs the client trusts, from its
    /// certificate_authorities (RFC 8446 §4.2.4); empty when it sent none.
    pub certificate_authorities: &'a [&'a [u8]],
}

impl ClientHelloInfo<'_> {
    /// Whether `cert` can serve this client as far as the suites go: any key for a TLS 1.3
    /// suite, else a key that fits one of the offered TLS 1.2 suites, on a curve the client
    /// lists. (The signature scheme is checked when one is chosen.)
    pub fn accepts(&self, cert: &CertifiedKey) -> bool {
        let kind = cert.key.kind();
        self.cipher_suites.iter().any(|s| {
            s.is_tls13()
                || crate::suites::tls12_suite(*s).is_some_and(|t| {
                    crate::tls12::signatures::key_fits_suite(kind, t.auth)
                        && crate::tls12::signatures::curve_supported(kind, self.groups)
                })
        })
    }

    /// Whether the client named, in certificate_authorities, the issuer of a certificate
    /// in `cert`'s chain ([`CertifiedKey::issued_by_one_of`]).
    pub fn names_issuer_of(&self, cert: &CertifiedKey) -> bool {
        cert.issued_by_one_of(self.certificate_authorities)
    }
}

/// Chooses the server's certificate for a connection.
pub trait ResolvesServerCert: Send + Sync {
    /// The certificate to present, or `None` to refuse the connection.
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>>;
}

/// Always the same certificate.
#[derive(Debug)]
pub struct SingleCert(pub Arc<CertifiedKey>);

impl ResolvesServerCert for SingleCert {
    fn resolve(&self, _: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// Several certificates, chosen by the client's server_name (RFC 6066 §3). A name (or the
/// default) may have several certificates — an ECDSA and an RSA one, say: the first that
/// the client's suites accept ([`ClientHelloInfo::accepts`]) is chosen, else the first.
#[derive(Debug, Default)]
pub struct SniResolver {
    by_name: Vec<(String, Arc<CertifiedKey>)>,
    default: Vec<Arc<CertifiedKey>>,
}

impl SniResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Presents `cert` to clients asking for `name` (compared case-insensitively); a second
    /// certificate for the same name is another choice for it.
    pub fn add(&mut self, name: &str, cert: Arc<CertifiedKey>) {
        self.by_name.push((name.to_ascii_lowercase(), cert));
    }

    /// Presents `cert` when no name matches (or the client sent none), replacing the
    /// default certificates.
    pub fn set_default(&mut self, cert: Arc<CertifiedKey>) {
        self.default = vec![cert];
    }

    /// Adds `cert` as another default certificate (after those there are).
    pub fn add_default(&mut self, cert: Arc<CertifiedKey>) {
        self.default.push(cert);
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        let mut candidates: Vec<&Arc<CertifiedKey>> = match hello.server_name {
            Some(name) => {
                let name = name.trim_end_matches('.');
                self.by_name
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, cert)| cert)
                    .collect()
            }
            None => Vec::new(),
        };
        if candidates.is_empty() {
            candidates = self.default.iter().collect();
        }
        candidates
            .iter()
            .find(|c| hello.accepts(c))
            .or(candidates.first())
            .map(|c| Arc::clone(c))
    }
}

/// Checks the version and suite settings shared by both sides: `versions` names only
/// TLS 1.3 and TLS 1.2 (at least one), and RSA key-transport suites are listed only with
/// the `legacy_rsa_key_exchange` opt-in.
pub(crate) fn check_versions(
    versions: &[ProtocolVersion],
    cipher_suites: &[CipherSuite],
    legacy_rsa_key_exchange: bool,
) -> Result<(), Error> {
    if versions.is_empty() {
        return Err(Error::Config("no protocol version is enabled"));
    }
    if versions
        .iter()
        .any(|v| !matches!(v, ProtocolVersion::TLSv1_3 | ProtocolVersion::TLSv1_2))
    {
        return Err(Error::Config(
            "only TLS 1.3 and TLS 1.2 can be enabled; SSL 3.0, TLS 1.0 and TLS 1.1 are insecure and not implemented",
        ));
    }
    if !legacy_rsa_key_exchange && cipher_suites.iter().any(|s| is_rsa_key_transport(*s)) {
        return Err(Error::Config(
            "the TLS_RSA_WITH_* suites (RSA key transport, no forward secrecy) need legacy_rsa_key_exchange",
        ));
    }
    Ok(())
}

/// The TLS 1.2 suites whose key exchange is RSA key transport (RFC 5246 §7.4.7.1, RFC 5288).
pub(crate) fn is_rsa_key_transport(suite: CipherSuite) -> bool {
    matches!(
        suite,
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256 | CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384
    )
}

/// The system clock.
pub fn system_time() -> TimeSource {
    Arc::new(UnixTime::now)
}

/// The TLS 1.3 suites, then TLS 1.2's ECDHE AEAD suites (RFC 5289, RFC 7905): forward
/// secret, authenticated encryption only.
fn default_cipher_suites() -> Vec<CipherSuite> {
    vec![
        CipherSuite::TLS_AES_128_GCM_SHA256,
        CipherSuite::TLS_AES_256_GCM_SHA384,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

/// TLS 1.3 first; which one is used is the newest both sides speak (RFC 8446 §4.2.1).
fn default_versions() -> Vec<ProtocolVersion> {
    vec![ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]
}

fn default_groups() -> Vec<NamedGroup> {
    vec![
        NamedGroup::X25519MLKEM768,
        NamedGroup::x25519,
        NamedGroup::secp256r1,
        NamedGroup::secp384r1,
    ]
}

/// The server's: every post-quantum group first, then the classical ones.
fn default_server_groups() -> Vec<NamedGroup> {
    vec![
        NamedGroup::X25519MLKEM768,
        NamedGroup::SecP256r1MLKEM768,
        NamedGroup::MLKEM1024,
        NamedGroup::x25519,
        NamedGroup::secp256r1,
        NamedGroup::secp384r1,
    ]
}

fn default_signature_schemes() -> Vec<SignatureScheme> {
    vec![
        SignatureScheme::ecdsa_secp256r1_sha256,
        SignatureScheme::ecdsa_secp384r1_sha384,
        SignatureScheme::ed25519,
        SignatureScheme::rsa_pss_rsae_sha256,
        SignatureScheme::rsa_pss_rsae_sha384,
        SignatureScheme::rsa_pss_rsae_sha512,
    ]
}

#[cfg(test)]
mod tests {
    use padlock_crypto::{AwsLcProvider, KeyKind, Provider};

    use super::*;

    fn cert(tag: u8) -> Arc<CertifiedKey> {
        let (key, _) = AwsLcProvider
            .generate_signing_key(KeyKind::EcdsaP256)
            .unwrap();
        Arc::new(CertifiedKey {
            chain: vec![vec![tag]],
            key: Arc::from(key),
            signature_schemes: None,
        })
    }

    #[test]
    fn sni_resolver_picks_by_name_ignoring_case_and_trailing_dot() {
        let mut r = SniResolver::new();
        r.add("a.test", cert(1));
        r.add("B.test", cert(2));
        let pick = |name: Option<&str>| {
            r.resolve(&ClientHelloInfo {
                server_name: name,
                signature_schemes: &[],
                cipher_suites: &[],
                groups: &[],
                certificate_authorities: &[],
            })
            .map(|c| c.chain[0][0])
        };
        assert_eq!(pick(Some("a.test")), Some(1));
        assert_eq!(pick(Some("b.TEST.")), Some(2));
        assert_eq!(pick(Some("c.test")), None);
        assert_eq!(pick(None), None);
        r.set_default(cert(3));
        let pick = |name: Option<&str>| {
            r.resolve(&ClientHelloInfo {
                server_name: name,
                signature_schemes: &[],
                cipher_suites: &[],
                groups: &[],
                certificate_authorities: &[],
            })
            .map(|c| c.chain[0][0])
        };
        assert_eq!(pick(None), Some(3));
    }

    #[test]
    fn sni_resolver_picks_the_certificate_a_tls12_clients_suites_need() {
        let (ecdsa, _) = AwsLcProvider
            .generate_signing_key(KeyKind::EcdsaP256)
            .unwrap();
        let (rsa, _) = AwsLcProvider
            .generate_signing_key(KeyKind::Rsa(2048))
            .unwrap();
        let ecdsa = Arc::new(CertifiedKey {
            chain: vec![vec![1]],
            key: Arc::from(ecdsa),
            signature_schemes: None,
        });
        let rsa = Arc::new(CertifiedKey {
            chain: vec![vec![2]],
            key: Arc::from(rsa),
            signature_schemes: None,
        });
        let mut r = SniResolver::new();
        r.add("a.test", ecdsa.clone());
        r.add("a.test", rsa.clone());
        r.set_default(ecdsa);
        r.add_default(rsa);
        let pick = |name: Option<&str>, suites: &[CipherSuite]| {
            r.resolve(&ClientHelloInfo {
                server_name: name,
                signature_schemes: &[],
                cipher_suites: suites,
                groups: &[NamedGroup::secp256r1],
                certificate_authorities: &[],
            })
            .map(|c| c.chain[0][0])
        };
        for name in [Some("a.test"), None] {
            let rsa_only = [CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256];
            let ecdsa_only = [CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
            let tls13 = [CipherSuite::TLS_AES_128_GCM_SHA256];
            assert_eq!(pick(name, &rsa_only), Some(2));
            assert_eq!(pick(name, &ecdsa_only), Some(1));
            assert_eq!(pick(name, &tls13), Some(1));
        }
    }

    #[test]
    fn defaults_are_the_secure_tls13_set() {
        let p: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let c = ClientConfig::new(p, Arc::new(crate::danger::NoServerVerification));
        assert_eq!(c.cipher_suites.len(), 9);
        assert!(c.cipher_suites[..3].iter().all(|s| s.is_tls13()));
        assert_eq!(
            c.groups[..2],
            [NamedGroup::X25519MLKEM768, NamedGroup::x25519]
        );
        assert_eq!(c.key_shares, 2);
        assert!(!c
            .signature_schemes
            .contains(&SignatureScheme::rsa_pkcs1_sha256));
        assert_eq!(
            c.versions,
            [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]
        );
        assert!(!c.legacy_rsa_key_exchange);
        assert!(!c.require_extended_master_secret);
    }

    #[test]
    fn versions_other_than_tls13_and_tls12_are_refused() {
        let suites = default_cipher_suites();
        assert!(check_versions(&default_versions(), &suites, false).is_ok());
        assert!(check_versions(&[ProtocolVersion::TLSv1_2], &suites, false).is_ok());
        for bad in [
            vec![],
            vec![ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_1],
            vec![ProtocolVersion::TLSv1_0],
            vec![ProtocolVersion::SSLv3],
        ] {
            assert!(
                matches!(check_versions(&bad, &suites, false), Err(Error::Config(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rsa_key_transport_suites_need_the_opt_in() {
        let mut suites = default_cipher_suites();
        suites.push(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256);
        let versions = default_versions();
        assert!(matches!(
            check_versions(&versions, &suites, false),
            Err(Error::Config(_))
        ));
        assert!(check_versions(&versions, &suites, true).is_ok());
    }
}
