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
const GROUPS: [NamedGroup; 3] = [
    NamedGroup::x25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
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
    assert_eq!(client.negotiated_group(), Some(NamedGroup::x25519));
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
