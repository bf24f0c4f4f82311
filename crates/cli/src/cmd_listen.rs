//! `padlock listen`: a TLS 1.3 and 1.2 test server, like `openssl s_server -www`.
//!
//! Answers an HTTP/1.x GET with a small page listing what was negotiated, or echoes every
//! byte back with `--echo`. One thread per connection, at most `--max-connections` at once;
//! an error on one connection is logged and never stops the listener.

use padlock_pki::printable::escape_controls;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use padlock_tls::ticket::TicketKeyRing;
use padlock_tls::{ClientAuth, Connection, ServerConfig, Stream, WebPkiClientVerifier};

use crate::common;
use crate::protocol_args::ProtocolArgs;
use crate::server_trace::ConnectionLog;

/// Largest HTTP request head read before answering.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// How much 0-RTT data `--early-data` accepts (RFC 8446 §4.2.10; `openssl s_server
/// -early_data` accepts the same).
const EARLY_DATA_LIMIT: u32 = 16 * 1024;

/// Arguments of `padlock listen`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Certificate chain to present (PEM, leaf first).
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    /// Private key for --cert (PEM: PKCS#8, SEC1 or PKCS#1).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4433")]
    pub listen: SocketAddr,
    /// Ask clients for a certificate issued by a CA in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,
    /// With --client-ca: whether a client certificate is required or optional.
    #[arg(long, value_enum, default_value_t = ClientAuthMode::Required)]
    pub client_auth: ClientAuthMode,
    /// Cipher suites to accept, in preference order (IANA names, comma-separated).
    #[arg(long, value_name = "LIST")]
    pub suites: Option<String>,
    /// Key exchange groups to accept, in preference order (X25519MLKEM768,
    /// SecP256r1MLKEM768, MLKEM1024, x25519, secp256r1, secp384r1).
    #[arg(long, value_name = "LIST")]
    pub groups: Option<String>,
    /// Ask a client that supports a post-quantum group but sent only a classical key share
    /// for a post-quantum one (a HelloRetryRequest: one more round trip for it).
    #[arg(long)]
    pub insist_on_post_quantum: bool,
    /// Application protocols to accept (e.g. http/1.1).
    #[arg(long, value_name = "LIST")]
    pub alpn: Option<String>,
    /// Echo the client's bytes back instead of answering HTTP.
    #[arg(long)]
    pub echo: bool,
    /// Accept TLS 1.3 early data (0-RTT, up to 16 KiB) from clients resuming a session
    /// (like `openssl s_server -early_data`). The page says whether early data came; with
    /// --echo it is echoed first. Early data can be a replay: this is a test server.
    #[arg(long)]
    pub early_data: bool,
    /// Session-ticket keys from a file, in `padlock serve --ticket-keys`'s format (read
    /// once, at start): two servers with the same file resume each other's sessions.
    #[arg(long, value_name = "FILE")]
    pub ticket_keys: Option<PathBuf>,
    /// Most connections served at once; more wait in the kernel's backlog.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_connections: usize,
    /// Seconds a connection may stay idle before it is closed.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub idle_timeout: u64,
    /// Print each connection's handshake on stderr, a line per step, timed from when the
    /// client connected: the messages each way, a ticket offered, refused (and why) or
    /// resumed, each NewSessionTicket sent, and when the socket had them all.
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub protocol: ProtocolArgs,
}

/// Whether a client certificate is required.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuthMode {
    /// The handshake fails without a valid client certificate.
    Required,
    /// A client certificate is checked if sent.
    Optional,
}

/// Runs the command; returns the process exit code (it only returns on a setup error).
pub fn run(args: Args) -> anyhow::Result<i32> {
    let config = Arc::new(server_config(&args)?);
    let listener = TcpListener::bind(args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    eprintln!(
        "padlock listen: listening on {local} (https://{local}/){}",
        if args.echo { ", echo mode" } else { "" }
    );
    let active = Arc::new(AtomicUsize::new(0));
    let max = args.max_connections.max(1);
    let idle = Duration::from_secs(args.idle_timeout.max(1));
    for incoming in listener.incoming() {
        let sock = match incoming {
            Ok(sock) => sock,
            Err(e) => {
                eprintln!("padlock listen: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        while active.load(Ordering::Acquire) >= max {
            std::thread::sleep(Duration::from_millis(5));
        }
        let guard = ActiveGuard::new(&active);
        let config = config.clone();
        let echo = args.echo;
        let verbose = args.verbose;
        let spawned = std::thread::Builder::new()
            .name("padlock-conn".into())
            .spawn(move || {
                let _guard = guard;
                let peer = sock
                    .peer_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|_| "?".into());
                let log = verbose.then(|| Arc::new(ConnectionLog::new(&peer)));
                if let Err(e) = serve_one(config, sock, echo, idle, log) {
                    // The error may quote names from the client's certificate.
                    eprintln!(
                        "padlock listen: {peer}: {}",
                        escape_controls(&format!("{e:#}"))
                    );
                }
            });
        if let Err(e) = spawned {
            eprintln!("padlock listen: cannot start a connection thread: {e}");
        }
    }
    Ok(0)
}

fn server_config(args: &Args) -> anyhow::Result<ServerConfig> {
    let provider = common::provider();
    let cert = common::load_certified_key(provider.as_ref(), &args.cert, &args.key)?;
    let mut config = ServerConfig::new(provider.clone(), cert);
    if let Some(list) = &args.suites {
        config.cipher_suites = common::parse_suites(list)?;
    }
    config.insist_on_post_quantum = args.insist_on_post_quantum;
    if let Some(list) = &args.groups {
        config.groups = common::parse_groups(list)?;
    }
    if let Some(list) = &args.alpn {
        config.alpn_protocols = common::parse_alpn(list);
    }
    if args.early_data {
        config.max_early_data_size = EARLY_DATA_LIMIT;
    }
    if let Some(path) = &args.ticket_keys {
        let keys = padlock_https::ticket_keys::read_keys(path)?;
        let ring = TicketKeyRing::new(provider.clone(), keys)
            .with_context(|| format!("ticket keys from {}", path.display()))?;
        config.ticketer = Some(Arc::new(ring));
    }
    if let Some(path) = &args.client_ca {
        let roots = common::load_roots(path)?;
        let verifier = Arc::new(WebPkiClientVerifier::new(provider, roots));
        config.client_auth = match args.client_auth {
            ClientAuthMode::Required => ClientAuth::Required(verifier),
            ClientAuthMode::Optional => ClientAuth::Optional(verifier),
        };
    }
    args.protocol.apply_to_server(&mut config)?;
    Ok(config)
}

/// Serves one connection: handshake, then the page or the echo, then close_notify. With
/// `log` (`-v`), the connection's steps go to stderr.
fn serve_one(
    config: Arc<ServerConfig>,
    mut sock: TcpStream,
    echo: bool,
    idle: Duration,
    log: Option<Arc<ConnectionLog>>,
) -> anyhow::Result<()> {
    sock.set_read_timeout(Some(idle))?;
    sock.set_write_timeout(Some(idle))?;
    let _ = sock.set_nodelay(true);
    let config = match &log {
        // Its own copy, whose trace names this client; the ticketer, the strike register
        // and the session cache are shared handles, so resumption works across connections
        // as without -v.
        Some(log) => {
            let mut traced = (*config).clone();
            traced.trace = Some(log.clone());
            Arc::new(traced)
        }
        None => config,
    };
    let mut conn = Connection::server(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    Stream::new(&mut conn, &mut sock)
        .complete_handshake()
        .map_err(|e| anyhow::anyhow!("TLS handshake failed: {e}"))?;
    padlock_https::ack_promptly(&sock);
    if let Some(log) = &log {
        log.note("the handshake's last flight (and any tickets) written to the socket");
    }
    let early = read_early_data(&mut conn);
    if echo {
        if !early.is_empty() {
            let mut stream = Stream::new(&mut conn, &mut sock);
            stream.write_all(&early).context("writing")?;
            stream.flush()?;
        }
        echo_until_closed(&mut conn, &mut sock)?;
    } else {
        answer_http(&mut conn, &mut sock, early)?;
    }
    conn.send_close_notify();
    let _ = Stream::new(&mut conn, &mut sock).flush();
    let _ = sock.shutdown(std::net::Shutdown::Write);
    if let Some(log) = &log {
        log.note("close_notify sent, connection closed");
    }
    Ok(())
}

fn echo_until_closed(conn: &mut Connection, sock: &mut TcpStream) -> anyhow::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut stream = Stream::new(conn, sock);
    loop {
        let n = stream.read(&mut buf).context("reading")?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).context("writing")?;
        stream.flush()?;
    }
}

/// The 0-RTT data the client sent, if the server accepted some (bounded by
/// [`EARLY_DATA_LIMIT`]: the engine holds no more).
fn read_early_data(conn: &mut Connection) -> Vec<u8> {
    let mut early = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read_early_data(&mut buf);
        if n == 0 || early.len() + n > EARLY_DATA_LIMIT as usize {
            return early;
        }
        early.extend_from_slice(&buf[..n]);
    }
}

/// Reads a request head (starting with the bytes that came as early data, `early`) and
/// answers it.
fn answer_http(conn: &mut Connection, sock: &mut TcpStream, early: Vec<u8>) -> anyhow::Result<()> {
    let early_len = early.len();
    let mut head = early;
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = Stream::new(conn, sock)
            .read(&mut buf)
            .context("reading the request")?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_REQUEST_HEAD {
            anyhow::bail!("request head longer than {MAX_REQUEST_HEAD} bytes");
        }
    }
    let request_line = head
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .unwrap_or_default();
    let (status, body) = if request_line.starts_with("GET ") || request_line.starts_with("HEAD ") {
        ("200 OK", page(conn, &request_line, early_len))
    } else {
        ("405 Method Not Allowed", "only GET and HEAD\n".to_string())
    };
    let mut response = format!(
        "HTTP/1.0 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nServer: padlock\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !request_line.starts_with("HEAD ") {
        response.extend_from_slice(body.as_bytes());
    }
    let mut stream = Stream::new(conn, sock);
    stream
        .write_all(&response)
        .context("writing the response")?;
    stream.flush()?;
    Ok(())
}

/// The page: one line per negotiated parameter, and how many bytes of the request came as
/// early data.
fn page(conn: &Connection, request_line: &str, early_len: usize) -> String {
    let mut rows = String::new();
    let mut lines = common::negotiated(conn);
    if early_len > 0 {
        lines.push(("early data read", format!("{early_len} bytes")));
    }
    for (label, value) in lines {
        rows.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            escape(label),
            escape(&value)
        ));
    }
    let version = conn
        .protocol_version()
        .map_or_else(|| "TLS".to_string(), |v| v.to_string());
    format!(
        "<!doctype html>\n<html><head><title>padlock listen</title></head><body>\n\
         <h1>padlock: {} connection established</h1>\n<p>Request: <code>{}</code></p>\n\
         <table>\n{rows}</table>\n</body></html>\n",
        escape(&version),
        escape(request_line)
    )
}

/// `s` for HTML text, with control characters also escaped (the request line and the
/// peer's names come from the client).
fn escape(s: &str) -> String {
    escape_controls(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Counts a live connection; the count drops when the connection's thread ends.
struct ActiveGuard(Arc<AtomicUsize>);

impl ActiveGuard {
    fn new(active: &Arc<AtomicUsize>) -> ActiveGuard {
        active.fetch_add(1, Ordering::AcqRel);
        ActiveGuard(Arc::clone(active))
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters_from_the_peer() {
        assert_eq!(escape("GET /\u{1b}[2J\n"), "GET /\\u{1b}[2J\\u{a}");
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
