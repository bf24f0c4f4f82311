//! TLS 1.2 between the padlock binary and real clients and servers: curl limited to TLS 1.2
//! against `padlock serve` (ECDHE, and RSA key exchange only with the opt-in), `padlock
//! get` against nginx configured for TLS 1.2 only, and headless Chromium limited to TLS 1.2
//! loading a page from `padlock serve`. Each peer is looked up with `peer` (skips locally,
//! fails under PADLOCK_REQUIRE_PEERS=1).

mod serve_support;

use std::process::{Command, Output};

use padlock_test_support::{find_on_path, KeyType, TestCa};
use serve_support::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `curl --tls-max 1.2 -v` trusting `root`, with `extra` arguments, for `url`.
fn curl_tls12(root: &std::path::Path, extra: &[&str], url: &str) -> Output {
    run(Command::new("curl")
        .args([
            "-sS",
            "-v",
            "--max-time",
            "30",
            "--tls-max",
            "1.2",
            "--cacert",
        ])
        .arg(root)
        .args(extra)
        .arg(url))
}

#[test]
fn curl_limited_to_tls12_fetches_from_padlock_serve() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let (server, port) = serve_logged(&ca, www.path(), &www.join("access.log"), &[]);
    for http in ["--http1.1", "--http2"] {
        let out = curl_tls12(
            &ca.root(),
            &[http],
            &format!("https://localhost:{port}/hello.txt"),
        );
        assert!(out.status.success(), "{http}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "hello from padlock\n", "{http}");
        let verbose = text(&out.stderr);
        assert!(
            verbose.contains("TLSv1.2") && verbose.contains("ECDHE-ECDSA-AES128-GCM-SHA256"),
            "{http}: curl did not report TLS 1.2 with ECDHE-ECDSA:\n{verbose}"
        );
    }
    drop(server);
    let log = std::fs::read_to_string(www.join("access.log")).unwrap();
    assert!(
        log.contains("TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "{log}"
    );
}

#[test]
fn curl_gets_rsa_key_exchange_from_padlock_serve_only_with_the_opt_in() {
    if peer("curl").is_none() {
        return;
    }
    let Some(openssl) = find_on_path("openssl") else {
        return;
    };
    let ca = Ca::new();
    let www = www();
    let pki = TempDir::new("rsa-serve");
    let test_ca = TestCa::new(&openssl, pki.path(), "ca", "tls12 peers CA", KeyType::P256);
    let leaf = test_ca.issue_server("rsa", &["localhost"], KeyType::Rsa2048);
    let cert_args = |rsa: bool| {
        let mut a = vec![
            "--cert".to_string(),
            leaf.chain.display().to_string(),
            "--key".into(),
            leaf.key.display().to_string(),
            "--quiet".into(),
        ];
        if rsa {
            a.push("--legacy-rsa-key-exchange".into());
        }
        a
    };
    for opt_in in [true, false] {
        let args = cert_args(opt_in);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_server, port) = serve(&ca, www.path(), &args);
        let out = curl_tls12(
            &test_ca.cert,
            &["--ciphers", "AES128-GCM-SHA256"],
            &format!("https://localhost:{port}/hello.txt"),
        );
        if opt_in {
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_eq!(text(&out.stdout), "hello from padlock\n");
            assert!(
                text(&out.stderr).contains("AES128-GCM-SHA256"),
                "{}",
                text(&out.stderr)
            );
        } else {
            assert!(
                !out.status.success(),
                "padlock serve without --legacy-rsa-key-exchange must refuse an RSA-only client"
            );
            assert!(
                text(&out.stderr).contains("handshake failure"),
                "{}",
                text(&out.stderr)
            );
        }
    }
}

#[test]
fn padlock_get_fetches_from_nginx_limited_to_tls12() {
    let ca = Ca::new();
    let www = www();
    let conf = TempDir::new("nginx12");
    let Some((_nginx, port)) = start_nginx(&ca, &www, &conf, "TLSv1.2") else {
        return;
    };
    let url = format!("https://localhost:{port}/hello.txt");
    let out = run(Command::new(PADLOCK)
        .args(["get", "-v", "--cacert"])
        .arg(ca.root())
        .arg(&url));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hello from padlock\n");
    let trace = text(&out.stderr);
    for step in [
        "version TLSv1.2",
        "< ServerKeyExchange",
        "* ServerKeyExchange signature check",
        "> ClientKeyExchange",
        "* master secret derived",
        "> ChangeCipherSpec",
        "< Finished",
        "under session keys (TLS 1.2)",
    ] {
        assert!(trace.contains(step), "missing {step:?} in:\n{trace}");
    }
    // Asked for TLS 1.3 only, padlock get says how to reach this server.
    let out = run(Command::new(PADLOCK)
        .args(["get", "--tls-version", "1.3", "--cacert"])
        .arg(ca.root())
        .arg(&url));
    assert_eq!(out.status.code(), Some(35));
    assert!(
        text(&out.stderr).contains("--min-version 1.2"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn headless_chromium_limited_to_tls12_loads_a_page_from_padlock_serve() {
    if peer("chromium").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let (server, port) = serve_logged(&ca, www.path(), &www.join("access.log"), &[]);
    let pin = spki_pin(&ca.leaf_chain());
    let profile = TempDir::new("chromium12");
    let out = run(chromium(&profile)
        .arg(format!("--ignore-certificate-errors-spki-list={pin}"))
        .arg("--ssl-version-max=tls1.2")
        .arg("--dump-dom")
        .arg(format!("https://localhost:{port}/")));
    let dom = text(&out.stdout);
    assert!(
        dom.contains("<h1 id=\"greeting\">Hello over HTTPS</h1>"),
        "DOM from chromium:\n{dom}\nstderr:\n{}",
        text(&out.stderr)
    );
    drop(server);
    let log = std::fs::read_to_string(www.join("access.log")).unwrap();
    assert!(
        log.contains("TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "chromium did not settle on TLS 1.2 with padlock serve:\n{log}"
    );
}
