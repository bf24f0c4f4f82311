//! TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1), padlock client ↔ padlock server in
//! memory: both suites with the opt-in on both sides, refusals without it or without
//! keyEncipherment, and the ROBOT-style oracle test — every malformed ClientKeyExchange
//! gets exactly what a well-formed one under another secret gets: the handshake goes on,
//! and the client's Finished fails to decrypt (bad_record_mac); never an earlier or
//! different alert.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::*;
use padlock_test_support::rsa_blocks::{block, encrypt_unpadded};
use padlock_tls::{
    CertifiedKey, CipherSuite, Connection, Error, PeerIncompatible, ProtocolVersion, ServerConfig,
};

const RSA_KX: [CipherSuite; 2] = [
    CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/// The bad_record_mac alert a TLS 1.2 server sends in plaintext: its own keys are not yet
/// in use when the client's Finished fails.
const BAD_RECORD_MAC: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x14];

fn rsa_client(suites: &[CipherSuite]) -> padlock_tls::ClientConfig {
    let mut config = insecure_client_config();
    config.versions = vec![ProtocolVersion::TLSv1_2];
    config.cipher_suites = suites.to_vec();
    config.legacy_rsa_key_exchange = true;
    config
}

fn rsa_server(key: Arc<CertifiedKey>) -> ServerConfig {
    let mut config = ServerConfig::new(provider(), key);
    config.cipher_suites.extend(RSA_KX);
    config.legacy_rsa_key_exchange = true;
    config
}

#[test]
fn both_rsa_key_transport_suites_complete_and_carry_data_with_the_opt_in() {
    let server_config = Arc::new(rsa_server(server_key(KeyType::Rsa2048)));
    for suite in RSA_KX {
        let mut client = Connection::client(Arc::new(rsa_client(&[suite])), localhost()).unwrap();
        let mut server = Connection::server(server_config.clone()).unwrap();
        handshake(&mut client, &mut server);
        assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_2));
        assert_eq!(client.cipher_suite(), Some(suite));
        assert_eq!(server.cipher_suite(), Some(suite));
        assert_eq!(server.negotiated_group(), None, "no key exchange group");
        let data = vec![0xa5; 20_000];
        assert_eq!(send(&mut client, &mut server, &data), data, "{suite}");
        assert_eq!(send(&mut server, &mut client, b"pong"), b"pong", "{suite}");
    }
}

#[test]
fn ecdhe_stays_preferred_when_the_client_also_offers_rsa_key_transport() {
    let mut client_config = rsa_client(&[]);
    client_config.cipher_suites = vec![
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server =
        Connection::server(Arc::new(rsa_server(server_key(KeyType::Rsa2048)))).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(
        server.cipher_suite(),
        Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
    );
}

/// A client offering `suites` and only X25519, and an RSA server (key transport enabled)
/// with only P-256: no group in common.
fn no_group_in_common(suites: &[CipherSuite]) -> (Connection, Connection) {
    let mut client_config = rsa_client(suites);
    client_config.groups = vec![padlock_tls::NamedGroup::x25519];
    let mut server_config = rsa_server(server_key(KeyType::Rsa2048));
    server_config.groups = vec![padlock_tls::NamedGroup::secp256r1];
    (
        Connection::client(Arc::new(client_config), localhost()).unwrap(),
        Connection::server(Arc::new(server_config)).unwrap(),
    )
}

#[test]
fn rsa_key_transport_serves_a_client_with_no_group_in_common() {
    // RFC 8422 §5.1: without a group the client lists, no ECC suite; the suite that needs
    // none is the one left (BoGo's NoCommonCurves).
    let (mut client, mut server) = no_group_in_common(&[
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    ]);
    handshake(&mut client, &mut server);
    assert_eq!(
        server.cipher_suite(),
        Some(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256)
    );
}

#[test]
fn without_rsa_key_transport_no_group_in_common_is_named() {
    let (mut client, mut server) =
        no_group_in_common(&[CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]);
    assert_eq!(
        transfer(&mut client, &mut server).unwrap_err(),
        PeerIncompatible::NoGroupsInCommon.into()
    );
}

#[test]
fn rsa_key_transport_serves_a_client_accepting_none_of_our_signatures() {
    // RFC 5246 §7.4.1.4.1: ECDHE_RSA would need a signature the client accepts; it lists
    // only ECDSA, so the suite that signs nothing is the one left (BoGo's
    // NoCommonSignatureAlgorithms-TLS12-Fallback).
    use padlock_tls::internal::wire::{Codec, HandshakePayload};
    let client_config = rsa_client(&[
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    ]);
    let mut client = Connection::client(Arc::new(client_config), localhost()).unwrap();
    let mut server =
        Connection::server(Arc::new(rsa_server(server_key(KeyType::Rsa2048)))).unwrap();
    let hello = common::tls12::take(&mut client);
    let hello = common::tls12::handshake_bytes(&hello);
    let HandshakePayload::ClientHello(mut ch) = common::tls12::decode(&hello) else {
        panic!("not a ClientHello")
    };
    ch.extensions.signature_algorithms =
        Some(vec![padlock_tls::SignatureScheme::ecdsa_secp256r1_sha256].into());
    let record = common::tls12::hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]);
    server.read_tls(&record);
    server.process_new_packets().unwrap();
    assert_eq!(
        server.cipher_suite(),
        Some(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256)
    );
}

#[test]
fn a_server_without_the_opt_in_refuses_a_client_offering_only_rsa_key_transport() {
    let mut client = Connection::client(Arc::new(rsa_client(&RSA_KX)), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(server_config(KeyType::Rsa2048))).unwrap();
    let (_, error) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        error,
        Error::PeerIncompatible(PeerIncompatible::RsaKeyExchangeNotEnabled)
    );
    assert!(
        error.to_string().contains("--legacy-rsa-key-exchange"),
        "{error}"
    );
}

#[test]
fn a_client_without_the_opt_in_may_not_offer_rsa_key_transport() {
    let mut config = rsa_client(&RSA_KX);
    config.legacy_rsa_key_exchange = false;
    assert!(matches!(
        Connection::client(Arc::new(config), localhost()),
        Err(Error::Config(_))
    ));
}

#[test]
fn a_certificate_without_key_encipherment_is_not_used_for_rsa_key_transport() {
    let key = signing_only_rsa_key();
    // The server does not choose RSA key transport with it …
    let mut client = Connection::client(Arc::new(rsa_client(&RSA_KX)), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(rsa_server(key.clone()))).unwrap();
    let (_, error) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        error,
        Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon)
    );
    // … but still signs ECDHE with it.
    let mut both = rsa_client(&RSA_KX);
    both.cipher_suites
        .push(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    let mut client = Connection::client(Arc::new(both), localhost()).unwrap();
    let mut server = Connection::server(Arc::new(rsa_server(key))).unwrap();
    handshake(&mut client, &mut server);
    assert_eq!(
        client.cipher_suite(),
        Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
    );
}

/// What the server did with one client flight, record by record.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// For each record of the client's flight (ClientKeyExchange, ChangeCipherSpec,
    /// Finished): the server's error, if that record ended the handshake, and what it sent.
    per_record: Vec<(Option<Error>, Vec<u8>)>,
}

/// A TLS 1.2 RSA key-transport client and server (AES-128-GCM) after the server's first
/// flight: the client's second flight, starting with its ClientKeyExchange, is queued.
fn up_to_the_client_key_exchange() -> (Connection, Connection) {
    let mut client = Connection::client(
        Arc::new(rsa_client(&[CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256])),
        localhost(),
    )
    .unwrap();
    let mut server =
        Connection::server(Arc::new(rsa_server(server_key(KeyType::Rsa2048)))).unwrap();
    transfer(&mut client, &mut server).unwrap();
    transfer(&mut server, &mut client).unwrap();
    (client, server)
}

/// Runs a TLS 1.2 RSA key-transport handshake up to the client's second flight, puts
/// `ciphertext` (the EncryptedPreMasterSecret's contents; `None`: the client's own) into its
/// ClientKeyExchange, and feeds the flight to the server one record at a time.
fn server_answer_to(ciphertext: Option<&[u8]>) -> Outcome {
    let (mut client, mut server) = up_to_the_client_key_exchange();
    let flight = client.pending_tls().to_vec();
    client.consume_tls(flight.len());
    let mut flight = records(&flight);
    assert_eq!(
        flight.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        [22, 20, 22],
        "ClientKeyExchange, ChangeCipherSpec, Finished"
    );
    if let Some(ciphertext) = ciphertext {
        flight[0].1 = client_key_exchange(ciphertext);
    }
    let mut per_record = Vec::new();
    for (typ, payload) in flight {
        let bytes = record(typ, &payload);
        assert_eq!(server.read_tls(&bytes), bytes.len());
        let error = server.process_new_packets().err();
        let sent = server.pending_tls().to_vec();
        server.consume_tls(sent.len());
        let done = error.is_some();
        per_record.push((error, sent));
        if done {
            break;
        }
    }
    Outcome { per_record }
}

/// A ClientKeyExchange message whose EncryptedPreMasterSecret holds `ciphertext`.
fn client_key_exchange(ciphertext: &[u8]) -> Vec<u8> {
    let mut body = (ciphertext.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(ciphertext);
    let mut message = vec![0x10];
    message.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    message.extend_from_slice(&body);
    message
}

#[test]
fn every_malformed_client_key_exchange_fails_at_finished_with_bad_record_mac_like_any_other() {
    let good = server_answer_to(None);
    assert_eq!(good.per_record.len(), 3);
    assert!(
        good.per_record.iter().all(|(e, _)| e.is_none()),
        "the well-formed control completes: {good:?}"
    );

    let spki = server_key(KeyType::Rsa2048).key.public_key_spki();
    let pms = |version: [u8; 2]| {
        let mut s = [0x42u8; 48];
        s[..2].copy_from_slice(&version);
        s
    };
    let encrypt = |secret: &[u8; 48]| {
        provider()
            .rsa_encrypt_pre_master_secret(&spki, secret)
            .unwrap()
    };
    let valid = encrypt(&pms([0x03, 0x03]));
    let mut random = vec![0u8; 256];
    provider().fill_random(&mut random).unwrap();
    random[0] = 0;
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        (
            "a well-formed ciphertext of another secret".into(),
            valid.clone(),
        ),
        (
            "wrong version bytes (TLS 1.0)".into(),
            encrypt(&pms([0x03, 0x01])),
        ),
        (
            "wrong version bytes (0x0304)".into(),
            encrypt(&pms([0x03, 0x04])),
        ),
        ("random block (bad padding)".into(), random),
        ("ciphertext above the modulus".into(), vec![0xff; 256]),
        ("ciphertext of zero".into(), vec![0; 256]),
        ("zero-length ciphertext".into(), Vec::new()),
        ("ciphertext one byte short".into(), valid[1..].to_vec()),
        (
            "ciphertext one byte long".into(),
            [valid.as_slice(), &[0]].concat(),
        ),
    ];
    cases.extend(classic_blocks_encrypted_by_openssl(
        &spki,
        &pms([0x03, 0x03]),
    ));

    for (what, ciphertext) in &cases {
        let outcome = server_answer_to(Some(ciphertext));
        assert_eq!(
            outcome.per_record,
            [
                (None, Vec::new()),
                (None, Vec::new()),
                (Some(Error::DecryptFailed), BAD_RECORD_MAC.to_vec()),
            ],
            "{what}: the ClientKeyExchange and ChangeCipherSpec pass silently, the Finished \
             fails to decrypt"
        );
    }
}

#[test]
fn a_broken_client_key_exchange_frame_is_a_decode_error_which_reveals_nothing_secret() {
    // The length prefix says 257 bytes, 256 follow: the framing is wrong before any
    // decryption, whatever the bytes are (the sender knows it broke the frame).
    let mut message = client_key_exchange(&[0x11; 256]);
    message[4..6].copy_from_slice(&257u16.to_be_bytes());
    let (_client, mut server) = up_to_the_client_key_exchange();
    let bytes = record(22, &message);
    server.read_tls(&bytes);
    assert!(matches!(
        server.process_new_packets(),
        Err(Error::Decode(_))
    ));
}

/// Bleichenbacher's classic malformed blocks, built byte by byte and encrypted without
/// padding by `openssl pkeyutl` (the engine's provider has only padded encryption).
fn classic_blocks_encrypted_by_openssl(spki: &[u8], pms: &[u8; 48]) -> Vec<(String, Vec<u8>)> {
    let dir = TempDir::new("robot-blocks");
    [
        ("block type 1", block(0, 1, 205, true, pms)),
        ("nonzero first byte", block(1, 2, 205, true, pms)),
        ("no zero separator", block(0, 2, 254, false, &[])),
        (
            "padding string of 7 bytes",
            block(0, 2, 7, true, &[&pms[..], &[0x5a; 198]].concat()),
        ),
        ("message of 47 bytes", block(0, 2, 206, true, &pms[..47])),
        ("empty message", block(0, 2, 253, true, &[])),
    ]
    .into_iter()
    .map(|(what, block)| {
        assert_eq!(block.len(), 256, "{what}");
        (what.to_string(), encrypt_unpadded(dir.path(), spki, &block))
    })
    .collect()
}

/// An RSA-2048 server certificate whose keyUsage is digitalSignature alone.
fn signing_only_rsa_key() -> Arc<CertifiedKey> {
    let ca = test_ca();
    let dir = &ca.dir;
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    std::fs::write(
        dir.join("sign-only.cnf"),
        "[leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
         extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost\n",
    )
    .unwrap();
    run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "sign-only.key",
    ]);
    run(&[
        "req",
        "-new",
        "-key",
        "sign-only.key",
        "-subj",
        "/CN=localhost",
        "-out",
        "sign-only.csr",
    ]);
    let ca_cert = ca.cert.display().to_string();
    let ca_key = ca.key.display().to_string();
    run(&[
        "x509",
        "-req",
        "-sha256",
        "-days",
        "2",
        "-in",
        "sign-only.csr",
        "-CA",
        &ca_cert,
        "-CAkey",
        &ca_key,
        "-set_serial",
        "0x5157",
        "-extfile",
        "sign-only.cnf",
        "-extensions",
        "leaf",
        "-out",
        "sign-only.pem",
    ]);
    let chain = std::fs::read(dir.join("sign-only.pem")).unwrap();
    let key = std::fs::read(dir.join("sign-only.key")).unwrap();
    Arc::new(CertifiedKey::from_pem(provider().as_ref(), &chain, &key).unwrap())
}
