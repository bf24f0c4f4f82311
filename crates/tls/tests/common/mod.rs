//! Shared test helpers: certificates generated at test time with `openssl`, configs, and
//! an in-memory pump between a client and a server.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use padlock_crypto::{AwsLcProvider, Provider};
use padlock_tls::{
    danger, CertifiedKey, ClientConfig, Connection, Error, ServerConfig, ServerName,
};

/// Key types we test with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    P256,
    P384,
    Rsa2048,
    Ed25519,
}

pub const ALL_KEY_TYPES: [KeyType; 4] = [
    KeyType::P256,
    KeyType::P384,
    KeyType::Rsa2048,
    KeyType::Ed25519,
];

impl KeyType {
    fn newkey_args(self) -> Vec<&'static str> {
        match self {
            KeyType::P256 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyType::P384 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            KeyType::Rsa2048 => vec!["-newkey", "rsa:2048"],
            KeyType::Ed25519 => vec!["-newkey", "ed25519"],
        }
    }
}

pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsLcProvider)
}

/// A fresh temporary directory for this test process.
pub fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "padlock-tls-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .expect("openssl must be installed for these tests");
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA: its certificate and key files.
pub struct Ca {
    pub dir: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let dir = temp_dir();
        let cert = dir.join("ca.pem");
        let key = dir.join("ca.key");
        run(Command::new("openssl")
            .args(["req", "-x509", "-nodes", "-days", "30", "-subj"])
            .arg(format!("/CN={name}"))
            .args(KeyType::P256.newkey_args())
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args([
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]));
        Ca { dir, cert, key }
    }

    pub fn cert_pem(&self) -> Vec<u8> {
        std::fs::read(&self.cert).unwrap()
    }

    /// Issues a leaf for `names` (DNS); `client` picks EKU clientAuth instead of serverAuth.
    /// Returns (chain PEM, key PEM).
    pub fn issue(&self, kind: KeyType, names: &[&str], client: bool) -> (Vec<u8>, Vec<u8>) {
        let dir = temp_dir();
        let key = dir.join("leaf.key");
        let csr = dir.join("leaf.csr");
        let cert = dir.join("leaf.pem");
        let ext = dir.join("ext.cnf");
        let sans: Vec<String> = names.iter().map(|n| format!("DNS:{n}")).collect();
        std::fs::write(
            &ext,
            format!(
                "subjectAltName={}\nextendedKeyUsage={}\nbasicConstraints=CA:FALSE\n",
                sans.join(","),
                if client { "clientAuth" } else { "serverAuth" }
            ),
        )
        .unwrap();
        run(Command::new("openssl")
            .args(["req", "-new", "-nodes", "-subj"])
            .arg(format!(
                "/CN={}",
                names.first().copied().unwrap_or("client")
            ))
            .args(kind.newkey_args())
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&csr));
        run(Command::new("openssl")
            .args(["x509", "-req", "-days", "30", "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(&self.cert)
            .arg("-CAkey")
            .arg(&self.key)
            .arg("-set_serial")
            .arg(unique_serial())
            .arg("-out")
            .arg(&cert)
            .arg("-extfile")
            .arg(&ext));
        (std::fs::read(&cert).unwrap(), std::fs::read(&key).unwrap())
    }
}

/// Test CA, shared by a test binary.
pub fn test_ca() -> &'static Ca {
    static CA: std::sync::OnceLock<Ca> = std::sync::OnceLock::new();
    CA.get_or_init(|| Ca::new("padlock test CA"))
}

pub fn certified_key(kind: KeyType, names: &[&str], client: bool) -> Arc<CertifiedKey> {
    let (chain, key) = test_ca().issue(kind, names, client);
    Arc::new(CertifiedKey::from_pem(provider().as_ref(), &chain, &key).unwrap())
}

/// A serial number unique within this machine's test runs (parallel tests share a CA, so
/// openssl's serial file would race).
fn unique_serial() -> String {
    static N: AtomicUsize = AtomicUsize::new(1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}{:09}{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::SeqCst)
    )
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

/// Sends `data` from `from` to `to` and returns what `to` read.
pub fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut offset = 0;
    while offset < data.len() {
        offset += from.write_plaintext(&data[offset..]).unwrap();
        while from.wants_write() {
            let n = to.read_tls(from.pending_tls());
            from.consume_tls(n);
            to.process_new_packets().unwrap();
            loop {
                let got = to.read_plaintext(&mut buf);
                if got == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..got]);
            }
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

/// Kills and reaps a peer process when the test ends, however it ends.
pub struct Guard(pub std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a peer binary is installed (it runs with `version_arg`). Missing: the test skips,
/// or fails under `PADLOCK_REQUIRE_PEERS=1`.
pub fn have_peer(binary: &str, version_arg: &str) -> bool {
    let ok = Command::new(binary).arg(version_arg).output().is_ok();
    if !ok {
        assert!(
            std::env::var("PADLOCK_REQUIRE_PEERS").as_deref() != Ok("1"),
            "{binary} missing"
        );
        eprintln!("skipping: {binary} not installed");
    }
    ok
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
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.as_mut().unwrap().write_all(b"ping\n").unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let _guard = Guard(child);
    let mut out = String::new();
    let _ = stdout.read_to_string(&mut out);
    out
}
