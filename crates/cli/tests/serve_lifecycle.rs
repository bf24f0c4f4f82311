//! `padlock serve` over its life: certificate reload on SIGHUP without dropping a transfer
//! in flight, graceful shutdown on Ctrl-C (SIGINT), two processes sharing a port with
//! `--reuse-port`, and the reverse proxy passing the verified client certificate subject
//! upstream.

mod serve_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use padlock_test_support::{KeyType, TestCa};
use serve_support::*;

fn start(ca: &Ca, dir: &std::path::Path, extra: &[&str], log: &std::path::Path) -> (Guard, u16) {
    serve_logged(ca, dir, log, extra)
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
fn with_reuse_port_a_second_server_shares_the_port_and_serves_when_the_first_stops() {
    let ca = Ca::new();
    let www = www();
    let (first, port) = serve(&ca, www.path(), &["--reuse-port"]);

    // Without the flag the port is taken, even though the first server set it.
    let refused = run(&mut serve_command(&ca, www.path(), port, &[]));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success(),
        "a second server without --reuse-port started"
    );
    assert!(why.contains("could not listen"), "{why}");

    let mut second = Guard::spawn(&mut serve_command(&ca, www.path(), port, &["--reuse-port"]));
    drop(first);
    wait_port(port, &mut second.0);
    let got = run(Command::new(PADLOCK)
        .arg("get")
        .arg("--cacert")
        .arg(ca.root())
        .arg(format!("https://localhost:{port}/hello.txt"))
        .env("PADLOCK_HOME", ca.home.path()));
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert_eq!(got.stdout, b"hello from padlock\n");
}

/// `padlock serve --proxy` to an echoing upstream, trusting client certificates from
/// `client_ca` (optional client auth); returns the guard and the port.
fn proxy_server(
    ca: &Ca,
    www: &TempDir,
    client_ca: &std::path::Path,
    log: &std::path::Path,
) -> (Guard, u16) {
    let up = echo_upstream();
    start(
        ca,
        www.path(),
        &[
            "--proxy",
            &format!("http://{up}"),
            "--client-ca",
            client_ca.to_str().unwrap(),
            "--client-auth",
            "optional",
        ],
        log,
    )
}

/// The request head the upstream saw, fetched through the proxy with curl and `args`.
fn seen_upstream(root: &std::path::Path, port: u16, args: &[&str]) -> String {
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "20", "--cacert"])
        .arg(root)
        .args(args)
        .arg(format!("https://localhost:{port}/api")));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_proxy_drops_identity_headers_a_client_sends_in_any_spelling() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let log = www.join("serve.log");
    let (_server, port) = proxy_server(&ca, &www, &ca.root(), &log);
    let seen = seen_upstream(
        &ca.root(),
        port,
        &[
            "-H",
            "X-Client_Subject: CN=admin",
            "-H",
            "x_client_cert_sha256: admin",
            "-H",
            "X-CLIENT-SAN: DNS:admin",
        ],
    );
    assert!(seen.starts_with("GET /api HTTP/1.1"), "{seen}");
    assert!(
        !seen.contains("admin"),
        "a spoofed identity reached the upstream:\n{seen}"
    );
}

#[test]
fn the_proxy_sends_the_subject_rfc4514_escaped_with_fingerprint_and_sans() {
    let (Some(_), Some(openssl)) = (peer("curl"), peer("openssl")) else {
        return;
    };
    let ca = Ca::new();
    let www = www();
    let clients = TestCa::new(&openssl, www.path(), "clients", "Clients", KeyType::P256);
    let mallory = clients.issue_client("mallory", "mallory, CN=admin", KeyType::P256);
    let log = www.join("serve.log");
    let (_server, port) = proxy_server(&ca, &www, &clients.cert, &log);
    let seen = seen_upstream(
        &ca.root(),
        port,
        &[
            "--cert",
            mallory.cert.to_str().unwrap(),
            "--key",
            mallory.key.to_str().unwrap(),
        ],
    );
    let header = |name: &str| {
        seen.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in\n{seen}"))
            .trim()
            .to_string()
    };
    assert_eq!(
        header("x-client-subject:"),
        "O=padlock test,CN=mallory\\, CN\\=admin"
    );
    let der = run(Command::new(&openssl)
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&mallory.cert))
    .stdout;
    assert_eq!(header("x-client-cert-sha256:"), sha256_hex(&der));
    assert!(!seen.contains("x-client-san"), "{seen}");
}

#[test]
fn a_client_certificate_name_cannot_forge_a_server_log_line() {
    let (Some(_), Some(openssl)) = (peer("curl"), peer("openssl")) else {
        return;
    };
    let ca = Ca::new();
    let www = www();
    let forged = "127.0.0.1:1 [CN=admin] \"GET x\" 200";
    let evil = TestCa::new(
        &openssl,
        www.path(),
        "evil",
        &format!("evil\n{forged}"),
        KeyType::P256,
    );
    let client = evil.issue_client("client", &format!("c\n{forged}"), KeyType::P256);
    let log = www.join("serve.log");
    // Trusting the evil CA: the name reaches the access log; trusting only the local CA:
    // the refusal names the untrusted issuer.
    for client_ca in [evil.cert.clone(), ca.root()] {
        let (server, port) = proxy_server(&ca, &www, &client_ca, &log);
        let _ = seen_upstream(
            &ca.root(),
            port,
            &[
                "--cert",
                client.cert.to_str().unwrap(),
                "--key",
                client.key.to_str().unwrap(),
            ],
        );
        std::thread::sleep(Duration::from_millis(300));
        drop(server);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            !text.lines().any(|l| l.starts_with(forged)),
            "a forged log line:\n{text}"
        );
        assert!(
            text.contains("admin"),
            "the name is not logged at all:\n{text}"
        );
    }
}

#[test]
fn the_proxy_passes_the_verified_client_subject_upstream() {
    if peer("curl").is_none() {
        return;
    }
    let up = echo_upstream();
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

/// Waits (bounded) until the log holds `needle` `count` times.
fn wait_log(log: &std::path::Path, needle: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.matches(needle).count() >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{needle:?} not logged {count}×:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn changed_certificate_files_are_reloaded_without_a_signal() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let other = Ca::new();
    let www = www();
    let cert = www.join("cert.pem");
    let key = www.join("key.pem");
    std::fs::copy(ca.leaf_chain(), &cert).unwrap();
    std::fs::copy(ca.leaf_key(), &key).unwrap();
    let log = www.join("serve.log");
    let files = [
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    let (_server, port) = start(&ca, www.path(), &files, &log);

    // The key first: for a moment the pair does not match, which must not be served.
    std::fs::copy(other.leaf_key(), &key).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    std::fs::copy(other.leaf_chain(), &cert).unwrap();
    wait_log(&log, "padlock: reloaded", 1);

    let url = format!("https://localhost:{port}/hello.txt");
    let fetch = |root: &std::path::Path| {
        run(Command::new("curl")
            .args(["-sS", "--max-time", "20", "--cacert"])
            .arg(root)
            .arg(&url))
        .status
        .success()
    };
    assert!(fetch(&other.root()), "the new certificate is not served");
    assert!(!fetch(&ca.root()), "the old certificate is still served");
}

/// The serial of the certificate served on `port`, as openssl prints it (hex, upper case).
fn served_serial(port: u16) -> String {
    let out = run(Command::new("sh").arg("-c").arg(format!(
        "openssl s_client -connect 127.0.0.1:{port} -servername localhost </dev/null \
         2>/dev/null | openssl x509 -noout -serial"
    )));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("serial=")
        .to_string()
}

/// The serial of the first certificate in a PEM file, in openssl's spelling.
fn file_serial(path: &std::path::Path) -> String {
    let pem = std::fs::read(path).unwrap();
    let blocks = padlock_pki::pem::parse_all(&pem).unwrap();
    let cert = padlock_pki::Certificate::from_der(&blocks[0].der).unwrap();
    cert.serial().iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn the_local_ca_certificate_is_renewed_before_it_expires_while_serving() {
    if peer("openssl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let log = www.join("serve.log");
    let (_server, port) = spawn_listening("padlock serve", |port| {
        let mut cmd = Command::new(PADLOCK);
        cmd.args(["serve", "--dir"])
            .arg(www.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("PADLOCK_HOME", ca.home.path())
            .env("PADLOCK_RENEW_CHECK_SECS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        cmd
    });
    let first = file_serial(&ca.leaf_chain());
    assert_eq!(served_serial(port), first);

    // A certificate a day from expiry takes the leaf's place, as time would make it.
    let provider = padlock_crypto::AwsLcProvider;
    let local = padlock_pki::ca::LocalCa::open(&provider, ca.home.path()).unwrap();
    let short = local
        .issue(
            &[padlock_pki::SubjectName::Dns("localhost".into())],
            padlock_pki::ca::IssueOptions {
                client: false,
                days: 1,
            },
        )
        .unwrap();
    std::fs::write(ca.leaf_key(), &short.key_pem).unwrap();
    std::fs::write(ca.leaf_chain(), &short.chain_pem).unwrap();
    let short_serial = file_serial(&ca.leaf_chain());

    // Renewed within seconds, and the renewed certificate is what is served.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = file_serial(&ca.leaf_chain());
        if now != short_serial && now != first && served_serial(port) == now {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not renewed and served: file {now}, short {short_serial}, log:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
