//! TLS 1.2 resumption on the client: a stored session offered (`offer_session`: its RFC
//! 5077 ticket with a fresh random session id, §3.4, or its session id, RFC 5246
//! §7.4.1.2), a resuming ServerHello checked (`check_resumed_hello`: the session's suite,
//! the Extended Master Secret, RFC 7627 §5.3), the abbreviated handshake (the server's
//! [NewSessionTicket], ChangeCipherSpec and Finished, then ours, RFC 5246 §7.3, RFC 5077
//! §3.1), and the session of a handshake kept in the store (`SessionKeeper`).

use std::sync::Arc;

use padlock_crypto::Provider;

use crate::certificate_chain::CertificateChain;
use crate::client::hs::Offer;
use crate::conn::HandshakeKind;
use crate::error::{Error, PeerMisbehaved};
use crate::hkdf::Secret;
use crate::output::{trace, unexpected, Output};
use crate::state::random_bytes;
use crate::suites::Tls12Suite;
use crate::ticket::{ClientSession, SessionStore, MAX_TICKET_LIFETIME};
use crate::tls12::handshake::{self, Randoms, SessionKeys, Transcript12};
use crate::tls12::prf::Sender;
use crate::trace::{Direction, TraceEvent};
use crate::verify::{self, Authenticated, ServerName};
use crate::wire::extensions::Tls12ServerHelloExtensions;
use crate::wire::handshake::{HandshakePayload, ServerHello};
use crate::wire::ProtocolVersion;

use super::{ExpectTraffic, State};

/// How long a session kept without a lifetime hint (a session id, or a ticket whose hint
/// is 0, RFC 5077 §3.3) is offered: two hours.
const DEFAULT_SESSION_LIFETIME: u32 = 7200;

/// Puts `session` into our ClientHello: its ticket in the session_ticket extension with a
/// random session id, so that an echo tells a resumption (RFC 5077 §3.4); or, without a
/// ticket, its session id (RFC 5246 §7.4.1.2). The session's suite is already among those
/// offered (`psk::take_session`).
pub(crate) fn offer_session(
    session: &ClientSession,
    hello: &mut crate::wire::handshake::ClientHello<'static>,
    provider: &dyn Provider,
) -> Result<(), Error> {
    if session.ticket.is_empty() {
        hello.legacy_session_id = session.session_id.clone().into();
    } else {
        hello.extensions.session_ticket = Some(session.ticket.clone().into());
        if hello.legacy_session_id.is_empty() {
            hello.legacy_session_id = random_bytes::<32>(provider)?.to_vec().into();
        }
    }
    Ok(())
}

/// The ServerHello echoed the session id of the session we offered: it resumes it. It must
/// keep the session's suite (RFC 5246 §7.4.1.3) and answer the Extended Master Secret the
/// session was made with (RFC 7627 §5.3: "the client MUST abort the handshake").
pub(crate) fn check_resumed_hello(
    session: &ClientSession,
    suite: Tls12Suite,
    extensions: &Tls12ServerHelloExtensions<'_>,
) -> Result<(), Error> {
    if suite.suite != session.suite {
        return Err(PeerMisbehaved::ResumedWithAnotherCipherSuite.into());
    }
    if !extensions.extended_master_secret {
        return Err(PeerMisbehaved::ResumedWithoutExtendedMasterSecret.into());
    }
    Ok(())
}

/// The abbreviated handshake begins: the session's master secret, keys from the new
/// randoms; then the server's [NewSessionTicket], ChangeCipherSpec and Finished.
pub(crate) fn resume(
    offer: Offer,
    session: ClientSession,
    suite: Tls12Suite,
    sh: &ServerHello,
    extensions: Tls12ServerHelloExtensions,
    raw: &[u8],
    out: &mut dyn Output,
) -> Result<crate::client::State, Error> {
    let provider = out.provider();
    let mut transcript = Transcript12::new(provider.as_ref(), suite, false);
    transcript.add(offer.transcript.buffered_bytes().unwrap_or_default());
    transcript.add(raw);
    handshake::report_negotiated(suite, None, HandshakeKind::Resumed, out);
    trace(out, || TraceEvent::SessionResumed {
        direction: Direction::Received,
        by_ticket: !session.ticket.is_empty(),
    });
    let randoms = Randoms {
        client: offer.hello.random,
        server: sh.random,
    };
    let keys = SessionKeys::resume(suite, session.secret.as_bytes(), &randoms, out)?;
    out.peer_certificates(session.peer_certificates.clone());
    let alpn = extensions.alpn.map(<[u8]>::to_vec);
    let keeper = SessionKeeper::new(&offer, suite, session.session_id.clone(), alpn)
        .map(|k| k.renewing(&session));
    let resumed = ExpectResumedChangeCipherSpec {
        transcript,
        keys,
        randoms,
        keeper,
        ticket: None,
        session,
    };
    Ok(crate::client::State::Tls12(crate::state::StateBox::new(
        if extensions.session_ticket {
            State::ResumedNewSessionTicket(ExpectResumedNewSessionTicket(resumed))
        } else {
            State::ResumedChangeCipherSpec(resumed)
        },
    )))
}

/// Resumed, and the ServerHello announced a NewSessionTicket (RFC 5077 §3.2, §3.3): it
/// must come before the server's ChangeCipherSpec.
pub(crate) struct ExpectResumedNewSessionTicket(ExpectResumedChangeCipherSpec);

impl ExpectResumedNewSessionTicket {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let mut next = self.0;
        next.ticket = Some(receive_ticket(message, raw, &mut next.transcript, out)?);
        Ok(State::ResumedChangeCipherSpec(next))
    }
}

/// Resumed: waiting for the server's ChangeCipherSpec (RFC 5246 §7.3).
pub(crate) struct ExpectResumedChangeCipherSpec {
    transcript: Transcript12,
    keys: SessionKeys,
    randoms: Randoms,
    keeper: Option<SessionKeeper>,
    ticket: Option<ReceivedTicket>,
    /// The session resumed, to keep again when no new ticket replaces it.
    session: ClientSession,
}

impl ExpectResumedChangeCipherSpec {
    pub(super) fn change_cipher_spec(self, out: &mut dyn Output) -> Result<State, Error> {
        handshake::receive_change_cipher_spec(&self.keys, Sender::Server, out)?;
        Ok(State::ResumedFinished(ExpectResumedFinished {
            before: self,
        }))
    }
}

/// Resumed: waiting for the server's Finished (RFC 5246 §7.4.9); then our ChangeCipherSpec
/// and Finished, and the connection is open.
pub(crate) struct ExpectResumedFinished {
    before: ExpectResumedChangeCipherSpec,
}

impl ExpectResumedFinished {
    pub(super) fn handle(
        self,
        message: HandshakePayload<'_>,
        raw: &[u8],
        out: &mut dyn Output,
    ) -> Result<State, Error> {
        let HandshakePayload::Finished(finished) = message else {
            return Err(unexpected("Finished", message.name()));
        };
        let ExpectResumedChangeCipherSpec {
            mut transcript,
            keys,
            randoms,
            keeper,
            ticket,
            session,
        } = self.before;
        let provider = out.provider();
        let verified = keys.check_finished(
            Sender::Server,
            &mut transcript,
            &finished,
            provider.as_ref(),
        )?;
        // The resumed server's Finished comes first (RFC 5929 §3.1).
        out.tls_unique(finished.verify_data);
        transcript.add(raw);
        handshake::send_last_change_cipher_spec_and_finished(
            &keys,
            Sender::Client,
            transcript,
            out,
        )?;
        if let Some(keeper) = keeper {
            match ticket {
                Some(ticket) => keeper.keep(keys.master_secret(), Some(ticket)),
                // No new ticket: the session (its ticket or id) still resumes.
                None => keeper.keep_again(session),
            }
        }
        out.tls12_exporter(keys.into_exporter(randoms));
        out.handshake_complete()?;
        Ok(State::Traffic(ExpectTraffic {
            // The server proved it holds the session's master secret.
            _server: Authenticated::Psk(verify::psk_proven_by_finished(&verified)),
            _finished: verified,
        }))
    }
}

/// A NewSessionTicket (RFC 5077 §3.3) kept until the server's Finished checks out: the
/// ticket copied out of the message.
pub(crate) struct ReceivedTicket {
    ticket: Vec<u8>,
    lifetime_hint: u32,
}

/// The NewSessionTicket a ServerHello announced (RFC 5077 §3.3), full handshake or
/// resumed: a NewSessionTicket it must be (anything else is unexpected), and it goes into
/// the transcript before the server's Finished.
pub(crate) fn receive_ticket(
    message: HandshakePayload<'_>,
    raw: &[u8],
    transcript: &mut Transcript12,
    out: &dyn Output,
) -> Result<ReceivedTicket, Error> {
    let HandshakePayload::NewSessionTicket12(ticket) = message else {
        return Err(unexpected("NewSessionTicket", message.name()));
    };
    transcript.add(raw);
    trace(out, || TraceEvent::Ticket {
        direction: Direction::Received,
        lifetime: ticket.lifetime_hint,
        max_early_data_size: None,
    });
    Ok(ReceivedTicket {
        ticket: ticket.ticket.to_vec(),
        lifetime_hint: ticket.lifetime_hint,
    })
}

/// Keeps the session of a TLS 1.2 handshake in the configured store, once the server's
/// Finished checked out: only one made with the Extended Master Secret (RFC 7627 §5.3),
/// with a ticket (RFC 5077) or a session id to resume it by.
pub(crate) struct SessionKeeper {
    store: Arc<dyn SessionStore>,
    server_name: ServerName,
    suite: Tls12Suite,
    session_id: Vec<u8>,
    alpn: Option<Vec<u8>>,
    received_at: u64,
    peer_certificates: CertificateChain,
    /// For a resumed session, when it expires: a ticket the server renews it with is kept
    /// no longer (as for TLS 1.3's, `TicketReceiver::session_expires_at`), so a server
    /// that gives each renewal a fresh lifetime still meets a full handshake — its
    /// certificate checked again — once the first is up.
    expires_at: Option<u64>,
}

impl SessionKeeper {
    /// A keeper if there is a store; `session_id` is the id the session goes by (the
    /// server's, in a full handshake).
    pub(crate) fn new(
        offer: &Offer,
        suite: Tls12Suite,
        session_id: Vec<u8>,
        alpn: Option<Vec<u8>>,
    ) -> Option<Self> {
        let store = offer.config.session_store.clone()?;
        Some(Self {
            store,
            server_name: offer.server_name.clone(),
            suite,
            session_id,
            alpn,
            received_at: (offer.config.time)().0,
            peer_certificates: CertificateChain::default(),
            expires_at: None,
        })
    }

    /// The session being resumed: what it renews into keeps its certificates and expires
    /// no later than it does.
    pub(crate) fn renewing(mut self, session: &ClientSession) -> Self {
        self.peer_certificates = session.peer_certificates.clone();
        self.expires_at = Some(session.expires_at().0);
        self
    }

    /// The ALPN protocol the handshake settled.
    pub(crate) fn with_alpn(mut self, alpn: Option<Vec<u8>>) -> Self {
        self.alpn = alpn;
        self
    }

    /// The server's certificate chain, as verified when the session was made.
    pub(crate) fn with_certificates(mut self, chain: CertificateChain) -> Self {
        self.peer_certificates = chain;
        self
    }

    /// Keeps the session: by `ticket` if the server sent one that is not empty, else by
    /// the server's session id; neither, nothing is kept.
    pub(crate) fn keep(self, master_secret: &[u8], ticket: Option<ReceivedTicket>) {
        let (ticket, hint) = match ticket {
            Some(t) => (t.ticket, t.lifetime_hint),
            None => (Vec::new(), 0),
        };
        if ticket.is_empty() && self.session_id.is_empty() {
            return;
        }
        let lifetime = match hint {
            0 => DEFAULT_SESSION_LIFETIME,
            hint => hint,
        };
        let lifetime = u64::from(lifetime).min(MAX_TICKET_LIFETIME.as_secs());
        // At most 7 days, which fits a u32.
        let lifetime =
            crate::ticket::lifetime_within(lifetime, self.expires_at, self.received_at) as u32;
        if lifetime == 0 {
            return;
        }
        let session = ClientSession {
            version: ProtocolVersion::TLSv1_2,
            server_name: self.server_name.as_str().into_owned(),
            suite: self.suite.suite,
            secret: Secret::new(master_secret),
            ticket,
            session_id: self.session_id,
            ticket_age_add: 0,
            received_at: self.received_at,
            lifetime,
            max_early_data_size: 0,
            alpn: self.alpn,
            peer_certificates: self.peer_certificates,
        };
        self.store.insert(&self.server_name, session);
    }

    /// Keeps a resumed session again, as it was: the server renewed nothing, and its
    /// ticket or id still names the session until it expires.
    fn keep_again(self, session: ClientSession) {
        self.store.insert(&self.server_name, session);
    }
}
