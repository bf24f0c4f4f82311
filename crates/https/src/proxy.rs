//! Reverse proxy to an HTTP upstream: forwards each request, strips hop-by-hop headers
//! (RFC 9110 §7.6.1), and adds X-Forwarded-For/-Proto/-Host and the verified client
//! certificate subject.

use std::net::SocketAddr;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

use crate::body::Body;
use crate::error::Error;
use crate::files::status_page;

/// The header carrying the verified mutual-TLS client certificate subject to the upstream.
/// Any value a client sends itself is removed first, so the upstream can trust it.
pub const CLIENT_SUBJECT_HEADER: &str = "x-client-subject";

/// Headers that describe one hop, never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

/// A reverse proxy to one upstream.
#[derive(Debug, Clone)]
pub struct Proxy {
    authority: hyper::http::uri::Authority,
    base_path: String,
    client: Client<HttpConnector, Incoming>,
}

impl Proxy {
    /// A proxy to `url`, which must be `http://host[:port][/base]`.
    pub fn new(url: &str) -> Result<Self, Error> {
        let bad = |reason| Error::BadUpstream {
            url: url.to_string(),
            reason,
        };
        let uri: Uri = url.parse().map_err(|_| bad("it does not parse as a URI"))?;
        if uri.scheme_str() != Some("http") {
            return Err(bad("only http:// upstreams are supported"));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| bad("it has no host"))?;
        let base_path = uri.path().trim_end_matches('/').to_string();
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(Proxy {
            authority,
            base_path,
            client,
        })
    }

    /// Forwards `req` from `peer` (over HTTPS if `secure`) with the client certificate
    /// `subject`, if one was verified.
    pub async fn forward(
        &self,
        mut req: Request<Incoming>,
        peer: SocketAddr,
        secure: bool,
        subject: Option<&str>,
    ) -> Response<Body> {
        let path_and_query = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let target = format!(
            "http://{}{}{}",
            self.authority, self.base_path, path_and_query
        );
        let Ok(target) = target.parse::<Uri>() else {
            return status_page(StatusCode::BAD_REQUEST);
        };
        let original_host = req.headers().get(header::HOST).cloned().or_else(|| {
            req.uri()
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        });

        let headers = req.headers_mut();
        strip_hop_by_hop(headers);
        headers.remove(CLIENT_SUBJECT_HEADER);
        append_forwarded_for(headers, peer);
        headers.insert(
            HeaderName::from_static("x-forwarded-proto"),
            HeaderValue::from_static(if secure { "https" } else { "http" }),
        );
        if let Some(host) = original_host {
            headers.insert(HeaderName::from_static("x-forwarded-host"), host);
        }
        if let Some(v) = subject.and_then(|s| HeaderValue::from_str(s).ok()) {
            headers.insert(HeaderName::from_static(CLIENT_SUBJECT_HEADER), v);
        }
        if let Ok(v) = HeaderValue::from_str(self.authority.as_str()) {
            headers.insert(header::HOST, v);
        }
        *req.uri_mut() = target;
        *req.version_mut() = hyper::Version::HTTP_11;

        match self.client.request(req).await {
            Ok(res) => {
                let (mut parts, body) = res.into_parts();
                strip_hop_by_hop(&mut parts.headers);
                Response::from_parts(parts, body.map_err(Into::into).boxed())
            }
            Err(e) => {
                eprintln!("padlock: proxy to {} failed: {e}", self.authority);
                status_page(StatusCode::BAD_GATEWAY)
            }
        }
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .take(32)
        .collect();
    for name in named.iter().map(String::as_str).chain(HOP_BY_HOP) {
        headers.remove(name);
    }
}

fn append_forwarded_for(headers: &mut HeaderMap, peer: SocketAddr) {
    let name = HeaderName::from_static("x-forwarded-for");
    let ip = peer.ip().to_string();
    let value = match headers.get(&name).and_then(|v| v.to_str().ok()) {
        Some(prior) => format!("{prior}, {ip}"),
        None => ip,
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(name, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_http_upstreams() {
        assert!(Proxy::new("http://127.0.0.1:8080").is_ok());
        assert!(Proxy::new("https://127.0.0.1:8080").is_err());
        assert!(Proxy::new("/relative").is_err());
    }

    #[test]
    fn strips_hop_by_hop_and_connection_named_headers() {
        let mut h = HeaderMap::new();
        h.insert("connection", HeaderValue::from_static("close, x-secret"));
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("5"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("x-kept"));
    }

    #[test]
    fn appends_to_an_existing_forwarded_for() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        append_forwarded_for(&mut h, "127.0.0.1:5".parse().unwrap());
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
    }
}
