//! RFC 8448 example handshakes, checked against padlock's key schedule and record layer.
//!
//! For §3 (simple 1-RTT), §5 (HelloRetryRequest) and §6 (client authentication): the
//! transcript hashes computed from the trace's handshake messages (with the §4.4.1
//! `message_hash` rule after a HelloRetryRequest), every secret, key, IV and Finished value
//! of the key schedule, and every protected record — decrypted with [`RecordOpener`] to the
//! trace's plaintext, and re-encrypted with [`RecordSealer`] to the trace's exact bytes.
//!
//! The values are parsed from the RFC's text (see `rfc8448_trace`).

#[path = "rfc8448_trace/mod.rs"]
mod rfc8448_trace;

use padlock_crypto::{AeadAlgorithm, AwsLcProvider, HashAlgorithm, Provider};
use padlock_test_support::hex;
use padlock_tls::internal::record::{RecordKeys, RecordOpener, RecordSealer};
use padlock_tls::internal::tls13::key_schedule::{
    hello_retry_message_hash, EarlySecret, PskKind, TrafficSecret,
};
use padlock_tls::internal::wire::{
    Alert, AlertDescription, Codec, ContentType, HandshakeMessage, HandshakePayload, Reader,
};
use rfc8448_trace::{Trace, CLIENT_AUTH, HELLO_RETRY, RESUMED, SECTIONS, SIMPLE};

/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

#[test]
fn trace_parser_reads_every_declared_value() {
    for section in SECTIONS {
        rfc8448_trace::check_declared_lengths(section);
    }
}

#[test]
fn simple_1rtt_key_schedule_matches_every_secret() {
    check_key_schedule(&Trace::section(SIMPLE));
}

#[test]
fn simple_1rtt_records_decrypt_and_reencrypt_exactly() {
    check_records(&Trace::section(SIMPLE), 7);
}

#[test]
fn simple_1rtt_exporter_and_resumption_psk() {
    let trace = Trace::section(SIMPLE);
    let p = AwsLcProvider;
    let run = Run::new(&p, &trace);
    // §3 shows the resumption secret "tls13 resumption" with the ticket nonce as context.
    let step = "{server}  generate resumption secret \"tls13 resumption\"";
    let nonce = trace.value(step, "hash");
    let psk = run
        .master
        .resumption_master_secret(&p, &run.hash_through_client_finished)
        .ticket_psk(&p, nonce);
    assert_eq!(psk.as_bytes(), trace.value(step, "expanded"));
    // The ticket in §3 carries that nonce.
    let ticket = run.message(0x04);
    assert_eq!(
        &ticket[12..12 + nonce.len() + 1],
        &[&[nonce.len() as u8][..], nonce].concat()
    );
}

#[test]
fn resumed_0rtt_key_schedule_matches_every_secret() {
    check_key_schedule(&Trace::section(RESUMED));
}

#[test]
fn resumed_0rtt_psk_binder_and_early_secrets_match() {
    let p = AwsLcProvider;
    let trace = Trace::section(RESUMED);
    let run = Run::new(&p, &trace);

    // The PSK is §3's resumption secret for §3's ticket.
    let simple = Trace::section(SIMPLE);
    let psk = trace.value("{client}  extract secret \"early\"", "IKM");
    assert_eq!(
        hex(psk),
        hex(simple.value(
            "{server}  generate resumption secret \"tls13 resumption\"",
            "expanded"
        ))
    );
    let early = EarlySecret::new(&p, HashAlgorithm::Sha256, Some(psk));

    // Binder (RFC 8446 §4.2.11.2) over the ClientHello truncated before the binders.
    let step = "{client}  calculate PSK binder";
    let binder_key = early.binder_key(&p, PskKind::Resumption);
    assert_eq!(hex(binder_key.as_bytes()), hex(trace.value(step, "PRK")));
    let prefix_hash = p.hash_once(
        HashAlgorithm::Sha256,
        trace.value(step, "ClientHello prefix"),
    );
    assert_eq!(
        hex(prefix_hash.as_ref()),
        hex(trace.value(step, "binder hash"))
    );
    let binder = binder_key.binder(&p, prefix_hash.as_ref());
    assert_eq!(hex(binder.as_ref()), hex(trace.value(step, "finished")));
    assert!(binder_key.verify_binder(&p, prefix_hash.as_ref(), binder.as_ref()));
    // ... and it is the binder the full ClientHello carries at its end.
    let client_hello = run.message(0x01);
    assert!(client_hello.ends_with(binder.as_ref()));

    // Early traffic and exporter secrets over the whole ClientHello.
    for (label, secret) in [
        (
            "c e traffic",
            early
                .client_early_traffic_secret(&p, &run.client_hello_hash)
                .as_bytes()
                .to_vec(),
        ),
        (
            "e exp master",
            early
                .early_exporter_master_secret(&p, &run.client_hello_hash)
                .as_bytes()
                .to_vec(),
        ),
    ] {
        let step = format!("{{client}}  derive secret \"tls13 {label}\"");
        run.expect(&step, "hash", &run.client_hello_hash);
        run.expect(&step, "expanded", &secret);
    }
    let early_keys = run
        .client_early
        .as_ref()
        .unwrap()
        .record_keys(&p, run.aead)
        .unwrap();
    run.expect_keys(
        "{client}  derive write traffic keys for early application data",
        &early_keys,
    );
}

#[test]
fn resumed_0rtt_records_decrypt_and_reencrypt_exactly() {
    check_records(&Trace::section(RESUMED), 7);
}

#[test]
fn hello_retry_key_schedule_matches_every_secret() {
    let trace = Trace::section(HELLO_RETRY);
    let run = Run::new(&AwsLcProvider, &trace);
    assert!(run.saw_hello_retry, "§5 should contain a HelloRetryRequest");
    check_key_schedule(&trace);
}

#[test]
fn hello_retry_records_decrypt_and_reencrypt_exactly() {
    check_records(&Trace::section(HELLO_RETRY), 4);
}

#[test]
fn client_auth_key_schedule_matches_every_secret() {
    check_key_schedule(&Trace::section(CLIENT_AUTH));
}

#[test]
fn client_auth_records_decrypt_and_reencrypt_exactly() {
    check_records(&Trace::section(CLIENT_AUTH), 4);
}

/// The key schedule of one section, computed from its messages and its (EC)DHE input.
struct Run<'t> {
    trace: &'t Trace,
    messages: Vec<Vec<u8>>,
    aead: AeadAlgorithm,
    saw_hello_retry: bool,
    client_hello_hash: Vec<u8>,
    client_early: Option<TrafficSecret>,
    hello_hash: Vec<u8>,
    hash_before_server_finished: Vec<u8>,
    hash_through_server_finished: Vec<u8>,
    hash_before_client_finished: Vec<u8>,
    hash_through_client_finished: Vec<u8>,
    early: Vec<u8>,
    handshake: Vec<u8>,
    client_hs: TrafficSecret,
    server_hs: TrafficSecret,
    master: padlock_tls::internal::tls13::key_schedule::MasterSecret,
    client_ap: TrafficSecret,
    server_ap: TrafficSecret,
}

impl<'t> Run<'t> {
    fn new(p: &dyn Provider, trace: &'t Trace) -> Self {
        // Every handshake message, in order.
        let messages: Vec<Vec<u8>> = trace.messages().into_iter().map(|m| m.bytes).collect();
        let server_hello_at = last_index(&messages, 0x02);
        let (hash, aead) = suite_of(&messages[server_hello_at]);
        let finished: Vec<usize> = (0..messages.len())
            .filter(|&i| messages[i][0] == 0x14)
            .collect();
        let (server_fin, client_fin) = (finished[0], finished[1]);
        let saw_hello_retry = messages.iter().any(|m| is_hello_retry_request(m));
        let hashes = |n: usize| transcript_hash(p, hash, &messages[..n]);

        let shared = trace.value("{server}  extract secret \"handshake\"", "IKM");
        // The early secret's input: the PSK where the trace has one (§4), else zeros.
        let psk = either_side(trace, "extract secret \"early\"", "IKM");
        let early = EarlySecret::new(p, hash, Some(psk));
        let early_bytes = early.as_bytes().to_vec();
        let client_hello_hash = hashes(1);
        let client_early = trace
            .steps
            .iter()
            .any(|s| s.heading.contains("c e traffic"))
            .then(|| early.client_early_traffic_secret(p, &client_hello_hash));
        let handshake = early.into_handshake(p, shared);
        let handshake_bytes = handshake.as_bytes().to_vec();
        let hello_hash = hashes(server_hello_at + 1);
        let (client_hs, server_hs) = handshake.handshake_traffic_secrets(p, &hello_hash);
        let master = handshake.into_master(p);
        let hash_through_server_finished = hashes(server_fin + 1);
        let (client_ap, server_ap) =
            master.application_traffic_secrets(p, &hash_through_server_finished);
        Run {
            trace,
            aead,
            client_hello_hash,
            client_early,
            saw_hello_retry,
            hello_hash,
            hash_before_server_finished: hashes(server_fin),
            hash_through_server_finished,
            hash_before_client_finished: hashes(client_fin),
            hash_through_client_finished: hashes(client_fin + 1),
            early: early_bytes,
            handshake: handshake_bytes,
            client_hs,
            server_hs,
            master,
            client_ap,
            server_ap,
            messages,
        }
    }

    /// The first handshake message of type `ty`.
    fn message(&self, ty: u8) -> &[u8] {
        self.messages
            .iter()
            .find(|m| m[0] == ty)
            .unwrap_or_else(|| panic!("no handshake message of type {ty}"))
    }

    fn expect(&self, heading: &str, label: &str, got: &[u8]) {
        assert_eq!(
            hex(got),
            hex(self.trace.value(heading, label)),
            "{label} of {heading}"
        );
    }

    fn expect_keys(&self, heading: &str, keys: &RecordKeys) {
        self.expect(heading, "key expanded", keys.key());
        self.expect(heading, "iv expanded", keys.iv());
    }
}

fn check_key_schedule(trace: &Trace) {
    let p = AwsLcProvider;
    let r = Run::new(&p, trace);
    let s = "{server}  ";
    let c = "{client}  ";

    assert_eq!(
        hex(&r.early),
        hex(either_side(trace, "extract secret \"early\"", "secret")),
        "early secret"
    );
    r.expect(
        &format!("{s}extract secret \"handshake\""),
        "secret",
        &r.handshake,
    );
    for (label, secret) in [
        ("c hs traffic", &r.client_hs),
        ("s hs traffic", &r.server_hs),
    ] {
        let step = format!("{s}derive secret \"tls13 {label}\"");
        r.expect(&step, "hash", &r.hello_hash);
        r.expect(&step, "expanded", secret.as_bytes());
    }
    r.expect(
        &format!("{s}extract secret \"master\""),
        "secret",
        r.master.as_bytes(),
    );

    let exporter = r
        .master
        .exporter_master_secret(&p, &r.hash_through_server_finished);
    for (label, secret) in [
        ("c ap traffic", r.client_ap.as_bytes()),
        ("s ap traffic", r.server_ap.as_bytes()),
        ("exp master", exporter.as_bytes()),
    ] {
        let step = format!("{s}derive secret \"tls13 {label}\"");
        r.expect(&step, "hash", &r.hash_through_server_finished);
        r.expect(&step, "expanded", secret);
    }
    let res_master = r
        .master
        .resumption_master_secret(&p, &r.hash_through_client_finished);
    let step = format!("{c}derive secret \"tls13 res master\"");
    r.expect(&step, "hash", &r.hash_through_client_finished);
    r.expect(&step, "expanded", res_master.as_bytes());

    // Write keys and IVs (RFC 8446 §7.3) of every direction and stage.
    r.expect_keys(
        &format!("{s}derive write traffic keys for handshake data"),
        &r.server_hs.record_keys(&p, r.aead).unwrap(),
    );
    let client_hs_keys = r.client_hs.record_keys(&p, r.aead).unwrap();
    let read_keys = format!("{s}derive read traffic keys for handshake data");
    let write_keys = format!("{c}derive write traffic keys for handshake data");
    if trace
        .steps_named(&read_keys)
        .any(|st| st.value("key expanded").is_some())
    {
        r.expect_keys(&read_keys, &client_hs_keys);
    } else {
        r.expect_keys(&write_keys, &client_hs_keys);
    }
    r.expect_keys(
        &format!("{s}derive write traffic keys for application data"),
        &r.server_ap.record_keys(&p, r.aead).unwrap(),
    );
    r.expect_keys(
        &format!("{c}derive write traffic keys for application data"),
        &r.client_ap.record_keys(&p, r.aead).unwrap(),
    );

    // Finished keys and verify_data (RFC 8446 §4.4.4), and the Finished messages.
    let server_fin = r
        .server_hs
        .finished_verify_data(&p, &r.hash_before_server_finished);
    let step = format!("{s}calculate finished \"tls13 finished\"");
    r.expect(&step, "expanded", r.server_hs.finished_key(&p).as_bytes());
    r.expect(&step, "finished", server_fin.as_ref());
    let client_fin = r
        .client_hs
        .finished_verify_data(&p, &r.hash_before_client_finished);
    let step = format!("{c}calculate finished \"tls13 finished\"");
    r.expect(&step, "expanded", r.client_hs.finished_key(&p).as_bytes());
    r.expect(&step, "finished", client_fin.as_ref());
    let finished: Vec<&Vec<u8>> = r.messages.iter().filter(|m| m[0] == 0x14).collect();
    assert_eq!(&finished[0][4..], server_fin.as_ref());
    assert_eq!(&finished[1][4..], client_fin.as_ref());
    assert!(r
        .server_hs
        .verify_finished(&p, &r.hash_before_server_finished, &finished[0][4..]));
    assert!(!r
        .client_hs
        .verify_finished(&p, &r.hash_before_client_finished, &finished[0][4..]));
}

/// Decrypts every protected record of the section with the right direction's keys (in
/// order, so sequence numbers advance as on the wire), compares with the trace's payload,
/// and re-encrypts the payload to the trace's exact record. Returns nothing; asserts that
/// at least `min_records` protected records were seen.
fn check_records(trace: &Trace, min_records: usize) {
    let p = AwsLcProvider;
    let r = Run::new(&p, trace);
    let mut seen = 0;
    for (side, hs, ap) in [
        ("{server}", &r.server_hs, &r.server_ap),
        ("{client}", &r.client_hs, &r.client_ap),
    ] {
        let own_finished = r
            .messages
            .iter()
            .filter(|m| m[0] == 0x14)
            .nth(usize::from(side == "{client}"))
            .expect("both Finished messages")
            .clone();
        let mut opener = RecordOpener::new();
        let mut sealer = RecordSealer::new();
        // 0-RTT (§4): the client's first protected records use the early traffic keys,
        // up to and including EndOfEarlyData (RFC 8446 §4.5).
        let early = r.client_early.as_ref().filter(|_| side == "{client}");
        let first = early.unwrap_or(hs);
        opener
            .install(&p, &first.record_keys(&p, r.aead).unwrap())
            .unwrap();
        sealer
            .install(&p, &first.record_keys(&p, r.aead).unwrap())
            .unwrap();
        let mut in_early = early.is_some();
        let mut finished_sent = false;

        for step in r.trace.steps_named(side) {
            if !step.heading.contains(" send ") || !step.heading.contains(" record") {
                continue;
            }
            let (Some(payload), Some(record)) =
                (step.value("payload"), step.value("complete record"))
            else {
                continue;
            };
            if ContentType::from_wire(record[0]) != ContentType::ApplicationData {
                continue; // an unprotected ClientHello / ServerHello record
            }
            if finished_sent {
                // After this side's Finished, its records use the application keys.
                opener
                    .install(&p, &ap.record_keys(&p, r.aead).unwrap())
                    .unwrap();
                sealer
                    .install(&p, &ap.record_keys(&p, r.aead).unwrap())
                    .unwrap();
                finished_sent = false;
            }
            let inner_type = if step.heading.contains("handshake record") {
                ContentType::Handshake
            } else if step.heading.contains("alert record") {
                ContentType::Alert
            } else {
                ContentType::ApplicationData
            };

            let mut buf = record.to_vec();
            let opened = opener
                .open_in_place(&mut buf)
                .unwrap_or_else(|e| panic!("{}: {e}", step.heading));
            assert_eq!(opened.content_type, inner_type, "{}", step.heading);
            assert_eq!(
                hex(&buf[opened.content.clone()]),
                hex(payload),
                "{}",
                step.heading
            );

            parse_content(inner_type, &buf[opened.content.clone()], &step.heading);

            let mut sealed = Vec::new();
            sealer
                .seal_append(inner_type, payload, &mut sealed)
                .unwrap();
            assert_eq!(hex(&sealed), hex(record), "re-encrypting {}", step.heading);
            seen += 1;

            if payload
                .windows(own_finished.len())
                .any(|w| w == own_finished.as_slice())
            {
                finished_sent = true;
            }
            if in_early && payload.starts_with(&END_OF_EARLY_DATA) {
                opener
                    .install(&p, &hs.record_keys(&p, r.aead).unwrap())
                    .unwrap();
                sealer
                    .install(&p, &hs.record_keys(&p, r.aead).unwrap())
                    .unwrap();
                in_early = false;
            }
        }
    }
    assert!(seen >= min_records, "only {seen} protected records found");
}

#[test]
fn every_handshake_message_of_the_traces_parses_and_round_trips() {
    for section in SECTIONS {
        let trace = Trace::section(section);
        let messages = trace.messages();
        assert!(
            messages.len() >= 6,
            "{section}: {} messages",
            messages.len()
        );
        for m in messages.iter().map(|m| &m.bytes) {
            let decoded = HandshakeMessage::decode(m)
                .unwrap_or_else(|e| panic!("{section}: message type {}: {e}", m[0]));
            assert!(
                !matches!(decoded.payload, HandshakePayload::Unknown { .. }),
                "{section}: message type {} not recognised",
                m[0]
            );
            // The encoder writes extensions in its own order, so compare decoded values:
            // decode → encode → decode must give the same message.
            let reencoded = decoded.payload.to_vec();
            let again = HandshakeMessage::decode(&reencoded).unwrap();
            assert_eq!(
                again.payload, decoded.payload,
                "{section}: message type {}",
                m[0]
            );
            assert_eq!(reencoded.len(), m.len(), "{section}: message type {}", m[0]);
        }
    }
}

/// Parses decrypted content with the wire decoders: handshake records as a sequence of
/// handshake messages, alerts as close_notify (the only alert in the traces).
fn parse_content(content_type: ContentType, content: &[u8], heading: &str) {
    match content_type {
        ContentType::Handshake => {
            let mut rest = content;
            while !rest.is_empty() {
                let len = 4
                    + (usize::from(rest[1]) << 16
                        | usize::from(rest[2]) << 8
                        | usize::from(rest[3]));
                let (one, more) = rest.split_at(len);
                let m = HandshakeMessage::decode(one).unwrap_or_else(|e| panic!("{heading}: {e}"));
                assert!(
                    !matches!(m.payload, HandshakePayload::Unknown { .. }),
                    "{heading}: unrecognised handshake message {}",
                    one[0]
                );
                rest = more;
            }
        }
        ContentType::Alert => {
            let alert = Alert::read(&mut Reader::new(content)).unwrap();
            assert_eq!(
                alert.description,
                AlertDescription::CloseNotify,
                "{heading}"
            );
        }
        _ => {}
    }
}

/// EndOfEarlyData: type 5, empty body (RFC 8446 §4.5).
const END_OF_EARLY_DATA: [u8; 4] = [0x05, 0, 0, 0];

/// The value `label` under `{client}  step` or, failing that, `{server}  step`.
fn either_side<'a>(trace: &'a Trace, step: &str, label: &str) -> &'a [u8] {
    for side in ["{client}  ", "{server}  "] {
        let heading = format!("{side}{step}");
        let found = trace
            .steps
            .iter()
            .filter(|s| s.heading.starts_with(&heading))
            .find_map(|s| s.value(label));
        if let Some(v) = found {
            return v;
        }
    }
    panic!("no {label:?} under {step:?} on either side")
}

/// Hash of the handshake messages, applying the HelloRetryRequest rule of RFC 8446 §4.4.1.
fn transcript_hash(p: &dyn Provider, hash: HashAlgorithm, messages: &[Vec<u8>]) -> Vec<u8> {
    let mut buffer: Vec<u8> = Vec::new();
    for m in messages {
        if is_hello_retry_request(m) {
            let ch1 = p.hash_once(hash, &buffer);
            buffer = hello_retry_message_hash(ch1.as_ref());
        }
        buffer.extend_from_slice(m);
    }
    p.hash_once(hash, &buffer).as_ref().to_vec()
}

fn is_hello_retry_request(message: &[u8]) -> bool {
    message[0] == 0x02 && message[6..38] == HRR_RANDOM
}

/// The suite a ServerHello chose, read by hand (type, length, version, random, session id).
fn suite_of(server_hello: &[u8]) -> (HashAlgorithm, AeadAlgorithm) {
    let sid_len = usize::from(server_hello[38]);
    let suite = u16::from_be_bytes([server_hello[39 + sid_len], server_hello[40 + sid_len]]);
    match suite {
        0x1301 => (HashAlgorithm::Sha256, AeadAlgorithm::Aes128Gcm),
        0x1302 => (HashAlgorithm::Sha384, AeadAlgorithm::Aes256Gcm),
        0x1303 => (HashAlgorithm::Sha256, AeadAlgorithm::ChaCha20Poly1305),
        other => panic!("unexpected suite {other:#06x}"),
    }
}

fn last_index(messages: &[Vec<u8>], ty: u8) -> usize {
    messages
        .iter()
        .rposition(|m| m[0] == ty)
        .unwrap_or_else(|| panic!("no handshake message of type {ty}"))
}
