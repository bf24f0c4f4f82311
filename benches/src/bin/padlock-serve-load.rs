//! Bounded, loopback-only load against an HTTPS server (`padlock serve` or nginx), for the
//! scripts in `benches/serve/`: floods of silent TCP connections, half-sent ClientHellos
//! and idle keep-alive TLS connections, then a normal client's fetches timed while the
//! flood is held.
//!
//! ```text
//! padlock-serve-load --port 8443 --ca ca.pem [--silent N] [--half-hello N] [--idle-tls N]
//!     [--sources 127.0.0.2,127.0.0.3] [--probes 20] [--path /1k.bin] [--settle-ms 1000]
//!     [--hold]
//! ```
//!
//! The probes start `--settle-ms` after the flood is open (the server may still be
//! accepting the end of it from its backlog): they measure the steady state of a held
//! flood, as a client arriving during one sees it.
//!
//! The flood connects from `--sources` (several 127.0.0.x addresses, so more than one
//! address's worth of source ports is available); the probes connect from 127.0.0.1.
//! With `--hold`, after the probes it prints `HOLDING` and keeps every connection open
//! until its standard input closes (the RSS script measures the server meanwhile).
//! Every target must be a loopback address: this tool refuses anything else.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use padlock_crypto::AwsLcProvider;
use padlock_tls::{ClientConfig, RootStore, ServerName, WebPkiServerVerifier};
use padlock_tokio::{TlsConnector, TlsStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;

/// The first bytes of a ClientHello record that announces 512 bytes and never sends them.
const HALF_CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x11, 0x22, 0x33, 0x44,
];

/// Connections opened at once while building a flood.
const CONCURRENCY: usize = 256;

struct Args {
    port: u16,
    ca: std::path::PathBuf,
    silent: usize,
    half_hello: usize,
    idle_tls: usize,
    sources: Vec<Ipv4Addr>,
    probes: usize,
    settle: Duration,
    path: String,
    hold: bool,
    /// The idle TLS connections only shake hands (no request).
    handshake_only: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8443,
        ca: "ca.pem".into(),
        silent: 0,
        half_hello: 0,
        idle_tls: 0,
        sources: vec![Ipv4Addr::new(127, 0, 0, 2)],
        probes: 20,
        settle: Duration::from_millis(1000),
        path: "/".into(),
        hold: false,
        handshake_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--hold" {
            args.hold = true;
            continue;
        }
        if flag == "--handshake-only" {
            args.handshake_only = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--port" => args.port = value.parse().map_err(|e| format!("--port: {e}"))?,
            "--ca" => args.ca = value.clone().into(),
            "--silent" => args.silent = number()?,
            "--half-hello" => args.half_hello = number()?,
            "--idle-tls" => args.idle_tls = number()?,
            "--probes" => args.probes = number()?,
            "--settle-ms" => args.settle = Duration::from_millis(number()? as u64),
            "--path" => args.path = value.clone(),
            "--sources" => {
                args.sources = value
                    .split(',')
                    .map(|s| s.parse::<Ipv4Addr>().map_err(|e| format!("{s}: {e}")))
                    .collect::<Result<_, _>>()?;
                if args.sources.iter().any(|a| !a.is_loopback()) {
                    return Err("--sources must be loopback addresses (127.0.0.0/8)".into());
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("padlock-serve-load: {e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run(args));
}

async fn run(args: Args) {
    let target = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let connector = TlsConnector::from(client_config(&args.ca));
    let request: Arc<[u8]> = format!("GET {} HTTP/1.1\r\nHost: localhost\r\n\r\n", args.path)
        .into_bytes()
        .into();
    let mut next_source = 0usize;
    let mut source = || {
        next_source += 1;
        args.sources[next_source % args.sources.len()]
    };

    // One fetch first: the server answers, and this process's first handshake (lazy
    // initialisation on the client side) is not counted as a probe.
    let warm_up = async {
        let tcp = TcpStream::connect(target).await?;
        fetch_on(&connector, tcp, &request).await
    };
    if let Err(e) = warm_up.await {
        eprintln!(
            "padlock-serve-load: the server does not answer {}: {e}",
            args.path
        );
        std::process::exit(1);
    }

    let started = Instant::now();
    let silent = open_many(args.silent, &mut source, target, |s| async move { Ok(s) }).await;
    let half = open_many(
        args.half_hello,
        &mut source,
        target,
        |mut s: TcpStream| async move {
            s.write_all(HALF_CLIENT_HELLO).await?;
            Ok(s)
        },
    )
    .await;
    let handshake_only = args.handshake_only;
    let idle = open_many(args.idle_tls, &mut source, target, |s: TcpStream| {
        let connector = connector.clone();
        let request = request.clone();
        async move {
            if handshake_only {
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                return connector.connect(name, s).await;
            }
            fetch_on(&connector, s, &request).await.map(|(tls, _)| tls)
        }
    })
    .await;
    println!(
        "flood: {} silent, {} half ClientHello, {} idle TLS keep-alive open ({} failed) in {:.1} s",
        silent.open.len(),
        half.open.len(),
        idle.open.len(),
        silent.failed + half.failed + idle.failed,
        started.elapsed().as_secs_f64()
    );

    tokio::time::sleep(args.settle).await;
    let mut times = Vec::new();
    let mut failures = 0;
    for _ in 0..args.probes {
        let t = Instant::now();
        let fetched = tokio::time::timeout(Duration::from_secs(30), async {
            let tcp = TcpStream::connect(target).await?;
            tcp.set_nodelay(true)?;
            fetch_on(&connector, tcp, &request).await
        })
        .await;
        match fetched {
            Ok(Ok(_)) => times.push(t.elapsed()),
            Ok(Err(e)) => {
                failures += 1;
                eprintln!("probe failed after {:?}: {e}", t.elapsed());
            }
            Err(_) => {
                failures += 1;
                eprintln!("probe timed out after 30 s");
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let in_order: Vec<String> = times.iter().map(|t| format!("{:.1}", ms(*t))).collect();
    println!("probe times (ms, in order): {}", in_order.join(" "));
    times.sort();
    if let (Some(first), Some(last)) = (times.first(), times.last()) {
        let median = times[times.len() / 2];
        let slow = times
            .iter()
            .filter(|t| **t > Duration::from_millis(100))
            .count();
        println!(
            "probes: {} served, {failures} failed; median {:.2} ms, min {:.2} ms, max {:.2} ms; over 100 ms: {slow}",
            times.len(),
            ms(median),
            ms(*first),
            ms(*last)
        );
    } else if args.probes > 0 {
        println!("probes: 0 served, {failures} failed");
    }
    // Still open after the probes (the server may have closed flood connections).
    let still = still_open(&silent.open).await + still_open(&half.open).await;
    println!(
        "flood connections the server had closed by the end: {} of {}",
        silent.open.len() + half.open.len() - still,
        silent.open.len() + half.open.len()
    );

    if args.hold {
        println!("HOLDING");
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    }
    drop((silent, half, idle));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Opened<T> {
    open: Vec<T>,
    failed: usize,
}

/// Opens `count` connections from the source addresses, `CONCURRENCY` at a time, each
/// finished by `then`.
async fn open_many<T, F, Fut>(
    count: usize,
    source: &mut impl FnMut() -> Ipv4Addr,
    target: SocketAddr,
    then: F,
) -> Opened<T>
where
    T: Send + 'static,
    F: Fn(TcpStream) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<T>> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        let permit = gate.clone().acquire_owned().await.expect("open semaphore");
        let from = source();
        let connect = async move {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from((IpAddr::V4(from), 0)))?;
            socket.connect(target).await
        };
        let then = &then;
        let fut = async move {
            let tcp = connect.await?;
            tcp.set_nodelay(true)?;
            Ok::<_, std::io::Error>(tcp)
        };
        let tcp = fut.await;
        let finish = tcp.map(then);
        tasks.spawn(async move {
            let r = match finish {
                Ok(f) => tokio::time::timeout(Duration::from_secs(60), f)
                    .await
                    .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())),
                Err(e) => Err(e),
            };
            drop(permit);
            r
        });
    }
    let mut opened = Opened {
        open: Vec::with_capacity(count),
        failed: 0,
    };
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(Ok(t)) => opened.open.push(t),
            _ => opened.failed += 1,
        }
    }
    opened
}

/// How many of `conns` the server has not closed (a read would block).
async fn still_open<T: AsRawStream>(conns: &[T]) -> usize {
    conns.iter().filter(|c| c.looks_open()).count()
}

trait AsRawStream {
    fn looks_open(&self) -> bool;
}

impl AsRawStream for TcpStream {
    fn looks_open(&self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

/// A TLS handshake on `tcp`, one request, and its whole response read (by Content-Length);
/// returns the still-open stream and the body length.
async fn fetch_on(
    connector: &TlsConnector,
    tcp: TcpStream,
    request: &[u8],
) -> std::io::Result<(TlsStream<TcpStream>, usize)> {
    let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(request).await?;
    tls.flush().await?;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        got.extend_from_slice(&buf[..n]);
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            if !head.starts_with("http/1.1 200") {
                return Err(std::io::Error::other(format!(
                    "not a 200: {}",
                    head.lines().next().unwrap_or("")
                )));
            }
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return Ok((tls, length));
            }
        }
    }
}

fn client_config(ca: &std::path::Path) -> Arc<ClientConfig> {
    let mut roots = RootStore::new();
    roots
        .add_file(ca)
        .unwrap_or_else(|e| panic!("reading {}: {e}", ca.display()));
    let provider = Arc::new(AwsLcProvider);
    let verifier = Arc::new(WebPkiServerVerifier::new(provider.clone(), Arc::new(roots)));
    let mut config = ClientConfig::new(provider, verifier);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}
