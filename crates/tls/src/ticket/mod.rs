//! Session resumption (RFC 8446 §2.2, §4.6.1) and 0-RTT (§2.3, §4.2.10, §8): what a
//! server seals into its tickets, the keys it seals them with, what a client keeps of a
//! session, and the register that refuses replayed early data.
//!
//! # Server: tickets
//!
//! After a full handshake the server sends [`ServerConfig::ticket_count`]
//! NewSessionTickets (RFC 8446 §4.6.1); after a resumed one at most
//! [`ServerConfig::resumed_ticket_count`] (one by default: it replaces the ticket the
//! client spent). A ticket is the session's state (version, suite, resumption PSK,
//! `ticket_age_add`, issue time, lifetime, SNI, ALPN, early-data limit, how the client
//! authenticated) encoded by the engine and sealed by the configured [`Ticketer`], all the
//! tickets' randomness drawn in one call (see [`Ticketer`]):
//!
//! * [`RotatingTicketer`] (the default): stateless tickets, AES-256-GCM under a random key
//!   made in memory; a new key every rotation period, the previous one still accepted for
//!   one more period. Nothing to configure; tickets die with the process.
//! * [`TicketKeyRing`]: stateless tickets under keys the operator supplies ([`TicketKey`],
//!   from bytes, e.g. a key file shared by a fleet). The first key seals, every key opens;
//!   [`TicketKeyRing::set_keys`] replaces them at run time. Rotation protocol for a fleet:
//!   add the new key to every server's list *second* (accepted, not yet issued), then,
//!   once every server has it, move it *first* (issued); drop the oldest key after the
//!   ticket lifetime has passed — a ticket sealed under a dropped key is refused and the
//!   client pays a full handshake.
//! * [`ServerSessionCache`]: stateful tickets; the state stays in a bounded in-memory cache
//!   and the ticket is a random name for it, usable once.
//!
//! ```
//! use std::sync::Arc;
//!
//! use padlock_crypto::AwsLcProvider;
//! use padlock_tls::ticket::{TicketKey, TicketKeyRing, Ticketer};
//!
//! // Two 48-byte keys from the fleet's key file, the newest first.
//! let newest = TicketKey::from_bytes(&[2; 48])?;
//! let previous = TicketKey::from_bytes(&[1; 48])?;
//! let ring = Arc::new(TicketKeyRing::new(Arc::new(AwsLcProvider), vec![newest, previous])?);
//! // server_config.ticketer = Some(ring.clone());
//! let ticket = ring.seal(b"session state", padlock_tls::UnixTime::now()).unwrap();
//! assert_eq!(ticket[..16], [2; 16], "sealed under the newest key, named by its id");
//! // The file was rotated: key 1 is retired; this ticket, under key 2, still opens.
//! ring.set_keys(vec![TicketKey::from_bytes(&[3; 48])?, TicketKey::from_bytes(&[2; 48])?])?;
//! assert!(ring.open(&ticket, padlock_tls::UnixTime::now()).is_some());
//! # Ok::<(), padlock_tls::Error>(())
//! ```
//!
//! # Server: resumption and 0-RTT
//!
//! A ClientHello's PSK is accepted only if its ticket opens, has not expired, is for TLS
//! 1.3 with a suite of the chosen suite's hash, was made for the same server name (SNI),
//! carries a client certificate when the server requires one, and its binder checks out
//! (in constant time, over the truncated ClientHello, §4.2.11.2; a bad binder ends the
//! handshake with decrypt_error). Otherwise the handshake falls back to a full one.
//! `psk_dhe_ke` only, unless [`ServerConfig::insecure_psk_ke`]. The ALPN protocol is
//! negotiated afresh (it must match the session's only for 0-RTT).
//!
//! 0-RTT is off unless [`ServerConfig::max_early_data_size`] is above 0. Early data is
//! accepted only when the PSK is accepted on the *first* identity of the *first*
//! ClientHello (no HelloRetryRequest), the ticket allows early data, the suite and ALPN
//! protocol are the session's, the ticket was issued by this server's
//! [`StrikeRegister`], the ticket age the client reports is within the register's window
//! (10 s by default) of the age the server computes, and the register has not seen the
//! ClientHello's binder. Otherwise the early data is skipped unread (up to
//! `max_early_data_size`, RFC 8446 §4.2.10) and the handshake goes on in 1-RTT, resumed
//! if the PSK was good. What is guaranteed, and what is not:
//!
//! * **One server process: a 0-RTT ClientHello has its early data accepted at most
//!   once.** The register keeps the binder of every ClientHello whose early data it
//!   accepted for twice the window; a copy arriving later than that fails the age check
//!   (RFC 8446 §8.2, §8.3). A binder can only be made with the PSK, so an attacker can
//!   replay a ClientHello but not make a new one on the same ticket.
//! * **Restart: nothing accepted before it is accepted again.** The register lives in
//!   memory, so each register has a random id, written into the tickets it issues, and
//!   accepts 0-RTT only on its own tickets. After a restart (a new register) older tickets
//!   still resume, if their key survived (a [`TicketKeyRing`] from a file), but without
//!   0-RTT.
//! * **A fleet sharing ticket keys: resumption anywhere, 0-RTT only where the ticket was
//!   issued.** Another server never accepts early data on a ticket it did not issue, so a
//!   ClientHello replayed to every server of the fleet has its early data accepted at most
//!   once (by the issuer). A client sent elsewhere by the load balancer resumes there, and
//!   its early data is refused and sent again as 1-RTT.
//! * **The register is bounded** ([`StrikeRegister::DEFAULT_CAPACITY`] live entries, each
//!   a 16-byte key and an expiry): when full it refuses 0-RTT rather than forget.
//! * **Not guaranteed:** that early data is not *retried*. A client whose early data was
//!   refused sends it again as 1-RTT (RFC 8446 §8: 0-RTT data may be retried), so the
//!   application can see the same request twice over two connections; and early data is
//!   not forward secret (§2.3). That is why [`Connection::read_early_data`] keeps it apart
//!   from ordinary data: act on it only when doing so twice is harmless (a GET, not a
//!   payment). Tickets themselves are single-use only on the client's side (it takes each
//!   from its store once, §C.4) and with a [`ServerSessionCache`]; a stateless ticket can
//!   resume several 1-RTT connections while it lives.
//!
//! # TLS 1.2: tickets and session ids
//!
//! TLS 1.2 sessions (RFC 5077 tickets, RFC 5246 §7.4.1.2 session ids) are sealed by the
//! same [`Ticketer`], their state marked as TLS 1.2's so that it never opens as a TLS 1.3
//! PSK (nor a TLS 1.3 ticket as a TLS 1.2 session). A client that sends no session_ticket
//! extension gets a session id instead, its session kept in
//! [`ServerConfig::session_id_cache`] (a bounded [`ServerSessionCache`]). Only sessions
//! made with the Extended Master Secret are issued, offered or resumed (RFC 7627 §5.3); a
//! resumption of one without it ends the handshake (handshake_failure). A client keeps its
//! TLS 1.2 sessions in the same [`SessionStore`], and offers the newest: its ticket with a
//! random session id (RFC 5077 §3.4), or its session id.
//!
//! # Client
//!
//! A client keeps the sessions it receives in [`ClientConfig::session_store`] (by
//! default a bounded [`ClientSessionCache`], a few tickets per server name), takes one
//! per connection (single-use, RFC 8446 §C.4) and offers it with its binder. With
//! [`ClientConfig::enable_early_data`] and a ticket that allows it,
//! [`Connection::write_early_data`] sends data in the first flight;
//! [`Connection::early_data_status`] says afterwards whether the server took it (if not,
//! write it again with `write_plaintext`). [`ClientSession`] serialises to bytes and back,
//! to keep a session across processes.
//!
//! [`ServerConfig::ticket_count`]: crate::ServerConfig::ticket_count
//! [`ServerConfig::resumed_ticket_count`]: crate::ServerConfig::resumed_ticket_count
//! [`ServerConfig::session_id_cache`]: crate::ServerConfig::session_id_cache
//! [`ServerConfig::insecure_psk_ke`]: crate::ServerConfig::insecure_psk_ke
//! [`ServerConfig::max_early_data_size`]: crate::ServerConfig::max_early_data_size
//! [`ClientConfig::session_store`]: crate::ClientConfig::session_store
//! [`ClientConfig::enable_early_data`]: crate::ClientConfig::enable_early_data
//! [`Connection::write_early_data`]: crate::Connection::write_early_data
//! [`Connection::early_data_status`]: crate::Connection::early_data_status
//! [`Connection::read_early_data`]: crate::Connection::read_early_data

use std::fmt;
use std::time::Duration;

use padlock_crypto::Provider;
use padlock_pki::UnixTime;

use crate::certificate_chain::CertificateChain;
use crate::error::Error;
use crate::hkdf::Secret;
use crate::wire::codec::{write_opaque, write_prefixed, Codec, LengthPrefix, Reader};
use crate::wire::handshake::Certificate12;

mod client;
mod key_ring;
mod server_cache;
pub(crate) mod state;
mod strike;

pub use client::{ClientSession, ClientSessionCache, SessionStore};
pub use key_ring::{RotatingTicketer, TicketKeyRing, MAX_RING_KEYS};
pub use server_cache::ServerSessionCache;
pub(crate) use server_cache::NAME_LEN as SESSION_ID_LEN;
pub use strike::StrikeRegister;

/// The longest a ticket may live (RFC 8446 §4.6.1: "Servers MUST NOT use any value
/// greater than 604800 seconds (7 days)").
pub const MAX_TICKET_LIFETIME: Duration = Duration::from_secs(604_800);

/// How long a ticket may live, in seconds from `now`: `lifetime`, but never past
/// `session_expires_at`, the end of the session a resumption continues (`None` after a
/// full handshake). One rule for both versions and both sides: resuming never extends a
/// session, so its certificates are checked again when its first lifetime is up.
pub(crate) fn lifetime_within(lifetime: u64, session_expires_at: Option<u64>, now: u64) -> u64 {
    session_expires_at.map_or(lifetime, |expiry| lifetime.min(expiry.saturating_sub(now)))
}

/// Length of a [`TicketKey`]'s encoding: a 16-byte key id, then a 32-byte secret.
pub const TICKET_KEY_LEN: usize = KEY_ID_LEN + KEY_SECRET_LEN;

/// Length of a ticket key's id, which leads every ticket sealed under it.
pub const KEY_ID_LEN: usize = 16;
/// Length of a ticket key's secret (an AES-256-GCM key).
pub const KEY_SECRET_LEN: usize = 32;

/// The most random bytes a [`Ticketer`] may take per ticket
/// ([`Ticketer::seal_random_len`]): enough for a 32-byte name or a 12-byte nonce.
pub const MAX_SEAL_RANDOM: usize = 32;

/// Seals a server's session state into a ticket and opens it again.
///
/// The engine calls [`Self::seal_into`] for each TLS 1.3 NewSessionTicket it sends,
/// [`Self::seal`] for a TLS 1.2 one, and [`Self::open`] for each ticket a client offers.
/// `now` is the server configuration's clock. They fail by returning `None`: no ticket is
/// sent, or the PSK is declined (a full handshake).
///
/// # Randomness
///
/// Sealing usually needs fresh random bytes (an AEAD nonce, a random name), and a call to
/// the random generator costs more than the few bytes it makes. So a ticketer says how
/// many bytes one ticket takes ([`Self::seal_random_len`]), and the engine draws them for
/// every ticket of a flight, with the tickets' `ticket_age_add`s, in one call, handing
/// each ticket its own share in [`Self::seal_into`]: never a counter, so servers sharing
/// a key (a fleet) cannot repeat each other's nonces.
pub trait Ticketer: Send + Sync {
    /// The ticket for `state` (opaque bytes the engine encoded), at most 65535 bytes,
    /// drawing from the random generator whatever randomness it needs.
    fn seal(&self, state: &[u8], now: UnixTime) -> Option<Vec<u8>>;

    /// How many random bytes [`Self::seal_into`] takes per ticket, at most
    /// [`MAX_SEAL_RANDOM`] (a ticketer asking for more gets no call: no ticket is sent).
    /// The default, 0, is for a ticketer that draws its own in [`Self::seal`].
    fn seal_random_len(&self) -> usize {
        0
    }

    /// Seals `state` as [`Self::seal`] does, into `ticket` (a buffer the engine empties
    /// before each ticket and reuses for the whole flight). `random` holds
    /// [`Self::seal_random_len`] bytes fresh from the provider's generator, for this
    /// ticket only: the ticket's randomness, instead of a draw of its own. The default
    /// calls [`Self::seal`].
    fn seal_into(
        &self,
        state: &[u8],
        _random: &[u8],
        now: UnixTime,
        ticket: &mut Vec<u8>,
    ) -> Option<()> {
        ticket.extend_from_slice(&self.seal(state, now)?);
        Some(())
    }

    /// The state sealed into `ticket`, if this ticketer sealed it and can still open it.
    fn open(&self, ticket: &[u8], now: UnixTime) -> Option<Vec<u8>>;

    /// How long a ticket it seals stays openable, at least: tickets are announced with
    /// the smaller of this and [`ServerConfig::ticket_lifetime`].
    ///
    /// [`ServerConfig::ticket_lifetime`]: crate::ServerConfig::ticket_lifetime
    fn lifetime(&self) -> Duration;
}

/// A key that seals tickets: a 16-byte id (sent in the clear at the start of every ticket,
/// to find the key again) and a 32-byte AES-256-GCM secret.
///
/// Make one from bytes an operator supplies ([`Self::from_bytes`]: 48 bytes, id first),
/// or at random ([`Self::generate`]). Keys with the same id must have the same secret.
#[derive(Clone)]
pub struct TicketKey {
    id: [u8; KEY_ID_LEN],
    secret: Secret,
}

impl TicketKey {
    /// A key from its id and secret.
    pub fn new(id: [u8; KEY_ID_LEN], secret: [u8; KEY_SECRET_LEN]) -> Self {
        Self {
            id,
            secret: Secret::new(&secret),
        }
    }

    /// A key from [`TICKET_KEY_LEN`] bytes: the id, then the secret. Any other length is
    /// a configuration error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != TICKET_KEY_LEN {
            return Err(Error::Config(
                "a ticket key is 48 bytes: a 16-byte id, then a 32-byte secret",
            ));
        }
        let (id, secret) = bytes.split_at(KEY_ID_LEN);
        let mut key = Self {
            id: [0; KEY_ID_LEN],
            secret: Secret::new(secret),
        };
        key.id.copy_from_slice(id);
        Ok(key)
    }

    /// A fresh random key (id and secret from the provider's random generator).
    pub fn generate(provider: &dyn Provider) -> Result<Self, Error> {
        let mut bytes = [0u8; TICKET_KEY_LEN];
        provider
            .fill_random(&mut bytes)
            .map_err(|_| Error::Internal("the random generator failed"))?;
        let key = Self::from_bytes(&bytes);
        bytes.fill(0);
        key
    }

    /// The id, then the secret: what [`Self::from_bytes`] reads (to write a key file).
    pub fn to_bytes(&self) -> [u8; TICKET_KEY_LEN] {
        let mut out = [0u8; TICKET_KEY_LEN];
        out[..KEY_ID_LEN].copy_from_slice(&self.id);
        out[KEY_ID_LEN..].copy_from_slice(self.secret.as_bytes());
        out
    }

    /// The key's id.
    pub fn id(&self) -> &[u8; KEY_ID_LEN] {
        &self.id
    }

    pub(crate) fn secret(&self) -> &[u8] {
        self.secret.as_bytes()
    }
}

/// Writes a certificate chain as a session's bytes hold it: a u24-prefixed list of
/// u24-prefixed certificates (as in TLS 1.2's Certificate message).
pub(crate) fn write_chain(out: &mut Vec<u8>, chain: &CertificateChain) {
    write_prefixed(out, LengthPrefix::U24, |out| {
        for cert in chain {
            write_opaque(out, LengthPrefix::U24, cert);
        }
    });
}

/// Reads what [`write_chain`] wrote: the body of a TLS 1.2 Certificate message.
pub(crate) fn read_chain(r: &mut Reader<'_>) -> Option<CertificateChain> {
    Certificate12::read(r).ok().map(|list| list.to_chain())
}

impl fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TicketKey(id ")?;
        for b in self.id {
            write!(f, "{b:02x}")?;
        }
        write!(f, ", ..)")
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;

    #[test]
    fn a_ticket_lives_its_lifetime_but_never_past_the_session_it_continues() {
        assert_eq!(lifetime_within(3600, None, 1_000), 3600);
        assert_eq!(lifetime_within(3600, Some(1_600), 1_000), 600);
        assert_eq!(lifetime_within(3600, Some(9_000), 1_000), 3600);
        assert_eq!(lifetime_within(3600, Some(900), 1_000), 0, "already over");
    }

    #[test]
    fn a_ticket_key_round_trips_through_bytes() {
        let key = TicketKey::generate(&AwsLcProvider).unwrap();
        let again = TicketKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(key.id(), again.id());
        assert_eq!(key.secret(), again.secret());
    }

    #[test]
    fn a_ticket_key_of_the_wrong_length_is_a_config_error() {
        assert!(matches!(
            TicketKey::from_bytes(&[0; 47]),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn debug_shows_the_id_but_not_the_secret() {
        let key = TicketKey::new([0xab; 16], [0xcd; 32]);
        let text = format!("{key:?}");
        assert!(text.contains("abab"));
        assert!(!text.contains("cd"));
    }
}
