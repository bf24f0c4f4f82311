//! The TLS 1.2 pseudorandom function and what is derived with it (RFC 5246 §5, §6.3, §7.4.9,
//! §8.1; RFC 7627 §4).
//!
//! The secrets are typestate: a [`MasterSecret`] is only made from a pre-master secret and
//! the hello randoms (or, with the Extended Master Secret, the session hash), and the
//! record keys and Finished values only from a master secret. Every secret is zeroed when
//! dropped.

use padlock_crypto::{AeadAlgorithm, HashAlgorithm, HmacKey, Provider};

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
    let key = provider.hmac_key(hash, secret);
    p_hash(key.as_ref(), label, seed, out);
}

fn p_hash(key: &dyn HmacKey, label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    let mut parts: Vec<&[u8]> = Vec::with_capacity(seed.len() + 2);
    parts.push(label);
    parts.extend_from_slice(seed);
    // A(1) = HMAC(secret, A(0)), A(0) = label + seed.
    let mut a = key.sign(&parts);
    // Each pass fills one hash length of `out`, which is finite.
    for chunk in out.chunks_mut(a.as_ref().len()) {
        let mut block_parts: Vec<&[u8]> = Vec::with_capacity(parts.len() + 1);
        block_parts.push(a.as_ref());
        block_parts.extend_from_slice(&parts);
        let block = key.sign(&block_parts);
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        a = key.sign(&[a.as_ref()]);
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
        Self { hash, secret }
    }

    /// A resumed session's master secret (RFC 5246 §7.3: an abbreviated handshake keeps
    /// the session's master secret and derives new keys from the new randoms).
    pub fn resumed(hash: HashAlgorithm, secret: &[u8]) -> Self {
        Self {
            hash,
            secret: Secret::new(secret),
        }
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
        let mut block = vec![0u8; 2 * (key_len + iv_len)];
        prf(
            provider,
            self.hash,
            self.secret.as_bytes(),
            b"key expansion",
            &[server_random, client_random],
            &mut block,
        );
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let keys = (
            RecordKeys::tls12(aead, client_key, client_iv),
            RecordKeys::tls12(aead, server_key, server_iv),
        );
        block.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&block);
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
        prf(
            provider,
            self.hash,
            self.secret.as_bytes(),
            label,
            &[handshake_hash],
            &mut out,
        );
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
            None => prf(
                provider,
                self.hash,
                self.secret.as_bytes(),
                label,
                &[client_random, server_random],
                out,
            ),
            Some(context) => {
                let len = u16::try_from(context.len()).map_err(|_| ContextTooLong)?;
                prf(
                    provider,
                    self.hash,
                    self.secret.as_bytes(),
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
    fn key_block_splits_keys_then_ivs() {
        let p = AwsLcProvider;
        let ms = MasterSecret {
            hash: HashAlgorithm::Sha256,
            secret: Secret::new(&[7; 48]),
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
