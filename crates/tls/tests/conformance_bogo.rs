//! Deviations BoringSSL's TLS test runner (BoGo, driven through crates/bogo-shim) found in
//! padlock, each kept here as a test of our own so CI holds the fix without the runner.

mod common;

use std::sync::Arc;

use common::*;
use padlock_tls::{ClientAuth, Connection, Error, SignatureScheme};

const CHANGE_CIPHER_SPEC: u8 = 20;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

fn take_output(conn: &mut Connection) -> Vec<u8> {
    let out = conn.pending_tls().to_vec();
    conn.consume_tls(out.len());
    out
}

/// RFC 8446 §D.4: in middlebox compatibility mode (our ClientHello always carries a
/// legacy_session_id) the client's ChangeCipherSpec precedes every record it protects —
/// also the alert that ends a handshake the server's encrypted flight broke. BoGo's runner
/// (like a middlebox) takes a protected record without it for a protocol error and never
/// saw padlock's alert (e.g. TrailingMessageData-TLS13-ServerCertificate-TLS).
#[test]
fn client_sends_its_change_cipher_spec_before_an_alert_under_handshake_keys() {
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::P256))).unwrap();
    let hello = take_output(&mut client);
    server.read_tls(&hello);
    server.process_new_packets().unwrap();
    let flight = records(&take_output(&mut server));
    assert_eq!(
        flight[0].0, HANDSHAKE,
        "the flight starts with the ServerHello"
    );

    // The ServerHello alone: the client answers with its ChangeCipherSpec at once.
    client.read_tls(&record(HANDSHAKE, &flight[0].1));
    client.process_new_packets().unwrap();
    let answer = records(&take_output(&mut client));
    assert_eq!(answer, vec![(CHANGE_CIPHER_SPEC, vec![1])]);

    // A damaged EncryptedExtensions record: the alert goes out protected, after the CCS.
    let (_, mut encrypted) = flight
        .iter()
        .find(|(typ, _)| *typ == APPLICATION_DATA)
        .cloned()
        .expect("an encrypted record in the server's flight");
    encrypted[0] ^= 1;
    client.read_tls(&record(APPLICATION_DATA, &encrypted));
    assert_eq!(client.process_new_packets(), Err(Error::DecryptFailed));
    let alert = records(&take_output(&mut client));
    assert_eq!(alert.len(), 1, "{alert:?}");
    assert_eq!(alert[0].0, APPLICATION_DATA, "the alert is protected");
}

/// The ChangeCipherSpec is sent once: the second flight after it carries none.
#[test]
fn client_sends_one_change_cipher_spec_per_handshake() {
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::P256))).unwrap();
    let mut sent = Vec::new();
    for _ in 0..4 {
        let out = take_output(&mut client);
        sent.extend(records(&out));
        server.read_tls(&out);
        server.process_new_packets().unwrap();
        client.read_tls(&take_output(&mut server));
        client.process_new_packets().unwrap();
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    let ccs = sent
        .iter()
        .filter(|(t, _)| *t == CHANGE_CIPHER_SPEC)
        .count();
    assert_eq!(ccs, 1, "{sent:?}");
}

/// `Connection::signature_scheme` is the scheme of the peer's CertificateVerify. A server
/// reported its own (Server-VerifyDefault-Ed25519-TLS13 read rsa_pss_rsae_sha256 where the
/// client had signed with Ed25519) and, without client authentication, still one.
#[test]
fn server_reports_the_clients_signature_scheme_not_its_own() {
    let mut config = server_config(KeyType::Rsa2048);
    config.client_auth = ClientAuth::Required(Arc::new(AcceptAnyClient));
    let mut client_config = insecure_client_config();
    client_config.client_auth = Some(certified_key(KeyType::Ed25519, &["client"], true));
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(config)).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(server.signature_scheme(), Some(SignatureScheme::ed25519));
    assert!(matches!(
        client.signature_scheme(),
        Some(SignatureScheme::rsa_pss_rsae_sha256 | SignatureScheme::rsa_pss_rsae_sha384)
            | Some(SignatureScheme::rsa_pss_rsae_sha512)
    ));

    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::Rsa2048))).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(
        server.signature_scheme(),
        None,
        "no client CertificateVerify"
    );
}
