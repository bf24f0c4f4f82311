//! A quick check against `openssl s_server` / `s_client` and `gnutls-serv` / `gnutls-cli`
//! (the full matrix lives in `interop/`). Skips when a peer is missing, unless
//! PADLOCK_REQUIRE_PEERS=1.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use padlock_tls::{Connection, StreamOwned};

fn have(binary: &str) -> bool {
    have_peer(binary, "--version")
}

fn have_openssl() -> bool {
    have("openssl")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn connect_with_retry(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("could not connect: {e}"),
        }
    }
}

#[test]
fn our_client_talks_to_openssl_s_server() {
    if !have_openssl() {
        return;
    }
    for kind in [KeyType::P256, KeyType::Rsa2048] {
        let dir = temp_dir();
        let (chain, key) = test_ca().issue(kind, &["localhost"], false);
        let cert_path = write_file(&dir, "cert.pem", &chain);
        let key_path = write_file(&dir, "key.pem", &key);
        let port = free_port();
        let _server = Guard(
            Command::new("openssl")
                .args(["s_server", "-tls1_3", "-quiet", "-www", "-accept"])
                .arg(port.to_string())
                .arg("-cert")
                .arg(&cert_path)
                .arg("-key")
                .arg(&key_path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let sock = connect_with_retry(port);
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let conn = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
        let mut tls = StreamOwned::new(conn, sock);
        tls.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut body = Vec::new();
        let _ = tls.read_to_end(&mut body);
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("TLSv1.3"),
            "{kind:?}: unexpected answer: {text}"
        );
    }
}

#[test]
fn openssl_s_client_talks_to_our_server() {
    if !have_openssl() {
        return;
    }
    let (port, server) = spawn_echo_server(server_config(KeyType::P256));
    let out = ping_through(
        Command::new("openssl")
            .args(["s_client", "-tls1_3", "-quiet", "-connect"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-servername", "localhost"]),
    );
    server.join().unwrap();
    assert!(out.contains("echo: ping"), "openssl said: {out}");
}

const GNUTLS_TLS13: &str = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

#[test]
fn our_client_talks_to_gnutls_serv() {
    if !have("gnutls-serv") {
        return;
    }
    for kind in [KeyType::P256, KeyType::Rsa2048] {
        let dir = temp_dir();
        let (chain, key) = test_ca().issue(kind, &["localhost"], false);
        let cert_path = write_file(&dir, "cert.pem", &chain);
        let key_path = write_file(&dir, "key.pem", &key);
        let port = free_port();
        let _server = Guard(
            Command::new("gnutls-serv")
                .args(["--http", "--priority", GNUTLS_TLS13, "-p"])
                .arg(port.to_string())
                .arg("--x509certfile")
                .arg(&cert_path)
                .arg("--x509keyfile")
                .arg(&key_path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let sock = connect_with_retry(port);
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let conn = Connection::client(Arc::new(insecure_client_config()), localhost()).unwrap();
        let mut tls = StreamOwned::new(conn, sock);
        tls.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut body = Vec::new();
        let _ = tls.read_to_end(&mut body);
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("TLS1.3"),
            "{kind:?}: unexpected answer: {text}"
        );
    }
}

#[test]
fn gnutls_cli_talks_to_our_server() {
    if !have("gnutls-cli") {
        return;
    }
    let (port, server) = spawn_echo_server(server_config(KeyType::Rsa2048));
    let out = ping_through(
        Command::new("gnutls-cli")
            .args(["--insecure", "--priority", GNUTLS_TLS13, "-p"])
            .arg(port.to_string())
            .arg("127.0.0.1"),
    );
    server.join().unwrap();
    assert!(out.contains("echo: ping"), "gnutls-cli said: {out}");
}
