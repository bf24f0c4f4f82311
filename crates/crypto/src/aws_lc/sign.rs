//! Signatures on aws-lc-rs: verification under a raw public key, and private keys that sign.
//!
//! RSA keys are held to 2048..=8192 bits both ways: smaller keys are refused as
//! [`CryptoError::Unsupported`] when verifying and as [`CryptoError::BadPrivateKey`] when
//! loading.

use std::fmt;
use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::Pkcs1PrivateDecryptingKey;
use aws_lc_rs::signature::{self, KeyPair as _};
use aws_lc_rs::{digest, rand};

use crate::{CryptoError, KeyKind, PrivateKeyFormat, SharedSecret, SignatureAlgorithm, SigningKey};

/// Smallest RSA modulus we verify with or sign with, in bits.
const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus we verify with or sign with, in bits.
const RSA_MAX_BITS: usize = 8192;

/// Verifies `signature` over `message`; see [`crate::Provider::verify_signature`].
///
/// The public key is parsed (and, for EC keys, checked to lie on the curve) once and kept in
/// a small per-thread cache of recently used keys ([`KeyCache`]): certificate validation
/// checks every signature of an issuing CA with the same few keys (intermediates; a root
/// store keeps its anchors' keys parsed through [`parse_verifying_key`] instead), and
/// parsing a key costs about 2% of an ECDSA P-256 verification (for RSA, a good part of
/// one). Only the parse is cached, never a verification result.
pub(super) fn verify(
    algorithm: SignatureAlgorithm,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let verify_with =
        |key: &signature::ParsedPublicKey| verify_parsed(algorithm, key, message, signature);
    // `try_with` fails only while the thread is being torn down: then go without the cache.
    KEY_CACHE
        .try_with(|cache| {
            // A re-entrant call cannot happen (nothing below calls back here), but if the
            // cache were ever busy, parsing afresh is still correct.
            let Ok(mut cache) = cache.try_borrow_mut() else {
                return verify_with(&parse(algorithm, public_key)?);
            };
            verify_with(cache.get_or_parse(algorithm, public_key)?)
        })
        .unwrap_or_else(|_| verify_with(&parse(algorithm, public_key)?))
}

/// Verifies `signature` over `message` with `key`, parsed for `algorithm`.
fn verify_parsed(
    algorithm: SignatureAlgorithm,
    key: &signature::ParsedPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    match ecdsa_digest(algorithm) {
        // ECDSA signs a digest (SEC 1 §4.1.4): hashed here in one shot, the key verifies
        // it without the digest context and its copy that aws-lc's message-verifying call
        // allocates (EVP_DigestVerify).
        Some(hash) => key.verify_digest_sig(&digest::digest(hash, message), signature),
        None => key.verify_sig(message, signature),
    }
    .map_err(|_| CryptoError::BadSignature)
}

/// A public key parsed once for `algorithm`; see [`crate::Provider::parse_public_key`].
pub(super) fn parse_verifying_key(
    algorithm: SignatureAlgorithm,
    public_key: &[u8],
) -> Result<Box<dyn crate::VerifyingKey>, CryptoError> {
    Ok(Box::new(AwsVerifyingKey {
        algorithm,
        key: parse(algorithm, public_key)?,
    }))
}

/// An aws-lc-rs public key, parsed for one algorithm.
struct AwsVerifyingKey {
    algorithm: SignatureAlgorithm,
    key: signature::ParsedPublicKey,
}

impl crate::VerifyingKey for AwsVerifyingKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        verify_parsed(self.algorithm, &self.key, message, signature)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
}

impl fmt::Debug for AwsVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsVerifyingKey({:?})", self.algorithm)
    }
}

/// How many parsed public keys each thread keeps: enough for the anchors and intermediates
/// behind most of the Web PKI (a few dozen issuing CAs) alongside the leaf keys that pass
/// through once each, small enough to search linearly (a lookup compares lengths and, for
/// keys of the same length, usually just the first few bytes).
const KEY_CACHE_SIZE: usize = 16;

thread_local! {
    static KEY_CACHE: std::cell::RefCell<KeyCache> = const {
        std::cell::RefCell::new(KeyCache { keys: Vec::new() })
    };
}

/// Recently used parsed public keys, most recent first; at most [`KEY_CACHE_SIZE`]. An entry
/// matches only the exact key bytes and algorithm it was parsed for.
struct KeyCache {
    keys: Vec<(SignatureAlgorithm, signature::ParsedPublicKey)>,
}

impl KeyCache {
    fn get_or_parse(
        &mut self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
    ) -> Result<&signature::ParsedPublicKey, CryptoError> {
        let hit = self
            .keys
            .iter()
            .position(|(alg, key)| *alg == algorithm && key.as_ref() == public_key);
        match hit {
            Some(i) => {
                if let Some(recent) = self.keys.get_mut(..=i) {
                    recent.rotate_right(1);
                }
            }
            None => {
                let key = parse(algorithm, public_key)?;
                if self.keys.len() >= KEY_CACHE_SIZE {
                    self.keys.pop();
                }
                self.keys.insert(0, (algorithm, key));
            }
        }
        // Just found or inserted at the front.
        self.keys
            .first()
            .map(|(_, key)| key)
            .ok_or(CryptoError::BadPublicKey)
    }
}

/// Parses a public key (the `subjectPublicKey` BIT STRING contents) for `algorithm`.
fn parse(
    algorithm: SignatureAlgorithm,
    public_key: &[u8],
) -> Result<signature::ParsedPublicKey, CryptoError> {
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
        // Check the size first so an undersized key is told apart from a malformed one.
        let key = signature::RsaSubjectPublicKey::from_der(public_key)
            .map_err(|_| CryptoError::BadPublicKey)?;
        let bits = key.modulus_len() * 8;
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(CryptoError::Unsupported);
        }
    } else if algorithm == S::Ed25519 && public_key.len() != 32 {
        return Err(CryptoError::BadPublicKey);
    }
    signature::ParsedPublicKey::new(alg, public_key).map_err(|_| CryptoError::BadPublicKey)
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
    /// The signing key, and its decrypting form for TLS 1.2 RSA key transport, made on first
    /// use (most RSA keys only ever sign).
    Rsa(
        signature::RsaKeyPair,
        OnceLock<Result<Pkcs1PrivateDecryptingKey, CryptoError>>,
    ),
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
        let mut out = Vec::new();
        self.sign_to(algorithm, message, &mut out)?;
        Ok(out)
    }

    /// ECDSA and Ed25519 signatures come back from aws-lc-rs on the stack and are copied
    /// to `out`; RSA signs straight into it.
    fn sign_to(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        use SignatureAlgorithm as S;
        match (&self.inner, algorithm) {
            (Inner::Ecdsa(pair), S::EcdsaP256Sha256) if self.kind == KeyKind::EcdsaP256 => {
                ecdsa_sign(pair, algorithm, message, out)?;
            }
            (Inner::Ecdsa(pair), S::EcdsaP384Sha384) if self.kind == KeyKind::EcdsaP384 => {
                ecdsa_sign(pair, algorithm, message, out)?;
            }
            (Inner::Ed25519(pair), S::Ed25519) => {
                out.extend_from_slice(pair.sign(message).as_ref());
            }
            (Inner::Rsa(pair, _), _) => {
                let encoding: &'static dyn signature::RsaEncoding = match algorithm {
                    S::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
                    S::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
                    S::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
                    S::RsaPssSha256 => &signature::RSA_PSS_SHA256,
                    S::RsaPssSha384 => &signature::RSA_PSS_SHA384,
                    S::RsaPssSha512 => &signature::RSA_PSS_SHA512,
                    _ => return Err(CryptoError::Unsupported),
                };
                let start = out.len();
                out.resize(start + pair.public_modulus_len(), 0);
                let signed = match out.get_mut(start..) {
                    Some(room) => pair.sign(encoding, &rand::SystemRandom::new(), message, room),
                    None => return Err(CryptoError::BadLength),
                };
                if signed.is_err() {
                    out.truncate(start);
                    return Err(CryptoError::Unsupported);
                }
            }
            _ => return Err(CryptoError::Unsupported),
        }
        Ok(())
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }

    fn decrypt_pre_master_secret(
        &self,
        ciphertext: &[u8],
        client_version: [u8; 2],
    ) -> Result<SharedSecret, CryptoError> {
        let Inner::Rsa(pair, decrypting) = &self.inner else {
            return Err(CryptoError::Unsupported);
        };
        // Whether the key converts is a property of the key, not of the ciphertext.
        let key = decrypting
            .get_or_init(|| super::rsa_kx::decrypting_key(pair))
            .as_ref()
            .map_err(|e| *e)?;
        super::rsa_kx::decrypt(key, ciphertext, client_version)
    }
}

/// Signs the message's digest, hashed in one shot: the same signature as `pair.sign`, without
/// the digest context (and its copy) aws-lc allocates to hash inside the signing call. The
/// signature is appended to `out` where aws-lc-rs returns it (its `Signature` has room for
/// any RSA signature, so it is not moved around).
fn ecdsa_sign(
    pair: &signature::EcdsaKeyPair,
    algorithm: SignatureAlgorithm,
    message: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    let hash = ecdsa_digest(algorithm).ok_or(CryptoError::Unsupported)?;
    let signature = pair
        .sign_digest(&digest::digest(hash, message))
        .map_err(|_| CryptoError::Random)?;
    out.extend_from_slice(signature.as_ref());
    Ok(())
}

/// The hash an ECDSA scheme signs with (RFC 8446 §4.2.3), or `None` for the others.
fn ecdsa_digest(algorithm: SignatureAlgorithm) -> Option<&'static digest::Algorithm> {
    use SignatureAlgorithm as S;
    match algorithm {
        S::EcdsaP256Sha256 | S::EcdsaP384Sha256 => Some(&digest::SHA256),
        S::EcdsaP256Sha384 | S::EcdsaP384Sha384 => Some(&digest::SHA384),
        _ => None,
    }
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
        inner: Inner::Rsa(pair, OnceLock::new()),
        kind: KeyKind::Rsa(bits as u32),
        spki,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh P-256 key: its raw public point and a signature over `message`.
    fn p256_signed(message: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let pair = signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING)
            .expect("generate");
        let mut sig = Vec::new();
        ecdsa_sign(
            &pair,
            SignatureAlgorithm::EcdsaP256Sha256,
            message,
            &mut sig,
        )
        .expect("sign");
        (pair.public_key().as_ref().to_vec(), sig)
    }

    fn cached_keys() -> Vec<Vec<u8>> {
        KEY_CACHE.with(|c| {
            c.borrow()
                .keys
                .iter()
                .map(|(_, k)| k.as_ref().to_vec())
                .collect()
        })
    }

    #[test]
    fn a_cached_key_still_rejects_a_bad_signature() {
        let (key, sig) = p256_signed(b"message");
        for _ in 0..2 {
            assert_eq!(
                verify(S256, &key, b"message", &sig),
                Ok(()),
                "first use parses, second hits the cache"
            );
            assert_eq!(
                verify(S256, &key, b"messagf", &sig),
                Err(CryptoError::BadSignature)
            );
        }
    }

    #[test]
    fn a_cached_key_is_not_reused_for_other_key_bytes_or_algorithm() {
        let (key, sig) = p256_signed(b"m");
        let (other, _) = p256_signed(b"m");
        assert_eq!(verify(S256, &key, b"m", &sig), Ok(()));
        assert_eq!(
            verify(S256, &other, b"m", &sig),
            Err(CryptoError::BadSignature)
        );
        // Same bytes, another hash: a separate entry that does not verify a SHA-256 signature.
        assert_eq!(
            verify(SignatureAlgorithm::EcdsaP256Sha384, &key, b"m", &sig),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            verify(SignatureAlgorithm::EcdsaP384Sha384, &key, b"m", &sig),
            Err(CryptoError::BadPublicKey)
        );
    }

    #[test]
    fn the_cache_keeps_only_the_most_recently_used_keys() {
        let first = p256_signed(b"m");
        assert_eq!(verify(S256, &first.0, b"m", &first.1), Ok(()));
        for _ in 0..KEY_CACHE_SIZE - 1 {
            let (key, sig) = p256_signed(b"m");
            assert_eq!(verify(S256, &key, b"m", &sig), Ok(()));
        }
        // `first` is now the oldest; using it moves it to the front.
        assert_eq!(verify(S256, &first.0, b"m", &first.1), Ok(()));
        assert_eq!(cached_keys().first(), Some(&first.0));
        for _ in 0..KEY_CACHE_SIZE {
            let (key, sig) = p256_signed(b"m");
            assert_eq!(verify(S256, &key, b"m", &sig), Ok(()));
        }
        let keys = cached_keys();
        assert_eq!(keys.len(), KEY_CACHE_SIZE);
        assert!(!keys.contains(&first.0));
    }

    #[test]
    fn an_invalid_point_is_refused_and_not_cached() {
        let (mut key, sig) = p256_signed(b"m");
        if let Some(last) = key.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            verify(S256, &key, b"m", &sig),
            Err(CryptoError::BadPublicKey)
        );
        assert!(!cached_keys().contains(&key));
    }

    const S256: SignatureAlgorithm = SignatureAlgorithm::EcdsaP256Sha256;
}
