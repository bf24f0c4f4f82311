//! Shared pieces for the fuzz targets.
//!
//! [`NullCrypto`] is a provider with no security at all, so that the state-machine targets
//! can reach past the first plaintext flight: HMAC (and so HKDF, every traffic key and
//! every Finished `verify_data`) is all zeros, the AEAD is the identity with an all-zero
//! tag, and every signature verifies. A fuzzer can then write an "encrypted" record by
//! hand: `17 03 03 <len> <plaintext> <content type> <16 zero bytes>`, and a Finished is
//! `14 00 00 20` followed by 32 (SHA-256 suites) or 48 (SHA-384) zero bytes. TEST ONLY.
#![forbid(unsafe_code)]

use padlock_crypto::{
    AeadAlgorithm, AeadKey, AwsLcProvider, CryptoError, Digest, HashAlgorithm, HashContext,
    KeyExchange, KeyExchangeAlgorithm, KeyKind, PrivateKeyFormat, Provider, SignatureAlgorithm,
    SigningKey, NONCE_LEN, TAG_LEN,
};

/// A provider without security (see the crate docs). Real hashes and key exchange (the
/// engine checks their shapes); everything secret-dependent is constant.
#[derive(Debug, Default)]
pub struct NullCrypto;

impl Provider for NullCrypto {
    /// Deterministic "randomness": the client's random and legacy_session_id are 32 bytes
    /// of 0x5a each, so a hand-written ServerHello can echo the session id.
    fn fill_random(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        out.fill(0x5a);
        Ok(())
    }

    fn hash(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        AwsLcProvider.hash(algorithm)
    }

    fn hmac(&self, algorithm: HashAlgorithm, _key: &[u8], _data: &[&[u8]]) -> Digest {
        Digest::new(&[0; 64][..algorithm.output_len()])
    }

    fn aead_key(
        &self,
        algorithm: AeadAlgorithm,
        _key: &[u8],
    ) -> Result<Box<dyn AeadKey>, CryptoError> {
        Ok(Box::new(NullAead(algorithm)))
    }

    fn start_key_exchange(
        &self,
        group: KeyExchangeAlgorithm,
    ) -> Result<Box<dyn KeyExchange>, CryptoError> {
        AwsLcProvider.start_key_exchange(group)
    }

    /// Delegated too: the trait's default is Diffie-Hellman-shaped, and the ML-KEM groups
    /// (X25519MLKEM768, the default) answer by encapsulating.
    fn respond_to_key_share(
        &self,
        group: KeyExchangeAlgorithm,
        peer_share: &[u8],
    ) -> Result<padlock_crypto::KeyShareResponse, CryptoError> {
        AwsLcProvider.respond_to_key_share(group, peer_share)
    }

    fn verify_signature(
        &self,
        _algorithm: SignatureAlgorithm,
        _public_key: &[u8],
        _message: &[u8],
        _signature: &[u8],
    ) -> Result<(), CryptoError> {
        Ok(())
    }

    fn load_signing_key(
        &self,
        der: &[u8],
        format: PrivateKeyFormat,
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        AwsLcProvider.load_signing_key(der, format)
    }

    fn generate_signing_key(
        &self,
        kind: KeyKind,
    ) -> Result<(Box<dyn SigningKey>, Vec<u8>), CryptoError> {
        AwsLcProvider.generate_signing_key(kind)
    }
}

/// The identity "AEAD": plaintext on the wire followed by a zero tag.
struct NullAead(AeadAlgorithm);

impl AeadKey for NullAead {
    fn seal_in_place(
        &self,
        _nonce: &[u8; NONCE_LEN],
        _aad: &[u8],
        _in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        Ok([0; TAG_LEN])
    }

    fn open_in_place(
        &self,
        _nonce: &[u8; NONCE_LEN],
        _aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        in_out
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(CryptoError::Decrypt)
    }

    fn algorithm(&self) -> AeadAlgorithm {
        self.0
    }
}

/// A server configuration over [`NullCrypto`], made once per process. The certificate
/// bytes are never parsed by the server itself.
pub fn null_server_config() -> std::sync::Arc<padlock_tls::ServerConfig> {
    use std::sync::{Arc, OnceLock};
    static CONFIG: OnceLock<Arc<padlock_tls::ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider: Arc<dyn Provider> = Arc::new(NullCrypto);
            let (key, _) = provider
                .generate_signing_key(KeyKind::EcdsaP256)
                .expect("key generation");
            let cert = Arc::new(padlock_tls::CertifiedKey {
                chain: vec![vec![0x30, 0x00]],
                key: Arc::from(key),
            });
            Arc::new(padlock_tls::ServerConfig::new(provider, cert))
        })
        .clone()
}
