//! HTTP over TLS 1.3 early data (0-RTT), as RFC 8470 asks: which requests arrived in
//! early data, so that only safe ones are served before the handshake completes.
//!
//! Early data can be replayed (RFC 8446 §8, RFC 8470 §1): an attacker who recorded a
//! client's first flight can send it again, and the server would act on the requests in it
//! twice. `padlock serve --early-data` therefore serves only GET and HEAD from early data;
//! any other method that arrived, even in part, in early data is answered `425 Too Early`
//! (RFC 8470 §5.2) without being looked at, and the client sends it again once the
//! handshake is complete. A request carrying `Early-Data: 1` (an intermediary in front of
//! us got it in early data, RFC 8470 §5.1) is treated the same way.
//!
//! # Knowing which requests were early
//!
//! hyper parses requests from a byte stream and does not say where in it each began. So
//! [`EarlyRequests`] watches the bytes on their way to hyper ([`EarlyDataIo`]): while they
//! are early data it counts the requests that *start* in them — HTTP/1.1 request heads
//! (skipping `Content-Length` bodies), or HTTP/2 HEADERS frames opening a new stream — and
//! the service asks it, once per request in the order hyper dispatches them
//! ([`EarlyRequests::next_is_early`]), whether that request was one of them. hyper calls
//! the service in request order for HTTP/1.1 and in stream-accept order for HTTP/2, so
//! the k-th request dispatched is the k-th request on the wire. Wherever the count could
//! go wrong it errs towards "early": an HTTP/1.1 body that is not a plain
//! `Content-Length` (chunked, a repeated length), an upgrade, or HTTP/2 framing it does
//! not follow, make every later request on the connection early, and the connection is
//! closed after its current response so that the client's retry comes on a fresh one.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper::header::{HeaderMap, HeaderName};
use hyper::Method;
use padlock_tokio::TlsStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::forward::forward_async_write;

/// The HTTP/2 connection preface (RFC 9113 §3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The longest HTTP/1.1 request head followed; a longer one stops the count (all early).
const MAX_HEAD: usize = 16 * 1024;

/// Whether a request with `method` may be served from early data: GET and HEAD, the safe
/// methods `padlock serve` answers (RFC 9110 §9.2.1; RFC 8470 §4: only requests that are
/// safe to replay).
pub fn is_safe_in_early_data(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

/// Whether `headers` carry `Early-Data: 1` (RFC 8470 §5.1): an intermediary received the
/// request in early data.
pub fn marked_early(headers: &HeaderMap) -> bool {
    // A name made once, not parsed from a string at every request.
    const EARLY_DATA: HeaderName = HeaderName::from_static("early-data");
    headers
        .get_all(EARLY_DATA)
        .iter()
        .any(|v| v.as_bytes() == b"1")
}

/// Per connection: how many requests started in early data, and how many the service has
/// been asked about.
#[derive(Debug)]
pub struct EarlyRequests {
    count: Mutex<Counter>,
    dispatched: AtomicUsize,
}

/// Which HTTP a connection speaks, as far as the server knows when the handshake ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    /// HTTP/1.1 (ALPN `http/1.1`).
    One,
    /// HTTP/2 (ALPN `h2`).
    Two,
    /// Either (no ALPN): HTTP/2 if the bytes start with its preface, as hyper decides.
    Sniff,
}

impl EarlyRequests {
    /// A counter for a connection speaking `http`.
    pub fn new(http: Http) -> Self {
        EarlyRequests {
            count: Mutex::new(Counter::new(http)),
            dispatched: AtomicUsize::new(0),
        }
    }

    /// Whether the next request the service sees started in early data. Call it exactly
    /// once per request, when hyper hands the request to the service.
    pub fn next_is_early(&self) -> bool {
        let k = self.dispatched.fetch_add(1, Ordering::AcqRel);
        let counter = self.lock();
        counter.lost || k < counter.started
    }

    /// Whether the count was lost (see the module notes): responses should close the
    /// connection.
    pub fn lost(&self) -> bool {
        self.lock().lost
    }

    /// Bytes of early data passed to hyper.
    fn saw_early(&self, bytes: &[u8]) {
        self.lock().feed(bytes);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counter> {
        match self.count.lock() {
            Ok(g) => g,
            // A panic elsewhere mid-count: the counter can no longer be trusted.
            Err(poisoned) => {
                let mut g = poisoned.into_inner();
                g.lost = true;
                g
            }
        }
    }
}

/// Counts requests starting in a byte stream.
#[derive(Debug)]
struct Counter {
    /// Requests that started so far.
    started: usize,
    /// The framing could not be followed: every later request counts as early.
    lost: bool,
    state: Framing,
    /// HTTP/2: the highest stream id opened so far (a client opens streams in increasing
    /// order, RFC 9113 §5.1.1).
    highest_stream: u32,
}

#[derive(Debug)]
enum Framing {
    /// The first bytes, while they could still be HTTP/2's preface.
    Sniff(Vec<u8>),
    /// HTTP/1.1 between requests (empty lines may precede a request, RFC 9112 §2.2).
    Idle,
    /// HTTP/1.1 inside a request head (kept to find its body's length).
    Head(Vec<u8>),
    /// HTTP/1.1 inside a body of this many more bytes.
    Body(u64),
    /// HTTP/2: this many bytes of the preface seen.
    Preface(usize),
    /// HTTP/2: a frame header being read.
    FrameHeader(Vec<u8>),
    /// HTTP/2: this many payload bytes of the current frame still to skip.
    Payload(usize),
}

impl Counter {
    fn new(http: Http) -> Self {
        Counter {
            started: 0,
            lost: false,
            highest_stream: 0,
            state: match http {
                Http::One => Framing::Idle,
                Http::Two => Framing::Preface(0),
                Http::Sniff => Framing::Sniff(Vec::new()),
            },
        }
    }

    /// Follows `bytes`, the next bytes of the stream.
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.lost {
            bytes = match &mut self.state {
                Framing::Sniff(seen) => {
                    let n = (H2_PREFACE.len() - seen.len()).min(bytes.len());
                    seen.extend_from_slice(&bytes[..n]);
                    if !H2_PREFACE.starts_with(seen) {
                        // HTTP/1.1: count what was held back, then go on.
                        let held = std::mem::take(seen);
                        self.state = Framing::Idle;
                        self.feed(&held);
                    } else if seen.len() == H2_PREFACE.len() {
                        self.state = Framing::FrameHeader(Vec::new());
                    }
                    &bytes[n..]
                }
                Framing::Idle => {
                    let skip = bytes
                        .iter()
                        .take_while(|&&b| b == b'\r' || b == b'\n')
                        .count();
                    if skip < bytes.len() {
                        self.started += 1;
                        self.state = Framing::Head(Vec::new());
                    }
                    &bytes[skip..]
                }
                Framing::Head(head) => {
                    let (taken, done) = take_head(head, bytes);
                    if head.len() > MAX_HEAD {
                        self.lost = true;
                    } else if done {
                        match body_length(head) {
                            Some(0) => self.state = Framing::Idle,
                            Some(n) => self.state = Framing::Body(n),
                            None => self.lost = true,
                        }
                    }
                    &bytes[taken..]
                }
                Framing::Body(left) => {
                    let n = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    *left -= n as u64;
                    if *left == 0 {
                        self.state = Framing::Idle;
                    }
                    &bytes[n..]
                }
                Framing::Preface(seen) => {
                    let n = (H2_PREFACE.len() - *seen).min(bytes.len());
                    if bytes[..n] != H2_PREFACE[*seen..*seen + n] {
                        self.lost = true;
                    }
                    *seen += n;
                    if *seen == H2_PREFACE.len() {
                        self.state = Framing::FrameHeader(Vec::new());
                    }
                    &bytes[n..]
                }
                Framing::FrameHeader(header) => {
                    let n = (9 - header.len()).min(bytes.len());
                    header.extend_from_slice(&bytes[..n]);
                    if header.len() == 9 {
                        // RFC 9113 §4.1: length (24 bits), type, flags, stream id (31 bits).
                        let len = usize::from(header[0]) << 16
                            | usize::from(header[1]) << 8
                            | usize::from(header[2]);
                        let stream =
                            u32::from_be_bytes([header[5] & 0x7f, header[6], header[7], header[8]]);
                        // HEADERS (0x1) on a stream above every one seen opens a request;
                        // HEADERS again on a known stream are trailers.
                        if header[3] == 0x1 && stream > self.highest_stream {
                            self.highest_stream = stream;
                            self.started += 1;
                        }
                        self.state = Framing::Payload(len);
                    }
                    &bytes[n..]
                }
                Framing::Payload(left) => {
                    let n = (*left).min(bytes.len());
                    *left -= n;
                    if *left == 0 {
                        self.state = Framing::FrameHeader(Vec::new());
                    }
                    &bytes[n..]
                }
            };
        }
    }
}

/// Moves bytes of a request head from `bytes` into `head` up to and including the empty
/// line that ends it; returns how many were taken and whether the head is complete.
fn take_head(head: &mut Vec<u8>, bytes: &[u8]) -> (usize, bool) {
    for (i, &b) in bytes.iter().enumerate() {
        head.push(b);
        if b == b'\n' && (head.ends_with(b"\n\n") || head.ends_with(b"\n\r\n")) {
            return (i + 1, true);
        }
        if head.len() > MAX_HEAD {
            return (i + 1, false);
        }
    }
    (bytes.len(), false)
}

/// The body length of an HTTP/1.1 request with this head (RFC 9112 §6.3): 0 without
/// framing headers, the `Content-Length` when there is exactly one plain one; `None` when
/// the count cannot be kept (chunked or other transfer codings, repeated or malformed
/// lengths, an upgrade, or a head that is not text).
fn body_length(head: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(head).ok()?;
    let mut length = None;
    for line in text.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            // Obsolete line folding, or junk hyper will refuse: stop counting.
            if line.trim().is_empty() {
                continue;
            }
            return None;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") || name.eq_ignore_ascii_case("upgrade") {
            return None;
        }
        if name.eq_ignore_ascii_case("content-length") {
            let value = value.trim();
            if length.is_some() || value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            length = Some(value.parse().ok()?);
        }
    }
    Some(length.unwrap_or(0))
}

/// A server's TLS stream as hyper reads it, with the early data counted on the way
/// ([`EarlyRequests`]).
#[derive(Debug)]
pub struct EarlyDataIo<IO> {
    inner: TlsStream<IO>,
    requests: Arc<EarlyRequests>,
}

impl<IO> EarlyDataIo<IO> {
    /// Wraps `inner`, counting into `requests`.
    pub fn new(inner: TlsStream<IO>, requests: Arc<EarlyRequests>) -> Self {
        EarlyDataIo { inner, requests }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for EarlyDataIo<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let early_before = this.inner.early_data_read();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        // One read never mixes early data with later data (TlsStream's promise), so the
        // bytes this read added were early exactly when the early count grew.
        if this.inner.early_data_read() > early_before {
            this.requests.saw_early(&buf.filled()[before..]);
        }
        polled
    }
}

forward_async_write!(EarlyDataIo, inner: TlsStream<IO>);

#[cfg(test)]
mod tests {
    use super::*;

    fn started(http: Http, chunks: &[&[u8]]) -> (usize, bool) {
        let mut c = Counter::new(http);
        for chunk in chunks {
            c.feed(chunk);
        }
        (c.started, c.lost)
    }

    #[test]
    fn counts_pipelined_http1_requests_and_skips_their_bodies() {
        let wire: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n\
            POST /x HTTP/1.1\r\nContent-Length: 20\r\n\r\nGET /not-a-request!!\
            \r\nHEAD /h HTTP/1.1\r\n\r\n";
        assert_eq!(started(Http::One, &[wire]), (3, false));
        // The same bytes a byte at a time.
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(started(Http::One, &bytes), (3, false));
    }

    #[test]
    fn a_request_that_only_starts_in_early_data_counts_as_early() {
        assert_eq!(started(Http::One, &[b"GET / HTTP/1.1\r\nHo"]), (1, false));
        assert_eq!(
            started(Http::One, &[b"GET / HTTP/1.1\r\n\r\n\r\n"]),
            (1, false)
        );
    }

    #[test]
    fn framing_it_cannot_follow_loses_the_count() {
        for head in [
            &b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
            b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            b"GET / HTTP/1.1\r\n folded\r\n\r\n",
        ] {
            assert!(
                started(Http::One, &[head]).1,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        let long = [b'a'; MAX_HEAD + 10];
        assert!(started(Http::One, &[b"GET /", &long]).1);
    }

    fn frame(kind: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len() as u32;
        let mut f = len.to_be_bytes()[1..].to_vec();
        f.extend([kind, 0]);
        f.extend(stream.to_be_bytes());
        f.extend(payload);
        f
    }

    #[test]
    fn counts_http2_streams_opened_by_headers_frames() {
        let mut wire = H2_PREFACE.to_vec();
        wire.extend(frame(0x4, 0, &[0; 6])); // SETTINGS
        wire.extend(frame(0x1, 1, &[1, 2, 3])); // HEADERS opens stream 1
        wire.extend(frame(0x0, 1, &[0; 40])); // DATA
        wire.extend(frame(0x1, 1, &[4])); // trailers
        wire.extend(frame(0x1, 3, &[5])); // stream 3
        assert_eq!(started(Http::Two, &[&wire]), (2, false));
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(started(Http::Two, &bytes), (2, false));
    }

    #[test]
    fn without_alpn_the_preface_decides_between_http1_and_http2() {
        let mut h2 = H2_PREFACE.to_vec();
        h2.extend(frame(0x1, 1, &[1]));
        h2.extend(frame(0x1, 3, &b"\r\n\r\n"[..]));
        assert_eq!(started(Http::Sniff, &[&h2]), (2, false));
        let bytes: Vec<&[u8]> = h2.chunks(1).collect();
        assert_eq!(started(Http::Sniff, &bytes), (2, false));
        let h1: &[u8] = b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nxGET / HTTP/1.1\r\n\r\n";
        assert_eq!(started(Http::Sniff, &[h1]), (2, false));
        let bytes: Vec<&[u8]> = h1.chunks(1).collect();
        assert_eq!(started(Http::Sniff, &bytes), (2, false));
        // `PRI` alone could be either: HTTP/1.1 once it stops matching the preface.
        assert_eq!(
            started(Http::Sniff, &[b"PRI / HTTP/1.1\r\n\r\n"]),
            (1, false)
        );
    }

    #[test]
    fn an_http2_connection_without_the_preface_loses_the_count() {
        assert!(started(Http::Two, &[b"GET / HTTP/1.1\r\n\r\n"]).1);
    }

    #[test]
    fn the_service_learns_which_requests_were_early_in_order() {
        let requests = EarlyRequests::new(Http::One);
        requests.saw_early(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
        assert!(requests.next_is_early());
        assert!(requests.next_is_early());
        assert!(!requests.next_is_early());
        assert!(!requests.lost());
    }

    #[test]
    fn only_get_and_head_are_safe_and_early_data_1_marks_a_request() {
        assert!(is_safe_in_early_data(&Method::GET));
        assert!(is_safe_in_early_data(&Method::HEAD));
        assert!(!is_safe_in_early_data(&Method::POST));
        assert!(!is_safe_in_early_data(&Method::OPTIONS));
        let mut h = HeaderMap::new();
        assert!(!marked_early(&h));
        h.insert("early-data", "1".parse().unwrap());
        assert!(marked_early(&h));
    }
}
