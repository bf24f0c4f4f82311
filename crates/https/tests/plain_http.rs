//! The HTTP service over plain TCP (no TLS): files, listings, ranges, conditionals, path
//! traversal, the redirect listener and the reverse proxy.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use padlock_https::files::FileServer;
use padlock_https::proxy::Proxy;
use padlock_https::{Mode, Server, ServerOptions, Site};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one raw HTTP/1.1 request with `Connection: close` and reads the whole reply.
async fn raw(addr: SocketAddr, request_head: &str) -> Reply {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("{request_head}\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut all = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut all))
        .await
        .unwrap()
        .unwrap();
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    let body = all[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body,
    }
}

struct Running {
    addr: SocketAddr,
    redirect: Option<SocketAddr>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
}

impl Running {
    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

async fn start(mode: Mode, redirect: bool, hsts: bool, dir: Option<tempfile::TempDir>) -> Running {
    start_on(mode, redirect, hsts, dir, None).await
}

async fn start_on(
    mode: Mode,
    redirect: bool,
    hsts: bool,
    dir: Option<tempfile::TempDir>,
    workers: Option<usize>,
) -> Running {
    let site = Arc::new(Site {
        mode,
        hsts: hsts.then(|| Duration::from_secs(63_072_000)),
        access_log: true,
    });
    let mut opts = ServerOptions::new(vec!["127.0.0.1:0".parse().unwrap()], site);
    if redirect {
        opts.redirect_http = Some("127.0.0.1:0".parse().unwrap());
    }
    opts.workers = workers;
    let server = Server::bind(opts).await.unwrap();
    let addr = server.local_addrs()[0];
    let redirect = server.redirect_addr();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        server
            .run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running {
        addr,
        redirect,
        stop: Some(tx),
        task,
        _dir: dir,
    }
}

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), b"hello, world\n").unwrap();
    std::fs::write(dir.path().join("page.html"), b"<p>hi</p>").unwrap();
    std::fs::write(dir.path().join("<odd> & name.bin"), b"x").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/inner.css"), b"p{}").unwrap();
    dir
}

async fn file_site() -> Running {
    let dir = folder();
    let files = FileServer::new(dir.path()).unwrap();
    start(Mode::Files(files), true, true, Some(dir)).await
}

#[tokio::test]
async fn serves_a_file_with_its_type_length_and_validators() {
    let s = file_site().await;
    let r = raw(s.addr, "GET /hello.txt HTTP/1.1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "hello, world\n");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("content-length"), Some("13"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert!(r.header("last-modified").is_some());
    assert!(r.header("etag").is_some());
    assert_eq!(
        r.header("strict-transport-security"),
        None,
        "no HSTS over plain HTTP"
    );
    let css = raw(s.addr, "GET /sub/inner.css HTTP/1.1").await;
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    s.stop().await;
}

#[tokio::test]
async fn head_has_the_headers_and_no_body() {
    let s = file_site().await;
    let r = raw(s.addr, "HEAD /hello.txt HTTP/1.1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("13"));
    assert!(r.body.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn serves_single_ranges_and_refuses_unsatisfiable_ones() {
    let s = file_site().await;
    let r = raw(s.addr, "GET /hello.txt HTTP/1.1\r\nRange: bytes=7-11").await;
    assert_eq!(r.status, 206);
    assert_eq!(r.text(), "world");
    assert_eq!(r.header("content-range"), Some("bytes 7-11/13"));
    let r = raw(s.addr, "GET /hello.txt HTTP/1.1\r\nRange: bytes=-6").await;
    assert_eq!(r.text(), "world\n");
    let r = raw(s.addr, "GET /hello.txt HTTP/1.1\r\nRange: bytes=100-").await;
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */13"));
    s.stop().await;
}

#[tokio::test]
async fn answers_not_modified_to_a_fresh_cache() {
    let s = file_site().await;
    let first = raw(s.addr, "GET /hello.txt HTTP/1.1").await;
    let lm = first.header("last-modified").unwrap().to_string();
    let r = raw(
        s.addr,
        &format!("GET /hello.txt HTTP/1.1\r\nIf-Modified-Since: {lm}"),
    )
    .await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let old = raw(
        s.addr,
        "GET /hello.txt HTTP/1.1\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT",
    )
    .await;
    assert_eq!(old.status, 200);
    let etag = first.header("etag").unwrap().to_string();
    let r = raw(
        s.addr,
        &format!("GET /hello.txt HTTP/1.1\r\nIf-None-Match: {etag}"),
    )
    .await;
    assert_eq!(r.status, 304);
    s.stop().await;
}

#[tokio::test]
async fn lists_folders_with_escaped_names() {
    let s = file_site().await;
    let r = raw(s.addr, "GET / HTTP/1.1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let html = r.text();
    assert!(html.contains("hello.txt"));
    assert!(html.contains("sub/"));
    assert!(html.contains("&lt;odd&gt; &amp; name.bin"), "{html}");
    let r = raw(s.addr, "GET /sub HTTP/1.1").await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/sub/"));
    s.stop().await;
}

#[tokio::test]
async fn answers_404_and_405() {
    let s = file_site().await;
    assert_eq!(raw(s.addr, "GET /missing HTTP/1.1").await.status, 404);
    let r = raw(s.addr, "DELETE /hello.txt HTTP/1.1").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    s.stop().await;
}

#[tokio::test]
async fn refuses_to_climb_out_of_the_root() {
    let s = file_site().await;
    for path in [
        "/../../etc/passwd",
        "/sub/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/sub%2f..%2f..%2fetc%2fpasswd",
    ] {
        let r = raw(s.addr, &format!("GET {path} HTTP/1.1")).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(!r.text().contains("root:"), "{path}");
    }
    s.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn refuses_symlinks_that_leave_the_root() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), b"secret").unwrap();
    let dir = folder();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("leak.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path().join("hello.txt"), dir.path().join("alias.txt")).unwrap();
    let files = FileServer::new(dir.path()).unwrap();
    let s = start(Mode::Files(files), false, false, Some(dir)).await;
    let r = raw(s.addr, "GET /leak.txt HTTP/1.1").await;
    assert_eq!(r.status, 403);
    assert!(!r.text().contains("secret"));
    let r = raw(s.addr, "GET /alias.txt HTTP/1.1").await;
    assert_eq!(r.status, 200, "a symlink inside the root is fine");
    s.stop().await;
}

#[tokio::test]
async fn keeps_the_connection_alive_between_requests() {
    let s = file_site().await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    for _ in 0..3 {
        c.write_all(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while !got.ends_with(b"hello, world\n") {
            let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0, "the server closed a keep-alive connection");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200"));
    }
    s.stop().await;
}

#[tokio::test]
async fn answers_from_the_file_cache_exactly_as_from_disk() {
    let s = file_site().await;
    let first = raw(s.addr, "GET /hello.txt HTTP/1.1").await;
    // The second request is served from memory: same bytes, same headers.
    let again = raw(s.addr, "GET /hello.txt HTTP/1.1").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    for h in ["content-type", "content-length", "etag", "last-modified"] {
        assert_eq!(again.header(h), first.header(h), "{h}");
    }
    let r = raw(s.addr, "GET /hello.txt HTTP/1.1\r\nRange: bytes=7-11").await;
    assert_eq!((r.status, r.text().as_str()), (206, "world"));
    let r = raw(s.addr, "HEAD /hello.txt HTTP/1.1").await;
    assert_eq!(r.header("content-length"), Some("13"));
    assert!(r.body.is_empty());
    let etag = first.header("etag").unwrap();
    let r = raw(
        s.addr,
        &format!("GET /hello.txt HTTP/1.1\r\nIf-None-Match: {etag}"),
    )
    .await;
    assert_eq!(r.status, 304);
    s.stop().await;
}

#[tokio::test]
async fn a_changed_or_deleted_file_shows_up_within_the_cache_freshness_period() {
    let dir = folder();
    let path = dir.path().join("hello.txt");
    let files = FileServer::new(dir.path()).unwrap();
    let s = start(Mode::Files(files), false, false, Some(dir)).await;
    let before = raw(s.addr, "GET /hello.txt HTTP/1.1").await;
    assert_eq!(before.text(), "hello, world\n");
    std::fs::write(&path, b"changed, and longer\n").unwrap();
    tokio::time::sleep(padlock_https::filecache::FRESH_FOR + Duration::from_millis(100)).await;
    let after = raw(s.addr, "GET /hello.txt HTTP/1.1").await;
    assert_eq!(after.text(), "changed, and longer\n");
    assert_eq!(after.header("content-length"), Some("20"));
    assert_ne!(after.header("etag"), before.header("etag"));
    std::fs::remove_file(&path).unwrap();
    tokio::time::sleep(padlock_https::filecache::FRESH_FOR + Duration::from_millis(100)).await;
    assert_eq!(raw(s.addr, "GET /hello.txt HTTP/1.1").await.status, 404);
    s.stop().await;
}

#[tokio::test]
async fn serves_connections_on_worker_threads_and_stops_gracefully() {
    let dir = folder();
    let files = FileServer::new(dir.path()).unwrap();
    let s = start_on(Mode::Files(files), true, false, Some(dir), Some(2)).await;
    // Several connections at once, so both workers get some.
    let replies = futures_join(s.addr).await;
    assert!(replies
        .iter()
        .all(|r| r.status == 200 && r.text() == "hello, world\n"));
    let r = raw(s.redirect.unwrap(), "GET / HTTP/1.1").await;
    assert_eq!(r.status, 308);
    s.stop().await;
}

async fn futures_join(addr: SocketAddr) -> Vec<Reply> {
    let tasks: Vec<_> = (0..6)
        .map(|_| tokio::spawn(async move { raw(addr, "GET /hello.txt HTTP/1.1").await }))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_redirect_listener_sends_everything_to_https() {
    let s = file_site().await;
    let r = raw(s.redirect.unwrap(), "GET /a/b?c=d HTTP/1.1").await;
    assert_eq!(r.status, 308);
    assert_eq!(
        r.header("location"),
        Some(format!("https://localhost:{}/a/b?c=d", s.addr.port()).as_str())
    );
    s.stop().await;
}

#[tokio::test]
async fn the_proxy_forwards_with_x_forwarded_headers() {
    // Upstream: echoes the request head it received as its body.
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up_addr = upstream.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut c, _)) = upstream.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = c.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    got.len()
                );
                c.write_all(reply.as_bytes()).await.unwrap();
                c.write_all(&got).await.unwrap();
            });
        }
    });
    let proxy = Proxy::new(&format!("http://{up_addr}")).unwrap();
    let s = start(Mode::Proxy(Box::new(proxy)), false, false, None).await;
    let r = raw(
        s.addr,
        "GET /api/x?y=1 HTTP/1.1\r\nX-Client-Subject: CN=forged",
    )
    .await;
    assert_eq!(r.status, 200);
    let seen = r.text().to_ascii_lowercase();
    assert!(seen.starts_with("get /api/x?y=1 http/1.1"), "{seen}");
    assert!(seen.contains("x-forwarded-for: 127.0.0.1"), "{seen}");
    assert!(seen.contains("x-forwarded-proto: http"), "{seen}");
    assert!(seen.contains("x-forwarded-host: localhost"), "{seen}");
    assert!(
        !seen.contains("forged"),
        "a client-sent subject header must not pass: {seen}"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_proxy_answers_502_when_the_upstream_is_down() {
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = dead.local_addr().unwrap();
    drop(dead);
    let s = start(
        Mode::Proxy(Box::new(Proxy::new(&format!("http://{addr}")).unwrap())),
        false,
        false,
        None,
    )
    .await;
    assert_eq!(raw(s.addr, "GET / HTTP/1.1").await.status, 502);
    s.stop().await;
}
