//! Path building and validation: RFC 5280 §6 as the Web PKI applies it, with server identity
//! per RFC 6125 §6.

use std::cell::OnceCell;

use crate::cert::{
    id_ce, Certificate, EKU_ANY, EKU_CLIENT_AUTH, EKU_SERVER_AUTH, KU_DIGITAL_SIGNATURE,
    KU_KEY_CERT_SIGN,
};
use crate::common_name;
use crate::crl::Crl;
use crate::error::Error;
use crate::general_name::GeneralName;
use crate::host_name::{dns_name_matches, is_valid_dns_name, wildcard_public_suffix, SubjectName};
use crate::inline_list::InlineList;
use crate::roots::{AnchorRef, RootStore};
use crate::signature::verify_signed;
use crate::spki::{Curve, PublicKeyAlgorithm, SubjectPublicKeyInfo};
use crate::time::UnixTime;
use padlock_crypto::Provider;

/// What the end-entity certificate is to be used for.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A TLS server (id-kp-serverAuth).
    ServerAuth,
    /// A TLS client (id-kp-clientAuth).
    ClientAuth,
}

impl Purpose {
    fn oid(self) -> &'static [u8] {
        match self {
            Self::ServerAuth => EKU_SERVER_AUTH,
            Self::ClientAuth => EKU_CLIENT_AUTH,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Self::ServerAuth => "serverAuth",
            Self::ClientAuth => "clientAuth",
        }
    }
}

/// Options for [`verify_chain`].
#[derive(Clone, Debug)]
pub struct VerifyOptions<'a> {
    /// The time of validation.
    pub time: UnixTime,
    /// What the end-entity certificate must be good for.
    pub purpose: Purpose,
    /// The name the end-entity certificate must carry (RFC 6125); `None` skips the check.
    pub name: Option<&'a SubjectName>,
    /// DER CRLs to consult (RFC 5280 §6.3). Certificates whose issuer has no CRL here are
    /// not checked for revocation.
    pub crls: &'a [Vec<u8>],
    /// The most intermediate certificates allowed between end entity and anchor.
    pub max_depth: Option<usize>,
}

impl<'a> VerifyOptions<'a> {
    /// Server authentication at `time`, no name check, no CRLs, default depth.
    pub fn new(time: UnixTime) -> Self {
        Self {
            time,
            purpose: Purpose::ServerAuth,
            name: None,
            crls: &[],
            max_depth: None,
        }
    }
}

/// A validated path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPath {
    /// The DER of each certificate, end entity first, trust anchor last.
    pub chain: Vec<Vec<u8>>,
}

/// The most signature checks one validation may make before giving up.
pub const MAX_SIGNATURE_CHECKS: usize = 100;
/// The most (name, subtree) comparisons name-constraint checking may make on one path.
pub const MAX_NAME_CONSTRAINT_CHECKS: usize = 1 << 18;
/// The most intermediates a path may hold by default.
const DEFAULT_MAX_INTERMEDIATES: usize = 8;

/// Validates `end_entity` for `options.purpose` (and `options.name`), building a path through
/// `intermediates` (any order; extras, duplicates and cross-signs allowed) to an anchor in
/// `roots`. When every candidate path fails, the most specific failure is returned.
pub fn verify_chain(
    provider: &dyn Provider,
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[&[u8]],
    options: &VerifyOptions<'_>,
) -> Result<VerifiedPath, Error> {
    build_path(provider, roots, end_entity, intermediates, options, true)
}

/// [`verify_chain`] for a caller that needs only the verdict (a TLS handshake): the same
/// validation, without copying the path's certificates into a [`VerifiedPath`].
pub fn check_chain(
    provider: &dyn Provider,
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[&[u8]],
    options: &VerifyOptions<'_>,
) -> Result<(), Error> {
    build_path(provider, roots, end_entity, intermediates, options, false).map(drop)
}

/// [`verify_chain`]; the path's DER is copied into the result only if `keep_chain`.
fn build_path(
    provider: &dyn Provider,
    roots: &RootStore,
    end_entity: &[u8],
    intermediates: &[&[u8]],
    options: &VerifyOptions<'_>,
    keep_chain: bool,
) -> Result<VerifiedPath, Error> {
    let leaf = Certificate::from_der(end_entity)?;
    check_end_entity(&leaf, options)?;
    // Parsed only if no trust anchor issued the end entity: a chain that repeats its root
    // (or a CA the client trusts) after the leaf costs no parse of it.
    let pool = Pool {
        der: intermediates,
        parsed: OnceCell::new(),
    };
    let crls: Vec<Crl<'_>> = options
        .crls
        .iter()
        .map(|d| Crl::from_der(d))
        .collect::<Result<_, _>>()?;
    let mut builder = Builder {
        provider,
        roots,
        pool: &pool,
        crls: &crls,
        options,
        signature_checks: 0,
        keep_chain,
    };
    // Inline for a path of ordinary length (no allocation per verification).
    let mut path: InlineList<&Certificate<'_>, 8> = InlineList::new();
    path.push(&leaf);
    let mut best: Option<Error> = None;
    match builder.extend(&mut path, &mut best) {
        Ok(chain) => Ok(VerifiedPath { chain }),
        Err(Error::BudgetExceeded) => Err(Error::BudgetExceeded),
        Err(e) => Err(best.unwrap_or(e)),
    }
}

/// The candidate intermediates, parsed (up to 64 of them; those that do not parse are left
/// out) the first time a path needs one.
struct Pool<'c> {
    der: &'c [&'c [u8]],
    parsed: OnceCell<Vec<Certificate<'c>>>,
}

impl<'c> Pool<'c> {
    fn certificates(&self) -> &[Certificate<'c>] {
        self.parsed.get_or_init(|| {
            self.der
                .iter()
                .take(64)
                .filter_map(|d| Certificate::from_der(d).ok())
                .collect()
        })
    }
}

struct Builder<'p, 'c> {
    provider: &'p dyn Provider,
    roots: &'p RootStore,
    pool: &'p Pool<'c>,
    crls: &'p [Crl<'p>],
    options: &'p VerifyOptions<'p>,
    signature_checks: usize,
    /// Whether a valid path's DER is copied out (else an empty chain is returned).
    keep_chain: bool,
}

fn keep_best(best: &mut Option<Error>, e: Error) {
    if best.as_ref().is_none_or(|b| e.rank() > b.rank()) {
        *best = Some(e);
    }
}

impl<'p, 'c> Builder<'p, 'c> {
    fn spend(&mut self) -> Result<(), Error> {
        self.signature_checks += 1;
        if self.signature_checks > MAX_SIGNATURE_CHECKS {
            return Err(Error::BudgetExceeded);
        }
        Ok(())
    }

    /// Extends `path` (end entity first; its last element still needs an issuer). Returns the
    /// DER chain of the first complete, valid path; on failure, the last error (and `best`
    /// holds the most specific one seen).
    fn extend<'x>(
        &mut self,
        path: &mut InlineList<&'x Certificate<'c>, 8>,
        best: &mut Option<Error>,
    ) -> Result<Vec<Vec<u8>>, Error>
    where
        'p: 'x,
    {
        let Some(&child) = path.last() else {
            return Err(Error::BudgetExceeded);
        };
        let max = self.options.max_depth.unwrap_or(DEFAULT_MAX_INTERMEDIATES);
        // The error to return if no issuer works; "unknown issuer" (formatted only when
        // needed) if no candidate was even found.
        let mut last: Option<Error> = None;
        // RFC 5280 §4.2.1.1: the authorityKeyIdentifier names the issuer's key. Issuers whose
        // subjectKeyIdentifier matches it are tried first (RFC 4158 §3.5.12), so a CA that
        // was re-keyed under the same name costs no failed signature check; the rest follow,
        // since key identifiers are hints, not constraints.
        let aki = child.extensions().authority_key_id;
        let preferred = |ski: Option<&[u8]>| aki.is_some() && ski == aki;
        // Trust anchors first: the shortest path wins.
        let anchors = self.roots.by_subject(child.issuer().rdns);
        let anchors = (anchors.clone().filter(|a| preferred(a.ski.as_deref())))
            .chain(anchors.filter(|a| !preferred(a.ski.as_deref())));
        for stored in anchors {
            let parsed;
            let anchor = match &stored.facts {
                Some(facts) => AnchorRef::Plain {
                    der: &stored.der,
                    facts,
                },
                None => {
                    let Ok(cert) = Certificate::from_der(&stored.der) else {
                        continue;
                    };
                    parsed = cert;
                    AnchorRef::Parsed(&parsed)
                }
            };
            self.spend()?;
            let res = anchor
                .check(self.options, stored.strict)
                .and_then(|()| anchor.check_issued(self.provider, child))
                .and_then(|()| self.validate_path(path, &anchor));
            match res {
                Ok(()) if !self.keep_chain => return Ok(Vec::new()),
                Ok(()) => {
                    let mut chain: Vec<Vec<u8>> = Vec::with_capacity(path.len() + 1);
                    chain.extend(path.iter().map(|c| c.der().to_vec()));
                    chain.push(stored.der.clone());
                    return Ok(chain);
                }
                Err(e) => {
                    keep_best(best, e.clone());
                    last = Some(e);
                }
            }
        }
        let pool: &'p [Certificate<'c>] = self.pool.certificates();
        let issuers = pool
            .iter()
            .filter(|c| c.subject().rdns == child.issuer().rdns);
        let issuers = (issuers
            .clone()
            .filter(|c| preferred(c.extensions().subject_key_id)))
        .chain(issuers.filter(|c| !preferred(c.extensions().subject_key_id)));
        for cand in issuers {
            // No certificate twice (by subject and key), so cross-sign loops end.
            if path.iter().any(|p| {
                p.subject().rdns == cand.subject().rdns
                    && p.subject_public_key_info().der == cand.subject_public_key_info().der
            }) {
                continue;
            }
            let logical = path.iter().skip(1).filter(|c| !c.is_self_issued()).count()
                + usize::from(!cand.is_self_issued());
            if logical > max {
                let e = Error::PathTooLong {
                    subject: "the chain".to_string(),
                };
                keep_best(best, e.clone());
                last = Some(e);
                continue;
            }
            if let Err(e) = check_ca(cand, self.options) {
                keep_best(best, e.clone());
                last = Some(e);
                continue;
            }
            self.spend()?;
            if let Err(e) = check_issued_by(self.provider, child, cand.subject_public_key_info()) {
                keep_best(best, e.clone());
                last = Some(e);
                continue;
            }
            path.push(cand);
            let res = self.extend(path, best);
            path.pop();
            match res {
                Ok(chain) => return Ok(chain),
                Err(Error::BudgetExceeded) => return Err(Error::BudgetExceeded),
                Err(e) => last = Some(e),
            }
        }
        let last = last.unwrap_or_else(|| Error::UnknownIssuer {
            issuer: child.issuer().to_string(),
        });
        keep_best(best, last.clone());
        Err(last)
    }

    /// Whole-path checks once an anchor is found: path lengths, name constraints,
    /// revocation. The issuer of `path[i]` is `path[i + 1]`, and the anchor for the last.
    fn validate_path(
        &self,
        path: &[&Certificate<'_>],
        anchor: &AnchorRef<'_>,
    ) -> Result<(), Error> {
        // RFC 5280 §4.2.1.9: pathLenConstraint counts the non-self-issued intermediates
        // below the CA.
        for i in 0..path.len() {
            let issuer = path.get(i + 1);
            let limit = match issuer {
                Some(ca) => ca.extensions().basic_constraints.and_then(|b| b.path_len),
                None => anchor.path_len(),
            };
            if let Some(limit) = limit {
                let below = path
                    .iter()
                    .take(i + 1)
                    .skip(1)
                    .filter(|c| !c.is_self_issued())
                    .count() as u64;
                if below > limit {
                    return Err(Error::PathTooLong {
                        subject: match issuer {
                            Some(ca) => ca.label(),
                            None => anchor.with_cert(|c| c.label())?,
                        },
                    });
                }
            }
        }
        // RFC 5280 §6.1.3 (b)/(c): every name below a constrained CA lies within its
        // constraints. Self-issued intermediates are exempt, the end entity never is. Each
        // name is compared with each subtree, so the comparisons have a budget.
        let mut comparisons = 0usize;
        for i in 0..path.len() {
            let nc = match path.get(i + 1) {
                Some(ca) => ca.extensions().name_constraints.as_ref(),
                None => anchor.name_constraints(),
            };
            let Some(nc) = nc else {
                continue;
            };
            let subtrees = nc
                .permitted
                .as_ref()
                .map_or(0, Vec::len)
                .saturating_add(nc.excluded.as_ref().map_or(0, Vec::len));
            for (j, cert) in path.iter().enumerate().take(i + 1) {
                if j > 0 && cert.is_self_issued() {
                    continue;
                }
                let names = names_for_constraints(cert, j == 0);
                comparisons = comparisons.saturating_add(names.len().saturating_mul(subtrees));
                if comparisons > MAX_NAME_CONSTRAINT_CHECKS {
                    return Err(Error::NameConstraintBudgetExceeded {
                        subject: cert.label(),
                        needed: comparisons,
                        limit: MAX_NAME_CONSTRAINT_CHECKS,
                    });
                }
                for name in names {
                    nc.check(&name)?;
                }
            }
        }
        // RFC 5280 §6.3: revocation, for each certificate whose issuer published a CRL here.
        // A CRL whose issuingDistributionPoint leaves the certificate out does not apply; if
        // none from its issuer does, its status cannot be known.
        for (i, cert) in path.iter().enumerate() {
            let from_issuer = || {
                self.crls
                    .iter()
                    .filter(|crl| crl.issuer.rdns == cert.issuer().rdns)
            };
            if from_issuer().next().is_some() && !from_issuer().any(|crl| crl.covers(cert)) {
                return Err(Error::BadCrl {
                    reason: format!(
                        "none of those from {} covers {} (RFC 5280 §6.3.3: issuingDistributionPoint)",
                        cert.issuer(),
                        cert.label()
                    ),
                });
            }
            for crl in from_issuer() {
                if !crl.covers(cert) {
                    continue;
                }
                match path.get(i + 1) {
                    Some(issuer) => crl.check(self.provider, cert, issuer, self.options.time)?,
                    None => anchor
                        .with_cert(|a| crl.check(self.provider, cert, a, self.options.time))??,
                }
            }
        }
        Ok(())
    }
}

/// The names of `cert` that name constraints apply to: the subject as a directoryName (when
/// not empty), each subjectAltName, and for an end entity without SAN dNSNames its subject
/// common names that look like host names (as browsers do).
fn names_for_constraints<'a>(cert: &Certificate<'a>, end_entity: bool) -> Vec<GeneralName<'a>> {
    let mut names = Vec::new();
    if !cert.subject().is_empty() {
        names.push(GeneralName::Directory(*cert.subject()));
        for email in cert.subject().email_addresses() {
            names.push(GeneralName::Email(email));
        }
    }
    names.extend(cert.sans().copied());
    if end_entity && cert.extensions().subject_alt_names.is_none() {
        for (oid, t, v) in cert.subject().attribute_iter() {
            if oid == [0x55, 0x04, 0x03]
                && matches!(t, 0x0c | 0x13 | 0x16)
                && is_valid_dns_name(v, true)
            {
                names.push(GeneralName::Dns(v));
            }
        }
    }
    names
}

/// Checks that the holder of `issuer_key` signed `child` (RFC 5280 §6.1.3 (a)(1)).
fn check_issued_by(
    provider: &dyn Provider,
    child: &Certificate<'_>,
    issuer_key: &SubjectPublicKeyInfo<'_>,
) -> Result<(), Error> {
    verify_signed(
        provider,
        issuer_key,
        &child.signature_alg,
        child.tbs,
        child.signature,
        || child.label(),
    )
}

/// Rules for every certificate padlock relies on, the trust anchors a caller supplies
/// included.
fn check_well_formed(cert: &Certificate<'_>) -> Result<(), Error> {
    // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
    if cert.tbs_signature_alg != cert.signature_alg_raw {
        return Err(Error::SignatureAlgorithmMismatch {
            subject: cert.label(),
        });
    }
    // RFC 5280 §4.2: "A certificate-using system MUST reject the certificate if it
    // encounters a critical extension it does not recognize".
    if let Some(oid) = cert.extensions().unknown_critical.first() {
        return Err(Error::UnknownCriticalExtension {
            subject: cert.label(),
            oid: oid.clone(),
        });
    }
    // RFC 5280 §4.2.1.1, §4.2.1.2: the key identifiers MUST be non-critical.
    let ext = cert.extensions();
    if ext.critical(&id_ce(0x23)) == Some(true) || ext.critical(&id_ce(0x0e)) == Some(true) {
        return Err(malformed(cert, "a critical key identifier extension"));
    }
    Ok(())
}

/// Checks common to every certificate in the path except the anchor.
fn check_common(cert: &Certificate<'_>, options: &VerifyOptions<'_>) -> Result<(), Error> {
    check_well_formed(cert)?;
    check_validity(cert, options)?;
    check_key(cert)?;
    // RFC 5280 §4.2.2.1: authorityInfoAccess MUST be non-critical.
    if cert
        .extensions()
        .critical(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01])
        == Some(true)
    {
        return Err(malformed(cert, "critical authorityInfoAccess"));
    }
    // RFC 5280 §4.1.2.2: the serial is positive and at most 20 octets.
    let serial = cert.serial();
    if serial.iter().all(|&b| b == 0) || serial.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(malformed(cert, "serial number is not positive"));
    }
    if serial.len() > 21 || (serial.len() == 21 && serial.first() != Some(&0)) {
        return Err(Error::Malformed {
            subject: cert.label(),
            reason: "serial number longer than 20 octets",
        });
    }
    // RFC 5280 §4.1.2.4: the issuer field MUST contain a non-empty distinguished name.
    if cert.issuer().is_empty() {
        return Err(malformed(cert, "empty issuer name"));
    }
    let ext = cert.extensions();
    // RFC 5280 §4.2.1.9: pathLenConstraint only with cA; §4.2.1.3: keyCertSign only in CAs.
    if let Some(bc) = ext.basic_constraints {
        if bc.path_len.is_some() && !bc.ca {
            return Err(malformed(cert, "pathLenConstraint without cA"));
        }
    }
    if ext.key_usage.is_some_and(|ku| ku & KU_KEY_CERT_SIGN != 0) && !cert.is_ca() {
        return Err(malformed(
            cert,
            "keyCertSign in a certificate that is not a CA",
        ));
    }
    // RFC 5280 §4.2.1.6: an iPAddress is 4 or 16 octets.
    if cert
        .sans()
        .any(|n| matches!(n, GeneralName::Ip(ip) if ip.len() != 4 && ip.len() != 16))
    {
        return Err(malformed(
            cert,
            "a subjectAltName iPAddress is neither IPv4 nor IPv6",
        ));
    }
    // RFC 5280 §4.2.1.6: an empty subject requires a critical subjectAltName.
    if cert.subject().is_empty() && ext.critical(&id_ce(0x11)) != Some(true) {
        return Err(malformed(
            cert,
            "empty subject without a critical subjectAltName",
        ));
    }
    check_eku(cert, options.purpose)
}

fn malformed(cert: &Certificate<'_>, reason: &'static str) -> Error {
    Error::Malformed {
        subject: cert.label(),
        reason,
    }
}

/// The key must be one we can use at a strength the Web PKI accepts (CA/Browser Forum
/// Baseline Requirements §6.1.5): RSA of at least 2048 bits in whole bytes, P-256, P-384,
/// Ed25519.
fn check_key(cert: &Certificate<'_>) -> Result<(), Error> {
    match cert.subject_public_key_info().algorithm {
        PublicKeyAlgorithm::Rsa { modulus_bits } if modulus_bits < 2048 => Err(
            Error::UnsupportedPublicKey(format!("RSA {modulus_bits} bits (under 2048)")),
        ),
        PublicKeyAlgorithm::Rsa { modulus_bits } if modulus_bits % 8 != 0 => Err(
            Error::UnsupportedPublicKey(format!("RSA {modulus_bits} bits (not whole bytes)")),
        ),
        PublicKeyAlgorithm::Rsa { .. }
        | PublicKeyAlgorithm::Ec(Curve::P256 | Curve::P384)
        | PublicKeyAlgorithm::Ed25519 => Ok(()),
        other => Err(Error::UnsupportedPublicKey(other.to_string())),
    }
}

/// CA profile rules shared by intermediates and anchors (RFC 5280 §4.2.1.2, §4.2.1.9,
/// §4.2.1.10, §4.2.1.11, §4.1.2.6).
fn check_ca_profile(ca: &Certificate<'_>) -> Result<(), Error> {
    if ca.version() != 3 || !ca.is_ca() {
        return Err(Error::NotCa {
            subject: ca.label(),
        });
    }
    let ext = ca.extensions();
    if ext.critical(&id_ce(0x13)) != Some(true) {
        return Err(malformed(ca, "basicConstraints of a CA must be critical"));
    }
    if ext.subject_key_id.is_none() {
        return Err(malformed(
            ca,
            "a CA certificate must have a subjectKeyIdentifier",
        ));
    }
    if ca.subject().is_empty() {
        return Err(malformed(ca, "a CA certificate must have a subject name"));
    }
    if ext.critical(&id_ce(0x24)) == Some(false) {
        return Err(malformed(ca, "policyConstraints must be critical"));
    }
    if let Some(ku) = ext.key_usage {
        if ku & KU_KEY_CERT_SIGN == 0 {
            return Err(Error::KeyUsageMissing {
                subject: ca.label(),
                usage: "keyCertSign",
            });
        }
    }
    Ok(())
}

/// Checks a trust anchor: a CA with a usable key, valid now; when `strict` (anchors the
/// caller supplied, not the curated system store), also the rules of every certificate (no
/// unknown critical extension, RFC 5280 §4.2), the CA profile, no EKU (CA/B Forum
/// §7.1.2.1.2), and a well-formed authorityKeyIdentifier (§7.1.2.1.3).
pub(crate) fn check_anchor(
    anchor: &Certificate<'_>,
    options: &VerifyOptions<'_>,
    strict: bool,
) -> Result<(), Error> {
    check_key(anchor)?;
    check_validity(anchor, options)?;
    check_anchor_profile(anchor, strict)
}

/// Whether [`check_anchor`] depends only on the time for this anchor, and path validation
/// needs nothing of it but its key and path length: then the store keeps just those.
pub(crate) fn anchor_is_plain(anchor: &Certificate<'_>, strict: bool) -> bool {
    check_key(anchor).is_ok()
        && check_anchor_profile(anchor, strict).is_ok()
        && anchor.extensions().name_constraints.is_none()
}

/// The parts of [`check_anchor`] that do not depend on the time.
fn check_anchor_profile(anchor: &Certificate<'_>, strict: bool) -> Result<(), Error> {
    if !strict {
        if anchor.version() == 3 && !anchor.is_ca() {
            return Err(Error::NotCa {
                subject: anchor.label(),
            });
        }
        return Ok(());
    }
    check_well_formed(anchor)?;
    check_ca_profile(anchor)?;
    let ext = anchor.extensions();
    if ext.extended_key_usage.is_some() {
        return Err(malformed(
            anchor,
            "a root certificate must not carry extendedKeyUsage",
        ));
    }
    if ext.authority_key_present {
        // CA/B Forum §7.1.2.1.3: keyIdentifier MUST be present; authorityCertIssuer and
        // authorityCertSerialNumber MUST NOT.
        if ext.authority_key_id.is_none() || ext.authority_cert_issuer || ext.authority_cert_serial
        {
            return Err(malformed(
                anchor,
                "a root's authorityKeyIdentifier must hold only a keyIdentifier",
            ));
        }
        if anchor.is_self_issued() && ext.authority_key_id != ext.subject_key_id {
            return Err(malformed(
                anchor,
                "a root's authorityKeyIdentifier differs from its subjectKeyIdentifier",
            ));
        }
    }
    Ok(())
}

pub(crate) fn check_validity(
    cert: &Certificate<'_>,
    options: &VerifyOptions<'_>,
) -> Result<(), Error> {
    let now = options.time.0 as i64;
    if now < cert.not_before {
        return Err(Error::NotYetValid {
            subject: cert.label(),
            not_before: cert.not_before(),
            now: options.time,
        });
    }
    if now > cert.not_after {
        return Err(Error::Expired {
            subject: cert.label(),
            not_after: cert.not_after(),
            now: options.time,
        });
    }
    Ok(())
}

/// extendedKeyUsage must allow the purpose when present (RFC 5280 §4.2.1.12; the Web PKI
/// also applies it to CAs, where anyExtendedKeyUsage is not enough either).
fn check_eku(cert: &Certificate<'_>, purpose: Purpose) -> Result<(), Error> {
    if let Some(ekus) = &cert.extensions().extended_key_usage {
        if !ekus.contains(&purpose.oid()) {
            let _ = EKU_ANY;
            return Err(Error::EkuMissing {
                subject: cert.label(),
                purpose: purpose.name(),
            });
        }
    }
    Ok(())
}

/// End-entity checks, made before any path is built.
fn check_end_entity(leaf: &Certificate<'_>, options: &VerifyOptions<'_>) -> Result<(), Error> {
    check_common(leaf, options)?;
    // The Web PKI uses only X.509 v3 (CA/B Forum §7.1.1).
    if leaf.version() != 3 {
        return Err(malformed(leaf, "not an X.509 v3 certificate"));
    }
    // RFC 5280 §4.2.1.1: the keyIdentifier of authorityKeyIdentifier "MUST be included in
    // all certificates generated by conforming CAs", self-signed ones excepted.
    if leaf.extensions().authority_key_id.is_none() && !leaf.is_self_issued() {
        return Err(malformed(
            leaf,
            "no authorityKeyIdentifier naming the issuer's key",
        ));
    }
    if leaf.is_ca() {
        return Err(Error::CaUsedAsEndEntity {
            subject: leaf.label(),
        });
    }
    let ext = leaf.extensions();
    // RFC 5280 §4.2.1.10: name constraints only in CA certificates.
    if ext.name_constraints.is_some() {
        return Err(malformed(
            leaf,
            "nameConstraints in an end-entity certificate",
        ));
    }
    // RFC 5280 §4.2.1.6 / CA/B Forum §7.1.2.7.12: SAN is critical exactly when the subject
    // is empty.
    if ext.critical(&id_ce(0x11)) == Some(true) && !leaf.subject().is_empty() {
        return Err(malformed(
            leaf,
            "critical subjectAltName with a non-empty subject",
        ));
    }
    // CA/B Forum §7.1.2.7.10: anyExtendedKeyUsage is not for subscriber certificates.
    if ext
        .extended_key_usage
        .as_ref()
        .is_some_and(|e| e.contains(&EKU_ANY))
    {
        return Err(Error::EkuMissing {
            subject: leaf.label(),
            purpose: "anything (anyExtendedKeyUsage is not allowed in a leaf)",
        });
    }
    // RFC 5280 §4.2.1.6: dNSNames in the preferred name syntax.
    for d in leaf.sans() {
        if let GeneralName::Dns(d) = d {
            if !is_valid_dns_name(d, true) {
                return Err(malformed(
                    leaf,
                    "a subjectAltName dNSName is not a valid host name",
                ));
            }
        }
    }
    // CA/B Forum §7.1.4.3: a common name that repeats a subjectAltName repeats it exactly.
    common_name::check(leaf, options.purpose)?;
    // RFC 5280 §4.2.1.3: a TLS 1.3 peer signs the handshake, so when keyUsage is present
    // it must allow digitalSignature.
    if let Some(ku) = ext.key_usage {
        if ku & KU_DIGITAL_SIGNATURE == 0 {
            return Err(Error::KeyUsageMissing {
                subject: leaf.label(),
                usage: "digitalSignature",
            });
        }
    }
    if let Some(name) = options.name {
        check_name(leaf, name)?;
    }
    Ok(())
}

/// RFC 6125 §6: the reference identity must match a subjectAltName entry of its type; the
/// subject common name is never consulted.
pub(crate) fn check_name(leaf: &Certificate<'_>, name: &SubjectName) -> Result<(), Error> {
    let ok = match name {
        SubjectName::Dns(d) => leaf.dns_names().any(|p| dns_name_matches(p.as_bytes(), d)),
        SubjectName::Ip(ip) => leaf.ip_addresses().any(|p| p == *ip),
    };
    if ok {
        return Ok(());
    }
    let presented = leaf
        .sans()
        .filter(|n| matches!(n, GeneralName::Dns(_) | GeneralName::Ip(_)))
        .map(|n| match n {
            GeneralName::Dns(d) => match wildcard_public_suffix(d) {
                Some(suffix) => {
                    format!("{n} (a wildcard over the public suffix {suffix}: no name)")
                }
                None => n.to_string(),
            },
            _ => n.to_string(),
        })
        .collect();
    Err(Error::NameMismatch {
        presented,
        expected: name.to_string(),
    })
}

/// Checks a candidate issuer: an X.509 v3 CA allowed to sign certificates, valid now.
fn check_ca(ca: &Certificate<'_>, options: &VerifyOptions<'_>) -> Result<(), Error> {
    // RFC 5280 §4.2.1.9: without basicConstraints cA (only possible in v3), not a CA.
    check_ca_profile(ca)?;
    // RFC 5280 §4.2.1.1: keyIdentifier MUST be in all certificates a conforming CA issues
    // (self-signed ones excepted).
    if ca.extensions().authority_key_id.is_none() {
        return Err(malformed(
            ca,
            "an intermediate CA must have an authorityKeyIdentifier",
        ));
    }
    check_common(ca, options)
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "verify_profile_tests.rs"]
mod profile_tests;

#[cfg(test)]
#[path = "verify_name_constraint_tests.rs"]
mod name_constraint_tests;
