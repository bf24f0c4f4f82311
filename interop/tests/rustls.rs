//! padlock ↔ rustls 0.23 (aws-lc-rs provider), in process, bytes moved through memory.
//!
//! Every suite × every group × ECDSA and RSA server certificates, both directions;
//! HelloRetryRequest; KeyUpdate in both directions during 10 MB transfers (padlock's
//! `request_key_update`, rustls's `refresh_traffic_keys`). The post-quantum groups
//! (draft-ietf-tls-ecdhe-mlkem): both sides' defaults negotiate X25519MLKEM768, and
//! SecP256r1MLKEM768 and MLKEM1024 work both ways when asked for. Resumption with each
//! side's tickets, and 0-RTT data accepted both ways.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

#[path = "support/rustls_pump.rs"]
mod rustls_pump;

use padlock_interop::engine::{self, Group, Suite, GROUPS, SUITES};
use padlock_interop::matrix::Matrix;
use padlock_interop::{Fixtures, Issued, KeyType};
use padlock_tls::{Connection, HandshakeKind, NamedGroup, ServerName};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls_pump::pump;

/// A rustls provider limited to these suites and groups (all if empty).
fn rustls_provider(suites: &[Suite], groups: &[Group]) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    // Every group rustls has, so a caller can ask for the ML-KEM ones.
    p.kx_groups = rustls::crypto::aws_lc_rs::ALL_KX_GROUPS.to_vec();
    if !suites.is_empty() {
        p.cipher_suites.retain(|s| {
            suites
                .iter()
                .any(|x| x.suite.to_wire() == u16::from(s.suite()))
        });
    }
    let wanted: Vec<u16> = if groups.is_empty() {
        GROUPS.iter().map(|g| g.group.to_wire()).collect()
    } else {
        groups.iter().map(|g| g.group.to_wire()).collect()
    };
    p.kx_groups
        .retain(|g| wanted.contains(&u16::from(g.name())));
    // Keep the caller's order.
    p.kx_groups
        .sort_by_key(|g| wanted.iter().position(|w| *w == u16::from(g.name())));
    Arc::new(p)
}

fn rustls_client(ca: &Path, suites: &[Suite], groups: &[Group]) -> rustls::Connection {
    rustls_client_with(ca, rustls_provider(suites, groups))
}

fn rustls_client_with(
    ca: &Path,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> rustls::Connection {
    rustls_client_from(&Arc::new(rustls_client_config(ca, provider)))
}

fn rustls_client_config(
    ca: &Path,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A connection to "localhost" with `config`.
fn rustls_client_from(config: &Arc<rustls::ClientConfig>) -> rustls::Connection {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    rustls::ClientConnection::new(config.clone(), name)
        .unwrap()
        .into()
}

fn rustls_server(issued: &Issued, groups: &[Group]) -> rustls::Connection {
    rustls_server_with(issued, rustls_provider(&[], groups))
}

fn rustls_server_with(
    issued: &Issued,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> rustls::Connection {
    rustls_server_from(&Arc::new(rustls_server_config(issued, provider)))
}

fn rustls_server_config(
    issued: &Issued,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> rustls::ServerConfig {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&issued.chain)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&issued.key).unwrap();
    rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
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

fn padlock_client(ca: &Path, suites: &[Suite], groups: &[Group]) -> Connection {
    let mut config = engine::client_config(ca);
    if !suites.is_empty() {
        config.cipher_suites = suites.iter().map(|s| s.suite).collect();
    }
    if !groups.is_empty() {
        config.groups = groups.iter().map(|g| g.group).collect();
    }
    Connection::client(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap()
}

fn padlock_server(issued: &Issued) -> Connection {
    Connection::server(Arc::new(engine::server_config(issued))).unwrap()
}

fn rustls_suite(r: &rustls::Connection) -> Option<u16> {
    r.negotiated_cipher_suite().map(|s| u16::from(s.suite()))
}

fn rustls_group(r: &rustls::Connection) -> Option<u16> {
    r.negotiated_key_exchange_group()
        .map(|g| u16::from(g.name()))
}

/// One matrix cell, in memory: the handshake, "ping" from the client and "pong" from the
/// server (a rustls client writes its ping before the handshake, to be sent once it can),
/// and both sides agreeing on `suite` and `group`.
fn ping_pong_cell(
    mut p: Connection,
    mut r: rustls::Connection,
    suite: Suite,
    group: Group,
) -> Result<(), String> {
    let padlock_is_client = matches!(r, rustls::Connection::Server(_));
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    if padlock_is_client {
        pump(&mut p, &mut r, &mut pg, &mut rg)?;
        p.write_plaintext(b"ping").map_err(|e| e.to_string())?;
        r.writer().write_all(b"pong").map_err(|e| e.to_string())?;
    } else {
        r.writer().write_all(b"ping").map_err(|e| e.to_string())?;
        pump(&mut p, &mut r, &mut pg, &mut rg)?;
        p.write_plaintext(b"pong").map_err(|e| e.to_string())?;
    }
    pump(&mut p, &mut r, &mut pg, &mut rg)?;
    let (p_expects, r_expects): (&[u8], &[u8]) = if padlock_is_client {
        (b"pong", b"ping")
    } else {
        (b"ping", b"pong")
    };
    if pg != p_expects || rg != r_expects {
        return Err(format!("padlock read {pg:?}, rustls read {rg:?}"));
    }
    let agreed = p.cipher_suite() == Some(suite.suite)
        && p.negotiated_group() == Some(group.group)
        && rustls_suite(&r) == Some(suite.suite.to_wire())
        && rustls_group(&r) == Some(group.group.to_wire());
    if !agreed {
        return Err(format!(
            "asked for {} {}: padlock has {:?} {:?}, rustls {:?} {:?}",
            suite.iana,
            group.group,
            p.cipher_suite(),
            p.negotiated_group(),
            rustls_suite(&r),
            rustls_group(&r)
        ));
    }
    Ok(())
}

#[test]
fn padlock_client_against_rustls_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        for suite in SUITES {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.iana, group.group);
                let p = padlock_client(&ca.cert, &[suite], &[group]);
                let r = rustls_server(server, &[]);
                matrix.cell(&label, ping_pong_cell(p, r, suite, group));
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn rustls_client_against_padlock_server_every_suite_group_and_key() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        for suite in SUITES {
            for group in GROUPS {
                let label = format!("{} {} {}", key.label(), suite.iana, group.group);
                let p = padlock_server(server);
                let r = rustls_client(&ca.cert, &[suite], &[group]);
                matrix.cell(&label, ping_pong_cell(p, r, suite, group));
            }
        }
    }
    matrix.assert_all_passed();
}

#[test]
fn padlock_client_retries_when_rustls_server_accepts_only_secp384r1() {
    let Some(fx) = Fixtures::get() else { return };
    let p384 = GROUPS[2];
    assert_eq!(p384.group, NamedGroup::secp384r1);
    let mut p = padlock_client(&fx.ecdsa_ca.cert, &[], &[]);
    let mut r = rustls_server(&fx.ecdsa_server, &[p384]);
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    pump(&mut p, &mut r, &mut pg, &mut rg).unwrap();
    assert!(!p.is_handshaking());
    assert_eq!(p.negotiated_group(), Some(NamedGroup::secp384r1));
    assert_eq!(
        p.handshake_kind(),
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
}

#[test]
fn rustls_client_is_retried_by_padlock_server_accepting_only_secp384r1() {
    let Some(fx) = Fixtures::get() else { return };
    let mut config = engine::server_config(&fx.ecdsa_server);
    config.groups = vec![NamedGroup::secp384r1];
    let mut p = Connection::server(Arc::new(config)).unwrap();
    // x25519 first: rustls key-shares only its first group.
    let mut r = rustls_client(&fx.ecdsa_ca.cert, &[], &[GROUPS[0], GROUPS[2]]);
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    pump(&mut p, &mut r, &mut pg, &mut rg).unwrap();
    assert!(!p.is_handshaking());
    assert_eq!(p.negotiated_group(), Some(NamedGroup::secp384r1));
    assert_eq!(
        p.handshake_kind(),
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
    assert_eq!(
        r.handshake_kind(),
        Some(rustls::HandshakeKind::FullWithHelloRetryRequest)
    );
}

/// Sends 10 MB each way in 16 KiB writes; every MiB padlock sends a KeyUpdate asking for
/// one back, and rustls refreshes its own keys too.
fn ten_mb_with_key_updates(p: &mut Connection, r: &mut rustls::Connection) {
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    pump(p, r, &mut pg, &mut rg).unwrap();
    let chunk = vec![0x5a; 16 * 1024];
    let total = 10 * 1024 * 1024;
    let mut sent = 0;
    let mut updates = 0;
    while sent < total {
        if sent > 0 && sent % (1024 * 1024) == 0 {
            p.request_key_update(true).unwrap();
            r.refresh_traffic_keys().unwrap();
            updates += 1;
        }
        let mut off = 0;
        while off < chunk.len() {
            off += p.write_plaintext(&chunk[off..]).unwrap();
            pump(p, r, &mut pg, &mut rg).unwrap();
        }
        r.writer().write_all(&chunk).unwrap();
        pump(p, r, &mut pg, &mut rg).unwrap();
        sent += chunk.len();
        // Keep memory flat: the sinks only need their lengths and contents checked.
        assert!(pg.iter().all(|&b| b == 0x5a) && rg.iter().all(|&b| b == 0x5a));
        pg.clear();
        rg.clear();
    }
    assert_eq!(updates, 9);
    // Data still flows after all the updates.
    p.write_plaintext(b"done").unwrap();
    r.writer().write_all(b"done").unwrap();
    pump(p, r, &mut pg, &mut rg).unwrap();
    assert_eq!(pg, b"done");
    assert_eq!(rg, b"done");
}

#[test]
fn key_updates_during_10_mb_each_way_padlock_client_rustls_server() {
    let Some(fx) = Fixtures::get() else { return };
    let mut p = padlock_client(&fx.ecdsa_ca.cert, &[SUITES[0]], &[]);
    let mut r = rustls_server(&fx.ecdsa_server, &[]);
    ten_mb_with_key_updates(&mut p, &mut r);
}

#[test]
fn key_updates_during_10_mb_each_way_rustls_client_padlock_server() {
    let Some(fx) = Fixtures::get() else { return };
    let mut p = padlock_server(&fx.rsa_server);
    let mut r = rustls_client(&fx.rsa_ca.cert, &[SUITES[2]], &[]);
    ten_mb_with_key_updates(&mut p, &mut r);
}

/// The ML-KEM groups both stacks have (the OpenSSL and GnuTLS names are unused here).
const PQ_GROUPS: [Group; 3] = [
    Group {
        group: NamedGroup::X25519MLKEM768,
        openssl: "X25519MLKEM768",
        gnutls: "",
    },
    Group {
        group: NamedGroup::SecP256r1MLKEM768,
        openssl: "SecP256r1MLKEM768",
        gnutls: "",
    },
    Group {
        group: NamedGroup::MLKEM1024,
        openssl: "MLKEM1024",
        gnutls: "",
    },
];

/// rustls's own default provider: its default groups, not the ones these tests choose.
fn rustls_defaults() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Completes the handshake and checks both sides agreed on X25519MLKEM768 in one flight.
fn assert_full_handshake_on_x25519mlkem768(p: &mut Connection, r: &mut rustls::Connection) {
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    pump(p, r, &mut pg, &mut rg).unwrap();
    assert!(!p.is_handshaking());
    assert_eq!(p.negotiated_group(), Some(NamedGroup::X25519MLKEM768));
    assert_eq!(rustls_group(r), Some(0x11ec));
    assert_eq!(p.handshake_kind(), Some(HandshakeKind::Full));
}

#[test]
fn padlock_client_and_rustls_server_negotiate_x25519mlkem768_by_default() {
    let Some(fx) = Fixtures::get() else { return };
    let mut p = padlock_client(&fx.ecdsa_ca.cert, &[], &[]);
    let mut r = rustls_server_with(&fx.ecdsa_server, rustls_defaults());
    assert_full_handshake_on_x25519mlkem768(&mut p, &mut r);
}

#[test]
fn rustls_client_and_padlock_server_negotiate_x25519mlkem768_by_default() {
    let Some(fx) = Fixtures::get() else { return };
    let mut p = padlock_server(&fx.ecdsa_server);
    let mut r = rustls_client_with(&fx.ecdsa_ca.cert, rustls_defaults());
    assert_full_handshake_on_x25519mlkem768(&mut p, &mut r);
}

#[test]
fn every_ml_kem_group_works_both_ways_with_rustls() {
    let Some(fx) = Fixtures::get() else { return };
    let mut matrix = Matrix::new();
    for key in KeyType::MATRIX {
        let (server, ca) = fx.server(key);
        for group in PQ_GROUPS {
            let suite = SUITES[0];
            let label = format!("{} {} padlock client", key.label(), group.group);
            let p = padlock_client(&ca.cert, &[suite], &[group]);
            let r = rustls_server(server, &[group]);
            matrix.cell(&label, ping_pong_cell(p, r, suite, group));
            let label = format!("{} {} rustls client", key.label(), group.group);
            let p = padlock_server(server);
            let r = rustls_client(&ca.cert, &[suite], &[group]);
            matrix.cell(&label, ping_pong_cell(p, r, suite, group));
        }
    }
    matrix.assert_all_passed();
}

// ---- resumption and 0-RTT (RFC 8446 §2.2, §2.3) ----

/// The handshake and the tickets after it; `p` is padlock's side.
fn settle(p: &mut Connection, r: &mut rustls::Connection) -> Vec<u8> {
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    pump(p, r, &mut pg, &mut rg).unwrap();
    assert!(!p.is_handshaking() && !r.is_handshaking());
    pg
}

#[test]
fn rustls_client_resumes_on_padlock_tickets_with_early_data() {
    let Some(fx) = Fixtures::get() else { return };
    let mut server = engine::server_config(&fx.ecdsa_server);
    server.max_early_data_size = 16384;
    let server = Arc::new(server);
    let mut client = rustls_client_config(&fx.ecdsa_ca.cert, rustls_defaults());
    client.enable_early_data = true;
    let client = Arc::new(client);

    let mut p = Connection::server(server.clone()).unwrap();
    let mut r = rustls_client_from(&client);
    settle(&mut p, &mut r);
    assert_eq!(p.handshake_kind(), Some(HandshakeKind::Full));

    let mut p = Connection::server(server).unwrap();
    let mut r = rustls_client_from(&client);
    let rustls::Connection::Client(rc) = &mut r else {
        unreachable!()
    };
    rc.early_data()
        .expect("rustls offers 0-RTT on padlock's ticket")
        .write_all(b"GET /early")
        .unwrap();
    settle(&mut p, &mut r);
    assert_eq!(p.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(r.handshake_kind(), Some(rustls::HandshakeKind::Resumed));
    let rustls::Connection::Client(rc) = &r else {
        unreachable!()
    };
    assert!(rc.is_early_data_accepted());
    assert_eq!(
        p.early_data_status(),
        padlock_tls::EarlyDataStatus::Accepted
    );
    let mut early = [0u8; 64];
    let n = p.read_early_data(&mut early);
    assert_eq!(&early[..n], b"GET /early");
}

#[test]
fn padlock_client_resumes_on_rustls_tickets_with_early_data() {
    let Some(fx) = Fixtures::get() else { return };
    // rustls allows 0-RTT on its stateful tickets only (its default session cache).
    let mut server = rustls_server_config(&fx.ecdsa_server, rustls_defaults());
    server.max_early_data_size = 16384;
    let server = Arc::new(server);
    let mut client = engine::client_config(&fx.ecdsa_ca.cert);
    client.enable_early_data = true;
    let client = Arc::new(client);
    let localhost = || ServerName::try_from("localhost").unwrap();

    let mut p = Connection::client(client.clone(), localhost()).unwrap();
    let mut r = rustls_server_from(&server);
    settle(&mut p, &mut r);
    assert_eq!(p.handshake_kind(), Some(HandshakeKind::Full));

    let mut p = Connection::client(client, localhost()).unwrap();
    assert_eq!(p.write_early_data(b"GET /early").unwrap(), 10);
    let mut r = rustls_server_from(&server);
    settle(&mut p, &mut r);
    assert_eq!(p.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(r.handshake_kind(), Some(rustls::HandshakeKind::Resumed));
    assert_eq!(
        p.early_data_status(),
        padlock_tls::EarlyDataStatus::Accepted
    );
    let rustls::Connection::Server(rs) = &mut r else {
        unreachable!()
    };
    let mut early = Vec::new();
    rs.early_data()
        .expect("rustls accepted the early data")
        .read_to_end(&mut early)
        .unwrap();
    assert_eq!(early, b"GET /early");
}

#[test]
fn padlock_client_resends_when_rustls_refuses_its_early_data() {
    let Some(fx) = Fixtures::get() else { return };
    let mut with_0rtt = rustls_server_config(&fx.ecdsa_server, rustls_defaults());
    with_0rtt.max_early_data_size = 16384;
    let mut without = with_0rtt.clone();
    without.max_early_data_size = 0;
    let mut client = engine::client_config(&fx.ecdsa_ca.cert);
    client.enable_early_data = true;
    let client = Arc::new(client);
    let localhost = || ServerName::try_from("localhost").unwrap();

    let mut p = Connection::client(client.clone(), localhost()).unwrap();
    let mut r = rustls_server_from(&Arc::new(with_0rtt));
    settle(&mut p, &mut r);
    let mut p = Connection::client(client, localhost()).unwrap();
    p.write_early_data(b"GET /early").unwrap();
    let mut r = rustls_server_from(&Arc::new(without));
    settle(&mut p, &mut r);
    assert_eq!(p.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(
        p.early_data_status(),
        padlock_tls::EarlyDataStatus::Rejected
    );
    p.write_plaintext(b"GET /again").unwrap();
    let (mut pg, mut rg) = (Vec::new(), Vec::new());
    pump(&mut p, &mut r, &mut pg, &mut rg).unwrap();
    assert_eq!(rg, b"GET /again");
}

#[test]
fn padlock_client_resumes_on_rustls_stateless_tickets() {
    let Some(fx) = Fixtures::get() else { return };
    let mut server = rustls_server_config(&fx.ecdsa_server, rustls_defaults());
    server.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap();
    let server = Arc::new(server);
    let client = Arc::new(engine::client_config(&fx.ecdsa_ca.cert));
    let localhost = || ServerName::try_from("localhost").unwrap();
    for kind in [HandshakeKind::Full, HandshakeKind::Resumed] {
        let mut p = Connection::client(client.clone(), localhost()).unwrap();
        let mut r = rustls_server_from(&server);
        settle(&mut p, &mut r);
        assert_eq!(p.handshake_kind(), Some(kind));
    }
}

#[test]
fn padlock_client_keeps_tickets_from_a_resumption_no_longer_than_the_session_it_resumed() {
    // rustls gives the tickets of a resumed connection a fresh lifetime; padlock's client
    // keeps them only until the session it resumed expires, so it meets a full handshake
    // (the server's certificate checked again) when the first lifetime is up.
    let Some(fx) = Fixtures::get() else { return };
    let mut server = rustls_server_config(&fx.ecdsa_server, rustls_defaults());
    server.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new().unwrap();
    let server = Arc::new(server);
    let clock = engine::TestClock::new();
    let mut client = engine::client_config(&fx.ecdsa_ca.cert);
    client.time = clock.source();
    let client = Arc::new(client);
    let store = client.session_store.clone().unwrap();
    let localhost = || ServerName::try_from("localhost").unwrap();
    let connect = || {
        let mut p = Connection::client(client.clone(), localhost()).unwrap();
        let mut r = rustls_server_from(&server);
        settle(&mut p, &mut r);
        p.handshake_kind()
    };
    assert_eq!(connect(), Some(HandshakeKind::Full));
    // Ten minutes before the ticket's end (on the client's clock; rustls' is real time,
    // so to it the ticket is new).
    let expiry = engine::near_the_end_of_a_session(&*store, &localhost(), &clock, 600);
    assert_eq!(connect(), Some(HandshakeKind::Resumed));
    let renewed: Vec<_> = std::iter::from_fn(|| store.take(&localhost())).collect();
    assert!(
        !renewed.is_empty(),
        "rustls sent tickets after the resumption"
    );
    for session in renewed {
        assert_eq!(session.expires_at(), expiry);
    }
}
