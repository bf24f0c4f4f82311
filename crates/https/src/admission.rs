//! Who may hold a connection while the server is full, so that no kind of idle or
//! half-open connection can lock a normal client out.
//!
//! Every accepted connection takes a [`Place`] in one table. Three budgets bound it:
//!
//! - **connections** ([`Limits::connections`], derived from the open-file limit by
//!   [`connection_limit`]): when a new connection arrives and all places are taken, the
//!   connection that has been idle longest between requests is asked to close (an HTTP/1.1
//!   keep-alive connection with nothing in flight, or an HTTP/2 one without streams); only
//!   if there is none, the stalest handshake in progress. Only when every place carries a
//!   request in progress does the accept loop wait.
//! - **handshakes in progress** ([`Limits::handshakes`], smaller): connections that have
//!   not yet authenticated the server to anyone cost a place without doing work for a
//!   client. When the budget is spent, the handshake that moved bytes longest ago is
//!   dropped, if that was over [`STALLED_AFTER`] ago. A client in a handshake sends and
//!   receives every few milliseconds; a silent connection or a half-sent ClientHello stops
//!   moving and goes. A burst of working handshakes may exceed this budget (never the
//!   connection limit) rather than be cut off.
//! - **handshakes in progress per client address** ([`Limits::handshakes_per_address`]; an
//!   IPv6 address counts by its /64), the same way: a flood from one address displaces
//!   only its own stalled handshakes, not other clients'.
//!
//! Newest-wins, not first-come: a new connection is the one most likely to be a real
//! client, and displacing a stalled pending one bounds what a flood can hold without ever
//! refusing a newcomer.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::idle::Activity;

/// A handshake that moved bytes this recently is not displaced by the handshake budgets
/// (only by the connection limit, when no idle connection can go): a client in the middle
/// of a handshake is working, while a silent or half-sent one stops moving.
pub const STALLED_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// The budgets of the connection table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections held at once, in any state.
    pub connections: usize,
    /// TLS handshakes in progress at once.
    pub handshakes: usize,
    /// TLS handshakes in progress at once from one client address (IPv6: one /64).
    pub handshakes_per_address: usize,
}

impl Limits {
    /// Budgets for a server that may hold `connections` at once: an eighth of them (at
    /// least 16, at most 4,096) for handshakes in progress, and a quarter of that (at least
    /// 4) for one address.
    pub fn for_connections(connections: usize) -> Self {
        let connections = connections.max(1);
        let handshakes = (connections / 8).clamp(16, 4096).min(connections);
        Limits {
            connections,
            handshakes,
            handshakes_per_address: (handshakes / 4).max(4).min(handshakes),
        }
    }
}

/// How many connections a server may hold with the process's open-file limit: the soft
/// `RLIMIT_NOFILE` less a reserve (a sixteenth, at least 64) for listening sockets, the
/// files being served, the proxy's upstream connections and the log. 1,024 where the
/// limit cannot be read.
pub fn connection_limit() -> usize {
    match open_file_limit() {
        Some(files) => {
            let files = usize::try_from(files).unwrap_or(usize::MAX);
            let reserve = (files / 16).max(64);
            files.saturating_sub(reserve).max(16)
        }
        None => 1024,
    }
}

/// Raises this process's soft open-file limit (`RLIMIT_NOFILE`) to its hard limit, which an
/// unprivileged process may do; returns the soft limit now in force.
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    #[cfg(unix)]
    {
        rlimit::increase_nofile_limit(u64::MAX)
    }
    #[cfg(not(unix))]
    {
        Err(std::io::Error::other("no open-file limit to raise here"))
    }
}

fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rlimit::getrlimit(rlimit::Resource::NOFILE)
            .ok()
            .map(|(soft, _)| soft)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection table (see the module documentation).
#[derive(Debug)]
pub(crate) struct Admission {
    limits: Limits,
    table: Mutex<Table>,
    /// Signalled whenever a place is given back.
    freed: Notify,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    entries: HashMap<u64, Entry>,
    /// The handshakes in progress, oldest (lowest id) first, with their address key.
    handshaking: BTreeMap<u64, IpAddr>,
    per_address: HashMap<IpAddr, usize>,
}

#[derive(Debug)]
struct Entry {
    /// Also carries the [`Signal`] raised when this connection is asked to give its place
    /// up (one allocation per connection, not two: every idle connection holds it).
    activity: Arc<Activity>,
}

/// How the table asks a connection to go, and why (kept in the connection's
/// [`Activity`]).
#[derive(Debug, Default)]
pub(crate) struct Signal {
    notify: Notify,
    /// 0 while not asked; else an [`Eviction`] as `1 + discriminant`.
    why: AtomicU8,
}

/// Why a connection gave its place up early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Eviction {
    /// Its handshake was the oldest in progress when the handshake budget (global or its
    /// address's) was spent.
    Handshake = 0,
    /// It was the longest idle when every place was taken.
    Idle = 1,
}

impl Admission {
    pub(crate) fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Admission {
            limits,
            table: Mutex::new(Table::default()),
            freed: Notify::new(),
        })
    }

    /// Waits until a new connection can have a place: at once unless every place is held
    /// by a connection with a request in progress (nothing to displace).
    pub(crate) async fn room(&self) {
        loop {
            let freed = self.freed.notified();
            if self.has_room() {
                return;
            }
            // Requests finishing do not signal; look again now and then.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(20), freed).await;
        }
    }

    /// Resolves once no connection holds a place.
    pub(crate) async fn emptied(&self) {
        loop {
            let freed = self.freed.notified();
            if self.lock().entries.is_empty() {
                return;
            }
            // A displaced connection leaves the table before its task ends; poll too.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(50), freed).await;
        }
    }

    fn has_room(&self) -> bool {
        let table = self.lock();
        table.entries.len() < self.limits.connections
            || !table.handshaking.is_empty()
            || table
                .entries
                .values()
                .any(|e| e.activity.requests_in_progress() == 0)
    }

    /// Gives a newly accepted connection from `peer` a place in the handshaking state,
    /// displacing others as the budgets require.
    pub(crate) fn admit(self: &Arc<Self>, peer: IpAddr, activity: Arc<Activity>) -> Place {
        let key = address_key(peer);
        let mut table = self.lock();
        let stalled_before = Instant::now().checked_sub(STALLED_AFTER);
        if table.handshaking.len() >= self.limits.handshakes {
            table.evict_stalest_handshake(None, stalled_before);
        }
        if table.per_address.get(&key).copied().unwrap_or(0) >= self.limits.handshakes_per_address {
            table.evict_stalest_handshake(Some(key), stalled_before);
        }
        if table.entries.len() >= self.limits.connections && !table.evict_longest_idle() {
            table.evict_stalest_handshake(None, None);
        }
        let id = table.next_id;
        table.next_id += 1;
        table.entries.insert(
            id,
            Entry {
                activity: activity.clone(),
            },
        );
        table.handshaking.insert(id, key);
        *table.per_address.entry(key).or_insert(0) += 1;
        Place {
            admission: self.clone(),
            id,
            activity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A panic while holding the lock leaves counts that are at worst slightly off.
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many places are held (for tests).
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let t = self.lock();
        (t.entries.len(), t.handshaking.len())
    }
}

impl Table {
    /// Asks the handshake in progress that moved bytes longest ago (from `key`'s address
    /// only, if given; and only if that was before `stalled_before`, if given) to go.
    fn evict_stalest_handshake(
        &mut self,
        key: Option<IpAddr>,
        stalled_before: Option<Instant>,
    ) -> bool {
        let victim = self
            .handshaking
            .iter()
            .filter(|(_, k)| key.is_none_or(|key| **k == key))
            .filter_map(|(id, _)| Some((*id, self.entries.get(id)?.activity.last())))
            .min_by_key(|(_, last)| *last)
            .filter(|(_, last)| stalled_before.is_none_or(|before| *last <= before))
            .map(|(id, _)| id);
        match victim {
            Some(id) => {
                self.evict(id, Eviction::Handshake);
                true
            }
            None => false,
        }
    }

    /// Asks the established connection idle longest, with no request in progress, to go.
    fn evict_longest_idle(&mut self) -> bool {
        let victim = self
            .entries
            .iter()
            .filter(|(id, e)| {
                !self.handshaking.contains_key(id) && e.activity.requests_in_progress() == 0
            })
            .min_by_key(|(_, e)| e.activity.last())
            .map(|(id, _)| *id);
        match victim {
            Some(id) => {
                self.evict(id, Eviction::Idle);
                true
            }
            None => false,
        }
    }

    /// Takes `id` out of the table at once (so the budgets count it no longer) and tells
    /// its task.
    fn evict(&mut self, id: u64, why: Eviction) {
        self.end_handshake(id);
        if let Some(entry) = self.entries.remove(&id) {
            let evict = &entry.activity.evict;
            evict.why.store(why as u8 + 1, Ordering::Relaxed);
            evict.notify.notify_one();
        }
    }

    fn end_handshake(&mut self, id: u64) {
        if let Some(key) = self.handshaking.remove(&id) {
            if let Some(n) = self.per_address.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.per_address.remove(&key);
                }
            }
        }
    }
}

/// The address a per-address budget counts: an IPv4 address, or an IPv6 address's /64
/// (one subscriber's prefix; an IPv4-mapped address counts as its IPv4 address).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(prefix.into())
            }
        },
    }
}

/// A connection's place in the table; dropping it gives the place back.
#[derive(Debug)]
pub(crate) struct Place {
    admission: Arc<Admission>,
    id: u64,
    /// The connection's activity record, which holds its eviction [`Signal`].
    activity: Arc<Activity>,
}

impl Place {
    /// The handshake finished: the connection now counts as established (and is no longer
    /// in the handshake budgets).
    pub(crate) fn established(&self) {
        self.admission.lock().end_handshake(self.id);
    }

    /// Resolves when the table asks this connection to give its place up, with why.
    pub(crate) async fn evicted(&self) -> Eviction {
        let evict = &self.activity.evict;
        evict.notify.notified().await;
        match evict.why.load(Ordering::Relaxed) {
            1 => Eviction::Handshake,
            _ => Eviction::Idle,
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        {
            let mut table = self.admission.lock();
            table.end_handshake(self.id);
            table.entries.remove(&self.id);
        }
        self.admission.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    fn limits(connections: usize, handshakes: usize, per_address: usize) -> Limits {
        Limits {
            connections,
            handshakes,
            handshakes_per_address: per_address,
        }
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    async fn stall() {
        tokio::time::advance(STALLED_AFTER + std::time::Duration::from_millis(1)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_handshake_budget_displaces_the_stalest_stalled_handshake() {
        let a = Admission::new(limits(100, 2, 2));
        let first = a.admit(ip(1), Activity::new());
        stall().await;
        let _second = a.admit(ip(2), Activity::new());
        let _third = a.admit(ip(3), Activity::new());
        assert_eq!(a.held(), (2, 2));
        tokio::time::timeout(std::time::Duration::from_secs(1), first.evicted())
            .await
            .expect("the stalled handshake was asked to go");
    }

    #[tokio::test(start_paused = true)]
    async fn handshakes_that_are_moving_bytes_may_exceed_the_handshake_budget() {
        let a = Admission::new(limits(100, 2, 2));
        let first = a.admit(ip(1), Activity::new());
        let _second = a.admit(ip(2), Activity::new());
        let _third = a.admit(ip(3), Activity::new());
        assert_eq!(a.held(), (3, 3));
        let evicted = tokio::time::timeout(std::time::Duration::from_millis(50), first.evicted());
        assert!(evicted.await.is_err(), "a working handshake was cut off");
    }

    #[tokio::test(start_paused = true)]
    async fn one_address_displaces_only_its_own_handshakes() {
        let a = Admission::new(limits(100, 10, 2));
        let other = a.admit(ip(9), Activity::new());
        let mine = a.admit(ip(1), Activity::new());
        let _mine2 = a.admit(ip(1), Activity::new());
        stall().await;
        let _mine3 = a.admit(ip(1), Activity::new());
        assert_eq!(a.held(), (3, 3));
        tokio::time::timeout(std::time::Duration::from_secs(1), mine.evicted())
            .await
            .expect("its own stalest went");
        let still = tokio::time::timeout(std::time::Duration::from_millis(50), other.evicted());
        assert!(still.await.is_err(), "another address's handshake stayed");
    }

    #[tokio::test]
    async fn a_full_table_displaces_the_longest_idle_established_connection() {
        let a = Admission::new(limits(2, 2, 2));
        let busy_activity = Activity::new();
        let idle = a.admit(ip(1), Activity::new());
        idle.established();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let busy = a.admit(ip(2), busy_activity.clone());
        busy.established();
        let _request = busy_activity.request_started();
        let _new = a.admit(ip(3), Activity::new());
        tokio::time::timeout(std::time::Duration::from_secs(1), idle.evicted())
            .await
            .expect("the idle connection was asked to go");
        assert_eq!(a.held(), (2, 1));
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_prefix() {
        let a: Ipv6Addr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(address_key(a.into()), address_key(b.into()));
        let mapped: Ipv6Addr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped.into()), IpAddr::from([192, 0, 2, 7]));
    }

    #[test]
    fn budgets_follow_the_connection_limit() {
        assert_eq!(Limits::for_connections(18_000), limits(18_000, 2250, 562));
        assert_eq!(Limits::for_connections(10), limits(10, 10, 4));
    }
}
