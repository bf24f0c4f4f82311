//! 0-RTT data (RFC 8446 §2.3, §4.2.10) as BoringSSL's shim drives it. A resumed client
//! with `-enable-early-data` sends its initial write (`-shim-writes-first`) as early data;
//! a server with it accepts early data and echoes it back at half-RTT, before the client's
//! Finished (the runner waits for that echo before it finishes). A client whose early
//! data the server rejected goes on at 1-RTT with the `-on-retry` settings.

use std::io::{self, Read, Write};
use std::sync::Mutex;

use padlock_tls::trace::{Trace, TraceEvent};
use padlock_tls::{
    ApiMisuse, Connection, EarlyDataStatus, Error, HandshakeKind, ProtocolVersion, Stream,
    LINGER_BYTES,
};

use crate::flags::{Refusal, Settings};
use crate::shared::Shared;
use crate::shim::Failure;

/// How 0-RTT went on one connection.
#[derive(Debug, Default)]
pub struct Progress {
    /// Client: the ClientHello offered early data.
    pub offered: bool,
    /// The initial write went out already: as 0-RTT data (client) or at half-RTT (server).
    pub wrote_initial: bool,
}

impl Progress {
    /// Client: sends the initial write as 0-RTT data, if early data is offered and the
    /// flags ask the shim to write first.
    pub fn start(s: &Settings, conn: &mut Connection) -> Result<Self, Failure> {
        let offered = !s.server && conn.early_data_status() == EarlyDataStatus::Pending;
        let mut progress = Self {
            offered,
            wrote_initial: false,
        };
        if offered && s.shim_writes_first {
            for _ in 0..s.repeat_shim_initial_write {
                // What the ticket's allowance leaves goes as ordinary data once the
                // handshake is done, as BoringSSL's SSL_write does.
                let data = s.shim_initial_write.as_slice();
                let n = match conn.write_early_data(data) {
                    Ok(n) => n,
                    Err(Error::ApiMisuse(ApiMisuse::NoEarlyData)) => 0,
                    Err(e) => return Err(Failure::Tls(e)),
                };
                let mut rest = &data[n..];
                while !rest.is_empty() {
                    let n = conn.write_plaintext(rest).map_err(Failure::Tls)?;
                    rest = &rest[n..];
                }
            }
            progress.wrote_initial = true;
        }
        Ok(progress)
    }
}

/// Completes the handshake; a server with 0-RTT on echoes early data (inverted) at
/// half-RTT as it arrives, after its initial write if the flags ask for one.
pub fn handshake<S: Read + Write>(
    s: &Settings,
    tls: &mut Stream<'_, S>,
    progress: &mut Progress,
) -> io::Result<()> {
    if !(s.server && s.enable_early_data) {
        return tls.complete_handshake();
    }
    send_all(tls)?;
    let mut buf = vec![0u8; s.read_size];
    while tls.conn.is_handshaking() {
        if tls.conn.read_tls_from(tls.sock)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection during the handshake",
            ));
        }
        let state = match tls.conn.process_new_packets() {
            Ok(state) => state,
            Err(e) => {
                // The alert for it is queued: send it, and read on until the peer closes
                // (bounded), so closing with its data unread does not reset the
                // connection before the alert is read.
                send_all(tls)?;
                linger(tls.sock);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        };
        let accepted = tls.conn.early_data_status() == EarlyDataStatus::Accepted;
        if accepted && s.shim_writes_first && !progress.wrote_initial {
            for _ in 0..s.repeat_shim_initial_write {
                write_plaintext(tls.conn, &s.shim_initial_write)?;
            }
            progress.wrote_initial = true;
        }
        if state.early_data_bytes_to_read > 0 {
            loop {
                let n = tls.conn.read_early_data(&mut buf);
                if n == 0 {
                    break;
                }
                for b in &mut buf[..n] {
                    *b ^= 0xff;
                }
                write_plaintext(tls.conn, &buf[..n])?;
            }
        }
        send_all(tls)?;
    }
    send_all(tls)
}

fn linger<S: Read>(sock: &mut S) {
    let mut sink = [0u8; 4096];
    let mut discarded = 0;
    while discarded < LINGER_BYTES {
        match sock.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => discarded += n,
        }
    }
}

fn write_plaintext(conn: &mut Connection, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        let n = conn
            .write_plaintext(data)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        data = &data[n..];
    }
    Ok(())
}

fn send_all<S: Read + Write>(tls: &mut Stream<'_, S>) -> io::Result<()> {
    while tls.conn.wants_write() {
        tls.conn.write_tls_to(tls.sock)?;
    }
    Ok(())
}

/// Checks `-expect-accept-early-data` / `-expect-reject-early-data`, and returns the
/// settings the connection goes on with: a client whose early data was rejected takes
/// `retry` (and its initial write, never delivered, is written again if `retry` asks).
pub fn check_outcome<'a>(
    s: &'a Settings,
    retry: &'a Settings,
    conn: &Connection,
    progress: &mut Progress,
    resume: bool,
) -> Result<&'a Settings, Failure> {
    let status = conn.early_data_status();
    let mut settings = s;
    if !s.server {
        let rejected = progress.offered && status == EarlyDataStatus::Rejected;
        if rejected && !s.expect_reject_early_data {
            return Err(Failure::Expectation(
                "the server rejected the 0-RTT data".into(),
            ));
        }
        if resume && s.expect_reject_early_data && !rejected {
            return Err(Failure::Expectation(
                "0-RTT data was expected to be rejected, and was not".into(),
            ));
        }
        if rejected {
            progress.wrote_initial = false;
            settings = retry;
        }
    }
    let accepted = status == EarlyDataStatus::Accepted;
    if (settings.expect_accept_early_data && !accepted)
        || (settings.expect_reject_early_data && accepted)
    {
        return Err(Failure::Expectation(format!(
            "0-RTT data accepted: expected {}, got {accepted}",
            settings.expect_accept_early_data
        )));
    }
    Ok(settings)
}

/// A server's trace, kept for the reason padlock gives when it rejects 0-RTT data (RFC 8446
/// §4.2.10), which [`check_reason`] puts in BoringSSL's words.
#[derive(Debug, Default)]
pub struct Rejection(Mutex<Option<String>>);

impl Rejection {
    /// Forgets the last connection's reason.
    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// BoringSSL's name for the reason padlock's server gave, where one fits.
    pub fn boringssl_reason(&self) -> Option<&'static str> {
        let reason = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        // padlock's words (server/tls13/resume.rs) → SSL_early_data_reason_string's.
        const REASONS: [(&str, &str); 6] = [
            (
                "the ALPN protocol differs from the session's",
                "alpn_mismatch",
            ),
            ("the ticket does not allow 0-RTT", "unsupported_for_session"),
            (
                "the ticket age does not fit the freshness window",
                "ticket_age_skew",
            ),
            ("HelloRetryRequest", "hello_retry_request"),
            ("0-RTT is off on this server", "disabled"),
            ("no PSK was accepted", "session_not_resumed"),
        ];
        REASONS
            .iter()
            .find(|(words, _)| reason.contains(words))
            .map(|&(_, name)| name)
    }
}

impl Trace for Rejection {
    fn event(&self, event: &TraceEvent<'_>) {
        if let TraceEvent::EarlyDataRejected { reason, .. } = event {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.clone());
        }
    }
}

/// `-expect-no-offer-early-data`: the client's ClientHello offered no 0-RTT data.
pub fn check_not_offered(s: &Settings, progress: &Progress) -> Result<(), Failure> {
    if s.expect_no_offer_early_data && progress.offered {
        return Err(Failure::Expectation(
            "the ClientHello offered 0-RTT data".into(),
        ));
    }
    Ok(())
}

/// `-expect-early-data-reason`: why 0-RTT data was or was not used, in BoringSSL's words,
/// as far as padlock can tell; where it cannot (a replayed ClientHello, a ticket from
/// another server, …) the test does not apply.
pub fn check_reason(
    s: &Settings,
    conn: &Connection,
    progress: &Progress,
    shared: &Shared,
    resume: bool,
) -> Result<(), Failure> {
    let Some(want) = &s.expect_early_data_reason else {
        return Ok(());
    };
    let got = reason(s, conn, progress, shared, resume).ok_or_else(|| {
        Failure::Refused(Refusal::Unimplemented(format!(
            "-expect-early-data-reason {want}: padlock does not say why it declined 0-RTT here"
        )))
    })?;
    if got != want {
        return Err(Failure::Expectation(format!(
            "early data reason: expected {want}, got {got}"
        )));
    }
    Ok(())
}

fn reason(
    s: &Settings,
    conn: &Connection,
    progress: &Progress,
    shared: &Shared,
    resume: bool,
) -> Option<&'static str> {
    if !s.enable_early_data {
        return Some("disabled");
    }
    let status = conn.early_data_status();
    if status == EarlyDataStatus::Accepted {
        return Some("accept");
    }
    let kind = conn.handshake_kind();
    let hrr = matches!(
        kind,
        Some(
            HandshakeKind::FullWithHelloRetryRequest | HandshakeKind::ResumedWithHelloRetryRequest
        )
    );
    let resumed = kind.is_some_and(HandshakeKind::is_resumed);
    let tls12 = conn.protocol_version() == Some(ProtocolVersion::TLSv1_2);
    if tls12 {
        return Some("protocol_version");
    }
    if !s.server && !progress.offered {
        let Some(offered) = shared.store.offered() else {
            return Some("no_session_offered");
        };
        // padlock's client offers 0-RTT with a session that allows it unless the session's
        // ALPN protocol is not among those it offers now (RFC 8446 §4.2.10).
        let ours = s.advertise_alpn.as_deref().unwrap_or_default();
        return match offered {
            o if o.max_early_data_size == 0 => Some("unsupported_for_session"),
            o if o.alpn.as_ref().is_some_and(|p| !ours.contains(p)) => Some("alpn_mismatch"),
            _ => None,
        };
    }
    if s.server {
        // A server sees a session it cannot resume before it asks for a HelloRetryRequest
        // (a client learns of the retry first). It cannot see whether a client offered a
        // session it did not resume; the first connection of a test has none to offer.
        return match (resumed, hrr, status) {
            (false, _, _) if !resume => Some("no_session_offered"),
            (false, _, _) => Some("session_not_resumed"),
            (true, true, _) => Some("hello_retry_request"),
            (true, false, EarlyDataStatus::NotOffered) => Some("peer_declined"),
            _ => shared.rejection.boringssl_reason(),
        };
    }
    if hrr {
        return Some("hello_retry_request");
    }
    if !resumed {
        return Some("session_not_resumed");
    }
    Some("peer_declined")
}
