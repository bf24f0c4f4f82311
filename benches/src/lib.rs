//! padlock vs rustls, side by side in one process, on the same aws-lc-rs crypto.
//!
//! Both libraries are driven through the small [`Endpoint`] trait and connected back to
//! back in memory: the sender's queued TLS bytes are handed straight to the receiver's
//! `read_tls` (one copy, into the receiver's buffer), so what is measured is each
//! library's own work — a socket's two kernel copies would cost both alike. The two binaries
//! (`padlock-bench` for speed, `padlock-bench-mem` for heap use) share this harness.
//!
//! Fairness choices: TLS 1.3 only, X25519 only (rustls would otherwise offer its hybrid
//! post-quantum group first), one cipher suite at a time, real certificate verification
//! on both sides against the same generated CA, and no session tickets in the full
//! handshakes (both servers' tickets are off, both clients keep no sessions); the resumed
//! handshakes use each library's own tickets and session cache.
#![forbid(unsafe_code)]

pub mod ceiling;
pub mod certs;
mod padlock_side;
pub mod raw;
mod rustls_side;

use std::time::{Duration, Instant};

pub use certs::{KeyType, TestPki};
pub use padlock_side::PadlockSetup;
pub use rustls_side::RustlsSetup;

/// The three TLS 1.3 suites both libraries support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    /// TLS_AES_128_GCM_SHA256.
    Aes128Gcm,
    /// TLS_AES_256_GCM_SHA384.
    Aes256Gcm,
    /// TLS_CHACHA20_POLY1305_SHA256.
    ChaCha20,
}

impl Suite {
    /// All suites, in IANA order.
    pub const ALL: [Suite; 3] = [Suite::Aes128Gcm, Suite::Aes256Gcm, Suite::ChaCha20];

    /// The IANA name.
    pub fn name(self) -> &'static str {
        match self {
            Suite::Aes128Gcm => "TLS_AES_128_GCM_SHA256",
            Suite::Aes256Gcm => "TLS_AES_256_GCM_SHA384",
            Suite::ChaCha20 => "TLS_CHACHA20_POLY1305_SHA256",
        }
    }

    /// The AEAD under the suite, for the raw reference measurement.
    pub fn aead(self) -> padlock_crypto::AeadAlgorithm {
        match self {
            Suite::Aes128Gcm => padlock_crypto::AeadAlgorithm::Aes128Gcm,
            Suite::Aes256Gcm => padlock_crypto::AeadAlgorithm::Aes256Gcm,
            Suite::ChaCha20 => padlock_crypto::AeadAlgorithm::ChaCha20Poly1305,
        }
    }
}

/// The key exchange both sides are configured for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KxGroup {
    /// X25519 alone (one share).
    X25519,
    /// The post-quantum hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), as both
    /// libraries ship it: the client offers it first and sends an X25519 share beside it,
    /// and the server picks the hybrid.
    X25519MlKem768,
}

impl KxGroup {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            KxGroup::X25519 => "X25519",
            KxGroup::X25519MlKem768 => "X25519MLKEM768",
        }
    }
}

/// One side of a TLS connection, as the harness drives it. Errors panic: a benchmark
/// that fails should stop loudly.
pub trait Endpoint {
    /// Offers queued TLS bytes to `sink`, which returns how many it took; returns the
    /// count moved (0 = nothing queued, or the sink is full).
    fn push_tls(&mut self, sink: &mut dyn FnMut(&[u8]) -> usize) -> usize;
    /// Takes TLS bytes from `data`; returns how many (0 = receive buffer full).
    fn read_tls(&mut self, data: &[u8]) -> usize;
    /// Processes buffered records.
    fn process(&mut self);
    /// Reads received plaintext into `buf`; 0 = none buffered.
    fn read_plain(&mut self, buf: &mut [u8]) -> usize;
    /// Hands received plaintext to `use_it` where it lies in the library's buffer, without
    /// a copy (`BufRead::fill_buf` then `consume`); returns the count, 0 = none buffered.
    /// `None` if the library has no such API.
    fn read_borrowed(&mut self, use_it: &mut dyn FnMut(&[u8])) -> Option<usize>;
    /// Queues plaintext; returns how much was accepted.
    fn write_plain(&mut self, data: &[u8]) -> usize;
    /// Whether the handshake is still running.
    fn is_handshaking(&self) -> bool;
    /// Whether TLS bytes are queued.
    fn wants_write(&self) -> bool;
    /// The application has nothing more to send or read for now (a server that flushed
    /// its response and waits for the next request): release what the library offers to
    /// release. padlock: `Connection::shrink_buffers`; rustls has no such call.
    fn idle(&mut self) {}
}

/// How the receiving application takes its plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// `io::Read::read` into the application's own 64 KiB buffer (one copy).
    Copy,
    /// `io::BufRead::fill_buf` + `consume`: the plaintext is used where the library
    /// decrypted it (no copy). The harness only passes the slice to `black_box`.
    Borrowed,
}

impl ReadMode {
    /// A short label for tables: the API used.
    pub fn label(self) -> &'static str {
        match self {
            ReadMode::Copy => "read",
            ReadMode::Borrowed => "fill_buf",
        }
    }
}

/// One borrowed read through a library's `BufRead` reader: `fill_buf`, hand the slice to
/// `use_it`, `consume` it all. "Nothing yet" (an empty slice or `WouldBlock`) is 0.
pub(crate) fn fill_and_consume(
    mut reader: impl std::io::BufRead,
    use_it: &mut dyn FnMut(&[u8]),
    lib: &str,
) -> usize {
    let n = match reader.fill_buf() {
        Ok(plaintext) => {
            use_it(plaintext);
            plaintext.len()
        }
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => 0,
        Err(e) => panic!("{lib}: {e}"),
    };
    reader.consume(n);
    n
}

/// The plaintext sink, reused across transfers so the harness allocates nothing per record.
pub struct Pipe {
    sink: Vec<u8>,
    mode: ReadMode,
}

impl Default for Pipe {
    fn default() -> Self {
        Self::reading(ReadMode::Copy)
    }
}

impl Pipe {
    /// A pipe whose receiver reads its plaintext through `mode`.
    pub fn reading(mode: ReadMode) -> Self {
        Self {
            sink: vec![0; 64 * 1024],
            mode,
        }
    }

    /// Reads all the plaintext `to` has ready, through this pipe's read mode.
    fn drain(&mut self, to: &mut dyn Endpoint) -> usize {
        let mut received = 0;
        // Bounded: each round takes plaintext out of a finite buffer.
        loop {
            let r = match self.mode {
                ReadMode::Copy => to.read_plain(&mut self.sink),
                ReadMode::Borrowed => to
                    .read_borrowed(&mut |plaintext| {
                        std::hint::black_box(plaintext);
                    })
                    .expect("the library has a borrowed read (check Lib::reads_borrowed)"),
            };
            if r == 0 {
                return received;
            }
            received += r;
        }
    }

    /// Delivers captured TLS bytes (from [`seal`]) to `to`, processing them and draining
    /// the plaintext they yield: the receiving half of a transfer alone. Returns the
    /// plaintext byte count.
    pub fn open(&mut self, to: &mut dyn Endpoint, mut tls: &[u8]) -> usize {
        let mut received = 0;
        // Bounded: each round moves bytes or yields plaintext, or it panics.
        loop {
            // rustls reads an empty offer as the end of the stream.
            let taken = if tls.is_empty() { 0 } else { to.read_tls(tls) };
            tls = &tls[taken..];
            to.process();
            let got = self.drain(to);
            received += got;
            if taken == 0 && got == 0 {
                assert!(tls.is_empty(), "receiver takes no more bytes");
                return received;
            }
        }
    }

    /// Moves everything `from` has queued to `to`, processing it and draining the
    /// plaintext it yields. Returns the plaintext byte count received.
    pub fn flow(&mut self, from: &mut dyn Endpoint, to: &mut dyn Endpoint) -> usize {
        let mut received = 0;
        // Bounded: each round moves bytes or the sender has nothing left.
        for _ in 0..1_000_000 {
            let moved = from.push_tls(&mut |data| to.read_tls(data));
            to.process();
            received += self.drain(to);
            if moved == 0 {
                assert!(!from.wants_write(), "receiver takes no more bytes");
                return received;
            }
        }
        panic!("flow did not finish");
    }

    /// Runs the handshake to completion (a bounded number of flights).
    pub fn handshake(&mut self, client: &mut dyn Endpoint, server: &mut dyn Endpoint) {
        for _ in 0..10 {
            self.flow(client, server);
            self.flow(server, client);
            if !client.is_handshaking()
                && !server.is_handshaking()
                && !client.wants_write()
                && !server.wants_write()
            {
                return;
            }
        }
        panic!("handshake did not complete in 10 flights");
    }

    /// Sends `total` bytes from `from` to `to` in writes of `chunk.len()`, pumping after
    /// each write; returns the bytes received.
    pub fn transfer(
        &mut self,
        from: &mut dyn Endpoint,
        to: &mut dyn Endpoint,
        chunk: &[u8],
        total: usize,
    ) -> usize {
        let mut sent = 0;
        let mut received = 0;
        while sent < total {
            let want = chunk.len().min(total - sent);
            let mut off = 0;
            while off < want {
                let n = from.write_plain(&chunk[off..want]);
                off += n;
                received += self.flow(from, to);
            }
            sent += want;
        }
        received + self.flow(from, to)
    }
}

/// Queues `total` bytes of plaintext on `from` in writes of `chunk.len()` and hands the
/// TLS bytes it produces to `sink` (which returns how many it took) after each write: the
/// sending half of a transfer alone. Returns the TLS byte count.
pub fn seal(
    from: &mut dyn Endpoint,
    chunk: &[u8],
    total: usize,
    sink: &mut dyn FnMut(&[u8]) -> usize,
) -> usize {
    let mut sent = 0;
    let mut moved = 0;
    while sent < total {
        let want = chunk.len().min(total - sent);
        let mut off = 0;
        while off < want {
            let n = from.write_plain(&chunk[off..want]);
            let m = from.push_tls(sink);
            assert!(
                n > 0 || m > 0,
                "sender takes no plaintext and sends nothing"
            );
            off += n;
            moved += m;
        }
        sent += want;
    }
    // Bounded: each round moves bytes, and the sender's queue is finite.
    loop {
        let m = from.push_tls(sink);
        if m == 0 {
            return moved;
        }
        moved += m;
    }
}

/// Collects everything `seal` produces, for [`Pipe::open`].
pub fn seal_to_vec(from: &mut dyn Endpoint, chunk: &[u8], total: usize) -> Vec<u8> {
    let mut tls = Vec::with_capacity(total + total / 64 + 1024);
    seal(from, chunk, total, &mut |data| {
        tls.extend_from_slice(data);
        data.len()
    });
    tls
}

/// A timed sample: how many operations (or bytes) in how long.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Operations or bytes done.
    pub amount: f64,
    /// Time taken.
    pub elapsed: Duration,
}

impl Sample {
    /// Times `f`, which returns the amount it did. The time is this thread's CPU time
    /// when the OS tells it ([`thread_cpu_time`]), so a busy shared machine that
    /// deschedules the benchmark does not count against either library; else wall time.
    pub fn time(f: impl FnOnce() -> f64) -> Sample {
        let start = Instant::now();
        let cpu_start = thread_cpu_time();
        let amount = f();
        let elapsed = match (cpu_start, thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => start.elapsed(),
        };
        Sample { amount, elapsed }
    }

    /// Amount per second.
    pub fn rate(&self) -> f64 {
        self.amount / self.elapsed.as_secs_f64()
    }
}

/// CPU time this thread has run (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution). Both
/// sides of every connection run on this one thread, so this is the whole cost of the work
/// measured. `None` where the OS does not provide it.
pub fn thread_cpu_time() -> Option<Duration> {
    cpu_time::ThreadTime::try_now()
        .ok()
        .map(|t| t.as_duration())
}

/// Which clock [`Sample::time`] uses here, for the report header.
pub fn clock_name() -> &'static str {
    if thread_cpu_time().is_some() {
        "thread CPU time"
    } else {
        "wall time"
    }
}

/// Whether padlock-tls has a borrowed (zero-copy) plaintext read at this commit.
pub fn padlock_reads_borrowed() -> bool {
    padlock_side::READS_BORROWED
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// One full handshake between fresh connections of either library.
pub fn one_handshake(lib: &Lib<'_>, pipe: &mut Pipe) {
    match lib {
        Lib::Padlock(s) => {
            let (mut c, mut srv) = s.connect();
            pipe.handshake(&mut c, &mut srv);
        }
        Lib::Rustls(s) => {
            let (mut c, mut srv) = s.connect();
            pipe.handshake(&mut c, &mut srv);
        }
    }
}

/// One handshake between fresh connections of either library; returns whether the client
/// resumed (a setup made with `resuming` resumes every handshake after its first).
pub fn one_resumed_handshake(lib: &Lib<'_>, pipe: &mut Pipe) -> bool {
    match lib {
        Lib::Padlock(s) => {
            let (mut c, mut srv) = s.connect();
            pipe.handshake(&mut c, &mut srv);
            PadlockSetup::resumed(&c)
        }
        Lib::Rustls(s) => {
            let (mut c, mut srv) = s.connect();
            pipe.handshake(&mut c, &mut srv);
            RustlsSetup::resumed(&c)
        }
    }
}

/// One full handshake between fresh connections of either library, with the time each
/// side spent in its own library calls (construction included, the other side's calls
/// and the harness's moves excluded): (client, server).
pub fn one_handshake_by_side(lib: &Lib<'_>, pipe: &mut Pipe) -> (Duration, Duration) {
    fn run<C: Endpoint, S: Endpoint>(
        pipe: &mut Pipe,
        client: impl FnOnce() -> C,
        server: impl FnOnce() -> S,
    ) -> (Duration, Duration) {
        let start = Instant::now();
        let mut c = client();
        let client_new = start.elapsed();
        let start = Instant::now();
        let mut s = server();
        let server_new = start.elapsed();
        let mut c = Timed::new(&mut c);
        let mut s = Timed::new(&mut s);
        pipe.handshake(&mut c, &mut s);
        (client_new + c.spent, server_new + s.spent)
    }
    match lib {
        Lib::Padlock(s) => run(pipe, || s.client(), || s.server()),
        Lib::Rustls(s) => run(pipe, || s.client(), || s.server()),
    }
}

/// An endpoint that adds up the wall time spent in its own calls (`Instant`, read through
/// the vDSO in ≈ 20 ns, so the clock adds little to a handshake's ≈ 20 calls). Time the
/// receiving side spends inside this one's `push_tls` sink is not counted here.
pub struct Timed<'a> {
    inner: &'a mut dyn Endpoint,
    /// Time spent so far.
    pub spent: Duration,
}

impl<'a> Timed<'a> {
    /// Wraps `inner`.
    pub fn new(inner: &'a mut dyn Endpoint) -> Self {
        Self {
            inner,
            spent: Duration::ZERO,
        }
    }

    fn timed<R>(&mut self, f: impl FnOnce(&mut dyn Endpoint) -> R) -> R {
        let start = Instant::now();
        let r = f(self.inner);
        self.spent += start.elapsed();
        r
    }
}

impl Endpoint for Timed<'_> {
    fn push_tls(&mut self, sink: &mut dyn FnMut(&[u8]) -> usize) -> usize {
        let start = Instant::now();
        let mut nested = Duration::ZERO;
        let n = self.inner.push_tls(&mut |data| {
            let t = Instant::now();
            let r = sink(data);
            nested += t.elapsed();
            r
        });
        self.spent += start.elapsed().saturating_sub(nested);
        n
    }
    fn read_tls(&mut self, data: &[u8]) -> usize {
        self.timed(|e| e.read_tls(data))
    }
    fn process(&mut self) {
        self.timed(|e| e.process())
    }
    fn read_plain(&mut self, buf: &mut [u8]) -> usize {
        self.timed(|e| e.read_plain(buf))
    }
    fn read_borrowed(&mut self, use_it: &mut dyn FnMut(&[u8])) -> Option<usize> {
        self.timed(|e| e.read_borrowed(use_it))
    }
    fn write_plain(&mut self, data: &[u8]) -> usize {
        self.timed(|e| e.write_plain(data))
    }
    fn is_handshaking(&self) -> bool {
        self.inner.is_handshaking()
    }
    fn wants_write(&self) -> bool {
        self.inner.wants_write()
    }
    fn idle(&mut self) {
        self.timed(|e| e.idle())
    }
}

/// Either library's configured pair of configs.
pub enum Lib<'a> {
    /// padlock.
    Padlock(&'a PadlockSetup),
    /// rustls.
    Rustls(&'a RustlsSetup),
}

/// An established connection pair of either library.
// Held by value on purpose: boxing one variant would skew the comparison.
#[allow(clippy::large_enum_variant)]
pub enum Pair {
    /// padlock client, server.
    Padlock(padlock_tls::Connection, padlock_tls::Connection),
    /// rustls client, server.
    Rustls(rustls::ClientConnection, rustls::ServerConnection),
}

impl Lib<'_> {
    /// The library's name.
    pub fn name(&self) -> &'static str {
        match self {
            Lib::Padlock(_) => "padlock",
            Lib::Rustls(_) => "rustls",
        }
    }

    /// Whether the library has a borrowed (zero-copy) plaintext read.
    pub fn reads_borrowed(&self) -> bool {
        match self {
            Lib::Padlock(_) => padlock_side::READS_BORROWED,
            Lib::Rustls(_) => true,
        }
    }

    /// Makes a connection pair and completes its handshake.
    pub fn established(&self, pipe: &mut Pipe) -> Pair {
        match self {
            Lib::Padlock(s) => {
                let (mut c, mut srv) = s.connect();
                pipe.handshake(&mut c, &mut srv);
                Pair::Padlock(c, srv)
            }
            Lib::Rustls(s) => {
                let (mut c, mut srv) = s.connect();
                pipe.handshake(&mut c, &mut srv);
                Pair::Rustls(c, srv)
            }
        }
    }
}

impl Pair {
    /// The client and server as endpoints.
    pub fn ends(&mut self) -> (&mut dyn Endpoint, &mut dyn Endpoint) {
        match self {
            Pair::Padlock(c, s) => (c, s),
            Pair::Rustls(c, s) => (c, s),
        }
    }
}
