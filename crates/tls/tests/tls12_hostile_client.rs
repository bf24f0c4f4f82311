//! A hostile TLS 1.2 client against padlock's server, one test per state and per rail:
//! messages in the wrong place, ChangeCipherSpec anywhere but its one place, invalid
//! points, bad Finished and CertificateVerify, the RFC 5746 / RFC 7627 / RFC 7507 rails,
//! refused versions and suites named, and renegotiation refused. The harness is
//! `common/tls12.rs`.

mod common;

use std::sync::Arc;

use common::tls12::*;
use common::*;
use padlock_tls::internal::wire::{Codec, ContentType, HandshakePayload};
use padlock_tls::{
    AlertDescription, CipherSuite, Connection, Error, NamedGroup, ProtocolVersion, ServerConfig,
};

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
        verify_data: &[0; 12],
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
        signature: &[1],
    })
    .to_vec();
    expect_alert(
        &mut r.server,
        &hs_record(&[cv]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn handshake_data_behind_the_client_hello_is_unexpected_message() {
    // RFC 5246 §7.3: the ClientHello ends the client's first flight; a ClientKeyExchange
    // begun in the same record was sent before our ServerHello could have been read.
    let mut client = Connection::client(Arc::new(tls12_client()), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(tls12_server())).unwrap();
    let hello = handshake_bytes(&take(&mut client));
    let mut bytes = hello.clone();
    bytes.extend_from_slice(&[16, 0, 0, 33, 32, 9]);
    expect_data_before_our_answer(&mut server, &bytes);
}

#[test]
fn an_invalid_client_point_is_illegal_parameter() {
    for point in [vec![0u8; 32], vec![9; 31], vec![4; 65]] {
        let mut r = run_in(NamedGroup::x25519);
        let mut body = vec![point.len() as u8];
        body.extend_from_slice(&point);
        let cke =
            HandshakePayload::ClientKeyExchange(padlock_tls::internal::wire::ClientKeyExchange {
                body: &body,
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
        verify_data: &[0; 12],
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
        |ch| {
            ch.cipher_suites
                .to_mut()
                .push(CipherSuite::TLS_FALLBACK_SCSV)
        },
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
    ch.cipher_suites
        .to_mut()
        .push(CipherSuite::TLS_FALLBACK_SCSV);
    server.read_tls(&hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]));
    server.process_new_packets().unwrap();
}

#[test]
fn a_non_empty_client_renegotiation_info_is_handshake_failure() {
    server_refuses_hello(
        tls12_server(),
        |ch| ch.extensions.renegotiation_info = Some(vec![1; 12].into()),
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
        |ch| ch.cipher_suites = vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA].into(),
        AlertDescription::HandshakeFailure,
    );
    assert!(err.to_string().contains("CBC"), "{err}");
    let mut server = ServerConfig::new(provider(), server_key(KeyType::Rsa2048));
    server.versions = vec![ProtocolVersion::TLSv1_2];
    let err = server_refuses_hello(
        server,
        |ch| ch.cipher_suites = vec![CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256].into(),
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
        |ch| ch.extensions.supported_groups = Some(vec![NamedGroup::x25519].into()),
        AlertDescription::HandshakeFailure,
    );
    assert_eq!(
        err,
        padlock_tls::PeerIncompatible::CertificateCurveNotOffered.into()
    );
    assert!(err.to_string().contains("certificate's curve"), "{err}");
}

#[test]
fn a_client_without_uncompressed_points_is_illegal_parameter() {
    server_refuses_hello(
        tls12_server(),
        |ch| {
            ch.extensions.ec_point_formats = Some(
                vec![padlock_tls::internal::wire::EcPointFormat::ansiX962_compressed_prime].into(),
            )
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
                Some(vec![padlock_tls::SignatureScheme::ecdsa_sha1].into())
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
