//! Hostile resumption and 0-RTT (RFC 8446 §4.2.10, §4.2.11, §4.6.1, §8): tickets that must
//! not resume, binders that must not verify, replays the strike register must refuse, and
//! early data beyond what the server allows — each a full handshake, or the RFC's alert.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use padlock_crypto::AeadAlgorithm;
use padlock_tls::internal::wire::{
    Codec, ContentType, HandshakePayload, NewSessionTicket, NewSessionTicketExtensions,
};
use padlock_tls::ticket::{ClientSession, StrikeRegister, TicketKey, TicketKeyRing};
use padlock_tls::{
    alert::alert_for, AlertDescription, CipherSuite, ClientConfig, Connection, EarlyDataStatus,
    Error, HandshakeKind, PeerMisbehaved, ServerConfig,
};

/// Everything `conn` has queued, taken.
fn take(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

/// Feeds `bytes` to `conn`; the result of processing them.
fn deliver(conn: &mut Connection, bytes: &[u8]) -> Result<(), Error> {
    assert_eq!(conn.read_tls(bytes), bytes.len());
    conn.process_new_packets().map(|_| ())
}

/// `e` is `expected`, whose alert is `alert`, and the connection queued an alert.
fn assert_refused(conn: &Connection, e: Error, expected: PeerMisbehaved, alert: AlertDescription) {
    assert_eq!(e, Error::PeerMisbehaved(expected));
    assert_eq!(alert_for(&e), Some(alert));
    assert!(!conn.pending_tls().is_empty(), "an alert is queued");
}

/// A ticket from `server`, as the client saved it.
fn saved_session(server: &Arc<ServerConfig>, client: &Arc<ClientConfig>) -> ClientSession {
    connect(server, client);
    store(client).take(&localhost()).unwrap()
}

fn full(conn: &Connection) -> bool {
    conn.handshake_kind() == Some(HandshakeKind::Full)
}

/// `session` with one byte of its ticket flipped (the ticket follows the server name,
/// suite and secret in [`ClientSession::to_bytes`]).
fn with_modified_ticket(session: &ClientSession) -> ClientSession {
    let mut bytes = session.to_bytes();
    let name_len = usize::from(bytes[1]);
    let secret_len = usize::from(bytes[1 + 1 + name_len + 2]);
    let ticket_at = 1 + 1 + name_len + 2 + 1 + secret_len + 2;
    bytes[ticket_at + 20] ^= 1;
    ClientSession::from_bytes(&bytes).unwrap()
}

#[test]
fn a_modified_ticket_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |_, _| {});
    let session = store(&client).take(&localhost()).unwrap();
    let (c, s) = resume_with(server, client, with_modified_ticket(&session));
    assert!(full(&c) && full(&s));
}

#[test]
fn an_expired_ticket_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |s, _| s.ticket_lifetime = Duration::from_secs(60));
    let session = store(&client).take(&localhost()).unwrap();
    // The server's clock has moved past the lifetime; the client's has not.
    let server_clock = Clock::new();
    server_clock.advance(61);
    let mut late = (*server).clone();
    late.time = server_clock.source();
    let (c, s) = resume_with(Arc::new(late), client, session);
    assert!(full(&c) && full(&s));
}

#[test]
fn a_client_does_not_offer_an_expired_session() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |s, _| s.ticket_lifetime = Duration::from_secs(60));
    clock.advance(60);
    let (c, _) = connect(&server, &client);
    assert!(full(&c));
}

#[test]
fn a_ticket_from_a_retired_key_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let key = |tag: u8| TicketKey::new([tag; 16], [tag; 32]);
    let ring = Arc::new(TicketKeyRing::new(provider(), vec![key(1)]).unwrap());
    let ticketer = ring.clone();
    let (server, client) = with_tickets(&clock, move |s, _| s.ticketer = Some(ticketer));
    // Rotated: the old key is still accepted, second in the list...
    ring.set_keys(vec![key(2), key(1)]).unwrap();
    let (c, _) = connect(&server, &client);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
    // ...and once retired, its tickets no longer resume (that connection's new tickets
    // are under key 2).
    let under_key_2 = store(&client).take(&localhost()).unwrap();
    let old_ring = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
    let mut on_key_1 = (*server).clone();
    on_key_1.ticketer = Some(Arc::new(old_ring));
    let on_key_1 = Arc::new(on_key_1);
    let issued_under_1 = saved_session(&on_key_1, &client);
    ring.set_keys(vec![key(3), key(2)]).unwrap();
    let (c, s) = resume_with(server.clone(), client.clone(), issued_under_1);
    assert!(full(&c) && full(&s));
    let (c, _) = resume_with(server, client, under_key_2);
    assert_eq!(
        c.handshake_kind(),
        Some(HandshakeKind::Resumed),
        "key 2 still in"
    );
}

#[test]
fn a_wrong_binder_is_decrypt_error() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |_, _| {});
    let mut c = Connection::client(client, localhost()).unwrap();
    let mut hello = take(&mut c);
    // The binder is the ClientHello's last bytes.
    *hello.last_mut().unwrap() ^= 1;
    let mut s = Connection::server(server).unwrap();
    let e = deliver(&mut s, &hello).unwrap_err();
    assert_refused(
        &s,
        e,
        PeerMisbehaved::BadPskBinder,
        AlertDescription::DecryptError,
    );
}

#[test]
fn a_binder_computed_over_another_client_hello_is_decrypt_error() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |_, _| {});
    let session = store(&client).take(&localhost()).unwrap();
    // Two ClientHellos offering the same session: each binder covers its own hello.
    let mut a = Connection::client_resuming(client.clone(), localhost(), session.clone()).unwrap();
    let mut b = Connection::client_resuming(client, localhost(), session).unwrap();
    let (hello_a, mut hello_b) = (take(&mut a), take(&mut b));
    let binder_len = 32;
    let at = hello_b.len() - binder_len;
    hello_b[at..].copy_from_slice(&hello_a[hello_a.len() - binder_len..]);
    let mut s = Connection::server(server).unwrap();
    let e = deliver(&mut s, &hello_b).unwrap_err();
    assert_refused(
        &s,
        e,
        PeerMisbehaved::BadPskBinder,
        AlertDescription::DecryptError,
    );
}

#[test]
fn a_psk_whose_hash_is_not_the_chosen_suites_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |s, _| {
        s.cipher_suites = vec![CipherSuite::TLS_AES_256_GCM_SHA384];
    });
    // The server now chooses a SHA-256 suite: the SHA-384 PSK cannot be used (§4.2.11).
    let mut sha256 = (*server).clone();
    sha256.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
    let (c, s) = connect(&Arc::new(sha256), &client);
    assert!(full(&c) && full(&s));
    assert_eq!(c.cipher_suite(), Some(CipherSuite::TLS_AES_128_GCM_SHA256));
}

/// The offset of the cipher suite in a ServerHello record: record header, handshake header,
/// legacy_version, random, a 32-byte legacy_session_id_echo with its length.
const SERVER_HELLO_SUITE_AT: usize = 5 + 4 + 2 + 32 + 1 + 32;

/// The first server flight answering a resumption offer, and the client that made it.
fn resumed_server_flight() -> (Connection, Vec<u8>) {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |s, _| {
        s.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
    });
    let mut c = Connection::client(client, localhost()).unwrap();
    let mut s = Connection::server(server).unwrap();
    deliver(&mut s, &take(&mut c)).unwrap();
    let flight = take(&mut s);
    (c, flight)
}

#[test]
fn a_client_refuses_a_resumption_with_a_suite_of_another_hash() {
    let (mut c, mut flight) = resumed_server_flight();
    assert_eq!(flight[SERVER_HELLO_SUITE_AT..][..2], [0x13, 0x01]);
    flight[SERVER_HELLO_SUITE_AT + 1] = 0x02; // TLS_AES_256_GCM_SHA384
    let e = deliver(&mut c, &flight).unwrap_err();
    assert_refused(
        &c,
        e,
        PeerMisbehaved::PskHashMismatch,
        AlertDescription::IllegalParameter,
    );
}

#[test]
fn a_client_refuses_a_selected_identity_it_did_not_offer() {
    let (mut c, mut flight) = resumed_server_flight();
    // pre_shared_key (41), 2 bytes, selected_identity 0 → 1.
    let at = flight
        .windows(6)
        .position(|w| w == [0, 41, 0, 2, 0, 0])
        .expect("the ServerHello selects a PSK");
    flight[at + 5] = 1;
    let e = deliver(&mut c, &flight).unwrap_err();
    assert_refused(
        &c,
        e,
        PeerMisbehaved::SelectedUnofferedPsk,
        AlertDescription::IllegalParameter,
    );
}

#[test]
fn psk_ke_is_refused_unless_enabled() {
    let clock = Clock::new();
    let (allowing, client) = with_tickets(&clock, |s, c| {
        s.insecure_psk_ke = true;
        c.insecure_psk_ke = true;
    });
    let mut strict = (*allowing).clone();
    strict.insecure_psk_ke = false;
    let (c, s) = connect(&Arc::new(strict), &client);
    assert!(
        full(&c) && full(&s),
        "psk_ke only, not enabled: a full handshake"
    );
    let (mut c, mut s) = connect(&allowing, &client);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(c.negotiated_group(), None, "no key exchange");
    assert_eq!(send(&mut c, &mut s, b"hi"), b"hi");
}

#[test]
fn a_ticket_lifetime_above_seven_days_is_a_config_error_and_illegal_from_a_server() {
    let mut server = server_config(KeyType::P256);
    server.ticket_lifetime = Duration::from_secs(604_801);
    assert!(matches!(
        Connection::server(Arc::new(server)),
        Err(Error::Config(_))
    ));

    let keys = Arc::new(Capture::default());
    let mut server = server_config(KeyType::P256);
    server.ticket_count = 0;
    let mut client = insecure_client_config();
    client.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
    client.key_log = Some(keys.clone());
    let mut c = Connection::client(Arc::new(client), localhost()).unwrap();
    let mut s = Connection::server(Arc::new(server)).unwrap();
    handshake(&mut c, &mut s);
    let ticket = HandshakePayload::NewSessionTicket(NewSessionTicket {
        ticket_lifetime: 604_801,
        ticket_age_add: 0,
        ticket_nonce: &[0],
        ticket: &[1; 32],
        extensions: NewSessionTicketExtensions::default(),
    });
    let mut sealer = keys.sealer("SERVER_TRAFFIC_SECRET_0", AeadAlgorithm::Aes128Gcm);
    let mut record = Vec::new();
    sealer
        .seal_append(ContentType::Handshake, &ticket.to_vec(), &mut record)
        .unwrap();
    let e = deliver(&mut c, &record).unwrap_err();
    assert_refused(
        &c,
        e,
        PeerMisbehaved::TicketLifetimeTooLong,
        AlertDescription::IllegalParameter,
    );
}

// ---- 0-RTT (RFC 8446 §4.2.10, §8) ----

/// A 0-RTT-enabled pair with tickets in the client's store; `keys` logs the client's secrets.
fn zero_rtt(clock: &Clock, keys: Option<Arc<Capture>>) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    with_zero_rtt_tickets(clock, |s, c| {
        s.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
        c.key_log = keys.map(|k| k as Arc<dyn padlock_tls::KeyLog>);
    })
}

/// A client's first flight with `early` as 0-RTT data.
fn first_flight_with_early_data(client: &Arc<ClientConfig>, early: &[u8]) -> (Connection, Vec<u8>) {
    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    assert_eq!(c.write_early_data(early).unwrap(), early.len());
    let flight = take(&mut c);
    (c, flight)
}

#[test]
fn a_replayed_zero_rtt_client_hello_is_refused_by_the_strike_register() {
    let clock = Clock::new();
    let (server, client) = zero_rtt(&clock, None);
    let (_c, flight) = first_flight_with_early_data(&client, b"GET /once");
    let mut first = Connection::server(server.clone()).unwrap();
    deliver(&mut first, &flight).unwrap();
    assert_eq!(first.early_data_status(), EarlyDataStatus::Accepted);
    let mut buf = [0u8; 32];
    assert_eq!(first.read_early_data(&mut buf), 9);

    // The same bytes again, to the same server: resumed, but the early data is refused.
    let mut replay = Connection::server(server).unwrap();
    deliver(&mut replay, &flight).unwrap();
    assert_eq!(replay.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(replay.read_early_data(&mut buf), 0);
}

#[test]
fn zero_rtt_is_refused_by_another_server_or_after_a_restart_but_resumption_works() {
    let clock = Clock::new();
    let (server, client) = zero_rtt(&clock, None);
    // Same ticket keys, a new strike register: another process.
    let mut restarted = (*server).clone();
    restarted.strike_register = Arc::new(StrikeRegister::new(
        provider().as_ref(),
        16,
        Duration::from_secs(10),
    ));
    let mut c = Connection::client(client, localhost()).unwrap();
    c.write_early_data(b"early").unwrap();
    let mut s = Connection::server(Arc::new(restarted)).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(c.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(s.early_data_status(), EarlyDataStatus::Rejected);
    let mut buf = [0u8; 8];
    assert_eq!(s.read_early_data(&mut buf), 0);
}

#[test]
fn early_data_beyond_the_servers_limit_is_unexpected_message() {
    let clock = Clock::new();
    let (server, client) = zero_rtt(&clock, None);
    // The ticket allows 1000 bytes; this server now takes 10.
    let mut stricter = (*server).clone();
    stricter.max_early_data_size = 10;
    let (_c, flight) = first_flight_with_early_data(&client, &[b'x'; 100]);
    let mut s = Connection::server(Arc::new(stricter)).unwrap();
    let e = deliver(&mut s, &flight).unwrap_err();
    assert_refused(
        &s,
        e,
        PeerMisbehaved::EarlyDataBeyondLimit,
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn a_client_cannot_write_more_early_data_than_the_ticket_allows() {
    let clock = Clock::new();
    let (_server, client) = zero_rtt(&clock, None);
    let mut c = Connection::client(client, localhost()).unwrap();
    assert_eq!(c.write_early_data(&[0; 1500]).unwrap(), 1000);
    assert!(c.write_early_data(b"more").is_err());
}

#[test]
fn a_record_under_the_early_keys_after_end_of_early_data_is_bad_record_mac() {
    let clock = Clock::new();
    let keys = Arc::new(Capture::default());
    let (server, client) = zero_rtt(&clock, Some(keys.clone()));
    let (mut c, flight) = first_flight_with_early_data(&client, b"early");
    let mut s = Connection::server(server).unwrap();
    deliver(&mut s, &flight).unwrap();
    deliver(&mut c, &take(&mut s)).unwrap();
    assert_eq!(c.early_data_status(), EarlyDataStatus::Accepted);
    // The client's second flight: EndOfEarlyData (early keys, sequence 1), Finished.
    let second = whole_records(&take(&mut c));
    assert_eq!(second.len(), 2);
    // A forged record under the early keys, sequence 2, after EndOfEarlyData.
    let mut sealer = keys.sealer("CLIENT_EARLY_TRAFFIC_SECRET", AeadAlgorithm::Aes128Gcm);
    let mut forged = Vec::new();
    for _ in 0..3 {
        forged.clear();
        sealer
            .seal_append(ContentType::ApplicationData, b"late", &mut forged)
            .unwrap();
    }
    deliver(&mut s, &second[0]).unwrap();
    let e = deliver(&mut s, &forged).unwrap_err();
    assert_eq!(e, Error::DecryptFailed);
    assert_eq!(alert_for(&e), Some(AlertDescription::BadRecordMac));
}

#[test]
fn zero_rtt_arriving_outside_the_ticket_age_window_is_refused_but_resumes() {
    let clock = Clock::new();
    let (server, client) = zero_rtt(&clock, None);
    let (mut c, flight) = first_flight_with_early_data(&client, b"stale");
    // Held back (or captured and replayed) for longer than the window (RFC 8446 §8.3).
    clock.advance(30);
    let mut s = Connection::server(server).unwrap();
    deliver(&mut s, &flight).unwrap();
    assert_eq!(s.early_data_status(), EarlyDataStatus::Rejected);
    handshake(&mut c, &mut s);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(c.early_data_status(), EarlyDataStatus::Rejected);
}

#[test]
fn mutated_resumption_client_hellos_never_panic() {
    let clock = Clock::new();
    let (server, client) = zero_rtt(&clock, None);
    let (_c, flight) = first_flight_with_early_data(&client, b"early");
    // A fixed xorshift sequence: the same mutations on every run.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..400 {
        let mut bytes = flight.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % bytes.len();
            bytes[at] ^= 1 << (next() % 8);
        }
        let mut s = Connection::server(server.clone()).unwrap();
        s.read_tls(&bytes);
        // Any outcome but a panic: a full or resumed handshake, or an error with an alert.
        if s.process_new_packets().is_err() {
            assert!(s.error().is_some());
        }
    }
}

#[test]
fn mutated_resumed_server_flights_never_panic() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..60 {
        let (mut c, mut flight) = resumed_server_flight();
        // Mostly the ServerHello, which is in the clear.
        let at = (next() as usize) % flight.len().min(160);
        flight[at] ^= 1 << (next() % 8);
        if deliver(&mut c, &flight).is_err() {
            assert!(c.error().is_some());
        }
    }
}
