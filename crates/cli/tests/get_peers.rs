//! `padlock get` against real servers: nginx (HTTP/1.1 and HTTP/2, with a certificate from
//! our local CA) and `openssl s_server -www`.

mod serve_support;

use std::process::{Command, Stdio};

use padlock_test_support::process::group_alive;
use serve_support::*;

fn padlock_get(ca: &Ca, args: &[&str]) -> std::process::Output {
    let mut c = Command::new(PADLOCK);
    c.arg("get").arg("--cacert").arg(ca.root()).args(args);
    run(&mut c)
}

#[test]
fn padlock_get_fetches_from_nginx_over_http1_and_http2() {
    let ca = Ca::new();
    let www = www();
    let conf = TempDir::new("nginx");
    let Some((nginx, port)) = start_nginx(&ca, &www, &conf, "TLSv1.3") else {
        return;
    };
    let url = format!("https://localhost:{port}/hello.txt");
    for (flag, want) in [("--http1.1", "HTTP/1.1"), ("--http2", "HTTP/2.0")] {
        let out = padlock_get(&ca, &[flag, &url]);
        assert!(
            out.status.success(),
            "{flag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "hello from padlock\n",
            "{flag}"
        );
        let out = padlock_get(&ca, &[flag, "-I", &url]);
        let head = String::from_utf8_lossy(&out.stdout);
        assert!(head.starts_with(&format!("{want} 200")), "{flag}: {head}");
        assert!(
            head.to_ascii_lowercase().contains("server: nginx"),
            "{head}"
        );
    }
    // -v shows the handshake with nginx step by step.
    let out = padlock_get(&ca, &["-v", &url]);
    let trace = String::from_utf8_lossy(&out.stderr);
    for step in [
        "TCP connected",
        "ClientHello",
        "ServerHello",
        "certificate chain presented",
        "CertificateVerify signature check",
        "handshake complete",
        "HTTP response",
    ] {
        assert!(trace.contains(step), "missing {step:?} in:\n{trace}");
    }

    // Nothing of nginx outlives the test: its process group is empty once the guard is
    // dropped (a worker used to keep serving after every run).
    let group = nginx.id();
    drop(nginx);
    assert!(!group_alive(group), "an nginx process outlived the test");
}

#[test]
fn padlock_get_fetches_from_openssl_s_server() {
    let Some(openssl) = peer("openssl") else {
        return;
    };
    let ca = Ca::new();
    let (_server, port) = spawn_listening("openssl s_server", |port| {
        let mut cmd = Command::new(&openssl);
        cmd.args(["s_server", "-www", "-tls1_3", "-accept"])
            .arg(port.to_string())
            .arg("-cert")
            .arg(ca.leaf_chain())
            .arg("-cert_chain")
            .arg(ca.leaf_chain())
            .arg("-key")
            .arg(ca.leaf_key())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    });
    let out = padlock_get(&ca, &["--http1.1", &format!("https://localhost:{port}/")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains("TLSv1.3"), "{page}");
    // s_server -www speaks only HTTP/1.x: offering both still works.
    let out = padlock_get(&ca, &[&format!("https://127.0.0.1:{port}/")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn padlock_get_refuses_a_server_it_cannot_verify_unless_insecure() {
    if peer("openssl").is_none() {
        return;
    }
    let ca = Ca::new();
    let other = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let url = format!("https://localhost:{port}/hello.txt");
    let out = padlock_get(&other, &[&url]);
    assert!(
        !out.status.success(),
        "a certificate from an untrusted CA was accepted"
    );
    let mut c = Command::new(PADLOCK);
    let out = run(c.args(["get", "-k", &url]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARNING"));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from padlock\n");
}

#[test]
fn padlock_gets_options_work_against_nginx() {
    let ca = Ca::new();
    let www = www();
    let big: Vec<u8> = (0..2_500_000u32).map(|i| (i % 241) as u8).collect();
    std::fs::write(www.join("big.bin"), &big).unwrap();
    std::fs::write(www.join("words.txt"), "padlock nginx gzip ".repeat(500)).unwrap();
    let conf = TempDir::new("nginx");
    let Some((_nginx, port)) = start_nginx(&ca, &www, &conf, "TLSv1.3") else {
        return;
    };
    let base = format!("https://localhost:{port}");

    let out = padlock_get(&ca, &["-f", &format!("{base}/missing")]);
    assert_eq!(out.status.code(), Some(22));
    assert!(out.stdout.is_empty());

    let partial = www.join("partial.bin");
    std::fs::write(&partial, &big[..1_000_001]).unwrap();
    let out = padlock_get(
        &ca,
        &[
            "-C",
            "-",
            "-o",
            partial.to_str().unwrap(),
            &format!("{base}/big.bin"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&partial).unwrap() == big,
        "resumed file differs"
    );

    let url = format!("{base}/words.txt");
    let out = padlock_get(
        &ca,
        &[
            "--compressed",
            "-i",
            "--http1.1",
            "-w",
            "%{size_download}",
            &url,
        ],
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("content-encoding: gzip"), "{shown}");
    let body_and_size = shown.split("\n\n").nth(1).unwrap();
    let words = "padlock nginx gzip ".repeat(500);
    assert!(body_and_size.starts_with(&words), "{shown}");
    let on_wire: usize = body_and_size[words.len()..].parse().unwrap();
    assert!(on_wire < words.len() / 4, "{on_wire} bytes on the wire");
}

#[test]
fn several_ranges_are_answered_as_nginx_answers_them() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let conf = TempDir::new("nginx");
    let Some((_nginx, nginx_port)) = start_nginx(&ca, &www, &conf, "TLSv1.3") else {
        return;
    };
    let (_serve, serve_port) = serve(&ca, www.path(), &[]);
    for ranges in ["0-4,11-17", "0-4,100-200", "100-200,300-", "-3,0-0"] {
        let answers: Vec<_> = [nginx_port, serve_port]
            .iter()
            .map(|port| {
                let (status, ct, body) =
                    curl_range(&ca, &format!("https://localhost:{port}/hello.txt"), ranges);
                let code = status.split(' ').nth(1).unwrap_or_default().to_string();
                let parts = if ct.starts_with("multipart/byteranges") {
                    byteranges(&ct, &body)
                } else if code == "206" {
                    vec![(String::new(), body)]
                } else {
                    vec![]
                };
                (code, parts)
            })
            .collect();
        assert_eq!(
            answers[0], answers[1],
            "{ranges}: nginx, then padlock serve"
        );
    }
}
