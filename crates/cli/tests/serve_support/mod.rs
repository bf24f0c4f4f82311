//! Shared helpers for the `padlock serve` / `padlock get` end-to-end tests: a local CA in a
//! temporary PADLOCK_HOME, `padlock serve` on a free port, a web folder, and what the
//! browser test needs. Temporary folders, free ports, child processes and peers come from
//! `padlock-test-support`: a child runs in its own process group, and the whole group is
//! killed and waited for when its guard drops.
#![allow(dead_code, unused_imports)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use padlock_crypto::{AwsLcProvider, HashAlgorithm, Provider};
use padlock_pki::ca::{InitOptions, IssueOptions, LocalCa};
use padlock_pki::SubjectName;
use padlock_test_support::process::{wait_until_catches, wait_until_listening};
pub use padlock_test_support::{free_port, on_free_port, require_peer as peer, Guard, TempDir};

/// The padlock binary under test.
pub const PADLOCK: &str = env!("CARGO_BIN_EXE_padlock");

/// How long a peer command (curl, chromium, wrk…) may run before the test fails.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Waits (bounded) until something accepts on `port`; fails the test if the server exits
/// first or nothing listens within 20 s.
pub fn wait_port(port: u16, child: &mut Child) {
    assert!(
        listening("the server", port, child),
        "the server exited before it listened on {port}"
    );
}

/// Starts the server `command` builds for a port, on a free port, and waits (bounded) until
/// it listens. A server that exits before it listens lost its port meanwhile (to an
/// outgoing connection's ephemeral port, say: `openssl s_server` then exits with status 0),
/// and starts again on another one.
pub fn spawn_listening(what: &str, mut command: impl FnMut(u16) -> Command) -> (Guard, u16) {
    on_free_port(what, |port| {
        let mut server = Guard::spawn(&mut command(port));
        listening(what, port, &mut server.0).then_some(server)
    })
}

/// Whether `child` listens on `port` within 20 s: the port answers and the socket that
/// listens there is the child's (see `holds_listener`). False when it exits first; the
/// test fails when it does not listen in that time.
fn listening(what: &str, port: u16, child: &mut Child) -> bool {
    let pid = child.id();
    let running = || !matches!(child.try_wait(), Ok(Some(_)));
    if wait_until_listening(pid, port, Duration::from_secs(20), running) {
        return true;
    }
    if let Ok(Some(status)) = child.try_wait() {
        eprintln!("{what} exited with {status} before it listened on {port}");
        return false;
    }
    let who = if padlock_test_support::wait_for_port(port, Duration::from_millis(200)) {
        "another process"
    } else {
        "nothing"
    };
    panic!("{what} did not listen on port {port} within 20 s ({who} answers there)");
}

/// Runs a command to its end with a bounded wait (the peers get their own timeouts too);
/// nothing it started is left running.
pub fn run(cmd: &mut Command) -> Output {
    padlock_test_support::run_bounded(cmd, COMMAND_TIMEOUT)
}

/// A PADLOCK_HOME with the local CA already made, plus a client certificate.
pub struct Ca {
    pub home: TempDir,
}

impl Ca {
    pub fn new() -> Ca {
        let home = TempDir::new("home");
        let provider = AwsLcProvider;
        LocalCa::open_or_init(&provider, home.path(), InitOptions::default()).unwrap();
        Ca { home }
    }
    pub fn root(&self) -> PathBuf {
        self.home.join("ca/root.pem")
    }
    pub fn leaf_chain(&self) -> PathBuf {
        self.home.join("ca/localhost.chain.pem")
    }
    pub fn leaf_key(&self) -> PathBuf {
        self.home.join("ca/localhost.key.pem")
    }
    /// Issues a client certificate for `name`; returns (chain, key) paths.
    pub fn client_cert(&self, name: &str) -> (PathBuf, PathBuf) {
        let provider = AwsLcProvider;
        let ca = LocalCa::open(&provider, self.home.path()).unwrap();
        let issued = ca
            .issue(
                &[SubjectName::Dns(name.to_string())],
                IssueOptions {
                    client: true,
                    days: 30,
                },
            )
            .unwrap();
        let chain = self.home.join(&format!("{name}.chain.pem"));
        let key = self.home.join(&format!("{name}.key.pem"));
        std::fs::write(&chain, issued.chain_pem).unwrap();
        std::fs::write(&key, issued.key_pem).unwrap();
        (chain, key)
    }
}

/// `padlock serve` on a free port with PADLOCK_HOME = the CA's home; waits until it
/// listens. Returns the guard and the port.
pub fn serve(ca: &Ca, dir: &Path, extra: &[&str]) -> (Guard, u16) {
    serve_logging_to(ca, dir, extra, None)
}

/// [`serve`] with the server's stderr (its access log) going to `log`.
pub fn serve_logged(ca: &Ca, dir: &Path, log: &Path, extra: &[&str]) -> (Guard, u16) {
    serve_logging_to(ca, dir, extra, Some(log))
}

fn serve_logging_to(ca: &Ca, dir: &Path, extra: &[&str], log: Option<&Path>) -> (Guard, u16) {
    spawn_listening("padlock serve", |port| {
        let mut cmd = serve_command(ca, dir, port, extra);
        cmd.stderr(match log {
            Some(log) => std::fs::File::create(log).unwrap().into(),
            None => Stdio::null(),
        });
        cmd
    })
}

/// The command for `padlock serve` on 127.0.0.1:`port` with PADLOCK_HOME = the CA's home,
/// its output discarded; not started.
pub fn serve_command(ca: &Ca, dir: &Path, port: u16, extra: &[&str]) -> Command {
    let mut cmd = Command::new(PADLOCK);
    cmd.args(["serve", "--dir"])
        .arg(dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("PADLOCK_HOME", ca.home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// A web folder with a few files.
pub fn www() -> TempDir {
    let dir = TempDir::new("www");
    std::fs::write(dir.join("hello.txt"), b"hello from padlock\n").unwrap();
    std::fs::write(
        dir.join("index.html"),
        b"<!doctype html><html><head><title>padlock test</title></head><body><h1 id=\"greeting\">Hello over HTTPS</h1></body></html>\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("files")).unwrap();
    std::fs::write(dir.join("files/a & b.txt"), b"ab").unwrap();
    let kib: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("1k.bin"), kib).unwrap();
    dir
}

/// SHA-256 of `data`, hex.
pub fn sha256_hex(data: &[u8]) -> String {
    AwsLcProvider
        .hash_once(HashAlgorithm::Sha256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// base64(SHA-256(SubjectPublicKeyInfo)) of the first certificate in a PEM chain: what
/// Chromium's --ignore-certificate-errors-spki-list takes.
pub fn spki_pin(chain_pem: &Path) -> String {
    let text = std::fs::read(chain_pem).unwrap();
    let blocks = padlock_pki::pem::parse_all(&text).unwrap();
    let cert = padlock_pki::Certificate::from_der(&blocks[0].der).unwrap();
    let spki = cert.subject_public_key_info().der;
    base64(
        AwsLcProvider
            .hash_once(HashAlgorithm::Sha256, spki)
            .as_ref(),
    )
}

/// Headless Chromium with a fresh profile in `profile`, quiet and bounded (15 s); the
/// caller adds what to load and how.
pub fn chromium(profile: &TempDir) -> Command {
    let mut c = Command::new("chromium");
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--timeout=15000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()));
    c
}

/// The parts of a multipart/byteranges body: (Content-Range, data) each.
pub fn byteranges(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type
        .split_once("boundary=")
        .map(|(_, b)| b.trim())
        .unwrap_or_else(|| panic!("no boundary in {content_type:?}"));
    let delimiter = format!("\r\n--{boundary}");
    let text = body;
    let mut parts = Vec::new();
    let mut at = 0;
    let find = |from: usize, needle: &[u8]| {
        text[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    while let Some(start) = find(at, delimiter.as_bytes()) {
        let after = start + delimiter.len();
        if text[after..].starts_with(b"--") {
            break;
        }
        let head_end = find(after, b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&text[after..head_end]).into_owned();
        let range = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Range: "))
            .unwrap_or_default()
            .to_string();
        let data_start = head_end + 4;
        let data_end = find(data_start, delimiter.as_bytes()).unwrap();
        parts.push((range, text[data_start..data_end].to_vec()));
        at = data_end;
    }
    parts
}

/// curl `-r ranges` against `url`: (status, content type, body).
pub fn curl_range(ca: &Ca, url: &str, ranges: &str) -> (String, String, Vec<u8>) {
    let out = run(Command::new("curl")
        .args(["-sS", "--max-time", "60", "--cacert"])
        .arg(ca.root())
        .args(["-r", ranges, "-D", "-", "--http1.1"])
        .arg(url));
    let split = out
        .stdout
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&out.stdout[..split]).into_owned();
    let status = head.lines().next().unwrap_or_default().to_string();
    let content_type = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, content_type, out.stdout[split + 4..].to_vec())
}

/// An upstream on a free port that answers each request with the request head it received.
pub fn echo_upstream() -> std::net::SocketAddr {
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let up = upstream.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in upstream.incoming().take(8) {
            let Ok(mut c) = conn else { return };
            let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                got.len()
            );
            let _ = c.write_all(head.as_bytes());
            let _ = c.write_all(&got);
        }
    });
    up
}

/// Sends `sig` (`"INT"`, `"HUP"`) to the server, once it has a handler for it: `padlock
/// serve` installs its handlers after it starts listening, and a signal before that would
/// kill it instead of testing what it does.
pub fn signal(guard: &Guard, sig: &str) {
    let number = match sig {
        "HUP" => 1,
        "INT" => 2,
        "TERM" => 15,
        other => panic!("no signal number for {other}"),
    };
    assert!(
        wait_until_catches(guard.id(), number, Duration::from_secs(10)),
        "padlock serve never installed a SIG{sig} handler"
    );
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(guard.0.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// nginx serving `www` over HTTPS (HTTP/1.1 and HTTP/2) with the local CA's leaf and
/// `ssl_protocols` `protocols` (e.g. `TLSv1.3`, `TLSv1.2`), its files under `conf_dir`;
/// `None` when nginx is missing (and peers are not required).
pub fn start_nginx(
    ca: &Ca,
    www: &TempDir,
    conf_dir: &TempDir,
    protocols: &str,
) -> Option<(Guard, u16)> {
    let nginx = peer("nginx")?;
    for d in ["tmp", "logs"] {
        std::fs::create_dir_all(conf_dir.join(d)).unwrap();
    }
    // One process, in the foreground (master_process off, daemon off): the test's guard
    // then holds nginx whole. With a master and a worker, killing the master left the
    // worker serving after every `cargo test` (the guard now kills the process group too).
    let nginx_on = |port: u16| {
        let conf = format!(
            "master_process off;\n\
             daemon off;\n\
             worker_processes 1;\n\
             error_log {dir}/logs/error.log;\n\
             pid {dir}/nginx.pid;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {dir}/tmp/body; proxy_temp_path {dir}/tmp/proxy;\n\
               fastcgi_temp_path {dir}/tmp/fcgi; uwsgi_temp_path {dir}/tmp/uwsgi; scgi_temp_path {dir}/tmp/scgi;\n\
               types {{ text/plain txt; text/html html; }}\n\
               server {{\n\
                 listen 127.0.0.1:{port} ssl http2;\n\
                 ssl_certificate {chain};\n\
                 ssl_certificate_key {key};\n\
                 ssl_protocols {protocols};\n\
                 root {www};\n\
                 gzip on; gzip_min_length 1; gzip_types text/plain;\n\
               }}\n\
             }}\n",
            dir = conf_dir.path().display(),
            chain = ca.leaf_chain().display(),
            key = ca.leaf_key().display(),
            www = www.path().display(),
        );
        std::fs::write(conf_dir.join("nginx.conf"), conf).unwrap();
        let mut cmd = Command::new(&nginx);
        cmd.arg("-p")
            .arg(conf_dir.path())
            .args(["-c", "nginx.conf"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    Some(spawn_listening("nginx", nginx_on))
}
