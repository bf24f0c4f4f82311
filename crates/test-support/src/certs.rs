//! Certificate chains generated at test time with `openssl` (so the peers and padlock are
//! checked against certificates neither of them made).
//!
//! [`TestCa`] is a root; it issues server leaves (SAN `localhost`, `127.0.0.1` or any names
//! given) and client leaves (EKU clientAuth), of each [`KeyType`] the tests use.
//! [`Fixtures`] is the set the interop tests share: ECDSA P-256 and RSA-2048 roots and
//! servers, a second unrelated CA, and client certificates from each.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::TempDir;

/// The key type of a generated certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256 (signatures ecdsa_secp256r1_sha256).
    P256,
    /// ECDSA on P-384 (signatures ecdsa_secp384r1_sha384).
    P384,
    /// RSA with a 2048-bit modulus (rsa_pss_rsae_* in TLS 1.3).
    Rsa2048,
    /// Ed25519 (RFC 8410).
    Ed25519,
}

impl KeyType {
    /// Every key type.
    pub const ALL: [KeyType; 4] = [
        KeyType::P256,
        KeyType::P384,
        KeyType::Rsa2048,
        KeyType::Ed25519,
    ];

    /// The key types the peer matrices cross with every suite and group: one of each
    /// signature family every peer supports.
    pub const MATRIX: [KeyType; 2] = [KeyType::P256, KeyType::Rsa2048];

    /// A short name for test labels.
    pub fn label(self) -> &'static str {
        match self {
            KeyType::P256 => "ecdsa-p256",
            KeyType::P384 => "ecdsa-p384",
            KeyType::Rsa2048 => "rsa-2048",
            KeyType::Ed25519 => "ed25519",
        }
    }

    /// The arguments of `openssl genpkey` that make a key of this type (before `-out`).
    pub fn genpkey_args(self) -> &'static [&'static str] {
        match self {
            KeyType::P256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyType::P384 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            KeyType::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            KeyType::Ed25519 => &["-algorithm", "ED25519"],
        }
    }

    fn key_usage(self) -> &'static str {
        match self {
            KeyType::Rsa2048 => "critical,digitalSignature,keyEncipherment",
            _ => "critical,digitalSignature",
        }
    }
}

/// A certificate and its PKCS#8 private key, as PEM files.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The leaf certificate alone.
    pub cert: PathBuf,
    /// The chain to present: the leaf, then any intermediates (the root is left out).
    pub chain: PathBuf,
    /// The private key (PKCS#8 PEM).
    pub key: PathBuf,
    /// The key type.
    pub key_type: KeyType,
}

/// A test root CA kept as PEM files in a directory.
#[derive(Clone, Debug)]
pub struct TestCa {
    openssl: PathBuf,
    dir: PathBuf,
    stem: String,
    /// The root certificate (PEM): the trust anchor to configure.
    pub cert: PathBuf,
    /// The root's private key.
    pub key: PathBuf,
    /// The root's key type.
    pub key_type: KeyType,
}

impl TestCa {
    /// Makes a new self-signed root named `CN=<common_name>` in `dir`, files prefixed `stem`.
    pub fn new(
        openssl: &Path,
        dir: &Path,
        stem: &str,
        common_name: &str,
        key_type: KeyType,
    ) -> TestCa {
        let key = dir.join(format!("{stem}.key"));
        let cert = dir.join(format!("{stem}.pem"));
        let ext = dir.join(format!("{stem}.ext.cnf"));
        write(
            &ext,
            "[req]\ndistinguished_name = dn\nx509_extensions = root\nprompt = no\n[dn]\n\
             [root]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier = hash\n",
        );
        gen_key(openssl, key_type, &key);
        run(
            openssl,
            &[
                "req",
                "-x509",
                "-new",
                "-sha256",
                "-days",
                "30",
                "-config",
                path_str(&ext),
                "-key",
                path_str(&key),
                "-subj",
                &format!("/CN={common_name}/O=padlock test"),
                "-out",
                path_str(&cert),
            ],
        );
        TestCa {
            openssl: openssl.to_path_buf(),
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
            cert,
            key,
            key_type,
        }
    }

    /// Issues a server certificate for `names` (DNS names or IP addresses), with EKU
    /// serverAuth. Files are prefixed `stem`.
    pub fn issue_server(&self, stem: &str, names: &[&str], key_type: KeyType) -> Issued {
        let cn = names.first().copied().unwrap_or("server");
        self.issue(
            stem,
            cn,
            key_type,
            "serverAuth",
            Some(&subject_alt_name(names)),
        )
    }

    /// Issues a client certificate `CN=<common_name>` with EKU clientAuth.
    pub fn issue_client(&self, stem: &str, common_name: &str, key_type: KeyType) -> Issued {
        self.issue(stem, common_name, key_type, "clientAuth", None)
    }

    /// Issues a client certificate with EKU clientAuth that also names `names` (DNS names or
    /// IP addresses) in its subjectAltName; `CN=` the first.
    pub fn issue_client_named(&self, stem: &str, names: &[&str], key_type: KeyType) -> Issued {
        let cn = names.first().copied().unwrap_or("client");
        self.issue(
            stem,
            cn,
            key_type,
            "clientAuth",
            Some(&subject_alt_name(names)),
        )
    }

    fn issue(
        &self,
        stem: &str,
        common_name: &str,
        key_type: KeyType,
        eku: &str,
        san: Option<&str>,
    ) -> Issued {
        let openssl = &self.openssl;
        let key = self.dir.join(format!("{stem}.key"));
        let csr = self.dir.join(format!("{stem}.csr"));
        let cert = self.dir.join(format!("{stem}.pem"));
        let ext = self.dir.join(format!("{stem}.ext.cnf"));
        let mut ext_text = format!(
            "[leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = {}\n\
             extendedKeyUsage = {eku}\nsubjectKeyIdentifier = hash\n\
             authorityKeyIdentifier = keyid\n",
            key_type.key_usage()
        );
        if let Some(san) = san {
            ext_text.push_str(&format!("subjectAltName = {san}\n"));
        }
        write(&ext, &ext_text);
        gen_key(openssl, key_type, &key);
        run(
            openssl,
            &[
                "req",
                "-new",
                "-key",
                path_str(&key),
                "-subj",
                &format!("/CN={common_name}/O=padlock test"),
                "-out",
                path_str(&csr),
            ],
        );
        let serial = format!("0x{:016x}{:08x}", nonce(), std::process::id());
        run(
            openssl,
            &[
                "x509",
                "-req",
                "-sha256",
                "-days",
                "30",
                "-in",
                path_str(&csr),
                "-CA",
                path_str(&self.cert),
                "-CAkey",
                path_str(&self.key),
                "-set_serial",
                &serial,
                "-extfile",
                path_str(&ext),
                "-extensions",
                "leaf",
                "-out",
                path_str(&cert),
            ],
        );
        let _ = std::fs::remove_file(&csr);
        Issued {
            chain: cert.clone(),
            cert,
            key,
            key_type,
        }
    }

    /// The file prefix given at creation.
    pub fn stem(&self) -> &str {
        &self.stem
    }
}

/// The certificates the interop tests share, generated once per test binary.
#[derive(Debug)]
pub struct Fixtures {
    _dir: TempDir,
    /// The `openssl` binary used.
    pub openssl: PathBuf,
    /// ECDSA P-256 root.
    pub ecdsa_ca: TestCa,
    /// RSA-2048 root.
    pub rsa_ca: TestCa,
    /// An unrelated root ("another CA"): nothing it issued must be accepted.
    pub other_ca: TestCa,
    /// Server `localhost`/`127.0.0.1` from `ecdsa_ca`, ECDSA P-256 key.
    pub ecdsa_server: Issued,
    /// Server `localhost`/`127.0.0.1` from `rsa_ca`, RSA-2048 key.
    pub rsa_server: Issued,
    /// Server for `a.padlock.test` (SNI tests), from `ecdsa_ca`.
    pub sni_a: Issued,
    /// Server for `b.padlock.test` (SNI tests), from `ecdsa_ca`, RSA key.
    pub sni_b: Issued,
    /// Client certificate from `ecdsa_ca` (EKU clientAuth).
    pub client: Issued,
    /// Client certificate from `other_ca`.
    pub other_client: Issued,
    /// `ecdsa_ca` and `rsa_ca` in one PEM file: trust both.
    pub both_roots: PathBuf,
}

impl Fixtures {
    /// The shared fixtures, or `None` (skip) when `openssl` is missing.
    ///
    /// The directory lives as long as the test process (statics are not dropped); it is
    /// under the system temp dir and named after the process id.
    pub fn get() -> Option<&'static Fixtures> {
        static FIXTURES: OnceLock<Option<Fixtures>> = OnceLock::new();
        FIXTURES
            .get_or_init(|| crate::require_peer("openssl").map(|o| Fixtures::generate(&o)))
            .as_ref()
    }

    /// Generates a fresh set with `openssl`.
    pub fn generate(openssl: &Path) -> Fixtures {
        let dir = fixtures_dir();
        let d = dir.path();
        let ecdsa_ca = TestCa::new(
            openssl,
            d,
            "ecdsa-root",
            "padlock ECDSA root",
            KeyType::P256,
        );
        let rsa_ca = TestCa::new(openssl, d, "rsa-root", "padlock RSA root", KeyType::Rsa2048);
        let other_ca = TestCa::new(openssl, d, "other-root", "another CA", KeyType::P256);
        let local = ["localhost", "127.0.0.1"];
        let ecdsa_server = ecdsa_ca.issue_server("ecdsa-server", &local, KeyType::P256);
        let rsa_server = rsa_ca.issue_server("rsa-server", &local, KeyType::Rsa2048);
        let sni_a = ecdsa_ca.issue_server("sni-a", &["a.padlock.test"], KeyType::P256);
        let sni_b = ecdsa_ca.issue_server("sni-b", &["b.padlock.test"], KeyType::Rsa2048);
        let client = ecdsa_ca.issue_client("client", "padlock client", KeyType::P256);
        let other_client = other_ca.issue_client("other-client", "stranger", KeyType::P256);
        let both_roots = d.join("both-roots.pem");
        let mut both = read(&ecdsa_ca.cert);
        both.push_str(&read(&rsa_ca.cert));
        write(&both_roots, &both);
        Fixtures {
            openssl: openssl.to_path_buf(),
            ecdsa_ca,
            rsa_ca,
            other_ca,
            ecdsa_server,
            rsa_server,
            sni_a,
            sni_b,
            client,
            other_client,
            both_roots,
            _dir: dir,
        }
    }

    /// The server certificate of `key_type` and the root that issued it.
    ///
    /// # Panics
    /// For a key type not in [`KeyType::MATRIX`]: the fixtures have no such server.
    pub fn server(&self, key_type: KeyType) -> (&Issued, &TestCa) {
        match key_type {
            KeyType::P256 => (&self.ecdsa_server, &self.ecdsa_ca),
            KeyType::Rsa2048 => (&self.rsa_server, &self.rsa_ca),
            other => panic!("the interop fixtures have no {} server", other.label()),
        }
    }
}

/// A directory for fixtures a test binary keeps in a static (statics are never dropped, so
/// it outlives the process): the ones left by test processes that have ended are removed
/// first.
pub fn fixtures_dir() -> TempDir {
    remove_stale_fixture_dirs();
    TempDir::new("fixtures")
}

/// Removes the directories of test processes that have ended (named
/// `padlock-fixtures-<pid>-…`, see [`TempDir::new`]).
fn remove_stale_fixture_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten().take(10_000) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("padlock-fixtures-") else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Reads a file to a string (fixtures are small text files we wrote).
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Reads a file's bytes.
pub fn read_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `DNS:a,IP:127.0.0.1,…` for openssl's subjectAltName.
fn subject_alt_name(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| {
            if n.parse::<std::net::IpAddr>().is_ok() {
                format!("IP:{n}")
            } else {
                format!("DNS:{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn gen_key(openssl: &Path, key_type: KeyType, out: &Path) {
    let mut args = vec!["genpkey"];
    args.extend_from_slice(key_type.genpkey_args());
    args.extend_from_slice(&["-out", path_str(out)]);
    run(openssl, &args);
}

fn run(program: &Path, args: &[&str]) {
    run_in(program, None, args);
}

/// Runs `openssl args` (found on `PATH`) in `dir` and returns what it wrote to stdout; panics
/// (failing the test) with openssl's stderr if it cannot run or fails.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    run_in(Path::new("openssl"), Some(dir), args)
}

fn run_in(program: &Path, dir: Option<&Path>, args: &[&str]) -> Vec<u8> {
    let mut command = Command::new(program);
    command.args(args).stdin(std::process::Stdio::null());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        output.status.success(),
        "{} {} failed: {}",
        program.display(),
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn path_str(path: &Path) -> &str {
    // Our temp paths are built from ASCII pieces.
    path.to_str().expect("temporary paths are UTF-8")
}

fn nonce() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t ^ N.fetch_add(1, Ordering::Relaxed).rotate_left(40)) & 0x7fff_ffff_ffff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_chains_verify_with_openssl() {
        let Some(fx) = Fixtures::get() else { return };
        for (leaf, ca, purpose) in [
            (&fx.ecdsa_server, &fx.ecdsa_ca, "sslserver"),
            (&fx.rsa_server, &fx.rsa_ca, "sslserver"),
            (&fx.client, &fx.ecdsa_ca, "sslclient"),
            (&fx.other_client, &fx.other_ca, "sslclient"),
        ] {
            let out = Command::new(&fx.openssl)
                .args(["verify", "-purpose", purpose, "-CAfile"])
                .arg(&ca.cert)
                .arg(&leaf.cert)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = Command::new(&fx.openssl)
            .args(["verify", "-CAfile"])
            .arg(&fx.ecdsa_ca.cert)
            .arg(&fx.other_client.cert)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "another CA's certificate must not verify"
        );
    }
}
