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
use crate::site::origin_form;

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
        if let Err(status) = self.rewrite_request(&mut req, peer, secure, subject) {
            return status_page(status);
        }
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

    /// Turns the request a client sent into the one [`Proxy::forward`] sends upstream: the
    /// target becomes `http://upstream/base/path?query`, hop-by-hop headers go (RFC 9110
    /// §7.6.1), X-Forwarded-For/-Proto/-Host are set, a client's own
    /// [`CLIENT_SUBJECT_HEADER`] is replaced by `subject`, and Host names the upstream.
    /// `Err(status)`: the request cannot be forwarded; answer it with `status`.
    pub fn rewrite_request<B>(
        &self,
        req: &mut Request<B>,
        peer: SocketAddr,
        secure: bool,
        subject: Option<&str>,
    ) -> Result<(), StatusCode> {
        let path_and_query = origin_form(req.uri());
        let target = format!(
            "http://{}{}{}",
            self.authority, self.base_path, path_and_query
        );
        let target = target.parse::<Uri>().map_err(|_| StatusCode::BAD_REQUEST)?;
        // RFC 9112 §3.2.2: the target's authority, when it has one, wins over Host.
        let original_host = req
            .uri()
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
            .or_else(|| req.headers().get(header::HOST).cloned());

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
        Ok(())
    }
}

/// Removes the hop-by-hop headers: the fixed list, and every header the Connection header
/// names (RFC 9110 §7.6.1). Only names of headers actually present are collected, so the
/// work is bounded by the headers there are, however long the Connection list.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .filter_map(|s| HeaderName::from_bytes(s.trim_ascii()).ok())
        .filter(|name| headers.contains_key(name))
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
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
    fn strips_every_header_a_long_connection_list_names() {
        let mut h = HeaderMap::new();
        let names: Vec<String> = (0..40).map(|i| format!("x-hop-{i}")).collect();
        h.insert(
            "connection",
            HeaderValue::from_str(&names.join(", ")).unwrap(),
        );
        for name in &names {
            h.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_static("1"),
            );
        }
        h.insert("x-kept", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1, "{h:?}");
    }

    #[test]
    fn strips_headers_named_in_any_case_or_beside_odd_bytes() {
        let mut h = HeaderMap::new();
        h.insert(
            "connection",
            HeaderValue::from_bytes(b"X-Secret, \xff").unwrap(),
        );
        h.insert("x-secret", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h);
        assert!(h.is_empty(), "{h:?}");
    }

    #[tokio::test]
    async fn rewrites_the_target_host_and_forwarding_headers() {
        let proxy = Proxy::new("http://127.0.0.1:9/base/").unwrap();
        let mut req = Request::get("http://front.example/a?b=1")
            .header("host", "ignored.example")
            .header(CLIENT_SUBJECT_HEADER, "CN=forged")
            .header("connection", "x-hop")
            .header("x-hop", "1")
            .body(())
            .unwrap();
        let peer = "10.1.2.3:5".parse().unwrap();
        proxy
            .rewrite_request(&mut req, peer, true, Some("CN=alice"))
            .unwrap();
        assert_eq!(req.uri(), "http://127.0.0.1:9/base/a?b=1");
        let h = req.headers();
        assert_eq!(h["host"], "127.0.0.1:9");
        assert_eq!(h["x-forwarded-host"], "front.example");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-for"], "10.1.2.3");
        assert_eq!(h[CLIENT_SUBJECT_HEADER], "CN=alice");
        assert!(!h.contains_key("x-hop"));
        assert!(!h.contains_key("connection"));
    }

    #[tokio::test]
    async fn an_asterisk_target_is_forwarded_to_the_base_path() {
        let proxy = Proxy::new("http://127.0.0.1:9/base").unwrap();
        let mut req = Request::options("*").body(()).unwrap();
        let peer = "10.1.2.3:5".parse().unwrap();
        proxy.rewrite_request(&mut req, peer, false, None).unwrap();
        assert_eq!(req.uri(), "http://127.0.0.1:9/base/");
        assert!(!req.headers().contains_key(CLIENT_SUBJECT_HEADER));
    }

    #[test]
    fn appends_to_an_existing_forwarded_for() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        append_forwarded_for(&mut h, "127.0.0.1:5".parse().unwrap());
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
    }
}
