//! The connection as a story: a [`Recorder`] that receives the engine's trace events (plus
//! the client's own steps: TCP, the certificate chain, the request and response) and keeps
//! them as [`Step`]s, which [`text`] prints for `padlock get -v` and [`html`] draws as a
//! sequence diagram for `--trace-html`.

pub mod html;
pub mod text;
pub mod why;

use std::sync::Mutex;
use std::time::Instant;

use padlock_tls::trace::{Direction, KeyPhase};
use padlock_tls::{CertificateChain, Trace, TraceEvent};

use crate::certinfo::CertSummary;
use why::KeyAgreement;

/// Who a step belongs to in the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Client to server (an arrow to the right).
    ToServer,
    /// Server to client (an arrow to the left).
    ToClient,
    /// Something the client did or concluded on its own.
    Client,
}

/// One step of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Milliseconds since the recorder started.
    pub at_ms: u64,
    /// Which way.
    pub flow: Flow,
    /// e.g. "ClientHello", "TCP connected", "certificate chain".
    pub title: String,
    /// Detail lines.
    pub details: Vec<String>,
    /// Which keys protected it on the wire: "plaintext", "handshake keys",
    /// "application keys (generation 0)"; `None` for local steps.
    pub protection: Option<String>,
    /// Whether it is a check that failed or an alert.
    pub bad: bool,
    /// What this step protects against, in one sentence ([`why::protects_against`]);
    /// shown in `--trace-html` and with `-vv`.
    pub why: Option<&'static str>,
}

/// Record counts per direction and key phase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordTally {
    /// (phase label, count, first seq, last seq) for records we sent.
    pub sent: Vec<(String, u64, u64, u64)>,
    /// Same for records we received.
    pub received: Vec<(String, u64, u64, u64)>,
}

#[derive(Debug)]
struct State {
    steps: Vec<Step>,
    send_phase: Option<KeyPhase>,
    recv_phase: Option<KeyPhase>,
    tally: RecordTally,
    live: bool,
    /// Print each step's [`Step::why`] too (`-vv`).
    explain: bool,
    /// How the session's secret is agreed, once the ServerHello says.
    agreement: KeyAgreement,
    printed: usize,
}

/// Collects the steps of one connection. With `live`, each step is also printed to stderr
/// as it happens (`padlock get -v`).
#[derive(Debug)]
pub struct Recorder {
    started: Instant,
    state: Mutex<State>,
}

impl Recorder {
    /// A recorder; `live` prints each step to stderr as it arrives.
    pub fn new(live: bool) -> Self {
        Recorder {
            started: Instant::now(),
            state: Mutex::new(State {
                steps: Vec::new(),
                send_phase: None,
                recv_phase: None,
                tally: RecordTally::default(),
                live,
                explain: false,
                agreement: KeyAgreement::default(),
                printed: 0,
            }),
        }
    }

    /// Also prints, live, what each step protects against (`-vv`).
    pub fn explaining(self, explain: bool) -> Self {
        self.lock().explain = explain;
        self
    }

    /// Whether live output includes what each step protects against.
    pub fn explains(&self) -> bool {
        self.lock().explain
    }

    /// Adds a step of the client's own (TCP, chain details, HTTP request and response).
    pub fn note(&self, flow: Flow, title: impl Into<String>, details: Vec<String>) {
        let protection = match flow {
            Flow::Client => None,
            Flow::ToServer => Some(self.phase_label(Direction::Sent)),
            Flow::ToClient => Some(self.phase_label(Direction::Received)),
        };
        self.push(Step {
            at_ms: 0,
            flow,
            title: title.into(),
            details,
            protection,
            bad: false,
            why: None,
        });
        self.flush_live();
    }

    /// A new connection starts (the next URL, a redirect): its records are in plaintext
    /// until its own keys are installed.
    pub fn new_connection(&self) {
        let mut st = self.lock();
        st.send_phase = None;
        st.recv_phase = None;
    }

    /// Adds the certificate chain the server presented, from its DER certificates (nothing
    /// when it sent none).
    pub fn peer_chain(&self, chain: Option<&CertificateChain>) {
        let chain: Vec<_> = chain
            .into_iter()
            .flatten()
            .map(crate::certinfo::summarize)
            .collect();
        if !chain.is_empty() {
            self.chain(&chain);
        }
    }

    /// Adds the certificate chain the server presented.
    pub fn chain(&self, chain: &[Option<CertSummary>]) {
        let mut details = Vec::new();
        for (i, c) in chain.iter().enumerate() {
            match c {
                Some(c) => {
                    let role = if i == 0 {
                        "leaf"
                    } else if c.is_ca {
                        "CA"
                    } else {
                        "intermediate"
                    };
                    details.push(format!("[{i}] {role}: subject {}", c.subject));
                    details.push(format!("    issuer   {}", c.issuer));
                    details.push(format!(
                        "    valid    {} to {}",
                        text::date(c.not_before),
                        text::date(c.not_after)
                    ));
                    if !c.sans.is_empty() {
                        details.push(format!("    names    {}", c.sans.join(", ")));
                    }
                    details.push(format!("    key      {}", c.key));
                }
                None => details.push(format!("[{i}] (not parseable)")),
            }
        }
        // Shown right after the Certificate message that carried it.
        let mut step = Step {
            at_ms: 0,
            flow: Flow::Client,
            title: "certificate chain presented by the server".into(),
            details,
            protection: None,
            bad: false,
            why: None,
        };
        step.at_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        {
            let mut st = self.lock();
            let at = st
                .steps
                .iter()
                .position(|s| s.title.eq_ignore_ascii_case("certificate"))
                .map_or(st.steps.len(), |i| i + 1);
            let at = at.max(st.printed);
            if let Some(prev) = st.steps.get(at.wrapping_sub(1)) {
                step.at_ms = prev.at_ms;
            }
            st.steps.insert(at, step);
        }
        self.flush_live();
    }

    /// Prints the steps not yet printed (live mode). Handshake steps are held back until
    /// the client's next own step, so the chain can be shown in its place.
    pub fn flush_live(&self) {
        let mut st = self.lock();
        if !st.live {
            return;
        }
        let from = st.printed.min(st.steps.len());
        for s in &st.steps[from..] {
            if st.explain {
                eprint!("{}", text::render_step_explained(s));
            } else {
                eprint!("{}", text::render_step(s));
            }
        }
        st.printed = st.steps.len();
    }

    /// Every step so far.
    pub fn steps(&self) -> Vec<Step> {
        self.lock().steps.clone()
    }

    /// Record counts so far.
    pub fn records(&self) -> RecordTally {
        self.lock().tally.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The message whose signature a SignatureCheck is about: the last one received, which
    /// is the ServerKeyExchange in TLS 1.2 (RFC 5246 §7.4.3), else CertificateVerify.
    fn signed_message(&self) -> &'static str {
        let st = self.lock();
        let last = st
            .steps
            .iter()
            .rev()
            .find(|s| s.flow == Flow::ToClient && s.protection.is_some());
        match last {
            Some(s) if s.title == "ServerKeyExchange" => "ServerKeyExchange",
            _ => "CertificateVerify",
        }
    }

    /// What the explainers say a message carries, beyond the engine's summary.
    fn explainer_lines(&self, name: &str) -> Vec<String> {
        let rsa = self.lock().agreement == KeyAgreement::RsaTransport;
        let line = match name {
            "ClientKeyExchange" if rsa => {
                "pre-master secret, 48 bytes, encrypted with the server's RSA public key"
            }
            "ClientKeyExchange" => {
                "the client's ephemeral ECDHE public key: with the server's, both sides compute \
                 the same pre-master secret"
            }
            "ServerKeyExchange" => {
                "the server's ephemeral ECDHE public key, signed with its certificate's key \
                 over both randoms"
            }
            "ChangeCipherSpec" => "the records after this one are protected with the new keys",
            "Finished" => "a MAC over all handshake messages so far, under the new keys",
            _ => return Vec::new(),
        };
        vec![line.to_string()]
    }

    fn phase_label(&self, dir: Direction) -> String {
        let st = self.lock();
        let phase = if dir == Direction::Sent {
            st.send_phase
        } else {
            st.recv_phase
        };
        phase_name(phase)
    }

    fn push(&self, mut step: Step) {
        step.at_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let released = {
            let mut st = self.lock();
            step.why = why::protects_against(&step.title, step.flow, st.agreement);
            st.steps.push(step);
            st.steps
                .iter()
                .any(|s| s.flow == Flow::ToServer && s.title.starts_with("HTTP"))
                || st
                    .steps
                    .iter()
                    .any(|s| s.title.starts_with("certificate chain presented"))
        };
        if released {
            self.flush_live();
        }
    }
}

impl Trace for Recorder {
    fn event(&self, event: &TraceEvent<'_>) {
        let flow = |d: &Direction| {
            if *d == Direction::Sent {
                Flow::ToServer
            } else {
                Flow::ToClient
            }
        };
        let step = |flow, title: String, details: Vec<String>, protection, bad| Step {
            at_ms: 0,
            flow,
            title,
            details,
            protection,
            bad,
            why: None,
        };
        let s = match event {
            TraceEvent::Message {
                direction,
                name,
                len,
                summary,
            } => {
                let name = message_name(name);
                let rsa_transport = name == "ServerHello" && summary.contains("TLS_RSA_WITH_");
                if rsa_transport {
                    self.lock().agreement = KeyAgreement::RsaTransport;
                }
                let mut details = vec![format!("{len} bytes")];
                details.extend(summary_lines(summary));
                details.extend(self.explainer_lines(&name));
                let message = step(
                    flow(direction),
                    name.clone(),
                    details,
                    Some(self.phase_label(*direction)),
                    false,
                );
                if rsa_transport {
                    // RSA key transport has no group, so the engine reports no Negotiated
                    // event: say it here, with what it costs.
                    self.push(message);
                    let suite = summary_lines(summary)
                        .into_iter()
                        .find(|l| l.starts_with("cipher suite "))
                        .unwrap_or_default();
                    step(
                        Flow::Client,
                        "negotiated".into(),
                        vec![
                            "version TLSv1.2".into(),
                            suite,
                            "key exchange RSA key transport (the client encrypts the \
                             pre-master secret to the server's RSA key)"
                                .into(),
                            "no forward secrecy: whoever later obtains the server's private \
                             key can decrypt this session"
                                .into(),
                        ],
                        None,
                        false,
                    )
                } else if name != "ClientKeyExchange" {
                    message
                } else {
                    // TLS 1.2 (RFC 5246 §8.1): both sides now turn the pre-master secret
                    // into the master secret, and that into the session keys.
                    self.push(message);
                    step(
                        Flow::Client,
                        "master secret derived".into(),
                        vec![
                            "from the pre-master secret and both randoms (RFC 5246 §8.1)".into(),
                            "each direction's session keys are cut from it (RFC 5246 §6.3)".into(),
                        ],
                        None,
                        false,
                    )
                }
            }
            TraceEvent::Negotiated {
                version,
                suite,
                group,
            } => step(
                Flow::Client,
                "negotiated".into(),
                vec![
                    format!("version {version}"),
                    format!("cipher suite {suite}"),
                    format!("key exchange {group}"),
                    quantum_protection(*group).to_string(),
                ],
                None,
                false,
            ),
            TraceEvent::HelloRetryRequest {
                direction,
                group,
                cookie,
            } => step(
                flow(direction),
                "HelloRetryRequest".into(),
                vec![
                    format!(
                        "asks for key share in {}",
                        group.map_or("(no group)".into(), |g| g.to_string())
                    ),
                    format!("cookie: {}", if *cookie { "yes" } else { "no" }),
                ],
                Some(self.phase_label(*direction)),
                false,
            ),
            TraceEvent::CertificateCheck {
                subject,
                chain_len,
                result,
            } => step(
                Flow::Client,
                "certificate chain check".into(),
                vec![
                    format!("leaf subject {subject}, {chain_len} certificate(s) presented"),
                    match result {
                        Ok(()) => "chain to a trusted root, validity dates, name, key usage: ok"
                            .to_string(),
                        Err(e) => format!("refused: {e}"),
                    },
                ],
                None,
                result.is_err(),
            ),
            TraceEvent::SignatureCheck { scheme, ok } => step(
                Flow::Client,
                format!("{} signature check", self.signed_message()),
                vec![format!(
                    "{scheme}: {}",
                    if *ok { "valid" } else { "INVALID" }
                )],
                None,
                !ok,
            ),
            TraceEvent::Alpn { protocol } => step(
                Flow::Client,
                "ALPN".into(),
                vec![format!(
                    "application protocol {}",
                    String::from_utf8_lossy(protocol)
                )],
                None,
                false,
            ),
            TraceEvent::KeysInstalled { direction, phase } => {
                {
                    let mut st = self.lock();
                    if *direction == Direction::Sent {
                        st.send_phase = Some(*phase);
                    } else {
                        st.recv_phase = Some(*phase);
                    }
                }
                let which = if *direction == Direction::Sent {
                    "sending"
                } else {
                    "receiving"
                };
                step(
                    Flow::Client,
                    format!("{} installed for {which}", phase_name(Some(*phase))),
                    vec![],
                    None,
                    false,
                )
            }
            TraceEvent::Record {
                direction,
                seq,
                len: _,
            } => {
                let label = self.phase_label(*direction);
                let mut st = self.lock();
                let list = if *direction == Direction::Sent {
                    &mut st.tally.sent
                } else {
                    &mut st.tally.received
                };
                match list.last_mut() {
                    Some(last) if last.0 == label => {
                        last.1 += 1;
                        last.3 = *seq;
                    }
                    _ => list.push((label, 1, *seq, *seq)),
                }
                return;
            }
            TraceEvent::Alert {
                direction,
                description,
            } => step(
                flow(direction),
                format!("alert: {description}"),
                vec![],
                Some(self.phase_label(*direction)),
                !description.to_string().contains("close_notify"),
            ),
            TraceEvent::HandshakeComplete => step(
                Flow::Client,
                "handshake complete".into(),
                vec![],
                None,
                false,
            ),
            TraceEvent::PskOffered {
                direction: _,
                identities,
                early_data,
            } => step(
                Flow::Client,
                "resumption offered (pre_shared_key)".into(),
                vec![
                    if *identities == 1 {
                        "1 session ticket offered, with its binder (RFC 8446 §4.2.11)".into()
                    } else {
                        format!(
                            "{identities} session tickets offered, each with its binder \
                             (RFC 8446 §4.2.11)"
                        )
                    },
                    if *early_data {
                        "early data (0-RTT) announced and sent with the ClientHello".into()
                    } else {
                        "no early data".into()
                    },
                ],
                None,
                false,
            ),
            TraceEvent::PskAccepted {
                direction: _,
                identity,
            } => step(
                Flow::Client,
                "session resumed".into(),
                vec![
                    format!(
                        "the server accepted ticket #{identity}: its binder checked out \
                         (RFC 8446 §4.2.11.2)"
                    ),
                    "no certificate is sent or checked: the session's was, when it was made".into(),
                    "psk_dhe_ke: a fresh key exchange still keeps this session forward secret"
                        .into(),
                ],
                None,
                false,
            ),
            TraceEvent::PskRefused {
                direction: _,
                reason,
            } => step(
                Flow::Client,
                "resumption refused: full handshake".into(),
                vec![reason.clone()],
                None,
                false,
            ),
            TraceEvent::BinderCheck { identity, ok } => step(
                Flow::Client,
                "PSK binder check".into(),
                vec![format!(
                    "binder of ticket #{identity}: {}",
                    if *ok { "valid" } else { "INVALID" }
                )],
                None,
                !ok,
            ),
            TraceEvent::EarlyDataAccepted { direction: _ } => step(
                Flow::Client,
                "early data accepted".into(),
                vec!["the server took the 0-RTT data sent with the ClientHello".into()],
                None,
                false,
            ),
            TraceEvent::EarlyDataRejected {
                direction: _,
                reason,
            } => step(
                Flow::Client,
                "early data rejected".into(),
                vec![
                    reason.clone(),
                    "the server skipped the 0-RTT data unread; it goes again after the \
                     handshake"
                        .into(),
                ],
                None,
                false,
            ),
            TraceEvent::SessionOffered {
                direction: _,
                by_ticket,
            } => step(
                Flow::Client,
                "resumption offered (TLS 1.2 session)".into(),
                vec![if *by_ticket {
                    "the session's ticket in session_ticket, with a fresh session id \
                     (RFC 5077 §3.4)"
                        .into()
                } else {
                    "the session's id in the ClientHello (RFC 5246 §7.4.1.2)".into()
                }],
                None,
                false,
            ),
            TraceEvent::SessionResumed {
                direction: _,
                by_ticket,
            } => step(
                Flow::Client,
                "session resumed (abbreviated handshake)".into(),
                vec![
                    format!(
                        "the server echoed the session id: it resumes the session {} \
                         (RFC 5246 §7.3)",
                        if *by_ticket {
                            "sealed in the ticket"
                        } else {
                            "it cached"
                        }
                    ),
                    "no certificate or key exchange: the session's master secret, made with \
                     the Extended Master Secret (RFC 7627), gives new keys with the new randoms"
                        .into(),
                    "the server's ChangeCipherSpec and Finished come first, then the client's"
                        .into(),
                ],
                None,
                false,
            ),
            TraceEvent::SessionRefused {
                direction: _,
                reason,
            } => step(
                Flow::Client,
                "resumption refused: full handshake".into(),
                vec![reason.clone()],
                None,
                false,
            ),
            // Follows the NewSessionTicket message it came in: what the client keeps.
            TraceEvent::Ticket {
                direction: _,
                lifetime,
                max_early_data_size,
            } => step(
                Flow::Client,
                "session ticket kept for resumption".into(),
                [format!(
                    "resumable for up to {}",
                    text::duration_words(*lifetime)
                )]
                .into_iter()
                .chain(max_early_data_size.map(|size| {
                    if size > 0 {
                        format!("allows {size} bytes of early data (0-RTT)")
                    } else {
                        "no early data (0-RTT)".into()
                    }
                }))
                .collect(),
                None,
                false,
            ),
            _ => return,
        };
        self.push(s);
    }
}

/// A handshake message's name in one style whichever way it went: the RFC's structure
/// names (`ServerHello`, `EncryptedExtensions`), where the engine may say `server_hello`.
pub fn message_name(name: &str) -> String {
    if !name.contains('_') && name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return name.to_string();
    }
    name.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The engine's one-line summary of a message (`suite=X group=Some(x25519) alpn=[h2]`) as
/// detail lines for a person (`cipher suite X`, `key exchange x25519`, `ALPN h2`): no Rust
/// debug text, and nothing for a parameter that is absent or empty.
fn summary_lines(summary: &str) -> Vec<String> {
    let items = split_top_level(summary);
    if !items.iter().any(|item| item.contains('=')) {
        return (!summary.trim().is_empty())
            .then(|| summary.trim().to_string())
            .into_iter()
            .collect();
    }
    items
        .iter()
        .filter_map(|item| {
            let (key, value) = item.split_once('=')?;
            let value = plain_value(value);
            if value.is_empty() || value == "false" {
                return None;
            }
            let label = match key {
                "sni" => "server name",
                "suites" => "cipher suites",
                "suite" => "cipher suite",
                "groups" => "groups",
                "group" => "key exchange",
                "key_share" => "key shares",
                "alpn" => "ALPN",
                "scheme" => "signature scheme",
                "cookie" => "cookie",
                "random" => return Some(format!("random {}", random_text(&value))),
                other => other,
            };
            Some(format!("{} {value}", label.replace('_', " ")))
        })
        .collect()
}

/// `summary` split at the spaces outside brackets and quotes.
fn split_top_level(summary: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut quoted, mut start) = (0usize, false, 0);
    for (i, c) in summary.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '(' | '{' if !quoted => depth += 1,
            ']' | ')' | '}' if !quoted => depth = depth.saturating_sub(1),
            ' ' if !quoted && depth == 0 => {
                if i > start {
                    items.push(&summary[start..i]);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < summary.len() {
        items.push(&summary[start..]);
    }
    items
}

/// A value without its Debug dress: `Some(x)` is `x`, `None` is empty, a list `["a", "b"]`
/// is `a, b`.
fn plain_value(value: &str) -> String {
    let mut v = value.trim();
    loop {
        if let Some(inner) = v.strip_prefix("Some(").and_then(|r| r.strip_suffix(')')) {
            v = inner;
        } else if let Some(inner) = v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            v = inner;
        } else {
            break;
        }
    }
    if v == "None" {
        return String::new();
    }
    v.replace('"', "")
}

/// A 32-byte random as its first 8 bytes in hex and its length: enough to tell two
/// connections' randoms apart, short enough for one line.
fn random_text(hex: &str) -> String {
    let bytes = hex.len() / 2;
    match hex.get(..16) {
        Some(head) if bytes > 8 => format!("{head}… ({bytes} bytes)"),
        _ => format!("{hex} ({bytes} bytes)"),
    }
}

fn phase_name(phase: Option<KeyPhase>) -> String {
    match phase {
        None => "plaintext".to_string(),
        Some(KeyPhase::Handshake) => "handshake keys".to_string(),
        Some(KeyPhase::Application(n)) => format!("application keys (generation {n})"),
        Some(KeyPhase::Early) => "early data keys (0-RTT)".to_string(),
        Some(KeyPhase::Tls12) => "session keys (TLS 1.2)".to_string(),
        Some(_) => "other keys".to_string(),
    }
}

/// Whether a session keyed by `group` is protected against a future quantum computer
/// ("harvest now, decrypt later"), in a person's words.
fn quantum_protection(group: padlock_tls::NamedGroup) -> &'static str {
    if group.is_post_quantum() {
        "post-quantum: protected against a future quantum computer (ML-KEM)"
    } else {
        "classical: not protected against a future quantum computer"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumption_and_early_data_events_read_as_steps() {
        let r = Recorder::new(false);
        r.event(&TraceEvent::PskOffered {
            direction: Direction::Sent,
            identities: 1,
            early_data: true,
        });
        r.event(&TraceEvent::PskRefused {
            direction: Direction::Received,
            reason: "the ticket's key is unknown".into(),
        });
        r.event(&TraceEvent::BinderCheck {
            identity: 0,
            ok: false,
        });
        r.event(&TraceEvent::EarlyDataRejected {
            direction: Direction::Received,
            reason: "no PSK accepted".into(),
        });
        r.event(&TraceEvent::Ticket {
            direction: Direction::Received,
            lifetime: 43_200,
            max_early_data_size: Some(16_384),
        });
        let steps = r.steps();
        let titles: Vec<&str> = steps.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "resumption offered (pre_shared_key)",
                "resumption refused: full handshake",
                "PSK binder check",
                "early data rejected",
                "session ticket kept for resumption",
            ]
        );
        assert!(steps[2].bad);
        assert_eq!(steps[1].details, ["the ticket's key is unknown"]);
        assert_eq!(
            steps[4].details,
            [
                "resumable for up to 12 hours",
                "allows 16384 bytes of early data (0-RTT)"
            ]
        );
    }

    #[test]
    fn message_names_read_the_same_both_ways() {
        assert_eq!(message_name("server_hello"), "ServerHello");
        assert_eq!(message_name("encrypted_extensions"), "EncryptedExtensions");
        assert_eq!(message_name("certificate_verify"), "CertificateVerify");
        assert_eq!(message_name("ClientHello"), "ClientHello");
        assert_eq!(message_name("finished"), "Finished");
    }

    #[test]
    fn summaries_lose_their_debug_text_and_empty_parameters() {
        assert_eq!(
            summary_lines(
                r#"sni=None suites=["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"] groups=[x25519, secp256r1] key_share=[] alpn=[h2, http/1.1]"#
            ),
            [
                "cipher suites TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384",
                "groups x25519, secp256r1",
                "ALPN h2, http/1.1"
            ]
        );
        assert_eq!(
            summary_lines("suite=TLS_AES_128_GCM_SHA256 group=Some(x25519)"),
            ["cipher suite TLS_AES_128_GCM_SHA256", "key exchange x25519"]
        );
        assert_eq!(summary_lines("2 certificate(s)"), ["2 certificate(s)"]);
        assert!(summary_lines("").is_empty());
    }
}
