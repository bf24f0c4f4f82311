//! `padlock serve` right by default: both loopback addresses, `--listen PORT`, a banner
//! with each URL once and a hint to trust the CA, `--name`, dotfiles hidden, and a
//! certificate whose key does not match refused at startup (serve and listen).

mod serve_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serve_support::*;

/// `padlock serve` with `args`, its banner captured; an empty HOME and system store so the
/// CA is not trusted anywhere. Returns the guard and the banner once it is printed.
fn serve_with_banner(ca: &Ca, dir: &Path, port: u16, args: &[&str]) -> (Guard, String) {
    let scratch = TempDir::new("serve-banner");
    let out = scratch.join("stdout");
    let mut server = Guard::spawn(
        Command::new(PADLOCK)
            .args(["serve", "--dir"])
            .arg(dir)
            .args(args)
            .env("PADLOCK_HOME", ca.home.path())
            .env("HOME", scratch.path())
            .env("PADLOCK_TRUST_SYSROOT", scratch.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(Stdio::null()),
    );
    wait_port(port, &mut server.0);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let banner = std::fs::read_to_string(&out).unwrap_or_default();
        if banner.contains("try it") || Instant::now() > deadline {
            return (server, banner);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn curl(ca: &Ca, url: &str, extra: &[&str]) -> (String, String) {
    let out = run(Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "--cacert",
        ])
        .arg(ca.root())
        .args(extra)
        .arg(url));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (body.to_string(), code.to_string())
}

#[test]
fn a_bare_port_serves_both_127_0_0_1_and_ipv6_loopback_and_the_banner_says_it_once() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let port = free_port();
    let (_server, banner) =
        serve_with_banner(&ca, www.path(), port, &["--listen", &port.to_string()]);
    let url = format!("https://localhost:{port}/");
    assert_eq!(
        banner.matches(&url).count(),
        2,
        "once in the listen line, once in try-it:\n{banner}"
    );
    assert!(
        banner.contains("padlock ca install"),
        "no hint to trust the CA:\n{banner}"
    );
    for host in ["127.0.0.1", "[::1]"] {
        let (body, code) = curl(&ca, &format!("https://{host}:{port}/hello.txt"), &[]);
        assert_eq!(
            (body.as_str(), code.as_str()),
            ("hello from padlock\n", "200"),
            "{host}"
        );
    }
}

#[test]
fn a_colon_port_listens_like_a_bare_port() {
    let ca = Ca::new();
    let www = www();
    let port = free_port();
    let (_server, banner) =
        serve_with_banner(&ca, www.path(), port, &["--listen", &format!(":{port}")]);
    assert!(
        banner.contains(&format!("https://localhost:{port}/")),
        "{banner}"
    );
    assert!(
        std::net::TcpStream::connect(("::1", port)).is_ok(),
        "nothing on [::1]:{port}"
    );
}

#[test]
fn serve_name_issues_and_serves_a_certificate_for_that_name() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    let port = free_port();
    let (_server, banner) = serve_with_banner(
        &ca,
        www.path(),
        port,
        &[
            "--listen",
            &port.to_string(),
            "--name",
            "myapp.test",
            "--name",
            "myapp.local",
            "--name",
            "*.apps.test",
        ],
    );
    assert!(!banner.contains('*'), "a wildcard is no URL: {banner}");
    for name in ["myapp.test", "myapp.local", "one.apps.test"] {
        if !name.ends_with("apps.test") {
            assert!(
                banner.contains(&format!("https://{name}:{port}/")),
                "{banner}"
            );
        }
        let resolve = format!("{name}:{port}:127.0.0.1");
        let (body, code) = curl(
            &ca,
            &format!("https://{name}:{port}/hello.txt"),
            &["--resolve", &resolve],
        );
        assert_eq!(
            (body.as_str(), code.as_str()),
            ("hello from padlock\n", "200"),
            "{name}"
        );
    }
    let (_, code) = curl(&ca, &format!("https://localhost:{port}/hello.txt"), &[]);
    assert_eq!(code, "200", "localhost is still served");
}

#[test]
fn dotfiles_and_dot_folders_are_hidden_unless_allowed() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    std::fs::write(www.join(".env"), b"SECRET=1\n").unwrap();
    std::fs::create_dir(www.join(".git")).unwrap();
    std::fs::write(www.join(".git/config"), b"[core]\n").unwrap();
    std::fs::write(www.join("files/.secret"), b"x").unwrap();
    let port = free_port();
    let (server, _) = serve_with_banner(&ca, www.path(), port, &["--listen", &port.to_string()]);
    for path in ["/.env", "/.git/config", "/%2egit/config"] {
        let (body, code) = curl(&ca, &format!("https://localhost:{port}{path}"), &[]);
        assert_eq!(code, "404", "{path} was served: {body}");
    }
    let (listing, _) = curl(&ca, &format!("https://localhost:{port}/files/"), &[]);
    assert!(
        listing.contains("a &amp; b.txt") && !listing.contains(".secret"),
        "{listing}"
    );
    drop(server);

    let port = free_port();
    let (_server, _) = serve_with_banner(
        &ca,
        www.path(),
        port,
        &["--listen", &port.to_string(), "--dotfiles", "allow"],
    );
    let (body, code) = curl(&ca, &format!("https://localhost:{port}/.env"), &[]);
    assert_eq!((body.as_str(), code.as_str()), ("SECRET=1\n", "200"));
}

#[test]
fn serve_and_listen_refuse_a_key_that_does_not_match_the_certificate() {
    let ca = Ca::new();
    let (_, other_key) = ca.client_cert("other.test");
    let port = free_port().to_string();
    let serve = run(Command::new(PADLOCK)
        .args(["serve", "--listen", &port, "--cert"])
        .arg(ca.leaf_chain())
        .arg("--key")
        .arg(&other_key)
        .env("PADLOCK_HOME", ca.home.path()));
    let listen = run(Command::new(PADLOCK)
        .args(["listen", "--listen", &format!("127.0.0.1:{port}"), "--cert"])
        .arg(ca.leaf_chain())
        .arg("--key")
        .arg(&other_key));
    for (what, out) in [("serve", serve), ("listen", listen)] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what} started: {err}");
        assert!(err.contains("does not match"), "{what}: {err}");
        assert!(
            err.contains(&ca.leaf_chain().display().to_string())
                && err.contains(&other_key.display().to_string()),
            "{what} does not name both files: {err}"
        );
    }
}

#[test]
fn the_access_log_shows_bytes_sent_and_time_to_the_last_byte() {
    if peer("curl").is_none() {
        return;
    }
    let ca = Ca::new();
    let www = www();
    // Larger than what the loopback socket buffers absorb, so the server's last byte goes
    // out only as the rate-limited client reads.
    let big: Vec<u8> = (0..16 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(www.join("big.bin"), &big).unwrap();
    let log = www.join("access.log");
    let (server, port) = serve_logged(&ca, www.path(), &log, &[]);
    let url = format!("https://localhost:{port}/big.bin");
    // 16 MiB at 8 MiB/s: about two seconds from the first byte to the last.
    let (_, code) = curl(&ca, &url, &["--limit-rate", "8M", "--http1.1"]);
    assert_eq!(code, "200");
    // Cut off after a moment: the line says how much went out and that it was cut short.
    let _ = curl(
        &ca,
        &url,
        &["--limit-rate", "512K", "--max-time", "0.5", "--http1.1"],
    );
    std::thread::sleep(Duration::from_millis(500));
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("GET /big.bin"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let ms = |line: &str| -> f64 {
        let last = line.rsplit(' ').next().unwrap();
        last.trim_end_matches("ms").parse().unwrap()
    };
    assert!(
        lines[0].contains(&format!(" 200 {} ", big.len())),
        "{}",
        lines[0]
    );
    assert!(
        ms(lines[0]) >= 300.0,
        "time to headers, not to the last byte: {}",
        lines[0]
    );
    assert!(lines[1].contains("cut short"), "{}", lines[1]);
}
