//! Heap: bytes retained per established connection, idle and after a bulk transfer, and
//! the peak and the allocations of one handshake, padlock vs rustls; and padlock's
//! resumption state: heap per session in the client's cache and per entry in the server's
//! strike register, and that both stay bounded.
//!
//! Measured with dhat's counting global allocator (`dhat::Alloc`, which holds the one
//! `unsafe` `GlobalAlloc` impl so this crate needs none), in testing mode (no file). It
//! lives in this separate binary so the speed benchmark runs on the plain system allocator.
//!
//! ```text
//! cargo run --release -p padlock-benches --bin padlock-bench-mem [-- --conns N --kib K]
//! cargo run --release -p padlock-benches --bin padlock-bench-mem -- --profile-handshake LIB
//! ```
#![forbid(unsafe_code)]

use padlock_benches::{Endpoint, PadlockSetup};
use padlock_benches::{KeyType, Pipe, RustlsSetup, Suite, TestPki};
use padlock_tls::ticket::{ClientSessionCache, SessionStore, StrikeRegister};
use padlock_tls::ServerName;

#[global_allocator]
static GLOBAL: dhat::Alloc = dhat::Alloc;

/// Bytes allocated since the running profiler started and not yet freed (dhat counts the
/// blocks it saw allocated; `realloc` moves a block's size with it).
fn heap_now() -> i64 {
    dhat::HeapStats::get().curr_bytes as i64
}

/// A dhat profiler that only counts (no file is written).
fn counting() -> dhat::Profiler {
    dhat::Profiler::builder().testing().build()
}

fn main() {
    let mut conns = 100usize;
    let mut kib = 1024usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut profile = None;
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        match pair[0].as_str() {
            "--conns" => conns = value.parse().expect("--conns N"),
            "--kib" => kib = value.parse().expect("--kib K"),
            "--profile-handshake" => profile = Some(value.to_string()),
            other => {
                panic!("unknown argument {other}; use --conns N --kib K or --profile-handshake LIB")
            }
        }
    }

    let pki = TestPki::generate(KeyType::P256);
    if let Some(lib) = profile {
        return profile_one_handshake(&pki, &lib);
    }
    println!(
        "Heap retained per connection (bytes; heap only — add the struct itself, shown \
         separately). {conns} connection pairs, ECDSA P-256, X25519, TLS_AES_128_GCM_SHA256; \
         'after N bytes' = after N bytes each way in 16 KiB writes, everything read. Without \
         a call, the library releases what it can tell is idle on its own."
    );
    println!();
    println!("| side | state | padlock | rustls | padlock/rustls |");
    println!("|---|---|---:|---:|---:|");

    let padlock = PadlockSetup::new(&pki, Suite::Aes128Gcm);
    let rustls = RustlsSetup::new(&pki, Suite::Aes128Gcm);
    // Two transfer sizes: ending on a full 16 KiB record (KiB × 1024 bytes) and on a short
    // one (KiB × 1000 bytes), the usual end of a response.
    for (bytes, ends) in [(kib * 1024, "full"), (kib * 1000, "short")] {
        let r = measure(conns, bytes, false, || rustls.connect());
        for shrink in [false, true] {
            let p = measure(conns, bytes, shrink, || padlock.connect());
            let how = if shrink {
                ", padlock calls shrink_buffers"
            } else {
                ""
            };
            let bulk = format!("after {bytes} bytes (last record {ends})");
            for (i, (side, state)) in [
                ("client", "idle after handshake"),
                ("server", "idle after handshake"),
                ("client", bulk.as_str()),
                ("server", bulk.as_str()),
            ]
            .iter()
            .enumerate()
            {
                if i < 2 && ends == "short" {
                    continue;
                }
                println!(
                    "| {side} | {state}{how} | {:.0} | {:.0} | {:.2} |",
                    p[i],
                    r[i],
                    p[i] / r[i]
                );
            }
        }
    }
    println!();
    println!(
        "Besides the connections, the thread kept at most {} bytes once they were all \
         dropped: padlock's spare buffers (one send and one receive buffer per thread, \
         shared by all its connections), here for {conns} connection pairs.",
        SPARES.with(|s| s.get())
    );
    println!();
    handshake_heap(&padlock, &rustls);
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
    let _profiler = counting();
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
        session.peer_certificates().iter().map(<[u8]>::len).sum::<usize>(),
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

/// Heap while a handshake runs: the peak of the bytes the handshake pair holds at once
/// (client + server; dhat's exact `max_bytes`, transients inside a call included) and
/// the allocations it makes, padlock beside rustls.
fn handshake_heap(padlock: &PadlockSetup, rustls: &RustlsSetup) {
    const ROUNDS: usize = 9;
    let p = handshake_profile(ROUNDS, || padlock.connect());
    let r = handshake_profile(ROUNDS, || rustls.connect());
    println!(
        "Heap during one full handshake, client + server (both alive until it ends), \
         measured by dhat over that handshake alone: the peak of the bytes held at once, \
         and the blocks allocated (Rust only — aws-lc's C allocations are counted by \
         padlock-bench-callgrind as calls to malloc). Medians of {ROUNDS} handshakes."
    );
    println!();
    println!("| measure | padlock | rustls | padlock/rustls |");
    println!("|---|---:|---:|---:|");
    for (i, what) in ["peak heap, bytes", "allocations per handshake pair"]
        .iter()
        .enumerate()
    {
        println!(
            "| {what} | {:.0} | {:.0} | {:.2} |",
            p[i],
            r[i],
            p[i] / r[i]
        );
    }
    println!();
}

/// Writes dhat's profile of one handshake of `lib` (after a warm-up) to
/// `dhat-handshake-LIB.json`, for dhat's viewer (`dh_view.html`): where each allocation
/// was made.
fn profile_one_handshake(pki: &TestPki, lib: &str) {
    let padlock = PadlockSetup::new(pki, Suite::Aes128Gcm);
    let rustls = RustlsSetup::new(pki, Suite::Aes128Gcm);
    let mut pipe = Pipe::default();
    let run = |pipe: &mut Pipe| match lib {
        "padlock" => {
            let (mut c, mut s) = padlock.connect();
            pipe.handshake(&mut c, &mut s);
        }
        "rustls" => {
            let (mut c, mut s) = rustls.connect();
            pipe.handshake(&mut c, &mut s);
        }
        other => panic!("unknown library {other}: padlock | rustls"),
    };
    run(&mut pipe);
    let file = format!("dhat-handshake-{lib}.json");
    let profiler = dhat::Profiler::builder().file_name(&file).build();
    run(&mut pipe);
    drop(profiler);
    println!("wrote {file}");
}

/// [peak heap, blocks allocated] of one handshake, medians over `rounds`.
fn handshake_profile<C: Endpoint, S: Endpoint>(
    rounds: usize,
    connect: impl Fn() -> (C, S),
) -> [f64; 2] {
    let mut pipe = Pipe::default();
    // Warm-up: lazily made statics (aws-lc's, the verifier's) are not the handshake's.
    let (mut c, mut s) = connect();
    pipe.handshake(&mut c, &mut s);
    drop((c, s));
    let mut peaks = Vec::new();
    let mut blocks = Vec::new();
    for _ in 0..rounds {
        // No spare buffers from the round before: the handshake allocates its own.
        padlock_tls::free_spare_buffers();
        let profiler = counting();
        let (mut c, mut s) = connect();
        pipe.handshake(&mut c, &mut s);
        drop((c, s));
        let stats = dhat::HeapStats::get();
        drop(profiler);
        peaks.push(stats.max_bytes as f64);
        blocks.push(stats.total_blocks as f64);
    }
    [
        padlock_benches::median(&peaks),
        padlock_benches::median(&blocks),
    ]
}

/// Returns heap bytes per connection: [client idle, server idle, client after bulk,
/// server after bulk].
fn measure<C: Endpoint, S: Endpoint>(
    n: usize,
    bytes: usize,
    shrink: bool,
    connect: impl Fn() -> (C, S),
) -> [f64; 4] {
    let _profiler = counting();
    let mut pipe = Pipe::default();
    let chunk = vec![0x5a; 16 * 1024];
    // Room for every connection up front, so the vectors' growth is not counted.
    let mut clients: Vec<Option<C>> = Vec::with_capacity(n);
    let mut servers: Vec<Option<S>> = Vec::with_capacity(n);

    let base = heap_now();
    for _ in 0..n {
        let (mut c, mut s) = connect();
        pipe.handshake(&mut c, &mut s);
        if shrink {
            c.idle();
            s.idle();
        }
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
        let total = bytes;
        assert_eq!(pipe.transfer(&mut c, &mut s, &chunk, total), total);
        assert_eq!(pipe.transfer(&mut s, &mut c, &chunk, total), total);
        if shrink {
            c.idle();
            s.idle();
        }
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

/// Drops the servers, then the clients, to tell the clients' share from theirs; returns
/// (clients, servers). What is left after both are gone is not theirs: padlock's spare
/// buffers, one per direction for the whole thread (`padlock_tls::free_spare_buffers`),
/// which [`SPARES`] records for the report.
fn split<C, S>(
    clients: &mut [Option<C>],
    servers: &mut [Option<S>],
    base: i64,
    both: i64,
) -> (i64, i64) {
    servers.iter_mut().for_each(|s| *s = None);
    let clients_only = heap_now() - base;
    clients.iter_mut().for_each(|c| *c = None);
    let left = heap_now() - base;
    SPARES.with(|s| s.set(s.get().max(left)));
    padlock_tls::free_spare_buffers();
    (clients_only - left, both - clients_only)
}

thread_local! {
    /// The most heap left once every connection of a measurement was dropped: the
    /// thread's spare buffers (padlock's; rustls keeps none).
    static SPARES: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}
