//! The strike register (RFC 8446 §8.2): the binders of the ClientHellos whose early data
//! this server accepted, kept as long as such a ClientHello could pass the freshness
//! check (§8.3), so a replay of one is refused 0-RTT.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use padlock_crypto::Provider;
use padlock_pki::UnixTime;

/// How many bytes of a binder the register keeps: binders are HMAC outputs, so 16 bytes
/// name one with a negligible chance of collision (2^-64 among 2^32 entries).
const KEY_LEN: usize = 16;

/// Remembers the ClientHellos (by PSK binder) whose 0-RTT data was accepted, for twice the
/// ticket-age window: a ClientHello whose reported ticket age is more than `window` off is
/// refused 0-RTT anyway, so a replay arriving later cannot pass (RFC 8446 §8.2, §8.3).
///
/// Bounded: with `capacity` live entries it refuses to vouch for new ones (their early
/// data is rejected; the handshake still completes) rather than forget. Each register
/// has a random id that tickets record, and it accepts early data only on its own tickets:
/// a restarted server (a new register) or another server of a fleet never accepts early
/// data that this one may already have accepted. See the [module docs](super).
pub struct StrikeRegister {
    id: [u8; KEY_LEN],
    capacity: usize,
    window: Duration,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    keys: HashSet<[u8; KEY_LEN]>,
    /// Keys with when they may be forgotten (seconds), oldest first.
    expiry: VecDeque<([u8; KEY_LEN], u64)>,
}

impl StrikeRegister {
    /// The default capacity: 65536 ClientHellos in the window.
    pub const DEFAULT_CAPACITY: usize = 65_536;
    /// The default ticket-age window: a ClientHello whose ticket age is more than 10 s off
    /// from what the server expects gets no 0-RTT.
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(10);

    /// A register of at most `capacity` entries, with the given freshness window (at least
    /// a second). The register's id comes from the provider's random generator; if that
    /// fails, the register accepts nothing.
    pub fn new(provider: &dyn Provider, capacity: usize, window: Duration) -> Self {
        let mut id = [0u8; KEY_LEN];
        let capacity = match provider.fill_random(&mut id) {
            Ok(()) => capacity,
            Err(_) => 0,
        };
        Self {
            id,
            capacity,
            window: window.max(Duration::from_secs(1)),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// How far a ClientHello's ticket age may be off for 0-RTT (RFC 8446 §8.3).
    pub fn window(&self) -> Duration {
        self.window
    }

    /// How many ClientHellos it remembers now (expired ones may still count until the
    /// next lookup).
    pub fn len(&self) -> usize {
        self.seen.lock().map_or(0, |s| s.keys.len())
    }

    /// Whether it remembers none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most ClientHellos it remembers at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The register's id, which tickets carry (see the type's docs).
    pub(crate) fn id(&self) -> [u8; KEY_LEN] {
        self.id
    }

    /// Records `binder`'s ClientHello and says whether it is new: `false` for a replay,
    /// or when the register is full (it will not vouch for what it cannot remember).
    pub(crate) fn first_sight(&self, binder: &[u8], now: UnixTime) -> bool {
        let Some(key) = binder
            .get(..KEY_LEN)
            .and_then(|k| <[u8; KEY_LEN]>::try_from(k).ok())
        else {
            return false;
        };
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        while let Some(&(old, expiry)) = seen.expiry.front() {
            if expiry > now.0 {
                break;
            }
            seen.expiry.pop_front();
            seen.keys.remove(&old);
        }
        if seen.keys.len() >= self.capacity || !seen.keys.insert(key) {
            return false;
        }
        let expiry = now.0.saturating_add(2 * self.window.as_secs());
        seen.expiry.push_back((key, expiry));
        true
    }
}

impl std::fmt::Debug for StrikeRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StrikeRegister")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("window", &self.window)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;

    const NOW: UnixTime = UnixTime(1_800_000_000);

    fn register(capacity: usize) -> StrikeRegister {
        StrikeRegister::new(&AwsLcProvider, capacity, Duration::from_secs(10))
    }

    #[test]
    fn a_binder_is_new_once() {
        let r = register(8);
        assert!(r.first_sight(&[1; 32], NOW));
        assert!(!r.first_sight(&[1; 32], NOW));
        assert!(r.first_sight(&[2; 32], NOW));
    }

    #[test]
    fn a_binder_is_remembered_for_twice_the_window() {
        let r = register(8);
        assert!(r.first_sight(&[1; 32], NOW));
        assert!(!r.first_sight(&[1; 32], UnixTime(NOW.0 + 19)));
        assert!(r.first_sight(&[1; 32], UnixTime(NOW.0 + 20)));
    }

    #[test]
    fn a_full_register_refuses_rather_than_forgets() {
        let r = register(2);
        assert!(r.first_sight(&[1; 32], NOW));
        assert!(r.first_sight(&[2; 32], NOW));
        assert!(!r.first_sight(&[3; 32], NOW));
        assert!(!r.first_sight(&[1; 32], NOW));
        assert_eq!(r.len(), 2);
        // Once the window has passed, the entries expire and make room.
        assert!(r.first_sight(&[3; 32], UnixTime(NOW.0 + 20)));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn a_short_binder_is_never_vouched_for() {
        assert!(!register(2).first_sight(&[1; 8], NOW));
    }

    #[test]
    fn two_registers_have_different_ids() {
        assert_ne!(register(1).id(), register(1).id());
    }
}
