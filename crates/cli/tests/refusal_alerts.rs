//! Alerts reach the client: `padlock listen` and `padlock serve` requiring a client
//! certificate refuse a client that sends none, while that client keeps sending data.
//! The client must report the server's alert (certificate_required, RFC 8446 §4.4.2.4),
//! not a broken pipe or a reset — what it saw when the server closed its socket at once,
//! with the client's data still arriving.

mod serve_support;

use std::process::Command;
use std::time::Duration;

use padlock_test_support::PeerProcess;
use serve_support::*;

const WAIT: Duration = Duration::from_secs(15);

/// What the client sends: pieces spread over a quarter of a second, so that it is still
/// writing after the server's refusal (a write after the server closed is what meets the
/// reset), and less in all than the server discards while it lingers.
const PIECES: usize = 24;
const PIECE: usize = 4096;

/// What curl uploads.
const UPLOAD: usize = 100 * 1024;

/// Feeds the client's stdin piece by piece, then closes it.
fn feed_slowly(p: &mut PeerProcess) {
    for _ in 0..PIECES {
        p.write_stdin(&[b'x'; PIECE]);
        std::thread::sleep(Duration::from_millis(10));
    }
    p.close_stdin();
}

/// `padlock listen` with the CA's localhost certificate, requiring a client certificate
/// from that CA; returns it and its port.
fn listen_requiring_client_cert(ca: &Ca) -> (PeerProcess, u16) {
    let port = free_port();
    let mut cmd = Command::new(PADLOCK);
    cmd.args(["listen", "--echo", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--cert")
        .arg(ca.leaf_chain())
        .arg("--key")
        .arg(ca.leaf_key())
        .arg("--client-ca")
        .arg(ca.root());
    let p = PeerProcess::spawn("padlock listen", cmd);
    assert!(
        p.wait_stderr("listening on", WAIT),
        "padlock listen did not start\n{}",
        p.output_text()
    );
    (p, port)
}

/// `padlock serve` requiring a client certificate from the CA; returns it and its port.
fn serve_requiring_client_cert(ca: &Ca) -> (Guard, u16, TempDir) {
    let www = www();
    let root = ca.root();
    let root = root.to_str().unwrap();
    let (guard, port) = serve(
        ca,
        www.path(),
        &["--client-ca", root, "--client-auth", "required"],
    );
    (guard, port, www)
}

/// `padlock connect` without a certificate, sending data slowly; returns its
/// stderr after it exits.
fn padlock_connect_without_cert(ca: &Ca, port: u16) -> String {
    let mut cmd = Command::new(PADLOCK);
    cmd.arg("connect")
        .arg("--cacert")
        .arg(ca.root())
        .arg(format!("localhost:{port}"));
    let mut p = PeerProcess::spawn("padlock connect", cmd);
    feed_slowly(&mut p);
    let status = p.wait_exit(WAIT).expect("padlock connect exits");
    assert!(!status.success(), "served without a certificate");
    p.stderr_text()
}

/// `openssl s_client` without a certificate, sending data slowly; returns its
/// output after it exits, or `None` if openssl is not installed (the peer check may
/// make that a failure).
fn openssl_without_cert(ca: &Ca, port: u16) -> Option<String> {
    let openssl = peer("openssl")?;
    let mut cmd = Command::new(openssl);
    cmd.args(["s_client", "-tls1_3", "-quiet", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-CAfile")
        .arg(ca.root());
    let mut p = PeerProcess::spawn("openssl s_client", cmd);
    feed_slowly(&mut p);
    p.wait_exit(WAIT).expect("openssl s_client exits");
    Some(p.output_text())
}

/// `curl` without a certificate, uploading a body at a limited rate, so it is still
/// sending (for about a fifth of a second) when the server refuses it; returns its
/// stderr, or `None` if curl is not installed.
fn curl_upload_without_cert(ca: &Ca, port: u16) -> Option<String> {
    let curl = peer("curl")?;
    let dir = TempDir::new("upload");
    let body = dir.join("body");
    std::fs::write(&body, vec![b'x'; UPLOAD]).unwrap();
    let out = run(Command::new(curl)
        .args([
            "-sS",
            "--max-time",
            "10",
            "--limit-rate",
            "500K",
            "--cacert",
        ])
        .arg(ca.root())
        .arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .arg(format!("https://localhost:{port}/")));
    assert!(!out.status.success(), "served without a certificate");
    Some(String::from_utf8_lossy(&out.stderr).into_owned())
}

fn assert_reports_certificate_required(client: &str, said: &str) {
    assert!(
        ["certificate_required", "certificate required"]
            .iter()
            .any(|name| said.contains(name)),
        "{client} should report the server's certificate_required alert, but said:\n{said}"
    );
}

/// Every client, one after the other, against the server on `port`.
fn every_client_reads_certificate_required(ca: &Ca, port: u16) {
    let said = padlock_connect_without_cert(ca, port);
    assert_reports_certificate_required("padlock connect", &said);
    if let Some(said) = openssl_without_cert(ca, port) {
        assert_reports_certificate_required("openssl s_client", &said);
    }
    if let Some(said) = curl_upload_without_cert(ca, port) {
        assert_reports_certificate_required("curl", &said);
    }
}

#[test]
fn padlock_listen_refusal_reaches_padlock_connect_openssl_and_curl() {
    let ca = Ca::new();
    let (_listen, port) = listen_requiring_client_cert(&ca);
    every_client_reads_certificate_required(&ca, port);
}

#[test]
fn padlock_serve_refusal_reaches_padlock_connect_openssl_and_curl() {
    let ca = Ca::new();
    let (_serve, port, _www) = serve_requiring_client_cert(&ca);
    every_client_reads_certificate_required(&ca, port);
}
