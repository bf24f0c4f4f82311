//! Client and server configuration, with secure defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use padlock_crypto::{Provider, SigningKey};
use padlock_pki::UnixTime;

use crate::error::Error;
use crate::keylog::KeyLog;
use crate::ticket::{
    ClientSessionCache, RotatingTicketer, SessionStore, StrikeRegister, Ticketer,
    MAX_TICKET_LIFETIME,
};
use crate::trace::Trace;
use crate::verify::{ClientCertVerifier, ServerCertVerifier};
use crate::wire::enums::{CipherSuite, NamedGroup, SignatureScheme};

/// Where the engine reads the current time (for certificate validity).
pub type TimeSource = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// Configuration for client connections. Share one `Arc<ClientConfig>` between connections.
#[non_exhaustive]
#[derive(Clone)]
pub struct ClientConfig {
    /// The crypto provider (randomness, hashes, AEADs, key exchange, signatures).
    pub provider: Arc<dyn Provider>,
    /// Cipher suites offered, most preferred first.
    pub cipher_suites: Vec<CipherSuite>,
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
    /// Our certificate and key, sent if the server asks for one (mutual TLS).
    pub client_auth: Option<Arc<CertifiedKey>>,
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
            #[cfg(feature = "insecure-test-hooks")]
            client_hello_overrides: Default::default(),
        }
    }
}

/// Configuration for server connections. Share one `Arc<ServerConfig>` between connections.
#[non_exhaustive]
#[derive(Clone)]
pub struct ServerConfig {
    /// The crypto provider.
    pub provider: Arc<dyn Provider>,
    /// Cipher suites accepted, in the server's order of preference (the server chooses).
    pub cipher_suites: Vec<CipherSuite>,
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
    /// How many NewSessionTickets to send after each full or resumed handshake (a client
    /// uses each ticket once, RFC 8446 §C.4, so one per parallel connection it may open).
    /// Default 2; 0 sends none.
    pub ticket_count: usize,
    /// The lifetime tickets announce (RFC 8446 §4.6.1), at most 7 days; the ticketer's
    /// [`Ticketer::lifetime`] caps it further. Default 12 hours.
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
            ticketer: Some(Arc::new(RotatingTicketer::new(
                provider.clone(),
                RotatingTicketer::DEFAULT_PERIOD,
            ))),
            ticket_count: 2,
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

/// Several certificates, chosen by the client's server_name (RFC 6066 §3).
#[derive(Debug, Default)]
pub struct SniResolver {
    by_name: Vec<(String, Arc<CertifiedKey>)>,
    default: Option<Arc<CertifiedKey>>,
}

impl SniResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Presents `cert` to clients asking for `name` (compared case-insensitively).
    pub fn add(&mut self, name: &str, cert: Arc<CertifiedKey>) {
        self.by_name.push((name.to_ascii_lowercase(), cert));
    }

    /// Presents `cert` when no name matches (or the client sent none).
    pub fn set_default(&mut self, cert: Arc<CertifiedKey>) {
        self.default = Some(cert);
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        if let Some(name) = hello.server_name {
            let found = self
                .by_name
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name.trim_end_matches('.')));
            if let Some((_, cert)) = found {
                return Some(cert.clone());
            }
        }
        self.default.clone()
    }
}

/// The system clock.
pub fn system_time() -> TimeSource {
    Arc::new(UnixTime::now)
}

fn default_cipher_suites() -> Vec<CipherSuite> {
    vec![
        CipherSuite::TLS_AES_128_GCM_SHA256,
        CipherSuite::TLS_AES_256_GCM_SHA384,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    ]
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
            })
            .map(|c| c.chain[0][0])
        };
        assert_eq!(pick(None), Some(3));
    }

    #[test]
    fn defaults_are_the_secure_tls13_set() {
        let p: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let c = ClientConfig::new(p, Arc::new(crate::danger::NoServerVerification));
        assert_eq!(c.cipher_suites.len(), 3);
        assert_eq!(
            c.groups[..2],
            [NamedGroup::X25519MLKEM768, NamedGroup::x25519]
        );
        assert_eq!(c.key_shares, 2);
        assert!(!c
            .signature_schemes
            .contains(&SignatureScheme::rsa_pkcs1_sha256));
    }
}
