//! Shared helpers for the `padlock serve` / `padlock get` end-to-end tests: temp folders,
//! free ports, child processes killed on drop, peer discovery with skip-or-fail, and a
//! local CA in a temporary PADLOCK_HOME.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use padlock_crypto::{AwsLcProvider, HashAlgorithm, Provider};
use padlock_pki::ca::{InitOptions, IssueOptions, LocalCa};
use padlock_pki::SubjectName;

/// The padlock binary under test.
pub const PADLOCK: &str = env!("CARGO_BIN_EXE_padlock");

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("padlock-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed (and reaped) on drop.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    // Tests in one binary run in parallel and each starts its peer on a port from here: a
    // port handed out once is never handed out again by this process, so two peers can't be
    // told the same port (the one that lost the bind would leave its test talking to the
    // other test's server, with the other test's CA).
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..1000 {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
    panic!("no fresh port on 127.0.0.1 after 1000 tries");
}

/// Waits (bounded) until something accepts on `port`.
pub fn wait_port(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listened on port {port} within 20 s");
}

/// Finds a peer binary; `None` means skip (after saying why), unless
/// PADLOCK_REQUIRE_PEERS=1, which makes a missing peer a failure.
pub fn peer(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("PADLOCK_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("{name} is not installed and PADLOCK_REQUIRE_PEERS=1");
        }
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// A PADLOCK_HOME with the local CA already made, plus a client certificate.
pub struct Ca {
    pub home: TempDir,
}

impl Ca {
    pub fn new() -> Ca {
        let home = TempDir::new("home");
        let provider = AwsLcProvider;
        LocalCa::open_or_init(&provider, home.path(), InitOptions::default()).unwrap();
        Ca { home }
    }
    pub fn root(&self) -> PathBuf {
        self.home.join("ca/root.pem")
    }
    pub fn leaf_chain(&self) -> PathBuf {
        self.home.join("ca/localhost.chain.pem")
    }
    pub fn leaf_key(&self) -> PathBuf {
        self.home.join("ca/localhost.key.pem")
    }
    /// Issues a client certificate for `name`; returns (chain, key) paths.
    pub fn client_cert(&self, name: &str) -> (PathBuf, PathBuf) {
        let provider = AwsLcProvider;
        let ca = LocalCa::open(&provider, self.home.path()).unwrap();
        let issued = ca
            .issue(
                &[SubjectName::Dns(name.to_string())],
                IssueOptions {
                    client: true,
                    days: 30,
                },
            )
            .unwrap();
        let chain = self.home.join(&format!("{name}.chain.pem"));
        let key = self.home.join(&format!("{name}.key.pem"));
        std::fs::write(&chain, issued.chain_pem).unwrap();
        std::fs::write(&key, issued.key_pem).unwrap();
        (chain, key)
    }
}

/// `padlock serve` on a free port with PADLOCK_HOME = the CA's home; waits until it
/// listens. Returns the guard and the port.
pub fn serve(ca: &Ca, dir: &Path, extra: &[&str]) -> (Guard, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(PADLOCK);
    cmd.args(["serve", "--dir"])
        .arg(dir)
        .args(["--listen", &listen])
        .args(extra);
    cmd.env("PADLOCK_HOME", ca.home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    wait_port(port, &mut child);
    (Guard(child), port)
}

/// Runs a command with a bounded wait (the peers get their own timeouts too).
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null());
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("{cmd:?} did not finish within 120 s");
        }
    }
}

/// A web folder with a few files.
pub fn www() -> TempDir {
    let dir = TempDir::new("www");
    std::fs::write(dir.join("hello.txt"), b"hello from padlock\n").unwrap();
    std::fs::write(
        dir.join("index.html"),
        b"<!doctype html><html><head><title>padlock test</title></head><body><h1 id=\"greeting\">Hello over HTTPS</h1></body></html>\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("files")).unwrap();
    std::fs::write(dir.join("files/a & b.txt"), b"ab").unwrap();
    let kib: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("1k.bin"), kib).unwrap();
    dir
}

/// SHA-256 of `data`, hex.
pub fn sha256_hex(data: &[u8]) -> String {
    AwsLcProvider
        .hash_once(HashAlgorithm::Sha256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// base64(SHA-256(SubjectPublicKeyInfo)) of the first certificate in a PEM chain: what
/// Chromium's --ignore-certificate-errors-spki-list takes.
pub fn spki_pin(chain_pem: &Path) -> String {
    let text = std::fs::read(chain_pem).unwrap();
    let blocks = padlock_pki::pem::parse_all(&text).unwrap();
    let cert = padlock_pki::Certificate::from_der(&blocks[0].der).unwrap();
    let spki = cert.subject_public_key_info().der;
    base64(
        AwsLcProvider
            .hash_once(HashAlgorithm::Sha256, spki)
            .as_ref(),
    )
}
