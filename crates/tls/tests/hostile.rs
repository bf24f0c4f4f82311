//! Hostile input: every malformed, misplaced or tampered message yields the RFC's alert and
//! a typed error — never a panic — and the server goes on accepting connections.
//!
//! Tampering inside the encrypted flight uses the real handshake secrets (captured through
//! the key log) to decrypt, alter and re-encrypt records with the crate's record layer.

mod common;

use std::sync::Arc;

use common::*;
use padlock_crypto::AeadAlgorithm;
use padlock_tls::internal::record::{RecordOpener, RecordSealer};
use padlock_tls::internal::tls13::key_schedule::TrafficSecret;
use padlock_tls::internal::wire::{
    Codec, HandshakePayload, HelloRetryRequest, HelloRetryRequestExtensions, ServerHello,
};
use padlock_tls::{
    alert::alert_for, AlertDescription, CipherSuite, ClientConfig, Connection, Error, NamedGroup,
    PeerMisbehaved, ProtocolVersion, ServerConfig,
};

struct Setup {
    client: Connection,
    server: Connection,
    keys: Arc<Capture>,
    server_config: Arc<ServerConfig>,
}

fn setup_with(client: ClientConfig, server: ServerConfig) -> Setup {
    let keys = Arc::new(Capture::default());
    let mut client = client;
    client.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
    client.key_log = Some(keys.clone());
    let mut server = server;
    server.key_log = Some(keys.clone());
    let server_config = Arc::new(server);
    Setup {
        client: Connection::client(Arc::new(client), localhost()).unwrap(),
        server: Connection::server(server_config.clone()).unwrap(),
        keys,
        server_config,
    }
}

fn setup() -> Setup {
    setup_with(insecure_client_config(), server_config(KeyType::P256))
}

/// As [`setup`], with a client that offers X25519 only.
fn setup_x25519() -> Setup {
    let mut client = insecure_client_config();
    client.groups = vec![NamedGroup::x25519];
    setup_with(client, server_config(KeyType::P256))
}

/// Splits handshake bytes into messages (header included).
fn messages(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while bytes.len() >= 4 {
        let len =
            4 + (usize::from(bytes[1]) << 16 | usize::from(bytes[2]) << 8 | usize::from(bytes[3]));
        out.push(bytes[..len].to_vec());
        bytes = &bytes[len..];
    }
    out
}

/// Content type bytes (RFC 8446 §5.1), for hand-made records.
mod content_type {
    use padlock_tls::internal::wire::ContentType;
    pub const CHANGE_CIPHER_SPEC: u8 = ContentType::ChangeCipherSpec.to_wire();
    pub const ALERT: u8 = ContentType::Alert.to_wire();
    pub const HANDSHAKE: u8 = ContentType::Handshake.to_wire();
    pub const APPLICATION_DATA: u8 = ContentType::ApplicationData.to_wire();
}

fn plain_record(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 3, 3];
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// Feeds `bytes` to `conn` and returns the error it reports (panics if none).
fn feed(conn: &mut Connection, bytes: &[u8]) -> Error {
    let mut offset = 0;
    loop {
        let n = conn.read_tls(&bytes[offset..]);
        offset += n;
        if let Err(e) = conn.process_new_packets() {
            return e;
        }
        if n == 0 || offset == bytes.len() {
            panic!("no error after feeding {} bytes", bytes.len());
        }
    }
}

/// Asserts `e` maps to `alert`, and that the connection queued that alert.
fn expect_alert(conn: &Connection, e: &Error, alert: AlertDescription) {
    assert_eq!(alert_for(e), Some(alert), "{e:?}");
    let pending = conn.pending_tls();
    assert!(!pending.is_empty(), "no alert queued for {e:?}");
    // Every later call returns the same error.
    let mut c = ConnectionRef(conn);
    c.assert_sticky(e);
}

struct ConnectionRef<'a>(&'a Connection);

impl ConnectionRef<'_> {
    fn assert_sticky(&mut self, e: &Error) {
        assert_eq!(self.0.error(), Some(e));
    }
}

/// The client's first flight.
fn client_hello(s: &mut Setup) -> Vec<u8> {
    let ch = s.client.pending_tls().to_vec();
    let n = ch.len();
    s.client.consume_tls(n);
    ch
}

/// Runs CH → server, and returns the server's flight split as (ServerHello record, CCS
/// record, the decrypted handshake messages of the encrypted part).
fn server_flight(s: &mut Setup) -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
    let ch = client_hello(s);
    assert_eq!(s.server.read_tls(&ch), ch.len());
    s.server.process_new_packets().unwrap();
    let flight = s.server.pending_tls().to_vec();
    let n = flight.len();
    s.server.consume_tls(n);
    let recs = whole_records(&flight);
    let mut opener = RecordOpener::new();
    opener
        .install(
            provider().as_ref(),
            &s.keys
                .secret("SERVER_HANDSHAKE_TRAFFIC_SECRET")
                .record_keys(provider().as_ref(), AeadAlgorithm::Aes128Gcm)
                .unwrap(),
        )
        .unwrap();
    let mut hs = Vec::new();
    // Up to the server's Finished: the tickets it sends with it (RFC 8446 §4.6.1) are
    // under its application keys.
    for mut r in recs[2..].iter().cloned() {
        let Ok(opened) = opener.open_in_place(&mut r) else {
            break;
        };
        hs.extend_from_slice(&r[opened.content]);
    }
    (recs[0].clone(), recs[1].clone(), messages(&hs))
}

/// Re-encrypts handshake messages as the server would.
fn seal_server(s: &Setup, msgs: &[Vec<u8>]) -> Vec<u8> {
    seal(&s.keys.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"), msgs)
}

fn seal(secret: &TrafficSecret, msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut sealer = RecordSealer::new();
    sealer
        .install(
            provider().as_ref(),
            &secret
                .record_keys(provider().as_ref(), AeadAlgorithm::Aes128Gcm)
                .unwrap(),
        )
        .unwrap();
    let mut out = Vec::new();
    sealer
        .seal_append(
            padlock_tls::internal::wire::ContentType::Handshake,
            &msgs.concat(),
            &mut out,
        )
        .unwrap();
    out
}

/// Sends the server's flight, altered by `alter`, to the client; returns its error.
fn client_error_after(alter: impl FnOnce(&mut Vec<Vec<u8>>)) -> (Setup, Error) {
    let mut s = setup();
    let (sh, ccs, mut msgs) = server_flight(&mut s);
    alter(&mut msgs);
    let mut bytes = sh;
    bytes.extend(ccs);
    bytes.extend(seal_server(&s, &msgs));
    let e = feed(&mut s.client, &bytes);
    (s, e)
}

/// Sends a ServerHello, altered by `alter`, to the client; returns its error.
fn client_error_for_server_hello(alter: impl FnOnce(&mut ServerHello)) -> (Setup, Error) {
    client_error_for_server_hello_in(setup(), alter)
}

/// As [`client_error_for_server_hello`], between the peers of `s`.
fn client_error_for_server_hello_in(
    mut s: Setup,
    alter: impl FnOnce(&mut ServerHello),
) -> (Setup, Error) {
    let (sh_record, _, _) = server_flight(&mut s);
    let HandshakePayload::ServerHello(mut sh) = HandshakePayload::decode(&sh_record[5..]).unwrap()
    else {
        panic!("not a ServerHello")
    };
    alter(&mut sh);
    let bytes = plain_record(
        content_type::HANDSHAKE,
        &HandshakePayload::ServerHello(sh).to_vec(),
    );
    let e = feed(&mut s.client, &bytes);
    (s, e)
}

/// Sends a ClientHello, altered by `alter` (on its encoding), to a server.
fn server_error_for_client_hello(alter: impl FnOnce(&mut Vec<u8>)) -> (Setup, Error) {
    server_error_for_client_hello_in(setup(), alter)
}

/// As [`server_error_for_client_hello`], between the peers of `s`.
fn server_error_for_client_hello_in(
    mut s: Setup,
    alter: impl FnOnce(&mut Vec<u8>),
) -> (Setup, Error) {
    let ch = client_hello(&mut s);
    let mut msg = ch[5..].to_vec();
    alter(&mut msg);
    let e = feed(&mut s.server, &plain_record(content_type::HANDSHAKE, &msg));
    (s, e)
}

fn server_error_for_client_hello_struct(
    alter: impl FnOnce(&mut padlock_tls::internal::wire::ClientHello),
) -> (Setup, Error) {
    server_error_for_client_hello(|msg| {
        let HandshakePayload::ClientHello(mut ch) = HandshakePayload::decode(msg).unwrap() else {
            panic!()
        };
        alter(&mut ch);
        *msg = HandshakePayload::ClientHello(ch).to_vec();
    })
}

// ---- records ----

#[test]
fn oversized_record_is_record_overflow() {
    let mut s = setup();
    let mut bytes = vec![content_type::HANDSHAKE, 3, 3, 0x41, 0x01];
    bytes.extend(vec![0; 300]);
    let e = feed(&mut s.server, &bytes);
    expect_alert(&s.server, &e, AlertDescription::RecordOverflow);
}

#[test]
fn oversized_plaintext_record_is_record_overflow() {
    let mut s = setup();
    let payload = vec![0u8; (1 << 14) + 1];
    let e = feed(
        &mut s.server,
        &plain_record(content_type::HANDSHAKE, &payload),
    );
    expect_alert(&s.server, &e, AlertDescription::RecordOverflow);
}

#[test]
fn unknown_content_type_is_unexpected_message() {
    let mut s = setup();
    let e = feed(&mut s.server, &plain_record(0x19, b"hello"));
    expect_alert(&s.server, &e, AlertDescription::UnexpectedMessage);
}

#[test]
fn application_data_before_the_handshake_is_unexpected_message() {
    let mut s = setup();
    let e = feed(
        &mut s.server,
        &plain_record(content_type::APPLICATION_DATA, b"early"),
    );
    expect_alert(&s.server, &e, AlertDescription::UnexpectedMessage);
}

#[test]
fn empty_handshake_record_is_refused() {
    let mut s = setup();
    let e = feed(&mut s.server, &plain_record(content_type::HANDSHAKE, b""));
    expect_alert(&s.server, &e, AlertDescription::UnexpectedMessage);
}

#[test]
fn change_cipher_spec_before_client_hello_is_unexpected_message() {
    let mut s = setup();
    let e = feed(
        &mut s.server,
        &plain_record(content_type::CHANGE_CIPHER_SPEC, &[1]),
    );
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::IllegalChangeCipherSpec)
    );
    expect_alert(&s.server, &e, AlertDescription::UnexpectedMessage);
}

#[test]
fn malformed_change_cipher_spec_is_unexpected_message() {
    for bad in [&[2u8][..], &[1, 1][..]] {
        let mut s = setup();
        let (sh, _, msgs) = server_flight(&mut s);
        let mut bytes = sh;
        bytes.extend(plain_record(content_type::CHANGE_CIPHER_SPEC, bad));
        bytes.extend(seal_server(&s, &msgs));
        let e = feed(&mut s.client, &bytes);
        assert_eq!(
            e,
            Error::PeerMisbehaved(PeerMisbehaved::IllegalChangeCipherSpec)
        );
    }
}

/// RFC 8446 §5: every compatibility ChangeCipherSpec before the peer's Finished is
/// dropped, not only the first (BoGo's EarlyData-HRR-Server: a client sends one after its
/// 0-RTT ClientHello and another before its second flight); more than the empty-record
/// bound of them is a stall, and refused.
#[test]
fn repeated_change_cipher_specs_are_dropped_up_to_the_empty_record_bound() {
    let mut s = setup();
    let (sh, ccs, msgs) = server_flight(&mut s);
    let mut bytes = sh;
    bytes.extend(ccs.clone());
    bytes.extend(ccs.clone());
    bytes.extend(seal_server(&s, &msgs));
    feed_all(&mut s.client, &bytes).unwrap();
    assert!(!s.client.is_handshaking(), "the second one was dropped too");

    let mut s = setup();
    let (sh, ccs, _) = server_flight(&mut s);
    let mut bytes = sh;
    for _ in 0..33 {
        bytes.extend(ccs.clone());
    }
    let e = feed(&mut s.client, &bytes);
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::TooManyEmptyRecords)
    );
    expect_alert(&s.client, &e, AlertDescription::UnexpectedMessage);
}

#[test]
fn truncated_handshake_message_then_alert_is_refused() {
    let mut s = setup();
    let ch = client_hello(&mut s);
    // Half a ClientHello, then an alert record: a message may not be interleaved.
    let half = &ch[5..ch.len() / 2];
    let mut bytes = plain_record(content_type::HANDSHAKE, half);
    bytes.extend(plain_record(content_type::ALERT, &[2, 40]));
    let e = feed(&mut s.server, &bytes);
    assert_eq!(
        alert_for(&e),
        Some(AlertDescription::UnexpectedMessage),
        "{e:?}"
    );
}

#[test]
fn malformed_alert_is_refused() {
    let mut s = setup();
    let e = feed(&mut s.server, &plain_record(content_type::ALERT, &[2]));
    assert_eq!(alert_for(&e), Some(AlertDescription::DecodeError), "{e:?}");
}

#[test]
fn received_fatal_alert_is_a_typed_error() {
    let mut s = setup();
    let e = feed(&mut s.server, &plain_record(content_type::ALERT, &[2, 40]));
    assert_eq!(e, Error::AlertReceived(AlertDescription::HandshakeFailure));
    assert_eq!(alert_for(&e), None);
}

// ---- ClientHello at the server ----

#[test]
fn truncated_client_hello_is_decode_error() {
    let (s, e) = server_error_for_client_hello(|m| {
        let len = m.len() - 10;
        m.truncate(len);
        let body = (len - 4) as u32;
        m[1..4].copy_from_slice(&body.to_be_bytes()[1..]);
    });
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    expect_alert(&s.server, &e, AlertDescription::DecodeError);
}

#[test]
fn tls12_only_client_gets_protocol_version_from_a_tls13_only_server() {
    let mut server = server_config(KeyType::P256);
    server.versions = vec![ProtocolVersion::TLSv1_3];
    let (s, e) =
        server_error_for_client_hello_in(setup_with(insecure_client_config(), server), |msg| {
            let HandshakePayload::ClientHello(mut ch) = HandshakePayload::decode(msg).unwrap()
            else {
                panic!()
            };
            ch.extensions.supported_versions = None;
            *msg = HandshakePayload::ClientHello(ch).to_vec();
        });
    expect_alert(&s.server, &e, AlertDescription::ProtocolVersion);
}

#[test]
fn client_hello_without_key_share_is_missing_extension() {
    let (s, e) = server_error_for_client_hello_struct(|ch| ch.extensions.key_share = None);
    expect_alert(&s.server, &e, AlertDescription::MissingExtension);
}

#[test]
fn client_hello_without_signature_algorithms_is_missing_extension() {
    let (s, e) =
        server_error_for_client_hello_struct(|ch| ch.extensions.signature_algorithms = None);
    expect_alert(&s.server, &e, AlertDescription::MissingExtension);
}

#[test]
fn client_hello_with_compression_is_illegal_parameter() {
    let (s, e) = server_error_for_client_hello_struct(|ch| {
        ch.legacy_compression_methods = vec![1, 0].into()
    });
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

#[test]
fn client_hello_without_common_suite_is_handshake_failure() {
    let (s, e) = server_error_for_client_hello_struct(|ch| {
        ch.cipher_suites = vec![CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256].into()
    });
    expect_alert(&s.server, &e, AlertDescription::HandshakeFailure);
}

#[test]
fn client_hello_with_duplicate_extension_is_illegal_parameter() {
    let (s, e) = server_error_for_client_hello(|m| {
        // Append a second supported_versions extension at the end of the block.
        let extra = [0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04];
        m.extend_from_slice(&extra);
        let body_len = (m.len() - 4) as u32;
        m[1..4].copy_from_slice(&body_len.to_be_bytes()[1..]);
        // Fix the extensions block length: it ends the message; find it by walking.
        let mut p = 4 + 2 + 32;
        p += 1 + usize::from(m[p]);
        p += 2 + usize::from(u16::from_be_bytes([m[p], m[p + 1]]));
        p += 1 + usize::from(m[p]);
        let ext_len = (m.len() - p - 2) as u16;
        m[p..p + 2].copy_from_slice(&ext_len.to_be_bytes());
    });
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

#[test]
fn client_hello_with_share_for_unlisted_group_is_illegal_parameter() {
    let (s, e) = server_error_for_client_hello_struct(|ch| {
        ch.extensions.supported_groups = Some(vec![NamedGroup::secp256r1].into());
    });
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

#[test]
fn client_hello_with_invalid_key_share_is_illegal_parameter() {
    let (s, e) = server_error_for_client_hello_struct(|ch| {
        if let Some(shares) = ch.extensions.key_share.as_mut() {
            shares.to_mut()[0].key_exchange = vec![0; 32].into();
        }
    });
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

#[test]
fn server_refuses_messages_it_never_receives_first() {
    let finished = HandshakePayload::Finished(padlock_tls::internal::wire::Finished {
        verify_data: &[0; 32],
    });
    let key_update = [0x18, 0, 0, 1, 0];
    for msg in [finished.to_vec(), key_update.to_vec()] {
        let mut s = setup();
        let e = feed(&mut s.server, &plain_record(content_type::HANDSHAKE, &msg));
        expect_alert(&s.server, &e, AlertDescription::UnexpectedMessage);
    }
}

// ---- ServerHello at the client ----

#[test]
fn server_choosing_an_unknown_cipher_suite_is_illegal_parameter() {
    for suite in [
        CipherSuite::TLS_AES_256_GCM_SHA384,
        CipherSuite::Unknown(0x1399),
    ] {
        let (s, e) = client_error_for_server_hello(|sh| sh.cipher_suite = suite);
        assert_eq!(
            e,
            Error::PeerMisbehaved(PeerMisbehaved::SelectedUnofferedCipherSuite)
        );
        expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
    }
}

#[test]
fn tls12_server_hello_with_downgrade_marker_is_illegal_parameter() {
    for marker in [
        padlock_tls::internal::wire::DOWNGRADE_TLS12,
        padlock_tls::internal::wire::DOWNGRADE_TLS11,
    ] {
        let (s, e) = client_error_for_server_hello(|sh| {
            sh.extensions = Default::default();
            sh.random[24..].copy_from_slice(&marker);
        });
        assert_eq!(
            e,
            Error::PeerMisbehaved(PeerMisbehaved::DowngradeMarkerPresent)
        );
        expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
    }
}

#[test]
fn tls12_server_hello_is_protocol_version_for_a_tls13_only_client() {
    let mut client = insecure_client_config();
    client.versions = vec![ProtocolVersion::TLSv1_3];
    let s = setup_with(client, server_config(KeyType::P256));
    let (s, e) = client_error_for_server_hello_in(s, |sh| sh.extensions = Default::default());
    expect_alert(&s.client, &e, AlertDescription::ProtocolVersion);
}

#[test]
fn server_hello_with_other_version_is_illegal_parameter() {
    let (s, e) = client_error_for_server_hello(|sh| {
        sh.extensions.supported_versions = Some(ProtocolVersion::TLSv1_2)
    });
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

#[test]
fn server_hello_not_echoing_session_id_is_illegal_parameter() {
    let (s, e) = client_error_for_server_hello(|sh| sh.legacy_session_id_echo = &[7; 32]);
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

#[test]
fn server_hello_with_key_share_for_another_group_is_illegal_parameter() {
    let (s, e) = client_error_for_server_hello(|sh| {
        if let Some(k) = sh.extensions.key_share.as_mut() {
            k.group = NamedGroup::secp256r1;
        }
    });
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

#[test]
fn second_hello_retry_request_is_unexpected_message() {
    let mut server = server_config(KeyType::P256);
    server.groups = vec![NamedGroup::secp384r1];
    let mut s = setup_with(insecure_client_config(), server);
    let ch = client_hello(&mut s);
    s.server.read_tls(&ch);
    s.server.process_new_packets().unwrap();
    let hrr_flight = s.server.pending_tls().to_vec();
    let hrr = whole_records(&hrr_flight)[0].clone();
    s.client.read_tls(&hrr);
    s.client.process_new_packets().unwrap();
    let e = feed(&mut s.client, &hrr);
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::DuplicateHelloRetryRequest)
    );
    expect_alert(&s.client, &e, AlertDescription::UnexpectedMessage);
}

#[test]
fn hello_retry_request_for_the_offered_group_is_illegal_parameter() {
    let mut s = setup();
    let ch = client_hello(&mut s);
    let HandshakePayload::ClientHello(hello) = HandshakePayload::decode(&ch[5..]).unwrap() else {
        panic!()
    };
    let hrr = HandshakePayload::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        legacy_session_id_echo: &hello.legacy_session_id,
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        legacy_compression_method: 0,
        extensions: HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(NamedGroup::x25519),
            ..Default::default()
        },
    });
    let e = feed(
        &mut s.client,
        &plain_record(content_type::HANDSHAKE, &hrr.to_vec()),
    );
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::HelloRetryRequestWithOfferedGroup)
    );
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

// ---- the encrypted flight at the client ----

#[test]
fn untampered_flight_is_accepted() {
    let mut s = setup();
    let (sh, ccs, msgs) = server_flight(&mut s);
    let mut bytes = sh;
    bytes.extend(ccs);
    bytes.extend(seal_server(&s, &msgs));
    feed_all(&mut s.client, &bytes).unwrap();
    assert!(!s.client.is_handshaking(), "the second one was dropped too");
    assert!(!s.client.is_handshaking());
}

#[test]
fn tampered_ciphertext_is_bad_record_mac() {
    let mut s = setup();
    let (sh, ccs, msgs) = server_flight(&mut s);
    let mut sealed = seal_server(&s, &msgs);
    let last = sealed.len() - 20;
    sealed[last] ^= 1;
    let mut bytes = sh;
    bytes.extend(ccs);
    bytes.extend(sealed);
    let e = feed(&mut s.client, &bytes);
    assert_eq!(e, Error::DecryptFailed);
    expect_alert(&s.client, &e, AlertDescription::BadRecordMac);
}

#[test]
fn tampered_finished_is_decrypt_error() {
    let (s, e) = client_error_after(|msgs| {
        let fin = msgs.last_mut().unwrap();
        let i = fin.len() - 1;
        fin[i] ^= 0x80;
    });
    assert_eq!(e, Error::PeerMisbehaved(PeerMisbehaved::FinishedMismatch));
    expect_alert(&s.client, &e, AlertDescription::DecryptError);
}

#[test]
fn tampered_certificate_verify_is_decrypt_error() {
    let (s, e) = client_error_after(|msgs| {
        let cv = &mut msgs[2];
        let i = cv.len() - 5;
        cv[i] ^= 0x01;
    });
    assert!(
        matches!(
            e,
            Error::PeerMisbehaved(PeerMisbehaved::BadCertificateVerifySignature)
        ),
        "{e:?}"
    );
    expect_alert(&s.client, &e, AlertDescription::DecryptError);
}

#[test]
fn certificate_verify_with_pkcs1_is_illegal_parameter() {
    let (s, e) = client_error_after(|msgs| {
        // ecdsa_secp256r1_sha256 → rsa_pkcs1_sha256 (never allowed in TLS 1.3 CV).
        msgs[2][4] = 0x04;
        msgs[2][5] = 0x01;
    });
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

#[test]
fn each_server_message_out_of_order_is_unexpected_message() {
    // Drop EncryptedExtensions, Certificate, CertificateVerify in turn; and repeat one.
    for drop in 0..3 {
        let (s, e) = client_error_after(|msgs| {
            msgs.remove(drop);
        });
        assert!(
            matches!(
                e,
                Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
            ),
            "dropping {drop}: {e:?}"
        );
        expect_alert(&s.client, &e, AlertDescription::UnexpectedMessage);
    }
    let (_, e) = client_error_after(|msgs| {
        let ee = msgs[0].clone();
        msgs.insert(1, ee);
    });
    assert!(matches!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
    ));
}

#[test]
fn empty_server_certificate_is_decode_error() {
    let (s, e) = client_error_after(|msgs| {
        msgs[1] = HandshakePayload::Certificate(Default::default()).to_vec();
    });
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::EmptyServerCertificate)
    );
    expect_alert(&s.client, &e, AlertDescription::DecodeError);
}

#[test]
fn unsolicited_alpn_in_encrypted_extensions_is_unsupported_extension() {
    let (s, e) = client_error_after(|msgs| {
        let mut ee = padlock_tls::internal::wire::EncryptedExtensions::default();
        ee.extensions.alpn = Some(b"h2");
        msgs[0] = HandshakePayload::EncryptedExtensions(ee).to_vec();
    });
    expect_alert(&s.client, &e, AlertDescription::UnsupportedExtension);
}

#[test]
fn duplicate_extension_in_encrypted_extensions_is_illegal_parameter() {
    let (s, e) = client_error_after(|msgs| {
        // server_name (empty) twice.
        msgs[0] = vec![0x08, 0, 0, 10, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
    });
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

#[test]
fn key_update_with_bad_value_is_illegal_parameter() {
    // No tickets: the test's own sealer writes the server's records from sequence 0.
    let mut server = server_config(KeyType::P256);
    server.ticket_count = 0;
    let mut s = setup_with(insecure_client_config(), server);
    handshake(&mut s.client, &mut s.server);
    let mut sealer = RecordSealer::new();
    sealer
        .install(
            provider().as_ref(),
            &s.keys
                .secret("SERVER_TRAFFIC_SECRET_0")
                .record_keys(provider().as_ref(), AeadAlgorithm::Aes128Gcm)
                .unwrap(),
        )
        .unwrap();
    let mut bytes = Vec::new();
    sealer
        .seal_append(
            padlock_tls::internal::wire::ContentType::Handshake,
            &[0x18, 0, 0, 1, 7],
            &mut bytes,
        )
        .unwrap();
    let e = feed(&mut s.client, &bytes);
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

// ---- the client's flight at the server ----

#[test]
fn tampered_client_finished_is_decrypt_error_and_server_keeps_accepting() {
    let mut s = setup();
    let ch = client_hello(&mut s);
    s.server.read_tls(&ch);
    s.server.process_new_packets().unwrap();
    let flight = s.server.pending_tls().to_vec();
    s.client.read_tls(&flight);
    s.client.process_new_packets().unwrap();
    let client_flight = s.client.pending_tls().to_vec();
    let recs = whole_records(&client_flight);
    let secret = s.keys.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let mut opener = RecordOpener::new();
    opener
        .install(
            provider().as_ref(),
            &secret
                .record_keys(provider().as_ref(), AeadAlgorithm::Aes128Gcm)
                .unwrap(),
        )
        .unwrap();
    let mut fin = recs[1].clone();
    let opened = opener.open_in_place(&mut fin).unwrap();
    let mut msg = fin[opened.content].to_vec();
    let i = msg.len() - 1;
    msg[i] ^= 1;
    let mut bytes = recs[0].clone();
    bytes.extend(seal(&secret, &[msg]));
    let e = feed(&mut s.server, &bytes);
    assert_eq!(e, Error::PeerMisbehaved(PeerMisbehaved::FinishedMismatch));
    expect_alert(&s.server, &e, AlertDescription::DecryptError);

    // The same configuration serves the next client.
    let mut client = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
    let mut server = Connection::server(s.server_config.clone()).unwrap();
    handshake(&mut client, &mut server);
}

#[test]
fn garbage_never_panics() {
    // A cheap deterministic fuzz: random records at both sides, in every state we reach.
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..300 {
        let mut s = setup();
        let len = (next() % 300) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 2 == 0 && bytes.len() >= 5 {
            bytes[0] = [20, 21, 22, 23][(next() % 4) as usize];
            bytes[1] = 3;
            bytes[2] = 3;
            let l = (bytes.len() - 5) as u16;
            bytes[3..5].copy_from_slice(&l.to_be_bytes());
        }
        for (side, conn) in [("server", &mut s.server), ("client", &mut s.client)] {
            let queued = conn.pending_tls().len();
            conn.read_tls(&bytes);
            match conn.process_new_packets() {
                // The garbage was a well-formed alert: there is nothing to answer.
                Err(Error::AlertReceived(_)) => {}
                // Anything else refused is answered with the alert the error names.
                Err(e) => {
                    assert!(alert_for(&e).is_some(), "round {round}, {side}: {e:?}");
                    assert!(
                        conn.pending_tls().len() > queued,
                        "round {round}, {side}: no alert queued for {e:?}"
                    );
                }
                // Or it is not a whole record yet: nothing may have come of it.
                Ok(_) => {
                    assert!(conn.is_handshaking(), "round {round}, {side}");
                    assert_eq!(conn.pending_tls().len(), queued, "round {round}, {side}");
                }
            }
        }
    }
}

#[test]
fn client_echoes_the_hello_retry_request_cookie() {
    let mut s = setup();
    let ch = client_hello(&mut s);
    let HandshakePayload::ClientHello(hello) = HandshakePayload::decode(&ch[5..]).unwrap() else {
        panic!()
    };
    let hrr = HandshakePayload::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        legacy_session_id_echo: &hello.legacy_session_id,
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        legacy_compression_method: 0,
        extensions: HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(NamedGroup::secp384r1),
            cookie: Some(b"opaque server state"),
            ..Default::default()
        },
    });
    s.client
        .read_tls(&plain_record(content_type::HANDSHAKE, &hrr.to_vec()));
    s.client.process_new_packets().unwrap();
    let flight = s.client.pending_tls().to_vec();
    let recs = whole_records(&flight);
    let ch2 = recs
        .iter()
        .find(|r| r[0] == content_type::HANDSHAKE)
        .unwrap();
    let HandshakePayload::ClientHello(hello2) = HandshakePayload::decode(&ch2[5..]).unwrap() else {
        panic!()
    };
    assert_eq!(
        hello2.extensions.cookie.as_deref(),
        Some(&b"opaque server state"[..])
    );
    let shares = hello2.extensions.key_share.unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares.first().unwrap().group, NamedGroup::secp384r1);
    assert_eq!(hello2.random, hello.random);
}

#[test]
fn hello_retry_request_changing_nothing_is_illegal_parameter() {
    let mut s = setup();
    let ch = client_hello(&mut s);
    let HandshakePayload::ClientHello(hello) = HandshakePayload::decode(&ch[5..]).unwrap() else {
        panic!()
    };
    let hrr = HandshakePayload::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        legacy_session_id_echo: &hello.legacy_session_id,
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        legacy_compression_method: 0,
        extensions: HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            ..Default::default()
        },
    });
    let e = feed(
        &mut s.client,
        &plain_record(content_type::HANDSHAKE, &hrr.to_vec()),
    );
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::UselessHelloRetryRequest)
    );
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}

#[test]
fn second_client_hello_without_the_requested_share_is_illegal_parameter() {
    let mut server = server_config(KeyType::P256);
    server.groups = vec![NamedGroup::secp384r1];
    let mut s = setup_with(insecure_client_config(), server);
    let ch = client_hello(&mut s);
    s.server.read_tls(&ch);
    s.server.process_new_packets().unwrap();
    // Resend the first ClientHello (x25519 share) instead of answering the retry.
    let e = feed(&mut s.server, &ch);
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::IllegalClientHelloAfterRetry)
    );
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

#[test]
fn every_bit_flip_in_a_client_hello_is_handled_without_panic() {
    let mut s = setup();
    let ch = client_hello(&mut s);
    let config = s.server_config.clone();
    for i in 5..ch.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = ch.clone();
            bad[i] ^= bit;
            let mut server = Connection::server(config.clone()).unwrap();
            server.read_tls(&bad);
            match server.process_new_packets() {
                // A refused hello always explains itself with an alert.
                Err(e) => {
                    assert!(alert_for(&e).is_some(), "{e:?}");
                    assert!(server.wants_write());
                }
                // A flip the hello survives (its random, a share's bytes, an offered
                // value the server does not pick) still gets an answer: the server's
                // flight, or a HelloRetryRequest. Only a length that grew leaves the
                // server waiting for the rest.
                Ok(_) if server.wants_write() => {}
                Ok(_) => assert!(
                    [3..5, 6..9]
                        .iter()
                        .any(|r| r.contains(&i) && bad[r.clone()] > ch[r.clone()]),
                    "byte {i} bit {bit:#04x}: neither refused nor answered"
                ),
            }
        }
    }
}

#[test]
fn every_bit_flip_in_a_server_hello_is_refused_without_panic() {
    // Each of three bits of every byte of the ServerHello record, flipped, in a handshake
    // the client really started (its ClientHello went to the server, whose answer is
    // altered). The rest of the server's flight follows unaltered. Where the flip must be
    // noticed depends on what it hit, and each case is checked:
    // - legacy_record_version (record header bytes 1-2): ignored "for all purposes"
    //   (RFC 8446 §5.1), so the handshake completes, as it does without the flip;
    // - legacy_version, random, and the server's X25519 share: nothing in the ServerHello
    //   can tell (the client ignores legacy_version, §4.2.1; any 32 bytes are an X25519
    //   share), but the transcript or the shared secret differs, so the client's handshake
    //   keys are not the server's (§7.1): the first encrypted record is bad_record_mac —
    //   except a legacy_version of 0x0300 or lower, which is protocol_version at once
    //   (§D.5);
    // - a length that grew (record or handshake message header): the client waits for the
    //   missing bytes, then refuses what came instead, or is still waiting — it never
    //   completes the handshake;
    // - anything else: refused at the ServerHello itself, with an alert.
    let (template, _, _) = server_flight(&mut setup_x25519());
    let share = x25519_share_at(&template);
    let ignored = 1..3;
    let noticed_later: Vec<std::ops::Range<usize>> = vec![9..11, 11..43, share.clone()];
    let lengths = [3..5, 6..9];
    for i in 0..template.len() {
        for bit in [0x01u8, 0x04, 0x80] {
            let what = format!("bit {bit:#04x} of ServerHello record byte {i}");
            let mut s = setup_x25519();
            let (mut server_hello, ccs, messages) = server_flight(&mut s);
            let rest = [ccs, seal_server(&s, &messages)].concat();
            server_hello[i] ^= bit;
            s.client.read_tls(&server_hello);
            let at_hello = s.client.process_new_packets();
            if ignored.contains(&i) {
                at_hello.unwrap_or_else(|e| panic!("{what}: {e:?}"));
                feed_all(&mut s.client, &rest).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert!(!s.client.is_handshaking(), "{what}: handshake incomplete");
                assert_eq!(
                    s.client.cipher_suite(),
                    Some(CipherSuite::TLS_AES_128_GCM_SHA256)
                );
            } else if (9..11).contains(&i)
                && u16::from_be_bytes([server_hello[9], server_hello[10]]) <= 0x0300
            {
                let e = at_hello.expect_err(&what);
                expect_alert(&s.client, &e, AlertDescription::ProtocolVersion);
            } else if noticed_later.iter().any(|r| r.contains(&i)) {
                at_hello.unwrap_or_else(|e| panic!("{what}: refused too early: {e:?}"));
                let e = feed_all(&mut s.client, &rest).expect_err(&what);
                expect_alert(&s.client, &e, AlertDescription::BadRecordMac);
            } else if let Err(e) = at_hello {
                assert!(alert_for(&e).is_some(), "{what}: {e:?}");
                assert!(s.client.wants_write(), "{what}: no alert queued for {e:?}");
            } else {
                // Accepted so far: only a length that grew may do that.
                let grew = lengths
                    .iter()
                    .any(|r| r.contains(&i) && server_hello[r.clone()] > template[r.clone()]);
                assert!(grew, "{what} was not refused");
                match feed_all(&mut s.client, &rest) {
                    Err(e) => assert!(alert_for(&e).is_some(), "{what}: {e:?}"),
                    Ok(()) => assert!(s.client.is_handshaking(), "{what} was accepted"),
                }
            }
        }
    }
}

/// Where the key_exchange of the X25519 share lies in a ServerHello record: after the
/// key_share extension's header (type 0x0033, length 36, group 0x001d, key length 32).
fn x25519_share_at(server_hello_record: &[u8]) -> std::ops::Range<usize> {
    let header = [0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20];
    let at = server_hello_record
        .windows(header.len())
        .position(|w| w == header)
        .expect("an X25519 key_share in the ServerHello");
    let start = at + header.len();
    start..start + 32
}

/// Feeds `bytes` to `conn`, processing as it goes, until all is read or it errs.
fn feed_all(conn: &mut Connection, bytes: &[u8]) -> Result<(), Error> {
    let mut offset = 0;
    loop {
        let n = conn.read_tls(&bytes[offset..]);
        offset += n;
        conn.process_new_packets()?;
        if n == 0 || offset == bytes.len() {
            return Ok(());
        }
    }
}

#[test]
fn bit_flips_inside_the_encrypted_flight_never_pass_unnoticed() {
    // Every 7th byte of EncryptedExtensions..Finished, re-encrypted with the real key: the
    // client must never accept the flight (the transcript binds every byte), must refuse it
    // with an alert whenever it has a whole message, and must never panic.
    let mut i = 0;
    loop {
        let mut s = setup();
        let (sh, ccs, msgs) = server_flight(&mut s);
        let mut flat: Vec<u8> = msgs.concat();
        if i >= flat.len() {
            break;
        }
        flat[i] ^= 0x10;
        let mut bytes = sh;
        bytes.extend(ccs);
        bytes.extend(seal_server(&s, &[flat]));
        s.client.read_tls(&bytes);
        match s.client.process_new_packets() {
            Err(e) => assert!(alert_for(&e).is_some(), "byte {i}: {e:?}"),
            // A flipped length can make a message look longer than the record: the
            // client then waits for the rest. It must never complete the handshake.
            Ok(_) => assert!(s.client.is_handshaking(), "byte {i} went unnoticed"),
        }
        i += 7;
    }
}

#[test]
fn second_client_hello_with_a_new_random_is_illegal_parameter() {
    let mut server = server_config(KeyType::P256);
    server.groups = vec![NamedGroup::secp384r1];
    let mut s = setup_with(insecure_client_config(), server);
    let ch = client_hello(&mut s);
    s.server.read_tls(&ch);
    s.server.process_new_packets().unwrap();
    let hrr = s.server.pending_tls().to_vec();
    s.client.read_tls(&hrr);
    s.client.process_new_packets().unwrap();
    let flight = s.client.pending_tls().to_vec();
    let recs = whole_records(&flight);
    let ch2 = recs
        .iter()
        .find(|r| r[0] == content_type::HANDSHAKE)
        .unwrap();
    let HandshakePayload::ClientHello(mut hello2) = HandshakePayload::decode(&ch2[5..]).unwrap()
    else {
        panic!()
    };
    hello2.random[0] ^= 1;
    let bytes = plain_record(
        content_type::HANDSHAKE,
        &HandshakePayload::ClientHello(hello2).to_vec(),
    );
    let e = feed(&mut s.server, &bytes);
    assert_eq!(
        e,
        Error::PeerMisbehaved(PeerMisbehaved::IllegalClientHelloAfterRetry)
    );
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

// ---- the post-quantum hybrid groups (draft-ietf-tls-ecdhe-mlkem §3.1.2) ----

/// The ClientHello's X25519MLKEM768 share, altered by `alter`, sent to a server.
fn server_error_for_hybrid_share(alter: impl FnOnce(&mut Vec<u8>)) -> (Setup, Error) {
    server_error_for_client_hello_struct(|ch| {
        let shares = ch.extensions.key_share.as_mut().unwrap();
        let hybrid = shares
            .to_mut()
            .iter_mut()
            .find(|s| s.group == NamedGroup::X25519MLKEM768)
            .expect("the default ClientHello has an X25519MLKEM768 share");
        alter(hybrid.key_exchange.to_mut());
    })
}

#[test]
fn hybrid_client_share_of_the_wrong_length_is_illegal_parameter() {
    for change in [
        |s: &mut Vec<u8>| s.truncate(1215),
        |s: &mut Vec<u8>| s.push(0),
    ] {
        let (s, e) = server_error_for_hybrid_share(change);
        expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
    }
}

#[test]
fn hybrid_encapsulation_key_failing_the_fips_203_check_is_illegal_parameter() {
    let (s, e) = server_error_for_hybrid_share(|share| {
        // FIPS 203 §7.2: the first 12-bit coefficient becomes 4095, not below q = 3329.
        share[0] = 0xff;
        share[1] |= 0x0f;
    });
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

#[test]
fn hybrid_share_with_a_low_order_x25519_half_is_illegal_parameter() {
    let (s, e) = server_error_for_hybrid_share(|share| share[1184..].fill(0));
    expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
}

#[test]
fn server_answering_the_hybrid_group_with_a_share_of_the_wrong_length_is_illegal_parameter() {
    // 32 bytes: a server that picks X25519MLKEM768 but answers as if it were X25519.
    for len in [32, 1119, 1121] {
        let (s, e) = client_error_for_server_hello(|sh| {
            let share = sh.extensions.key_share.as_mut().unwrap();
            assert_eq!(share.group, NamedGroup::X25519MLKEM768);
            share.key_exchange.to_mut().resize(len, 9);
        });
        expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
    }
}

#[test]
fn secp256r1_mlkem768_shares_of_the_wrong_shape_are_illegal_parameter() {
    let mut client = insecure_client_config();
    client.groups = vec![NamedGroup::SecP256r1MLKEM768];
    // The client's share: 65 + 1,184 bytes, the uncompressed P-256 point first.
    for change in [
        |s: &mut Vec<u8>| s.truncate(1248),
        |s: &mut Vec<u8>| s[0] = 0x02,
    ] {
        let mut s = setup_with(client.clone(), server_config(KeyType::P256));
        let ch = client_hello(&mut s);
        let HandshakePayload::ClientHello(mut hello) = HandshakePayload::decode(&ch[5..]).unwrap()
        else {
            panic!("not a ClientHello")
        };
        change(
            hello.extensions.key_share.as_mut().unwrap().to_mut()[0]
                .key_exchange
                .to_mut(),
        );
        let msg = HandshakePayload::ClientHello(hello).to_vec();
        let e = feed(&mut s.server, &plain_record(content_type::HANDSHAKE, &msg));
        expect_alert(&s.server, &e, AlertDescription::IllegalParameter);
    }
    // The server's share: 65 + 1,088 bytes; a P-256-sized answer is refused.
    let mut s = setup_with(client, server_config(KeyType::P256));
    let (sh_record, _, _) = server_flight(&mut s);
    let HandshakePayload::ServerHello(mut sh) = HandshakePayload::decode(&sh_record[5..]).unwrap()
    else {
        panic!("not a ServerHello")
    };
    let share = sh.extensions.key_share.as_mut().unwrap();
    assert_eq!(share.group, NamedGroup::SecP256r1MLKEM768);
    share.key_exchange.to_mut().truncate(65);
    let bytes = plain_record(
        content_type::HANDSHAKE,
        &HandshakePayload::ServerHello(sh).to_vec(),
    );
    let e = feed(&mut s.client, &bytes);
    expect_alert(&s.client, &e, AlertDescription::IllegalParameter);
}
