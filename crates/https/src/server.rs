//! The listener side of `padlock serve`: accept loops, a connection limit, handshake and
//! idle timeouts, the redirect listener, and graceful shutdown.

use padlock_pki::printable::escape_controls;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use crate::early::{EarlyDataIo, EarlyRequests, Http};
use crate::error::Error;
use crate::idle::{Activity, Tracked};
use crate::site::{redirect_to_https, ConnInfo, Site};
use crate::tls_server::{self, TlsSetup};

/// How to run the server.
#[derive(Debug)]
pub struct ServerOptions {
    /// Addresses to listen on.
    pub listen: Vec<SocketAddr>,
    /// What to serve.
    pub site: Arc<Site>,
    /// TLS, or `None` for plain HTTP (tests, or behind another terminator).
    pub tls: Option<TlsSetup>,
    /// A plain-HTTP listener that redirects every request to HTTPS.
    pub redirect_http: Option<SocketAddr>,
    /// How long a TLS handshake may take.
    pub handshake_timeout: Duration,
    /// How long a connection may move no bytes before it is closed. Also how long an
    /// HTTP/1.1 request head may take to arrive whole, counted from when the server starts
    /// waiting for it: a client trickling a byte at a time (slowloris) moves bytes, so the
    /// idle watchdog alone would keep its connection open for ever.
    pub idle_timeout: Duration,
    /// How many connections are served at once; further ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// How long graceful shutdown waits for open connections to finish.
    pub shutdown_grace: Duration,
    /// `Some(n)`: serve connections on `n` threads, each with its own single-threaded
    /// runtime, handing accepted connections out in turn.
    /// `None`: on the runtime that calls [`Server::run`].
    pub workers: Option<usize>,
}

impl ServerOptions {
    /// Options with the defaults: 10 s handshake, 60 s idle, 1024 connections, 10 s grace.
    pub fn new(listen: Vec<SocketAddr>, site: Arc<Site>) -> Self {
        ServerOptions {
            listen,
            site,
            tls: None,
            redirect_http: None,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
            workers: None,
        }
    }
}

/// A server with its sockets bound, ready to run.
#[derive(Debug)]
pub struct Server {
    options: ServerOptions,
    listeners: Vec<TcpListener>,
    redirect: Option<TcpListener>,
}

impl Server {
    /// Binds every listening socket (so a port conflict is reported before anything runs).
    pub async fn bind(options: ServerOptions) -> Result<Server, Error> {
        let mut listeners = Vec::new();
        for &addr in &options.listen {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|error| Error::Bind { addr, error })?;
            listeners.push(l);
        }
        let redirect = match options.redirect_http {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|error| Error::Bind { addr, error })?,
            ),
            None => None,
        };
        Ok(Server {
            options,
            listeners,
            redirect,
        })
    }

    /// The bound addresses of the main listeners (with real ports when port 0 was asked).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// The bound address of the redirect listener.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then stops accepting, asks every connection to
    /// finish gracefully (HTTP/1 closes after the response in flight, HTTP/2 sends GOAWAY),
    /// and waits up to the grace period for them.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let limit = Arc::new(Semaphore::new(self.options.max_connections));
        let shared = Arc::new(Shared {
            site: self.options.site.clone(),
            tls: self.options.tls.clone(),
            handshake_timeout: self.options.handshake_timeout,
            idle_timeout: self.options.idle_timeout,
        });
        let https_port = self.local_addrs().first().map_or(443, |a| a.port());
        let workers = Arc::new(Workers::start(self.options.workers)?);

        let mut loops = tokio::task::JoinSet::new();
        for listener in self.listeners {
            loops.spawn(accept_loop(
                listener,
                shared.clone(),
                limit.clone(),
                stop_rx.clone(),
                workers.clone(),
                None,
            ));
        }
        if let Some(listener) = self.redirect {
            loops.spawn(accept_loop(
                listener,
                shared.clone(),
                limit.clone(),
                stop_rx.clone(),
                workers.clone(),
                Some(https_port),
            ));
        }
        shutdown.await;
        let _ = stop_tx.send(true);
        while loops.join_next().await.is_some() {}
        // Every connection holds one permit; all permits back means all connections done.
        let all = u32::try_from(self.options.max_connections).unwrap_or(u32::MAX);
        let drained = tokio::time::timeout(self.options.shutdown_grace, limit.acquire_many(all));
        if drained.await.is_err() {
            eprintln!("padlock: grace period over, closing the remaining connections");
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Shared {
    site: Arc<Site>,
    tls: Option<TlsSetup>,
    handshake_timeout: Duration,
    idle_timeout: Duration,
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    limit: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
    workers: Arc<Workers>,
    redirect_port: Option<u16>,
) {
    loop {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = stop.changed() => return,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    eprintln!("padlock: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        let stop = stop.clone();
        let Some(worker) = workers.next() else {
            tokio::spawn(async move {
                let _permit = permit;
                handle_connection(tcp, peer, shared, stop, redirect_port).await;
            });
            continue;
        };
        // The socket is registered with this runtime's reactor; re-register it with the
        // worker's, so its readiness wakes the worker directly.
        let Ok(tcp) = tcp.into_std() else { continue };
        worker.spawn(async move {
            let _permit = permit;
            let Ok(tcp) = TcpStream::from_std(tcp) else {
                return;
            };
            handle_connection(tcp, peer, shared, stop, redirect_port).await;
        });
    }
}

/// Single-threaded runtimes on their own threads, each serving the connections handed to
/// it from start to end.
///
/// Why not one multi-threaded runtime: with keep-alive, a connection's work per request is
/// small (one read, one response, one write), so the scheduler's own costs — atomics on
/// every wake, work stealing, cross-thread wake-ups, per-tick statistics — were a visible
/// share of it. A connection pinned to one thread, as nginx pins one to a worker process,
/// avoids all of that; connections are handed out in turn so the threads share the load.
///
/// Why one accept loop handing out connections rather than every worker accepting on a
/// clone of the listening socket: tried, and when many connections open at once (a
/// benchmark's 50, a browser's burst) the first worker to wake took them all in two runs
/// of four, leaving the other idle. The hand-off costs about one extra context switch per
/// connection, small beside a handshake.
#[derive(Debug)]
struct Workers {
    handles: Vec<tokio::runtime::Handle>,
    next: std::sync::atomic::AtomicUsize,
    /// Dropped when the server finishes: each worker then stops its runtime, which cancels
    /// the connections still on it.
    _stop: Vec<tokio::sync::oneshot::Sender<()>>,
}

impl Workers {
    /// Starts `count` worker threads (`None` or 0: none — connections run on the caller's
    /// runtime).
    fn start(count: Option<usize>) -> Result<Self, Error> {
        let mut handles = Vec::new();
        let mut stops = Vec::new();
        for i in 0..count.unwrap_or(0) {
            let (handle_tx, handle_rx) = std::sync::mpsc::channel();
            let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
            std::thread::Builder::new()
                .name(format!("padlock-worker-{i}"))
                .spawn(move || {
                    let runtime = match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(rt) => rt,
                        Err(e) => {
                            let _ = handle_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = handle_tx.send(Ok(runtime.handle().clone()));
                    runtime.block_on(async {
                        let _ = stop_rx.await;
                    });
                })
                .map_err(|error| Error::io("starting a worker thread", error))?;
            // The thread answers as soon as its runtime exists (microseconds).
            let handle = handle_rx
                .recv()
                .map_err(|_| {
                    Error::io(
                        "starting a worker runtime",
                        std::io::Error::other("the worker thread ended"),
                    )
                })?
                .map_err(|error| Error::io("starting a worker runtime", error))?;
            handles.push(handle);
            stops.push(stop_tx);
        }
        Ok(Workers {
            handles,
            next: std::sync::atomic::AtomicUsize::new(0),
            _stop: stops,
        })
    }

    /// The runtime for the next connection, in turn; `None` when there are no workers.
    fn next(&self) -> Option<&tokio::runtime::Handle> {
        if self.handles.is_empty() {
            return None;
        }
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.handles.get(i % self.handles.len())
    }
}

async fn handle_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    redirect_port: Option<u16>,
) {
    let activity = Activity::new();
    let tcp = Tracked::new(tcp, activity.clone());
    let idle = shared.idle_timeout;
    if let Some(port) = redirect_port {
        let info = Arc::new(ConnInfo {
            peer: Some(peer),
            secure: false,
            client: None,
            tls: None,
            early: None,
        });
        let svc = service_fn(move |req| redirect_to_https(req, port, info.clone()));
        serve_http(tcp, Protocols::Auto, svc, stop, activity, idle).await;
        return;
    }
    let site = shared.site.clone();
    match &shared.tls {
        None => {
            let info = Arc::new(ConnInfo {
                peer: Some(peer),
                secure: false,
                client: None,
                tls: None,
                early: None,
            });
            let svc = service_fn(move |req| {
                let early = info.early_request(&req);
                site.clone().handle(req, info.clone(), early)
            });
            serve_http(tcp, Protocols::Auto, svc, stop, activity, idle).await;
        }
        Some(tls) => {
            let accepted =
                tokio::time::timeout(shared.handshake_timeout, tls_server::accept(tls, tcp)).await;
            let (stream, details) = match accepted {
                Ok(Ok(x)) => x,
                Ok(Err(e)) => {
                    // The error may quote names from the client's certificate.
                    eprintln!(
                        "{peer} TLS handshake failed: {}",
                        escape_controls(&e.to_string())
                    );
                    return;
                }
                Err(_) => {
                    eprintln!(
                        "{peer} TLS handshake timed out after {:?}",
                        shared.handshake_timeout
                    );
                    return;
                }
            };
            let protocols = match details.alpn.as_deref() {
                Some(b"h2") => Protocols::Http2,
                Some(b"http/1.1") => Protocols::Http1,
                _ => Protocols::Auto,
            };
            // With 0-RTT data accepted, count the requests in it on their way to hyper, so
            // the service knows which ones may be replays (`crate::early`). Without ALPN
            // the count tells HTTP/2 by its preface, as hyper does.
            let early = details.early_data.then(|| {
                Arc::new(EarlyRequests::new(match protocols {
                    Protocols::Http1 => Http::One,
                    Protocols::Http2 => Http::Two,
                    Protocols::Auto => Http::Sniff,
                }))
            });
            let info = Arc::new(ConnInfo {
                peer: Some(peer),
                secure: true,
                client: details.client,
                tls: details.summary,
                early: early.clone(),
            });
            let svc = service_fn(move |req| {
                let early = info.early_request(&req);
                site.clone().handle(req, info.clone(), early)
            });
            match early {
                Some(requests) => {
                    let io = EarlyDataIo::new(stream, requests);
                    serve_http(io, protocols, svc, stop, activity, idle).await;
                }
                None => serve_http(stream, protocols, svc, stop, activity, idle).await,
            }
        }
    }
}

/// Which HTTP versions a connection may speak: fixed by ALPN, or sniffed from the first
/// bytes when ALPN chose nothing.
#[derive(Debug, Clone, Copy)]
enum Protocols {
    Auto,
    Http1,
    Http2,
}

async fn serve_http<IO, S>(
    io: IO,
    protocols: Protocols,
    service: S,
    mut stop: watch::Receiver<bool>,
    activity: Arc<Activity>,
    idle: Duration,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = hyper::Response<crate::body::Body>,
            Error = std::convert::Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http2().max_concurrent_streams(128);
    // half_close: a client may send its request and at once close its sending side (TLS
    // close_notify, RFC 8446 §6.1, which `padlock connect` and `openssl s_client` do when
    // their input ends); it still gets its answer. The idle timeout bounds the wait.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(idle)
        .half_close(true);
    builder = match protocols {
        Protocols::Auto => builder,
        Protocols::Http1 => builder.http1_only(),
        Protocols::Http2 => builder.http2_only(),
    };
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut asked_to_stop = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    if e.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_timeout) {
                        // A request head not there within the idle timeout: closed
                        // quietly, like a connection that went idle.
                        return;
                    }
                    let mut msg = e.to_string();
                    let mut source = std::error::Error::source(&*e);
                    while let Some(s) = source {
                        msg.push_str(": ");
                        msg.push_str(&s.to_string());
                        source = s.source();
                    }
                    eprintln!(
                        "padlock: connection ended with an error: {}",
                        escape_controls(&msg)
                    );
                }
                return;
            }
            changed = stop.changed(), if !asked_to_stop => {
                let _ = changed;
                asked_to_stop = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = activity.idle_for(idle) => {
                if asked_to_stop {
                    return; // Idle even after being asked to stop: drop it.
                }
                asked_to_stop = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::files::FileServer;
    use crate::site::Mode;

    #[tokio::test]
    async fn a_request_head_trickled_byte_by_byte_is_cut_off_at_the_idle_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let site = Arc::new(Site {
            mode: Mode::Files(FileServer::new(dir.path()).unwrap()),
            hsts: None,
            access_log: false,
        });
        let mut opts = ServerOptions::new(vec!["127.0.0.1:0".parse().unwrap()], site);
        opts.idle_timeout = Duration::from_millis(600);
        let server = Server::bind(opts).await.unwrap();
        let addr = server.local_addrs()[0];
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));

        let started = Instant::now();
        let mut c = TcpStream::connect(addr).await.unwrap();
        let head =
            b"GET / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let mut closed = false;
        for byte in head {
            // Each byte well inside the idle timeout, so the idle watchdog never fires.
            if c.write_all(&[*byte]).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut buf = [0u8; 256];
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(1), c.read(&mut buf)).await
            {
                closed = true;
                break;
            }
        }
        let took = started.elapsed();
        assert!(closed, "a head trickled for {took:?} kept its connection");
        assert!(took < Duration::from_secs(3), "closed only after {took:?}");
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}
