//! The padlock side of the benchmark.

use std::sync::Arc;

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_tls::{
    CertifiedKey, CipherSuite, ClientConfig, Connection, NamedGroup, ProtocolVersion, RootStore,
    ServerConfig, ServerName, WebPkiServerVerifier,
};

use crate::{fill_and_consume, Endpoint, KxGroup, Suite, TestPki};

/// Whether padlock-tls has a borrowed plaintext read (`Connection::reader`, a `BufRead`)
/// for [`Endpoint::read_borrowed`].
pub(crate) const READS_BORROWED: bool = true;

/// Client and server configurations for one suite.
pub struct PadlockSetup {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    name: ServerName,
}

impl PadlockSetup {
    /// Configures both sides for `suite` and X25519, trusting the PKI's CA.
    pub fn new(pki: &TestPki, suite: Suite) -> Self {
        Self::with_group(pki, suite, KxGroup::X25519)
    }

    /// Configures both sides for `suite` and `group`, trusting the PKI's CA. No tickets:
    /// full handshakes only, as rustls' setup.
    pub fn with_group(pki: &TestPki, suite: Suite, group: KxGroup) -> Self {
        let mut setup = Self::configs(pki, suite, group);
        let (client, server) = (
            Arc::make_mut(&mut setup.client),
            Arc::make_mut(&mut setup.server),
        );
        client.session_store = None;
        server.ticket_count = 0;
        // No TLS 1.2 session ids either (rustls' setup keeps no server sessions).
        server.session_id_cache = None;
        setup
    }

    /// Configures both sides for `suite` and X25519 with resumption, doing rustls' work:
    /// the server sends two tickets (stateless, under its default rotating key) after
    /// every handshake, resumed ones too (by default padlock sends one after a
    /// resumption: [`Self::resuming_defaults`]); the client keeps them in its default
    /// session cache and resumes with psk_dhe_ke. The first handshake is a full one.
    pub fn resuming(pki: &TestPki, suite: Suite) -> Self {
        let mut setup = Self::resuming_defaults(pki, suite);
        let server = Arc::make_mut(&mut setup.server);
        server.resumed_ticket_count = server.ticket_count;
        setup
    }

    /// As [`Self::resuming`], with padlock's default ticket policy: two tickets after a
    /// full handshake, one after a resumed one.
    pub fn resuming_defaults(pki: &TestPki, suite: Suite) -> Self {
        Self::configs(pki, suite, KxGroup::X25519)
    }

    /// As [`Self::resuming`], with 0-RTT: the server takes up to 16 KiB of early data and
    /// the client may send it (for measuring the strike register).
    pub fn zero_rtt(pki: &TestPki, suite: Suite) -> Self {
        let mut setup = Self::resuming(pki, suite);
        Arc::make_mut(&mut setup.client).enable_early_data = true;
        Arc::make_mut(&mut setup.server).max_early_data_size = 16 * 1024;
        setup
    }

    /// The server configuration (its strike register, for the memory benchmark).
    pub fn server_config(&self) -> &ServerConfig {
        &self.server
    }

    /// The client configuration (its session store, for the memory benchmark).
    pub fn client_config(&self) -> &ClientConfig {
        &self.client
    }

    fn configs(pki: &TestPki, suite: Suite, group: KxGroup) -> Self {
        let groups = match group {
            KxGroup::X25519 => vec![NamedGroup::x25519],
            KxGroup::X25519MlKem768 => vec![NamedGroup::X25519MLKEM768, NamedGroup::x25519],
        };
        let provider: Arc<dyn Provider> = Arc::new(AwsLcProvider);
        let mut roots = RootStore::new();
        roots.add_der(&pki.ca_der).expect("CA certificate parses");
        let verifier = Arc::new(WebPkiServerVerifier::new(provider.clone(), Arc::new(roots)));
        let suite = match suite {
            Suite::Aes128Gcm => CipherSuite::TLS_AES_128_GCM_SHA256,
            Suite::Aes256Gcm => CipherSuite::TLS_AES_256_GCM_SHA384,
            Suite::ChaCha20 => CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        };

        let mut client = ClientConfig::new(provider.clone(), verifier);
        client.cipher_suites = vec![suite];
        client.groups = groups.clone();
        client.key_shares = groups.len();

        let key = CertifiedKey::from_pem(&*provider, &pki.chain_pem, &pki.key_pem)
            .expect("padlock loads the generated key");
        let mut server = ServerConfig::new(provider, Arc::new(key));
        server.cipher_suites = vec![suite];
        server.groups = groups;

        Self {
            client: Arc::new(client),
            server: Arc::new(server),
            name: ServerName::try_from("localhost").expect("valid name"),
        }
    }

    /// Whether this pair resumed its last handshake (for checking a resumption setup).
    pub fn resumed(client: &Connection) -> bool {
        client.handshake_kind().is_some_and(|k| k.is_resumed())
    }

    /// Configures both sides for TLS 1.2 only: `suite`'s AEAD with ECDHE and an ECDSA
    /// certificate (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` for AES-128-GCM), X25519.
    /// The PKI must be ECDSA.
    pub fn tls12(pki: &TestPki, suite: Suite) -> Self {
        let mut setup = Self::new(pki, suite);
        let suite = match suite {
            Suite::Aes128Gcm => CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            Suite::Aes256Gcm => CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            Suite::ChaCha20 => CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        };
        let tls12 = vec![ProtocolVersion::TLSv1_2];
        let client = Arc::make_mut(&mut setup.client);
        client.cipher_suites = vec![suite];
        client.versions = tls12.clone();
        // A TLS 1.2 server uses an ECDSA certificate only with a client that lists its
        // curve (RFC 8422 §5.3), as real clients do; X25519 stays the key exchange.
        client.groups = vec![NamedGroup::x25519, NamedGroup::secp256r1];
        let server = Arc::make_mut(&mut setup.server);
        server.cipher_suites = vec![suite];
        server.versions = tls12;
        setup
    }

    /// As [`Self::tls12`], with resumption: the server seals one RFC 5077 ticket per
    /// handshake (its default rotating key, renewed at each resumption), the client keeps
    /// it in its default session cache and resumes by it. The first handshake is full.
    pub fn tls12_resuming(pki: &TestPki, suite: Suite) -> Self {
        let mut setup = Self::tls12(pki, suite);
        let resuming = Self::configs(pki, suite, KxGroup::X25519);
        Arc::make_mut(&mut setup.client).session_store = resuming.client.session_store.clone();
        let server = Arc::make_mut(&mut setup.server);
        server.ticket_count = 1;
        setup
    }

    /// A fresh client connection to `localhost` (its ClientHello queued).
    pub fn client(&self) -> Connection {
        Connection::client(self.client.clone(), self.name.clone()).expect("client starts")
    }

    /// A fresh server connection.
    pub fn server(&self) -> Connection {
        Connection::server(self.server.clone()).expect("server starts")
    }

    /// A fresh client and server connection, not yet connected.
    pub fn connect(&self) -> (Connection, Connection) {
        (self.client(), self.server())
    }
}

impl Endpoint for Connection {
    fn push_tls(&mut self, sink: &mut dyn FnMut(&[u8]) -> usize) -> usize {
        let pending = self.pending_tls();
        if pending.is_empty() {
            return 0;
        }
        let n = sink(pending);
        self.consume_tls(n);
        n
    }

    fn read_tls(&mut self, data: &[u8]) -> usize {
        Connection::read_tls(self, data)
    }

    fn process(&mut self) {
        if let Err(e) = self.process_new_packets() {
            panic!("padlock: {e}");
        }
    }

    fn read_plain(&mut self, buf: &mut [u8]) -> usize {
        self.read_plaintext(buf)
    }

    fn read_borrowed(&mut self, use_it: &mut dyn FnMut(&[u8])) -> Option<usize> {
        Some(fill_and_consume(self.reader(), use_it, "padlock"))
    }

    fn write_plain(&mut self, data: &[u8]) -> usize {
        self.write_plaintext(data)
            .unwrap_or_else(|e| panic!("padlock: {e}"))
    }

    fn is_handshaking(&self) -> bool {
        Connection::is_handshaking(self)
    }

    fn wants_write(&self) -> bool {
        Connection::wants_write(self)
    }

    fn idle(&mut self) {
        self.shrink_buffers();
    }
}
