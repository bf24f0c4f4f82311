//! The seam between the handshake and `padlock_pki`: chain validation, root hints, and
//! CertificateVerify signatures.

use padlock_crypto::{Provider, SignatureAlgorithm};

use crate::{CertificateError, Error, RootStore, ServerName, SignatureScheme, UnixTime};

pub(crate) fn verify_server(
    _provider: &dyn Provider,
    _roots: &RootStore,
    _end_entity: &[u8],
    _intermediates: &[&[u8]],
    _name: &ServerName,
    _now: UnixTime,
) -> Result<(), Error> {
    Err(Error::Certificate(CertificateError("chain validation is not wired up yet".into())))
}

pub(crate) fn verify_client(
    _provider: &dyn Provider,
    _roots: &RootStore,
    _end_entity: &[u8],
    _intermediates: &[&[u8]],
    _now: UnixTime,
) -> Result<(), Error> {
    Err(Error::Certificate(CertificateError("chain validation is not wired up yet".into())))
}

pub(crate) fn root_subjects(_roots: &RootStore) -> Vec<Vec<u8>> {
    Vec::new()
}

/// The provider algorithm for a TLS 1.3 CertificateVerify scheme (RFC 8446 §4.2.3); `None`
/// for schemes TLS 1.3 forbids there (rsa_pkcs1_*, SHA-1) or we do not know.
pub(crate) fn handshake_algorithm(scheme: SignatureScheme) -> Option<SignatureAlgorithm> {
    Some(match scheme {
        SignatureScheme::ecdsa_secp256r1_sha256 => SignatureAlgorithm::EcdsaP256Sha256,
        SignatureScheme::ecdsa_secp384r1_sha384 => SignatureAlgorithm::EcdsaP384Sha384,
        SignatureScheme::rsa_pss_rsae_sha256 => SignatureAlgorithm::RsaPssSha256,
        SignatureScheme::rsa_pss_rsae_sha384 => SignatureAlgorithm::RsaPssSha384,
        SignatureScheme::rsa_pss_rsae_sha512 => SignatureAlgorithm::RsaPssSha512,
        SignatureScheme::ed25519 => SignatureAlgorithm::Ed25519,
        _ => return None,
    })
}

/// The kind of key in a SubjectPublicKeyInfo, as far as TLS 1.3 signatures care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyType {
    EcP256,
    EcP384,
    Rsa,
    Ed25519,
    Other,
}

impl KeyType {
    /// Whether a CertificateVerify with `scheme` can come from this kind of key.
    pub(crate) fn fits(self, scheme: SignatureScheme) -> bool {
        matches!(
            (self, scheme),
            (KeyType::EcP256, SignatureScheme::ecdsa_secp256r1_sha256)
                | (KeyType::EcP384, SignatureScheme::ecdsa_secp384r1_sha384)
                | (KeyType::Ed25519, SignatureScheme::ed25519)
                | (
                    KeyType::Rsa,
                    SignatureScheme::rsa_pss_rsae_sha256
                        | SignatureScheme::rsa_pss_rsae_sha384
                        | SignatureScheme::rsa_pss_rsae_sha512
                )
        )
    }
}

/// Verifies a CertificateVerify signature with the leaf certificate's public key.
pub(crate) fn verify_signature(
    provider: &dyn Provider,
    leaf: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    use crate::error::PeerMisbehaved;
    let algorithm = handshake_algorithm(scheme).ok_or(PeerMisbehaved::UnofferedSignatureScheme)?;
    let (key_type, key) = der::leaf_public_key(leaf).ok_or_else(|| {
        Error::Certificate(CertificateError("the certificate's public key cannot be read".into()))
    })?;
    // RFC 8446 §4.4.3: the scheme must fit the key in the certificate.
    if !key_type.fits(scheme) {
        return Err(PeerMisbehaved::UnofferedSignatureScheme.into());
    }
    provider
        .verify_signature(algorithm, key, message, signature)
        .map_err(|_| PeerMisbehaved::BadCertificateVerifySignature.into())
}

/// The key type of a DER SubjectPublicKeyInfo (e.g. from `SigningKey::public_key_spki`).
pub(crate) fn spki_key_type(spki: &[u8]) -> KeyType {
    der::spki_key(spki).map(|(t, _)| t).unwrap_or(KeyType::Other)
}

/// Just enough DER to find a certificate's SubjectPublicKeyInfo (RFC 5280 §4.1). Bounded,
/// panic-free; everything else about the certificate is `padlock_pki`'s business.
mod der {
    use super::KeyType;

    const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

    /// Splits one TLV off `input`: (tag, contents, rest).
    fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 3 || rest.len() < n {
                return None;
            }
            let (len_bytes, rest) = rest.split_at(n);
            (len_bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)), rest)
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        Some((tag, contents, rest))
    }

    fn expect(input: &[u8], want: u8) -> Option<(&[u8], &[u8])> {
        let (tag, contents, rest) = tlv(input)?;
        (tag == want).then_some((contents, rest))
    }

    pub(super) fn leaf_public_key(cert: &[u8]) -> Option<(KeyType, &[u8])> {
        let (cert, _) = expect(cert, 0x30)?;
        let (tbs, _) = expect(cert, 0x30)?;
        let mut rest = tbs;
        // [0] EXPLICIT version, optional.
        if rest.first() == Some(&0xa0) {
            rest = tlv(rest)?.2;
        }
        // serialNumber, signature, issuer, validity, subject.
        for _ in 0..5 {
            rest = tlv(rest)?.2;
        }
        let (tag, spki, _) = tlv(rest)?;
        if tag != 0x30 {
            return None;
        }
        spki_contents(spki)
    }

    pub(super) fn spki_key(spki_der: &[u8]) -> Option<(KeyType, &[u8])> {
        let (spki, _) = expect(spki_der, 0x30)?;
        spki_contents(spki)
    }

    fn spki_contents(spki: &[u8]) -> Option<(KeyType, &[u8])> {
        let (alg, rest) = expect(spki, 0x30)?;
        let (bits, _) = expect(rest, 0x03)?;
        let (&unused, key) = bits.split_first()?;
        if unused != 0 {
            return None;
        }
        let (oid, params) = expect(alg, 0x06)?;
        let key_type = if oid == OID_EC_PUBLIC_KEY {
            match expect(params, 0x06) {
                Some((c, _)) if c == OID_P256 => KeyType::EcP256,
                Some((c, _)) if c == OID_P384 => KeyType::EcP384,
                _ => KeyType::Other,
            }
        } else if oid == OID_RSA {
            KeyType::Rsa
        } else if oid == OID_ED25519 {
            KeyType::Ed25519
        } else {
            KeyType::Other
        };
        Some((key_type, key))
    }
}
