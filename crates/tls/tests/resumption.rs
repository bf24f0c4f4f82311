//! Session resumption and 0-RTT between a padlock client and a padlock server, in
//! process (RFC 8446 §2.2, §2.3, §4.2.9–§4.2.11, §4.6.1).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use padlock_tls::ticket::{
    ClientSession, ServerSessionCache, StrikeRegister, TicketKey, TicketKeyRing,
};
use padlock_tls::trace::{Trace, TraceEvent};
use padlock_tls::{
    ClientAuth, Connection, EarlyDataStatus, HandshakeKind, NamedGroup, ProtocolVersion, RootStore,
    ServerName, WebPkiClientVerifier,
};

#[test]
fn a_second_connection_resumes_with_a_ticket_and_no_certificate() {
    let clock = Clock::new();
    let (server, client) = configs(&clock);
    let (server, client) = (Arc::new(server), Arc::new(client));
    let (c, s) = connect(&server, &client);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Full));

    clock.advance(5);
    let (mut c, mut s) = connect(&server, &client);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(c.negotiated_group(), Some(NamedGroup::X25519MLKEM768));
    assert!(
        c.peer_certificates().is_some(),
        "kept from the full handshake"
    );
    assert_eq!(c.signature_scheme(), None, "no CertificateVerify");
    assert_eq!(send(&mut c, &mut s, b"ping"), b"ping");
    assert_eq!(send(&mut s, &mut c, b"pong"), b"pong");
}

#[test]
fn each_ticket_is_used_once_and_the_server_sends_two() {
    let clock = Clock::new();
    let (_, client) = with_tickets(&clock, |_, _| {});
    let cache = store(&client);
    let first = cache.take(&localhost()).unwrap();
    let second = cache.take(&localhost()).unwrap();
    assert!(cache.take(&localhost()).is_none());
    assert_ne!(first.to_bytes(), second.to_bytes());
}

#[test]
fn a_resumed_handshake_brings_one_new_ticket_unless_configured_otherwise() {
    // (resumed_ticket_count, tickets after the resumption): one by default, replacing the
    // one spent; as many as configured, never more than ticket_count (2).
    for (resumed_ticket_count, expected) in [(None, 1), (Some(2), 2), (Some(5), 2), (Some(0), 0)] {
        let clock = Clock::new();
        let (server, client) = with_tickets(&clock, |s, _| {
            if let Some(count) = resumed_ticket_count {
                s.resumed_ticket_count = count;
            }
        });
        let cache = store(&client);
        let session = cache.take(&localhost()).unwrap();
        assert!(
            cache.take(&localhost()).is_some(),
            "two after a full handshake"
        );
        let (mut c, mut s) = resume_with(server.clone(), client.clone(), session);
        pump(&mut c, &mut s).unwrap();
        assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
        let received: Vec<_> = std::iter::from_fn(|| cache.take(&localhost())).collect();
        assert_eq!(received.len(), expected, "{resumed_ticket_count:?}");
        // Each ticket of the flight resumes in its turn (its PSK made as the client's).
        for session in received {
            let (c, _) = resume_with(server.clone(), client.clone(), session);
            assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
        }
    }
}

/// One flight each way: the client's hello to the server, the server's flight to the
/// client; the client's Finished is left unsent.
fn up_to_the_clients_finished(c: &mut Connection, s: &mut Connection) {
    transfer(c, s).unwrap();
    transfer(s, c).unwrap();
    assert!(!c.is_handshaking(), "the client has sent its Finished");
    assert!(s.is_handshaking(), "the server has not read it");
}

#[test]
fn tickets_come_with_the_servers_finished_when_it_asks_for_no_certificate() {
    // RFC 8446 §4.6.1: the server completes the transcript itself and sends its tickets
    // a round trip early; they must resume like tickets sent after the client's Finished.
    let clock = Clock::new();
    let (server, client) = configs(&clock);
    let (server, client) = (Arc::new(server), Arc::new(client));
    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    let mut s = Connection::server(server.clone()).unwrap();
    up_to_the_clients_finished(&mut c, &mut s);
    let cache = store(&client);
    let tickets: Vec<_> = std::iter::from_fn(|| cache.take(&localhost())).collect();
    assert_eq!(
        tickets.len(),
        2,
        "both tickets before the client's Finished"
    );
    transfer(&mut c, &mut s).unwrap();
    assert!(!s.is_handshaking());
    assert!(!s.wants_write(), "no tickets after the client's Finished");
    assert_eq!(send(&mut c, &mut s, b"ping"), b"ping");
    for session in tickets {
        let (c, _) = resume_with(server.clone(), client.clone(), session);
        assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
    }
}

#[test]
fn tickets_wait_for_the_clients_finished_when_the_server_asks_for_a_certificate() {
    // Its certificate goes into the transcript, which the server cannot foresee.
    let key = certified_key(KeyType::P256, &["client.test"], true);
    let clock = Clock::new();
    let (mut server, mut client) = configs(&clock);
    let mut roots = RootStore::new();
    roots.add_pem(&test_ca().cert_pem()).unwrap();
    let verifier = WebPkiClientVerifier::new(provider(), Arc::new(roots));
    server.client_auth = ClientAuth::Required(Arc::new(verifier));
    client.set_client_certificate(key);
    let (server, client) = (Arc::new(server), Arc::new(client));
    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    let mut s = Connection::server(server.clone()).unwrap();
    up_to_the_clients_finished(&mut c, &mut s);
    let cache = store(&client);
    assert!(cache.take(&localhost()).is_none(), "no ticket yet");
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    let session = cache
        .take(&localhost())
        .expect("a ticket after the client's Finished");
    let (c, _) = resume_with(server, client, session);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
}

#[test]
fn tickets_sent_with_finished_after_0rtt_data_count_the_clients_end_of_early_data() {
    // The transcript the server completes has the client's EndOfEarlyData in it (RFC 8446
    // §4.5); a ticket made over it resumes, and takes 0-RTT data again.
    let clock = Clock::new();
    let (server, client) = with_zero_rtt_tickets(&clock, |_, _| {});
    let cache = store(&client);
    while cache.take(&localhost()).is_some() {}
    clock.advance(1);
    let session = {
        let (_, s) = connect(&server, &client);
        assert_eq!(s.handshake_kind(), Some(HandshakeKind::Full));
        cache.take(&localhost()).unwrap()
    };
    let mut c = Connection::client_resuming(client.clone(), localhost(), session).unwrap();
    c.write_early_data(b"early").unwrap();
    let mut s = Connection::server(server.clone()).unwrap();
    up_to_the_clients_finished(&mut c, &mut s);
    assert_eq!(c.early_data_status(), EarlyDataStatus::Accepted);
    let session = cache
        .take(&localhost())
        .expect("a ticket with the server's Finished");
    transfer(&mut c, &mut s).unwrap();
    assert!(!s.is_handshaking());
    clock.advance(1);
    let mut c = Connection::client_resuming(client, localhost(), session).unwrap();
    c.write_early_data(b"again").unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(s.early_data_status(), EarlyDataStatus::Accepted);
}

#[test]
fn a_saved_session_resumes_from_its_bytes() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |_, _| {});
    let bytes = store(&client).take(&localhost()).unwrap().to_bytes();
    let mut other = insecure_client_config();
    other.time = clock.source();
    other.session_store = None;
    let session = ClientSession::from_bytes(&bytes).unwrap();
    let mut c = Connection::client_resuming(Arc::new(other), localhost(), session).unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
}

#[test]
fn zero_rtt_data_is_accepted_and_delivered_marked_early() {
    let clock = Clock::new();
    let (server, client) = with_zero_rtt_tickets(&clock, |_, _| {});
    clock.advance(1);

    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    assert_eq!(c.early_data_status(), EarlyDataStatus::Pending);
    assert_eq!(c.write_early_data(b"GET / early").unwrap(), 11);
    let mut s = Connection::server(server.clone()).unwrap();
    transfer(&mut c, &mut s).unwrap();
    let state = s.process_new_packets().unwrap();
    assert_eq!(state.early_data_bytes_to_read, 11);
    let mut buf = [0u8; 64];
    let n = s.read_early_data(&mut buf);
    assert_eq!(&buf[..n], b"GET / early");
    assert_eq!(
        s.read_plaintext(&mut buf),
        0,
        "early data is not ordinary plaintext"
    );
    handshake(&mut c, &mut s);
    assert_eq!(c.early_data_status(), EarlyDataStatus::Accepted);
    assert_eq!(s.early_data_status(), EarlyDataStatus::Accepted);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(send(&mut c, &mut s, b"after"), b"after");
    assert_eq!(send(&mut s, &mut c, b"reply"), b"reply");
}

#[test]
fn a_session_resumes_after_a_hello_retry_request() {
    let clock = Clock::new();
    let (mut server, mut client) = configs(&clock);
    // The client sends an X25519MLKEM768 share only; the server speaks P-256 only.
    client.key_shares = 1;
    server.groups = vec![NamedGroup::secp256r1];
    let (server, client) = (Arc::new(server), Arc::new(client));
    let (c, _) = connect(&server, &client);
    assert_eq!(
        c.handshake_kind(),
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
    let (mut c, mut s) = connect(&server, &client);
    assert_eq!(
        c.handshake_kind(),
        Some(HandshakeKind::ResumedWithHelloRetryRequest)
    );
    assert_eq!(
        s.handshake_kind(),
        Some(HandshakeKind::ResumedWithHelloRetryRequest)
    );
    assert_eq!(send(&mut c, &mut s, b"x"), b"x");
}

#[test]
fn refused_early_data_is_skipped_and_can_be_sent_again() {
    let clock = Clock::new();
    let (server, client) = with_zero_rtt_tickets(&clock, |_, _| {});
    // This server has 0-RTT off (same ticket keys and register).
    let mut off = (*server).clone();
    off.max_early_data_size = 0;
    let mut c = Connection::client(client, localhost()).unwrap();
    c.write_early_data(&[7; 900]).unwrap();
    let mut s = Connection::server(Arc::new(off)).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(c.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(s.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(send(&mut c, &mut s, &[7; 900]), vec![7; 900]);
}

/// RFC 8446 §D.3: "A client that attempts to send 0-RTT data MUST fail a connection if it
/// receives a ServerHello with TLS 1.2 or older." (BoGo's EarlyDataVersionDowngrade found
/// the client going on in TLS 1.2 instead.)
#[test]
fn a_tls12_answer_to_early_data_fails_the_connection() {
    let clock = Clock::new();
    let (server, client) = with_zero_rtt_tickets(&clock, |_, _| {});
    let mut tls12 = (*server).clone();
    tls12.versions = vec![padlock_tls::ProtocolVersion::TLSv1_2];
    let mut c = Connection::client(client, localhost()).unwrap();
    c.write_early_data(b"too early").unwrap();
    let mut s = Connection::server(Arc::new(tls12)).unwrap();
    // The TLS 1.2 server gets the ClientHello record alone (the 0-RTT records after it
    // would end its handshake) and answers it.
    let records = whole_records(c.pending_tls());
    assert!(records.len() > 1, "a ClientHello, then the 0-RTT data");
    assert_eq!(s.read_tls(&records[0]), records[0].len());
    s.process_new_packets().unwrap();
    let e = transfer(&mut s, &mut c).unwrap_err();
    assert_eq!(
        e,
        padlock_tls::Error::PeerIncompatible(
            padlock_tls::PeerIncompatible::EarlyDataRefusedByTls12
        )
    );
}

#[test]
fn early_data_after_a_hello_retry_request_is_refused() {
    let clock = Clock::new();
    let (server, client) = with_zero_rtt_tickets(&clock, |_, _| {});
    let mut p256 = (*server).clone();
    p256.groups = vec![NamedGroup::secp256r1];
    let mut c = Connection::client(client, localhost()).unwrap();
    c.write_early_data(b"too soon").unwrap();
    let mut s = Connection::server(Arc::new(p256)).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(
        s.handshake_kind(),
        Some(HandshakeKind::ResumedWithHelloRetryRequest)
    );
    assert_eq!(c.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(send(&mut c, &mut s, b"now"), b"now");
}

#[test]
fn stateful_tickets_from_a_server_cache_resume_once() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |s, _| {
        s.ticketer = Some(Arc::new(ServerSessionCache::new(
            provider(),
            64,
            Duration::from_secs(3600),
        )));
    });
    let session = store(&client).take(&localhost()).unwrap();
    let again = session.clone();
    let mut c = Connection::client_resuming(client.clone(), localhost(), session).unwrap();
    let mut s = Connection::server(server.clone()).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
    let mut c = Connection::client_resuming(client, localhost(), again).unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full), "used once");
}

#[test]
fn a_session_for_another_server_name_is_not_resumed() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |_, _| {});
    let session = store(&client).take(&localhost()).unwrap();
    let other = ServerName::try_from("other.test").unwrap();
    let mut c = Connection::client_resuming(client, other, session).unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full));
}

#[test]
fn the_trace_and_key_log_tell_of_the_psk_and_early_data() {
    let clock = Clock::new();
    let events = Arc::new(Events::default());
    let keys = Arc::new(Capture::default());
    let (server, client) = with_zero_rtt_tickets(&clock, |s, _| {
        s.trace = Some(events.clone());
        s.key_log = Some(keys.clone());
    });
    let mut c = Connection::client(client, localhost()).unwrap();
    c.write_early_data(b"x").unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    let seen = events.0.lock().unwrap().join("\n");
    for expected in [
        "PskOffered",
        "BinderCheck { identity: 0, ok: true }",
        "PskAccepted",
        "EarlyDataAccepted",
        "KeysInstalled { direction: Received, phase: Early }",
        "Ticket",
    ] {
        assert!(seen.contains(expected), "{expected} missing from:\n{seen}");
    }
    assert_eq!(
        keys.secret("CLIENT_EARLY_TRAFFIC_SECRET").as_bytes().len(),
        32
    );
}

/// Trace events as their debug text.
#[derive(Default)]
struct Events(Mutex<Vec<String>>);

impl Trace for Events {
    fn event(&self, event: &TraceEvent<'_>) {
        self.0.lock().unwrap().push(format!("{event:?}"));
    }
}

#[test]
fn a_resumed_mutual_tls_session_keeps_the_clients_certificate() {
    // The certificate first: the clock starts when it is made, not before.
    let key = certified_key(KeyType::P256, &["client.test"], true);
    let clock = Clock::new();
    let client_key = key.clone();
    let (server, client) = with_tickets(&clock, move |s, c| {
        let mut roots = RootStore::new();
        roots.add_pem(&test_ca().cert_pem()).unwrap();
        let verifier = WebPkiClientVerifier::new(provider(), Arc::new(roots));
        s.client_auth = ClientAuth::Required(Arc::new(verifier));
        c.set_client_certificate(client_key);
    });
    let (_, s) = connect(&server, &client);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(s.peer_certificates().unwrap()[0], key.chain[0]);
    // The tickets of a resumed connection carry the certificate on: each later
    // connection resumes too (the server requires a certificate).
    for _ in 0..3 {
        let (_, s) = connect(&server, &client);
        assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
        assert_eq!(s.peer_certificates().unwrap()[0], key.chain[0]);
    }
}

#[test]
fn resuming_never_extends_a_session_past_the_lifetime_of_its_full_handshake() {
    // Tickets issued on a resumed connection expire when its session does (as TLS 1.2's
    // renewed tickets keep their issue time): a client resuming every so often still
    // meets a full handshake — the certificates checked again — once the lifetime is up.
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |s, _| {
        s.ticket_lifetime = Duration::from_secs(3600);
    });
    let cache = store(&client);
    let first = cache.take(&localhost()).unwrap();
    let full_expiry = first.expires_at();
    while cache.take(&localhost()).is_some() {}
    clock.advance(3000);
    let (c, _) = resume_with(server.clone(), client.clone(), first);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
    let renewed = cache
        .take(&localhost())
        .expect("a ticket after the resumption");
    assert_eq!(
        renewed.expires_at(),
        full_expiry,
        "600 s left, not a new hour"
    );
    clock.advance(599);
    let (c, _) = resume_with(server.clone(), client.clone(), renewed);
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
    let last = cache
        .take(&localhost())
        .expect("a ticket 1 s before the end");
    clock.advance(1);
    let mut c = Connection::client_resuming(client, localhost(), last).unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Full));
}

#[test]
fn a_fleet_sharing_ticket_keys_resumes_anywhere_and_takes_0rtt_only_where_issued() {
    let clock = Clock::new();
    // Two servers, each with its own key ring read from the same key bytes and its own
    // strike register (two processes behind a load balancer).
    let ring = || {
        let key = TicketKey::from_bytes(&[5; 48]).unwrap();
        Arc::new(TicketKeyRing::new(provider(), vec![key]).unwrap())
    };
    let (issuer, client) = with_zero_rtt_tickets(&clock, |s, _| s.ticketer = Some(ring()));
    let mut other = (*issuer).clone();
    other.ticketer = Some(ring());
    other.strike_register = Arc::new(StrikeRegister::new(
        provider().as_ref(),
        StrikeRegister::DEFAULT_CAPACITY,
        StrikeRegister::DEFAULT_WINDOW,
    ));
    let other = Arc::new(other);
    // One of the issuer's two tickets, kept for the last connection.
    let from_issuer = store(&client).take(&localhost()).unwrap();

    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    c.write_early_data(b"to another server").unwrap();
    let mut s = Connection::server(other).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(c.early_data_status(), EarlyDataStatus::Rejected);

    let mut c = Connection::client_resuming(client, localhost(), from_issuer).unwrap();
    c.write_early_data(b"to the issuer").unwrap();
    let mut s = Connection::server(issuer).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(c.early_data_status(), EarlyDataStatus::Accepted);
}

#[test]
fn a_session_offered_to_a_tls12_server_gets_a_full_tls12_handshake() {
    let clock = Clock::new();
    let (server, client) = with_tickets(&clock, |_, _| {});
    // The same server, now speaking TLS 1.2 only: it ignores the TLS 1.3 PSK.
    let mut tls12 = (*server).clone();
    tls12.versions = vec![ProtocolVersion::TLSv1_2];
    let (mut c, mut s) = connect(&Arc::new(tls12), &client);
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(send(&mut c, &mut s, b"x"), b"x");
}

/// A verifier that accepts any chain but counts its calls, and refuses the next one when
/// told to.
#[derive(Default)]
struct CountingVerifier {
    calls: std::sync::atomic::AtomicUsize,
    refuse_next: std::sync::atomic::AtomicBool,
}

impl padlock_tls::ServerCertVerifier for CountingVerifier {
    fn verify_server_cert(
        &self,
        _: &[u8],
        _: &[&[u8]],
        _: &ServerName,
        _: padlock_tls::UnixTime,
    ) -> Result<(), padlock_tls::Error> {
        use std::sync::atomic::Ordering::SeqCst;
        self.calls.fetch_add(1, SeqCst);
        if self.refuse_next.swap(false, SeqCst) {
            return Err(padlock_tls::Error::Certificate(
                padlock_pki::Error::Refused {
                    reason: "told to".into(),
                },
            ));
        }
        Ok(())
    }
}

/// `reverify_on_resume` (BoGo's CertificateVerification*OnResume, -reverify-on-resume):
/// before a session is offered its certificates go through the verifier again, at both
/// versions; a refusal drops the session, and the full handshake that follows verifies
/// what the server sends now. Without the option a resumption calls no verifier.
#[test]
fn reverify_on_resume_verifies_the_session_again_and_drops_it_when_refused() {
    use std::sync::atomic::Ordering::SeqCst;
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        for reverify in [false, true] {
            let clock = Clock::new();
            let verifier = Arc::new(CountingVerifier::default());
            let (server, client) = with_tickets(&clock, |s, c| {
                s.versions = vec![version];
                // One session in the store at a time: a dropped one leaves none.
                s.ticket_count = 1;
                c.verifier = verifier.clone();
                c.reverify_on_resume = reverify;
            });
            assert_eq!(verifier.calls.load(SeqCst), 1, "the full handshake");

            let (c, _) = connect(&server, &client);
            assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
            let calls = if reverify { 2 } else { 1 };
            assert_eq!(verifier.calls.load(SeqCst), calls, "{version:?}");

            // Its certificates refused once: a session is dropped, not offered.
            verifier.refuse_next.store(true, SeqCst);
            let (c, _) = connect(&server, &client);
            let expected = match reverify {
                true => (HandshakeKind::Full, calls + 2),
                false => (HandshakeKind::Resumed, calls),
            };
            let got = (c.handshake_kind().unwrap(), verifier.calls.load(SeqCst));
            assert_eq!(got, expected, "{version:?}, reverify {reverify}");
        }
    }
}
