//! The TLS 1.2 hostile-peer harness (`tls12_hostile_server.rs`, `tls12_hostile_client.rs`):
//! a padlock client and server whose messages a test intercepts, alters and delivers, and
//! record keys rebuilt from the key log so a test can seal what a peer would.

use std::sync::Arc;

use padlock_crypto::{AeadAlgorithm, HashAlgorithm, SignatureAlgorithm};
use padlock_tls::internal::record::{RecordKeys, RecordSealer};
use padlock_tls::internal::tls12::prf::prf;
use padlock_tls::internal::wire::{
    CertificateVerify, Codec, ContentType, HandshakePayload, ServerHello, ServerKeyExchange,
    Tls12ServerHelloExtensions,
};
use padlock_tls::{
    AlertDescription, ClientConfig, Connection, Error, NamedGroup, ProtocolVersion, ServerConfig,
};

use super::*;

pub const HANDSHAKE: u8 = 22;
pub const CCS: u8 = 20;

/// A client and a server, the ClientHello the client sent, and the server's first flight
/// (its handshake messages, each with its header).
pub struct Run {
    pub client: Connection,
    pub server: Connection,
    pub client_hello: Vec<u8>,
    pub flight: Vec<Vec<u8>>,
    pub keys: Arc<Capture>,
}

/// A TLS 1.2-only client that keeps no sessions: it offers no session_ticket, so the
/// server's flights are those of a full handshake without a NewSessionTicket (the
/// resumption tests, `tls12_resumption*.rs`, keep sessions).
pub fn tls12_client() -> ClientConfig {
    let mut c = insecure_client_config();
    c.versions = vec![ProtocolVersion::TLSv1_2];
    c.session_store = None;
    c
}

pub fn tls12_server() -> ServerConfig {
    let mut s = server_config(KeyType::P256);
    s.versions = vec![ProtocolVersion::TLSv1_2];
    s
}

/// Runs the ClientHello through the server and keeps its first flight, undelivered.
pub fn start(mut client: ClientConfig, mut server: ServerConfig) -> Run {
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

pub fn run() -> Run {
    start(tls12_client(), tls12_server())
}

/// A run in which the server picks `group` (the client lists it, and P-256 for the
/// server's certificate, RFC 8422 §5.3).
pub fn run_in(group: NamedGroup) -> Run {
    let mut client = tls12_client();
    client.groups = vec![group, NamedGroup::secp256r1];
    let mut server = tls12_server();
    server.groups = vec![group];
    start(client, server)
}

/// Everything `conn` queued to send, consumed.
pub fn take(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

/// The handshake bytes of the unprotected handshake records in `bytes`.
pub fn handshake_bytes(bytes: &[u8]) -> Vec<u8> {
    records(bytes)
        .into_iter()
        .filter(|(t, _)| *t == HANDSHAKE)
        .flat_map(|(_, p)| p)
        .collect()
}

/// Handshake messages, each with its 4-byte header.
pub fn split(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while bytes.len() >= 4 {
        let len = usize::from(bytes[1]) << 16 | usize::from(bytes[2]) << 8 | usize::from(bytes[3]);
        out.push(bytes[..4 + len].to_vec());
        bytes = &bytes[4 + len..];
    }
    out
}

pub fn hs_record(messages: &[Vec<u8>]) -> Vec<u8> {
    record(HANDSHAKE, &messages.concat())
}

/// Feeds `bytes` to `conn`; returns the error it fails with and the alert it queued.
pub fn refuse(conn: &mut Connection, bytes: &[u8]) -> (Error, Option<AlertDescription>) {
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

/// `conn` refuses `handshake` (whole messages, then the start of one more) in one
/// record: the peer's flight ended, so it sent the rest before our answer (RFC 5246 §7.3).
pub fn expect_data_before_our_answer(conn: &mut Connection, handshake: &[u8]) {
    let err = expect_alert(
        conn,
        &record(HANDSHAKE, handshake),
        AlertDescription::UnexpectedMessage,
    );
    assert_eq!(
        err,
        padlock_tls::PeerMisbehaved::HandshakeDataBeforeFlightAnswered.into()
    );
}

pub fn expect_alert(conn: &mut Connection, bytes: &[u8], alert: AlertDescription) -> Error {
    let (err, sent) = refuse(conn, bytes);
    assert_eq!(sent, Some(alert), "{err}");
    err
}

pub fn decode(message: &[u8]) -> HandshakePayload<'_> {
    HandshakePayload::decode_tls12(message).unwrap()
}

/// The flight with `alter` applied to the ServerHello.
pub fn with_server_hello<'a>(
    run: &'a Run,
    alter: impl FnOnce(&mut ServerHello<'a>),
) -> Vec<Vec<u8>> {
    let HandshakePayload::ServerHello(mut sh) = decode(&run.flight[0]) else {
        panic!("not a ServerHello")
    };
    alter(&mut sh);
    let mut flight = run.flight.clone();
    flight[0] = HandshakePayload::ServerHello(sh).to_vec();
    flight
}

pub fn server_hello_extensions<'s>(sh: &'s ServerHello<'_>) -> Tls12ServerHelloExtensions<'s> {
    Tls12ServerHelloExtensions::from_raw(&sh.extensions.other).unwrap()
}

pub fn randoms(run: &Run) -> ([u8; 32], [u8; 32]) {
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
pub fn resigned_server_key_exchange<'a>(
    run: &'a Run,
    alter: impl FnOnce(&mut ServerKeyExchange<'a>),
) -> Vec<u8> {
    let HandshakePayload::ServerKeyExchange(mut ske) = decode(&run.flight[2]) else {
        panic!("not a ServerKeyExchange")
    };
    alter(&mut ske);
    let (cr, sr) = randoms(run);
    let mut signed = cr.to_vec();
    signed.extend_from_slice(&sr);
    signed.extend_from_slice(&ske.params.to_vec());
    let signature = server_key(KeyType::P256)
        .key
        .sign(SignatureAlgorithm::EcdsaP256Sha256, &signed)
        .unwrap();
    HandshakePayload::ServerKeyExchange(ServerKeyExchange {
        params: ske.params,
        signature: CertificateVerify {
            algorithm: ske.signature.algorithm,
            signature: &signature,
        },
    })
    .to_vec()
}

/// Completes the client's side up to its own Finished and returns its flight's records
/// (ClientKeyExchange, ChangeCipherSpec, Finished), undelivered.
pub fn client_flight(run: &mut Run) -> Vec<(u8, Vec<u8>)> {
    run.client.read_tls(&hs_record(&run.flight));
    run.client.process_new_packets().unwrap();
    records(&take(&mut run.client))
}

/// A handshake completed through the harness (keys logged), nothing left to deliver.
pub fn established() -> Run {
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
pub fn sealer(run: &Run, client_side: bool, seq: u64) -> RecordSealer {
    let master = run.keys.logged("CLIENT_RANDOM");
    sealer_from(&master, randoms(run), client_side, seq)
}

/// As [`sealer`], from a master secret and the two randoms (client's, server's).
pub fn sealer_from(
    master: &[u8],
    (cr, sr): ([u8; 32], [u8; 32]),
    client_side: bool,
    seq: u64,
) -> RecordSealer {
    let mut block = [0u8; 40];
    prf(
        provider().as_ref(),
        HashAlgorithm::Sha256,
        master,
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

pub fn sealed(sealer: &mut RecordSealer, typ: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    sealer.seal_append(typ, payload, &mut out).unwrap();
    out
}

/// A run with mutual TLS, and the client's flight: its Certificate, ClientKeyExchange and
/// CertificateVerify messages, then the rest (ChangeCipherSpec and Finished) as records.
pub struct MutualFlight {
    pub run: Run,
    pub messages: Vec<Vec<u8>>,
    pub rest: Vec<(u8, Vec<u8>)>,
}

pub fn mutual_tls_flight() -> MutualFlight {
    let mut client = tls12_client();
    client.set_client_certificate(certified_key(KeyType::P256, &["client"], true));
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
