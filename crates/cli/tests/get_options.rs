//! `padlock get`'s curl-like options, each against `padlock serve` and, where the server's
//! side matters (redirects, JSON, compression), against a small Python `http.server`:
//! -f/--fail, -i, -w, -C -, --json, -L and its cross-origin rules, --compressed, and the
//! one-line errors (a server's TLS alert, http:// to a TLS port, a refused connection).

mod serve_support;

use std::process::{Command, Output, Stdio};

use serve_support::*;

fn get(ca: &Ca, args: &[&str]) -> Output {
    let mut c = Command::new(PADLOCK);
    c.arg("get").arg("--cacert").arg(ca.root()).args(args);
    c.env("PADLOCK_HOME", ca.home.path());
    run(&mut c)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A Python HTTP server on a free port: `/echo` answers with the method, the headers and
/// the body it got; `/redirect/CODE?to=URL` answers CODE with Location URL; `/gzip`, `/br`
/// and `/deflate` send a compressed text (br only when Python has brotli, else 404).
const PY_SERVER: &str = r#"
import gzip, json, sys, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

TEXT = b"compressed hello from python\n" * 20

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def handle_any(self):
        u = urlparse(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if u.path == "/echo":
            lines = [self.command] + ["%s: %s" % (k.lower(), v) for k, v in self.headers.items()]
            self.reply(200, ("\n".join(lines) + "\n\n").encode() + body)
        elif u.path.startswith("/redirect/"):
            code = int(u.path.rsplit("/", 1)[1])
            self.reply(code, b"", [("Location", parse_qs(u.query)["to"][0])])
        elif u.path == "/gzip":
            self.reply(200, gzip.compress(TEXT), [("Content-Encoding", "gzip")])
        elif u.path == "/deflate":
            self.reply(200, zlib.compress(TEXT), [("Content-Encoding", "deflate")])
        elif u.path == "/loop":
            self.reply(302, b"", [("Location", "/loop")])
        else:
            self.reply(404, b"not here\n")
    do_GET = do_POST = do_PUT = do_HEAD = handle_any

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"#;

fn python_server(dir: &TempDir) -> Option<(Guard, u16)> {
    let python = peer("python3")?;
    let script = dir.write("server.py", PY_SERVER.as_bytes());
    Some(spawn_listening("python3 http.server", |port| {
        let mut cmd = Command::new(&python);
        cmd.arg(&script)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }))
}

#[test]
fn fail_exits_22_on_an_http_error_and_writes_no_body() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let missing = format!("https://localhost:{port}/missing");
    let out = get(&ca, &[&missing]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = get(&ca, &["-f", &missing]);
    assert_eq!(out.status.code(), Some(22), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("404"), "{}", text(&out.stderr));
    let out = get(&ca, &["-f", "-s", &missing]);
    assert_eq!(out.status.code(), Some(22));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let out = get(&ca, &["-fsS", &missing]);
    assert_eq!(out.status.code(), Some(22));
    assert!(text(&out.stderr).contains("404"), "{}", text(&out.stderr));
}

#[test]
fn include_prints_the_status_line_and_headers_before_the_body() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let out = get(
        &ca,
        &[
            "-i",
            "--http1.1",
            &format!("https://localhost:{port}/hello.txt"),
        ],
    );
    let shown = text(&out.stdout);
    assert!(shown.starts_with("HTTP/1.1 200 OK\n"), "{shown}");
    assert!(shown.contains("\ncontent-length: 19\n"), "{shown}");
    assert!(shown.ends_with("\n\nhello from padlock\n"), "{shown}");
}

#[test]
fn write_out_reports_the_transfer() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let url = format!("https://localhost:{port}/hello.txt");
    let out = get(
        &ca,
        &[
            "-o",
            www.join("out").to_str().unwrap(),
            "-w",
            "%{http_code} %{size_download} %{url_effective} %{ssl_version} %{http_version} %{remote_ip}\\n",
            &url,
        ],
    );
    assert_eq!(
        text(&out.stdout),
        format!("200 19 {url} TLSv1.3 2 127.0.0.1\n"),
        "{}",
        text(&out.stderr)
    );
    let out = get(&ca, &["-s", "-w", "%{time_total}", &url]);
    let shown = text(&out.stdout);
    let time: f64 = shown
        .trim_start_matches("hello from padlock\n")
        .parse()
        .unwrap();
    assert!(time > 0.0 && time < 60.0, "{shown}");
}

#[test]
fn continue_at_resumes_a_download_into_the_output_file() {
    let ca = Ca::new();
    let www = www();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(www.join("big.bin"), &data).unwrap();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let url = format!("https://localhost:{port}/big.bin");
    let out_file = www.join("partial.bin");
    std::fs::write(&out_file, &data[..123_457]).unwrap();
    let out = get(&ca, &["-C", "-", "-o", out_file.to_str().unwrap(), &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        std::fs::read(&out_file).unwrap() == data,
        "the resumed file differs"
    );
    // Already complete: the server answers 416, and that is success.
    let out = get(&ca, &["-C", "-", "-o", out_file.to_str().unwrap(), &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read(&out_file).unwrap() == data);
}

#[test]
fn continue_at_refuses_a_server_that_ignores_the_range() {
    let dir = TempDir::new("py");
    let Some((_server, port)) = python_server(&dir) else {
        return;
    };
    let ca = Ca::new();
    let out_file = dir.join("partial");
    std::fs::write(&out_file, b"0123").unwrap();
    let out = get(
        &ca,
        &[
            "-C",
            "-",
            "-o",
            out_file.to_str().unwrap(),
            &format!("http://127.0.0.1:{port}/echo"),
        ],
    );
    assert_eq!(out.status.code(), Some(33), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&out_file).unwrap(), b"0123");
}

#[test]
fn json_posts_with_json_content_type_and_accept() {
    let dir = TempDir::new("py");
    let Some((_server, port)) = python_server(&dir) else {
        return;
    };
    let ca = Ca::new();
    let out = get(
        &ca,
        &[
            "--json",
            r#"{"a":1}"#,
            &format!("http://127.0.0.1:{port}/echo"),
        ],
    );
    let seen = text(&out.stdout);
    assert!(seen.starts_with("POST\n"), "{seen}");
    assert!(seen.contains("content-type: application/json\n"), "{seen}");
    assert!(seen.contains("accept: application/json\n"), "{seen}");
    assert!(seen.ends_with("\n\n{\"a\":1}"), "{seen}");
}

#[test]
fn location_follows_redirects_with_curls_rules() {
    let dir = TempDir::new("py");
    let Some((_a, a)) = python_server(&dir) else {
        return;
    };
    let dir_b = TempDir::new("py");
    let Some((_b, b)) = python_server(&dir_b) else {
        return;
    };
    let ca = Ca::new();
    let creds = ["-H", "Authorization: Bearer secret", "-H", "Cookie: s=1"];
    let via = |code: u16, to: &str| format!("http://127.0.0.1:{a}/redirect/{code}?to={to}");

    // Without -L: the redirect itself.
    let out = get(&ca, &["-w", "%{http_code}", &via(302, "/echo")]);
    assert_eq!(text(&out.stdout), "302");

    // Same origin: credentials kept; 302 after POST becomes GET without the body.
    let mut args = vec!["-L", "-d", "x=1"];
    args.extend(creds);
    let url = via(302, "/echo");
    args.push(&url);
    let seen = text(&get(&ca, &args).stdout);
    assert!(seen.starts_with("GET\n"), "{seen}");
    assert!(seen.contains("authorization: Bearer secret"), "{seen}");
    assert!(seen.contains("cookie: s=1"), "{seen}");
    assert!(!seen.contains("x=1"), "{seen}");

    // 307 repeats the POST with its body.
    let url = via(307, "/echo");
    let seen = text(&get(&ca, &["-L", "-d", "x=1", &url]).stdout);
    assert!(
        seen.starts_with("POST\n") && seen.ends_with("x=1"),
        "{seen}"
    );

    // Another origin (another port): credentials dropped.
    let other = format!("http://127.0.0.1:{b}/echo");
    let mut args = vec!["-L"];
    args.extend(creds);
    let url = via(301, &other);
    args.extend(["-w", "\n%{url_effective} %{num_redirects}"]);
    args.push(&url);
    let seen = text(&get(&ca, &args).stdout);
    assert!(!seen.contains("secret") && !seen.contains("s=1"), "{seen}");
    assert!(seen.ends_with(&format!("{other} 1")), "{seen}");

    // A loop stops at --max-redirs with curl's 47.
    let out = get(
        &ca,
        &[
            "-L",
            "--max-redirs",
            "5",
            &format!("http://127.0.0.1:{a}/loop"),
        ],
    );
    assert_eq!(out.status.code(), Some(47), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("5 redirects"));
}

#[test]
fn location_follows_padlock_serves_folder_redirect() {
    let ca = Ca::new();
    let www = www();
    std::fs::create_dir(www.join("sub")).unwrap();
    std::fs::write(www.join("sub/index.html"), b"inside\n").unwrap();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let out = get(
        &ca,
        &[
            "-L",
            "-w",
            "%{num_redirects} %{url_effective}",
            &format!("https://localhost:{port}/sub"),
        ],
    );
    assert_eq!(
        text(&out.stdout),
        format!("inside\n1 https://localhost:{port}/sub/")
    );
}

#[test]
fn compressed_asks_for_and_decodes_gzip_and_deflate() {
    let dir = TempDir::new("py");
    let Some((_server, port)) = python_server(&dir) else {
        return;
    };
    let ca = Ca::new();
    let expected = "compressed hello from python\n".repeat(20);
    for coding in ["gzip", "deflate"] {
        let url = format!("http://127.0.0.1:{port}/{coding}");
        let out = get(&ca, &["--compressed", &url]);
        assert_eq!(
            text(&out.stdout),
            expected,
            "{coding}: {}",
            text(&out.stderr)
        );
        // Without --compressed the bytes arrive as sent.
        let out = get(&ca, &[&url]);
        assert_ne!(text(&out.stdout), expected, "{coding}");
    }
    let echo = get(
        &ca,
        &["--compressed", &format!("http://127.0.0.1:{port}/echo")],
    );
    assert!(
        text(&echo.stdout).contains("accept-encoding: gzip, deflate, br"),
        "{}",
        text(&echo.stdout)
    );
}

#[test]
fn a_refused_client_certificate_reads_as_the_servers_alert() {
    let ca = Ca::new();
    let www = www();
    let root = ca.root();
    let (_server, port) = serve(&ca, www.path(), &["--client-ca", root.to_str().unwrap()]);
    for version in ["--http1.1", "--http2"] {
        let out = get(
            &ca,
            &[version, &format!("https://localhost:{port}/hello.txt")],
        );
        let said = text(&out.stderr);
        assert_eq!(out.status.code(), Some(35), "{said}");
        assert!(
            said.starts_with(
                "padlock: the server refused our client certificate: certificate_required"
            ),
            "{version}: {said}"
        );
        assert_eq!(said.lines().count(), 1, "{said}");
    }
}

#[test]
fn plain_http_to_a_tls_port_suggests_https() {
    let ca = Ca::new();
    let www = www();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let out = get(&ca, &[&format!("http://localhost:{port}/hello.txt")]);
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(56), "{said}");
    assert!(
        said.contains(&format!("try https://localhost:{port}/hello.txt")),
        "{said}"
    );
}

#[test]
fn connection_errors_are_one_line_without_a_repeated_prefix() {
    let ca = Ca::new();
    let port = free_port();
    let out = get(&ca, &[&format!("https://127.0.0.1:{port}/")]);
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(!said.contains("error: connection error"), "{said}");
}

/// `padlock get ARGS` with a terminal on stdout and stderr (util-linux `script`): what
/// the terminal showed.
fn on_a_terminal(script: &std::path::Path, ca: &Ca, args: &[&str]) -> String {
    let mut line = format!("{PADLOCK} get --cacert {}", ca.root().display());
    for a in args {
        line.push(' ');
        line.push_str(a);
    }
    let out = run(Command::new(script).args(["-qec", &line, "/dev/null"]));
    text(&out.stdout)
}

#[test]
fn a_long_download_shows_a_progress_bar_on_a_terminal_unless_silent() {
    let Some(script) = peer("script") else {
        return;
    };
    let ca = Ca::new();
    let www = www();
    std::fs::write(www.join("big.bin"), vec![5u8; 3 << 20]).unwrap();
    let (_server, port) = serve(&ca, www.path(), &[]);
    let url = format!("https://localhost:{port}/big.bin");
    let out = www.join("out.bin");
    let shown = on_a_terminal(&script, &ca, &["-o", out.to_str().unwrap(), &url]);
    assert!(
        shown.contains("100%") && shown.contains("3.00 MiB"),
        "{shown:?}"
    );
    assert_eq!(std::fs::read(&out).unwrap().len(), 3 << 20);
    let shown = on_a_terminal(&script, &ca, &["-s", "-o", out.to_str().unwrap(), &url]);
    assert_eq!(shown, "");
    // A short file: no bar.
    let small = format!("https://localhost:{port}/hello.txt");
    let shown = on_a_terminal(&script, &ca, &["-o", out.to_str().unwrap(), &small]);
    assert_eq!(shown, "");
}
