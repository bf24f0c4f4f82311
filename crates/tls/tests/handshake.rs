//! In-memory client ↔ server handshakes over every suite × group × certificate type.

mod common;

use std::sync::Arc;

use common::*;
use padlock_tls::{CipherSuite, Connection, HandshakeKind, NamedGroup, ProtocolVersion};

const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
];
const GROUPS: [NamedGroup; 6] = [
    NamedGroup::x25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
    NamedGroup::X25519MLKEM768,
    NamedGroup::SecP256r1MLKEM768,
    NamedGroup::MLKEM1024,
];

#[test]
fn completes_a_handshake_and_exchanges_data() {
    let server_config = Arc::new(server_config(KeyType::P256));
    let client_config = Arc::new(insecure_client_config());
    let mut client = Connection::client(client_config, localhost()).unwrap();
    let mut server = Connection::server(server_config).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    assert_eq!(
        client.cipher_suite(),
        Some(CipherSuite::TLS_AES_128_GCM_SHA256)
    );
    assert_eq!(server.cipher_suite(), client.cipher_suite());
    // The default: the post-quantum hybrid (draft-ietf-tls-ecdhe-mlkem).
    assert_eq!(client.negotiated_group(), Some(NamedGroup::X25519MLKEM768));
    assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(server.server_name(), Some("localhost"));
    assert!(client.peer_certificates().is_some());
    assert_eq!(
        send(&mut client, &mut server, b"hello server"),
        b"hello server"
    );
    assert_eq!(
        send(&mut server, &mut client, b"hello client"),
        b"hello client"
    );

    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    client
        .export_keying_material(&mut a, b"EXPORTER-test", Some(b"ctx"))
        .unwrap();
    server
        .export_keying_material(&mut b, b"EXPORTER-test", Some(b"ctx"))
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn every_suite_group_and_key_type_interoperates() {
    for kind in ALL_KEY_TYPES {
        let server_config = Arc::new(server_config(kind));
        for suite in SUITES {
            for group in GROUPS {
                let mut client_config = insecure_client_config();
                client_config.cipher_suites = vec![suite];
                client_config.groups = vec![group];
                let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
                let mut server = Connection::server(server_config.clone()).unwrap();
                handshake(&mut client, &mut server);
                assert_eq!(
                    client.cipher_suite(),
                    Some(suite),
                    "{kind:?} {suite} {group}"
                );
                assert_eq!(server.negotiated_group(), Some(group));
                let data = vec![0x5a; 40_000];
                assert_eq!(send(&mut client, &mut server, &data), data);
                assert_eq!(send(&mut server, &mut client, b"pong"), b"pong");
            }
        }
    }
}

#[test]
fn client_offers_the_hybrid_and_x25519_and_falls_back_without_a_retry() {
    // A server without post-quantum groups answers the X25519 share at once.
    let mut server_config = server_config(KeyType::P256);
    server_config.groups = vec![NamedGroup::x25519, NamedGroup::secp256r1];
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config)).unwrap();
    // RFC 8446 §4.2.8: two shares, X25519MLKEM768's 1,216 bytes first. The ClientHello
    // still fits one record.
    let hello_len = client.pending_tls().len();
    assert!(hello_len > 1216 + 32 && hello_len < 2048, "{hello_len}");
    handshake(&mut client, &mut server);
    assert_eq!(client.negotiated_group(), Some(NamedGroup::x25519));
    assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
}

#[test]
fn server_prefers_the_hybrid_and_asks_for_it_only_when_told_to_insist() {
    // A client that supports X25519MLKEM768 but sends only an X25519 share.
    let mut client_config = insecure_client_config();
    client_config.groups = vec![NamedGroup::x25519, NamedGroup::X25519MLKEM768];
    client_config.key_shares = 1;
    let client_config = Arc::new(client_config);
    for (insist, group, kind) in [
        (false, NamedGroup::x25519, HandshakeKind::Full),
        (
            true,
            NamedGroup::X25519MLKEM768,
            HandshakeKind::FullWithHelloRetryRequest,
        ),
    ] {
        let mut server_config = server_config(KeyType::P256);
        server_config.insist_on_post_quantum = insist;
        let mut client = Connection::client(client_config.clone(), localhost()).unwrap();
        let mut server = Connection::server(Arc::new(server_config)).unwrap();
        handshake(&mut client, &mut server);
        assert_eq!(server.negotiated_group(), Some(group), "insist: {insist}");
        assert_eq!(client.handshake_kind(), Some(kind), "insist: {insist}");
    }
}
