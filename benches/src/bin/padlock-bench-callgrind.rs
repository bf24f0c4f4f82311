//! Instructions per operation, padlock vs rustls, counted by callgrind: exact and
//! repeatable, so an A/B comparison of a change does not depend on how busy the machine is
//! (wall-clock rates on a shared machine move by ±5 % between runs).
//!
//! Without `--case`, runs every case below under `valgrind --tool=callgrind` (this same
//! binary, re-executed) and prints a table; the callgrind files are kept for
//! `callgrind_annotate`. Only the calls inside [`measured`] are counted
//! (`--toggle-collect`): certificate generation, configuration, the warm-up and the
//! capture of the TLS bytes to decrypt are not.
//!
//! ```text
//! cargo build --release -p padlock-benches --bin padlock-bench-callgrind
//! target/release/padlock-bench-callgrind [--handshakes N] [--mib M] [--out DIR] [--only LIB]
//! # one case by hand, e.g. for callgrind_annotate or perf:
//! valgrind --tool=callgrind --toggle-collect='padlock_bench_callgrind::measured*' \
//!     target/release/padlock-bench-callgrind --case handshake padlock p256 20
//! ```
//!
//! The cases (LIB = padlock | rustls):
//! - `handshake LIB p256|rsa|p256-mlkem N`: N full TLS 1.3 handshakes, client and server
//!   (p256-mlkem: X25519MLKEM768 with an X25519 share beside it, as both libraries ship it;
//!   TLS_AES_128_GCM_SHA256), after one untimed warm-up handshake.
//! - `open LIB SUITE read|fill_buf MIB`: the client receives MIB MiB of application data
//!   that the server sealed beforehand in 16 KiB writes: `read_tls`, `process_new_packets`
//!   and the plaintext read (a copying `read` into a 64 KiB buffer, or borrowed through
//!   `fill_buf`/`consume`). SUITE = aes128 | aes256 | chacha.
//! - `seal LIB SUITE MIB`: the server writes MIB MiB in 16 KiB writes and hands its TLS
//!   bytes to a sink that takes them without copying.
//! - `open raw SUITE MIB`, `seal raw SUITE MIB`: the raw AEAD on the same records
//!   (`padlock_benches::raw`): open in place MIB MiB of records sealed beforehand, laid
//!   out as the TLS bytes above; seal one record in place MIB × 64 times.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::Command;

use padlock_benches::ceiling::Ceiling;
use padlock_benches::raw::{RawAead, Segment};
use padlock_benches::{
    one_handshake, seal, seal_to_vec, Endpoint, KeyType, KxGroup, Lib, PadlockSetup, Pipe,
    ReadMode, RustlsSetup, Suite, TestPki,
};

/// 16 KiB application writes, as in `padlock-bench`.
const CHUNK: usize = 16 * 1024;

/// Everything callgrind counts runs inside this function (`--toggle-collect`).
#[inline(never)]
fn measured<R>(f: impl FnOnce() -> R) -> R {
    f()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--case") {
        run_case(&args[1..]);
    } else {
        drive(&args);
    }
}

fn suite_named(name: &str) -> Suite {
    match name {
        "aes128" => Suite::Aes128Gcm,
        "aes256" => Suite::Aes256Gcm,
        "chacha" => Suite::ChaCha20,
        other => panic!("unknown suite {other}: aes128 | aes256 | chacha"),
    }
}

fn mode_named(name: &str) -> ReadMode {
    match name {
        "read" => ReadMode::Copy,
        "fill_buf" => ReadMode::Borrowed,
        other => panic!("unknown read mode {other}: read | fill_buf"),
    }
}

/// Runs one case in this process (under callgrind, when the driver started it).
fn run_case(args: &[String]) {
    let usage =
        "--case handshake LIB p256|rsa|p256-mlkem N | open LIB SUITE read|fill_buf MIB | seal LIB \
                 SUITE MIB | ceiling client|server|tls12-client|tls12-server N";
    let arg = |i: usize| args.get(i).map(String::as_str).expect(usage);
    let number = |i: usize| -> usize { arg(i).parse().expect(usage) };
    if arg(0) == "ceiling" {
        return ceiling(arg(1), number(2));
    }
    if arg(1) == "raw" {
        return raw_aead(arg(0), suite_named(arg(2)), number(3));
    }
    let kind = match (arg(0), arg(2)) {
        ("handshake", "rsa") => KeyType::Rsa2048,
        _ => KeyType::P256,
    };
    let suite = match arg(0) {
        "handshake" => Suite::Aes128Gcm,
        _ => suite_named(arg(2)),
    };
    let group = match (arg(0), arg(2)) {
        ("handshake", "p256-mlkem") => KxGroup::X25519MlKem768,
        _ => KxGroup::X25519,
    };
    let pki = TestPki::generate(kind);
    let padlock;
    let rustls;
    let lib = match arg(1) {
        "padlock" => {
            padlock = PadlockSetup::with_group(&pki, suite, group);
            Lib::Padlock(&padlock)
        }
        "rustls" => {
            rustls = RustlsSetup::with_group(&pki, suite, group);
            Lib::Rustls(&rustls)
        }
        _ => panic!("{usage}"),
    };
    match arg(0) {
        "handshake" if args.len() > 4 => handshake_side(&lib, arg(4) == "client", number(3)),
        "handshake" => handshakes(&lib, number(3)),
        "open" => open(&lib, mode_named(arg(3)), number(4)),
        "seal" => seal_only(&lib, number(3)),
        _ => panic!("{usage}"),
    }
}

/// The crypto-only cost of one side's handshake (`padlock_benches::ceiling`), N times.
fn ceiling(side: &str, count: usize) {
    let ceiling = Ceiling::new();
    let share = ceiling.share();
    // Warm-up, as for the handshakes.
    ceiling.client(&share);
    ceiling.server(&share);
    measured(|| {
        for _ in 0..count {
            match side {
                "client" => ceiling.client(&share),
                "tls12-client" => ceiling.tls12_client(&share),
                "tls12-server" => ceiling.tls12_server(&share),
                _ => ceiling.server(&share),
            }
        }
    });
}

/// N handshakes, counting only one side's calls (its construction included): each of its
/// calls runs inside [`measured`], and the other side's `read_tls` that its `push_tls`
/// hands the bytes to runs inside a nested `measured`, which toggles collection off again.
fn handshake_side(lib: &Lib<'_>, client_side: bool, count: usize) {
    fn run<C: Endpoint, S: Endpoint>(
        pipe: &mut Pipe,
        client_side: bool,
        client: impl FnOnce() -> C,
        server: impl FnOnce() -> S,
    ) {
        let (mut c, mut s) = if client_side {
            (measured(client), server())
        } else {
            (client(), measured(server))
        };
        if client_side {
            pipe.handshake(&mut Measured(&mut c), &mut s);
        } else {
            pipe.handshake(&mut c, &mut Measured(&mut s));
        }
    }
    let mut pipe = Pipe::default();
    lib.established(&mut pipe);
    for _ in 0..count {
        match lib {
            Lib::Padlock(s) => run(&mut pipe, client_side, || s.client(), || s.server()),
            Lib::Rustls(s) => run(&mut pipe, client_side, || s.client(), || s.server()),
        }
    }
}

/// An endpoint whose every call runs inside [`measured`].
struct Measured<'a>(&'a mut dyn Endpoint);

impl Endpoint for Measured<'_> {
    fn push_tls(&mut self, sink: &mut dyn FnMut(&[u8]) -> usize) -> usize {
        measured(|| self.0.push_tls(&mut |data| measured(|| sink(data))))
    }
    fn read_tls(&mut self, data: &[u8]) -> usize {
        measured(|| self.0.read_tls(data))
    }
    fn process(&mut self) {
        measured(|| self.0.process())
    }
    fn read_plain(&mut self, buf: &mut [u8]) -> usize {
        measured(|| self.0.read_plain(buf))
    }
    fn read_borrowed(&mut self, use_it: &mut dyn FnMut(&[u8])) -> Option<usize> {
        measured(|| self.0.read_borrowed(use_it))
    }
    fn write_plain(&mut self, data: &[u8]) -> usize {
        measured(|| self.0.write_plain(data))
    }
    fn is_handshaking(&self) -> bool {
        self.0.is_handshaking()
    }
    fn wants_write(&self) -> bool {
        self.0.wants_write()
    }
}

fn handshakes(lib: &Lib<'_>, count: usize) {
    let mut pipe = Pipe::default();
    // Warm-up outside `measured`: aws-lc seeds its random generator on first use, which
    // costs far more than a handshake.
    lib.established(&mut pipe);
    measured(|| {
        for _ in 0..count {
            one_handshake(lib, &mut pipe);
        }
    });
}

fn open(lib: &Lib<'_>, mode: ReadMode, mib: usize) {
    assert!(
        mode == ReadMode::Copy || lib.reads_borrowed(),
        "{} has no borrowed read",
        lib.name()
    );
    let mut pipe = Pipe::reading(mode);
    let mut pair = lib.established(&mut pipe);
    let (client, server) = pair.ends();
    let chunk = vec![0x5a; CHUNK];
    // Warm-up: the buffers reach their working size.
    pipe.transfer(server, client, &chunk, 256 * 1024);
    let total = mib * 1024 * 1024;
    let tls = seal_to_vec(server, &chunk, total);
    let received = measured(|| pipe.open(client, &tls));
    assert_eq!(received, total, "every byte arrives");
}

fn seal_only(lib: &Lib<'_>, mib: usize) {
    let mut pipe = Pipe::default();
    let mut pair = lib.established(&mut pipe);
    let (client, server) = pair.ends();
    let chunk = vec![0x5a; CHUNK];
    pipe.transfer(server, client, &chunk, 256 * 1024);
    let total = mib * 1024 * 1024;
    let tls = measured(|| seal(server, &chunk, total, &mut |data| data.len()));
    assert!(tls > total, "every byte is sealed");
}

/// The raw AEAD's share of a bulk case: `open` or `seal` MIB MiB of 16 KiB records in
/// place.
fn raw_aead(op: &str, suite: Suite, mib: usize) {
    let aead = RawAead::new(suite);
    let total = mib * 1024 * 1024;
    if op == "open" {
        let mut segment = Segment::new(total);
        segment.seal_all(&aead, 0);
        measured(|| segment.open_all(&aead, 0));
    } else {
        let mut record = Segment::new(CHUNK);
        measured(|| {
            for i in 0..total / CHUNK {
                record.seal_all(&aead, i);
            }
        });
    }
}

struct Options {
    handshakes: usize,
    mib: usize,
    out: PathBuf,
    only: Option<String>,
}

/// Runs every case under callgrind and prints instructions per operation.
fn drive(args: &[String]) {
    let mut opts = Options {
        handshakes: 20,
        mib: 1,
        out: std::env::temp_dir().join("padlock-callgrind"),
        only: None,
    };
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        match pair[0].as_str() {
            "--handshakes" => opts.handshakes = value.parse().expect("--handshakes N"),
            "--mib" => opts.mib = value.parse().expect("--mib M"),
            "--out" => opts.out = PathBuf::from(value),
            "--only" => opts.only = Some(value.to_string()),
            other => panic!(
                "unknown argument {other}; use --handshakes N --mib M --out DIR --only LIB, \
                 or --case ..."
            ),
        }
    }
    std::fs::create_dir_all(&opts.out).expect("create the output directory");
    let padlock_borrows = padlock_benches::padlock_reads_borrowed();

    println!(
        "Instructions (callgrind Ir) per operation; handshakes: mean of {} after a warm-up; \
         bulk: {} MiB server→client in 16 KiB writes, per MiB. Files: {}",
        opts.handshakes,
        opts.mib,
        opts.out.display()
    );
    println!();
    println!("| case | padlock | rustls | padlock/rustls | raw AEAD | padlock/raw | rustls/raw |");
    println!("|---|---:|---:|---:|---:|---:|---:|");

    let h = opts.handshakes.to_string();
    let m = opts.mib.to_string();
    let mut cases: Vec<(String, Vec<&str>, f64)> = Vec::new();
    for kind in ["p256", "rsa", "p256-mlkem"] {
        cases.push((
            format!("handshake (client + server), {kind}"),
            vec!["handshake", "LIB", kind, &h],
            opts.handshakes as f64,
        ));
    }
    for suite in ["aes128", "aes256", "chacha"] {
        for mode in ["read", "fill_buf"] {
            cases.push((
                format!("decrypt, per MiB, {suite}, {mode}"),
                vec!["open", "LIB", suite, mode, &m],
                opts.mib as f64,
            ));
        }
        cases.push((
            format!("encrypt, per MiB, {suite}"),
            vec!["seal", "LIB", suite, &m],
            opts.mib as f64,
        ));
    }

    let mut p256 = (None, None);
    let mut allocation_lines = Vec::new();
    let mut raw_counts = std::collections::HashMap::new();
    for (label, case, per) in &cases {
        let count = |lib: &str| -> Option<f64> {
            let wanted = opts.only.as_deref().is_none_or(|o| o == lib);
            let possible = lib != "padlock" || !case.contains(&"fill_buf") || padlock_borrows;
            (wanted && possible).then(|| {
                let args: Vec<&str> = case
                    .iter()
                    .map(|a| if *a == "LIB" { lib } else { a })
                    .collect();
                let file = opts.out.join(format!("{}.callgrind", args.join("-")));
                callgrind(&args, &file) as f64 / per
            })
        };
        let (p, r) = (count("padlock"), count("rustls"));
        if case[0] == "handshake" && case[2] == "p256" {
            p256 = (p, r);
        }
        if case[0] == "handshake" {
            allocation_lines.push(format!(
                "| {label} | {} | {} |",
                allocations(&opts, case, "padlock"),
                allocations(&opts, case, "rustls")
            ));
        }
        // The raw AEAD on the same records, once per suite and operation.
        let raw = (case[0] != "handshake").then(|| {
            let (op, suite) = (case[0], case[2]);
            *raw_counts.entry((op, suite)).or_insert_with(|| {
                let file = opts.out.join(format!("{op}-raw-{suite}-{m}.callgrind"));
                callgrind(&[op, "raw", suite, &m], &file) as f64 / opts.mib as f64
            })
        });
        let cell = |c: Option<f64>| c.map_or("—".to_string(), |v| format!("{v:.0}"));
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.3}", a / b),
            _ => "—".to_string(),
        };
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            cell(p),
            cell(r),
            ratio(p, r),
            cell(raw),
            ratio(p, raw),
            ratio(r, raw)
        );
    }

    // The crypto a P-256 handshake cannot avoid, made directly (padlock_benches::ceiling).
    let side = |name: &str| {
        let file = opts.out.join(format!("ceiling-{name}.callgrind"));
        callgrind(&["ceiling", name, &h], &file) as f64 / opts.handshakes as f64
    };
    let (client, server) = (side("client"), side("server"));
    let lib_side = |lib: &str, name: &str| {
        let wanted = opts.only.as_deref().is_none_or(|o| o == lib);
        wanted.then(|| {
            let file = opts
                .out
                .join(format!("handshake-{lib}-p256-{h}-{name}.callgrind"));
            callgrind(&["handshake", lib, "p256", &h, name], &file) as f64 / opts.handshakes as f64
        })
    };
    println!();
    println!("Per side, P-256 handshake (instructions), against the crypto-only cost:");
    println!();
    println!("| side | padlock | rustls | crypto-only | padlock/crypto | rustls/crypto |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, crypto) in [("server", server), ("client", client)] {
        let (p, r) = (lib_side("padlock", name), lib_side("rustls", name));
        let cell = |c: Option<f64>| c.map_or("—".to_string(), |v| format!("{v:.0}"));
        let over = |c: Option<f64>| c.map_or("—".to_string(), |v| format!("{:.3}", v / crypto));
        println!(
            "| {name} | {} | {} | {crypto:.0} | {} | {} |",
            cell(p),
            cell(r),
            over(p),
            over(r)
        );
    }
    let over = |lib: Option<f64>| {
        lib.map_or("—".to_string(), |v| {
            format!("{:.3}", v / (client + server))
        })
    };
    println!();
    println!(
        "Heap allocations per handshake pair (calls to malloc, calloc and realloc inside the \
         measured region: Rust's and aws-lc's C allocations alike), Rust / aws-lc:"
    );
    println!();
    println!("| case | padlock | rustls |");
    println!("|---|---:|---:|");
    for line in &allocation_lines {
        println!("{line}");
    }
    println!();
    println!(
        "Crypto-only per P-256 handshake: client {client:.0}, server {server:.0}, both {:.0}; \
         handshake (client + server) / crypto-only: padlock {}, rustls {}",
        client + server,
        over(p256.0),
        over(p256.1)
    );
}

/// "R + C = total" allocations per handshake of `lib` in the profile `case` left, or "—".
fn allocations(opts: &Options, case: &[&str], lib: &str) -> String {
    let args: Vec<&str> = case
        .iter()
        .map(|a| if *a == "LIB" { lib } else { a })
        .collect();
    let file = opts.out.join(format!("{}.callgrind", args.join("-")));
    let Ok(profile) = std::fs::read_to_string(&file) else {
        return "—".to_string();
    };
    let (rust, c) = count_allocations(&profile);
    let per = opts.handshakes as f64;
    format!(
        "{:.0} / {:.0} = {:.0}",
        rust as f64 / per,
        c as f64 / per,
        (rust + c) as f64 / per
    )
}

/// Calls to malloc, calloc and realloc in a callgrind profile, split by caller: Rust's
/// allocator shims (`__rustc::__rdl_*`) or anything else (aws-lc's `OPENSSL_malloc`).
fn count_allocations(profile: &str) -> (u64, u64) {
    let mut names = std::collections::HashMap::new();
    let (mut caller, mut callee) = (String::new(), None::<String>);
    let (mut rust, mut c) = (0, 0);
    for line in profile.lines() {
        // "fn=(12) name" names the function whose costs follow, "cfn=(12)" a callee; a name
        // is given the first time its number appears.
        let named = |rest: &str, names: &mut std::collections::HashMap<String, String>| {
            let (id, name) = rest.split_once(' ').unwrap_or((rest, ""));
            if !name.is_empty() {
                names.insert(id.to_string(), name.to_string());
            }
            names.get(id).cloned().unwrap_or_default()
        };
        if let Some(rest) = line.strip_prefix("fn=") {
            caller = named(rest, &mut names);
        } else if let Some(rest) = line.strip_prefix("cfn=") {
            callee = Some(named(rest, &mut names));
        } else if let Some(rest) = line.strip_prefix("calls=") {
            let count: u64 = rest
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            if let Some(f) = callee.take() {
                if matches!(f.as_str(), "malloc" | "calloc" | "realloc") {
                    if caller.starts_with("__rustc::") {
                        rust += count;
                    } else {
                        c += count;
                    }
                }
            }
        }
    }
    (rust, c)
}

/// Runs `--case args` under callgrind, writing its profile to `file`; returns the
/// instructions counted inside [`measured`].
fn callgrind(args: &[&str], file: &std::path::Path) -> u64 {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", file.display()))
        .arg("--toggle-collect=padlock_bench_callgrind::measured*")
        .arg(exe)
        .arg("--case")
        .args(args)
        .output()
        .expect("valgrind runs (is it installed?)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "case {args:?} failed:\n{stderr}");
    // "==123== Collected : 4567"
    stderr
        .lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no instruction count in callgrind's output:\n{stderr}"))
}
