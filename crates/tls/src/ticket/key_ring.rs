//! Stateless tickets: the session state under AES-256-GCM with a key id, from keys the
//! operator supplies ([`TicketKeyRing`]) or made and rotated in memory
//! ([`RotatingTicketer`]).
//!
//! A ticket is `key_id (16) ‖ nonce (12) ‖ AES-256-GCM(state) ‖ tag (16)`, with the key id
//! as associated data. Nonces are random: with a key rotated every few hours, the 2^32
//! seals per key NIST SP 800-38D allows for random nonces are out of reach.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use padlock_crypto::{AeadAlgorithm, AeadKey, Provider, NONCE_LEN, TAG_LEN};
use padlock_pki::UnixTime;

use super::{TicketKey, Ticketer, KEY_ID_LEN, MAX_TICKET_LIFETIME};
use crate::error::Error;

/// The most keys a ring accepts tickets under.
pub const MAX_RING_KEYS: usize = 16;

/// Bytes a sealed ticket adds to the state: key id, nonce and tag.
const SEAL_OVERHEAD: usize = KEY_ID_LEN + NONCE_LEN + TAG_LEN;

/// Tickets under keys the operator supplies: the first key seals, every key opens (issue
/// with the newest, accept the last N). Replace the keys at run time with
/// [`Self::set_keys`], e.g. when a shared key file changes.
pub struct TicketKeyRing {
    provider: Arc<dyn Provider>,
    keys: RwLock<Arc<[LoadedKey]>>,
    lifetime: Duration,
}

impl TicketKeyRing {
    /// A ring over `keys`, newest (the sealing key) first. Fails on an empty list or one
    /// longer than [`MAX_RING_KEYS`]. Tickets are announced as living
    /// [`MAX_TICKET_LIFETIME`] (or less, by `ServerConfig::ticket_lifetime`): a ticket
    /// stops resuming when its key leaves the ring.
    pub fn new(provider: Arc<dyn Provider>, keys: Vec<TicketKey>) -> Result<Self, Error> {
        let loaded = load(provider.as_ref(), &keys)?;
        Ok(Self {
            provider,
            keys: RwLock::new(loaded),
            lifetime: MAX_TICKET_LIFETIME,
        })
    }

    /// Replaces the keys (newest first), e.g. after the key file was rotated. Tickets
    /// under a key no longer in the list are refused from now on. On error the ring keeps
    /// its old keys.
    pub fn set_keys(&self, keys: Vec<TicketKey>) -> Result<(), Error> {
        let loaded = load(self.provider.as_ref(), &keys)?;
        match self.keys.write() {
            Ok(mut slot) => *slot = loaded,
            Err(poisoned) => *poisoned.into_inner() = loaded,
        }
        Ok(())
    }

    /// The ids of the keys in use, newest first.
    pub fn key_ids(&self) -> Vec<[u8; KEY_ID_LEN]> {
        self.current().iter().map(|k| k.id).collect()
    }

    fn current(&self) -> Arc<[LoadedKey]> {
        match self.keys.read() {
            Ok(keys) => keys.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Ticketer for TicketKeyRing {
    fn seal(&self, state: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        seal_drawing(self, self.provider.as_ref(), state, now)
    }

    fn seal_random_len(&self) -> usize {
        NONCE_LEN
    }

    fn seal_into(
        &self,
        state: &[u8],
        random: &[u8],
        _now: UnixTime,
        ticket: &mut Vec<u8>,
    ) -> Option<()> {
        let keys = self.current();
        keys.first()?.seal(random.try_into().ok()?, state, ticket)
    }

    fn open(&self, ticket: &[u8], _now: UnixTime) -> Option<Vec<u8>> {
        let keys = self.current();
        open_with(&keys, ticket)
    }

    fn lifetime(&self) -> Duration {
        self.lifetime
    }
}

/// The default ticketer: a random AES-256-GCM key made in memory, replaced every
/// `period`; tickets sealed under the previous key are still opened for one more period,
/// so a ticket lives at least `period`. Nothing outlives the process, and servers do not
/// share keys: use a [`TicketKeyRing`] for a fleet.
pub struct RotatingTicketer {
    provider: Arc<dyn Provider>,
    period: Duration,
    keys: Mutex<Rotation>,
}

/// The current key and its predecessor, with when the current one was made.
#[derive(Default)]
struct Rotation {
    current: Option<(LoadedKey, u64)>,
    previous: Option<LoadedKey>,
}

impl RotatingTicketer {
    /// The default rotation period: 12 hours.
    pub const DEFAULT_PERIOD: Duration = Duration::from_secs(12 * 3600);

    /// A ticketer rotating every `period` (at least a second, at most
    /// [`MAX_TICKET_LIFETIME`]). Its first key is made when the first ticket is sealed.
    pub fn new(provider: Arc<dyn Provider>, period: Duration) -> Self {
        let period = period.clamp(Duration::from_secs(1), MAX_TICKET_LIFETIME);
        Self {
            provider,
            period,
            keys: Mutex::new(Rotation::default()),
        }
    }

    /// Rotates if the current key is older than the period (or there is none yet).
    fn rotate_if_due(&self, rotation: &mut Rotation, now: UnixTime) {
        let due = match &rotation.current {
            Some((_, made)) => now.0.saturating_sub(*made) >= self.period.as_secs(),
            None => true,
        };
        if !due {
            return;
        }
        let Ok(key) = TicketKey::generate(self.provider.as_ref()) else {
            return;
        };
        let Ok(loaded) = LoadedKey::new(self.provider.as_ref(), &key) else {
            return;
        };
        let old = rotation.current.replace((loaded, now.0));
        // A current key older than two periods is no longer worth keeping as previous.
        rotation.previous = old
            .filter(|(_, made)| now.0.saturating_sub(*made) < 2 * self.period.as_secs())
            .map(|(key, _)| key);
    }
}

impl Ticketer for RotatingTicketer {
    fn seal(&self, state: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        seal_drawing(self, self.provider.as_ref(), state, now)
    }

    fn seal_random_len(&self) -> usize {
        NONCE_LEN
    }

    fn seal_into(
        &self,
        state: &[u8],
        random: &[u8],
        now: UnixTime,
        ticket: &mut Vec<u8>,
    ) -> Option<()> {
        let mut rotation = self.keys.lock().ok()?;
        self.rotate_if_due(&mut rotation, now);
        let (key, _) = rotation.current.as_ref()?;
        key.seal(random.try_into().ok()?, state, ticket)
    }

    fn open(&self, ticket: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        let mut rotation = self.keys.lock().ok()?;
        // Rotating here too retires the previous key on time even when no ticket is sealed.
        if rotation.current.is_some() {
            self.rotate_if_due(&mut rotation, now);
        }
        let current = rotation.current.as_ref().map(|(k, _)| k);
        let keys = current.into_iter().chain(rotation.previous.as_ref());
        let id = ticket.get(..KEY_ID_LEN)?;
        keys.filter(|k| k.id[..] == *id)
            .find_map(|k| k.open(ticket))
    }

    fn lifetime(&self) -> Duration {
        self.period
    }
}

/// A ticket key with its AEAD key set up.
struct LoadedKey {
    id: [u8; KEY_ID_LEN],
    aead: Box<dyn AeadKey>,
}

impl LoadedKey {
    fn new(provider: &dyn Provider, key: &TicketKey) -> Result<Self, Error> {
        let aead = provider
            .aead_key(AeadAlgorithm::Aes256Gcm, key.secret())
            .map_err(|_| Error::Config("the provider refused a ticket key"))?;
        Ok(Self { id: key.id, aead })
    }

    /// Appends to `ticket` the ticket for `state` under this key and `nonce` (random: a
    /// fleet shares keys, so no counter could keep its servers' nonces apart).
    fn seal(&self, nonce: &[u8; NONCE_LEN], state: &[u8], ticket: &mut Vec<u8>) -> Option<()> {
        if state.len() > usize::from(u16::MAX) - SEAL_OVERHEAD {
            return None;
        }
        let start = ticket.len();
        ticket.reserve(state.len() + SEAL_OVERHEAD);
        ticket.extend_from_slice(&self.id);
        ticket.extend_from_slice(nonce);
        ticket.extend_from_slice(state);
        let (aad, body) = ticket[start..].split_at_mut(KEY_ID_LEN + NONCE_LEN);
        let tag = self
            .aead
            .seal_in_place(nonce, &aad[..KEY_ID_LEN], body)
            .ok()?;
        ticket.extend_from_slice(&tag);
        Some(())
    }

    /// The state in `ticket`, if it was sealed under this key and is intact.
    fn open(&self, ticket: &[u8]) -> Option<Vec<u8>> {
        if ticket.len() < SEAL_OVERHEAD || ticket[..KEY_ID_LEN] != self.id {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = ticket[KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN].try_into().ok()?;
        let mut body = ticket[KEY_ID_LEN + NONCE_LEN..].to_vec();
        let len = self.aead.open_in_place(&nonce, &self.id, &mut body).ok()?;
        body.truncate(len);
        Some(body)
    }
}

fn load(provider: &dyn Provider, keys: &[TicketKey]) -> Result<Arc<[LoadedKey]>, Error> {
    if keys.is_empty() {
        return Err(Error::Config("a ticket key ring needs at least one key"));
    }
    if keys.len() > MAX_RING_KEYS {
        return Err(Error::Config("a ticket key ring holds at most 16 keys"));
    }
    keys.iter().map(|k| LoadedKey::new(provider, k)).collect()
}

/// [`Ticketer::seal`] for a ticketer whose [`Ticketer::seal_into`] takes a nonce: one
/// ticket, its nonce drawn here.
fn seal_drawing(
    ticketer: &dyn Ticketer,
    provider: &dyn Provider,
    state: &[u8],
    now: UnixTime,
) -> Option<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    provider.fill_random(&mut nonce).ok()?;
    let mut ticket = Vec::with_capacity(state.len() + SEAL_OVERHEAD);
    ticketer.seal_into(state, &nonce, now, &mut ticket)?;
    Some(ticket)
}

/// Opens `ticket` with the key its id names.
fn open_with(keys: &[LoadedKey], ticket: &[u8]) -> Option<Vec<u8>> {
    let id = ticket.get(..KEY_ID_LEN)?;
    keys.iter()
        .filter(|k| k.id[..] == *id)
        .find_map(|k| k.open(ticket))
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;

    fn provider() -> Arc<dyn Provider> {
        Arc::new(AwsLcProvider)
    }

    fn key(tag: u8) -> TicketKey {
        TicketKey::new([tag; 16], [tag.wrapping_add(1); 32])
    }

    const NOW: UnixTime = UnixTime(1_800_000_000);

    #[test]
    fn a_ring_opens_what_it_sealed() {
        let ring = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
        let ticket = ring.seal(b"state", NOW).unwrap();
        assert_eq!(ticket.len(), 5 + SEAL_OVERHEAD);
        assert_eq!(ticket[..16], [1; 16]);
        assert_eq!(ring.open(&ticket, NOW).unwrap(), b"state");
    }

    #[test]
    fn a_modified_ticket_does_not_open() {
        let ring = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
        let ticket = ring.seal(b"state", NOW).unwrap();
        for at in [0, 16, 28, ticket.len() - 1] {
            let mut bad = ticket.clone();
            bad[at] ^= 1;
            assert_eq!(ring.open(&bad, NOW), None, "flipped byte {at}");
        }
        assert_eq!(ring.open(&ticket[..ticket.len() - 1], NOW), None);
        assert_eq!(ring.open(&[], NOW), None);
    }

    #[test]
    fn a_ring_issues_with_the_first_key_and_accepts_every_key() {
        let old = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
        let old_ticket = old.seal(b"old", NOW).unwrap();
        let ring = TicketKeyRing::new(provider(), vec![key(2), key(1)]).unwrap();
        let new_ticket = ring.seal(b"new", NOW).unwrap();
        assert_eq!(new_ticket[..16], [2; 16]);
        assert_eq!(ring.open(&old_ticket, NOW).unwrap(), b"old");
        assert_eq!(old.open(&new_ticket, NOW), None);
    }

    #[test]
    fn a_retired_key_no_longer_opens_its_tickets() {
        let ring = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
        let ticket = ring.seal(b"state", NOW).unwrap();
        ring.set_keys(vec![key(2), key(1)]).unwrap();
        assert!(ring.open(&ticket, NOW).is_some());
        ring.set_keys(vec![key(3), key(2)]).unwrap();
        assert_eq!(ring.open(&ticket, NOW), None);
        assert_eq!(ring.key_ids(), vec![[3; 16], [2; 16]]);
    }

    #[test]
    fn a_ring_refuses_no_keys_and_too_many_and_keeps_its_old_ones() {
        assert!(TicketKeyRing::new(provider(), vec![]).is_err());
        let ring = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
        assert!(ring.set_keys((0..17).map(key).collect()).is_err());
        assert!(ring.set_keys(vec![]).is_err());
        assert_eq!(ring.key_ids(), vec![[1; 16]]);
    }

    #[test]
    fn sealing_into_a_buffer_appends_a_ticket_under_the_nonce_given() {
        let ring = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
        let rotating = RotatingTicketer::new(provider(), Duration::from_secs(100));
        for ticketer in [&ring as &dyn Ticketer, &rotating] {
            assert_eq!(ticketer.seal_random_len(), NONCE_LEN);
            let mut queue = b"before".to_vec();
            ticketer
                .seal_into(b"state", &[7; NONCE_LEN], NOW, &mut queue)
                .unwrap();
            assert_eq!(&queue[..6], b"before");
            let ticket = &queue[6..];
            assert_eq!(ticket.len(), 5 + SEAL_OVERHEAD);
            assert_eq!(ticket[KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN], [7; NONCE_LEN]);
            assert_eq!(ticketer.open(ticket, NOW).unwrap(), b"state");
            // A nonce of another length is a bug of the caller's: no ticket.
            assert_eq!(ticketer.seal_into(b"state", &[7; 8], NOW, &mut queue), None);
        }
    }

    #[test]
    fn tickets_sealed_alone_draw_different_nonces() {
        let ring = TicketKeyRing::new(provider(), vec![key(1)]).unwrap();
        let a = ring.seal(b"state", NOW).unwrap();
        let b = ring.seal(b"state", NOW).unwrap();
        assert_ne!(
            a[KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN],
            b[KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN]
        );
        assert_eq!(ring.open(&b, NOW).unwrap(), b"state");
    }

    #[test]
    fn the_rotating_ticketer_accepts_the_previous_key_for_one_more_period() {
        let t = RotatingTicketer::new(provider(), Duration::from_secs(100));
        let first = t.seal(b"1", NOW).unwrap();
        assert_eq!(t.open(&first, UnixTime(NOW.0 + 99)).unwrap(), b"1");
        // Rotation: the first key is now the previous one.
        let second = t.seal(b"2", UnixTime(NOW.0 + 100)).unwrap();
        assert_ne!(first[..16], second[..16]);
        assert_eq!(t.open(&first, UnixTime(NOW.0 + 150)).unwrap(), b"1");
        // The next rotation retires it.
        assert_eq!(t.open(&first, UnixTime(NOW.0 + 200)), None);
        assert_eq!(t.open(&second, UnixTime(NOW.0 + 250)).unwrap(), b"2");
        assert_eq!(t.lifetime(), Duration::from_secs(100));
    }
}
