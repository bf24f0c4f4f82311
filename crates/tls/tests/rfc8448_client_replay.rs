//! RFC 8448 §3 ("Simple 1-RTT Handshake") and §5 ("HelloRetryRequest") replayed through
//! padlock's *client* [`Connection`]: given the trace's fixed randomness and private keys,
//! and fed the server's records from the trace, the client must send exactly the trace's
//! records — the ClientHello(s), the protected Finished, the application data and the
//! close_notify — reach the end of the handshake with the trace's secrets, and read the
//! server's application data and close_notify. In §5 that includes answering the
//! HelloRetryRequest with a P-256 share and echoing its cookie (RFC 8446 §4.1.4, §4.2.2).
//!
//! Three things are test-only here, on purpose, and named so:
//! - [`FixedEntropy`], a provider that hands out the trace's client random and X25519 key
//!   (via `padlock_crypto::insecure_fixed_keys`, a test-only feature of the crypto crate);
//! - `padlock_tls::insecure_test_hooks::set_client_hello_overrides` (a test-only feature of
//!   this crate), with §5's second ClientHello too: the RFC's ClientHellos offer extensions padlock does not
//!   send (record_size_limit, psk_key_exchange_modes, session_ticket, padding, …), so the
//!   client is given the trace's exact bytes. It adopts them only if they carry the random,
//!   key share and cookie it drew from the provider and the HelloRetryRequest;
//! - the server certificate of RFC 8448 is RSA-1024, below padlock's 2048-bit floor, and
//!   expired in July 2026. The chain check uses the loudly named
//!   [`danger::NoServerVerification`], and `FixedEntropy::verify_signature` accepts that one
//!   key only for the exact content and signature of the trace (a separate test checks that
//!   signature with `openssl`, when it is installed). No production path is weakened.
//!
//! The values are parsed from the RFC's text (see `rfc8448_trace`).

#[path = "rfc8448_trace/mod.rs"]
mod rfc8448_trace;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use padlock_crypto::{
    insecure_fixed_keys, AeadAlgorithm, AeadKey, AwsLcProvider, CryptoError, Digest, HashAlgorithm,
    HashContext, KeyExchange, KeyExchangeAlgorithm, KeyKind, PrivateKeyFormat, Provider,
    SignatureAlgorithm, SigningKey,
};
use padlock_test_support::{hex, peer_runs, TempDir};
use padlock_tls::internal::wire::{HandshakeMessage, HandshakePayload};
use padlock_tls::{
    danger, insecure_test_hooks, CipherSuite, ClientConfig, Connection, Error, HandshakeKind,
    KeyLog, NamedGroup, ServerName, SignatureScheme,
};
use rfc8448_trace::{Trace, HELLO_RETRY, SIMPLE};

/// RFC 8446 §4.4.3: the content a server's CertificateVerify signs starts with 64 spaces and
/// this context string, then a zero byte and the transcript hash.
const SERVER_CONTEXT: &[u8] = b"TLS 1.3, server CertificateVerify";

#[test]
fn client_replays_the_simple_1rtt_trace_byte_for_byte() {
    // RFC 8448 §3: TLS_AES_128_GCM_SHA256, x25519, rsa_pss_rsae_sha256; the client sends
    // ClientHello, Finished, application data and close_notify.
    replay(SIMPLE, NamedGroup::x25519, HandshakeKind::Full, 4);
}

#[test]
fn client_replays_the_hello_retry_trace_byte_for_byte() {
    // RFC 8448 §5: the server wants P-256 and asks for it with a HelloRetryRequest that
    // carries a cookie; the client sends ClientHello, ClientHello (P-256 share, cookie
    // echoed), Finished and close_notify.
    replay(
        HELLO_RETRY,
        NamedGroup::secp256r1,
        HandshakeKind::FullWithHelloRetryRequest,
        4,
    );
}

/// Drives a client through `section`: each `{client} send ... record` step must be what
/// the client queued at that point (after writing the step's application data, or closing,
/// when that is the step), and each `{server} send ... record` step is fed to it.
fn replay(section: &str, group: NamedGroup, kind: HandshakeKind, client_records: usize) {
    let trace = Trace::section(section);
    let fixture = Fixture::new(&trace);
    let provider = Arc::new(FixedEntropy::new(&fixture, fixture.key_shares.clone()));
    let key_log = Arc::new(CollectedSecrets::default());
    let config = fixture.client_config(provider.clone(), Some(key_log.clone()));
    let mut client = Connection::client(Arc::new(config), server_name()).unwrap();

    // RFC 8448 lists each side's records in the order they happen; replay them.
    let mut sent = 0;
    for step in trace.steps.iter().filter(|s| is_record_step(&s.heading)) {
        let record = step.value("complete record").expect("a complete record");
        let payload = step.value("payload").expect("a payload");
        if step.heading.starts_with("{client}") {
            // What the client does at this point of the trace.
            if step.heading.contains("application_data record") {
                assert_eq!(client.write_plaintext(payload).unwrap(), payload.len());
            } else if step.heading.contains("alert record") {
                client.send_close_notify();
            }
            let ours = take_pending(&mut client);
            if sent == 0 {
                assert_client_hello_record(&ours, record);
            } else {
                assert_eq!(hex(&ours), hex(record), "{}", step.heading);
            }
            sent += 1;
        } else {
            assert_eq!(client.read_tls(record), record.len(), "{}", step.heading);
            let state = client
                .process_new_packets()
                .unwrap_or_else(|e| panic!("{}: {e}", step.heading));
            if step.heading.contains("application_data record") {
                let mut buf = vec![0u8; 256];
                let n = client.read_plaintext(&mut buf);
                assert_eq!(hex(&buf[..n]), hex(payload), "{}", step.heading);
            }
            if step.heading.contains("alert record") {
                assert!(state.peer_has_closed, "server's close_notify not seen");
            }
            // The handshake ends with the server's flight (our Finished is then queued).
            if step.heading.contains("handshake record") && payload.first() == Some(&0x08) {
                assert!(!client.is_handshaking(), "handshake should be complete");
            }
        }
    }
    assert_eq!(sent, client_records, "client records in the trace");
    assert!(
        client.pending_tls().is_empty(),
        "client sent more than the trace"
    );

    // What was negotiated.
    assert_eq!(
        client.cipher_suite(),
        Some(CipherSuite::TLS_AES_128_GCM_SHA256)
    );
    assert_eq!(client.negotiated_group(), Some(group));
    assert_eq!(
        client.signature_scheme(),
        Some(SignatureScheme::rsa_pss_rsae_sha256)
    );
    assert_eq!(client.handshake_kind(), Some(kind));
    let chain = client.peer_certificates().unwrap();
    assert!(chain.iter().eq([fixture.certificate.as_slice()]));
    assert!(
        provider.signature_checked.load(Ordering::SeqCst),
        "the server's CertificateVerify was never checked"
    );

    // The secrets the client derived (NSS key log lines) are the trace's (RFC 8446 §7.1).
    let secrets = key_log.0.lock().unwrap();
    for (label, step) in [
        ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "c hs traffic"),
        ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "s hs traffic"),
        ("CLIENT_TRAFFIC_SECRET_0", "c ap traffic"),
        ("SERVER_TRAFFIC_SECRET_0", "s ap traffic"),
    ] {
        let (random, secret) = secrets
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|(_, r, s)| (r, s))
            .unwrap_or_else(|| panic!("no {label} logged"));
        assert_eq!(hex(random), hex(&fixture.client_random), "{label}");
        let expected = trace.value(
            &format!("{{server}}  derive secret \"tls13 {step}\""),
            "expanded",
        );
        assert_eq!(hex(secret), hex(expected), "{label}");
    }
}

#[test]
fn retry_override_is_refused_unless_it_echoes_the_cookie() {
    let trace = Trace::section(HELLO_RETRY);
    let mut fixture = Fixture::new(&trace);
    // Change one byte of the cookie inside the trace's second ClientHello.
    let hello_retry = trace.value(
        "{server}  construct a ServerHello handshake message",
        "ServerHello",
    );
    let HandshakePayload::HelloRetryRequest(hrr) =
        HandshakeMessage::decode(hello_retry).unwrap().payload
    else {
        panic!("§5's first ServerHello is a HelloRetryRequest");
    };
    let cookie = hrr
        .extensions
        .cookie
        .expect("§5's HelloRetryRequest has a cookie");
    let second = &mut fixture.client_hellos[1];
    let at = second
        .windows(cookie.len())
        .position(|w| w == cookie)
        .expect("the cookie echoed in §5's second ClientHello");
    second[at + 5] ^= 1;

    let provider = Arc::new(FixedEntropy::new(&fixture, fixture.key_shares.clone()));
    let config = fixture.client_config(provider, None);
    let mut client = Connection::client(Arc::new(config), server_name()).unwrap();
    let hrr_record = trace
        .steps_named("{server}  send handshake record")
        .find_map(|s| s.value("complete record"))
        .unwrap();
    client.read_tls(hrr_record);
    let err = client.process_new_packets().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(err.to_string().contains("cookie"), "{err}");
}

#[test]
fn client_hello_override_is_refused_unless_it_carries_the_providers_key_share() {
    let trace = Trace::section(SIMPLE);
    let fixture = Fixture::new(&trace);
    // Same random, another private key: the trace's share is not ours.
    let other_key = vec![(KeyExchangeAlgorithm::X25519, vec![0x42; 32])];
    let provider = Arc::new(FixedEntropy::new(&fixture, other_key));
    let config = fixture.client_config(provider, None);
    let err = Connection::client(Arc::new(config), server_name()).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(err.to_string().contains("key_share"), "{err}");
}

#[test]
fn client_hello_override_is_refused_unless_it_carries_the_providers_random() {
    let trace = Trace::section(SIMPLE);
    let mut fixture = Fixture::new(&trace);
    fixture.client_random[0] ^= 1;
    let provider = Arc::new(FixedEntropy::new(&fixture, fixture.key_shares.clone()));
    // The override keeps the trace's random, the provider now gives another one.
    let config = fixture.client_config(provider, None);
    let err = Connection::client(Arc::new(config), server_name()).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(err.to_string().contains("random"), "{err}");
}

#[test]
fn trace_key_pair_is_what_the_fixed_provider_generates() {
    let trace = Trace::section(SIMPLE);
    let step = "{client}  create an ephemeral x25519 key pair";
    let share = insecure_fixed_keys::key_exchange_from_private_key(
        KeyExchangeAlgorithm::X25519,
        trace.value(step, "private key"),
    )
    .unwrap();
    assert_eq!(
        hex(share.public_key()),
        hex(trace.value(step, "public key"))
    );
    // And the ECDHE output with the server's share is the trace's handshake-secret input.
    let server_share = trace.value(
        "{server}  create an ephemeral x25519 key pair",
        "public key",
    );
    let shared = share.complete(server_share).unwrap();
    assert_eq!(
        hex(shared.as_ref()),
        hex(trace.value("{server}  extract secret \"handshake\"", "IKM"))
    );
}

/// The RSA-1024 signature the replay provider accepts is a real one: `openssl` checks it
/// (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt; RFC 8446 §4.2.3) over the content the
/// test computes from the trace's messages.
#[test]
fn trace_certificate_verify_signature_checks_out_with_openssl() {
    if !peer_runs("openssl", "version") {
        return;
    }
    // §3's signature, and §5's over a transcript that starts with message_hash.
    for section in [SIMPLE, HELLO_RETRY] {
        check_signature_with_openssl(section);
    }
}

fn check_signature_with_openssl(section: &str) {
    let fixture = Fixture::new(&Trace::section(section));
    let dir = TempDir::new("rfc8448-cv");
    let spki = dir.write("spki.der", fixture.spki_der());
    let message = dir.write("content.bin", &fixture.signed_content);
    let signature = dir.write("signature.bin", &fixture.signature);
    let pem = dir.join("public.pem");
    let status = Command::new("openssl")
        .args(["pkey", "-pubin", "-inform", "DER", "-in"])
        .arg(&spki)
        .arg("-out")
        .arg(&pem)
        .status()
        .unwrap();
    assert!(status.success(), "openssl pkey could not read the SPKI");
    let output = Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
            "-verify",
        ])
        .arg(&pem)
        .arg("-signature")
        .arg(&signature)
        .arg(&message)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{section}: openssl says: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Everything the replay needs from the trace.
struct Fixture {
    client_random: [u8; 32],
    /// The client's ephemeral private keys, in the order the trace creates them.
    key_shares: Vec<(KeyExchangeAlgorithm, Vec<u8>)>,
    /// The ClientHello, and the second one after a HelloRetryRequest (§5).
    client_hellos: Vec<Vec<u8>>,
    certificate: Vec<u8>,
    /// The content the server's CertificateVerify signs (RFC 8446 §4.4.3), computed here
    /// from the trace's messages, independently of the client.
    signed_content: Vec<u8>,
    signature: Vec<u8>,
}

impl Fixture {
    fn new(trace: &Trace) -> Self {
        let messages = trace.messages();
        let all = |side: &str, name: &str| -> Vec<Vec<u8>> {
            messages
                .iter()
                .filter(|m| m.side == side && m.name == name)
                .map(|m| m.bytes.clone())
                .collect()
        };
        let client_hellos = all("client", "ClientHello");
        let server_hellos = all("server", "ServerHello");
        let encrypted_extensions = trace.message("server", "EncryptedExtensions");
        let certificate_message = trace.message("server", "Certificate");
        let certificate_verify = trace.message("server", "CertificateVerify");

        let HandshakePayload::Certificate(certificate) =
            HandshakeMessage::decode(&certificate_message)
                .unwrap()
                .payload
        else {
            panic!("the trace's Certificate does not decode as one");
        };
        let leaf = certificate.certificates().next().unwrap().to_vec();
        let HandshakePayload::CertificateVerify(cv) = HandshakeMessage::decode(&certificate_verify)
            .unwrap()
            .payload
        else {
            panic!("the trace's CertificateVerify does not decode as one");
        };
        assert_eq!(cv.algorithm, SignatureScheme::rsa_pss_rsae_sha256);

        // Transcript up to the Certificate (RFC 8446 §4.4.1), in the order the messages
        // were sent; after a HelloRetryRequest, ClientHello1 is replaced by
        // message_hash (type 254, length, Hash(ClientHello1)).
        let mut messages = vec![client_hellos[0].clone()];
        if let [retry, server_hello] = server_hellos.as_slice() {
            let hash = AwsLcProvider.hash_once(HashAlgorithm::Sha256, &client_hellos[0]);
            messages[0] = [&[0xfe, 0, 0, 32][..], hash.as_ref()].concat();
            messages.extend([
                retry.clone(),
                client_hellos[1].clone(),
                server_hello.clone(),
            ]);
        } else {
            messages.push(server_hellos[0].clone());
        }
        messages.extend([encrypted_extensions, certificate_message]);
        let mut transcript = AwsLcProvider.hash(HashAlgorithm::Sha256);
        for m in &messages {
            transcript.update(m);
        }
        let mut signed_content = vec![0x20; 64];
        signed_content.extend_from_slice(SERVER_CONTEXT);
        signed_content.push(0);
        signed_content.extend_from_slice(transcript.finish().as_ref());

        let key_shares = trace
            .steps_named("{client}  create an ephemeral ")
            .map(|s| {
                let group = if s.heading.contains("x25519") {
                    KeyExchangeAlgorithm::X25519
                } else if s.heading.contains("P-256") {
                    KeyExchangeAlgorithm::P256
                } else {
                    panic!("unexpected key pair: {}", s.heading)
                };
                (group, s.value("private key").unwrap().to_vec())
            })
            .collect();

        let mut client_random = [0u8; 32];
        // ClientHello: type (1), length (3), legacy_version (2), random (32) — §4.1.2.
        client_random.copy_from_slice(&client_hellos[0][6..38]);
        Fixture {
            client_random,
            key_shares,
            client_hellos,
            certificate: leaf,
            signed_content,
            signature: cv.signature.to_vec(),
        }
    }

    /// The server's SubjectPublicKeyInfo, DER.
    fn spki_der(&self) -> &[u8] {
        let cert = padlock_pki::Certificate::from_der(&self.certificate).unwrap();
        let der = cert.subject_public_key_info().der;
        let start = der.as_ptr() as usize - self.certificate.as_ptr() as usize;
        &self.certificate[start..start + der.len()]
    }

    /// The `subjectPublicKey` BIT STRING content, as the provider sees it.
    fn rsa_public_key(&self) -> Vec<u8> {
        let cert = padlock_pki::Certificate::from_der(&self.certificate).unwrap();
        let key = cert.subject_public_key_info().key.to_vec();
        key
    }

    /// The client as configured for the replay: every test-only knob is set here.
    fn client_config(
        &self,
        provider: Arc<FixedEntropy>,
        key_log: Option<Arc<CollectedSecrets>>,
    ) -> ClientConfig {
        // TEST ONLY: the RFC's certificate is RSA-1024 and has expired; no chain check.
        let mut config = ClientConfig::new(provider, Arc::new(danger::NoServerVerification));
        insecure_test_hooks::set_client_hello_overrides(
            &mut config,
            self.client_hellos[0].clone(),
            self.client_hellos.get(1).cloned(),
        );
        config.key_log = key_log.map(|k| k as Arc<dyn KeyLog>);
        // The RFC's client offers classical groups and one share.
        config.groups = vec![
            NamedGroup::x25519,
            NamedGroup::secp256r1,
            NamedGroup::secp384r1,
        ];
        config.key_shares = 1;
        config
    }
}

/// A provider with the entropy of an RFC 8448 client: the first 32 random bytes asked for
/// are the trace's ClientHello.random, and each key share uses the trace's private key for
/// its group (§3: X25519; §5: X25519, then P-256 after the HelloRetryRequest). Everything else is [`AwsLcProvider`], except one signature check (see
/// [`Provider::verify_signature`] below). TEST ONLY.
#[derive(Debug)]
struct FixedEntropy {
    client_random: [u8; 32],
    key_shares: Vec<(KeyExchangeAlgorithm, Vec<u8>)>,
    randoms_served: AtomicUsize,
    rsa_1024_key: Vec<u8>,
    signed_content: Vec<u8>,
    signature: Vec<u8>,
    signature_checked: AtomicBool,
}

impl FixedEntropy {
    fn new(fixture: &Fixture, key_shares: Vec<(KeyExchangeAlgorithm, Vec<u8>)>) -> Self {
        Self {
            client_random: fixture.client_random,
            key_shares,
            randoms_served: AtomicUsize::new(0),
            rsa_1024_key: fixture.rsa_public_key(),
            signed_content: fixture.signed_content.clone(),
            signature: fixture.signature.clone(),
            signature_checked: AtomicBool::new(false),
        }
    }
}

impl Provider for FixedEntropy {
    fn fill_random(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        // The client's first draw starts with its random (RFC 8446 §4.1.2); the rest of it
        // (the legacy session id, drawn in the same call, which the override replaces) and
        // later draws get a fixed filler.
        out.fill(0xa5);
        if self.randoms_served.fetch_add(1, Ordering::SeqCst) == 0 {
            if let Some(random) = out.get_mut(..32) {
                random.copy_from_slice(&self.client_random);
            }
        }
        Ok(())
    }

    fn hash(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        AwsLcProvider.hash(algorithm)
    }

    fn hmac(&self, algorithm: HashAlgorithm, key: &[u8], data: &[&[u8]]) -> Digest {
        AwsLcProvider.hmac(algorithm, key, data)
    }

    fn aead_key(
        &self,
        algorithm: AeadAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn AeadKey>, CryptoError> {
        AwsLcProvider.aead_key(algorithm, key)
    }

    fn start_key_exchange(
        &self,
        group: KeyExchangeAlgorithm,
    ) -> Result<Box<dyn KeyExchange>, CryptoError> {
        // The trace's key for that group; a group the trace has no key for is a replay
        // failure.
        let (_, private_key) = self
            .key_shares
            .iter()
            .find(|(g, _)| *g == group)
            .ok_or(CryptoError::Unsupported)?;
        insecure_fixed_keys::key_exchange_from_private_key(group, private_key)
    }

    /// The trace's server key is RSA-1024, which [`AwsLcProvider`] refuses (2048 bits at
    /// least). For that one key, TEST ONLY, accept exactly the trace's signature over
    /// exactly the content this test computed from the trace's messages — so the client's
    /// CertificateVerify content (RFC 8446 §4.4.3) must be right to the byte. The signature
    /// itself is checked by `openssl` in
    /// `trace_certificate_verify_signature_checks_out_with_openssl`.
    fn verify_signature(
        &self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if public_key != self.rsa_1024_key.as_slice() {
            return AwsLcProvider.verify_signature(algorithm, public_key, message, signature);
        }
        self.signature_checked.store(true, Ordering::SeqCst);
        let exact = algorithm == SignatureAlgorithm::RsaPssSha256
            && message == self.signed_content.as_slice()
            && signature == self.signature.as_slice();
        if exact {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }

    fn load_signing_key(
        &self,
        der: &[u8],
        format: PrivateKeyFormat,
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        AwsLcProvider.load_signing_key(der, format)
    }

    fn generate_signing_key(
        &self,
        kind: KeyKind,
    ) -> Result<(Box<dyn SigningKey>, Vec<u8>), CryptoError> {
        AwsLcProvider.generate_signing_key(kind)
    }
}

/// One key log line: (label, client random, secret).
type KeyLogLine = (String, Vec<u8>, Vec<u8>);

/// Key log lines, kept.
#[derive(Default)]
struct CollectedSecrets(Mutex<Vec<KeyLogLine>>);

impl KeyLog for CollectedSecrets {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), client_random.to_vec(), secret.to_vec()));
    }
}

/// The ClientHello record must be the trace's, byte for byte, record header included:
/// like the trace, padlock writes legacy_record_version 0x0301 on the records of an initial
/// ClientHello (RFC 8446 §5.1 allows it "for compatibility purposes").
fn assert_client_hello_record(ours: &[u8], trace: &[u8]) {
    assert_eq!(&trace[1..3], &[0x03, 0x01], "the trace's record version");
    assert_eq!(hex(ours), hex(trace), "ClientHello record");
}

fn is_record_step(heading: &str) -> bool {
    heading.contains(" send ") && heading.contains(" record")
}

fn take_pending(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

fn server_name() -> ServerName {
    // The trace's ClientHello asks for "server" (RFC 6066 server_name).
    ServerName::try_from("server").unwrap()
}
