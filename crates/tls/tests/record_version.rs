//! legacy_record_version on the wire (RFC 8446 §5.1): 0x0301 on the records of an initial
//! ClientHello, 0x0303 on every other record — the ClientHello after a HelloRetryRequest
//! included.

mod common;

use std::sync::Arc;

use common::*;
use padlock_tls::{Connection, NamedGroup};

#[test]
fn initial_client_hello_says_0301_and_every_later_record_0303() {
    let mut server_cfg = server_config(KeyType::P256);
    // Force a HelloRetryRequest: the client's first share is X25519.
    server_cfg.groups = vec![NamedGroup::secp384r1];
    let mut client_cfg = insecure_client_config();
    client_cfg.groups = vec![NamedGroup::x25519, NamedGroup::secp384r1];
    client_cfg.key_shares = 1;
    let mut client = Connection::client(Arc::new(client_cfg), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_cfg)).unwrap();

    let first = take(&mut client);
    assert_eq!(versions(&first), vec![[0x03, 0x01]], "initial ClientHello");

    let mut later = Vec::new();
    assert_eq!(server.read_tls(&first), first.len());
    server.process_new_packets().unwrap();
    for _ in 0..10 {
        let from_server = take(&mut server);
        later.extend(versions(&from_server));
        assert_eq!(client.read_tls(&from_server), from_server.len());
        client.process_new_packets().unwrap();
        let from_client = take(&mut client);
        later.extend(versions(&from_client));
        assert_eq!(server.read_tls(&from_client), from_client.len());
        server.process_new_packets().unwrap();
        if !client.is_handshaking() && !server.is_handshaking() && !server.wants_write() {
            break;
        }
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    // HRR, the second ClientHello, the server's flight, the client's Finished (and the
    // compatibility ChangeCipherSpecs): all 0x0303.
    assert!(later.len() >= 4, "{later:?}");
    assert!(later.iter().all(|v| *v == [0x03, 0x03]), "{later:?}");
}

fn take(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

/// The legacy_record_version of each record in `bytes`.
fn versions(bytes: &[u8]) -> Vec<[u8; 2]> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 5 <= bytes.len() {
        out.push([bytes[at + 1], bytes[at + 2]]);
        at += 5 + usize::from(u16::from_be_bytes([bytes[at + 3], bytes[at + 4]]));
    }
    assert_eq!(at, bytes.len(), "whole records");
    out
}
