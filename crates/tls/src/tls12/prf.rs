//! The TLS 1.2 pseudorandom function and what is derived with it (RFC 5246 §5, §6.3, §7.4.9,
//! §8.1; RFC 7627 §4).
//!
//! The secrets are typestate: a [`MasterSecret`] is only made from a pre-master secret and
//! the hello randoms (or, with the Extended Master Secret, the session hash), and the
//! record keys and Finished values only from a master secret. Every secret is zeroed when
//! dropped.

use padlock_crypto::{AeadAlgorithm, HashAlgorithm, HmacKey, Provider, NONCE_LEN};

use crate::hkdf::Secret;
use crate::record::{RecordError, RecordKeys};

/// The length of the master secret (RFC 5246 §8.1): always 48 bytes.
pub const MASTER_SECRET_LEN: usize = 48;

/// The length of Finished.verify_data for every suite we speak (RFC 5246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;

/// `PRF(secret, label, seed) = P_<hash>(secret, label + seed)` (RFC 5246 §5), filling `out`.
/// `seed` is given in parts, concatenated.
///
/// ```text
/// P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
///                        HMAC_hash(secret, A(2) + seed) + ...
/// A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
/// ```
pub fn prf(
    provider: &dyn Provider,
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    seed: &[&[u8]],
    out: &mut [u8],
) {
    // The key lives for this call only: set up on the stack where the provider can.
    crate::hkdf::with_hmac_key(provider, hash, secret, |key| {
        p_hash(key, label, seed, out);
    });
}

/// P_hash over `label + seed` (RFC 5246 §5) with the HMAC `key` set up over the secret.
/// The blocks of `out` each take two HMACs (A(i), then the block); the A after the last
/// block is never computed, as nothing uses it.
fn p_hash(key: &dyn HmacKey, label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    // label + seed, joined once (every block's HMAC reads it): on the stack when it fits,
    // as every label and seed of the handshake does.
    let len = label.len() + seed.iter().map(|s| s.len()).sum::<usize>();
    let mut on_stack = [0u8; 128];
    let mut on_heap = Vec::new();
    let label_seed: &mut [u8] = match on_stack.get_mut(..len) {
        Some(buf) => buf,
        None => {
            on_heap.resize(len, 0);
            &mut on_heap
        }
    };
    let mut at = 0;
    for part in std::iter::once(&label).chain(seed) {
        label_seed[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    let label_seed = &*label_seed;
    // A(1) = HMAC(secret, A(0)), A(0) = label + seed.
    let mut a = key.sign(&[label_seed]);
    let mut chunks = out.chunks_mut(a.as_ref().len()).peekable();
    // Each pass fills one hash length of `out`, which is finite.
    while let Some(chunk) = chunks.next() {
        let block = key.sign(&[a.as_ref(), label_seed]);
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        if chunks.peek().is_some() {
            a = key.sign(&[a.as_ref()]);
        }
    }
}

/// How the master secret is bound to its handshake.
#[derive(Clone, Copy, Debug)]
pub enum MasterSecretSeed<'a> {
    /// RFC 7627 §4: `"extended master secret"` over the session hash — the hash of every
    /// handshake message up to and including the ClientKeyExchange.
    Extended {
        /// Hash(handshake_messages) through ClientKeyExchange.
        session_hash: &'a [u8],
    },
    /// RFC 5246 §8.1: `"master secret"` over ClientHello.random + ServerHello.random.
    Classic {
        /// ClientHello.random.
        client_random: &'a [u8; 32],
        /// ServerHello.random.
        server_random: &'a [u8; 32],
    },
}

/// Which side's Finished (RFC 5246 §7.4.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// `"client finished"`.
    Client,
    /// `"server finished"`.
    Server,
}

/// The 48-byte master secret of a TLS 1.2 session (RFC 5246 §8.1), with the suite's PRF
/// hash. Zeroed when dropped.
pub struct MasterSecret {
    hash: HashAlgorithm,
    secret: Secret,
    /// The HMAC key over `secret`, set up once for the key block and both Finished
    /// messages; `None` once the handshake is over, or when the provider only lends keys.
    key: Option<Box<dyn HmacKey>>,
}

impl MasterSecret {
    /// master_secret = PRF(pre_master_secret, label, seed)[0..47] (RFC 5246 §8.1, RFC 7627
    /// §4). The pre-master secret is the ECDH result (RFC 8422 §5.10) or the decrypted RSA
    /// pre-master secret (RFC 5246 §7.4.7.1).
    pub fn new(
        provider: &dyn Provider,
        hash: HashAlgorithm,
        pre_master_secret: &[u8],
        seed: MasterSecretSeed<'_>,
    ) -> Self {
        let mut out = [0u8; MASTER_SECRET_LEN];
        match seed {
            MasterSecretSeed::Extended { session_hash } => prf(
                provider,
                hash,
                pre_master_secret,
                b"extended master secret",
                &[session_hash],
                &mut out,
            ),
            MasterSecretSeed::Classic {
                client_random,
                server_random,
            } => prf(
                provider,
                hash,
                pre_master_secret,
                b"master secret",
                &[client_random, server_random],
                &mut out,
            ),
        }
        let secret = Secret::new(&out);
        out.iter_mut().for_each(|b| *b = 0);
        let key = provider.owned_hmac_key(hash, secret.as_bytes());
        Self { hash, secret, key }
    }

    /// PRF(master_secret, label, seed) into `out`, on the key set up in [`Self::new`] while
    /// there is one.
    fn prf(&self, provider: &dyn Provider, label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
        match &self.key {
            Some(key) => p_hash(key.as_ref(), label, seed, out),
            None => prf(
                provider,
                self.hash,
                self.secret.as_bytes(),
                label,
                seed,
                out,
            ),
        }
    }

    /// Drops the HMAC key (hundreds of bytes of hash state) and keeps the secret: what a
    /// finished handshake keeps for the exporter, which is rarely called.
    pub fn drop_key(&mut self) {
        self.key = None;
    }

    /// A resumed session's master secret (RFC 5246 §7.3: an abbreviated handshake keeps
    /// the session's master secret and derives new keys from the new randoms).
    pub fn resumed(provider: &dyn Provider, hash: HashAlgorithm, secret: &[u8]) -> Self {
        let secret = Secret::new(secret);
        let key = provider.owned_hmac_key(hash, secret.as_bytes());
        Self { hash, secret, key }
    }

    /// The secret bytes, for the key log (`CLIENT_RANDOM`, NSS format).
    pub fn as_bytes(&self) -> &[u8] {
        self.secret.as_bytes()
    }

    /// The record keys for both directions (RFC 5246 §6.3):
    ///
    /// ```text
    /// key_block = PRF(master_secret, "key expansion",
    ///                 server_random + client_random);
    /// client_write_key, server_write_key, client_write_IV, server_write_IV
    /// ```
    ///
    /// AEAD suites have no MAC keys (RFC 5246 §6.2.3.3). The IV is the 4-byte implicit
    /// salt for AES-GCM (RFC 5288 §3) and the 12-byte IV for ChaCha20-Poly1305 (RFC 7905
    /// §2).
    pub fn key_block(
        &self,
        provider: &dyn Provider,
        aead: AeadAlgorithm,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<KeyBlock, RecordError> {
        let key_len = aead.key_len();
        let iv_len = fixed_iv_len(aead);
        // Two keys and two IVs of the largest AEAD we speak (32 + 12 bytes each) fit.
        let mut buf = [0u8; 2 * (32 + NONCE_LEN)];
        let block = buf
            .get_mut(..2 * (key_len + iv_len))
            .ok_or(RecordError::BadKeyLength)?;
        self.prf(
            provider,
            b"key expansion",
            &[server_random, client_random],
            block,
        );
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let keys = (
            RecordKeys::tls12(aead, client_key, client_iv),
            RecordKeys::tls12(aead, server_key, server_iv),
        );
        buf.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&buf);
        Ok(KeyBlock {
            client: keys.0?,
            server: keys.1?,
        })
    }

    /// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))
    /// [0..verify_data_length-1] (RFC 5246 §7.4.9), 12 bytes.
    pub fn verify_data(
        &self,
        provider: &dyn Provider,
        sender: Sender,
        handshake_hash: &[u8],
    ) -> [u8; VERIFY_DATA_LEN] {
        let label: &[u8] = match sender {
            Sender::Client => b"client finished",
            Sender::Server => b"server finished",
        };
        let mut out = [0u8; VERIFY_DATA_LEN];
        self.prf(provider, label, &[handshake_hash], &mut out);
        out
    }

    /// Keying material exporter (RFC 5705 §4): PRF(master_secret, label, client_random +
    /// server_random [+ context_length + context]).
    pub fn export(
        &self,
        provider: &dyn Provider,
        label: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), ContextTooLong> {
        match context {
            None => self.prf(provider, label, &[client_random, server_random], out),
            Some(context) => {
                let len = u16::try_from(context.len()).map_err(|_| ContextTooLong)?;
                self.prf(
                    provider,
                    label,
                    &[client_random, server_random, &len.to_be_bytes(), context],
                    out,
                )
            }
        }
        Ok(())
    }
}

/// An exporter context longer than the 2^16 − 1 bytes RFC 5705 §4 can encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextTooLong;

/// The two directions' record keys from the key block (RFC 5246 §6.3).
pub struct KeyBlock {
    /// Protects what the client sends.
    pub client: RecordKeys,
    /// Protects what the server sends.
    pub server: RecordKeys,
}

/// SecurityParameters.fixed_iv_length: the implicit part of the nonce — 4 bytes of salt
/// for AES-GCM (RFC 5288 §3), the whole 12-byte IV for ChaCha20-Poly1305 (RFC 7905 §2).
pub fn fixed_iv_len(aead: AeadAlgorithm) -> usize {
    match aead {
        AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => 4,
        _ => 12,
    }
}

#[cfg(test)]
mod tests {
    use padlock_crypto::AwsLcProvider;

    use super::*;

    #[test]
    fn prf_output_of_any_length_is_a_prefix_of_a_longer_one() {
        let p = AwsLcProvider;
        let mut long = [0u8; 100];
        prf(&p, HashAlgorithm::Sha256, b"k", b"l", &[b"s"], &mut long);
        for len in [0, 1, 31, 32, 33, 64, 99] {
            let mut short = vec![0u8; len];
            prf(&p, HashAlgorithm::Sha256, b"k", b"l", &[b"s"], &mut short);
            assert_eq!(short, long[..len]);
        }
    }

    #[test]
    fn seed_parts_are_concatenated() {
        let p = AwsLcProvider;
        let mut a = [0u8; 48];
        let mut b = [0u8; 48];
        prf(
            &p,
            HashAlgorithm::Sha384,
            b"k",
            b"l",
            &[b"ab", b"cd"],
            &mut a,
        );
        prf(&p, HashAlgorithm::Sha384, b"k", b"l", &[b"abcd"], &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn a_seed_longer_than_the_stack_buffer_is_joined_the_same_way() {
        // An exporter context can make label + seed any length (RFC 5705 §4).
        let p = AwsLcProvider;
        let long = [0x42u8; 300];
        let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
        prf(
            &p,
            HashAlgorithm::Sha256,
            b"k",
            b"l",
            &[&long[..100], &long[100..]],
            &mut a,
        );
        let key = p.hmac_key(HashAlgorithm::Sha256, b"k");
        // P_hash by the RFC's letter (RFC 5246 §5), label + seed joined by hand.
        let mut seed = b"l".to_vec();
        seed.extend_from_slice(&long);
        let a1 = key.sign(&[&seed]);
        let a2 = key.sign(&[a1.as_ref()]);
        b[..32].copy_from_slice(key.sign(&[a1.as_ref(), &seed]).as_ref());
        b[32..].copy_from_slice(&key.sign(&[a2.as_ref(), &seed]).as_ref()[..8]);
        assert_eq!(a, b);
    }

    #[test]
    fn master_secret_derives_the_same_with_or_without_its_own_key() {
        let p = AwsLcProvider;
        let seed = MasterSecretSeed::Extended {
            session_hash: &[3; 32],
        };
        let with_key = MasterSecret::new(&p, HashAlgorithm::Sha256, &[9; 32], seed);
        let mut without_key = MasterSecret::new(&p, HashAlgorithm::Sha256, &[9; 32], seed);
        without_key.drop_key();
        assert!(with_key.key.is_some() && without_key.key.is_none());
        for sender in [Sender::Client, Sender::Server] {
            assert_eq!(
                with_key.verify_data(&p, sender, &[5; 32]),
                without_key.verify_data(&p, sender, &[5; 32])
            );
        }
        let (cr, sr) = ([1; 32], [2; 32]);
        let (a, b) = (
            with_key
                .key_block(&p, AeadAlgorithm::Aes256Gcm, &cr, &sr)
                .unwrap(),
            without_key
                .key_block(&p, AeadAlgorithm::Aes256Gcm, &cr, &sr)
                .unwrap(),
        );
        assert_eq!(a.client.key(), b.client.key());
        assert_eq!(a.server.iv(), b.server.iv());
    }

    #[test]
    fn key_block_splits_keys_then_ivs() {
        let p = AwsLcProvider;
        let ms = MasterSecret {
            hash: HashAlgorithm::Sha256,
            secret: Secret::new(&[7; 48]),
            key: p.owned_hmac_key(HashAlgorithm::Sha256, &[7; 48]),
        };
        let (cr, sr) = ([1; 32], [2; 32]);
        let mut block = [0u8; 40];
        prf(
            &p,
            HashAlgorithm::Sha256,
            &[7; 48],
            b"key expansion",
            &[&sr, &cr],
            &mut block,
        );
        let keys = ms
            .key_block(&p, AeadAlgorithm::Aes128Gcm, &cr, &sr)
            .unwrap();
        assert_eq!(keys.client.key(), &block[..16]);
        assert_eq!(keys.server.key(), &block[16..32]);
        assert_eq!(&keys.client.iv()[..4], &block[32..36]);
        assert_eq!(&keys.server.iv()[..4], &block[36..40]);
        assert_eq!(keys.client.iv()[4..], [0; 8]);
    }
}
