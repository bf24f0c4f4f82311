//! padlock's TLS 1.2 engine ↔ OpenSSL, GnuTLS and rustls, on 127.0.0.1 or in memory.
//!
//! Every ECDHE AEAD suite × group × certificate type (ECDSA P-256, RSA-2048), both
//! directions, with each peer limited to TLS 1.2 (`s_server -tls1_2`, `s_client -tls1_2`,
//! a GnuTLS priority with only `VERS-TLS1.2`, rustls with only its `TLS12` version); then
//! version negotiation with TLS 1.3 preferred, and mutual TLS 1.2 against OpenSSL. The
//! RSA key transport suites, curl, nginx and Chromium are the tls12-rsa helper's matrix.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

#[path = "support/rustls_pump.rs"]
mod rustls_pump;

use padlock_interop::engine::{self, Group, TestServer, GROUPS};
use padlock_interop::matrix::{expect_said, Matrix};
use padlock_interop::peers::{self, arg, gnutls_cli, gnutls_serv, GET, WAIT};
use padlock_interop::{contains, Fixtures, Issued, KeyType, PeerProcess};
use padlock_tls::{CipherSuite, Connection, HandshakeKind, ProtocolVersion, ServerName};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls_pump::pump;

/// A TLS 1.2 suite with its names in the peers' configuration languages.
#[derive(Clone, Copy, Debug)]
struct Suite12 {
    suite: CipherSuite,
    /// OpenSSL's name (`-cipher`), which `s_server -www` prints.
    openssl: &'static str,
    /// GnuTLS priority-string cipher and key exchange.
    gnutls_cipher: &'static str,
    gnutls_kx: &'static str,
}

const fn s(
    suite: CipherSuite,
    openssl: &'static str,
    gnutls_cipher: &'static str,
    gnutls_kx: &'static str,
) -> Suite12 {
    Suite12 {
        suite,
        openssl,
        gnutls_cipher,
        gnutls_kx,
    }
}

const ECDSA_SUITES: [Suite12; 3] = [
    s(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "AES-128-GCM",
        "ECDHE-ECDSA",
    ),
    s(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "AES-256-GCM",
        "ECDHE-ECDSA",
    ),
    s(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "CHACHA20-POLY1305",
        "ECDHE-ECDSA",
    ),
];

const RSA_SUITES: [Suite12; 3] = [
    s(
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-RSA-AES128-GCM-SHA256",
        "AES-128-GCM",
        "ECDHE-RSA",
    ),
    s(
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-RSA-AES256-GCM-SHA384",
        "AES-256-GCM",
        "ECDHE-RSA",
    ),
    s(
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-RSA-CHACHA20-POLY1305",
        "CHACHA20-POLY1305",
        "ECDHE-RSA",
    ),
];

/// The suites a server with a `key` certificate can negotiate.
fn suites_for(key: KeyType) -> [Suite12; 3] {
    match key {
        KeyType::Rsa2048 => RSA_SUITES,
        _ => ECDSA_SUITES,
    }
}

fn tls12_only() -> Vec<ProtocolVersion> {
    vec![ProtocolVersion::TLSv1_2]
}

/// The handshake agreed on TLS 1.2, `suite` and `group`.
fn expect_tls12(n: &engine::Negotiated, suite: Suite12, group: Group) -> Result<(), String> {
    if n.version == Some(ProtocolVersion::TLSv1_2)
        && n.suite == Some(suite.suite)
        && n.group == Some(group.group)
    {
        Ok(())
    } else {
        Err(format!(
            "asked for TLS 1.2 {} {}, negotiated {n:?}",
            suite.openssl, group.group
        ))
    }
}

/// `group` first, then P-256: OpenSSL, as RFC 4492 §5.1 had it, accepts an ECDSA P-256
/// certificate in TLS 1.2 only from a peer that lists P-256 among its groups.
fn groups_for_ecdsa_peer(group: Group) -> Vec<padlock_tls::NamedGroup> {
    let mut groups = vec![group.group];
    if group.group != padlock_tls::NamedGroup::secp256r1 {
        groups.push(padlock_tls::NamedGroup::secp256r1);
    }
    groups
}

/// A padlock server presenting `issued` that prefers `group` (the client also lists P-256:
/// see [`groups_for_ecdsa_peer`]).
fn server_preferring(issued: &Issued, group: Group) -> padlock_tls::ServerConfig {
    let mut config = engine::server_config(issued);
    config.groups = groups_for_ecdsa_peer(group);
    config
}

/// The same for OpenSSL's `-groups`.
fn openssl_groups(group: Group) -> String {
    if group.group == padlock_tls::NamedGroup::secp256r1 {
        group.openssl.to_string()
    } else {
        format!("{}:P-256", group.openssl)
    }
}

/// A padlock client (TLS 1.3 and 1.2, as by default, but only `suite` and `group`) against
/// a TLS 1.2 peer server on `port`, whose answer must say `banner`.
fn padlock_client_cell(
    ca: &Path,
    port: u16,
    suite: Suite12,
    group: Group,
    banner: &str,
) -> Result<(), String> {
    let mut config = engine::client_config(ca);
    config.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256, suite.suite];
    config.groups = groups_for_ecdsa_peer(group);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024)?;
    expect_tls12(&out.negotiated, suite, group)?;
    expect_said(&out.response, banner)
}

/// A TLS 1.2 peer client against a padlock server (TLS 1.3 and 1.2): the server's next
/// handshake agreed on TLS 1.2, `suite` and `group`, and the peer printed its banner.
fn padlock_server_cell(
    server: &TestServer,
    client: &PeerProcess,
    suite: Suite12,
    group: Group,
) -> Result<(), String> {
    let banner = format!("suite={} group={}", suite.suite, group.group);
    server
        .next(WAIT)
        .and_then(|n| {
            expect_tls12(&n, suite, group)?;
            expect_said(&client.stdout(), &banner)
        })
        .map_err(|e| format!("{e}\n{}", client.output_text()))
}

// ---- OpenSSL ----

/// `openssl s_server -tls1_2` (see [`peers::openssl_server`]).
fn s_server(fx: &Fixtures, server: &Issued, extra: &[&str]) -> (PeerProcess, u16) {
    peers::openssl_server(fx, server, "-tls1_2", extra)
}

/// `openssl s_client -tls1_2` (see [`peers::openssl_client`]).
fn s_client(fx: &Fixtures, port: u16, extra: &[&str]) -> PeerProcess {
    peers::openssl_client(fx, port, "-tls1_2", extra)
}

#[test]
fn padlock_client_against_openssl_tls12_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        let (_peer, port) = s_server(fx, server, &["-www"]);
        for suite in suites_for(key) {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.openssl, group.openssl);
                // s_server -www prints "New, TLSv1.2, Cipher is <suite>".
                let banner = format!("TLSv1.2, Cipher is {}", suite.openssl);
                matrix.cell(
                    &label,
                    padlock_client_cell(&ca.cert, port, suite, group, &banner),
                );
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn openssl_tls12_client_against_padlock_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server_cert, ca) = fx.server(key);
        for group in GROUPS {
            let server = TestServer::start(server_preferring(server_cert, group), 3, 4096);
            for suite in suites_for(key) {
                let label = format!("{} {} {}", key.label(), suite.openssl, group.openssl);
                let client = s_client(
                    fx,
                    server.port,
                    &[
                        "-cipher",
                        suite.openssl,
                        "-groups",
                        &openssl_groups(group),
                        "-servername",
                        "localhost",
                        "-verify_hostname",
                        "localhost",
                        "-verify_return_error",
                        "-CAfile",
                        &arg(&ca.cert),
                    ],
                );
                matrix.cell(&label, padlock_server_cell(&server, &client, suite, group));
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn padlock_client_with_default_config_settles_on_tls12_with_a_tls12_server() {
    let Some(fx) = Fixtures::get() else { return };
    let (_peer, port) = s_server(fx, &fx.rsa_server, &["-www"]);
    let config = engine::client_config(&fx.rsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.version, Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        out.negotiated.suite,
        Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
    );
    assert!(contains(&out.response, b"TLSv1.2"));
}

#[test]
fn padlock_client_limited_to_tls13_refuses_a_tls12_server() {
    let Some(fx) = Fixtures::get() else { return };
    let (_peer, port) = s_server(fx, &fx.ecdsa_server, &["-www"]);
    let mut config = engine::client_config(&fx.ecdsa_ca.cert);
    config.versions = vec![ProtocolVersion::TLSv1_3];
    let err = engine::client_exchange(config, "localhost", port, GET, 1024).unwrap_err();
    assert!(err.contains("protocol_version"), "{err}");
}

#[test]
fn openssl_server_requires_a_tls12_client_certificate_from_padlock() {
    let Some(fx) = Fixtures::get() else { return };
    let (_peer, port) = s_server(
        fx,
        &fx.ecdsa_server,
        &[
            "-www",
            "-Verify",
            "1",
            "-verify_return_error",
            "-CAfile",
            &arg(&fx.ecdsa_ca.cert),
        ],
    );
    engine::check_peer_requires_client_cert(fx, port, GET, b"TLSv1.2");
}

#[test]
fn padlock_tls12_server_requires_a_client_certificate_from_openssl() {
    let Some(fx) = Fixtures::get() else { return };
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.client_auth = engine::require_client_cert(&fx.ecdsa_ca.cert);
    let server = TestServer::start(config, 3, 16);
    let ca = arg(&fx.ecdsa_ca.cert);
    let (cert, key) = (arg(&fx.client.chain), arg(&fx.client.key));
    let client = s_client(
        fx,
        server.port,
        &["-CAfile", &ca, "-cert", &cert, "-key", &key],
    );
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("good cert refused: {e}\n{}", client.output_text()));
    assert_eq!(n.version, Some(ProtocolVersion::TLSv1_2));
    assert!(n.peer_certs >= 1, "{n:?}");
    assert!(contains(&client.stdout(), b"padlock-server"));

    let client = s_client(fx, server.port, &["-CAfile", &ca]);
    assert!(server.next(WAIT).is_err(), "accepted without a certificate");
    assert!(!contains(&client.stdout(), b"padlock-server"));

    let (cert, key) = (arg(&fx.other_client.chain), arg(&fx.other_client.key));
    let client = s_client(
        fx,
        server.port,
        &["-CAfile", &ca, "-cert", &cert, "-key", &key],
    );
    assert!(
        server.next(WAIT).is_err(),
        "accepted another CA's certificate"
    );
    assert!(!contains(&client.stdout(), b"padlock-server"));
}

#[test]
fn openssl_client_offering_only_cbc_suites_is_refused_by_name() {
    let Some(fx) = Fixtures::get() else { return };
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let client = s_client(
        fx,
        server.port,
        &[
            "-cipher",
            "ECDHE-ECDSA-AES128-SHA",
            "-CAfile",
            &arg(&fx.ecdsa_ca.cert),
        ],
    );
    let err = server.next(WAIT).unwrap_err();
    assert!(err.contains("CBC"), "{err}");
    assert!(!contains(&client.stdout(), b"padlock-server"));
}

#[test]
fn openssl_client_with_fallback_scsv_is_refused_as_inappropriate_fallback() {
    let Some(fx) = Fixtures::get() else { return };
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let client = s_client(
        fx,
        server.port,
        &["-fallback_scsv", "-CAfile", &arg(&fx.ecdsa_ca.cert)],
    );
    let err = server.next(WAIT).unwrap_err();
    assert!(err.contains("TLS_FALLBACK_SCSV"), "{err}");
    assert!(
        client.output_text().contains("inappropriate fallback"),
        "{}",
        client.output_text()
    );
}

// ---- GnuTLS ----

/// A GnuTLS priority string for TLS 1.2 with exactly this suite and group
/// (and P-256 after it: see [`groups_for_ecdsa_peer`]).
fn gnutls_priority(suite: Suite12, group: Group) -> String {
    format!(
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+{}:-KX-ALL:+{}:-GROUP-ALL:+{}:+GROUP-SECP256R1",
        suite.gnutls_cipher, suite.gnutls_kx, group.gnutls
    )
}

#[test]
fn padlock_client_against_gnutls_tls12_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    let all = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        let Some((_peer, port)) = gnutls_serv(server, &["--priority", all]) else {
            return;
        };
        for suite in suites_for(key) {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.openssl, group.gnutls);
                // gnutls-serv --http names the version on its page.
                matrix.cell(
                    &label,
                    padlock_client_cell(&ca.cert, port, suite, group, "TLS1.2"),
                );
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn gnutls_tls12_client_against_padlock_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server_cert, ca) = fx.server(key);
        for group in GROUPS {
            let server = TestServer::start(server_preferring(server_cert, group), 3, 4096);
            for suite in suites_for(key) {
                let label = format!("{} {} {}", key.label(), suite.openssl, group.gnutls);
                let Some(client) = gnutls_cli(
                    server.port,
                    &ca.cert,
                    &["--priority", &gnutls_priority(suite, group)],
                ) else {
                    return;
                };
                matrix.cell(&label, padlock_server_cell(&server, &client, suite, group));
            }
        }
    }
    matrix.assert_all_passed();
}

// ---- rustls (in process, its TLS 1.2 support) ----

fn rustls_provider(suite: Suite12, group: Group) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    p.cipher_suites
        .retain(|s| u16::from(s.suite()) == suite.suite.to_wire());
    // `group` first, then P-256 (see `groups_for_ecdsa_peer`).
    let wanted: Vec<u16> = groups_for_ecdsa_peer(group)
        .iter()
        .map(|g| g.to_wire())
        .collect();
    p.kx_groups
        .retain(|g| wanted.contains(&u16::from(g.name())));
    p.kx_groups
        .sort_by_key(|g| wanted.iter().position(|w| *w == u16::from(g.name())));
    Arc::new(p)
}

fn rustls_client(ca: &Path, suite: Suite12, group: Group) -> rustls::Connection {
    rustls_client_from(&Arc::new(rustls_client_config(ca, suite, group)))
}

fn rustls_client_config(ca: &Path, suite: Suite12, group: Group) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    rustls::ClientConfig::builder_with_provider(rustls_provider(suite, group))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn rustls_client_from(config: &Arc<rustls::ClientConfig>) -> rustls::Connection {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    rustls::ClientConnection::new(config.clone(), name)
        .unwrap()
        .into()
}

fn rustls_server(issued: &Issued, suite: Suite12, group: Group) -> rustls::Connection {
    rustls_server_from(&Arc::new(rustls_server_config(issued, suite, group)))
}

fn rustls_server_config(issued: &Issued, suite: Suite12, group: Group) -> rustls::ServerConfig {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&issued.chain)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&issued.key).unwrap();
    rustls::ServerConfig::builder_with_provider(rustls_provider(suite, group))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap()
}

fn rustls_server_from(config: &Arc<rustls::ServerConfig>) -> rustls::Connection {
    rustls::ServerConnection::new(config.clone())
        .unwrap()
        .into()
}

fn rustls_cell(
    mut p: Connection,
    mut r: rustls::Connection,
    suite: Suite12,
    group: Group,
) -> Result<(), String> {
    p.write_plaintext(b"from padlock")
        .map_err(|e| e.to_string())?;
    r.writer()
        .write_all(b"from rustls")
        .map_err(|e| e.to_string())?;
    let (mut p_got, mut r_got) = (Vec::new(), Vec::new());
    pump(&mut p, &mut r, &mut p_got, &mut r_got)?;
    if p_got != b"from rustls" || r_got != b"from padlock" {
        return Err(format!("data: {p_got:?} / {r_got:?}"));
    }
    if r.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_2) {
        return Err(format!("rustls says {:?}", r.protocol_version()));
    }
    // RFC 5705: both sides export the same keying material.
    let mut ours = [0u8; 32];
    p.export_keying_material(&mut ours, b"EXPORTER-padlock", Some(b"ctx"))
        .map_err(|e| e.to_string())?;
    let theirs = match &r {
        rustls::Connection::Client(c) => {
            c.export_keying_material([0u8; 32], b"EXPORTER-padlock", Some(b"ctx"))
        }
        rustls::Connection::Server(s) => {
            s.export_keying_material([0u8; 32], b"EXPORTER-padlock", Some(b"ctx"))
        }
    }
    .map_err(|e| e.to_string())?;
    if ours != theirs {
        return Err("exported keying material differs".into());
    }
    expect_tls12(&engine::Negotiated::of(&p), suite, group)
}

#[test]
fn padlock_and_rustls_tls12_both_ways_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        for suite in suites_for(key) {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.openssl, group.openssl);
                let mut config = engine::client_config(&ca.cert);
                config.versions = tls12_only();
                config.groups = groups_for_ecdsa_peer(group);
                let p = Connection::client(
                    Arc::new(config),
                    ServerName::try_from("localhost").unwrap(),
                )
                .unwrap();
                let r = rustls_server(server, suite, group);
                matrix.cell(
                    &format!("padlock→rustls {label}"),
                    rustls_cell(p, r, suite, group),
                );

                let p = Connection::server(Arc::new(server_preferring(server, group))).unwrap();
                let r = rustls_client(&ca.cert, suite, group);
                matrix.cell(
                    &format!("rustls→padlock {label}"),
                    rustls_cell(p, r, suite, group),
                );
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn rsa_pkcs1_signatures_work_both_ways_in_tls12() {
    // RFC 5246 §7.4.1.4.1: PKCS#1 v1.5 is a TLS 1.2 signature scheme (never TLS 1.3's).
    let Some(fx) = Fixtures::get() else { return };
    let (_peer, port) = s_server(fx, &fx.rsa_server, &["-www", "-sigalgs", "RSA+SHA256"]);
    let config = engine::client_config(&fx.rsa_ca.cert);
    let out = engine::client_exchange(config, "localhost", port, GET, 64 * 1024).unwrap();
    assert_eq!(out.negotiated.version, Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        out.negotiated.scheme,
        Some(padlock_tls::SignatureScheme::rsa_pkcs1_sha256)
    );

    let server = TestServer::start(engine::server_config(&fx.rsa_server), 1, 16);
    let client = s_client(
        fx,
        server.port,
        &["-sigalgs", "RSA+SHA256", "-CAfile", &arg(&fx.rsa_ca.cert)],
    );
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.version, Some(ProtocolVersion::TLSv1_2));
    assert!(
        client.output_text().contains("Peer signature type: RSA\n")
            || client.output_text().contains("Peer signature type: RSA "),
        "{}",
        client.output_text()
    );
}

#[test]
fn a_gnutls_client_without_the_extended_master_secret_and_the_require_switch() {
    // GnuTLS's %NO_SESSION_HASH turns RFC 7627 off: the classic master secret (RFC 5246
    // §8.1) must then agree, unless our configuration requires EMS.
    let Some(fx) = Fixtures::get() else { return };
    let no_ems = "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH";
    let server = TestServer::start(engine::server_config(&fx.ecdsa_server), 1, 16);
    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &["--priority", no_ems]) else {
        return;
    };
    let n = server
        .next(WAIT)
        .unwrap_or_else(|e| panic!("{e}\n{}", client.output_text()));
    assert_eq!(n.version, Some(ProtocolVersion::TLSv1_2));
    assert!(contains(&client.stdout(), b"padlock-server"));

    let mut config = engine::server_config(&fx.ecdsa_server);
    config.require_extended_master_secret = true;
    let server = TestServer::start(config, 1, 16);
    let Some(client) = gnutls_cli(server.port, &fx.ecdsa_ca.cert, &["--priority", no_ems]) else {
        return;
    };
    let err = server.next(WAIT).unwrap_err();
    assert!(err.contains("Extended Master Secret"), "{err}");
    assert!(!contains(&client.stdout(), b"padlock-server"));
}

// ---- TLS 1.2 resumption with rustls (RFC 5077 tickets, session ids), both ways ----

/// Two connections through `connect`, each pumped to the end of its handshake; the
/// handshake kinds both sides report for each.
fn twice(
    mut connect: impl FnMut() -> (Connection, rustls::Connection),
) -> Vec<(Option<HandshakeKind>, Option<rustls::HandshakeKind>)> {
    (0..2).map(|_| once(connect())).collect()
}

/// One connection, pumped to the end of its handshake and a "ping" from padlock: the
/// handshake kinds both sides report.
fn once(
    (mut p, mut r): (Connection, rustls::Connection),
) -> (Option<HandshakeKind>, Option<rustls::HandshakeKind>) {
    p.write_plaintext(b"ping").unwrap();
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    pump(&mut p, &mut r, &mut pg, &mut rg).unwrap();
    assert_eq!(rg, b"ping");
    assert_eq!(r.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_2));
    (p.handshake_kind(), r.handshake_kind())
}

const FULL_THEN_RESUMED: [(Option<HandshakeKind>, Option<rustls::HandshakeKind>); 2] = [
    (Some(HandshakeKind::Full), Some(rustls::HandshakeKind::Full)),
    (
        Some(HandshakeKind::Resumed),
        Some(rustls::HandshakeKind::Resumed),
    ),
];

#[test]
fn rustls_tls12_client_resumes_on_padlock_tickets_and_session_ids() {
    let Some(fx) = Fixtures::get() else { return };
    let suite = suites_for(KeyType::P256)[0];
    let group = GROUPS[0];
    for session_id_only in [false, true] {
        let server = Arc::new(engine::server_config(&fx.ecdsa_server));
        let mut client = rustls_client_config(&fx.ecdsa_ca.cert, suite, group);
        if session_id_only {
            client.resumption = rustls::client::Resumption::default()
                .tls12_resumption(rustls::client::Tls12Resumption::SessionIdOnly);
        }
        let client = Arc::new(client);
        let kinds = twice(|| {
            (
                Connection::server(server.clone()).unwrap(),
                rustls_client_from(&client),
            )
        });
        assert_eq!(
            kinds, FULL_THEN_RESUMED,
            "session ids only: {session_id_only}"
        );
    }
}

#[test]
fn padlock_tls12_client_resumes_on_rustls_tickets_and_session_ids() {
    let Some(fx) = Fixtures::get() else { return };
    let suite = suites_for(KeyType::P256)[0];
    let group = GROUPS[0];
    for tickets in [true, false] {
        let mut server = rustls_server_config(&fx.ecdsa_server, suite, group);
        if tickets {
            server.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap();
        }
        let server = Arc::new(server);
        let mut client = engine::client_config(&fx.ecdsa_ca.cert);
        client.versions = tls12_only();
        let client = Arc::new(client);
        let kinds = twice(|| {
            (
                Connection::client(client.clone(), ServerName::try_from("localhost").unwrap())
                    .unwrap(),
                rustls_server_from(&server),
            )
        });
        assert_eq!(kinds, FULL_THEN_RESUMED, "tickets: {tickets}");
    }
}

#[test]
fn padlock_tls12_client_keeps_a_renewed_ticket_no_longer_than_the_session_it_renews() {
    // rustls renews a resumed TLS 1.2 session's ticket with a fresh lifetime hint; padlock's
    // client keeps it only until the session it renewed expires, so it meets a full
    // handshake (the server's certificate checked again) once the first lifetime is up.
    let Some(fx) = Fixtures::get() else { return };
    let suite = suites_for(KeyType::P256)[0];
    let mut server = rustls_server_config(&fx.ecdsa_server, suite, GROUPS[0]);
    server.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap();
    let server = Arc::new(server);
    let clock = engine::TestClock::new();
    let mut client = engine::client_config(&fx.ecdsa_ca.cert);
    client.versions = tls12_only();
    client.time = clock.source();
    let client = Arc::new(client);
    let store = client.session_store.clone().unwrap();
    let localhost = || ServerName::try_from("localhost").unwrap();
    let connect = || {
        let client = Connection::client(client.clone(), localhost()).unwrap();
        once((client, rustls_server_from(&server))).0
    };
    assert_eq!(connect(), Some(HandshakeKind::Full));
    // Ten minutes before the ticket's end on the client's clock (rustls' is real time).
    let expiry = engine::near_the_end_of_a_session(&*store, &localhost(), &clock, 600);
    assert_eq!(connect(), Some(HandshakeKind::Resumed));
    let renewed = store
        .take(&localhost())
        .expect("the session kept after resuming");
    assert_eq!(renewed.expires_at(), expiry);
}
