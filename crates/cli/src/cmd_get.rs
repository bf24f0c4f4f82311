//! `padlock get`: fetch a URL, curl-like, and optionally show the connection step by step
//! (`-v`) or draw it (`--trace-html`).

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use padlock_https::client::{self, FetchOptions, HttpVersionPref, Target};
use padlock_https::credentials;
use padlock_https::trace::{html, text, Recorder};
use padlock_tls::{ClientConfig, ServerCertVerifier, WebPkiServerVerifier};
use tokio::io::AsyncWriteExt;

/// Arguments of `padlock get`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The URL to fetch (https:// or http://).
    url: String,
    /// Write the body to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The request method.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// An extra header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// A request body (`@FILE` reads a file); makes the default method POST.
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    data: Option<String>,
    /// Trust only the CA certificates in this PEM file.
    ///
    /// Without it: the system's roots — the file SSL_CERT_FILE (default
    /// /etc/ssl/certs/ca-certificates.crt) and every file in the SSL_CERT_DIR folders
    /// (colon-separated) — and padlock's own local CA ($PADLOCK_HOME/ca/root.pem) if there
    /// is one.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Accept any server certificate. The connection is then NOT authenticated.
    #[arg(short = 'k', long)]
    insecure: bool,
    /// Connect to ADDR for HOST:PORT (`HOST:PORT:ADDR`, repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    resolve: Vec<String>,
    /// Offer only HTTP/1.1 in ALPN.
    #[arg(long = "http1.1", conflicts_with = "http2")]
    http1: bool,
    /// Offer only HTTP/2 in ALPN.
    #[arg(long = "http2")]
    http2: bool,
    /// Client certificate chain (PEM) for mutual TLS.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// HEAD request; print the response headers.
    #[arg(short = 'I', long = "head")]
    head: bool,
    /// Show the connection step by step on stderr.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Draw the connection as a sequence diagram into this HTML file.
    #[arg(long, value_name = "FILE")]
    trace_html: Option<PathBuf>,
    /// Seconds allowed for connecting and the TLS handshake.
    #[arg(long, default_value_t = 30)]
    connect_timeout: u64,
}

/// Runs the command; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(get(args))
}

async fn get(args: Args) -> anyhow::Result<i32> {
    let target = Target::parse(&args.url)?;
    let recorder =
        (args.verbose || args.trace_html.is_some()).then(|| Arc::new(Recorder::new(args.verbose)));
    let tls = if target.https {
        Some(client_config(&args)?)
    } else {
        None
    };

    let body = match &args.data {
        Some(d) => match d.strip_prefix('@') {
            Some(path) => std::fs::read(path).with_context(|| format!("cannot read {path}"))?,
            None => d.as_bytes().to_vec(),
        },
        None => Vec::new(),
    };
    let method = match (&args.method, args.head, args.data.is_some()) {
        (Some(m), _, _) => m
            .parse()
            .with_context(|| format!("{m:?} is not an HTTP method"))?,
        (None, true, _) => client::Method::HEAD,
        (None, false, true) => client::Method::POST,
        (None, false, false) => client::Method::GET,
    };
    let mut headers = Vec::new();
    for h in &args.headers {
        let Some((name, value)) = h.split_once(':') else {
            bail!("header {h:?} is not `Name: value`");
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    if args.data.is_some()
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    let options = FetchOptions {
        method,
        headers,
        body,
        resolve: args
            .resolve
            .iter()
            .map(|r| parse_resolve(r))
            .collect::<anyhow::Result<_>>()?,
        version: if args.http1 {
            HttpVersionPref::Http1
        } else if args.http2 {
            HttpVersionPref::Http2
        } else {
            HttpVersionPref::Auto
        },
        tls,
        recorder: recorder.clone(),
        connect_timeout: Duration::from_secs(args.connect_timeout),
    };

    let result = transfer(&args, &target, options).await;
    if let Some(rec) = &recorder {
        rec.flush_live();
    }
    if let (Some(path), Some(rec)) = (&args.trace_html, &recorder) {
        let page = html::render(&args.url, &rec.steps(), &rec.records());
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let (true, Some(rec)) = (args.verbose, &recorder) {
        eprint!("{}", text::render_records(&rec.records()));
    }
    result
}

async fn transfer(args: &Args, target: &Target, options: FetchOptions) -> anyhow::Result<i32> {
    let mut res = client::fetch(target, options).await?;
    if args.head {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{:?} {}", res.version, res.status)?;
        for (name, value) in &res.headers {
            writeln!(out, "{name}: {}", value.to_str().unwrap_or("<binary>"))?;
        }
        writeln!(out)?;
    }
    let total = res.content_length();
    let show_progress = std::io::stderr().is_terminal()
        && !args.verbose
        && (args.output.is_some() || !std::io::stdout().is_terminal())
        && total.is_none_or(|t| t > 1 << 20);
    let mut sink: Box<dyn tokio::io::AsyncWrite + Unpin + Send> = match &args.output {
        Some(path) => Box::new(
            tokio::fs::File::create(path)
                .await
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(tokio::io::stdout()),
    };
    let started = Instant::now();
    let mut last_shown = Instant::now();
    let mut received: u64 = 0;
    while let Some(chunk) = res
        .chunk()
        .await
        .context("the response body was cut short")?
    {
        received += chunk.len() as u64;
        sink.write_all(&chunk)
            .await
            .context("cannot write the body")?;
        if show_progress && last_shown.elapsed() > Duration::from_millis(200) {
            last_shown = Instant::now();
            eprint!("\r{}", progress_line(received, total, started.elapsed()));
        }
    }
    sink.flush().await?;
    if show_progress {
        eprintln!("\r{}", progress_line(received, total, started.elapsed()));
    }
    res.finish().await?;
    Ok(0)
}

fn progress_line(received: u64, total: Option<u64>, elapsed: Duration) -> String {
    let mb = |b: u64| b as f64 / 1_048_576.0;
    let rate = mb(received) / elapsed.as_secs_f64().max(0.001);
    match total {
        Some(t) if t > 0 => {
            let pct = received.saturating_mul(100) / t;
            let filled = usize::try_from(pct / 5).unwrap_or(20).min(20);
            format!(
                "[{}{}] {pct:3}% {:.1}/{:.1} MiB {rate:.1} MiB/s ",
                "#".repeat(filled),
                " ".repeat(20 - filled),
                mb(received),
                mb(t)
            )
        }
        _ => format!("{:.1} MiB {rate:.1} MiB/s ", mb(received)),
    }
}

fn client_config(args: &Args) -> anyhow::Result<ClientConfig> {
    let provider = credentials::provider();
    let verifier: Arc<dyn ServerCertVerifier> = if args.insecure {
        eprintln!(
            "padlock: WARNING: --insecure: the server's certificate is not checked; anyone on \
             the path can read and change this connection"
        );
        Arc::new(padlock_tls::danger::NoServerVerification)
    } else {
        let roots = match &args.cacert {
            Some(path) => credentials::load_roots(path)?,
            None => credentials::system_roots()?,
        };
        Arc::new(WebPkiServerVerifier::new(provider.clone(), roots))
    };
    let mut config = ClientConfig::new(provider.clone(), verifier);
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        config.client_auth = Some(credentials::load_certified_key(
            provider.as_ref(),
            cert,
            key,
        )?);
    }
    credentials::with_env_key_log(&mut config);
    Ok(config)
}

/// `HOST:PORT:ADDR`, ADDR possibly a bracketed IPv6 address.
fn parse_resolve(s: &str) -> anyhow::Result<(String, u16, IpAddr)> {
    let mut parts = s.splitn(3, ':');
    let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next()) else {
        bail!("--resolve {s:?} is not HOST:PORT:ADDR");
    };
    let port = port
        .parse()
        .with_context(|| format!("--resolve {s:?}: bad port"))?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let addr = addr
        .parse()
        .with_context(|| format!("--resolve {s:?}: bad address"))?;
    Ok((host.to_string(), port, addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resolve_overrides() {
        let (h, p, a) = parse_resolve("example.com:443:127.0.0.1").unwrap();
        assert_eq!(
            (h.as_str(), p, a.to_string().as_str()),
            ("example.com", 443, "127.0.0.1")
        );
        let (_, _, a) = parse_resolve("x:1:[::1]").unwrap();
        assert_eq!(a.to_string(), "::1");
        assert!(parse_resolve("x:1").is_err());
    }

    #[test]
    fn progress_shows_percent_and_size() {
        let line = progress_line(512 * 1024, Some(1024 * 1024), Duration::from_secs(1));
        assert!(line.contains(" 50%"), "{line}");
        assert!(line.contains("0.5/1.0 MiB"), "{line}");
    }
}
