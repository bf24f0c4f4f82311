//! The `padlock` binary's TLS commands against real peers: `curl` against `padlock listen`,
//! `padlock connect` against `openssl s_server` and `padlock listen`.

mod tls_support;

use std::path::Path;
use std::process::{Command, Stdio};

use padlock_test_support::{contains, free_port, require_peer, Fixtures, Issued, PeerProcess};
use tls_support::{connect, listen, WAIT};

/// Runs curl to `https://localhost:PORT/` with `--cacert`; returns (success, stdout, stderr).
fn curl(port: u16, ca: &Path, extra: &[&str]) -> Option<(bool, String, String)> {
    let bin = require_peer("curl")?;
    let out = Command::new(bin)
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(ca)
        .args(extra)
        .arg(format!("https://localhost:{port}/"))
        .stdin(Stdio::null())
        .output()
        .expect("run curl");
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn curl_fetches_the_page_from_padlock_listen_with_ecdsa_and_rsa() {
    let Some(fx) = Fixtures::get() else { return };
    for key in padlock_test_support::KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        let (p, port) = listen(server, &[]);
        let Some((ok, body, err)) = curl(port, &ca.cert, &[]) else {
            return;
        };
        assert!(
            ok,
            "{}: curl failed: {err}\n{}",
            key.label(),
            p.output_text()
        );
        assert!(body.contains("TLSv1.3"), "{body}");
        assert!(body.contains("cipher suite"), "{body}");
        assert!(body.contains("GET / HTTP/1.1"), "{body}");
    }
}

#[test]
fn curl_mutual_tls_against_padlock_listen() {
    let Some(fx) = Fixtures::get() else { return };
    let ca = fx.ecdsa_ca.cert.display().to_string();
    let (p, port) = listen(&fx.ecdsa_server, &["--client-ca", &ca]);
    let cert_args = |i: &Issued| {
        vec![
            "--cert".to_string(),
            i.chain.display().to_string(),
            "--key".to_string(),
            i.key.display().to_string(),
        ]
    };
    let good = cert_args(&fx.client);
    let good: Vec<&str> = good.iter().map(String::as_str).collect();
    let Some((ok, body, err)) = curl(port, &fx.ecdsa_ca.cert, &good) else {
        return;
    };
    assert!(
        ok,
        "good client certificate refused: {err}\n{}",
        p.output_text()
    );
    assert!(body.contains("peer certificates"), "{body}");
    assert!(body.contains("CN=padlock client"), "{body}");

    let (ok, body, _) = curl(port, &fx.ecdsa_ca.cert, &[]).unwrap();
    assert!(
        !ok && !body.contains("TLSv1.3"),
        "accepted without a client certificate"
    );

    let bad = cert_args(&fx.other_client);
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let (ok, body, _) = curl(port, &fx.ecdsa_ca.cert, &bad).unwrap();
    assert!(
        !ok && !body.contains("TLSv1.3"),
        "accepted another CA's client certificate"
    );
}

#[test]
fn padlock_listen_survives_a_garbage_connection() {
    let Some(fx) = Fixtures::get() else { return };
    let (p, port) = listen(&fx.ecdsa_server, &[]);
    {
        use std::io::Write;
        let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = sock.write_all(b"\x16\x03\x01\xff\xffnot a client hello at all");
    }
    let Some((ok, body, err)) = curl(port, &fx.ecdsa_ca.cert, &[]) else {
        return;
    };
    assert!(ok && body.contains("TLSv1.3"), "{err}\n{}", p.output_text());
}

#[test]
fn padlock_connect_talks_to_openssl_s_server() {
    let Some(fx) = Fixtures::get() else { return };
    let Some(openssl) = require_peer("openssl") else {
        return;
    };
    let port = free_port();
    let mut cmd = Command::new(openssl);
    cmd.args(["s_server", "-tls1_3", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&fx.rsa_server.chain)
        .arg("-key")
        .arg(&fx.rsa_server.key);
    let server = PeerProcess::spawn("openssl s_server", cmd);
    assert!(
        server.wait_stdout(b"ACCEPT", WAIT),
        "{}",
        server.output_text()
    );
    let ca = fx.rsa_ca.cert.display().to_string();
    let addr = format!("localhost:{port}");
    let (code, out, err) = connect(
        &[
            "-v",
            "--cacert",
            &ca,
            "--suites",
            "TLS_AES_256_GCM_SHA384",
            "--groups",
            "secp384r1",
            &addr,
        ],
        b"GET / HTTP/1.0\r\n\r\n",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(contains(&out, b"TLS_AES_256_GCM_SHA384"), "{err}");
    assert!(
        err.contains("cipher suite: TLS_AES_256_GCM_SHA384"),
        "{err}"
    );
    assert!(err.contains("key exchange: secp384r1"), "{err}");
}

#[test]
fn padlock_connect_fails_with_one_line_against_an_untrusted_server() {
    let Some(fx) = Fixtures::get() else { return };
    let (_p, port) = listen(&fx.ecdsa_server, &[]);
    let ca = fx.other_ca.cert.display().to_string();
    let (code, out, err) = connect(&["--cacert", &ca, &format!("localhost:{port}")], b"");
    assert_ne!(code, Some(0));
    assert!(out.is_empty());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("handshake"), "{err}");
}

#[test]
fn padlock_connect_and_listen_echo_with_mutual_tls_and_alpn() {
    let Some(fx) = Fixtures::get() else { return };
    let ca = fx.ecdsa_ca.cert.display().to_string();
    let (_p, port) = listen(
        &fx.ecdsa_server,
        &[
            "--echo",
            "--client-ca",
            &ca,
            "--alpn",
            "echo/1",
            "--groups",
            "secp256r1",
        ],
    );
    let cert = fx.client.chain.display().to_string();
    let key = fx.client.key.display().to_string();
    let addr = format!("127.0.0.1:{port}");
    let (code, out, err) = connect(
        &[
            "-v", "--cacert", &ca, "--cert", &cert, "--key", &key, "--alpn", "echo/1", &addr,
        ],
        b"hello, padlock\n",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, b"hello, padlock\n");
    assert!(err.contains("alpn: echo/1"), "{err}");
    assert!(err.contains("key exchange: secp256r1"), "{err}");
    assert!(err.contains("post-quantum: no"), "{err}");
}

#[test]
fn padlock_connect_and_listen_negotiate_x25519mlkem768_by_default_and_say_so() {
    let Some(fx) = Fixtures::get() else { return };
    let ca = fx.ecdsa_ca.cert.display().to_string();
    let (_p, port) = listen(&fx.ecdsa_server, &["--echo"]);
    let (code, out, err) = connect(
        &["-v", "--cacert", &ca, &format!("127.0.0.1:{port}")],
        b"quantum\n",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, b"quantum\n");
    assert!(err.contains("key exchange: X25519MLKEM768"), "{err}");
    assert!(err.contains("post-quantum: yes"), "{err}");
}

#[test]
fn padlock_connect_showcerts_prints_the_chain_as_pem() {
    let Some(fx) = Fixtures::get() else { return };
    let (_p, port) = listen(&fx.ecdsa_server, &[]);
    let ca = fx.ecdsa_ca.cert.display().to_string();
    let (code, out, err) = connect(
        &["--showcerts", "--cacert", &ca, &format!("localhost:{port}")],
        b"GET / HTTP/1.0\r\n\r\n",
    );
    assert_eq!(code, Some(0), "{err}");
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("Certificate chain ("), "{out}");
    assert!(out.contains(" 0 s:"), "{out}");
    let sent = std::fs::read_to_string(&fx.ecdsa_server.chain).unwrap();
    let first_pem = sent
        .split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap();
    assert!(
        out.contains(first_pem),
        "the leaf's PEM is not shown:\n{out}"
    );
}
