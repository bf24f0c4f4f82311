//! padlock ↔ OpenSSL (`openssl s_server` / `openssl s_client`, TLS 1.3) on 127.0.0.1.
//!
//! Every suite × every group × ECDSA and RSA server certificates, both directions; then
//! HelloRetryRequest, ALPN, SNI, KeyUpdate during a 10 MB transfer, and mutual TLS.

use std::time::Duration;

use padlock_interop::engine::{self, TestServer, GROUPS, SUITES};
use padlock_interop::matrix::{padlock_client_cell, padlock_server_cell, Matrix};
use padlock_interop::peers::{self, GET, WAIT};
use padlock_interop::{contains, Fixtures, Issued, KeyType, PeerProcess};
use padlock_tls::{HandshakeKind, NamedGroup, SniResolver};

/// `openssl s_server -tls1_3` (see [`peers::openssl_server`]).
fn s_server(fx: &Fixtures, server: &Issued, extra: &[&str]) -> (PeerProcess, u16) {
    peers::openssl_server(fx, server, "-tls1_3", extra)
}

/// `openssl s_client -tls1_3` (see [`peers::openssl_client`]).
fn s_client(fx: &Fixtures, port: u16, extra: &[&str]) -> PeerProcess {
    peers::openssl_client(fx, port, "-tls1_3", extra)
}

#[test]
fn padlock_client_against_openssl_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        let (_peer, port) = s_server(fx, server, &["-www"]);
        for suite in SUITES {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.iana, group.openssl);
                let verdict = padlock_client_cell(&ca.cert, port, suite, group, suite.iana);
                matrix.cell(&label, verdict);
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn openssl_client_against_padlock_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server_cert, ca) = fx.server(key);
        let server = TestServer::start(
            engine::server_config(server_cert),
            SUITES.len() * GROUPS.len(),
            4096,
        );
        for suite in SUITES {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.iana, group.openssl);
                let client = s_client(
                    fx,
                    server.port,
                    &[
                        "-ciphersuites",
                        suite.iana,
                        "-groups",
                        group.openssl,
                        "-servername",
                        "localhost",
                        "-verify_hostname",
                        "localhost",
                        "-verify_return_error",
                        "-CAfile",
                        &peers::arg(&ca.cert),
                    ],
                );
                matrix.cell(&label, padlock_server_cell(&server, &client, suite, group));
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn padlock_client_retries_with_secp384r1_when_openssl_server_asks() {
    let Some(fx) = Fixtures::get() else { return };
    let (_peer, port) = s_server(fx, &fx.ecdsa_server, &["-www", "-groups", "P-384"]);
    // Default groups: the first ClientHello's key shares are X25519MLKEM768 and x25519.
    let config = engine::client_config(&fx.ecdsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.group, Some(NamedGroup::secp384r1));
    assert_eq!(
        out.negotiated.kind,
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
}

#[test]
fn padlock_server_sends_hello_retry_request_to_openssl_client() {
    let Some(fx) = Fixtures::get() else { return };
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.groups = vec![NamedGroup::secp384r1];
    let server = TestServer::start(config, 1, 16);
    let client = s_client(
        fx,
        server.port,
        &[
            "-groups",
            "X25519:P-384",
            "-CAfile",
            &peers::arg(&fx.ecdsa_ca.cert),
            "-verify_return_error",
        ],
    );
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.group, Some(NamedGroup::secp384r1));
    assert_eq!(n.kind, Some(HandshakeKind::FullWithHelloRetryRequest));
    assert!(
        contains(&client.stdout(), b"padlock-server"),
        "{}",
        client.output_text()
    );
}

#[test]
fn alpn_is_negotiated_both_ways_with_openssl() {
    let Some(fx) = Fixtures::get() else { return };
    // padlock client offers h2, http/1.1; s_server accepts only http/1.1.
    let (_peer, port) = s_server(fx, &fx.ecdsa_server, &["-www", "-alpn", "http/1.1"]);
    let mut config = engine::client_config(&fx.ecdsa_ca.cert);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.alpn.as_deref(), Some(&b"http/1.1"[..]));

    // s_client offers h2, http/1.1; the padlock server prefers h2.
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let server = TestServer::start(config, 1, 16);
    let client = s_client(
        fx,
        server.port,
        &[
            "-alpn",
            "http/1.1,h2",
            "-CAfile",
            &peers::arg(&fx.ecdsa_ca.cert),
        ],
    );
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.alpn.as_deref(), Some(&b"h2"[..]));
    assert!(
        contains(&client.stdout(), b"ALPN protocol: h2"),
        "{}",
        client.output_text()
    );
}

#[test]
fn padlock_server_chooses_the_certificate_by_sni_for_openssl_client() {
    let Some(fx) = Fixtures::get() else { return };
    let mut resolver = SniResolver::new();
    resolver.add("a.padlock.test", engine::certified_key(&fx.sni_a));
    resolver.add("b.padlock.test", engine::certified_key(&fx.sni_b));
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.cert_resolver = std::sync::Arc::new(resolver);
    let server = TestServer::start(config, 2, 16);
    for name in ["a.padlock.test", "b.padlock.test"] {
        let client = s_client(
            fx,
            server.port,
            &[
                "-servername",
                name,
                "-verify_hostname",
                name,
                "-verify_return_error",
                "-CAfile",
                &peers::arg(&fx.ecdsa_ca.cert),
            ],
        );
        let n = server
            .next(WAIT)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", client.output_text()));
        assert_eq!(n.server_name.as_deref(), Some(name));
        let out = String::from_utf8_lossy(&client.stdout()).into_owned();
        assert!(
            out.contains(&format!("CN = {name}")),
            "{name}: {}",
            client.output_text()
        );
    }
}

#[test]
fn padlock_client_gets_the_sni_certificate_from_openssl_server() {
    let Some(fx) = Fixtures::get() else { return };
    let cert2 = fx.sni_b.chain.display().to_string();
    let key2 = fx.sni_b.key.display().to_string();
    let (_peer, port) = s_server(
        fx,
        &fx.sni_a,
        &[
            "-www",
            "-servername",
            "b.padlock.test",
            "-cert2",
            &cert2,
            "-key2",
            &key2,
        ],
    );
    for name in ["a.padlock.test", "b.padlock.test"] {
        // The verifier checks the name, so success means the right certificate came.
        let config = engine::client_config(&fx.ecdsa_ca.cert);
        let out = engine::client_exchange(config, name, port, GET, 64 * 1024);
        assert!(out.is_ok(), "{name}: {out:?}");
    }
}

#[test]
fn key_update_during_a_10_mb_transfer_to_openssl_server() {
    let Some(fx) = Fixtures::get() else { return };
    // Without -www, s_server prints what it receives and sends what it reads on stdin.
    let (mut peer, port) = s_server(fx, &fx.ecdsa_server, &[]);
    let config = engine::client_config(&fx.ecdsa_ca.cert);
    let mut sock = engine::connect(port).unwrap();
    let name = padlock_tls::ServerName::try_from("localhost").unwrap();
    let mut conn = padlock_tls::Connection::client(std::sync::Arc::new(config), name).unwrap();
    use std::io::{Read, Write};
    let total = 10 * 1024 * 1024;
    let chunk = vec![b'k'; 16 * 1024];
    {
        let mut stream = padlock_tls::Stream::new(&mut conn, &mut sock);
        stream.complete_handshake().unwrap();
    }
    let mut sent = 0;
    while sent < total {
        if sent % (1024 * 1024) == 0 && sent > 0 {
            // Ask openssl to update its keys too (update_requested).
            conn.request_key_update(true).unwrap();
        }
        let mut stream = padlock_tls::Stream::new(&mut conn, &mut sock);
        stream.write_all(&chunk).unwrap();
        sent += chunk.len();
    }
    padlock_tls::Stream::new(&mut conn, &mut sock)
        .flush()
        .unwrap();
    assert!(
        peer.wait_stdout_len(total, Duration::from_secs(30)),
        "s_server got {} of {total} bytes\n{}",
        peer.stdout().len(),
        peer.stderr_text()
    );
    // openssl answered each update_requested with its own KeyUpdate: data it sends now
    // must decrypt under its updated keys.
    peer.write_stdin(b"after-key-update\n");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let mut stream = padlock_tls::Stream::new(&mut conn, &mut sock);
    while !contains(&got, b"after-key-update") {
        let n = stream.read(&mut buf).expect("read after key updates");
        assert!(n > 0, "closed before the line arrived");
        got.extend_from_slice(&buf[..n]);
    }
    let received = peer.stdout();
    assert!(received.iter().filter(|&&b| b == b'k').count() >= total);
    assert!(peer.is_running());
}

fn mtls_server_config(fx: &Fixtures) -> padlock_tls::ServerConfig {
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.client_auth = engine::require_client_cert(&fx.ecdsa_ca.cert);
    config
}

#[test]
fn padlock_server_requires_a_client_certificate_from_openssl() {
    let Some(fx) = Fixtures::get() else { return };
    let server = TestServer::start(mtls_server_config(fx), 3, 16);
    let ca = peers::arg(&fx.ecdsa_ca.cert);
    let good_cert = peers::arg(&fx.client.chain);
    let good_key = peers::arg(&fx.client.key);
    let client = s_client(
        fx,
        server.port,
        &["-CAfile", &ca, "-cert", &good_cert, "-key", &good_key],
    );
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("good cert refused: {e}\n{}", client.output_text()));
    // s_client also sends the root it found in -CAfile, so the chain may hold 2.
    assert!(n.peer_certs >= 1, "{n:?}");
    assert!(contains(&client.stdout(), b"padlock-server"));

    let client = s_client(fx, server.port, &["-CAfile", &ca]);
    let outcome = server.next(WAIT);
    assert!(
        outcome.is_err(),
        "accepted without a client certificate: {outcome:?}"
    );
    assert!(!contains(&client.stdout(), b"padlock-server"));

    let bad_cert = peers::arg(&fx.other_client.chain);
    let bad_key = peers::arg(&fx.other_client.key);
    let client = s_client(
        fx,
        server.port,
        &["-CAfile", &ca, "-cert", &bad_cert, "-key", &bad_key],
    );
    let outcome = server.next(WAIT);
    assert!(
        outcome.is_err(),
        "accepted another CA's client certificate: {outcome:?}"
    );
    assert!(!contains(&client.stdout(), b"padlock-server"));
}

#[test]
fn openssl_server_requires_a_client_certificate_from_padlock() {
    let Some(fx) = Fixtures::get() else { return };
    let ca = peers::arg(&fx.ecdsa_ca.cert);
    let (_peer, port) = s_server(
        fx,
        &fx.ecdsa_server,
        &[
            "-www",
            "-Verify",
            "1",
            "-verify_return_error",
            "-CAfile",
            &ca,
        ],
    );
    engine::check_peer_requires_client_cert(fx, port, GET, b"TLSv1.3");
}

/// OpenSSL 3.0 has no ML-KEM: padlock's default client, offering X25519MLKEM768 first
/// with an X25519 share beside it, gets X25519 at once — no HelloRetryRequest.
#[test]
fn padlock_client_falls_back_to_x25519_with_openssl_without_a_retry() {
    let Some(fx) = Fixtures::get() else { return };
    let (_peer, port) = s_server(fx, &fx.ecdsa_server, &["-www"]);
    let config = engine::client_config(&fx.ecdsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.group, Some(NamedGroup::x25519));
    assert_eq!(out.negotiated.kind, Some(HandshakeKind::Full));
}

/// And padlock's default server, preferring the post-quantum groups, answers OpenSSL's
/// default X25519 share without asking for one (no `insist_on_post_quantum`).
#[test]
fn padlock_server_answers_openssl_with_x25519_without_a_retry() {
    let Some(fx) = Fixtures::get() else { return };
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let client = s_client(
        fx,
        server.port,
        &[
            "-CAfile",
            &peers::arg(&fx.ecdsa_ca.cert),
            "-verify_return_error",
        ],
    );
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.group, Some(NamedGroup::x25519));
    assert_eq!(n.kind, Some(HandshakeKind::Full));
}
