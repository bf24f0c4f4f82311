//! TLS 1.2 session resumption between a padlock client and a padlock server, in process:
//! RFC 5077 tickets and session ids (RFC 5246 §7.4.1.2), the abbreviated handshake (RFC
//! 5246 §7.3, RFC 5077 §3.1), bound to the Extended Master Secret (RFC 7627 §5.3).

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use padlock_tls::ticket::ClientSession;
use padlock_tls::trace::{Trace, TraceEvent};
use padlock_tls::{ClientConfig, Connection, HandshakeKind, ProtocolVersion, ServerConfig};

/// A TLS 1.2-only server and client sharing `clock`, with `tweak` applied.
fn tls12_pair(
    clock: &Clock,
    tweak: impl FnOnce(&mut ServerConfig, &mut ClientConfig),
) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let (mut server, mut client) = configs(clock);
    server.versions = vec![ProtocolVersion::TLSv1_2];
    tweak(&mut server, &mut client);
    (Arc::new(server), Arc::new(client))
}

fn kinds(c: &Connection, s: &Connection) -> (Option<HandshakeKind>, Option<HandshakeKind>) {
    (c.handshake_kind(), s.handshake_kind())
}

const FULL: (Option<HandshakeKind>, Option<HandshakeKind>) =
    (Some(HandshakeKind::Full), Some(HandshakeKind::Full));
const RESUMED: (Option<HandshakeKind>, Option<HandshakeKind>) =
    (Some(HandshakeKind::Resumed), Some(HandshakeKind::Resumed));

#[test]
fn a_second_tls12_connection_resumes_by_ticket() {
    let clock = Clock::new();
    let (server, client) = tls12_pair(&clock, |_, _| {});
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), FULL);
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    let session = store(&client).take(&localhost()).unwrap();
    assert_eq!(session.protocol_version(), ProtocolVersion::TLSv1_2);
    store(&client).insert(&localhost(), session);

    clock.advance(5);
    let (mut c, mut s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), RESUMED);
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert!(
        c.peer_certificates().is_some(),
        "kept from the full handshake"
    );
    assert_eq!(send(&mut c, &mut s, b"ping"), b"ping");
    assert_eq!(send(&mut s, &mut c, b"pong"), b"pong");
    // The renewed ticket resumes the next connection too.
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), RESUMED);
}

#[test]
fn a_client_without_tickets_resumes_by_session_id() {
    let clock = Clock::new();
    // A ticketer-less server: it keeps sessions by id.
    let (server, client) = tls12_pair(&clock, |s, _| s.ticketer = None);
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), FULL);
    for _ in 0..3 {
        let (mut c, mut s) = connect(&server, &client);
        assert_eq!(kinds(&c, &s), RESUMED, "the id resumes until it expires");
        assert_eq!(send(&mut c, &mut s, b"ping"), b"ping");
    }
    let bytes = store(&client).take(&localhost()).unwrap().to_bytes();
    let session = ClientSession::from_bytes(&bytes).unwrap();
    assert_eq!(session.protocol_version(), ProtocolVersion::TLSv1_2);
}

#[test]
fn without_a_session_id_cache_nor_tickets_every_handshake_is_full() {
    let clock = Clock::new();
    let (server, client) = tls12_pair(&clock, |s, _| {
        s.ticketer = None;
        s.session_id_cache = None;
    });
    connect(&server, &client);
    assert!(store(&client).take(&localhost()).is_none());
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), FULL);
}

#[test]
fn a_saved_tls12_session_resumes_from_its_bytes() {
    let clock = Clock::new();
    let (server, client) = tls12_pair(&clock, |_, _| {});
    connect(&server, &client);
    let bytes = store(&client).take(&localhost()).unwrap().to_bytes();
    let mut other = insecure_client_config();
    other.time = clock.source();
    other.session_store = None;
    let session = ClientSession::from_bytes(&bytes).unwrap();
    let mut c = Connection::client_resuming(Arc::new(other), localhost(), session).unwrap();
    let mut s = Connection::server(server).unwrap();
    handshake(&mut c, &mut s);
    assert_eq!(kinds(&c, &s), RESUMED);
}

#[test]
fn a_client_offering_tls13_and_tls12_resumes_a_tls12_server() {
    // The client offers both versions; its stored session is TLS 1.2's, which it offers
    // beside the TLS 1.3 offer (ticket and compatibility-mode session id).
    let clock = Clock::new();
    let (server, client) = tls12_pair(&clock, |_, _| {});
    connect(&server, &client);
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), RESUMED);
}

#[test]
fn a_tls12_session_is_not_offered_to_a_tls13_only_client_and_tls13_servers_ignore_it() {
    let clock = Clock::new();
    let (server12, client) = tls12_pair(&clock, |_, _| {});
    connect(&server12, &client);
    // The same name now served by TLS 1.3: the TLS 1.2 ticket goes in session_ticket,
    // which TLS 1.3 ignores; the handshake is full, and TLS 1.3.
    let (mut server13, _) = configs(&clock);
    server13.versions = vec![ProtocolVersion::TLSv1_3];
    let (c, s) = connect(&Arc::new(server13), &client);
    assert_eq!(kinds(&c, &s), FULL);
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_3));
}

#[test]
fn resumption_keeps_the_client_certificate_and_alpn_is_negotiated_afresh() {
    let clock = Clock::new();
    let (server, client) = tls12_pair(&clock, |s, c| {
        s.client_auth = padlock_tls::ClientAuth::Required(Arc::new(AcceptAnyClient));
        c.set_client_certificate(certified_key(KeyType::P256, &["client"], true));
        s.alpn_protocols = vec![b"h2".to_vec()];
        c.alpn_protocols = vec![b"h2".to_vec()];
    });
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), FULL);
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), RESUMED);
    assert!(
        s.peer_certificates().is_some(),
        "the session's client certificate"
    );
    assert_eq!(c.alpn_protocol(), Some(&b"h2"[..]));
}

#[derive(Default)]
struct Events(Mutex<Vec<String>>);

impl Trace for Events {
    fn event(&self, event: &TraceEvent<'_>) {
        let name = format!("{event:?}");
        let name = name
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_string();
        self.0.lock().unwrap().push(name);
    }
}

#[test]
fn the_trace_tells_the_session_offered_resumed_and_the_keys_are_logged() {
    let clock = Clock::new();
    let events = Arc::new(Events::default());
    let keys = Arc::new(Capture::default());
    let (server, client) = tls12_pair(&clock, |_, c| {
        c.trace = Some(events.clone());
        c.key_log = Some(keys.clone());
    });
    connect(&server, &client);
    events.0.lock().unwrap().clear();
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), RESUMED);
    let seen = events.0.lock().unwrap().clone();
    for name in [
        "SessionOffered",
        "SessionResumed",
        "Ticket",
        "HandshakeComplete",
    ] {
        assert!(seen.iter().any(|e| e == name), "{name} in {seen:?}");
    }
    assert_eq!(keys.logged("CLIENT_RANDOM").len(), 48);
}

/// RFC 5929 §3.1 (BoGo's TLSUnique-*): tls-unique is the first Finished's verify_data, the
/// client's in a full handshake and the server's in a resumed one: both sides hold the
/// same 12 bytes, and no two connections share them. TLS 1.3 defines none. Each TLS 1.2
/// connection says whether it has the Extended Master Secret (RFC 7627), which makes the
/// binding unique.
#[test]
fn both_sides_agree_on_tls_unique_and_each_connection_has_its_own() {
    let clock = Clock::new();
    let (server, client) = tls12_pair(&clock, |_, _| {});
    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), FULL);
    let full = c
        .tls_unique()
        .expect("a TLS 1.2 connection has one")
        .to_vec();
    assert_eq!(full.len(), 12);
    assert_eq!(s.tls_unique(), Some(&full[..]));
    // padlock always offers and accepts the Extended Master Secret (RFC 7627).
    assert_eq!(c.extended_master_secret(), Some(true));
    assert_eq!(s.extended_master_secret(), Some(true));

    let (c, s) = connect(&server, &client);
    assert_eq!(kinds(&c, &s), RESUMED);
    let resumed = c.tls_unique().unwrap().to_vec();
    assert_eq!(s.tls_unique(), Some(&resumed[..]));
    assert_eq!(c.extended_master_secret(), Some(true), "the session's");
    assert_ne!(resumed, full);

    let (c, _) = connect(&server, &Arc::new(tls12_client_without_sessions(&client)));
    assert_ne!(c.tls_unique(), Some(&full[..]));

    let (server13, client13) = configs(&clock);
    let (c, s) = connect(&Arc::new(server13), &Arc::new(client13));
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    assert_eq!((c.tls_unique(), s.tls_unique()), (None, None));
    assert_eq!(
        c.extended_master_secret(),
        None,
        "TLS 1.3 has no such choice"
    );
}

fn tls12_client_without_sessions(client: &ClientConfig) -> ClientConfig {
    let mut fresh = client.clone();
    fresh.session_store = None;
    fresh
}
