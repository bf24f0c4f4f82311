//! A fixed number of full (or, with `p256-resume`, resumed) handshakes of one library, for
//! profilers: `perf record`, or
//! `valgrind --tool=callgrind` whose instruction counts are exact and repeatable, so an
//! A/B comparison of a change is not at the mercy of a busy machine.
//!
//! ```text
//! cargo build --release -p padlock-benches --bin padlock-handshake-loop
//! valgrind --tool=callgrind --toggle-collect='padlock_benches::one_handshake*' \
//!     target/release/padlock-handshake-loop padlock p256 200
//! ```
//!
//! `p256-tls12`: TLS 1.2 only, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 over X25519, as in
//! `padlock-bench --part tls12`.
#![forbid(unsafe_code)]

use padlock_benches::{
    one_handshake, one_resumed_handshake, KeyType, KxGroup, Lib, PadlockSetup, Pipe, RustlsSetup,
    Suite, TestPki,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: padlock-handshake-loop padlock|rustls p256|rsa|p256-pq|p256-resume|p256-resume-defaults|p256-tls12 COUNT";
    let lib = args.first().expect(usage);
    let tls12 = args.get(1).map(String::as_str) == Some("p256-tls12");
    // p256-pq: ECDSA P-256 with X25519MLKEM768 (and an X25519 share beside it).
    // p256-resume: resumed handshakes on each library's own tickets (X25519).
    let (kind, group) = match args.get(1).map(String::as_str) {
        Some("p256" | "p256-resume" | "p256-resume-defaults" | "p256-tls12") => {
            (KeyType::P256, KxGroup::X25519)
        }
        Some("rsa") => (KeyType::Rsa2048, KxGroup::X25519),
        Some("p256-pq") => (KeyType::P256, KxGroup::X25519MlKem768),
        _ => panic!("{usage}"),
    };
    // p256-resume-defaults: padlock with its default ticket policy (one ticket after a
    // resumption; p256-resume has it send two, as rustls does).
    let defaults = args.get(1).map(String::as_str) == Some("p256-resume-defaults");
    let resume = defaults || args.get(1).map(String::as_str) == Some("p256-resume");
    let count: usize = args.get(2).and_then(|n| n.parse().ok()).expect(usage);
    let pki = TestPki::generate(kind);
    let mut pipe = Pipe::default();
    match lib.as_str() {
        "padlock" if resume => {
            let setup = match defaults {
                true => PadlockSetup::resuming_defaults(&pki, Suite::Aes128Gcm),
                false => PadlockSetup::resuming(&pki, Suite::Aes128Gcm),
            };
            // The warm-up's full handshake fills the session cache.
            Lib::Padlock(&setup).established(&mut pipe);
            for _ in 0..count {
                assert!(one_resumed_handshake(&Lib::Padlock(&setup), &mut pipe));
            }
        }
        "rustls" if resume => {
            let setup = RustlsSetup::resuming(&pki, Suite::Aes128Gcm);
            Lib::Rustls(&setup).established(&mut pipe);
            for _ in 0..count {
                assert!(one_resumed_handshake(&Lib::Rustls(&setup), &mut pipe));
            }
        }
        "padlock" => {
            let setup = if tls12 {
                PadlockSetup::tls12(&pki, Suite::Aes128Gcm)
            } else {
                PadlockSetup::with_group(&pki, Suite::Aes128Gcm, group)
            };
            // Warm-up outside `one_handshake` (so callgrind's toggle skips it): aws-lc
            // seeds its random generator on first use, which costs far more than a handshake.
            Lib::Padlock(&setup).established(&mut pipe);
            for _ in 0..count {
                one_handshake(&Lib::Padlock(&setup), &mut pipe);
            }
        }
        "rustls" => {
            let setup = if tls12 {
                RustlsSetup::tls12(&pki, Suite::Aes128Gcm)
            } else {
                RustlsSetup::with_group(&pki, Suite::Aes128Gcm, group)
            };
            Lib::Rustls(&setup).established(&mut pipe);
            for _ in 0..count {
                one_handshake(&Lib::Rustls(&setup), &mut pipe);
            }
        }
        _ => panic!("{usage}"),
    }
}
