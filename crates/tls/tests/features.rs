//! Negotiation features end to end, in memory: chain verification, HelloRetryRequest,
//! ALPN, SNI, KeyUpdate, close_notify, mutual TLS.

mod common;

use std::sync::Arc;

use common::*;
use padlock_tls::{
    AlertDescription, CertifiedKey, ClientAuth, ClientCertificates, ClientConfig, Connection,
    Error, HandshakeKind, NamedGroup, PeerIncompatible, ProtocolVersion, RootStore, ServerConfig,
    SignatureScheme, SniResolver, WebPkiClientVerifier, WebPkiServerVerifier,
};

fn roots_of(ca: &Ca) -> Arc<RootStore> {
    let mut roots = RootStore::new();
    roots.add_pem(&ca.cert_pem()).unwrap();
    Arc::new(roots)
}

fn verifying_client_config() -> ClientConfig {
    ClientConfig::new(
        provider(),
        Arc::new(WebPkiServerVerifier::new(provider(), roots_of(test_ca()))),
    )
}

fn pair(client: ClientConfig, server: ServerConfig) -> (Connection, Connection) {
    let server_name = localhost();
    (
        Connection::client(Arc::new(client), server_name).unwrap(),
        Connection::server(Arc::new(server)).unwrap(),
    )
}

#[test]
fn verifies_the_server_chain_against_roots() {
    let (mut client, mut server) = pair(verifying_client_config(), server_config(KeyType::P256));
    handshake(&mut client, &mut server);
    assert_eq!(send(&mut client, &mut server, b"ok"), b"ok");
}

#[test]
fn refuses_a_server_from_another_ca() {
    let other = Ca::new("other CA");
    let (chain, key) = other.issue(KeyType::P256, &["localhost"], false);
    let cert = padlock_tls::CertifiedKey::from_pem(provider().as_ref(), &chain, &key).unwrap();
    let (mut client, mut server) = pair(
        verifying_client_config(),
        ServerConfig::new(provider(), Arc::new(cert)),
    );
    let (side, err) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(side, Side::Client);
    assert!(matches!(err, Error::Certificate(_)), "{err}");
    assert_eq!(
        padlock_tls::alert::alert_for(&err),
        Some(AlertDescription::UnknownCa)
    );
    // The server is told why.
    let server_err = deliver(&mut client, &mut server);
    assert_eq!(
        server_err,
        Error::AlertReceived(AlertDescription::UnknownCa)
    );
}

#[test]
fn refuses_a_server_certificate_for_another_name() {
    let (mut client, _) = pair(verifying_client_config(), server_config(KeyType::P256));
    let server_cfg = ServerConfig::new(
        provider(),
        certified_key(KeyType::P256, &["example.org"], false),
    );
    let mut server = Connection::server(Arc::new(server_cfg)).unwrap();
    let (side, err) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(side, Side::Client);
    assert!(err.to_string().contains("example.org"), "{err}");
}

#[test]
fn retries_hello_when_the_server_wants_another_group() {
    let mut server = server_config(KeyType::P256);
    server.groups = vec![NamedGroup::secp384r1];
    let mut client = insecure_client_config();
    client.groups = vec![NamedGroup::x25519, NamedGroup::secp384r1];
    client.key_shares = 1;
    let (mut client, mut server) = pair(client, server);
    handshake(&mut client, &mut server);
    assert_eq!(
        client.handshake_kind(),
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
    assert_eq!(
        server.handshake_kind(),
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
    assert_eq!(client.negotiated_group(), Some(NamedGroup::secp384r1));
    assert_eq!(send(&mut client, &mut server, b"after hrr"), b"after hrr");
}

#[test]
fn fails_without_a_common_group() {
    let mut server = server_config(KeyType::P256);
    server.groups = vec![NamedGroup::secp384r1];
    let mut client = insecure_client_config();
    client.groups = vec![NamedGroup::x25519];
    let (mut client, mut server) = pair(client, server);
    let (side, err) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(side, Side::Server);
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::NoGroupsInCommon)
    );
    assert_eq!(
        deliver(&mut server, &mut client),
        Error::AlertReceived(AlertDescription::HandshakeFailure)
    );
}

#[test]
fn server_chooses_alpn_by_its_own_preference() {
    let mut server = server_config(KeyType::P256);
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut client = insecure_client_config();
    client.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let (mut client, mut server) = pair(client, server);
    handshake(&mut client, &mut server);
    assert_eq!(client.alpn_protocol(), Some(&b"h2"[..]));
    assert_eq!(server.alpn_protocol(), Some(&b"h2"[..]));
}

#[test]
fn alpn_without_overlap_is_no_application_protocol() {
    let mut server = server_config(KeyType::P256);
    server.alpn_protocols = vec![b"h2".to_vec()];
    let mut client = insecure_client_config();
    client.alpn_protocols = vec![b"http/1.1".to_vec()];
    let (mut client, mut server) = pair(client, server);
    let (_, err) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::NoApplicationProtocol)
    );
    assert_eq!(
        deliver(&mut server, &mut client),
        Error::AlertReceived(AlertDescription::NoApplicationProtocol)
    );
}

#[test]
fn sni_chooses_between_two_certificates() {
    let a = certified_key(KeyType::P256, &["a.test"], false);
    let b = certified_key(KeyType::Ed25519, &["b.test"], false);
    let mut resolver = SniResolver::new();
    resolver.add("a.test", a.clone());
    resolver.add("b.test", b.clone());
    let mut server = server_config(KeyType::P256);
    server.cert_resolver = Arc::new(resolver);
    let server = Arc::new(server);
    for (name, expected) in [("a.test", &a), ("b.test", &b)] {
        let mut client = Connection::client(
            Arc::new(verifying_client_config()),
            padlock_tls::ServerName::try_from(name).unwrap(),
        )
        .unwrap();
        let mut server = Connection::server(server.clone()).unwrap();
        handshake(&mut client, &mut server);
        assert_eq!(server.server_name(), Some(name));
        assert_eq!(client.peer_certificates().unwrap()[0], expected.chain[0]);
    }
}

#[test]
fn key_update_during_a_ten_megabyte_transfer() {
    let (mut client, mut server) = pair(insecure_client_config(), server_config(KeyType::P256));
    handshake(&mut client, &mut server);
    let data: Vec<u8> = (0..10 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let (first, second) = data.split_at(data.len() / 2);
    let mut got = send(&mut client, &mut server, first);
    client.request_key_update(true).unwrap();
    got.extend(send(&mut client, &mut server, second));
    assert_eq!(got.len(), data.len());
    assert!(got == data);
    // The server answered with its own KeyUpdate; both directions still work.
    assert_eq!(send(&mut server, &mut client, b"still here"), b"still here");
    assert_eq!(send(&mut client, &mut server, b"and here"), b"and here");
}

#[test]
fn close_notify_ends_the_stream_cleanly() {
    let (mut client, mut server) = pair(insecure_client_config(), server_config(KeyType::P256));
    handshake(&mut client, &mut server);
    client.send_close_notify();
    transfer(&mut client, &mut server).unwrap();
    let state = server.process_new_packets().unwrap();
    assert!(state.peer_has_closed);
    assert!(client.write_plaintext(b"x").is_err());
}

fn mtls_server(required: bool) -> ServerConfig {
    let mut server = server_config(KeyType::P256);
    let verifier = Arc::new(WebPkiClientVerifier::new(provider(), roots_of(test_ca())));
    server.client_auth = if required {
        ClientAuth::Required(verifier)
    } else {
        ClientAuth::Optional(verifier)
    };
    server
}

#[test]
fn mutual_tls_accepts_a_good_client_certificate() {
    for kind in [KeyType::P256, KeyType::Rsa2048, KeyType::Ed25519] {
        let key = certified_key(kind, &["client.test"], true);
        let mut client = verifying_client_config();
        client.set_client_certificate(key.clone());
        let (mut client, mut server) = pair(client, mtls_server(true));
        handshake(&mut client, &mut server);
        assert_eq!(server.peer_certificates().unwrap()[0], key.chain[0]);
        assert_eq!(
            send(&mut client, &mut server, b"authenticated"),
            b"authenticated"
        );
    }
}

#[test]
fn mutual_tls_required_refuses_a_client_without_certificate() {
    let (mut client, mut server) = pair(verifying_client_config(), mtls_server(true));
    let (side, err) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(side, Side::Server);
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::CertificateRequired)
    );
    assert_eq!(
        deliver(&mut server, &mut client),
        Error::AlertReceived(AlertDescription::CertificateRequired)
    );
}

#[test]
fn mutual_tls_optional_accepts_a_client_without_certificate() {
    let (mut client, mut server) = pair(verifying_client_config(), mtls_server(false));
    handshake(&mut client, &mut server);
    assert!(server.peer_certificates().is_none());
}

#[test]
fn mutual_tls_refuses_a_client_certificate_from_another_ca() {
    let other = Ca::new("rogue CA");
    let (chain, key) = other.issue(KeyType::P256, &["client.test"], true);
    let mut client = verifying_client_config();
    client.set_client_certificate(Arc::new(
        padlock_tls::CertifiedKey::from_pem(provider().as_ref(), &chain, &key).unwrap(),
    ));
    let (mut client, mut server) = pair(client, mtls_server(true));
    let (side, err) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(side, Side::Server);
    assert!(matches!(err, Error::Certificate(_)), "{err}");
    assert_eq!(
        deliver(&mut server, &mut client),
        Error::AlertReceived(AlertDescription::UnknownCa)
    );
}

/// A client with several certificates sends the first the server's CertificateRequest
/// accepts: a signature scheme it lists (RFC 8446 §4.3.2, RFC 5246 §7.4.4) and, for one
/// kept for named issuers, an issuer among its certificate_authorities (RFC 8446 §4.2.4).
#[test]
fn mutual_tls_client_sends_the_certificate_the_request_fits() {
    let rogue = Ca::new("rogue CA");
    let (chain, key) = rogue.issue(KeyType::P256, &["client.test"], true);
    let rogue = Arc::new(CertifiedKey::from_pem(provider().as_ref(), &chain, &key).unwrap());
    // An RSA key that signs with RSA-PSS only (a TLS 1.2 server also accepts PKCS#1 v1.5).
    let rsa = rsa_pss_only_client_key();
    let p256 = certified_key(KeyType::P256, &["client.test"], true);
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let mut certs = ClientCertificates::new();
        // The server names only the test CA: the rogue CA's certificate is not shown.
        certs.add_for_named_issuers(rogue.clone());
        // The server accepts ECDSA P-256 signatures only.
        certs.add(rsa.clone());
        certs.add_for_named_issuers(p256.clone());
        let mut client = verifying_client_config();
        client.versions = vec![version];
        client.client_auth = Some(Arc::new(certs));
        let mut server = mtls_server(true);
        server.signature_schemes = vec![SignatureScheme::ecdsa_secp256r1_sha256];
        let (mut client, mut server) = pair(client, server);
        handshake(&mut client, &mut server);
        assert_eq!(
            server.peer_certificates().unwrap()[0],
            p256.chain[0],
            "{version:?}"
        );
    }
}

/// A certificate_authorities name matches a chain's issuer (RFC 8446 §4.2.4), as the
/// DER Name it is.
#[test]
fn a_certified_key_knows_which_named_cas_issued_its_chain() {
    let subject_of = |ca: &Ca| {
        let pem = padlock_pki::pem::parse_all(&ca.cert_pem()).unwrap();
        let cert = padlock_pki::Certificate::from_der(&pem[0].der).unwrap();
        cert.subject().der.to_vec()
    };
    let ours = subject_of(test_ca());
    let rogue = subject_of(&Ca::new("rogue CA"));
    let key = certified_key(KeyType::P256, &["client.test"], true);
    assert!(key.issued_by_one_of(&[&rogue, &ours]));
    assert!(!key.issued_by_one_of(&[&rogue]));
    assert!(!key.issued_by_one_of(&[]));
}

fn rsa_pss_only_client_key() -> Arc<CertifiedKey> {
    let rsa = certified_key(KeyType::Rsa2048, &["client.test"], true);
    Arc::new(CertifiedKey {
        chain: rsa.chain.clone(),
        key: rsa.key.clone(),
        signature_schemes: Some(vec![SignatureScheme::rsa_pss_rsae_sha256]),
    })
}

/// With no certificate that fits, the client sends an empty Certificate and the server
/// decides (RFC 8446 §4.4.2): one requiring a certificate refuses it.
#[test]
fn mutual_tls_client_without_a_fitting_certificate_sends_none() {
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let mut client = verifying_client_config();
        client.versions = vec![version];
        client.set_client_certificate(rsa_pss_only_client_key());
        let mut server = mtls_server(false);
        server.signature_schemes = vec![SignatureScheme::ecdsa_secp256r1_sha256];
        let (mut client, mut server) = pair(client, server);
        handshake(&mut client, &mut server);
        assert!(server.peer_certificates().is_none(), "{version:?}");
    }
}

#[test]
fn mutual_tls_refuses_a_server_certificate_used_as_client_certificate() {
    let mut client = verifying_client_config();
    client.set_client_certificate(certified_key(KeyType::P256, &["client.test"], false));
    let (mut client, mut server) = pair(client, mtls_server(true));
    let (side, err) = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(side, Side::Server);
    assert!(matches!(err, Error::Certificate(_)), "{err}");
}

#[derive(Default)]
struct Events(std::sync::Mutex<Vec<String>>);

impl padlock_tls::Trace for Events {
    fn event(&self, event: &padlock_tls::TraceEvent<'_>) {
        self.0.lock().unwrap().push(format!("{event:?}"));
    }
}

#[test]
fn trace_reports_every_handshake_step() {
    let events = Arc::new(Events::default());
    let mut client = insecure_client_config();
    client.trace = Some(events.clone());
    client.alpn_protocols = vec![b"h2".to_vec()];
    let mut server = server_config(KeyType::P256);
    server.alpn_protocols = vec![b"h2".to_vec()];
    let (mut client, mut server) = pair(client, server);
    handshake(&mut client, &mut server);
    send(&mut client, &mut server, b"traced");
    let log = events.0.lock().unwrap().join("\n");
    for needle in [
        "name: \"ClientHello\"",
        "name: \"server_hello\"",
        "name: \"encrypted_extensions\"",
        "name: \"certificate\"",
        "name: \"certificate_verify\"",
        "name: \"finished\"",
        "Negotiated",
        "CertificateCheck",
        "SignatureCheck",
        "Alpn",
        "KeysInstalled",
        "Record",
        "HandshakeComplete",
    ] {
        assert!(log.contains(needle), "missing {needle} in:\n{log}");
    }
}

#[derive(Default)]
struct Lines(std::sync::Mutex<Vec<String>>);

impl padlock_tls::KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push(padlock_tls::keylog::format_line(
                label,
                client_random,
                secret,
            ));
    }
}

#[test]
fn key_log_has_the_five_nss_labels_on_both_sides() {
    let client_log = Arc::new(Lines::default());
    let server_log = Arc::new(Lines::default());
    let mut client = insecure_client_config();
    client.key_log = Some(client_log.clone());
    let mut server = server_config(KeyType::P256);
    server.key_log = Some(server_log.clone());
    let (mut client, mut server) = pair(client, server);
    handshake(&mut client, &mut server);
    let mut a = client_log.0.lock().unwrap().clone();
    let mut b = server_log.0.lock().unwrap().clone();
    a.sort();
    b.sort();
    assert_eq!(
        a, b,
        "both sides derive the same secrets for the same client random"
    );
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
    ] {
        assert!(a.iter().any(|l| l.starts_with(label)), "{label}");
    }
}

#[test]
fn blocking_streams_work_over_tcp() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server_config = Arc::new(server_config(KeyType::Ed25519));
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let conn = Connection::server(server_config).unwrap();
        let mut tls = padlock_tls::StreamOwned::new(conn, sock);
        let mut buf = [0u8; 5];
        tls.read_exact(&mut buf).unwrap();
        tls.write_all(&buf).unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
    });
    let sock = std::net::TcpStream::connect(addr).unwrap();
    let conn = Connection::client(Arc::new(verifying_client_config()), localhost()).unwrap();
    let mut tls = padlock_tls::StreamOwned::new(conn, sock);
    tls.write_all(b"hello").unwrap();
    let mut echo = Vec::new();
    tls.read_to_end(&mut echo).unwrap();
    assert_eq!(echo, b"hello");
    server.join().unwrap();
}

#[test]
fn plaintext_written_during_the_handshake_is_sent_after_it() {
    let (mut client, mut server) = pair(insecure_client_config(), server_config(KeyType::P256));
    assert_eq!(client.write_plaintext(b"early bird").unwrap(), 10);
    handshake(&mut client, &mut server);
    let mut buf = [0u8; 32];
    let n = server.read_plaintext(&mut buf);
    assert_eq!(&buf[..n], b"early bird");
}

/// Moves what `from` has to send into `to`, keeping a copy in `sent` and the plaintext
/// `to` reads in `received`. Returns whether anything moved.
fn move_logged(
    from: &mut Connection,
    to: &mut Connection,
    sent: &mut Vec<u8>,
    received: &mut Vec<u8>,
) -> bool {
    let mut moved = false;
    while from.wants_write() {
        let n = to.read_tls(from.pending_tls());
        sent.extend_from_slice(&from.pending_tls()[..n]);
        from.consume_tls(n);
        to.process_new_packets().unwrap();
        read_all_plaintext(to, received);
        moved |= n > 0;
    }
    moved
}

/// `max_fragment_size` caps the plaintext of every record each side sends, handshake
/// messages (a certificate chain larger than one record) and application data alike
/// (RFC 8446 §5.1, RFC 5246 §6.2.1 allow any size up to 2^14).
#[test]
fn records_carry_at_most_max_fragment_size_bytes() {
    // A protected record adds at most TLS 1.2's explicit nonce and an AEAD tag (8 + 16)
    // to its plaintext; TLS 1.3 adds its content type and a tag (1 + 16).
    const SIZE: usize = 512;
    let data: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let mut client = insecure_client_config();
        client.versions = vec![version];
        client.max_fragment_size = SIZE;
        let mut server = server_config(KeyType::Rsa2048);
        server.max_fragment_size = SIZE;
        let (mut client, mut server) = pair(client, server);
        let (mut client_sent, mut server_sent) = (Vec::new(), Vec::new());
        let (mut client_got, mut server_got) = (Vec::new(), Vec::new());
        let mut wrote = [0, 0];
        for _ in 0..100 {
            if !client.is_handshaking() && !server.is_handshaking() {
                wrote[0] += client.write_plaintext(&data[wrote[0]..]).unwrap();
                wrote[1] += server.write_plaintext(&data[wrote[1]..]).unwrap();
            }
            let a = move_logged(&mut client, &mut server, &mut client_sent, &mut server_got);
            let b = move_logged(&mut server, &mut client, &mut server_sent, &mut client_got);
            if !a && !b && wrote == [data.len(); 2] {
                break;
            }
        }
        assert_eq!(server_got, data, "{version:?}");
        assert_eq!(client_got, data, "{version:?}");
        for sent in [&client_sent, &server_sent] {
            let records = records(sent);
            let limit = |typ: u8| if typ == 23 { SIZE + 24 } else { SIZE };
            assert!(
                records.iter().all(|(typ, r)| r.len() <= limit(*typ)),
                "{version:?}: {:?}",
                records
                    .iter()
                    .map(|(t, r)| (t, r.len()))
                    .collect::<Vec<_>>()
            );
            // 3000 bytes of data took at least six records.
            assert!(records.iter().filter(|(typ, _)| *typ == 23).count() >= 6);
        }
    }
}

#[test]
fn a_max_fragment_size_outside_512_to_16384_is_refused() {
    for size in [0, 511, 16385] {
        let mut client = insecure_client_config();
        client.max_fragment_size = size;
        let err = Connection::client(Arc::new(client), localhost()).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{size}: {err}");
        let mut server = server_config(KeyType::P256);
        server.max_fragment_size = size;
        let err = Connection::server(Arc::new(server)).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{size}: {err}");
    }
    let mut client = insecure_client_config();
    client.max_fragment_size = padlock_tls::MIN_FRAGMENT_SIZE;
    assert!(Connection::client(Arc::new(client), localhost()).is_ok());
}
