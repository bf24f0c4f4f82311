//! What padlock's test kits share (the TLS engine's tests, the CLI's end-to-end tests, the
//! interop matrix, the HTTPS tests), in one place:
//!
//! - peers: finding a peer binary, which skips the test when it is missing — or fails it
//!   under `PADLOCK_REQUIRE_PEERS=1`, as in CI ([`require_peer`], [`peer_runs`]);
//! - free ports on 127.0.0.1 and bounded waits for a listener ([`free_port`],
//!   [`wait_for_port`]);
//! - child processes that leave nothing behind: each runs in its own process group, and the
//!   whole group is killed and waited for when the test ends, however it ends
//!   ([`process::PeerProcess`], [`process::Guard`], [`process::run_bounded`]);
//! - temporary folders removed on drop ([`TempDir`]);
//! - `gnutls-cli --resume` runs whose resumption does not depend on timing, and the lines of
//!   its debug output that tell a failure's story ([`gnutls`]);
//! - test CAs and certificates generated at test time with `openssl`, of the key types the
//!   tests use ([`certs`]);
//! - hex ([`hex`], [`unhex`]);
//! - the example handshakes of RFC 8448, parsed from the RFC's text, which is vendored here
//!   ([`rfc8448`]);
//! - hand-built PKCS#1 v1.5 blocks, well formed or not, encrypted without padding by
//!   openssl, for the RSA key-transport oracle tests ([`rsa_blocks`]).
//!
//! `std` and `socket2` (for a socket bound without listening) only, so that every crate of
//! the workspace can use it as a dev-dependency.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod certs;
pub mod gnutls;
pub mod process;
pub mod rfc8448;
pub mod rsa_blocks;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

pub use certs::{Fixtures, Issued, KeyType, TestCa};
pub use gnutls::{gnutls_resumption_story, GNUTLS_RESUME};
pub use process::{run_bounded, Guard, PeerProcess};

/// The environment variable that turns a missing peer from a skip into a failure.
pub const REQUIRE_PEERS_ENV: &str = "PADLOCK_REQUIRE_PEERS";

/// Whether missing peers fail the test (`PADLOCK_REQUIRE_PEERS=1`, as in CI).
pub fn peers_required() -> bool {
    std::env::var(REQUIRE_PEERS_ENV).is_ok_and(|v| v == "1")
}

/// Finds the peer binary `name` on `PATH` (plus /usr/sbin and /sbin, where nginx lives).
///
/// Returns `None` (after printing why, so the skip shows in `--nocapture` output and in the
/// test log) when it is missing; panics instead under `PADLOCK_REQUIRE_PEERS=1`.
pub fn require_peer(name: &str) -> Option<PathBuf> {
    match find_on_path(name) {
        Some(path) => Some(path),
        None => {
            skip_or_fail(&format!("peer `{name}` is not installed"));
            None
        }
    }
}

/// Whether the peer `binary` runs (`binary version_arg` can be started and exits with
/// success). If not, the test should skip: this prints why — or panics under
/// `PADLOCK_REQUIRE_PEERS=1`.
pub fn peer_runs(binary: &str, version_arg: &str) -> bool {
    let runs = Command::new(binary)
        .arg(version_arg)
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        skip_or_fail(&format!("peer `{binary} {version_arg}` does not run"));
    }
    runs
}

/// A test's peer is missing: print `SKIP: <why>`, or panic under `PADLOCK_REQUIRE_PEERS=1`.
pub fn skip_or_fail(why: &str) {
    if peers_required() {
        panic!("{why}, and {REQUIRE_PEERS_ENV}=1 requires it");
    }
    eprintln!("SKIP: {why} (set {REQUIRE_PEERS_ENV}=1 to fail instead)");
}

/// Looks `name` up in the directories of `PATH` (plus /usr/sbin and /sbin).
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A port on 127.0.0.1 that was free a moment ago (the kernel chose it for a socket bound
/// to port 0, which is then closed).
///
/// A peer process started right after binds it; the window for another test to take it is
/// small, and [`wait_for_port`] notices if the peer could not bind.
///
/// The socket that finds the port is bound but never listens. A child process that another
/// test thread starts meanwhile holds a copy of every open socket until it execs (they are
/// close-on-exec), so the port stays taken that long. A listening socket also went on
/// accepting connections there: the readiness probe for the server about to start on the
/// port was answered by it, and the test's client then found nothing listening ("connection
/// refused": the serve_load, serve_curl and tls12_cli flakes, seen in a kernel trace). A
/// bound socket answers nothing, and with `SO_REUSEADDR`, which servers set too (std,
/// tokio, nginx, openssl), the server binds the port beside a copy that still lives.
pub fn free_port() -> u16 {
    // Tests in one binary run in parallel and each starts its peer on a port from here: a
    // port handed out once is never handed out again by this process, so two peers can't be
    // told the same port (the one that lost the bind would leave its test talking to the
    // other test's server, with the other test's CA).
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..1000 {
        let port = port_of(&unused_port_socket());
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
    panic!("no fresh port on 127.0.0.1 after 1000 tries");
}

/// A TCP socket bound to a port of 127.0.0.1 that the kernel chose, with `SO_REUSEADDR`,
/// not listening (see [`free_port`]).
fn unused_port_socket() -> Socket {
    // A socket bound to port 0 on loopback cannot fail on a working machine; a test has
    // nothing useful to do without it.
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
    socket
        .set_reuse_address(true)
        .expect("SO_REUSEADDR on a new socket");
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .expect("bind 127.0.0.1:0");
    socket
}

fn port_of(socket: &Socket) -> u16 {
    socket
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .expect("the address of a bound socket")
        .port()
}

/// Starts a peer on a free port: `start` launches it on the port it is given and returns it
/// once it listens, or `None` when it could not bind (a parallel test's server, or an
/// outgoing connection's ephemeral port, took the free port meanwhile); then another free
/// port is tried, at most five in all. The peer is whatever `start` holds it by (a
/// [`PeerProcess`], a [`Guard`]).
pub fn on_free_port<P>(what: &str, mut start: impl FnMut(u16) -> Option<P>) -> (P, u16) {
    for _ in 0..5 {
        let port = free_port();
        if let Some(peer) = start(port) {
            return (peer, port);
        }
    }
    panic!("{what} could not bind a port");
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`, for at most
/// `timeout`. Returns whether it did.
///
/// The probe connection is closed at once; the servers we start treat that as a failed
/// handshake and go on.
///
/// A probe that found itself does not count: a free port comes from the range the kernel
/// also takes outgoing connections' ports from, and when the probe's own port is the one
/// it dials while nothing listens there, TCP's simultaneous open connects the socket to
/// itself (and holds the port, so the server's bind then fails). Counted as an answer, that
/// sent tests on to a server that was not listening ("connection refused").
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(probe) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            if probe.local_addr().ok() != Some(addr) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

/// Reads from `r` until EOF, an error, or `max` bytes — whichever comes first.
///
/// Timeouts belong to the reader (e.g. `TcpStream::set_read_timeout`); an error after some
/// bytes were read returns those bytes.
pub fn read_bounded(r: &mut dyn std::io::Read, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while out.len() < max {
        let want = buf.len().min(max - out.len());
        match r.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Lower-case hex of `bytes`, no separators (for comparing byte strings in assertions, where
/// a failure then shows readable values).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex string; whitespace between digits is allowed (vectors copied from
/// documents). Panics on anything else: a test's constant is wrong.
pub fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let pairs = digits.chunks_exact(2);
    assert!(
        pairs.remainder().is_empty(),
        "odd number of hex digits: {text:?}"
    );
    pairs
        .map(|pair| {
            let pair = std::str::from_utf8(pair).expect("hex digits are ASCII");
            u8::from_str_radix(pair, 16).unwrap_or_else(|_| panic!("not hex: {pair:?}"))
        })
        .collect()
}

/// A temporary directory, removed (with its contents) when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory under the system temp dir, named after `tag`.
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "padlock-{tag}-{}-{n}-{nanos:x}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes `data` to the file `name` inside the directory and returns its path.
    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, data).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a test that already failed should report its own failure, not this.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn free_port_is_nonzero_and_bindable() {
        let port = free_port();
        assert_ne!(port, 0);
        assert!(TcpListener::bind(("127.0.0.1", port)).is_ok());
    }

    #[test]
    fn a_free_ports_socket_answers_nothing_while_a_copy_of_it_lives() {
        let socket = unused_port_socket();
        let port = port_of(&socket);
        // What a child process that another test thread starts holds until it execs.
        let copy = socket.try_clone().unwrap();
        drop(socket);
        assert!(
            !wait_for_port(port, Duration::from_millis(100)),
            "a probe was answered on {port} before any server listened there"
        );
        let server = TcpListener::bind(("127.0.0.1", port)).expect("a server binds beside it");
        assert!(wait_for_port(port, Duration::from_secs(1)));
        drop((copy, server));
    }

    #[test]
    fn wait_for_port_sees_a_listener_and_times_out_without_one() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(wait_for_port(port, Duration::from_secs(1)));
        drop(listener);
        assert!(!wait_for_port(port, Duration::from_millis(100)));
    }

    #[test]
    fn temp_dir_is_removed_on_drop() {
        let dir = TempDir::new("selftest");
        let path = dir.path().to_path_buf();
        dir.write("f", b"x");
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn read_bounded_stops_at_the_limit() {
        let data = vec![7u8; 100_000];
        let got = read_bounded(&mut &data[..], 40_000);
        assert_eq!(got.len(), 40_000);
    }

    #[test]
    fn contains_finds_a_needle() {
        assert!(contains(b"hello world", b"o w"));
        assert!(!contains(b"hello", b"world"));
    }

    #[test]
    fn hex_round_trips_and_unhex_skips_whitespace() {
        assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
        assert_eq!(unhex("00 ab\n10"), vec![0x00, 0xab, 0x10]);
        assert_eq!(unhex(&hex(b"padlock")), b"padlock");
    }

    #[test]
    #[should_panic(expected = "odd number")]
    fn unhex_refuses_an_odd_number_of_digits() {
        unhex("abc");
    }

    #[test]
    fn a_missing_peer_is_not_found() {
        assert!(find_on_path("padlock-no-such-peer").is_none());
        assert!(find_on_path("sh").is_some());
    }
}
