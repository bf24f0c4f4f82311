//! What a client keeps of a session to resume it (RFC 8446 §4.6.1), and the bounded
//! per-server cache it keeps sessions in.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;

use padlock_pki::UnixTime;

use crate::certificate_chain::CertificateChain;
use crate::error::Error;
use crate::hkdf::{Secret, MAX_SECRET_LEN};
use crate::verify::ServerName;
use crate::wire::codec::{write_opaque, write_prefixed, LengthPrefix, Reader};
use crate::wire::{CipherSuite, ProtocolVersion};

/// A session a client can resume: one ticket from the server's NewSessionTicket, with the
/// PSK derived for it and what the handshake settled. Use it once (RFC 8446 §C.4).
///
/// A TLS 1.2 session ([`Self::protocol_version`]) holds the master secret instead of a PSK,
/// and a RFC 5077 ticket, a session id (RFC 5246 §7.4.1.2), or both. padlock keeps only
/// TLS 1.2 sessions made with the Extended Master Secret (RFC 7627 §5.3).
///
/// [`Self::to_bytes`] / [`Self::from_bytes`] keep it across processes (the bytes hold the
/// PSK: store them as a secret).
#[derive(Clone)]
pub struct ClientSession {
    /// TLS 1.3 or TLS 1.2: which handshake resumes it.
    pub(crate) version: ProtocolVersion,
    pub(crate) server_name: String,
    pub(crate) suite: CipherSuite,
    /// The PSK: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce, Hash.length);
    /// for TLS 1.2, the master secret.
    pub(crate) secret: Secret,
    /// The ticket (TLS 1.2: possibly empty, for a session resumed by id).
    pub(crate) ticket: Vec<u8>,
    /// TLS 1.2: the session id the server gave (possibly empty); TLS 1.3: empty.
    pub(crate) session_id: Vec<u8>,
    pub(crate) ticket_age_add: u32,
    /// When the ticket arrived (seconds since the epoch), for the obfuscated age.
    pub(crate) received_at: u64,
    /// Seconds, at most 7 days.
    pub(crate) lifetime: u32,
    /// 0: no 0-RTT on this ticket.
    pub(crate) max_early_data_size: u32,
    pub(crate) alpn: Option<Vec<u8>>,
    /// Shared by the sessions (tickets) of one connection.
    pub(crate) peer_certificates: CertificateChain,
}

/// The format version of [`ClientSession::to_bytes`] for a TLS 1.3 session.
const FORMAT: u8 = 1;
/// The format version of [`ClientSession::to_bytes`] for a TLS 1.2 session.
const FORMAT_TLS12: u8 = 2;

impl ClientSession {
    /// The server name the session was made with; it resumes only with that name.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// TLS 1.3 or TLS 1.2: the version whose handshake resumes the session.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.version
    }

    /// The suite of the session: a resumption offers it (or another suite of its hash).
    pub fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }

    /// How much 0-RTT data the server takes on this ticket (0: none).
    pub fn max_early_data_size(&self) -> u32 {
        self.max_early_data_size
    }

    /// The ALPN protocol of the session, if one was chosen.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }

    /// The server's certificate chain as verified in the full handshake (DER, leaf first).
    pub fn peer_certificates(&self) -> &CertificateChain {
        &self.peer_certificates
    }

    /// When the ticket arrived.
    pub fn received_at(&self) -> UnixTime {
        UnixTime(self.received_at)
    }

    /// When the server stops accepting it (the ticket's lifetime after it arrived).
    pub fn expires_at(&self) -> UnixTime {
        UnixTime(self.received_at.saturating_add(u64::from(self.lifetime)))
    }

    /// Whether it is still usable at `now`.
    pub fn is_fresh(&self, now: UnixTime) -> bool {
        now.0 >= self.received_at && now.0 < self.expires_at().0
    }

    /// The session as bytes, for [`Self::from_bytes`] (holds the PSK: keep it secret).
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.version == ProtocolVersion::TLSv1_2 {
            return self.to_bytes_tls12();
        }
        let mut out = vec![FORMAT];
        write_opaque(&mut out, LengthPrefix::U8, self.server_name.as_bytes());
        out.extend_from_slice(&self.suite.to_wire().to_be_bytes());
        write_opaque(&mut out, LengthPrefix::U8, self.secret.as_bytes());
        write_opaque(&mut out, LengthPrefix::U16, &self.ticket);
        out.extend_from_slice(&self.ticket_age_add.to_be_bytes());
        out.extend_from_slice(&self.received_at.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        out.extend_from_slice(&self.max_early_data_size.to_be_bytes());
        write_prefixed(&mut out, LengthPrefix::U8, |out| {
            if let Some(alpn) = &self.alpn {
                out.extend_from_slice(alpn);
            }
        });
        super::write_chain(&mut out, &self.peer_certificates);
        out
    }

    /// A TLS 1.2 session's bytes: its own format, with the session id and no 0-RTT.
    fn to_bytes_tls12(&self) -> Vec<u8> {
        let mut out = vec![FORMAT_TLS12];
        write_opaque(&mut out, LengthPrefix::U8, self.server_name.as_bytes());
        out.extend_from_slice(&self.suite.to_wire().to_be_bytes());
        write_opaque(&mut out, LengthPrefix::U8, self.secret.as_bytes());
        write_opaque(&mut out, LengthPrefix::U16, &self.ticket);
        write_opaque(&mut out, LengthPrefix::U8, &self.session_id);
        out.extend_from_slice(&self.received_at.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        write_prefixed(&mut out, LengthPrefix::U8, |out| {
            if let Some(alpn) = &self.alpn {
                out.extend_from_slice(alpn);
            }
        });
        super::write_chain(&mut out, &self.peer_certificates);
        out
    }

    /// Reads what [`Self::to_bytes`] wrote; anything else is refused with an error saying
    /// it is not a padlock session.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let decoded = match bytes.first() {
            Some(&FORMAT) => decode(bytes),
            Some(&FORMAT_TLS12) => decode_tls12(bytes),
            _ => None,
        };
        decoded.ok_or(Error::Config(
            "not a padlock TLS session (or one from an incompatible version)",
        ))
    }
}

/// Reads a TLS 1.2 session: a 48-byte master secret, a ticket or a session id (or both).
fn decode_tls12(bytes: &[u8]) -> Option<ClientSession> {
    let mut r = Reader::new(bytes);
    const W: &str = "ClientSession";
    if r.u8(W).ok()? != FORMAT_TLS12 {
        return None;
    }
    let server_name = std::str::from_utf8(r.opaque(LengthPrefix::U8, 1, 255, W).ok()?)
        .ok()?
        .to_owned();
    let suite = CipherSuite::from_wire(r.u16(W).ok()?);
    let secret = Secret::new(r.opaque(LengthPrefix::U8, 48, 48, W).ok()?);
    let ticket = r.opaque(LengthPrefix::U16, 0, 0xffff, W).ok()?.to_vec();
    let session_id = r.opaque(LengthPrefix::U8, 0, 32, W).ok()?.to_vec();
    if ticket.is_empty() && session_id.is_empty() {
        return None;
    }
    let received_at = u64::from_be_bytes(r.array::<8>(W).ok()?);
    let lifetime = r.u32(W).ok()?;
    let alpn = r.opaque(LengthPrefix::U8, 0, 255, W).ok()?;
    let alpn = (!alpn.is_empty()).then(|| alpn.to_vec());
    let peer_certificates = super::read_chain(&mut r)?;
    r.expect_empty(W).ok()?;
    Some(ClientSession {
        version: ProtocolVersion::TLSv1_2,
        server_name,
        suite,
        secret,
        ticket,
        session_id,
        ticket_age_add: 0,
        received_at,
        lifetime,
        max_early_data_size: 0,
        alpn,
        peer_certificates,
    })
}

fn decode(bytes: &[u8]) -> Option<ClientSession> {
    let mut r = Reader::new(bytes);
    const W: &str = "ClientSession";
    if r.u8(W).ok()? != FORMAT {
        return None;
    }
    let server_name = std::str::from_utf8(r.opaque(LengthPrefix::U8, 1, 255, W).ok()?)
        .ok()?
        .to_owned();
    let suite = CipherSuite::from_wire(r.u16(W).ok()?);
    let secret = Secret::new(r.opaque(LengthPrefix::U8, 32, MAX_SECRET_LEN, W).ok()?);
    let ticket = r.opaque(LengthPrefix::U16, 1, 0xffff, W).ok()?.to_vec();
    let ticket_age_add = r.u32(W).ok()?;
    let received_at = u64::from_be_bytes(r.array::<8>(W).ok()?);
    let lifetime = r.u32(W).ok()?;
    let max_early_data_size = r.u32(W).ok()?;
    let alpn = r.opaque(LengthPrefix::U8, 0, 255, W).ok()?;
    let alpn = (!alpn.is_empty()).then(|| alpn.to_vec());
    let peer_certificates = super::read_chain(&mut r)?;
    r.expect_empty(W).ok()?;
    Some(ClientSession {
        version: ProtocolVersion::TLSv1_3,
        server_name,
        suite,
        secret,
        ticket,
        session_id: Vec::new(),
        ticket_age_add,
        received_at,
        lifetime,
        max_early_data_size,
        alpn,
        peer_certificates,
    })
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("version", &self.version)
            .field("server_name", &self.server_name)
            .field("suite", &self.suite)
            .field("ticket_len", &self.ticket.len())
            .field("received_at", &self.received_at)
            .field("lifetime", &self.lifetime)
            .field("max_early_data_size", &self.max_early_data_size)
            .finish_non_exhaustive()
    }
}

/// Where a client keeps sessions between connections, by server name.
///
/// The engine calls [`Self::insert`] for each ticket the server sends and [`Self::take`]
/// when it starts a connection: a session taken is not given out again (RFC 8446 §C.4:
/// "Clients SHOULD NOT reuse a ticket for multiple connections").
pub trait SessionStore: Send + Sync {
    /// Keeps `session` for `server`.
    fn insert(&self, server: &ServerName, session: ClientSession);
    /// Removes and returns a session for `server`, the newest first.
    fn take(&self, server: &ServerName) -> Option<ClientSession>;
}

/// The default [`SessionStore`]: in memory, at most `max_servers` server names (the least
/// recently stored name is dropped first), each with its
/// [`Self::SESSIONS_PER_SERVER`] newest sessions.
pub struct ClientSessionCache {
    max_servers: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    /// Oldest first; grown one slot at a time (a server name usually holds one or two).
    by_server: HashMap<ServerName, Vec<ClientSession>>,
    /// Server names, least recently stored first.
    order: VecDeque<ServerName>,
}

impl ClientSessionCache {
    /// Sessions kept per server name (a server sends two tickets per handshake by default;
    /// the rest cover connections started before new tickets arrive).
    pub const SESSIONS_PER_SERVER: usize = 4;
    /// The default size of [`crate::ClientConfig::session_store`]: 256 server names.
    pub const DEFAULT_SERVERS: usize = 256;

    /// A cache for at most `max_servers` server names (at least 1).
    pub fn new(max_servers: usize) -> Self {
        Self {
            max_servers: max_servers.max(1),
            inner: Mutex::new(CacheInner::default()),
        }
    }

    /// How many sessions it holds, over all servers.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .map_or(0, |i| i.by_server.values().map(Vec::len).sum())
    }

    /// Whether it holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for ClientSessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSessionCache")
            .field("max_servers", &self.max_servers)
            .field("len", &self.len())
            .finish()
    }
}

impl SessionStore for ClientSessionCache {
    fn insert(&self, server: &ServerName, session: ClientSession) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let CacheInner { by_server, order } = &mut *inner;
        // The name stored last (a connection's second ticket, the next connection's
        // tickets to the same server) stays where it is; another known name moves to the
        // back with the name it has (no copy of it).
        if order.back() != Some(server) {
            let known = order
                .iter()
                .position(|n| n == server)
                .and_then(|at| order.remove(at));
            let name = match known {
                Some(name) => name,
                None => {
                    while by_server.len() >= self.max_servers {
                        let Some(oldest) = order.pop_front() else {
                            break;
                        };
                        by_server.remove(&oldest);
                    }
                    server.clone()
                }
            };
            order.push_back(name);
        }
        let sessions = match by_server.get_mut(server) {
            Some(sessions) => sessions,
            None => by_server.entry(server.clone()).or_default(),
        };
        if sessions.len() >= Self::SESSIONS_PER_SERVER {
            sessions.remove(0);
        } else {
            sessions.reserve_exact(1);
        }
        sessions.push(session);
    }

    fn take(&self, server: &ServerName) -> Option<ClientSession> {
        let mut inner = self.inner.lock().ok()?;
        let sessions = inner.by_server.get_mut(server)?;
        let session = sessions.pop();
        if sessions.is_empty() {
            inner.by_server.remove(server);
            inner.order.retain(|n| n != server);
        }
        session
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn session(tag: u8) -> ClientSession {
        ClientSession {
            version: ProtocolVersion::TLSv1_3,
            server_name: "example.test".into(),
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            secret: Secret::new(&[tag; 32]),
            ticket: vec![tag; 80],
            session_id: Vec::new(),
            ticket_age_add: 0x0102_0304,
            received_at: 1_800_000_000,
            lifetime: 3600,
            max_early_data_size: 16384,
            alpn: Some(b"h2".to_vec()),
            peer_certificates: CertificateChain::new([&[1, 2, 3][..], &[4]]),
        }
    }

    fn name(n: &str) -> ServerName {
        ServerName::try_from(n).unwrap()
    }

    #[test]
    fn a_session_round_trips_through_bytes() {
        let s = session(7);
        let again = ClientSession::from_bytes(&s.to_bytes()).unwrap();
        assert_eq!(again.to_bytes(), s.to_bytes());
        assert_eq!(again.server_name(), "example.test");
        assert_eq!(again.alpn_protocol(), Some(&b"h2"[..]));
        assert_eq!(again.peer_certificates().len(), 2);
        let mut no_alpn = s;
        no_alpn.alpn = None;
        let again = ClientSession::from_bytes(&no_alpn.to_bytes()).unwrap();
        assert_eq!(again.alpn_protocol(), None);
    }

    #[test]
    fn truncated_or_padded_session_bytes_are_refused() {
        let bytes = session(1).to_bytes();
        for len in 0..bytes.len() {
            assert!(ClientSession::from_bytes(&bytes[..len]).is_err(), "{len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(ClientSession::from_bytes(&longer).is_err());
        let mut other_version = bytes;
        other_version[0] = 3;
        assert!(ClientSession::from_bytes(&other_version).is_err());
    }

    fn tls12_session(ticket: Vec<u8>, session_id: Vec<u8>) -> ClientSession {
        ClientSession {
            version: ProtocolVersion::TLSv1_2,
            suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            secret: Secret::new(&[5; 48]),
            ticket,
            session_id,
            ticket_age_add: 0,
            max_early_data_size: 0,
            ..session(1)
        }
    }

    #[test]
    fn a_tls12_session_round_trips_through_bytes_by_ticket_or_by_id() {
        for s in [
            tls12_session(vec![1; 90], vec![]),
            tls12_session(vec![], vec![2; 32]),
            tls12_session(vec![1; 90], vec![2; 32]),
        ] {
            let bytes = s.to_bytes();
            assert_eq!(bytes[0], FORMAT_TLS12);
            let again = ClientSession::from_bytes(&bytes).unwrap();
            assert_eq!(again.protocol_version(), ProtocolVersion::TLSv1_2);
            assert_eq!(again.to_bytes(), bytes);
            for len in 0..bytes.len() {
                assert!(ClientSession::from_bytes(&bytes[..len]).is_err(), "{len}");
            }
        }
        // Neither a ticket nor an id: nothing to resume with.
        assert!(ClientSession::from_bytes(&tls12_session(vec![], vec![]).to_bytes()).is_err());
    }

    #[test]
    fn freshness_follows_the_lifetime() {
        let s = session(1);
        assert!(s.is_fresh(UnixTime(1_800_000_000)));
        assert!(s.is_fresh(UnixTime(1_800_003_599)));
        assert!(!s.is_fresh(UnixTime(1_800_003_600)));
        assert!(!s.is_fresh(UnixTime(1_799_999_999)));
    }

    #[test]
    fn the_cache_gives_each_session_out_once_newest_first() {
        let cache = ClientSessionCache::new(4);
        cache.insert(&name("a.test"), session(1));
        cache.insert(&name("a.test"), session(2));
        assert_eq!(cache.take(&name("a.test")).unwrap().ticket[0], 2);
        assert_eq!(cache.take(&name("a.test")).unwrap().ticket[0], 1);
        assert!(cache.take(&name("a.test")).is_none());
        assert!(cache.take(&name("b.test")).is_none());
    }

    #[test]
    fn storing_again_for_a_server_makes_it_the_most_recent() {
        let cache = ClientSessionCache::new(2);
        cache.insert(&name("a.test"), session(1));
        cache.insert(&name("b.test"), session(2));
        cache.insert(&name("b.test"), session(3));
        cache.insert(&name("a.test"), session(4));
        // b.test is now the least recently stored: a third name pushes it out.
        cache.insert(&name("c.test"), session(5));
        assert!(cache.take(&name("b.test")).is_none());
        assert_eq!(cache.take(&name("a.test")).unwrap().ticket[0], 4);
        assert_eq!(cache.take(&name("c.test")).unwrap().ticket[0], 5);
    }

    #[test]
    fn the_cache_is_bounded_per_server_and_in_servers() {
        let cache = ClientSessionCache::new(2);
        for i in 0..10 {
            cache.insert(&name("a.test"), session(i));
        }
        assert_eq!(cache.len(), ClientSessionCache::SESSIONS_PER_SERVER);
        cache.insert(&name("b.test"), session(1));
        cache.insert(&name("c.test"), session(1));
        assert!(
            cache.take(&name("a.test")).is_none(),
            "least recent dropped"
        );
        assert!(cache.take(&name("b.test")).is_some());
        assert!(cache.take(&name("c.test")).is_some());
        assert!(cache.is_empty());
    }
}
