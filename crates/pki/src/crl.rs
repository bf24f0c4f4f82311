//! Certificate revocation lists (RFC 5280 §5), parsed strictly and checked against a path.

use crate::cert::Certificate;
use crate::der::{oid_to_string, tag, Reader};
use crate::distinguished_name::Name;
use crate::error::{reason_name, Error};
use crate::general_name::GeneralName;
use crate::signature::{verify_signed, SignatureAlgorithmId};
use crate::time::{parse_generalized_time, parse_utc_time, UnixTime};

/// A parsed CRL, borrowing its DER.
#[derive(Clone, Debug)]
pub struct Crl<'a> {
    tbs: &'a [u8],
    tbs_signature_alg: &'a [u8],
    signature_alg_raw: &'a [u8],
    signature_alg: SignatureAlgorithmId,
    signature: &'a [u8],
    /// The CRL issuer.
    pub issuer: Name<'a>,
    /// thisUpdate.
    pub this_update: i64,
    /// nextUpdate, if given.
    pub next_update: Option<i64>,
    /// The revoked entries.
    pub revoked: Vec<RevokedCert<'a>>,
    /// Whether a CRL extension we cannot honour (delta CRL, unknown critical) is present.
    unsupported: Option<String>,
    /// The scope its issuingDistributionPoint gives it; `None`: every certificate of the
    /// issuer.
    scope: Option<Scope<'a>>,
}

/// Which certificates a CRL with an issuingDistributionPoint covers (RFC 5280 §5.2.5), in
/// the forms padlock honours.
#[derive(Clone, Debug, Default)]
struct Scope<'a> {
    /// The distribution point's fullName URIs, if it names one.
    uris: Option<Vec<&'a [u8]>>,
    /// onlyContainsUserCerts.
    only_user_certs: bool,
    /// onlyContainsCACerts.
    only_ca_certs: bool,
}

/// One revoked certificate entry.
#[derive(Clone, Copy, Debug)]
pub struct RevokedCert<'a> {
    /// The serial number's content octets.
    pub serial: &'a [u8],
    /// revocationDate.
    pub when: i64,
    /// The reasonCode, if given.
    pub reason: Option<u64>,
}

impl<'a> Crl<'a> {
    /// Parses a DER CertificateList (RFC 5280 §5.1).
    pub fn from_der(der: &'a [u8]) -> Result<Self, Error> {
        let mut outer = Reader::new(der, "CertificateList");
        let mut cl = outer.nested(tag::SEQUENCE, "CertificateList")?;
        outer.finish()?;
        let tbs_tlv = cl.read(tag::SEQUENCE)?;
        let sig_alg = cl.read(tag::SEQUENCE)?;
        let signature = cl.bit_string_octets()?;
        cl.finish()?;
        let mut t = Reader::new(tbs_tlv.value, "TBSCertList");
        if t.peek_tag() == Some(tag::INTEGER) && t.small_uint()? != 1 {
            return Err(t.err("CRL version must be v2"));
        }
        let tbs_sig = t.read(tag::SEQUENCE)?;
        let issuer = Name::read(&mut t)?;
        let this_update = read_time(&mut t)?;
        let next_update = match t.peek_tag() {
            Some(tag::UTC_TIME | tag::GENERALIZED_TIME) => Some(read_time(&mut t)?),
            _ => None,
        };
        let mut revoked = Vec::new();
        if let Some(list) = t.optional(tag::SEQUENCE)? {
            let mut lr = Reader::new(list.value, "revokedCertificates");
            while !lr.is_empty() {
                let mut e = lr.nested(tag::SEQUENCE, "revokedCertificates entry")?;
                let serial = e.integer()?;
                let when = read_time(&mut e)?;
                let mut reason = None;
                if let Some(exts) = e.optional(tag::SEQUENCE)? {
                    let mut xr = Reader::new(exts.value, "crlEntryExtensions");
                    while !xr.is_empty() {
                        let mut x = xr.nested(tag::SEQUENCE, "crlEntryExtension")?;
                        let oid = x.oid()?;
                        let critical = if x.peek_tag() == Some(tag::BOOLEAN) {
                            x.boolean()?
                        } else {
                            false
                        };
                        let v = x.value(tag::OCTET_STRING)?;
                        x.finish()?;
                        if oid == [0x55, 0x1d, 0x15] {
                            let mut vr = Reader::new(v, "reasonCode");
                            let code = vr.value(tag::ENUMERATED)?;
                            vr.finish()?;
                            reason = crate::der::uint_value(code);
                        } else if critical {
                            return Err(xr.err("unknown critical CRL entry extension"));
                        }
                    }
                }
                e.finish()?;
                revoked.push(RevokedCert {
                    serial,
                    when,
                    reason,
                });
            }
        }
        let mut unsupported = None;
        let mut scope = None;
        let mut has_number = false;
        if let Some(x) = t.optional(tag::context_constructed(0))? {
            let mut xo = Reader::new(x.value, "crlExtensions");
            let mut xr = xo.nested(tag::SEQUENCE, "crlExtensions")?;
            xo.finish()?;
            while !xr.is_empty() {
                let mut x = xr.nested(tag::SEQUENCE, "crlExtension")?;
                let oid = x.oid()?;
                let critical = if x.peek_tag() == Some(tag::BOOLEAN) {
                    x.boolean()?
                } else {
                    false
                };
                let value = x.value(tag::OCTET_STRING)?;
                x.finish()?;
                match oid {
                    [0x55, 0x1d, 0x14] if critical => {
                        unsupported =
                            Some("its CRL number is marked critical (RFC 5280 §5.2.3)".into())
                    }
                    [0x55, 0x1d, 0x14] => has_number = true,
                    [0x55, 0x1d, 0x23] => {}
                    [0x55, 0x1d, 0x1b] => unsupported = Some("delta CRLs are not supported".into()),
                    [0x55, 0x1d, 0x1c] => match parse_scope(value)? {
                        Ok(s) => scope = Some(s),
                        Err(why) => unsupported = Some(why.into()),
                    },
                    _ if critical => {
                        unsupported = Some(format!(
                            "unknown critical CRL extension {}",
                            oid_to_string(oid)
                        ))
                    }
                    _ => {}
                }
            }
        }
        t.finish()?;
        // RFC 5280 §5.2.3: conforming CRL issuers MUST include the CRL number.
        if !has_number && unsupported.is_none() {
            unsupported = Some("the CRL has no CRL number (RFC 5280 §5.2.3)".into());
        }
        // RFC 5280 §5.1.2.6: "Certificates revoked by the CA are uniquely identified by the
        // certificate serial number", so a list that names one twice is malformed.
        if unsupported.is_none() && lists_a_serial_twice(&revoked) {
            unsupported = Some("it lists a serial number twice (RFC 5280 §5.1.2.6)".into());
        }
        Ok(Self {
            tbs: tbs_tlv.raw,
            tbs_signature_alg: tbs_sig.raw,
            signature_alg_raw: sig_alg.raw,
            signature_alg: SignatureAlgorithmId::parse(sig_alg)?,
            signature,
            issuer,
            this_update,
            next_update,
            revoked,
            unsupported,
            scope,
        })
    }

    /// Whether this CRL covers `cert` (RFC 5280 §6.3.3 (b)): with an issuingDistributionPoint,
    /// one of its names must be a name of a distribution point in the certificate, and the
    /// certificate must be of the kind (CA or end entity) it is limited to.
    pub(crate) fn covers(&self, cert: &Certificate<'_>) -> bool {
        let Some(scope) = &self.scope else {
            return true;
        };
        if let Some(uris) = &scope.uris {
            let points = cert
                .extensions()
                .crl_distribution_points
                .map(distribution_point_uris);
            let Some(Ok(points)) = points else {
                return false;
            };
            if !points.iter().flatten().any(|u| uris.contains(u)) {
                return false;
            }
        }
        !(scope.only_user_certs && cert.is_ca() || scope.only_ca_certs && !cert.is_ca())
    }

    /// Checks `cert` against this CRL, which must be issued by `issuer`: the CRL's signature,
    /// its freshness at `now`, then whether `cert`'s serial is listed.
    pub(crate) fn check(
        &self,
        provider: &dyn padlock_crypto::Provider,
        cert: &Certificate<'_>,
        issuer: &Certificate<'_>,
        now: UnixTime,
    ) -> Result<(), Error> {
        if let Some(reason) = &self.unsupported {
            return Err(Error::BadCrl {
                reason: reason.clone(),
            });
        }
        if self.tbs_signature_alg != self.signature_alg_raw {
            return Err(Error::BadCrl {
                reason: "its two signature algorithms differ".into(),
            });
        }
        // RFC 5280 §6.3.3 (f): the CRL issuer's key must be allowed to sign CRLs.
        if let Some(ku) = issuer.extensions().key_usage {
            if ku & crate::cert::KU_CRL_SIGN == 0 {
                return Err(Error::KeyUsageMissing {
                    subject: issuer.label(),
                    usage: "cRLSign",
                });
            }
        }
        verify_signed(
            provider,
            issuer.subject_public_key_info(),
            &self.signature_alg,
            self.tbs,
            self.signature,
            || format!("the CRL from {}", self.issuer),
        )?;
        let now = now.0 as i64;
        if self.this_update > now {
            return Err(Error::BadCrl {
                reason: "it is not valid yet (thisUpdate is in the future)".into(),
            });
        }
        if let Some(next) = self.next_update {
            if next < now {
                return Err(Error::BadCrl {
                    reason: "it is out of date (nextUpdate has passed)".into(),
                });
            }
        }
        if let Some(entry) = self.revoked.iter().find(|r| r.serial == cert.serial()) {
            return Err(Error::Revoked {
                subject: cert.label(),
                when: UnixTime(entry.when.max(0) as u64),
                reason: entry.reason.and_then(reason_name),
            });
        }
        Ok(())
    }
}

/// Reads an IssuingDistributionPoint (RFC 5280 §5.2.5) into the scope it gives the CRL, or
/// why padlock cannot honour it: partitions by reason, indirect CRLs and attribute
/// certificates are not supported, and a distribution point must be named by URIs only
/// (CA/B Forum BR §7.2.2.1).
fn parse_scope(value: &[u8]) -> Result<Result<Scope<'_>, &'static str>, Error> {
    let mut outer = Reader::new(value, "IssuingDistributionPoint");
    let mut r = outer.nested(tag::SEQUENCE, "IssuingDistributionPoint")?;
    outer.finish()?;
    let mut scope = Scope::default();
    if let Some(point) = r.optional(tag::context_constructed(0))? {
        match full_name_uris(point.value)? {
            Some(uris) => scope.uris = Some(uris),
            None => return Ok(Err("its issuingDistributionPoint is not named by URIs")),
        }
    }
    scope.only_user_certs = implicit_flag(&mut r, 1)?;
    scope.only_ca_certs = implicit_flag(&mut r, 2)?;
    if r.optional(tag::context_primitive(3))?.is_some() {
        return Ok(Err("it covers only some revocation reasons"));
    }
    if implicit_flag(&mut r, 4)? {
        return Ok(Err("indirect CRLs are not supported"));
    }
    if implicit_flag(&mut r, 5)? {
        return Ok(Err("it covers only attribute certificates"));
    }
    r.finish()?;
    Ok(Ok(scope))
}

/// An `[n] IMPLICIT BOOLEAN DEFAULT FALSE` field: absent, or TRUE (DER never encodes the
/// default).
fn implicit_flag(r: &mut Reader<'_>, n: u8) -> Result<bool, Error> {
    match r.optional(tag::context_primitive(n))? {
        None => Ok(false),
        Some(t) if t.value == [0xff] => Ok(true),
        Some(_) => Err(r.err("a DEFAULT FALSE flag that is not DER TRUE")),
    }
}

/// A DistributionPointName (the contents of its explicit `[0]`) as fullName URIs; `None` for
/// nameRelativeToCRLIssuer or a fullName with any other kind of name.
fn full_name_uris(name: &[u8]) -> Result<Option<Vec<&[u8]>>, Error> {
    let mut r = Reader::new(name, "DistributionPointName");
    let Some(full) = r.optional(tag::context_constructed(0))? else {
        return Ok(None);
    };
    r.finish()?;
    let uris = GeneralName::read_all::<4>(full.value)?
        .iter()
        .map(|n| match *n {
            GeneralName::Uri(u) => Some(u),
            _ => None,
        })
        .collect();
    Ok(uris)
}

/// The fullName URIs of each distribution point of a certificate's cRLDistributionPoints
/// (the SEQUENCE's contents). A point named otherwise gives none (CA/B Forum BR
/// §7.1.2.11.2 allows only URIs).
fn distribution_point_uris(points: &[u8]) -> Result<Vec<Vec<&[u8]>>, Error> {
    let mut r = Reader::new(points, "CRLDistributionPoints");
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut point = r.nested(tag::SEQUENCE, "DistributionPoint")?;
        if let Some(name) = point.optional(tag::context_constructed(0))? {
            out.push(full_name_uris(name.value)?.unwrap_or_default());
        }
    }
    Ok(out)
}

/// Whether two entries revoke the same serial number.
fn lists_a_serial_twice(revoked: &[RevokedCert<'_>]) -> bool {
    let mut serials: Vec<&[u8]> = revoked.iter().map(|r| r.serial).collect();
    serials.sort_unstable();
    serials.windows(2).any(|w| w.first() == w.get(1))
}

fn read_time(r: &mut Reader<'_>) -> Result<i64, Error> {
    let tlv = r.read_any()?;
    let t = match tlv.tag {
        tag::UTC_TIME => parse_utc_time(tlv.value),
        tag::GENERALIZED_TIME => parse_generalized_time(tlv.value),
        _ => None,
    };
    t.ok_or_else(|| r.err("invalid time"))
}
