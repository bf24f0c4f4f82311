//! Golden tests for `padlock get -v` and `--trace-html` against `padlock serve`, with what
//! changes from run to run masked: ports, dates, CA ids, signature lengths, timings.
//!
//! Set PADLOCK_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.

mod serve_support;

use std::path::PathBuf;
use std::process::Command;

use serve_support::*;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../https/tests/golden")
        .join(name)
}

fn check_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var("PADLOCK_UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with PADLOCK_UPDATE_GOLDEN=1)", path.display()));
    if want != actual {
        let first = want
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n--- actual ---\n{actual}",
            first + 1,
            want.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

/// Masks what varies between runs.
fn mask(text: &str) -> String {
    let mut out = String::new();
    let mut after_certificate_verify = false;
    for line in text.lines() {
        let mut l = line.to_string();
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        for header in ["date:", "last-modified:", "etag:"] {
            if trimmed.starts_with(header) {
                l = format!("{indent}{header} <masked>");
            }
        }
        if trimmed.starts_with("valid ") && trimmed.contains(" UTC") {
            l = format!("{indent}valid    <dates>");
        }
        if after_certificate_verify && trimmed.ends_with(" bytes") {
            l = format!("{indent}<n> bytes");
        }
        // Certificates and signatures vary in length (DER integers of ECDSA signatures).
        after_certificate_verify = trimmed.starts_with("< Certificate ")
            || trimmed.starts_with("< CertificateVerify ")
            || trimmed.starts_with("< ServerKeyExchange ");
        if trimmed.contains("<b>Certificate</b>") || trimmed.contains("<b>CertificateVerify</b>") {
            l = mask_after(&l, "<li>", |c| c.is_ascii_digit(), "<n>");
        }
        // Each connection's randoms are new.
        l = mask_after(&l, "random ", |c| c.is_ascii_hexdigit(), "<random>");
        l = mask_after(&l, "localhost:", |c| c.is_ascii_digit(), "<port>");
        l = mask_after(&l, "127.0.0.1:", |c| c.is_ascii_digit(), "<port>");
        l = mask_after(&l, " CA ", |c| c.is_ascii_hexdigit(), "<id>");
        l = mask_after(&l, "<span class=\"t\">", |c| c.is_ascii_digit(), "<t>");
        // How many records the response took depends on how the server's writes were
        // timed: keep the line, mask the numbers.
        if (trimmed.starts_with("received ") || trimmed.contains("server → client"))
            && trimmed.contains("application keys")
        {
            l = l
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect();
        }
        // HTML list items hold the same fields as the text lines.
        for header in ["date:", "last-modified:", "etag:"] {
            l = mask_between(&l, &format!("<li>{header} "), "</li>");
        }
        l = mask_between(&l, "<li>    valid    ", "</li>");
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn mask_after(line: &str, marker: &str, keep: impl Fn(char) -> bool, with: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(marker) {
        out.push_str(&rest[..i + marker.len()]);
        rest = &rest[i + marker.len()..];
        let n = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        if n > 0 {
            out.push_str(with);
        }
        rest = &rest[n..];
    }
    out.push_str(rest);
    out
}

fn mask_between(line: &str, start: &str, end: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(start) {
        out.push_str(&rest[..i + start.len()]);
        rest = &rest[i + start.len()..];
        let n = rest.find(end).unwrap_or(rest.len());
        out.push_str("<masked>");
        rest = &rest[n..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_verbose_trace_and_the_html_trace_match_their_golden_files() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &["--quiet"]);
    let html = www.join("trace.html");
    let out = run(Command::new(PADLOCK)
        .args(["get", "-v", "--http1.1", "--cacert"])
        .arg(ca.root())
        .arg("--trace-html")
        .arg(&html)
        .arg(format!("https://localhost:{port}/hello.txt")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from padlock\n");
    check_golden("get_v.txt", &mask(&String::from_utf8_lossy(&out.stderr)));
    let page = std::fs::read_to_string(&html).unwrap();
    check_golden("get_trace.html", &mask(&page));
}

#[test]
fn the_doubly_verbose_trace_says_what_each_step_protects_against() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &["--quiet"]);
    let out = run(Command::new(PADLOCK)
        .args(["get", "-vv", "--http1.1", "--cacert"])
        .arg(ca.root())
        .arg(format!("https://localhost:{port}/hello.txt")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = mask(&String::from_utf8_lossy(&out.stderr));
    assert!(
        text.contains("why: The server proves it holds the certificate's private key"),
        "{text}"
    );
    check_golden("get_vv.txt", &text);
}

#[test]
fn a_tls12_trace_tells_the_explainers_handshake() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &["--quiet", "--tls-version", "1.2"]);
    let out = run(Command::new(PADLOCK)
        .args([
            "get",
            "-vv",
            "--http1.1",
            "--tls-version",
            "1.2",
            "--cacert",
        ])
        .arg(ca.root())
        .arg(format!("https://localhost:{port}/hello.txt")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = mask(&String::from_utf8_lossy(&out.stderr));
    for step in [
        "> ClientHello",
        "< ServerKeyExchange",
        "* ServerKeyExchange signature check",
        "> ClientKeyExchange",
        "* master secret derived",
        "from the pre-master secret and both randoms",
        "> ChangeCipherSpec",
        "a MAC over all handshake messages",
        "under session keys (TLS 1.2), sequence numbers",
    ] {
        assert!(text.contains(step), "{step:?} missing from:\n{text}");
    }
    check_golden("get_vv_tls12.txt", &text);
}

#[test]
fn masking_hides_ports_ids_and_dates() {
    assert_eq!(
        mask("* TCP connected to 127.0.0.1:4433"),
        "* TCP connected to 127.0.0.1:<port>\n"
    );
    assert_eq!(
        mask("  issuer CN=padlock local root CA 1a2b3c4d"),
        "  issuer CN=padlock local root CA <id>\n"
    );
    assert_eq!(
        mask("    valid    2026-01-01 00:00:00 UTC to x UTC"),
        "    valid    <dates>\n"
    );
    assert_eq!(
        mask("    random 0a1b2c3d4e5f6071… (32 bytes)"),
        "    random <random>… (32 bytes)\n"
    );
}
