//! A server connection's handshake as lines on stderr (`padlock listen -v`): one line per
//! step, named for the client and timed from the moment it connected, so that a client's
//! story ("no ticket came", "my ticket was refused") can be set beside the server's (when
//! each NewSessionTicket was sent, which check refused a ticket and why).

use std::time::Instant;

use padlock_https::trace::message_name;
use padlock_pki::printable::escape_controls;
use padlock_tls::trace::Direction;
use padlock_tls::{Trace, TraceEvent};

/// Prints one connection's trace events, each as `padlock listen: PEER +MS: STEP`.
pub struct ConnectionLog {
    peer: String,
    started: Instant,
}

impl ConnectionLog {
    /// A log for the connection from `peer`, timed from now.
    pub fn new(peer: &str) -> ConnectionLog {
        ConnectionLog {
            peer: peer.to_string(),
            started: Instant::now(),
        }
    }

    /// Prints a step of the server's own (socket writes, the close).
    pub fn note(&self, step: &str) {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        // The step may quote the client's names (SNI, ALPN, certificate subjects).
        eprintln!(
            "padlock listen: {} +{ms:.1}ms: {}",
            self.peer,
            escape_controls(step)
        );
    }
}

impl Trace for ConnectionLog {
    fn event(&self, event: &TraceEvent<'_>) {
        if let Some(step) = describe(event) {
            self.note(&step);
        }
    }
}

/// One event in a line, from the server's side; `None` for what is noise in a log (each
/// record, and the ticket event that repeats its NewSessionTicket message).
fn describe(event: &TraceEvent<'_>) -> Option<String> {
    let way = |d: &Direction| match d {
        Direction::Sent => "sent",
        _ => "received",
    };
    let verdict = |ok: &bool| if *ok { "valid" } else { "INVALID" };
    Some(match event {
        TraceEvent::Message {
            direction,
            name,
            len,
            summary,
        } => format!(
            "{} {} ({len} bytes) {summary}",
            way(direction),
            message_name(name)
        ),
        TraceEvent::Negotiated {
            version,
            suite,
            group,
        } => format!("negotiated {version}, {suite}, {group}"),
        TraceEvent::HelloRetryRequest {
            direction, group, ..
        } => format!(
            "{} HelloRetryRequest for {}",
            way(direction),
            group.map_or_else(|| "(no group)".to_string(), |g| g.to_string())
        ),
        TraceEvent::CertificateCheck {
            subject, result, ..
        } => match result {
            Ok(()) => format!("client certificate {subject}: accepted"),
            Err(e) => format!("client certificate {subject}: refused: {e}"),
        },
        TraceEvent::SignatureCheck { scheme, ok } => {
            format!("client's CertificateVerify ({scheme}): {}", verdict(ok))
        }
        TraceEvent::Alpn { protocol } => {
            format!("ALPN {}", String::from_utf8_lossy(protocol))
        }
        TraceEvent::KeysInstalled { direction, phase } => {
            let which = if *direction == Direction::Sent {
                "sending"
            } else {
                "receiving"
            };
            format!("{phase:?} keys installed for {which}")
        }
        TraceEvent::Alert {
            direction,
            description,
        } => format!("{} alert {description}", way(direction)),
        TraceEvent::PskOffered {
            identities,
            early_data,
            ..
        } => format!(
            "the client offers {identities} ticket(s){}",
            if *early_data { ", with early data" } else { "" }
        ),
        TraceEvent::BinderCheck { identity, ok } => {
            format!("binder of ticket #{identity}: {}", verdict(ok))
        }
        TraceEvent::PskAccepted { identity, .. } => format!("resumed on ticket #{identity}"),
        TraceEvent::PskRefused { reason, .. } => {
            format!("ticket refused, full handshake: {reason}")
        }
        TraceEvent::EarlyDataAccepted { .. } => "early data accepted".to_string(),
        TraceEvent::EarlyDataRejected { reason, .. } => format!("early data rejected: {reason}"),
        TraceEvent::SessionOffered { by_ticket, .. } => format!(
            "the client offers a TLS 1.2 session by {}",
            if *by_ticket { "ticket" } else { "session id" }
        ),
        TraceEvent::SessionResumed { by_ticket, .. } => format!(
            "TLS 1.2 session resumed by {}",
            if *by_ticket { "ticket" } else { "session id" }
        ),
        TraceEvent::SessionRefused { reason, .. } => {
            format!("TLS 1.2 session refused, full handshake: {reason}")
        }
        TraceEvent::HandshakeComplete => "handshake complete".to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_why_a_ticket_was_refused() {
        let event = TraceEvent::PskRefused {
            direction: Direction::Sent,
            reason: "ticket expired".into(),
        };
        assert_eq!(
            describe(&event).as_deref(),
            Some("ticket refused, full handshake: ticket expired")
        );
    }

    #[test]
    fn names_each_message_with_its_length_and_summary() {
        let event = TraceEvent::Message {
            direction: Direction::Sent,
            name: "NewSessionTicket",
            len: 147,
            summary: "lifetime=604800s".into(),
        };
        assert_eq!(
            describe(&event).as_deref(),
            Some("sent NewSessionTicket (147 bytes) lifetime=604800s")
        );
    }

    #[test]
    fn names_messages_alike_whichever_way_they_went() {
        let event = TraceEvent::Message {
            direction: Direction::Received,
            name: "client_hello",
            len: 386,
            summary: "sni=localhost".into(),
        };
        assert_eq!(
            describe(&event).as_deref(),
            Some("received ClientHello (386 bytes) sni=localhost")
        );
    }

    #[test]
    fn leaves_out_each_record() {
        let event = TraceEvent::Record {
            direction: Direction::Received,
            seq: 3,
            len: 24,
        };
        assert_eq!(describe(&event), None);
    }
}
