//! Resumption with openssl at the engine level (RFC 8446 §2.2, §2.3): s_client resumes on
//! a padlock server's ticket with its early data accepted, and a padlock client resumes on
//! s_server's ticket with its early data accepted.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use padlock_interop::engine::{self, TestServer};
use padlock_interop::{contains, Fixtures, PeerProcess, TempDir};
use padlock_tls::{EarlyDataStatus, HandshakeKind};

const WAIT: Duration = Duration::from_secs(10);
const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// One s_client run against `port` with `args`; returns its output once it exits.
fn s_client(fx: &Fixtures, port: u16, args: &[&std::ffi::OsStr]) -> (Vec<u8>, String) {
    let mut cmd = Command::new(&fx.openssl);
    cmd.args(["s_client", "-tls1_3", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-CAfile")
        .arg(&fx.ecdsa_ca.cert)
        .args(args);
    let mut client = PeerProcess::spawn("openssl s_client", cmd);
    client.write_stdin(GET);
    let _ = client.wait_exit(WAIT);
    (client.stdout(), client.output_text())
}

#[test]
fn openssl_client_resumes_on_a_padlock_ticket_with_early_data() {
    let Some(fx) = Fixtures::get() else { return };
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.max_early_data_size = 16384;
    let server = TestServer::start(config, 2, 16);
    let dir = TempDir::new("openssl-resumption");
    let session = dir.join("session.pem");
    let early = dir.write("early", b"early data\n");

    let (out, text) = s_client(
        fx,
        server.port,
        &["-sess_out".as_ref(), session.as_os_str()],
    );
    let first = server.next(WAIT);
    assert_eq!(
        first.map(|n| n.kind),
        Ok(Some(HandshakeKind::Full)),
        "{text}"
    );
    assert!(contains(&out, b"Max Early Data: 16384"), "{text}");

    let (out, text) = s_client(
        fx,
        server.port,
        &[
            "-sess_in".as_ref(),
            session.as_os_str(),
            "-early_data".as_ref(),
            early.as_os_str(),
        ],
    );
    let second = server.next(WAIT);
    assert_eq!(
        second.map(|n| n.kind),
        Ok(Some(HandshakeKind::Resumed)),
        "{text}"
    );
    assert!(contains(&out, b"Reused, TLSv1.3"), "{text}");
    assert!(contains(&out, b"Early data was accepted"), "{text}");
}

#[test]
fn padlock_client_resumes_on_an_openssl_ticket_with_early_data() {
    let Some(fx) = Fixtures::get() else { return };
    let (mut server, port) = engine::openssl_server_with_early_data(fx);
    let mut config = engine::client_config(&fx.ecdsa_ca.cert);
    config.enable_early_data = true;
    let config = Arc::new(config);
    let (kind, _) = engine::client_session_exchange(&config, port, None);
    assert_eq!(kind, Some(HandshakeKind::Full));
    let (kind, early) =
        engine::client_session_exchange(&config, port, Some(b"early from padlock\n"));
    assert_eq!(kind, Some(HandshakeKind::Resumed));
    assert_eq!(early, EarlyDataStatus::Accepted);
    assert!(
        server.wait_stdout_while_running(b"early from padlock", WAIT),
        "{}",
        server.output_text()
    );
}
