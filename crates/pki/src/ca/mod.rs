//! The local certificate authority behind `padlock ca` and `padlock serve`.
//!
//! A root and an intermediate live under `$PADLOCK_HOME/ca/` (default
//! `~/.local/share/padlock/ca/`). The root is **name-constrained** by default (RFC 5280
//! §4.2.1.10) to `localhost`, `test`, `internal` and their subdomains, loopback and the
//! private address ranges, so a stolen CA key can't mint certificates for the public web.
//! The intermediate carries the same constraints (for verifiers that ignore constraints on
//! trust anchors) and a pathLenConstraint of 0; it signs every leaf and every CRL.
//!
//! Files (private keys mode 0600, the directory 0700):
//! `root.pem`, `root.key.pem`, `intermediate.pem`, `intermediate.key.pem`, `revoked.txt`
//! (one `serial-hex unix-time reason-code` line per revocation), `crlnumber`, `crl.pem`,
//! and the leaf `padlock serve` uses, `localhost.chain.pem` / `localhost.key.pem`.
//!
//! All cryptography goes through [`padlock_crypto::Provider`]; certificates and CRLs are
//! written by our own DER writer ([`der_writer`]).

pub mod der_writer;

mod cert;
mod crl;
mod csr;
mod files;
mod names;
mod own_cert;

use std::fmt;
use std::path::{Path, PathBuf};

use padlock_crypto::{CryptoError, KeyKind, PrivateKeyFormat, Provider, SigningKey};

use crate::time::UnixTime;
use cert::{key_usage, oid, CertTemplate, SimpleName};
pub use crl::RevocationReason;
use own_cert::OwnCert;

pub use crate::host_name::SubjectName;
pub use names::Permitted;

/// How long the root is valid: 10 years.
const ROOT_DAYS: u64 = 3650;
/// How long the intermediate is valid: 5 years.
const INTERMEDIATE_DAYS: u64 = 1825;
/// Backdating of notBefore, for peers whose clocks run a little slow.
const BACKDATE_SECS: u64 = 3600;
/// The longest leaf we issue: 825 days (the old CA/Browser Forum ceiling).
pub const MAX_LEAF_DAYS: u32 = 825;
/// The localhost leaf is re-issued when it has less than this left.
const RENEW_BEFORE_SECS: u64 = 7 * 86_400;
/// organizationName of every certificate the local CA makes.
const ORGANIZATION: &str = "padlock local CA";

/// Where the CA's files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaPaths {
    /// `$PADLOCK_HOME/ca`.
    pub dir: PathBuf,
}

impl CaPaths {
    /// The CA directory under a padlock home directory.
    pub fn new(home: &Path) -> Self {
        Self {
            dir: home.join("ca"),
        }
    }

    /// `$PADLOCK_HOME` if set, else `~/.local/share/padlock`.
    pub fn default_home() -> PathBuf {
        if let Some(h) = std::env::var_os("PADLOCK_HOME").filter(|h| !h.is_empty()) {
            return PathBuf::from(h);
        }
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        home.join(".local/share/padlock")
    }

    /// The root certificate (PEM): the file to trust.
    pub fn root_cert(&self) -> PathBuf {
        self.dir.join("root.pem")
    }
    /// The root's private key (PKCS#8 PEM, 0600).
    pub fn root_key(&self) -> PathBuf {
        self.dir.join("root.key.pem")
    }
    /// The intermediate certificate (PEM).
    pub fn intermediate_cert(&self) -> PathBuf {
        self.dir.join("intermediate.pem")
    }
    /// The intermediate's private key (PKCS#8 PEM, 0600).
    pub fn intermediate_key(&self) -> PathBuf {
        self.dir.join("intermediate.key.pem")
    }
    /// The revocation records.
    pub fn revoked(&self) -> PathBuf {
        self.dir.join("revoked.txt")
    }
    /// The last CRL number used.
    pub fn crl_number(&self) -> PathBuf {
        self.dir.join("crlnumber")
    }
    /// The latest CRL (PEM).
    pub fn crl(&self) -> PathBuf {
        self.dir.join("crl.pem")
    }
    /// The chain of the leaf `padlock serve` uses.
    pub fn localhost_chain(&self) -> PathBuf {
        self.dir.join("localhost.chain.pem")
    }
    /// The key of the leaf `padlock serve` uses.
    pub fn localhost_key(&self) -> PathBuf {
        self.dir.join("localhost.key.pem")
    }

    /// The (chain, key) files of `padlock serve`'s leaf with `extra` names besides
    /// localhost: the localhost files when there are none, else `serve-NAME-NAME.*.pem`
    /// (names sorted, so the same set always finds the same files).
    pub fn serve_leaf(&self, extra: &[SubjectName]) -> (PathBuf, PathBuf) {
        if extra.is_empty() {
            return (self.localhost_chain(), self.localhost_key());
        }
        let mut names: Vec<String> = extra
            .iter()
            .map(|n| {
                n.to_string()
                    .replace('*', "_wildcard")
                    .replace([':', '/', '\\'], "_")
            })
            .collect();
        names.sort();
        names.dedup();
        let base = format!("serve-{}", names.join("-"));
        (
            self.dir.join(format!("{base}.chain.pem")),
            self.dir.join(format!("{base}.key.pem")),
        )
    }
}

/// Which names the root (and intermediate) may certify.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Constraints {
    /// [`Permitted::local_defaults`]: localhost, test, internal, loopback, private ranges.
    #[default]
    Local,
    /// No nameConstraints at all. Whoever holds the key can impersonate any site to
    /// anyone who trusts the root.
    Unconstrained,
    /// Exactly these permitted subtrees.
    Permit(Vec<Permitted>),
}

/// Options for [`LocalCa::init`].
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The kind of key for the root and the intermediate (default ECDSA P-256).
    pub key: KeyKind,
    /// Name constraints (default [`Constraints::Local`]).
    pub constraints: Constraints,
}

impl Default for InitOptions {
    fn default() -> Self {
        Self {
            key: KeyKind::EcdsaP256,
            constraints: Constraints::Local,
        }
    }
}

/// Options for [`LocalCa::issue`] and [`LocalCa::sign_csr`].
#[derive(Clone, Copy, Debug)]
pub struct IssueOptions {
    /// A client certificate (EKU clientAuth) instead of a server one (serverAuth).
    pub client: bool,
    /// Days of validity, 1..=[`MAX_LEAF_DAYS`]; never past the intermediate's end.
    pub days: u32,
}

impl Default for IssueOptions {
    fn default() -> Self {
        Self {
            client: false,
            days: 90,
        }
    }
}

/// A certificate issued by [`LocalCa::issue`].
#[derive(Clone, Debug)]
pub struct IssuedCert {
    /// The leaf then the intermediate, PEM.
    pub chain_pem: String,
    /// The leaf's private key, PKCS#8 PEM (empty for [`LocalCa::sign_csr`]).
    pub key_pem: String,
    /// The serial number, hex.
    pub serial: String,
    /// The end of the leaf's validity.
    pub not_after: UnixTime,
}

impl IssuedCert {
    /// Writes `<base>.chain.pem` and (if there is a key) `<base>.key.pem` (mode 0600) into
    /// `dir`; returns the paths written.
    pub fn write_to(&self, dir: &Path, base: &str) -> Result<Vec<PathBuf>, CaError> {
        files::create_dir(dir, false)?;
        let chain = dir.join(format!("{base}.chain.pem"));
        files::write_public(&chain, self.chain_pem.as_bytes())?;
        let mut written = vec![chain];
        if !self.key_pem.is_empty() {
            let key = dir.join(format!("{base}.key.pem"));
            files::write_private(&key, self.key_pem.as_bytes())?;
            written.push(key);
        }
        Ok(written)
    }
}

/// What went wrong in the local CA.
#[non_exhaustive]
#[derive(Debug)]
pub enum CaError {
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `init` found a CA already there.
    AlreadyInitialized(PathBuf),
    /// `open` found no CA.
    NotInitialized(PathBuf),
    /// The crypto provider failed.
    Crypto(CryptoError),
    /// A file or input did not hold what it should.
    Malformed(String),
    /// A name given for a certificate or constraint could not be used.
    BadName(String),
    /// No names were given for a certificate.
    NoNames,
    /// The requested validity is out of range.
    BadValidity(u32),
    /// A key kind the CA cannot use.
    UnsupportedKey(String),
    /// The CSR's self-signature does not verify.
    CsrSignature,
    /// The CSR uses something we don't support.
    CsrUnsupported(String),
    /// The certificate was not issued by this CA's intermediate.
    NotIssuedHere,
    /// A name lies outside the CA's name constraints.
    NotPermitted {
        /// The name asked for.
        name: String,
        /// The permitted subtrees.
        permitted: Vec<String>,
    },
}

impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "could not use {}: {source}", path.display()),
            Self::AlreadyInitialized(p) => write!(
                f,
                "a local CA already exists in {} (remove it first to start over)",
                p.display()
            ),
            Self::NotInitialized(p) => write!(
                f,
                "there is no local CA in {} yet (run `padlock ca init`)",
                p.display()
            ),
            Self::Crypto(e) => write!(f, "a cryptographic operation failed: {e}"),
            Self::Malformed(what) => write!(f, "{what} is malformed"),
            Self::BadName(n) => write!(
                f,
                "{n:?} is not a DNS name, IP address or network the CA can use"
            ),
            Self::NoNames => f.write_str("a certificate needs at least one DNS name or IP address"),
            Self::BadValidity(d) => write!(
                f,
                "{d} days is not a usable validity (1 to {MAX_LEAF_DAYS} days)"
            ),
            Self::UnsupportedKey(k) => write!(f, "the local CA cannot use a {k} key"),
            Self::CsrSignature => {
                f.write_str("the certificate request's signature does not verify")
            }
            Self::CsrUnsupported(what) => {
                write!(
                    f,
                    "the certificate request uses {what}, which is not supported"
                )
            }
            Self::NotIssuedHere => f.write_str("that certificate was not issued by this local CA"),
            Self::NotPermitted { name, permitted } => write!(
                f,
                "{name} is outside this CA's name constraints (it may issue only for {}); \
                 use a name under one of those, or re-create the CA with `padlock ca init \
                 --permit …` (a new root, to be trusted again with `padlock ca install`)",
                permitted.join(", ")
            ),
        }
    }
}

impl std::error::Error for CaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Crypto(e) => Some(e),
            _ => None,
        }
    }
}

/// An open local CA: its certificates, and the intermediate's key for signing.
pub struct LocalCa<'p> {
    provider: &'p dyn Provider,
    paths: CaPaths,
    root_der: Vec<u8>,
    intermediate_der: Vec<u8>,
    intermediate_key: Box<dyn SigningKey>,
    intermediate_subject: Vec<u8>,
    intermediate_key_id: Vec<u8>,
    intermediate_not_after: UnixTime,
    constraints: Option<Vec<Permitted>>,
    now: Option<UnixTime>,
}

impl fmt::Debug for LocalCa<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCa")
            .field("dir", &self.paths.dir)
            .finish_non_exhaustive()
    }
}

impl<'p> LocalCa<'p> {
    /// Creates a new root and intermediate under `home/ca/`. Fails if one exists.
    pub fn init(
        provider: &'p dyn Provider,
        home: &Path,
        opts: InitOptions,
    ) -> Result<Self, CaError> {
        Self::init_at(provider, home, opts, UnixTime::now())
    }

    /// [`LocalCa::init`] at a given time (for tests).
    pub fn init_at(
        provider: &'p dyn Provider,
        home: &Path,
        opts: InitOptions,
        now: UnixTime,
    ) -> Result<Self, CaError> {
        let paths = CaPaths::new(home);
        if paths.root_cert().exists() {
            return Err(CaError::AlreadyInitialized(paths.dir));
        }
        files::create_dir(&paths.dir, true)?;
        let permitted = match opts.constraints {
            Constraints::Local => Some(Permitted::local_defaults()),
            Constraints::Unconstrained => None,
            Constraints::Permit(list) if list.is_empty() => {
                return Err(CaError::BadName(String::new()))
            }
            Constraints::Permit(list) => Some(list),
        };
        let mut tag = [0u8; 4];
        provider.fill_random(&mut tag).map_err(CaError::Crypto)?;
        let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();

        // RFC 5280 §4.1: the self-signed root.
        let (root_key, root_pkcs8) = generate(provider, opts.key)?;
        let root_spki = root_key.public_key_spki();
        let root_id = cert::key_identifier(provider, &root_spki)?;
        let root_name = SimpleName {
            common_name: Some(format!("padlock local root CA {tag}")),
            organization: Some(ORGANIZATION.into()),
        }
        .to_der();
        let start = UnixTime(now.0.saturating_sub(BACKDATE_SECS));
        let root_end = UnixTime(now.0 + ROOT_DAYS * 86_400);
        let mut exts = vec![
            cert::basic_constraints(true, None),
            cert::key_usage(&[key_usage::KEY_CERT_SIGN, key_usage::CRL_SIGN]),
            cert::subject_key_id(&root_id),
        ];
        if let Some(p) = &permitted {
            exts.push(cert::name_constraints(p));
        }
        let root_der = cert::sign_certificate(
            &CertTemplate {
                serial: cert::random_serial(provider)?,
                issuer: &root_name,
                subject: &root_name,
                not_before: start,
                not_after: root_end,
                spki: &root_spki,
                extensions: exts,
            },
            &*root_key,
        )?;

        // The intermediate: pathLen 0, so it can sign only leaves.
        let (int_key, int_pkcs8) = generate(provider, opts.key)?;
        let int_spki = int_key.public_key_spki();
        let int_id = cert::key_identifier(provider, &int_spki)?;
        let int_name = SimpleName {
            common_name: Some(format!("padlock local intermediate CA {tag}")),
            organization: Some(ORGANIZATION.into()),
        }
        .to_der();
        let int_end = UnixTime(now.0 + INTERMEDIATE_DAYS * 86_400);
        let mut exts = vec![
            cert::basic_constraints(true, Some(0)),
            cert::key_usage(&[key_usage::KEY_CERT_SIGN, key_usage::CRL_SIGN]),
            cert::ext_key_usage(&[oid::SERVER_AUTH, oid::CLIENT_AUTH]),
            cert::subject_key_id(&int_id),
            cert::authority_key_id(&root_id),
        ];
        if let Some(p) = &permitted {
            exts.push(cert::name_constraints(p));
        }
        let int_der = cert::sign_certificate(
            &CertTemplate {
                serial: cert::random_serial(provider)?,
                issuer: &root_name,
                subject: &int_name,
                not_before: start,
                not_after: int_end,
                spki: &int_spki,
                extensions: exts,
            },
            &*root_key,
        )?;

        // Keys first, so a crash never leaves certificates without their keys.
        files::write_private(
            &paths.root_key(),
            pem("PRIVATE KEY", &root_pkcs8).as_bytes(),
        )?;
        files::write_private(
            &paths.intermediate_key(),
            pem("PRIVATE KEY", &int_pkcs8).as_bytes(),
        )?;
        files::write_public(
            &paths.intermediate_cert(),
            pem("CERTIFICATE", &int_der).as_bytes(),
        )?;
        files::write_public(&paths.root_cert(), pem("CERTIFICATE", &root_der).as_bytes())?;
        let mut ca = Self::open(provider, home)?;
        ca.now = Some(now);
        Ok(ca)
    }

    /// Opens the CA under `home/ca/`.
    pub fn open(provider: &'p dyn Provider, home: &Path) -> Result<Self, CaError> {
        let paths = CaPaths::new(home);
        if !paths.root_cert().exists() {
            return Err(CaError::NotInitialized(paths.dir));
        }
        let root_der = files::read_pem_one(&paths.root_cert(), "CERTIFICATE")?;
        let intermediate_der = files::read_pem_one(&paths.intermediate_cert(), "CERTIFICATE")?;
        let key_der = files::read_pem_one(&paths.intermediate_key(), "PRIVATE KEY")?;
        let intermediate_key = provider
            .load_signing_key(&key_der, PrivateKeyFormat::Pkcs8)
            .map_err(CaError::Crypto)?;
        let int = OwnCert::parse(&intermediate_der)
            .ok_or_else(|| CaError::Malformed(paths.intermediate_cert().display().to_string()))?;
        if int.spki != intermediate_key.public_key_spki() {
            return Err(CaError::Malformed(format!(
                "{} (it does not match intermediate.pem)",
                paths.intermediate_key().display()
            )));
        }
        let intermediate_key_id = cert::key_identifier(provider, int.spki)?;
        let intermediate_subject = int.subject.to_vec();
        let intermediate_not_after = int.not_after;
        let constraints = int.permitted.clone();
        Ok(Self {
            provider,
            paths,
            root_der,
            intermediate_der,
            intermediate_key,
            intermediate_subject,
            intermediate_key_id,
            intermediate_not_after,
            constraints,
            now: None,
        })
    }

    /// Opens the CA, creating it with `opts` if there is none, and makes sure the
    /// localhost leaf (`localhost`, `127.0.0.1`, `::1`) exists and is not about to expire.
    /// This is what `padlock serve` calls.
    pub fn open_or_init(
        provider: &'p dyn Provider,
        home: &Path,
        opts: InitOptions,
    ) -> Result<Self, CaError> {
        let ca = if CaPaths::new(home).root_cert().exists() {
            Self::open(provider, home)?
        } else {
            Self::init(provider, home, opts)?
        };
        ca.localhost_leaf()?;
        Ok(ca)
    }

    /// The leaf for `localhost`, `127.0.0.1` and `::1`, read from the CA directory, or
    /// issued (and stored) if missing, unreadable or within a week of expiring.
    pub fn localhost_leaf(&self) -> Result<IssuedCert, CaError> {
        self.serve_leaf(&[]).map(|(issued, _)| issued)
    }

    /// The leaf `padlock serve` presents: `localhost`, `127.0.0.1`, `::1` and the `extra`
    /// names, read from the CA directory (`localhost.*.pem`, or `serve-NAME….*.pem` with
    /// extra names), or issued and stored if missing, unreadable, issued by another
    /// intermediate or within a week of expiring. Also returns the (chain, key) paths.
    pub fn serve_leaf(
        &self,
        extra: &[SubjectName],
    ) -> Result<(IssuedCert, (PathBuf, PathBuf)), CaError> {
        let (chain, key) = self.paths.serve_leaf(extra);
        let issued = self.stored_leaf(&chain, &key, extra)?;
        Ok((issued, (chain, key)))
    }

    fn stored_leaf(
        &self,
        chain: &Path,
        key: &Path,
        extra: &[SubjectName],
    ) -> Result<IssuedCert, CaError> {
        if let (Ok(chain_pem), Ok(key_pem)) =
            (std::fs::read_to_string(chain), std::fs::read_to_string(key))
        {
            let leaf = crate::pem::parse_all(chain_pem.as_bytes())
                .ok()
                .and_then(|blocks| blocks.into_iter().next())
                .map(|b| b.der);
            if let Some(parsed) = leaf.as_deref().and_then(OwnCert::parse) {
                let fresh = parsed.not_after.0 > self.now().0 + RENEW_BEFORE_SECS;
                if fresh && parsed.issuer == self.intermediate_subject.as_slice() {
                    return Ok(IssuedCert {
                        serial: hex(parsed.serial),
                        not_after: parsed.not_after,
                        chain_pem,
                        key_pem,
                    });
                }
            }
        }
        let mut names = vec![
            SubjectName::Dns("localhost".into()),
            SubjectName::Ip([127, 0, 0, 1].into()),
            SubjectName::Ip(std::net::Ipv6Addr::LOCALHOST.into()),
        ];
        for name in extra {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let issued = self.issue(&names, IssueOptions::default())?;
        files::write_public(chain, issued.chain_pem.as_bytes())?;
        files::write_private(key, issued.key_pem.as_bytes())?;
        Ok(issued)
    }

    /// Issues a leaf for `names` with a fresh ECDSA P-256 key. Names outside the CA's name
    /// constraints are refused here, rather than producing a certificate nobody accepts.
    pub fn issue(&self, names: &[SubjectName], opts: IssueOptions) -> Result<IssuedCert, CaError> {
        self.check_permitted(names)?;
        let (key, pkcs8) = generate(self.provider, KeyKind::EcdsaP256)?;
        let mut issued = self.issue_for_key(names, &key.public_key_spki(), opts)?;
        issued.key_pem = pem("PRIVATE KEY", &pkcs8);
        Ok(issued)
    }

    /// Signs a PKCS#10 certificate request (RFC 2986) after checking its self-signature.
    /// The names come from the request's subjectAltName (extensionRequest), or else its
    /// commonName; the rest of the request's subject is not copied.
    pub fn sign_csr(&self, csr_pem: &[u8], opts: IssueOptions) -> Result<IssuedCert, CaError> {
        let blocks = crate::pem::parse_all(csr_pem)
            .map_err(|e| CaError::Malformed(format!("the certificate request ({e})")))?;
        let der = blocks
            .into_iter()
            .find(|b| b.label == "CERTIFICATE REQUEST" || b.label == "NEW CERTIFICATE REQUEST")
            .ok_or_else(|| CaError::Malformed("the certificate request PEM".into()))?
            .der;
        let request = csr::parse_and_verify(self.provider, &der)?;
        self.check_permitted(&request.names)?;
        self.issue_for_key(&request.names, request.spki, opts)
    }

    /// Records `cert_pem`'s leaf (which this CA issued) as revoked now, for `reason`.
    /// Returns its serial (hex). Revoking twice is harmless.
    pub fn revoke(&self, cert_pem: &[u8], reason: RevocationReason) -> Result<String, CaError> {
        let blocks = crate::pem::parse_all(cert_pem)
            .map_err(|e| CaError::Malformed(format!("the certificate ({e})")))?;
        let der = blocks
            .into_iter()
            .find(|b| b.label == "CERTIFICATE")
            .ok_or_else(|| CaError::Malformed("the certificate PEM".into()))?
            .der;
        let parsed =
            OwnCert::parse(&der).ok_or_else(|| CaError::Malformed("the certificate".into()))?;
        if parsed.issuer != self.intermediate_subject.as_slice() {
            return Err(CaError::NotIssuedHere);
        }
        let serial = hex(parsed.serial);
        crl::record(&self.paths, &serial, self.now(), reason)?;
        Ok(serial)
    }

    /// Writes a fresh CRL (RFC 5280 §5) signed by the intermediate, listing every revoked
    /// leaf, to `crl.pem`; returns the PEM. Valid for 7 days.
    pub fn crl(&self) -> Result<Vec<u8>, CaError> {
        let pem_text = crl::build(
            &self.paths,
            &*self.intermediate_key,
            &self.intermediate_subject,
            &self.intermediate_key_id,
            self.now(),
        )?;
        files::write_public(&self.paths.crl(), pem_text.as_bytes())?;
        Ok(pem_text.into_bytes())
    }

    /// The path of the root certificate: the file to add to a trust store.
    pub fn root_pem_path(&self) -> PathBuf {
        self.paths.root_cert()
    }

    /// The CA's file locations.
    pub fn paths(&self) -> &CaPaths {
        &self.paths
    }

    /// The root certificate, DER.
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The intermediate certificate, DER.
    pub fn intermediate_der(&self) -> &[u8] {
        &self.intermediate_der
    }

    /// The permitted subtrees the intermediate carries (`None`: unconstrained).
    pub fn constraints(&self) -> Option<&[Permitted]> {
        self.constraints.as_deref()
    }

    /// Fixes the time used for validity periods and revocations (tests; default: the
    /// system clock).
    pub fn set_time(&mut self, now: UnixTime) {
        self.now = Some(now);
    }

    /// Fails with [`CaError::NotPermitted`] for the first name outside the constraints.
    fn check_permitted(&self, names: &[SubjectName]) -> Result<(), CaError> {
        if let Some(permitted) = &self.constraints {
            if let Some(name) = names.iter().find(|n| !names::is_permitted(permitted, n)) {
                return Err(CaError::NotPermitted {
                    name: name.to_string(),
                    permitted: permitted.iter().map(ToString::to_string).collect(),
                });
            }
        }
        Ok(())
    }

    fn now(&self) -> UnixTime {
        self.now.unwrap_or_else(UnixTime::now)
    }

    /// Issues a leaf for `spki` (RFC 5280 §4.1): subject CN the first DNS name (none for an
    /// IP-only leaf, with a critical subjectAltName), EKU serverAuth or clientAuth.
    fn issue_for_key(
        &self,
        names: &[SubjectName],
        spki: &[u8],
        opts: IssueOptions,
    ) -> Result<IssuedCert, CaError> {
        if names.is_empty() {
            return Err(CaError::NoNames);
        }
        if opts.days == 0 || opts.days > MAX_LEAF_DAYS {
            return Err(CaError::BadValidity(opts.days));
        }
        let now = self.now();
        let not_before = UnixTime(now.0.saturating_sub(BACKDATE_SECS));
        let not_after =
            UnixTime((now.0 + u64::from(opts.days) * 86_400).min(self.intermediate_not_after.0));
        let common_name = names.iter().find_map(|n| match n {
            SubjectName::Dns(d) => Some(d.clone()),
            SubjectName::Ip(_) => None,
        });
        let subject_empty = common_name.is_none();
        let subject = SimpleName {
            common_name,
            organization: None,
        }
        .to_der();
        let leaf_id = cert::key_identifier(self.provider, spki)?;
        let usage = if opts.client {
            oid::CLIENT_AUTH
        } else {
            oid::SERVER_AUTH
        };
        // digitalSignature for ECDSA/Ed25519 keys; RSA keys from a CSR may also do key
        // transport in TLS 1.2.
        let mut bits = vec![key_usage::DIGITAL_SIGNATURE];
        if is_rsa_spki(spki) {
            bits.push(key_usage::KEY_ENCIPHERMENT);
        }
        let extensions = vec![
            cert::basic_constraints(false, None),
            cert::key_usage(&bits),
            cert::ext_key_usage(&[usage]),
            cert::subject_key_id(&leaf_id),
            cert::authority_key_id(&self.intermediate_key_id),
            cert::subject_alt_name(names, subject_empty),
        ];
        let serial = cert::random_serial(self.provider)?;
        let leaf = cert::sign_certificate(
            &CertTemplate {
                serial,
                issuer: &self.intermediate_subject,
                subject: &subject,
                not_before,
                not_after,
                spki,
                extensions,
            },
            &*self.intermediate_key,
        )?;
        let mut chain_pem = pem("CERTIFICATE", &leaf);
        chain_pem.push_str(&pem("CERTIFICATE", &self.intermediate_der));
        Ok(IssuedCert {
            chain_pem,
            key_pem: String::new(),
            serial: hex(&serial),
            not_after,
        })
    }
}

fn generate(
    provider: &dyn Provider,
    kind: KeyKind,
) -> Result<(Box<dyn SigningKey>, Vec<u8>), CaError> {
    provider.generate_signing_key(kind).map_err(|e| match e {
        CryptoError::Unsupported => CaError::UnsupportedKey(format!("{kind:?}")),
        e => CaError::Crypto(e),
    })
}

fn pem(label: &str, der: &[u8]) -> String {
    crate::pem::encode(label, der)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a SubjectPublicKeyInfo is for rsaEncryption.
fn is_rsa_spki(spki: &[u8]) -> bool {
    let rsa = der_writer::encode_oid(oid::RSA_ENCRYPTION);
    spki.windows(rsa.len())
        .take(16)
        .any(|w| w == rsa.as_slice())
}

/// What a PKCS#10 certificate request asks for, as `padlock inspect` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    /// The subject, for display.
    pub subject: String,
    /// The names a certificate for it would carry (subjectAltName, else the CN).
    pub names: Vec<String>,
    /// The public key, e.g. "ECDSA P-256".
    pub key: String,
}

/// Reads a DER certificate request and checks its self-signature (RFC 2986 §4); `Err` when
/// it does not parse, or its signature does not verify with the key it carries.
pub fn describe_request(provider: &dyn Provider, der: &[u8]) -> Result<RequestSummary, CaError> {
    let request = csr::parse_and_verify(provider, der)?;
    let mut subject = crate::der::Reader::new(request.subject, "CertificationRequest.subject");
    let subject = crate::distinguished_name::Name::read(&mut subject)
        .map_or_else(|_| "(unreadable)".to_string(), |n| n.to_string());
    let key = crate::spki::SubjectPublicKeyInfo::from_der(request.spki)
        .map_or_else(|_| "(unreadable)".to_string(), |k| k.algorithm.to_string());
    Ok(RequestSummary {
        subject,
        names: request.names.iter().map(ToString::to_string).collect(),
        key,
    })
}

#[cfg(test)]
mod tests;
