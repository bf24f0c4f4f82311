//! The X.509 v3 certificate (RFC 5280 §4.1), parsed strictly and borrowing its DER.

use std::net::IpAddr;

use crate::der::{oid_to_string, tag, Reader, Tlv};
use crate::distinguished_name::Name;
use crate::error::Error;
use crate::general_name::{ip_from_bytes, GeneralName};
use crate::inline_list::InlineList;
use crate::name_constraints::NameConstraints;
use crate::signature::SignatureAlgorithmId;
use crate::spki::SubjectPublicKeyInfo;
use crate::time::{parse_generalized_time, parse_utc_time, UnixTime};

/// A parsed certificate. It only exists if its structure was valid DER of the RFC 5280 shape.
#[derive(Clone, Debug)]
pub struct Certificate<'a> {
    der: &'a [u8],
    pub(crate) tbs: &'a [u8],
    version: u8,
    serial: &'a [u8],
    pub(crate) tbs_signature_alg: &'a [u8],
    pub(crate) signature_alg_raw: &'a [u8],
    pub(crate) signature_alg: SignatureAlgorithmId,
    pub(crate) signature: &'a [u8],
    issuer: Name<'a>,
    subject: Name<'a>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    spki: SubjectPublicKeyInfo<'a>,
    pub(crate) ext: Extensions<'a>,
}

/// basicConstraints (RFC 5280 §4.2.1.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BasicConstraints {
    /// cA.
    pub ca: bool,
    /// pathLenConstraint.
    pub path_len: Option<u64>,
}

/// The extensions padlock understands, plus the OIDs of critical ones it does not.
#[derive(Clone, Debug, Default)]
pub struct Extensions<'a> {
    /// basicConstraints.
    pub basic_constraints: Option<BasicConstraints>,
    /// keyUsage bits: bit `i` of the ASN.1 BIT STRING is `1 << i` (0 = digitalSignature,
    /// 5 = keyCertSign, 6 = cRLSign).
    pub key_usage: Option<u16>,
    /// extendedKeyUsage OIDs (content octets); up to four inline.
    pub extended_key_usage: Option<InlineList<&'a [u8], 4>>,
    /// subjectAltName; up to four names inline.
    pub subject_alt_names: Option<InlineList<GeneralName<'a>, 4>>,
    /// nameConstraints.
    pub name_constraints: Option<NameConstraints<'a>>,
    /// subjectKeyIdentifier.
    pub subject_key_id: Option<&'a [u8]>,
    /// authorityKeyIdentifier's keyIdentifier.
    pub authority_key_id: Option<&'a [u8]>,
    /// Whether authorityKeyIdentifier is present at all.
    pub authority_key_present: bool,
    /// Whether authorityKeyIdentifier names an authorityCertIssuer.
    pub authority_cert_issuer: bool,
    /// Whether authorityKeyIdentifier gives an authorityCertSerialNumber.
    pub authority_cert_serial: bool,
    /// The cRLDistributionPoints extension's value (DER), read when a CRL's scope is checked.
    pub crl_distribution_points: Option<&'a [u8]>,
    /// Critical extensions not understood (dotted OIDs).
    pub unknown_critical: Vec<String>,
    /// Every extension: (OID content octets, critical); `der::oid_to_string` spells one.
    /// Up to [`INLINE_EXTENSIONS`] inline.
    pub all: InlineList<(&'a [u8], bool), INLINE_EXTENSIONS>,
}

/// How many extensions [`Extensions::all`] holds without allocating: a typical certificate's
/// (a TLS leaf has 6 to 10), so parsing one, as every handshake does, allocates nothing for
/// its lists.
pub const INLINE_EXTENSIONS: usize = 10;

/// keyUsage bit for digitalSignature.
pub const KU_DIGITAL_SIGNATURE: u16 = 1 << 0;
/// keyUsage bit for keyEncipherment.
pub const KU_KEY_ENCIPHERMENT: u16 = 1 << 2;
/// keyUsage bit for keyAgreement.
pub const KU_KEY_AGREEMENT: u16 = 1 << 4;
/// keyUsage bit for keyCertSign.
pub const KU_KEY_CERT_SIGN: u16 = 1 << 5;
/// keyUsage bit for cRLSign.
pub const KU_CRL_SIGN: u16 = 1 << 6;

/// id-kp-serverAuth (1.3.6.1.5.5.7.3.1).
pub const EKU_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// id-kp-clientAuth (1.3.6.1.5.5.7.3.2).
pub const EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
/// anyExtendedKeyUsage (2.5.29.37.0).
pub const EKU_ANY: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

impl<'a> Certificate<'a> {
    /// Parses a DER certificate (RFC 5280 §4.1).
    pub fn from_der(der: &'a [u8]) -> Result<Self, Error> {
        let (head, mut tbs) = Head::read(der)?;
        let version = head.version;
        // RFC 5280 §4.1.2.8: unique identifiers only in v2/v3.
        for n in [1, 2] {
            if tbs.optional(tag::context_primitive(n))?.is_some() && version < 2 {
                return Err(tbs.err("unique identifier in a v1 certificate"));
            }
        }
        let mut ext = Extensions::default();
        if let Some(e) = tbs.optional(tag::context_constructed(3))? {
            if version != 3 {
                return Err(tbs.err("extensions in a certificate that is not v3"));
            }
            let mut er = Reader::new(e.value, "Extensions");
            let list = er.nested(tag::SEQUENCE, "Extensions")?;
            er.finish()?;
            ext = Extensions::parse(list)?;
        }
        tbs.finish()?;

        let signature_alg = SignatureAlgorithmId::parse(head.sig_alg_tlv)?;
        Ok(Self {
            der,
            tbs: head.tbs,
            version,
            serial: head.serial,
            tbs_signature_alg: head.tbs_signature_alg,
            signature_alg_raw: head.sig_alg_tlv.raw,
            signature_alg,
            signature: head.signature,
            issuer: head.issuer,
            subject: head.subject,
            not_before: head.not_before,
            not_after: head.not_after,
            spki: head.spki,
            ext,
        })
    }

    /// The subjectPublicKeyInfo of a DER certificate, for a certificate parsed and
    /// validated already ([`Self::from_der`]), such as a TLS peer's leaf whose
    /// CertificateVerify or ServerKeyExchange is checked after its chain: the fields before
    /// it (version, serial number, signature algorithm, issuer, validity, subject; RFC 5280
    /// §4.1) are stepped over as whole TLVs, not read again, and only the
    /// subjectPublicKeyInfo itself is parsed. Use [`Self::from_der`] for a certificate
    /// that was not.
    pub fn public_key_info_from_der(der: &'a [u8]) -> Result<SubjectPublicKeyInfo<'a>, Error> {
        let mut outer = Reader::new(der, "Certificate");
        let mut cert = outer.nested(tag::SEQUENCE, "Certificate")?;
        outer.finish()?;
        let mut tbs = cert.nested(tag::SEQUENCE, "TBSCertificate")?;
        tbs.optional(tag::context_constructed(0))?;
        tbs.read(tag::INTEGER)?;
        for _signature_issuer_validity_subject in 0..4 {
            tbs.read(tag::SEQUENCE)?;
        }
        SubjectPublicKeyInfo::from_tlv(tbs.read(tag::SEQUENCE)?)
    }

    /// The whole certificate DER.
    pub fn der(&self) -> &'a [u8] {
        self.der
    }
    /// The SubjectPublicKeyInfo.
    pub fn subject_public_key_info(&self) -> &SubjectPublicKeyInfo<'a> {
        &self.spki
    }
    /// The subject name.
    pub fn subject(&self) -> &Name<'a> {
        &self.subject
    }
    /// The issuer name.
    pub fn issuer(&self) -> &Name<'a> {
        &self.issuer
    }
    /// The start of the validity period (clamped to the epoch).
    pub fn not_before(&self) -> UnixTime {
        UnixTime(self.not_before.max(0) as u64)
    }
    /// The end of the validity period (clamped to the epoch).
    pub fn not_after(&self) -> UnixTime {
        UnixTime(self.not_after.max(0) as u64)
    }
    /// The X.509 version: 1, 2 or 3.
    pub fn version(&self) -> u8 {
        self.version
    }
    /// The serial number's content octets (big-endian two's complement).
    pub fn serial(&self) -> &'a [u8] {
        self.serial
    }
    /// The signature algorithm.
    pub fn signature_algorithm(&self) -> &SignatureAlgorithmId {
        &self.signature_alg
    }
    /// The extensions padlock understands.
    pub fn extensions(&self) -> &Extensions<'a> {
        &self.ext
    }
    /// DNS names from subjectAltName.
    pub fn dns_names(&self) -> impl Iterator<Item = &str> {
        self.sans().filter_map(|n| match n {
            GeneralName::Dns(d) => std::str::from_utf8(d).ok(),
            _ => None,
        })
    }
    /// IP addresses from subjectAltName.
    pub fn ip_addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.sans().filter_map(|n| match n {
            GeneralName::Ip(ip) => ip_from_bytes(ip),
            _ => None,
        })
    }
    /// Every subjectAltName entry.
    pub fn sans(&self) -> impl Iterator<Item = &GeneralName<'a>> {
        self.ext.subject_alt_names.iter().flatten()
    }
    /// Whether basicConstraints says this is a CA.
    pub fn is_ca(&self) -> bool {
        self.ext.basic_constraints.is_some_and(|b| b.ca)
    }
    /// Whether subject and issuer are the same name (RFC 5280 §6.1: "self-issued").
    pub fn is_self_issued(&self) -> bool {
        self.subject.rdns == self.issuer.rdns
    }
    /// A short label for messages: the first DNS name, else the first IP, else the subject.
    pub fn label(&self) -> String {
        if let Some(d) = self.dns_names().next() {
            return d.to_string();
        }
        if let Some(ip) = self.ip_addresses().next() {
            return ip.to_string();
        }
        if let Some(cn) = self.subject.common_name_iter().next() {
            return cn.into_owned();
        }
        self.subject.to_string()
    }
}

/// Reads a Time (RFC 5280 §4.1.2.5): UTCTime or GeneralizedTime.
/// A certificate's outer fields and its TBSCertificate up to the subjectPublicKeyInfo
/// (RFC 5280 §4.1); the rest of the TBSCertificate is left to the caller's reader.
struct Head<'a> {
    tbs: &'a [u8],
    sig_alg_tlv: Tlv<'a>,
    signature: &'a [u8],
    version: u8,
    serial: &'a [u8],
    tbs_signature_alg: &'a [u8],
    issuer: Name<'a>,
    subject: Name<'a>,
    not_before: i64,
    not_after: i64,
    spki: SubjectPublicKeyInfo<'a>,
}

impl<'a> Head<'a> {
    fn read(der: &'a [u8]) -> Result<(Self, Reader<'a>), Error> {
        let mut outer = Reader::new(der, "Certificate");
        let mut cert = outer.nested(tag::SEQUENCE, "Certificate")?;
        outer.finish()?;
        let tbs_tlv = cert.read(tag::SEQUENCE)?;
        let sig_alg_tlv = cert.read(tag::SEQUENCE)?;
        let signature = cert.bit_string_octets()?;
        cert.finish()?;

        let mut tbs = Reader::new(tbs_tlv.value, "TBSCertificate");
        // RFC 5280 §4.1.2.1: version [0] EXPLICIT, DEFAULT v1 (so never encoded as v1 in DER).
        let version = match tbs.optional(tag::context_constructed(0))? {
            Some(v) => {
                let mut vr = Reader::new(v.value, "TBSCertificate.version");
                let n = vr.small_uint()?;
                vr.finish()?;
                match n {
                    1 => 2,
                    2 => 3,
                    _ => return Err(tbs.err("unsupported version")),
                }
            }
            None => 1,
        };
        let serial = tbs.integer()?;
        let tbs_sig = tbs.read(tag::SEQUENCE)?;
        let issuer = Name::read(&mut tbs)?;
        let mut validity = tbs.nested(tag::SEQUENCE, "TBSCertificate.validity")?;
        let not_before = read_time(&mut validity)?;
        let not_after = read_time(&mut validity)?;
        validity.finish()?;
        let subject = Name::read(&mut tbs)?;
        let spki_tlv = tbs.read(tag::SEQUENCE)?;
        let spki = SubjectPublicKeyInfo::from_tlv(spki_tlv)?;
        let head = Self {
            tbs: tbs_tlv.raw,
            sig_alg_tlv,
            signature,
            version,
            serial,
            tbs_signature_alg: tbs_sig.raw,
            issuer,
            subject,
            not_before,
            not_after,
            spki,
        };
        Ok((head, tbs))
    }
}

fn read_time(r: &mut Reader<'_>) -> Result<i64, Error> {
    let tlv = r.read_any()?;
    let t = match tlv.tag {
        tag::UTC_TIME => parse_utc_time(tlv.value),
        tag::GENERALIZED_TIME => parse_generalized_time(tlv.value),
        _ => return Err(r.err("validity time is neither UTCTime nor GeneralizedTime")),
    };
    t.ok_or_else(|| r.err("invalid time"))
}

/// The OID id-ce.n (2.5.29.n), as content octets.
pub(crate) const fn id_ce(n: u8) -> [u8; 3] {
    [0x55, 0x1d, n]
}

impl<'a> Extensions<'a> {
    /// Whether the extension with this OID (content octets, e.g. `[0x55, 0x1d, 0x13]` for
    /// basicConstraints) is present and critical (`None`: absent).
    pub fn critical(&self, oid: &[u8]) -> Option<bool> {
        self.all.iter().find(|(o, _)| *o == oid).map(|(_, c)| *c)
    }

    fn parse(mut list: Reader<'a>) -> Result<Self, Error> {
        let mut ext = Self::default();
        if list.is_empty() {
            return Err(list.err("empty Extensions"));
        }
        let mut id_ce_seen = [0u64; 4];
        while !list.is_empty() {
            let mut e = list.nested(tag::SEQUENCE, "Extension")?;
            let oid = e.oid()?;
            let critical = if e.peek_tag() == Some(tag::BOOLEAN) {
                e.boolean()?
            } else {
                false
            };
            let value = e.value(tag::OCTET_STRING)?;
            e.finish()?;
            // RFC 5280 §4.2: at most one instance of an extension. The id-ce ones (2.5.29.n,
            // nearly all of them) are tracked in a bit set; others are looked up in `all`, the
            // list so far.
            let seen_before = match oid {
                [0x55, 0x1d, n] => {
                    let (word, bit) = (usize::from(n / 64), 1u64 << (n % 64));
                    let seen = id_ce_seen.get_mut(word).map(|w| {
                        let was = *w & bit != 0;
                        *w |= bit;
                        was
                    });
                    seen.unwrap_or(true)
                }
                _ => ext.all.iter().any(|(o, _)| *o == oid),
            };
            if seen_before {
                return Err(list.err("duplicate extension"));
            }
            ext.all.push((oid, critical));
            ext.parse_one(oid, critical, value)?;
        }
        Ok(ext)
    }

    fn parse_one(&mut self, oid: &[u8], critical: bool, value: &'a [u8]) -> Result<(), Error> {
        let mut outer = Reader::new(value, "Extension value");
        match oid {
            [0x55, 0x1d, 19] => {
                let mut r = outer.nested(tag::SEQUENCE, "BasicConstraints")?;
                let mut bc = BasicConstraints::default();
                if r.peek_tag() == Some(tag::BOOLEAN) {
                    bc.ca = r.boolean()?;
                    if !bc.ca {
                        return Err(r.err("cA FALSE is the DEFAULT and not encoded in DER"));
                    }
                }
                if r.peek_tag() == Some(tag::INTEGER) {
                    bc.path_len = Some(r.small_uint()?);
                }
                r.finish()?;
                self.basic_constraints = Some(bc);
            }
            [0x55, 0x1d, 15] => {
                let (unused, bytes) = outer.bit_string()?;
                if bytes.len() > 2 {
                    return Err(outer.err("keyUsage too long"));
                }
                let _ = unused;
                let mut bits = 0u16;
                for (i, &b) in bytes.iter().enumerate() {
                    for j in 0..8 {
                        if b & (0x80 >> j) != 0 {
                            bits |= 1 << (i * 8 + j);
                        }
                    }
                }
                if bits == 0 {
                    return Err(outer.err("keyUsage with no bits set"));
                }
                self.key_usage = Some(bits);
            }
            [0x55, 0x1d, 37] => {
                let mut r = outer.nested(tag::SEQUENCE, "ExtKeyUsageSyntax")?;
                let mut oids = InlineList::new();
                while !r.is_empty() {
                    oids.push(r.oid()?);
                }
                if oids.is_empty() {
                    return Err(r.err("empty extendedKeyUsage"));
                }
                self.extended_key_usage = Some(oids);
            }
            [0x55, 0x1d, 17] => {
                let seq = outer.value(tag::SEQUENCE)?;
                self.subject_alt_names = Some(GeneralName::read_all(seq)?);
            }
            [0x55, 0x1d, 30] => {
                self.name_constraints = Some(NameConstraints::parse(value)?);
                return Ok(());
            }
            [0x55, 0x1d, 14] => {
                self.subject_key_id = Some(outer.value(tag::OCTET_STRING)?);
            }
            [0x55, 0x1d, 35] => {
                let mut r = outer.nested(tag::SEQUENCE, "AuthorityKeyIdentifier")?;
                if let Some(k) = r.optional(tag::context_primitive(0))? {
                    self.authority_key_id = Some(k.value);
                }
                self.authority_key_present = true;
                let issuer: Option<Tlv<'_>> = r.optional(tag::context_constructed(1))?;
                self.authority_cert_issuer = issuer.is_some();
                let serial: Option<Tlv<'_>> = r.optional(tag::context_primitive(2))?;
                self.authority_cert_serial = serial.is_some();
                r.finish()?;
            }
            [0x55, 0x1d, 31] => {
                self.crl_distribution_points = Some(outer.value(tag::SEQUENCE)?);
            }
            // Understood and deliberately ignored: certificatePolicies and policy
            // constraints/mappings (the Web PKI does not process policies), issuerAltName,
            // freshest CRL, authorityInfoAccess, SCTs.
            [0x55, 0x1d, 32 | 18 | 46]
            | [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01]
            | [0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02] => {
                outer.read_any()?;
            }
            _ => {
                if critical {
                    self.unknown_critical.push(oid_to_string(oid));
                }
                return Ok(());
            }
        }
        outer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_truncated_input() {
        assert!(Certificate::from_der(&[]).is_err());
        assert!(Certificate::from_der(&[0x30, 0x03, 0x30, 0x01]).is_err());
    }

    #[test]
    fn rejects_a_repeated_extension() {
        use crate::testutil::{issue, Spec};
        let once = issue(&Spec::leaf("a.test", &["a.test"]), None);
        assert!(Certificate::from_der(&once.der).is_ok());
        let mut spec = Spec::leaf("a.test", &["a.test"]);
        // A second subjectKeyIdentifier (the factory always writes one).
        spec.extra = vec![(&[2, 5, 29, 14], false, vec![0x04, 0x01, 0x01])];
        let twice = issue(&spec, None);
        let err = Certificate::from_der(&twice.der).unwrap_err();
        assert!(err.to_string().contains("duplicate extension"), "{err}");
    }

    #[test]
    fn the_public_key_alone_is_the_one_a_full_parse_finds() {
        use crate::testutil::{issue, Spec};
        let ca = issue(&Spec::ca("CA"), None);
        let leaf = issue(&Spec::leaf("a.test", &["a.test"]), Some(&ca));
        for cert in [&ca, &leaf] {
            let full = Certificate::from_der(&cert.der).unwrap();
            let spki = Certificate::public_key_info_from_der(&cert.der).unwrap();
            assert_eq!(&spki, full.subject_public_key_info());
        }
        assert!(Certificate::public_key_info_from_der(&leaf.der[..leaf.der.len() - 1]).is_err());
        assert!(Certificate::public_key_info_from_der(&[]).is_err());
        // Trailing bytes after the certificate are refused, as by a full parse.
        let mut longer = leaf.der.clone();
        longer.push(0);
        assert!(Certificate::public_key_info_from_der(&longer).is_err());
    }
}
