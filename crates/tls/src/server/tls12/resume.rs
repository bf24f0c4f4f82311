//! TLS 1.2 resumption on the server: a session offered by RFC 5077 ticket or by session id
//! checked (`check_resumption`), the abbreviated handshake answered (`resume`: ServerHello,
//! [NewSessionTicket], ChangeCipherSpec, Finished, then the client's ChangeCipherSpec and
//! Finished, RFC 5246 §7.3, RFC 5077 §3.1), and a new session kept after a full or resumed
//! handshake (`keep_session`: a NewSessionTicket right before our ChangeCipherSpec, RFC
//! 5077 §3.3, or the session-id cache).
//!
//! Every session is bound to the Extended Master Secret (RFC 7627 §5.3): none is kept
//! without it, a ticket that decodes to one without it is refused, and a ClientHello that
//! does not offer it while resuming one that had it ends the handshake (handshake_failure).
//! Anything else unusable — a ticket that does not open, is for TLS 1.3, has expired, was
//! made for another server name or suite, or lacks a client certificate the server
//! requires — falls back to a full handshake.

use std::sync::Arc;

use crate::certificate_chain::CertificateChain;
use crate::config::ServerConfig;
use crate::conn::HandshakeKind;
use crate::error::{Error, PeerMisbehaved};
use crate::output::{trace, unexpected, Output};
use crate::state::encode;
use crate::suites::{self, Tls12Suite};
use crate::ticket::state::Tls12SessionState;
use crate::ticket::{ServerSessionCache, MAX_TICKET_LIFETIME};
use crate::tls12::handshake::{self, Randoms, SessionKeys, Transcript12};
use crate::tls12::prf::Sender;
use crate::trace::{Direction, TraceEvent};
use crate::verify::{self, Authenticated};
use crate::wire::handshake::{HandshakePayload, NewSessionTicket12};

use super::hello::{send_server_hello, Offer, SessionAnswer};
use super::{ExpectTraffic, State};

/// A session the client offered that this connection resumes.
pub(super) struct Resumption {
    state: Tls12SessionState,
    suite: Tls12Suite,
}

/// How the session of a full handshake is kept for resumption, decided when the
/// ServerHello is sent.
pub(crate) enum Keep {
    /// Not at all: no Extended Master Secret, or nowhere to keep it.
    Nothing,
    /// Sealed into a NewSessionTicket (RFC 5077 §3.3); the ServerHello said so.
    Ticket,
    /// In the session-id cache, under the id the ServerHello announced.
    SessionId([u8; crate::ticket::SESSION_ID_LEN], Arc<ServerSessionCache>),
}

/// What a kept session records of the connection that made it.
pub(crate) struct NewSession {
    pub(crate) keep: Keep,
    pub(crate) server_name: Option<String>,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) client_certificates: CertificateChain,
}

/// RFC 5077 §3.2, RFC 5246 §7.4.1.2: the session the ClientHello offers — its ticket, else
/// its session id — if this connection can resume it. `Ok(None)`: a full handshake. An
/// Extended Master Secret session offered without the extension ends the handshake
/// (RFC 7627 §5.3).
pub(super) fn check_resumption(
    config: &ServerConfig,
    offer: &Offer<'_>,
    out: &mut dyn Output,
) -> Result<Option<Resumption>, Error> {
    let extensions = &offer.hello.extensions;
    let ticket = extensions
        .session_ticket
        .as_deref()
        .filter(|t| !t.is_empty());
    let session_id = &offer.hello.legacy_session_id[..];
    if ticket.is_none() && session_id.is_empty() {
        return Ok(None);
    }
    let by_ticket = ticket.is_some();
    let found = match ticket {
        Some(ticket) => open_ticket(config, ticket),
        None => Err("no ticket offered"),
    }
    .or_else(|why| match look_up_session_id(config, session_id) {
        // A random id beside a ticket (RFC 5077 §3.4) names no session: the ticket's
        // reason is the one to tell.
        Err(_) if by_ticket => Err(why),
        other => other,
    })
    .and_then(|state| usable(config, offer, state));
    let found = match found {
        Ok(found) => found,
        // A client that keeps no sessions sends a random id (compatibility mode), which
        // names nothing here: no offer to narrate.
        Err(_) if !by_ticket && offer.hello.extensions.supported_versions.is_some() => {
            return Ok(None)
        }
        Err(reason) => {
            trace(out, || TraceEvent::SessionOffered {
                direction: Direction::Received,
                by_ticket,
            });
            trace(out, || TraceEvent::SessionRefused {
                direction: Direction::Sent,
                reason: reason.to_string(),
            });
            return Ok(None);
        }
    };
    trace(out, || TraceEvent::SessionOffered {
        direction: Direction::Received,
        by_ticket,
    });
    // RFC 7627 §5.3: the session had the Extended Master Secret (every session here has);
    // a ClientHello resuming it without the extension is aborted.
    if !offer.extended_master_secret {
        return Err(PeerMisbehaved::ResumedWithoutExtendedMasterSecret.into());
    }
    trace(out, || TraceEvent::SessionResumed {
        direction: Direction::Sent,
        by_ticket,
    });
    let (state, suite) = found;
    Ok(Some(Resumption { state, suite }))
}

/// The session sealed into `ticket`, if our ticketer opens it and it is a TLS 1.2 one.
fn open_ticket(config: &ServerConfig, ticket: &[u8]) -> Result<Tls12SessionState, &'static str> {
    let ticketer = config
        .ticketer
        .as_deref()
        .ok_or("resumption by ticket is off (no ticketer)")?;
    let bytes = ticketer
        .open(ticket, (config.time)())
        .ok_or("the ticket does not open (modified, or its key was retired)")?;
    Tls12SessionState::decode(&bytes)
}

/// The session kept under `id` in the session-id cache.
fn look_up_session_id(config: &ServerConfig, id: &[u8]) -> Result<Tls12SessionState, &'static str> {
    let cache = config
        .session_id_cache
        .as_deref()
        .ok_or("resumption by session id is off (no cache)")?;
    let bytes = cache
        .get(id, (config.time)())
        .ok_or("the session id is unknown here (expired, pushed out, or never ours)")?;
    Tls12SessionState::decode(&bytes)
}

/// Whether a session may be resumed on this connection: its suite is one the client
/// offers and we enable (RFC 5246 §7.4.1.2: the client "MUST include at least the
/// cipher_suite from that session"), and the checks every resumption makes.
fn usable(
    config: &ServerConfig,
    offer: &Offer<'_>,
    state: Tls12SessionState,
) -> Result<(Tls12SessionState, Tls12Suite), &'static str> {
    let suite = suites::tls12_suite(state.suite).ok_or("the session's cipher suite is unknown")?;
    if !offer.hello.cipher_suites.contains(&state.suite) {
        return Err("the client no longer offers the session's cipher suite");
    }
    if !config.cipher_suites.contains(&state.suite) {
        return Err("the session's cipher suite is no longer enabled here");
    }
    if suite.kx == suites::KeyExchangeKind::Rsa && !config.legacy_rsa_key_exchange {
        return Err("the session used RSA key transport, which is no longer enabled");
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
        (config.time)().0,
    )?;
    Ok((state, suite))
}

/// The abbreviated handshake (RFC 5246 §7.3, RFC 5077 §3.1): ServerHello echoing the
/// client's session id, a renewed ticket if the client takes tickets, then our
/// ChangeCipherSpec and Finished first; the client's follow.
pub(super) fn resume(
    config: Arc<ServerConfig>,
    offer: &Offer<'_>,
    raw: &[u8],
    resumption: Resumption,
    randoms: Randoms,
    out: &mut dyn Output,
) -> Result<crate::server::State, Error> {
    let Resumption { state, suite } = resumption;
    let hello = offer.hello;
    let alpn = crate::server::choose_alpn(&config, hello.extensions.alpn.as_ref())?;
    let mut transcript = Transcript12::new(out.provider().as_ref(), suite, false);
    transcript.add(raw);
    if let Some(name) = &hello.extensions.server_name {
        out.server_name(name.to_string());
    }
    out.client_random(hello.random);
    handshake::report_negotiated(suite, None, HandshakeKind::Resumed, out);
    // RFC 5077 §3.1: a client that offers the extension may be sent a fresh ticket.
    let renew = wants_ticket(&config, offer);
    let answer = SessionAnswer {
        id: &hello.legacy_session_id,
        ticket: renew,
        resumed: true,
    };
    send_server_hello(
        offer,
        suite,
        &randoms,
        alpn.as_deref(),
        answer,
        &mut transcript,
        out,
    )?;
    if let Some(protocol) = alpn {
        out.alpn(protocol);
    }
    if !state.client_certificates.is_empty() {
        out.peer_certificates(state.client_certificates.clone());
    }
    let keys = SessionKeys::resume(suite, state.master_secret.as_bytes(), &randoms, out)?;
    if renew {
        // The renewed ticket keeps the session's issue time: resuming never extends it.
        send_ticket(&config, &state, &mut transcript, out)?;
    }
    handshake::send_change_cipher_spec_and_finished(&keys, Sender::Server, &mut transcript, out)?;
    Ok(crate::server::State::Tls12(crate::state::StateBox::new(
        State::ResumedChangeCipherSpec(ExpectResumedChangeCipherSpec {
            transcript,
            keys,
            randoms,
        }),
    )))
}

/// Whether this handshake's session goes into a ticket: the client sent the
/// session_ticket extension (RFC 5077 §3.2) and we have a ticketer and send tickets.
fn wants_ticket(config: &ServerConfig, offer: &Offer<'_>) -> bool {
    offer.extended_master_secret
        && offer.hello.extensions.session_ticket.is_some()
        && config.ticketer.is_some()
        && config.ticket_count > 0
}

/// How the session of a full handshake will be kept (RFC 7627 §5.3: only with the
/// Extended Master Secret): a ticket for a client that takes them, else a session id.
pub(super) fn choose_keep(config: &ServerConfig, offer: &Offer<'_>) -> Keep {
    if !offer.extended_master_secret {
        return Keep::Nothing;
    }
    if wants_ticket(config, offer) {
        return Keep::Ticket;
    }
    match &config.session_id_cache {
        Some(cache) => match cache.new_name() {
            Some(id) => Keep::SessionId(id, cache.clone()),
            None => Keep::Nothing,
        },
        None => Keep::Nothing,
    }
}

/// The session id the ServerHello of a full handshake announces (empty: not resumable by
/// id).
pub(super) fn announced_id(keep: &Keep) -> &[u8] {
    match keep {
        Keep::SessionId(id, _) => id,
        _ => &[],
    }
}

/// After the client's Finished in a full handshake: keep the session as the ServerHello
/// announced — a NewSessionTicket (RFC 5077 §3.3, "directly before the ChangeCipherSpec",
/// in the transcript), or the session-id cache.
pub(super) fn keep_session(
    config: &ServerConfig,
    new: NewSession,
    suite: Tls12Suite,
    keys: &SessionKeys,
    transcript: &mut Transcript12,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let now = (config.time)();
    let state = Tls12SessionState {
        suite: suite.suite,
        master_secret: crate::hkdf::Secret::new(keys.master_secret()),
        issued_at: now.0,
        lifetime: lifetime_secs(config),
        server_name: new.server_name,
        alpn: new.alpn,
        client_certificates: new.client_certificates,
    };
    match new.keep {
        Keep::Nothing => Ok(()),
        Keep::Ticket => send_ticket(config, &state, transcript, out),
        Keep::SessionId(id, cache) => {
            // A full cache drops its oldest session; a failed insert leaves the id
            // naming nothing, and the client's next offer gets a full handshake.
            if cache.insert(id, &state.encode(), now).is_none() {
                trace(out, || TraceEvent::SessionRefused {
                    direction: Direction::Sent,
                    reason: "the session could not be cached".into(),
                });
            }
            Ok(())
        }
    }
}

/// A NewSessionTicket (RFC 5077 §3.3) sealing `state`; an empty ticket when the ticketer
/// cannot seal (the ServerHello promised a NewSessionTicket, which must come).
fn send_ticket(
    config: &ServerConfig,
    state: &Tls12SessionState,
    transcript: &mut Transcript12,
    out: &mut dyn Output,
) -> Result<(), Error> {
    let now = (config.time)();
    let ticket = config
        .ticketer
        .as_deref()
        .and_then(|t| t.seal(&state.encode(), now))
        .unwrap_or_default();
    let expiry = state.issued_at.saturating_add(u64::from(state.lifetime));
    // At most the lifetime, which fits a u32.
    let lifetime_hint = if ticket.is_empty() {
        0
    } else {
        crate::ticket::lifetime_within(u64::from(state.lifetime), Some(expiry), now.0) as u32
    };
    let message = encode(&HandshakePayload::NewSessionTicket12(NewSessionTicket12 {
        lifetime_hint,
        ticket: &ticket,
    }));
    crate::handshake_trace::trace_sent(out, "NewSessionTicket", message.len(), || {
        format!("lifetime_hint={lifetime_hint}s")
    });
    trace(out, || TraceEvent::Ticket {
        direction: Direction::Sent,
        lifetime: lifetime_hint,
        max_early_data_size: None,
    });
    transcript.add(&message);
    out.send_handshake(&message);
    Ok(())
}

/// How long a TLS 1.2 session may be resumed: the configured ticket lifetime, capped by
/// the ticketer's and by 7 days.
fn lifetime_secs(config: &ServerConfig) -> u32 {
    let mut lifetime = config.ticket_lifetime.min(MAX_TICKET_LIFETIME);
    if let Some(ticketer) = &config.ticketer {
        lifetime = lifetime.min(ticketer.lifetime());
    }
    // At most 604800.
    lifetime.as_secs() as u32
}

/// Resumed: our Finished went; waiting for the client's ChangeCipherSpec (RFC 5246 §7.3).
pub(crate) struct ExpectResumedChangeCipherSpec {
    transcript: Transcript12,
    keys: SessionKeys,
    randoms: Randoms,
}

impl ExpectResumedChangeCipherSpec {
    pub(super) fn change_cipher_spec(self, out: &mut dyn Output) -> Result<State, Error> {
        handshake::receive_change_cipher_spec(&self.keys, Sender::Client, out)?;
        Ok(State::ResumedFinished(ExpectResumedFinished {
            before: self,
        }))
    }
}

/// Resumed: waiting for the client's Finished (RFC 5246 §7.4.9), over every message
/// including ours; then the connection is open.
pub(crate) struct ExpectResumedFinished {
    before: ExpectResumedChangeCipherSpec,
}

impl ExpectResumedFinished {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::Finished(finished) = message else {
            return Err(unexpected("Finished", message.name()));
        };
        let ExpectResumedChangeCipherSpec {
            transcript,
            keys,
            randoms,
        } = self.before;
        let provider = out.provider();
        let verified =
            keys.check_last_finished(Sender::Client, transcript, &finished, provider.as_ref())?;
        out.tls12_exporter(keys.into_exporter(randoms));
        out.handshake_complete()?;
        // The client proved it holds the session's master secret.
        let client = Authenticated::Psk(verify::psk_proven_by_finished(&verified));
        Ok(State::Traffic(ExpectTraffic {
            _client: Some(client),
            _finished: verified,
        }))
    }
}
