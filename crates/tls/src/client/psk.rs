//! The client's side of resumption (RFC 8446 §2.2, §4.2.9–§4.2.11, §4.6.1): choose a
//! session, offer it with its obfuscated age and binder, start 0-RTT, and keep the tickets
//! the server sends after the handshake.

use std::borrow::Cow;
use std::sync::Arc;

use padlock_crypto::Provider;
use padlock_pki::UnixTime;

use crate::certificate_chain::CertificateChain;
use crate::config::ClientConfig;
use crate::error::{Error, PeerMisbehaved};
use crate::hkdf::MAX_SECRET_LEN;
use crate::output::{trace, Output};
use crate::suites::{self, Suite};
use crate::ticket::{ClientSession, SessionStore, MAX_TICKET_LIFETIME};
use crate::tls13::key_schedule::{BinderKey, EarlySecret, PskKind, ResumptionMasterSecret};
use crate::trace::{Direction, TraceEvent};
use crate::transcript::Transcript;
use crate::verify::ServerName;
use crate::wire::enums::{ProtocolVersion, PskKeyExchangeMode};
use crate::wire::extensions::{OfferedPsks, PskBinderEntry, PskIdentity};
use crate::wire::handshake::{ClientHello, NewSessionTicket};
use crate::wire::list::List;

/// At most this many sessions are taken from the store looking for a usable one.
const MAX_SESSIONS_TRIED: usize = 8;

/// The session a ClientHello offers, with the Early Secret of its PSK.
pub(crate) struct OfferedPsk {
    /// The session offered; its ticket went into the ClientHello's pre_shared_key.
    pub(crate) session: ClientSession,
    /// The session's suite; the server must resume with one of the same hash.
    pub(crate) suite: Suite,
    pub(crate) early_secret: EarlySecret,
    /// The binder key (RFC 8446 §7.1), for the ClientHello's binder (and the second
    /// ClientHello's after a HelloRetryRequest).
    pub(crate) binder_key: BinderKey,
    /// Whether the (first) ClientHello offered 0-RTT data.
    pub(crate) early_data: bool,
}

/// A session taken from the store for this connection, by the version that resumes it.
pub(crate) enum Taken {
    /// A TLS 1.3 PSK, with its suite.
    Tls13(ClientSession, Suite),
    /// A TLS 1.2 session (RFC 5077 ticket or session id).
    Tls12(ClientSession),
}

/// The session to offer to `server_name`: `given`, else one from the store (each is taken
/// out, so used once, RFC 8446 §C.4) — fresh, made for this name, of a version
/// (`tls13`, `tls12`) and suite we offer, and with [`ClientConfig::reverify_on_resume`],
/// whose certificates the verifier still accepts.
pub(crate) fn take_session(
    config: &ClientConfig,
    server_name: &ServerName,
    given: Option<ClientSession>,
    now: UnixTime,
    (tls13, tls12): (bool, bool),
) -> Option<Taken> {
    let usable = |s: ClientSession| -> Option<Taken> {
        if !s.is_fresh(now) || s.server_name != server_name.as_str() {
            return None;
        }
        if config.reverify_on_resume && !still_verifies(config, &s, server_name, now) {
            return None;
        }
        if s.version == ProtocolVersion::TLSv1_2 {
            // RFC 5246 §7.4.1.2: the session's suite must be among those we offer.
            let offered = tls12 && config.cipher_suites.contains(&s.suite);
            let usable = suites::tls12_suite(s.suite).is_some_and(|t| {
                t.kx != suites::KeyExchangeKind::Rsa || config.legacy_rsa_key_exchange
            });
            return (offered && usable).then_some(Taken::Tls12(s));
        }
        let suite = suites::suite(s.suite)?;
        let offered = config
            .cipher_suites
            .iter()
            .filter_map(|c| suites::suite(*c))
            .any(|c| c.hash == suite.hash);
        (tls13 && offered).then_some(Taken::Tls13(s, suite))
    };
    if let Some(session) = given {
        return usable(session);
    }
    let store = config.session_store.as_deref()?;
    (0..MAX_SESSIONS_TRIED).find_map(|_| usable(store.take(server_name)?))
}

/// [`ClientConfig::reverify_on_resume`]: the verifier accepts the session's certificates
/// today. A refusal only drops the session: the full handshake that follows verifies the
/// certificates the server sends then, and fails if those are refused too.
fn still_verifies(
    config: &ClientConfig,
    session: &ClientSession,
    server_name: &ServerName,
    now: UnixTime,
) -> bool {
    let chain = &session.peer_certificates;
    crate::verify::verify_server_chain(config.verifier.as_ref(), chain, server_name, now).is_ok()
}

/// Adds the PSK offer to `hello` (RFC 8446 §4.2.9–§4.2.11): psk_key_exchange_modes
/// (psk_dhe_ke, or psk_ke only with `insecure_psk_ke`), early_data when 0-RTT is enabled,
/// the ticket allows it and we still offer its suite and ALPN protocol, and
/// pre_shared_key with the session's ticket, its obfuscated age and a placeholder binder
/// that [`fill_binder`] replaces once the ClientHello is encoded.
pub(crate) fn offer(
    config: &ClientConfig,
    mut session: ClientSession,
    suite: Suite,
    hello: &mut ClientHello<'static>,
    provider: &dyn Provider,
    now: UnixTime,
) -> OfferedPsk {
    // RFC 8446 §4.2.10: 0-RTT data speaks the session's ALPN protocol, which the server
    // must select again to accept it; it can select only one we offer now (RFC 7301 §3.2).
    let alpn_offered = session
        .alpn
        .as_ref()
        .is_none_or(|p| config.alpn_protocols.contains(p));
    let early_data = config.enable_early_data
        && session.max_early_data_size > 0
        && config.cipher_suites.contains(&session.suite)
        && alpn_offered;
    hello.extensions.psk_key_exchange_modes = Some(List::Borrowed(match mode(config) {
        PskKeyExchangeMode::psk_ke => &[PskKeyExchangeMode::psk_ke],
        _ => &[PskKeyExchangeMode::psk_dhe_ke],
    }));
    hello.extensions.early_data = early_data;
    hello.extensions.pre_shared_key = Some(OfferedPsks {
        // The ticket moves into the ClientHello: the session needs it no more.
        identities: vec![PskIdentity {
            identity: std::mem::take(&mut session.ticket).into(),
            obfuscated_ticket_age: obfuscated_age(&session, now),
        }]
        .into(),
        binders: placeholder_binders(suite.hash.output_len()),
    });
    let (early_secret, binder_key) = EarlySecret::with_binder_key(
        provider,
        suite.hash,
        session.secret.as_bytes(),
        PskKind::Resumption,
    );
    OfferedPsk {
        session,
        suite,
        early_secret,
        binder_key,
        early_data,
    }
}

/// The PSK mode we resume with (RFC 8446 §4.2.9): psk_dhe_ke, or psk_ke when configured.
pub(crate) fn mode(config: &ClientConfig) -> PskKeyExchangeMode {
    if config.insecure_psk_ke {
        PskKeyExchangeMode::psk_ke
    } else {
        PskKeyExchangeMode::psk_dhe_ke
    }
}

/// RFC 8446 §4.2.11.1: the ticket's age in milliseconds, plus ticket_age_add, modulo
/// 2^32.
pub(crate) fn obfuscated_age(session: &ClientSession, now: UnixTime) -> u32 {
    let age_ms = now
        .0
        .saturating_sub(session.received_at)
        .saturating_mul(1000);
    // Truncation is the "modulo 2^32" of §4.2.11.1.
    (age_ms as u32).wrapping_add(session.ticket_age_add)
}

/// The binders list [`offer`] puts in the ClientHello before its encoding is bound: one
/// entry of `len` zero bytes, where [`fill_binder`] writes the binder (the encoding's last
/// bytes). Borrowed from statics for SHA-256 and SHA-384, so the ClientHello kept for a
/// HelloRetryRequest (only ever encoded again, and bound again) needs no vectors for it.
fn placeholder_binders(len: usize) -> List<'static, PskBinderEntry<'static>> {
    static ZEROS: [u8; MAX_SECRET_LEN] = [0; MAX_SECRET_LEN];
    static SHA256: [PskBinderEntry<'static>; 1] =
        [PskBinderEntry(Cow::Borrowed(ZEROS.split_at(32).0))];
    static SHA384: [PskBinderEntry<'static>; 1] =
        [PskBinderEntry(Cow::Borrowed(ZEROS.split_at(48).0))];
    match len {
        32 => List::Borrowed(&SHA256),
        48 => List::Borrowed(&SHA384),
        _ => List::Owned(vec![PskBinderEntry(vec![0; len].into())]),
    }
}

/// RFC 8446 §4.2.11.2: the binder is computed over Transcript-Hash(`before`, the encoded
/// ClientHello truncated before the binders list), and written into the last bytes of
/// `encoded`, over the placeholder [`offer`] put there (`hello` keeps the placeholder).
pub(crate) fn fill_binder(
    psk: &OfferedPsk,
    hello: &ClientHello<'static>,
    encoded: &mut [u8],
    before: &mut Transcript,
    provider: &dyn Provider,
) {
    let binders_len = hello.extensions.binders_len().unwrap_or(0);
    let cut = encoded.len().saturating_sub(binders_len);
    // Hashed ahead: the transcript goes on from this hash if the server resumes.
    let hash = before.hash_ahead(provider, psk.suite.hash, &encoded[..cut]);
    let binder = psk.binder_key.binder(provider, hash.as_ref());
    let binder = binder.as_ref();
    // One binder, the last thing in the message: its bytes end the encoding.
    let at = encoded.len().saturating_sub(binder.len());
    encoded[at..].copy_from_slice(binder);
}

/// RFC 8446 §2.3, §7.1: after the first ClientHello (in `transcript`), the
/// client_early_traffic_secret, logged; 0-RTT data goes under its keys from now on.
pub(crate) fn start_early_data(
    psk: &OfferedPsk,
    transcript: &Transcript,
    compatibility: bool,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let provider = out.provider();
    let provider = provider.as_ref();
    let hash = transcript.hash_with(provider, psk.suite.hash, &[]);
    let secret = psk
        .early_secret
        .client_early_traffic_secret(provider, hash.as_ref());
    out.log_secret("CLIENT_EARLY_TRAFFIC_SECRET", secret.as_bytes());
    let keys = secret.record_keys(provider, psk.suite.aead)?;
    let max = psk.session.max_early_data_size as usize;
    out.start_early_data(keys, max, compatibility)
}

/// Keeps the tickets a server sends after the handshake (RFC 8446 §4.6.1) in the
/// configured store, each with its PSK.
pub(crate) struct TicketReceiver {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName,
    pub(crate) resumption: ResumptionMasterSecret,
    pub(crate) suite: Suite,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) peer_certificates: CertificateChain,
    /// On a resumed connection, when the session it resumed expires: its tickets are kept
    /// no longer, so a server that gives each resumption a fresh lifetime still meets a
    /// full handshake — its certificate checked again — once the first one is up (RFC
    /// 8446 §4.6.1: a client "MAY delete tickets earlier based on local policy").
    pub(crate) session_expires_at: Option<u64>,
}

impl TicketReceiver {
    /// A NewSessionTicket: checked, turned into a session and stored.
    pub(crate) fn receive(
        &self,
        ticket: NewSessionTicket<'_>,
        out: &mut dyn Output,
    ) -> Result<(), Error> {
        // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds".
        if u64::from(ticket.ticket_lifetime) > MAX_TICKET_LIFETIME.as_secs() {
            return Err(PeerMisbehaved::TicketLifetimeTooLong.into());
        }
        let max_early_data_size = ticket.extensions.early_data.unwrap_or(0);
        trace(out, || TraceEvent::Ticket {
            direction: Direction::Received,
            lifetime: ticket.ticket_lifetime,
            max_early_data_size: Some(max_early_data_size),
        });
        let now = (self.config.time)().0;
        let lifetime = u64::from(ticket.ticket_lifetime);
        // At most the ticket's own u32 lifetime, so it fits.
        let lifetime =
            crate::ticket::lifetime_within(lifetime, self.session_expires_at, now) as u32;
        // §4.6.1: a lifetime of zero means the ticket must not be used.
        if lifetime == 0 {
            return Ok(());
        }
        let provider = out.provider();
        let secret = self
            .resumption
            .ticket_psk(provider.as_ref(), ticket.ticket_nonce);
        let session = ClientSession {
            version: crate::wire::ProtocolVersion::TLSv1_3,
            server_name: self.server_name.as_str().into_owned(),
            suite: self.suite.suite,
            secret,
            ticket: ticket.ticket.to_vec(),
            session_id: Vec::new(),
            ticket_age_add: ticket.ticket_age_add,
            received_at: now,
            lifetime,
            max_early_data_size,
            alpn: self.alpn.clone(),
            peer_certificates: self.peer_certificates.clone(),
        };
        self.store.insert(&self.server_name, session);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_binder_has_the_binders_length_and_is_zero() {
        for len in [32, 48, 40] {
            let binders = placeholder_binders(len);
            let entries: Vec<_> = binders.iter().collect();
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].0.len(), len);
            assert!(entries[0].0.iter().all(|b| *b == 0));
        }
        assert!(matches!(placeholder_binders(32), List::Borrowed(_)));
        assert!(matches!(placeholder_binders(48), List::Borrowed(_)));
    }
}
