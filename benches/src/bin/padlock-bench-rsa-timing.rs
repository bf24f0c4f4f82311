//! Does the server's RSA key-transport decryption (TLS 1.2, RFC 5246 §7.4.7.1) take the same
//! time for a well-formed ciphertext as for the malformed ones Bleichenbacher, ROBOT and
//! Marvin use as an oracle? A benchmark, not a test: it prints medians and a statistic, and
//! leaves the judgement to the reader (a shared machine is noisy).
//!
//! Method (after the Marvin toolkit's): one RSA-2048 key; for each class of ciphertext a pool
//! of distinct ciphertexts (64 by default); `--rounds` rounds, each timing one ciphertext of
//! every class in a freshly shuffled order, so that load changes hit all classes alike and
//! the samples pair up by round. For each malformed class against the well-formed one: the
//! median of the per-round differences, a 95 % confidence interval for it (order statistics
//! of the sign test), and the sign test's two-sided p-value (is "slower than valid" more or
//! less frequent than one time in two?). The same is measured for aws-lc-rs' own PKCS#1 v1.5
//! decryption (`rsa::Pkcs1PrivateDecryptingKey`), which returns an error on bad padding: it
//! shows what the primitive leaks by itself.
//!
//! ```sh
//! cargo run --release -p padlock-benches --bin padlock-bench-rsa-timing  # --rounds 3000 --pool 64
//! ```

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use aws_lc_rs::rsa::{
    Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use padlock_crypto::{AwsLcProvider, KeyKind, Provider};
use padlock_test_support::rsa_blocks::{block, encrypt_unpadded};
use padlock_test_support::{find_on_path, TempDir};

/// ClientHello.client_version of a TLS 1.2 client.
const OFFERED: [u8; 2] = [0x03, 0x03];
/// RSA-2048: the modulus in bytes.
const K: usize = 256;

fn main() {
    let mut rounds = 3000usize;
    let mut pool = 64usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "--rounds" => rounds = number("--rounds"),
            "--pool" => pool = number("--pool").max(1),
            other => panic!("unknown argument {other}; use --rounds N --pool N"),
        }
    }
    if find_on_path("openssl").is_none() {
        eprintln!("padlock-bench-rsa-timing builds malformed blocks with `openssl`, which is not installed");
        std::process::exit(2);
    }

    let (key, pkcs8) = AwsLcProvider
        .generate_signing_key(KeyKind::Rsa(2048))
        .expect("generate an RSA-2048 key");
    let spki = key.public_key_spki();
    let raw = Pkcs1PrivateDecryptingKey::new(
        PrivateDecryptingKey::from_pkcs8(&pkcs8).expect("the key as a decrypting key"),
    )
    .expect("PKCS#1 v1.5 decrypting key");
    let dir = TempDir::new("rsa-timing");

    let classes = classes(&spki, dir.path(), pool);
    println!(
        "RSA-2048 key-transport decryption, {rounds} rounds × {} classes, pools of {pool} ciphertexts",
        classes.len()
    );
    println!(
        "(timings: wall clock per call, ns; Δ = class − valid in the same round; CI = 95 % for the median Δ)\n"
    );

    let ours = |ct: &[u8]| black_box(key.decrypt_pre_master_secret(black_box(ct), OFFERED)).is_ok();
    let mut out = vec![0u8; raw.min_output_size()];
    let mut primitive = |ct: &[u8]| black_box(raw.decrypt(black_box(ct), &mut out)).is_ok();

    let padlock = measure(&classes, rounds, ours);
    report(
        "padlock SigningKey::decrypt_pre_master_secret (substitute + mask selection)",
        &classes,
        &padlock,
    );
    let aws = measure(&classes, rounds, &mut primitive);
    report(
        "aws-lc-rs Pkcs1PrivateDecryptingKey::decrypt alone (errors on bad padding)",
        &classes,
        &aws,
    );
}

/// A kind of ciphertext and its pool.
struct Class {
    name: &'static str,
    ciphertexts: Vec<Vec<u8>>,
}

/// The classes: the well-formed one first, then Bleichenbacher's classic malformations and
/// the TLS-level ones (the padding is fine, the content is not a TLS 1.2 pre-master secret).
fn classes(spki: &[u8], dir: &Path, pool: usize) -> Vec<Class> {
    let public = Pkcs1PublicEncryptingKey::new(PublicEncryptingKey::from_der(spki).expect("spki"))
        .expect("encrypting key");
    let pkcs1 = |message: &[u8]| {
        let mut out = vec![0u8; K];
        public.encrypt(message, &mut out).expect("encrypt").to_vec()
    };
    let unpadded = |blocks: &[Vec<u8>]| -> Vec<Vec<u8>> {
        blocks
            .iter()
            .map(|b| encrypt_unpadded(dir, spki, b))
            .collect()
    };
    let secret = |i: usize, version: [u8; 2]| -> Vec<u8> {
        let mut s = vec![0u8; 48];
        AwsLcProvider.fill_random(&mut s).expect("random");
        s[..2].copy_from_slice(&version);
        s[2] = i as u8;
        s
    };
    let each = |f: &dyn Fn(usize) -> Vec<u8>| (0..pool).map(f).collect::<Vec<_>>();
    vec![
        Class {
            name: "valid",
            ciphertexts: each(&|i| pkcs1(&secret(i, OFFERED))),
        },
        Class {
            name: "wrong version (03 01)",
            ciphertexts: each(&|i| pkcs1(&secret(i, [0x03, 0x01]))),
        },
        Class {
            name: "message of 47 bytes",
            ciphertexts: each(&|i| pkcs1(&secret(i, OFFERED)[..47])),
        },
        Class {
            name: "empty message",
            ciphertexts: each(&|_| pkcs1(&[])),
        },
        Class {
            name: "block type 1 (00 01)",
            ciphertexts: unpadded(&each(&|i| block(0, 1, K - 51, true, &secret(i, OFFERED)))),
        },
        Class {
            name: "no zero separator",
            ciphertexts: unpadded(&each(&|_| block(0, 2, K - 2, false, &[]))),
        },
        Class {
            name: "padding of 7 bytes",
            ciphertexts: unpadded(&each(&|i| {
                let msg = [secret(i, OFFERED), vec![0x5a; K - 10 - 48]].concat();
                block(0, 2, 7, true, &msg)
            })),
        },
    ]
}

/// `samples[class][round]`, in ns. Each round times every class once, in a shuffled order.
fn measure(
    classes: &[Class],
    rounds: usize,
    mut decrypt: impl FnMut(&[u8]) -> bool,
) -> Vec<Vec<f64>> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut order: Vec<usize> = (0..classes.len()).collect();
    // Warm-up: caches, the lazily made decrypting key, aws-lc's random generator.
    for class in classes {
        for ct in class.ciphertexts.iter().take(8) {
            black_box(decrypt(ct));
        }
    }
    let mut samples = vec![Vec::with_capacity(rounds); classes.len()];
    for round in 0..rounds {
        rng.shuffle(&mut order);
        for &c in &order {
            let pool = &classes[c].ciphertexts;
            let ct = &pool[round % pool.len()];
            let start = Instant::now();
            let result = decrypt(ct);
            let elapsed = start.elapsed();
            black_box(result);
            samples[c].push(elapsed.as_nanos() as f64);
        }
    }
    samples
}

fn report(title: &str, classes: &[Class], samples: &[Vec<f64>]) {
    println!("{title}");
    println!(
        "  {:<24} {:>10} {:>10} {:>22} {:>10}",
        "class", "median", "median Δ", "95 % CI of Δ", "sign p"
    );
    let valid = &samples[0];
    for (class, s) in classes.iter().zip(samples) {
        let median = median(s);
        if std::ptr::eq(s, valid) {
            println!(
                "  {:<24} {:>10.0} {:>10} {:>22} {:>10}",
                class.name, median, "", "", ""
            );
            continue;
        }
        let mut deltas: Vec<f64> = s.iter().zip(valid).map(|(a, b)| a - b).collect();
        deltas.sort_by(f64::total_cmp);
        let (low, high) = sign_test_interval(&deltas);
        let p = sign_test_p(&deltas);
        println!(
            "  {:<24} {:>10.0} {:>10.0} {:>22} {:>10.3}",
            class.name,
            median,
            median_sorted(&deltas),
            format!("[{low:.0}, {high:.0}]"),
            p
        );
    }
    println!();
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    median_sorted(&v)
}

fn median_sorted(v: &[f64]) -> f64 {
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The 95 % distribution-free confidence interval for the median of `sorted`: the order
/// statistics at n/2 ∓ 1.96·√n/2 (the sign test's normal approximation).
fn sign_test_interval(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len() as f64;
    let half = 1.96 * n.sqrt() / 2.0;
    let lo = ((n / 2.0 - half).floor().max(0.0)) as usize;
    let hi = ((n / 2.0 + half).ceil() as usize).min(sorted.len().saturating_sub(1));
    (sorted[lo], sorted[hi])
}

/// Two-sided p-value of the sign test that positive and negative differences are equally
/// likely (ties dropped), by the normal approximation.
fn sign_test_p(deltas: &[f64]) -> f64 {
    let positive = deltas.iter().filter(|d| **d > 0.0).count() as f64;
    let negative = deltas.iter().filter(|d| **d < 0.0).count() as f64;
    let n = positive + negative;
    if n == 0.0 {
        return 1.0;
    }
    let z = (positive - n / 2.0).abs() / (n.sqrt() / 2.0);
    erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Abramowitz and Stegun 7.1.26, error below 1.5e-7).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    poly * (-x * x).exp()
}

/// A small deterministic generator for the shuffles (not for anything secret).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn shuffle(&mut self, v: &mut [usize]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}
