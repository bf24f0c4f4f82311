//! Deviations BoringSSL's TLS test runner (BoGo, driven through crates/bogo-shim) found in
//! padlock, each kept here as a test of our own so CI holds the fix without the runner.

mod common;

use std::sync::Arc;

use common::*;
use padlock_crypto::AeadAlgorithm;
use padlock_tls::alert::alert_for;
use padlock_tls::internal::record::RecordSealer;
use padlock_tls::internal::wire::ContentType;
use padlock_tls::{
    AlertDescription, CertifiedKey, CipherSuite, ClientAuth, Connection, EarlyDataStatus, Error,
    HandshakeKind, NamedGroup, PeerMisbehaved, ProtocolVersion, ServerConfig, SignatureScheme,
};

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
    client_config.set_client_certificate(certified_key(KeyType::Ed25519, &["client"], true));
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

// ---- records that move nothing forward (BoGo: SendEmptyRecords, TooManyKeyUpdates, …) ----

/// A client and server that finished their handshake with AES-128-GCM, their secrets
/// logged, and the server's application write keys in `sealer`.
fn established() -> (Connection, Connection, RecordSealer) {
    let keys = Arc::new(Capture::default());
    let mut client_config = insecure_client_config();
    client_config.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
    client_config.key_log = Some(keys.clone());
    let mut server_config = server_config(KeyType::P256);
    server_config.key_log = Some(keys.clone());
    // No tickets: the test's own sealer writes the server's records from sequence 0.
    server_config.ticket_count = 0;
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config)).unwrap();
    handshake(&mut client, &mut server);
    let sealer = keys.sealer("SERVER_TRAFFIC_SECRET_0", AeadAlgorithm::Aes128Gcm);
    (client, server, sealer)
}

fn sealed(sealer: &mut RecordSealer, typ: ContentType, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    sealer.seal_append(typ, content, &mut out).unwrap();
    out
}

/// Feeds `bytes` to `conn` and returns what processing them said.
fn deliver_bytes(conn: &mut Connection, bytes: &[u8]) -> Result<usize, Error> {
    assert_eq!(conn.read_tls(bytes), bytes.len());
    conn.process_new_packets()
        .map(|io| io.plaintext_bytes_to_read)
}

/// The connection failed with `expected`, which sends `alert`, and queued that alert.
fn assert_failed(conn: &Connection, result: Result<usize, Error>, expected: PeerMisbehaved) {
    assert_eq!(result, Err(Error::PeerMisbehaved(expected)));
    assert_eq!(
        alert_for(&Error::PeerMisbehaved(expected)),
        Some(if expected == PeerMisbehaved::UnknownAlertLevel {
            AlertDescription::IllegalParameter
        } else {
            AlertDescription::UnexpectedMessage
        })
    );
    assert!(!conn.pending_tls().is_empty(), "an alert is queued");
}

#[test]
fn client_refuses_the_thirty_third_empty_record_in_a_row() {
    let (mut client, _server, mut sealer) = established();
    let mut burst = Vec::new();
    for _ in 0..32 {
        burst.extend(sealed(&mut sealer, ContentType::ApplicationData, b""));
    }
    burst.extend(sealed(&mut sealer, ContentType::ApplicationData, b"data"));
    assert_eq!(
        deliver_bytes(&mut client, &burst),
        Ok(4),
        "data resets the count"
    );
    let mut burst = Vec::new();
    for _ in 0..33 {
        burst.extend(sealed(&mut sealer, ContentType::ApplicationData, b""));
    }
    let result = deliver_bytes(&mut client, &burst);
    assert_failed(&client, result, PeerMisbehaved::TooManyEmptyRecords);
}

#[test]
fn client_refuses_the_fifth_warning_user_canceled_in_a_row() {
    let (mut client, _server, mut sealer) = established();
    let user_canceled = [1, 90];
    let mut burst = Vec::new();
    for _ in 0..4 {
        burst.extend(sealed(&mut sealer, ContentType::Alert, &user_canceled));
    }
    assert_eq!(deliver_bytes(&mut client, &burst), Ok(0));
    let fifth = sealed(&mut sealer, ContentType::Alert, &user_canceled);
    let result = deliver_bytes(&mut client, &fifth);
    assert_failed(&client, result, PeerMisbehaved::TooManyWarningAlerts);
}

#[test]
fn client_refuses_the_thirty_third_key_update_without_data() {
    let (mut client, mut server, _) = established();
    for _ in 0..32 {
        server.request_key_update(false).unwrap();
        let update = take_output(&mut server);
        assert_eq!(deliver_bytes(&mut client, &update), Ok(0));
    }
    server.request_key_update(false).unwrap();
    let update = take_output(&mut server);
    let result = deliver_bytes(&mut client, &update);
    assert_failed(&client, result, PeerMisbehaved::TooManyKeyUpdates);
}

#[test]
fn key_updates_between_application_data_are_not_limited() {
    let (mut client, mut server, _) = established();
    for _ in 0..40 {
        server.request_key_update(false).unwrap();
        server.write_plaintext(b"x").unwrap();
        let bytes = take_output(&mut server);
        assert_eq!(deliver_bytes(&mut client, &bytes), Ok(1));
        let mut one = [0; 1];
        assert_eq!(client.read_plaintext(&mut one), 1);
    }
}

/// RFC 8446 §6: AlertLevel is warning(1) or fatal(2). An alert of level 3 was read as a
/// fatal alert received; it is a malformed alert, answered with illegal_parameter.
#[test]
fn alert_of_unknown_level_is_illegal_parameter() {
    let (mut client, _server, mut sealer) = established();
    let bogus = sealed(&mut sealer, ContentType::Alert, &[3, 40]);
    let result = deliver_bytes(&mut client, &bogus);
    assert_failed(&client, result, PeerMisbehaved::UnknownAlertLevel);
}

/// RFC 8446 §4.1.4: once the server answers the first ClientHello with a HelloRetryRequest,
/// only the client's second ClientHello may follow; handshake bytes that came behind the
/// first ClientHello were sent before the HelloRetryRequest was read (BoGo:
/// PartialSecondClientHelloAfterFirst).
#[test]
fn server_refuses_handshake_data_behind_a_client_hello_it_answers_with_retry() {
    let mut client_config = insecure_client_config();
    client_config.groups = vec![NamedGroup::x25519, NamedGroup::secp384r1];
    // One share (x25519), so the server must ask for secp384r1.
    client_config.key_shares = 1;
    let mut config = server_config(KeyType::P256);
    config.groups = vec![NamedGroup::secp384r1];
    let config = Arc::new(config);
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server = Connection::server(config.clone()).unwrap();
    let hello = records(&take_output(&mut client));
    assert_eq!(hello.len(), 1);
    // The first ClientHello and, in the same record, the start of another one.
    let mut payload = hello[0].1.clone();
    payload.extend_from_slice(&hello[0].1[..10]);
    let result = deliver_bytes(&mut server, &record(HANDSHAKE, &payload));
    assert_failed(
        &server,
        result,
        PeerMisbehaved::HandshakeDataBeforeRetryAnswered,
    );

    // The same ClientHello alone is answered with a HelloRetryRequest.
    let mut server = Connection::server(config).unwrap();
    assert_eq!(
        deliver_bytes(&mut server, &record(HANDSHAKE, &hello[0].1)),
        Ok(0)
    );
}

/// BoGo's Client-Sign-* and Server-Verify-* (`-signing-prefs` beside `-verify-prefs`): a key
/// signs by its own list ([`CertifiedKey::signature_schemes`]), and the configuration's
/// list then says only what is accepted from the peer. Before keys had lists, this server
/// signed from its configuration's ECDSA-only list and found nothing for its RSA key.
#[test]
fn a_key_signs_by_its_own_schemes_while_the_configuration_says_what_is_accepted() {
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let rsa = server_key(KeyType::Rsa2048);
        let key = Arc::new(CertifiedKey {
            chain: rsa.chain.clone(),
            key: rsa.key.clone(),
            signature_schemes: Some(vec![SignatureScheme::rsa_pss_rsae_sha512]),
        });
        let mut config = ServerConfig::new(provider(), key);
        config.versions = vec![version];
        config.signature_schemes = vec![SignatureScheme::ecdsa_secp256r1_sha256];
        let mut client =
            Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
        let mut server = Connection::server(Arc::new(config)).unwrap();
        handshake(&mut client, &mut server);
        assert_eq!(client.protocol_version(), Some(version));
        assert_eq!(
            client.signature_scheme(),
            Some(SignatureScheme::rsa_pss_rsae_sha512),
            "{version:?}"
        );
    }
}

/// RFC 8446 §4.2.10 (BoGo's EarlyData-ALPNPreferenceChanged-TLS13): 0-RTT data speaks the
/// session's ALPN protocol, and the server may accept it only by selecting that protocol
/// again, which it can do only if we offer it (RFC 7301 §3.2). A client that no longer
/// offers it offers no early data (it used to, to be rejected every time, or to have data
/// written for one protocol arrive under another); it still resumes.
#[test]
fn client_offers_no_early_data_for_a_session_whose_alpn_protocol_it_no_longer_offers() {
    let clock = Clock::new();
    let (server, client) = with_zero_rtt_tickets(&clock, |s, c| {
        s.alpn_protocols = vec![b"foo".to_vec(), b"bar".to_vec()];
        c.alpn_protocols = vec![b"foo".to_vec()];
    });
    let mut changed = (*client).clone();
    changed.alpn_protocols = vec![b"bar".to_vec()];
    let mut c = Connection::client(Arc::new(changed), localhost()).unwrap();
    assert_eq!(c.early_data_status(), EarlyDataStatus::NotOffered);
    let mut s = Connection::server(server.clone()).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(c.alpn_protocol(), Some(&b"bar"[..]));

    // Still offering the session's protocol (among others), it offers early data.
    let mut both = (*client).clone();
    both.alpn_protocols = vec![b"bar".to_vec(), b"foo".to_vec()];
    let c = Connection::client(Arc::new(both), localhost()).unwrap();
    assert_eq!(c.early_data_status(), EarlyDataStatus::Pending);
}
