//! The crypto-only cost of a full TLS 1.3 handshake (X25519, ECDSA P-256,
//! TLS_AES_128_GCM_SHA256): the aws-lc calls each side cannot avoid, made directly through
//! padlock-crypto with nothing around them. A handshake's CPU divided by this is the
//! library's overhead factor (issue 15's target: ≤ 1.08 per side).
//!
//! What each side must do (RFC 8446 §4, §7):
//! - client: an X25519 key pair and agreement; verify the server's CertificateVerify and
//!   its certificate's signature by the CA (two ECDSA P-256 verifications), the CA's key
//!   parsed once beforehand (`Provider::parse_public_key`), as a trust anchor's is once
//!   per root store: parsing it is not work a handshake must repeat;
//! - server: an X25519 key pair and agreement; one ECDSA P-256 signature;
//! - both: the transcript hash over the handshake's bytes (≈ 2 KB here), 20 HMACs of the
//!   key schedule (extracts, the traffic and finished secrets, each record key and IV, the
//!   two Finished MACs), four AEAD keys and the encrypted handshake records (≈ 1.5 KB).
//!
//! And of a full TLS 1.2 handshake (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, X25519, the
//! Extended Master Secret), [`Ceiling::tls12_client`] and [`Ceiling::tls12_server`]
//! (RFC 5246 §5, §6.3, §7.4.9; RFC 7627; RFC 8422 §5.4):
//! - client: an X25519 key pair and agreement; verify the ServerKeyExchange signature and
//!   the certificate's signature by the CA (its key parsed beforehand, as above);
//! - server: an X25519 key pair and agreement; one ECDSA P-256 signature over the
//!   ServerKeyExchange parameters;
//! - both: the transcript hash over ≈ 1.3 KB, with two intermediate hashes (the session
//!   hash, which the client's Finished shares, and the hash before the server's Finished);
//!   the PRF — the master secret and the 40-byte key block (four HMACs each) and the two
//!   Finished (two each), on two HMAC keys (the pre-master and master secrets); two AEAD
//!   keys, each sealing a Finished record (opening one costs the same).

use padlock_crypto::{
    AeadAlgorithm, AwsLcProvider, HashAlgorithm, KeyExchangeAlgorithm, KeyKind, Provider,
    SignatureAlgorithm, SigningKey, VerifyingKey, NONCE_LEN,
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
/// TLS 1.2: bytes hashed into the transcript by each side (ClientHello 114, ServerHello 63,
/// a two-certificate chain 929, ServerKeyExchange 116, ServerHelloDone 4,
/// ClientKeyExchange 37, two Finished 16 each).
const TRANSCRIPT_12: usize = 1295;
/// TLS 1.2: a ServerKeyExchange's signed bytes (RFC 8422 §5.4): both randoms, then the
/// curve type, the named group and the length-prefixed X25519 point.
const SIGNED_PARAMS_12: usize = 64 + 4 + 32;
/// TLS 1.2: the Finished record (RFC 5288 §3): 8 bytes of explicit nonce, the 16-byte
/// Finished, the tag.
const FINISHED_RECORD_12: usize = 8 + 16;

/// Fixed inputs for the crypto-only handshake halves.
pub struct Ceiling {
    provider: AwsLcProvider,
    server_key: Box<dyn SigningKey>,
    server_point: Vec<u8>,
    /// The CA's key, parsed once: a trust anchor's.
    ca_key: Box<dyn VerifyingKey>,
    cv_signature: Vec<u8>,
    cert_signature: Vec<u8>,
    message: Vec<u8>,
    tbs: Vec<u8>,
    params_12: Vec<u8>,
    ske_signature: Vec<u8>,
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
        let params_12 = vec![0x5a; SIGNED_PARAMS_12];
        let ske_signature = sign(&*server_key, &params_12);
        Self {
            params_12,
            ske_signature,
            server_point: point(&*server_key),
            ca_key: provider
                .parse_public_key(SignatureAlgorithm::EcdsaP256Sha256, &point(&*ca_key))
                .expect("a P-256 key"),
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
        let shared = self.client_asymmetric(server_share, &self.message, &self.cv_signature);
        std::hint::black_box(shared);
        self.symmetric();
    }

    /// The client's X25519 key and agreement with `server_share`, then the server's
    /// signature (`signature` over `signed`) and the certificate's by the CA checked.
    fn client_asymmetric(
        &self,
        server_share: &[u8],
        signed: &[u8],
        signature: &[u8],
    ) -> padlock_crypto::SharedSecret {
        let p = &self.provider;
        let kx = p
            .start_key_exchange(KeyExchangeAlgorithm::X25519)
            .expect("X25519");
        std::hint::black_box(kx.public_key());
        let shared = kx.complete(server_share).expect("agrees");
        p.verify_signature(
            SignatureAlgorithm::EcdsaP256Sha256,
            &self.server_point,
            signed,
            signature,
        )
        .expect("verifies");
        self.ca_key
            .verify(&self.tbs, &self.cert_signature)
            .expect("verifies");
        shared
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

    /// The TLS 1.2 client's crypto for one handshake, answered by a server share made
    /// outside.
    pub fn tls12_client(&self, server_share: &[u8]) {
        let pre_master = self.client_asymmetric(server_share, &self.params_12, &self.ske_signature);
        self.symmetric_12(pre_master.as_ref());
    }

    /// The TLS 1.2 server's crypto for one handshake, answering `client_share`.
    pub fn tls12_server(&self, client_share: &[u8]) {
        let p = &self.provider;
        let answer = p
            .respond_to_key_share(KeyExchangeAlgorithm::X25519, client_share)
            .expect("X25519");
        std::hint::black_box(&answer.share);
        std::hint::black_box(
            self.server_key
                .sign(SignatureAlgorithm::EcdsaP256Sha256, &self.params_12)
                .expect("signs"),
        );
        self.symmetric_12(answer.secret.as_ref());
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

impl Ceiling {
    /// TLS 1.2's transcript hash, PRF HMACs, record keys and the Finished records.
    fn symmetric_12(&self, pre_master: &[u8]) {
        let p = &self.provider;
        let transcript_bytes = [0x16; TRANSCRIPT_12];
        let (before_finished, finished) = transcript_bytes.split_at(TRANSCRIPT_12 - 32);
        let mut transcript = p.hash(HashAlgorithm::Sha256);
        transcript.update(before_finished);
        let session_hash = transcript.fork_finish();
        transcript.update(&finished[..16]);
        let server_finished_hash = transcript.fork_finish();
        transcript.update(&finished[16..]);
        std::hint::black_box(transcript.finish());
        // The master secret: A(1), block 1, A(2), block 2 under the pre-master secret.
        let pre_master = p.hmac_key(HashAlgorithm::Sha256, pre_master);
        let mut master = [0u8; 48];
        prf_blocks(pre_master.as_ref(), session_hash.as_ref(), 2, &mut master);
        // The key block, then each Finished (one block each), under the master secret.
        let master = p.hmac_key(HashAlgorithm::Sha256, &master);
        let mut key_block = [0u8; 64];
        // "key expansion" + both randoms: 77 bytes of label and seed, as the label here (5)
        // and 72.
        prf_blocks(master.as_ref(), &[0x33; 72], 2, &mut key_block);
        for hash in [session_hash, server_finished_hash] {
            let mut verify_data = [0u8; 32];
            prf_blocks(master.as_ref(), hash.as_ref(), 1, &mut verify_data);
            std::hint::black_box(verify_data);
        }
        let mut record = [0u8; FINISHED_RECORD_12 + padlock_crypto::TAG_LEN];
        for key in [&key_block[..16], &key_block[16..32]] {
            let key = p.aead_key(AeadAlgorithm::Aes128Gcm, key).expect("key");
            let (body, tag) = record.split_at_mut(FINISHED_RECORD_12);
            let sealed = key
                .seal_in_place(&[0; NONCE_LEN], &[0x16, 3, 3, 0, 16], body)
                .expect("seals");
            tag.copy_from_slice(&sealed);
        }
    }
}

/// `blocks` hash-lengths of P_SHA256 output (RFC 5246 §5) into `out`: A(i), then the block,
/// for each; the label and seed are `"label"` and `seed`, of the real ones' block counts.
fn prf_blocks(key: &dyn padlock_crypto::HmacKey, seed: &[u8], blocks: usize, out: &mut [u8]) {
    let mut a = key.sign(&[b"label", seed]);
    for (i, chunk) in out.chunks_mut(32).take(blocks).enumerate() {
        if i > 0 {
            a = key.sign(&[a.as_ref()]);
        }
        let block = key.sign(&[a.as_ref(), b"label", seed]);
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
    }
}

/// The uncompressed point of a P-256 key: the last 65 bytes of its SubjectPublicKeyInfo.
fn point(key: &dyn SigningKey) -> Vec<u8> {
    let spki = key.public_key_spki();
    spki[spki.len() - 65..].to_vec()
}
