//! Why a certificate, chain or CRL was refused — one variant per violation, each carrying what
//! a person needs to understand it.

use std::fmt;

use crate::time::{human_duration, UnixTime};

/// Why padlock-pki refused something.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The DER or PEM is malformed.
    Decode(DecodeError),
    /// The certificate's validity ended before `now`.
    Expired {
        /// Who the certificate is for (its first name).
        subject: String,
        /// The end of its validity.
        not_after: UnixTime,
        /// The time of validation.
        now: UnixTime,
    },
    /// The certificate's validity starts after `now`.
    NotYetValid {
        /// Who the certificate is for.
        subject: String,
        /// The start of its validity.
        not_before: UnixTime,
        /// The time of validation.
        now: UnixTime,
    },
    /// The certificate is not for the name asked for (RFC 6125).
    NameMismatch {
        /// The DNS names and IP addresses in its subjectAltName.
        presented: Vec<String>,
        /// The name asked for.
        expected: String,
    },
    /// No trust anchor or intermediate issued this certificate.
    UnknownIssuer {
        /// The issuer's distinguished name, as the certificate gives it.
        issuer: String,
    },
    /// A signature in the chain does not verify.
    BadSignature {
        /// The certificate (or CRL issuer) whose signature failed.
        subject: String,
    },
    /// A certificate used as an issuer is not a CA (basicConstraints cA is not true, or a
    /// version 1/2 certificate).
    NotCa {
        /// The would-be issuer.
        subject: String,
    },
    /// A CA's pathLenConstraint, or the caller's maximum depth, is exceeded.
    PathTooLong {
        /// The CA whose constraint is exceeded, or "the chain".
        subject: String,
    },
    /// extendedKeyUsage does not allow the purpose.
    EkuMissing {
        /// The certificate.
        subject: String,
        /// The purpose asked for, e.g. "serverAuth".
        purpose: &'static str,
    },
    /// keyUsage does not allow what the certificate is used for.
    KeyUsageMissing {
        /// The certificate.
        subject: String,
        /// The usage needed, e.g. "keyCertSign".
        usage: &'static str,
    },
    /// A name in a certificate lies outside a CA's name constraints (RFC 5280 §4.2.1.10).
    NameConstraintViolated {
        /// The name.
        name: String,
        /// The constraint, e.g. "permitted: .example.com" or "excluded: 10.0.0.0/8".
        constraint: String,
    },
    /// The certificate is on its issuer's CRL.
    Revoked {
        /// The certificate.
        subject: String,
        /// When it was revoked.
        when: UnixTime,
        /// The CRL reason code's name, if given.
        reason: Option<&'static str>,
    },
    /// A CRL could not be used (expired, wrong signature, unsupported form).
    BadCrl {
        /// What is wrong with it.
        reason: String,
    },
    /// Path building exceeded its work budget (a hostile or pathological chain).
    BudgetExceeded,
    /// Checking a certificate's names against the name constraints above it would take more
    /// comparisons than the budget allows (thousands of names and subtrees: a hostile chain).
    NameConstraintBudgetExceeded {
        /// The certificate whose names were being checked.
        subject: String,
        /// The comparisons the path needs in all.
        needed: usize,
        /// The budget.
        limit: usize,
    },
    /// The signature algorithm is refused or unknown, e.g. "SHA-1".
    UnsupportedSignatureAlgorithm(String),
    /// The public key algorithm or curve is not supported.
    UnsupportedPublicKey(String),
    /// The outer signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 §4.1.1.2).
    SignatureAlgorithmMismatch {
        /// The certificate.
        subject: String,
    },
    /// A critical extension we do not understand (RFC 5280 §4.2).
    UnknownCriticalExtension {
        /// The certificate.
        subject: String,
        /// The extension's OID.
        oid: String,
    },
    /// A CA certificate was presented as the end-entity certificate.
    CaUsedAsEndEntity {
        /// The certificate.
        subject: String,
    },
    /// The leaf's common name names one of its subjectAltNames in another spelling (case,
    /// IP address form, Unicode for an A-label): CA/B Forum BR §7.1.4.3 wants an exact copy,
    /// so that no reader can take the certificate for two names.
    CommonNameRespellsSan {
        /// The certificate.
        subject: String,
        /// The common name, as written.
        common_name: String,
        /// The subjectAltName it respells.
        san: String,
    },
    /// The certificate breaks a profile rule of RFC 5280 that is not covered above.
    Malformed {
        /// The certificate.
        subject: String,
        /// The rule broken.
        reason: &'static str,
    },
    /// An application's own verifier refused the certificate for a reason of its own (a
    /// pinned key that does not match, a policy), after or instead of path validation.
    Refused {
        /// Why, in the application's words.
        reason: String,
    },
}

/// Where DER or PEM decoding failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The structure being read, e.g. "TBSCertificate.validity".
    pub context: &'static str,
    /// What was wrong.
    pub reason: &'static str,
}

impl Error {
    /// How specific this failure is. When several candidate paths fail, the failure with
    /// the highest rank is reported: "unknown issuer" says least, a failure found after a
    /// path to a trust anchor was built says most.
    pub fn rank(&self) -> u8 {
        match self {
            Self::UnknownIssuer { .. } => 0,
            Self::Decode(_) => 5,
            Self::BudgetExceeded => 8,
            Self::UnsupportedSignatureAlgorithm(_) | Self::UnsupportedPublicKey(_) => 10,
            Self::BadSignature { .. } | Self::SignatureAlgorithmMismatch { .. } => 15,
            Self::NotCa { .. } | Self::KeyUsageMissing { .. } => 20,
            Self::Malformed { .. }
            | Self::CommonNameRespellsSan { .. }
            | Self::UnknownCriticalExtension { .. } => 22,
            Self::Expired { .. } | Self::NotYetValid { .. } => 25,
            Self::PathTooLong { .. } => 30,
            Self::EkuMissing { .. } => 32,
            Self::NameConstraintBudgetExceeded { .. } => 34,
            Self::NameConstraintViolated { .. } => 35,
            Self::BadCrl { .. } => 38,
            Self::Revoked { .. } => 40,
            Self::CaUsedAsEndEntity { .. } => 45,
            Self::NameMismatch { .. } => 50,
            Self::Refused { .. } => 60,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "{e}"),
            Self::Expired {
                subject,
                not_after,
                now,
            } => write!(
                f,
                "certificate for {subject} expired on {} ({} ago)",
                not_after.date(),
                human_duration(now.0.saturating_sub(not_after.0))
            ),
            Self::NotYetValid {
                subject,
                not_before,
                now,
            } => write!(
                f,
                "certificate for {subject} is not valid until {} (in {})",
                not_before.date(),
                human_duration(not_before.0.saturating_sub(now.0))
            ),
            Self::NameMismatch {
                presented,
                expected,
            } if presented.is_empty() => write!(
                f,
                "certificate names no DNS names or IP addresses — not {expected}"
            ),
            Self::NameMismatch {
                presented,
                expected,
            } => write!(
                f,
                "certificate is for {} — not {expected}",
                presented.join(", ")
            ),
            Self::UnknownIssuer { issuer } => {
                write!(f, "signed by an unknown CA (issuer: {issuer})")
            }
            Self::BadSignature { subject } => write!(
                f,
                "signature does not match: altered? (certificate {subject})"
            ),
            Self::NotCa { subject } => write!(
                f,
                "{subject} issued a certificate but is not a certificate authority"
            ),
            Self::PathTooLong { subject } => write!(
                f,
                "chain is too long: {subject} allows fewer intermediate CAs below it"
            ),
            Self::EkuMissing { subject, purpose } => write!(
                f,
                "certificate {subject} may not be used for {purpose} (extended key usage)"
            ),
            Self::KeyUsageMissing { subject, usage } => write!(
                f,
                "certificate {subject} lacks the {usage} key usage it needs"
            ),
            Self::NameConstraintViolated { name, constraint } => write!(
                f,
                "name {name} is outside what the issuing CA may certify ({constraint})"
            ),
            Self::Revoked {
                subject,
                when,
                reason,
            } => {
                write!(f, "certificate {subject} was revoked on {}", when.date())?;
                if let Some(r) = reason {
                    write!(f, " (reason: {r})")?;
                }
                Ok(())
            }
            Self::BadCrl { reason } => write!(f, "the revocation list cannot be used: {reason}"),
            Self::BudgetExceeded => f.write_str(
                "gave up building a chain: too many candidate issuers (hostile or broken chain?)",
            ),
            Self::NameConstraintBudgetExceeded {
                subject,
                needed,
                limit,
            } => write!(
                f,
                "gave up checking name constraints: the names of certificate {subject} need \
                 {needed} comparisons with the subtrees above them, over the limit of {limit} \
                 (hostile or broken chain?)"
            ),
            Self::UnsupportedSignatureAlgorithm(alg) => {
                write!(f, "signature algorithm {alg} is not accepted")
            }
            Self::UnsupportedPublicKey(alg) => write!(f, "public key not supported: {alg}"),
            Self::SignatureAlgorithmMismatch { subject } => write!(
                f,
                "certificate {subject} names two different signature algorithms"
            ),
            Self::UnknownCriticalExtension { subject, oid } => write!(
                f,
                "certificate {subject} has a critical extension we do not understand ({oid})"
            ),
            Self::CaUsedAsEndEntity { subject } => write!(
                f,
                "certificate {subject} is a CA certificate, not one for a server or client"
            ),
            Self::CommonNameRespellsSan {
                subject,
                common_name,
                san,
            } => write!(
                f,
                "certificate {subject} has the common name {common_name:?}, which spells its \
                 subjectAltName {san} differently (CA/B Forum BR §7.1.4.3 wants an exact copy)"
            ),
            Self::Malformed { subject, reason } => {
                write!(f, "certificate {subject} is malformed: {reason}")
            }
            Self::Refused { reason } => write!(f, "the certificate was refused: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot decode {}: {}", self.context, self.reason)
    }
}

/// The names of CRL reason codes (RFC 5280 §5.3.1).
pub(crate) fn reason_name(code: u64) -> Option<&'static str> {
    Some(match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => return None,
    })
}
