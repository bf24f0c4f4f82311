//! What the connections of one test share, so that a later one can resume an earlier
//! one's session and the `-expect-*` flags about sessions can be checked: the client's
//! session store (which records what it was given and asked for), the server's ticket
//! keys, session-id cache and strike register, the shim's clock (`-resumption-delay`) and
//! what its certificate verifier said (`-verify-fail`, `-expect-verify-result`).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use padlock_crypto::Provider;

use crate::early_data::Rejection;
use padlock_tls::ticket::{
    ClientSession, ClientSessionCache, RotatingTicketer, ServerSessionCache, SessionStore,
    StrikeRegister, Ticketer,
};
use padlock_tls::{
    ClientCertVerifier, Error, ServerCertVerifier, ServerName, TimeSource, UnixTime,
    DEFAULT_TICKET_LIFETIME,
};

/// The state shared by the connections of a test.
pub struct Shared {
    pub store: Arc<RecordingStore>,
    pub ticketer: Arc<RotatingTicketer>,
    pub session_ids: Arc<ServerSessionCache>,
    pub strikes: Arc<StrikeRegister>,
    /// Seconds the shim's clock is ahead of the system's (`-resumption-delay`).
    clock_offset: Arc<AtomicU64>,
    /// What the shim's certificate verifier last said.
    pub verdict: Arc<Verdict>,
    /// Why the server last rejected 0-RTT data, from its trace.
    pub rejection: Arc<Rejection>,
}

impl Shared {
    pub fn new(provider: &Arc<dyn Provider>) -> Self {
        Self {
            store: Arc::new(RecordingStore::new()),
            ticketer: Arc::new(RotatingTicketer::new(
                provider.clone(),
                RotatingTicketer::DEFAULT_PERIOD,
            )),
            session_ids: Arc::new(ServerSessionCache::new(
                provider.clone(),
                64,
                DEFAULT_TICKET_LIFETIME,
            )),
            strikes: Arc::new(StrikeRegister::new(
                provider.as_ref(),
                StrikeRegister::DEFAULT_CAPACITY,
                StrikeRegister::DEFAULT_WINDOW,
            )),
            clock_offset: Arc::new(AtomicU64::new(0)),
            verdict: Arc::new(Verdict::default()),
            rejection: Arc::new(Rejection::default()),
        }
    }

    /// Moves the shim's clock on by `seconds` (BoringSSL's shim does the same to its fake
    /// clock before a connection with `-resumption-delay`).
    pub fn advance_clock(&self, seconds: u64) {
        self.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// The shim's clock: the system's, plus the delays so far.
    pub fn clock(&self) -> TimeSource {
        let offset = self.clock_offset.clone();
        Arc::new(move || UnixTime(UnixTime::now().0 + offset.load(Ordering::Relaxed)))
    }
}

/// The application's own ticketer (`-use-ticket-callback`): the test's keys, sealing
/// nothing when `skip` (`-skip-ticket`).
pub struct CallbackTicketer {
    pub inner: Arc<RotatingTicketer>,
    pub skip: bool,
}

impl Ticketer for CallbackTicketer {
    fn seal(&self, state: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        if self.skip {
            return None;
        }
        self.inner.seal(state, now)
    }

    fn open(&self, ticket: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        self.inner.open(ticket, now)
    }

    fn lifetime(&self) -> std::time::Duration {
        self.inner.lifetime()
    }
}

/// The client's session store: a [`ClientSessionCache`] that also counts, per connection,
/// the sessions it was given (not one it offered and keeps again, as a resumed TLS 1.2
/// client does when the server renews nothing) and remembers whether it had one to offer.
pub struct RecordingStore {
    inner: ClientSessionCache,
    received: AtomicUsize,
    last_allows_early_data: AtomicBool,
    /// The session taken to offer, if one was: its `max_early_data_size` and ALPN protocol.
    offered: Mutex<Option<Offered>>,
    /// And the session itself, as bytes.
    offered_bytes: Mutex<Option<Vec<u8>>>,
}

impl RecordingStore {
    fn new() -> Self {
        Self {
            inner: ClientSessionCache::new(1),
            received: AtomicUsize::new(0),
            last_allows_early_data: AtomicBool::new(false),
            offered: Mutex::new(None),
            offered_bytes: Mutex::new(None),
        }
    }

    /// Forgets what the last connection was given and offered.
    pub fn start_connection(&self) {
        self.received.store(0, Ordering::Relaxed);
        self.last_allows_early_data.store(false, Ordering::Relaxed);
        *self.offered.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *self.offered_bytes.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// How many sessions (tickets, or a TLS 1.2 session id) this connection was given.
    pub fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }

    /// Whether the newest session this connection was given allows 0-RTT data.
    pub fn last_allows_early_data(&self) -> bool {
        self.last_allows_early_data.load(Ordering::Relaxed)
    }

    /// The session this connection offered, if it offered one.
    pub fn offered(&self) -> Option<Offered> {
        self.offered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl SessionStore for RecordingStore {
    fn insert(&self, server: &ServerName, session: ClientSession) {
        let offered = self.offered_bytes.lock().unwrap_or_else(|e| e.into_inner());
        if offered.as_deref() != Some(session.to_bytes().as_slice()) {
            self.received.fetch_add(1, Ordering::Relaxed);
        }
        drop(offered);
        self.last_allows_early_data
            .store(session.max_early_data_size() > 0, Ordering::Relaxed);
        self.inner.insert(server, session);
    }

    fn take(&self, server: &ServerName) -> Option<ClientSession> {
        let session = self.inner.take(server);
        *self.offered_bytes.lock().unwrap_or_else(|e| e.into_inner()) =
            session.as_ref().map(ClientSession::to_bytes);
        *self.offered.lock().unwrap_or_else(|e| e.into_inner()) =
            session.as_ref().map(|s| Offered {
                max_early_data_size: s.max_early_data_size(),
                alpn: s.alpn_protocol().map(<[u8]>::to_vec),
            });
        session
    }
}

/// What a client knew of the session it took to offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offered {
    pub max_early_data_size: u32,
    pub alpn: Option<Vec<u8>>,
}

/// What the shim's verifier said about the peer's certificate. A resumed connection
/// verifies nothing and reports its session's verdict, as BoringSSL's does.
#[derive(Debug, Default)]
pub struct Verdict(AtomicU8);

const NOT_VERIFIED: u8 = 0;
const ACCEPTED: u8 = 1;
const REFUSED: u8 = 2;

impl Verdict {
    /// `Some(true)` accepted, `Some(false)` refused, `None` never asked.
    pub fn get(&self) -> Option<bool> {
        match self.0.load(Ordering::Relaxed) {
            NOT_VERIFIED => None,
            v => Some(v == ACCEPTED),
        }
    }

    fn set(&self, accepted: bool) {
        let v = if accepted { ACCEPTED } else { REFUSED };
        self.0.store(v, Ordering::Relaxed);
    }
}

/// The shim's certificate verifier, for both sides. Like BoringSSL's shim with its verify
/// callback, it accepts any certificate — certificate checks are padlock-pki's, not the
/// engine's — unless `-verify-fail` tells it to refuse. `enforce` false (a client without
/// `-verify-peer`, BoringSSL's "soft fail" mode) records a refusal but lets the handshake
/// go on.
pub struct ShimVerifier {
    refuse: AtomicBool,
    enforce: bool,
    verdict: Arc<Verdict>,
    /// `-use-client-ca-list`: the names a server's CertificateRequest carries.
    hints: Vec<Vec<u8>>,
}

impl ShimVerifier {
    pub fn new(refuse: bool, enforce: bool, verdict: Arc<Verdict>) -> Self {
        Self {
            refuse: AtomicBool::new(refuse),
            enforce,
            verdict,
            hints: Vec::new(),
        }
    }

    /// The CA names a server sends in its CertificateRequest (RFC 8446 §4.2.4).
    pub fn with_hints(mut self, hints: Vec<Vec<u8>>) -> Self {
        self.hints = hints;
        self
    }

    /// Whether later verifications refuse: a resuming client whose 0-RTT data may be
    /// rejected verifies the full handshake's certificates, if any, with its `-on-retry`
    /// settings (its session was re-verified, if at all, before the ClientHello).
    pub fn refuse_from_now(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::Relaxed);
    }

    fn verify(&self) -> Result<(), Error> {
        let refuse = self.refuse.load(Ordering::Relaxed);
        self.verdict.set(!refuse);
        if refuse && self.enforce {
            return Err(Error::Certificate(padlock_pki::Error::Refused {
                reason: "the shim's verifier was told to refuse it (-verify-fail)".into(),
            }));
        }
        Ok(())
    }
}

impl ServerCertVerifier for ShimVerifier {
    fn verify_server_cert(
        &self,
        _: &[u8],
        _: &[&[u8]],
        _: &ServerName,
        _: UnixTime,
    ) -> Result<(), Error> {
        self.verify()
    }
}

impl ClientCertVerifier for ShimVerifier {
    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        self.hints.clone()
    }

    fn verify_client_cert(&self, _: &[u8], _: &[&[u8]], _: UnixTime) -> Result<(), Error> {
        self.verify()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(refuse: bool, enforce: bool, verdict: &Arc<Verdict>) -> ShimVerifier {
        ShimVerifier::new(refuse, enforce, verdict.clone())
    }

    #[test]
    fn a_refusing_verifier_fails_only_when_enforcing_and_records_its_verdict() {
        let verdict = Arc::new(Verdict::default());
        assert_eq!(verdict.get(), None);
        let soft = verifier(true, false, &verdict);
        assert!(soft.verify_client_cert(&[], &[], UnixTime(0)).is_ok());
        assert_eq!(verdict.get(), Some(false));
        let hard = verifier(true, true, &verdict);
        assert!(matches!(
            hard.verify_client_cert(&[], &[], UnixTime(0)),
            Err(Error::Certificate(padlock_pki::Error::Refused { .. }))
        ));
        let yes = verifier(false, true, &verdict);
        assert!(yes.verify_client_cert(&[], &[], UnixTime(0)).is_ok());
        assert_eq!(verdict.get(), Some(true));
    }

    #[test]
    fn the_callback_ticketer_seals_with_the_tests_keys_unless_told_to_skip() {
        let provider: Arc<dyn Provider> = Arc::new(padlock_crypto::AwsLcProvider);
        let shared = Shared::new(&provider);
        let now = UnixTime::now();
        let sealing = CallbackTicketer {
            inner: shared.ticketer.clone(),
            skip: false,
        };
        let ticket = sealing.seal(b"state", now).unwrap();
        // The test's own ticketer opens it: both hold the same keys.
        assert_eq!(
            shared.ticketer.open(&ticket, now).as_deref(),
            Some(&b"state"[..])
        );
        let skipping = CallbackTicketer {
            inner: shared.ticketer.clone(),
            skip: true,
        };
        assert!(skipping.seal(b"state", now).is_none());
        assert_eq!(skipping.open(&ticket, now).as_deref(), Some(&b"state"[..]));
    }
}
