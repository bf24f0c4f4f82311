//! Validating a 3-certificate ECDSA P-256 chain for a host name: padlock-pki against
//! rustls-webpki, side by side in one process. Prints the median time per validation of
//! each and the ratio (rate of padlock / rate of webpki; ≥ 1.0 means padlock is as fast).
//!
//! `cargo bench -p padlock-pki --bench verify`. Method, fairness notes and the numbers
//! measured: `README.md` beside this file.

use std::time::{Duration, Instant};

use padlock_crypto::AwsLcProvider;
use padlock_pki::ca::{Constraints, InitOptions, IssueOptions, LocalCa};
use padlock_pki::{pem, verify_chain, RootStore, SubjectName, UnixTime, VerifyOptions};
use rustls_pki_types::{CertificateDer, ServerName};

const ROUNDS: usize = 61;
const PER_ROUND: usize = 200;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[inline(never)]
fn profile_padlock(f: &dyn Fn(), n: usize) {
    for _ in 0..n {
        f();
    }
}

#[inline(never)]
fn profile_webpki(f: &dyn Fn(), n: usize) {
    for _ in 0..n {
        f();
    }
}

fn main() {
    let provider = AwsLcProvider;
    let home = std::env::temp_dir().join(format!("padlock-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let ca = LocalCa::init(
        &provider,
        &home,
        InitOptions {
            constraints: Constraints::Unconstrained,
            ..InitOptions::default()
        },
    )
    .expect("init CA");
    let name = SubjectName::parse("bench.example").expect("name");
    let issued = ca
        .issue(std::slice::from_ref(&name), IssueOptions::default())
        .expect("issue");
    let chain: Vec<Vec<u8>> = pem::parse_all(issued.chain_pem.as_bytes())
        .expect("pem")
        .into_iter()
        .map(|b| b.der)
        .collect();
    let root = ca.root_der().to_vec();
    let _ = std::fs::remove_dir_all(&home);
    let (leaf, inter) = (&chain[0], &chain[1]);
    let now = UnixTime::now();

    // padlock
    let mut roots = RootStore::new();
    roots.add_der(&root).expect("root");
    let mut opts = VerifyOptions::new(now);
    opts.name = Some(&name);
    let padlock_once = || {
        verify_chain(&provider, &roots, leaf, &[inter.as_slice()], &opts)
            .expect("padlock verifies");
    };

    // rustls-webpki
    let root_der = CertificateDer::from(root.clone());
    let anchor = webpki::anchor_from_trusted_cert(&root_der)
        .expect("anchor")
        .to_owned();
    let anchors = [anchor];
    let inter_der = [CertificateDer::from(inter.clone())];
    let leaf_der = CertificateDer::from(leaf.clone());
    let server_name = ServerName::try_from("bench.example").expect("name");
    let wtime = rustls_pki_types::UnixTime::since_unix_epoch(Duration::from_secs(now.0));
    let webpki_once = || {
        let ee = webpki::EndEntityCert::try_from(&leaf_der).expect("ee");
        ee.verify_for_usage(
            &[
                webpki::aws_lc_rs::ECDSA_P256_SHA256,
                webpki::aws_lc_rs::ECDSA_P256_SHA384,
            ],
            &anchors,
            &inter_der,
            wtime,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .expect("webpki verifies");
        ee.verify_is_valid_for_subject_name(&server_name)
            .expect("webpki name");
    };

    // PADLOCK_BENCH_PROFILE=1: run 100 validations of each side, each inside its own
    // non-inlined function, for `valgrind --tool=callgrind --toggle-collect='*profile_*'`
    // (deterministic instruction counts; read each function's inclusive cost with
    // `callgrind_annotate --inclusive=yes`). Both run in one process, on the same chain:
    // ECDSA verification costs vary a little with the keys and signatures, which are new in
    // every process.
    if std::env::var("PADLOCK_BENCH_PROFILE").is_ok() {
        profile_padlock(&padlock_once, 100);
        profile_webpki(&webpki_once, 100);
        return;
    }

    // Each round times PER_ROUND validations twice: by the wall clock, and by the time this
    // thread actually ran on a CPU (on a machine shared with other jobs, the wall clock also
    // counts time the scheduler gave to them). The two validators run back to back in each
    // round, so the ratio within a round compares them under the same load.
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let time = |f: &dyn Fn()| {
        let (t, c) = (Instant::now(), on_cpu());
        for _ in 0..PER_ROUND {
            f();
        }
        let wall = t.elapsed() / PER_ROUND as u32;
        let cpu = match (c, on_cpu()) {
            (Some(a), Some(b)) => b.saturating_sub(a) / PER_ROUND as u32,
            _ => wall,
        };
        (wall, cpu)
    };
    // Alternate which goes first, so neither always runs on a warm or a cold cache.
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            ours.push(time(&padlock_once));
            theirs.push(time(&webpki_once));
        } else {
            theirs.push(time(&webpki_once));
            ours.push(time(&padlock_once));
        }
    }
    // PADLOCK_BENCH_PARTS=1: also time the two bare signature checks and one parse, to see
    // how much of a validation is crypto (nearly all of it).
    if std::env::var("PADLOCK_BENCH_PARTS").is_ok() {
        let i = padlock_pki::Certificate::from_der(inter).expect("inter");
        let r = padlock_pki::Certificate::from_der(&root).expect("root");
        fn sig(d: &[u8]) -> (&[u8], &[u8]) {
            let mut rd = padlock_pki::der::Reader::new(d, "x");
            let mut seq = rd.nested(0x30, "x").expect("seq");
            let tbs = seq.read(0x30).expect("tbs").raw;
            let _ = seq.read(0x30);
            (tbs, seq.bit_string_octets().expect("sig"))
        }
        let (lt, ls) = sig(leaf);
        let (it, is) = sig(inter);
        let raw = || {
            use padlock_crypto::Provider;
            provider
                .verify_signature(
                    padlock_crypto::SignatureAlgorithm::EcdsaP256Sha256,
                    i.subject_public_key_info().key,
                    lt,
                    ls,
                )
                .expect("l");
            provider
                .verify_signature(
                    padlock_crypto::SignatureAlgorithm::EcdsaP256Sha256,
                    r.subject_public_key_info().key,
                    it,
                    is,
                )
                .expect("i");
        };
        let parse = || {
            let _ = padlock_pki::Certificate::from_der(leaf).expect("leaf");
        };
        let v: Vec<Duration> = (0..ROUNDS).map(|_| time(&raw).1).collect();
        println!("  two raw verifies (padlock provider) {:?}", median(v));
        let raw_webpki = || {
            let alg = webpki::aws_lc_rs::ECDSA_P256_SHA256;
            alg.verify_signature(i.subject_public_key_info().key, lt, ls)
                .expect("l");
            alg.verify_signature(r.subject_public_key_info().key, it, is)
                .expect("i");
        };
        let v: Vec<Duration> = (0..ROUNDS).map(|_| time(&raw_webpki).1).collect();
        println!("  two raw verifies (webpki's algorithm) {:?}", median(v));
        let v: Vec<Duration> = (0..ROUNDS).map(|_| time(&parse).1).collect();
        println!("  one leaf parse {:?}", median(v));
    }
    let wall = |v: &[(Duration, Duration)]| median(v.iter().map(|t| t.0).collect());
    let cpu = |v: &[(Duration, Duration)]| median(v.iter().map(|t| t.1).collect());
    let mut paired: Vec<f64> = ours
        .iter()
        .zip(&theirs)
        .map(|(o, t)| t.1.as_secs_f64() / o.1.as_secs_f64())
        .collect();
    paired.sort_by(f64::total_cmp);
    let (a, b) = (wall(&ours), wall(&theirs));
    let (ac, bc) = (cpu(&ours), cpu(&theirs));
    println!("3-cert ECDSA P-256 chain + host name, median per validation (wall / on-CPU):");
    println!("  padlock-pki   {a:?} / {ac:?}");
    println!("  rustls-webpki {b:?} / {bc:?}");
    println!(
        "  ratio (padlock rate / webpki rate): wall {:.3}, on-CPU {:.3}, on-CPU paired by round {:.3} (range {:.3}..{:.3})",
        b.as_secs_f64() / a.as_secs_f64(),
        bc.as_secs_f64() / ac.as_secs_f64(),
        paired[paired.len() / 2],
        paired[0],
        paired[paired.len() - 1],
    );
}

/// The time this thread has spent running on a CPU (`CLOCK_THREAD_CPUTIME_ID`, via the
/// `cpu-time` crate). Not `/proc/thread-self/schedstat`: the kernel updates that only at
/// scheduler ticks, so a 30 ms round read from it is quantised to 4 ms steps and most paired
/// ratios came out as exactly 1.000.
fn on_cpu() -> Option<Duration> {
    Some(cpu_time::ThreadTime::now().as_duration())
}
