//! padlock ↔ GnuTLS (`gnutls-serv` / `gnutls-cli`, TLS 1.3 only) on 127.0.0.1.
//!
//! Every suite × every group × ECDSA and RSA server certificates, both directions; then
//! HelloRetryRequest, ALPN and mutual TLS.

use padlock_interop::engine::{self, gnutls_priority, TestServer, GROUPS, SUITES};
use padlock_interop::matrix::{padlock_client_cell, padlock_server_cell, Matrix};
use padlock_interop::peers::{gnutls_cli, gnutls_serv, GET, WAIT};
use padlock_interop::{
    contains, gnutls_resumption_story, Fixtures, Issued, KeyType, GNUTLS_RESUME,
};
use padlock_tls::{HandshakeKind, NamedGroup};

const TLS13: &str = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

#[test]
fn padlock_client_against_gnutls_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        let Some((_peer, port)) = gnutls_serv(server, &["--priority", TLS13]) else {
            return;
        };
        for suite in SUITES {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.iana, group.gnutls);
                let verdict = padlock_client_cell(&ca.cert, port, suite, group, suite.gnutls);
                matrix.cell(&label, verdict);
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn gnutls_client_against_padlock_server_every_suite_group_and_key() {
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
                let label = format!("{} {} {}", key.label(), suite.iana, group.gnutls);
                let priority = gnutls_priority(&[suite], &[group]);
                let Some(client) = gnutls_cli(server.port, &ca.cert, &["--priority", &priority])
                else {
                    return;
                };
                matrix.cell(&label, padlock_server_cell(&server, &client, suite, group));
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn padlock_client_retries_with_secp384r1_when_gnutls_server_asks() {
    let Some(fx) = Fixtures::get() else { return };
    let priority = format!("{TLS13}:-GROUP-ALL:+GROUP-SECP384R1");
    let Some((_peer, port)) = gnutls_serv(&fx.ecdsa_server, &["--priority", &priority]) else {
        return;
    };
    let config = engine::client_config(&fx.ecdsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.group, Some(NamedGroup::secp384r1));
    assert_eq!(
        out.negotiated.kind,
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
}

#[test]
fn padlock_server_sends_hello_retry_request_to_gnutls_client() {
    let Some(fx) = Fixtures::get() else { return };
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.groups = vec![NamedGroup::secp384r1];
    let server = TestServer::start(config, 1, 16);
    // GnuTLS sends one key share per kind of group (one X25519/X448, one NIST curve): with
    // X25519 first it would also share P-384 and need no retry. Offering only NIST curves,
    // P-256 first, gives a single P-256 share, so padlock must ask again for P-384.
    let priority = format!("{TLS13}:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-SECP384R1");
    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &["--priority", &priority])
    else {
        return;
    };
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
fn alpn_is_negotiated_both_ways_with_gnutls() {
    let Some(fx) = Fixtures::get() else { return };
    let Some((_peer, port)) = gnutls_serv(
        &fx.ecdsa_server,
        &["--priority", TLS13, "--alpn", "http/1.1"],
    ) else {
        return;
    };
    let mut config = engine::client_config(&fx.ecdsa_ca.cert);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.alpn.as_deref(), Some(&b"http/1.1"[..]));

    let mut config = engine::server_config(&fx.ecdsa_server);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let server = TestServer::start(config, 1, 16);
    let Some(client) = gnutls_cli(
        server.port,
        &fx.ecdsa_ca.cert,
        &["--alpn", "http/1.1", "--alpn", "h2"],
    ) else {
        return;
    };
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.alpn.as_deref(), Some(&b"h2"[..]));
    assert!(
        contains(&client.stdout(), b"alpn=h2"),
        "{}",
        client.output_text()
    );
}

#[test]
fn padlock_server_requires_a_client_certificate_from_gnutls() {
    let Some(fx) = Fixtures::get() else { return };
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.client_auth = engine::require_client_cert(&fx.ecdsa_ca.cert);
    let server = TestServer::start(config, 3, 16);
    let cert = |i: &Issued| {
        vec![
            "--x509certfile".to_string(),
            i.chain.display().to_string(),
            "--x509keyfile".to_string(),
            i.key.display().to_string(),
        ]
    };
    let good = cert(&fx.client);
    let good: Vec<&str> = good.iter().map(String::as_str).collect();
    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &good) else {
        return;
    };
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("good cert refused: {e}\n{}", client.output_text()));
    assert!(n.peer_certs >= 1);
    assert!(contains(&client.stdout(), b"padlock-server"));

    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &[]) else {
        return;
    };
    let outcome = server.next(WAIT);
    assert!(
        outcome.is_err(),
        "accepted without a client certificate: {outcome:?}"
    );
    assert!(!contains(&client.stdout(), b"padlock-server"));

    let bad = cert(&fx.other_client);
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &bad) else {
        return;
    };
    let outcome = server.next(WAIT);
    assert!(
        outcome.is_err(),
        "accepted another CA's client certificate: {outcome:?}"
    );
    assert!(!contains(&client.stdout(), b"padlock-server"));
}

#[test]
fn gnutls_server_requires_a_client_certificate_from_padlock() {
    let Some(fx) = Fixtures::get() else { return };
    let ca = fx.ecdsa_ca.cert.display().to_string();
    let Some((_peer, port)) = gnutls_serv(
        &fx.ecdsa_server,
        &[
            "--priority",
            TLS13,
            "--require-client-cert",
            "--verify-client-cert",
            "--x509cafile",
            &ca,
        ],
    ) else {
        return;
    };
    engine::check_peer_requires_client_cert(fx, port, GET, b"TLS1.3");
}

/// GnuTLS here has no ML-KEM: padlock's default client, offering X25519MLKEM768 first
/// with an X25519 share beside it, gets X25519 at once — no HelloRetryRequest.
#[test]
fn padlock_client_falls_back_to_x25519_with_gnutls_without_a_retry() {
    let Some(fx) = Fixtures::get() else { return };
    let Some((_peer, port)) = gnutls_serv(&fx.ecdsa_server, &["--priority", TLS13]) else {
        return;
    };
    let config = engine::client_config(&fx.ecdsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.group, Some(NamedGroup::x25519));
    assert_eq!(out.negotiated.kind, Some(HandshakeKind::Full));
}

/// And padlock's default server answers GnuTLS's default X25519 share without a retry.
#[test]
fn padlock_server_answers_gnutls_with_x25519_without_a_retry() {
    let Some(fx) = Fixtures::get() else { return };
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &["--priority", TLS13]) else {
        return;
    };
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.group, Some(NamedGroup::x25519));
    assert_eq!(n.kind, Some(HandshakeKind::Full));
}

#[test]
fn gnutls_cli_resumes_on_a_padlock_ticket() {
    let Some(fx) = Fixtures::get() else { return };
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 2, 16);
    // --waitresumption: gnutls-cli waits for the ticket, which comes after the handshake,
    // rather than giving it 60 ms (see `GNUTLS_RESUME`).
    let args = [&["--priority", TLS13][..], &GNUTLS_RESUME].concat();
    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &args) else {
        return;
    };
    let first = server.next(WAIT);
    let second = server.next(WAIT);
    // Once both connections are over: all of gnutls-cli's output, its handshakes told by
    // its debug lines.
    let output = format!(
        "--- gnutls-cli stdout ---\n{}\n--- gnutls-cli -d 4, its handshakes ---\n{}",
        String::from_utf8_lossy(&client.stdout()),
        gnutls_resumption_story(&client.stderr_text())
    );
    assert_eq!(
        first.map(|n| n.kind),
        Ok(Some(HandshakeKind::Full)),
        "{output}"
    );
    assert_eq!(
        second.map(|n| n.kind),
        Ok(Some(HandshakeKind::Resumed)),
        "{output}"
    );
    assert!(
        contains(&client.stdout(), b"This is a resumed session"),
        "{output}"
    );
}

#[test]
fn padlock_client_resumes_on_a_gnutls_ticket() {
    let Some(fx) = Fixtures::get() else { return };
    let Some((_peer, port)) = gnutls_serv(&fx.ecdsa_server, &["--priority", TLS13]) else {
        return;
    };
    let config = std::sync::Arc::new(engine::client_config(&fx.ecdsa_ca.cert));
    let (kind, _) = engine::client_session_exchange(&config, port, None);
    assert_eq!(kind, Some(HandshakeKind::Full));
    let (kind, _) = engine::client_session_exchange(&config, port, None);
    assert_eq!(kind, Some(HandshakeKind::Resumed));
}
