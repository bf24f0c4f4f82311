//! Trust anchors: the certificates a validator starts from.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use padlock_crypto::{Provider, VerifyingKey};

use crate::cert::Certificate;
use crate::error::Error;
use crate::name_constraints::NameConstraints;
use crate::pem;
use crate::signature::{provider_algorithm, verify_signed, SignatureAlgorithmId};
use crate::spki::{PublicKeyAlgorithm, SubjectPublicKeyInfo};
use crate::verify::{anchor_is_plain, check_anchor, check_validity, VerifyOptions};

/// A set of trust anchors, indexed by subject name.
///
/// Each anchor is parsed once, when added; what validation needs of a plain anchor (its key,
/// validity and path length) is kept, so validating a chain does not parse the anchor again.
#[derive(Clone, Debug, Default)]
pub struct RootStore {
    anchors: Vec<Anchor>,
    /// Subject RDNs → indices into `anchors`.
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
    /// DER subject names (with tag), for `certificate_authorities` hints.
    subjects: Vec<Vec<u8>>,
}

/// One trust anchor.
#[derive(Clone, Debug)]
pub(crate) struct Anchor {
    /// The certificate DER.
    pub(crate) der: Vec<u8>,
    /// Whether the CA/B Forum root profile is enforced on it. Anchors from the system store
    /// are curated by the OS vendor and include legacy roots that predate the profile
    /// (non-critical basicConstraints, no subjectKeyIdentifier), so they are not; anchors a
    /// caller adds explicitly are.
    pub(crate) strict: bool,
    /// For a plain anchor (usable key, passes its profile checks, no nameConstraints): the
    /// facts a validation needs, so it need not parse the anchor. `None`: parse it each time
    /// and run every check, so failures are reported exactly.
    pub(crate) facts: Option<AnchorFacts>,
    /// subjectKeyIdentifier, to try first the anchor a child's authorityKeyIdentifier names.
    pub(crate) ski: Option<Vec<u8>>,
}

/// What validating through a plain anchor needs: everything else about it was checked when
/// it was added.
#[derive(Clone, Debug)]
pub(crate) struct AnchorFacts {
    /// The SubjectPublicKeyInfo DER; the key (the BIT STRING contents) is its last
    /// `key_len` octets.
    spki: Vec<u8>,
    key_len: usize,
    algorithm: PublicKeyAlgorithm,
    /// Validity period, seconds since the epoch.
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    /// basicConstraints pathLenConstraint.
    pub(crate) path_len: Option<u64>,
    /// The key as the provider parsed it for the first signature checked with it (`None`
    /// if the provider does not parse keys ahead): every later validation through this
    /// anchor verifies with it, without parsing the key again.
    parsed_key: OnceLock<Option<ParsedKey>>,
}

/// A provider's parsed public key, shared by the clones of a store.
#[derive(Clone)]
struct ParsedKey(Arc<dyn VerifyingKey>);

impl fmt::Debug for ParsedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParsedKey({:?})", self.0.algorithm())
    }
}

impl AnchorFacts {
    /// The facts of `cert` if it is a plain anchor (see [`Anchor::facts`]).
    fn of(cert: &Certificate<'_>, strict: bool) -> Option<Self> {
        if !anchor_is_plain(cert, strict) {
            return None;
        }
        let spki = cert.subject_public_key_info();
        Some(Self {
            spki: spki.der.to_vec(),
            key_len: spki.key.len(),
            algorithm: spki.algorithm,
            not_before: cert.not_before,
            not_after: cert.not_after,
            path_len: cert.extensions().basic_constraints.and_then(|b| b.path_len),
            parsed_key: OnceLock::new(),
        })
    }

    /// Checks that the anchor's key made `signature` over `message` with `alg` (RFC 5280
    /// §6.1.3 (a)(1)); `subject` names the signed object in the error.
    ///
    /// The key is parsed by `provider` ([`Provider::parse_public_key`]) the first time a
    /// signature is checked with it, and kept: an anchor's key checks every chain through
    /// it, so a validation does not parse it again (for an EC key, decoding the point and
    /// checking it lies on the curve). It is parsed at first use rather than when the anchor
    /// is added, as a system store holds a hundred and more anchors of which a program
    /// uses a few, and adding one needs no provider. A signature with another algorithm
    /// than the one the key was parsed for (a CA signing with both SHA-256 and SHA-384)
    /// goes through [`Provider::verify_signature`] as before. The parsed key is the first
    /// provider's: a store is meant to be used with one provider.
    pub(crate) fn check_signed(
        &self,
        provider: &dyn Provider,
        alg: &SignatureAlgorithmId,
        message: &[u8],
        signature: &[u8],
        subject: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        let spki = self.spki();
        let algorithm = provider_algorithm(alg, &spki.algorithm)?;
        let parsed = self.parsed_key.get_or_init(|| {
            provider
                .parse_public_key(algorithm, spki.key)
                .ok()
                .map(|key| ParsedKey(Arc::from(key)))
        });
        match parsed {
            Some(ParsedKey(key)) if key.algorithm() == algorithm => key
                .verify(message, signature)
                .map_err(|_| Error::BadSignature { subject: subject() }),
            _ => verify_signed(provider, &spki, alg, message, signature, subject),
        }
    }

    /// The anchor's public key.
    pub(crate) fn spki(&self) -> SubjectPublicKeyInfo<'_> {
        let key = self
            .spki
            .len()
            .checked_sub(self.key_len)
            .and_then(|start| self.spki.get(start..))
            .unwrap_or(&[]);
        SubjectPublicKeyInfo {
            algorithm: self.algorithm,
            key,
            der: &self.spki,
        }
    }
}

impl RootStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one DER certificate. Duplicates are ignored.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), Error> {
        self.add(der, true)
    }

    fn add(&mut self, der: &[u8], strict: bool) -> Result<(), Error> {
        let cert = Certificate::from_der(der)?;
        let same_subject = self
            .by_subject
            .entry(cert.subject().rdns.to_vec())
            .or_default();
        let anchors = &self.anchors;
        if same_subject
            .iter()
            .any(|&i| anchors.get(i).is_some_and(|a| a.der == der))
        {
            return Ok(());
        }
        same_subject.push(self.anchors.len());
        self.subjects.push(cert.subject().der.to_vec());
        self.anchors.push(Anchor {
            der: der.to_vec(),
            strict,
            facts: AnchorFacts::of(&cert, strict),
            ski: cert.extensions().subject_key_id.map(<[u8]>::to_vec),
        });
        Ok(())
    }

    /// Adds every CERTIFICATE and TRUSTED CERTIFICATE block of a PEM text; returns how
    /// many were added. Fails on the first certificate that does not parse.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize, Error> {
        let mut n = 0;
        for block in pem::parse_all(pem)? {
            if let Some(der) = certificate_of_block(&block)? {
                self.add_der(der)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Adds a file: PEM (one or more certificates) or a single DER certificate.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, std::io::Error> {
        let data = std::fs::read(path)?;
        let res = if data.first() == Some(&0x30) {
            self.add_der(&data).map(|()| 1)
        } else {
            self.add_pem(&data)
        };
        res.map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// The system's trust anchors: `SSL_CERT_FILE` (or `/etc/ssl/certs/ca-certificates.crt`)
    /// and every PEM file in `SSL_CERT_DIR`. Certificates that do not parse are skipped; it
    /// fails only if nothing at all could be loaded.
    pub fn system() -> Result<Self, Error> {
        let mut store = Self::new();
        let file = std::env::var_os("SSL_CERT_FILE")
            .unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into());
        store.add_lenient(Path::new(&file));
        if let Some(dir) = std::env::var_os("SSL_CERT_DIR") {
            for d in std::env::split_paths(&dir) {
                if let Ok(entries) = std::fs::read_dir(&d) {
                    for e in entries.flatten().take(10_000) {
                        store.add_lenient(&e.path());
                    }
                }
            }
        }
        if store.is_empty() {
            return Err(Error::Decode(crate::error::DecodeError {
                context: "system trust store",
                reason: "no certificates found",
            }));
        }
        Ok(store)
    }

    fn add_lenient(&mut self, path: &Path) {
        let Ok(data) = std::fs::read(path) else {
            return;
        };
        let Ok(blocks) = pem::parse_all(&data) else {
            return;
        };
        for b in blocks {
            // A system bundle may hold what we cannot parse; it is skipped, not fatal.
            if let Ok(Some(der)) = certificate_of_block(&b) {
                let _ = self.add(der, false);
            }
        }
    }

    /// How many anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The DER subject names of the anchors (for TLS `certificate_authorities`).
    pub fn subjects(&self) -> Vec<Vec<u8>> {
        self.subjects.clone()
    }

    /// The anchors whose subject (RDN contents) is `rdns`.
    pub(crate) fn by_subject<'s>(
        &'s self,
        rdns: &[u8],
    ) -> impl Iterator<Item = &'s Anchor> + Clone + 's {
        self.by_subject
            .get(rdns)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.anchors.get(i))
    }
}

/// The certificate DER of a PEM block: all of a CERTIFICATE; the leading certificate of an
/// OpenSSL TRUSTED CERTIFICATE, whose trust settings after it (the X509_AUX purposes) are not
/// read — the file is trusted as a whole, as every anchor is; `None` for other labels.
fn certificate_of_block(block: &pem::Block) -> Result<Option<&[u8]>, Error> {
    match block.label.as_str() {
        "CERTIFICATE" => Ok(Some(&block.der)),
        "TRUSTED CERTIFICATE" => {
            let mut r = crate::der::Reader::new(&block.der, "TRUSTED CERTIFICATE");
            Ok(Some(r.read(crate::der::tag::SEQUENCE)?.raw))
        }
        _ => Ok(None),
    }
}

/// A trust anchor during validation: parsed, or (for a plain anchor) the facts kept when it
/// was added to the store.
pub(crate) enum AnchorRef<'x> {
    Parsed(&'x Certificate<'x>),
    Plain {
        der: &'x [u8],
        facts: &'x AnchorFacts,
    },
}

impl AnchorRef<'_> {
    /// [`check_anchor`]. A plain anchor passed every check but validity when it was added.
    pub(crate) fn check(&self, options: &VerifyOptions<'_>, strict: bool) -> Result<(), Error> {
        match self {
            Self::Parsed(cert) => check_anchor(cert, options, strict),
            Self::Plain { facts, .. } => {
                let now = options.time.0 as i64;
                if facts.not_before <= now && now <= facts.not_after {
                    Ok(())
                } else {
                    self.with_cert(|c| check_validity(c, options))?
                }
            }
        }
    }

    /// Checks that the anchor signed `child` (RFC 5280 §6.1.3 (a)(1)); a plain anchor with
    /// its key as parsed once for the store ([`AnchorFacts::check_signed`]).
    pub(crate) fn check_issued(
        &self,
        provider: &dyn Provider,
        child: &Certificate<'_>,
    ) -> Result<(), Error> {
        let subject = || child.label();
        let (alg, message, signature) = (&child.signature_alg, child.tbs, child.signature);
        match self {
            Self::Parsed(cert) => {
                let spki = cert.subject_public_key_info();
                verify_signed(provider, spki, alg, message, signature, subject)
            }
            Self::Plain { facts, .. } => {
                facts.check_signed(provider, alg, message, signature, subject)
            }
        }
    }

    pub(crate) fn path_len(&self) -> Option<u64> {
        match self {
            Self::Parsed(cert) => cert.extensions().basic_constraints.and_then(|b| b.path_len),
            Self::Plain { facts, .. } => facts.path_len,
        }
    }

    /// A plain anchor has none.
    pub(crate) fn name_constraints(&self) -> Option<&NameConstraints<'_>> {
        match self {
            Self::Parsed(cert) => cert.extensions().name_constraints.as_ref(),
            Self::Plain { .. } => None,
        }
    }

    /// Runs `f` on the parsed anchor, parsing a plain one (for error messages and CRLs,
    /// which are off the common path).
    pub(crate) fn with_cert<R>(&self, f: impl FnOnce(&Certificate<'_>) -> R) -> Result<R, Error> {
        match self {
            Self::Parsed(cert) => Ok(f(cert)),
            Self::Plain { der, .. } => Ok(f(&Certificate::from_der(der)?)),
        }
    }
}
