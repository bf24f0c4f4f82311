//! Signatures on aws-lc-rs: verification under a raw public key, and private keys that sign.
//!
//! RSA keys are held to 2048..=8192 bits both ways: smaller keys are refused as
//! [`CryptoError::Unsupported`] when verifying and as [`CryptoError::BadPrivateKey`] when
//! loading.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand;
use aws_lc_rs::signature::{self, KeyPair as _};

use crate::{CryptoError, KeyKind, PrivateKeyFormat, SignatureAlgorithm, SigningKey};

/// Smallest RSA modulus we verify with or sign with, in bits.
const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus we verify with or sign with, in bits.
const RSA_MAX_BITS: usize = 8192;

/// Verifies `signature` over `message`; see [`crate::Provider::verify_signature`].
pub(super) fn verify(
    algorithm: SignatureAlgorithm,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    use SignatureAlgorithm as S;
    let alg: &'static dyn signature::VerificationAlgorithm = match algorithm {
        S::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        S::RsaPkcs1Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        S::RsaPkcs1Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        S::RsaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
        S::RsaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
        S::RsaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
        S::EcdsaP256Sha256 => &signature::ECDSA_P256_SHA256_ASN1,
        S::EcdsaP256Sha384 => &signature::ECDSA_P256_SHA384_ASN1,
        S::EcdsaP384Sha256 => &signature::ECDSA_P384_SHA256_ASN1,
        S::EcdsaP384Sha384 => &signature::ECDSA_P384_SHA384_ASN1,
        S::Ed25519 => &signature::ED25519,
    };
    if is_rsa(algorithm) {
        // Parse first so a malformed or undersized key is told apart from a bad signature.
        let key = signature::RsaSubjectPublicKey::from_der(public_key)
            .map_err(|_| CryptoError::BadPublicKey)?;
        let bits = key.modulus_len() * 8;
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(CryptoError::Unsupported);
        }
    } else if algorithm == S::Ed25519 && public_key.len() != 32 {
        return Err(CryptoError::BadPublicKey);
    }
    signature::UnparsedPublicKey::new(alg, public_key)
        .verify(message, signature)
        .map_err(|_| CryptoError::BadSignature)
}

/// Loads a private key; see [`crate::Provider::load_signing_key`].
pub(super) fn load(
    der: &[u8],
    format: PrivateKeyFormat,
) -> Result<Box<dyn SigningKey>, CryptoError> {
    let key = match format {
        PrivateKeyFormat::Pkcs8 => load_pkcs8(der)?,
        PrivateKeyFormat::Sec1 => load_sec1(der)?,
        PrivateKeyFormat::Pkcs1 => {
            let pair =
                signature::RsaKeyPair::from_der(der).map_err(|_| CryptoError::BadPrivateKey)?;
            rsa_key(pair)?
        }
    };
    Ok(Box::new(key))
}

/// Generates a key; see [`crate::Provider::generate_signing_key`].
pub(super) fn generate(kind: KeyKind) -> Result<(Box<dyn SigningKey>, Vec<u8>), CryptoError> {
    let (key, pkcs8) = match kind {
        KeyKind::EcdsaP256 | KeyKind::EcdsaP384 => {
            let alg = ecdsa_signing_algorithm(kind)?;
            let pair = signature::EcdsaKeyPair::generate(alg).map_err(|_| CryptoError::Random)?;
            let pkcs8 = pair.to_pkcs8v1().map_err(|_| CryptoError::Random)?;
            (ecdsa_key(pair, kind)?, pkcs8.as_ref().to_vec())
        }
        KeyKind::Ed25519 => {
            let pair = signature::Ed25519KeyPair::generate().map_err(|_| CryptoError::Random)?;
            let pkcs8 = pair.to_pkcs8v1().map_err(|_| CryptoError::Random)?;
            (ed25519_key(pair)?, pkcs8.as_ref().to_vec())
        }
        KeyKind::Rsa(bits) => {
            let size = match bits {
                2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
                3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
                4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
                _ => return Err(CryptoError::Unsupported),
            };
            let pair = signature::RsaKeyPair::generate(size).map_err(|_| CryptoError::Random)?;
            let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der<'static>>::as_der(&pair)
                .map_err(|_| CryptoError::Random)?;
            let pkcs8 = pkcs8.as_ref().to_vec();
            (rsa_key(pair)?, pkcs8)
        }
    };
    Ok((Box::new(key), pkcs8))
}

/// A loaded private key with its SubjectPublicKeyInfo, computed once.
pub(super) struct AwsSigningKey {
    inner: Inner,
    kind: KeyKind,
    spki: Vec<u8>,
}

enum Inner {
    Ecdsa(signature::EcdsaKeyPair),
    Ed25519(signature::Ed25519KeyPair),
    Rsa(signature::RsaKeyPair),
}

impl fmt::Debug for AwsSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsSigningKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl SigningKey for AwsSigningKey {
    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn sign(&self, algorithm: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use SignatureAlgorithm as S;
        match (&self.inner, algorithm) {
            (Inner::Ecdsa(pair), S::EcdsaP256Sha256) if self.kind == KeyKind::EcdsaP256 => {
                ecdsa_sign(pair, message)
            }
            (Inner::Ecdsa(pair), S::EcdsaP384Sha384) if self.kind == KeyKind::EcdsaP384 => {
                ecdsa_sign(pair, message)
            }
            (Inner::Ed25519(pair), S::Ed25519) => Ok(pair.sign(message).as_ref().to_vec()),
            (Inner::Rsa(pair), _) => {
                let encoding: &'static dyn signature::RsaEncoding = match algorithm {
                    S::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
                    S::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
                    S::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
                    S::RsaPssSha256 => &signature::RSA_PSS_SHA256,
                    S::RsaPssSha384 => &signature::RSA_PSS_SHA384,
                    S::RsaPssSha512 => &signature::RSA_PSS_SHA512,
                    _ => return Err(CryptoError::Unsupported),
                };
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(encoding, &rand::SystemRandom::new(), message, &mut out)
                    .map_err(|_| CryptoError::Unsupported)?;
                Ok(out)
            }
            _ => Err(CryptoError::Unsupported),
        }
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }
}

fn ecdsa_sign(pair: &signature::EcdsaKeyPair, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
    pair.sign(&rand::SystemRandom::new(), message)
        .map(|sig| sig.as_ref().to_vec())
        .map_err(|_| CryptoError::Random)
}

fn is_rsa(algorithm: SignatureAlgorithm) -> bool {
    use SignatureAlgorithm as S;
    matches!(
        algorithm,
        S::RsaPkcs1Sha256
            | S::RsaPkcs1Sha384
            | S::RsaPkcs1Sha512
            | S::RsaPssSha256
            | S::RsaPssSha384
            | S::RsaPssSha512
    )
}

fn ecdsa_signing_algorithm(
    kind: KeyKind,
) -> Result<&'static signature::EcdsaSigningAlgorithm, CryptoError> {
    match kind {
        KeyKind::EcdsaP256 => Ok(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
        KeyKind::EcdsaP384 => Ok(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
        _ => Err(CryptoError::Unsupported),
    }
}

/// PKCS#8 (RFC 5958): the AlgorithmIdentifier inside says which kind; aws-lc-rs checks it,
/// so we try each kind in turn.
fn load_pkcs8(der: &[u8]) -> Result<AwsSigningKey, CryptoError> {
    if let Ok(pair) = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
        return ed25519_key(pair);
    }
    for kind in [KeyKind::EcdsaP256, KeyKind::EcdsaP384] {
        let alg = ecdsa_signing_algorithm(kind)?;
        if let Ok(pair) = signature::EcdsaKeyPair::from_pkcs8(alg, der) {
            return ecdsa_key(pair, kind);
        }
    }
    let pair = signature::RsaKeyPair::from_pkcs8(der).map_err(|_| CryptoError::BadPrivateKey)?;
    rsa_key(pair)
}

/// SEC1 `ECPrivateKey` (RFC 5915): the curve comes from its parameters.
fn load_sec1(der: &[u8]) -> Result<AwsSigningKey, CryptoError> {
    for kind in [KeyKind::EcdsaP256, KeyKind::EcdsaP384] {
        let alg = ecdsa_signing_algorithm(kind)?;
        if let Ok(pair) = signature::EcdsaKeyPair::from_private_key_der(alg, der) {
            return ecdsa_key(pair, kind);
        }
    }
    Err(CryptoError::BadPrivateKey)
}

fn ecdsa_key(pair: signature::EcdsaKeyPair, kind: KeyKind) -> Result<AwsSigningKey, CryptoError> {
    let spki = pair
        .public_key()
        .as_der()
        .map_err(|_| CryptoError::BadPrivateKey)?
        .as_ref()
        .to_vec();
    Ok(AwsSigningKey {
        inner: Inner::Ecdsa(pair),
        kind,
        spki,
    })
}

fn ed25519_key(pair: signature::Ed25519KeyPair) -> Result<AwsSigningKey, CryptoError> {
    let spki = pair
        .public_key()
        .as_der()
        .map_err(|_| CryptoError::BadPrivateKey)?
        .as_ref()
        .to_vec();
    Ok(AwsSigningKey {
        inner: Inner::Ed25519(pair),
        kind: KeyKind::Ed25519,
        spki,
    })
}

fn rsa_key(pair: signature::RsaKeyPair) -> Result<AwsSigningKey, CryptoError> {
    let bits = pair.public_modulus_len() * 8;
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        return Err(CryptoError::BadPrivateKey);
    }
    let spki = pair
        .public_key()
        .as_der()
        .map_err(|_| CryptoError::BadPrivateKey)?
        .as_ref()
        .to_vec();
    Ok(AwsSigningKey {
        inner: Inner::Rsa(pair),
        kind: KeyKind::Rsa(bits as u32),
        spki,
    })
}
