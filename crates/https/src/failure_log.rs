//! The server's log of connections that ended without being served: failed, timed-out,
//! displaced or reset handshakes, and connections that broke mid-request.
//!
//! A flood of them must not become a flood of log lines (a ClientHello flood once wrote
//! 134,596 lines in 20 s). So lines are rate-limited to [`LINES_PER_SECOND`], and with
//! `-q` none is written at all; what is not written is counted by cause and reported in
//! one summary line per period ([`FailureLog::summary`], which the server prints every
//! [`ServerOptions::failure_summary_every`](crate::ServerOptions::failure_summary_every)).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many lines a second, each naming its connection; the rest are counted.
pub const LINES_PER_SECOND: u32 = 20;

/// Why a connection ended without being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The TLS handshake did not finish within the handshake timeout.
    HandshakeTimedOut,
    /// The handshake was the oldest in progress when the server needed its place.
    HandshakeDisplaced,
    /// The client closed or reset the connection during the handshake.
    ClosedDuringHandshake,
    /// The handshake failed: the client sent something TLS forbids, or shares no version,
    /// suite or group with the server.
    HandshakeFailed,
    /// The connection ended with an error after the handshake (a request cut off, an
    /// HTTP/2 protocol error, ...); a keep-alive connection closed between requests is not
    /// one.
    ConnectionError,
}

impl Cause {
    const ALL: [Cause; 5] = [
        Cause::HandshakeTimedOut,
        Cause::HandshakeDisplaced,
        Cause::ClosedDuringHandshake,
        Cause::HandshakeFailed,
        Cause::ConnectionError,
    ];

    /// How the summary line names it.
    fn label(self) -> &'static str {
        match self {
            Cause::HandshakeTimedOut => "handshake timed out",
            Cause::HandshakeDisplaced => "handshake displaced under load",
            Cause::ClosedDuringHandshake => "closed by the client during the handshake",
            Cause::HandshakeFailed => "handshake failed",
            Cause::ConnectionError => "ended with an error after the handshake",
        }
    }

    fn index(self) -> usize {
        Cause::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// Counts and rate-limits failure lines (see the module documentation).
#[derive(Debug)]
pub struct FailureLog {
    /// Whether individual lines are written at all (`false` with `-q`).
    lines: bool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    second_started: Instant,
    lines_this_second: u32,
    /// Failures not written as lines since the last summary, by [`Cause::index`].
    unwritten: [u64; Cause::ALL.len()],
}

impl FailureLog {
    /// A log that writes rate-limited lines (`lines`) or only summaries.
    pub fn new(lines: bool) -> Self {
        FailureLog {
            lines,
            state: Mutex::new(State {
                second_started: Instant::now(),
                lines_this_second: 0,
                unwritten: [0; Cause::ALL.len()],
            }),
        }
    }

    /// Records a failure; `line` (without a newline) is formatted and written to stderr
    /// only if a line may be written now.
    pub fn record(&self, cause: Cause, line: impl FnOnce() -> String) {
        if self.admit_line(cause) {
            let mut text = line();
            text.push('\n');
            // Formatted first and written with one call (stderr is unbuffered). A log line
            // that cannot be written has nowhere else to go.
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
        }
    }

    /// Whether this failure gets its own line; if not, it is counted for the summary.
    fn admit_line(&self, cause: Cause) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if self.lines {
            let now = Instant::now();
            if now.duration_since(state.second_started) >= Duration::from_secs(1) {
                state.second_started = now;
                state.lines_this_second = 0;
            }
            if state.lines_this_second < LINES_PER_SECOND {
                state.lines_this_second += 1;
                return true;
            }
        }
        state.unwritten[cause.index()] += 1;
        false
    }

    /// The summary of the failures counted since the last call, as one line (without a
    /// newline), or `None` if there were none: `padlock: 1500 connections not served in
    /// the last 10s: 1200 handshake displaced under load, 300 handshake timed out`.
    pub fn summary(&self, period: Duration) -> Option<String> {
        let counts = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut state.unwritten, [0; Cause::ALL.len()])
        };
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let mut by_cause: Vec<(u64, Cause)> = Cause::ALL
            .iter()
            .map(|c| (counts[c.index()], *c))
            .filter(|(n, _)| *n > 0)
            .collect();
        by_cause.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
        let parts: Vec<String> = by_cause
            .iter()
            .map(|(n, c)| format!("{n} {}", c.label()))
            .collect();
        let unlogged = if self.lines { " unlogged" } else { "" };
        Some(format!(
            "padlock: {total}{unlogged} connection{} not served in the last {}: {}",
            if total == 1 { "" } else { "s" },
            humanize(period),
            parts.join(", ")
        ))
    }
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_counts_every_failure_by_cause_and_writes_no_line() {
        let log = FailureLog::new(false);
        for _ in 0..1000 {
            assert!(!log.admit_line(Cause::HandshakeDisplaced));
        }
        for _ in 0..3 {
            assert!(!log.admit_line(Cause::HandshakeTimedOut));
        }
        assert_eq!(
            log.summary(Duration::from_secs(10)).as_deref(),
            Some(
                "padlock: 1003 connections not served in the last 10s: 1000 handshake \
                 displaced under load, 3 handshake timed out"
            )
        );
        assert_eq!(log.summary(Duration::from_secs(10)), None, "counts restart");
    }

    #[test]
    fn lines_are_rate_limited_and_the_rest_summarised() {
        let log = FailureLog::new(true);
        let written = (0..500)
            .filter(|_| log.admit_line(Cause::ClosedDuringHandshake))
            .count();
        assert_eq!(written, LINES_PER_SECOND as usize);
        let summary = log.summary(Duration::from_millis(1500)).unwrap();
        assert_eq!(
            summary,
            "padlock: 480 unlogged connections not served in the last 1500ms: 480 closed \
             by the client during the handshake"
        );
    }
}
