//! padlock vs rustls, side by side in one process, on the same aws-lc-rs crypto.
//!
//! Both libraries are driven through the small [`Endpoint`] trait, connected back to back
//! through an in-memory "wire" buffer per direction, so each pays the same copies a socket
//! would cost: TLS bytes are written into the wire, then read from it. The two binaries
//! (`padlock-bench` for speed, `padlock-bench-mem` for heap use) share this harness.
//!
//! Fairness choices: TLS 1.3 only, X25519 only (rustls would otherwise offer its hybrid
//! post-quantum group first), one cipher suite at a time, real certificate verification
//! on both sides against the same generated CA, and no session tickets (padlock's server
//! sends none; rustls' would by default).
#![forbid(unsafe_code)]

pub mod certs;
mod padlock_side;
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

/// One side of a TLS connection, as the harness drives it. Errors panic: a benchmark
/// that fails should stop loudly.
pub trait Endpoint {
    /// Appends every queued TLS byte to `wire`.
    fn write_tls(&mut self, wire: &mut Vec<u8>);
    /// Takes TLS bytes from `data`; returns how many (0 = receive buffer full).
    fn read_tls(&mut self, data: &[u8]) -> usize;
    /// Processes buffered records.
    fn process(&mut self);
    /// Reads received plaintext into `buf`; 0 = none buffered.
    fn read_plain(&mut self, buf: &mut [u8]) -> usize;
    /// Queues plaintext; returns how much was accepted.
    fn write_plain(&mut self, data: &[u8]) -> usize;
    /// Whether the handshake is still running.
    fn is_handshaking(&self) -> bool;
    /// Whether TLS bytes are queued.
    fn wants_write(&self) -> bool;
}

/// Buffers reused across transfers, so the harness itself allocates nothing per record.
pub struct Pipe {
    wire: Vec<u8>,
    sink: Vec<u8>,
}

impl Default for Pipe {
    fn default() -> Self {
        Self {
            wire: Vec::with_capacity(256 * 1024),
            sink: vec![0; 64 * 1024],
        }
    }
}

impl Pipe {
    /// Moves everything `from` has queued to `to`, processing it and draining the
    /// plaintext it yields. Returns the plaintext byte count received.
    pub fn flow(&mut self, from: &mut dyn Endpoint, to: &mut dyn Endpoint) -> usize {
        self.wire.clear();
        from.write_tls(&mut self.wire);
        let mut offset = 0;
        let mut received = 0;
        while offset < self.wire.len() {
            let n = to.read_tls(&self.wire[offset..]);
            offset += n;
            to.process();
            loop {
                let r = to.read_plain(&mut self.sink);
                if r == 0 {
                    break;
                }
                received += r;
            }
            assert!(
                n > 0 || offset == self.wire.len() || received > 0,
                "receiver made no progress"
            );
        }
        received
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

/// A timed sample: how many operations (or bytes) in how long.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Operations or bytes done.
    pub amount: f64,
    /// Time taken.
    pub elapsed: Duration,
}

impl Sample {
    /// Times `f`, which returns the amount it did.
    pub fn time(f: impl FnOnce() -> f64) -> Sample {
        let start = Instant::now();
        let amount = f();
        Sample {
            amount,
            elapsed: start.elapsed(),
        }
    }

    /// Amount per second.
    pub fn rate(&self) -> f64 {
        self.amount / self.elapsed.as_secs_f64()
    }
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
