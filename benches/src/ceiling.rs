//! The crypto-only cost of a full TLS 1.3 handshake (X25519, ECDSA P-256,
//! TLS_AES_128_GCM_SHA256): the aws-lc calls each side cannot avoid, made directly through
//! padlock-crypto with nothing around them. A handshake's CPU divided by this is the
//! library's overhead factor (issue 15's target: ≤ 1.08 per side).
//!
//! What each side must do (RFC 8446 §4, §7):
//! - client: an X25519 key pair and agreement; verify the server's CertificateVerify and
//!   its certificate's signature by the CA (two ECDSA P-256 verifications);
//! - server: an X25519 key pair and agreement; one ECDSA P-256 signature;
//! - both: the transcript hash over the handshake's bytes (≈ 2 KB here), 20 HMACs of the
//!   key schedule (extracts, the traffic and finished secrets, each record key and IV, the
//!   two Finished MACs), four AEAD keys and the encrypted handshake records (≈ 1.5 KB).

use padlock_crypto::{
    AeadAlgorithm, AwsLcProvider, HashAlgorithm, KeyExchangeAlgorithm, KeyKind, Provider,
    SignatureAlgorithm, SigningKey, NONCE_LEN,
};

/// Bytes hashed into the transcript by each side in one handshake (ClientHello ≈ 250,
/// ServerHello ≈ 90, EncryptedExtensions, a two-certificate chain ≈ 1.1 KB,
/// CertificateVerify ≈ 80, two Finished).
const TRANSCRIPT: usize = 2048;
/// HMACs of the TLS 1.3 key schedule per side (HKDF-Extract twice, HKDF-Expand-Label for
/// the handshake, application and exporter secrets, a key and an IV for each of four
/// traffic secrets, two finished keys, two Finished MACs).
const HMACS: usize = 20;
/// Encrypted handshake bytes each side seals or opens.
const PROTECTED: usize = 1536;

/// Fixed inputs for the crypto-only handshake halves.
pub struct Ceiling {
    provider: AwsLcProvider,
    server_key: Box<dyn SigningKey>,
    server_point: Vec<u8>,
    ca_point: Vec<u8>,
    cv_signature: Vec<u8>,
    cert_signature: Vec<u8>,
    message: Vec<u8>,
    tbs: Vec<u8>,
}

impl Default for Ceiling {
    fn default() -> Self {
        Self::new()
    }
}

impl Ceiling {
    /// Generates a server key and a CA key and the signatures the client checks.
    pub fn new() -> Self {
        let provider = AwsLcProvider;
        let (server_key, _) = provider
            .generate_signing_key(KeyKind::EcdsaP256)
            .expect("P-256 key");
        let (ca_key, _) = provider
            .generate_signing_key(KeyKind::EcdsaP256)
            .expect("P-256 key");
        // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
        let mut message = vec![0x20; 64];
        message.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
        message.extend_from_slice(&[0xab; 32]);
        let tbs = vec![0x30; 400];
        let sign = |key: &dyn SigningKey, m: &[u8]| {
            key.sign(SignatureAlgorithm::EcdsaP256Sha256, m)
                .expect("signs")
        };
        let cv_signature = sign(&*server_key, &message);
        let cert_signature = sign(&*ca_key, &tbs);
        Self {
            server_point: point(&*server_key),
            ca_point: point(&*ca_key),
            provider,
            server_key,
            cv_signature,
            cert_signature,
            message,
            tbs,
        }
    }

    /// The client's crypto for one handshake, answered by a server share made outside.
    pub fn client(&self, server_share: &[u8]) {
        let p = &self.provider;
        let kx = p
            .start_key_exchange(KeyExchangeAlgorithm::X25519)
            .expect("X25519");
        std::hint::black_box(kx.public_key());
        std::hint::black_box(kx.complete(server_share).expect("agrees"));
        for (point, m, sig) in [
            (&self.server_point, &self.message, &self.cv_signature),
            (&self.ca_point, &self.tbs, &self.cert_signature),
        ] {
            p.verify_signature(SignatureAlgorithm::EcdsaP256Sha256, point, m, sig)
                .expect("verifies");
        }
        self.symmetric();
    }

    /// The server's crypto for one handshake, answering `client_share`.
    pub fn server(&self, client_share: &[u8]) {
        let p = &self.provider;
        let answer = p
            .respond_to_key_share(KeyExchangeAlgorithm::X25519, client_share)
            .expect("X25519");
        std::hint::black_box(answer);
        std::hint::black_box(
            self.server_key
                .sign(SignatureAlgorithm::EcdsaP256Sha256, &self.message)
                .expect("signs"),
        );
        self.symmetric();
    }

    /// An X25519 share (the peer's, made outside the measured half).
    pub fn share(&self) -> Vec<u8> {
        self.provider
            .start_key_exchange(KeyExchangeAlgorithm::X25519)
            .expect("X25519")
            .public_key()
            .to_vec()
    }

    /// Transcript hash, key schedule HMACs, record keys and the protected records.
    fn symmetric(&self) {
        let p = &self.provider;
        let mut transcript = p.hash(HashAlgorithm::Sha256);
        transcript.update(&[0x16; TRANSCRIPT]);
        let mut secret = transcript.finish();
        for _ in 0..HMACS {
            secret = p.hmac(HashAlgorithm::Sha256, secret.as_ref(), &[b"tls13 label"]);
        }
        let mut record = vec![0u8; PROTECTED / 4];
        for _ in 0..4 {
            let key = p
                .aead_key(AeadAlgorithm::Aes128Gcm, &secret.as_ref()[..16])
                .expect("key");
            let tag = key
                .seal_in_place(&[0; NONCE_LEN], &[0x17, 3, 3, 0, 0], &mut record)
                .expect("seals");
            std::hint::black_box(tag);
        }
    }
}

/// The uncompressed point of a P-256 key: the last 65 bytes of its SubjectPublicKeyInfo.
fn point(key: &dyn SigningKey) -> Vec<u8> {
    let spki = key.public_key_spki();
    spki[spki.len() - 65..].to_vec()
}
