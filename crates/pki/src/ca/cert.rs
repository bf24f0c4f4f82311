//! Building and signing X.509 v3 certificates (RFC 5280 §4.1) and their extensions
//! (RFC 5280 §4.2).

use std::net::IpAddr;

use padlock_crypto::{HashAlgorithm, KeyKind, Provider, SignatureAlgorithm, SigningKey};

use super::der_writer::DerWriter;
use super::CaError;
use crate::der::{tag, Reader};
use crate::host_name::SubjectName;
use crate::time::UnixTime;

/// Object identifiers, as arcs.
pub(crate) mod oid {
    /// id-at-commonName (X.520).
    pub const COMMON_NAME: &[u64] = &[2, 5, 4, 3];
    /// id-at-organizationName.
    pub const ORGANIZATION: &[u64] = &[2, 5, 4, 10];
    /// id-ce-subjectKeyIdentifier (RFC 5280 §4.2.1.2).
    pub const SUBJECT_KEY_ID: &[u64] = &[2, 5, 29, 14];
    /// id-ce-keyUsage (§4.2.1.3).
    pub const KEY_USAGE: &[u64] = &[2, 5, 29, 15];
    /// id-ce-subjectAltName (§4.2.1.6).
    pub const SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];
    /// id-ce-basicConstraints (§4.2.1.9).
    pub const BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
    /// id-ce-cRLNumber (§5.2.3).
    pub const CRL_NUMBER: &[u64] = &[2, 5, 29, 20];
    /// id-ce-cRLReasons (§5.3.1).
    pub const CRL_REASON: &[u64] = &[2, 5, 29, 21];
    /// id-ce-nameConstraints (§4.2.1.10).
    pub const NAME_CONSTRAINTS: &[u64] = &[2, 5, 29, 30];
    /// id-ce-authorityKeyIdentifier (§4.2.1.1).
    pub const AUTHORITY_KEY_ID: &[u64] = &[2, 5, 29, 35];
    /// id-ce-extKeyUsage (§4.2.1.12).
    pub const EXT_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
    /// id-kp-serverAuth.
    pub const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];
    /// id-kp-clientAuth.
    pub const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];
    /// ecdsa-with-SHA256 (RFC 5758 §3.2).
    pub const ECDSA_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
    /// ecdsa-with-SHA384.
    pub const ECDSA_SHA384: &[u64] = &[1, 2, 840, 10045, 4, 3, 3];
    /// sha256WithRSAEncryption (RFC 4055 §5).
    pub const RSA_SHA256: &[u64] = &[1, 2, 840, 113549, 1, 1, 11];
    /// sha384WithRSAEncryption.
    pub const RSA_SHA384: &[u64] = &[1, 2, 840, 113549, 1, 1, 12];
    /// sha512WithRSAEncryption.
    pub const RSA_SHA512: &[u64] = &[1, 2, 840, 113549, 1, 1, 13];
    /// id-Ed25519 (RFC 8410 §3).
    pub const ED25519: &[u64] = &[1, 3, 101, 112];
    /// id-ecPublicKey (RFC 5480 §2.1.1).
    pub const EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];
    /// secp256r1.
    pub const P256: &[u64] = &[1, 2, 840, 10045, 3, 1, 7];
    /// secp384r1.
    pub const P384: &[u64] = &[1, 3, 132, 0, 34];
    /// rsaEncryption (RFC 8017 A.1).
    pub const RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113549, 1, 1, 1];
    /// pkcs-9-at-extensionRequest (RFC 2985 §5.4.2).
    pub const EXTENSION_REQUEST: &[u64] = &[1, 2, 840, 113549, 1, 9, 14];
}

/// KeyUsage bits (RFC 5280 §4.2.1.3).
pub(crate) mod key_usage {
    /// digitalSignature.
    pub const DIGITAL_SIGNATURE: u8 = 0;
    /// keyEncipherment.
    pub const KEY_ENCIPHERMENT: u8 = 2;
    /// keyCertSign.
    pub const KEY_CERT_SIGN: u8 = 5;
    /// cRLSign.
    pub const CRL_SIGN: u8 = 6;
}

/// A distinguished name with the two attributes the local CA uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SimpleName {
    /// commonName, if any.
    pub common_name: Option<String>,
    /// organizationName, if any.
    pub organization: Option<String>,
}

impl SimpleName {
    /// The DER `Name` (RFC 5280 §4.1.2.4): one RDN per attribute, values as UTF8String.
    pub fn to_der(&self) -> Vec<u8> {
        let mut w = DerWriter::new();
        w.sequence(|w| {
            let attrs = [
                (oid::ORGANIZATION, &self.organization),
                (oid::COMMON_NAME, &self.common_name),
            ];
            for (id, value) in attrs {
                if let Some(value) = value {
                    w.set(|w| {
                        w.sequence(|w| {
                            w.oid(id);
                            w.utf8_string(value);
                        })
                    });
                }
            }
        });
        w.finish()
    }
}

/// One extension: id, criticality, and the DER of its value (wrapped in the OCTET STRING
/// when written).
pub(crate) struct Extension {
    pub id: &'static [u64],
    pub critical: bool,
    pub value: Vec<u8>,
}

/// Everything in a TBSCertificate except the signature algorithm, which follows from the
/// issuer's key.
pub(crate) struct CertTemplate<'a> {
    pub serial: [u8; 16],
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    pub spki: &'a [u8],
    pub extensions: Vec<Extension>,
}

/// Signs `template` with `issuer_key`; returns the Certificate DER (RFC 5280 §4.1).
pub(crate) fn sign_certificate(
    template: &CertTemplate<'_>,
    issuer_key: &dyn SigningKey,
) -> Result<Vec<u8>, CaError> {
    let (sig_alg, alg_id) = signature_algorithm_for(issuer_key.kind())?;
    let mut tbs = DerWriter::new();
    tbs.sequence(|w| {
        // version [0] EXPLICIT v3 (2)
        w.explicit(0, |w| w.integer(2));
        w.unsigned_integer(&template.serial);
        w.raw(&alg_id);
        w.raw(template.issuer);
        w.sequence(|w| {
            w.time(template.not_before);
            w.time(template.not_after);
        });
        w.raw(template.subject);
        w.raw(template.spki);
        if !template.extensions.is_empty() {
            w.explicit(3, |w| write_extensions(w, &template.extensions));
        }
    });
    let tbs = tbs.finish();
    signed(&tbs, &alg_id, sig_alg, issuer_key)
}

/// `SEQUENCE { tbs, algorithm, BIT STRING signature }`: the shape shared by certificates
/// (§4.1.1) and CRLs (§5.1.1).
pub(crate) fn signed(
    tbs: &[u8],
    alg_id: &[u8],
    sig_alg: SignatureAlgorithm,
    key: &dyn SigningKey,
) -> Result<Vec<u8>, CaError> {
    let signature = key.sign(sig_alg, tbs).map_err(CaError::Crypto)?;
    let mut w = DerWriter::new();
    w.sequence(|w| {
        w.raw(tbs);
        w.raw(alg_id);
        w.bit_string(&signature);
    });
    Ok(w.finish())
}

/// The signature algorithm a key of `kind` signs certificates with, and its DER
/// AlgorithmIdentifier: ECDSA with the curve's hash (RFC 5758 §3.2, no parameters), RSA
/// PKCS#1 v1.5 with SHA-256 (RFC 4055 §5, NULL parameters), Ed25519 (RFC 8410 §3).
pub(crate) fn signature_algorithm_for(
    kind: KeyKind,
) -> Result<(SignatureAlgorithm, Vec<u8>), CaError> {
    let (alg, id, null) = match kind {
        KeyKind::EcdsaP256 => (
            SignatureAlgorithm::EcdsaP256Sha256,
            oid::ECDSA_SHA256,
            false,
        ),
        KeyKind::EcdsaP384 => (
            SignatureAlgorithm::EcdsaP384Sha384,
            oid::ECDSA_SHA384,
            false,
        ),
        KeyKind::Ed25519 => (SignatureAlgorithm::Ed25519, oid::ED25519, false),
        KeyKind::Rsa(_) => (SignatureAlgorithm::RsaPkcs1Sha256, oid::RSA_SHA256, true),
        _ => return Err(CaError::UnsupportedKey(format!("{kind:?}"))),
    };
    let mut w = DerWriter::new();
    w.sequence(|w| {
        w.oid(id);
        if null {
            w.null();
        }
    });
    Ok((alg, w.finish()))
}

/// A key identifier (RFC 5280 §4.2.1.2): the leftmost 160 bits of the SHA-256 of the
/// subjectPublicKey BIT STRING's contents (RFC 7093 §2 method 1).
pub(crate) fn key_identifier(provider: &dyn Provider, spki: &[u8]) -> Result<Vec<u8>, CaError> {
    let key = spki_key_bits(spki)?;
    let digest = provider.hash_once(HashAlgorithm::Sha256, key);
    Ok(digest.as_ref().iter().take(20).copied().collect())
}

/// The subjectPublicKey of a DER SubjectPublicKeyInfo.
pub(crate) fn spki_key_bits(spki: &[u8]) -> Result<&[u8], CaError> {
    let bad = |_| CaError::Malformed("SubjectPublicKeyInfo".into());
    let mut outer = Reader::new(spki, "SubjectPublicKeyInfo");
    let mut seq = outer
        .nested(tag::SEQUENCE, "SubjectPublicKeyInfo")
        .map_err(bad)?;
    outer.finish().map_err(bad)?;
    seq.read(tag::SEQUENCE).map_err(bad)?;
    let key = seq.bit_string_octets().map_err(bad)?;
    seq.finish().map_err(bad)?;
    Ok(key)
}

/// A fresh serial number: 16 random octets, top bit clear so it is positive, second bit set
/// so the DER INTEGER is always 16 octets (RFC 5280 §4.1.2.2 allows up to 20).
pub(crate) fn random_serial(provider: &dyn Provider) -> Result<[u8; 16], CaError> {
    let mut serial = [0u8; 16];
    provider.fill_random(&mut serial).map_err(CaError::Crypto)?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

fn write_extensions(w: &mut DerWriter, extensions: &[Extension]) {
    w.sequence(|w| {
        for ext in extensions {
            w.sequence(|w| {
                w.oid(ext.id);
                if ext.critical {
                    w.boolean(true);
                }
                w.octet_string(&ext.value);
            });
        }
    });
}

// ---- extension values ---------------------------------------------------------------------

/// basicConstraints (§4.2.1.9), always critical here.
pub(crate) fn basic_constraints(ca: bool, path_len: Option<u8>) -> Extension {
    let mut w = DerWriter::new();
    w.sequence(|w| {
        if ca {
            w.boolean(true);
            if let Some(n) = path_len {
                w.integer(u64::from(n));
            }
        }
    });
    Extension {
        id: oid::BASIC_CONSTRAINTS,
        critical: true,
        value: w.finish(),
    }
}

/// keyUsage (§4.2.1.3), critical.
pub(crate) fn key_usage(bits: &[u8]) -> Extension {
    let mut w = DerWriter::new();
    w.named_bits(bits);
    Extension {
        id: oid::KEY_USAGE,
        critical: true,
        value: w.finish(),
    }
}

/// extendedKeyUsage (§4.2.1.12), not critical.
pub(crate) fn ext_key_usage(purposes: &[&'static [u64]]) -> Extension {
    let mut w = DerWriter::new();
    w.sequence(|w| {
        for p in purposes {
            w.oid(p);
        }
    });
    Extension {
        id: oid::EXT_KEY_USAGE,
        critical: false,
        value: w.finish(),
    }
}

/// subjectKeyIdentifier (§4.2.1.2).
pub(crate) fn subject_key_id(id: &[u8]) -> Extension {
    let mut w = DerWriter::new();
    w.octet_string(id);
    Extension {
        id: oid::SUBJECT_KEY_ID,
        critical: false,
        value: w.finish(),
    }
}

/// authorityKeyIdentifier (§4.2.1.1) with only `keyIdentifier [0]`.
pub(crate) fn authority_key_id(id: &[u8]) -> Extension {
    let mut w = DerWriter::new();
    w.sequence(|w| w.implicit_primitive(0, id));
    Extension {
        id: oid::AUTHORITY_KEY_ID,
        critical: false,
        value: w.finish(),
    }
}

/// subjectAltName (§4.2.1.6): dNSName [2] and iPAddress [7]. Critical when the subject is
/// empty, as the RFC requires.
pub(crate) fn subject_alt_name(names: &[SubjectName], subject_empty: bool) -> Extension {
    let mut w = DerWriter::new();
    w.sequence(|w| {
        for name in names {
            match name {
                SubjectName::Dns(d) => w.implicit_primitive(2, d.as_bytes()),
                SubjectName::Ip(IpAddr::V4(a)) => w.implicit_primitive(7, &a.octets()),
                SubjectName::Ip(IpAddr::V6(a)) => w.implicit_primitive(7, &a.octets()),
            }
        }
    });
    Extension {
        id: oid::SUBJECT_ALT_NAME,
        critical: subject_empty,
        value: w.finish(),
    }
}

/// nameConstraints (§4.2.1.10) with permitted subtrees only, critical.
///
/// A dNSName constraint `test` permits `test` and every name under it; an iPAddress
/// constraint is the address followed by its mask (8 octets for IPv4, 32 for IPv6).
pub(crate) fn name_constraints(permitted: &[super::Permitted]) -> Extension {
    let mut w = DerWriter::new();
    w.sequence(|w| {
        // permittedSubtrees [0] GeneralSubtrees
        w.constructed(crate::der::tag::context_constructed(0), |w| {
            for p in permitted {
                // GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0, .. }
                w.sequence(|w| match p {
                    super::Permitted::Dns(d) => w.implicit_primitive(2, d.as_bytes()),
                    super::Permitted::Ip(addr, prefix) => {
                        let mut v = ip_octets(addr);
                        let mask = prefix_mask(v.len(), *prefix);
                        v.extend_from_slice(&mask);
                        w.implicit_primitive(7, &v);
                    }
                });
            }
        });
    });
    Extension {
        id: oid::NAME_CONSTRAINTS,
        critical: true,
        value: w.finish(),
    }
}

fn ip_octets(addr: &IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// A network mask of `len` octets with the top `prefix` bits set.
fn prefix_mask(len: usize, prefix: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            let bits = usize::from(prefix).saturating_sub(i * 8).min(8);
            if bits == 0 {
                0
            } else {
                0xffu8 << (8 - bits)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_masks_cover_the_leading_bits() {
        assert_eq!(prefix_mask(4, 8), [255, 0, 0, 0]);
        assert_eq!(prefix_mask(4, 12), [255, 240, 0, 0]);
        assert_eq!(prefix_mask(4, 32), [255; 4]);
        assert_eq!(prefix_mask(16, 7)[0], 0xfe);
        assert_eq!(prefix_mask(4, 0), [0; 4]);
    }

    #[test]
    fn names_put_organization_before_common_name() {
        let name = SimpleName {
            common_name: Some("a".into()),
            organization: Some("b".into()),
        };
        let der = name.to_der();
        // SEQUENCE { SET { SEQUENCE { OID O, "b" } }, SET { SEQUENCE { OID CN, "a" } } }
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[6..10], &[0x06, 0x03, 0x55, 0x04]);
        assert_eq!(der[10], 0x0a);
        assert_eq!(&der[20..23], &[0x55, 0x04, 0x03]);
    }
}
