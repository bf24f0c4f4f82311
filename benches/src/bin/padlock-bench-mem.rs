//! Heap: bytes retained per established connection, idle and after a bulk transfer,
//! padlock vs rustls; and padlock's resumption state: heap per session in the client's
//! cache and per entry in the server's strike register, and that both stay bounded.
//!
//! Measured with a counting global allocator (`stats_alloc`, which holds the one `unsafe`
//! `GlobalAlloc` impl so this crate needs none). It lives in this separate binary so the
//! speed benchmark runs on the plain system allocator.
//!
//! ```text
//! cargo run --release -p padlock-benches --bin padlock-bench-mem [-- --conns N --kib K]
//! ```
#![forbid(unsafe_code)]

use std::alloc::System;

use padlock_benches::{Endpoint, PadlockSetup};
use padlock_benches::{KeyType, Pipe, RustlsSetup, Suite, TestPki};
use padlock_tls::ticket::{ClientSessionCache, SessionStore, StrikeRegister};
use padlock_tls::ServerName;
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes currently allocated on the heap by the whole process.
///
/// `stats_alloc` already books a `realloc`'s growth into `bytes_allocated` and a shrink into
/// `bytes_deallocated`; its `bytes_reallocated` is the net of those same changes, so adding
/// it as well would count every resize twice.
fn heap_now() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

fn main() {
    let mut conns = 100usize;
    let mut kib = 1024usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        match pair[0].as_str() {
            "--conns" => conns = value.parse().expect("--conns N"),
            "--kib" => kib = value.parse().expect("--kib K"),
            other => panic!("unknown argument {other}; use --conns N --kib K"),
        }
    }

    let pki = TestPki::generate(KeyType::P256);
    println!(
        "Heap retained per connection (bytes; heap only — add the struct itself, shown \
         separately). {conns} connection pairs, ECDSA P-256, X25519, TLS_AES_128_GCM_SHA256; \
         'after bulk' = after {kib} KiB each way in 16 KiB writes, everything read."
    );
    println!();
    println!("| side | state | padlock | rustls | padlock/rustls |");
    println!("|---|---|---:|---:|---:|");

    let padlock = PadlockSetup::new(&pki, Suite::Aes128Gcm);
    let rustls = RustlsSetup::new(&pki, Suite::Aes128Gcm);
    let p = measure(conns, kib, || padlock.connect());
    let r = measure(conns, kib, || rustls.connect());
    for (i, (side, state)) in [
        ("client", "idle after handshake"),
        ("server", "idle after handshake"),
        ("client", "after bulk"),
        ("server", "after bulk"),
    ]
    .iter()
    .enumerate()
    {
        println!(
            "| {side} | {state} | {:.0} | {:.0} | {:.2} |",
            p[i],
            r[i],
            p[i] / r[i]
        );
    }
    println!();
    println!(
        "Struct sizes (held inline by the caller): padlock Connection {} bytes; rustls \
         ClientConnection {} bytes, ServerConnection {} bytes.",
        std::mem::size_of::<padlock_tls::Connection>(),
        std::mem::size_of::<rustls::ClientConnection>(),
        std::mem::size_of::<rustls::ServerConnection>()
    );
    println!();
    resumption_state(&pki);
}

/// Heap per cached client session and per strike-register entry, and the caches' bounds.
fn resumption_state(pki: &TestPki) {
    const SESSIONS: usize = 1000;
    let setup = PadlockSetup::zero_rtt(pki, Suite::Aes128Gcm);
    let mut pipe = Pipe::default();
    let (mut c, mut s) = setup.connect();
    pipe.handshake(&mut c, &mut s);
    let store = setup
        .client_config()
        .session_store
        .clone()
        .expect("a store");
    let name = ServerName::try_from("localhost").expect("name");
    let session = store.take(&name).expect("a ticket arrived");

    // The same real session under SESSIONS names (one each): heap per cached session. The
    // clones share its certificate chain, as the tickets of one connection do.
    let cache = ClientSessionCache::new(SESSIONS);
    let names: Vec<ServerName> = (0..2 * SESSIONS)
        .map(|i| ServerName::try_from(format!("host{i}.test").as_str()).expect("name"))
        .collect();
    let base = heap_now();
    for name in &names[..SESSIONS] {
        cache.insert(name, session.clone());
    }
    let per_session = (heap_now() - base) as f64 / SESSIONS as f64;
    for name in &names[SESSIONS..] {
        cache.insert(name, session.clone());
    }
    for _ in 0..10 {
        cache.insert(&names[0], session.clone());
    }
    let bound = SESSIONS + ClientSessionCache::SESSIONS_PER_SERVER - 1;
    assert!(cache.len() <= bound, "the client cache is bounded");

    // 0-RTT handshakes: each accepted one leaves its binder in the server's register.
    let register: &StrikeRegister = &setup.server_config().strike_register;
    let handshakes = 4096;
    let (mut c, mut s) = setup.connect();
    pipe.handshake(&mut c, &mut s);
    let base = heap_now();
    let before = register.len();
    for _ in 0..handshakes {
        let (mut c, mut s) = setup.connect();
        c.write_early_data(b"x").expect("0-RTT offered");
        pipe.handshake(&mut c, &mut s);
    }
    let entries = register.len() - before;
    assert_eq!(entries, handshakes, "every 0-RTT handshake was recorded");
    let per_entry = (heap_now() - base) as f64 / entries as f64;
    println!(
        "Resumption state (padlock; heap bytes, measured with real sessions and 0-RTT handshakes):"
    );
    println!();
    println!("| what | bytes each | bound |");
    println!("|---|---:|---|");
    println!(
        "| client session cache, per cached session ({} bytes as `to_bytes`), besides the server's chain ({} bytes in {} certificate(s)), which the sessions of one connection share | {per_session:.0} | {} server names × {} sessions (`ClientSessionCache::new`; 256 names by default); {} sessions held after {} inserts |",
        session.to_bytes().len(),
        session.peer_certificates().iter().map(Vec::len).sum::<usize>(),
        session.peer_certificates().len(),
        SESSIONS,
        ClientSessionCache::SESSIONS_PER_SERVER,
        cache.len(),
        2 * SESSIONS + 10,
    );
    println!(
        "| server strike register, per entry ({entries} entries) | {per_entry:.0} | {} entries by default, each kept 2 × {} s; full = 0-RTT refused |",
        StrikeRegister::DEFAULT_CAPACITY,
        register.window().as_secs(),
    );
}

/// Returns heap bytes per connection: [client idle, server idle, client after bulk,
/// server after bulk].
fn measure<C: Endpoint, S: Endpoint>(
    n: usize,
    kib: usize,
    connect: impl Fn() -> (C, S),
) -> [f64; 4] {
    let mut pipe = Pipe::default();
    let chunk = vec![0x5a; 16 * 1024];
    // Room for every connection up front, so the vectors' growth is not counted.
    let mut clients: Vec<Option<C>> = Vec::with_capacity(n);
    let mut servers: Vec<Option<S>> = Vec::with_capacity(n);

    let base = heap_now();
    for _ in 0..n {
        let (mut c, mut s) = connect();
        pipe.handshake(&mut c, &mut s);
        c.idle();
        s.idle();
        clients.push(Some(c));
        servers.push(Some(s));
    }
    let both_idle = heap_now() - base;
    let (client_idle, server_idle) = split(&mut clients, &mut servers, base, both_idle);

    // Again, with a bulk transfer both ways on each pair.
    let mut clients: Vec<Option<C>> = Vec::with_capacity(n);
    let mut servers: Vec<Option<S>> = Vec::with_capacity(n);
    let base = heap_now();
    for _ in 0..n {
        let (mut c, mut s) = connect();
        pipe.handshake(&mut c, &mut s);
        let total = kib * 1024;
        assert_eq!(pipe.transfer(&mut c, &mut s, &chunk, total), total);
        assert_eq!(pipe.transfer(&mut s, &mut c, &chunk, total), total);
        c.idle();
        s.idle();
        clients.push(Some(c));
        servers.push(Some(s));
    }
    let both_bulk = heap_now() - base;
    let (client_bulk, server_bulk) = split(&mut clients, &mut servers, base, both_bulk);

    let per = |v: i64| v as f64 / n as f64;
    [
        per(client_idle),
        per(server_idle),
        per(client_bulk),
        per(server_bulk),
    ]
}

/// Drops the servers to tell the clients' share from theirs; returns (clients, servers).
fn split<C, S>(
    clients: &mut [Option<C>],
    servers: &mut [Option<S>],
    base: i64,
    both: i64,
) -> (i64, i64) {
    servers.iter_mut().for_each(|s| *s = None);
    let clients_only = heap_now() - base;
    clients.iter_mut().for_each(|c| *c = None);
    (clients_only, both - clients_only)
}
