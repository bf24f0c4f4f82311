//! A hostile TLS 1.2 server against padlock's client, one test per state and per rail:
//! messages in the wrong place, a tampered or replayed ServerKeyExchange, curves and points
//! that must be refused, ChangeCipherSpec anywhere but its one place (CVE-2014-0224), a
//! bad Finished, the RFC 5746 / RFC 7627 / RFC 8446 §4.1.3 rails, and renegotiation
//! refused. Each ends in the alert the RFC names (or, for a HelloRequest, a warning and a
//! connection that goes on). The harness is `common/tls12.rs`.

mod common;

use common::tls12::*;
use common::*;
use padlock_crypto::{AeadAlgorithm, HashAlgorithm};
use padlock_tls::internal::tls12::prf::prf;
use padlock_tls::internal::wire::{
    Codec, ContentType, ExtensionType, HandshakePayload, RawExtension, DOWNGRADE_TLS12,
};
use padlock_tls::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};

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
        verify_data: &[0; 12],
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
        ske.params.public = &[4; 97];
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
fn a_certificate_on_a_curve_the_client_did_not_list_is_illegal_parameter() {
    // RFC 8422 §5.3: the server's ECDSA key must be on one of the client's
    // supported_groups. This server's flight answers a client that listed P-256; a client
    // that listed only X25519 refuses its P-256 certificate.
    let r = run_in(NamedGroup::x25519);
    let mut config = tls12_client();
    config.groups = vec![NamedGroup::x25519];
    let mut client =
        padlock_tls::Connection::client(std::sync::Arc::new(config), localhost()).unwrap();
    take(&mut client);
    let err = expect_alert(
        &mut client,
        &hs_record(&r.flight[..2]),
        AlertDescription::IllegalParameter,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::UnofferedCertificateCurve.into()
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
        flight[2] = resigned_server_key_exchange(&r, |ske| ske.params.public = &point);
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
fn a_server_hello_echoing_our_session_id_is_illegal_parameter() {
    // RFC 5246 §7.4.1.3: the echo would resume a session; our id is RFC 8446 §4.1.2's
    // random compatibility-mode one, so there is no session to resume.
    let mut r = start(insecure_client_config(), tls12_server());
    let HandshakePayload::ClientHello(ch) = decode(&r.client_hello) else {
        panic!("not a ClientHello")
    };
    assert_eq!(ch.legacy_session_id.len(), 32);
    let flight = with_server_hello(&r, |sh| sh.legacy_session_id_echo = &ch.legacy_session_id);
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::IllegalParameter,
    );
    assert!(err.to_string().contains("session id"), "{err}");
}

#[test]
fn a_client_offering_only_tls12_sends_an_empty_session_id() {
    // RFC 8446 §D.4's compatibility-mode id is TLS 1.3's; with no session to resume a
    // TLS 1.2 ClientHello's is empty (RFC 5246 §7.4.1.2).
    let r = run();
    let HandshakePayload::ClientHello(ch) = decode(&r.client_hello) else {
        panic!("not a ClientHello")
    };
    assert!(ch.legacy_session_id.is_empty());
}

#[test]
fn a_non_empty_renegotiation_info_in_an_initial_handshake_is_refused() {
    let mut r = run();
    let flight = with_server_hello(&r, |sh| {
        let mut ext = server_hello_extensions(sh);
        ext.renegotiation_info = Some(&[1; 24]);
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
            data: vec![].into(),
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
        ext.ec_point_formats = Some(
            vec![padlock_tls::internal::wire::EcPointFormat::ansiX962_compressed_prime].into(),
        );
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
        verify_data: &[0; 12],
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

#[test]
fn warning_alerts_are_passed_over_but_the_fifth_in_a_row_is_refused() {
    // RFC 5246 §7.2: after a warning the connection can continue; BoGo's
    // SendWarningAlerts-Pass / -TooMany count four as fine and five as too many.
    let mut r = established();
    let mut server = sealer(&r, false, 1);
    let warning = [1u8, AlertDescription::NoRenegotiation.to_wire()];
    for _ in 0..4 {
        r.client
            .read_tls(&sealed(&mut server, ContentType::Alert, &warning));
        r.client.process_new_packets().unwrap();
    }
    r.client
        .read_tls(&sealed(&mut server, ContentType::ApplicationData, b"on"));
    r.client.process_new_packets().unwrap();
    let mut buf = [0u8; 8];
    let n = r.client.read_plaintext(&mut buf);
    assert_eq!(&buf[..n], b"on");
    for _ in 0..4 {
        r.client
            .read_tls(&sealed(&mut server, ContentType::Alert, &warning));
        r.client.process_new_packets().unwrap();
    }
    r.client
        .read_tls(&sealed(&mut server, ContentType::Alert, &warning));
    assert_eq!(
        r.client.process_new_packets().unwrap_err(),
        padlock_tls::PeerMisbehaved::TooManyWarningAlerts.into()
    );
}

#[test]
fn handshake_data_behind_the_server_hello_done_is_unexpected_message() {
    // RFC 5246 §7.3: the ServerHelloDone ends the server's flight; a NewSessionTicket
    // begun in the same record was sent before our flight could have been read.
    let mut r = run();
    let mut bytes: Vec<u8> = r.flight.concat();
    bytes.extend_from_slice(&[4, 0, 0, 10, 0]);
    expect_data_before_our_answer(&mut r.client, &bytes);
}

#[test]
fn a_warning_unrecognized_name_before_the_server_hello_is_passed_over() {
    // RFC 6066 §3: a TLS 1.2 server may warn that it does not know the name and go on.
    let mut r = run();
    let mut bytes = record(21, &[1, AlertDescription::UnrecognizedName.to_wire()]);
    bytes.extend(hs_record(&r.flight));
    r.client.read_tls(&bytes);
    r.client.process_new_packets().unwrap();
    assert!(
        !take(&mut r.client).is_empty(),
        "the client's flight follows"
    );
}

#[test]
fn a_protected_record_naming_another_version_is_protocol_version() {
    // RFC 5246 §6.2.1: once TLS 1.2 is in use, every record says {3, 3}.
    let mut r = established();
    let mut server = sealer(&r, false, 1);
    let mut bytes = sealed(&mut server, ContentType::ApplicationData, b"hi");
    bytes[1..3].copy_from_slice(&[0x03, 0xff]);
    let err = expect_alert(&mut r.client, &bytes, AlertDescription::ProtocolVersion);
    assert_eq!(err, padlock_tls::PeerMisbehaved::WrongRecordVersion.into());
}

#[test]
fn a_fatal_alert_ends_the_connection() {
    let mut r = established();
    let mut server = sealer(&r, false, 1);
    let fatal = [2u8, AlertDescription::NoRenegotiation.to_wire()];
    r.client
        .read_tls(&sealed(&mut server, ContentType::Alert, &fatal));
    assert_eq!(
        r.client.process_new_packets().unwrap_err(),
        padlock_tls::Error::AlertReceived(AlertDescription::NoRenegotiation)
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
