//! Resumption on the server (RFC 8446 §2.2, §4.2.9–§4.2.11, §4.6.1, §8): the client's PSK
//! offer checked (`check_resumption`), 0-RTT accepted or not (`decide_early_data`), and
//! NewSessionTickets sent after the handshake (`send_tickets`).

use std::time::Duration;

use padlock_crypto::Digest;

use crate::certificate_chain::CertificateChain;
use crate::config::ServerConfig;
use crate::error::Error;
use crate::hkdf::Secret;
use crate::output::{trace, Output};
use crate::suites::{self, Suite};
use crate::ticket::state::SessionState;
use crate::ticket::{Ticketer, MAX_SEAL_RANDOM, MAX_TICKET_LIFETIME};
use crate::tls13::key_schedule::{EarlySecret, MasterSecret, PskKind};
use crate::trace::{Direction, TraceEvent};
use crate::transcript::Transcript;
use crate::verify::{self, PskVerified};
use crate::wire::codec::{write_opaque, Codec, LengthPrefix};
use crate::wire::enums::{CipherSuite, HandshakeType, ProtocolVersion, PskKeyExchangeMode};
use crate::wire::extensions::NewSessionTicketExtensions;
use crate::wire::handshake::encode_handshake;

use super::hello::Offer;

/// At most this many of the client's PSK identities are tried (each costs a ticket
/// open); the rest are declined.
const MAX_IDENTITIES_TRIED: usize = 4;
/// At most this many tickets are sent after one handshake, whatever the configuration says.
const MAX_TICKETS: usize = 16;

/// A resumed session (RFC 8446 §2.2): the PSK the client proved it holds.
pub(super) struct Resumption {
    /// The index of the accepted identity, for the ServerHello's pre_shared_key.
    pub(super) identity: u16,
    /// Whether an (EC)DHE exchange goes with the PSK (psk_dhe_ke) or not (psk_ke).
    pub(super) with_key_exchange: bool,
    /// The Early Secret, from the PSK (RFC 8446 §7.1).
    pub(super) early_secret: EarlySecret,
    pub(super) state: SessionState,
    /// The accepted binder (the strike register's key for 0-RTT, RFC 8446 §8.2).
    pub(super) binder: Digest,
    /// Whether 0-RTT could be accepted, or why not (the strike register is asked last).
    pub(super) early_data: Result<(), &'static str>,
    pub(super) proof: PskVerified,
    /// For a first ClientHello: the transcript through the ClientHello truncated before
    /// the binders, whose hash the binder was checked over, and that truncation's length.
    /// The transcript goes on from there ([`hello_transcript`]), so those bytes are
    /// hashed once, not once for the binder and again for the transcript.
    pub(super) truncated_hello: Option<(Transcript, usize)>,
}

/// What a ticket records of the connection that issues it.
#[derive(Clone, Default)]
pub(crate) struct TicketFacts {
    /// How many tickets will be sent ([`ticket_count`]). Without tickets the other facts
    /// are not kept.
    pub(crate) count: usize,
    pub(crate) server_name: Option<String>,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) client_certificates: CertificateChain,
    /// For a resumed connection, when its session expires (seconds on the configuration's
    /// clock): its tickets expire then too, so resuming never extends a session past the
    /// lifetime its full handshake was given (as TLS 1.2's renewed tickets keep their
    /// issue time). `None` after a full handshake.
    pub(crate) session_expires_at: Option<u64>,
    /// The flight's random bytes, drawn with the ServerHello's ([`random_ahead_len`]).
    pub(crate) random: TicketRandom,
}

/// The most random bytes a flight of tickets has drawn ahead, with the ServerHello's
/// random: two tickets under an AEAD ticketer (the default; a ticket_age_add and a 12-byte
/// nonce each). With the 32-byte random that is 64 bytes, what padlock-crypto's aws-lc
/// provider draws beside an X25519 key in one call.
pub(crate) const RANDOM_AHEAD_MAX: usize = 32;

/// Random bytes for the tickets a server will send with its Finished or after the client's (RFC 8446
/// §4.6.1: each ticket's ticket_age_add, and the ticketer's share of each), drawn in the
/// server's first call to the generator, with its ServerHello.random and key share
/// (§4.1.3): one call per handshake rather than two. Empty when the flight needs more
/// than [`RANDOM_AHEAD_MAX`] bytes: it then draws its own.
#[derive(Clone)]
pub(crate) struct TicketRandom {
    bytes: [u8; RANDOM_AHEAD_MAX],
    len: usize,
}

impl Default for TicketRandom {
    fn default() -> Self {
        Self {
            bytes: [0; RANDOM_AHEAD_MAX],
            len: 0,
        }
    }
}

impl TicketRandom {
    /// Keeps `drawn` ([`random_ahead_len`] bytes, fresh from the generator).
    pub(crate) fn new(drawn: &[u8]) -> Self {
        let mut random = Self::default();
        if let Some(bytes) = random.bytes.get_mut(..drawn.len()) {
            bytes.copy_from_slice(drawn);
            random.len = drawn.len();
        }
        random
    }
}

/// How many random bytes to draw ahead for a flight of `count` tickets
/// ([`TicketRandom`]); 0 when it will draw its own.
pub(super) fn random_ahead_len(config: &ServerConfig, count: usize) -> usize {
    config
        .ticketer
        .as_deref()
        .and_then(|t| flight_random_len(t, count))
        .filter(|len| *len <= RANDOM_AHEAD_MAX)
        .unwrap_or(0)
}

/// The random bytes a flight of `count` tickets takes: for each, its ticket_age_add and
/// what the ticketer takes. `None` for a ticketer asking for more than the engine hands
/// out ([`MAX_SEAL_RANDOM`]).
fn flight_random_len(ticketer: &dyn Ticketer, count: usize) -> Option<usize> {
    let seal = ticketer.seal_random_len();
    (seal <= MAX_SEAL_RANDOM).then_some(count.min(MAX_TICKETS) * (AGE_ADD_LEN + seal))
}

/// The length of a ticket_age_add (RFC 8446 §4.6.1: `uint32`).
const AGE_ADD_LEN: usize = 4;

impl TicketFacts {
    /// Whether tickets will be sent.
    pub(crate) fn wanted(&self) -> bool {
        self.count > 0
    }
}

/// How many NewSessionTickets (RFC 8446 §4.6.1) this handshake ends with: none if we
/// issue none or the client cannot resume at all (it listed no PSK mode we accept, §4.2.9:
/// "Servers SHOULD NOT send NewSessionTicket with tickets that are not compatible with the
/// advertised modes"); else [`ServerConfig::ticket_count`], and after a resumption at most
/// [`ServerConfig::resumed_ticket_count`] (the client spent one ticket, one replaces it).
pub(super) fn ticket_count(config: &ServerConfig, offer: &Offer<'_>, resumed: bool) -> usize {
    if config.ticketer.is_none() || choose_mode(config, offer).is_err() {
        return 0;
    }
    let count = match resumed {
        true => config.ticket_count.min(config.resumed_ticket_count),
        false => config.ticket_count,
    };
    count.min(MAX_TICKETS)
}

/// RFC 8446 §4.2.11: pick the first offered PSK that this server can resume with the
/// chosen `suite`, and check its binder over the ClientHello (`raw`) truncated before the
/// binders, after `before` (message_hash(ClientHello1) and the HelloRetryRequest, for a
/// second ClientHello). `Ok(None)`: every PSK is declined (a full handshake follows). A
/// binder that does not validate ends the handshake (decrypt_error).
pub(super) fn check_resumption(
    config: &ServerConfig,
    offer: &Offer<'_>,
    raw: &[u8],
    suite: Suite,
    before: Option<&Transcript>,
    out: &mut dyn Output,
) -> Result<Option<Resumption>, Error> {
    let hello = offer.hello;
    let Some(psks) = &hello.extensions.pre_shared_key else {
        return Ok(None);
    };
    trace(out, || TraceEvent::PskOffered {
        direction: Direction::Received,
        identities: psks.identities.len(),
        early_data: hello.extensions.early_data,
    });
    let found = choose_mode(config, offer).and_then(|with_key_exchange| {
        find_session(config, offer, suite).map(|(index, state)| (index, state, with_key_exchange))
    });
    let (index, state, with_key_exchange) = match found {
        Ok(found) => found,
        Err(reason) => {
            trace(out, || TraceEvent::PskRefused {
                direction: Direction::Sent,
                reason: reason.to_string(),
            });
            return Ok(None);
        }
    };
    // RFC 8446 §4.2.11.2: the binder over Transcript-Hash(Truncate(ClientHello)).
    let provider = out.provider();
    let provider = provider.as_ref();
    let binders_len = hello.extensions.binders_len().unwrap_or(0);
    let truncated = raw
        .get(..raw.len().saturating_sub(binders_len))
        .unwrap_or_default();
    let (hash, truncated_hello) = match before {
        Some(transcript) => (transcript.hash_with(provider, suite.hash, truncated), None),
        None => {
            let mut transcript = Transcript::hashing(provider, suite.hash);
            transcript.add(truncated);
            let hash = transcript.current_hash(provider);
            (hash, Some((transcript, truncated.len())))
        }
    };
    let (early_secret, binder_key) = EarlySecret::with_binder_key(
        provider,
        suite.hash,
        state.secret.as_bytes(),
        PskKind::Resumption,
    );
    let binder = psks.binders.iter().nth(index).map(|b| b.0);
    let binder = binder.as_deref().unwrap_or_default();
    // `index` is below MAX_IDENTITIES_TRIED, so it fits a u16.
    let identity = index as u16;
    let proof = verify::verify_binder(provider, &binder_key, hash.as_ref(), binder);
    trace(out, || TraceEvent::BinderCheck {
        identity,
        ok: proof.is_ok(),
    });
    let proof = proof?;
    // Checked, so a hash's length: it fits a digest.
    let binder = Digest::new(binder);
    let early_data = early_data_eligibility(config, offer, suite, &state, index, before);
    trace(out, || TraceEvent::PskAccepted {
        direction: Direction::Sent,
        identity,
    });
    Ok(Some(Resumption {
        identity,
        with_key_exchange,
        early_secret,
        state,
        binder,
        early_data,
        proof,
        truncated_hello,
    }))
}

/// The transcript through a first ClientHello (`raw`, RFC 8446 §4.4.1): where a PSK was
/// accepted, the one its binder was checked over, continued past the truncation (the
/// binders, §4.2.11.2); else a new one.
pub(super) fn hello_transcript(
    resumption: Option<&mut Resumption>,
    raw: &[u8],
    suite: Suite,
    out: &mut dyn Output,
) -> Transcript {
    match resumption.and_then(|r| r.truncated_hello.take()) {
        Some((mut transcript, at)) => {
            transcript.add(raw.get(at..).unwrap_or_default());
            transcript
        }
        None => {
            let mut transcript = Transcript::hashing(out.provider().as_ref(), suite.hash);
            transcript.add(raw);
            transcript
        }
    }
}

/// RFC 8446 §4.2.9: psk_dhe_ke whenever the client offers it; psk_ke (no forward secrecy)
/// only when the configuration opts in.
pub(super) fn choose_mode(config: &ServerConfig, offer: &Offer<'_>) -> Result<bool, &'static str> {
    let modes = offer
        .hello
        .extensions
        .psk_key_exchange_modes
        .clone()
        .unwrap_or_default();
    if modes.contains(&PskKeyExchangeMode::psk_dhe_ke) {
        Ok(true)
    } else if modes.contains(&PskKeyExchangeMode::psk_ke) && config.insecure_psk_ke {
        Ok(false)
    } else {
        Err("the client offers only psk_ke (no forward secrecy), which is not enabled")
    }
}

/// The first of the client's identities that opens to a session this connection can
/// resume, with its index; else why the last one tried was declined.
fn find_session(
    config: &ServerConfig,
    offer: &Offer<'_>,
    suite: Suite,
) -> Result<(usize, SessionState), &'static str> {
    let ticketer = config
        .ticketer
        .as_deref()
        .ok_or("resumption is off (no ticketer)")?;
    let psks = offer
        .hello
        .extensions
        .pre_shared_key
        .as_ref()
        .ok_or("no PSK offered")?;
    let now = (config.time)();
    let mut reason = "no PSK offered";
    for (index, identity) in psks
        .identities
        .iter()
        .enumerate()
        .take(MAX_IDENTITIES_TRIED)
    {
        let Some(bytes) = ticketer.open(&identity.identity, now) else {
            reason = "the ticket does not open (modified, or its key was retired)";
            continue;
        };
        let Some(state) = SessionState::decode(&bytes) else {
            reason = match crate::ticket::state::version_of(&bytes) {
                Some(ProtocolVersion::TLSv1_2) => "the ticket is for TLS 1.2",
                _ => "the ticket's session state is malformed",
            };
            continue;
        };
        match usable(config, offer, suite, &state, now.0) {
            Ok(()) => return Ok((index, state)),
            Err(why) => reason = why,
        }
    }
    Err(reason)
}

/// Whether a session opened from a ticket may be resumed on this connection.
fn usable(
    config: &ServerConfig,
    offer: &Offer<'_>,
    suite: Suite,
    state: &SessionState,
    now: u64,
) -> Result<(), &'static str> {
    if state.version != ProtocolVersion::TLSv1_3 {
        return Err("the ticket is for another protocol version");
    }
    // RFC 8446 §4.2.11: a PSK resumes only with a suite of the same hash.
    if suites::suite(state.suite).map(|s| s.hash) != Some(suite.hash) {
        return Err("the ticket's hash is not the chosen suite's");
    }
    crate::server::session_fits(
        config,
        offer.hello.extensions.server_name.as_deref(),
        &crate::server::SessionFacts {
            server_name: state.server_name.as_deref(),
            issued_at: state.issued_at,
            lifetime: state.lifetime,
            has_client_certificate: !state.client_certificates.is_empty(),
        },
        now,
    )
}

/// RFC 8446 §4.2.10, §8: whether 0-RTT data could be accepted with this PSK — all but the
/// strike register, which is asked only when the server answers this ClientHello.
fn early_data_eligibility(
    config: &ServerConfig,
    offer: &Offer<'_>,
    suite: Suite,
    state: &SessionState,
    index: usize,
    before: Option<&Transcript>,
) -> Result<(), &'static str> {
    if !offer.hello.extensions.early_data {
        return Err("not offered");
    }
    if before.is_some() {
        return Err("the handshake needed a HelloRetryRequest");
    }
    if config.max_early_data_size == 0 {
        return Err("0-RTT is off on this server");
    }
    // §4.2.10: only with the first identity, the ticket allowing it, the same suite and
    // ALPN protocol as the session.
    if index != 0 {
        return Err("the PSK accepted is not the first one offered");
    }
    if state.max_early_data_size == 0 {
        return Err("the ticket does not allow 0-RTT");
    }
    if state.suite != suite.suite {
        return Err("the ticket's cipher suite is not the chosen one");
    }
    let alpn = crate::server::choose_alpn(config, offer.hello.extensions.alpn.as_ref());
    if alpn.ok().flatten() != state.alpn {
        return Err("the ALPN protocol differs from the session's");
    }
    // §8.2: this server's tickets only (its strike register knows their ClientHellos).
    if state.register_id != config.strike_register.id() {
        return Err("the ticket was issued by another server or before a restart");
    }
    // §8.3: the ticket's age as the client reports it must fit ours, within the window.
    let psks = offer.hello.extensions.pre_shared_key.as_ref();
    let obfuscated = psks.and_then(|p| p.identities.first());
    let reported_ms = obfuscated.map_or(0, |i| {
        i.obfuscated_ticket_age.wrapping_sub(state.ticket_age_add)
    });
    let now = (config.time)().0;
    let actual_ms = now.saturating_sub(state.issued_at).saturating_mul(1000);
    // The clock counts seconds: a second of slack for its granularity.
    let window_ms = duration_ms(config.strike_register.window()).saturating_add(1000);
    if actual_ms.abs_diff(u64::from(reported_ms)) > window_ms {
        return Err("the ticket age does not fit the freshness window");
    }
    Ok(())
}

/// Decides 0-RTT for a ClientHello the server answers: eligible, and the strike register
/// has not seen its binder (RFC 8446 §8.2). Tells the trace either way; returns the
/// early-data limit when accepted.
pub(super) fn decide_early_data(
    config: &ServerConfig,
    resumption: Option<&Resumption>,
    offered: bool,
    out: &mut dyn Output,
) -> Option<u32> {
    if !offered {
        return None;
    }
    let verdict = match resumption {
        None => Err("no PSK was accepted"),
        Some(r) => r.early_data.and_then(|()| {
            let now = (config.time)();
            if config.strike_register.first_sight(r.binder.as_ref(), now) {
                Ok(r.state.max_early_data_size.min(config.max_early_data_size))
            } else {
                Err("replayed ClientHello (strike register), or the register is full")
            }
        }),
    };
    match verdict {
        Ok(max) => {
            trace(out, || TraceEvent::EarlyDataAccepted {
                direction: Direction::Sent,
            });
            Some(max)
        }
        Err(reason) => {
            trace(out, || TraceEvent::EarlyDataRejected {
                direction: Direction::Sent,
                reason: reason.to_string(),
            });
            None
        }
    }
}

/// How much refused 0-RTT data to skip (RFC 8446 §4.2.10: up to the configured
/// max_early_data_size), counted in record bytes: the plaintext plus a record's overhead
/// (header, content type, tag, and some padding) per 2^14 bytes.
pub(super) fn early_data_skip_limit(config: &ServerConfig) -> usize {
    let max = config.max_early_data_size as usize;
    max.saturating_add((max / crate::wire::MAX_PLAINTEXT_LEN + 1) * 256)
}

/// NewSessionTickets (RFC 8446 §4.6.1): `facts.count` of them, each with its own nonce,
/// PSK and ticket_age_add, sealed by the ticketer straight into the send queue.
/// `transcript` runs to the client's Finished (for the resumption master secret) — the
/// one received, or the one the server foresaw when it sends its tickets with its own
/// Finished — and ends here.
pub(crate) fn send_tickets(
    config: &ServerConfig,
    master: &MasterSecret,
    transcript: Transcript,
    suite: CipherSuite,
    facts: TicketFacts,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let Some(ticketer) = config.ticketer.as_deref().filter(|_| facts.wanted()) else {
        return Ok(());
    };
    let count = facts.count.min(MAX_TICKETS);
    let now = (config.time)();
    let lifetime = config
        .ticket_lifetime
        .min(ticketer.lifetime())
        .min(MAX_TICKET_LIFETIME)
        .as_secs();
    let lifetime = crate::ticket::lifetime_within(lifetime, facts.session_expires_at, now.0);
    // A ticketer asking for more randomness than the engine hands out gets no call.
    let Some(flight_len) = flight_random_len(ticketer, count) else {
        return Ok(());
    };
    if lifetime == 0 {
        return Ok(());
    }
    // At most 604800, so it fits.
    let lifetime = lifetime as u32;
    let provider = out.provider();
    let provider = provider.as_ref();
    let hash = transcript.finish(provider);
    let resumption = master.resumption_master_secret(provider, hash.as_ref());
    let max_early_data_size = config.max_early_data_size;
    // What every ticket of this connection records; each has its own PSK and age_add.
    let mut state = SessionState {
        version: ProtocolVersion::TLSv1_3,
        suite,
        secret: Secret::new(&[]),
        ticket_age_add: 0,
        issued_at: now.0,
        lifetime,
        server_name: facts.server_name,
        alpn: facts.alpn,
        max_early_data_size,
        register_id: config.strike_register.id(),
        client_certificates: facts.client_certificates,
    };
    let mut encoded = Vec::new();
    // The flight's randomness, drawn with the ServerHello's or else here in one call (each
    // call to the generator costs more than the bytes it makes): for each ticket, its
    // ticket_age_add (§4.6.1), then what the ticketer takes (an AEAD nonce, a name).
    let per_ticket = flight_len / count.max(1);
    let mut drawn = [0u8; MAX_TICKETS * (AGE_ADD_LEN + MAX_SEAL_RANDOM)];
    let drawn = match facts.random.bytes.get(..facts.random.len) {
        Some(ahead) if ahead.len() == flight_len => ahead,
        _ => {
            let drawn = &mut drawn[..flight_len];
            provider
                .fill_random(drawn)
                .map_err(|_| Error::Internal("the random number generator failed"))?;
            &*drawn
        }
    };
    let early_data = (max_early_data_size > 0).then_some(max_early_data_size);
    let mut issue = |psk_of: &dyn Fn(&[u8]) -> Secret| -> Result<(), Error> {
        for (n, drawn) in drawn.chunks_exact(per_ticket.max(1)).enumerate() {
            let Some((age_add, seal_random)) = drawn.split_first_chunk::<AGE_ADD_LEN>() else {
                return Err(Error::Internal("no ticket_age_add drawn"));
            };
            // A nonce per ticket of this connection (RFC 8446 §4.6.1): its index
            // (`count` ≤ MAX_TICKETS, so it fits a byte).
            let nonce = [n as u8];
            state.ticket_age_add = u32::from_be_bytes(*age_add);
            state.secret = psk_of(&nonce);
            state.encode_into(&mut encoded);
            let ticket = TicketFields {
                lifetime,
                age_add: state.ticket_age_add,
                nonce: &nonce,
                early_data,
            };
            let sealed = write_new_session_ticket(out.handshake_queue(), &ticket, |queue| {
                ticketer.seal_into(&encoded, seal_random, now, queue)
            });
            // The ticketer could not seal (too large a state, no key): no more tickets.
            let Some(len) = sealed else {
                return Ok(());
            };
            crate::handshake_trace::trace_sent(out, "NewSessionTicket", len, || {
                format!("lifetime={lifetime}s max_early_data={max_early_data_size}")
            });
            trace(out, || TraceEvent::Ticket {
                direction: Direction::Sent,
                lifetime,
                max_early_data_size: Some(max_early_data_size),
            });
        }
        Ok(())
    };
    match count {
        // One PSK: a one-shot HKDF-Expand, with no key kept to be copied for its MAC.
        1 => issue(&|nonce| resumption.ticket_psk(provider, nonce)),
        // Several: one HMAC key setup for them all.
        _ => resumption.with_ticket_psks(provider, |psks| issue(&|nonce| psks.ticket_psk(nonce))),
    }
}

/// A NewSessionTicket's fields (RFC 8446 §4.6.1) but the ticket.
struct TicketFields<'a> {
    lifetime: u32,
    age_add: u32,
    nonce: &'a [u8],
    /// The early_data extension's max_early_data_size.
    early_data: Option<u32>,
}

/// Writes a NewSessionTicket (RFC 8446 §4.6.1) to `queue`, its ticket appended in place
/// by `seal`: the bytes a [`NewSessionTicket`](crate::wire::handshake::NewSessionTicket)
/// encodes to, without the ticket in a vector of its own first. Returns the message's
/// length; `None`, with `queue` as it was, if `seal` failed or made a ticket no
/// NewSessionTicket holds (`opaque ticket<1..2^16-1>`).
fn write_new_session_ticket(
    queue: &mut Vec<u8>,
    fields: &TicketFields<'_>,
    seal: impl FnOnce(&mut Vec<u8>) -> Option<()>,
) -> Option<usize> {
    let start = queue.len();
    let mut sealed = None;
    encode_handshake(HandshakeType::NewSessionTicket, queue, |queue| {
        queue.extend_from_slice(&fields.lifetime.to_be_bytes());
        queue.extend_from_slice(&fields.age_add.to_be_bytes());
        write_opaque(queue, LengthPrefix::U8, fields.nonce);
        // The ticket's u16 length, patched once the ticket is there.
        let at = queue.len();
        queue.extend_from_slice(&[0, 0]);
        sealed = seal(queue)
            .and_then(|()| u16::try_from(queue.len() - at - 2).ok())
            .filter(|len| *len > 0);
        if let (Some(len), Some(slot)) = (sealed, queue.get_mut(at..at + 2)) {
            slot.copy_from_slice(&len.to_be_bytes());
        }
        NewSessionTicketExtensions {
            early_data: fields.early_data,
            ..Default::default()
        }
        .encode(queue);
    });
    if sealed.is_none() {
        queue.truncate(start);
        return None;
    }
    Some(queue.len() - start)
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::handshake::{HandshakePayload, NewSessionTicket};

    fn config() -> ServerConfig {
        let key = crate::stream::tests::local_ca().0.clone();
        ServerConfig::new(std::sync::Arc::new(padlock_crypto::AwsLcProvider), key)
    }

    #[test]
    fn two_aead_tickets_draw_their_random_bytes_with_the_server_hello() {
        let mut config = config();
        // Per ticket: a 4-byte ticket_age_add and a 12-byte nonce.
        assert_eq!(random_ahead_len(&config, 1), 16);
        assert_eq!(random_ahead_len(&config, 2), RANDOM_AHEAD_MAX);
        // More than the provider draws beside its key: drawn when the tickets are sent.
        assert_eq!(random_ahead_len(&config, 3), 0);
        assert_eq!(random_ahead_len(&config, 0), 0);
        // A cache names each ticket with 32 random bytes: too many to draw ahead.
        config.ticketer = Some(std::sync::Arc::new(crate::ticket::ServerSessionCache::new(
            config.provider.clone(),
            4,
            std::time::Duration::from_secs(60),
        )));
        assert_eq!(random_ahead_len(&config, 1), 0);
        config.ticketer = None;
        assert_eq!(random_ahead_len(&config, 2), 0);
    }

    #[test]
    fn ticket_random_keeps_what_fits_and_nothing_else() {
        let kept = TicketRandom::new(&[7; RANDOM_AHEAD_MAX]);
        assert_eq!(kept.bytes[..kept.len], [7; RANDOM_AHEAD_MAX]);
        let too_long = TicketRandom::new(&[7; RANDOM_AHEAD_MAX + 1]);
        assert_eq!(too_long.len, 0);
    }

    fn fields(early_data: Option<u32>) -> TicketFields<'static> {
        TicketFields {
            lifetime: 7200,
            age_add: 0x0102_0304,
            nonce: &[1],
            early_data,
        }
    }

    #[test]
    fn a_ticket_sealed_in_place_is_the_message_its_struct_encodes() {
        for early_data in [None, Some(16384)] {
            let ticket = [0xab; 300];
            let mut queue = b"earlier message".to_vec();
            let len = write_new_session_ticket(&mut queue, &fields(early_data), |q| {
                q.extend_from_slice(&ticket);
                Some(())
            });
            let expected =
                crate::state::encode(&HandshakePayload::NewSessionTicket(NewSessionTicket {
                    ticket_lifetime: 7200,
                    ticket_age_add: 0x0102_0304,
                    ticket_nonce: &[1],
                    ticket: &ticket,
                    extensions: NewSessionTicketExtensions {
                        early_data,
                        ..Default::default()
                    },
                }));
            assert_eq!(len, Some(expected.len()));
            assert_eq!(&queue[..15], b"earlier message");
            assert_eq!(queue[15..], expected);
        }
    }

    #[test]
    fn a_ticket_that_did_not_seal_or_cannot_be_sent_leaves_the_queue_as_it_was() {
        let too_long = vec![0; 0x1_0000];
        type Seal<'a> = &'a dyn Fn(&mut Vec<u8>) -> Option<()>;
        let seals: [Seal<'_>; 3] = [
            &|q| {
                q.push(1);
                None
            },
            &|_| Some(()),
            &|q| {
                q.extend_from_slice(&too_long);
                Some(())
            },
        ];
        for seal in seals {
            let mut queue = b"earlier".to_vec();
            assert_eq!(
                write_new_session_ticket(&mut queue, &fields(None), seal),
                None
            );
            assert_eq!(queue, b"earlier");
        }
    }
}
