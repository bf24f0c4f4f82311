//! A client that tries 0-RTT against a padlock server with a ticket padlock cannot open
//! (another server's): the server skips the early data (RFC 8446 §4.2.10) and the handshake
//! completes in one round trip, the request sent again as 1-RTT data.

use std::process::Command;
use std::time::Duration;

use padlock_interop::engine::{self, TestServer};
use padlock_interop::{contains, Fixtures, PeerProcess, TempDir};

const WAIT: Duration = Duration::from_secs(10);
const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// A session ticket that allows early data, from `openssl s_server -early_data` (a ticket
/// padlock cannot open), saved for `s_client -sess_in`.
fn ticket_allowing_early_data(fx: &Fixtures, dir: &TempDir) -> std::path::PathBuf {
    let session = dir.join("session.pem");
    let (_server, port) = engine::openssl_server_with_early_data(fx);
    let mut cmd = Command::new(&fx.openssl);
    cmd.args(["s_client", "-tls1_3", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-sess_out")
        .arg(&session)
        .arg("-CAfile")
        .arg(&fx.ecdsa_ca.cert);
    let mut client = PeerProcess::spawn("openssl s_client", cmd);
    // s_client writes the session when the ticket arrives; then it may go.
    let deadline = std::time::Instant::now() + WAIT;
    while !session.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    client.close_stdin();
    let _ = client.wait_exit(WAIT);
    let text = client.output_text();
    assert!(session.exists(), "no ticket from s_server: {text}");
    assert!(
        contains(&client.stdout(), b"Max Early Data: 16384"),
        "{text}"
    );
    session
}

#[test]
fn openssl_client_sending_early_data_falls_back_to_one_round_trip() {
    let Some(fx) = Fixtures::get() else { return };
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let dir = TempDir::new("early-data");
    let session = ticket_allowing_early_data(fx, &dir);
    let early = dir.write("early", GET);
    // With that ticket s_client offers it and sends the request as early data; padlock
    // does not know the ticket, does a full handshake with its certificate and skips the
    // early data, and s_client sends the request again.
    let mut cmd = Command::new(&fx.openssl);
    cmd.args(["s_client", "-tls1_3", "-connect"])
        .arg(format!("127.0.0.1:{}", server.port))
        .arg("-sess_in")
        .arg(&session)
        .arg("-early_data")
        .arg(&early)
        .arg("-CAfile")
        .arg(&fx.ecdsa_ca.cert);
    let mut client = PeerProcess::spawn("openssl s_client", cmd);
    client.write_stdin(GET);
    let _ = client.wait_exit(WAIT);
    let outcome = server.next(WAIT);
    let output = client.output_text();
    assert!(outcome.is_ok(), "{outcome:?}\n{output}");
    assert!(
        contains(&client.stdout(), b"Early data was rejected"),
        "{output}"
    );
}
