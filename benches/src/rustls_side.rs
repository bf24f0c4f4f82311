//! The rustls side of the benchmark (rustls 0.23 with its aws-lc-rs provider).

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::crypto::aws_lc_rs::{self, cipher_suite, kx_group};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConnection, ServerConnection};

use crate::{fill_and_consume, Endpoint, KxGroup, Suite, TestPki};

/// Client and server configurations for one suite.
pub struct RustlsSetup {
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
}

impl RustlsSetup {
    /// Configures both sides for TLS 1.3, `suite` and X25519, trusting the PKI's CA, with
    /// resumption and tickets off (padlock's server sends no tickets).
    pub fn new(pki: &TestPki, suite: Suite) -> Self {
        Self::with_group(pki, suite, KxGroup::X25519)
    }

    /// As [`Self::new`], for `group` (X25519MLKEM768: rustls' own default order, which
    /// sends an X25519 share beside the hybrid one).
    pub fn with_group(pki: &TestPki, suite: Suite, group: KxGroup) -> Self {
        let suite = match suite {
            Suite::Aes128Gcm => cipher_suite::TLS13_AES_128_GCM_SHA256,
            Suite::Aes256Gcm => cipher_suite::TLS13_AES_256_GCM_SHA384,
            Suite::ChaCha20 => cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        };
        Self::build(pki, suite, group, &rustls::version::TLS13)
    }

    /// Configures both sides for TLS 1.3, `suite` and X25519 with resumption on rustls' own
    /// tickets: its stateless aws-lc-rs `Ticketer`, its default two tickets per handshake,
    /// its client's default in-memory session cache (psk_dhe_ke).
    pub fn resuming(pki: &TestPki, suite: Suite) -> Self {
        let mut setup = Self::new(pki, suite);
        Arc::make_mut(&mut setup.client).resumption = rustls::client::Resumption::default();
        let server = Arc::make_mut(&mut setup.server);
        server.send_tls13_tickets = 2;
        server.ticketer = aws_lc_rs::Ticketer::new().expect("rustls makes a ticketer");
        setup
    }

    /// Whether `client` resumed its handshake.
    pub fn resumed(client: &ClientConnection) -> bool {
        client.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// TLS 1.2 only (rustls' `tls12` feature): `suite`'s AEAD with ECDHE and an ECDSA
    /// certificate, X25519; the PKI must be ECDSA. Resumption off as for TLS 1.3 (no
    /// session ids or tickets: every handshake is full).
    pub fn tls12(pki: &TestPki, suite: Suite) -> Self {
        let suite = match suite {
            Suite::Aes128Gcm => cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            Suite::Aes256Gcm => cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            Suite::ChaCha20 => cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        };
        let mut setup = Self::build(pki, suite, KxGroup::X25519, &rustls::version::TLS12);
        let server = Arc::make_mut(&mut setup.server);
        server.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        server.ticketer = Arc::new(NoTickets);
        setup
    }

    /// As [`Self::tls12`], with resumption on rustls' own RFC 5077 tickets (its aws-lc-rs
    /// `Ticketer`) and its client's default session cache.
    pub fn tls12_resuming(pki: &TestPki, suite: Suite) -> Self {
        let mut setup = Self::tls12(pki, suite);
        Arc::make_mut(&mut setup.client).resumption = rustls::client::Resumption::default();
        Arc::make_mut(&mut setup.server).ticketer =
            aws_lc_rs::Ticketer::new().expect("rustls makes a ticketer");
        setup
    }

    fn build(
        pki: &TestPki,
        suite: rustls::SupportedCipherSuite,
        group: KxGroup,
        version: &'static rustls::SupportedProtocolVersion,
    ) -> Self {
        let mut provider = aws_lc_rs::default_provider();
        provider.cipher_suites = vec![suite];
        provider.kx_groups = match group {
            KxGroup::X25519 => vec![kx_group::X25519],
            KxGroup::X25519MlKem768 => vec![kx_group::X25519MLKEM768, kx_group::X25519],
        };
        let provider = Arc::new(provider);

        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(pki.ca_der.clone()))
            .expect("rustls accepts the CA");
        let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[version])
            .expect("version supported")
            .with_root_certificates(roots)
            .with_no_client_auth();
        client.resumption = rustls::client::Resumption::disabled();

        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pki.chain_pem)
            .collect::<Result<_, _>>()
            .expect("chain PEM parses");
        let key = PrivateKeyDer::from_pem_slice(&pki.key_pem).expect("key PEM parses");
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[version])
            .expect("version supported")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("rustls accepts the key");
        server.send_tls13_tickets = 0;

        Self {
            client: Arc::new(client),
            server: Arc::new(server),
        }
    }

    /// A fresh client connection to `localhost` (its ClientHello queued).
    pub fn client(&self) -> ClientConnection {
        let name = ServerName::try_from("localhost").expect("valid name");
        ClientConnection::new(self.client.clone(), name).expect("client starts")
    }

    /// A fresh server connection.
    pub fn server(&self) -> ServerConnection {
        ServerConnection::new(self.server.clone()).expect("server starts")
    }

    /// A fresh client and server connection, not yet connected.
    pub fn connect(&self) -> (ClientConnection, ServerConnection) {
        (self.client(), self.server())
    }
}

/// A ticketer that is off: rustls' TLS 1.2 server would otherwise issue session tickets,
/// which padlock's server does not.
#[derive(Debug)]
struct NoTickets;

impl rustls::server::ProducesTickets for NoTickets {
    fn enabled(&self) -> bool {
        false
    }

    fn lifetime(&self) -> u32 {
        0
    }

    fn encrypt(&self, _plain: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn decrypt(&self, _cipher: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// An `io::Write` that hands rustls' output straight to the receiver.
struct Forward<'a>(&'a mut dyn FnMut(&[u8]) -> usize);

impl Write for Forward<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok((self.0)(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Both rustls connection types share these methods (through `ConnectionCommon`).
macro_rules! rustls_endpoint {
    ($t:ty) => {
        impl Endpoint for $t {
            fn push_tls(&mut self, sink: &mut dyn FnMut(&[u8]) -> usize) -> usize {
                let mut moved = 0;
                while self.wants_write() {
                    let n = (**self)
                        .write_tls(&mut Forward(sink))
                        .expect("forwarding cannot fail");
                    if n == 0 {
                        break;
                    }
                    moved += n;
                }
                moved
            }

            fn read_tls(&mut self, mut data: &[u8]) -> usize {
                (**self)
                    .read_tls(&mut data)
                    .unwrap_or_else(|e| panic!("rustls: {e}"))
            }

            fn process(&mut self) {
                if let Err(e) = self.process_new_packets() {
                    panic!("rustls: {e}");
                }
            }

            fn read_plain(&mut self, buf: &mut [u8]) -> usize {
                match self.reader().read(buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => 0,
                    Err(e) => panic!("rustls: {e}"),
                }
            }

            fn read_borrowed(&mut self, use_it: &mut dyn FnMut(&[u8])) -> Option<usize> {
                Some(fill_and_consume(self.reader(), use_it, "rustls"))
            }

            fn write_plain(&mut self, data: &[u8]) -> usize {
                self.writer().write(data).expect("rustls buffers plaintext")
            }

            fn is_handshaking(&self) -> bool {
                (**self).is_handshaking()
            }

            fn wants_write(&self) -> bool {
                (**self).wants_write()
            }
        }
    };
}

rustls_endpoint!(ClientConnection);
rustls_endpoint!(ServerConnection);
