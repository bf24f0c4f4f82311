//! `padlock connect HOST:PORT`: a TLS client (1.3, or 1.2) on a terminal, like `openssl s_client`.
//!
//! stdin goes to the server, the server's bytes to stdout. When stdin ends, padlock sends
//! close_notify (TLS 1.3 allows a half-close, RFC 8446 §6.1) and keeps printing what the
//! server sends until it closes. A failed handshake exits non-zero with one line saying why.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use padlock_https::trace::{html, text, Flow, Recorder};
use padlock_tls::{
    CertificateChain, ClientConfig, Connection, EarlyDataStatus, ServerName, Stream,
    WebPkiServerVerifier,
};

use crate::common;
use crate::protocol_args::{refusal_hint, ProtocolArgs};
use crate::session_file;

/// Arguments of `padlock connect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The server, as HOST:PORT.
    pub address: String,
    /// The name to send in SNI and to check the certificate against (default: HOST).
    #[arg(long)]
    pub servername: Option<String>,
    /// Trust only the CA certificates in this PEM file (default: the system's roots —
    /// SSL_CERT_FILE, SSL_CERT_DIR — and padlock's local CA, as `padlock get`).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate chain (PEM), for mutual TLS.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key for --cert (PEM: PKCS#8, SEC1 or PKCS#1).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Application protocols to offer, comma-separated (e.g. h2,http/1.1).
    #[arg(long, value_name = "LIST")]
    pub alpn: Option<String>,
    /// Cipher suites to offer, comma-separated IANA names (e.g. TLS_AES_256_GCM_SHA384).
    #[arg(long, value_name = "LIST")]
    pub suites: Option<String>,
    /// Key exchange groups to offer, in order (X25519MLKEM768, SecP256r1MLKEM768, MLKEM1024,
    /// x25519, secp256r1, secp384r1); shares are sent for the first two.
    #[arg(long, value_name = "LIST")]
    pub groups: Option<String>,
    /// Give up connecting or handshaking after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub timeout: u64,
    /// Save the TLS session the server sends (its session ticket, RFC 8446 §4.6.1) to FILE
    /// when it arrives, for a later `--sess-in` (like `openssl s_client -sess_out`). The
    /// file holds the session's secret: it is written readable by you only.
    #[arg(long, value_name = "FILE")]
    pub sess_out: Option<PathBuf>,
    /// Resume the TLS session saved in FILE by `--sess-out`: no certificate is sent or
    /// checked again, and `-v` says `handshake: Resumed` (or a full handshake if the
    /// server refuses the ticket).
    #[arg(long, value_name = "FILE")]
    pub sess_in: Option<PathBuf>,
    /// With --sess-in: send FILE's bytes as early data (0-RTT, RFC 8446 §2.3), before the
    /// server has answered. If the server refuses them (or the ticket allows no early
    /// data), they are sent again once the handshake is complete. Early data can be
    /// replayed by an attacker: send only what is safe to repeat.
    #[arg(long, value_name = "FILE", requires = "sess_in")]
    pub early_data: Option<PathBuf>,
    /// Show the handshake step by step on stderr, then the negotiated parameters; -vv also
    /// says, for each step, what it protects against.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Draw the handshake as a sequence diagram into this HTML file.
    #[arg(long, value_name = "FILE")]
    pub trace_html: Option<PathBuf>,
    /// Print the certificate chain the server sent, as PEM with each one's subject and
    /// issuer, to stdout before the server's data (like `openssl s_client -showcerts`).
    #[arg(long)]
    pub showcerts: bool,
    #[command(flatten)]
    pub protocol: ProtocolArgs,
}

/// Runs the command; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let (host, _port) = split_host_port(&args.address)?;
    let name_text = args.servername.clone().unwrap_or_else(|| host.to_string());
    let server_name = ServerName::try_from(name_text.as_str())
        .map_err(|e| anyhow::anyhow!("bad server name: {e}"))?;
    let verbose = args.verbose > 0;
    let recorder = (verbose || args.trace_html.is_some())
        .then(|| Arc::new(Recorder::new(verbose).explaining(args.verbose > 1)));
    let mut config = client_config(&args)?;
    if let Some(rec) = &recorder {
        config.trace = Some(rec.clone());
    }
    let session = args
        .sess_in
        .as_deref()
        .map(session_file::read)
        .transpose()?;
    let saver = args
        .sess_out
        .clone()
        .map(|path| Arc::new(session_file::SaveToFile::new(path)));
    if let Some(saver) = &saver {
        config.session_store = Some(saver.clone());
    }
    let early_data = match &args.early_data {
        Some(path) => {
            config.enable_early_data = true;
            Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?)
        }
        None => None,
    };
    let config = Arc::new(config);

    let timeout = Duration::from_secs(args.timeout.max(1));
    let mut sock = connect(&args.address, timeout)?;
    if let Some(rec) = &recorder {
        rec.note(
            Flow::Client,
            format!("TCP connected to {}", args.address),
            vec![],
        );
    }
    let mut conn = match session {
        Some(session) => Connection::client_resuming(config, server_name, session),
        None => Connection::client(config, server_name),
    }
    .map_err(|e| anyhow::anyhow!("cannot start the handshake: {e}"))?;
    let sent_early = match &early_data {
        Some(data) => send_early_data(&mut conn, data),
        None => 0,
    };

    sock.set_read_timeout(Some(timeout))?;
    let handshake = Stream::new(&mut conn, &mut sock).complete_handshake();
    if let Some(rec) = &recorder {
        show_trace(rec, &conn, &args)?;
    }
    if let Err(e) = handshake {
        eprintln!("padlock: TLS handshake with {} failed: {e}", args.address);
        if let Some(hint) = conn_error(&e).and_then(|e| refusal_hint(e, &args.protocol)) {
            eprintln!("padlock: {hint}");
        }
        return Ok(1);
    }
    if verbose {
        eprintln!("* connected to {}", args.address);
        for (label, value) in common::negotiated(&conn) {
            eprintln!("* {label}: {value}");
        }
    }
    if let Some(data) = &early_data {
        let resend = early_data_outcome(&conn, data, sent_early, verbose);
        let mut stream = Stream::new(&mut conn, &mut sock);
        stream
            .write_all(resend)
            .and_then(|()| stream.flush())
            .context("sending the early data again")?;
    }
    if args.showcerts {
        print!("{}", show_certs(conn.peer_certificates()));
        io::stdout().flush()?;
    }
    let code = pump(conn, sock)?;
    if let Some(rec) = &recorder {
        // The tickets that came after the handshake.
        rec.flush_live();
    }
    if let (Some(saver), Some(path)) = (&saver, &args.sess_out) {
        if saver.saved() == 0 {
            eprintln!(
                "padlock: the server sent no session ticket: nothing saved to {}",
                path.display()
            );
        }
    }
    Ok(code)
}

/// Offers `data` as 0-RTT data; returns how much of it the engine took (the rest goes
/// after the handshake). A ticket that allows no early data takes none, said once.
fn send_early_data(conn: &mut Connection, data: &[u8]) -> usize {
    match conn.write_early_data(data) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("padlock: early data not sent ({e}): it goes after the handshake");
            0
        }
    }
}

/// What became of the early data (said with `-v`), and what of `data` is still to send:
/// the part beyond what was sent early when the server accepted it, all of it otherwise
/// (RFC 8446 §4.2.10: refused early data was never delivered).
fn early_data_outcome<'a>(
    conn: &Connection,
    data: &'a [u8],
    sent_early: usize,
    verbose: bool,
) -> &'a [u8] {
    let accepted = conn.early_data_status() == EarlyDataStatus::Accepted;
    if verbose && sent_early > 0 {
        if accepted {
            eprintln!("* early data: {sent_early} bytes accepted by the server (0-RTT)");
        } else {
            eprintln!(
                "* early data: {sent_early} bytes rejected by the server; sent again after \
                 the handshake"
            );
        }
    }
    if accepted {
        &data[sent_early.min(data.len())..]
    } else {
        data
    }
}

/// Prints the handshake's steps (with `-v`) and writes `--trace-html`: the server's chain
/// after its Certificate message, then every step and the record counts so far.
fn show_trace(rec: &Recorder, conn: &Connection, args: &Args) -> anyhow::Result<()> {
    // A resumed handshake carries no chain (the session's was checked when it was made).
    if !conn.handshake_kind().is_some_and(|k| k.is_resumed()) {
        rec.peer_chain(conn.peer_certificates());
    }
    rec.flush_live();
    if args.verbose > 0 {
        if rec.explains() {
            eprint!("{}", text::render_records_explained(&rec.records()));
        } else {
            eprint!("{}", text::render_records(&rec.records()));
        }
    }
    if let Some(path) = &args.trace_html {
        let page = html::render(&args.address, &rec.steps(), &rec.records());
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The chain as `openssl s_client -showcerts` prints it: per certificate its index,
/// subject (`s:`) and issuer (`i:`), then its PEM.
fn show_certs(chain: Option<&CertificateChain>) -> String {
    let count = chain.map_or(0, CertificateChain::len);
    let mut out = format!("Certificate chain ({count} sent by the server)\n");
    for (i, der) in chain.into_iter().flatten().enumerate() {
        match padlock_pki::Certificate::from_der(der) {
            Ok(cert) => out.push_str(&format!(
                "{i:2} s:{}\n   i:{}\n",
                cert.subject(),
                cert.issuer()
            )),
            Err(e) => out.push_str(&format!("{i:2} (does not parse: {e})\n")),
        }
        out.push_str(&padlock_pki::pem::encode("CERTIFICATE", der));
    }
    out
}

/// Builds the client configuration from the arguments.
fn client_config(args: &Args) -> anyhow::Result<ClientConfig> {
    let provider = common::provider();
    let roots = match &args.cacert {
        Some(path) => common::load_roots(path)?,
        None => common::system_roots()?,
    };
    let verifier = Arc::new(WebPkiServerVerifier::new(provider.clone(), roots));
    let mut config = ClientConfig::new(provider.clone(), verifier);
    if let Some(list) = &args.suites {
        config.cipher_suites = common::parse_suites(list)?;
    }
    if let Some(list) = &args.groups {
        config.groups = common::parse_groups(list)?;
    }
    if let Some(list) = &args.alpn {
        config.alpn_protocols = common::parse_alpn(list);
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        config.set_client_certificate(common::load_certified_key(provider.as_ref(), cert, key)?);
    }
    args.protocol.apply_to_client(&mut config)?;
    Ok(config)
}

/// The engine's error inside the stream's I/O error, if that is what failed.
fn conn_error(e: &io::Error) -> Option<&padlock_tls::Error> {
    e.get_ref()?.downcast_ref::<padlock_tls::Error>()
}

/// Copies stdin to the server and the server to stdout until the server closes.
fn pump(mut conn: Connection, mut sock: TcpStream) -> anyhow::Result<i32> {
    let stdin = spawn_stdin_reader();
    let mut stdin_open = true;
    let mut out = io::stdout().lock();
    let mut buf = vec![0u8; 16 * 1024];
    // Short read timeouts let one thread serve both directions.
    sock.set_read_timeout(Some(Duration::from_millis(20)))?;
    loop {
        while stdin_open {
            match stdin.try_recv() {
                Ok(chunk) => {
                    let mut stream = Stream::new(&mut conn, &mut sock);
                    stream.write_all(&chunk).context("sending to the server")?;
                    stream.flush().context("sending to the server")?;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    stdin_open = false;
                    conn.send_close_notify();
                    Stream::new(&mut conn, &mut sock)
                        .flush()
                        .context("sending close_notify")?;
                }
            }
        }
        match Stream::new(&mut conn, &mut sock).read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.write_all(&buf[..n])?;
                out.flush()?;
            }
            Err(e) if is_timeout(&e) => continue,
            Err(e) => {
                eprintln!("padlock: connection failed: {e}");
                return Ok(1);
            }
        }
    }
    if stdin_open {
        conn.send_close_notify();
        let _ = Stream::new(&mut conn, &mut sock).flush();
    }
    Ok(0)
}

fn spawn_stdin_reader() -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(16);
    std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

fn connect(address: &str, timeout: Duration) -> anyhow::Result<TcpStream> {
    let addrs = address
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {address}"))?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(sock) => {
                let _ = sock.set_nodelay(true);
                return Ok(sock);
            }
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => Err(anyhow::anyhow!("cannot connect to {address}: {e}")),
        None => Err(anyhow::anyhow!("{address} resolves to no address")),
    }
}

/// Splits `HOST:PORT` (also `[v6]:PORT`).
fn split_host_port(address: &str) -> anyhow::Result<(&str, u16)> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| anyhow::anyhow!("expected HOST:PORT, got {address:?}"))?;
    let port = port
        .parse()
        .map_err(|_| anyhow::anyhow!("bad port in {address:?}"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host, port))
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_host_and_port() {
        assert_eq!(
            split_host_port("localhost:443").unwrap(),
            ("localhost", 443)
        );
        assert_eq!(split_host_port("[::1]:8443").unwrap(), ("::1", 8443));
        assert!(split_host_port("localhost").is_err());
    }
}
