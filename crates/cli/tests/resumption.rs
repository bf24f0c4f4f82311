//! Session resumption and 0-RTT in the programs (issue 11), against real peers:
//!
//! - `openssl s_client -sess_out/-sess_in` resumes against `padlock listen` (`Reused,
//!   TLSv1.3`); its `-early_data` is accepted with `--early-data`, and refused cleanly by
//!   a server without it;
//! - `padlock connect --sess-out/--sess-in/--early-data` against `openssl s_server
//!   -early_data` and `gnutls-serv`;
//! - `gnutls-cli --resume --waitresumption` against `padlock listen -v` (a failure shows
//!   both sides' story: gnutls-cli's handshake messages, padlock's timed steps);
//! - curl, and `padlock get URL URL`, resuming within one run against `padlock serve`
//!   (checked from the server's access log);
//! - two `padlock serve` processes sharing a `--ticket-keys` file: a ticket from one
//!   resumes on the other, and stops working once its key is retired from the file;
//! - `serve --early-data`: a POST in early data gets 425 Too Early, a GET is served;
//! - TLS 1.2 (RFC 5077 tickets and session ids): `openssl s_client -tls1_2` and
//!   `gnutls-cli --resume` against `padlock listen`, `padlock connect --tls-version 1.2`
//!   against `openssl s_server -tls1_2` and `gnutls-serv`, by ticket and by session id;
//!   curl `--tls-max 1.2` and `padlock get --tls-version 1.2` with two URLs against serve.

mod serve_support;
mod tls_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use padlock_test_support::{
    contains, gnutls_resumption_story, on_free_port, require_peer, Fixtures, Issued, PeerProcess,
    TempDir, GNUTLS_RESUME,
};
use serve_support::{serve_logged, www, Ca, PADLOCK};
use tls_support::{connect, listen, WAIT};

/// A plain HTTP/1.0 request, as early data or not.
const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

// ---------------------------------------------------------------------------------------
// padlock listen, and openssl s_client / gnutls-cli against it
// ---------------------------------------------------------------------------------------

/// Runs `openssl s_client` with `version` (`-tls1_3`, `-tls1_2`) against
/// 127.0.0.1:`port` (SNI localhost) with `args`, `input` on stdin; waits for it to end (the
/// server closes after one answer). Returns stdout and everything it printed.
fn s_client(
    openssl: &Path,
    version: &str,
    port: u16,
    ca: &Path,
    args: &[&str],
    input: &[u8],
) -> (String, String) {
    let mut cmd = Command::new(openssl);
    cmd.args(["s_client", version, "-ign_eof", "-servername", "localhost"])
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-CAfile")
        .arg(ca)
        .args(args);
    let mut client = PeerProcess::spawn("openssl s_client", cmd);
    client.write_stdin(input);
    client.close_stdin();
    let status = client.wait_exit(WAIT);
    let out = String::from_utf8_lossy(&client.stdout()).into_owned();
    assert!(
        status.is_some(),
        "s_client did not finish\n{}",
        client.output_text()
    );
    (out, client.output_text())
}

/// A file of two ticket keys (newest first) in `dir`.
fn key_file(dir: &TempDir, name: &str, keys: &[u8]) -> PathBuf {
    let text: String = keys.iter().map(|k| format!("{}\n", hex_key(*k))).collect();
    dir.write(name, text.as_bytes())
}

/// A ticket key line made from one byte (id and secret derived from it).
fn hex_key(k: u8) -> String {
    let id: String = (0..16).map(|i| format!("{:02x}", k ^ i)).collect();
    let secret: String = (0..32)
        .map(|i| format!("{:02x}", k.wrapping_mul(7) ^ i))
        .collect();
    format!("{id} {secret}")
}

#[test]
fn openssl_s_client_resumes_against_padlock_listen_and_its_early_data_is_accepted() {
    let Some(fx) = Fixtures::get() else { return };
    let dir = TempDir::new("resume-openssl");
    let (p, port) = listen(&fx.ecdsa_server, &["--early-data"]);
    let session = dir.join("session.pem");
    let session_arg = session.display().to_string();
    let (out, all) = s_client(
        &fx.openssl,
        "-tls1_3",
        port,
        &fx.ecdsa_ca.cert,
        &["-sess_out", &session_arg],
        GET,
    );
    assert!(out.contains("New, TLSv1.3"), "{all}\n{}", p.output_text());
    assert!(session.exists(), "no session saved\n{all}");

    let early = dir.write("early.txt", GET);
    let (out, all) = s_client(
        &fx.openssl,
        "-tls1_3",
        port,
        &fx.ecdsa_ca.cert,
        &[
            "-sess_in",
            &session_arg,
            "-early_data",
            &early.display().to_string(),
        ],
        b"",
    );
    assert!(
        out.contains("Reused, TLSv1.3"),
        "{all}\n{}",
        p.output_text()
    );
    assert!(out.contains("Early data was accepted"), "{all}");
    assert!(out.contains("Resumed"), "the page: {all}");
    assert!(out.contains("early data read"), "the page: {all}");
}

#[test]
fn openssl_s_client_early_data_is_refused_cleanly_by_a_server_without_early_data() {
    let Some(fx) = Fixtures::get() else { return };
    let dir = TempDir::new("resume-refuse");
    let keys = key_file(&dir, "keys", &[1, 2]).display().to_string();
    // Two servers sharing ticket keys: the first allows early data in its tickets, the
    // second resumes them but takes no early data.
    let (a, port_a) = listen(&fx.ecdsa_server, &["--early-data", "--ticket-keys", &keys]);
    let (b, port_b) = listen(&fx.ecdsa_server, &["--ticket-keys", &keys]);
    let session = dir.join("session.pem").display().to_string();
    let (out, all) = s_client(
        &fx.openssl,
        "-tls1_3",
        port_a,
        &fx.ecdsa_ca.cert,
        &["-sess_out", &session],
        GET,
    );
    assert!(
        out.contains("Max Early Data: 16384"),
        "{all}\n{}",
        a.output_text()
    );

    let early = dir.write("early.txt", GET).display().to_string();
    // The request goes again on stdin, as an application resends refused early data.
    let (out, all) = s_client(
        &fx.openssl,
        "-tls1_3",
        port_b,
        &fx.ecdsa_ca.cert,
        &["-sess_in", &session, "-early_data", &early],
        GET,
    );
    assert!(
        out.contains("Reused, TLSv1.3"),
        "{all}\n{}",
        b.output_text()
    );
    assert!(out.contains("Early data was rejected"), "{all}");
    assert!(out.contains("connection established"), "{all}");
    assert!(!out.contains("early data read"), "{all}");
}

#[test]
fn gnutls_cli_resumes_against_padlock_listen() {
    let Some(fx) = Fixtures::get() else { return };
    let Some(gnutls) = require_peer("gnutls-cli") else {
        return;
    };
    let (p, port) = listen(&fx.ecdsa_server, &["-v"]);
    let run = gnutls_cli_resume(&gnutls, port, &fx.ecdsa_ca.cert, &[]);
    assert!(run.resumed(), "{run}{}", listen_log(&p));
    // padlock's side of the story agrees: it sent tickets, and resumed on one.
    assert!(
        p.wait_stderr("resumed on ticket #0", WAIT),
        "{}",
        listen_log(&p)
    );
    assert!(
        p.stderr_text().contains("sent NewSessionTicket"),
        "{}",
        listen_log(&p)
    );
}

/// What `gnutls-cli --resume` printed: its stdout, and the story of its two connections
/// told by its debug output (`gnutls_resumption_story`).
struct GnutlsResume {
    stdout: String,
    story: String,
}

impl GnutlsResume {
    fn resumed(&self) -> bool {
        self.stdout.contains("This is a resumed session")
    }
}

impl std::fmt::Display for GnutlsResume {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- gnutls-cli stdout ---\n{}\n--- gnutls-cli -d 4, its handshakes ---\n{}",
            self.stdout, self.story
        )
    }
}

/// `padlock listen -v`'s log, for a failure message: each connection's steps, timed.
fn listen_log(p: &PeerProcess) -> String {
    format!("--- padlock listen -v ---\n{}", p.stderr_text())
}

/// Runs `gnutls-cli --resume --waitresumption` (two connections, the second resuming the
/// first's session, which it waits for: `GNUTLS_RESUME`) against localhost:`port`,
/// trusting `ca`, with `extra` arguments and stdin at EOF.
fn gnutls_cli_resume(gnutls: &Path, port: u16, ca: &Path, extra: &[&str]) -> GnutlsResume {
    let mut cmd = Command::new(gnutls);
    cmd.args(GNUTLS_RESUME)
        .args(["--port", &port.to_string()])
        .args(extra)
        .arg("--x509cafile")
        .arg(ca)
        .arg("localhost");
    let mut client = PeerProcess::spawn("gnutls-cli", cmd);
    client.close_stdin();
    let finished = client.wait_exit(WAIT * 2).is_some();
    let mut story = gnutls_resumption_story(&client.stderr_text());
    if !finished {
        story.push_str(&format!(
            "(gnutls-cli had not finished after {:?}: with --waitresumption it waits for a \
             TLS 1.3 ticket, and none came)\n",
            WAIT * 2
        ));
    }
    GnutlsResume {
        stdout: String::from_utf8_lossy(&client.stdout()).into_owned(),
        story,
    }
}

// ---------------------------------------------------------------------------------------
// padlock connect against openssl s_server and gnutls-serv
// ---------------------------------------------------------------------------------------

/// `openssl s_server -early_data` on a free port.
fn s_server_early_data(openssl: &Path, cert: &Issued) -> (PeerProcess, u16) {
    on_free_port("openssl s_server", |port| {
        let mut cmd = Command::new(openssl);
        cmd.args(["s_server", "-tls1_3", "-early_data", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert.chain)
            .arg("-key")
            .arg(&cert.key);
        let mut server = PeerProcess::spawn("openssl s_server", cmd);
        server
            .wait_stdout_while_running(b"ACCEPT", WAIT)
            .then_some(server)
    })
}

#[test]
fn padlock_connect_resumes_against_openssl_s_server_and_its_early_data_is_accepted() {
    let Some(fx) = Fixtures::get() else { return };
    let dir = TempDir::new("connect-openssl");
    let (server, port) = s_server_early_data(&fx.openssl, &fx.ecdsa_server);
    let ca = fx.ecdsa_ca.cert.display().to_string();
    let addr = format!("localhost:{port}");
    let session = dir.join("session.pem").display().to_string();
    let (code, _, err) = connect(
        &["--cacert", &ca, "--sess-out", &session, &addr],
        b"first connection\n",
    );
    assert_eq!(code, Some(0), "{err}\n{}", server.output_text());
    let saved = std::fs::read_to_string(&session).unwrap_or_default();
    assert!(
        saved.contains("BEGIN PADLOCK TLS SESSION"),
        "{saved}\n{err}"
    );
    assert!(saved.contains("max early data: "), "{saved}");

    let early = dir.write("early.txt", b"zero round trips\n");
    let (code, _, err) = connect(
        &[
            "-v",
            "--cacert",
            &ca,
            "--sess-in",
            &session,
            "--early-data",
            &early.display().to_string(),
            &addr,
        ],
        b"",
    );
    assert_eq!(code, Some(0), "{err}\n{}", server.output_text());
    assert!(err.contains("handshake: Resumed"), "{err}");
    assert!(err.contains("bytes accepted by the server"), "{err}");
    assert!(
        server.wait_stdout(b"zero round trips", WAIT),
        "s_server did not get the early data\n{}",
        server.output_text()
    );
}

/// `gnutls-serv --echo` on a free port. It listens on `::` (dual-stack: 127.0.0.1 too) and
/// on 0.0.0.0, and one of the two binds fails when the other took both families: so it is
/// up once its port answers while it is still running (it exits when neither bind worked,
/// and then the port belongs to someone else).
fn gnutls_serv(gnutls: &Path, cert: &Issued, extra: &[&str]) -> (PeerProcess, u16) {
    on_free_port("gnutls-serv", |port| {
        let mut cmd = Command::new(gnutls);
        cmd.args(extra);
        cmd.args(["--echo", "--port", &port.to_string(), "--x509certfile"])
            .arg(&cert.chain)
            .arg("--x509keyfile")
            .arg(&cert.key);
        let mut server = PeerProcess::spawn("gnutls-serv", cmd);
        let up = server.listens_on(port, WAIT);
        if !up {
            // Shown with --nocapture: why this port was given up.
            eprintln!("gnutls-serv did not start:\n{}", server.output_text());
        }
        up.then_some(server)
    })
}

#[test]
fn padlock_connect_resumes_against_gnutls_serv() {
    let Some(fx) = Fixtures::get() else { return };
    let Some(gnutls) = require_peer("gnutls-serv") else {
        return;
    };
    let dir = TempDir::new("connect-gnutls");
    let (server, port) = gnutls_serv(&gnutls, &fx.ecdsa_server, &[]);
    let ca = fx.ecdsa_ca.cert.display().to_string();
    let addr = format!("localhost:{port}");
    let session = dir.join("session.pem").display().to_string();
    let (code, out, err) = connect(
        &["--cacert", &ca, "--sess-out", &session, &addr],
        b"hello gnutls\n",
    );
    assert_eq!(code, Some(0), "{err}\n{}", server.output_text());
    assert!(contains(&out, b"hello gnutls"), "{err}");
    let (code, out, err) = connect(
        &["-v", "--cacert", &ca, "--sess-in", &session, &addr],
        b"again\n",
    );
    assert_eq!(code, Some(0), "{err}\n{}", server.output_text());
    assert!(contains(&out, b"again"), "{err}");
    assert!(err.contains("handshake: Resumed"), "{err}");
    assert!(err.contains("session resumed"), "the narration: {err}");
}

// ---------------------------------------------------------------------------------------
// padlock serve: curl and padlock get within one run, the fleet, 425 Too Early
// ---------------------------------------------------------------------------------------

/// The access-log lines written to `log` so far (those with a request line).
fn log_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"GET ") || l.contains("\"POST ") || l.contains("\"HEAD "))
        .map(str::to_string)
        .collect()
}

/// Waits (bounded) until `log` has `n` access-log lines; returns them.
fn wait_log(log: &Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let lines = log_lines(log);
        if lines.len() >= n || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// curl (with `extra` flags) fetches two URLs from `padlock serve`: the second connection
/// resumes the first's session, as serve's access log says. Returns the log lines.
fn curl_two_urls(extra: &[&str]) -> Option<Vec<String>> {
    let curl = require_peer("curl")?;
    let ca = Ca::new();
    let site = www();
    let dir = TempDir::new("curl-resume");
    let log = dir.join("serve.log");
    let (_server, port) = serve_logged(&ca, site.path(), &log, &[]);
    let mut cmd = Command::new(curl);
    // `Connection: close` makes the second URL open a second connection, which resumes.
    cmd.args(["-sS", "--http1.1", "--max-time", "20"])
        .args(extra)
        .args(["-H", "Connection: close", "--cacert"])
        .arg(ca.root())
        .arg(format!("https://localhost:{port}/hello.txt"))
        .arg(format!("https://localhost:{port}/index.html"));
    let out = serve_support::run(&mut cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = wait_log(&log, 2);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(!lines[0].contains("resumed"), "{lines:?}");
    assert!(lines[1].contains("resumed"), "{lines:?}");
    Some(lines)
}

#[test]
fn curl_resumes_its_session_for_a_second_url_against_padlock_serve() {
    curl_two_urls(&[]);
}

#[test]
fn padlock_get_resumes_its_session_for_a_second_url() {
    let ca = Ca::new();
    let site = www();
    let dir = TempDir::new("get-resume");
    let log = dir.join("serve.log");
    let (_server, port) = serve_logged(&ca, site.path(), &log, &[]);
    let mut cmd = Command::new(PADLOCK);
    cmd.args(["get", "-v", "--http1.1", "--cacert"])
        .arg(ca.root())
        .arg(format!("https://localhost:{port}/hello.txt"))
        .arg(format!("https://localhost:{port}/1k.bin"))
        .env("PADLOCK_HOME", ca.home.path());
    let out = serve_support::run(&mut cmd);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(contains(&out.stdout, b"hello from padlock"), "{err}");
    assert_eq!(out.stdout.len(), "hello from padlock\n".len() + 1024);
    assert!(err.contains("resumption offered"), "{err}");
    assert!(err.contains("session resumed"), "{err}");
    let lines = wait_log(&log, 2);
    assert!(
        lines.len() == 2 && lines[1].contains("resumed"),
        "{lines:?}"
    );
}

/// `padlock connect` to serve: an HTTP/1.1 request for `/hello.txt` that closes the
/// connection after its answer.
const HTTP_GET: &[u8] = b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

#[test]
fn two_servers_sharing_ticket_keys_resume_each_others_sessions_until_the_key_is_retired() {
    let ca = Ca::new();
    let site = www();
    let dir = TempDir::new("fleet");
    let keys = key_file(&dir, "ticket-keys", &[1]);
    let keys_arg = keys.display().to_string();
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));
    let (_a, port_a) = serve_logged(&ca, site.path(), &log_a, &["--ticket-keys", &keys_arg]);
    let (_b, port_b) = serve_logged(&ca, site.path(), &log_b, &["--ticket-keys", &keys_arg]);
    let root = ca.root().display().to_string();
    let session = |name: &str| dir.join(name).display().to_string();
    // `padlock connect -v` to `port` for /hello.txt, from the session in `sess_in` if
    // given, saving the next one to `sess_out` if given; returns its stderr.
    let fetch = |port: u16, sess_in: Option<&str>, sess_out: Option<&str>| {
        let mut args = vec!["-v".to_string(), "--cacert".into(), root.clone()];
        for (flag, name) in [("--sess-in", sess_in), ("--sess-out", sess_out)] {
            if let Some(name) = name {
                args.extend([flag.to_string(), session(name)]);
            }
        }
        let (code, out, err) = connect(&strs(&args, &format!("localhost:{port}")), HTTP_GET);
        assert_eq!(code, Some(0), "{err}");
        assert!(contains(&out, b"hello from padlock"), "{err}");
        err
    };

    // Three sessions from server A; the first resumes on server B.
    for name in ["s1.pem", "s2.pem", "s3.pem"] {
        fetch(port_a, None, Some(name));
    }
    let err = fetch(port_b, Some("s1.pem"), None);
    assert!(err.contains("handshake: Resumed"), "{err}");
    let lines = wait_log(&log_b, 1);
    assert!(lines[0].contains("resumed"), "{lines:?}");

    // A malformed file is refused whole: B keeps key 1, and still resumes A's sessions.
    replace_file(&keys, b"not a key\n");
    wait_for_text(&log_b, "ticket keys not reloaded");
    let err = fetch(port_b, Some("s2.pem"), None);
    assert!(err.contains("handshake: Resumed"), "{err}");

    // The operator retires key 1: a new key replaces it.
    replace_file(&keys, format!("{}\n", hex_key(9)).as_bytes());
    wait_for_text(&log_b, "ticket keys reloaded");
    let err = fetch(port_b, Some("s3.pem"), None);
    assert!(
        err.contains("handshake: Full"),
        "a retired key still resumed: {err}"
    );
}

/// Replaces `path` as an operator should: a new file, then moved over the old one.
fn replace_file(path: &Path, contents: &[u8]) {
    let new = path.with_extension("new");
    std::fs::write(&new, contents).unwrap();
    std::fs::rename(&new, path).unwrap();
}

/// Waits (bounded) until the file at `path` contains `text`.
fn wait_for_text(path: &Path, text: &str) {
    let deadline = Instant::now() + WAIT;
    while !std::fs::read_to_string(path)
        .unwrap_or_default()
        .contains(text)
    {
        assert!(
            Instant::now() < deadline,
            "no {text:?} in {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `args` then `addr`, borrowed as `connect` takes them.
fn strs<'a>(args: &'a [String], addr: &'a str) -> Vec<&'a str> {
    args.iter().map(String::as_str).chain([addr]).collect()
}

/// `padlock connect` arguments: `-v --cacert ROOT --sess-in IN [--sess-out OUT]
/// --early-data FILE`, resuming IN's session, sending FILE as 0-RTT data, and saving the
/// next session to OUT (a session's early data is accepted once).
fn resume_with_early_data(
    root: &str,
    sess_in: &str,
    sess_out: Option<&str>,
    early: &Path,
) -> Vec<String> {
    let mut args = vec!["-v", "--cacert", root, "--sess-in", sess_in];
    if let Some(out) = sess_out {
        args.extend(["--sess-out", out]);
    }
    args.push("--early-data");
    let mut args: Vec<String> = args.into_iter().map(String::from).collect();
    args.push(early.display().to_string());
    args
}

#[test]
fn serve_with_early_data_answers_a_post_in_early_data_425_and_serves_a_get() {
    let ca = Ca::new();
    let site = www();
    let dir = TempDir::new("too-early");
    let log = dir.join("serve.log");
    let (_server, port) = serve_logged(&ca, site.path(), &log, &["--early-data"]);
    let root = ca.root().display().to_string();
    let addr = format!("localhost:{port}");
    let s = |name: &str| dir.join(name).display().to_string();

    let (code, _, err) = connect(
        &["--cacert", &root, "--sess-out", &s("s1.pem"), &addr],
        HTTP_GET,
    );
    assert_eq!(code, Some(0), "{err}");

    // A POST as early data: 425, never processed.
    let post = dir.write(
        "post.txt",
        b"POST /hello.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    );
    let args = resume_with_early_data(&root, &s("s1.pem"), Some(&s("s2.pem")), &post);
    let (code, out, err) = connect(&strs(&args, &addr), b"");
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("bytes accepted by the server"), "{err}");
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 425"), "{text}\n{err}");

    // A GET as early data: served.
    let get = dir.write("get.txt", HTTP_GET);
    let args = resume_with_early_data(&root, &s("s2.pem"), None, &get);
    let (code, out, err) = connect(&strs(&args, &addr), b"");
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("bytes accepted by the server"), "{err}");
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}\n{err}");
    assert!(text.contains("hello from padlock"), "{text}");

    let lines = wait_log(&log, 3);
    assert!(
        lines[1].contains("\"POST /hello.txt HTTP/1.1\" 425") && lines[1].contains("early-data"),
        "{lines:?}"
    );
    assert!(
        lines[2].contains("\"GET /hello.txt HTTP/1.1\" 200") && lines[2].contains("early-data"),
        "{lines:?}"
    );
}

/// An HTTP/2 client's first bytes (RFC 9113 §3.4): the preface, an empty SETTINGS, and one
/// request on stream 1 whose header block is `header_block` (HPACK, RFC 7541).
fn h2_request(header_block: &[u8]) -> Vec<u8> {
    let mut wire = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    wire.extend([0, 0, 0, 0x4, 0, 0, 0, 0, 0]); // SETTINGS, no parameters
    let len = u32::try_from(header_block.len()).unwrap().to_be_bytes();
    wire.extend(&len[1..]);
    wire.extend([0x1, 0x5, 0, 0, 0, 1]); // HEADERS, END_STREAM | END_HEADERS, stream 1
    wire.extend(header_block);
    wire
}

/// HPACK for `:method METHOD, :scheme https, :path PATH, :authority localhost`: the
/// method by its static-table index (2 GET, 3 POST), the path and authority as literals
/// with an indexed name (RFC 7541 §6.2.1, Appendix A).
fn hpack(method_index: u8, path: &str) -> Vec<u8> {
    let mut block = vec![0x80 | method_index, 0x87, 0x44, path.len() as u8];
    block.extend(path.as_bytes());
    block.extend([0x41, 9]);
    block.extend(b"localhost");
    block
}

#[test]
fn serve_with_early_data_counts_http2_streams_425_for_a_post_and_serves_a_get() {
    let ca = Ca::new();
    let site = www();
    let dir = TempDir::new("too-early-h2");
    let log = dir.join("serve.log");
    let (_server, port) = serve_logged(&ca, site.path(), &log, &["--early-data"]);
    let root = ca.root().display().to_string();
    let addr = format!("localhost:{port}");
    let s = |name: &str| dir.join(name).display().to_string();
    // HTTP/2 ends a connection whose client half-closed, answered or not: so stdin (and
    // the client's side) stays open until the server logged the `n`-th request.
    let h2 = |args: &[String], input: &[u8], n: usize| {
        let mut cmd = Command::new(PADLOCK);
        cmd.args(["connect", "--alpn", "h2"]).args(args).arg(&addr);
        let mut p = PeerProcess::spawn("padlock connect", cmd);
        p.write_stdin(input);
        let logged = wait_log(&log, n).len();
        p.close_stdin();
        let _ = p.wait_exit(WAIT);
        assert_eq!(logged, n, "{}", p.output_text());
        p.stderr_text()
    };

    let get = h2_request(&hpack(2, "/hello.txt"));
    let first = ["--cacert", &root, "--sess-out", &s("s1.pem")].map(String::from);
    h2(&first, &get, 1);
    let post = dir.write("post.h2", &h2_request(&hpack(3, "/hello.txt")));
    let args = resume_with_early_data(&root, &s("s1.pem"), Some(&s("s2.pem")), &post);
    let err = h2(&args, b"", 2);
    assert!(err.contains("bytes accepted by the server"), "{err}");
    let early_get = dir.write("get.h2", &get);
    let err = h2(
        &resume_with_early_data(&root, &s("s2.pem"), None, &early_get),
        b"",
        3,
    );
    assert!(err.contains("bytes accepted by the server"), "{err}");

    let lines = wait_log(&log, 3);
    assert!(
        lines[0].contains("\"GET /hello.txt HTTP/2.0\" 200") && !lines[0].contains("early-data"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("\"POST /hello.txt HTTP/2.0\" 425") && lines[1].contains("early-data"),
        "{lines:?}"
    );
    assert!(
        lines[2].contains("\"GET /hello.txt HTTP/2.0\" 200") && lines[2].contains("early-data"),
        "{lines:?}"
    );
}

#[test]
fn serve_proxying_early_data_tells_the_upstream_early_data_1_and_keeps_unsafe_requests_from_it() {
    let ca = Ca::new();
    let site = www();
    let dir = TempDir::new("early-proxy");
    let log = dir.join("serve.log");
    let upstream = format!("http://{}", serve_support::echo_upstream());
    let (_server, port) = serve_logged(
        &ca,
        site.path(),
        &log,
        &["--early-data", "--proxy", &upstream],
    );
    let root = ca.root().display().to_string();
    let addr = format!("localhost:{port}");
    let s = |name: &str| dir.join(name).display().to_string();

    // After the handshake: no Early-Data header upstream.
    let (code, out, err) = connect(
        &["--cacert", &root, "--sess-out", &s("s1.pem"), &addr],
        HTTP_GET,
    );
    assert_eq!(code, Some(0), "{err}");
    let seen = String::from_utf8_lossy(&out).to_ascii_lowercase();
    assert!(seen.contains("get /hello.txt http/1.1"), "{seen}");
    assert!(!seen.contains("early-data"), "{seen}");

    // A GET in early data reaches the upstream marked `Early-Data: 1` (RFC 8470 §5.1).
    let get = dir.write("get.txt", HTTP_GET);
    let args = resume_with_early_data(&root, &s("s1.pem"), Some(&s("s2.pem")), &get);
    let (code, out, err) = connect(&strs(&args, &addr), b"");
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("bytes accepted by the server"), "{err}");
    let seen = String::from_utf8_lossy(&out).to_ascii_lowercase();
    assert!(seen.contains("early-data: 1"), "{seen}");

    // A POST in early data is answered 425 by padlock: the upstream never sees it.
    let post = dir.write(
        "post.txt",
        b"POST /api HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let args = resume_with_early_data(&root, &s("s2.pem"), None, &post);
    let (code, out, err) = connect(&strs(&args, &addr), b"");
    assert_eq!(code, Some(0), "{err}");
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 425"), "{text}");
    assert!(!text.to_ascii_lowercase().contains("post /api"), "{text}");
}

// ---------------------------------------------------------------------------------------
// TLS 1.2: RFC 5077 tickets and session ids, both ways
// ---------------------------------------------------------------------------------------

#[test]
fn openssl_s_client_tls12_resumes_against_padlock_listen_by_ticket_and_by_session_id() {
    let Some(fx) = Fixtures::get() else { return };
    let dir = TempDir::new("resume12-openssl");
    let (p, port) = listen(&fx.ecdsa_server, &[]);
    // With tickets (the default), then without (-no_ticket: the session id).
    for (name, extra) in [("ticket", &[][..]), ("id", &["-no_ticket"][..])] {
        let session = dir.join(&format!("{name}.pem")).display().to_string();
        let first: Vec<&str> = [&["-sess_out", &session][..], extra].concat();
        let (out, all) = s_client(&fx.openssl, "-tls1_2", port, &fx.ecdsa_ca.cert, &first, GET);
        assert!(out.contains("New, TLSv1.2"), "{all}\n{}", p.output_text());
        let again: Vec<&str> = [&["-sess_in", &session][..], extra].concat();
        let (out, all) = s_client(&fx.openssl, "-tls1_2", port, &fx.ecdsa_ca.cert, &again, GET);
        assert!(
            out.contains("Reused, TLSv1.2"),
            "{name}: {all}\n{}",
            p.output_text()
        );
        assert!(out.contains("Resumed"), "the page: {all}");
    }
}

#[test]
fn gnutls_cli_tls12_resumes_against_padlock_listen_by_ticket_and_by_session_id() {
    let Some(fx) = Fixtures::get() else { return };
    let Some(gnutls) = require_peer("gnutls-cli") else {
        return;
    };
    let (p, port) = listen(&fx.ecdsa_server, &["-v"]);
    for extra in [
        &["--priority", TLS12_ONLY][..],
        &["--priority", TLS12_ONLY, "--noticket"][..],
    ] {
        let run = gnutls_cli_resume(&gnutls, port, &fx.ecdsa_ca.cert, extra);
        assert!(
            run.resumed() && run.stdout.contains("(TLS1.2-"),
            "{extra:?}: {run}{}",
            listen_log(&p)
        );
    }
}

/// gnutls's priority string for TLS 1.2 alone.
const TLS12_ONLY: &str = "NORMAL:-VERS-ALL:+VERS-TLS1.2";

/// `openssl s_server -tls1_2 -www` with `extra` on a free port.
fn s_server_tls12(openssl: &Path, cert: &Issued, extra: &[&str]) -> (PeerProcess, u16) {
    on_free_port("openssl s_server", |port| {
        let mut cmd = Command::new(openssl);
        cmd.args(["s_server", "-tls1_2", "-www"])
            .args(extra)
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert.chain)
            .arg("-key")
            .arg(&cert.key);
        let mut server = PeerProcess::spawn("openssl s_server", cmd);
        server
            .wait_stdout_while_running(b"ACCEPT", WAIT)
            .then_some(server)
    })
}

/// `padlock connect --tls-version 1.2` twice to `addr`: saving the session, then resuming
/// it; the second run's stderr (with -v).
fn connect_tls12_twice(ca: &str, addr: &str, session: &str, input: &[u8]) -> String {
    let tls12 = ["--tls-version", "1.2", "--cacert", ca];
    let first: Vec<&str> = [&tls12[..], &["--sess-out", session, addr]].concat();
    let (code, _, err) = connect(&first, input);
    assert_eq!(code, Some(0), "{err}");
    let saved = std::fs::read_to_string(session).unwrap_or_default();
    assert!(saved.contains("protocol: TLSv1.2"), "{saved}\n{err}");
    let again: Vec<&str> = [&["-v"][..], &tls12, &["--sess-in", session, addr]].concat();
    let (code, _, err) = connect(&again, input);
    assert_eq!(code, Some(0), "{err}");
    err
}

#[test]
fn padlock_connect_tls12_resumes_against_openssl_s_server_by_ticket_and_by_session_id() {
    let Some(fx) = Fixtures::get() else { return };
    let dir = TempDir::new("connect12-openssl");
    let ca = fx.ecdsa_ca.cert.display().to_string();
    for (name, extra) in [("ticket", &[][..]), ("id", &["-no_ticket"][..])] {
        let (server, port) = s_server_tls12(&fx.openssl, &fx.ecdsa_server, extra);
        let session = dir.join(&format!("{name}.pem")).display().to_string();
        let err = connect_tls12_twice(&ca, &format!("localhost:{port}"), &session, GET);
        assert!(
            err.contains("handshake: Resumed") && err.contains("session resumed"),
            "{name}: {err}\n{}",
            server.output_text()
        );
        let how = if name == "ticket" {
            "sealed in the ticket"
        } else {
            "it cached"
        };
        assert!(err.contains(how), "{name}: {err}");
    }
}

#[test]
fn padlock_connect_tls12_resumes_against_gnutls_serv_by_ticket_and_by_session_id() {
    let Some(fx) = Fixtures::get() else { return };
    let Some(gnutls) = require_peer("gnutls-serv") else {
        return;
    };
    let dir = TempDir::new("connect12-gnutls");
    let ca = fx.ecdsa_ca.cert.display().to_string();
    for (name, extra) in [("ticket", &[][..]), ("id", &["--noticket"][..])] {
        let args: Vec<&str> = [&["--priority", TLS12_ONLY][..], extra].concat();
        let (server, port) = gnutls_serv(&gnutls, &fx.ecdsa_server, &args);
        let session = dir.join(&format!("{name}.pem")).display().to_string();
        let err = connect_tls12_twice(&ca, &format!("localhost:{port}"), &session, b"hi\n");
        assert!(
            err.contains("handshake: Resumed"),
            "{name}: {err}\n{}",
            server.output_text()
        );
    }
}

#[test]
fn curl_tls12_resumes_its_session_for_a_second_url_against_padlock_serve() {
    if let Some(lines) = curl_two_urls(&["--tls-max", "1.2"]) {
        assert!(lines.iter().all(|l| l.contains("TLSv1.2")), "{lines:?}");
    }
}

#[test]
fn padlock_get_tls12_resumes_its_session_for_a_second_url() {
    let ca = Ca::new();
    let site = www();
    let dir = TempDir::new("get-resume12");
    let log = dir.join("serve.log");
    let (_server, port) = serve_logged(&ca, site.path(), &log, &[]);
    let mut cmd = Command::new(PADLOCK);
    cmd.args(["get", "-v", "--http1.1", "--tls-version", "1.2", "--cacert"])
        .arg(ca.root())
        .arg(format!("https://localhost:{port}/hello.txt"))
        .arg(format!("https://localhost:{port}/1k.bin"))
        .env("PADLOCK_HOME", ca.home.path());
    let out = serve_support::run(&mut cmd);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("resumption offered (TLS 1.2 session)"),
        "{err}"
    );
    assert!(
        err.contains("session resumed (abbreviated handshake)"),
        "{err}"
    );
    let lines = wait_log(&log, 2);
    assert!(
        lines.len() == 2 && lines[1].contains("resumed"),
        "{lines:?}"
    );
}
