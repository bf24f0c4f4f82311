//! Reverse proxy to an HTTP upstream: forwards each request, strips hop-by-hop headers
//! (RFC 9110 §7.6.1), and adds X-Forwarded-For/-Proto/-Host and what the verified client
//! certificate says.
//!
//! # The client-identity headers
//! With `--client-ca`, the upstream learns who the client is from three headers, set only
//! from a certificate the handshake verified:
//! - [`CLIENT_SUBJECT_HEADER`] `X-Client-Subject`: the subject as an RFC 4514 string
//!   (`CN=alice,O=Example`; last RDN first; `,` `+` `=` `\` `"` `;` `<` `>` inside a value
//!   escaped with `\`, any other byte outside printable ASCII as `\XX`), so a CN of
//!   `mallory, CN=admin` arrives as `CN=mallory\, CN\=admin`;
//! - [`CLIENT_CERT_SHA256_HEADER`] `X-Client-Cert-Sha256`: the SHA-256 of the certificate's
//!   DER in lowercase hex, the value to pin an identity to;
//! - [`CLIENT_SAN_HEADER`] `X-Client-San` (absent when there are none): the subjectAltName entries
//!   (`DNS:a.example, IP:10.0.0.1, email:a@b, URI:…`), `,` and odd bytes inside an entry as
//!   `\XX`.
//!
//! Every header a client sends whose name is one of these after folding case and `_` into
//! `-` is removed first (`X-Client_Subject` too: WSGI, CGI, PHP and Rack read `_` and `-` as
//! the same `HTTP_X_CLIENT_SUBJECT`), so without a certificate none of them reaches the
//! upstream, and the upstream can trust what it gets.

use std::net::SocketAddr;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

use crate::body::Body;
use crate::certinfo::ClientIdentity;
use crate::error::Error;
use crate::files::status_page;
use crate::site::origin_form;

/// The header carrying the verified client certificate's subject (RFC 4514) upstream.
pub const CLIENT_SUBJECT_HEADER: &str = "x-client-subject";
/// The header carrying the SHA-256 fingerprint of the verified client certificate upstream.
pub const CLIENT_CERT_SHA256_HEADER: &str = "x-client-cert-sha256";
/// The header carrying the verified client certificate's subjectAltName entries upstream.
pub const CLIENT_SAN_HEADER: &str = "x-client-san";

/// The headers only the proxy may set; a client's own are removed, however spelled.
pub const TRUSTED_HEADERS: [&str; 3] = [
    CLIENT_SUBJECT_HEADER,
    CLIENT_CERT_SHA256_HEADER,
    CLIENT_SAN_HEADER,
];

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

    /// Forwards `req` from `peer` (over HTTPS if `secure`) with what the `client`
    /// certificate says, if one was verified; with `Early-Data: 1` if it arrived in early
    /// data (`early`).
    pub async fn forward(
        &self,
        mut req: Request<Incoming>,
        peer: SocketAddr,
        secure: bool,
        client: Option<&ClientIdentity>,
        early: bool,
    ) -> Response<Body> {
        if let Err(status) = self.rewrite_request(&mut req, peer, secure, client) {
            return status_page(status);
        }
        if early {
            // RFC 8470 §5.1: a request forwarded before the handshake with the client
            // completed says so, and the upstream may answer 425 (passed back as it is).
            req.headers_mut()
                .insert("early-data", hyper::header::HeaderValue::from_static("1"));
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
    /// §7.6.1), X-Forwarded-For/-Proto/-Host are set, a client's own [`TRUSTED_HEADERS`]
    /// (in any spelling) are replaced by what `client` says, and Host names the upstream.
    /// `Err(status)`: the request cannot be forwarded; answer it with `status`.
    pub fn rewrite_request<B>(
        &self,
        req: &mut Request<B>,
        peer: SocketAddr,
        secure: bool,
        client: Option<&ClientIdentity>,
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
        strip_trusted(headers);
        append_forwarded_for(headers, peer);
        headers.insert(
            HeaderName::from_static("x-forwarded-proto"),
            HeaderValue::from_static(if secure { "https" } else { "http" }),
        );
        if let Some(host) = original_host {
            headers.insert(HeaderName::from_static("x-forwarded-host"), host);
        }
        if let Some(client) = client {
            for (name, value) in [
                (CLIENT_SUBJECT_HEADER, &client.subject),
                (CLIENT_CERT_SHA256_HEADER, &client.sha256),
                (CLIENT_SAN_HEADER, &client.sans),
            ] {
                // The values are printable ASCII by construction (certinfo), so this holds.
                if let (false, Ok(v)) = (value.is_empty(), HeaderValue::from_str(value)) {
                    headers.insert(HeaderName::from_static(name), v);
                }
            }
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

/// Removes every header whose name is one of [`TRUSTED_HEADERS`] once ASCII case is folded
/// and `_` read as `-`, the way CGI-style servers read names.
fn strip_trusted(headers: &mut HeaderMap) {
    let spoofed: Vec<HeaderName> = headers
        .keys()
        .filter(|name| {
            let folded = name.as_str().replace('_', "-");
            TRUSTED_HEADERS
                .iter()
                .any(|t| folded.eq_ignore_ascii_case(t))
        })
        .cloned()
        .collect();
    for name in spoofed {
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
            .rewrite_request(&mut req, peer, true, Some(&alice()))
            .unwrap();
        assert_eq!(req.uri(), "http://127.0.0.1:9/base/a?b=1");
        let h = req.headers();
        assert_eq!(h["host"], "127.0.0.1:9");
        assert_eq!(h["x-forwarded-host"], "front.example");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-for"], "10.1.2.3");
        assert_eq!(h[CLIENT_SUBJECT_HEADER], "CN=alice");
        assert_eq!(h[CLIENT_CERT_SHA256_HEADER], "ab01");
        assert_eq!(h[CLIENT_SAN_HEADER], "DNS:alice.test");
        assert!(!h.contains_key("x-hop"));
        assert!(!h.contains_key("connection"));
    }

    fn alice() -> ClientIdentity {
        ClientIdentity {
            subject: "CN=alice".into(),
            sha256: "ab01".into(),
            sans: "DNS:alice.test".into(),
        }
    }

    #[test]
    fn a_client_cannot_send_a_trusted_header_in_another_spelling() {
        let proxy = Proxy::new("http://127.0.0.1:9/").unwrap();
        let mut req = Request::get("/")
            .header("X-Client_Subject", "CN=admin")
            .header("x_client_subject", "CN=admin")
            .header("X-CLIENT-CERT_SHA256", "00")
            .header("x-client-san", "DNS:admin")
            .header("x-client-subjects", "kept")
            .body(())
            .unwrap();
        let peer = "10.1.2.3:5".parse().unwrap();
        proxy.rewrite_request(&mut req, peer, true, None).unwrap();
        let h = req.headers();
        let mut names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "host",
                "x-client-subjects",
                "x-forwarded-for",
                "x-forwarded-proto"
            ]
        );
        assert_eq!(h["x-client-subjects"], "kept");

        let mut req = Request::get("/")
            .header("X-Client_Subject", "CN=admin")
            .body(())
            .unwrap();
        proxy
            .rewrite_request(&mut req, peer, true, Some(&alice()))
            .unwrap();
        let subjects: Vec<_> = req
            .headers()
            .iter()
            .filter(|(n, _)| n.as_str().replace('_', "-") == CLIENT_SUBJECT_HEADER)
            .map(|(_, v)| v.clone())
            .collect();
        assert_eq!(subjects, ["CN=alice"]);
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
