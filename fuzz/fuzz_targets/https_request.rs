//! The request → response logic of `padlock serve` over arbitrary requests, without sockets:
//! the file server (path resolution and the stay-under-root rule, conditional requests,
//! Range and If-Range, folder redirects and listings), the plain-HTTP → HTTPS redirect
//! (Host and authority handling), and the reverse proxy's request rewriting. hyper's own
//! HTTP framing is not ours and is not fuzzed; requests are built with the `http` crate's
//! validating constructors, as hyper builds them from a parsed head.
//!
//! Input: one mode byte, then a request head as text:
//! `METHOD TARGET\nName: value\n…` (a `\r` before `\n` is dropped, a blank line ends it).
//! The mode byte's low two bits choose files / redirect / proxy; bit 2 says the connection
//! is TLS, bit 3 that a client certificate subject was verified, bits 4–5 the HTTPS port.
//!
//! Oracles beyond "no panic": no response carries a byte of the file kept outside the root
//! (reachable only through symlinks in it); every body matches its Content-Length and
//! Content-Range, and is the file (or that slice of it) it claims to be; a folder redirect
//! stays on this site; the HTTPS redirect's Location is an absolute `https` URI on the
//! right port with a plain host; the proxied request names the upstream, carries no
//! hop-by-hop header and no forged client subject.
#![no_main]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use libfuzzer_sys::fuzz_target;
use padlock_https::body::Body;
use padlock_https::certinfo::ClientIdentity;
use padlock_https::files::FileServer;
use padlock_https::proxy::{Proxy, CLIENT_SUBJECT_HEADER, TRUSTED_HEADERS};
use padlock_https::site::https_redirect;

/// In the content and the name of the file outside the root: never in a response.
const SECRET: &[u8] = b"SECRET-OUTSIDE-ROOT";

/// hyper's default limit on the number of request headers (HTTP/1.1).
const MAX_HEADERS: usize = 100;

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

struct World {
    runtime: tokio::runtime::Runtime,
    files: FileServer,
    proxy: Proxy,
    /// The contents of every regular file a response may carry.
    contents: Vec<Vec<u8>>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("padlock-fuzz-https-{}", std::process::id()));
        let root = base.join("root");
        let outside = base.join("outside");
        let secret_name = format!("{}.txt", String::from_utf8_lossy(SECRET));
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let files: Vec<(PathBuf, Vec<u8>)> = vec![
            (root.join("hello.txt"), b"hello, world\n".to_vec()),
            (root.join("a b.txt"), b"spaces in the name\n".to_vec()),
            (
                root.join("caf\u{e9}.html"),
                b"<p>caf\xc3\xa9</p>\n".to_vec(),
            ),
            (root.join("empty"), Vec::new()),
            (root.join("big.bin"), big),
            (
                root.join("sub/index.html"),
                b"<h1>sub index</h1>\n".to_vec(),
            ),
            (root.join("list/one.txt"), b"one\n".to_vec()),
            (root.join("list/two.json"), b"{\"two\":2}\n".to_vec()),
        ];
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::create_dir_all(root.join("list/deeper")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        for (path, body) in &files {
            std::fs::write(path, body).expect("write");
        }
        let mut secret = SECRET.to_vec();
        secret.extend_from_slice(b" must never be served\n");
        std::fs::write(outside.join(&secret_name), &secret).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(outside.join(&secret_name), root.join("escape.txt")).expect("symlink");
            symlink(&outside, root.join("outdir")).expect("symlink");
            symlink(root.join("hello.txt"), root.join("list/inside-link.txt")).expect("symlink");
            symlink(root.join("nowhere"), root.join("dangling")).expect("symlink");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (files_server, proxy) = {
            let _guard = runtime.enter();
            (
                FileServer::new(&root).expect("root"),
                Proxy::new("http://127.0.0.1:9/base").expect("proxy"),
            )
        };
        World {
            runtime,
            files: files_server,
            proxy,
            contents: files.into_iter().map(|(_, c)| c).collect(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, head)) = data.split_first() else {
        return;
    };
    let Some(req) = request(head) else {
        return;
    };
    let world = world();
    let secure = mode & 4 != 0;
    let subject = (mode & 8 != 0).then(|| ClientIdentity {
        subject: "O=padlock,CN=alice".into(),
        sha256: "00".repeat(32),
        sans: "DNS:alice.test".into(),
    });
    let https_port = [443, 8443, 1, 65535][usize::from(mode >> 4) & 3];
    match mode & 3 {
        0 | 3 => files(world, req),
        1 => redirect(req, https_port),
        _ => proxy(world, req, secure, subject.as_ref()),
    }
});

/// The request head in `bytes`, if the `http` crate accepts its method and target; header
/// lines it refuses are skipped (hyper would refuse the request: nothing to test).
fn request(bytes: &[u8]) -> Option<Request<()>> {
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = lines.next()?;
    let space = first.iter().position(|&b| b == b' ')?;
    let method = Method::from_bytes(&first[..space]).ok()?;
    let uri = Uri::from_maybe_shared(Bytes::copy_from_slice(&first[space + 1..])).ok()?;
    let mut req = Request::builder().method(method).uri(uri);
    for line in lines.take_while(|l| !l.is_empty()).take(MAX_HEADERS) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(line[colon + 1..].trim_ascii()),
        ) else {
            continue;
        };
        req = req.header(name, value);
    }
    req.body(()).ok()
}

fn files(world: &World, req: Request<()>) {
    let head = req.method() == Method::HEAD;
    let res = world.runtime.block_on(world.files.respond(&req));
    let (status, headers, body) = collect(&world.runtime, res);
    assert!(
        !contains(&body, SECRET),
        "{status}: a file outside the root was served for {req:?}"
    );
    // hyper drops any body of a HEAD response on the wire (error pages keep theirs here);
    // a file answer to HEAD should not even read the file.
    if head && matches!(status, StatusCode::OK | StatusCode::PARTIAL_CONTENT) {
        assert!(body.is_empty(), "HEAD answered with a body");
    } else if let (false, Some(len)) = (head, number(headers.get(header::CONTENT_LENGTH))) {
        assert_eq!(
            len,
            body.len() as u64,
            "Content-Length disagrees with the body"
        );
    }
    let path = String::from_utf8_lossy(req.uri().path().as_bytes());
    let decoded = percent_encoding::percent_decode_str(&path).decode_utf8_lossy();
    if is_listing(&headers) && decoded.contains(['<', '>', '"', '&', '\'']) {
        assert!(
            !contains(&body, decoded.as_bytes()),
            "the listing title shows the path unescaped"
        );
    }
    match status {
        StatusCode::OK if !head && !is_listing(&headers) => {
            assert!(
                world.contents.iter().any(|c| c[..] == body[..]),
                "200 with a body that is no file under the root"
            );
        }
        StatusCode::PARTIAL_CONTENT
            if headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"multipart/byteranges; boundary=")) =>
        {
            // Several ranges: every part is framed by the boundary, and the length is right.
            let boundary = headers[header::CONTENT_TYPE].as_bytes()[31..].to_vec();
            let mut close = b"\r\n--".to_vec();
            close.extend_from_slice(&boundary);
            close.extend_from_slice(b"--\r\n");
            if !head {
                assert_eq!(
                    number(headers.get(header::CONTENT_LENGTH)),
                    Some(body.len() as u64)
                );
                assert!(
                    body.ends_with(&close),
                    "multipart body without its closing boundary"
                );
            }
        }
        StatusCode::PARTIAL_CONTENT => {
            let range = headers
                .get(header::CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .expect("206 has a Content-Range");
            let (first, last, total) = content_range(range).expect("Content-Range parses");
            assert!(first <= last && last < total, "bad Content-Range {range}");
            let count = last - first + 1;
            assert_eq!(number(headers.get(header::CONTENT_LENGTH)), Some(count));
            if !head {
                let (first, last) = (first as usize, last as usize);
                assert!(
                    world
                        .contents
                        .iter()
                        .any(|c| c.len() as u64 == total && c.get(first..=last) == Some(&body[..])),
                    "206 body is not bytes {first}-{last} of a {total}-byte file"
                );
            }
        }
        StatusCode::MOVED_PERMANENTLY => {
            let location = headers
                .get(header::LOCATION)
                .expect("a folder redirect has a Location")
                .as_bytes();
            assert!(
                location.starts_with(b"/") && !location.starts_with(b"//"),
                "folder redirect leaves the site: {:?}",
                String::from_utf8_lossy(location)
            );
            assert!(location.is_ascii(), "Location is not ASCII");
        }
        StatusCode::OK
        | StatusCode::NOT_MODIFIED
        | StatusCode::BAD_REQUEST
        | StatusCode::FORBIDDEN
        | StatusCode::NOT_FOUND
        | StatusCode::METHOD_NOT_ALLOWED
        | StatusCode::RANGE_NOT_SATISFIABLE => {}
        other => panic!("unexpected status {other}"),
    }
}

fn redirect(req: Request<()>, https_port: u16) {
    let res = https_redirect(&req, https_port);
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    let location = res
        .headers()
        .get(header::LOCATION)
        .expect("the redirect has a Location");
    let location = location.to_str().expect("Location is ASCII");
    let uri: Uri = location.parse().expect("Location is a URI");
    assert_eq!(uri.scheme_str(), Some("https"), "{location}");
    let authority = uri.authority().expect("Location has an authority");
    let port = if https_port == 443 {
        None
    } else {
        Some(https_port)
    };
    assert_eq!(authority.port_u16(), port, "{location}");
    let host = authority.host();
    let plain = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .is_some_and(|h| h.parse::<std::net::Ipv6Addr>().is_ok());
    assert!(plain && !host.is_empty(), "host {host:?} in {location}");
    let path = uri.path_and_query().map_or("", |pq| pq.as_str());
    assert!(path.starts_with('/'), "{location}");
    if let Some(pq) = req.uri().path_and_query() {
        if pq.as_str().starts_with('/') && pq.as_str().is_ascii() {
            assert_eq!(path, pq.as_str(), "the redirect changed the path");
        }
    }
}

fn proxy(world: &World, mut req: Request<()>, secure: bool, subject: Option<&ClientIdentity>) {
    let before = req.headers().len();
    let named: HashSet<String> = req
        .headers()
        .get_all(header::CONNECTION)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(|s| String::from_utf8_lossy(s.trim_ascii()).to_ascii_lowercase())
        .collect();
    let peer: SocketAddr = "192.0.2.7:40000".parse().expect("address");
    match world.proxy.rewrite_request(&mut req, peer, secure, subject) {
        Err(status) => assert_eq!(status, StatusCode::BAD_REQUEST),
        Ok(()) => {
            let uri = req.uri();
            assert_eq!(uri.scheme_str(), Some("http"));
            assert_eq!(uri.authority().map(|a| a.as_str()), Some("127.0.0.1:9"));
            assert!(uri.path().starts_with("/base/"), "{uri}");
            let h = req.headers();
            assert_eq!(
                h.get(header::HOST).map(|v| v.as_bytes()),
                Some(&b"127.0.0.1:9"[..])
            );
            for name in HOP_BY_HOP {
                assert!(!h.contains_key(name), "{name} forwarded");
            }
            for name in h.keys() {
                if name != header::HOST
                    && !name.as_str().starts_with("x-forwarded-")
                    && !TRUSTED_HEADERS.contains(&name.as_str())
                {
                    assert!(
                        !named.contains(name.as_str()),
                        "{name} named in Connection but forwarded"
                    );
                }
            }
            let proto = if secure { "https" } else { "http" };
            assert_eq!(h["x-forwarded-proto"], proto);
            let xff = h["x-forwarded-for"].as_bytes();
            assert!(xff.ends_with(b"192.0.2.7"));
            let forwarded_subject = h.get(CLIENT_SUBJECT_HEADER).map(|v| v.as_bytes());
            assert_eq!(
                forwarded_subject,
                subject.map(|s| s.subject.as_bytes()),
                "client subject"
            );
            for name in h.keys() {
                let folded = name.as_str().replace('_', "-");
                if TRUSTED_HEADERS.contains(&folded.as_str()) {
                    assert!(
                        subject.is_some() && folded == name.as_str(),
                        "a client's own {name} forwarded"
                    );
                }
            }
            assert!(h.len() <= before + 7, "the rewrite grew the headers");
        }
    }
}

/// The status, headers and whole body of a response (bodies here are at most a file).
fn collect(
    runtime: &tokio::runtime::Runtime,
    res: Response<Body>,
) -> (StatusCode, hyper::HeaderMap, Bytes) {
    let (parts, body) = res.into_parts();
    let body = runtime
        .block_on(body.collect())
        .expect("a body that was announced is delivered")
        .to_bytes();
    (parts.status, parts.headers, body)
}

fn is_listing(headers: &hyper::HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|v| v == "no-cache")
}

fn number(value: Option<&HeaderValue>) -> Option<u64> {
    value?.to_str().ok()?.parse().ok()
}

/// `bytes first-last/total`.
fn content_range(value: &str) -> Option<(u64, u64, u64)> {
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    Some((first.parse().ok()?, last.parse().ok()?, total.parse().ok()?))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
