//! Speed: full and resumed handshakes per second, bulk throughput (with a copying and a borrowed read),
//! and decrypt only / encrypt only, padlock vs rustls, plus the raw aws-lc-rs AEAD speed for
//! reference. Prints medians of N runs and padlock/rustls ratios.
//!
//! ```text
//! cargo run --release -p padlock-benches --bin padlock-bench [-- --runs N --mib M --secs S]
//!     [--only padlock|rustls] [--part handshakes|ceiling|post-quantum|resumption|bulk|one-way|tls12] [--quick]
//! ```
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use padlock_benches::ceiling::Ceiling;
use padlock_benches::raw::{self, RawAead, Segment};
use padlock_benches::{
    clock_name, median, one_handshake, one_handshake_by_side, one_resumed_handshake, seal,
    seal_to_vec, KeyType, KxGroup, Lib, PadlockSetup, Pipe, ReadMode, RustlsSetup, Sample, Suite,
    TestPki,
};
use padlock_crypto::{AwsLcProvider, Provider, NONCE_LEN};

/// 16 KiB application writes, as the issue asks.
const CHUNK: usize = 16 * 1024;

struct Options {
    /// Measure only this library ("padlock" or "rustls"), e.g. for profiling.
    only: Option<String>,
    /// Run only this part ("handshakes" or "bulk").
    part: Option<String>,
    runs: usize,
    mib: usize,
    handshake_secs: f64,
    /// Print every run's figure to stderr (`--show-runs`): how far the runs behind a
    /// median spread on this noisy machine.
    show_runs: bool,
}

fn main() {
    let opts = parse_args();
    println!(
        "padlock vs rustls {} — medians of {} runs; bulk {} MiB per run in {} KiB writes; \
         handshakes counted over {:.1} s per run; rates per second of {}",
        rustls_version(),
        opts.runs,
        opts.mib,
        CHUNK / 1024,
        opts.handshake_secs,
        clock_name()
    );
    println!();

    let ecdsa = TestPki::generate(KeyType::P256);
    let rsa = TestPki::generate(KeyType::Rsa2048);

    let part = |name: &str| opts.part.as_deref().is_none_or(|p| p == name);
    if part("handshakes") {
        handshake_table(&opts, &ecdsa, &rsa);
    }
    if part("handshakes") || part("ceiling") {
        ceiling_table(&opts, &ecdsa);
    }
    if part("handshakes") || part("post-quantum") {
        post_quantum_table(&opts, &ecdsa);
    }
    if part("handshakes") || part("resumption") {
        resumption_table(&opts, &ecdsa);
    }
    if part("bulk") {
        bulk_table(&opts, &ecdsa);
    }
    if part("one-way") {
        one_way_table(&opts, &ecdsa);
    }
    if part("tls12") {
        tls12_table(&opts, &ecdsa);
    }
}

/// TLS 1.2, ECDHE-ECDSA-AES128-GCM (X25519, P-256 certificate): full handshakes per second
/// and bulk MB/s, padlock vs rustls' TLS 1.2, with padlock's TLS 1.3 bulk beside it.
fn tls12_table(opts: &Options, ecdsa: &TestPki) {
    println!("## TLS 1.2: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (X25519, ECDSA P-256)");
    println!();
    println!("Full handshakes (no session resumption on either side), client + server in one thread; bulk as above, client→server.");
    println!();
    let padlock = PadlockSetup::tls12(ecdsa, Suite::Aes128Gcm);
    let rustls = RustlsSetup::tls12(ecdsa, Suite::Aes128Gcm);
    let ceiling = Ceiling::new();
    let share = ceiling.share();
    let secs = opts.handshake_secs;
    let runs = interleaved(
        opts,
        &mut [
            ("padlock", &mut || {
                handshakes_per_sec(&Lib::Padlock(&padlock), secs)
            }),
            ("rustls", &mut || {
                handshakes_per_sec(&Lib::Rustls(&rustls), secs)
            }),
            ("crypto", &mut || {
                per_sec(secs, || {
                    ceiling.tls12_client(&share);
                    ceiling.tls12_server(&share);
                })
            }),
        ],
    );
    println!(
        "Crypto only = both sides' aws-lc calls of the same handshake made straight through \
         padlock-crypto (`padlock_benches::ceiling`, `Ceiling::tls12_client` + \
         `tls12_server`): the ceiling."
    );
    println!();
    println!("| measure | padlock | rustls | crypto only | padlock/rustls | padlock/ceiling | rustls/ceiling |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| handshakes/s | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
        median(&runs[0]),
        median(&runs[1]),
        median(&runs[2]),
        median_ratio(&runs[0], &runs[1]),
        median_ratio(&runs[0], &runs[2]),
        median_ratio(&runs[1], &runs[2]),
    );
    let tls13 = PadlockSetup::new(ecdsa, Suite::Aes128Gcm);
    let (padlock, rustls, tls13) = (
        Lib::Padlock(&padlock),
        Lib::Rustls(&rustls),
        Lib::Padlock(&tls13),
    );
    let mib = opts.mib;
    let bulk = |lib: &Lib<'_>, mode| bulk_mb_per_sec(lib, true, mode, mib);
    let runs = interleaved(
        opts,
        &mut [
            ("padlock", &mut || bulk(&padlock, ReadMode::Copy)),
            ("rustls", &mut || bulk(&rustls, ReadMode::Copy)),
            ("padlock", &mut || bulk(&padlock, ReadMode::Borrowed)),
            ("rustls", &mut || bulk(&rustls, ReadMode::Borrowed)),
            ("padlock", &mut || bulk(&tls13, ReadMode::Borrowed)),
        ],
    );
    for (mode, p, r) in [
        (ReadMode::Copy, &runs[0], &runs[1]),
        (ReadMode::Borrowed, &runs[2], &runs[3]),
    ] {
        println!(
            "| bulk MB/s ({}) | {} | {} | {} |",
            mode.label(),
            rate(median(p)),
            rate(median(r)),
            ratio(median_ratio(p, r)),
        );
    }
    println!();
    println!(
        "padlock TLS 1.2 bulk / padlock TLS 1.3 bulk (TLS_AES_128_GCM_SHA256, fill_buf): {}",
        ratio(median_ratio(&runs[2], &runs[4]))
    );
    println!();
    tls12_resumption_table(opts, ecdsa);
}

/// Resumed TLS 1.2 handshakes (RFC 5077 tickets, abbreviated handshake), each library on
/// its own tickets.
fn tls12_resumption_table(opts: &Options, ecdsa: &TestPki) {
    println!("Resumed TLS 1.2 handshakes per second (each library's own RFC 5077 tickets, renewed at each resumption, from its client's default session cache; every timed handshake checked to have resumed):");
    println!();
    let padlock = PadlockSetup::tls12_resuming(ecdsa, Suite::Aes128Gcm);
    let rustls = RustlsSetup::tls12_resuming(ecdsa, Suite::Aes128Gcm);
    let secs = opts.handshake_secs;
    let runs = interleaved(
        opts,
        &mut [
            ("padlock", &mut || {
                resumptions_per_sec(&Lib::Padlock(&padlock), secs)
            }),
            ("rustls", &mut || {
                resumptions_per_sec(&Lib::Rustls(&rustls), secs)
            }),
        ],
    );
    println!("| measure | padlock | rustls | padlock/rustls |");
    println!("|---|---:|---:|---:|");
    println!(
        "| resumed handshakes/s | {} | {} | {} |",
        rate(median(&runs[0])),
        rate(median(&runs[1])),
        ratio(median_ratio(&runs[0], &runs[1])),
    );
    println!();
}

fn handshake_table(opts: &Options, ecdsa: &TestPki, rsa: &TestPki) {
    println!("## Full TLS 1.3 handshakes per second (X25519, TLS_AES_128_GCM_SHA256, client + server in one thread)");
    println!();
    println!("| certificate | padlock | rustls | padlock/rustls |");
    println!("|---|---:|---:|---:|");
    for (pki, certificate) in [(ecdsa, "ECDSA P-256"), (rsa, "RSA-2048")] {
        let padlock = PadlockSetup::new(pki, Suite::Aes128Gcm);
        let rustls = RustlsSetup::new(pki, Suite::Aes128Gcm);
        let runs = handshake_runs(opts, &padlock, &rustls);
        println!(
            "| {} | {:.0} | {:.0} | {:.2} |",
            certificate,
            median(&runs[0]),
            median(&runs[1]),
            median_ratio(&runs[0], &runs[1])
        );
    }
    println!();
}

/// Each side's CPU per handshake against the crypto it cannot avoid (issue 15).
fn ceiling_table(opts: &Options, ecdsa: &TestPki) {
    println!("## CPU per full TLS 1.3 handshake by side, against the crypto-only cost (X25519, ECDSA P-256, TLS_AES_128_GCM_SHA256)");
    println!();
    let padlock = PadlockSetup::new(ecdsa, Suite::Aes128Gcm);
    let rustls = RustlsSetup::new(ecdsa, Suite::Aes128Gcm);
    let ceiling = Ceiling::new();
    let share = ceiling.share();
    let count = ((opts.handshake_secs * 2000.0) as usize).max(50) * opts.runs;
    println!(
        "µs per handshake: each side's own library calls, timed with a monotonic clock around \
         each call (connection set-up included; the harness's moves and the other side \
         excluded). Crypto-only = the aws-lc calls a side cannot avoid, made directly \
         (`padlock_benches::ceiling`: X25519, the ECDSA P-256 signature or two \
         verifications, transcript hash, 20 HMACs, four AEAD keys and the protected \
         records). Each of {count} iterations times one padlock handshake, one rustls \
         handshake and each side's crypto-only cost, one after the other; the medians over \
         the iterations are shown, so a handshake the machine descheduled does not count. \
         Instruction counts per side: padlock-bench-callgrind."
    );
    println!();
    let mut pipe = Pipe::default();
    // Warm-up.
    for _ in 0..50 {
        one_handshake(&Lib::Padlock(&padlock), &mut pipe);
        one_handshake(&Lib::Rustls(&rustls), &mut pipe);
    }
    // [padlock client, padlock server, rustls client, rustls server, crypto client,
    // crypto server], each per iteration.
    let mut samples: [Vec<f64>; 6] = Default::default();
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        f();
        micros(start.elapsed(), 1)
    };
    for _ in 0..count {
        let (pc, ps) = one_handshake_by_side(&Lib::Padlock(&padlock), &mut pipe);
        let (rc, rs) = one_handshake_by_side(&Lib::Rustls(&rustls), &mut pipe);
        let cc = time(&|| ceiling.client(&share));
        let cs = time(&|| ceiling.server(&share));
        for (v, x) in samples.iter_mut().zip([
            micros(pc, 1),
            micros(ps, 1),
            micros(rc, 1),
            micros(rs, 1),
            cc,
            cs,
        ]) {
            v.push(x);
        }
    }
    let m: Vec<f64> = samples.iter().map(|v| median(v)).collect();
    println!("| side | padlock µs | rustls µs | crypto-only µs | padlock/crypto | rustls/crypto | padlock/rustls |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (side, p, r, c) in [("server", 1, 3, 5), ("client", 0, 2, 4)] {
        println!(
            "| {side} | {:.1} | {:.1} | {:.1} | {:.3} | {:.3} | {:.3} |",
            m[p],
            m[r],
            m[c],
            m[p] / m[c],
            m[r] / m[c],
            m[p] / m[r]
        );
    }
    println!();
}

fn micros(d: Duration, count: usize) -> f64 {
    d.as_secs_f64() * 1e6 / count as f64
}

/// The post-quantum hybrid beside X25519 alone, ECDSA P-256, both libraries.
fn post_quantum_table(opts: &Options, ecdsa: &TestPki) {
    println!("## Full TLS 1.3 handshakes per second by key exchange (ECDSA P-256, TLS_AES_128_GCM_SHA256, client + server in one thread)");
    println!();
    println!(
        "X25519MLKEM768: the client offers it first with an X25519 share beside it (both \
         libraries' default), the server picks the hybrid."
    );
    println!();
    println!("| key exchange | padlock | rustls | padlock/rustls | ClientHello bytes padlock | ClientHello bytes rustls |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut medians = Vec::new();
    for group in [KxGroup::X25519, KxGroup::X25519MlKem768] {
        let padlock = PadlockSetup::with_group(ecdsa, Suite::Aes128Gcm, group);
        let rustls = RustlsSetup::with_group(ecdsa, Suite::Aes128Gcm, group);
        let runs = handshake_runs(opts, &padlock, &rustls);
        let (p, r) = (median(&runs[0]), median(&runs[1]));
        println!(
            "| {} | {p:.0} | {r:.0} | {:.2} | {} | {} |",
            group.name(),
            median_ratio(&runs[0], &runs[1]),
            first_flight_len(&mut padlock.client()),
            first_flight_len(&mut rustls.client()),
        );
        medians.push((p, r));
    }
    let cost = |classical: f64, hybrid: f64| (classical / hybrid - 1.0) * 100.0;
    println!();
    println!(
        "Extra cost of the hybrid over X25519 (time per handshake): padlock +{:.0}%, rustls +{:.0}%",
        cost(medians[0].0, medians[1].0),
        cost(medians[0].1, medians[1].1)
    );
    println!();
}

/// Resumed handshakes (TLS 1.3 tickets, psk_dhe_ke, X25519), each library on its own
/// tickets, beside the crypto-only ceiling: with equal work (two tickets per resumption
/// from both), and with each library's default ticket policy.
fn resumption_table(opts: &Options, ecdsa: &TestPki) {
    println!("## Resumed TLS 1.3 handshakes per second (ticket, psk_dhe_ke, X25519, TLS_AES_128_GCM_SHA256, client + server in one thread)");
    println!();
    println!(
        "Each library resumes on its own stateless tickets (padlock: its default rotating \
         AES-256-GCM ticketer; rustls: its aws-lc-rs Ticketer), taken from its client's \
         default session cache; every handshake is checked to have resumed. Equal work: \
         both servers send two new tickets per resumption (rustls' default; padlock \
         configured so). Defaults: each library's own policy (padlock sends one ticket \
         after a resumption, its `resumed_ticket_count` default, replacing the one the \
         client spent; rustls two). Crypto only = the equal-work handshake's primitives \
         through padlock-crypto with no protocol around them (see `resumed_crypto_only`): \
         the ceiling."
    );
    println!();
    println!(
        "| tickets per resumption | padlock | rustls | crypto only | padlock/rustls | padlock/ceiling | rustls/ceiling |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let padlock = PadlockSetup::resuming(ecdsa, Suite::Aes128Gcm);
    let padlock_defaults = PadlockSetup::resuming_defaults(ecdsa, Suite::Aes128Gcm);
    let rustls = RustlsSetup::resuming(ecdsa, Suite::Aes128Gcm);
    let secs = opts.handshake_secs;
    let runs = interleaved(
        opts,
        &mut [
            ("padlock", &mut || {
                resumptions_per_sec(&Lib::Padlock(&padlock), secs)
            }),
            ("rustls", &mut || {
                resumptions_per_sec(&Lib::Rustls(&rustls), secs)
            }),
            ("crypto", &mut || resumed_crypto_only_per_sec(secs)),
            ("padlock", &mut || {
                resumptions_per_sec(&Lib::Padlock(&padlock_defaults), secs)
            }),
        ],
    );
    println!(
        "| equal work: 2 and 2 | {} | {} | {} | {} | {} | {} |",
        rate(median(&runs[0])),
        rate(median(&runs[1])),
        rate(median(&runs[2])),
        ratio(median_ratio(&runs[0], &runs[1])),
        ratio(median_ratio(&runs[0], &runs[2])),
        ratio(median_ratio(&runs[1], &runs[2])),
    );
    println!(
        "| defaults: padlock 1, rustls 2 | {} | {} | — | {} | — | — |",
        rate(median(&runs[3])),
        rate(median(&runs[1])),
        ratio(median_ratio(&runs[3], &runs[1])),
    );
    println!();
}

/// Resumed handshakes per second; the setup's first handshake (in the warm-up round) was
/// the full one that filled the session cache.
fn resumptions_per_sec(lib: &Lib<'_>, secs: f64) -> f64 {
    let mut pipe = Pipe::default();
    // Outside the timing: make sure a session is cached.
    one_resumed_handshake(lib, &mut pipe);
    let budget = Duration::from_secs_f64(secs);
    let sample = Sample::time(|| {
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < budget {
            assert!(
                one_resumed_handshake(lib, &mut pipe),
                "{} did not resume",
                lib.name()
            );
            count += 1;
        }
        count as f64
    });
    sample.rate()
}

/// The primitives of one resumed handshake (both sides, TLS_AES_128_GCM_SHA256, X25519,
/// two tickets), called straight on padlock-crypto, per second: the ceiling no TLS stack
/// on this provider can pass. Per handshake:
/// * key exchange: the client's X25519 key, the server's answer (key + agreement), the
///   client's agreement;
/// * the TLS 1.3 key schedule (RFC 8446 §7.1), each side, with every secret keyed once
///   however often it is expanded: 14 HMAC key set-ups (early secret, binder key, binder
///   finished key, the two derived secrets, handshake and master secrets, four traffic
///   secrets, two finished keys, resumption master secret) and 28 HMACs (the early
///   secret's extract under the all-zero salt, keyed once per process; binder key,
///   derived, binder finished key, binder; handshake extract, two traffic secrets,
///   derived; master extract, two traffic secrets, exporter and resumption master
///   secrets; a key, an IV and a finished key for each handshake traffic secret, a key and
///   an IV for each application one; two Finished MACs; two ticket PSKs);
/// * transcript hashes: each side hashes the 1 KiB handshake once, and takes 8
///   intermediate digests (as 64-byte hashes);
/// * records: 8 AES-128-GCM key setups (four per side), three 128-byte records sealed and
///   opened (EncryptedExtensions+Finished, the client's Finished, the tickets);
/// * tickets: two 160-byte AES-256-GCM seals (the server), one open (the server, the
///   offered ticket).
fn resumed_crypto_only_per_sec(secs: f64) -> f64 {
    let provider = AwsLcProvider;
    let budget = Duration::from_secs_f64(secs);
    let ticket_key = provider
        .aead_key(padlock_crypto::AeadAlgorithm::Aes256Gcm, &[9; 32])
        .expect("key");
    let zero_salt = provider.hmac_key(padlock_crypto::HashAlgorithm::Sha256, &[0; 32]);
    let transcript = vec![0x16u8; 1024];
    let sample = Sample::time(|| {
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < budget {
            resumed_crypto_only(&provider, ticket_key.as_ref(), &*zero_salt, &transcript);
            count += 1;
        }
        count as f64
    });
    sample.rate()
}

/// HMAC key set-ups and HMACs of one side's resumed key schedule (see
/// [`resumed_crypto_only_per_sec`]): how many times each keyed secret is used.
const RESUMED_SCHEDULE_USES: [usize; 14] = [2, 1, 1, 1, 3, 3, 3, 1, 4, 2, 2, 1, 1, 2];

fn resumed_crypto_only(
    provider: &AwsLcProvider,
    ticket_key: &dyn padlock_crypto::AeadKey,
    zero_salt: &dyn padlock_crypto::HmacKey,
    transcript: &[u8],
) {
    use padlock_crypto::{AeadAlgorithm, HashAlgorithm, KeyExchangeAlgorithm};
    let client = provider
        .start_key_exchange(KeyExchangeAlgorithm::X25519)
        .expect("key");
    let answer = provider
        .respond_to_key_share(KeyExchangeAlgorithm::X25519, client.public_key())
        .expect("answer");
    let shared = client.complete(&answer.share).expect("agree");
    std::hint::black_box(shared.as_ref());
    let mut secret = [7u8; 32];
    for _ in 0..2 {
        let early = zero_salt.sign(&[&secret]);
        secret.copy_from_slice(&early.as_ref()[..32]);
        for uses in RESUMED_SCHEDULE_USES {
            let key = provider.hmac_key(HashAlgorithm::Sha256, &secret);
            let mut next = [0u8; 32];
            for _ in 0..uses {
                let mac = key.sign(&[b"\x00\x20\x0dtls13 derived\x20", &secret, &[1]]);
                next.copy_from_slice(&mac.as_ref()[..32]);
            }
            secret = next;
        }
    }
    for _ in 0..2 {
        std::hint::black_box(provider.hash_once(HashAlgorithm::Sha256, transcript));
        for _ in 0..8 {
            std::hint::black_box(provider.hash_once(HashAlgorithm::Sha256, &transcript[..64]));
        }
    }
    let mut record = [0x5au8; 128 + padlock_crypto::TAG_LEN];
    let nonce = [0u8; NONCE_LEN];
    for i in 0..8 {
        let key = provider
            .aead_key(AeadAlgorithm::Aes128Gcm, &secret[..16])
            .expect("key");
        if i % 2 == 0 && i < 6 {
            let tag = key
                .seal_in_place(&nonce, &[23, 3, 3, 0, 144], &mut record[..128])
                .expect("seal");
            record[128..].copy_from_slice(&tag);
            key.open_in_place(&nonce, &[23, 3, 3, 0, 144], &mut record)
                .expect("open");
        }
    }
    let mut ticket = [0x42u8; 160 + padlock_crypto::TAG_LEN];
    for _ in 0..2 {
        let tag = ticket_key
            .seal_in_place(&nonce, &[1; 16], &mut ticket[..160])
            .expect("seal");
        ticket[160..].copy_from_slice(&tag);
    }
    ticket_key
        .open_in_place(&nonce, &[1; 16], &mut ticket)
        .expect("open");
}

/// The bytes of a client's first flight (its ClientHello record).
fn first_flight_len(client: &mut dyn padlock_benches::Endpoint) -> usize {
    let mut len = 0;
    client.push_tls(&mut |bytes| {
        len += bytes.len();
        bytes.len()
    });
    len
}

fn bulk_table(opts: &Options, ecdsa: &TestPki) {
    println!("## Bulk transfer MB/s (10^6 bytes/s), in-memory, one direction at a time");
    println!();
    println!(
        "Seal, deliver, open and read, all timed. read = `io::Read::read` into a 64 KiB \
         buffer (a copy); fill_buf = `BufRead::fill_buf` + `consume` (the plaintext used \
         where it lies). Raw = aws-lc-rs seal_in_place + open_in_place via padlock-crypto of \
         one record as TLS 1.3 sends a 16 KiB write (header as additional data, 16,385 \
         bytes of TLSInnerPlaintext; the ceiling: every byte is sealed once and opened \
         once), measured in the same rounds."
    );
    println!();
    println!("| suite | direction | read | padlock | rustls | padlock/rustls | raw AEAD | padlock/raw | rustls/raw |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    for suite in Suite::ALL {
        let padlock = PadlockSetup::new(ecdsa, suite);
        let rustls = RustlsSetup::new(ecdsa, suite);
        let (padlock, rustls) = (Lib::Padlock(&padlock), Lib::Rustls(&rustls));
        let mib = opts.mib;
        for (direction, client_sends) in [("client→server", true), ("server→client", false)] {
            let bulk = |lib: &Lib<'_>, mode| bulk_mb_per_sec(lib, client_sends, mode, mib);
            let runs = interleaved(
                opts,
                &mut [
                    ("padlock", &mut || bulk(&padlock, ReadMode::Copy)),
                    ("rustls", &mut || bulk(&rustls, ReadMode::Copy)),
                    ("padlock", &mut || bulk(&padlock, ReadMode::Borrowed)),
                    ("rustls", &mut || bulk(&rustls, ReadMode::Borrowed)),
                    ("raw", &mut || raw_aead_mb_per_sec(suite, mib, RawOp::Both)),
                ],
            );
            let raw = &runs[4];
            for (mode, p, r) in [
                (ReadMode::Copy, &runs[0], &runs[1]),
                (ReadMode::Borrowed, &runs[2], &runs[3]),
            ] {
                println!(
                    "| {} | {direction} | {} | {} | {} | {} | {} | {} | {} |",
                    suite.name(),
                    mode.label(),
                    rate(median(p)),
                    rate(median(r)),
                    ratio(median_ratio(p, r)),
                    rate(median(raw)),
                    ratio(median_ratio(p, raw)),
                    ratio(median_ratio(r, raw)),
                );
            }
        }
    }
    println!();
}

/// The receiving and the sending half of a transfer, each timed alone.
fn one_way_table(opts: &Options, ecdsa: &TestPki) {
    println!(
        "## Decrypt only and encrypt only, MB/s, server→client, {} KiB writes",
        CHUNK / 1024
    );
    println!();
    println!(
        "Decrypt: the client takes TLS bytes the server sealed beforehand (untimed; in \
         {} KiB pieces, one connection): `read_tls`, `process_new_packets`, and the \
         read (read or fill_buf, as above). Encrypt: the server's writes and the hand-over \
         of its TLS bytes to a sink that takes them without copying. Raw AEAD: aws-lc-rs \
         open in place of the records TLS 1.3 sends for 16 KiB writes (header as additional \
         data, 16,385 bytes of TLSInnerPlaintext), laid out back to back in pieces of the \
         same size (decrypt rows); seal in place of one such record (encrypt rows).",
        SEGMENT / 1024
    );
    println!();
    println!("| suite | half | read | padlock | rustls | padlock/rustls | raw AEAD | padlock/raw | rustls/raw |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    for suite in Suite::ALL {
        let padlock = PadlockSetup::new(ecdsa, suite);
        let rustls = RustlsSetup::new(ecdsa, suite);
        let (padlock, rustls) = (Lib::Padlock(&padlock), Lib::Rustls(&rustls));
        let mib = opts.mib;
        let runs = interleaved(
            opts,
            &mut [
                ("padlock", &mut || {
                    decrypt_mb_per_sec(&padlock, ReadMode::Copy, mib)
                }),
                ("rustls", &mut || {
                    decrypt_mb_per_sec(&rustls, ReadMode::Copy, mib)
                }),
                ("padlock", &mut || {
                    decrypt_mb_per_sec(&padlock, ReadMode::Borrowed, mib)
                }),
                ("rustls", &mut || {
                    decrypt_mb_per_sec(&rustls, ReadMode::Borrowed, mib)
                }),
                ("padlock", &mut || encrypt_mb_per_sec(&padlock, mib)),
                ("rustls", &mut || encrypt_mb_per_sec(&rustls, mib)),
                ("raw", &mut || raw_aead_mb_per_sec(suite, mib, RawOp::Open)),
                ("raw", &mut || raw_aead_mb_per_sec(suite, mib, RawOp::Seal)),
            ],
        );
        let (open, seal) = (&runs[6], &runs[7]);
        for (half, read, p, r, raw) in [
            ("decrypt", ReadMode::Copy.label(), &runs[0], &runs[1], open),
            (
                "decrypt",
                ReadMode::Borrowed.label(),
                &runs[2],
                &runs[3],
                open,
            ),
            ("encrypt", "—", &runs[4], &runs[5], seal),
        ] {
            println!(
                "| {} | {half} | {read} | {} | {} | {} | {} | {} | {} |",
                suite.name(),
                rate(median(p)),
                rate(median(r)),
                ratio(median_ratio(p, r)),
                rate(median(raw)),
                ratio(median_ratio(p, raw)),
                ratio(median_ratio(r, raw)),
            );
        }
    }
    println!();
    if !padlock_benches::padlock_reads_borrowed() {
        println!("(padlock-tls has no borrowed read at this commit: its fill_buf rows are empty.)");
        println!();
    }
}

/// A rate for a table cell; "—" where the measurement was skipped or is impossible.
fn rate(v: f64) -> String {
    if v.is_nan() {
        "—".to_string()
    } else {
        format!("{v:.0}")
    }
}

/// A ratio for a table cell; "—" where either side is missing.
fn ratio(v: f64) -> String {
    if v.is_nan() {
        "—".to_string()
    } else {
        format!("{v:.2}")
    }
}

/// A measurement to repeat: its name (for `--only`) and the closure returning a rate.
type Measure<'a> = (&'static str, &'a mut dyn FnMut() -> f64);

/// Runs each measurement in turn, `opts.runs` rounds (alternating, so drifting machine load
/// hits all alike, after one untimed warm-up round), and returns every round's rates per
/// measurement. Skipped measurements (`--only`) yield NaN.
fn interleaved(opts: &Options, measures: &mut [Measure<'_>]) -> Vec<Vec<f64>> {
    let wanted = |name: &str| opts.only.as_deref().is_none_or(|only| only == name);
    for (name, measure) in measures.iter_mut() {
        if wanted(name) {
            measure();
        }
    }
    let mut samples = vec![Vec::new(); measures.len()];
    for _ in 0..opts.runs {
        for (i, (name, measure)) in measures.iter_mut().enumerate() {
            let sample = if wanted(name) { measure() } else { f64::NAN };
            if opts.show_runs {
                eprintln!("run: measure {i} ({name}) {sample:.1}");
            }
            samples[i].push(sample);
        }
    }
    samples
}

/// The median over rounds of a/b: each round's ratio is taken under the same load.
fn median_ratio(a: &[f64], b: &[f64]) -> f64 {
    median(&a.iter().zip(b).map(|(x, y)| x / y).collect::<Vec<_>>())
}

/// Handshakes per second of both libraries, interleaved: padlock's runs, then rustls'.
fn handshake_runs(opts: &Options, padlock: &PadlockSetup, rustls: &RustlsSetup) -> Vec<Vec<f64>> {
    let secs = opts.handshake_secs;
    interleaved(
        opts,
        &mut [
            ("padlock", &mut || {
                handshakes_per_sec(&Lib::Padlock(padlock), secs)
            }),
            ("rustls", &mut || {
                handshakes_per_sec(&Lib::Rustls(rustls), secs)
            }),
        ],
    )
}

fn handshakes_per_sec(lib: &Lib<'_>, secs: f64) -> f64 {
    let mut pipe = Pipe::default();
    per_sec(secs, || one_handshake(lib, &mut pipe))
}

/// How many times a second `once` runs, over `secs` seconds of thread CPU time.
fn per_sec(secs: f64, mut once: impl FnMut()) -> f64 {
    let budget = Duration::from_secs_f64(secs);
    let sample = Sample::time(|| {
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < budget {
            once();
            count += 1;
        }
        count as f64
    });
    sample.rate()
}

fn bulk_mb_per_sec(lib: &Lib<'_>, client_sends: bool, mode: ReadMode, mib: usize) -> f64 {
    if mode == ReadMode::Borrowed && !lib.reads_borrowed() {
        return f64::NAN;
    }
    let mut pipe = Pipe::reading(mode);
    let mut pair = lib.established(&mut pipe);
    let (client, server) = pair.ends();
    let (from, to) = if client_sends {
        (client, server)
    } else {
        (server, client)
    };
    let chunk = vec![0x5a; CHUNK];
    let total = mib * 1024 * 1024;
    let sample = Sample::time(|| pipe.transfer(from, to, &chunk, total) as f64);
    assert_eq!(sample.amount as usize, total, "every byte arrives");
    sample.rate() / 1e6
}

/// The TLS bytes to decrypt are captured in pieces of this size, one after the other: about
/// what a socket's receive queue holds (Linux's default `rmem` is 208 KiB), so they lie in
/// the cache as freshly received bytes would. The raw open reference reads its records
/// from pieces of the same size.
const SEGMENT: usize = 256 * 1024;

fn decrypt_mb_per_sec(lib: &Lib<'_>, mode: ReadMode, mib: usize) -> f64 {
    if mode == ReadMode::Borrowed && !lib.reads_borrowed() {
        return f64::NAN;
    }
    let mut pipe = Pipe::reading(mode);
    let chunk = vec![0x5a; CHUNK];
    let total = mib * 1024 * 1024;
    let (mut amount, mut elapsed) = (0.0, Duration::ZERO);
    let mut pair = lib.established(&mut pipe);
    let (client, server) = pair.ends();
    while (amount as usize) < total {
        let piece = SEGMENT.min(total - amount as usize);
        let tls = seal_to_vec(server, &chunk, piece);
        let sample = Sample::time(|| pipe.open(client, &tls) as f64);
        assert_eq!(sample.amount as usize, piece, "every byte arrives");
        amount += sample.amount;
        elapsed += sample.elapsed;
    }
    amount / elapsed.as_secs_f64() / 1e6
}

fn encrypt_mb_per_sec(lib: &Lib<'_>, mib: usize) -> f64 {
    let mut pipe = Pipe::default();
    let mut pair = lib.established(&mut pipe);
    let (_, server) = pair.ends();
    let chunk = vec![0x5a; CHUNK];
    let total = mib * 1024 * 1024;
    let sample = Sample::time(|| {
        seal(server, &chunk, total, &mut |tls| tls.len());
        total as f64
    });
    sample.rate() / 1e6
}

/// Which raw AEAD operation [`raw_aead_mb_per_sec`] times.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RawOp {
    /// Seal one hot record in place again and again (a sender's buffer).
    Seal,
    /// Open the records of [`SEGMENT`]-sized pieces in place, each piece sealed beforehand
    /// (untimed) and laid out as the TLS bytes the decrypt benchmark hands over.
    Open,
    /// Seal then open one record in place: every byte of a transfer.
    Both,
}

/// aws-lc-rs through padlock-crypto, in place, on records laid out as TLS 1.3 sends 16 KiB
/// writes (`padlock_benches::raw`): the ceiling for each half of a transfer.
fn raw_aead_mb_per_sec(suite: Suite, mib: usize, op: RawOp) -> f64 {
    let aead = RawAead::new(suite);
    let total = mib * 1024 * 1024;
    if op == RawOp::Open {
        let mut segment = Segment::new(SEGMENT);
        let (mut done, mut elapsed) = (0, Duration::ZERO);
        while done < total {
            segment.refill();
            segment.seal_all(&aead, 0);
            let sample = Sample::time(|| {
                segment.open_all(&aead, 0);
                0.0
            });
            elapsed += sample.elapsed;
            done += segment.content_len();
        }
        return done as f64 / elapsed.as_secs_f64() / 1e6;
    }
    let mut record = Segment::new(raw::CONTENT);
    let records = total / raw::CONTENT;
    let sample = Sample::time(|| {
        for i in 0..records {
            record.seal_all(&aead, i);
            if op == RawOp::Both {
                record.open_all(&aead, i);
            }
        }
        (records * raw::CONTENT) as f64
    });
    sample.rate() / 1e6
}

fn parse_args() -> Options {
    let mut opts = Options {
        only: None,
        part: None,
        runs: 5,
        mib: 64,
        handshake_secs: 1.0,
        show_runs: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).map(String::as_str).unwrap_or("");
        match args[i].as_str() {
            "--runs" => opts.runs = value.parse().expect("--runs N"),
            "--mib" => opts.mib = value.parse().expect("--mib M"),
            "--secs" => opts.handshake_secs = value.parse().expect("--secs S"),
            "--only" => opts.only = Some(value.to_string()),
            "--part" => opts.part = Some(value.to_string()),
            "--quick" => {
                opts = Options {
                    only: opts.only,
                    part: opts.part,
                    runs: 3,
                    mib: 8,
                    handshake_secs: 0.3,
                    show_runs: opts.show_runs,
                };
                i += 1;
                continue;
            }
            "--show-runs" => {
                opts.show_runs = true;
                i += 1;
                continue;
            }
            other => panic!(
                "unknown argument {other}; use --runs N --mib M --secs S --only LIB --part handshakes|ceiling|post-quantum|resumption|bulk|one-way|tls12 --show-runs or --quick"
            ),
        }
        i += 2;
    }
    opts
}

fn rustls_version() -> &'static str {
    "0.23 (aws-lc-rs)"
}
