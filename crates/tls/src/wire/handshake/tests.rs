//! Round-trip and rejection tests for every handshake message, and the messages of the
//! RFC 8448 traces (parsed from the RFC's text by `padlock-test-support`).

use std::borrow::Cow;

use proptest::prelude::*;

use super::rfc8448;
use super::*;
use crate::wire::codec::DecodeErrorKind;
use crate::wire::enums::{
    CipherSuite, ExtensionType, KeyUpdateRequest, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use crate::wire::extensions::{
    CertificateEntryExtensions, CertificateRequestExtensions, ClientHelloExtensions,
    DistinguishedName, EncryptedExtensionsExtensions, ExtensionBlock, HelloRetryRequestExtensions,
    KeyShareEntry, NewSessionTicketExtensions, ProtocolName, RawExtension, ServerHelloExtensions,
};
use crate::wire::list::List;

/// decode(raw) keeps raw, and decode → encode → decode gives the same message.
fn assert_message_round_trips(raw: &[u8]) -> HandshakeMessage<'_> {
    let msg = HandshakeMessage::decode(raw).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(msg.raw, raw);
    let again = msg.payload.to_vec();
    assert_eq!(
        HandshakeMessage::decode(&again).unwrap().payload,
        msg.payload
    );
    msg
}

fn assert_payload_round_trips(payload: HandshakePayload<'_>) {
    let raw = payload.to_vec();
    let decoded = HandshakeMessage::decode(&raw).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded.payload, payload);
    assert_eq!(decoded.payload.to_vec(), raw);
}

#[test]
fn parses_rfc8448_client_hello() {
    let raw = rfc8448::client_hello();
    let msg = assert_message_round_trips(&raw);
    let HandshakePayload::ClientHello(ch) = msg.payload else {
        panic!("not a ClientHello: {msg:?}");
    };
    assert_eq!(ch.legacy_version, ProtocolVersion::TLSv1_2);
    assert_eq!(ch.random[..4], [0xcb, 0x34, 0xec, 0xb1]);
    assert!(ch.legacy_session_id.is_empty());
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::TLS_AES_128_GCM_SHA256,
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_AES_256_GCM_SHA384
        ]
    );
    assert_eq!(ch.legacy_compression_methods[..], [0]);
    let exts = &ch.extensions;
    assert_eq!(exts.server_name.as_deref(), Some("server"));
    assert_eq!(exts.renegotiation_info.as_deref(), Some(&[][..]));
    assert_eq!(
        exts.supported_groups
            .as_ref()
            .unwrap()
            .iter()
            .take(4)
            .collect::<Vec<_>>(),
        [
            NamedGroup::x25519,
            NamedGroup::secp256r1,
            NamedGroup::secp384r1,
            NamedGroup::secp521r1
        ]
    );
    assert_eq!(exts.session_ticket.as_deref(), Some(&[][..]));
    let shares = exts.key_share.as_ref().unwrap();
    assert_eq!(shares.len(), 1);
    let share = shares.first().unwrap();
    assert_eq!(share.group, NamedGroup::x25519);
    assert_eq!(share.key_exchange[..4], [0x99, 0x38, 0x1d, 0xe5]);
    assert!(*exts.supported_versions.as_ref().unwrap() == [ProtocolVersion::TLSv1_3]);
    let schemes = exts.signature_algorithms.as_ref().unwrap();
    assert_eq!(schemes.len(), 15);
    assert_eq!(
        schemes.first(),
        Some(SignatureScheme::ecdsa_secp256r1_sha256)
    );
    assert!(*exts.psk_key_exchange_modes.as_ref().unwrap() == [PskKeyExchangeMode::psk_dhe_ke]);
    assert_eq!(exts.record_size_limit, Some(0x4001));
    assert!(exts.other.is_empty());
    assert_eq!(exts.check_allowed(), Ok(()));
}

#[test]
fn parses_rfc8448_server_hello() {
    let raw = rfc8448::server_hello();
    let msg = assert_message_round_trips(&raw);
    let HandshakePayload::ServerHello(sh) = msg.payload else {
        panic!("not a ServerHello: {msg:?}");
    };
    assert!(!sh.is_hello_retry_request());
    assert_eq!(sh.downgrade_sentinel(), None);
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_AES_128_GCM_SHA256);
    assert_eq!(sh.legacy_compression_method, 0);
    assert_eq!(
        sh.extensions.supported_versions,
        Some(ProtocolVersion::TLSv1_3)
    );
    let share = sh.extensions.key_share.as_ref().unwrap();
    assert_eq!(share.group, NamedGroup::x25519);
    assert_eq!(share.key_exchange[..4], [0xc9, 0x82, 0x88, 0x76]);
    assert_eq!(
        *sh.extensions.extension_types(),
        [ExtensionType::SupportedVersions, ExtensionType::KeyShare]
    );
    // The RFC's ServerHello writes key_share before supported_versions; we encode in
    // field order, so re-encoding may differ in order but never in content.
    assert_eq!(msg.raw, rfc8448::server_hello());
}

#[test]
fn parses_rfc8448_server_flight() {
    let raw = rfc8448::encrypted_extensions();
    let ee = assert_message_round_trips(&raw);
    let HandshakePayload::EncryptedExtensions(ee) = ee.payload else {
        panic!("not EncryptedExtensions");
    };
    assert!(ee.extensions.server_name);
    assert_eq!(ee.extensions.record_size_limit, Some(0x4001));
    assert_eq!(ee.extensions.supported_groups.as_ref().unwrap().len(), 9);

    let raw = rfc8448::certificate();
    let cert = assert_message_round_trips(&raw);
    let HandshakePayload::Certificate(cert) = cert.payload else {
        panic!("not a Certificate");
    };
    assert!(cert.certificate_request_context.is_empty());
    assert_eq!(cert.certificate_list.len(), 1);
    assert_eq!(cert.certificate_list.first().unwrap().cert_data.len(), 432);
    assert_eq!(cert.certificates().next().unwrap()[..2], [0x30, 0x82]);

    let raw = rfc8448::certificate_verify();
    let cv = assert_message_round_trips(&raw);
    let HandshakePayload::CertificateVerify(cv) = cv.payload else {
        panic!("not a CertificateVerify");
    };
    assert_eq!(cv.algorithm, SignatureScheme::rsa_pss_rsae_sha256);
    assert_eq!(cv.signature.len(), 128);

    let raw = rfc8448::server_finished();
    let fin = assert_message_round_trips(&raw);
    let HandshakePayload::Finished(fin) = fin.payload else {
        panic!("not a Finished");
    };
    assert_eq!(fin.verify_data.len(), 32);

    let raw = rfc8448::new_session_ticket();
    let nst = assert_message_round_trips(&raw);
    let HandshakePayload::NewSessionTicket(nst) = nst.payload else {
        panic!("not a NewSessionTicket");
    };
    assert_eq!(nst.ticket_lifetime, 0x1e);
    assert_eq!(nst.extensions.early_data, Some(0x400));
}

#[test]
fn hello_retry_request_is_recognised_by_its_random() {
    let hrr = HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        legacy_session_id_echo: &[],
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        legacy_compression_method: 0,
        extensions: HelloRetryRequestExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(NamedGroup::secp384r1),
            cookie: Some(&[1, 2, 3]),
            other: vec![],
        },
    };
    let raw = HandshakePayload::HelloRetryRequest(hrr).to_vec();
    let msg = HandshakeMessage::decode(&raw).unwrap();
    assert_eq!(msg.typ(), HandshakeType::ServerHello);
    assert_eq!(msg.raw[6..38], HELLO_RETRY_REQUEST_RANDOM);
    assert!(matches!(
        HandshakeMessage::decode(msg.raw).unwrap().payload,
        HandshakePayload::HelloRetryRequest(_)
    ));
    assert_eq!(msg.payload.name(), "hello_retry_request");
}

#[test]
fn detects_downgrade_sentinels() {
    let mut sh = server_hello();
    sh.random[24..].copy_from_slice(&DOWNGRADE_TLS12);
    assert_eq!(sh.downgrade_sentinel(), Some(ProtocolVersion::TLSv1_2));
    sh.random[24..].copy_from_slice(&DOWNGRADE_TLS11);
    assert_eq!(sh.downgrade_sentinel(), Some(ProtocolVersion::TLSv1_1));
}

#[test]
fn accepts_tls12_hellos_without_extensions() {
    let mut ch = rfc8448::client_hello();
    // Cut the extension block (2 + 0x91 bytes) and fix the handshake length.
    ch.truncate(ch.len() - 2 - 0x91);
    let body_len = (ch.len() - 4) as u8;
    ch[3] = body_len;
    let msg = HandshakeMessage::decode(&ch).unwrap();
    let HandshakePayload::ClientHello(ch) = msg.payload else {
        panic!()
    };
    assert_eq!(ch.extensions, ClientHelloExtensions::default());
}

#[test]
fn every_message_round_trips() {
    assert_payload_round_trips(HandshakePayload::ServerHello(server_hello()));
    assert_payload_round_trips(HandshakePayload::EndOfEarlyData);
    assert_payload_round_trips(HandshakePayload::EncryptedExtensions(EncryptedExtensions {
        extensions: EncryptedExtensionsExtensions {
            alpn: Some(b"h2"),
            ..Default::default()
        },
    }));
    assert_payload_round_trips(HandshakePayload::CertificateRequest(CertificateRequest {
        certificate_request_context: &[],
        extensions: CertificateRequestExtensions {
            signature_algorithms: Some(vec![SignatureScheme::ed25519].into()),
            certificate_authorities: Some(
                vec![DistinguishedName(Cow::Borrowed(&[0x30, 0]))].into(),
            ),
            ..Default::default()
        },
    }));
    assert_payload_round_trips(HandshakePayload::Certificate(Certificate {
        certificate_request_context: &[7],
        certificate_list: vec![
            CertificateEntry {
                cert_data: &[0x30, 1, 0],
                extensions: CertificateEntryExtensions {
                    ocsp_response: Some(&[1, 2]),
                    ..Default::default()
                },
            },
            CertificateEntry {
                cert_data: &[0x30, 0],
                extensions: CertificateEntryExtensions::default(),
            },
        ]
        .into(),
    }));
    assert_payload_round_trips(HandshakePayload::Certificate(Certificate::default()));
    assert_payload_round_trips(HandshakePayload::CertificateVerify(CertificateVerify {
        algorithm: SignatureScheme::ecdsa_secp256r1_sha256,
        signature: &[0x30; 70],
    }));
    assert_payload_round_trips(HandshakePayload::Finished(Finished {
        verify_data: &[0xaa; 48],
    }));
    assert_payload_round_trips(HandshakePayload::NewSessionTicket(NewSessionTicket {
        ticket_lifetime: 7200,
        ticket_age_add: 12345,
        ticket_nonce: &[0],
        ticket: &[1; 100],
        extensions: NewSessionTicketExtensions::default(),
    }));
    for request_update in [
        KeyUpdateRequest::update_not_requested,
        KeyUpdateRequest::update_requested,
    ] {
        assert_payload_round_trips(HandshakePayload::KeyUpdate(KeyUpdate { request_update }));
    }
    assert_payload_round_trips(HandshakePayload::MessageHash(MessageHash {
        hash: &[5; 32],
    }));
    assert_payload_round_trips(HandshakePayload::Unknown {
        typ: HandshakeType::ServerHelloDone,
        body: &[],
    });
}

#[test]
fn message_hash_matches_section_4_4_1() {
    let raw = HandshakePayload::MessageHash(MessageHash { hash: &[0x11; 32] }).to_vec();
    assert_eq!(raw[..4], [254, 0, 0, 32]);
}

#[test]
fn rejects_key_update_with_undefined_request() {
    let err = HandshakeMessage::decode(&[24, 0, 0, 1, 2]).unwrap_err();
    assert_eq!(err.what, "KeyUpdate.request_update");
    assert_eq!(err.alert(), crate::wire::AlertDescription::IllegalParameter);
}

#[test]
fn rejects_trailing_bytes_in_a_message_body() {
    let err = HandshakeMessage::decode(&[5, 0, 0, 1, 0]).unwrap_err();
    assert_eq!(err.what, "EndOfEarlyData");
    assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
    let err = HandshakeMessage::decode(&[24, 0, 0, 2, 1, 0]).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
}

#[test]
fn rejects_truncated_messages_at_every_length() {
    for raw in [
        rfc8448::client_hello(),
        rfc8448::server_hello(),
        rfc8448::certificate(),
    ] {
        for cut in 0..raw.len() {
            assert!(
                HandshakeMessage::decode(&raw[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }
}

#[test]
fn rejects_client_hello_with_odd_cipher_suites_or_long_session_id() {
    let mut ch = client_hello();
    ch.legacy_session_id = vec![0; 33].into();
    let err = HandshakeMessage::decode(&HandshakePayload::ClientHello(Box::new(ch)).to_vec())
        .unwrap_err();
    assert_eq!(err.what, "ClientHello.legacy_session_id");

    // cipher_suites of length 3.
    let mut raw = HandshakePayload::ClientHello(Box::new(client_hello())).to_vec();
    let at = 4 + 2 + 32 + 1 + 32;
    raw[at..at + 2].copy_from_slice(&[0, 3]);
    let err = HandshakeMessage::decode(&raw).unwrap_err();
    assert_eq!(err.what, "ClientHello.cipher_suites");

    let mut ch = client_hello();
    ch.cipher_suites = List::default();
    let err = HandshakeMessage::decode(&HandshakePayload::ClientHello(Box::new(ch)).to_vec())
        .unwrap_err();
    assert_eq!(err.what, "ClientHello.cipher_suites");
}

#[test]
fn rejects_empty_certificate_data() {
    let cert = Certificate {
        certificate_request_context: &[],
        certificate_list: vec![CertificateEntry::default()].into(),
    };
    let err = HandshakeMessage::decode(&HandshakePayload::Certificate(cert).to_vec()).unwrap_err();
    assert_eq!(err.what, "CertificateEntry.cert_data");
}

#[test]
fn grease_in_client_hello_is_kept_as_unknown() {
    let mut ch = client_hello();
    ch.cipher_suites
        .to_mut()
        .insert(0, CipherSuite::Unknown(0x0a0a));
    ch.extensions.other.push(RawExtension {
        typ: ExtensionType::Unknown(0xdada),
        data: Cow::Borrowed(&[]),
    });
    ch.extensions.supported_versions =
        Some(vec![ProtocolVersion::Unknown(0x7a7a), ProtocolVersion::TLSv1_3].into());
    let raw = HandshakePayload::ClientHello(Box::new(ch.clone())).to_vec();
    let decoded = HandshakeMessage::decode(&raw).unwrap();
    assert_eq!(decoded.payload, HandshakePayload::ClientHello(Box::new(ch)));
}

#[test]
fn raw_client_hello_keeps_the_fields_and_every_extension_in_order() {
    let mut ch = client_hello();
    ch.extensions.other.push(RawExtension {
        typ: ExtensionType::Unknown(0xdada),
        data: Cow::Borrowed(&[1, 2]),
    });
    let message = HandshakePayload::ClientHello(Box::new(ch)).to_vec();
    let raw = RawClientHello::split(&message[4..]).unwrap();
    // legacy_version, random, session id, one suite, one compression method.
    assert_eq!(raw.fields.len(), 2 + 32 + 1 + 32 + 2 + 2 + 1 + 1);
    assert_eq!(&raw.fields[..2], &[3, 3]);
    let types: Vec<ExtensionType> = raw.extensions.iter().map(|e| e.typ).collect();
    assert_eq!(
        types,
        [
            ExtensionType::SupportedVersions,
            ExtensionType::KeyShare,
            ExtensionType::Unknown(0xdada)
        ]
    );
    assert_eq!(raw.extensions[2].data[..], [1, 2]);
}

#[test]
fn raw_client_hello_refuses_truncation_and_trailing_bytes() {
    let message = HandshakePayload::ClientHello(Box::new(client_hello())).to_vec();
    let body = &message[4..];
    let fields = RawClientHello::split(body).unwrap().fields.len();
    // Cut anywhere but where a TLS 1.2 hello may end (no extension block at all).
    for len in (0..body.len()).filter(|len| *len != fields) {
        assert!(RawClientHello::split(&body[..len]).is_err(), "{len}");
    }
    let mut longer = body.to_vec();
    longer.push(0);
    assert!(RawClientHello::split(&longer).is_err());
}

pub(crate) fn client_hello() -> ClientHello<'static> {
    ClientHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: [3; 32],
        legacy_session_id: Cow::Borrowed(&[9; 32]),
        cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256].into(),
        legacy_compression_methods: Cow::Borrowed(&[0]),
        extensions: ClientHelloExtensions {
            supported_versions: Some(vec![ProtocolVersion::TLSv1_3].into()),
            key_share: Some(
                vec![KeyShareEntry {
                    group: NamedGroup::x25519,
                    key_exchange: Cow::Borrowed(&[1; 32]),
                }]
                .into(),
            ),
            ..Default::default()
        },
    }
}

fn server_hello() -> ServerHello<'static> {
    ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: [4; 32],
        legacy_session_id_echo: &[9; 32],
        cipher_suite: CipherSuite::TLS_AES_256_GCM_SHA384,
        legacy_compression_method: 0,
        extensions: ServerHelloExtensions {
            supported_versions: Some(ProtocolVersion::TLSv1_3),
            key_share: Some(KeyShareEntry {
                group: NamedGroup::secp256r1,
                key_exchange: Cow::Borrowed(&[4; 65]),
            }),
            ..Default::default()
        },
    }
}

// ---- property tests ----

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), min..=max)
}

fn raw_extensions() -> impl Strategy<Value = Vec<RawExtension<'static>>> {
    // Types from a range no parser claims (unknown/GREASE), unique.
    proptest::collection::btree_map(0x7000u16..0x7100, bytes(0, 8), 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(typ, data)| RawExtension {
                typ: ExtensionType::from_wire(typ),
                data: Cow::Owned(data),
            })
            .collect()
    })
}

fn client_hello_strategy() -> impl Strategy<Value = ClientHello<'static>> {
    (
        any::<[u8; 32]>(),
        bytes(0, 32),
        proptest::collection::vec(any::<u16>().prop_map(CipherSuite::from_wire), 1..20),
        bytes(1, 4),
        proptest::option::of(proptest::collection::vec(
            any::<u16>().prop_map(NamedGroup::from_wire),
            1..10,
        )),
        proptest::option::of(proptest::collection::btree_map(
            any::<u16>(),
            bytes(1, 100),
            0..4,
        )),
        proptest::option::of(proptest::collection::vec(bytes(1, 20), 1..4)),
        proptest::option::of(bytes(1, 64)),
        raw_extensions(),
    )
        .prop_map(
            |(random, session_id, suites, compression, groups, shares, alpn, cookie, other)| {
                ClientHello {
                    legacy_version: ProtocolVersion::TLSv1_2,
                    random,
                    legacy_session_id: session_id.into(),
                    cipher_suites: suites.into(),
                    legacy_compression_methods: compression.into(),
                    extensions: ClientHelloExtensions {
                        supported_groups: groups.map(List::from),
                        key_share: shares.map(|m| {
                            m.into_iter()
                                .map(|(g, key_exchange)| KeyShareEntry {
                                    group: NamedGroup::from_wire(g),
                                    key_exchange: key_exchange.into(),
                                })
                                .collect()
                        }),
                        alpn: alpn.map(|names| {
                            names.into_iter().map(|n| ProtocolName(n.into())).collect()
                        }),
                        cookie: cookie.map(Cow::Owned),
                        other,
                        ..Default::default()
                    },
                }
            },
        )
}

/// A certificate's context and entries (DER, OCSP response, other extensions), for a
/// [`Certificate`] to borrow.
type CertificateParts = (
    Vec<u8>,
    Vec<(Vec<u8>, Option<Vec<u8>>, Vec<RawExtension<'static>>)>,
);

fn certificate_strategy() -> impl Strategy<Value = CertificateParts> {
    (
        bytes(0, 8),
        proptest::collection::vec(
            (
                bytes(1, 300),
                proptest::option::of(bytes(1, 20)),
                raw_extensions(),
            ),
            0..5,
        ),
    )
}

fn certificate((context, entries): &CertificateParts) -> Certificate<'_> {
    Certificate {
        certificate_request_context: context,
        certificate_list: entries
            .iter()
            .map(|(cert_data, ocsp_response, other)| CertificateEntry {
                cert_data,
                extensions: CertificateEntryExtensions {
                    ocsp_response: ocsp_response.as_deref(),
                    signed_certificate_timestamp: None,
                    other: other.clone(),
                },
            })
            .collect(),
    }
}

proptest! {
    #[test]
    fn client_hellos_round_trip(ch in client_hello_strategy()) {
        assert_payload_round_trips(HandshakePayload::ClientHello(Box::new(ch)));
    }

    #[test]
    fn certificates_round_trip(parts in certificate_strategy()) {
        assert_payload_round_trips(HandshakePayload::Certificate(certificate(&parts)));
    }

    #[test]
    fn server_hellos_round_trip(
        random in any::<[u8; 32]>(),
        suite in any::<u16>(),
        key in bytes(1, 200),
        other in raw_extensions(),
    ) {
        prop_assume!(random != HELLO_RETRY_REQUEST_RANDOM);
        let mut sh = server_hello();
        sh.random = random;
        sh.cipher_suite = CipherSuite::from_wire(suite);
        sh.extensions.key_share.as_mut().unwrap().key_exchange = Cow::Borrowed(&key);
        sh.extensions.other = other;
        assert_payload_round_trips(HandshakePayload::ServerHello(sh));
    }

    #[test]
    fn new_session_tickets_round_trip(
        lifetime in any::<u32>(), add in any::<u32>(), nonce in bytes(0, 255),
        ticket in bytes(1, 500), early in proptest::option::of(any::<u32>()),
    ) {
        assert_payload_round_trips(HandshakePayload::NewSessionTicket(NewSessionTicket {
            ticket_lifetime: lifetime,
            ticket_age_add: add,
            ticket_nonce: &nonce,
            ticket: &ticket,
            extensions: NewSessionTicketExtensions { early_data: early, other: vec![] },
        }));
    }

    #[test]
    fn certificate_verify_round_trips(scheme in any::<u16>(), sig in bytes(0, 600)) {
        assert_payload_round_trips(HandshakePayload::CertificateVerify(CertificateVerify {
            algorithm: SignatureScheme::from_wire(scheme),
            signature: &sig,
        }));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_reencode_stably(data in bytes(0, 400)) {
        if let Ok(msg) = HandshakeMessage::decode(&data) {
            let once = msg.payload.to_vec();
            let again = HandshakeMessage::decode(&once).unwrap();
            prop_assert_eq!(&again.payload, &msg.payload);
            prop_assert_eq!(again.payload.to_vec(), once);
        }
    }

    #[test]
    fn mutated_rfc8448_messages_never_panic(
        which in 0usize..7, at in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let all = [rfc8448::client_hello, rfc8448::server_hello,
            rfc8448::encrypted_extensions, rfc8448::certificate, rfc8448::certificate_verify,
            rfc8448::server_finished, rfc8448::new_session_ticket];
        let mut raw = all[which]();
        let i = at.index(raw.len());
        raw[i] = byte;
        if let Ok(msg) = HandshakeMessage::decode(&raw) {
            let once = msg.payload.to_vec();
            prop_assert_eq!(HandshakeMessage::decode(&once).unwrap().payload, msg.payload);
        }
    }
}

#[test]
fn parses_every_handshake_message_of_rfc8448_sections_4_to_7() {
    for (section, name, raw) in rfc8448::more() {
        let msg = assert_message_round_trips(&raw);
        let expected = if msg.payload.name() == "hello_retry_request" {
            "server_hello"
        } else {
            msg.payload.name()
        };
        let snake: String = name
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                sep.into_iter()
                    .chain(std::iter::once(c.to_ascii_lowercase()))
            })
            .collect();
        assert_eq!(expected, snake, "{section} {name}");
    }
}

#[test]
fn parses_rfc8448_hello_retry_request_and_second_client_hello() {
    let find = |section: &str, name: &str, len: usize| {
        let (_, _, raw) = rfc8448::more()
            .into_iter()
            .find(|(s, n, raw)| s == section && n == name && raw.len() == len)
            .unwrap();
        raw
    };
    let hrr = find("§5", "ServerHello", 176);
    let HandshakePayload::HelloRetryRequest(hrr) = HandshakeMessage::decode(&hrr).unwrap().payload
    else {
        panic!("§5 HelloRetryRequest not recognised");
    };
    assert_eq!(
        hrr.extensions.supported_versions,
        Some(ProtocolVersion::TLSv1_3)
    );
    assert!(hrr.extensions.key_share.is_some());
    let cookie = hrr.extensions.cookie.unwrap();
    assert_eq!(hrr.extensions.check_allowed(), Ok(()));
    let ch2 = find("§5", "ClientHello", 512);
    let HandshakePayload::ClientHello(ch2) = HandshakeMessage::decode(&ch2).unwrap().payload else {
        panic!("§5 ClientHello2 not parsed");
    };
    assert_eq!(ch2.extensions.cookie.as_deref(), Some(cookie));
}

#[test]
fn parses_rfc8448_resumption_client_hello_with_psk_last() {
    let (_, _, raw) = rfc8448::more()
        .into_iter()
        .find(|(s, n, _)| s == "§4" && n == "ClientHello")
        .unwrap();
    let msg = HandshakeMessage::decode(&raw).unwrap();
    let HandshakePayload::ClientHello(ch) = &msg.payload else {
        panic!()
    };
    assert!(ch.extensions.early_data);
    let psk = ch.extensions.pre_shared_key.as_ref().unwrap();
    assert_eq!(psk.identities.len(), 1);
    assert_eq!(psk.binders.first().unwrap().0.len(), 32);
    // The binder list is the tail of the message (RFC 8446 §4.2.11.2).
    let binders_len = ch.extensions.binders_len().unwrap();
    assert_eq!(msg.raw[msg.raw.len() - binders_len..][..3], [0, 33, 32]);
    assert_eq!(
        msg.raw[..msg.raw.len() - binders_len],
        rfc8448::resumption_client_hello_prefix()
    );
}

#[test]
fn parses_rfc8448_certificate_request() {
    let (_, _, raw) = rfc8448::more()
        .into_iter()
        .find(|(_, n, _)| n == "CertificateRequest")
        .unwrap();
    let HandshakePayload::CertificateRequest(cr) = HandshakeMessage::decode(&raw).unwrap().payload
    else {
        panic!()
    };
    assert!(cr.certificate_request_context.is_empty());
    assert!(cr
        .extensions
        .signature_algorithms
        .as_ref()
        .unwrap()
        .contains(&SignatureScheme::rsa_pss_rsae_sha256));
    assert_eq!(cr.extensions.check_allowed(), Ok(()));
}
