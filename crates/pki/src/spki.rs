//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and the key algorithms of RFC 3279, RFC 5480 and
//! RFC 8410.

use std::fmt;

use crate::der::{tag, Reader, Tlv};
use crate::error::Error;

/// A public key with its algorithm, borrowed from a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubjectPublicKeyInfo<'a> {
    /// The key algorithm (with its size or curve).
    pub algorithm: PublicKeyAlgorithm,
    /// The subjectPublicKey BIT STRING's contents: an RSAPublicKey DER, an uncompressed SEC1
    /// point, or 32 raw Ed25519 bytes.
    pub key: &'a [u8],
    /// The whole SubjectPublicKeyInfo DER.
    pub der: &'a [u8],
}

/// Public key algorithms.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicKeyAlgorithm {
    /// RSA (rsaEncryption).
    Rsa {
        /// The modulus length in bits.
        modulus_bits: u32,
    },
    /// Elliptic-curve key (id-ecPublicKey) on a named curve.
    Ec(Curve),
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// Something else (DSA, RSASSA-PSS-only keys, X25519, ...): parsed, not usable. The
    /// text names the algorithm for an error message.
    Unsupported(&'static str),
}

/// Named curves.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1): parsed, not supported for signatures.
    P521,
    /// Another named curve, or explicit parameters.
    Other,
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

impl<'a> SubjectPublicKeyInfo<'a> {
    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_der(der: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(der, "SubjectPublicKeyInfo");
        let tlv = r.read(tag::SEQUENCE)?;
        r.finish()?;
        Self::from_tlv(tlv)
    }

    pub(crate) fn from_tlv(tlv: Tlv<'a>) -> Result<Self, Error> {
        let mut r = Reader::new(tlv.value, "SubjectPublicKeyInfo");
        let mut alg = r.nested(tag::SEQUENCE, "SubjectPublicKeyInfo.algorithm")?;
        let key = r.bit_string_octets()?;
        r.finish()?;
        let oid = alg.oid()?;
        let algorithm = match oid {
            OID_RSA => {
                // RFC 3279 §2.3.1: parameters MUST be NULL.
                alg.value(tag::NULL)?;
                alg.finish()?;
                let mut k = Reader::new(key, "RSAPublicKey");
                let mut seq = k.nested(tag::SEQUENCE, "RSAPublicKey")?;
                k.finish()?;
                let n = seq.integer()?;
                let e = seq.integer()?;
                seq.finish()?;
                if n.first().is_some_and(|b| b & 0x80 != 0)
                    || e.first().is_some_and(|b| b & 0x80 != 0)
                {
                    return Err(seq.err("negative RSA modulus or exponent"));
                }
                // RFC 8017 §3.1: the modulus and the public exponent are positive integers.
                if significant_octets(e).is_empty() {
                    return Err(seq.err("RSA public exponent is zero"));
                }
                let modulus_bits = positive_bit_length(n).map_err(|reason| seq.err(reason))?;
                PublicKeyAlgorithm::Rsa { modulus_bits }
            }
            OID_EC => {
                let curve = if alg.peek_tag() == Some(tag::OID) {
                    match alg.oid()? {
                        OID_P256 => Curve::P256,
                        OID_P384 => Curve::P384,
                        OID_P521 => Curve::P521,
                        _ => Curve::Other,
                    }
                } else {
                    alg.read_any()?;
                    Curve::Other
                };
                alg.finish()?;
                PublicKeyAlgorithm::Ec(curve)
            }
            OID_ED25519 => {
                // RFC 8410 §3: parameters MUST be absent.
                alg.finish()?;
                if key.len() != 32 {
                    return Err(alg.err("Ed25519 key is not 32 bytes"));
                }
                PublicKeyAlgorithm::Ed25519
            }
            other => PublicKeyAlgorithm::Unsupported(unsupported_key_name(other)),
        };
        Ok(Self {
            algorithm,
            key,
            der: tlv.raw,
        })
    }
}

impl fmt::Display for PublicKeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { modulus_bits } => write!(f, "RSA {modulus_bits} bits"),
            Self::Ec(Curve::P256) => f.write_str("ECDSA P-256"),
            Self::Ec(Curve::P384) => f.write_str("ECDSA P-384"),
            Self::Ec(Curve::P521) => f.write_str("ECDSA P-521"),
            Self::Ec(Curve::Other) => f.write_str("EC (unsupported curve)"),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Unsupported(name) => f.write_str(name),
        }
    }
}

/// The bit length of a non-negative INTEGER's contents (big-endian octets): the RSA
/// modulus size that the key-size floor is checked against. A zero (no significant octets)
/// is refused, as is a value whose length does not fit in a `u32` of bits; the arithmetic
/// is checked, since the octets come from a peer's certificate.
fn positive_bit_length(v: &[u8]) -> Result<u32, &'static str> {
    let significant = significant_octets(v);
    let Some(&first) = significant.first() else {
        return Err("RSA modulus is zero");
    };
    u32::try_from(significant.len())
        .ok()
        .and_then(|octets| octets.checked_mul(8))
        .and_then(|bits| bits.checked_sub(first.leading_zeros()))
        .ok_or("RSA modulus is too long")
}

/// The octets of a big-endian unsigned value from its first non-zero one: empty for zero.
fn significant_octets(v: &[u8]) -> &[u8] {
    let zeros = v.iter().take_while(|&&b| b == 0).count();
    v.get(zeros..).unwrap_or_default()
}

/// A person's name for a key algorithm we parse but do not use.
fn unsupported_key_name(oid: &[u8]) -> &'static str {
    match oid {
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a] => {
            // CA/B Forum BR §7.1.3.1.1: a Web PKI RSA key is rsaEncryption, even one that
            // signs with PSS.
            "RSASSA-PSS-only RSA (id-RSASSA-PSS)"
        }
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01] => "DSA",
        [0x2b, 0x65, 0x6e] => "X25519 (a key-agreement key, which cannot sign)",
        [0x2b, 0x65, 0x6f] => "X448 (a key-agreement key, which cannot sign)",
        [0x2b, 0x65, 0x71] => "Ed448",
        [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11..=0x13] => "ML-DSA",
        _ => "an unknown algorithm",
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;
    use crate::der::write_tlv;
    use crate::roots::RootStore;
    use crate::testutil::{issue, Spec, NOW};
    use crate::verify::{verify_chain, Purpose, VerifyOptions};

    /// An rsaEncryption SubjectPublicKeyInfo with modulus `n` and exponent `e` (INTEGER
    /// contents, written as given).
    fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
        let mut integers = Vec::new();
        write_tlv(&mut integers, tag::INTEGER, n);
        write_tlv(&mut integers, tag::INTEGER, e);
        let mut key = vec![0x00];
        write_tlv(&mut key, tag::SEQUENCE, &integers);
        let mut alg = Vec::new();
        write_tlv(&mut alg, tag::OID, OID_RSA);
        write_tlv(&mut alg, tag::NULL, &[]);
        let mut body = Vec::new();
        write_tlv(&mut body, tag::SEQUENCE, &alg);
        write_tlv(&mut body, tag::BIT_STRING, &key);
        let mut der = Vec::new();
        write_tlv(&mut der, tag::SEQUENCE, &body);
        der
    }

    /// A 2048-bit modulus's INTEGER contents: a sign octet, then 256 octets, top bit set.
    fn modulus_2048() -> Vec<u8> {
        let mut n = vec![0x00, 0x80];
        n.resize(257, 0xa5);
        n
    }

    #[test]
    fn an_rsa_modulus_of_zero_is_refused_not_counted_as_four_billion_bits() {
        let e =
            SubjectPublicKeyInfo::from_der(&rsa_spki(&[0x00], &[0x01, 0x00, 0x01])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot decode RSAPublicKey: RSA modulus is zero"
        );
    }

    #[test]
    fn an_rsa_exponent_of_zero_is_refused() {
        let e = SubjectPublicKeyInfo::from_der(&rsa_spki(&modulus_2048(), &[0x00])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot decode RSAPublicKey: RSA public exponent is zero"
        );
    }

    #[test]
    fn rsa_modulus_bits_count_from_the_first_set_bit() {
        let bits = |n: &[u8]| match SubjectPublicKeyInfo::from_der(&rsa_spki(n, &[0x03]))
            .unwrap()
            .algorithm
        {
            PublicKeyAlgorithm::Rsa { modulus_bits } => modulus_bits,
            other => panic!("not RSA: {other}"),
        };
        assert_eq!(bits(&modulus_2048()), 2048);
        assert_eq!(bits(&[0x01]), 1);
        assert_eq!(bits(&[0x00, 0xff]), 8);
        assert_eq!(bits(&[0x7f, 0x00]), 15);
        assert_eq!(positive_bit_length(&[]), Err("RSA modulus is zero"));
        assert_eq!(positive_bit_length(&[0, 0, 0]), Err("RSA modulus is zero"));
    }

    #[test]
    fn a_client_certificate_with_a_zero_rsa_modulus_is_refused_without_panic() {
        // The proof of concept: an unauthenticated client presents a CA-signed certificate
        // whose RSA modulus is 0. It used to panic (overflow) in checked builds and pass
        // the 2048-bit floor as "RSA 4294967288 bits" in release builds.
        let root = issue(&Spec::ca("Root"), None);
        let mut spec = Spec::leaf("client", &["client.example"]);
        spec.eku = Some(vec![&[1, 3, 6, 1, 5, 5, 7, 3, 2]]);
        spec.spki = Some(rsa_spki(&[0x00], &[0x01, 0x00, 0x01]));
        let leaf = issue(&spec, Some(&root));
        let mut roots = RootStore::new();
        roots.add_der(&root.der).unwrap();
        let mut options = VerifyOptions::new(NOW);
        options.purpose = Purpose::ClientAuth;
        let e = verify_chain(&AwsLcProvider, &roots, &leaf.der, &[], &options).unwrap_err();
        assert!(matches!(e, Error::Decode(_)), "{e}");
        assert!(e.to_string().contains("RSA modulus is zero"), "{e}");
    }

    /// A SubjectPublicKeyInfo with algorithm `oid` (content octets, short) and a dummy key.
    fn spki(oid: &[u8]) -> Vec<u8> {
        let mut alg = vec![0x06, oid.len() as u8];
        alg.extend_from_slice(oid);
        let mut body = vec![0x30, alg.len() as u8];
        body.extend(alg);
        body.extend([0x03, 0x02, 0x00, 0x00]);
        let mut der = vec![0x30, body.len() as u8];
        der.extend(body);
        der
    }

    #[test]
    fn keys_we_do_not_use_are_named_for_the_error_message() {
        let pss = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
        let named = |oid: &[u8]| {
            SubjectPublicKeyInfo::from_der(&spki(oid))
                .unwrap()
                .algorithm
                .to_string()
        };
        assert_eq!(named(&pss), "RSASSA-PSS-only RSA (id-RSASSA-PSS)");
        assert_eq!(named(&[0x2b, 0x65, 0x71]), "Ed448");
        assert_eq!(named(&[0x2b, 0x65, 0x01]), "an unknown algorithm");
    }
}
