//! Record-level conformance to RFC 8446 (§4.2.10, §5.1, §5.2, §5.4, §6): each test sends
//! what an external conformance suite sent and checks the answer the RFC names.
//!
//! The peers are real connections; where a record must be forged, it is sealed with the
//! traffic secrets the connection under test logged (SSLKEYLOGFILE style), so it is exactly
//! what a peer holding those keys could send.

mod common;

use std::io::{BufRead, ErrorKind, Read};
use std::sync::{Arc, Mutex};

use common::*;
use padlock_crypto::{AeadAlgorithm, HashAlgorithm};
use padlock_tls::alert::alert_for;
use padlock_tls::internal::record::{RecordOpener, RecordSealer};
use padlock_tls::internal::tls13::key_schedule::TrafficSecret;
use padlock_tls::internal::wire::{
    CipherSuite, Codec, ContentType, HandshakePayload, SignatureScheme, MAX_CLIENT_HELLO_LEN,
    MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN,
};
use padlock_tls::{AlertDescription, Connection, Error, KeyLog};

/// Keeps the secrets one side logs.
#[derive(Default)]
struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        let mut all = self.0.lock().unwrap();
        all.push((label.to_owned(), secret.to_vec()));
    }
}

impl Secrets {
    fn get(&self, label: &str) -> TrafficSecret {
        let all = self.0.lock().unwrap();
        let (_, s) = all.iter().rev().find(|(l, _)| l == label).expect(label);
        TrafficSecret::from_bytes(HashAlgorithm::Sha256, s)
    }
}

/// A client and a server (TLS_AES_128_GCM_SHA256), with the server's secrets.
struct Peers {
    client: Connection,
    server: Connection,
    server_secrets: Arc<Secrets>,
}

fn peers() -> Peers {
    let server_secrets = Arc::new(Secrets::default());
    let mut client = insecure_client_config();
    client.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
    let mut server = server_config(KeyType::P256);
    server.key_log = Some(server_secrets.clone());
    Peers {
        client: Connection::client(Arc::new(client), localhost()).unwrap(),
        server: Connection::server(Arc::new(server)).unwrap(),
        server_secrets,
    }
}

/// Takes everything `conn` has to send.
fn take(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

/// Feeds `bytes` to `conn`, processing as it goes; the first error, if any.
fn feed(conn: &mut Connection, mut bytes: &[u8]) -> Result<(), Error> {
    while !bytes.is_empty() {
        let n = conn.read_tls(bytes);
        bytes = &bytes[n..];
        conn.process_new_packets()?;
        assert!(n > 0, "the connection took no bytes");
    }
    Ok(())
}

/// Feeds `bytes` and checks the connection fails with `alert` and queued it.
fn expect_alert(conn: &mut Connection, bytes: &[u8], alert: AlertDescription) -> Error {
    let e = feed(conn, bytes).expect_err("the connection accepted it");
    assert_eq!(alert_for(&e), Some(alert), "{e}");
    assert!(conn.wants_write(), "no alert queued for {e}");
    e
}

/// The whole records in `bytes`.
fn records(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while bytes.len() >= RECORD_HEADER_LEN {
        let len = RECORD_HEADER_LEN + usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        let (record, rest) = bytes.split_at(len);
        out.push(record);
        bytes = rest;
    }
    out
}

/// An unprotected record (RFC 8446 §5.1).
fn plain_record(typ: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![typ.to_wire(), 3, 3];
    r.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// Protects records with `secret`'s keys, from sequence number 0.
fn sealer(secret: &TrafficSecret) -> RecordSealer {
    let p = provider();
    let keys = secret
        .record_keys(p.as_ref(), AeadAlgorithm::Aes128Gcm)
        .unwrap();
    let mut sealer = RecordSealer::new();
    sealer.install(p.as_ref(), &keys).unwrap();
    sealer
}

/// One protected record of `typ` holding `payload` and `padding` zeros (RFC 8446 §5.4).
fn sealed(secret: &TrafficSecret, typ: ContentType, payload: &[u8], padding: usize) -> Vec<u8> {
    let mut out = Vec::new();
    sealer(secret)
        .seal_append_padded(typ, payload, padding, &mut out)
        .unwrap();
    out
}

/// Like [`sealed`], but past the sealer's own limits: the first record under `secret`,
/// sealed by hand (RFC 8446 §5.2, §5.3: nonce = IV, sequence number 0), as a peer that
/// breaks §5.4 would.
fn forged(secret: &TrafficSecret, typ: ContentType, payload: &[u8], padding: usize) -> Vec<u8> {
    let p = provider();
    let keys = secret
        .record_keys(p.as_ref(), AeadAlgorithm::Aes128Gcm)
        .unwrap();
    let key = p.aead_key(keys.aead(), keys.key()).unwrap();
    let mut inner = payload.to_vec();
    inner.push(typ.to_wire());
    inner.resize(inner.len() + padding, 0);
    let length = u16::try_from(inner.len() + 16).unwrap().to_be_bytes();
    let header = [
        ContentType::ApplicationData.to_wire(),
        3,
        3,
        length[0],
        length[1],
    ];
    let tag = key.seal_in_place(keys.iv(), &header, &mut inner).unwrap();
    [&header[..], &inner, &tag].concat()
}

/// The contents of the protected records among `bytes`, opened with `secret`.
fn opened(secret: &TrafficSecret, bytes: &[u8]) -> Vec<u8> {
    let (content, all) = open_leading(secret, bytes);
    assert!(all, "a record did not open");
    content
}

/// The contents of the protected records at the start of `bytes` that open with
/// `secret`: a server's flight under its handshake keys, without the tickets it sends with
/// its Finished under its application keys (RFC 8446 §4.6.1).
fn opened_while_they_open(secret: &TrafficSecret, bytes: &[u8]) -> Vec<u8> {
    open_leading(secret, bytes).0
}

/// The contents of the protected records among `bytes` up to the first that does not
/// open with `secret`, and whether all did.
fn open_leading(secret: &TrafficSecret, bytes: &[u8]) -> (Vec<u8>, bool) {
    let p = provider();
    let keys = secret
        .record_keys(p.as_ref(), AeadAlgorithm::Aes128Gcm)
        .unwrap();
    let mut opener = RecordOpener::new();
    opener.install(p.as_ref(), &keys).unwrap();
    let mut content = Vec::new();
    for record in records(bytes) {
        if record[0] != ContentType::ApplicationData.to_wire() {
            continue;
        }
        let mut record = record.to_vec();
        let Ok(o) = opener.open_in_place(&mut record) else {
            return (content, false);
        };
        content.extend_from_slice(&record[o.content]);
    }
    (content, true)
}

/// Runs the handshake up to the client's last flight, which is returned unsent.
fn up_to_client_finished(p: &mut Peers) -> Vec<u8> {
    let hello = take(&mut p.client);
    feed(&mut p.server, &hello).unwrap();
    let flight = take(&mut p.server);
    feed(&mut p.client, &flight).unwrap();
    take(&mut p.client)
}

/// Completes the handshake; the server has its application keys.
fn connected() -> Peers {
    let mut p = peers();
    let last = up_to_client_finished(&mut p);
    feed(&mut p.server, &last).unwrap();
    assert!(!p.server.is_handshaking());
    let tickets = take(&mut p.server);
    feed(&mut p.client, &tickets).unwrap();
    p
}

// ---- RFC 8446 §5.4: TLSInnerPlaintext is at most 2^14 + 1 bytes ----

/// The client's Finished, resealed with padding so its TLSInnerPlaintext (content, type,
/// padding) is `inner_len` bytes.
fn finished_with_inner_len(p: &mut Peers, inner_len: usize) -> Vec<u8> {
    let last = up_to_client_finished(p);
    let secret = p.server_secrets.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let finished = opened(&secret, &last);
    let padding = inner_len - finished.len() - 1;
    forged(&secret, ContentType::Handshake, &finished, padding)
}

#[test]
fn a_finished_padded_past_two_to_the_fourteen_plus_one_is_record_overflow() {
    let mut p = peers();
    // About 16.5 KB on the wire: still under the 2^14 + 256 ciphertext limit (§5.2).
    let record = finished_with_inner_len(&mut p, MAX_PLAINTEXT_LEN + 2);
    assert!(record.len() > 16_400);
    expect_alert(&mut p.server, &record, AlertDescription::RecordOverflow);
}

#[test]
fn a_finished_padded_to_exactly_the_limit_is_accepted() {
    let mut p = peers();
    let record = finished_with_inner_len(&mut p, MAX_PLAINTEXT_LEN + 1);
    feed(&mut p.server, &record).unwrap();
    assert!(!p.server.is_handshaking());
}

#[test]
fn application_data_padded_past_the_limit_is_record_overflow() {
    let mut p = connected();
    let secret = p.server_secrets.get("CLIENT_TRAFFIC_SECRET_0");
    let record = forged(
        &secret,
        ContentType::ApplicationData,
        b"data",
        MAX_PLAINTEXT_LEN + 2 - 4 - 1,
    );
    expect_alert(&mut p.server, &record, AlertDescription::RecordOverflow);
}

// ---- RFC 8446 §5.1: no zero-length handshake or alert fragments ----

#[test]
fn a_zero_length_alert_record_is_unexpected_message() {
    let mut p = peers();
    let empty = plain_record(ContentType::Alert, &[]);
    expect_alert(&mut p.server, &empty, AlertDescription::UnexpectedMessage);
}

#[test]
fn zero_length_protected_handshake_and_alert_records_are_unexpected_message() {
    for typ in [ContentType::Handshake, ContentType::Alert] {
        let mut p = connected();
        let secret = p.server_secrets.get("CLIENT_TRAFFIC_SECRET_0");
        let record = sealed(&secret, typ, &[], 0);
        expect_alert(&mut p.server, &record, AlertDescription::UnexpectedMessage);
    }
}

#[test]
fn a_zero_length_handshake_record_is_unexpected_message() {
    let mut p = peers();
    let empty = plain_record(ContentType::Handshake, &[]);
    expect_alert(&mut p.server, &empty, AlertDescription::UnexpectedMessage);
}

#[test]
fn zero_length_application_data_is_allowed() {
    let mut p = connected();
    let secret = p.server_secrets.get("CLIENT_TRAFFIC_SECRET_0");
    let record = sealed(&secret, ContentType::ApplicationData, &[], 0);
    feed(&mut p.server, &record).unwrap();
}

// ---- handshake message limits: one answer, decode_error ----

/// A handshake record holding only the header of a message of type `typ` announcing
/// `len` body bytes.
fn announced(typ: u8, len: usize) -> Vec<u8> {
    let [_, a, b, c] = u32::try_from(len).unwrap().to_be_bytes();
    plain_record(ContentType::Handshake, &[typ, a, b, c])
}

#[test]
fn a_handshake_message_over_the_limit_is_decode_error_on_both_sides() {
    let mut p = peers();
    // A ServerHello (type 2) of 64 KiB + 1 at the client.
    take(&mut p.client);
    let e = expect_alert(
        &mut p.client,
        &announced(2, 0x1_0001),
        AlertDescription::DecodeError,
    );
    assert!(e.to_string().contains("65537"), "{e}");
    // A ClientHello longer than its encoding allows at the server.
    let mut p = peers();
    expect_alert(
        &mut p.server,
        &announced(1, MAX_CLIENT_HELLO_LEN + 1),
        AlertDescription::DecodeError,
    );
}

#[test]
fn a_legal_client_hello_over_64_kib_is_accepted() {
    let mut p = peers();
    let hello = take(&mut p.client);
    let message = &records(&hello)[0][RECORD_HEADER_LEN..];
    let HandshakePayload::ClientHello(mut ch) = HandshakePayload::decode(message).unwrap() else {
        panic!("not a ClientHello");
    };
    // Tens of thousands of values nobody has assigned, after the client's own.
    ch.cipher_suites
        .to_mut()
        .extend((0x6000..0x6000 + 20_000).map(CipherSuite::from_wire));
    let schemes = ch.extensions.signature_algorithms.as_mut().unwrap();
    schemes
        .to_mut()
        .extend((0x7000..0x7000 + 28_000).map(SignatureScheme::from_wire));
    let big = HandshakePayload::ClientHello(ch).to_vec();
    assert!(big.len() > 64 * 1024 + 30_000, "{}", big.len());
    let bytes: Vec<u8> = big
        .chunks(MAX_PLAINTEXT_LEN)
        .flat_map(|c| plain_record(ContentType::Handshake, c))
        .collect();
    feed(&mut p.server, &bytes).unwrap();
    let answer = take(&mut p.server);
    assert_eq!(answer[0], ContentType::Handshake.to_wire(), "a ServerHello");
    assert_eq!(answer[RECORD_HEADER_LEN], 2, "a ServerHello");
}

// ---- RFC 8446 §4.2.10: early data the server does not accept is skipped ----

/// A client's first flight as a 0-RTT client would send it: its ClientHello (with
/// early_data added) in a record. Returns the record and the hello's bytes.
fn hello_with_early_data(p: &mut Peers) -> (Vec<u8>, Vec<u8>) {
    let hello = take(&mut p.client);
    let message = &records(&hello)[0][RECORD_HEADER_LEN..];
    let HandshakePayload::ClientHello(mut ch) = HandshakePayload::decode(message).unwrap() else {
        panic!("not a ClientHello");
    };
    ch.extensions.early_data = true;
    let message = HandshakePayload::ClientHello(ch).to_vec();
    (plain_record(ContentType::Handshake, &message), message)
}

/// What 0-RTT records look like to a server without the early traffic keys.
fn early_data_records(count: usize) -> Vec<u8> {
    (0..count)
        .flat_map(|i| plain_record(ContentType::ApplicationData, &[i as u8; 300]))
        .collect()
}

/// The client Finished for the server's view of the handshake: `hello` and the server's
/// flight, whose handshake messages are opened with the server's logged secret.
fn client_finished(p: &Peers, hello: &[u8], flight: &[u8]) -> Vec<u8> {
    let provider = provider();
    let mut transcript = hello.to_vec();
    let server_hello = records(flight)[0];
    transcript.extend_from_slice(&server_hello[RECORD_HEADER_LEN..]);
    let server_hs = p.server_secrets.get("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    transcript.extend(opened_while_they_open(&server_hs, flight));
    let hash = provider.hash_once(HashAlgorithm::Sha256, &transcript);
    let client_hs = p.server_secrets.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let verify_data = client_hs.finished_verify_data(provider.as_ref(), hash.as_ref());
    let finished = HandshakePayload::Finished(padlock_tls::internal::wire::Finished {
        verify_data: verify_data.as_ref(),
    });
    sealed(&client_hs, ContentType::Handshake, &finished.to_vec(), 0)
}

#[test]
fn refused_early_data_is_skipped_and_the_handshake_completes_in_one_round_trip() {
    let mut p = peers();
    let (record, hello) = hello_with_early_data(&mut p);
    feed(&mut p.server, &record).unwrap();
    let flight = take(&mut p.server);
    // The client's 0-RTT records, which do not open under the handshake keys.
    feed(&mut p.server, &early_data_records(3)).unwrap();
    // Then its Finished (RFC 8446 §4.2.10: the client falls back to 1-RTT).
    let finished = client_finished(&p, &hello, &flight);
    feed(&mut p.server, &finished).unwrap();
    assert!(!p.server.is_handshaking());
    // And 1-RTT data flows.
    let app = p.server_secrets.get("CLIENT_TRAFFIC_SECRET_0");
    feed(
        &mut p.server,
        &sealed(&app, ContentType::ApplicationData, b"hello", 0),
    )
    .unwrap();
    let mut got = Vec::new();
    p.server.reader().read_to_end(&mut got).unwrap_err();
    assert_eq!(got, b"hello");
}

#[test]
fn early_data_beyond_the_skip_limit_is_refused() {
    let mut p = peers();
    let (record, _) = hello_with_early_data(&mut p);
    feed(&mut p.server, &record).unwrap();
    take(&mut p.server);
    let e = feed(&mut p.server, &early_data_records(1000)).unwrap_err();
    assert_eq!(
        alert_for(&e),
        Some(AlertDescription::UnexpectedMessage),
        "{e}"
    );
}

#[test]
fn without_early_data_an_undecryptable_record_is_bad_record_mac() {
    let mut p = peers();
    let hello = take(&mut p.client);
    feed(&mut p.server, &hello).unwrap();
    take(&mut p.server);
    expect_alert(
        &mut p.server,
        &early_data_records(1),
        AlertDescription::BadRecordMac,
    );
}

// ---- a plaintext alert after encryption started ----

#[test]
fn a_plaintext_alert_after_encryption_started_is_read_as_that_alert() {
    let mut p = peers();
    let hello = take(&mut p.client);
    feed(&mut p.server, &hello).unwrap();
    take(&mut p.server);
    // What many clients send when they refuse our certificate: fatal unknown_ca, unencrypted.
    let alert = plain_record(ContentType::Alert, &[2, 48]);
    let e = feed(&mut p.server, &alert).unwrap_err();
    assert_eq!(e, Error::AlertReceived(AlertDescription::UnknownCa));
    assert_eq!(
        e.to_string(),
        "the peer refused our certificate: unknown_ca"
    );
    // Not answered: the peer has closed.
    assert!(!p.server.wants_write());
}

// ---- the zero-copy reader ----

#[test]
fn the_reader_lends_plaintext_from_the_receive_buffer_and_says_when_to_wait() {
    let mut p = connected();
    p.client.write_plaintext(b"first record").unwrap();
    p.client.write_plaintext(b"second").unwrap();
    let bytes = take(&mut p.client);
    feed(&mut p.server, &bytes).unwrap();
    let mut reader = p.server.reader();
    assert_eq!(reader.fill_buf().unwrap(), b"first record");
    reader.consume(6);
    assert_eq!(reader.fill_buf().unwrap(), b"record");
    reader.consume(6);
    let mut rest = [0u8; 16];
    assert_eq!(reader.read(&mut rest).unwrap(), 6);
    assert_eq!(&rest[..6], b"second");
    let e = reader.fill_buf().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WouldBlock);
    // After close_notify the stream ends cleanly.
    p.client.send_close_notify();
    let bytes = take(&mut p.client);
    feed(&mut p.server, &bytes).unwrap();
    assert_eq!(p.server.reader().fill_buf().unwrap(), b"");
}

#[test]
fn read_tls_from_tells_a_full_buffer_from_the_end_of_the_stream() {
    let mut p = connected();
    let mut sent = 0;
    // Plaintext nobody reads fills the server's receive buffer.
    while sent < 64 * 1024 {
        sent += p.client.write_plaintext(&[7; 16 * 1024]).unwrap();
    }
    let bytes = take(&mut p.client);
    let mut source = &bytes[..];
    let mut full = None;
    for _ in 0..10 {
        match p.server.read_tls_from(&mut source) {
            Ok(n) => assert!(n > 0),
            Err(e) => {
                full = Some(e);
                break;
            }
        }
        p.server.process_new_packets().unwrap();
    }
    let full = full.expect("the receive buffer filled up");
    assert!(full.to_string().contains("full"), "{full}");
    let mut end: &[u8] = &[];
    let mut q = peers();
    assert_eq!(q.server.read_tls_from(&mut end).unwrap(), 0);
    assert!(!q.server.wants_read());
}
