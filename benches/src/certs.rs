//! Test certificates, generated at run time with the `openssl` command: a CA and a leaf
//! for `localhost`, both ECDSA P-256 or both RSA-2048.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Which key the CA and server certificate use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256.
    EcdsaP256,
    /// RSA with a 2048-bit modulus.
    Rsa2048,
}

impl KeyType {
    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            KeyType::EcdsaP256 => "ECDSA P-256",
            KeyType::Rsa2048 => "RSA-2048",
        }
    }

    fn genpkey_args(self) -> &'static [&'static str] {
        match self {
            KeyType::EcdsaP256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyType::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        }
    }
}

/// A CA and a server certificate chain for `localhost`.
pub struct TestPki {
    /// The CA certificate, PEM.
    pub ca_pem: Vec<u8>,
    /// The CA certificate, DER.
    pub ca_der: Vec<u8>,
    /// Leaf then CA, PEM.
    pub chain_pem: Vec<u8>,
    /// The leaf's PKCS#8 private key, PEM.
    pub key_pem: Vec<u8>,
}

impl TestPki {
    /// Whether `openssl` (which generates the certificates) runs here. When it does not, a
    /// test says so and skips, or fails under `PADLOCK_REQUIRE_PEERS=1`.
    pub fn openssl_available() -> bool {
        let ok = Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            assert!(
                std::env::var("PADLOCK_REQUIRE_PEERS").as_deref() != Ok("1"),
                "openssl is required to generate certificates"
            );
            eprintln!("skipping: openssl (used to generate certificates) is not installed");
        }
        ok
    }

    /// Generates a fresh CA and leaf in a temporary directory (removed afterwards).
    /// Panics with the reason if `openssl` is missing or fails.
    pub fn generate(kind: KeyType) -> TestPki {
        // A directory per call: tests in one process generate in parallel.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "padlock-bench-{}-{kind:?}-{call}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let pki = generate_in(&dir, kind);
        let _ = std::fs::remove_dir_all(&dir);
        pki
    }
}

fn generate_in(dir: &Path, kind: KeyType) -> TestPki {
    let p = |name: &str| -> PathBuf { dir.join(name) };
    let s = |path: PathBuf| path.to_string_lossy().into_owned();

    openssl(
        &[
            &["genpkey"],
            kind.genpkey_args(),
            &["-out", &s(p("ca.key"))],
        ]
        .concat(),
    );
    openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        &s(p("ca.key")),
        "-out",
        &s(p("ca.pem")),
        "-days",
        "30",
        "-subj",
        "/CN=padlock bench CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(
        &[
            &["genpkey"],
            kind.genpkey_args(),
            &["-out", &s(p("leaf.key"))],
        ]
        .concat(),
    );
    openssl(&[
        "req",
        "-new",
        "-key",
        &s(p("leaf.key")),
        "-subj",
        "/CN=localhost",
        "-out",
        &s(p("leaf.csr")),
    ]);
    std::fs::write(
        p("leaf.ext"),
        "subjectAltName=DNS:localhost\n\
         basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\n",
    )
    .expect("write extensions file");
    openssl(&[
        "x509",
        "-req",
        "-in",
        &s(p("leaf.csr")),
        "-CA",
        &s(p("ca.pem")),
        "-CAkey",
        &s(p("ca.key")),
        "-set_serial",
        "4242",
        "-days",
        "30",
        "-extfile",
        &s(p("leaf.ext")),
        "-out",
        &s(p("leaf.pem")),
    ]);
    openssl(&[
        "x509",
        "-in",
        &s(p("ca.pem")),
        "-outform",
        "DER",
        "-out",
        &s(p("ca.der")),
    ]);

    let read = |name: &str| std::fs::read(p(name)).expect("read generated file");
    let ca_pem = read("ca.pem");
    let mut chain_pem = read("leaf.pem");
    chain_pem.extend_from_slice(&ca_pem);
    TestPki {
        ca_der: read("ca.der"),
        ca_pem,
        chain_pem,
        key_pem: read("leaf.key"),
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("the benchmark generates certificates with `openssl`: {e}"));
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}
