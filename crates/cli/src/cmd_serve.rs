//! `padlock serve`: a folder (or a reverse proxy) over HTTPS, with the local CA's
//! certificate by default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use padlock_https::credentials::{self, ClientAuthMode};
use padlock_https::files::{Dotfiles, FileServer};
use padlock_https::proxy::Proxy;
use padlock_https::ticket_keys;
use padlock_https::{Mode, Server, ServerOptions, Site, TlsSetup};
use padlock_pki::ca::{CaPaths, InitOptions, LocalCa};
use padlock_pki::SubjectName;
use padlock_tls::ticket::{
    RotatingTicketer, ServerSessionCache, StrikeRegister, TicketKeyRing, Ticketer,
};

use crate::protocol_args::ProtocolArgs;
use crate::trust;

/// Arguments of `padlock serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to serve (default: the current one).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Address to listen on (repeatable). A bare port (`8443` or `:8443`) or
    /// `localhost:8443` means both 127.0.0.1 and [::1]; every interface is `0.0.0.0:8443`
    /// or `[::]:8443`. Default: localhost port 8443.
    #[arg(long = "listen", value_name = "ADDR", value_parser = parse_listen)]
    listen: Vec<ListenAddrs>,
    /// Also serve these names (repeatable; `*.name` for a wildcard): the local CA issues
    /// one certificate for localhost and them. Each must be within the CA's name constraints (by default
    /// *.localhost, *.test, *.internal, *.local, *.home.arpa).
    #[arg(long = "name", value_name = "NAME", conflicts_with = "cert")]
    names: Vec<String>,
    /// Whether names starting with a dot (.git/, .env) are served.
    #[arg(long, value_enum, default_value_t = DotfilesArg::Hide)]
    dotfiles: DotfilesArg,
    /// Certificate chain (PEM, leaf first) instead of the local CA's localhost certificate.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Key exchange groups to accept, in preference order (X25519MLKEM768,
    /// SecP256r1MLKEM768, MLKEM1024, x25519, secp256r1, secp384r1). Default: every one,
    /// the post-quantum ones first.
    #[arg(long, value_name = "LIST")]
    groups: Option<String>,
    /// Ask a client that supports a post-quantum group but sent only a classical key share
    /// for a post-quantum one (a HelloRetryRequest: one more round trip for it).
    #[arg(long)]
    insist_on_post_quantum: bool,
    /// Private key (PEM) for --cert.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Reverse-proxy every request to this http:// upstream instead of serving files.
    /// With --client-ca, the upstream gets the verified client certificate as
    /// X-Client-Subject (its RFC 4514 subject, values escaped), X-Client-Cert-Sha256 (the
    /// SHA-256 of its DER, hex) and X-Client-San (its subjectAltNames); a client's own
    /// headers of those names, in any case or with `_` for `-`, are dropped.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Also listen for plain HTTP here and redirect every request to HTTPS.
    #[arg(long, value_name = "ADDR")]
    redirect_http: Option<SocketAddr>,
    /// Send Strict-Transport-Security (RFC 6797).
    #[arg(long)]
    hsts: bool,
    /// max-age for --hsts, in seconds.
    #[arg(long, default_value_t = 31_536_000)]
    hsts_max_age: u64,
    /// Ask clients for a certificate issued by a CA in this PEM file (mutual TLS).
    #[arg(long, value_name = "FILE")]
    client_ca: Option<PathBuf>,
    /// Whether the client certificate is required or optional.
    #[arg(long, value_enum, default_value_t = ClientAuthArg::Required, requires = "client_ca")]
    client_auth: ClientAuthArg,
    /// Seconds a TLS handshake may take.
    #[arg(long, default_value_t = 10)]
    handshake_timeout: u64,
    /// Seconds a connection may stay idle.
    #[arg(long, default_value_t = 60)]
    idle_timeout: u64,
    /// Connections held at once (default: what the open-file limit allows, after raising
    /// it to the hard limit). When all are taken, a new connection closes the longest-idle
    /// keep-alive connection instead of waiting.
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// TLS handshakes in progress at once (default: an eighth of --max-connections); past
    /// it, the oldest handshake in progress is dropped, so silent or half-open connections
    /// cannot lock clients out. A quarter of it is the cap for one client address.
    #[arg(long, value_name = "N")]
    max_handshakes: Option<usize>,
    /// Listen backlog: connections the kernel queues until they are accepted (capped by
    /// net.core.somaxconn).
    #[arg(long, value_name = "N", default_value_t = padlock_https::server::DEFAULT_BACKLOG)]
    backlog: u32,
    /// Let several `padlock serve` processes listen on the same address (SO_REUSEPORT,
    /// each started with this flag): the kernel spreads new connections across them, as
    /// nginx's `listen ... reuseport` does across its worker processes, so together they
    /// hold more connections than one process's open-file limit allows. Each keeps its own
    /// connection limit and, unless they share --ticket-keys, resumes only the sessions it
    /// issued. Any other process of this user may then listen on the port as well.
    #[arg(long)]
    reuse_port: bool,
    /// No access log, and no line per failed connection: failures are counted and
    /// summarised by cause every 10 seconds.
    #[arg(long, short)]
    quiet: bool,
    /// Session-ticket keys shared by a fleet of servers, from a file (or a folder of
    /// files) that the operator rotates: one key per line, newest first, 96 hex digits
    /// each (`openssl rand -hex 48`: a 16-byte key id, then a 32-byte secret); a line
    /// starting with `next` is accepted but does not issue yet; `#` starts a comment. The
    /// newest key not marked `next` issues tickets, every listed key (at most 16) is
    /// accepted. Re-read within a second of a change, and on SIGHUP; a bad file keeps the
    /// old keys. The rotation protocol is in docs/resumption.md. Without this option
    /// the keys are random, in memory, and rotated every 12 hours: tickets resume only on
    /// this process.
    #[arg(long, value_name = "PATH")]
    ticket_keys: Option<PathBuf>,
    /// Accept TLS 1.3 early data (0-RTT, up to 16 KiB) from resuming clients, saving them
    /// a round trip. Early data can be replayed by an attacker, so only GET and HEAD
    /// requests are served from it; any other request that arrives in early data is
    /// answered 425 Too Early (RFC 8470) without being processed, and the client sends it
    /// again after the handshake. Replays of one ClientHello are refused by this process;
    /// a fleet accepts 0-RTT only on the server that issued the ticket. With --proxy, a
    /// request served from early data reaches the upstream with `Early-Data: 1`.
    #[arg(long)]
    early_data: bool,
    /// Worker threads serving connections, each with its own event loop (default: one per
    /// CPU core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
    #[command(flatten)]
    protocol: ProtocolArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum DotfilesArg {
    /// Answer 404 for them and leave them out of listings (/.well-known/ is still served).
    Hide,
    /// Serve them like any other file.
    Allow,
}

/// The addresses one `--listen` stands for.
#[derive(Clone, Debug)]
struct ListenAddrs(Vec<SocketAddr>);

/// `8443`, `:8443`, `localhost:8443` (both loopbacks), or a socket address.
fn parse_listen(s: &str) -> Result<ListenAddrs, String> {
    let port_only = s
        .strip_prefix("localhost:")
        .or_else(|| s.strip_prefix(':'))
        .unwrap_or(s);
    if let Ok(port) = port_only.parse::<u16>() {
        return Ok(ListenAddrs(loopback(port)));
    }
    s.parse::<SocketAddr>()
        .map(|a| ListenAddrs(vec![a]))
        .map_err(|_| {
            format!("{s:?} is not a port (8443, :8443) or an address (127.0.0.1:8443, [::1]:8443)")
        })
}

/// 127.0.0.1 and, where this machine has IPv6, [::1].
fn loopback(port: u16) -> Vec<SocketAddr> {
    let mut addrs = vec![SocketAddr::from(([127, 0, 0, 1], port))];
    if std::net::TcpListener::bind((std::net::Ipv6Addr::LOCALHOST, 0)).is_ok() {
        addrs.push(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)));
    }
    addrs
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ClientAuthArg {
    Optional,
    Required,
}

/// Runs the command; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    // This runtime only accepts connections and watches for signals; the connections
    // themselves run on the server's worker threads (`--workers`).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

/// Where the certificate comes from, so SIGHUP can read it again.
struct CertSource {
    cert: PathBuf,
    key: PathBuf,
    /// Present when the files are the local CA's: then the root to tell people about.
    ca_root: Option<PathBuf>,
    /// The padlock home of that CA (its leaf is renewed there).
    home: Option<PathBuf>,
    /// The names besides localhost that leaf is for (`--name`).
    names: Vec<SubjectName>,
}

async fn serve(args: Args) -> anyhow::Result<i32> {
    let provider = credentials::provider();
    let source = cert_source(&args, provider.as_ref())?;
    let client_roots = match &args.client_ca {
        Some(path) => {
            let mode = match args.client_auth {
                ClientAuthArg::Optional => ClientAuthMode::Optional,
                ClientAuthArg::Required => ClientAuthMode::Required,
            };
            Some((credentials::load_roots(path)?, mode))
        }
        None => None,
    };
    let insist_on_post_quantum = args.insist_on_post_quantum;
    let protocol = args.protocol.clone();
    let groups = args
        .groups
        .as_deref()
        .map(crate::common::parse_groups)
        .transpose()?;
    let resumption = Resumption::new(&args, &provider)?;
    let load = {
        let provider = provider.clone();
        let client_roots = client_roots.clone();
        let resumption = resumption.clone();
        move |source: &CertSource| -> anyhow::Result<_> {
            let key =
                credentials::load_certified_key(provider.as_ref(), &source.cert, &source.key)?;
            let mut config =
                credentials::server_config(provider.clone(), key, client_roots.clone());
            let c = Arc::make_mut(&mut config);
            if let Some(groups) = &groups {
                c.groups = groups.clone();
            }
            if insist_on_post_quantum {
                c.insist_on_post_quantum = true;
            }
            protocol.apply_to_server(c)?;
            resumption.apply(c);
            Ok(config)
        }
    };
    let tls = TlsSetup::new(load(&source)?);

    let mode = match &args.proxy {
        Some(url) => Mode::Proxy(Box::new(Proxy::new(url)?)),
        None => Mode::Files(
            FileServer::new(&args.dir)?.with_dotfiles(match args.dotfiles {
                DotfilesArg::Hide => Dotfiles::Hide,
                DotfilesArg::Allow => Dotfiles::Allow,
            }),
        ),
    };
    let site = Arc::new(Site {
        mode,
        hsts: args.hsts.then(|| Duration::from_secs(args.hsts_max_age)),
        access_log: !args.quiet,
    });
    let mut listen: Vec<SocketAddr> = Vec::new();
    for addr in args.listen.iter().flat_map(|l| l.0.iter()) {
        if !listen.contains(addr) {
            listen.push(*addr);
        }
    }
    if listen.is_empty() {
        listen = loopback(8443);
    }
    let mut options = ServerOptions::new(listen, site);
    options.tls = Some(tls.clone());
    options.redirect_http = args.redirect_http;
    options.handshake_timeout = Duration::from_secs(args.handshake_timeout);
    options.idle_timeout = Duration::from_secs(args.idle_timeout);
    // Each connection is a file descriptor; the soft limit is often 1,024 while the hard
    // one is far higher. A failure leaves the limit as it was, and the budgets follow it.
    let _ = padlock_https::admission::raise_open_file_limit();
    options.max_connections = args
        .max_connections
        .unwrap_or_else(padlock_https::admission::connection_limit)
        .max(1);
    options.max_handshakes = args.max_handshakes;
    options.backlog = args.backlog.max(1);
    options.reuse_port = args.reuse_port;
    options.log_each_failure = !args.quiet;
    options.workers = Some(match args.workers {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    });
    // Listen for Ctrl-C and SIGTERM before the port opens: until a handler is registered
    // the signal's default action kills the process outright, open requests and all.
    let shutdown = shutdown_signal();
    let server = Server::bind(options).await?;

    print_banner(&args, &server, &source);
    spawn_reloader(tls, source, load);
    if let (Some(path), Some(ring)) = (&args.ticket_keys, resumption.ring) {
        ticket_keys::spawn_watch(path.clone(), ring, || async {
            let mut hup = sighup();
            next_sighup(&mut hup).await
        });
    }

    server.run(shutdown).await?;
    eprintln!("padlock: stopped");
    Ok(0)
}

/// How much 0-RTT data `--early-data` accepts per connection (RFC 8446 §4.2.10): enough for
/// a few request heads.
const EARLY_DATA_LIMIT: u32 = 16 * 1024;

/// What every server configuration of this process shares, so that a certificate reload
/// keeps the tickets already issued resumable and the replay register whole.
#[derive(Clone)]
struct Resumption {
    ticketer: Arc<dyn Ticketer>,
    /// The ring of `--ticket-keys`, which the key file's watcher updates.
    ring: Option<Arc<TicketKeyRing>>,
    strike_register: Arc<StrikeRegister>,
    /// TLS 1.2 sessions by session id, for clients that take no tickets.
    session_ids: Arc<ServerSessionCache>,
    max_early_data_size: u32,
}

impl Resumption {
    fn new(args: &Args, provider: &Arc<dyn padlock_crypto::Provider>) -> anyhow::Result<Self> {
        let ring = match &args.ticket_keys {
            Some(path) => {
                let keys = ticket_keys::read_keys(path)?;
                let summary = ticket_keys::describe(&keys);
                let ring = TicketKeyRing::new(provider.clone(), keys)
                    .with_context(|| format!("ticket keys from {}", path.display()))?;
                eprintln!("padlock: ticket keys from {}: {summary}", path.display());
                Some(Arc::new(ring))
            }
            None => None,
        };
        let ticketer: Arc<dyn Ticketer> = match &ring {
            Some(ring) => ring.clone(),
            None => Arc::new(RotatingTicketer::new(
                provider.clone(),
                RotatingTicketer::DEFAULT_PERIOD,
            )),
        };
        Ok(Resumption {
            ticketer,
            ring,
            strike_register: Arc::new(StrikeRegister::new(
                provider.as_ref(),
                StrikeRegister::DEFAULT_CAPACITY,
                StrikeRegister::DEFAULT_WINDOW,
            )),
            session_ids: Arc::new(ServerSessionCache::new(
                provider.clone(),
                ServerSessionCache::DEFAULT_SESSION_IDS,
                padlock_tls::DEFAULT_TICKET_LIFETIME,
            )),
            max_early_data_size: if args.early_data { EARLY_DATA_LIMIT } else { 0 },
        })
    }

    fn apply(&self, config: &mut padlock_tls::ServerConfig) {
        config.ticketer = Some(self.ticketer.clone());
        config.strike_register = self.strike_register.clone();
        config.session_id_cache = Some(self.session_ids.clone());
        config.max_early_data_size = self.max_early_data_size;
    }
}

fn cert_source(args: &Args, provider: &dyn padlock_crypto::Provider) -> anyhow::Result<CertSource> {
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        return Ok(CertSource {
            cert: cert.clone(),
            key: key.clone(),
            ca_root: None,
            home: None,
            names: Vec::new(),
        });
    }
    let home = CaPaths::default_home();
    let first_run = !CaPaths::new(&home).root_cert().exists();
    let extra = args
        .names
        .iter()
        .map(|n| crate::cmd_ca::parse_name(n).with_context(|| format!("--name {n:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ca = LocalCa::open_or_init(provider, &home, InitOptions::default())
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| {
            format!(
                "cannot open or create the local CA under {}",
                home.display()
            )
        })?;
    if first_run {
        eprintln!(
            "padlock: created a local CA in {}",
            ca.paths().dir.display()
        );
    }
    let (_, (cert, key)) = ca.serve_leaf(&extra).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(CertSource {
        cert,
        key,
        ca_root: Some(ca.root_pem_path()),
        home: Some(home),
        names: extra,
    })
}

fn print_banner(args: &Args, server: &Server, source: &CertSource) {
    let what = match &args.proxy {
        Some(url) => format!("proxying to {url}"),
        None => {
            let dir = std::fs::canonicalize(&args.dir).unwrap_or_else(|_| args.dir.clone());
            format!("serving {}", dir.display())
        }
    };
    let urls = banner_urls(&server.local_addrs(), &args.names);
    println!("padlock: {what} on {}", urls.join(" and "));
    if let Some(r) = server.redirect_addr() {
        println!("padlock: redirecting http://{r}/ to HTTPS");
    }
    if let (Some(root), Some(home), Some(url)) = (&source.ca_root, &source.home, urls.first()) {
        let trusted = trust::Root::of_home(home)
            .map(|r| trust::trusted_by_browsers_or_system(&r))
            .unwrap_or(false);
        if !trusted {
            println!(
                "padlock: browsers don't trust padlock's local CA yet: run `padlock ca install` \
                 once (then `padlock ca status`)"
            );
        }
        println!("padlock: try it:  curl --cacert {} {url}", root.display());
    }
    if !args.names.is_empty() && urls.iter().any(|u| !u.contains("localhost")) {
        println!(
            "padlock: names other than localhost must resolve to this machine (/etc/hosts, or \
             curl --resolve NAME:PORT:127.0.0.1)"
        );
    }
}

/// Each distinct URL once: `localhost` for the loopback and unspecified addresses, then
/// every `--name` on each port.
fn banner_urls(addrs: &[SocketAddr], names: &[String]) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    let mut push = |url: String| {
        if !urls.contains(&url) {
            urls.push(url);
        }
    };
    for addr in addrs {
        push(url_for(*addr));
    }
    // A wildcard names no one URL.
    for name in names.iter().filter(|n| !n.starts_with("*.")) {
        for addr in addrs {
            let host = match name.parse::<std::net::Ipv6Addr>() {
                Ok(v6) => format!("[{v6}]"),
                Err(_) => name.to_ascii_lowercase(),
            };
            push(format!("https://{host}:{}/", addr.port()));
        }
    }
    urls
}

fn url_for(addr: SocketAddr) -> String {
    let host = match addr.ip() {
        ip if ip.is_loopback() || ip.is_unspecified() => "localhost".to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    };
    format!("https://{host}:{}/", addr.port())
}

/// Ctrl-C or SIGTERM. The handlers are registered when this is called, not when the future
/// is first polled, so a signal that arrives in between is still a graceful shutdown.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        match (interrupt, terminate) {
            (Some(mut interrupt), Some(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            (Some(mut interrupt), None) => {
                interrupt.recv().await;
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        eprintln!("padlock: shutting down (finishing open requests)");
    }
}

/// How often the certificate files are looked at for changes.
const WATCH_EVERY: Duration = Duration::from_secs(2);
/// How often the local CA's leaf is checked for renewal (it is renewed a week before it
/// expires); `PADLOCK_RENEW_CHECK_SECS` shortens it for tests.
const RENEW_CHECK_EVERY: Duration = Duration::from_secs(3600);

/// Keeps the served certificate current: reloads `--cert/--key` (or the local CA's leaf)
/// when the files change or on SIGHUP, and renews the local CA's leaf before it expires.
/// New handshakes use the new certificate; open connections keep theirs. A load that fails
/// (a half-written pair, a key that does not match) keeps the old certificate and is
/// reported once.
fn spawn_reloader<F>(tls: TlsSetup, source: CertSource, load: F)
where
    F: Fn(&CertSource) -> anyhow::Result<Arc<padlock_tls::ServerConfig>> + Send + 'static,
{
    tokio::spawn(async move {
        let renew_every = std::env::var("PADLOCK_RENEW_CHECK_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(RENEW_CHECK_EVERY, Duration::from_secs);
        let mut watch = tokio::time::interval(WATCH_EVERY);
        let mut renew = tokio::time::interval(renew_every);
        // The first ticks fire at once; the files were just loaded and the leaf just renewed.
        watch.tick().await;
        renew.tick().await;
        let mut hup = sighup();
        let mut loaded = FileStamp::of(&source);
        let mut failed: Option<FileStamp> = None;
        loop {
            let forced = tokio::select! {
                _ = watch.tick() => false,
                _ = renew.tick() => {
                    renew_local_leaf(&source);
                    false
                }
                _ = next_sighup(&mut hup) => true,
            };
            let stamp = FileStamp::of(&source);
            if !forced && (stamp == loaded || failed.as_ref() == Some(&stamp)) {
                continue;
            }
            match load(&source) {
                Ok(config) => {
                    tls.replace(config);
                    loaded = stamp;
                    failed = None;
                    eprintln!("padlock: reloaded {}", source.cert.display());
                }
                Err(e) => {
                    eprintln!("padlock: reload failed, keeping the old certificate: {e:#}");
                    failed = Some(stamp);
                }
            }
        }
    });
}

/// Re-issues the local CA's leaf if it is within a week of expiring (the new files are
/// then picked up like any change).
fn renew_local_leaf(source: &CertSource) {
    let Some(home) = &source.home else {
        return;
    };
    let provider = padlock_crypto::AwsLcProvider;
    let renewed = LocalCa::open(&provider, home).and_then(|ca| ca.serve_leaf(&source.names));
    if let Err(e) = renewed {
        eprintln!("padlock: cannot renew the local CA's certificate: {e}");
    }
}

/// What tells that a certificate or key file changed: length, modification time, inode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp(Vec<Option<(u64, Option<std::time::SystemTime>, u64)>>);

impl FileStamp {
    fn of(source: &CertSource) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp(
            [&source.cert, &source.key]
                .iter()
                .map(|p| {
                    std::fs::metadata(p)
                        .ok()
                        .map(|m| (m.len(), m.modified().ok(), m.ino()))
                })
                .collect(),
        )
    }
}

/// SIGHUP, if it can be listened for.
type Hangup = Option<tokio::signal::unix::Signal>;

fn sighup() -> Hangup {
    use tokio::signal::unix::{signal, SignalKind};
    signal(SignalKind::hangup()).ok()
}

/// The next SIGHUP (never, when it cannot be listened for).
async fn next_sighup(hup: &mut Hangup) {
    if let Some(hup) = hup {
        if hup.recv().await.is_some() {
            return;
        }
    }
    std::future::pending::<()>().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_means_both_loopback_addresses() {
        for spelling in ["8443", ":8443", "localhost:8443"] {
            let addrs = parse_listen(spelling).unwrap().0;
            assert_eq!(
                addrs[0],
                SocketAddr::from(([127, 0, 0, 1], 8443)),
                "{spelling}"
            );
            assert!(addrs
                .iter()
                .all(|a| a.port() == 8443 && a.ip().is_loopback()));
        }
        let v6 = parse_listen("[::1]:9000").unwrap().0;
        assert_eq!(
            v6,
            [SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 9000))]
        );
        assert!(parse_listen("0.0.0.0:1").is_ok());
        assert!(parse_listen("nonsense").is_err());
        assert!(parse_listen("70000").is_err());
    }

    #[test]
    fn the_banner_lists_each_distinct_url_once() {
        let addrs = [
            SocketAddr::from(([127, 0, 0, 1], 8443)),
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 8443)),
        ];
        assert_eq!(banner_urls(&addrs, &[]), ["https://localhost:8443/"]);
        let names = ["MyApp.test".to_string(), "localhost".to_string()];
        assert_eq!(
            banner_urls(&addrs, &names),
            ["https://localhost:8443/", "https://myapp.test:8443/"]
        );
    }
}
