//! `padlock serve` over its life: certificate reload on SIGHUP without dropping a transfer
//! in flight, graceful shutdown on Ctrl-C (SIGINT), and the reverse proxy passing the
//! verified client certificate subject upstream.

mod serve_support;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use padlock_test_support::process::wait_until_catches;
use serve_support::*;

/// Sends `sig` (`"INT"`, `"HUP"`) to the server, once it has a handler for it: `padlock
/// serve` installs its handlers after it starts listening, and a signal before that would
/// kill it instead of testing what it does.
fn signal(guard: &Guard, sig: &str) {
    let number = match sig {
        "HUP" => 1,
        "INT" => 2,
        "TERM" => 15,
        other => panic!("no signal number for {other}"),
    };
    assert!(
        wait_until_catches(guard.id(), number, Duration::from_secs(10)),
        "padlock serve never installed a SIG{sig} handler"
    );
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(guard.0.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn start(ca: &Ca, dir: &std::path::Path, extra: &[&str], log: &std::path::Path) -> (Guard, u16) {
    let port = free_port();
    let mut server = Guard::spawn(
        Command::new(PADLOCK)
            .args(["serve", "--dir"])
            .arg(dir)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("PADLOCK_HOME", ca.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap()),
    );
    wait_port(port, &mut server.0);
    (server, port)
}

#[test]
fn sighup_reloads_the_certificate_without_dropping_a_transfer() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let other = Ca::new();
    let www = www();
    std::fs::write(www.join("big.bin"), vec![7u8; 8 << 20]).unwrap();
    let cert = www.join("cert.pem");
    let key = www.join("key.pem");
    std::fs::copy(ca.leaf_chain(), &cert).unwrap();
    std::fs::copy(ca.leaf_key(), &key).unwrap();
    let log = www.join("serve.log");
    let (server, port) = start(
        &ca,
        www.path(),
        &[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
        &log,
    );

    // A slow download (about 4 s) in flight across the reload.
    let out_file = www.join("got.bin");
    // (Guarded: a failing assertion below must not leave it running.)
    let mut slow = Guard::spawn(
        Command::new("curl")
            .args(["-sS", "--max-time", "60", "--limit-rate", "2M", "--cacert"])
            .arg(ca.root())
            .arg("-o")
            .arg(&out_file)
            .arg(format!("https://localhost:{port}/big.bin"))
            .stdin(Stdio::null()),
    );
    std::thread::sleep(Duration::from_millis(800));

    // Swap in a certificate from another CA and reload.
    std::fs::copy(other.leaf_chain(), &cert).unwrap();
    std::fs::copy(other.leaf_key(), &key).unwrap();
    signal(&server, "HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log).unwrap().contains("reloaded") {
        assert!(
            Instant::now() < deadline,
            "no reload logged: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // New handshakes get the new certificate...
    let url = format!("https://localhost:{port}/hello.txt");
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "20", "--cacert"])
        .arg(other.root())
        .arg(&url));
    assert!(
        out.status.success(),
        "new cert not served: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "20", "--cacert"])
        .arg(ca.root())
        .arg(&url));
    assert!(!out.status.success(), "the old certificate is still served");

    // ...and the transfer that started before the reload completes.
    let status = slow.0.wait().unwrap();
    assert!(status.success(), "the transfer in flight was dropped");
    assert_eq!(std::fs::metadata(&out_file).unwrap().len(), 8 << 20);
}

#[test]
fn ctrl_c_shuts_down_gracefully() {
    let ca = Ca::new();
    let www = www();
    let log = www.join("serve.log");
    let (mut server, _port) = start(&ca, www.path(), &[], &log);
    signal(&server, "INT");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 15 s after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("shutting down"), "{text}");
    let _ = &mut server;
}

#[test]
fn the_proxy_passes_the_verified_client_subject_upstream() {
    if peer("curl").is_none() {
        return;
    }
    // Upstream: answers each request with the request head it received.
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let up = upstream.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in upstream.incoming().take(8) {
            let Ok(mut c) = conn else { return };
            let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                got.len()
            );
            let _ = c.write_all(head.as_bytes());
            let _ = c.write_all(&got);
        }
    });
    let ca = Ca::new();
    let (cert, key) = ca.client_cert("alice.test");
    let www = www();
    let log = www.join("serve.log");
    let root = ca.root();
    let (_server, port) = start(
        &ca,
        www.path(),
        &[
            "--proxy",
            &format!("http://{up}"),
            "--client-ca",
            root.to_str().unwrap(),
            "--client-auth",
            "optional",
        ],
        &log,
    );
    let url = format!("https://localhost:{port}/api?q=1");
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "20", "--cacert"])
        .arg(&root)
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .args(["-H", "X-Client-Subject: CN=forged"])
        .arg(&url));
    let seen = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(seen.starts_with("get /api?q=1 http/1.1"), "{seen}");
    assert!(seen.contains("x-forwarded-proto: https"), "{seen}");
    assert!(
        seen.contains("x-client-subject:") && seen.contains("alice.test"),
        "{seen}"
    );
    assert!(!seen.contains("forged"), "{seen}");
    // Without a certificate (optional): served, and no subject header.
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "20", "--cacert"])
        .arg(&root)
        .arg(&url));
    let seen = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(seen.starts_with("get /api?q=1"), "{seen}");
    assert!(!seen.contains("x-client-subject"), "{seen}");
}
