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

    /// Real RSA (the server decrypts with its real key, whose decryption never fails).
    fn rsa_encrypt_pre_master_secret(
        &self,
        spki: &[u8],
        pre_master_secret: &[u8; padlock_crypto::PRE_MASTER_SECRET_LEN],
    ) -> Result<Vec<u8>, CryptoError> {
        AwsLcProvider.rsa_encrypt_pre_master_secret(spki, pre_master_secret)
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
                signature_schemes: None,
            });
            Arc::new(padlock_tls::ServerConfig::new(provider, cert))
        })
        .clone()
}

/// The TLS 1.2 server of the `tls12_server_state` target, over [`NullCrypto`], made once
/// per process: TLS 1.2 only, an RSA-2048 key (so both ECDHE_RSA and, with the opt-in on,
/// RSA key transport are reachable) in a [`bare_certificate`].
pub fn null_tls12_server_config() -> std::sync::Arc<padlock_tls::ServerConfig> {
    use std::sync::{Arc, OnceLock};
    static CONFIG: OnceLock<Arc<padlock_tls::ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider: Arc<dyn Provider> = Arc::new(NullCrypto);
            let (key, _) = provider
                .generate_signing_key(KeyKind::Rsa(2048))
                .expect("key generation");
            let cert = Arc::new(padlock_tls::CertifiedKey {
                chain: vec![bare_certificate(&key.public_key_spki())],
                key: Arc::from(key),
                signature_schemes: None,
            });
            let mut config = padlock_tls::ServerConfig::new(provider, cert);
            config.versions = vec![padlock_tls::ProtocolVersion::TLSv1_2];
            config.legacy_rsa_key_exchange = true;
            config.cipher_suites.extend(RSA_KEY_TRANSPORT);
            Arc::new(config)
        })
        .clone()
}

/// The TLS 1.2 client of the `tls12_client_state` target, over [`NullCrypto`]: TLS 1.2
/// only, RSA key transport allowed, any server certificate accepted.
pub fn null_tls12_client_config() -> std::sync::Arc<padlock_tls::ClientConfig> {
    use std::sync::{Arc, OnceLock};
    static CONFIG: OnceLock<Arc<padlock_tls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut config = padlock_tls::ClientConfig::new(
                Arc::new(NullCrypto),
                Arc::new(padlock_tls::danger::NoServerVerification),
            );
            config.versions = vec![padlock_tls::ProtocolVersion::TLSv1_2];
            config.legacy_rsa_key_exchange = true;
            config.cipher_suites.extend(RSA_KEY_TRANSPORT);
            Arc::new(config)
        })
        .clone()
}

const RSA_KEY_TRANSPORT: [padlock_tls::CipherSuite; 2] = [
    padlock_tls::CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
    padlock_tls::CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/// A minimal X.509 v3 certificate for the key `spki` (CN=fuzz, no extensions, so any key
/// usage is allowed; the signature is zeros): enough for the engine's own reading of its
/// certificate and a client's (which, over [`NullCrypto`], accepts any signature).
pub fn bare_certificate(spki: &[u8]) -> Vec<u8> {
    use padlock_pki::ca::der_writer::DerWriter;
    use padlock_pki::UnixTime;
    const SHA256_WITH_RSA: [u64; 7] = [1, 2, 840, 113_549, 1, 1, 11];
    let algorithm = |w: &mut DerWriter| {
        w.sequence(|w| {
            w.oid(&SHA256_WITH_RSA);
            w.null();
        })
    };
    let name = |w: &mut DerWriter| {
        w.sequence(|w| {
            w.set(|w| {
                w.sequence(|w| {
                    w.oid(&[2, 5, 4, 3]);
                    w.utf8_string("fuzz");
                })
            })
        })
    };
    let mut w = DerWriter::new();
    w.sequence(|w| {
        w.sequence(|w| {
            w.explicit(0, |w| w.integer(2));
            w.integer(1);
            algorithm(w);
            name(w);
            w.sequence(|w| {
                w.time(UnixTime(1_700_000_000));
                w.time(UnixTime(4_000_000_000));
            });
            name(w);
            w.raw(spki);
        });
        algorithm(w);
        w.bit_string(&[0; 256]);
    });
    w.finish()
}

/// Feeds `data` to a server `Connection` in pieces of 1000 bytes, as a peer would, draining
/// both directions after each (plaintext through the zero-copy reader, which must only ever
/// say "would block" when it is empty). Used by `server_state` and `tls12_server_state`.
pub fn drive_server(config: std::sync::Arc<padlock_tls::ServerConfig>, data: &[u8]) {
    use std::io::{BufRead, ErrorKind};
    let mut conn = padlock_tls::Connection::server(config).expect("server starts");
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
        let pending = conn.pending_tls().len();
        conn.consume_tls(pending);
        let mut reader = conn.reader();
        loop {
            match reader.fill_buf() {
                Ok([]) => break,
                Ok(piece) => {
                    let n = piece.len();
                    reader.consume(n);
                }
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::WouldBlock);
                    break;
                }
            }
        }
    }
}

/// Feeds `data` to a client `Connection` for `fuzz.example` in pieces of 1000 bytes,
/// draining both directions after each. Used by `client_state` and `tls12_client_state`.
pub fn drive_client(config: std::sync::Arc<padlock_tls::ClientConfig>, data: &[u8]) {
    let name = padlock_tls::ServerName::try_from("fuzz.example").expect("valid name");
    let mut conn = padlock_tls::Connection::client(config, name).expect("client starts");
    let mut plaintext = [0u8; 4096];
    for chunk in data.chunks(1000) {
        if conn.read_tls(chunk) == 0 || conn.process_new_packets().is_err() {
            break;
        }
        let pending = conn.pending_tls().len();
        conn.consume_tls(pending);
        while conn.read_plaintext(&mut plaintext) > 0 {}
    }
}
