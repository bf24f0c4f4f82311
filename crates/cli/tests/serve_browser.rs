//! A real browser: headless Chromium loads a page from `padlock serve` over HTTPS (HTTP/2
//! by ALPN), trusting our leaf by its SPKI pin; the test reads the DOM and checks that a
//! screenshot was written, and the server's access log that the two negotiated the
//! post-quantum hybrid X25519MLKEM768.

mod serve_support;

use std::process::Command;

use serve_support::*;

fn chromium_pinned(profile: &TempDir, pin: &str) -> Command {
    let mut c = chromium(profile);
    c.arg(format!("--ignore-certificate-errors-spki-list={pin}"));
    c
}

#[test]
fn headless_chromium_loads_a_page_over_https() {
    if peer("chromium").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    // Keep the access log: it tells which HTTP version the browser used.
    let (server, port) = serve_logged(&ca, www.path(), &www.join("access.log"), &[]);
    let pin = spki_pin(&ca.leaf_chain());
    let url = format!("https://localhost:{port}/");

    let profile = TempDir::new("chromium");
    let out = run(chromium_pinned(&profile, &pin).arg("--dump-dom").arg(&url));
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<h1 id=\"greeting\">Hello over HTTPS</h1>"),
        "DOM from chromium:\n{dom}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let profile = TempDir::new("chromium-shot");
    let shot = profile.join("shot.png");
    let out = run(chromium_pinned(&profile, &pin)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=800,600")
        .arg(&url));
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}); chromium said:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000,
        "not a PNG"
    );

    drop(server);
    let log = std::fs::read_to_string(www.join("access.log")).unwrap();
    assert!(
        log.contains("\"GET / HTTP/2.0\" 200"),
        "chromium did not use HTTP/2:\n{log}"
    );
    // Chromium offers X25519MLKEM768 by default, and padlock serve prefers it: the
    // server's access log names the group of each connection.
    assert!(
        log.contains("X25519MLKEM768 post-quantum] \"GET / HTTP/2.0\" 200"),
        "chromium and padlock serve did not negotiate X25519MLKEM768:\n{log}"
    );
}
