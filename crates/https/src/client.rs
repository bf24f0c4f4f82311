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

use crate::certinfo;
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
    body: Incoming,
    connection: tokio::task::JoinHandle<Result<(), hyper::Error>>,
    recorder: Option<Arc<Recorder>>,
}

impl FetchResponse {
    /// The next chunk of the body; `None` at its end. A connection that ends early (for
    /// TLS: without close_notify) is an error, never a silently short body.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        loop {
            match self.body.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(Error::Http(e)),
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
            Ok(Ok(Err(e))) if !e.is_canceled() => Err(Error::Http(e)),
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
            body,
            connection,
            recorder: rec,
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
        let chain: Vec<_> = conn
            .peer_certificates()
            .unwrap_or(&[])
            .iter()
            .map(|der| certinfo::summarize(der))
            .collect();
        if !chain.is_empty() {
            r.chain(&chain);
        }
    }
    let h2 = info.alpn.as_deref() == Some("h2");
    let (status, version, headers, body, connection) =
        send(TokioIo::new(tls), h2, target, &opts).await?;
    Ok(FetchResponse {
        status,
        version,
        headers,
        tls: Some(info),
        body,
        connection,
        recorder: rec,
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
    fn refuses_other_schemes() {
        assert!(Target::parse("ftp://x/").is_err());
        assert!(Target::parse("/relative").is_err());
    }
}
