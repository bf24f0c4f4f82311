//! The peer processes the interop tests start: `openssl s_server` / `s_client` and
//! `gnutls-serv` / `gnutls-cli` on 127.0.0.1, each bounded by [`WAIT`] and killed with its
//! process group when the test drops it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use padlock_test_support::certs::{Fixtures, Issued};
use padlock_test_support::{on_free_port, require_peer, PeerProcess};

/// How long a peer may take to start, or to finish one exchange.
pub const WAIT: Duration = Duration::from_secs(10);

/// What the clients send: one HTTP/1.0 request.
pub const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// A path as a command-line argument.
pub fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// Starts `openssl s_server <version>` (`-tls1_3`, `-tls1_2`) on a free port, presenting
/// `server`, with `extra` arguments; waits until it accepts.
pub fn openssl_server(
    fx: &Fixtures,
    server: &Issued,
    version: &str,
    extra: &[&str],
) -> (PeerProcess, u16) {
    on_free_port("openssl s_server", |port| {
        let mut cmd = Command::new(&fx.openssl);
        cmd.args(["s_server", version, "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&server.chain)
            .arg("-key")
            .arg(&server.key)
            .args(extra);
        let mut p = PeerProcess::spawn("openssl s_server", cmd);
        if p.wait_stdout_while_running(b"ACCEPT", WAIT) {
            return Some(p);
        }
        eprintln!("s_server did not start (port race?): {}", p.output_text());
        None
    })
}

/// Runs `openssl s_client <version>` against 127.0.0.1:`port`, sends [`GET`], waits for
/// it to exit.
pub fn openssl_client(fx: &Fixtures, port: u16, version: &str, extra: &[&str]) -> PeerProcess {
    let mut cmd = Command::new(&fx.openssl);
    cmd.args(["s_client", version, "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(extra);
    let mut p = PeerProcess::spawn("openssl s_client", cmd);
    p.write_stdin(GET);
    // stdin stays open: s_client would otherwise close before the answer arrives.
    let _ = p.wait_exit(WAIT);
    p
}

/// Starts `gnutls-serv --http` on a free port with `extra` arguments; waits until it
/// accepts connections. `None` when gnutls-serv is missing (and peers are not required).
pub fn gnutls_serv(server: &Issued, extra: &[&str]) -> Option<(PeerProcess, u16)> {
    let bin = require_peer("gnutls-serv")?;
    Some(on_free_port("gnutls-serv", |port| {
        let mut cmd = Command::new(&bin);
        cmd.args(["--http", "-p"])
            .arg(port.to_string())
            .arg("--x509certfile")
            .arg(&server.chain)
            .arg("--x509keyfile")
            .arg(&server.key)
            .args(extra);
        let mut p = PeerProcess::spawn("gnutls-serv", cmd);
        if p.listens_on(port, WAIT) {
            return Some(p);
        }
        eprintln!("gnutls-serv did not start: {}", p.output_text());
        None
    }))
}

/// Runs `gnutls-cli` against 127.0.0.1:`port` (checking the name `localhost` against
/// `ca`), sends [`GET`], waits for it to exit. `None` when gnutls-cli is missing.
pub fn gnutls_cli(port: u16, ca: &Path, extra: &[&str]) -> Option<PeerProcess> {
    let bin = require_peer("gnutls-cli")?;
    let mut cmd = Command::new(&bin);
    cmd.arg("-p")
        .arg(port.to_string())
        .arg("--x509cafile")
        .arg(ca)
        .args([
            "--sni-hostname",
            "localhost",
            "--verify-hostname",
            "localhost",
        ])
        .args(extra)
        .arg("127.0.0.1");
    let mut p = PeerProcess::spawn("gnutls-cli", cmd);
    p.write_stdin(GET);
    let _ = p.wait_exit(WAIT);
    Some(p)
}
