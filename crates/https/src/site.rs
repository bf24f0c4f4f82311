//! The HTTP service: what `padlock serve` answers, independent of TLS. Files or a reverse
//! proxy, HSTS, and one access-log line per request; plus the plain-HTTP redirect service.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};

use crate::body::Body;
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
    /// The verified client certificate's subject (mutual TLS), e.g. `CN=alice`.
    pub client_subject: Option<String>,
}

impl Site {
    /// Answers one request arriving on the connection described by `info`.
    pub async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        info: Arc<ConnInfo>,
    ) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let line = self.access_log.then(|| request_line(&req));
        let mut res = match &self.mode {
            Mode::Files(files) => files.respond(&req).await,
            Mode::Proxy(proxy) => {
                let peer = info
                    .peer
                    .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
                proxy
                    .forward(req, peer, info.secure, info.client_subject.as_deref())
                    .await
            }
        };
        if let (Some(max_age), true) = (self.hsts, info.secure) {
            // RFC 6797 §7.2: only over secure transport.
            if let Ok(v) = HeaderValue::from_str(&format!("max-age={}", max_age.as_secs())) {
                res.headers_mut()
                    .insert(header::STRICT_TRANSPORT_SECURITY, v);
            }
        }
        if let Some(line) = line {
            log_line(&info, &line, &res, started);
        }
        Ok(res)
    }
}

/// The plain-HTTP redirect service: every request gets 308 Permanent Redirect (RFC 9110
/// §15.4.9, which keeps the method) to the same path on `https://host:https_port`.
pub async fn redirect_to_https(
    req: Request<Incoming>,
    https_port: u16,
    info: Arc<ConnInfo>,
) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let line = request_line(&req);
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().host().map(str::to_string))
        .unwrap_or_default();
    let host = host_without_port(&host)
        .filter(|h| is_plain_host(h))
        .unwrap_or("localhost");
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let res = redirect(
        StatusCode::PERMANENT_REDIRECT,
        &format!("https://{host}{port}{path}"),
    );
    log_line(&info, &line, &res, started);
    Ok(res)
}

fn request_line<B>(req: &Request<B>) -> String {
    let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    format!("{} {} {:?}", req.method(), target, req.version())
}

fn log_line(info: &ConnInfo, line: &str, res: &Response<Body>, started: Instant) {
    let peer = info.peer.map_or_else(|| "-".to_string(), |p| p.to_string());
    let user = info.client_subject.as_deref().unwrap_or("-");
    let len = res
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    // Formatted first and written with one call: stderr is unbuffered, so `eprintln!`
    // would issue a write system call per formatted piece (about ten per line).
    let entry = format!(
        "{peer} [{user}] \"{line}\" {} {len} {ms:.1}ms\n",
        res.status().as_u16()
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), entry.as_bytes());
}

/// `host[:port]` → `host`, `[v6]:port` → `[v6]`.
fn host_without_port(host: &str) -> Option<&str> {
    if host.is_empty() {
        return None;
    }
    if host.starts_with('[') {
        return host.find(']').map(|i| &host[..=i]);
    }
    Some(host.rsplit_once(':').map_or(host, |(h, _)| h))
}

/// Only letters, digits, `.`, `-`, and bracketed IPv6 go into a Location we build.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ports_from_hosts() {
        assert_eq!(host_without_port("example.com:80"), Some("example.com"));
        assert_eq!(host_without_port("[::1]:80"), Some("[::1]"));
        assert_eq!(host_without_port("localhost"), Some("localhost"));
        assert_eq!(host_without_port(""), None);
    }

    #[test]
    fn refuses_odd_characters_in_redirect_hosts() {
        assert!(is_plain_host("a-b.example"));
        assert!(!is_plain_host("evil.com/x"));
        assert!(!is_plain_host("a b"));
    }
}
