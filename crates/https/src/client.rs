//! The client behind `padlock get`: one request over a fresh connection (TCP, then TLS with
//! ALPN choosing HTTP/2 or HTTP/1.1), the response streamed back chunk by chunk.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, StatusCode, Uri, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use padlock_tls::{ClientConfig, ServerName};
use tokio::net::TcpStream;

pub use hyper::Method;

use crate::error::Error;
use crate::trace::{Flow, Recorder};
use padlock_tokio::TlsConnector;

/// Which HTTP version to ask for in ALPN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersionPref {
    /// Offer h2 and http/1.1; the server chooses.
    #[default]
    Auto,
    /// Offer only http/1.1.
    Http1,
    /// Offer only h2.
    Http2,
}

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `https`?
    pub https: bool,
    /// Host name or IP literal (without brackets).
    pub host: String,
    /// Port (443/80 by default).
    pub port: u16,
    /// Path and query, at least `/`.
    pub path_and_query: String,
}

impl Target {
    /// Parses `url`; only http and https.
    pub fn parse(url: &str) -> Result<Target, Error> {
        let bad = |reason: &str| Error::BadUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| bad(&e.to_string()))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(bad("only http:// and https:// URLs are supported")),
        };
        let host = uri.host().ok_or_else(|| bad("it has no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path_and_query = uri
            .path_and_query()
            .map_or("/".to_string(), |pq| pq.as_str().to_string());
        Ok(Target {
            https,
            host,
            port,
            path_and_query,
        })
    }

    /// The URL again, `scheme://authority/path?query`.
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}", self.authority(), self.path_and_query)
    }

    /// Whether `other` is the same origin: scheme, host (ASCII case folded) and port.
    pub fn same_origin(&self, other: &Target) -> bool {
        self.https == other.https
            && self.port == other.port
            && self.host.eq_ignore_ascii_case(&other.host)
    }

    /// The target a `Location` value points to, resolved against this one (RFC 9110
    /// §10.2.2: a URI reference, resolved as RFC 3986 §5.2 says). A fragment is dropped.
    pub fn join(&self, location: &str) -> Result<Target, Error> {
        let bad = |reason: &str| Error::BadRedirect {
            location: location.to_string(),
            reason: reason.to_string(),
        };
        let reference = location.split('#').next().unwrap_or_default().trim();
        if reference.is_empty() {
            return Ok(self.clone());
        }
        let scheme = if self.https { "https" } else { "http" };
        let has_scheme = reference.split_once(':').is_some_and(|(s, _)| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                && s.as_bytes()[0].is_ascii_alphabetic()
        });
        let absolute = if has_scheme {
            reference.to_string()
        } else if let Some(rest) = reference.strip_prefix("//") {
            format!("{scheme}://{rest}")
        } else {
            let (base_path, _) = self
                .path_and_query
                .split_once('?')
                .unwrap_or((&self.path_and_query, ""));
            let joined = if reference.starts_with('/') {
                reference.to_string()
            } else if let Some(query) = reference.strip_prefix('?') {
                format!("{base_path}?{query}")
            } else {
                let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
                format!("{dir}{reference}")
            };
            let (path, query) = match joined.split_once('?') {
                Some((p, q)) => (p.to_string(), Some(q)),
                None => (joined.clone(), None),
            };
            let mut out = format!(
                "{scheme}://{}{}",
                self.authority(),
                remove_dot_segments(&path)
            );
            if let Some(q) = query {
                out.push('?');
                out.push_str(q);
            }
            out
        };
        Target::parse(&absolute).map_err(|e| match e {
            Error::BadUrl { reason, .. } => bad(&reason),
            other => other,
        })
    }

    /// `host:port` for the Host header and :authority, with brackets around IPv6.
    pub fn authority(&self) -> String {
        let default = if self.https { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// RFC 3986 §5.2.4: a path with its `.` and `..` segments resolved.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// The request to send after a redirect, as curl sends it with `--location`: 303 turns any
/// method but HEAD into GET, and 301/302 turn POST into GET (RFC 9110 §15.4.2–4 allow it and
/// every browser does it), dropping the body and its headers; 307/308 repeat the request as
/// it was. To another origin (scheme, host or port) the credentials a user gave for the
/// first one — Authorization and Cookie headers — are not sent.
pub fn redirected(
    opts: &FetchOptions,
    status: StatusCode,
    from: &Target,
    to: &Target,
) -> FetchOptions {
    let mut next = opts.clone();
    let to_get = match status.as_u16() {
        303 => next.method != Method::HEAD,
        301 | 302 => next.method == Method::POST,
        _ => false,
    };
    if to_get {
        next.method = Method::GET;
        next.body.clear();
        next.headers.retain(|(name, _)| {
            !name.eq_ignore_ascii_case("content-type")
                && !name.eq_ignore_ascii_case("content-length")
        });
    }
    if !from.same_origin(to) {
        next.headers.retain(|(name, _)| {
            !name.eq_ignore_ascii_case("authorization") && !name.eq_ignore_ascii_case("cookie")
        });
    }
    next
}

/// Whether `status` is a redirect `--location` follows (RFC 9110 §15.4).
pub fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// What to send and how.
#[derive(Clone)]
pub struct FetchOptions {
    /// The method.
    pub method: Method,
    /// Extra headers (name, value).
    pub headers: Vec<(String, String)>,
    /// The request body (empty for none).
    pub body: Vec<u8>,
    /// `--resolve host:port:addr` overrides.
    pub resolve: Vec<(String, u16, IpAddr)>,
    /// ALPN preference.
    pub version: HttpVersionPref,
    /// TLS client configuration (ALPN is set from `version`).
    pub tls: Option<ClientConfig>,
    /// Receives the connection's steps (for `-v` and `--trace-html`).
    pub recorder: Option<Arc<Recorder>>,
    /// Limit for TCP connect plus TLS handshake.
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchOptions")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// What the TLS handshake settled.
#[derive(Debug, Clone, Default)]
pub struct TlsInfo {
    /// e.g. "TLSv1.3".
    pub version: Option<String>,
    /// e.g. "TLS_AES_128_GCM_SHA256".
    pub cipher_suite: Option<String>,
    /// e.g. "X25519".
    pub group: Option<String>,
    /// ALPN chosen.
    pub alpn: Option<String>,
}

/// A response whose body is still arriving.
#[derive(Debug)]
pub struct FetchResponse {
    /// Status code.
    pub status: StatusCode,
    /// HTTP version used.
    pub version: Version,
    /// Response headers.
    pub headers: HeaderMap,
    /// TLS details (None for http://).
    pub tls: Option<TlsInfo>,
    /// The address connected to.
    pub remote: SocketAddr,
    body: Incoming,
    connection: tokio::task::JoinHandle<Result<(), hyper::Error>>,
    recorder: Option<Arc<Recorder>>,
    tls_failure: TlsFailure,
}

/// The TLS engine's error, kept as the connection fails: HTTP/2 turns the I/O errors it
/// sees into text, so without this a server's alert would reach the user as "connection
/// error" with its type lost.
#[derive(Debug, Clone, Default)]
struct TlsFailure(Arc<std::sync::Mutex<Option<padlock_tls::Error>>>);

impl TlsFailure {
    fn note(&self, error: &std::io::Error) {
        if let Some(tls) = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<padlock_tls::Error>())
        {
            if let Ok(mut slot) = self.0.lock() {
                slot.get_or_insert_with(|| tls.clone());
            }
        }
    }

    /// `error`, or the TLS error behind it when the engine reported one.
    fn explain(&self, error: hyper::Error) -> Error {
        match self.0.lock().ok().and_then(|slot| slot.clone()) {
            Some(tls) => Error::Tls(tls),
            None => Error::Http(error),
        }
    }
}

/// A transport whose I/O errors are noted in a [`TlsFailure`] on their way up.
struct Watched<S> {
    inner: S,
    failure: TlsFailure,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Watched<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        let result = std::pin::Pin::new(&mut this.inner).poll_read(cx, buf);
        if let std::task::Poll::Ready(Err(e)) = &result {
            this.failure.note(e);
        }
        result
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let result = std::pin::Pin::new(&mut this.inner).poll_write(cx, buf);
        if let std::task::Poll::Ready(Err(e)) = &result {
            this.failure.note(e);
        }
        result
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        let result = std::pin::Pin::new(&mut this.inner).poll_flush(cx);
        if let std::task::Poll::Ready(Err(e)) = &result {
            this.failure.note(e);
        }
        result
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        let result = std::pin::Pin::new(&mut this.inner).poll_shutdown(cx);
        if let std::task::Poll::Ready(Err(e)) = &result {
            this.failure.note(e);
        }
        result
    }
}

impl FetchResponse {
    /// The next chunk of the body; `None` at its end. A connection that ends early (for
    /// TLS: without close_notify) is an error, never a silently short body.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        loop {
            match self.body.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(self.tls_failure.explain(e)),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }

    /// The declared body length, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// Closes the connection (sending close_notify) and waits, briefly, for it to end.
    pub async fn finish(self) -> Result<(), Error> {
        drop(self.body);
        let done = tokio::time::timeout(Duration::from_secs(5), self.connection).await;
        if let Some(r) = &self.recorder {
            r.note(Flow::Client, "connection closed", vec![]);
        }
        match done {
            Ok(Ok(Err(e))) if !e.is_canceled() => Err(self.tls_failure.explain(e)),
            _ => Ok(()),
        }
    }
}

/// Sends one request to `target` on a new connection and returns the response head.
pub async fn fetch(target: &Target, opts: FetchOptions) -> Result<FetchResponse, Error> {
    let rec = opts.recorder.clone();
    let addr = resolve(target, &opts.resolve).await?;
    let tcp = tokio::time::timeout(opts.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| Error::Connect {
            addr,
            error: std::io::ErrorKind::TimedOut.into(),
        })?
        .map_err(|error| Error::Connect { addr, error })?;
    let _ = tcp.set_nodelay(true);
    if let Some(r) = &rec {
        r.new_connection();
        r.note(Flow::Client, format!("TCP connected to {addr}"), vec![]);
    }

    if !target.https {
        let (status, version, headers, body, connection) =
            send(TokioIo::new(tcp), false, target, &opts).await?;
        return Ok(FetchResponse {
            status,
            version,
            headers,
            tls: None,
            remote: addr,
            body,
            connection,
            recorder: rec,
            tls_failure: TlsFailure::default(),
        });
    }

    let mut config = opts.tls.clone().ok_or_else(|| Error::BadUrl {
        url: target.host.clone(),
        reason: "no TLS configuration".into(),
    })?;
    config.alpn_protocols = match opts.version {
        HttpVersionPref::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        HttpVersionPref::Http1 => vec![b"http/1.1".to_vec()],
        HttpVersionPref::Http2 => vec![b"h2".to_vec()],
    };
    if let Some(r) = &rec {
        config.trace = Some(r.clone());
    }
    let name = server_name(&target.host)?;
    let connector = TlsConnector::from(Arc::new(config));
    let tls = tokio::time::timeout(opts.connect_timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| Error::HandshakeTimeout(opts.connect_timeout))?
        .map_err(|e| Error::io("TLS handshake", e))?;
    let conn = tls.get_ref().1;
    let info = TlsInfo {
        version: conn.protocol_version().map(|v| v.to_string()),
        cipher_suite: conn.cipher_suite().map(|v| v.to_string()),
        group: conn.negotiated_group().map(|v| v.to_string()),
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
    };
    if let Some(r) = &rec {
        // A resumed session's chain was checked when the session was made; this
        // handshake carried none (the "session resumed" step says so).
        if !conn.handshake_kind().is_some_and(|k| k.is_resumed()) {
            r.peer_chain(conn.peer_certificates());
        }
    }
    let h2 = info.alpn.as_deref() == Some("h2");
    let tls_failure = TlsFailure::default();
    let watched = Watched {
        inner: tls,
        failure: tls_failure.clone(),
    };
    let (status, version, headers, body, connection) =
        send(TokioIo::new(watched), h2, target, &opts)
            .await
            .map_err(|e| match e {
                Error::Http(e) => tls_failure.explain(e),
                other => other,
            })?;
    Ok(FetchResponse {
        status,
        version,
        headers,
        tls: Some(info),
        remote: addr,
        body,
        connection,
        recorder: rec,
        tls_failure,
    })
}

type Sent = (
    StatusCode,
    Version,
    HeaderMap,
    Incoming,
    tokio::task::JoinHandle<Result<(), hyper::Error>>,
);

async fn send<IO>(io: IO, h2: bool, target: &Target, opts: &FetchOptions) -> Result<Sent, Error>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let body = Full::new(Bytes::from(opts.body.clone()));
    let scheme = if target.https { "https" } else { "http" };
    let mut builder = Request::builder().method(opts.method.clone());
    builder = if h2 {
        builder
            .uri(format!(
                "{scheme}://{}{}",
                target.authority(),
                target.path_and_query
            ))
            .version(Version::HTTP_2)
    } else {
        builder
            .uri(target.path_and_query.as_str())
            .header(hyper::header::HOST, target.authority())
    };
    let mut req = builder.body(body)?;
    let h = req.headers_mut();
    h.insert(
        hyper::header::USER_AGENT,
        HeaderValue::from_static(concat!("padlock/", env!("CARGO_PKG_VERSION"))),
    );
    h.insert(hyper::header::ACCEPT, HeaderValue::from_static("*/*"));
    for (name, value) in &opts.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| Error::InvalidRequest(hyper::http::Error::from(e)))?;
        let value = HeaderValue::from_str(value).map_err(|e| Error::InvalidRequest(e.into()))?;
        if h2 && name == hyper::header::HOST {
            continue;
        }
        h.insert(name, value);
    }
    if let Some(r) = &opts.recorder {
        let mut lines = vec![format!(
            "{} {} {}",
            req.method(),
            target.path_and_query,
            if h2 { "HTTP/2" } else { "HTTP/1.1" }
        )];
        lines.extend(
            req.headers()
                .iter()
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("<binary>"))),
        );
        r.note(Flow::ToServer, "HTTP request", lines);
    }
    let (res, connection) = if h2 {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await?;
        let task = tokio::spawn(conn);
        (sender.send_request(req).await?, task)
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
        let task = tokio::spawn(conn);
        (sender.send_request(req).await?, task)
    };
    let (parts, body) = res.into_parts();
    if let Some(r) = &opts.recorder {
        let mut lines = vec![format!("{:?} {}", parts.version, parts.status)];
        lines.extend(
            parts
                .headers
                .iter()
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("<binary>"))),
        );
        r.note(Flow::ToClient, "HTTP response", lines);
    }
    Ok((parts.status, parts.version, parts.headers, body, connection))
}

fn server_name(host: &str) -> Result<ServerName, Error> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ServerName::Ip(ip));
    }
    ServerName::try_from(host).map_err(|e| Error::BadUrl {
        url: host.to_string(),
        reason: e.to_string(),
    })
}

async fn resolve(
    target: &Target,
    overrides: &[(String, u16, IpAddr)],
) -> Result<SocketAddr, Error> {
    if let Some((_, _, ip)) = overrides
        .iter()
        .find(|(h, p, _)| h.eq_ignore_ascii_case(&target.host) && *p == target.port)
    {
        return Ok(SocketAddr::new(*ip, target.port));
    }
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, target.port));
    }
    let mut addrs = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|e| Error::io(format!("cannot resolve {}", target.host), e))?;
    addrs.next().ok_or_else(|| Error::BadUrl {
        url: target.host.clone(),
        reason: "the name has no address".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_with_default_and_explicit_ports() {
        let t = Target::parse("https://localhost:8443/a?b=c").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path_and_query.as_str()),
            ("localhost", 8443, "/a?b=c")
        );
        assert_eq!(t.authority(), "localhost:8443");
        let t = Target::parse("https://example.com").unwrap();
        assert_eq!(
            (t.port, t.path_and_query.as_str(), t.authority().as_str()),
            (443, "/", "example.com")
        );
        let t = Target::parse("https://[::1]:9/").unwrap();
        assert_eq!(
            (t.host.as_str(), t.authority().as_str()),
            ("::1", "[::1]:9")
        );
    }

    #[test]
    fn resolves_locations_as_rfc_3986_says() {
        let base = Target::parse("https://a.test:8443/d/e/f?q=1").unwrap();
        let url = |l: &str| base.join(l).unwrap().url();
        assert_eq!(url("g"), "https://a.test:8443/d/e/g");
        assert_eq!(url("../g?x"), "https://a.test:8443/d/g?x");
        assert_eq!(url("/g#frag"), "https://a.test:8443/g");
        assert_eq!(url("?y=2"), "https://a.test:8443/d/e/f?y=2");
        assert_eq!(url("//b.test/h"), "https://b.test/h");
        assert_eq!(url("http://c.test/"), "http://c.test/");
        assert_eq!(url("../../../../g"), "https://a.test:8443/g");
        assert!(base.join("ftp://x/").is_err());
    }

    fn post_with_credentials() -> FetchOptions {
        FetchOptions {
            method: Method::POST,
            headers: vec![
                ("Authorization".into(), "Bearer t".into()),
                ("Cookie".into(), "s=1".into()),
                ("Content-Type".into(), "application/json".into()),
                ("X-Other".into(), "1".into()),
            ],
            body: b"{}".to_vec(),
            resolve: vec![],
            version: HttpVersionPref::Auto,
            tls: None,
            recorder: None,
            connect_timeout: Duration::from_secs(1),
        }
    }

    fn names(o: &FetchOptions) -> Vec<&str> {
        o.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn a_redirect_after_post_becomes_get_except_307_and_308() {
        let a = Target::parse("https://a.test/x").unwrap();
        let a2 = Target::parse("https://a.test/y").unwrap();
        let opts = post_with_credentials();
        for status in [301, 302, 303] {
            let next = redirected(&opts, StatusCode::from_u16(status).unwrap(), &a, &a2);
            assert_eq!(next.method, Method::GET, "{status}");
            assert!(next.body.is_empty());
            assert_eq!(names(&next), ["Authorization", "Cookie", "X-Other"]);
        }
        for status in [307, 308] {
            let next = redirected(&opts, StatusCode::from_u16(status).unwrap(), &a, &a2);
            assert_eq!(next.method, Method::POST, "{status}");
            assert_eq!(next.body, b"{}");
        }
    }

    #[test]
    fn credentials_are_not_sent_to_another_origin() {
        let a = Target::parse("https://a.test/x").unwrap();
        let opts = post_with_credentials();
        for other in ["https://b.test/", "http://a.test/", "https://a.test:444/"] {
            let next = redirected(
                &opts,
                StatusCode::TEMPORARY_REDIRECT,
                &a,
                &Target::parse(other).unwrap(),
            );
            assert_eq!(names(&next), ["Content-Type", "X-Other"], "{other}");
        }
        let same = Target::parse("https://A.TEST/z").unwrap();
        let next = redirected(&opts, StatusCode::TEMPORARY_REDIRECT, &a, &same);
        assert_eq!(next.headers.len(), 4);
    }

    #[test]
    fn refuses_other_schemes() {
        assert!(Target::parse("ftp://x/").is_err());
        assert!(Target::parse("/relative").is_err());
    }
}
