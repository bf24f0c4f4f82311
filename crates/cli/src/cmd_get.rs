//! `padlock get`: fetch a URL, curl-like, and optionally show the connection step by step
//! (`-v`) or draw it (`--trace-html`).
//!
//! Exit codes are curl's, so scripts written for curl read them the same way (see
//! [`EXIT_CODES`]).

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use padlock_https::client::{self, FetchOptions, FetchResponse, HttpVersionPref, Target};
use padlock_https::credentials;
use padlock_https::decode::{self, Decoder};
use padlock_https::trace::{html, text, Recorder};
use padlock_https::Error as HttpsError;
use padlock_tls::{ClientConfig, ServerCertVerifier, WebPkiServerVerifier};
use tokio::io::AsyncWriteExt;

use crate::protocol_args::{refusal_hint, ProtocolArgs};

/// What `padlock get --help` says after the options.
pub const EXIT_CODES: &str = "\
Exit codes (curl's):
   0  success
   2  bad arguments, or another local failure
   3  the URL is malformed
   6  the host name could not be resolved
   7  the connection could not be made
  22  the server answered with an HTTP error (400 or above) and --fail was given
  23  the body could not be written
  28  a timeout
  33  --continue-at: the server does not resume (it ignored the range)
  35  the TLS handshake failed (including a server's alert)
  47  --location: too many redirects
  56  the response could not be received (the connection broke)
  60  the server's certificate could not be verified
  61  --compressed: an unknown or broken content encoding

Environment: SSLKEYLOGFILE=FILE records the TLS secrets for Wireshark (created 0600).";

/// Arguments of `padlock get`.
#[derive(clap::Args, Debug)]
#[command(after_help = EXIT_CODES)]
pub struct Args {
    /// The URLs to fetch (https:// or http://), one after the other, their bodies in turn
    /// on stdout; the first that fails ends the run with its exit code. Each opens its own
    /// connection; to the same server, the later ones resume the TLS session of an earlier
    /// one (a ticket it sent: RFC 8446 §2.2), with no certificate to send or check again
    /// (`-v` says "session resumed").
    #[arg(value_name = "URL", required = true)]
    urls: Vec<String>,
    /// Write the body to FILE instead of stdout (one URL only).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The request method.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// An extra header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// A request body (`@FILE` reads a file); makes the default method POST.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        conflicts_with = "json"
    )]
    data: Option<String>,
    /// A JSON request body (`@FILE` reads a file): POST with Content-Type and Accept
    /// application/json.
    #[arg(long, value_name = "DATA")]
    json: Option<String>,
    /// Follow redirects (301, 302, 303, 307, 308), as curl does: 303, and 301/302 after a
    /// POST, become GET; Authorization and Cookie headers are not sent to another origin.
    #[arg(short = 'L', long)]
    location: bool,
    /// Most redirects --location follows.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_redirs: u32,
    /// Key exchange groups to offer, in order (X25519MLKEM768, SecP256r1MLKEM768,
    /// MLKEM1024, x25519, secp256r1, secp384r1); shares are sent for the first two.
    /// Default: X25519MLKEM768, x25519, secp256r1, secp384r1.
    #[arg(long, value_name = "LIST")]
    groups: Option<String>,
    /// Print the response's status line and headers before the body.
    #[arg(short = 'i', long)]
    include: bool,
    /// Exit with 22, writing no body, when the server answers 400 or above.
    #[arg(short = 'f', long)]
    fail: bool,
    /// Resume a download into the --output file: `-` continues from its current size.
    #[arg(
        short = 'C',
        long = "continue-at",
        value_name = "OFFSET",
        requires = "output"
    )]
    continue_at: Option<String>,
    /// After the transfer, print FORMAT to stdout with %{http_code}, %{http_version},
    /// %{time_total}, %{size_download}, %{url_effective}, %{num_redirects},
    /// %{content_type}, %{remote_ip}, %{remote_port}, %{ssl_version}, %{ssl_cipher}
    /// replaced; `\n` and `\t` are a newline and a tab.
    #[arg(short = 'w', long = "write-out", value_name = "FORMAT")]
    write_out: Option<String>,
    /// Ask for a compressed response (gzip, deflate, br) and decode it.
    #[arg(long)]
    compressed: bool,
    /// No progress bar and no error messages (the exit code still tells).
    #[arg(short = 's', long)]
    silent: bool,
    /// With -s, still print an error message when the transfer fails.
    #[arg(short = 'S', long)]
    show_error: bool,
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
    /// Show the connection step by step on stderr; -vv also says, for each step, what it
    /// protects against.
    #[arg(short = 'v', long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Draw the connection as a sequence diagram into this HTML file.
    #[arg(long, value_name = "FILE")]
    trace_html: Option<PathBuf>,
    /// Seconds allowed for connecting and the TLS handshake.
    #[arg(long, default_value_t = 30)]
    connect_timeout: u64,
    #[command(flatten)]
    protocol: ProtocolArgs,
}

/// Runs the command; returns the process exit code. A failure is one line on stderr
/// (none with `-s`) and curl's exit code for it.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match runtime.block_on(get(&args)) {
        Ok(code) => Ok(code),
        Err(Failed { url, error }) => {
            let (code, message) = explain(&error, &args, &url);
            if !args.silent || args.show_error {
                eprintln!("padlock: {message}");
            }
            Ok(code)
        }
    }
}

/// A failure that already knows its exit code and message.
#[derive(Debug)]
struct Failure(i32, String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for Failure {}

fn fail<T>(code: i32, message: impl Into<String>) -> anyhow::Result<T> {
    Err(Failure(code, message.into()).into())
}

/// A transfer that failed, and the URL it was for.
struct Failed {
    url: String,
    error: anyhow::Error,
}

/// Fetches every URL in turn, stopping at the first failure. One TLS configuration serves
/// them all, so its session store carries the tickets of one connection to the next.
async fn get(args: &Args) -> Result<i32, Failed> {
    let first = args.urls.first().cloned().unwrap_or_default();
    let failed = |url: &str| {
        let url = url.to_string();
        move |error| Failed { url, error }
    };
    if args.urls.len() > 1 && (args.output.is_some() || args.continue_at.is_some()) {
        return Err(failed(&first)(anyhow::anyhow!(
            "--output and --continue-at take one URL, and {} were given",
            args.urls.len()
        )));
    }
    let verbose = args.verbose > 0;
    let recorder = (verbose || args.trace_html.is_some())
        .then(|| Arc::new(Recorder::new(verbose).explaining(args.verbose > 1)));
    let mut options = fetch_options(args, recorder.clone()).map_err(failed(&first))?;
    let mut result = Ok(0);
    for url in &args.urls {
        result = fetch_one(args, url, &mut options)
            .await
            .map_err(failed(url));
        if !matches!(result, Ok(0)) {
            break;
        }
    }
    if let Some(rec) = &recorder {
        rec.flush_live();
    }
    if let (Some(path), Some(rec)) = (&args.trace_html, &recorder) {
        let page = html::render(&args.urls.join(" "), &rec.steps(), &rec.records());
        std::fs::write(path, page)
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(failed(&first))?;
    }
    if let (true, Some(rec)) = (verbose, &recorder) {
        if rec.explains() {
            eprint!("{}", text::render_records_explained(&rec.records()));
        } else {
            eprint!("{}", text::render_records(&rec.records()));
        }
    }
    result
}

/// One URL of the command line, with the TLS configuration built on the first https hop
/// and kept in `options` for the next URLs.
async fn fetch_one(args: &Args, url: &str, options: &mut FetchOptions) -> anyhow::Result<i32> {
    let target = Target::parse(url)?;
    if options.tls.is_none() && target.https {
        options.tls = Some(client_config(args)?);
    }
    transfer(args, target, options.clone()).await
}

fn read_data(data: &str) -> anyhow::Result<Vec<u8>> {
    match data.strip_prefix('@') {
        Some(path) => std::fs::read(path).with_context(|| format!("cannot read {path}")),
        None => Ok(data.as_bytes().to_vec()),
    }
}

fn fetch_options(args: &Args, recorder: Option<Arc<Recorder>>) -> anyhow::Result<FetchOptions> {
    let body = match (&args.data, &args.json) {
        (Some(d), _) | (None, Some(d)) => read_data(d)?,
        (None, None) => Vec::new(),
    };
    let has_body = args.data.is_some() || args.json.is_some();
    let method = match (&args.method, args.head, has_body) {
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
    let mut default_header = |name: &str, value: &str| {
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            headers.push((name.to_string(), value.to_string()));
        }
    };
    if args.json.is_some() {
        default_header("Content-Type", "application/json");
        default_header("Accept", "application/json");
    } else if args.data.is_some() {
        default_header("Content-Type", "application/x-www-form-urlencoded");
    }
    if args.compressed {
        default_header("Accept-Encoding", decode::ACCEPT_ENCODING);
    }
    Ok(FetchOptions {
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
        // Built by `fetch_following` when a hop is https (the first, or a redirect's).
        tls: None,
        recorder,
        connect_timeout: Duration::from_secs(args.connect_timeout),
    })
}

/// Where the body goes, and from which offset (`-C`).
fn resume_offset(args: &Args) -> anyhow::Result<u64> {
    let (Some(at), Some(path)) = (&args.continue_at, &args.output) else {
        return Ok(0);
    };
    if at == "-" {
        return Ok(std::fs::metadata(path).map_or(0, |m| m.len()));
    }
    at.parse()
        .with_context(|| format!("--continue-at {at:?} is neither `-` nor a byte offset"))
}

/// Sends the request, following redirects with `-L`; returns the final response, its URL
/// and how many redirects led to it.
async fn fetch_following(
    args: &Args,
    mut target: Target,
    mut options: FetchOptions,
) -> anyhow::Result<(FetchResponse, Target, u32)> {
    let mut redirects = 0;
    loop {
        if options.tls.is_none() && target.https {
            // A redirect from http:// to https://.
            options.tls = Some(client_config(args)?);
        }
        let res = client::fetch(&target, options.clone()).await?;
        if args.include || args.head {
            print_head(&res)?;
        }
        let location = res
            .headers
            .get(hyper::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let (true, true, Some(location)) =
            (args.location, client::is_redirect(res.status), location)
        else {
            return Ok((res, target, redirects));
        };
        if redirects == args.max_redirs {
            return Err(HttpsError::TooManyRedirects(redirects).into());
        }
        let next = target.join(&location)?;
        options = client::redirected(&options, res.status, &target, &next);
        res.finish().await?;
        redirects += 1;
        target = next;
    }
}

fn print_head(res: &FetchResponse) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:?} {}", res.version, res.status)?;
    for (name, value) in &res.headers {
        writeln!(out, "{name}: {}", value.to_str().unwrap_or("<binary>"))?;
    }
    writeln!(out)?;
    Ok(())
}

async fn transfer(args: &Args, target: Target, mut options: FetchOptions) -> anyhow::Result<i32> {
    let started = Instant::now();
    let offset = resume_offset(args)?;
    if offset > 0 {
        options
            .headers
            .push(("Range".into(), format!("bytes={offset}-")));
    }
    let (mut res, url, redirects) = fetch_following(args, target, options).await?;
    if args.fail && res.status.as_u16() >= 400 {
        let status = res.status;
        res.finish().await?;
        return fail(22, format!("the server answered {status}"));
    }
    let mut append = false;
    if offset > 0 {
        match res.status.as_u16() {
            206 => append = true,
            416 if complete_at(&res, offset) => {
                res.finish().await?;
                if !args.silent {
                    eprintln!("padlock: the file is already complete ({offset} bytes)");
                }
                return Ok(0);
            }
            s if s < 300 => {
                res.finish().await?;
                return fail(
                    33,
                    "the server ignored the range and sent the whole file: it cannot resume \
                     this download",
                );
            }
            _ => {}
        }
    }
    let mut decoder = if args.compressed {
        let coding = res
            .headers
            .get(hyper::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok());
        Decoder::for_encoding(coding).or_else(|coding| {
            fail(
                61,
                format!("the response is in an encoding padlock cannot decode: {coding}"),
            )
        })?
    } else {
        None
    };
    let total = res.content_length();
    let progress = progress_bar(args, total);
    let mut sink: Box<dyn tokio::io::AsyncWrite + Unpin + Send> = match &args.output {
        Some(path) => {
            let mut open = tokio::fs::OpenOptions::new();
            if append {
                open.append(true);
            } else {
                open.write(true).create(true).truncate(true);
            }
            Box::new(
                open.open(path)
                    .await
                    .with_context(|| format!("cannot open {}", path.display()))
                    .or_else(|e| fail(23, format!("{e:#}")))?,
            )
        }
        None => Box::new(tokio::io::stdout()),
    };
    let mut received: u64 = 0;
    while let Some(chunk) = res.chunk().await? {
        received += chunk.len() as u64;
        if let Some(p) = &progress {
            p.set_position(received);
        }
        let decoded = match &mut decoder {
            Some(d) => d
                .push(&chunk)
                .or_else(|e| fail(61, format!("the compressed body is broken: {e}")))?,
            None => chunk.to_vec(),
        };
        write_out_chunk(&mut sink, &decoded).await?;
    }
    if let Some(d) = decoder {
        let rest = d
            .finish()
            .or_else(|e| fail(61, format!("the compressed body is broken: {e}")))?;
        write_out_chunk(&mut sink, &rest).await?;
    }
    sink.flush()
        .await
        .or_else(|e| fail(23, format!("cannot write the body: {e}")))?;
    if let Some(p) = progress {
        p.finish();
    }
    let facts = Facts {
        status: res.status,
        version: res.version,
        took: started.elapsed(),
        downloaded: received,
        url: url.url(),
        redirects,
        content_type: res
            .headers
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        remote: res.remote,
        tls: res.tls.clone(),
    };
    res.finish().await?;
    if let Some(format) = &args.write_out {
        let mut out = std::io::stdout().lock();
        out.write_all(write_out(format, &facts).as_bytes())?;
        out.flush()?;
    }
    Ok(0)
}

async fn write_out_chunk(
    sink: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    data: &[u8],
) -> anyhow::Result<()> {
    sink.write_all(data)
        .await
        .or_else(|e| fail(23, format!("cannot write the body: {e}")))
}

/// Whether a 416 answer says the file is exactly `offset` bytes long (`Content-Range:
/// bytes */N`, RFC 9110 §14.4): the download was already complete.
fn complete_at(res: &FetchResponse, offset: u64) -> bool {
    res.headers
        .get(hyper::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes */"))
        .and_then(|n| n.trim().parse::<u64>().ok())
        == Some(offset)
}

/// A progress bar on stderr for a long download, when stderr is a terminal and the body
/// does not go to the same terminal; none with `-s` or `-v`.
fn progress_bar(args: &Args, total: Option<u64>) -> Option<indicatif::ProgressBar> {
    let wanted = show_progress(
        std::io::stderr().is_terminal(),
        args.output.is_some() || !std::io::stdout().is_terminal(),
        args.silent || args.verbose > 0,
        total,
    );
    if !wanted {
        return None;
    }
    let bar = match total {
        Some(t) => indicatif::ProgressBar::new(t).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .ok()?,
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {bytes} {bytes_per_sec}").ok()?,
        ),
    };
    Some(bar.with_finish(indicatif::ProgressFinish::AndLeave))
}

/// Whether to draw a progress bar: stderr is a terminal, the body goes elsewhere, not
/// silenced, and the body is long (over 1 MiB) or of unknown length.
fn show_progress(stderr_tty: bool, body_elsewhere: bool, quiet: bool, total: Option<u64>) -> bool {
    stderr_tty && body_elsewhere && !quiet && total.is_none_or(|t| t > 1 << 20)
}

/// What `-w` can print.
struct Facts {
    status: hyper::StatusCode,
    version: hyper::Version,
    took: Duration,
    downloaded: u64,
    url: String,
    redirects: u32,
    content_type: String,
    remote: std::net::SocketAddr,
    tls: Option<client::TlsInfo>,
}

/// `-w FORMAT` with its `%{variables}` and `\n`/`\t` expanded, as curl writes them. An
/// unknown variable is left as it was, with a warning.
fn write_out(format: &str, f: &Facts) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("%{") {
            if let Some(end) = after.find('}') {
                let name = &after[..end];
                let tls = f.tls.as_ref();
                let value = match name {
                    "http_code" | "response_code" => Some(f.status.as_u16().to_string()),
                    "http_version" => Some(
                        match f.version {
                            hyper::Version::HTTP_2 => "2",
                            hyper::Version::HTTP_10 => "1.0",
                            _ => "1.1",
                        }
                        .to_string(),
                    ),
                    "time_total" => Some(format!("{:.6}", f.took.as_secs_f64())),
                    "size_download" => Some(f.downloaded.to_string()),
                    "url_effective" => Some(f.url.clone()),
                    "num_redirects" => Some(f.redirects.to_string()),
                    "content_type" => Some(f.content_type.clone()),
                    "remote_ip" => Some(f.remote.ip().to_string()),
                    "remote_port" => Some(f.remote.port().to_string()),
                    "ssl_version" => Some(tls.and_then(|t| t.version.clone()).unwrap_or_default()),
                    "ssl_cipher" => {
                        Some(tls.and_then(|t| t.cipher_suite.clone()).unwrap_or_default())
                    }
                    _ => None,
                };
                match value {
                    Some(v) => out.push_str(&v),
                    None => {
                        eprintln!("padlock: -w: unknown variable %{{{name}}}");
                        out.push_str(&rest[..end + 3]);
                    }
                }
                rest = &after[end + 1..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("\\n") {
            out.push('\n');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("\\t") {
            out.push('\t');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("%%") {
            out.push('%');
            rest = after;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The exit code and the one-line message for a failure: each cause in the chain once (a
/// cause whose text its wrapper already shows is not repeated), a TLS alert by its name,
/// with a hint where one helps.
fn explain(error: &anyhow::Error, args: &Args, url: &str) -> (i32, String) {
    if let Some(Failure(code, message)) = error.downcast_ref::<Failure>() {
        return (*code, message.clone());
    }
    let tls = error.chain().find_map(tls_error);
    let https = error.downcast_ref::<HttpsError>();
    let plain_http = !url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    if let Some(tls) = tls {
        return explain_tls(tls, args);
    }
    let code = match https {
        Some(HttpsError::BadUrl { .. }) => 3,
        Some(HttpsError::Io { context, .. }) if context.starts_with("cannot resolve") => 6,
        Some(HttpsError::Connect { error, .. }) if error.kind() == std::io::ErrorKind::TimedOut => {
            28
        }
        Some(HttpsError::Connect { .. }) => 7,
        Some(HttpsError::HandshakeTimeout(_)) => 28,
        Some(HttpsError::Io { context, .. }) if context == "TLS handshake" => 35,
        Some(HttpsError::TooManyRedirects(_)) => 47,
        Some(HttpsError::BadRedirect { .. }) => 3,
        Some(HttpsError::Http(e)) if e.is_parse() && plain_http => {
            let https_url = format!("https://{}", &url["http://".len().min(url.len())..]);
            return (
                56,
                format!(
                    "the server did not answer in HTTP; if that port speaks TLS, try {https_url}"
                ),
            );
        }
        Some(HttpsError::Http(_)) => 56,
        _ => 2,
    };
    (code, one_line(error))
}

/// The causes of `error`, outermost first, each once: a cause whose text is already part of
/// the message so far is left out ("connection error: connection error: …").
fn one_line(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        let text = text.strip_prefix("HTTP: ").unwrap_or(&text);
        if message.contains(text) {
            continue;
        }
        if let Some(pos) = text.find(&message).filter(|_| !message.is_empty()) {
            // The cause repeats the wrapper and adds to it: keep the longer text.
            let _ = pos;
            message = text.to_string();
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(text);
    }
    message.replace('\n', " ")
}

/// The TLS engine's error inside an I/O error or a hyper error, if there is one: looked for
/// in `cause`, the I/O errors it carries (which `source()` skips) and their sources, at
/// most a few levels deep.
fn tls_error<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a padlock_tls::Error> {
    let mut next: Option<&'a (dyn std::error::Error + 'static)> = Some(cause);
    for _ in 0..8 {
        let current = next?;
        if let Some(e) = current.downcast_ref::<padlock_tls::Error>() {
            return Some(e);
        }
        let io = match current.downcast_ref::<HttpsError>() {
            Some(HttpsError::Tls(e)) => return Some(e),
            Some(HttpsError::Io { error, .. } | HttpsError::Connect { error, .. }) => Some(error),
            _ => current.downcast_ref::<std::io::Error>(),
        };
        next = match io.and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    None
}

/// What a TLS failure means for the user, and its exit code.
fn explain_tls(error: &padlock_tls::Error, args: &Args) -> (i32, String) {
    use padlock_tls::AlertDescription as A;
    match error {
        padlock_tls::Error::AlertReceived(alert) => {
            let name = alert.to_string();
            let about_our_certificate = matches!(
                alert,
                A::CertificateRequired
                    | A::BadCertificate
                    | A::UnsupportedCertificate
                    | A::CertificateRevoked
                    | A::CertificateExpired
                    | A::CertificateUnknown
                    | A::UnknownCa
                    | A::AccessDenied
            );
            let message = if about_our_certificate && args.cert.is_some() {
                format!("the server refused our client certificate: {name}")
            } else if about_our_certificate {
                format!(
                    "the server refused our client certificate: {name} (it wants one: give \
                     --cert and --key)"
                )
            } else {
                match refusal_hint(error, &args.protocol) {
                    Some(hint) => {
                        format!("the server ended the TLS handshake with the alert {name} ({hint})")
                    }
                    None => format!("the server ended the TLS handshake with the alert {name}"),
                }
            };
            (35, message)
        }
        padlock_tls::Error::Certificate(e) => {
            let mut message = format!("the server's certificate was refused: {e}");
            if args.cacert.is_none() && e.to_string().contains("unknown CA") {
                message.push_str(&format!(" ({})", crate::common::UNKNOWN_CA_HINT));
            }
            (60, message)
        }
        other => match refusal_hint(other, &args.protocol) {
            Some(hint) => (35, format!("TLS: {other} ({hint})")),
            None => (35, format!("TLS: {other}")),
        },
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
    if let Some(list) = &args.groups {
        config.groups = crate::common::parse_groups(list)?;
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        config.set_client_certificate(credentials::load_certified_key(
            provider.as_ref(),
            cert,
            key,
        )?);
    }
    args.protocol.apply_to_client(&mut config)?;
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
    fn a_progress_bar_only_for_long_downloads_to_elsewhere_on_a_terminal() {
        assert!(show_progress(true, true, false, Some(10 << 20)));
        assert!(show_progress(true, true, false, None));
        assert!(!show_progress(true, true, false, Some(1000)));
        assert!(!show_progress(false, true, false, None));
        assert!(!show_progress(true, false, false, None));
        assert!(!show_progress(true, true, true, None));
    }

    fn facts() -> Facts {
        Facts {
            status: hyper::StatusCode::NOT_FOUND,
            version: hyper::Version::HTTP_2,
            took: Duration::from_millis(1500),
            downloaded: 42,
            url: "https://a.test/x".into(),
            redirects: 2,
            content_type: "text/plain".into(),
            remote: "127.0.0.1:8443".parse().unwrap(),
            tls: Some(client::TlsInfo {
                version: Some("TLSv1.3".into()),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn write_out_expands_variables_and_escapes() {
        assert_eq!(
            write_out(
                "%{http_code} %{http_version} %{time_total} %{size_download} %{url_effective} \
                 %{num_redirects} %{ssl_version} %{remote_ip}:%{remote_port} 100%%\\n",
                &facts()
            ),
            "404 2 1.500000 42 https://a.test/x 2 TLSv1.3 127.0.0.1:8443 100%\n"
        );
        assert_eq!(write_out("%{nope}\\t", &facts()), "%{nope}\t");
    }

    #[test]
    fn one_line_names_each_cause_once() {
        let inner = std::io::Error::other("connection error: reset");
        let e = anyhow::Error::new(inner).context("connection error");
        assert_eq!(one_line(&e), "connection error: reset");
        let e = anyhow::anyhow!("b").context("a");
        assert_eq!(one_line(&e), "a: b");
    }
}
