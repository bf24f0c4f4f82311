//! TLS 1.2 through the padlock binary, padlock against padlock: the version options
//! (`--tls-version`, `--min-version`, `--max-version`) on both sides, `padlock listen`'s
//! page naming the version, RSA key exchange with and without `--legacy-rsa-key-exchange`,
//! and a real downgrade attack (a proxy that strips TLS 1.3 from the ClientHello) that the
//! client catches by the server's downgrade sentinel (RFC 8446 §4.1.3).

mod serve_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use padlock_test_support::{find_on_path, Guard, Issued, KeyType, TempDir, TestCa};
use serve_support::*;

/// `padlock listen` with `args` on a free port; waits until it listens.
fn listen(cert: &Path, key: &Path, args: &[&str]) -> (Guard, u16) {
    spawn_listening("padlock listen", |port| {
        let mut cmd = Command::new(PADLOCK);
        cmd.args(["listen", "--cert"])
            .arg(cert)
            .arg("--key")
            .arg(key)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    })
}

fn get(root: &Path, port: u16, args: &[&str]) -> Output {
    run(Command::new(PADLOCK)
        .arg("get")
        .args(args)
        .arg("--cacert")
        .arg(root)
        .arg(format!("https://localhost:{port}/")))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An RSA-2048 localhost certificate (keyUsage digitalSignature, keyEncipherment) from a
/// CA made with openssl, which every CLI test machine has (`padlock ca` tests use it too).
struct RsaPki {
    _dir: TempDir,
    ca: TestCa,
    leaf: Issued,
}

fn rsa_pki() -> RsaPki {
    let openssl = find_on_path("openssl").expect("openssl makes the RSA test certificate");
    let dir = TempDir::new("tls12-cli");
    let ca = TestCa::new(&openssl, dir.path(), "ca", "tls12 cli CA", KeyType::P256);
    let leaf = ca.issue_server("rsa", &["localhost"], KeyType::Rsa2048);
    RsaPki {
        _dir: dir,
        ca,
        leaf,
    }
}

#[test]
fn listen_forced_to_tls12_shows_the_version_on_its_page_and_a_default_client_follows() {
    let ca = Ca::new();
    let (_server, port) = listen(&ca.leaf_chain(), &ca.leaf_key(), &["--tls-version", "1.2"]);
    let out = get(&ca.root(), port, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains("TLSv1.2 connection established"), "{page}");
    assert!(
        page.contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "{page}"
    );
}

#[test]
fn a_tls12_only_client_meets_a_default_server_and_max_version_means_the_same() {
    let ca = Ca::new();
    let (_server, port) = listen(&ca.leaf_chain(), &ca.leaf_key(), &[]);
    for flags in [&["--tls-version", "1.2"][..], &["--max-version", "1.2"]] {
        let out = get(&ca.root(), port, flags);
        assert!(out.status.success(), "{flags:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("TLSv1.2 connection established"));
    }
    let out = get(&ca.root(), port, &[]);
    assert!(text(&out.stdout).contains("TLSv1.3 connection established"));
}

#[test]
fn a_tls13_only_client_against_a_tls12_server_is_told_about_min_version() {
    let ca = Ca::new();
    let (_server, port) = listen(&ca.leaf_chain(), &ca.leaf_key(), &["--max-version", "1.2"]);
    for flags in [&["--tls-version", "1.3"][..], &["--min-version", "1.3"]] {
        let out = get(&ca.root(), port, flags);
        assert_eq!(out.status.code(), Some(35), "{flags:?}");
        let message = text(&out.stderr);
        assert!(
            message.contains("--min-version 1.2"),
            "{flags:?}: {message}"
        );
    }
}

#[test]
fn rsa_key_exchange_works_with_the_opt_in_and_is_refused_naming_it_without() {
    let pki = rsa_pki();
    let (_server, port) = listen(
        &pki.leaf.chain,
        &pki.leaf.key,
        &[
            "--suites",
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "--legacy-rsa-key-exchange",
        ],
    );
    let out = get(&pki.ca.cert, port, &["-v", "--legacy-rsa-key-exchange"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("TLS_RSA_WITH_AES_128_GCM_SHA256"));
    let trace = text(&out.stderr);
    for line in [
        "pre-master secret, 48 bytes, encrypted with the server's RSA public key",
        "master secret derived",
        "key exchange RSA key transport",
        "no forward secrecy",
    ] {
        assert!(trace.contains(line), "{line:?} missing:\n{trace}");
    }

    let refused = get(&pki.ca.cert, port, &[]);
    assert_eq!(refused.status.code(), Some(35));
    let message = text(&refused.stderr);
    assert!(
        message.contains("--legacy-rsa-key-exchange") && message.contains("forward secrecy"),
        "{message}"
    );
}

#[test]
fn old_versions_and_cbc_suites_are_refused_on_the_command_line_with_the_reason() {
    let ca = Ca::new();
    let out = get(&ca.root(), 1, &["--tls-version", "1.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("insecure and not implemented"));
    let out = run(Command::new(PADLOCK)
        .args(["listen", "--cert"])
        .arg(ca.leaf_chain())
        .arg("--key")
        .arg(ca.leaf_key())
        .args(["--suites", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("only AEAD suites"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_client_that_offered_tls13_catches_a_proxy_downgrading_it_to_tls12() {
    let ca = Ca::new();
    let (_server, server_port) = listen(&ca.leaf_chain(), &ca.leaf_key(), &[]);
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_port = proxy.local_addr().unwrap().port();
    let attacker = std::thread::spawn(move || strip_tls13_once(&proxy, server_port));
    let out = get(&ca.root(), proxy_port, &[]);
    let stripped = attacker.join().unwrap();
    assert!(
        stripped,
        "the proxy found TLS 1.3 in the ClientHello to strip"
    );
    assert_eq!(out.status.code(), Some(35), "{}", text(&out.stdout));
    let message = text(&out.stderr);
    assert!(message.contains("downgrade"), "{message}");
}

/// The attacker: accepts one connection, forwards the ClientHello without its
/// supported_versions extension (so the server sees a TLS 1.2-only client), then relays
/// both ways until either side closes. Returns whether it found the extension.
fn strip_tls13_once(proxy: &TcpListener, server_port: u16) -> bool {
    let (mut client, _) = proxy.accept().unwrap();
    let mut server = TcpStream::connect(("127.0.0.1", server_port)).unwrap();
    for s in [&client, &server] {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    let mut header = [0u8; 5];
    client.read_exact(&mut header).unwrap();
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
    client.read_exact(&mut body).unwrap();
    let (hello, stripped) = without_supported_versions(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(hello.len() as u16).to_be_bytes());
    record.extend_from_slice(&hello);
    server.write_all(&record).unwrap();
    let mut back = server.try_clone().unwrap();
    let mut forth = client.try_clone().unwrap();
    let relay = std::thread::spawn(move || {
        let _ = std::io::copy(&mut back, &mut forth);
    });
    let _ = std::io::copy(&mut client, &mut server);
    let _ = server.shutdown(std::net::Shutdown::Both);
    let _ = relay.join();
    stripped
}

/// A ClientHello message (in one record) with its supported_versions extension (43)
/// removed and the lengths fixed.
fn without_supported_versions(message: &[u8]) -> (Vec<u8>, bool) {
    // type(1) length(3) version(2) random(32) session id(1+n) suites(2+n) compression(1+n)
    let mut at = 4 + 2 + 32;
    at += 1 + usize::from(message[at]);
    at += 2 + usize::from(u16::from_be_bytes([message[at], message[at + 1]]));
    at += 1 + usize::from(message[at]);
    let extensions_start = at + 2;
    let mut kept = Vec::new();
    let mut stripped = false;
    let mut i = extensions_start;
    while i + 4 <= message.len() {
        let typ = u16::from_be_bytes([message[i], message[i + 1]]);
        let len = usize::from(u16::from_be_bytes([message[i + 2], message[i + 3]]));
        let end = i + 4 + len;
        if typ == 43 {
            stripped = true;
        } else {
            kept.extend_from_slice(&message[i..end]);
        }
        i = end;
    }
    let mut out = message[..at].to_vec();
    out.extend_from_slice(&(kept.len() as u16).to_be_bytes());
    out.extend_from_slice(&kept);
    let body_len = (out.len() - 4) as u32;
    out[1..4].copy_from_slice(&body_len.to_be_bytes()[1..]);
    (out, stripped)
}
