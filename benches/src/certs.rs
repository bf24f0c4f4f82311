//! Test certificates, generated at run time with the `openssl` command by
//! padlock-test-support's [`TestCa`]: a CA and a leaf for `localhost`, both of one key type
//! (the benchmarks use ECDSA P-256 and RSA-2048).

use padlock_test_support::certs::read_bytes;
use padlock_test_support::{find_on_path, require_peer, TempDir, TestCa};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

pub use padlock_test_support::KeyType;

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
    /// Whether `openssl` (which generates the certificates) is installed. When it is not,
    /// a test says so and skips, or fails under `PADLOCK_REQUIRE_PEERS=1`.
    pub fn openssl_available() -> bool {
        require_peer("openssl").is_some()
    }

    /// Generates a fresh CA and leaf in a temporary directory (removed afterwards).
    /// Panics with the reason if `openssl` is missing or fails.
    pub fn generate(kind: KeyType) -> TestPki {
        let openssl = find_on_path("openssl")
            .expect("the benchmarks generate certificates with `openssl`, which is not installed");
        let dir = TempDir::new("bench");
        let ca = TestCa::new(&openssl, dir.path(), "ca", "padlock bench CA", kind);
        let leaf = ca.issue_server("leaf", &["localhost"], kind);
        let ca_pem = read_bytes(&ca.cert);
        let ca_der = CertificateDer::from_pem_slice(&ca_pem)
            .expect("openssl wrote a PEM certificate")
            .to_vec();
        let mut chain_pem = read_bytes(&leaf.chain);
        chain_pem.extend_from_slice(&ca_pem);
        TestPki {
            ca_pem,
            ca_der,
            chain_pem,
            key_pem: read_bytes(&leaf.key),
        }
    }
}
