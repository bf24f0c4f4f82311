//! Hostile peers against padlock's TLS 1.2 engine, one test per state and per rail: every
//! message in the wrong place, a tampered ServerKeyExchange, curves and points that must
//! be refused, ChangeCipherSpec anywhere but its one place (CVE-2014-0224), bad Finished,
//! the RFC 5746 / RFC 7627 / RFC 7507 / RFC 8446 §4.1.3 rails, and renegotiation refused.
//! Each ends in the alert the RFC names (or, for renegotiation, a warning and a connection
//! that goes on).

mod common;

use std::sync::Arc;

use common::*;
use padlock_crypto::{AeadAlgorithm, HashAlgorithm, SignatureAlgorithm};
use padlock_tls::internal::record::{RecordKeys, RecordSealer};
use padlock_tls::internal::tls12::prf::prf;
use padlock_tls::internal::wire::{
    Codec, ContentType, ExtensionType, HandshakePayload, RawExtension, ServerHello,
    ServerKeyExchange, Tls12ServerHelloExtensions, DOWNGRADE_TLS12,
};
use padlock_tls::{
    AlertDescription, CipherSuite, ClientConfig, Connection, Error, NamedGroup, ProtocolVersion,
    ServerConfig,
};

const HANDSHAKE: u8 = 22;
const CCS: u8 = 20;

/// A client and a server, the ClientHello the client sent, and the server's first flight
/// (its handshake messages, each with its header).
struct Run {
    client: Connection,
    server: Connection,
    client_hello: Vec<u8>,
    flight: Vec<Vec<u8>>,
    keys: Arc<Capture>,
}

fn tls12_client() -> ClientConfig {
    let mut c = insecure_client_config();
    c.versions = vec![ProtocolVersion::TLSv1_2];
    c
}

fn tls12_server() -> ServerConfig {
    let mut s = server_config(KeyType::P256);
    s.versions = vec![ProtocolVersion::TLSv1_2];
    s
}

/// Runs the ClientHello through the server and keeps its first flight, undelivered.
fn start(mut client: ClientConfig, mut server: ServerConfig) -> Run {
    let keys = Arc::new(Capture::default());
    client.key_log = Some(keys.clone());
    server.key_log = Some(keys.clone());
    let mut client = Connection::client(Arc::new(client), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server)).unwrap();
    let hello = take(&mut client);
    let client_hello = handshake_bytes(&hello);
    server.read_tls(&hello);
    server.process_new_packets().unwrap();
    let flight = split(&handshake_bytes(&take(&mut server)));
    Run {
        client,
        server,
        client_hello,
        flight,
        keys,
    }
}

fn run() -> Run {
    start(tls12_client(), tls12_server())
}

/// A run in which the server picks `group` (the client lists it, and P-256 for the
/// server's certificate, RFC 8422 §5.3).
fn run_in(group: NamedGroup) -> Run {
    let mut client = tls12_client();
    client.groups = vec![group, NamedGroup::secp256r1];
    let mut server = tls12_server();
    server.groups = vec![group];
    start(client, server)
}

/// Everything `conn` queued to send, consumed.
fn take(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

/// The handshake bytes of the unprotected handshake records in `bytes`.
fn handshake_bytes(bytes: &[u8]) -> Vec<u8> {
    records(bytes)
        .into_iter()
        .filter(|(t, _)| *t == HANDSHAKE)
        .flat_map(|(_, p)| p)
        .collect()
}

/// Handshake messages, each with its 4-byte header.
fn split(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while bytes.len() >= 4 {
        let len = usize::from(bytes[1]) << 16 | usize::from(bytes[2]) << 8 | usize::from(bytes[3]);
        out.push(bytes[..4 + len].to_vec());
        bytes = &bytes[4 + len..];
    }
    out
}

fn hs_record(messages: &[Vec<u8>]) -> Vec<u8> {
    record(HANDSHAKE, &messages.concat())
}

/// Feeds `bytes` to `conn`; returns the error it fails with and the alert it queued.
fn refuse(conn: &mut Connection, bytes: &[u8]) -> (Error, Option<AlertDescription>) {
    conn.read_tls(bytes);
    let err = conn
        .process_new_packets()
        .expect_err("the hostile input should be refused");
    // An alert in the clear is read; a sealed one (after our ChangeCipherSpec) is the one
    // the engine's single mapping chose for the error.
    let alert = records(conn.pending_tls())
        .into_iter()
        .rev()
        .find(|(t, _)| *t == 21)
        .and_then(|(_, p)| match p.len() {
            2 => Some(AlertDescription::from_wire(p[1])),
            _ => padlock_tls::alert::alert_for(&err),
        });
    (err, alert)
}

fn expect_alert(conn: &mut Connection, bytes: &[u8], alert: AlertDescription) -> Error {
    let (err, sent) = refuse(conn, bytes);
    assert_eq!(sent, Some(alert), "{err}");
    err
}

fn decode(message: &[u8]) -> HandshakePayload {
    HandshakePayload::decode_tls12(message).unwrap()
}

/// The flight with `alter` applied to the ServerHello.
fn with_server_hello(run: &Run, alter: impl FnOnce(&mut ServerHello)) -> Vec<Vec<u8>> {
    let HandshakePayload::ServerHello(mut sh) = decode(&run.flight[0]) else {
        panic!("not a ServerHello")
    };
    alter(&mut sh);
    let mut flight = run.flight.clone();
    flight[0] = HandshakePayload::ServerHello(sh).to_vec();
    flight
}

fn server_hello_extensions(sh: &ServerHello) -> Tls12ServerHelloExtensions {
    Tls12ServerHelloExtensions::from_raw(&sh.extensions.other).unwrap()
}

fn randoms(run: &Run) -> ([u8; 32], [u8; 32]) {
    let HandshakePayload::ClientHello(ch) = decode(&run.client_hello) else {
        panic!()
    };
    let HandshakePayload::ServerHello(sh) = decode(&run.flight[0]) else {
        panic!()
    };
    (ch.random, sh.random)
}

/// The ServerKeyExchange with `alter` applied, re-signed with the server's real key so
/// only the alteration is wrong.
fn resigned_server_key_exchange(run: &Run, alter: impl FnOnce(&mut ServerKeyExchange)) -> Vec<u8> {
    let HandshakePayload::ServerKeyExchange(mut ske) = decode(&run.flight[2]) else {
        panic!("not a ServerKeyExchange")
    };
    alter(&mut ske);
    let (cr, sr) = randoms(run);
    let mut signed = cr.to_vec();
    signed.extend_from_slice(&sr);
    signed.extend_from_slice(&ske.params.encoded());
    ske.signature.signature = server_key(KeyType::P256)
        .key
        .sign(SignatureAlgorithm::EcdsaP256Sha256, &signed)
        .unwrap();
    HandshakePayload::ServerKeyExchange(ske).to_vec()
}

/// Completes the client's side up to its own Finished and returns its flight's records
/// (ClientKeyExchange, ChangeCipherSpec, Finished), undelivered.
fn client_flight(run: &mut Run) -> Vec<(u8, Vec<u8>)> {
    run.client.read_tls(&hs_record(&run.flight));
    run.client.process_new_packets().unwrap();
    records(&take(&mut run.client))
}

/// A handshake completed through the harness (keys logged), nothing left to deliver.
fn established() -> Run {
    let mut r = run();
    for (typ, payload) in client_flight(&mut r) {
        r.server.read_tls(&record(typ, &payload));
    }
    r.server.process_new_packets().unwrap();
    let finish = take(&mut r.server);
    r.client.read_tls(&finish);
    r.client.process_new_packets().unwrap();
    assert!(!r.client.is_handshaking() && !r.server.is_handshaking());
    r
}

/// The record keys of one side, from the key log's master secret (RFC 5246 §6.3), for
/// AES-128-GCM suites: what a peer would seal with.
fn sealer(run: &Run, client_side: bool, seq: u64) -> RecordSealer {
    let master = run.keys.logged("CLIENT_RANDOM");
    let (cr, sr) = randoms(run);
    let mut block = [0u8; 40];
    prf(
        provider().as_ref(),
        HashAlgorithm::Sha256,
        &master,
        b"key expansion",
        &[&sr, &cr],
        &mut block,
    );
    let (key, iv) = if client_side {
        (&block[..16], &block[32..36])
    } else {
        (&block[16..32], &block[36..40])
    };
    let mut sealer = RecordSealer::new();
    sealer
        .install(
            provider().as_ref(),
            &RecordKeys::tls12(AeadAlgorithm::Aes128Gcm, key, iv).unwrap(),
        )
        .unwrap();
    let mut sink = Vec::new();
    for _ in 0..seq {
        sealer
            .seal_append(ContentType::ApplicationData, b"", &mut sink)
            .unwrap();
    }
    sealer
}

fn sealed(sealer: &mut RecordSealer, typ: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    sealer.seal_append(typ, payload, &mut out).unwrap();
    out
}

// ---- the client against a hostile server ----

#[test]
fn early_change_cipher_spec_from_the_server_is_unexpected_message() {
    // CVE-2014-0224: a CCS before the key exchange would install keys made of nothing.
    // (After the whole flight the client has sent its own: a ChangeCipherSpec is then
    // where it belongs, and the server's Finished decides.)
    for at in 1..=3 {
        let mut r = run();
        let mut bytes = hs_record(&r.flight[..at]);
        bytes.extend_from_slice(&record(CCS, &[1]));
        expect_alert(&mut r.client, &bytes, AlertDescription::UnexpectedMessage);
    }
}

#[test]
fn server_finished_before_its_change_cipher_spec_is_unexpected_message() {
    let mut r = run();
    client_flight(&mut r);
    let finished = HandshakePayload::Finished(padlock_tls::internal::wire::Finished {
        verify_data: vec![0; 12],
    })
    .to_vec();
    expect_alert(
        &mut r.client,
        &hs_record(&[finished]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn messages_out_of_order_from_the_server_are_unexpected_message() {
    // Skip the Certificate; skip the ServerKeyExchange; ServerHelloDone twice.
    for order in [
        vec![0, 2, 3],
        vec![0, 1, 3],
        vec![0, 1, 2, 3, 3],
        vec![0, 0],
    ] {
        let mut r = run();
        let flight: Vec<Vec<u8>> = order.iter().map(|&i| r.flight[i].clone()).collect();
        expect_alert(
            &mut r.client,
            &hs_record(&flight),
            AlertDescription::UnexpectedMessage,
        );
    }
}

#[test]
fn a_hello_request_during_the_handshake_is_ignored() {
    let mut r = run();
    let hello_request = vec![0u8, 0, 0, 0];
    let mut flight = r.flight.clone();
    flight.insert(2, hello_request.clone());
    flight.insert(1, hello_request);
    r.client.read_tls(&hs_record(&flight));
    r.client.process_new_packets().unwrap();
    // The client's flight follows as usual, and the handshake completes.
    for (typ, payload) in records(&take(&mut r.client)) {
        r.server.read_tls(&record(typ, &payload));
    }
    r.server.process_new_packets().unwrap();
    assert!(!r.server.is_handshaking());
}

#[test]
fn a_tampered_server_key_exchange_signature_is_decrypt_error() {
    let mut r = run();
    let mut flight = r.flight.clone();
    let last = flight[2].len() - 1;
    flight[2][last] ^= 1;
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::DecryptError,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::BadServerKeyExchangeSignature.into()
    );
}

#[test]
fn a_server_key_exchange_signed_over_other_randoms_is_decrypt_error() {
    // The signature covers both randoms: a replayed ServerKeyExchange fails.
    let first = run();
    let mut second = run();
    let mut flight = second.flight.clone();
    flight[2] = first.flight[2].clone();
    expect_alert(
        &mut second.client,
        &hs_record(&flight),
        AlertDescription::DecryptError,
    );
}

#[test]
fn a_curve_the_client_did_not_offer_is_illegal_parameter() {
    let mut r = run_in(NamedGroup::x25519);
    let mut flight = r.flight.clone();
    flight[2] = resigned_server_key_exchange(&r, |ske| {
        ske.params.named_group = NamedGroup::secp384r1;
        ske.params.public = vec![4; 97];
    });
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::IllegalParameter,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::SelectedUnofferedGroup.into()
    );
}

#[test]
fn an_invalid_point_is_illegal_parameter() {
    for (group, point) in [
        (NamedGroup::secp256r1, {
            let mut p = vec![4u8; 65];
            p[1..].fill(0xff); // not on the curve
            p
        }),
        (NamedGroup::secp256r1, vec![2; 33]), // compressed: RFC 8422 allows only uncompressed
        (NamedGroup::x25519, vec![0; 32]),    // the all-zero shared secret
        (NamedGroup::x25519, vec![9; 31]),    // wrong length
    ] {
        let mut r = run_in(group);
        let mut flight = r.flight.clone();
        flight[2] = resigned_server_key_exchange(&r, |ske| ske.params.public = point.clone());
        let err = expect_alert(
            &mut r.client,
            &hs_record(&flight),
            AlertDescription::IllegalParameter,
        );
        assert_eq!(
            err,
            padlock_tls::PeerMisbehaved::InvalidKeyShare.into(),
            "{group}"
        );
    }
}

#[test]
fn a_server_hello_without_renegotiation_info_is_refused() {
    let mut r = run();
    let flight = with_server_hello(&r, |sh| {
        sh.extensions
            .other
            .retain(|e| e.typ != ExtensionType::RenegotiationInfo)
    });
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::HandshakeFailure,
    );
    assert!(err.to_string().contains("secure renegotiation"), "{err}");
}

#[test]
fn a_non_empty_renegotiation_info_in_an_initial_handshake_is_refused() {
    let mut r = run();
    let flight = with_server_hello(&r, |sh| {
        let mut ext = server_hello_extensions(sh);
        ext.renegotiation_info = Some(vec![1; 24]);
        sh.extensions.other = ext.to_raw();
    });
    expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::HandshakeFailure,
    );
}

#[test]
fn a_client_requiring_ems_refuses_a_server_without_it() {
    let mut client = tls12_client();
    client.require_extended_master_secret = true;
    let mut r = start(client, tls12_server());
    let flight = with_server_hello(&r, |sh| {
        let mut ext = server_hello_extensions(sh);
        ext.extended_master_secret = false;
        sh.extensions.other = ext.to_raw();
    });
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::HandshakeFailure,
    );
    assert!(err.to_string().contains("Extended Master Secret"), "{err}");
}

#[test]
fn an_unsolicited_server_hello_extension_is_unsupported_extension() {
    let mut client = tls12_client();
    client.alpn_protocols = vec![];
    let mut r = start(client, tls12_server());
    let flight = with_server_hello(&r, |sh| {
        sh.extensions.other.push(RawExtension {
            typ: ExtensionType::SessionTicket,
            data: vec![],
        })
    });
    expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::UnsupportedExtension,
    );
}

#[test]
fn tls13_extensions_in_a_tls12_server_hello_are_illegal_parameter() {
    let mut r = run();
    let flight = with_server_hello(&r, |sh| sh.extensions.pre_shared_key = Some(0));
    expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::IllegalParameter,
    );
}

#[test]
fn a_suite_the_client_did_not_offer_is_illegal_parameter() {
    for suite in [
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_AES_128_GCM_SHA256,
    ] {
        let mut r = run();
        let flight = with_server_hello(&r, |sh| sh.cipher_suite = suite);
        expect_alert(
            &mut r.client,
            &hs_record(&flight),
            AlertDescription::IllegalParameter,
        );
    }
}

#[test]
fn a_certificate_that_does_not_fit_the_suite_is_unsupported_certificate() {
    // The server says ECDHE_RSA but presents its ECDSA certificate.
    let mut r = run();
    let flight = with_server_hello(&r, |sh| {
        sh.cipher_suite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    });
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::UnsupportedCertificate,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::WrongCertificateKeyForSuite.into()
    );
}

#[test]
fn ec_point_formats_without_uncompressed_is_illegal_parameter() {
    let mut r = run();
    let flight = with_server_hello(&r, |sh| {
        let mut ext = server_hello_extensions(sh);
        ext.ec_point_formats = Some(vec![
            padlock_tls::internal::wire::EcPointFormat::ansiX962_compressed_prime,
        ]);
        sh.extensions.other = ext.to_raw();
    });
    expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::IllegalParameter,
    );
}

#[test]
fn the_downgrade_sentinel_is_refused_by_a_client_that_offered_tls13() {
    let mut r = start(insecure_client_config(), tls12_server());
    let flight = with_server_hello(&r, |sh| sh.random[24..].copy_from_slice(&DOWNGRADE_TLS12));
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::IllegalParameter,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::DowngradeMarkerPresent.into()
    );
}

#[test]
fn a_tls11_server_hello_is_protocol_version_named() {
    let mut r = run();
    let flight = with_server_hello(&r, |sh| sh.legacy_version = ProtocolVersion::TLSv1_1);
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::ProtocolVersion,
    );
    assert!(
        err.to_string()
            .contains("TLS 1.1; padlock needs TLS 1.2 or later"),
        "{err}"
    );
}

#[test]
fn a_bad_server_finished_is_decrypt_error() {
    let mut r = run();
    client_flight(&mut r);
    let mut server = sealer(&r, false, 0);
    let finished = HandshakePayload::Finished(padlock_tls::internal::wire::Finished {
        verify_data: vec![0; 12],
    })
    .to_vec();
    let mut bytes = record(CCS, &[1]);
    bytes.extend(sealed(&mut server, ContentType::Handshake, &finished));
    let err = expect_alert(&mut r.client, &bytes, AlertDescription::DecryptError);
    assert_eq!(err, padlock_tls::PeerMisbehaved::FinishedMismatch.into());
}

#[test]
fn a_second_change_cipher_spec_is_unexpected_message() {
    let mut r = run();
    client_flight(&mut r);
    let mut bytes = record(CCS, &[1]);
    bytes.extend(record(CCS, &[1]));
    expect_alert(&mut r.client, &bytes, AlertDescription::UnexpectedMessage);
}

#[test]
fn a_malformed_change_cipher_spec_is_unexpected_message() {
    let mut r = run();
    client_flight(&mut r);
    expect_alert(
        &mut r.client,
        &record(CCS, &[2]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn a_hello_request_after_the_handshake_gets_no_renegotiation_and_the_connection_goes_on() {
    let mut r = established();
    // The server's Finished was its record 0 under these keys.
    let mut server = sealer(&r, false, 1);
    let hello_request = [0u8, 0, 0, 0];
    r.client
        .read_tls(&sealed(&mut server, ContentType::Handshake, &hello_request));
    r.client.process_new_packets().unwrap();
    // A warning no_renegotiation, sealed: level 1, then data still flows.
    let answer = take(&mut r.client);
    assert_eq!(answer[0], 21, "an alert record");
    assert!(r.client.error().is_none());
    r.client.read_tls(&sealed(
        &mut server,
        ContentType::ApplicationData,
        b"still here",
    ));
    r.client.process_new_packets().unwrap();
    let mut buf = [0u8; 32];
    let n = r.client.read_plaintext(&mut buf);
    assert_eq!(&buf[..n], b"still here");
}

// ---- the server against a hostile client ----

#[test]
fn early_change_cipher_spec_from_the_client_is_unexpected_message() {
    // Before the ClientKeyExchange (no keys yet), right after the ClientHello, and twice.
    let mut r = run();
    expect_alert(
        &mut r.server,
        &record(CCS, &[1]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn client_finished_before_its_change_cipher_spec_is_unexpected_message() {
    let mut r = run();
    let flight = client_flight(&mut r);
    // The ClientKeyExchange, then a Finished in the clear with no ChangeCipherSpec.
    let mut bytes = record(flight[0].0, &flight[0].1);
    let finished = HandshakePayload::Finished(padlock_tls::internal::wire::Finished {
        verify_data: vec![0; 12],
    })
    .to_vec();
    bytes.extend(hs_record(&[finished]));
    expect_alert(&mut r.server, &bytes, AlertDescription::UnexpectedMessage);
}

#[test]
fn messages_out_of_order_from_the_client_are_unexpected_message() {
    let mut r = run();
    // A second ClientHello where the ClientKeyExchange belongs.
    expect_alert(
        &mut r.server,
        &hs_record(std::slice::from_ref(&r.client_hello)),
        AlertDescription::UnexpectedMessage,
    );
    // A CertificateVerify no one asked for.
    let mut r = run();
    let cv = HandshakePayload::CertificateVerify(padlock_tls::internal::wire::CertificateVerify {
        algorithm: padlock_tls::SignatureScheme::ecdsa_secp256r1_sha256,
        signature: vec![1],
    })
    .to_vec();
    expect_alert(
        &mut r.server,
        &hs_record(&[cv]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn an_invalid_client_point_is_illegal_parameter() {
    for point in [vec![0u8; 32], vec![9; 31], vec![4; 65]] {
        let mut r = run_in(NamedGroup::x25519);
        let mut body = vec![point.len() as u8];
        body.extend_from_slice(&point);
        let cke =
            HandshakePayload::ClientKeyExchange(padlock_tls::internal::wire::ClientKeyExchange {
                body,
            })
            .to_vec();
        expect_alert(
            &mut r.server,
            &hs_record(&[cke]),
            AlertDescription::IllegalParameter,
        );
    }
}

#[test]
fn a_bad_client_finished_is_decrypt_error() {
    let mut r = run();
    let flight = client_flight(&mut r);
    let mut client = sealer(&r, true, 0);
    let finished = HandshakePayload::Finished(padlock_tls::internal::wire::Finished {
        verify_data: vec![0; 12],
    })
    .to_vec();
    let mut bytes = record(flight[0].0, &flight[0].1);
    bytes.extend(record(CCS, &[1]));
    bytes.extend(sealed(&mut client, ContentType::Handshake, &finished));
    let err = expect_alert(&mut r.server, &bytes, AlertDescription::DecryptError);
    assert_eq!(err, padlock_tls::PeerMisbehaved::FinishedMismatch.into());
}

#[test]
fn a_tampered_client_finished_record_is_bad_record_mac() {
    let mut r = run();
    let mut flight = client_flight(&mut r);
    let last = flight[2].1.len() - 1;
    flight[2].1[last] ^= 1;
    let bytes: Vec<u8> = flight.iter().flat_map(|(t, p)| record(*t, p)).collect();
    expect_alert(&mut r.server, &bytes, AlertDescription::BadRecordMac);
}

/// The server's error for the client's ClientHello with `alter` applied.
fn server_refuses_hello(
    server: ServerConfig,
    alter: impl FnOnce(&mut padlock_tls::internal::wire::ClientHello),
    alert: AlertDescription,
) -> Error {
    let mut client = Connection::client(Arc::new(tls12_client()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server)).unwrap();
    let hello = handshake_bytes(&take(&mut client));
    let HandshakePayload::ClientHello(mut ch) = decode(&hello) else {
        panic!()
    };
    alter(&mut ch);
    let bytes = hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]);
    expect_alert(&mut server, &bytes, alert)
}

#[test]
fn fallback_scsv_to_a_server_that_speaks_tls13_is_inappropriate_fallback() {
    let err = server_refuses_hello(
        server_config(KeyType::P256),
        |ch| ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV),
        AlertDescription::InappropriateFallback,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::InappropriateFallback.into()
    );
    // A server that speaks only TLS 1.2 has nothing better to offer: no fallback.
    let mut client = Connection::client(Arc::new(tls12_client()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(tls12_server())).unwrap();
    let hello = handshake_bytes(&take(&mut client));
    let HandshakePayload::ClientHello(mut ch) = decode(&hello) else {
        panic!()
    };
    ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
    server.read_tls(&hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]));
    server.process_new_packets().unwrap();
}

#[test]
fn a_non_empty_client_renegotiation_info_is_handshake_failure() {
    server_refuses_hello(
        tls12_server(),
        |ch| ch.extensions.renegotiation_info = Some(vec![1; 12]),
        AlertDescription::HandshakeFailure,
    );
}

#[test]
fn a_client_without_renegotiation_info_or_scsv_is_still_served() {
    // RFC 5746 §4.4: a server may serve a legacy client; padlock never renegotiates.
    let mut client = Connection::client(Arc::new(tls12_client()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(tls12_server())).unwrap();
    let hello = handshake_bytes(&take(&mut client));
    let HandshakePayload::ClientHello(mut ch) = decode(&hello) else {
        panic!()
    };
    ch.extensions.renegotiation_info = None;
    server.read_tls(&hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]));
    server.process_new_packets().unwrap();
    let flight = split(&handshake_bytes(&take(&mut server)));
    let HandshakePayload::ServerHello(sh) = decode(&flight[0]) else {
        panic!()
    };
    assert_eq!(server_hello_extensions(&sh).renegotiation_info, None);
}

#[test]
fn a_server_requiring_ems_refuses_a_client_without_it() {
    let mut server = tls12_server();
    server.require_extended_master_secret = true;
    let err = server_refuses_hello(
        server,
        |ch| ch.extensions.extended_master_secret = false,
        AlertDescription::HandshakeFailure,
    );
    assert!(err.to_string().contains("Extended Master Secret"), "{err}");
}

#[test]
fn client_offering_only_cbc_or_rsa_suites_is_refused_by_name() {
    let err = server_refuses_hello(
        tls12_server(),
        |ch| ch.cipher_suites = vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA],
        AlertDescription::HandshakeFailure,
    );
    assert!(err.to_string().contains("CBC"), "{err}");
    let mut server = ServerConfig::new(provider(), server_key(KeyType::Rsa2048));
    server.versions = vec![ProtocolVersion::TLSv1_2];
    let err = server_refuses_hello(
        server,
        |ch| ch.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256],
        AlertDescription::HandshakeFailure,
    );
    assert!(err.to_string().contains("legacy_rsa_key_exchange"), "{err}");
}

#[test]
fn a_tls10_client_is_protocol_version_named() {
    let err = server_refuses_hello(
        tls12_server(),
        |ch| ch.legacy_version = ProtocolVersion::TLSv1_0,
        AlertDescription::ProtocolVersion,
    );
    assert!(
        err.to_string()
            .contains("TLS 1.0; padlock needs TLS 1.2 or later"),
        "{err}"
    );
}

#[test]
fn an_ecdsa_certificate_on_a_curve_the_client_lacks_is_not_used() {
    // RFC 8422 §5.3: the P-256 certificate needs a client that lists P-256.
    let err = server_refuses_hello(
        tls12_server(),
        |ch| ch.extensions.supported_groups = Some(vec![NamedGroup::x25519]),
        AlertDescription::HandshakeFailure,
    );
    assert_eq!(
        err,
        padlock_tls::PeerIncompatible::NoCipherSuitesInCommon.into()
    );
}

#[test]
fn a_client_without_uncompressed_points_is_illegal_parameter() {
    server_refuses_hello(
        tls12_server(),
        |ch| {
            ch.extensions.ec_point_formats = Some(vec![
                padlock_tls::internal::wire::EcPointFormat::ansiX962_compressed_prime,
            ])
        },
        AlertDescription::IllegalParameter,
    );
}

#[test]
fn a_client_without_sha2_signature_algorithms_is_handshake_failure() {
    server_refuses_hello(
        tls12_server(),
        |ch| {
            ch.extensions.signature_algorithms =
                Some(vec![padlock_tls::SignatureScheme::ecdsa_sha1])
        },
        AlertDescription::HandshakeFailure,
    );
}

#[test]
fn a_renegotiating_client_hello_gets_no_renegotiation_and_the_connection_goes_on() {
    let mut r = established();
    // The client's Finished was its record 0.
    let mut client = sealer(&r, true, 1);
    r.server.read_tls(&sealed(
        &mut client,
        ContentType::Handshake,
        &r.client_hello,
    ));
    r.server.process_new_packets().unwrap();
    assert_eq!(take(&mut r.server)[0], 21, "an alert record");
    r.server
        .read_tls(&sealed(&mut client, ContentType::ApplicationData, b"more"));
    r.server.process_new_packets().unwrap();
    let mut buf = [0u8; 8];
    let n = r.server.read_plaintext(&mut buf);
    assert_eq!(&buf[..n], b"more");
}

#[test]
fn a_key_update_is_not_a_tls12_message() {
    let mut r = established();
    let mut client = sealer(&r, true, 1);
    expect_alert(
        &mut r.server,
        &sealed(&mut client, ContentType::Handshake, &[24, 0, 0, 1, 0]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn a_record_decrypting_to_more_than_2_14_bytes_is_record_overflow() {
    // Sealed by hand (RFC 5288 §3 nonce, RFC 5246 §6.2.3.3 AAD): the sealer refuses to.
    let mut r = established();
    let master = r.keys.logged("CLIENT_RANDOM");
    let (cr, sr) = randoms(&r);
    let mut block = [0u8; 40];
    prf(
        provider().as_ref(),
        HashAlgorithm::Sha256,
        &master,
        b"key expansion",
        &[&sr, &cr],
        &mut block,
    );
    let key = provider()
        .aead_key(AeadAlgorithm::Aes128Gcm, &block[16..32])
        .unwrap();
    let seq: u64 = 1; // after the server's Finished
    let len = (1 << 14) + 1;
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(&block[36..40]);
    nonce[4..].copy_from_slice(&seq.to_be_bytes());
    let mut aad = seq.to_be_bytes().to_vec();
    aad.extend_from_slice(&[23, 3, 3]);
    aad.extend_from_slice(&(len as u16).to_be_bytes());
    let mut body = vec![0x41u8; len];
    let tag = key.seal_in_place(&nonce, &aad, &mut body).unwrap();
    let mut payload = seq.to_be_bytes().to_vec();
    payload.extend_from_slice(&body);
    payload.extend_from_slice(&tag);
    expect_alert(
        &mut r.client,
        &record(23, &payload),
        AlertDescription::RecordOverflow,
    );
}

#[test]
fn application_data_before_the_handshake_completes_is_unexpected_message() {
    let mut r = run();
    client_flight(&mut r);
    expect_alert(
        &mut r.client,
        &record(23, b"early"),
        AlertDescription::UnexpectedMessage,
    );
}

/// A run with mutual TLS, and the client's flight: its Certificate, ClientKeyExchange and
/// CertificateVerify messages, then the rest (ChangeCipherSpec and Finished) as records.
struct MutualFlight {
    run: Run,
    messages: Vec<Vec<u8>>,
    rest: Vec<(u8, Vec<u8>)>,
}

fn mutual_tls_flight() -> MutualFlight {
    let mut client = tls12_client();
    client.client_auth = Some(certified_key(KeyType::P256, &["client"], true));
    let mut server = tls12_server();
    server.client_auth = padlock_tls::ClientAuth::Required(Arc::new(AcceptAnyClient));
    let mut r = start(client, server);
    let records = client_flight(&mut r);
    let messages = split(&records[0].1);
    assert_eq!(
        messages.len(),
        3,
        "Certificate, ClientKeyExchange, CertificateVerify"
    );
    MutualFlight {
        run: r,
        messages,
        rest: records[1..].to_vec(),
    }
}

#[test]
fn a_bad_client_certificate_verify_is_decrypt_error() {
    let MutualFlight {
        run: mut r,
        mut messages,
        ..
    } = mutual_tls_flight();
    let last = messages[2].len() - 1;
    messages[2][last] ^= 1;
    let err = expect_alert(
        &mut r.server,
        &hs_record(&messages),
        AlertDescription::DecryptError,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::BadCertificateVerifySignature.into()
    );
}

#[test]
fn a_client_certificate_verify_with_sha1_is_illegal_parameter() {
    let MutualFlight {
        run: mut r,
        mut messages,
        ..
    } = mutual_tls_flight();
    let HandshakePayload::CertificateVerify(mut cv) = decode(&messages[2]) else {
        panic!()
    };
    cv.algorithm = padlock_tls::SignatureScheme::ecdsa_sha1;
    messages[2] = HandshakePayload::CertificateVerify(cv).to_vec();
    expect_alert(
        &mut r.server,
        &hs_record(&messages),
        AlertDescription::IllegalParameter,
    );
}

#[test]
fn a_client_skipping_its_certificate_verify_is_unexpected_message() {
    // With a certificate sent, the ChangeCipherSpec may not come before the
    // CertificateVerify.
    let MutualFlight {
        run: mut r,
        messages,
        rest,
    } = mutual_tls_flight();
    let mut bytes = hs_record(&messages[..2]);
    bytes.extend(record(rest[0].0, &rest[0].1));
    expect_alert(&mut r.server, &bytes, AlertDescription::UnexpectedMessage);
}
