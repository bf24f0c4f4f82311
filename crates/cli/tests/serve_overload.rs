//! `padlock serve` under bounded, loopback-only floods: silent connections, half-sent
//! ClientHellos and idle keep-alive connections filling every place must not lock a
//! normal client out; and a flood of failed handshakes must not flood the log.
//!
//! The server gets small budgets (`--max-connections 64 --max-handshakes 16`) and long
//! timeouts (60 s handshake, 120 s idle), so a normal client served within the generous
//! bound below was served because a flooding connection gave its place up, not because a
//! timeout freed one. The full-size floods (2,000 + 2,000 connections, 100 ms target) are
//! `benches/serve/overload.sh`.

mod serve_support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use padlock_crypto::AwsLcProvider;
use padlock_tls::{ClientConfig, Connection, ServerName, StreamOwned, WebPkiServerVerifier};
use serve_support::*;

const SMALL_BUDGETS: [&str; 9] = [
    "--quiet",
    "--max-connections",
    "64",
    "--max-handshakes",
    "16",
    "--handshake-timeout",
    "60",
    "--idle-timeout",
    "120",
];

/// The bound on a normal client's whole fetch: far below the timeouts, far above the
/// milliseconds it takes on an idle machine.
const SERVED_WITHIN: Duration = Duration::from_secs(5);

fn client_config(ca: &Ca) -> Arc<ClientConfig> {
    let provider = Arc::new(AwsLcProvider);
    let roots = padlock_https::credentials::load_roots(&ca.root()).unwrap();
    let verifier = Arc::new(WebPkiServerVerifier::new(provider.clone(), roots));
    Arc::new(ClientConfig::new(provider, verifier))
}

/// A keep-alive HTTPS connection that has fetched /hello.txt once.
fn fetch_keep_alive(port: u16, config: &Arc<ClientConfig>) -> StreamOwned<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(SERVED_WITHIN)).unwrap();
    tcp.set_write_timeout(Some(SERVED_WITHIN)).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let conn = Connection::client(config.clone(), name).unwrap();
    let mut tls = StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"hello from padlock\n") {
        let n = tls.read(&mut buf).expect("the response");
        assert!(n > 0, "the server closed before answering");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    tls
}

/// A normal client's fetch, timed.
fn normal_fetch(port: u16, config: &Arc<ClientConfig>) -> Duration {
    let started = Instant::now();
    drop(fetch_keep_alive(port, config));
    let took = started.elapsed();
    assert!(took < SERVED_WITHIN, "a normal client waited {took:?}");
    took
}

/// The first bytes of a TLS 1.3 ClientHello record that announces 512 bytes and never
/// sends the rest.
const HALF_CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x02, 0x00, // handshake record, 512 bytes
    0x01, 0x00, 0x01, 0xfc, // ClientHello, 508 bytes
    0x03, 0x03, // legacy_version
    0x11, 0x22, 0x33, 0x44, // the start of random
];

#[test]
fn silent_and_half_client_hello_floods_do_not_lock_a_client_out() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &SMALL_BUDGETS);
    let config = client_config(&ca);
    let mut flood = Vec::new();
    for i in 0..600 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        if i % 2 == 1 {
            s.write_all(HALF_CLIENT_HELLO).unwrap();
        }
        flood.push(s);
        if i % 200 == 199 {
            normal_fetch(port, &config);
        }
    }
    for _ in 0..3 {
        normal_fetch(port, &config);
    }
    // The server dropped most of the flood (only 16 handshakes may be in progress): the
    // oldest connections read end-of-file or a reset, not a stall until our timeout.
    let closed = flood
        .iter_mut()
        .take(100)
        .map(|s| {
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            match s.read(&mut [0u8; 64]) {
                Ok(n) => n == 0,
                Err(e) => !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
            }
        })
        .filter(|closed| *closed)
        .count();
    assert_eq!(closed, 100, "the oldest of the flood were still held open");
}

#[test]
fn idle_keep_alive_connections_filling_every_place_give_the_longest_idle_one_up() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &SMALL_BUDGETS);
    let config = client_config(&ca);
    let mut idle: Vec<_> = (0..64).map(|_| fetch_keep_alive(port, &config)).collect();
    for _ in 0..5 {
        normal_fetch(port, &config);
    }
    // The first connections opened (the longest idle) were closed to make room, cleanly.
    let first = &mut idle[0];
    first
        .sock
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(
        first.read(&mut buf).expect("a clean close (close_notify)"),
        0
    );
    // And the newest ones are still served on their connection.
    let last = idle.last_mut().unwrap();
    last.write_all(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let n = last.read(&mut [0u8; 4096]).unwrap();
    assert!(n > 0);
}

#[test]
fn with_quiet_a_flood_of_failed_handshakes_is_one_summary_line() {
    let ca = Ca::new();
    let www = www();
    let dir = TempDir::new("log");
    let log = dir.join("serve.log");
    let (server, port) = serve_logged(&ca, www.path(), &log, &["--quiet"]);
    for i in 0..300 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        if i % 2 == 0 {
            // Half a ClientHello, then gone.
            let _ = s.write_all(HALF_CLIENT_HELLO);
        } else {
            // Not TLS at all: refused with an alert.
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            let _ = s.read(&mut [0u8; 64]);
        }
        let _ = s.shutdown(Shutdown::Both);
    }
    let config = client_config(&ca);
    normal_fetch(port, &config);
    stop_and_wait(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.len() <= 4,
        "{} log lines for a flood:\n{text}",
        lines.len()
    );
    let summary = lines
        .iter()
        .find(|l| l.contains("connections not served"))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    assert!(
        summary.contains("closed by the client during the handshake")
            && summary.contains("handshake failed"),
        "{summary}"
    );
}

#[test]
fn an_idle_keep_alive_connection_closed_without_close_notify_is_not_an_error() {
    let ca = Ca::new();
    let www = www();
    let dir = TempDir::new("log");
    let log = dir.join("serve.log");
    // Not quiet: every failure would get its own line.
    let (server, port) = serve_logged(&ca, www.path(), &log, &[]);
    let config = client_config(&ca);
    for _ in 0..3 {
        let tls = fetch_keep_alive(port, &config);
        // Gone without close_notify, as browsers and load tools leave.
        let (_, tcp) = tls.into_parts();
        tcp.shutdown(Shutdown::Both).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    stop_and_wait(server);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("error"), "{text}");
    assert!(!text.contains("not served"), "{text}");
}

/// Stops the server gracefully (SIGTERM) and waits for it, so its last summary is written.
fn stop_and_wait(mut server: Guard) {
    signal(&server, "TERM");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = server.0.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("padlock serve did not stop within 20 s of SIGTERM");
}
