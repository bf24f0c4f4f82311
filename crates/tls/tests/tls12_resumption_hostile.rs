//! Hostile TLS 1.2 resumption (RFC 5077, RFC 5246 §7.3, RFC 7627 §5.3): tickets that must
//! not resume (modified, expired, under a retired key, without the Extended Master Secret,
//! a TLS 1.3 ticket offered to TLS 1.2 and the other way round), offers and answers that
//! change what the session settled (suite, EMS), and abbreviated handshakes whose
//! messages are wrong or out of place. Each is a full handshake, or the RFC's alert.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::tls12::*;
use common::*;
use padlock_tls::internal::wire::{
    Codec, ContentType, Finished, HandshakePayload, NewSessionTicket12,
};
use padlock_tls::ticket::{ClientSession, TicketKey, TicketKeyRing, Ticketer};
use padlock_tls::{
    AlertDescription, CipherSuite, ClientConfig, Connection, HandshakeKind, PeerMisbehaved,
    ProtocolVersion, ServerConfig, UnixTime,
};

/// A TLS 1.2-only server and a client that keeps sessions, both logging their keys, with
/// `tweak` applied; one full handshake done, so the client holds a session.
fn primed(
    clock: &Clock,
    tweak: impl FnOnce(&mut ServerConfig, &mut ClientConfig),
) -> (Arc<ServerConfig>, Arc<ClientConfig>, Arc<Capture>) {
    let keys = Arc::new(Capture::default());
    let (mut server, mut client) = configs(clock);
    server.versions = vec![ProtocolVersion::TLSv1_2];
    server.key_log = Some(keys.clone());
    client.key_log = Some(keys.clone());
    tweak(&mut server, &mut client);
    let (server, client) = (Arc::new(server), Arc::new(client));
    let (c, _) = connect(&server, &client);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full));
    (server, client, keys)
}

fn session(client: &ClientConfig) -> ClientSession {
    store(client).take(&localhost()).unwrap()
}

fn full(c: &Connection, s: &Connection) -> bool {
    c.handshake_kind() == Some(HandshakeKind::Full)
        && s.handshake_kind() == Some(HandshakeKind::Full)
}

// ---- a session's bytes (ClientSession::to_bytes), taken apart ----

/// Where the ticket sits in a session's bytes (either version: format byte, server name,
/// suite, secret, then the u16-prefixed ticket).
fn ticket_at(bytes: &[u8]) -> (usize, usize) {
    let mut at = 1;
    at += 1 + usize::from(bytes[at]);
    at += 2;
    at += 1 + usize::from(bytes[at]);
    let len = usize::from(bytes[at]) << 8 | usize::from(bytes[at + 1]);
    (at + 2, len)
}

fn ticket_of(session: &ClientSession) -> Vec<u8> {
    let bytes = session.to_bytes();
    let (at, len) = ticket_at(&bytes);
    bytes[at..at + len].to_vec()
}

/// `session` with its ticket replaced.
fn with_ticket(session: &ClientSession, ticket: &[u8]) -> ClientSession {
    let bytes = session.to_bytes();
    let (at, len) = ticket_at(&bytes);
    let mut out = bytes[..at - 2].to_vec();
    out.extend_from_slice(&(ticket.len() as u16).to_be_bytes());
    out.extend_from_slice(ticket);
    out.extend_from_slice(&bytes[at + len..]);
    ClientSession::from_bytes(&out).unwrap()
}

/// A TLS 1.2 session (format 2) for localhost carrying `ticket`, of `suite`.
fn tls12_session_with(ticket: &[u8], suite: CipherSuite) -> ClientSession {
    let mut b = vec![2, 9];
    b.extend_from_slice(b"localhost");
    b.extend_from_slice(&suite.to_wire().to_be_bytes());
    b.push(48);
    b.extend_from_slice(&[7; 48]);
    b.extend_from_slice(&(ticket.len() as u16).to_be_bytes());
    b.extend_from_slice(ticket);
    b.push(0); // no session id
    b.extend_from_slice(&UnixTime::now().0.to_be_bytes());
    b.extend_from_slice(&3600u32.to_be_bytes());
    b.push(0); // no ALPN
    b.extend_from_slice(&[0, 0, 0]); // no certificates
    ClientSession::from_bytes(&b).unwrap()
}

/// A TLS 1.3 session (format 1) for localhost carrying `ticket`.
fn tls13_session_with(ticket: &[u8]) -> ClientSession {
    let mut b = vec![1, 9];
    b.extend_from_slice(b"localhost");
    b.extend_from_slice(&CipherSuite::TLS_AES_128_GCM_SHA256.to_wire().to_be_bytes());
    b.push(32);
    b.extend_from_slice(&[7; 32]);
    b.extend_from_slice(&(ticket.len() as u16).to_be_bytes());
    b.extend_from_slice(ticket);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&UnixTime::now().0.to_be_bytes());
    b.extend_from_slice(&3600u32.to_be_bytes());
    b.extend_from_slice(&0u32.to_be_bytes());
    b.push(0);
    b.extend_from_slice(&[0, 0, 0]);
    ClientSession::from_bytes(&b).unwrap()
}

// ---- tickets that must not resume: a full handshake ----

#[test]
fn a_modified_tls12_ticket_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |_, _| {});
    let s = session(&client);
    let mut ticket = ticket_of(&s);
    ticket[20] ^= 1;
    let (c, s) = resume_with(server, client, with_ticket(&s, &ticket));
    assert!(full(&c, &s));
}

#[test]
fn an_expired_tls12_ticket_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |s, _| s.ticket_lifetime = Duration::from_secs(60));
    let session = session(&client);
    let late_clock = Clock::new();
    late_clock.advance(61);
    let mut late = (*server).clone();
    late.time = late_clock.source();
    let (c, s) = resume_with(Arc::new(late), client, session);
    assert!(full(&c, &s));
}

#[test]
fn an_expired_session_id_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |s, _| {
        s.ticketer = None;
        s.ticket_lifetime = Duration::from_secs(60);
        s.session_id_cache = Some(Arc::new(padlock_tls::ticket::ServerSessionCache::new(
            provider(),
            16,
            Duration::from_secs(60),
        )));
    });
    let session = session(&client);
    let mut late = (*server).clone();
    let late_clock = Clock::new();
    late_clock.advance(61);
    late.time = late_clock.source();
    let (c, s) = resume_with(Arc::new(late), client, session);
    assert!(full(&c, &s));
}

#[test]
fn a_tls12_ticket_under_a_retired_key_falls_back_to_a_full_handshake() {
    let clock = Clock::new();
    let key = |tag: u8| TicketKey::new([tag; 16], [tag; 32]);
    let ring = Arc::new(TicketKeyRing::new(provider(), vec![key(1)]).unwrap());
    let ticketer = ring.clone();
    let (server, client, _) = primed(&clock, move |s, _| s.ticketer = Some(ticketer));
    let under_key_1 = session(&client);
    ring.set_keys(vec![key(2), key(1)]).unwrap();
    let (c, s) = resume_with(server.clone(), client.clone(), under_key_1.clone());
    assert_eq!(
        c.handshake_kind(),
        Some(HandshakeKind::Resumed),
        "key 1 still in"
    );
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    ring.set_keys(vec![key(3), key(2)]).unwrap();
    let (c, s) = resume_with(server, client, under_key_1);
    assert!(full(&c, &s));
}

#[test]
fn a_ticket_for_a_session_without_the_extended_master_secret_is_not_resumed() {
    let clock = Clock::new();
    let ring =
        Arc::new(TicketKeyRing::new(provider(), vec![TicketKey::new([1; 16], [1; 32])]).unwrap());
    let ticketer = ring.clone();
    let (server, client, _) = primed(&clock, move |s, _| s.ticketer = Some(ticketer));
    let session = session(&client);
    // The same session, sealed again as one made without EMS (the state's second byte).
    let mut state = ring.open(&ticket_of(&session), UnixTime::now()).unwrap();
    assert_eq!(state[..2], [2, 1], "a TLS 1.2 state, with EMS");
    state[1] = 0;
    let forged = ring.seal(&state, UnixTime::now()).unwrap();
    let (c, s) = resume_with(server, client, with_ticket(&session, &forged));
    assert!(full(&c, &s));
}

#[test]
fn a_tls13_ticket_offered_to_tls12_is_not_resumed() {
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |_, _| {});
    // A TLS 1.3 ticket from the same ticketer.
    let mut server13 = (*server).clone();
    server13.versions = vec![ProtocolVersion::TLSv1_3];
    let server13 = Arc::new(server13);
    let (c, _) = connect(&server13, &client);
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    let tls13 = (0..4)
        .filter_map(|_| store(&client).take(&localhost()))
        .find(|s| s.protocol_version() == ProtocolVersion::TLSv1_3)
        .unwrap();
    let offered = tls12_session_with(
        &ticket_of(&tls13),
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    );
    let (c, s) = resume_with(server, client, offered);
    assert!(full(&c, &s));
}

#[test]
fn a_tls12_ticket_offered_as_a_tls13_psk_is_not_resumed() {
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |_, _| {});
    let tls12 = session(&client);
    let mut server13 = (*server).clone();
    server13.versions = vec![ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];
    // Declined before its binder is checked: a full handshake, not decrypt_error.
    let (c, s) = resume_with(
        Arc::new(server13),
        client,
        tls13_session_with(&ticket_of(&tls12)),
    );
    assert!(full(&c, &s));
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_3));
}

// ---- the abbreviated handshake, message by message ----

/// A resumption in progress: the client's ClientHello, and the server's answer (its
/// ServerHello and [NewSessionTicket] messages, then its ChangeCipherSpec and Finished
/// records), undelivered.
struct Resumed {
    client: Connection,
    server: Connection,
    hello: Vec<u8>,
    flight: Vec<Vec<u8>>,
    rest: Vec<(u8, Vec<u8>)>,
    keys: Arc<Capture>,
}

fn resumed(tweak: impl FnOnce(&mut ServerConfig, &mut ClientConfig)) -> Resumed {
    let clock = Clock::new();
    let (server, client, keys) = primed(&clock, tweak);
    let mut client = Connection::client(client, localhost()).unwrap();
    let mut server = Connection::server(server).unwrap();
    let hello = handshake_bytes(&take(&mut client));
    server.read_tls(&hs_record(std::slice::from_ref(&hello)));
    server.process_new_packets().unwrap();
    assert_eq!(server.handshake_kind(), Some(HandshakeKind::Resumed));
    let mut records = records(&take(&mut server)).into_iter();
    let (typ, first) = records.next().unwrap();
    assert_eq!(typ, HANDSHAKE);
    Resumed {
        client,
        server,
        hello,
        flight: split(&first),
        rest: records.collect(),
        keys,
    }
}

fn resumed_by_ticket() -> Resumed {
    resumed(|_, _| {})
}

fn resumed_by_id() -> Resumed {
    resumed(|s, _| s.ticketer = None)
}

impl Resumed {
    fn randoms(&self) -> ([u8; 32], [u8; 32]) {
        let HandshakePayload::ClientHello(ch) = decode(&self.hello) else {
            panic!()
        };
        let HandshakePayload::ServerHello(sh) = decode(&self.flight[0]) else {
            panic!()
        };
        (ch.random, sh.random)
    }

    /// A Finished of zeros, sealed as `client_side` would under the session's keys.
    fn bad_finished(&self, client_side: bool) -> Vec<u8> {
        let master = self.keys.logged("CLIENT_RANDOM");
        let mut sealer = sealer_from(&master, self.randoms(), client_side, 0);
        let finished = HandshakePayload::Finished(Finished {
            verify_data: &[0; 12],
        })
        .to_vec();
        sealed(&mut sealer, ContentType::Handshake, &finished)
    }

    /// The server's answer with its ServerHello altered, the rest as sent.
    fn with_server_hello(
        &self,
        alter: impl FnOnce(&mut padlock_tls::internal::wire::ServerHello),
    ) -> Vec<u8> {
        let HandshakePayload::ServerHello(mut sh) = decode(&self.flight[0]) else {
            panic!("not a ServerHello")
        };
        alter(&mut sh);
        let mut flight = self.flight.clone();
        flight[0] = HandshakePayload::ServerHello(sh).to_vec();
        let mut bytes = hs_record(&flight);
        for (typ, payload) in &self.rest {
            bytes.extend(record(*typ, payload));
        }
        bytes
    }
}

#[test]
fn a_resumed_server_hello_without_the_extended_master_secret_is_handshake_failure() {
    let mut r = resumed_by_ticket();
    let bytes = r.with_server_hello(|sh| {
        sh.extensions
            .other
            .retain(|e| e.typ != padlock_tls::internal::wire::ExtensionType::ExtendedMasterSecret)
    });
    let err = expect_alert(&mut r.client, &bytes, AlertDescription::HandshakeFailure);
    assert_eq!(
        err,
        PeerMisbehaved::ResumedWithoutExtendedMasterSecret.into()
    );
}

#[test]
fn a_client_resuming_without_the_extended_master_secret_is_handshake_failure() {
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |_, _| {});
    let mut c = Connection::client(client, localhost()).unwrap();
    let hello = handshake_bytes(&take(&mut c));
    let HandshakePayload::ClientHello(mut ch) = decode(&hello) else {
        panic!()
    };
    assert!(ch
        .extensions
        .session_ticket
        .as_ref()
        .is_some_and(|t| !t.is_empty()));
    ch.extensions.extended_master_secret = false;
    let mut s = Connection::server(server).unwrap();
    let hello = hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]);
    let err = expect_alert(&mut s, &hello, AlertDescription::HandshakeFailure);
    assert_eq!(
        err,
        PeerMisbehaved::ResumedWithoutExtendedMasterSecret.into()
    );
}

#[test]
fn a_client_no_longer_offering_the_sessions_suite_gets_a_full_handshake() {
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |_, _| {});
    let suite = store(&client)
        .take(&localhost())
        .map(|s| s.cipher_suite())
        .unwrap();
    let (c, _) = connect(&server, &client);
    assert_eq!(
        c.handshake_kind(),
        Some(HandshakeKind::Full),
        "the session was taken"
    );
    let mut c = Connection::client(client, localhost()).unwrap();
    let hello = handshake_bytes(&take(&mut c));
    let HandshakePayload::ClientHello(mut ch) = decode(&hello) else {
        panic!()
    };
    ch.cipher_suites.to_mut().retain(|s| *s != suite);
    let mut s = Connection::server(server).unwrap();
    s.read_tls(&hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]));
    s.process_new_packets().unwrap();
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Full));
}

#[test]
fn a_server_resuming_with_another_suite_is_illegal_parameter() {
    let mut r = resumed_by_ticket();
    let bytes = r.with_server_hello(|sh| {
        assert_ne!(
            sh.cipher_suite,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        );
        sh.cipher_suite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
    });
    let err = expect_alert(&mut r.client, &bytes, AlertDescription::IllegalParameter);
    assert_eq!(err, PeerMisbehaved::ResumedWithAnotherCipherSuite.into());
}

#[test]
fn a_server_echoing_a_session_id_the_client_did_not_offer_is_illegal_parameter() {
    // A client that keeps no sessions sends the random id of compatibility mode; an echo
    // would resume a session it never had.
    let mut client = insecure_client_config();
    client.session_store = None;
    let mut r = start(client, tls12_server());
    let HandshakePayload::ClientHello(ch) = decode(&r.client_hello) else {
        panic!()
    };
    let flight = with_server_hello(&r, |sh| sh.legacy_session_id_echo = &ch.legacy_session_id);
    let err = expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::IllegalParameter,
    );
    assert_eq!(err, PeerMisbehaved::EchoedSessionIdWithoutResumption.into());
}

#[test]
fn a_wrong_server_finished_in_an_abbreviated_handshake_is_decrypt_error() {
    let mut r = resumed_by_ticket();
    let mut bytes = hs_record(&r.flight);
    bytes.extend(record(CCS, &[1]));
    bytes.extend(r.bad_finished(false));
    let err = expect_alert(&mut r.client, &bytes, AlertDescription::DecryptError);
    assert_eq!(err, PeerMisbehaved::FinishedMismatch.into());
}

#[test]
fn a_server_finished_over_another_transcript_is_decrypt_error() {
    // The ClientHello the server answered is not the one the client sent: the session
    // resumes, and the client finds the server's Finished wrong.
    let clock = Clock::new();
    let (server, client, _) = primed(&clock, |_, _| {});
    let mut c = Connection::client(client, localhost()).unwrap();
    let hello = handshake_bytes(&take(&mut c));
    let HandshakePayload::ClientHello(mut ch) = decode(&hello) else {
        panic!()
    };
    ch.cipher_suites
        .to_mut()
        .push(CipherSuite::from_wire(0x0a0a));
    let mut s = Connection::server(server).unwrap();
    s.read_tls(&hs_record(&[HandshakePayload::ClientHello(ch).to_vec()]));
    s.process_new_packets().unwrap();
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    let err = expect_alert(&mut c, &take(&mut s), AlertDescription::DecryptError);
    assert_eq!(err, PeerMisbehaved::FinishedMismatch.into());
}

#[test]
fn a_wrong_client_finished_in_an_abbreviated_handshake_is_decrypt_error() {
    let mut r = resumed_by_ticket();
    let mut bytes = record(CCS, &[1]);
    bytes.extend(r.bad_finished(true));
    let err = expect_alert(&mut r.server, &bytes, AlertDescription::DecryptError);
    assert_eq!(err, PeerMisbehaved::FinishedMismatch.into());
}

#[test]
fn the_clients_finished_before_its_change_cipher_spec_is_unexpected_message() {
    let mut r = resumed_by_ticket();
    let finished = HandshakePayload::Finished(Finished {
        verify_data: &[0; 12],
    })
    .to_vec();
    expect_alert(
        &mut r.server,
        &hs_record(&[finished]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn a_second_change_cipher_spec_in_an_abbreviated_handshake_is_unexpected_message() {
    let mut r = resumed_by_ticket();
    let mut bytes = record(CCS, &[1]);
    bytes.extend(record(CCS, &[1]));
    expect_alert(&mut r.server, &bytes, AlertDescription::UnexpectedMessage);
}

#[test]
fn a_change_cipher_spec_before_the_announced_ticket_is_unexpected_message() {
    // RFC 5077 §3.3: a ServerHello with session_ticket promises a NewSessionTicket first.
    let mut r = resumed_by_ticket();
    assert_eq!(r.flight.len(), 2, "ServerHello and NewSessionTicket");
    let mut bytes = hs_record(&r.flight[..1]);
    for (typ, payload) in &r.rest {
        bytes.extend(record(*typ, payload));
    }
    expect_alert(&mut r.client, &bytes, AlertDescription::UnexpectedMessage);
}

#[test]
fn an_unannounced_new_session_ticket_in_an_abbreviated_handshake_is_unexpected_message() {
    let mut r = resumed_by_id();
    assert_eq!(r.flight.len(), 1, "no ticket announced");
    let ticket = HandshakePayload::NewSessionTicket12(NewSessionTicket12 {
        lifetime_hint: 60,
        ticket: &[1; 32],
    })
    .to_vec();
    let flight = [r.flight[0].clone(), ticket];
    expect_alert(
        &mut r.client,
        &hs_record(&flight),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn an_unannounced_new_session_ticket_in_a_full_handshake_is_unexpected_message() {
    // The harness's client keeps no sessions: no session_ticket offered, none announced.
    let mut r = run();
    client_flight(&mut r);
    let ticket = HandshakePayload::NewSessionTicket12(NewSessionTicket12 {
        lifetime_hint: 60,
        ticket: &[1; 32],
    })
    .to_vec();
    expect_alert(
        &mut r.client,
        &hs_record(&[ticket]),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn a_resumed_handshake_by_session_id_completes_through_the_harness() {
    let mut r = resumed_by_id();
    let mut bytes = hs_record(&r.flight);
    for (typ, payload) in &r.rest {
        bytes.extend(record(*typ, payload));
    }
    r.client.read_tls(&bytes);
    r.client.process_new_packets().unwrap();
    assert_eq!(r.client.handshake_kind(), Some(HandshakeKind::Resumed));
    r.server.read_tls(&take(&mut r.client));
    r.server.process_new_packets().unwrap();
    assert!(!r.client.is_handshaking() && !r.server.is_handshaking());
}

#[test]
fn a_resuming_server_hello_does_not_acknowledge_the_server_name() {
    // RFC 6066 §3: "When resuming a session, the server MUST NOT include a server_name
    // extension in the server hello."
    let r = resumed_by_ticket();
    let HandshakePayload::ServerHello(sh) = decode(&r.flight[0]) else {
        panic!()
    };
    let extensions = server_hello_extensions(&sh);
    assert!(!extensions.server_name);
    assert!(extensions.extended_master_secret && extensions.session_ticket);
}
