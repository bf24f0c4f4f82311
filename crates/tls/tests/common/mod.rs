//! Shared helpers of the engine's tests: certificates, configs, and an in-memory pump
//! between a client and a server. What every test kit shares (key types, test CAs made with
//! `openssl`, peers, free ports, processes, hex) is `padlock-test-support`; the names the
//! engine's tests have always used are kept here on top of it.
#![allow(dead_code, unused_imports)]

pub mod tls12;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_test_support::certs::{fixtures_dir, read_bytes};
use padlock_test_support::{find_on_path, TestCa};
pub use padlock_test_support::{hex, unhex, Guard, KeyType, TempDir};
use padlock_tls::{
    danger, CertifiedKey, ClientConfig, Connection, Error, ServerConfig, ServerName,
};

/// Every key type the engine signs with.
pub const ALL_KEY_TYPES: [KeyType; 4] = KeyType::ALL;

pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

/// A fresh directory inside this test binary's fixtures directory (removed by the next test
/// run, once this process has ended; a test that can own its directory uses
/// [`TempDir`], removed on drop).
pub fn temp_dir() -> PathBuf {
    static DIRS: OnceLock<TempDir> = OnceLock::new();
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = DIRS
        .get_or_init(fixtures_dir)
        .join(&N.fetch_add(1, Ordering::SeqCst).to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CA made with `openssl` (P-256 root), issuing leaves as PEM.
pub struct Ca {
    ca: TestCa,
    _dir: TempDir,
    /// The folder holding the CA's files and the leaves it issues.
    pub dir: PathBuf,
    /// The root certificate (PEM file).
    pub cert: PathBuf,
    /// The root's key (PEM file).
    pub key: PathBuf,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        // Not a peer to skip without: every handshake test needs these certificates.
        let openssl = find_on_path("openssl")
            .expect("openssl is not installed, and it makes the engine tests' certificates");
        let dir = fixtures_dir();
        let ca = TestCa::new(&openssl, dir.path(), "ca", name, KeyType::P256);
        Ca {
            dir: dir.path().to_path_buf(),
            cert: ca.cert.clone(),
            key: ca.key.clone(),
            ca,
            _dir: dir,
        }
    }

    pub fn cert_pem(&self) -> Vec<u8> {
        read_bytes(&self.cert)
    }

    /// Issues a leaf for `names` (DNS); `client` picks EKU clientAuth instead of serverAuth.
    /// Returns (chain PEM, key PEM).
    pub fn issue(&self, kind: KeyType, names: &[&str], client: bool) -> (Vec<u8>, Vec<u8>) {
        static N: AtomicUsize = AtomicUsize::new(0);
        let stem = format!("leaf-{}", N.fetch_add(1, Ordering::SeqCst));
        let issued = if client {
            self.ca.issue_client_named(&stem, names, kind)
        } else {
            self.ca.issue_server(&stem, names, kind)
        };
        (read_bytes(&issued.chain), read_bytes(&issued.key))
    }
}

/// Test CA, shared by a test binary.
pub fn test_ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| Ca::new("padlock test CA"))
}

pub fn certified_key(kind: KeyType, names: &[&str], client: bool) -> Arc<CertifiedKey> {
    let (chain, key) = test_ca().issue(kind, names, client);
    Arc::new(CertifiedKey::from_pem(provider().as_ref(), &chain, &key).unwrap())
}

/// The localhost server key of each type, made once per test binary.
pub fn server_key(kind: KeyType) -> Arc<CertifiedKey> {
    static KEYS: std::sync::Mutex<Vec<(KeyType, Arc<CertifiedKey>)>> =
        std::sync::Mutex::new(Vec::new());
    let mut keys = KEYS.lock().unwrap();
    if let Some((_, k)) = keys.iter().find(|(k, _)| *k == kind) {
        return k.clone();
    }
    let key = certified_key(kind, &["localhost"], false);
    keys.push((kind, key.clone()));
    key
}

pub fn server_config(kind: KeyType) -> ServerConfig {
    ServerConfig::new(provider(), server_key(kind))
}

/// A client that accepts any server certificate: for tests of the protocol, not of chains.
pub fn insecure_client_config() -> ClientConfig {
    ClientConfig::new(provider(), Arc::new(danger::NoServerVerification))
}

pub fn localhost() -> ServerName {
    ServerName::try_from("localhost").unwrap()
}

/// Moves TLS bytes both ways until neither side has anything to send. Returns the first
/// error of either side, tagged.
pub fn pump(client: &mut Connection, server: &mut Connection) -> Result<(), (Side, Error)> {
    for _ in 0..100 {
        let mut moved = false;
        moved |= transfer(client, server).map_err(|e| (Side::Server, e))?;
        moved |= transfer(server, client).map_err(|e| (Side::Client, e))?;
        if !moved {
            return Ok(());
        }
    }
    panic!("pump did not settle");
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// Moves everything `from` has to send into `to` and lets `to` process it.
pub fn transfer(from: &mut Connection, to: &mut Connection) -> Result<bool, Error> {
    let mut moved = false;
    while from.wants_write() {
        let pending = from.pending_tls();
        let n = to.read_tls(pending);
        if n == 0 {
            to.process_new_packets()?;
            if to.read_tls(from.pending_tls()) == 0 {
                // Receiver is full of unread plaintext: drain it.
                let mut sink = vec![0u8; 1 << 16];
                while to.read_plaintext(&mut sink) > 0 {}
                continue;
            }
            continue;
        }
        from.consume_tls(n);
        moved = true;
        to.process_new_packets()?;
    }
    Ok(moved)
}

pub fn handshake(client: &mut Connection, server: &mut Connection) {
    pump(client, server).expect("handshake failed");
    assert!(!client.is_handshaking(), "client still handshaking");
    assert!(!server.is_handshaking(), "server still handshaking");
}

/// Appends to `received` all the plaintext `conn` has to read.
pub fn read_all_plaintext(conn: &mut Connection, received: &mut Vec<u8>) {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let got = conn.read_plaintext(&mut buf);
        if got == 0 {
            return;
        }
        received.extend_from_slice(&buf[..got]);
    }
}

/// Sends `data` from `from` to `to` and returns what `to` read.
pub fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    let mut received = Vec::new();
    let mut offset = 0;
    while offset < data.len() {
        offset += from.write_plaintext(&data[offset..]).unwrap();
        while from.wants_write() {
            let n = to.read_tls(from.pending_tls());
            from.consume_tls(n);
            to.process_new_packets().unwrap();
            read_all_plaintext(to, &mut received);
        }
        // The receiver may answer (e.g. KeyUpdate).
        while to.wants_write() {
            let n = from.read_tls(to.pending_tls());
            to.consume_tls(n);
            from.process_new_packets().unwrap();
        }
    }
    received
}

pub fn write_file(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// Delivers what `from` queued (typically its alert) and returns the error `to` reports.
pub fn deliver(from: &mut Connection, to: &mut Connection) -> Error {
    let n = to.read_tls(from.pending_tls());
    from.consume_tls(n);
    to.process_new_packets()
        .expect_err("the peer's alert should surface as an error")
}

/// Whether a peer binary runs (`binary version_arg`). Missing: the test skips, or fails
/// under `PADLOCK_REQUIRE_PEERS=1`.
pub fn have_peer(binary: &str, version_arg: &str) -> bool {
    padlock_test_support::peer_runs(binary, version_arg)
}

/// Starts a padlock server on a free loopback port for one connection: it reads one line,
/// answers `echo: <line>`, sends close_notify and yields how the handshake went.
pub fn spawn_echo_server(
    config: ServerConfig,
) -> (
    u16,
    std::thread::JoinHandle<Option<padlock_tls::HandshakeKind>>,
) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = Arc::new(config);
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut tls = padlock_tls::StreamOwned::new(Connection::server(config).unwrap(), sock);
        let mut line = String::new();
        let mut reader = BufReader::new(&mut tls);
        reader.read_line(&mut line).unwrap();
        drop(reader);
        tls.write_all(format!("echo: {line}").as_bytes()).unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
        tls.conn.handshake_kind()
    });
    (port, server)
}

/// Runs a peer's command-line client, writes `ping\n` to it and returns all it printed
/// (the process is killed and reaped when done, however the test ends).
pub fn ping_through(command: &mut Command) -> String {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let mut guard = Guard::spawn(
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    guard
        .0
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"ping\n")
        .unwrap();
    let mut stdout = guard.0.stdout.take().unwrap();
    let mut out = String::new();
    let _ = stdout.read_to_string(&mut out);
    out
}

/// Splits unprotected records into (content type, payload).
pub fn records(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        out.push((bytes[0], bytes[5..5 + len].to_vec()));
        bytes = &bytes[5 + len..];
    }
    out
}

/// One record of `typ` carrying `payload`, with legacy_record_version TLS 1.2.
pub fn record(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 0x03, 0x03];
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// A client verifier that accepts any chain: for tests about the protocol.
pub struct AcceptAnyClient;

impl padlock_tls::ClientCertVerifier for AcceptAnyClient {
    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    fn verify_client_cert(
        &self,
        _: &[u8],
        _: &[&[u8]],
        _: padlock_tls::UnixTime,
    ) -> Result<(), Error> {
        Ok(())
    }
}

/// Keeps every secret both sides log (through `key_log`), so a test can seal records as
/// the peer would.
#[derive(Default)]
pub struct Capture(std::sync::Mutex<Vec<(String, Vec<u8>)>>);

impl padlock_tls::KeyLog for Capture {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), secret.to_vec()));
    }
}

impl Capture {
    /// A record sealer under the keys of the last secret logged under `label`, with
    /// `aead` (SHA-256 suites), from sequence number 0.
    pub fn sealer(
        &self,
        label: &str,
        aead: padlock_crypto::AeadAlgorithm,
    ) -> padlock_tls::internal::record::RecordSealer {
        let keys = self
            .secret(label)
            .record_keys(provider().as_ref(), aead)
            .unwrap();
        let mut sealer = padlock_tls::internal::record::RecordSealer::new();
        sealer.install(provider().as_ref(), &keys).unwrap();
        sealer
    }

    /// The last secret logged under `label`, as bytes.
    pub fn logged(&self, label: &str) -> Vec<u8> {
        let all = self.0.lock().unwrap();
        all.iter()
            .rev()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.clone())
            .expect("secret logged")
    }

    /// The last secret logged under `label` (SHA-256 suites).
    pub fn secret(&self, label: &str) -> padlock_tls::internal::tls13::key_schedule::TrafficSecret {
        let all = self.0.lock().unwrap();
        let (_, s) = all
            .iter()
            .rev()
            .find(|(l, _)| l == label)
            .expect("secret logged");
        padlock_tls::internal::tls13::key_schedule::TrafficSecret::from_bytes(
            padlock_crypto::HashAlgorithm::Sha256,
            s,
        )
    }
}

// ---- resumption (RFC 8446 §2.2) ----

/// A clock the test moves, starting now (so that certificates are valid).
#[derive(Clone)]
pub struct Clock(pub Arc<std::sync::atomic::AtomicU64>);

impl Clock {
    pub fn new() -> Self {
        let now = padlock_tls::UnixTime::now().0;
        Clock(Arc::new(std::sync::atomic::AtomicU64::new(now)))
    }
    pub fn advance(&self, seconds: u64) {
        self.0
            .fetch_add(seconds, std::sync::atomic::Ordering::SeqCst);
    }
    pub fn source(&self) -> padlock_tls::TimeSource {
        let c = self.0.clone();
        Arc::new(move || padlock_tls::UnixTime(c.load(std::sync::atomic::Ordering::SeqCst)))
    }
}

/// A server and client config pair sharing a clock; the client keeps sessions.
pub fn configs(clock: &Clock) -> (ServerConfig, ClientConfig) {
    let mut server = server_config(KeyType::P256);
    server.time = clock.source();
    let mut client = insecure_client_config();
    client.time = clock.source();
    (server, client)
}

/// A full handshake, then the server's tickets delivered to the client.
pub fn connect(server: &Arc<ServerConfig>, client: &Arc<ClientConfig>) -> (Connection, Connection) {
    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    let mut s = Connection::server(server.clone()).unwrap();
    handshake(&mut c, &mut s);
    pump(&mut c, &mut s).unwrap();
    (c, s)
}

/// Offers `session` to `server`; both connections after the handshake.
pub fn resume_with(
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    session: padlock_tls::ticket::ClientSession,
) -> (Connection, Connection) {
    let mut c = Connection::client_resuming(client, localhost(), session).unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    (c, s)
}

pub fn store(client: &ClientConfig) -> Arc<dyn padlock_tls::ticket::SessionStore> {
    client.session_store.clone().unwrap()
}

/// A server (with `tweak` applied) and a client, a full handshake done: the client's store
/// holds the server's tickets.
pub fn with_tickets(
    clock: &Clock,
    tweak: impl FnOnce(&mut ServerConfig, &mut ClientConfig),
) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let (mut server, mut client) = configs(clock);
    tweak(&mut server, &mut client);
    let (server, client) = (Arc::new(server), Arc::new(client));
    connect(&server, &client);
    (server, client)
}

/// As [`with_tickets`], with 0-RTT on: the server takes 1000 bytes, the client sends it.
pub fn with_zero_rtt_tickets(
    clock: &Clock,
    tweak: impl FnOnce(&mut ServerConfig, &mut ClientConfig),
) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    with_tickets(clock, |s, c| {
        s.max_early_data_size = 1000;
        c.enable_early_data = true;
        tweak(s, c);
    })
}

/// Splits a byte stream into whole records (header included).
pub fn whole_records(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while bytes.len() >= 5 {
        let len = 5 + usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        out.push(bytes[..len].to_vec());
        bytes = &bytes[len..];
    }
    out
}
