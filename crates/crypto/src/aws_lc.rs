//! The aws-lc-rs implementation of [`crate::Provider`].
//!
//! Hashes, HMAC, AEAD and key exchange live here; signing and verification in
//! [`sign`](self::sign); TLS 1.2 RSA key transport in [`rsa_kx`](self::rsa_kx). Every aws-lc-rs error is mapped to a coarse [`CryptoError`].

#[cfg(feature = "insecure-fixed-keys")]
pub(crate) mod fixed;
mod hybrid;
mod rsa_kx;
mod sign;

use std::sync::OnceLock;

use aws_lc_rs::{aead, agreement, digest, hkdf, hmac, rand};

use crate::{
    AeadAlgorithm, CryptoError, Digest, HashAlgorithm, HashContext, KeyExchangeAlgorithm, KeyKind,
    KeyShareResponse, PrivateKeyFormat, Provider, SharedSecret, SignatureAlgorithm, SigningKey,
    NONCE_LEN, PRE_MASTER_SECRET_LEN, TAG_LEN,
};

/// The aws-lc-rs provider: a unit struct, cheap to copy, safe to share.
#[derive(Debug, Default, Clone, Copy)]
pub struct AwsLcProvider;

impl Provider for AwsLcProvider {
    fn fill_random(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        rand::fill(out).map_err(|_| CryptoError::Random)
    }

    fn hash(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        Box::new(AwsHashContext::new(algorithm))
    }

    /// Not boxed: the aws-lc-rs context itself.
    fn hash_inline(&self, algorithm: HashAlgorithm) -> crate::InlineHashContext {
        crate::InlineHashContext::aws_lc(AwsHashContext::new(algorithm))
    }

    /// One shot, on aws-lc's own one-shot hash: no context to allocate.
    fn hash_once(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        Digest::new(digest::digest(digest_algorithm(algorithm), data).as_ref())
    }

    fn hmac(&self, algorithm: HashAlgorithm, key: &[u8], data: &[&[u8]]) -> Digest {
        sign_parts(&hmac::Key::new(hmac_algorithm(algorithm), key), data)
    }

    fn hmac_key(&self, algorithm: HashAlgorithm, key: &[u8]) -> Box<dyn crate::HmacKey + '_> {
        Box::new(AwsHmacKey::new(algorithm, key))
    }

    fn owned_hmac_key(
        &self,
        algorithm: HashAlgorithm,
        key: &[u8],
    ) -> Option<Box<dyn crate::HmacKey>> {
        Some(Box::new(AwsHmacKey::new(algorithm, key)))
    }

    /// The key lives on this stack frame: no allocation.
    fn with_hmac_key(
        &self,
        algorithm: HashAlgorithm,
        key: &[u8],
        f: &mut dyn FnMut(&dyn crate::HmacKey),
    ) {
        f(&AwsHmacKey {
            algorithm,
            key: hmac::Key::new(hmac_algorithm(algorithm), key),
        });
    }

    /// The all-zero key of each hash is set up once for the process.
    fn hmac_zero_key(&self, algorithm: HashAlgorithm, data: &[&[u8]]) -> Digest {
        static ZERO_KEYS: OnceLock<[AwsHmacKey; 3]> = OnceLock::new();
        let keys = ZERO_KEYS.get_or_init(|| {
            let zeros = [0u8; crate::MAX_HASH_LEN];
            [
                HashAlgorithm::Sha256,
                HashAlgorithm::Sha384,
                HashAlgorithm::Sha512,
            ]
            .map(|alg| AwsHmacKey::new(alg, &zeros[..alg.output_len()]))
        });
        let key = match algorithm {
            HashAlgorithm::Sha256 => &keys[0],
            HashAlgorithm::Sha384 => &keys[1],
            HashAlgorithm::Sha512 => &keys[2],
        };
        crate::HmacKey::sign(key, data)
    }

    /// aws-lc's `HKDF_expand`: its HMAC context and the concatenated `info` live on the
    /// stack for the call (aws-lc-rs puts `info` of up to 80 bytes there, which every TLS
    /// 1.3 label with a SHA-256 or SHA-384 context fits; longer info is copied to the heap).
    fn hkdf_expand(
        &self,
        algorithm: HashAlgorithm,
        prk: &[u8],
        info: &[&[u8]],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let algorithm = match algorithm {
            HashAlgorithm::Sha256 => hkdf::HKDF_SHA256,
            HashAlgorithm::Sha384 => hkdf::HKDF_SHA384,
            HashAlgorithm::Sha512 => hkdf::HKDF_SHA512,
        };
        if prk.len() > digest::MAX_OUTPUT_LEN {
            return Err(CryptoError::BadLength);
        }
        hkdf::Prk::new_less_safe(algorithm, prk)
            .expand(info, OutputLen(out.len()))
            .and_then(|okm| okm.fill(out))
            .map_err(|_| CryptoError::BadLength)
    }

    fn aead_key(
        &self,
        algorithm: AeadAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn crate::AeadKey>, CryptoError> {
        Ok(Box::new(AwsAeadKey::new(algorithm, key)?))
    }

    /// Not boxed: the aws-lc-rs key itself.
    fn aead_key_inline(
        &self,
        algorithm: AeadAlgorithm,
        key: &[u8],
    ) -> Result<crate::InlineAeadKey, CryptoError> {
        AwsAeadKey::new(algorithm, key).map(crate::InlineAeadKey::aws_lc)
    }

    fn start_key_exchange(
        &self,
        group: KeyExchangeAlgorithm,
    ) -> Result<Box<dyn crate::KeyExchange>, CryptoError> {
        match hybrid::Layout::of(group) {
            Some(layout) => hybrid::start(group, layout, start_diffie_hellman),
            None => start_diffie_hellman(group),
        }
    }

    /// Not boxed for (EC)DH: the aws-lc-rs key itself. A hybrid is boxed.
    fn start_key_exchange_inline(
        &self,
        group: KeyExchangeAlgorithm,
    ) -> Result<crate::InlineKeyExchange, CryptoError> {
        match hybrid::Layout::of(group) {
            Some(layout) => hybrid::start(group, layout, start_diffie_hellman)
                .map(crate::InlineKeyExchange::boxed),
            None => diffie_hellman_key(group).map(crate::InlineKeyExchange::aws_lc),
        }
    }

    /// Diffie-Hellman answers with a fresh key of our own; the ML-KEM groups encapsulate
    /// (draft-ietf-tls-ecdhe-mlkem §3.1.2).
    fn respond_to_key_share(
        &self,
        group: KeyExchangeAlgorithm,
        peer_share: &[u8],
    ) -> Result<KeyShareResponse, CryptoError> {
        if let Some(layout) = hybrid::Layout::of(group) {
            return hybrid::respond(layout, peer_share, start_diffie_hellman);
        }
        // Not boxed: this key lives only for this call.
        diffie_hellman_key(group)?.respond(peer_share)
    }

    /// For X25519, whose private key is any 32 bytes (RFC 7748 §5), the key and `random`
    /// come from one draw; the other groups draw their key in aws-lc, `random` apart.
    fn respond_to_key_share_with_random(
        &self,
        group: KeyExchangeAlgorithm,
        peer_share: &[u8],
        random: &mut [u8],
    ) -> Result<KeyShareResponse, CryptoError> {
        if !draws_with_key(group, random) {
            self.fill_random(random)?;
            return self.respond_to_key_share(group, peer_share);
        }
        x25519_key_with_random(random)?.respond(peer_share)
    }

    /// As [`Self::respond_to_key_share_with_random`]: one draw for an X25519 key and
    /// `random`.
    fn start_key_exchange_inline_with_random(
        &self,
        group: KeyExchangeAlgorithm,
        random: &mut [u8],
    ) -> Result<crate::InlineKeyExchange, CryptoError> {
        if !draws_with_key(group, random) {
            self.fill_random(random)?;
            return self.start_key_exchange_inline(group);
        }
        x25519_key_with_random(random).map(crate::InlineKeyExchange::aws_lc)
    }

    fn verify_signature(
        &self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        sign::verify(algorithm, public_key, message, signature)
    }

    /// The aws-lc-rs key, parsed and (for EC) checked on its curve here, once.
    fn parse_public_key(
        &self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
    ) -> Result<Box<dyn crate::VerifyingKey>, CryptoError> {
        sign::parse_verifying_key(algorithm, public_key)
    }

    fn load_signing_key(
        &self,
        der: &[u8],
        format: PrivateKeyFormat,
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        sign::load(der, format)
    }

    fn generate_signing_key(
        &self,
        kind: KeyKind,
    ) -> Result<(Box<dyn SigningKey>, Vec<u8>), CryptoError> {
        sign::generate(kind)
    }

    fn rsa_encrypt_pre_master_secret(
        &self,
        spki: &[u8],
        pre_master_secret: &[u8; PRE_MASTER_SECRET_LEN],
    ) -> Result<Vec<u8>, CryptoError> {
        rsa_kx::encrypt(spki, pre_master_secret)
    }
}

/// The length of an X25519 private key (RFC 7748 §5).
const X25519_KEY_LEN: usize = 32;

/// The most random bytes drawn together with an X25519 key: a TLS random (RFC 8446 §4.1.3)
/// and a legacy session id.
const X25519_WITH_RANDOM_MAX: usize = 64;

/// Whether a key for `group` is drawn in one call with `random`: X25519's, whose private
/// key is any 32 bytes (RFC 7748 §5). The NIST curves' keys are drawn by aws-lc, which
/// keeps each scalar below the group order.
fn draws_with_key(group: KeyExchangeAlgorithm, random: &[u8]) -> bool {
    group == KeyExchangeAlgorithm::X25519 && random.len() <= X25519_WITH_RANDOM_MAX
}

/// A fresh X25519 key and `random` (at most [`X25519_WITH_RANDOM_MAX`] bytes), filled in
/// one call to the generator: each call has a fixed cost (aws-lc mixes in fresh entropy
/// and takes a lock), and both are needed now. Nothing drawn is kept beyond the key.
fn x25519_key_with_random(random: &mut [u8]) -> Result<AwsKeyExchange, CryptoError> {
    let mut drawn = [0u8; X25519_WITH_RANDOM_MAX + X25519_KEY_LEN];
    let drawn_here = drawn
        .get_mut(..random.len() + X25519_KEY_LEN)
        .ok_or(CryptoError::BadLength)?;
    let key = rand::fill(drawn_here)
        .map_err(|_| CryptoError::Random)
        .and_then(|()| {
            let (ours, key) = drawn_here.split_at(random.len());
            random.copy_from_slice(ours);
            let private = agreement::PrivateKey::from_private_key(&agreement::X25519, key)
                .map_err(|_| CryptoError::Random)?;
            AwsKeyExchange::new(KeyExchangeAlgorithm::X25519, OurPrivateKey::Drawn(private))
        });
    // The last 32 bytes were the private key, which aws-lc now holds.
    drawn.fill(0);
    std::hint::black_box(&drawn);
    key
}

/// A fresh ephemeral (EC)DH key for `group`, as a [`crate::KeyExchange`].
fn start_diffie_hellman(
    group: KeyExchangeAlgorithm,
) -> Result<Box<dyn crate::KeyExchange>, CryptoError> {
    Ok(Box::new(diffie_hellman_key(group)?))
}

/// A fresh ephemeral (EC)DH key for `group` and its encoded share.
///
/// An X25519 key is 32 bytes drawn here and loaded ([`x25519_key_with_random`], RFC 7748
/// §5): the same draw aws-lc's key generation makes, without the `EVP_PKEY_CTX` it
/// allocates and frees around it.
fn diffie_hellman_key(group: KeyExchangeAlgorithm) -> Result<AwsKeyExchange, CryptoError> {
    if group == KeyExchangeAlgorithm::X25519 {
        return x25519_key_with_random(&mut []);
    }
    let alg = agreement_algorithm(group)?;
    let private = agreement::EphemeralPrivateKey::generate(alg, &rand::SystemRandom::new())
        .map_err(|_| CryptoError::Random)?;
    AwsKeyExchange::new(group, OurPrivateKey::Generated(private))
}

/// An (EC)DH share, inline: at most an uncompressed P-384 point (97 bytes).
struct PublicShare {
    buf: [u8; PublicShare::MAX],
    len: usize,
}

impl PublicShare {
    const MAX: usize = 97;

    fn new(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut buf = [0u8; Self::MAX];
        buf.get_mut(..bytes.len())
            .ok_or(CryptoError::Unsupported)?
            .copy_from_slice(bytes);
        Ok(Self {
            buf,
            len: bytes.len(),
        })
    }
}

/// The (EC)DH algorithm of a Diffie-Hellman group; `Unsupported` for a KEM group.
fn agreement_algorithm(
    group: KeyExchangeAlgorithm,
) -> Result<&'static agreement::Algorithm, CryptoError> {
    match group {
        KeyExchangeAlgorithm::X25519 => Ok(&agreement::X25519),
        KeyExchangeAlgorithm::P256 => Ok(&agreement::ECDH_P256),
        KeyExchangeAlgorithm::P384 => Ok(&agreement::ECDH_P384),
        _ => Err(CryptoError::Unsupported),
    }
}

fn digest_algorithm(algorithm: HashAlgorithm) -> &'static digest::Algorithm {
    match algorithm {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

fn hmac_algorithm(algorithm: HashAlgorithm) -> hmac::Algorithm {
    match algorithm {
        HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
        HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
        HashAlgorithm::Sha512 => hmac::HMAC_SHA512,
    }
}

/// An incremental hash: `digest::Context` is `Clone`, which gives `fork` and `fork_finish`.
#[derive(Clone)]
pub(crate) struct AwsHashContext {
    algorithm: HashAlgorithm,
    ctx: digest::Context,
}

impl AwsHashContext {
    fn new(algorithm: HashAlgorithm) -> Self {
        Self {
            algorithm,
            ctx: digest::Context::new(digest_algorithm(algorithm)),
        }
    }

    /// [`HashContext::finish`] on a context that was never boxed.
    pub(crate) fn finish_here(self) -> Digest {
        Digest::new(self.ctx.finish().as_ref())
    }
}

impl HashContext for AwsHashContext {
    fn update(&mut self, data: &[u8]) {
        self.ctx.update(data);
    }

    fn fork_finish(&self) -> Digest {
        Digest::new(self.ctx.clone().finish().as_ref())
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(self.clone())
    }

    fn finish(self: Box<Self>) -> Digest {
        Digest::new(self.ctx.finish().as_ref())
    }

    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }
}

/// An HKDF output length, as aws-lc-rs' `hkdf::Prk::expand` takes it.
struct OutputLen(usize);

impl hkdf::KeyType for OutputLen {
    fn len(&self) -> usize {
        self.0
    }
}

/// An HMAC key whose inner and outer states were set up once, in [`hmac::Key::new`]; each
/// `sign` starts from a copy of them. aws-lc cleanses the states when the key is dropped.
struct AwsHmacKey {
    algorithm: HashAlgorithm,
    key: hmac::Key,
}

impl AwsHmacKey {
    fn new(algorithm: HashAlgorithm, key: &[u8]) -> Self {
        Self {
            algorithm,
            key: hmac::Key::new(hmac_algorithm(algorithm), key),
        }
    }
}

impl crate::HmacKey for AwsHmacKey {
    fn sign(&self, data: &[&[u8]]) -> Digest {
        sign_parts(&self.key, data)
    }

    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }
}

/// The HMAC under `key` of the pieces of `data`, as if concatenated.
///
/// Every MAC starts from a copy of the key's keyed state (aws-lc-rs clones its ~1.2 KB
/// `HMAC_CTX` per MAC; no safe API reuses one). Input in one piece, or short input in a
/// few (every TLS use: a hash, an HKDF block's `T(i-1) | info | i`, a PRF seed), joined on
/// the stack, is MACed through [`hmac::sign_to_buffer`], which finishes the context in
/// place: [`hmac::Context::sign`] takes the context by value and so moves those 1.2 KB
/// once more, and each extra `update` is one more call into aws-lc.
fn sign_parts(key: &hmac::Key, data: &[&[u8]]) -> Digest {
    let mut out = [0u8; digest::MAX_OUTPUT_LEN];
    // `sign_to_buffer` fails only for an output buffer shorter than the tag, which `out`
    // never is; should it fail, the MAC is computed the long way below.
    if let [one] = data {
        if let Ok(tag) = hmac::sign_to_buffer(key, one, &mut out) {
            return Digest::new(tag);
        }
    }
    const JOINED_MAX: usize = 256;
    let len: usize = data.iter().map(|part| part.len()).sum();
    let mut joined = [0u8; JOINED_MAX];
    if let Some(buf) = joined.get_mut(..len) {
        let mut at = 0;
        for part in data {
            // A block counter is one byte and a first HKDF block's T(0) none: stored
            // without a call to memcpy each.
            match part {
                [] => {}
                [byte] => buf[at] = *byte,
                _ => buf[at..at + part.len()].copy_from_slice(part),
            }
            at += part.len();
        }
        let tag = hmac::sign_to_buffer(key, buf, &mut out)
            .ok()
            .map(|tag| Digest::new(tag));
        // The input may be key material (an HKDF block's T(i-1)): wipe the copy.
        buf.fill(0);
        std::hint::black_box(&joined);
        if let Some(tag) = tag {
            return tag;
        }
    }
    let mut ctx = hmac::Context::with_key(key);
    for part in data {
        ctx.update(part);
    }
    Digest::new(ctx.sign().as_ref())
}

/// An AEAD key. `LessSafeKey` because TLS supplies its own per-record nonce (RFC 8446 §5.3).
pub(crate) struct AwsAeadKey {
    algorithm: AeadAlgorithm,
    key: aead::LessSafeKey,
}

impl AwsAeadKey {
    fn new(algorithm: AeadAlgorithm, key: &[u8]) -> Result<Self, CryptoError> {
        if key.len() != algorithm.key_len() {
            return Err(CryptoError::BadLength);
        }
        let alg = match algorithm {
            AeadAlgorithm::Aes128Gcm => &aead::AES_128_GCM,
            AeadAlgorithm::Aes256Gcm => &aead::AES_256_GCM,
            AeadAlgorithm::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        };
        let unbound = aead::UnboundKey::new(alg, key).map_err(|_| CryptoError::BadLength)?;
        Ok(Self {
            algorithm,
            key: aead::LessSafeKey::new(unbound),
        })
    }
}

impl crate::AeadKey for AwsAeadKey {
    fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        let nonce = aead::Nonce::assume_unique_for_key(*nonce);
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, aead::Aad::from(aad), in_out)
            .map_err(|_| CryptoError::BadLength)?;
        let mut out = [0u8; TAG_LEN];
        let tag = tag.as_ref();
        if tag.len() != TAG_LEN {
            return Err(CryptoError::Unsupported);
        }
        out.copy_from_slice(tag);
        Ok(out)
    }

    fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        if in_out.len() < TAG_LEN {
            return Err(CryptoError::Decrypt);
        }
        let nonce = aead::Nonce::assume_unique_for_key(*nonce);
        let plain = self
            .key
            .open_in_place(nonce, aead::Aad::from(aad), in_out)
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(plain.len())
    }

    fn seal_to(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        extra: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        if out.len() != plaintext.len() + extra.len() + TAG_LEN {
            return Err(CryptoError::BadLength);
        }
        let (body, extra_and_tag) = out.split_at_mut(plaintext.len());
        let nonce = aead::Nonce::assume_unique_for_key(*nonce);
        self.key
            .seal_out_of_place_scatter(
                nonce,
                aead::Aad::from(aad),
                plaintext,
                body,
                extra,
                extra_and_tag,
            )
            .map_err(|_| CryptoError::BadLength)
    }

    fn open_to(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let body_len = ciphertext
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(CryptoError::Decrypt)?;
        if out.len() != body_len {
            return Err(CryptoError::BadLength);
        }
        let (body, tag) = ciphertext.split_at(body_len);
        let nonce = aead::Nonce::assume_unique_for_key(*nonce);
        self.key
            .open_separate_gather(nonce, aead::Aad::from(aad), body, tag, out)
            .map_err(|_| CryptoError::Decrypt)
    }

    fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }
}

/// RFC 8446 §4.2.8.2: NIST shares are uncompressed points only (0x04 || X || Y); X25519
/// shares are exactly 32 bytes. Anything else is refused before aws-lc sees it (it would
/// also accept compressed points and SPKI encodings).
pub(crate) fn check_peer_share(
    group: KeyExchangeAlgorithm,
    peer_public_key: &[u8],
) -> Result<(), CryptoError> {
    let ok = match group {
        KeyExchangeAlgorithm::X25519 => peer_public_key.len() == 32,
        KeyExchangeAlgorithm::P256 => {
            peer_public_key.len() == 65 && peer_public_key.first() == Some(&0x04)
        }
        KeyExchangeAlgorithm::P384 => {
            peer_public_key.len() == 97 && peer_public_key.first() == Some(&0x04)
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(CryptoError::BadPublicKey)
    }
}

/// An ephemeral (EC)DH private key and our encoded share.
pub(crate) struct AwsKeyExchange {
    group: KeyExchangeAlgorithm,
    private: OurPrivateKey,
    public: PublicShare,
}

/// Our (EC)DH private key: generated by aws-lc, or made from bytes we drew together with
/// other random values of the same step ([`x25519_key_with_random`]).
enum OurPrivateKey {
    Generated(agreement::EphemeralPrivateKey),
    Drawn(agreement::PrivateKey),
}

impl crate::KeyExchange for AwsKeyExchange {
    fn public_key(&self) -> &[u8] {
        &self.public.buf[..self.public.len]
    }

    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, CryptoError> {
        (*self).agree(peer_public_key)
    }

    fn algorithm(&self) -> KeyExchangeAlgorithm {
        self.group
    }
}

impl AwsKeyExchange {
    /// Our key for `group` with its encoded share. For the NIST curves aws-lc-rs returns
    /// the uncompressed point (SEC1 §2.3.3), which is what RFC 8446 §4.2.8.2 puts on the
    /// wire; for X25519 the 32 raw bytes.
    fn new(group: KeyExchangeAlgorithm, private: OurPrivateKey) -> Result<Self, CryptoError> {
        let public = match &private {
            OurPrivateKey::Generated(key) => key.compute_public_key(),
            OurPrivateKey::Drawn(key) => key.compute_public_key(),
        }
        .map_err(|_| CryptoError::Random)?;
        let public = PublicShare::new(public.as_ref())?;
        Ok(Self {
            group,
            private,
            public,
        })
    }

    /// The responder's answer with this (fresh) key: our share, and the agreement with
    /// the initiator's `peer_share`.
    fn respond(self, peer_share: &[u8]) -> Result<KeyShareResponse, CryptoError> {
        let share = crate::ShareBytes::from_slice(crate::KeyExchange::public_key(&self));
        let secret = self.agree(peer_share)?;
        Ok(KeyShareResponse { share, secret })
    }

    /// [`crate::KeyExchange::complete`], on a key that was never boxed.
    pub(crate) fn agree(self, peer_public_key: &[u8]) -> Result<SharedSecret, CryptoError> {
        check_peer_share(self.group, peer_public_key)?;
        let kdf = |bytes: &[u8]| Ok(SharedSecret::from_slice(bytes));
        // aws-lc checks the point is on the curve, and for X25519 refuses an all-zero
        // output (RFC 7748 §6.1, RFC 8446 §7.4.2).
        let secret = match self.private {
            OurPrivateKey::Generated(private) => {
                let peer = agreement::UnparsedPublicKey::new(private.algorithm(), peer_public_key);
                agreement::agree_ephemeral(private, peer, CryptoError::BadPublicKey, kdf)
            }
            OurPrivateKey::Drawn(private) => {
                let peer = agreement::UnparsedPublicKey::new(private.algorithm(), peer_public_key);
                agreement::agree(&private, peer, CryptoError::BadPublicKey, kdf)
            }
        }?;
        if secret.as_ref().iter().all(|b| *b == 0) {
            return Err(CryptoError::BadPublicKey);
        }
        Ok(secret)
    }
}

#[cfg(test)]
mod tests;
