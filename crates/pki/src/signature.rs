//! Signature algorithms of certificates and CRLs (RFC 4055, RFC 5758, RFC 8410), and the
//! checks that run them through the crypto provider.

use std::fmt;

use padlock_crypto::{HashAlgorithm, Provider, SignatureAlgorithm};

use crate::der::{oid_to_string, tag, Reader, Tlv};
use crate::error::Error;
use crate::spki::{Curve, PublicKeyAlgorithm, SubjectPublicKeyInfo};

/// A certificate or CRL signature algorithm, as named by its AlgorithmIdentifier.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithmId {
    /// RSASSA-PKCS1-v1_5 with a SHA-2 hash.
    RsaPkcs1(HashAlgorithm),
    /// RSASSA-PSS with this hash for message and MGF1, salt length = hash length.
    RsaPss(HashAlgorithm),
    /// ECDSA with a SHA-2 hash.
    Ecdsa(HashAlgorithm),
    /// Ed25519.
    Ed25519,
    /// Recognised but refused (MD5, SHA-1, SHA-224, PSS with other parameters).
    Refused(&'static str),
    /// Not recognised: the dotted OID.
    Unknown(String),
}

impl fmt::Display for SignatureAlgorithmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = |h: &HashAlgorithm| match h {
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            _ => "SHA-512",
        };
        match self {
            Self::RsaPkcs1(x) => write!(f, "RSA PKCS#1 v1.5 with {}", h(x)),
            Self::RsaPss(x) => write!(f, "RSA-PSS with {}", h(x)),
            Self::Ecdsa(x) => write!(f, "ECDSA with {}", h(x)),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Refused(s) => f.write_str(s),
            Self::Unknown(s) => write!(f, "unknown ({s})"),
        }
    }
}

const PKCS1: [u8; 8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const ECDSA_SHA2: [u8; 7] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
const OID_ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_MGF1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];

impl SignatureAlgorithmId {
    /// Parses an AlgorithmIdentifier TLV.
    pub(crate) fn parse(tlv: Tlv<'_>) -> Result<Self, Error> {
        let mut r = Reader::new(tlv.value, "AlgorithmIdentifier");
        let oid = r.oid()?;
        let params = if r.is_empty() {
            None
        } else {
            Some(r.read_any()?)
        };
        r.finish()?;
        let is_null =
            |p: &Option<Tlv<'_>>| matches!(p, Some(t) if t.tag == tag::NULL && t.value.is_empty());
        if let Some(last) = oid.strip_prefix(&PKCS1[..]) {
            let hash = match last {
                [0x0b] => Some(HashAlgorithm::Sha256),
                [0x0c] => Some(HashAlgorithm::Sha384),
                [0x0d] => Some(HashAlgorithm::Sha512),
                [0x0a] => {
                    let p = params.ok_or_else(|| r.err("RSASSA-PSS without parameters"))?;
                    return pss_params(p);
                }
                [0x04] => return Ok(Self::Refused("MD5")),
                [0x05] => return Ok(Self::Refused("SHA-1")),
                [0x0e] => return Ok(Self::Refused("SHA-224")),
                _ => None,
            };
            if let Some(h) = hash {
                // RFC 4055 §5: the parameters MUST be NULL.
                if !is_null(&params) {
                    return Err(r.err("RSA PKCS#1 parameters must be NULL"));
                }
                return Ok(Self::RsaPkcs1(h));
            }
        }
        if let Some(last) = oid.strip_prefix(&ECDSA_SHA2[..]) {
            let hash = match last {
                [0x02] => HashAlgorithm::Sha256,
                [0x03] => HashAlgorithm::Sha384,
                [0x04] => HashAlgorithm::Sha512,
                [0x01] => return Ok(Self::Refused("SHA-224")),
                _ => return Ok(Self::Unknown(oid_to_string(oid))),
            };
            // RFC 5758 §3.2: the parameters MUST be absent.
            if params.is_some() {
                return Err(r.err("ECDSA parameters must be absent"));
            }
            return Ok(Self::Ecdsa(hash));
        }
        if oid == OID_ECDSA_SHA1 {
            return Ok(Self::Refused("SHA-1"));
        }
        if oid == OID_ED25519 {
            if params.is_some() {
                return Err(r.err("Ed25519 parameters must be absent"));
            }
            return Ok(Self::Ed25519);
        }
        Ok(Self::Unknown(oid_to_string(oid)))
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1). Only hash = MGF1 hash and salt = hash length are
/// accepted (the profile of RFC 8446 §4.2.3 and the CA/Browser Forum).
fn pss_params(p: Tlv<'_>) -> Result<SignatureAlgorithmId, Error> {
    let refused = Ok(SignatureAlgorithmId::Refused(
        "RSA-PSS with unusual parameters",
    ));
    if p.tag != tag::SEQUENCE {
        return Err(Reader::new(p.value, "RSASSA-PSS-params").err("not a SEQUENCE"));
    }
    let mut r = Reader::new(p.value, "RSASSA-PSS-params");
    let Some(h) = r.optional(tag::context_constructed(0))? else {
        return Ok(SignatureAlgorithmId::Refused("RSA-PSS with SHA-1"));
    };
    let hash = match hash_alg(h.value)? {
        Some(h) => h,
        None => return Ok(SignatureAlgorithmId::Refused("RSA-PSS with SHA-1")),
    };
    let Some(m) = r.optional(tag::context_constructed(1))? else {
        return refused;
    };
    let mut mr = Reader::new(m.value, "RSASSA-PSS-params.maskGenAlgorithm");
    let mut mgf = mr.nested(tag::SEQUENCE, "MaskGenAlgorithm")?;
    mr.finish()?;
    if mgf.oid()? != OID_MGF1 {
        return refused;
    }
    let inner = mgf.read(tag::SEQUENCE)?;
    mgf.finish()?;
    if hash_alg(inner.raw)? != Some(hash) {
        return refused;
    }
    let Some(s) = r.optional(tag::context_constructed(2))? else {
        return refused;
    };
    let mut sr = Reader::new(s.value, "RSASSA-PSS-params.saltLength");
    let salt = sr.small_uint()?;
    sr.finish()?;
    if salt != hash.output_len() as u64 {
        return refused;
    }
    if let Some(t) = r.optional(tag::context_constructed(3))? {
        let mut tr = Reader::new(t.value, "RSASSA-PSS-params.trailerField");
        if tr.small_uint()? != 1 {
            return refused;
        }
        tr.finish()?;
    }
    r.finish()?;
    Ok(SignatureAlgorithmId::RsaPss(hash))
}

/// A hash AlgorithmIdentifier (SEQUENCE, parameters absent or NULL); `None` for SHA-1.
fn hash_alg(der: &[u8]) -> Result<Option<HashAlgorithm>, Error> {
    let mut outer = Reader::new(der, "HashAlgorithm");
    let mut r = outer.nested(tag::SEQUENCE, "HashAlgorithm")?;
    outer.finish()?;
    let oid = r.oid()?;
    if !r.is_empty() {
        r.value(tag::NULL)?;
    }
    r.finish()?;
    Ok(match oid {
        OID_SHA256 => Some(HashAlgorithm::Sha256),
        OID_SHA384 => Some(HashAlgorithm::Sha384),
        OID_SHA512 => Some(HashAlgorithm::Sha512),
        OID_SHA1 => None,
        _ => return Err(r.err("unknown hash algorithm")),
    })
}

/// Maps a certificate signature algorithm and the signer's key to a provider algorithm.
pub(crate) fn provider_algorithm(
    alg: &SignatureAlgorithmId,
    key: &PublicKeyAlgorithm,
) -> Result<SignatureAlgorithm, Error> {
    use HashAlgorithm::*;
    use SignatureAlgorithm as S;
    let mismatch = || Error::UnsupportedSignatureAlgorithm(format!("{alg} with a {key} key"));
    Ok(match (alg, key) {
        (SignatureAlgorithmId::RsaPkcs1(h), PublicKeyAlgorithm::Rsa { .. }) => match h {
            Sha256 => S::RsaPkcs1Sha256,
            Sha384 => S::RsaPkcs1Sha384,
            _ => S::RsaPkcs1Sha512,
        },
        (SignatureAlgorithmId::RsaPss(h), PublicKeyAlgorithm::Rsa { .. }) => match h {
            Sha256 => S::RsaPssSha256,
            Sha384 => S::RsaPssSha384,
            _ => S::RsaPssSha512,
        },
        (SignatureAlgorithmId::Ecdsa(h), PublicKeyAlgorithm::Ec(c)) => match (c, h) {
            (Curve::P256, Sha256) => S::EcdsaP256Sha256,
            (Curve::P256, Sha384) => S::EcdsaP256Sha384,
            (Curve::P384, Sha256) => S::EcdsaP384Sha256,
            (Curve::P384, Sha384) => S::EcdsaP384Sha384,
            _ => return Err(mismatch()),
        },
        (SignatureAlgorithmId::Ed25519, PublicKeyAlgorithm::Ed25519) => S::Ed25519,
        (SignatureAlgorithmId::Refused(name), _) => {
            return Err(Error::UnsupportedSignatureAlgorithm((*name).to_string()))
        }
        (SignatureAlgorithmId::Unknown(oid), _) => {
            return Err(Error::UnsupportedSignatureAlgorithm(format!(
                "with OID {oid}"
            )))
        }
        _ => return Err(mismatch()),
    })
}

/// Checks a certificate or CRL signature: `message` signed with `alg` by `spki`'s key.
/// `subject` names the signed object in the error.
pub(crate) fn verify_signed(
    provider: &dyn Provider,
    spki: &SubjectPublicKeyInfo<'_>,
    alg: &SignatureAlgorithmId,
    message: &[u8],
    signature: &[u8],
    subject: impl FnOnce() -> String,
) -> Result<(), Error> {
    let palg = provider_algorithm(alg, &spki.algorithm)?;
    provider
        .verify_signature(palg, spki.key, message, signature)
        .map_err(|_| Error::BadSignature { subject: subject() })
}

/// Verifies a signature made by the key in `spki` with a TLS signature scheme's algorithm
/// (for CertificateVerify, RFC 8446 §4.4.3). The key type and curve must fit `algorithm`.
pub fn verify_signature(
    provider: &dyn Provider,
    spki: &SubjectPublicKeyInfo<'_>,
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    use SignatureAlgorithm as S;
    let fits = matches!(
        (algorithm, spki.algorithm),
        (
            S::RsaPkcs1Sha256
                | S::RsaPkcs1Sha384
                | S::RsaPkcs1Sha512
                | S::RsaPssSha256
                | S::RsaPssSha384
                | S::RsaPssSha512,
            PublicKeyAlgorithm::Rsa { .. },
        ) | (
            S::EcdsaP256Sha256 | S::EcdsaP256Sha384,
            PublicKeyAlgorithm::Ec(Curve::P256)
        ) | (
            S::EcdsaP384Sha256 | S::EcdsaP384Sha384,
            PublicKeyAlgorithm::Ec(Curve::P384)
        ) | (S::Ed25519, PublicKeyAlgorithm::Ed25519)
    );
    if !fits {
        return Err(Error::UnsupportedSignatureAlgorithm(format!(
            "{algorithm:?} with a {} key",
            spki.algorithm
        )));
    }
    provider
        .verify_signature(algorithm, spki.key, message, signature)
        .map_err(|_| Error::BadSignature {
            subject: "the peer's handshake signature".to_string(),
        })
}
