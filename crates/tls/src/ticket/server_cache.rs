//! Stateful tickets: the session state stays in the server's memory, in a bounded cache,
//! and the ticket is a random name for it that works once. The same cache keeps TLS 1.2
//! sessions by session id (RFC 5246 §7.4.1.2), a 32-byte random name that works until the
//! session expires or is pushed out.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use padlock_crypto::Provider;
use padlock_pki::UnixTime;

use super::{Ticketer, MAX_TICKET_LIFETIME};

/// Length of a stateful ticket, and of a TLS 1.2 session id: a random name.
pub(crate) const NAME_LEN: usize = 32;

/// Keeps session states in memory (at most `capacity`, the oldest dropped first) and
/// issues random names for them as tickets. Opening a ticket removes its state, so each
/// ticket resumes at most once; nothing survives a restart, and servers do not share it.
///
/// As [`crate::ServerConfig::session_id_cache`] it keeps TLS 1.2 sessions under their
/// session ids instead; a session id is looked up without being removed (a client resumes
/// by the same id until the session expires), bounded the same way.
pub struct ServerSessionCache {
    provider: Arc<dyn Provider>,
    capacity: usize,
    lifetime: Duration,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_name: HashMap<[u8; NAME_LEN], (Vec<u8>, u64)>,
    /// Names in the order they were issued, to drop the oldest when full. A name whose
    /// entry was already taken is skipped when it comes up.
    order: VecDeque<[u8; NAME_LEN]>,
}

impl ServerSessionCache {
    /// The size of the default [`crate::ServerConfig::session_id_cache`]: 4,096 sessions
    /// (a few hundred bytes each, more with a client certificate chain).
    pub const DEFAULT_SESSION_IDS: usize = 4096;

    /// A cache of at most `capacity` sessions (at least 1), each kept for `lifetime` (at
    /// most [`MAX_TICKET_LIFETIME`]).
    pub fn new(provider: Arc<dyn Provider>, capacity: usize, lifetime: Duration) -> Self {
        Self {
            provider,
            capacity: capacity.max(1),
            lifetime: lifetime.min(MAX_TICKET_LIFETIME),
            entries: Mutex::new(Entries::default()),
        }
    }

    /// How many sessions it holds now.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.by_name.len())
    }

    /// Whether it holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ServerSessionCache {
    /// A fresh random name (a session id to announce before the session is complete).
    pub(crate) fn new_name(&self) -> Option<[u8; NAME_LEN]> {
        let mut name = [0u8; NAME_LEN];
        self.provider.fill_random(&mut name).ok()?;
        Some(name)
    }

    /// Keeps `state` under `name` for the cache's lifetime, dropping the oldest when full.
    pub(crate) fn insert(&self, name: [u8; NAME_LEN], state: &[u8], now: UnixTime) -> Option<()> {
        let mut entries = self.entries.lock().ok()?;
        // `order` holds every live name (and maybe taken ones), so this ends.
        while entries.by_name.len() >= self.capacity {
            let oldest = entries.order.pop_front()?;
            entries.by_name.remove(&oldest);
        }
        if entries.order.len() >= 2 * self.capacity {
            // Taken names pile up in `order`; drop them so it stays bounded.
            let Entries { by_name, order } = &mut *entries;
            order.retain(|n| by_name.contains_key(n));
        }
        let expiry = now.0.saturating_add(self.lifetime.as_secs());
        entries.by_name.insert(name, (state.to_vec(), expiry));
        entries.order.push_back(name);
        Some(())
    }

    /// The state kept under `name` (a session id), left in place; `None` if unknown or
    /// expired.
    pub(crate) fn get(&self, name: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        let name: [u8; NAME_LEN] = name.try_into().ok()?;
        let entries = self.entries.lock().ok()?;
        let (state, expiry) = entries.by_name.get(&name)?;
        (now.0 < *expiry).then(|| state.clone())
    }
}

impl Ticketer for ServerSessionCache {
    fn seal(&self, state: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        let name = self.new_name()?;
        self.insert(name, state, now)?;
        Some(name.to_vec())
    }

    /// The name is the random bytes the engine drew for the ticket.
    fn seal_random_len(&self) -> usize {
        NAME_LEN
    }

    fn seal_into(
        &self,
        state: &[u8],
        random: &[u8],
        now: UnixTime,
        ticket: &mut Vec<u8>,
    ) -> Option<()> {
        let name: [u8; NAME_LEN] = random.try_into().ok()?;
        self.insert(name, state, now)?;
        ticket.extend_from_slice(&name);
        Some(())
    }

    fn open(&self, ticket: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        let name: [u8; NAME_LEN] = ticket.try_into().ok()?;
        let mut entries = self.entries.lock().ok()?;
        let (state, expiry) = entries.by_name.remove(&name)?;
        (now.0 < expiry).then_some(state)
    }

    fn lifetime(&self) -> Duration {
        self.lifetime
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;

    const NOW: UnixTime = UnixTime(1_800_000_000);

    fn cache(capacity: usize) -> ServerSessionCache {
        ServerSessionCache::new(Arc::new(AwsLcProvider), capacity, Duration::from_secs(60))
    }

    #[test]
    fn a_cached_ticket_opens_once() {
        let c = cache(4);
        let ticket = c.seal(b"state", NOW).unwrap();
        assert_eq!(c.open(&ticket, NOW).unwrap(), b"state");
        assert_eq!(c.open(&ticket, NOW), None);
    }

    #[test]
    fn a_ticket_sealed_into_a_buffer_is_named_by_the_random_bytes_given() {
        let c = cache(4);
        assert_eq!(c.seal_random_len(), NAME_LEN);
        let mut queue = b"before".to_vec();
        c.seal_into(b"state", &[9; NAME_LEN], NOW, &mut queue)
            .unwrap();
        assert_eq!(queue[..6], *b"before");
        assert_eq!(queue[6..], [9; NAME_LEN]);
        assert_eq!(c.open(&[9; NAME_LEN], NOW).unwrap(), b"state");
        assert_eq!(c.seal_into(b"state", &[9; 8], NOW, &mut queue), None);
    }

    #[test]
    fn the_cache_is_bounded_and_drops_the_oldest() {
        let c = cache(2);
        let tickets: Vec<_> = (0..5u8).map(|i| c.seal(&[i], NOW).unwrap()).collect();
        assert_eq!(c.len(), 2);
        assert_eq!(c.open(&tickets[0], NOW), None);
        assert_eq!(c.open(&tickets[4], NOW).unwrap(), [4]);
    }

    #[test]
    fn an_expired_cached_ticket_does_not_open() {
        let c = cache(2);
        let ticket = c.seal(b"s", NOW).unwrap();
        assert_eq!(c.open(&ticket, UnixTime(NOW.0 + 60)), None);
    }

    #[test]
    fn a_session_id_is_looked_up_without_being_taken_until_it_expires() {
        let c = cache(2);
        let name = c.new_name().unwrap();
        c.insert(name, b"session", NOW).unwrap();
        assert_eq!(c.get(&name, NOW).unwrap(), b"session");
        assert_eq!(c.get(&name, NOW).unwrap(), b"session");
        assert_eq!(c.get(&name, UnixTime(NOW.0 + 60)), None);
        assert_eq!(c.get(&name[..31], NOW), None);
    }

    #[test]
    fn taken_names_do_not_grow_the_order_queue_without_bound() {
        let c = cache(2);
        for _ in 0..100 {
            let t = c.seal(b"s", NOW).unwrap();
            c.open(&t, NOW).unwrap();
        }
        assert!(c.entries.lock().unwrap().order.len() <= 4);
    }
}
