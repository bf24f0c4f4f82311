//! The connection as a story: a [`Recorder`] that receives the engine's trace events (plus
//! the client's own steps: TCP, the certificate chain, the request and response) and keeps
//! them as [`Step`]s, which [`text`] prints for `padlock get -v` and [`html`] draws as a
//! sequence diagram for `--trace-html`.

pub mod html;
pub mod text;

use std::sync::Mutex;
use std::time::Instant;

use padlock_tls::trace::{Direction, KeyPhase};
use padlock_tls::{Trace, TraceEvent};

use crate::certinfo::CertSummary;

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
                printed: 0,
            }),
        }
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
        });
        self.flush_live();
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
            eprint!("{}", text::render_step(s));
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
        };
        let s = match event {
            TraceEvent::Message {
                direction,
                name,
                len,
                summary,
            } => {
                let mut details = vec![format!("{len} bytes")];
                details.extend(
                    summary
                        .split("; ")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                );
                step(
                    flow(direction),
                    name.to_string(),
                    details,
                    Some(self.phase_label(*direction)),
                    false,
                )
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
                "CertificateVerify signature check".into(),
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
            _ => return,
        };
        self.push(s);
    }
}

fn phase_name(phase: Option<KeyPhase>) -> String {
    match phase {
        None => "plaintext".to_string(),
        Some(KeyPhase::Handshake) => "handshake keys".to_string(),
        Some(KeyPhase::Application(n)) => format!("application keys (generation {n})"),
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
