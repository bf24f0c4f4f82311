//! Handshake-level RFC 8446 conformance: the deviations an external TLS conformance suite
//! found in padlock's handshake, each as the hostile input it sent and the alert the RFC
//! names for it.
//!
//! Messages inside the encrypted flights are altered with the real handshake secrets
//! (captured through the key log) and the crate's record layer.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use padlock_crypto::{AeadAlgorithm, HashAlgorithm};
use padlock_tls::internal::record::{RecordOpener, RecordSealer};
use padlock_tls::internal::tls13::key_schedule::TrafficSecret;
use padlock_tls::internal::wire::codec::write_prefixed;
use padlock_tls::internal::wire::{
    ClientHello, Codec, ContentType, ExtensionType, HandshakePayload, HandshakeType,
    HelloRetryRequest, KeyShareEntry, LengthPrefix, OfferedPsks, PskBinderEntry, PskIdentity,
    RawClientHello, RawExtension,
};
use padlock_tls::{
    alert::alert_for, AlertDescription, ClientAuth, ClientConfig, Connection, Error, KeyLog,
    NamedGroup, ProtocolVersion, ServerConfig,
};

// ---- Finished (RFC 8446 §4.4.4, §6.2) ----

#[test]
fn finished_of_the_wrong_length_is_decode_error_not_decrypt_error() {
    for extra in [true, false] {
        let mut peers = Peers::new(insecure_client_config(), server_config(KeyType::P256));
        let flight = peers.server_flight();
        let mut messages = flight.messages.clone();
        let finished = messages.last_mut().unwrap();
        assert_eq!(finished[0], 20, "the flight ends with Finished");
        if extra {
            finished.push(0);
        } else {
            finished.pop();
        }
        let len = finished.len() as u32 - 4;
        finished[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
        let e = peers.client_error(&flight.with(&peers.keys, &messages));
        assert!(matches!(e, Error::Decode(_)), "{e:?}");
        assert_eq!(alert_for(&e), Some(AlertDescription::DecodeError));
    }
}

// ---- legacy_version (RFC 8446 §D.5) ----

#[test]
fn client_hello_with_legacy_version_ssl3_or_older_is_protocol_version() {
    for version in [0x0300, 0x0200, 0x0002] {
        let e = server_error_for_client_hello(|ch| {
            ch.legacy_version = ProtocolVersion::from_wire(version)
        });
        assert_eq!(
            alert_for(&e),
            Some(AlertDescription::ProtocolVersion),
            "{version:#06x}: {e:?}"
        );
    }
}

#[test]
fn ssl3_client_hello_in_an_ssl3_record_is_protocol_version() {
    // What an SSL 3.0 client sends: record and hello both 0x0300 (the record's version is
    // ignored, RFC 8446 §5.1; the hello's is refused, §D.5).
    let mut peers = Peers::new(insecure_client_config(), server_config(KeyType::P256));
    let mut record = take(&mut peers.client);
    record[1..3].copy_from_slice(&[3, 0]);
    record[9..11].copy_from_slice(&[3, 0]);
    let e = peers.server_error(&record);
    assert_eq!(
        alert_for(&e),
        Some(AlertDescription::ProtocolVersion),
        "{e:?}"
    );
}

#[test]
fn server_hello_with_legacy_version_ssl3_is_protocol_version() {
    let mut peers = Peers::new(insecure_client_config(), server_config(KeyType::P256));
    let flight = peers.server_flight();
    let HandshakePayload::ServerHello(mut sh) = HandshakePayload::decode(&flight.hello).unwrap()
    else {
        panic!("not a ServerHello")
    };
    sh.legacy_version = ProtocolVersion::from_wire(0x0300);
    let e = peers.client_error(&handshake_record(
        &HandshakePayload::ServerHello(sh).to_vec(),
    ));
    assert_eq!(
        alert_for(&e),
        Some(AlertDescription::ProtocolVersion),
        "{e:?}"
    );
}

// ---- the HelloRetryRequest (RFC 8446 §4.1.4) ----

#[test]
fn hello_retry_request_is_checked_like_a_server_hello() {
    type Change = fn(&mut HelloRetryRequest);
    let changes: [(AlertDescription, Change); 2] = [
        (AlertDescription::IllegalParameter, |hrr| {
            hrr.legacy_compression_method = 1
        }),
        (AlertDescription::ProtocolVersion, |hrr| {
            hrr.legacy_version = ProtocolVersion::from_wire(0x0300)
        }),
    ];
    for (alert, change) in changes {
        let (mut peers, retry) = hello_retry_request();
        let HandshakePayload::HelloRetryRequest(mut hrr) =
            HandshakePayload::decode(&retry).unwrap()
        else {
            panic!("not a HelloRetryRequest")
        };
        change(&mut hrr);
        let bytes = handshake_record(&HandshakePayload::HelloRetryRequest(hrr).to_vec());
        let e = peers.client_error(&bytes);
        assert_eq!(alert_for(&e), Some(alert), "{e:?}");
    }
}

// ---- pre_shared_key (RFC 8446 §4.2.9) ----

#[test]
fn pre_shared_key_without_psk_key_exchange_modes_is_missing_extension() {
    let e = server_error_for_client_hello(|ch| {
        ch.extensions.psk_key_exchange_modes = None;
        ch.extensions.pre_shared_key = Some(OfferedPsks {
            identities: vec![PskIdentity {
                identity: b"ticket".to_vec().into(),
                obfuscated_ticket_age: 0,
            }]
            .into(),
            binders: vec![PskBinderEntry(vec![0; 32].into())].into(),
        });
    });
    assert_eq!(
        alert_for(&e),
        Some(AlertDescription::MissingExtension),
        "{e:?}"
    );
}

// ---- the second ClientHello (RFC 8446 §4.1.2) ----

#[test]
fn second_client_hello_must_repeat_the_first_but_for_the_changes_section_4_1_2_allows() {
    type Change = fn(&mut Vec<RawExtension<'_>>);
    let changes: [(&str, Change); 5] = [
        ("extensions reordered", |exts| exts.swap(0, 1)),
        ("signature_algorithms changed", |exts| {
            let sigs = find(exts, ExtensionType::SignatureAlgorithms);
            let n = sigs.data.len();
            sigs.data.to_mut().swap(n - 1, n - 3);
            sigs.data.to_mut().swap(n - 2, n - 4);
        }),
        ("an extension added", |exts| {
            exts.push(RawExtension {
                typ: ExtensionType::Unknown(0x7a7a),
                data: vec![].into(),
            })
        }),
        ("an extension removed", |exts| {
            exts.retain(|e| e.typ != ExtensionType::SignatureAlgorithmsCert)
        }),
        ("early_data added", |exts| {
            exts.push(RawExtension {
                typ: ExtensionType::EarlyData,
                data: vec![].into(),
            })
        }),
    ];
    for (what, change) in changes {
        let (mut peers, second) = after_hello_retry_request();
        let e = peers.server_error(&handshake_record(&rebuild(&second, change)));
        assert_eq!(
            alert_for(&e),
            Some(AlertDescription::IllegalParameter),
            "{what}: {e:?}"
        );
    }
}

#[test]
fn second_client_hello_may_add_padding() {
    let (mut peers, second) = after_hello_retry_request();
    let padded = rebuild(&second, |exts| {
        exts.push(RawExtension {
            typ: ExtensionType::Padding,
            data: vec![0; 17].into(),
        })
    });
    assert_eq!(
        peers.server.read_tls(&handshake_record(&padded)),
        padded.len() + 5
    );
    peers.server.process_new_packets().unwrap();
}

// ---- key shares (RFC 8446 §4.2.8) ----

#[test]
fn empty_or_malformed_key_shares_are_illegal_parameter() {
    let shares: [(&str, KeyShareEntry); 5] = [
        ("empty x25519", share(NamedGroup::x25519, vec![])),
        ("short x25519", share(NamedGroup::x25519, vec![9; 31])),
        ("long x25519", share(NamedGroup::x25519, vec![9; 33])),
        (
            "compressed P-256",
            share(NamedGroup::secp256r1, vec![2; 33]),
        ),
        (
            "empty unknown group",
            share(NamedGroup::from_wire(0x0a0a), vec![]),
        ),
    ];
    for (what, bad) in shares {
        let e = server_error_for_client_hello(|ch| {
            let groups = ch.extensions.supported_groups.as_mut().unwrap();
            if !groups.contains(&bad.group) {
                groups.to_mut().push(bad.group);
            }
            // After the client's good x25519 share, or in its place.
            let shares = ch.extensions.key_share.as_mut().unwrap();
            shares.to_mut().retain(|s| s.group != bad.group);
            shares.to_mut().push(bad.clone());
        });
        assert_eq!(
            alert_for(&e),
            Some(AlertDescription::IllegalParameter),
            "{what}: {e:?}"
        );
    }
}

#[test]
fn key_share_for_a_group_not_in_supported_groups_is_illegal_parameter() {
    let e = server_error_for_client_hello(|ch| {
        let shares = ch.extensions.key_share.as_mut().unwrap();
        shares
            .to_mut()
            .push(share(NamedGroup::secp384r1, vec![4; 97]));
        ch.extensions.supported_groups =
            Some(vec![NamedGroup::x25519, NamedGroup::secp256r1].into());
    });
    assert_eq!(
        alert_for(&e),
        Some(AlertDescription::IllegalParameter),
        "{e:?}"
    );
}

#[test]
fn a_client_offering_two_shares_completes_the_one_the_server_picks_without_a_retry() {
    let mut client = insecure_client_config();
    client.groups = vec![NamedGroup::x25519, NamedGroup::secp256r1];
    client.key_shares = 1;
    client.key_shares = 2;
    let mut server = server_config(KeyType::P256);
    server.groups = vec![NamedGroup::secp256r1];
    let mut peers = Peers::new(client, server);
    handshake(&mut peers.client, &mut peers.server);
    for side in [&peers.client, &peers.server] {
        assert_eq!(side.negotiated_group(), Some(NamedGroup::secp256r1));
        assert_eq!(
            side.handshake_kind(),
            Some(padlock_tls::HandshakeKind::Full)
        );
    }
}

// ---- CertificateEntry extensions (RFC 8446 §4.4.2) ----

#[test]
fn client_refuses_certificate_entry_extensions_it_did_not_request() {
    for typ in [
        ExtensionType::SignedCertificateTimestamp,
        ExtensionType::Unknown(0x4a4a),
    ] {
        let mut peers = Peers::new(insecure_client_config(), server_config(KeyType::P256));
        let flight = peers.server_flight();
        let mut messages = flight.messages.clone();
        let certificate = messages.iter_mut().find(|m| m[0] == 11).unwrap();
        *certificate = with_entry_extension(certificate, typ);
        let e = peers.client_error(&flight.with(&peers.keys, &messages));
        assert_eq!(
            alert_for(&e),
            Some(AlertDescription::UnsupportedExtension),
            "{typ:?}: {e:?}"
        );
    }
}

#[test]
fn server_refuses_certificate_entry_extensions_it_did_not_request() {
    let mut server = server_config(KeyType::P256);
    server.client_auth = ClientAuth::Required(Arc::new(AcceptAnyClient));
    let mut client = insecure_client_config();
    client.set_client_certificate(server_key(KeyType::P256));
    let mut peers = Peers::new(client, server);
    let flight = peers.server_flight();
    assert!(peers.client.read_tls(&flight.bytes) > 0);
    peers.client.process_new_packets().unwrap();
    // The client's second flight: ChangeCipherSpec, then its encrypted messages.
    let ours = take(&mut peers.client);
    let secret = peers.keys.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let (plain, mut messages) = open_flight(&secret, &ours);
    let certificate = messages.iter_mut().find(|m| m[0] == 11).unwrap();
    *certificate = with_entry_extension(certificate, ExtensionType::StatusRequest);
    let mut bytes = plain;
    bytes.extend(seal(&secret, &messages));
    let e = peers.server_error(&bytes);
    assert_eq!(
        alert_for(&e),
        Some(AlertDescription::UnsupportedExtension),
        "{e:?}"
    );
}

// ---- TLS 1.2 extensions (RFC 8446 §4.2, RFC 8422 §5.1.2) ----

#[test]
fn malformed_tls12_extensions_do_not_refuse_a_tls13_handshake() {
    let malformed = [
        (ExtensionType::EcPointFormats, vec![]),
        (ExtensionType::EcPointFormats, vec![5, 0]),
        (ExtensionType::EcPointFormats, vec![1, 0, 0]),
        (ExtensionType::ExtendedMasterSecret, vec![0]),
        (ExtensionType::RenegotiationInfo, vec![2, 0]),
    ];
    for (typ, data) in malformed {
        // A client that offers TLS 1.3 alone sends none of these itself.
        let mut client = insecure_client_config();
        client.versions = vec![padlock_tls::ProtocolVersion::TLSv1_3];
        let mut peers = Peers::new(client, server_config(KeyType::P256));
        let hello = take(&mut peers.client);
        let altered = rebuild(&hello[5..], |exts| {
            exts.insert(
                1,
                RawExtension {
                    typ,
                    data: data.clone().into(),
                },
            )
        });
        peers.server.read_tls(&handshake_record(&altered));
        peers
            .server
            .process_new_packets()
            .unwrap_or_else(|e| panic!("{typ:?} {data:?}: {e}"));
        assert!(!peers.server.pending_tls().is_empty(), "no ServerHello");
    }
}

// ---- the kit ----

/// A client and a server whose handshake secrets are captured.
struct Peers {
    client: Connection,
    server: Connection,
    keys: Arc<Capture>,
}

impl Peers {
    fn new(mut client: ClientConfig, mut server: ServerConfig) -> Self {
        let keys = Arc::new(Capture::default());
        client.cipher_suites = vec![padlock_tls::CipherSuite::TLS_AES_128_GCM_SHA256];
        client.key_log = Some(keys.clone());
        server.key_log = Some(keys.clone());
        Self {
            client: Connection::client(Arc::new(client), localhost()).unwrap(),
            server: Connection::server(Arc::new(server)).unwrap(),
            keys,
        }
    }

    /// Delivers the ClientHello and returns the server's first flight.
    fn server_flight(&mut self) -> Flight {
        let hello = take(&mut self.client);
        assert_eq!(self.server.read_tls(&hello), hello.len());
        self.server.process_new_packets().unwrap();
        let bytes = take(&mut self.server);
        let secret = self.keys.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET");
        let (plain, messages) = open_flight(&secret, &bytes);
        Flight {
            hello: plain[5..5 + record_len(&plain)].to_vec(),
            plain,
            messages,
            bytes,
        }
    }

    fn client_error(&mut self, bytes: &[u8]) -> Error {
        feed(&mut self.client, bytes)
    }

    fn server_error(&mut self, bytes: &[u8]) -> Error {
        feed(&mut self.server, bytes)
    }
}

/// The server's first flight: its plaintext records (ServerHello, ChangeCipherSpec) and
/// the handshake messages of its encrypted records.
struct Flight {
    hello: Vec<u8>,
    plain: Vec<u8>,
    messages: Vec<Vec<u8>>,
    bytes: Vec<u8>,
}

impl Flight {
    /// The flight with its encrypted messages replaced by `messages`.
    fn with(&self, keys: &Capture, messages: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = self.plain.clone();
        bytes.extend(seal(
            &keys.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
            messages,
        ));
        bytes
    }
}

/// A client that sent a HelloRetryRequest-provoking hello (a share for X25519 only, to a
/// server that takes P-384 only), and the server's HelloRetryRequest (message with header,
/// no record), not yet delivered.
fn hello_retry_request() -> (Peers, Vec<u8>) {
    let mut client = insecure_client_config();
    client.groups = vec![NamedGroup::x25519, NamedGroup::secp384r1];
    client.key_shares = 1;
    let mut server = server_config(KeyType::P256);
    server.groups = vec![NamedGroup::secp384r1];
    let mut peers = Peers::new(client, server);
    let hello = take(&mut peers.client);
    peers.server.read_tls(&hello);
    peers.server.process_new_packets().unwrap();
    let retry = take(&mut peers.server);
    let message = retry[5..5 + record_len(&retry)].to_vec();
    (peers, message)
}

/// As [`hello_retry_request`], delivered: the client's second ClientHello (message with
/// header, no record).
fn after_hello_retry_request() -> (Peers, Vec<u8>) {
    let (mut peers, retry) = hello_retry_request();
    peers.client.read_tls(&handshake_record(&retry));
    peers.client.process_new_packets().unwrap();
    let second = take(&mut peers.client);
    // Skip the client's ChangeCipherSpec record (compatibility mode, RFC 8446 §D.4).
    let ccs_len = 5 + record_len(&second);
    let record = &second[ccs_len..];
    let message = record[5..5 + record_len(record)].to_vec();
    (peers, message)
}

/// `message` (a ClientHello, header included) with its extensions changed by `change`.
fn rebuild(message: &[u8], change: impl FnOnce(&mut Vec<RawExtension>)) -> Vec<u8> {
    let raw = RawClientHello::split(&message[4..]).unwrap();
    let mut extensions = raw.extensions.clone();
    change(&mut extensions);
    let mut body = raw.fields.to_vec();
    write_prefixed(&mut body, LengthPrefix::U16, |out| {
        for ext in &extensions {
            ext.typ.encode(out);
            write_prefixed(out, LengthPrefix::U16, |out| {
                out.extend_from_slice(&ext.data)
            });
        }
    });
    let mut out = vec![1];
    write_prefixed(&mut out, LengthPrefix::U24, |out| {
        out.extend_from_slice(&body)
    });
    out
}

fn find<'e, 'a>(exts: &'e mut [RawExtension<'a>], typ: ExtensionType) -> &'e mut RawExtension<'a> {
    exts.iter_mut().find(|e| e.typ == typ).unwrap()
}

fn share(group: NamedGroup, key_exchange: Vec<u8>) -> KeyShareEntry<'static> {
    KeyShareEntry {
        group,
        key_exchange: key_exchange.into(),
    }
}

/// A Certificate message (header included) whose first entry carries an extension of
/// `typ`.
fn with_entry_extension(message: &[u8], typ: ExtensionType) -> Vec<u8> {
    let HandshakePayload::Certificate(mut certificate) = HandshakePayload::decode(message).unwrap()
    else {
        panic!("not a Certificate")
    };
    let entries = certificate.certificate_list.to_mut();
    let entry = &mut entries[0];
    // A well-formed CertificateStatus (RFC 6066 §8) for status_request; bytes otherwise.
    let data = match typ {
        ExtensionType::StatusRequest => vec![1, 0, 0, 1, 0x30],
        _ => vec![1, 2, 3],
    };
    entry.extensions.other.push(RawExtension {
        typ,
        data: data.into(),
    });
    HandshakePayload::Certificate(certificate).to_vec()
}

/// Sends the client's ClientHello, altered by `alter`, to a fresh server; its error.
fn server_error_for_client_hello(alter: impl FnOnce(&mut ClientHello)) -> Error {
    let mut peers = Peers::new(insecure_client_config(), server_config(KeyType::P256));
    let hello = take(&mut peers.client);
    let HandshakePayload::ClientHello(mut ch) = HandshakePayload::decode(&hello[5..]).unwrap()
    else {
        panic!("not a ClientHello")
    };
    alter(&mut ch);
    let bytes = handshake_record(&HandshakePayload::ClientHello(ch).to_vec());
    peers.server_error(&bytes)
}

/// Feeds `bytes` to `conn`; the error it reports, after checking it queued an alert.
fn feed(conn: &mut Connection, bytes: &[u8]) -> Error {
    let mut offset = 0;
    let e = loop {
        let n = conn.read_tls(&bytes[offset..]);
        offset += n;
        if let Err(e) = conn.process_new_packets() {
            break e;
        }
        assert!(
            n != 0 && offset != bytes.len(),
            "no error after {} bytes",
            bytes.len()
        );
    };
    if alert_for(&e).is_some() {
        assert!(!conn.pending_tls().is_empty(), "no alert queued for {e:?}");
    }
    e
}

/// Everything `conn` has queued to send.
fn take(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

fn record_len(record: &[u8]) -> usize {
    usize::from(u16::from_be_bytes([record[3], record[4]]))
}

fn handshake_record(message: &[u8]) -> Vec<u8> {
    let mut r = vec![ContentType::Handshake.to_wire(), 3, 3];
    r.extend_from_slice(&(message.len() as u16).to_be_bytes());
    r.extend_from_slice(message);
    r
}

/// Splits a flight into its leading plaintext records (bytes) and the handshake messages
/// (header included) of its encrypted records, up to the server's Finished: what follows
/// it (the tickets a server sends with its Finished, RFC 8446 §4.6.1) is under its
/// application keys.
fn open_flight(secret: &TrafficSecret, mut bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut opener = RecordOpener::new();
    opener
        .install(provider().as_ref(), &record_keys(secret))
        .unwrap();
    let (mut plain, mut handshake, mut messages) = (Vec::new(), Vec::new(), Vec::new());
    let finished = |messages: &[Vec<u8>]| {
        messages
            .last()
            .is_some_and(|m| m[0] == HandshakeType::Finished.to_wire())
    };
    while !bytes.is_empty() && !finished(&messages) {
        let (record, rest) = bytes.split_at(5 + record_len(bytes));
        if record[0] == ContentType::ApplicationData.to_wire() {
            let mut record = record.to_vec();
            let opened = opener.open_in_place(&mut record).unwrap();
            handshake.extend_from_slice(&record[opened.content]);
            while handshake.len() >= 4 {
                let len = 4
                    + (usize::from(handshake[1]) << 16
                        | usize::from(handshake[2]) << 8
                        | usize::from(handshake[3]));
                if handshake.len() < len {
                    break;
                }
                messages.push(handshake.drain(..len).collect());
            }
        } else {
            plain.extend_from_slice(record);
        }
        bytes = rest;
    }
    (plain, messages)
}

fn record_keys(secret: &TrafficSecret) -> padlock_tls::internal::record::RecordKeys {
    secret
        .record_keys(provider().as_ref(), AeadAlgorithm::Aes128Gcm)
        .unwrap()
}

/// `messages` in one handshake record, sealed under `secret`.
fn seal(secret: &TrafficSecret, messages: &[Vec<u8>]) -> Vec<u8> {
    let mut sealer = RecordSealer::new();
    sealer
        .install(provider().as_ref(), &record_keys(secret))
        .unwrap();
    let mut out = Vec::new();
    sealer
        .seal_append(ContentType::Handshake, &messages.concat(), &mut out)
        .unwrap();
    out
}

/// Keeps every secret both sides log.
#[derive(Default)]
struct Capture(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for Capture {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        let mut all = self.0.lock().unwrap();
        all.push((label.to_owned(), secret.to_vec()));
    }
}

impl Capture {
    fn secret(&self, label: &str) -> TrafficSecret {
        let all = self.0.lock().unwrap();
        let (_, bytes) = all.iter().rev().find(|(l, _)| l == label).unwrap();
        TrafficSecret::from_bytes(HashAlgorithm::Sha256, bytes)
    }
}
