//! The HTTP service: what `padlock serve` answers, independent of TLS. Files or a reverse
//! proxy, HSTS, and one access-log line per request; plus the plain-HTTP redirect service.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use percent_encoding::{utf8_percent_encode, CONTROLS};

use crate::body::{Body, BoxError};
use crate::certinfo::ClientIdentity;
use crate::early::{is_safe_in_early_data, marked_early, EarlyRequests};
use crate::files::{redirect, FileServer};
use crate::proxy::Proxy;

/// What a site serves.
#[derive(Debug, Clone)]
pub enum Mode {
    /// The files of a folder.
    Files(FileServer),
    /// Everything forwarded to an HTTP upstream.
    Proxy(Box<Proxy>),
}

/// A site: what to serve and how.
#[derive(Debug)]
pub struct Site {
    /// Files or proxy.
    pub mode: Mode,
    /// `Some(max_age)`: send Strict-Transport-Security on secure responses (RFC 6797).
    pub hsts: Option<Duration>,
    /// Print one access-log line per request on stderr.
    pub access_log: bool,
}

/// What the service knows about the connection a request came on.
#[derive(Debug, Clone, Default)]
pub struct ConnInfo {
    /// The client's address.
    pub peer: Option<SocketAddr>,
    /// Whether the connection is TLS.
    pub secure: bool,
    /// What the verified client certificate says (mutual TLS).
    pub client: Option<Arc<ClientIdentity>>,
    /// What the TLS handshake settled, for the access log, e.g. `TLSv1.3
    /// TLS_AES_128_GCM_SHA256 X25519MLKEM768 post-quantum` (`… resumed` when a session
    /// was resumed from a ticket).
    pub tls: Option<String>,
    /// When the connection's early data (0-RTT) was accepted: which of its requests
    /// arrived in it.
    pub early: Option<Arc<EarlyRequests>>,
}

impl ConnInfo {
    /// Whether `req`, the next request hyper hands to the service on this connection,
    /// arrived (even in part) in early data or says an intermediary got it so
    /// (`Early-Data: 1`, RFC 8470 §5.1). Call it once per request, in the order hyper
    /// dispatches them, before the service's future runs (see [`crate::early`]).
    pub fn early_request<B>(&self, req: &Request<B>) -> bool {
        let in_early_data = self.early.as_ref().is_some_and(|e| e.next_is_early());
        in_early_data || marked_early(req.headers())
    }
}

impl Site {
    /// Answers one request arriving on the connection described by `info`; `early` says
    /// whether it arrived in early data ([`ConnInfo::early_request`]).
    ///
    /// An early request is answered only if its method is safe to replay (GET, HEAD); any
    /// other gets `425 Too Early` (RFC 8470 §5.2) without being looked at, and the client
    /// sends it again after the handshake. An early request forwarded to the proxy's
    /// upstream carries `Early-Data: 1` (RFC 8470 §5.1).
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        info: Arc<ConnInfo>,
        early: bool,
    ) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let line = self.access_log.then(|| request_line(&req));
        let res = if early && !is_safe_in_early_data(req.method()) {
            too_early()
        } else {
            match &self.mode {
                Mode::Files(files) => files.respond(&req).await,
                Mode::Proxy(proxy) => {
                    let peer = info
                        .peer
                        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
                    proxy
                        .forward(req, peer, info.secure, info.client.as_deref(), early)
                        .await
                }
            }
        };
        Ok(self.finish(res, &info, line, started, early))
    }

    /// Answers `req` at once, without a future, when that needs no waiting (a small file
    /// from the cache, [`FileServer::respond_from_cache`]); `None`: [`Self::handle`]
    /// answers it. The answer is the one `handle` would give.
    pub fn answer_now(
        &self,
        req: &Request<Incoming>,
        info: &Arc<ConnInfo>,
        early: bool,
    ) -> Option<Response<Body>> {
        let Mode::Files(files) = &self.mode else {
            return None;
        };
        // Only GET and HEAD are answered from the cache: safe in early data too.
        let started = Instant::now();
        let res = files.respond_from_cache(req)?;
        let line = self.access_log.then(|| request_line(req));
        Some(self.finish(res, info, line, started, early))
    }

    /// What every answer gets: `Connection: close` when the early-request count was lost,
    /// HSTS, the access-log line.
    fn finish(
        &self,
        mut res: Response<Body>,
        info: &Arc<ConnInfo>,
        line: Option<String>,
        started: Instant,
        early: bool,
    ) -> Response<Body> {
        if info.early.as_ref().is_some_and(|e| e.lost()) {
            // The count of early requests was lost: later requests on this connection
            // would all be taken for early ones; let the client come back on a new one.
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let (Some(max_age), true) = (self.hsts, info.secure) {
            // RFC 6797 §7.2: only over secure transport.
            if let Ok(v) = HeaderValue::from_str(&format!("max-age={}", max_age.as_secs())) {
                res.headers_mut()
                    .insert(header::STRICT_TRANSPORT_SECURITY, v);
            }
        }
        match line {
            Some(line) => logged(info.clone(), line, res, started, early),
            None => res,
        }
    }
}

/// One request's answer, as the service gives it to hyper: ready at once
/// ([`Site::answer_now`]) or still to come ([`Site::handle`]). Small either way, so a
/// request answered at once costs no allocation for its future.
pub enum Answer {
    /// Ready; taken by the first poll.
    Now(Option<Response<Body>>),
    /// To come.
    Later(Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>),
}

impl Future for Answer {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            // Polled again after it was ready (hyper never does): a bare 500.
            Answer::Now(res) => Poll::Ready(Ok(res.take().unwrap_or_else(|| {
                let mut res = Response::new(crate::body::empty());
                *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                res
            }))),
            Answer::Later(fut) => fut.as_mut().poll(cx),
        }
    }
}

/// `425 Too Early` (RFC 8470 §5.2): the request came in early data and is not safe to
/// replay; the client is to send it again once the handshake is complete.
fn too_early() -> Response<Body> {
    let text = "425 Too Early: this request arrived in TLS early data (0-RTT), which can be \
                replayed; send it again after the handshake\n";
    let mut res = Response::new(crate::body::full(text));
    *res.status_mut() = StatusCode::from_u16(425).unwrap_or(StatusCode::BAD_REQUEST);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// The plain-HTTP redirect service: every request gets 308 Permanent Redirect (RFC 9110
/// §15.4.9, which keeps the method) to the same path on `https://host:https_port`.
///
/// The host is the request target's authority when it has one (absolute form, HTTP/2's
/// `:authority`; RFC 9112 §3.2.2 says to ignore Host then), else the Host header; a host
/// that is not a plain DNS name, IPv4 or bracketed IPv6 literal becomes `localhost`.
pub async fn redirect_to_https<B>(
    req: Request<B>,
    https_port: u16,
    info: Arc<ConnInfo>,
) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let line = request_line(&req);
    let res = https_redirect(&req, https_port);
    Ok(logged(info, line, res, started, false))
}

/// The redirect [`redirect_to_https`] answers `req` with (no logging).
pub fn https_redirect<B>(req: &Request<B>, https_port: u16) -> Response<Body> {
    let from_target = req.uri().authority().map(|a| a.as_str().as_bytes());
    let from_header = req.headers().get(header::HOST).map(HeaderValue::as_bytes);
    let host = from_target
        .or(from_header)
        .and_then(plain_host)
        .unwrap_or("localhost");
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    // Bytes outside ASCII, which `http` lets through in a path, are percent-encoded: a
    // Location is a URI (RFC 9110 §10.2.2).
    let path = utf8_percent_encode(origin_form(req.uri()), CONTROLS);
    redirect(
        StatusCode::PERMANENT_REDIRECT,
        &format!("https://{host}{port}{path}"),
    )
}

/// The request target's path and query when it is in origin form (RFC 9112 §3.2.1), else
/// `/`: what may follow an authority we put in front of it (not `*`, not an empty path).
pub(crate) fn origin_form(uri: &hyper::Uri) -> &str {
    uri.path_and_query()
        .map(|pq| pq.as_str())
        .filter(|pq| pq.starts_with('/'))
        .unwrap_or("/")
}

fn request_line<B>(req: &Request<B>) -> String {
    let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    format!("{} {} {:?}", req.method(), target, req.version())
}

/// Wraps the response body so that its access-log line is written when the body is done:
/// with the bytes actually sent and the time from the request to the last byte (or to the
/// moment the client went away, marked "cut short").
fn logged(
    info: Arc<ConnInfo>,
    line: String,
    res: Response<Body>,
    started: Instant,
    early: bool,
) -> Response<Body> {
    let status = res.status();
    res.map(|inner| {
        LoggedBody {
            inner,
            sent: 0,
            finished: false,
            pending: Some(PendingLog {
                info,
                line,
                status,
                started,
                early,
            }),
        }
        .boxed()
    })
}

/// What the access-log line needs besides the body's outcome.
struct PendingLog {
    info: Arc<ConnInfo>,
    line: String,
    status: StatusCode,
    started: Instant,
    /// The request arrived in early data.
    early: bool,
}

/// A response body that counts what it yields and logs once, at its end or when dropped.
struct LoggedBody {
    inner: Body,
    sent: u64,
    finished: bool,
    pending: Option<PendingLog>,
}

impl LoggedBody {
    fn write_log(&mut self) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let finished = self.finished || self.inner.is_end_stream();
        let len = if finished {
            self.sent.to_string()
        } else {
            format!("{} cut short", self.sent)
        };
        let entry = log_entry(
            &p.info,
            &p.line,
            p.status,
            &len,
            p.started.elapsed(),
            p.early,
        );
        // Formatted first and written with one call: stderr is unbuffered, so `eprintln!`
        // would issue a write system call per formatted piece (about ten per line). A log
        // line that cannot be written has nowhere else to go.
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), entry.as_bytes());
    }
}

impl HttpBody for LoggedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.sent += data.len() as u64;
                }
                if self.inner.is_end_stream() {
                    self.finished = true;
                    self.write_log();
                }
            }
            Poll::Ready(None) => {
                self.finished = true;
                self.write_log();
            }
            Poll::Ready(Some(Err(_))) => self.write_log(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        self.write_log();
    }
}

/// One access-log line. The request line and the client subject come from the peer: they
/// are written escaped (`"`, `\`, and every control character, C1 included, as Rust
/// escapes), so a request can neither forge a second entry nor send the terminal an
/// escape sequence.
fn log_entry(
    info: &ConnInfo,
    line: &str,
    status: StatusCode,
    len: &str,
    took: Duration,
    early: bool,
) -> String {
    let peer = info.peer.map_or_else(|| "-".to_string(), |p| p.to_string());
    let user = info
        .client
        .as_ref()
        .map_or("-", |c| c.subject.as_str())
        .escape_debug();
    let line = line.escape_debug();
    let ms = took.as_secs_f64() * 1000.0;
    // The TLS fields (version, suite, group, post-quantum or classical, resumed, and
    // early-data for a request that came in 0-RTT data) follow the user, so the time stays
    // the last field.
    let early = if early { " early-data" } else { "" };
    let tls = info
        .tls
        .as_deref()
        .map_or(String::new(), |t| format!(" [{t}{early}]"));
    format!(
        "{peer} [{user}]{tls} \"{line}\" {} {len} {ms:.1}ms\n",
        status.as_u16()
    )
}

/// The host of an authority `host[:port]` (RFC 3986 §3.2.2), if it is safe to put into a
/// Location we build: a DNS name (letters, digits, `.`, `-`; at most 253 bytes), or a
/// bracketed IPv6 literal that parses as one; the port, if any, digits only. `None` for
/// anything else: userinfo, percent-encoding, IPvFuture, stray brackets or colons.
fn plain_host(authority: &[u8]) -> Option<&str> {
    let authority = std::str::from_utf8(authority).ok()?;
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, rest) = authority.split_at(close + 1);
        host[1..close].parse::<std::net::Ipv6Addr>().ok()?;
        (host, rest)
    } else {
        let end = authority.find(':').unwrap_or(authority.len());
        let (host, rest) = authority.split_at(end);
        let name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
        if host.is_empty() || host.len() > 253 || !host.bytes().all(name) {
            return None;
        }
        (host, rest)
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()),
    };
    port_ok.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    use hyper::Uri;

    fn location(target: &str, host: Option<&str>, https_port: u16) -> String {
        let mut req = Request::builder().uri(target.parse::<Uri>().unwrap());
        if let Some(host) = host {
            req = req.header(header::HOST, host);
        }
        let res = https_redirect(&req.body(()).unwrap(), https_port);
        assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
        res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_access_log_escapes_quotes_and_control_characters_from_the_peer() {
        let info = ConnInfo {
            peer: Some(SocketAddr::from(([127, 0, 0, 1], 5))),
            secure: true,
            client: Some(Arc::new(ClientIdentity {
                subject: "CN=a\u{1b}[2J".into(),
                sha256: String::new(),
                sans: String::new(),
            })),
            tls: None,
            early: None,
        };
        let entry = log_entry(
            &info,
            "GET /x\"\u{9b}31m HTTP/1.1",
            StatusCode::OK,
            "3",
            Duration::ZERO,
            false,
        );
        assert_eq!(
            entry,
            "127.0.0.1:5 [CN=a\\u{1b}[2J] \"GET /x\\\"\\u{9b}31m HTTP/1.1\" 200 3 0.0ms\n"
        );
    }

    #[test]
    fn strips_ports_from_hosts() {
        assert_eq!(plain_host(b"example.com:80"), Some("example.com"));
        assert_eq!(plain_host(b"[::1]:80"), Some("[::1]"));
        assert_eq!(plain_host(b"localhost"), Some("localhost"));
        assert_eq!(plain_host(b"127.0.0.1:8080"), Some("127.0.0.1"));
        assert_eq!(plain_host(b""), None);
    }

    #[test]
    fn refuses_odd_characters_in_redirect_hosts() {
        assert_eq!(plain_host(b"a-b.example"), Some("a-b.example"));
        assert_eq!(plain_host(b"evil.com/x"), None);
        assert_eq!(plain_host(b"a b"), None);
        assert_eq!(plain_host(b"user@evil.com"), None);
        assert_eq!(plain_host(b"a%2ecom"), None);
    }

    #[test]
    fn refuses_hosts_with_stray_colons_or_brackets() {
        assert_eq!(plain_host(b"a:b:1"), None);
        assert_eq!(plain_host(b"a:"), Some("a"));
        assert_eq!(plain_host(b"a:123456"), None);
        assert_eq!(plain_host(b"x]:80"), None);
        assert_eq!(plain_host(b"[evil.com]"), None);
        assert_eq!(plain_host(b"[::1]x"), None);
        assert_eq!(plain_host(b"[::1"), None);
    }

    #[test]
    fn redirects_to_the_same_path_on_https() {
        assert_eq!(
            location("/a/b?q=1", Some("example.com:80"), 8443),
            "https://example.com:8443/a/b?q=1"
        );
        assert_eq!(location("/", Some("[::1]"), 443), "https://[::1]/");
    }

    #[test]
    fn a_path_outside_ascii_is_percent_encoded_in_the_location() {
        let uri =
            Uri::from_maybe_shared(bytes::Bytes::from_static(b"/caf\xc3\xa9?q=\xc3\xa9")).unwrap();
        let req = Request::builder().uri(uri).body(()).unwrap();
        let res = https_redirect(&req, 443);
        assert_eq!(
            res.headers()[header::LOCATION],
            "https://localhost/caf%C3%A9?q=%C3%A9"
        );
    }

    #[test]
    fn a_host_that_is_not_plain_redirects_to_localhost() {
        assert_eq!(
            location("/x", Some("a:b:1"), 8443),
            "https://localhost:8443/x"
        );
        assert_eq!(location("/x", None, 8443), "https://localhost:8443/x");
    }

    #[test]
    fn an_absolute_form_target_names_the_host_not_the_host_header() {
        assert_eq!(
            location("http://right.example/p", Some("wrong.example"), 443),
            "https://right.example/p"
        );
    }

    #[test]
    fn an_asterisk_target_redirects_to_the_root() {
        assert_eq!(location("*", Some("a.example"), 443), "https://a.example/");
    }
}
