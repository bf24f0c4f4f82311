//! curl (OpenSSL) against `padlock serve`: HTTP/1.1 and HTTP/2, a 50 MB download with a
//! matching checksum, Range, 404, the listing, the redirect listener, and mutual TLS.

mod serve_support;

use std::process::Command;

use serve_support::*;

fn curl(ca: &Ca) -> Command {
    let mut c = Command::new("curl");
    c.args(["-sS", "--max-time", "60", "--cacert"])
        .arg(ca.root());
    c
}

#[test]
fn curl_fetches_files_listings_and_404_over_http1_and_http2() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let base = format!("https://localhost:{port}");

    for version in ["--http1.1", "--http2"] {
        let out = run(curl(&ca)
            .args([version, "-w", "\n%{http_code} %{http_version}"])
            .arg(format!("{base}/hello.txt")));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{version}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = if version == "--http2" {
            "200 2"
        } else {
            "200 1.1"
        };
        assert!(text.starts_with("hello from padlock\n"), "{text}");
        assert!(text.ends_with(want), "{version}: {text}");

        let out = run(curl(&ca).arg(version).arg(format!("{base}/files/")));
        let html = String::from_utf8_lossy(&out.stdout);
        assert!(html.contains("a &amp; b.txt"), "listing: {html}");
        assert!(
            html.contains("href=\"./a%20&amp;%20b.txt\"") || html.contains("a%20"),
            "{html}"
        );

        let out = run(curl(&ca)
            .args([version, "-o", "/dev/null", "-w", "%{http_code}"])
            .arg(format!("{base}/nope")));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "404");
    }
}

#[test]
fn curl_gets_single_ranges() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let out = run(curl(&ca)
        .args(["-r", "6-9", "-w", " %{http_code}"])
        .arg(format!("https://localhost:{port}/hello.txt")));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "from 206");
    let out = run(curl(&ca)
        .args(["-r", "1000-", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("https://localhost:{port}/hello.txt")));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "416");
}

#[test]
fn curl_downloads_50_mb_with_a_matching_checksum() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = TempDir::new("big");
    // Deterministic, incompressible-looking bytes.
    let mut data = Vec::with_capacity(50 << 20);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while data.len() < 50 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(www.join("big.bin"), &data).unwrap();
    let want = sha256_hex(&data);
    drop(data);
    let log = www.join("serve.log");
    let (mut server, port) = serve_logged(&ca, www.path(), &log, &["--quiet"]);
    for version in ["--http1.1", "--http2"] {
        let out_file = www.join("got.bin");
        let out = run(curl(&ca)
            .arg(version)
            .arg("-o")
            .arg(&out_file)
            .arg(format!("https://localhost:{port}/big.bin")));
        assert!(
            out.status.success(),
            "{version}: {}; the server: {:?}, its log: {}",
            String::from_utf8_lossy(&out.stderr),
            server.0.try_wait(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let got = std::fs::read(&out_file).unwrap();
        assert_eq!(got.len(), 50 << 20, "{version}");
        assert_eq!(sha256_hex(&got), want, "{version}");
        std::fs::remove_file(&out_file).unwrap();
    }
}

#[test]
fn the_redirect_listener_sends_curl_to_https() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let http_port = free_port();
    let redirect = format!("127.0.0.1:{http_port}");
    let (_server, port) = serve(&ca, www.path(), &["--redirect-http", &redirect, "--hsts"]);
    let out = run(Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
        ])
        .arg(format!("http://localhost:{http_port}/hello.txt?x=1")));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("308 https://localhost:{port}/hello.txt?x=1")
    );
    // Following it lands on the file, with HSTS on the HTTPS answer.
    let out = run(curl(&ca)
        .args(["-L", "-D", "-"])
        .arg(format!("http://localhost:{http_port}/hello.txt")));
    let text = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(
        text.contains("strict-transport-security: max-age=31536000"),
        "{text}"
    );
    assert!(text.ends_with("hello from padlock\n"), "{text}");
}

#[test]
fn mutual_tls_accepts_our_client_and_refuses_others() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let other = Ca::new();
    let (good_cert, good_key) = ca.client_cert("alice.test");
    let (bad_cert, bad_key) = other.client_cert("mallory.test");
    let www = www();
    let root = ca.root();
    let (_server, port) = serve(
        &ca,
        www.path(),
        &[
            "--client-ca",
            root.to_str().unwrap(),
            "--client-auth",
            "required",
        ],
    );
    let url = format!("https://localhost:{port}/hello.txt");

    let out = run(curl(&ca)
        .arg("--cert")
        .arg(&good_cert)
        .arg("--key")
        .arg(&good_key)
        .arg(&url));
    assert!(
        out.status.success(),
        "good client refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from padlock\n");

    let out = run(curl(&ca).arg(&url));
    assert!(
        !out.status.success(),
        "a client without a certificate was served"
    );
    assert!(out.stdout.is_empty());

    let out = run(curl(&ca)
        .arg("--cert")
        .arg(&bad_cert)
        .arg("--key")
        .arg(&bad_key)
        .arg(&url));
    assert!(!out.status.success(), "a client from another CA was served");
    assert!(out.stdout.is_empty());
}

#[test]
fn curl_gets_several_ranges_as_multipart_byteranges() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(www.join("big.bin"), &big).unwrap();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let base = format!("https://localhost:{port}");

    // A small file (answered from memory) and a large one (streamed from disk).
    let (status, ct, body) = curl_range(&ca, &format!("{base}/hello.txt"), "0-4,11-17");
    assert!(status.contains(" 206"), "{status}");
    assert!(ct.starts_with("multipart/byteranges; boundary="), "{ct}");
    assert_eq!(
        byteranges(&ct, &body),
        [
            ("bytes 0-4/19".to_string(), b"hello".to_vec()),
            ("bytes 11-17/19".to_string(), b"padlock".to_vec())
        ]
    );
    let (status, ct, body) = curl_range(&ca, &format!("{base}/big.bin"), "2000000-2000099,0-9");
    assert!(status.contains(" 206"), "{status}");
    assert_eq!(
        byteranges(&ct, &body),
        [
            (
                "bytes 2000000-2000099/3000000".to_string(),
                big[2_000_000..2_000_100].to_vec()
            ),
            ("bytes 0-9/3000000".to_string(), big[..10].to_vec())
        ]
    );

    // One satisfiable range of several: a plain 206.
    let (status, ct, body) = curl_range(&ca, &format!("{base}/hello.txt"), "0-4,100-200");
    assert!(status.contains(" 206"), "{status}");
    assert!(ct.starts_with("text/plain"), "{ct}");
    assert_eq!(body, b"hello");
    // None satisfiable: 416.
    let (status, _, _) = curl_range(&ca, &format!("{base}/hello.txt"), "100-200,300-");
    assert!(status.contains(" 416"), "{status}");
}
