//! Helpers that drive the padlock engine in interop tests: configurations from the
//! generated fixtures, a blocking client exchange, and an in-process server on a free port.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_test_support::certs::{read_bytes, Fixtures, Issued};
use padlock_test_support::process::PeerProcess;
use padlock_test_support::{contains, free_port};
use padlock_tls::{
    CertifiedKey, CipherSuite, ClientAuth, ClientConfig, Connection, EarlyDataStatus,
    HandshakeKind, NamedGroup, ProtocolVersion, RootStore, ServerConfig, ServerName,
    SignatureScheme, Stream, WebPkiClientVerifier, WebPkiServerVerifier,
};

/// Bound on every blocking socket operation in these helpers.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A cipher suite with its names in the peers' configuration languages.
#[derive(Clone, Copy, Debug)]
pub struct Suite {
    /// padlock's value.
    pub suite: CipherSuite,
    /// The IANA name (openssl `-ciphersuites`).
    pub iana: &'static str,
    /// GnuTLS priority-string cipher name.
    pub gnutls: &'static str,
}

/// A key exchange group with its names in the peers' configuration languages.
#[derive(Clone, Copy, Debug)]
pub struct Group {
    /// padlock's value.
    pub group: NamedGroup,
    /// openssl `-groups` name.
    pub openssl: &'static str,
    /// GnuTLS priority-string group name.
    pub gnutls: &'static str,
}

/// Every suite padlock implements.
pub const SUITES: [Suite; 3] = [
    Suite {
        suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        iana: "TLS_AES_128_GCM_SHA256",
        gnutls: "AES-128-GCM",
    },
    Suite {
        suite: CipherSuite::TLS_AES_256_GCM_SHA384,
        iana: "TLS_AES_256_GCM_SHA384",
        gnutls: "AES-256-GCM",
    },
    Suite {
        suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        iana: "TLS_CHACHA20_POLY1305_SHA256",
        gnutls: "CHACHA20-POLY1305",
    },
];

/// Every group padlock implements.
pub const GROUPS: [Group; 3] = [
    Group {
        group: NamedGroup::x25519,
        openssl: "X25519",
        gnutls: "GROUP-X25519",
    },
    Group {
        group: NamedGroup::secp256r1,
        openssl: "P-256",
        gnutls: "GROUP-SECP256R1",
    },
    Group {
        group: NamedGroup::secp384r1,
        openssl: "P-384",
        gnutls: "GROUP-SECP384R1",
    },
];

/// A GnuTLS priority string for TLS 1.3 with exactly these suites and groups, in order.
pub fn gnutls_priority(suites: &[Suite], groups: &[Group]) -> String {
    let mut p = String::from("NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL");
    for s in suites {
        p.push_str(&format!(":+{}", s.gnutls));
    }
    p.push_str(":-GROUP-ALL");
    for g in groups {
        p.push_str(&format!(":+{}", g.gnutls));
    }
    p
}

/// The aws-lc-rs provider.
pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

/// A root store holding the certificates of a PEM file.
pub fn roots(pem: &Path) -> Arc<RootStore> {
    let mut store = RootStore::new();
    let n = store
        .add_pem(&read_bytes(pem))
        .unwrap_or_else(|e| panic!("roots from {}: {e}", pem.display()));
    assert!(n > 0, "no certificate in {}", pem.display());
    Arc::new(store)
}

/// The chain and key of a generated certificate.
pub fn certified_key(issued: &Issued) -> Arc<CertifiedKey> {
    let p = provider();
    let key = CertifiedKey::from_pem(
        p.as_ref(),
        &read_bytes(&issued.chain),
        &read_bytes(&issued.key),
    )
    .unwrap_or_else(|e| panic!("load {}: {e}", issued.chain.display()));
    Arc::new(key)
}

/// A client trusting the roots in `ca_pem`, otherwise padlock's defaults.
pub fn client_config(ca_pem: &Path) -> ClientConfig {
    let p = provider();
    let verifier = Arc::new(WebPkiServerVerifier::new(p.clone(), roots(ca_pem)));
    ClientConfig::new(p, verifier)
}

/// A clock a test moves, for a padlock client's `ClientConfig::time`; it starts now.
#[derive(Clone)]
pub struct TestClock(Arc<std::sync::atomic::AtomicU64>);

impl Default for TestClock {
    fn default() -> Self {
        Self::new()
    }
}

impl TestClock {
    /// A clock at the present time.
    pub fn new() -> Self {
        let now = padlock_tls::UnixTime::now().0;
        TestClock(Arc::new(std::sync::atomic::AtomicU64::new(now)))
    }

    /// Its reading, in seconds since the epoch.
    pub fn now(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Moves it on.
    pub fn advance(&self, seconds: u64) {
        self.0
            .fetch_add(seconds, std::sync::atomic::Ordering::SeqCst);
    }

    /// The time source to put in a configuration.
    pub fn source(&self) -> padlock_tls::TimeSource {
        let clock = self.0.clone();
        Arc::new(move || padlock_tls::UnixTime(clock.load(std::sync::atomic::Ordering::SeqCst)))
    }
}

/// Keeps one of the sessions `store` holds for `name` (dropping the others) and moves
/// `clock` to `left` seconds before it expires; returns when it expires. For tests of
/// what a client keeps from a resumption near a session's end.
pub fn near_the_end_of_a_session(
    store: &dyn padlock_tls::ticket::SessionStore,
    name: &padlock_tls::ServerName,
    clock: &TestClock,
    left: u64,
) -> padlock_tls::UnixTime {
    let session = store.take(name).expect("a session kept");
    while store.take(name).is_some() {}
    let expiry = session.expires_at();
    store.insert(name, session);
    let lifetime = expiry.0 - clock.now();
    assert!(lifetime > left, "the session lives {lifetime} s");
    clock.advance(lifetime - left);
    expiry
}

/// A server presenting `issued`, otherwise padlock's defaults.
pub fn server_config(issued: &Issued) -> ServerConfig {
    ServerConfig::new(provider(), certified_key(issued))
}

/// Client authentication that requires a certificate from a root in `ca_pem`.
pub fn require_client_cert(ca_pem: &Path) -> ClientAuth {
    let p = provider();
    ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(p, roots(ca_pem))))
}

/// What a padlock connection negotiated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Protocol version.
    pub version: Option<ProtocolVersion>,
    /// Cipher suite.
    pub suite: Option<CipherSuite>,
    /// Key exchange group.
    pub group: Option<NamedGroup>,
    /// CertificateVerify scheme.
    pub scheme: Option<SignatureScheme>,
    /// ALPN protocol.
    pub alpn: Option<Vec<u8>>,
    /// SNI (server side).
    pub server_name: Option<String>,
    /// Full or with HelloRetryRequest.
    pub kind: Option<HandshakeKind>,
    /// Number of certificates the peer presented.
    pub peer_certs: usize,
}

impl Negotiated {
    /// Reads the state of an established connection.
    pub fn of(conn: &Connection) -> Negotiated {
        Negotiated {
            version: conn.protocol_version(),
            suite: conn.cipher_suite(),
            group: conn.negotiated_group(),
            scheme: conn.signature_scheme(),
            alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
            server_name: conn.server_name().map(str::to_string),
            kind: conn.handshake_kind(),
            peer_certs: conn
                .peer_certificates()
                .map_or(0, padlock_tls::CertificateChain::len),
        }
    }
}

/// The result of a client exchange: what was negotiated and what the server sent.
#[derive(Debug)]
pub struct ClientOutcome {
    /// Negotiated parameters.
    pub negotiated: Negotiated,
    /// The server's bytes, up to the limit.
    pub response: Vec<u8>,
}

/// Connects a padlock client to 127.0.0.1:`port`, completes the handshake, sends `request`,
/// then reads the server's bytes until it closes (at most `max` bytes, bounded by
/// [`IO_TIMEOUT`] per read). A handshake or read error is returned as text.
pub fn client_exchange(
    config: ClientConfig,
    server_name: &str,
    port: u16,
    request: &[u8],
    max: usize,
) -> Result<ClientOutcome, String> {
    let name = ServerName::try_from(server_name).map_err(|e| e.to_string())?;
    let mut sock = connect(port)?;
    let mut conn = Connection::client(Arc::new(config), name).map_err(|e| e.to_string())?;
    let mut stream = Stream::new(&mut conn, &mut sock);
    stream
        .complete_handshake()
        .map_err(|e| format!("handshake: {e}"))?;
    stream
        .write_all(request)
        .and_then(|()| stream.flush())
        .map_err(|e| format!("write: {e}"))?;
    let mut response = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    while response.len() < max {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(e) if response.is_empty() => return Err(format!("read: {e}")),
            Err(e) => {
                // A peer that closes without close_notify after its answer (openssl -www)
                // is common; keep what arrived but say so.
                eprintln!("note: read ended with {e} after {} bytes", response.len());
                break;
            }
        }
    }
    let negotiated = Negotiated::of(&conn);
    Ok(ClientOutcome {
        negotiated,
        response,
    })
}

/// Checks a peer server on 127.0.0.1:`port` that requires a client certificate issued by
/// `fx.ecdsa_ca`: padlock's client presenting `fx.client` gets an answer to `request` that
/// contains `tls13` (how the peer's page names TLS 1.3), and it gets no such answer with no
/// certificate or with `fx.other_client` (another CA's).
pub fn check_peer_requires_client_cert(fx: &Fixtures, port: u16, request: &[u8], tls13: &[u8]) {
    let attempt = |client: Option<&Issued>| {
        let mut config = client_config(&fx.ecdsa_ca.cert);
        if let Some(client) = client {
            config.set_client_certificate(certified_key(client));
        }
        client_exchange(config, "localhost", port, request, 64 * 1024)
    };
    let good = attempt(Some(&fx.client));
    assert!(
        good.as_ref().is_ok_and(|o| contains(&o.response, tls13)),
        "{good:?}"
    );
    for client in [None, Some(&fx.other_client)] {
        let refused = attempt(client);
        assert!(
            refused
                .as_ref()
                .map_or(true, |o| !contains(&o.response, tls13)),
            "{refused:?}"
        );
    }
}

/// Connects to 127.0.0.1:`port` with [`IO_TIMEOUT`] on every operation.
pub fn connect(port: u16) -> Result<TcpStream, String> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let sock =
        TcpStream::connect_timeout(&addr, IO_TIMEOUT).map_err(|e| format!("connect: {e}"))?;
    sock.set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| sock.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let _ = sock.set_nodelay(true);
    Ok(sock)
}

/// The text an in-process [`TestServer`] answers every request with, before its payload.
pub fn server_banner(n: &Negotiated) -> String {
    format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n\
         padlock-server suite={} group={} kind={:?} alpn={} sni={} peer-certs={} version={}\n",
        n.suite.map(|s| s.to_string()).unwrap_or_default(),
        n.group.map(|g| g.to_string()).unwrap_or_default(),
        n.kind,
        n.alpn
            .as_deref()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .unwrap_or_default(),
        n.server_name.as_deref().unwrap_or(""),
        n.peer_certs,
        n.version.map(|v| v.to_string()).unwrap_or_default(),
    )
}

/// An in-process padlock server on 127.0.0.1 (free port) that serves connections one at a
/// time on a thread: handshake, read one request line, answer [`server_banner`] plus
/// `payload` bytes, close_notify. Each connection's outcome is sent on `results`.
pub struct TestServer {
    /// The port it listens on.
    pub port: u16,
    /// One entry per connection: what was negotiated, or the error.
    pub results: mpsc::Receiver<Result<Negotiated, String>>,
    _thread: JoinHandle<()>,
}

impl TestServer {
    /// Starts a server that accepts up to `connections` connections, then stops.
    pub fn start(config: ServerConfig, connections: usize, payload: usize) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local_addr").port();
        let config = Arc::new(config);
        let (tx, results) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for _ in 0..connections {
                let Ok((sock, _)) = listener.accept() else {
                    break;
                };
                let outcome = serve_one(config.clone(), sock, payload);
                if tx.send(outcome).is_err() {
                    break;
                }
            }
        });
        TestServer {
            port,
            results,
            _thread: thread,
        }
    }

    /// The next connection's outcome, waiting at most `timeout`.
    pub fn next(&self, timeout: Duration) -> Result<Negotiated, String> {
        self.results
            .recv_timeout(timeout)
            .unwrap_or_else(|e| Err(format!("no connection outcome: {e}")))
    }
}

fn serve_one(
    config: Arc<ServerConfig>,
    mut sock: TcpStream,
    payload: usize,
) -> Result<Negotiated, String> {
    sock.set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| sock.set_write_timeout(Some(IO_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let mut conn = Connection::server(config).map_err(|e| e.to_string())?;
    let result = (|| {
        let mut stream = Stream::new(&mut conn, &mut sock);
        stream
            .complete_handshake()
            .map_err(|e| format!("handshake: {e}"))?;
        // One request line (bounded).
        let mut line = Vec::new();
        let mut buf = [0u8; 1024];
        while !line.contains(&b'\n') && line.len() < 16 * 1024 {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => line.extend_from_slice(&buf[..n]),
                Err(e) => return Err(format!("read: {e}")),
            }
        }
        let negotiated = Negotiated::of(stream.conn);
        let mut answer = server_banner(&negotiated).into_bytes();
        answer.extend(std::iter::repeat_n(b'x', payload));
        answer.push(b'\n');
        stream
            .write_all(&answer)
            .and_then(|()| stream.flush())
            .map_err(|e| format!("write: {e}"))?;
        Ok(negotiated)
    })();
    conn.send_close_notify();
    let _ = Stream::new(&mut conn, &mut sock).flush();
    let _ = sock.shutdown(Shutdown::Write);
    // Drain until the peer closes, so our close does not turn into a reset that eats the
    // answer on its side.
    sock.set_read_timeout(Some(Duration::from_millis(500))).ok();
    let mut sink = [0u8; 4096];
    for _ in 0..64 {
        match sock.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    result
}

/// A padlock client connection to 127.0.0.1:`port` for `localhost`, resuming if the
/// configuration's session store holds a session: handshake, `early` as 0-RTT data if given, one
/// line of ordinary data, then whatever the server sends (the session tickets) until it
/// goes quiet, and close_notify.
pub fn client_session_exchange(
    config: &Arc<ClientConfig>,
    port: u16,
    early: Option<&[u8]>,
) -> (Option<HandshakeKind>, EarlyDataStatus) {
    let name = ServerName::try_from("localhost").expect("a valid name");
    let mut conn = Connection::client(config.clone(), name).expect("the client starts");
    if let Some(early) = early {
        let taken = conn.write_early_data(early).expect("0-RTT is offered");
        assert_eq!(taken, early.len());
    }
    let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("set_read_timeout");
    let mut tls = Stream::new(&mut conn, &mut sock);
    tls.complete_handshake().expect("handshake");
    tls.write_all(b"ordinary data\n").expect("write");
    tls.flush().expect("flush");
    // The tickets follow the handshake; read until the server goes quiet.
    let mut buf = [0u8; 1024];
    while let Ok(n) = tls.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
    // A clean close: openssl forgets the session of a connection that ends in an error.
    tls.conn.send_close_notify();
    // The peer may have closed already; the session is ours either way.
    let _ = tls.flush();
    (conn.handshake_kind(), conn.early_data_status())
}

/// Starts `openssl s_server -tls1_3 -early_data` with the ECDSA server certificate on a
/// free port (a few tries, in case another test took the port); returns it once it
/// accepts. Its tickets allow 16 KiB of early data.
pub fn openssl_server_with_early_data(fx: &Fixtures) -> (PeerProcess, u16) {
    for _ in 0..3 {
        let port = free_port();
        let mut cmd = std::process::Command::new(&fx.openssl);
        cmd.args(["s_server", "-tls1_3", "-early_data", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&fx.ecdsa_server.chain)
            .arg("-key")
            .arg(&fx.ecdsa_server.key);
        let mut server = PeerProcess::spawn("openssl s_server", cmd);
        if server.wait_stdout_while_running(b"ACCEPT", IO_TIMEOUT) {
            return (server, port);
        }
    }
    panic!("openssl s_server would not start");
}
