//! Session resumption and 0-RTT between a padlock client and a padlock server, in
//! process (RFC 8446 §2.2, §2.3, §4.2.9–§4.2.11, §4.6.1).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::*;
use padlock_tls::ticket::{ClientSession, SessionStore};
use padlock_tls::{
    ClientConfig, Connection, EarlyDataStatus, HandshakeKind, NamedGroup, ServerConfig, UnixTime,
};

/// A clock the test moves.
#[derive(Clone)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn new() -> Self {
        Clock(Arc::new(AtomicU64::new(1_800_000_000)))
    }
    fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
    fn source(&self) -> padlock_tls::TimeSource {
        let c = self.0.clone();
        Arc::new(move || UnixTime(c.load(Ordering::SeqCst)))
    }
}

/// A server and client config pair sharing a clock; the client keeps sessions.
fn configs(clock: &Clock) -> (ServerConfig, ClientConfig) {
    let mut server = server_config(KeyType::P256);
    server.time = clock.source();
    let mut client = insecure_client_config();
    client.time = clock.source();
    (server, client)
}

/// A full handshake, then the server's tickets delivered to the client.
fn connect(server: &Arc<ServerConfig>, client: &Arc<ClientConfig>) -> (Connection, Connection) {
    let mut c = Connection::client(client.clone(), localhost()).unwrap();
    let mut s = Connection::server(server.clone()).unwrap();
    handshake(&mut c, &mut s);
    pump(&mut c, &mut s).unwrap();
    (c, s)
}

fn store(client: &ClientConfig) -> Arc<dyn SessionStore> {
    client.session_store.clone().unwrap()
}

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
    let (server, client) = configs(&clock);
    let (server, client) = (Arc::new(server), Arc::new(client));
    connect(&server, &client);
    let cache = store(&client);
    let first = cache.take(&localhost()).unwrap();
    let second = cache.take(&localhost()).unwrap();
    assert!(cache.take(&localhost()).is_none());
    assert_ne!(first.to_bytes(), second.to_bytes());
}

#[test]
fn a_saved_session_resumes_from_its_bytes() {
    let clock = Clock::new();
    let (server, client) = configs(&clock);
    let (server, client) = (Arc::new(server), Arc::new(client));
    connect(&server, &client);
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
    let (mut server, mut client) = configs(&clock);
    server.max_early_data_size = 1000;
    client.enable_early_data = true;
    let (server, client) = (Arc::new(server), Arc::new(client));
    connect(&server, &client);
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
