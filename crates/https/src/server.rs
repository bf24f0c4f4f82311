//! The listener side of `padlock serve`: accept loops, connection budgets (see
//! [`admission`](crate::admission)), handshake and idle timeouts, the failure log, the
//! redirect listener, and graceful shutdown.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use padlock_pki::printable::escape_controls;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::admission::{self, Admission, Eviction, Limits, Place};
use crate::cork::{Cork, Corked};
use crate::early::{EarlyDataIo, EarlyRequests, Http};
use crate::error::Error;
use crate::failure_log::{Cause, FailureLog};
use crate::idle::{Activity, RequestGuard, Tracked};
use crate::listener::{listen, ListenOptions};
use crate::replay::{self, Replay};
use crate::site::{redirect_to_https, Answer, ConnInfo, Site};
use crate::streams::Running;
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
    /// How many connections are held at once. When all places are taken, a new connection
    /// displaces the longest-idle keep-alive connection (see [`crate::admission`]); only
    /// when every one has a request in progress does it wait in the kernel's backlog.
    /// Default: [`admission::connection_limit`], from the open-file limit.
    pub max_connections: usize,
    /// TLS handshakes in progress at once (`None`: an eighth of `max_connections`, see
    /// [`Limits::for_connections`]); beyond it the oldest handshake is dropped.
    pub max_handshakes: Option<usize>,
    /// TLS handshakes in progress at once from one client address, or one IPv6 /64
    /// (`None`: a quarter of the handshake budget).
    pub max_handshakes_per_address: Option<usize>,
    /// The listen backlog: connections the kernel completes and queues before the server
    /// accepts them. The kernel caps it at `net.core.somaxconn`.
    pub backlog: u32,
    /// Set `SO_REUSEPORT` on every listening socket, so that several server processes (of
    /// the same user) can listen on one port and the kernel spreads new connections
    /// across them, like nginx's `reuseport`. Each process keeps its own connection
    /// budgets, session-ticket keys (unless shared) and 0-RTT replay register. Off by
    /// default: with it on, another process of this user could bind the port too and
    /// take a share of its connections.
    pub reuse_port: bool,
    /// Whether each failed or reset connection gets its own log line (rate-limited to
    /// [`crate::failure_log::LINES_PER_SECOND`]); either way the rest are counted and
    /// summarised every `failure_summary_every`.
    pub log_each_failure: bool,
    /// How often the summary of failed connections is written (when there were any).
    pub failure_summary_every: Duration,
    /// How long graceful shutdown waits for open connections to finish.
    pub shutdown_grace: Duration,
    /// `Some(n)`: serve connections on `n` threads, each with its own single-threaded
    /// runtime, handing accepted connections out in turn.
    /// `None`: on the runtime that calls [`Server::run`].
    pub workers: Option<usize>,
}

impl ServerOptions {
    /// Options with the defaults: 10 s handshake, 60 s idle, connections as the open-file
    /// limit allows, a backlog of 4,096, failure lines, a summary every 10 s, 10 s grace.
    pub fn new(listen: Vec<SocketAddr>, site: Arc<Site>) -> Self {
        ServerOptions {
            listen,
            site,
            tls: None,
            redirect_http: None,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: admission::connection_limit(),
            max_handshakes: None,
            max_handshakes_per_address: None,
            backlog: DEFAULT_BACKLOG,
            reuse_port: false,
            log_each_failure: true,
            failure_summary_every: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            workers: None,
        }
    }
}

/// The default listen backlog (nginx's is 511; a flood of new connections overflowed
/// 128 in tests, costing clients a one-second SYN retransmission).
pub const DEFAULT_BACKLOG: u32 = 4096;

impl ServerOptions {
    /// The connection budgets these options ask for.
    pub fn limits(&self) -> Limits {
        let mut limits = Limits::for_connections(self.max_connections);
        if let Some(n) = self.max_handshakes {
            limits.handshakes = n.max(1);
        }
        if let Some(n) = self.max_handshakes_per_address {
            limits.handshakes_per_address = n.max(1);
        }
        limits
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
        let socket = ListenOptions {
            backlog: options.backlog,
            reuse_port: options.reuse_port,
        };
        let mut listeners = Vec::new();
        for &addr in &options.listen {
            listeners.push(listen(addr, socket)?);
        }
        let redirect = match options.redirect_http {
            Some(addr) => Some(listen(addr, socket)?),
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
        let admission = Admission::new(self.options.limits());
        let failures = Arc::new(FailureLog::new(self.options.log_each_failure));
        let shared = Arc::new(Shared {
            site: self.options.site.clone(),
            tls: self.options.tls.clone(),
            handshake_timeout: self.options.handshake_timeout,
            idle_timeout: self.options.idle_timeout,
            failures: failures.clone(),
        });
        let summaries = tokio::spawn(summarise(
            failures.clone(),
            self.options.failure_summary_every,
        ));
        let https_port = self.local_addrs().first().map_or(443, |a| a.port());
        let workers = Arc::new(Workers::start(self.options.workers)?);

        let mut loops = tokio::task::JoinSet::new();
        for listener in self.listeners {
            loops.spawn(accept_loop(
                listener,
                shared.clone(),
                admission.clone(),
                stop_rx.clone(),
                workers.clone(),
                None,
            ));
        }
        if let Some(listener) = self.redirect {
            loops.spawn(accept_loop(
                listener,
                shared.clone(),
                admission.clone(),
                stop_rx.clone(),
                workers.clone(),
                Some(https_port),
            ));
        }
        shutdown.await;
        let _ = stop_tx.send(true);
        while loops.join_next().await.is_some() {}
        // Every connection holds a place; no places held means all connections done.
        let drained = tokio::time::timeout(self.options.shutdown_grace, admission.emptied());
        if drained.await.is_err() {
            eprintln!("padlock: grace period over, closing the remaining connections");
        }
        summaries.abort();
        print_summary(&failures, self.options.failure_summary_every);
        Ok(())
    }
}

#[derive(Debug)]
struct Shared {
    site: Arc<Site>,
    tls: Option<TlsSetup>,
    handshake_timeout: Duration,
    idle_timeout: Duration,
    failures: Arc<FailureLog>,
}

/// Writes the failure summary every `period` (see [`FailureLog::summary`]).
async fn summarise(failures: Arc<FailureLog>, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await; // the first tick is immediate
    loop {
        ticks.tick().await;
        print_summary(&failures, period);
    }
}

fn print_summary(failures: &FailureLog, period: Duration) {
    if let Some(mut line) = failures.summary(period) {
        line.push('\n');
        let _ = io::Write::write_all(&mut io::stderr().lock(), line.as_bytes());
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    admission: Arc<Admission>,
    mut stop: watch::Receiver<bool>,
    workers: Arc<Workers>,
    redirect_port: Option<u16>,
) {
    loop {
        tokio::select! {
            _ = admission.room() => {}
            _ = stop.changed() => return,
        }
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
        let activity = Activity::new();
        let place = admission.admit(peer.ip(), activity.clone());
        let conn = Conn {
            peer,
            shared: shared.clone(),
            stop: stop.clone(),
            place,
            activity,
        };
        let Some(worker) = workers.next() else {
            tokio::spawn(handle_connection(tcp, conn, redirect_port));
            continue;
        };
        // The socket is registered with this runtime's reactor; re-register it with the
        // worker's, so its readiness wakes the worker directly.
        let Ok(tcp) = tcp.into_std() else { continue };
        worker.spawn(async move {
            let Ok(tcp) = TcpStream::from_std(tcp) else {
                return;
            };
            handle_connection(tcp, conn, redirect_port).await;
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

/// One accepted connection and what serving it needs.
struct Conn {
    peer: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    /// Its place in the connection table; dropped (given back) when the task ends.
    place: Place,
    activity: Arc<Activity>,
}

async fn handle_connection(tcp: TcpStream, conn: Conn, redirect_port: Option<u16>) {
    let tcp = Tracked::new(tcp, conn.activity.clone());
    let peer = conn.peer;
    let shared = conn.shared.clone();
    if let Some(port) = redirect_port {
        conn.place.established();
        let info = plain_info(peer);
        let svc = move |req| Box::pin(redirect_to_https(req, port, info.clone()));
        serve_http(Cork::new(tcp), Protocols::Auto, svc, conn).await;
        return;
    }
    let site = shared.site.clone();
    let Some(tls) = &shared.tls else {
        conn.place.established();
        let info = plain_info(peer);
        let svc = site_service(site, info);
        serve_http(Cork::new(tcp), Protocols::Auto, svc, conn).await;
        return;
    };
    {
        let failures = &shared.failures;
        // Boxed: the handshake's state (the engine mid-handshake, its timer) is larger
        // than the serving state that follows, and the task holds the larger of the two
        // for as long as the connection lives; boxed, it is freed when the handshake ends.
        let handshake = Box::pin(tokio::time::timeout(
            shared.handshake_timeout,
            tls_server::accept(tls, tcp),
        ));
        let accepted = tokio::select! {
            accepted = handshake => accepted,
            _ = conn.place.evicted() => {
                failures.record(Cause::HandshakeDisplaced, || {
                    format!("{peer} TLS handshake dropped: the oldest in progress while the server was full")
                });
                return;
            }
        };
        let (mut stream, details) = match accepted {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => {
                let cause = if is_closed_by_peer(&e) {
                    Cause::ClosedDuringHandshake
                } else {
                    Cause::HandshakeFailed
                };
                // The error may quote names from the client's certificate.
                failures.record(cause, || {
                    format!(
                        "{peer} TLS handshake failed: {}",
                        escape_controls(&e.to_string())
                    )
                });
                return;
            }
            Err(_) => {
                failures.record(Cause::HandshakeTimedOut, || {
                    format!(
                        "{peer} TLS handshake timed out after {:?}",
                        shared.handshake_timeout
                    )
                });
                return;
            }
        };
        conn.place.established();
        crate::listener::ack_promptly(stream.get_ref().0.get_ref());
        // hyper flushes when it has written a response (or a batch of HTTP/2 frames): its
        // pieces then leave in one record and one system call.
        stream.set_coalesce_writes(true);
        // A busy connection keeps its TLS buffers between wake-ups; `serve_http` polls a quiet
        // one again after `PARK_AFTER`, and that read gives them back.
        stream.set_release_buffers_after(PARK_AFTER / 2);
        let protocols = match details.alpn.as_deref() {
            Some(b"h2") => Protocols::Http2,
            Some(b"http/1.1") => Protocols::Http1,
            _ => Protocols::Auto,
        };
        // With 0-RTT data accepted, count the requests in it on their way to hyper, so the
        // service knows which ones may be replays (`crate::early`). Without ALPN the count
        // tells HTTP/2 by its preface, as hyper does.
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
        let svc = site_service(site, info);
        // Boxed (one type for both streams), and made in this block: the handshake's result
        // and the TLS stream are out of scope at the await below, so the task keeps no room
        // for them (a named binding, even moved from, keeps its place in the future).
        let serving: Pin<Box<dyn Future<Output = ()> + Send>> = match early {
            Some(requests) => {
                let io = EarlyDataIo::new(stream, requests);
                Box::pin(serve_http(Cork::new(io), protocols, svc, conn))
            }
            None => Box::pin(serve_http(Cork::new(stream), protocols, svc, conn)),
        };
        serving
    }
    .await;
}

/// The service for one connection: each request answered at once when it can be
/// ([`Site::answer_now`]), else by [`Site::handle`]'s future.
fn site_service(
    site: Arc<Site>,
    info: Arc<ConnInfo>,
) -> impl Fn(hyper::Request<hyper::body::Incoming>) -> Answer + Send + 'static {
    move |req| {
        let early = info.early_request(&req);
        match site.answer_now(&req, &info, early) {
            Some(res) => Answer::Now(Some(res)),
            None => Answer::Later(Box::pin(site.clone().handle(req, info.clone(), early))),
        }
    }
}

/// What the service knows of a plain-HTTP connection: its peer only.
fn plain_info(peer: SocketAddr) -> Arc<ConnInfo> {
    Arc::new(ConnInfo {
        peer: Some(peer),
        secure: false,
        client: None,
        tls: None,
        early: None,
    })
}

/// Whether `e` says the peer went away (closed or reset the connection) rather than that
/// something was wrong with what it sent.
fn is_closed_by_peer(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if matches!(
                io.kind(),
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
            ) {
                return true;
            }
        }
        if let Some(Error::Io { error, .. }) = e.downcast_ref::<Error>() {
            source = Some(error);
            continue;
        }
        source = e.source();
    }
    false
}

/// Which HTTP versions a connection may speak: fixed by ALPN, or sniffed from the first
/// bytes when ALPN chose nothing.
#[derive(Debug, Clone, Copy)]
enum Protocols {
    Auto,
    Http1,
    Http2,
}

/// After this long without bytes moving, a connection is polled once more so that its
/// TLS stream gives its buffers back (see `TlsStream::set_release_buffers_after`): soon
/// enough that a burst of new connections does not hold their handshake buffers long,
/// rarely enough to cost a busy connection nothing (its watchdog only sleeps again).
const PARK_AFTER: Duration = Duration::from_millis(100);

/// How long a connection asked to give its place up may take to finish the request in
/// progress before it is closed outright.
const DISPLACED_GRACE: Duration = Duration::from_secs(1);

/// hyper's HTTP/1.1 options on `$builder`, hyper's own or hyper-util's (which wraps it
/// with a type of its own).
///
/// half_close: a client may send its request and at once close its sending side (TLS
/// close_notify, RFC 8446 §6.1, which `padlock connect` and `openssl s_client` do when
/// their input ends); it still gets its answer. The idle timeout bounds the wait.
/// Half-close also keeps hyper from reading while it writes a response, which
/// `Cork::waits_to_read` relies on.
macro_rules! http1_options {
    ($builder:expr, $idle:expr) => {
        $builder
            .timer(TokioTimer::new())
            .header_read_timeout($idle)
            .half_close(true)
    };
}

/// Serves HTTP on `io` (built by the caller, so that this future holds two pointers
/// rather than a second copy of the stream: every connection's task is this big).
///
/// An HTTP/1.1 connection quiet between requests (for `PARK_AFTER`) is put to rest:
/// hyper's connection is taken apart, and built again when the client's next request
/// arrives, so an idle keep-alive connection holds no more than one that has not sent a
/// request yet. hyper would keep about 26 KB per connection while it idles: its read
/// buffer (16 KiB once the first request is read: hyper reserves 8 KiB, and the buffer
/// doubles on the next read), its 8 KiB write buffer, its state and the last response's
/// header map (kept for reuse), none of which hyper can give back while the connection
/// lives.
async fn serve_http<IO, F, Fut>(
    io: (Arc<Cork<IO>>, Corked<IO>),
    protocols: Protocols,
    handle: F,
    conn: Conn,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Send + Unpin + 'static,
    Fut: Future<Output = Result<hyper::Response<crate::body::Body>, std::convert::Infallible>>
        + Send
        + Unpin
        + 'static,
{
    let Conn {
        shared,
        stop,
        place,
        activity,
        ..
    } = conn;
    let mut watch = Watch {
        shared,
        stop,
        place,
        activity,
    };
    let idle = watch.shared.idle_timeout;
    // Counts each request as in progress until its response is ready, so the connection
    // table can tell an idle keep-alive connection from a busy one.
    let mut service = {
        let activity = watch.activity.clone();
        service_fn(move |req| Counted {
            request: Some(activity.request_started()),
            response: handle(req),
        })
    };
    // hyper's flushes are paid once per turn of the connection (see `cork`).
    let (cork, mut corked) = io;
    // Bytes read from the client that no HTTP connection has served yet.
    let mut unread = Vec::new();
    loop {
        // hyper's connection is built only once the client has sent something, and boxed,
        // so a connection idle before its first request (or rested) holds neither its
        // state nor its buffers: the task is as small as this wait (see `replay`).
        let first = if unread.is_empty() {
            match watch.first_bytes(&mut corked).await {
                Some(first) => first,
                None => return,
            }
        } else {
            std::mem::take(&mut unread)
        };
        let http1 = match protocols {
            Protocols::Http1 => true,
            Protocols::Http2 => false,
            Protocols::Auto => !could_be_http2(&first),
        };
        let io = TokioIo::new(Replay::new(first, corked));
        if !http1 {
            // Made only now, like hyper's connection, so an idle connection's task holds
            // neither the builder nor the streams' queue; boxed, so the task does not keep
            // room for them either. HTTP/2 streams run in this task, not as tasks of their
            // own (see `streams`).
            let watch = &mut watch;
            let cork = &cork;
            return Box::pin(async move {
                let mut streams = Running::default();
                let mut builder = auto::Builder::new(streams.executor());
                builder.http2().max_concurrent_streams(128);
                http1_options!(builder.http1(), idle);
                builder = match protocols {
                    Protocols::Http2 => builder.http2_only(),
                    Protocols::Auto | Protocols::Http1 => builder,
                };
                let mut http = Box::pin(builder.serve_connection_with_upgrades(io, service));
                watch
                    .serve(
                        cork,
                        http.as_mut(),
                        |c| c.graceful_shutdown(),
                        Some(&mut streams),
                        false,
                    )
                    .await;
            })
            .await;
        }
        let mut http = {
            let mut builder = http1::Builder::new();
            http1_options!(builder, idle);
            Box::new(builder.serve_connection(io, service))
        };
        let mut may_rest = true;
        loop {
            // Boxed: the task keeps no room for the loop's state while it rests.
            let served = Box::pin(watch.serve(
                &cork,
                Pin::new(&mut *http),
                |c| c.graceful_shutdown(),
                None,
                may_rest,
            ))
            .await;
            if served == Served::Ended {
                return;
            }
            // Idle, waiting for a request head: closing it reads and writes nothing more.
            Pin::new(&mut *http).graceful_shutdown();
            match std::future::poll_fn(|cx| Poll::Ready(http.poll_without_shutdown(cx))).await {
                Poll::Ready(Ok(())) => break,
                Poll::Ready(Err(e)) => return watch.record_error(e.into()),
                // Not idle after all (a request body unread, say): the shutdown is
                // graceful, the exchange in progress finishes, then the connection closes.
                Poll::Pending => may_rest = false,
            }
        }
        let parts = http.into_parts();
        let (rest, inner) = parts.io.into_inner().into_parts();
        unread = parts.read_buf.to_vec();
        unread.extend_from_slice(&rest);
        corked = inner;
        service = parts.service;
    }
}

/// Whether `first`, a connection's first bytes, may be the start of HTTP/2's connection
/// preface (RFC 9113 §3.4); if not, the client speaks HTTP/1.1.
fn could_be_http2(first: &[u8]) -> bool {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let n = first.len().min(PREFACE.len());
    first[..n] == PREFACE[..n]
}

/// A response on its way, its request counted as in progress until it is ready.
struct Counted<Fut> {
    request: Option<RequestGuard>,
    response: Fut,
}

impl<Fut: Future + Unpin> Future for Counted<Fut> {
    type Output = Fut::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Fut::Output> {
        let this = self.get_mut();
        let response = ready!(Pin::new(&mut this.response).poll(cx));
        this.request = None;
        Poll::Ready(response)
    }
}

/// How [`Watch::serve`] ended.
#[derive(Debug, PartialEq, Eq)]
enum Served {
    /// The connection is over.
    Ended,
    /// HTTP/1.1, idle between requests: to be put to rest.
    Idle,
}

/// What a connection's loop watches besides the connection: the server's stop signal,
/// its place in the connection table, and its activity (for the idle timeout).
struct Watch {
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    place: Place,
    activity: Arc<Activity>,
}

impl Watch {
    /// The first bytes of the next request, or `None` once the connection is closed: idle
    /// too long, asked to stop or to give its place up, or closed by the client.
    async fn first_bytes<IO: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        corked: &mut Corked<IO>,
    ) -> Option<Vec<u8>> {
        let first = tokio::select! {
            first = std::future::poll_fn(|cx| replay::poll_first_bytes(corked, cx)) => first,
            _ = self.stop.changed() => return close_unused(corked).await,
            _ = self.place.evicted() => return close_unused(corked).await,
            _ = self.activity.idle_for(self.shared.idle_timeout) => return close_unused(corked).await,
        };
        match first {
            Ok(first) if !first.is_empty() => Some(first),
            // The client closed (with close_notify) without a request: close likewise.
            Ok(_) => close_unused(corked).await,
            Err(e) => {
                if !is_closed_by_peer(&e) {
                    self.shared.failures.record(Cause::ConnectionError, || {
                        format!(
                            "padlock: connection ended with an error: {}",
                            escape_controls(&e.to_string())
                        )
                    });
                }
                None
            }
        }
    }

    /// Drives `conn` (and the HTTP/2 `streams` it starts) until it ends, or with
    /// `may_rest`, until it is idle between requests (an HTTP/1.1 connection quiet for
    /// `PARK_AFTER`, waiting to read).
    async fn serve<IO, C, E>(
        &mut self,
        cork: &Cork<IO>,
        mut conn: Pin<&mut C>,
        shut_down: impl Fn(Pin<&mut C>),
        mut streams: Option<&mut Running>,
        may_rest: bool,
    ) -> Served
    where
        IO: AsyncWrite + Unpin,
        C: Future<Output = Result<(), E>> + ?Sized,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let idle = self.shared.idle_timeout;
        let activity = &self.activity;
        let mut asked_to_stop = false;
        // Set when the connection was asked to give its place up: closed outright then.
        let mut displaced: Option<Pin<Box<tokio::time::Sleep>>> = None;
        // The activity time at which the connection was last polled for parking.
        let mut parked_at = None;
        loop {
            let last = activity.last();
            let parked = parked_at == Some(last);
            tokio::select! {
                result = std::future::poll_fn(|cx| {
                    cork.poll_connection(cx, |cx| match streams.as_deref_mut() {
                        Some(streams) => streams.poll_serving(conn.as_mut(), cx),
                        None => conn.as_mut().poll(cx),
                    })
                }) => {
                    if let Err(e) = result {
                        self.record_error(e.into());
                    }
                    return Served::Ended;
                }
                changed = self.stop.changed(), if !asked_to_stop => {
                    let _ = changed;
                    asked_to_stop = true;
                    shut_down(conn.as_mut());
                }
                why = self.place.evicted() => {
                    debug_assert_eq!(why, Eviction::Idle);
                    shut_down(conn.as_mut());
                    asked_to_stop = true;
                    displaced = Some(Box::pin(tokio::time::sleep(DISPLACED_GRACE)));
                }
                _ = async {
                    match displaced.as_mut() {
                        Some(grace) => grace.await,
                        None => std::future::pending().await,
                    }
                } => return Served::Ended,
                // One watchdog: first the parking poll, then the idle timeout.
                _ = activity.idle_for(if parked { idle } else { PARK_AFTER }) => {
                    if !parked {
                        if may_rest
                            && !asked_to_stop
                            && activity.requests_in_progress() == 0
                            && cork.waits_to_read()
                        {
                            return Served::Idle;
                        }
                        // Nothing to do here: the loop polls the connection again, and its
                        // read, finding nothing after a quiet spell, releases the TLS buffers.
                        parked_at = Some(last);
                        continue;
                    }
                    if asked_to_stop {
                        return Served::Ended; // Idle even after being asked to stop: drop it.
                    }
                    asked_to_stop = true;
                    shut_down(conn.as_mut());
                }
            }
        }
    }

    /// Records why a connection ended, unless it ended normally.
    fn record_error(&self, e: Box<dyn std::error::Error + Send + Sync>) {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_timeout)
        {
            // A request head not there within the idle timeout: closed quietly, like a
            // connection that went idle.
            return;
        }
        if self.activity.requests_in_progress() == 0 && is_closed_by_peer(&*e) {
            // A keep-alive connection the client closed between requests, without
            // close_notify (as browsers and load tools do): normal.
            return;
        }
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&*e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        self.shared.failures.record(Cause::ConnectionError, || {
            format!(
                "padlock: connection ended with an error: {}",
                escape_controls(&msg)
            )
        });
    }
}

/// Closes a connection that never carried a request (idle too long, asked to stop or to
/// give its place up, or closed by the client): close_notify, then the write side, within
/// a second. Returns `None`, for [`Watch::first_bytes`].
async fn close_unused<IO: AsyncWrite + Unpin>(mut io: IO) -> Option<Vec<u8>> {
    use tokio::io::AsyncWriteExt;
    // The connection goes either way; a peer that takes no close_notify is already gone.
    match tokio::time::timeout(Duration::from_secs(1), io.shutdown()).await {
        Ok(Ok(())) | Ok(Err(_)) | Err(_) => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::files::FileServer;
    use crate::site::Mode;

    /// A plain-HTTP server on a temporary folder holding `hello.txt`; stop it with the
    /// sender.
    async fn start_server(
        idle_timeout: Duration,
    ) -> (
        SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<Result<(), Error>>,
        tempfile::TempDir,
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hello.txt"), b"hello").unwrap();
        let site = Arc::new(Site {
            mode: Mode::Files(FileServer::new(dir.path()).unwrap()),
            hsts: None,
            access_log: false,
        });
        let mut opts = ServerOptions::new(vec!["127.0.0.1:0".parse().unwrap()], site);
        opts.idle_timeout = idle_timeout;
        let server = Server::bind(opts).await.unwrap();
        let addr = server.local_addrs()[0];
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        (addr, stop, task, dir)
    }

    /// Stops a server from [`start_server`], which must end cleanly within 10 s.
    async fn stop_server(
        stop: tokio::sync::oneshot::Sender<()>,
        task: tokio::task::JoinHandle<Result<(), Error>>,
    ) {
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }

    /// Reads one response with a body of `hello` (its head and body, by length).
    async fn read_hello(c: &mut TcpStream) -> String {
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.ends_with(b"\r\n\r\nhello") {
            let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
                .await
                .expect("a response within 5 s")
                .unwrap();
            assert_ne!(n, 0, "closed after {:?}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&got).into_owned()
    }

    #[tokio::test]
    async fn an_idle_keep_alive_connection_put_to_rest_serves_its_next_requests() {
        let (addr, stop, task, _dir) = start_server(Duration::from_secs(10)).await;
        let mut c = TcpStream::connect(addr).await.unwrap();
        let get = b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
        for _ in 0..3 {
            c.write_all(get).await.unwrap();
            let response = read_hello(&mut c).await;
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
            assert!(!response.to_ascii_lowercase().contains("connection: close"));
            // Quiet for longer than PARK_AFTER: hyper's connection is taken apart.
            tokio::time::sleep(PARK_AFTER * 3).await;
        }
        // A head split by a rest arrives whole, and the connection goes on.
        c.write_all(&get[..8]).await.unwrap();
        tokio::time::sleep(PARK_AFTER * 3).await;
        c.write_all(&get[8..]).await.unwrap();
        assert!(read_hello(&mut c).await.starts_with("HTTP/1.1 200"));
        tokio::time::sleep(PARK_AFTER * 3).await;
        c.write_all(get).await.unwrap();
        assert!(read_hello(&mut c).await.starts_with("HTTP/1.1 200"));
        stop_server(stop, task).await;
    }

    #[tokio::test]
    async fn a_request_head_trickled_byte_by_byte_is_cut_off_at_the_idle_timeout() {
        let (addr, stop, task, _dir) = start_server(Duration::from_millis(600)).await;

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
        stop_server(stop, task).await;
    }
}
