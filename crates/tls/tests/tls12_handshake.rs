//! In-memory TLS 1.2 handshakes, padlock client ↔ padlock server: every ECDHE suite ×
//! group × certificate type (ECDSA P-256, RSA-2048), version negotiation with TLS 1.3
//! preferred, mutual TLS, ALPN, key logs, close_notify, and renegotiation refused.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use padlock_tls::{
    AlertDescription, CipherSuite, ClientAuth, Connection, Error, HandshakeKind, NamedGroup,
    ProtocolVersion,
};

const ECDSA_SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
];
const RSA_SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];
const GROUPS: [NamedGroup; 3] = [
    NamedGroup::x25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
];

fn tls12_only() -> Vec<ProtocolVersion> {
    vec![ProtocolVersion::TLSv1_2]
}

#[test]
fn every_ecdhe_suite_group_and_certificate_type_completes_and_carries_data() {
    for (kind, suites) in [
        (KeyType::P256, ECDSA_SUITES),
        (KeyType::Rsa2048, RSA_SUITES),
    ] {
        for suite in suites {
            for group in GROUPS {
                // The server picks `group`; the client also lists P-256, which RFC 8422
                // §5.3 needs for the P-256 certificate.
                let mut config = server_config(kind);
                config.groups = vec![group];
                let mut client_config = insecure_client_config();
                client_config.versions = tls12_only();
                client_config.cipher_suites = vec![suite];
                client_config.groups = vec![group, NamedGroup::secp256r1];
                let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
                let mut server = Connection::server(Arc::new(config)).unwrap();
                handshake(&mut client, &mut server);
                let what = format!("{kind:?} {suite} {group}");
                assert_eq!(
                    client.protocol_version(),
                    Some(ProtocolVersion::TLSv1_2),
                    "{what}"
                );
                assert_eq!(
                    server.protocol_version(),
                    Some(ProtocolVersion::TLSv1_2),
                    "{what}"
                );
                assert_eq!(client.cipher_suite(), Some(suite), "{what}");
                assert_eq!(server.cipher_suite(), Some(suite), "{what}");
                assert_eq!(client.negotiated_group(), Some(group), "{what}");
                assert_eq!(server.negotiated_group(), Some(group), "{what}");
                assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
                let data = vec![0x5a; 40_000];
                assert_eq!(send(&mut client, &mut server, &data), data, "{what}");
                assert_eq!(send(&mut server, &mut client, b"pong"), b"pong", "{what}");
            }
        }
    }
}

#[test]
fn tls13_is_preferred_when_both_sides_speak_both() {
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::P256))).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_3));
}

#[test]
fn a_tls13_and_tls12_client_meets_a_tls12_only_server() {
    let client_config = insecure_client_config();
    let mut config = server_config(KeyType::P256);
    config.versions = tls12_only();
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        client.cipher_suite(),
        Some(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    );
    // The client offers X25519MLKEM768 first; TLS 1.2 takes the first classical group.
    assert_eq!(client.negotiated_group(), Some(NamedGroup::x25519));
    assert_eq!(send(&mut client, &mut server, b"hi"), b"hi");
}

#[test]
fn a_server_enabling_both_versions_but_only_tls12_suites_speaks_tls12() {
    for (kind, suites) in [
        (KeyType::P256, ECDSA_SUITES),
        (KeyType::Rsa2048, RSA_SUITES),
    ] {
        let mut config = server_config(kind);
        assert!(config.versions.contains(&ProtocolVersion::TLSv1_3));
        config.cipher_suites = suites.to_vec();
        let mut client =
            Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
        let mut server = Connection::server(Arc::new(config)).unwrap();
        handshake(&mut client, &mut server);
        assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_2));
        assert_eq!(server.cipher_suite(), Some(suites[0]), "{kind:?}");
        assert_eq!(send(&mut client, &mut server, b"hi"), b"hi");
    }
}

#[test]
fn a_tls12_only_client_meets_a_tls13_and_tls12_server() {
    let mut client_config = insecure_client_config();
    client_config.versions = tls12_only();
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::Rsa2048))).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(server.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        server.cipher_suite(),
        Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
    );
}

#[test]
fn a_client_offering_tls13_refuses_a_server_marked_as_downgraded() {
    // A padlock server forced to TLS 1.2 by what it receives still speaks TLS 1.3, so its
    // ServerHello.random carries the sentinel; a client whose TLS 1.3 offer was stripped
    // notices (RFC 8446 §4.1.3). Here the "attacker" is a client config that offers only
    // TLS 1.2 to the server, and a second client that offered TLS 1.3 reads the answer.
    let mut stripped = insecure_client_config();
    stripped.versions = tls12_only();
    let mut victim = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut attacker = Connection::client(Arc::new(stripped), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::P256))).unwrap();
    // The server answers the attacker's (TLS 1.2-only) hello…
    assert!(transfer(&mut attacker, &mut server).is_ok());
    // …and the victim, which offered TLS 1.3, reads that ServerHello.
    let err = deliver(&mut server, &mut victim);
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::DowngradeMarkerPresent.into()
    );
    assert!(victim.error().is_some());
}

#[test]
fn mutual_tls12_with_ecdsa_and_rsa_client_certificates() {
    for kind in [KeyType::P256, KeyType::Rsa2048] {
        let mut config = server_config(KeyType::P256);
        config.client_auth = ClientAuth::Required(Arc::new(AcceptAnyClient));
        config.versions = tls12_only();
        let mut client_config = insecure_client_config();
        client_config.set_client_certificate(certified_key(kind, &["client"], true));
        let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
        let mut server = Connection::server(Arc::new(config)).unwrap();
        handshake(&mut client, &mut server);
        assert_eq!(server.protocol_version(), Some(ProtocolVersion::TLSv1_2));
        assert!(server.peer_certificates().is_some(), "{kind:?}");
        assert!(server.signature_scheme().is_some());
        assert_eq!(send(&mut client, &mut server, b"who"), b"who");
    }
}

#[test]
fn a_tls12_server_requiring_a_certificate_refuses_a_client_without_one() {
    let mut config = server_config(KeyType::P256);
    config.client_auth = ClientAuth::Required(Arc::new(AcceptAnyClient));
    config.versions = tls12_only();
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    let (side, err) = pump(&mut client, &mut server).unwrap_err();
    assert!(matches!(side, Side::Server), "{err}");
    assert_eq!(
        err,
        padlock_tls::PeerIncompatible::ClientCertificateRequired.into()
    );
    assert_eq!(
        deliver(&mut server, &mut client),
        Error::AlertReceived(AlertDescription::HandshakeFailure)
    );
}

#[test]
fn alpn_is_negotiated_in_the_server_hello() {
    let mut config = server_config(KeyType::P256);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config.versions = tls12_only();
    let mut client_config = insecure_client_config();
    client_config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(client.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(server.alpn_protocol(), Some(&b"http/1.1"[..]));
}

/// One key log line: label, client random, secret.
type Line = (String, Vec<u8>, Vec<u8>);

#[derive(Default)]
struct Lines(Mutex<Vec<Line>>);

impl padlock_tls::KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.into(), client_random.to_vec(), secret.to_vec()));
    }
}

#[test]
fn both_sides_log_the_same_client_random_line() {
    let (client_log, server_log) = (Arc::new(Lines::default()), Arc::new(Lines::default()));
    let mut config = server_config(KeyType::P256);
    config.versions = tls12_only();
    config.key_log = Some(server_log.clone());
    let mut client_config = insecure_client_config();
    client_config.key_log = Some(client_log.clone());
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    let c = client_log.0.lock().unwrap().clone();
    let s = server_log.0.lock().unwrap().clone();
    assert_eq!(c.len(), 1);
    assert_eq!(c, s);
    assert_eq!(c[0].0, "CLIENT_RANDOM");
    assert_eq!(c[0].2.len(), 48);
}

#[test]
fn close_notify_ends_the_stream_cleanly() {
    let mut config = server_config(KeyType::P256);
    config.versions = tls12_only();
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    client.send_close_notify();
    transfer(&mut client, &mut server).unwrap();
    let state = server.process_new_packets().unwrap();
    assert!(state.peer_has_closed);
}

#[test]
fn data_written_before_the_handshake_waits_for_it() {
    let mut config = server_config(KeyType::P256);
    config.versions = tls12_only();
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    client.write_plaintext(b"early").unwrap();
    server.write_plaintext(b"early too").unwrap();
    handshake(&mut client, &mut server);
    // Both arrive once the handshake completes.
    assert_eq!(send(&mut client, &mut server, b"!"), b"early!");
    assert_eq!(send(&mut server, &mut client, b"!"), b"early too!");
}

#[test]
fn both_sides_export_the_same_keying_material_and_no_key_update() {
    let mut config = server_config(KeyType::P256);
    config.versions = tls12_only();
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    let (mut a, mut b, mut c) = ([0u8; 40], [0u8; 40], [0u8; 40]);
    client
        .export_keying_material(&mut a, b"EXPORTER-test", Some(b"ctx"))
        .unwrap();
    server
        .export_keying_material(&mut b, b"EXPORTER-test", Some(b"ctx"))
        .unwrap();
    server
        .export_keying_material(&mut c, b"EXPORTER-test", None)
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(b, c, "RFC 5705 §4: no context differs from an empty one");
    assert_eq!(
        client.request_key_update(false),
        Err(padlock_tls::ApiMisuse::NoKeyUpdateInTls12.into())
    );
    assert_eq!(send(&mut client, &mut server, b"still"), b"still");
}

#[test]
fn ems_is_negotiated_and_can_be_required() {
    let mut config = server_config(KeyType::P256);
    config.versions = tls12_only();
    config.require_extended_master_secret = true;
    let mut client_config = insecure_client_config();
    client_config.require_extended_master_secret = true;
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(send(&mut client, &mut server, b"ems"), b"ems");
}

/// Every trace event, as its `Debug` text.
#[derive(Default)]
struct Events(Mutex<Vec<String>>);

impl padlock_tls::Trace for Events {
    fn event(&self, event: &padlock_tls::TraceEvent<'_>) {
        self.0.lock().unwrap().push(format!("{event:?}"));
    }
}

#[test]
fn the_trace_tells_the_tls12_handshake_step_by_step() {
    let (client_events, server_events) = (Arc::new(Events::default()), Arc::new(Events::default()));
    let mut config = server_config(KeyType::P256);
    config.versions = tls12_only();
    config.trace = Some(server_events.clone());
    let mut client_config = insecure_client_config();
    client_config.trace = Some(client_events.clone());
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    let text = |events: &Events| events.0.lock().unwrap().join("\n");
    let (client, server) = (text(&client_events), text(&server_events));
    for (events, needles) in [
        (
            &client,
            [
                "Negotiated { version: TLSv1_2",
                "Received, name: \"server_key_exchange\"",
                "SignatureCheck { scheme: ecdsa_secp256r1_sha256, ok: true }",
                "Sent, name: \"ChangeCipherSpec\"",
                "Received, name: \"ChangeCipherSpec\"",
            ],
        ),
        (
            &server,
            [
                "Negotiated { version: TLSv1_2",
                "Sent, name: \"ServerKeyExchange\"",
                "Received, name: \"client_key_exchange\"",
                "Sent, name: \"ChangeCipherSpec\"",
                "Received, name: \"ChangeCipherSpec\"",
            ],
        ),
    ] {
        for needle in needles.iter().chain(&["phase: Tls12", "HandshakeComplete"]) {
            assert!(events.contains(needle), "{needle} missing from:\n{events}");
        }
    }
}

#[test]
fn a_server_with_ecdsa_and_rsa_certificates_presents_the_one_the_suites_need() {
    let mut resolver = padlock_tls::SniResolver::new();
    resolver.add("localhost", server_key(KeyType::P256));
    resolver.add("localhost", server_key(KeyType::Rsa2048));
    let mut config = server_config(KeyType::P256);
    config.cert_resolver = Arc::new(resolver);
    let config = Arc::new(config);
    for (suite, key) in [
        (
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            server_key(KeyType::Rsa2048),
        ),
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            server_key(KeyType::P256),
        ),
    ] {
        let mut client_config = insecure_client_config();
        client_config.versions = tls12_only();
        client_config.cipher_suites = vec![suite];
        let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
        let mut server = Connection::server(config.clone()).unwrap();
        handshake(&mut client, &mut server);
        assert_eq!(client.cipher_suite(), Some(suite));
        let chain = client.peer_certificates().unwrap();
        assert!(chain.iter().eq(key.chain.iter().map(Vec::as_slice)));
    }
}

#[test]
fn a_client_without_the_ecdsa_curve_gets_the_rsa_certificate() {
    // RFC 8422 §5.3: without P-256 in its groups the client cannot take the P-256 key.
    let mut resolver = padlock_tls::SniResolver::new();
    resolver.add("localhost", server_key(KeyType::P256));
    resolver.add("localhost", server_key(KeyType::Rsa2048));
    let mut config = server_config(KeyType::P256);
    config.cert_resolver = Arc::new(resolver);
    let mut client_config = insecure_client_config();
    client_config.versions = tls12_only();
    client_config.groups = vec![NamedGroup::x25519];
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(
        client.cipher_suite(),
        Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
    );
}

#[test]
fn an_acceptor_hands_a_tls12_client_hello_to_its_chosen_config() {
    let mut client_config = insecure_client_config();
    client_config.versions = tls12_only();
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut acceptor = padlock_tls::Acceptor::new();
    let hello = client.pending_tls().to_vec();
    client.consume_tls(hello.len());
    assert_eq!(acceptor.read_tls(&hello), hello.len());
    let accepted = acceptor.accepted().unwrap().expect("a whole ClientHello");
    assert_eq!(accepted.client_hello().supported_versions().count(), 0);
    let mut server = accepted
        .accept(Arc::new(server_config(KeyType::Rsa2048)))
        .unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(server.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        send(&mut client, &mut server, b"via acceptor"),
        b"via acceptor"
    );
}
