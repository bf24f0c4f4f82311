//! Revocation: the record of revoked serials, and the CRL built from it (RFC 5280 §5).
//!
//! The CRL is signed by the **intermediate**, which issued every leaf: a direct CRL
//! (§5, "the CRL issuer is the certificate issuer"), so verifiers need no indirect-CRL or
//! delegated-signer support. Revoking the intermediate itself is not supported.

use std::fmt;
use std::fs;

use padlock_crypto::SigningKey;

use super::cert::{self, oid};
use super::der_writer::DerWriter;
use super::{files, hex, CaError, CaPaths};
use crate::der::tag;
use crate::time::UnixTime;

/// How long a CRL is good for: nextUpdate is this much after thisUpdate.
const CRL_LIFETIME_SECS: u64 = 7 * 86_400;
/// The most revocations the record may hold.
const MAX_REVOKED: usize = 100_000;

/// CRLReason (RFC 5280 §5.3.1).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevocationReason {
    /// unspecified (0); the reasonCode extension is left out, as §5.3.1 recommends.
    #[default]
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
}

impl RevocationReason {
    /// Every reason, for help text.
    pub const ALL: [Self; 6] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::PrivilegeWithdrawn,
    ];

    /// The CRLReason code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::PrivilegeWithdrawn => 9,
        }
    }

    /// The reason for a code.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The kebab-case name, as `padlock ca revoke --reason` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "key-compromise",
            Self::AffiliationChanged => "affiliation-changed",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessation-of-operation",
            Self::PrivilegeWithdrawn => "privilege-withdrawn",
        }
    }

    /// Parses a name (kebab-case, or the RFC's camelCase).
    pub fn parse(s: &str) -> Option<Self> {
        let wanted: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.name().replace('-', "") == wanted)
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One revocation record.
struct Revoked {
    serial: Vec<u8>,
    when: UnixTime,
    reason: RevocationReason,
}

/// Appends a revocation of `serial_hex` to the record, unless it is there already.
pub(super) fn record(
    paths: &CaPaths,
    serial_hex: &str,
    now: UnixTime,
    reason: RevocationReason,
) -> Result<(), CaError> {
    let mut list = read_record(paths)?;
    let serial = unhex(serial_hex).ok_or_else(|| CaError::Malformed("the serial".into()))?;
    if list.iter().any(|r| r.serial == serial) {
        return Ok(());
    }
    if list.len() >= MAX_REVOKED {
        return Err(CaError::Malformed(format!(
            "{} (too many entries)",
            paths.revoked().display()
        )));
    }
    list.push(Revoked {
        serial,
        when: now,
        reason,
    });
    let text: String = list
        .iter()
        .map(|r| format!("{} {} {}\n", hex(&r.serial), r.when.0, r.reason.code()))
        .collect();
    files::write_public(&paths.revoked(), text.as_bytes())
}

/// Builds and signs the CRL; bumps the CRL number. Returns PEM.
pub(super) fn build(
    paths: &CaPaths,
    key: &dyn SigningKey,
    issuer: &[u8],
    issuer_key_id: &[u8],
    now: UnixTime,
) -> Result<String, CaError> {
    let list = read_record(paths)?;
    let number = next_crl_number(paths)?;
    let (sig_alg, alg_id) = cert::signature_algorithm_for(key.kind())?;
    let mut w = DerWriter::new();
    // TBSCertList (RFC 5280 §5.1.2)
    w.sequence(|w| {
        w.integer(1); // v2, required because we have extensions (§5.1.2.1)
        w.raw(&alg_id);
        w.raw(issuer);
        w.time(now);
        w.time(UnixTime(now.0 + CRL_LIFETIME_SECS));
        if !list.is_empty() {
            w.sequence(|w| {
                for r in &list {
                    w.sequence(|w| {
                        // The serial's INTEGER contents, exactly as in the certificate.
                        w.primitive(tag::INTEGER, &r.serial);
                        w.time(r.when);
                        if r.reason != RevocationReason::Unspecified {
                            w.sequence(|w| {
                                w.sequence(|w| {
                                    w.oid(oid::CRL_REASON);
                                    let mut v = DerWriter::new();
                                    v.enumerated(r.reason.code());
                                    w.octet_string(&v.finish());
                                })
                            });
                        }
                    });
                }
            });
        }
        // crlExtensions [0]: authorityKeyIdentifier and cRLNumber (both required, §5.2).
        w.explicit(0, |w| {
            w.sequence(|w| {
                let aki = cert::authority_key_id(issuer_key_id);
                w.sequence(|w| {
                    w.oid(aki.id);
                    w.octet_string(&aki.value);
                });
                w.sequence(|w| {
                    w.oid(oid::CRL_NUMBER);
                    let mut v = DerWriter::new();
                    v.integer(number);
                    w.octet_string(&v.finish());
                });
            });
        });
    });
    let tbs = w.finish();
    let der = cert::signed(&tbs, &alg_id, sig_alg, key)?;
    Ok(crate::pem::encode("X509 CRL", &der))
}

fn read_record(paths: &CaPaths) -> Result<Vec<Revoked>, CaError> {
    let path = paths.revoked();
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = files::read_small(&path)?;
    let text =
        String::from_utf8(text).map_err(|_| CaError::Malformed(path.display().to_string()))?;
    let bad = |n: usize| CaError::Malformed(format!("{} line {}", path.display(), n + 1));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || out.len() >= MAX_REVOKED {
            continue;
        }
        let mut fields = line.split_whitespace();
        let serial = fields.next().and_then(unhex).ok_or_else(|| bad(n))?;
        let when = fields
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| bad(n))?;
        let reason = fields
            .next()
            .and_then(|c| c.parse().ok())
            .and_then(RevocationReason::from_code)
            .ok_or_else(|| bad(n))?;
        out.push(Revoked {
            serial,
            when: UnixTime(when),
            reason,
        });
    }
    Ok(out)
}

fn next_crl_number(paths: &CaPaths) -> Result<u64, CaError> {
    let path = paths.crl_number();
    let last = match fs::read_to_string(&path) {
        Ok(t) => t
            .trim()
            .parse::<u64>()
            .map_err(|_| CaError::Malformed(path.display().to_string()))?,
        Err(_) => 0,
    };
    let next = last + 1;
    files::write_public(&path, format!("{next}\n").as_bytes())?;
    Ok(next)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.len() > 80 {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => u8::from_str_radix(std::str::from_utf8(&[*hi, *lo]).ok()?, 16).ok(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_parse_in_both_spellings() {
        assert_eq!(
            RevocationReason::parse("keyCompromise"),
            Some(RevocationReason::KeyCompromise)
        );
        assert_eq!(
            RevocationReason::parse("key-compromise"),
            Some(RevocationReason::KeyCompromise)
        );
        assert_eq!(RevocationReason::parse("because"), None);
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_code(r.code()), Some(r));
        }
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 1, 0xab])).unwrap(), [0, 1, 0xab]);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
