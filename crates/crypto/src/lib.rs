//! padlock's crypto provider: the one small trait through which every other padlock crate
//! reaches a cipher, hash, curve or RSA, and its implementation on `aws-lc-rs`.
//!
//! `padlock-pki` and `padlock-tls` depend on this crate with default features off: they see
//! only [`Provider`] and the object traits it hands out, and take a provider from their
//! caller. The `aws-lc-rs` feature (on by default) adds [`AwsLcProvider`], the only code in
//! the workspace that touches aws-lc-rs.
//!
//! Nothing here implements a primitive by hand. Protocol constructions built *from* these
//! primitives (HKDF, the TLS 1.2 PRF, the TLS 1.3 key schedule) live in `padlock-tls`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
#[cfg(feature = "aws-lc-rs")]
pub use aws_lc::AwsLcProvider;

/// **Test only**: key exchanges from given private keys, to replay published traces
/// (RFC 8448). Built only with the `insecure-fixed-keys` feature, which no production
/// crate enables; see the module's documentation for what it costs.
#[cfg(feature = "insecure-fixed-keys")]
pub mod insecure_fixed_keys {
    pub use crate::aws_lc::fixed::{
        kem_key_exchange_from_private_keys, key_exchange_from_private_key,
    };
}

/// The provider: everything padlock needs from a crypto library.
///
/// Object-safe, so callers hold a `&'static dyn Provider` or `Arc<dyn Provider>`.
pub trait Provider: Send + Sync + fmt::Debug {
    /// Fills `out` with cryptographically secure random bytes.
    fn fill_random(&self, out: &mut [u8]) -> Result<(), CryptoError>;

    /// Starts an incremental hash.
    fn hash(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext>;

    /// [`Self::hash`], held by value (a handshake transcript keeps one for the whole
    /// handshake): aws-lc-rs's context without a box. The default boxes [`Self::hash`].
    fn hash_inline(&self, algorithm: HashAlgorithm) -> InlineHashContext {
        InlineHashContext::boxed(self.hash(algorithm))
    }

    /// HMAC (RFC 2104) of the concatenation of `data` under `key`.
    fn hmac(&self, algorithm: HashAlgorithm, key: &[u8], data: &[&[u8]]) -> Digest;

    /// An HMAC key (RFC 2104) set up once, to MAC several messages under the same `key`:
    /// HKDF-Expand's T(1), T(2), … blocks (RFC 5869 §2.3) and a TLS 1.3 secret expanded
    /// into several labels (RFC 8446 §7.1) share their PRK.
    ///
    /// `hmac_key(a, k).sign(d)` equals `hmac(a, k, d)`. The default keeps a copy of `key`
    /// (zeroed on drop) and calls [`Self::hmac`] each time; a provider overrides it to do the
    /// key setup (hashing the padded key into the inner and outer states) only once.
    fn hmac_key(&self, algorithm: HashAlgorithm, key: &[u8]) -> Box<dyn HmacKey + '_> {
        one_shot_hmac_key(self, algorithm, key)
    }

    /// An HMAC key like [`Self::hmac_key`] that borrows nothing from the provider, so a
    /// handshake can keep it from one step to the next: the TLS 1.2 master secret keys the
    /// key block and both Finished messages (RFC 5246 §6.3, §7.4.9). `None` (the default)
    /// when the provider has only the borrowing kind; the caller then sets a key up per use.
    fn owned_hmac_key(&self, _algorithm: HashAlgorithm, _key: &[u8]) -> Option<Box<dyn HmacKey>> {
        None
    }

    /// Calls `f` once with an HMAC key for `key`, set up once as by [`Self::hmac_key`], for a
    /// caller that needs the key only for the call: a provider can keep the key on the
    /// stack instead of allocating it. The default boxes [`Self::hmac_key`].
    fn with_hmac_key(&self, algorithm: HashAlgorithm, key: &[u8], f: &mut dyn FnMut(&dyn HmacKey)) {
        f(self.hmac_key(algorithm, key).as_ref());
    }

    /// HMAC under HashLen zero bytes: HKDF-Extract when no salt is given (RFC 5869 §2.2),
    /// as TLS 1.3's Early Secret is `HKDF-Extract(0, PSK)` (RFC 8446 §7.1). The key is a
    /// constant, so a provider may set it up once for the process. The default is
    /// [`Self::hmac`] with that key.
    fn hmac_zero_key(&self, algorithm: HashAlgorithm, data: &[&[u8]]) -> Digest {
        let zeros = [0u8; MAX_HASH_LEN];
        self.hmac(algorithm, &zeros[..algorithm.output_len()], data)
    }

    /// HKDF-Expand(PRK, info, L) into `out` (L = `out.len()`; RFC 5869 §2.3) in one call,
    /// `info` given in pieces MACed as if concatenated. For a PRK expanded once: a
    /// provider with a one-shot HKDF sets the key up on its own stack, with no keyed
    /// context handed back and forth. Fails with [`CryptoError::BadLength`] for more than
    /// 255 × HashLen bytes. The default is [`CryptoError::Unsupported`]: HKDF is protocol
    /// code, and the caller (`padlock-tls`) then runs it on [`Self::with_hmac_key`].
    fn hkdf_expand(
        &self,
        _algorithm: HashAlgorithm,
        _prk: &[u8],
        _info: &[&[u8]],
        _out: &mut [u8],
    ) -> Result<(), CryptoError> {
        Err(CryptoError::Unsupported)
    }

    /// Makes an AEAD key for sealing and opening records. `key.len()` must equal
    /// `algorithm.key_len()`.
    fn aead_key(
        &self,
        algorithm: AeadAlgorithm,
        key: &[u8],
    ) -> Result<Box<dyn AeadKey>, CryptoError>;

    /// [`Self::aead_key`], held by value: a record layer keeps one per direction for the
    /// life of a connection, and a provider known to this crate (aws-lc-rs) puts its key
    /// there without a box. The default boxes [`Self::aead_key`].
    fn aead_key_inline(
        &self,
        algorithm: AeadAlgorithm,
        key: &[u8],
    ) -> Result<InlineAeadKey, CryptoError> {
        self.aead_key(algorithm, key).map(InlineAeadKey::boxed)
    }

    /// The initiator's (TLS client's) side of a key exchange: makes a fresh key pair whose
    /// public share is sent first, and which [`KeyExchange::complete`] later combines with
    /// the responder's answer. For Diffie-Hellman that is an ephemeral private key; for a
    /// KEM it is a decapsulation key (the share is the encapsulation key, the answer a
    /// ciphertext).
    fn start_key_exchange(
        &self,
        group: KeyExchangeAlgorithm,
    ) -> Result<Box<dyn KeyExchange>, CryptoError>;

    /// [`Self::start_key_exchange`], held by value (a client keeps one per key share it
    /// offers until the server answers): aws-lc-rs's (EC)DH key without a box. The default
    /// boxes [`Self::start_key_exchange`].
    fn start_key_exchange_inline(
        &self,
        group: KeyExchangeAlgorithm,
    ) -> Result<InlineKeyExchange, CryptoError> {
        self.start_key_exchange(group).map(InlineKeyExchange::boxed)
    }

    /// [`Self::start_key_exchange_inline`], with `random` filled with fresh random bytes
    /// drawn for the same step (a TLS client's random and legacy session id beside its key
    /// share, RFC 8446 §4.1.2), in one call to the generator where the provider draws the
    /// key itself. Nothing is kept for a later call.
    ///
    /// The default draws `random` with [`Self::fill_random`], then starts the exchange.
    fn start_key_exchange_inline_with_random(
        &self,
        group: KeyExchangeAlgorithm,
        random: &mut [u8],
    ) -> Result<InlineKeyExchange, CryptoError> {
        self.fill_random(random)?;
        self.start_key_exchange_inline(group)
    }

    /// The responder's (TLS server's) side of a key exchange, in one step: answers the
    /// initiator's `peer_share` with our share and the shared secret (RFC 8446 §4.2.8: the
    /// server's KeyShareEntry in its ServerHello). For Diffie-Hellman that is generating an
    /// ephemeral key and agreeing; for a KEM it is encapsulating to the peer's key, which has
    /// no key pair of our own — so a KEM provider must override this method.
    ///
    /// The default is the Diffie-Hellman shape on [`Self::start_key_exchange`]. Fails with
    /// [`CryptoError::BadPublicKey`] on a malformed or invalid `peer_share`.
    fn respond_to_key_share(
        &self,
        group: KeyExchangeAlgorithm,
        peer_share: &[u8],
    ) -> Result<KeyShareResponse, CryptoError> {
        KeyShareResponse::agree(self.start_key_exchange(group)?, peer_share)
    }

    /// [`Self::respond_to_key_share`], with `random` filled with fresh random bytes drawn
    /// for the same step (the TLS server's random beside its key share, RFC 8446 §4.1.3): a
    /// provider that draws the key's secret itself may draw both in one call to its
    /// generator, since each call has a fixed cost. Nothing is kept for a later call.
    ///
    /// The default draws `random` with [`Self::fill_random`], then responds.
    fn respond_to_key_share_with_random(
        &self,
        group: KeyExchangeAlgorithm,
        peer_share: &[u8],
        random: &mut [u8],
    ) -> Result<KeyShareResponse, CryptoError> {
        self.fill_random(random)?;
        self.respond_to_key_share(group, peer_share)
    }

    /// Verifies `signature` over `message` with a public key.
    ///
    /// `public_key` is the content of the SubjectPublicKeyInfo's `subjectPublicKey` BIT
    /// STRING: an `RSAPublicKey` DER for RSA, the uncompressed SEC1 point for ECDSA, the 32
    /// raw bytes for Ed25519. ECDSA signatures are the DER `Ecdsa-Sig-Value` of X.509 and TLS.
    /// The caller has already checked that the key's curve matches `algorithm`.
    fn verify_signature(
        &self,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// Parses `public_key` (as [`Self::verify_signature`] takes it) once, for verifying
    /// many signatures of `algorithm` with it: a trust anchor's key checks every chain that
    /// leads to the anchor, and parsing it (for an EC key, decoding the point and checking
    /// it is on the curve) is work a validation need not repeat. Fails as
    /// [`Self::verify_signature`] would on a bad key.
    ///
    /// The default is [`CryptoError::Unsupported`]: the caller then verifies with
    /// [`Self::verify_signature`] each time.
    fn parse_public_key(
        &self,
        _algorithm: SignatureAlgorithm,
        _public_key: &[u8],
    ) -> Result<Box<dyn VerifyingKey>, CryptoError> {
        Err(CryptoError::Unsupported)
    }

    /// Loads a private key for signing from DER.
    fn load_signing_key(
        &self,
        der: &[u8],
        format: PrivateKeyFormat,
    ) -> Result<Box<dyn SigningKey>, CryptoError>;

    /// Generates a new signing key; returns it with its PKCS#8 DER encoding (for storage).
    fn generate_signing_key(
        &self,
        kind: KeyKind,
    ) -> Result<(Box<dyn SigningKey>, Vec<u8>), CryptoError>;

    /// The client's half of TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1): encrypts the
    /// 48-byte `pre_master_secret` to the server's RSA key with RSAES-PKCS1-v1_5 (RFC 8017
    /// §7.2.1). `spki` is the server certificate's whole SubjectPublicKeyInfo DER; the key
    /// must be RSA of 2048 to 8192 bits. Returns the ciphertext, as long as the modulus.
    ///
    /// The default is [`CryptoError::Unsupported`].
    fn rsa_encrypt_pre_master_secret(
        &self,
        _spki: &[u8],
        _pre_master_secret: &[u8; PRE_MASTER_SECRET_LEN],
    ) -> Result<Vec<u8>, CryptoError> {
        Err(CryptoError::Unsupported)
    }

    /// One-shot hash of `data`.
    fn hash_once(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        let mut ctx = self.hash(algorithm);
        ctx.update(data);
        ctx.finish()
    }
}

/// An incremental hash in progress.
pub trait HashContext: Send + Sync {
    /// Feeds more input.
    fn update(&mut self, data: &[u8]);
    /// The hash of what was fed so far, leaving `self` usable (the TLS transcript needs
    /// intermediate values).
    fn fork_finish(&self) -> Digest;
    /// A copy of this context.
    fn fork(&self) -> Box<dyn HashContext>;
    /// The final hash.
    fn finish(self: Box<Self>) -> Digest;
    /// Which hash this is.
    fn algorithm(&self) -> HashAlgorithm;
}

/// An HMAC key ready to sign (RFC 2104), from [`Provider::hmac_key`].
///
/// Holds key material: implementations zero or free it when dropped.
pub trait HmacKey: Send + Sync {
    /// HMAC of the concatenation of `data` under this key.
    fn sign(&self, data: &[&[u8]]) -> Digest;
    /// Which hash this is.
    fn algorithm(&self) -> HashAlgorithm;
}

/// An AEAD key (RFC 5116) for one direction of a connection.
///
/// Records are sealed and opened either in place in one buffer or from one buffer into
/// another ([`AeadKey::seal_to`], [`AeadKey::open_to`]); neither copies a record first.
pub trait AeadKey: Send + Sync {
    /// Encrypts `in_out` in place and returns the authentication tag.
    fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError>;

    /// Decrypts `in_out` (ciphertext followed by the tag) in place; returns the plaintext
    /// length. On failure the buffer's contents are unspecified.
    fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, CryptoError>;

    /// Encrypts `plaintext` followed by `extra` into `out`, which must be exactly
    /// `plaintext.len() + extra.len() + TAG_LEN` bytes: the ciphertext, then the tag. The
    /// caller's plaintext is read once and never copied first (TLS 1.3 passes its inner
    /// content type as `extra`, RFC 8446 §5.2; TLS 1.2 an empty `extra`).
    ///
    /// The default copies both into `out` and seals there; a provider whose AEAD encrypts
    /// from one buffer into another overrides it.
    fn seal_to(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        extra: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let inner_len = plaintext.len() + extra.len();
        if out.len() != inner_len + TAG_LEN {
            return Err(CryptoError::BadLength);
        }
        let (inner, tag) = out.split_at_mut(inner_len);
        let (body, rest) = inner.split_at_mut(plaintext.len());
        body.copy_from_slice(plaintext);
        rest.copy_from_slice(extra);
        tag.copy_from_slice(&self.seal_in_place(nonce, aad, inner)?);
        Ok(())
    }

    /// Decrypts `ciphertext` (followed by the tag) into `out`, which must be exactly
    /// `ciphertext.len() - TAG_LEN` bytes, without writing to `ciphertext`. On failure the
    /// contents of `out` are unspecified.
    ///
    /// The default returns [`CryptoError::Unsupported`] (`out` has no room for the tag, so
    /// opening there would need a copy elsewhere first): the caller then copies the record
    /// and uses [`Self::open_in_place`]. A provider whose AEAD decrypts from one buffer
    /// into another overrides it.
    fn open_to(
        &self,
        _nonce: &[u8; NONCE_LEN],
        _aad: &[u8],
        _ciphertext: &[u8],
        _out: &mut [u8],
    ) -> Result<(), CryptoError> {
        Err(CryptoError::Unsupported)
    }

    /// Which algorithm this key is for.
    fn algorithm(&self) -> AeadAlgorithm;
}

/// The initiator's side of a key exchange in progress (from
/// [`Provider::start_key_exchange`]): our share has been made and waits for the responder's
/// answer.
pub trait KeyExchange: Send + Sync {
    /// Our public key share, in the TLS encoding (RFC 8446 §4.2.8.2): 32 bytes for X25519,
    /// the uncompressed point for the NIST curves.
    fn public_key(&self) -> &[u8];
    /// Combines our private key with the responder's share (Diffie-Hellman), or decapsulates
    /// its ciphertext (KEM). Fails on a malformed or invalid peer share (including an
    /// all-zero X25519 result).
    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, CryptoError>;
    /// Which group this is.
    fn algorithm(&self) -> KeyExchangeAlgorithm;
    /// For a hybrid: the group and share of its classical half. A client may offer that
    /// share again as a key share of the classical group alone, sparing a second key
    /// generation (the same key in two shares of one ClientHello, as
    /// draft-ietf-tls-ecdhe-mlkem's deployments do); [`Self::complete_classical`] then
    /// completes it. `None` (the default) for every other exchange.
    fn classical_share(&self) -> Option<(KeyExchangeAlgorithm, &[u8])> {
        None
    }
    /// Completes only the classical half of a hybrid, with the responder's share of the
    /// classical group alone (see [`Self::classical_share`]). The default, for an exchange
    /// without one, is [`CryptoError::Unsupported`].
    fn complete_classical(
        self: Box<Self>,
        _peer_public_key: &[u8],
    ) -> Result<SharedSecret, CryptoError> {
        Err(CryptoError::Unsupported)
    }
}

/// A key exchange held by value ([`Provider::start_key_exchange_inline`]): aws-lc-rs's
/// (EC)DH key itself when this crate's provider made it, any other exchange boxed.
pub struct InlineKeyExchange(InlineKx);

enum InlineKx {
    #[cfg(feature = "aws-lc-rs")]
    AwsLc(aws_lc::AwsKeyExchange),
    Boxed(Box<dyn KeyExchange>),
}

impl InlineKeyExchange {
    /// Holds another provider's exchange (or a hybrid).
    pub fn boxed(exchange: Box<dyn KeyExchange>) -> Self {
        Self(InlineKx::Boxed(exchange))
    }

    #[cfg(feature = "aws-lc-rs")]
    pub(crate) fn aws_lc(exchange: aws_lc::AwsKeyExchange) -> Self {
        Self(InlineKx::AwsLc(exchange))
    }

    fn exchange(&self) -> &dyn KeyExchange {
        match &self.0 {
            #[cfg(feature = "aws-lc-rs")]
            InlineKx::AwsLc(exchange) => exchange,
            InlineKx::Boxed(exchange) => exchange.as_ref(),
        }
    }

    /// [`KeyExchange::public_key`].
    pub fn public_key(&self) -> &[u8] {
        self.exchange().public_key()
    }

    /// [`KeyExchange::algorithm`].
    pub fn algorithm(&self) -> KeyExchangeAlgorithm {
        self.exchange().algorithm()
    }

    /// [`KeyExchange::classical_share`].
    pub fn classical_share(&self) -> Option<(KeyExchangeAlgorithm, &[u8])> {
        self.exchange().classical_share()
    }

    /// [`KeyExchange::complete`].
    pub fn complete(self, peer_public_key: &[u8]) -> Result<SharedSecret, CryptoError> {
        match self.0 {
            #[cfg(feature = "aws-lc-rs")]
            InlineKx::AwsLc(exchange) => exchange.agree(peer_public_key),
            InlineKx::Boxed(exchange) => exchange.complete(peer_public_key),
        }
    }

    /// [`KeyExchange::complete_classical`].
    pub fn complete_classical(self, peer_public_key: &[u8]) -> Result<SharedSecret, CryptoError> {
        match self.0 {
            // aws-lc-rs' (EC)DH keys are never hybrids.
            #[cfg(feature = "aws-lc-rs")]
            InlineKx::AwsLc(_) => Err(CryptoError::Unsupported),
            InlineKx::Boxed(exchange) => exchange.complete_classical(peer_public_key),
        }
    }
}

/// The responder's answer to a key share ([`Provider::respond_to_key_share`]).
#[derive(Debug)]
pub struct KeyShareResponse {
    /// Our share, in the TLS encoding, for the peer (RFC 8446 §4.2.8): a public key for
    /// Diffie-Hellman, a ciphertext for a KEM.
    pub share: ShareBytes,
    /// The secret both sides now hold.
    pub secret: SharedSecret,
}

impl KeyShareResponse {
    /// The Diffie-Hellman answer: the share of `ours`, a fresh key, and its agreement with
    /// the initiator's `peer_share`.
    pub(crate) fn agree(
        ours: Box<dyn KeyExchange>,
        peer_share: &[u8],
    ) -> Result<Self, CryptoError> {
        let share = ShareBytes::from_slice(ours.public_key());
        let secret = ours.complete(peer_share)?;
        Ok(Self { share, secret })
    }
}

/// A key share's bytes ([`KeyShareResponse::share`]): held inline up to an uncompressed
/// P-384 point (every Diffie-Hellman share), on the heap for a KEM's ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareBytes(ShareRepr);

#[derive(Clone, PartialEq, Eq)]
enum ShareRepr {
    Inline([u8; ShareBytes::INLINE], u8),
    Heap(Vec<u8>),
}

impl ShareBytes {
    /// The longest share held inline: an uncompressed P-384 point (SEC1 §2.3.3).
    pub const INLINE: usize = 97;

    /// Copies `bytes`: inline if they fit.
    pub fn from_slice(bytes: &[u8]) -> Self {
        let mut buf = [0u8; Self::INLINE];
        match buf.get_mut(..bytes.len()) {
            // At most INLINE (97) bytes, so the cast is exact.
            Some(inline) => {
                inline.copy_from_slice(bytes);
                Self(ShareRepr::Inline(buf, bytes.len() as u8))
            }
            None => Self(ShareRepr::Heap(bytes.to_vec())),
        }
    }
}

impl ShareBytes {
    /// The bytes as a vector: a KEM's ciphertext moved out, an inline share copied.
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            ShareRepr::Inline(..) => self.to_vec(),
            ShareRepr::Heap(bytes) => bytes,
        }
    }
}

impl From<Vec<u8>> for ShareBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(ShareRepr::Heap(bytes))
    }
}

impl std::ops::Deref for ShareBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            ShareRepr::Inline(buf, len) => buf.get(..usize::from(*len)).unwrap_or_default(),
            ShareRepr::Heap(bytes) => bytes,
        }
    }
}

impl AsRef<[u8]> for ShareBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for ShareBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShareBytes({} bytes)", self.len())
    }
}

/// A public key parsed once, for one signature algorithm ([`Provider::parse_public_key`]).
pub trait VerifyingKey: Send + Sync + fmt::Debug {
    /// Verifies `signature` over `message`: the same check as [`Provider::verify_signature`]
    /// with this key and [`Self::algorithm`].
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError>;
    /// The algorithm this key verifies.
    fn algorithm(&self) -> SignatureAlgorithm;
}

/// A private key that signs.
pub trait SigningKey: Send + Sync + fmt::Debug {
    /// What kind of key this is.
    fn kind(&self) -> KeyKind;
    /// Signs `message`. Fails if `algorithm` does not fit this key.
    fn sign(&self, algorithm: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// [`Self::sign`], appending the signature to `out` (the message being encoded, such as
    /// a TLS flight) rather than into a vector of its own. On failure `out` is as it was.
    /// The default appends [`Self::sign`]'s vector.
    fn sign_to(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        out.extend_from_slice(&self.sign(algorithm, message)?);
        Ok(())
    }
    /// The DER SubjectPublicKeyInfo of the matching public key.
    fn public_key_spki(&self) -> Vec<u8>;

    /// The server's half of TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1): recovers the
    /// pre_master_secret from the client's EncryptedPreMasterSecret (`ciphertext`, the
    /// vector's contents) **without revealing whether it was well formed**.
    ///
    /// Every ciphertext gets a 48-byte secret back: the decrypted one when the PKCS#1 v1.5
    /// padding is valid, the message is 48 bytes and it starts with `client_version` (the
    /// version the ClientHello offered), and otherwise 48 fresh random bytes, generated
    /// before decrypting and chosen in constant time. A bad ciphertext therefore fails only
    /// later, at the Finished check, exactly as a good ciphertext under a different secret
    /// would (Bleichenbacher 1998, ROBOT 2017, Marvin 2023). An implementation must never
    /// return an error that depends on the ciphertext's contents.
    ///
    /// Errors only for what an observer knows anyway: this key is not RSA
    /// ([`CryptoError::Unsupported`], the default), or the random generator failed. The
    /// caller checks that the certificate allows keyEncipherment (RFC 5280 §4.2.1.3).
    fn decrypt_pre_master_secret(
        &self,
        _ciphertext: &[u8],
        _client_version: [u8; 2],
    ) -> Result<SharedSecret, CryptoError> {
        Err(CryptoError::Unsupported)
    }
}

/// [`Provider::hmac_key`]'s default, for any provider.
fn one_shot_hmac_key<'p, P: Provider + ?Sized>(
    provider: &'p P,
    algorithm: HashAlgorithm,
    key: &[u8],
) -> Box<dyn HmacKey + 'p> {
    Box::new(OneShotHmacKey {
        provider,
        algorithm,
        key: key.to_vec(),
    })
}

/// [`Provider::hmac_key`]'s default: the key kept aside, each `sign` a one-shot
/// [`Provider::hmac`].
struct OneShotHmacKey<'a, P: ?Sized> {
    provider: &'a P,
    algorithm: HashAlgorithm,
    key: Vec<u8>,
}

impl<P: Provider + ?Sized> HmacKey for OneShotHmacKey<'_, P> {
    fn sign(&self, data: &[&[u8]]) -> Digest {
        self.provider.hmac(self.algorithm, &self.key, data)
    }

    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }
}

impl<P: ?Sized> Drop for OneShotHmacKey<'_, P> {
    fn drop(&mut self) {
        self.key.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&self.key);
    }
}

/// Length of a TLS 1.2 pre_master_secret for RSA key transport (RFC 5246 §7.4.7.1): the
/// two version bytes the client offered, then 46 random bytes.
pub const PRE_MASTER_SECRET_LEN: usize = 48;

/// Length of every AEAD nonce used by TLS 1.2 and 1.3.
pub const NONCE_LEN: usize = 12;
/// Length of every AEAD tag used by TLS 1.2 and 1.3.
pub const TAG_LEN: usize = 16;

/// Hash functions.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// AEAD algorithms.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-128-GCM (RFC 5116).
    Aes128Gcm,
    /// AES-256-GCM (RFC 5116).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }
}

/// Key exchange groups.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyExchangeAlgorithm {
    /// X25519 (RFC 7748).
    X25519,
    /// ECDH on NIST P-256.
    P256,
    /// ECDH on NIST P-384.
    P384,
    /// The hybrid of ML-KEM-768 (FIPS 203) and X25519 (draft-ietf-tls-ecdhe-mlkem §3.1):
    /// shares and secret put the ML-KEM part first.
    X25519MlKem768,
    /// The hybrid of ECDH on P-256 and ML-KEM-768 (draft-ietf-tls-ecdhe-mlkem §3.1): shares
    /// and secret put the P-256 part first.
    P256MlKem768,
    /// ML-KEM-1024 (FIPS 203) alone: a post-quantum group with no classical half.
    MlKem1024,
}

impl KeyExchangeAlgorithm {
    /// Whether a key exchange in this group is believed to resist a future quantum
    /// computer (it has an ML-KEM part), so that recorded traffic stays secret.
    pub const fn is_post_quantum(self) -> bool {
        matches!(
            self,
            Self::X25519MlKem768 | Self::P256MlKem768 | Self::MlKem1024
        )
    }
}

/// Signature algorithms, for verifying and signing.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2).
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaPkcs1Sha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length 32 (RFC 8017 §8.1).
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, salt length 48.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, salt length 64.
    RsaPssSha512,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256Sha256,
    /// ECDSA on P-256 with SHA-384 (allowed in X.509, not in TLS 1.3).
    EcdsaP256Sha384,
    /// ECDSA on P-384 with SHA-256 (allowed in X.509, not in TLS 1.3).
    EcdsaP384Sha256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384Sha384,
    /// Ed25519 (RFC 8032).
    Ed25519,
}

/// Kinds of signing key.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA on P-256.
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA with a modulus of this many bits.
    Rsa(u32),
}

/// Encodings of a private key in DER.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateKeyFormat {
    /// PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (RFC 5958); PEM label `PRIVATE KEY`.
    Pkcs8,
    /// SEC1 `ECPrivateKey` (RFC 5915); PEM label `EC PRIVATE KEY`.
    Sec1,
    /// PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2); PEM label `RSA PRIVATE KEY`.
    Pkcs1,
}

/// A hash or HMAC output (up to 64 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    buf: [u8; 64],
    len: usize,
}

impl Digest {
    /// Wraps `bytes` (at most 64 of them; longer input is truncated, which no hash here
    /// produces).
    pub fn new(bytes: &[u8]) -> Self {
        let len = bytes.len().min(64);
        let mut buf = [0u8; 64];
        buf[..len].copy_from_slice(&bytes[..len]);
        Self { buf, len }
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A hash context held by value ([`Provider::hash_inline`]): aws-lc-rs's own when this
/// crate's provider made it, any other provider's boxed.
pub struct InlineHashContext(InlineHash);

enum InlineHash {
    #[cfg(feature = "aws-lc-rs")]
    AwsLc(aws_lc::AwsHashContext),
    Boxed(Box<dyn HashContext>),
}

impl InlineHashContext {
    /// Holds another provider's context.
    pub fn boxed(ctx: Box<dyn HashContext>) -> Self {
        Self(InlineHash::Boxed(ctx))
    }

    #[cfg(feature = "aws-lc-rs")]
    pub(crate) fn aws_lc(ctx: aws_lc::AwsHashContext) -> Self {
        Self(InlineHash::AwsLc(ctx))
    }

    fn ctx(&self) -> &dyn HashContext {
        match &self.0 {
            #[cfg(feature = "aws-lc-rs")]
            InlineHash::AwsLc(ctx) => ctx,
            InlineHash::Boxed(ctx) => ctx.as_ref(),
        }
    }

    /// Feeds more input.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            #[cfg(feature = "aws-lc-rs")]
            InlineHash::AwsLc(ctx) => ctx.update(data),
            InlineHash::Boxed(ctx) => ctx.update(data),
        }
    }

    /// The digest so far; the context stays usable.
    pub fn fork_finish(&self) -> Digest {
        self.ctx().fork_finish()
    }

    /// A copy of the context, to continue separately.
    pub fn fork(&self) -> Box<dyn HashContext> {
        self.ctx().fork()
    }

    /// The digest; consumes the context.
    pub fn finish(self) -> Digest {
        match self.0 {
            #[cfg(feature = "aws-lc-rs")]
            InlineHash::AwsLc(ctx) => ctx.finish_here(),
            InlineHash::Boxed(ctx) => ctx.finish(),
        }
    }

    /// The hash function.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.ctx().algorithm()
    }
}

/// The longest hash output of any [`HashAlgorithm`] (SHA-512's).
pub const MAX_HASH_LEN: usize = 64;

/// An AEAD key held by value ([`Provider::aead_key_inline`]): the aws-lc-rs key itself
/// when this crate's provider made it, any other provider's key boxed.
pub struct InlineAeadKey(InlineAead);

enum InlineAead {
    #[cfg(feature = "aws-lc-rs")]
    AwsLc(aws_lc::AwsAeadKey),
    Boxed(Box<dyn AeadKey>),
}

impl InlineAeadKey {
    /// Holds another provider's key.
    pub fn boxed(key: Box<dyn AeadKey>) -> Self {
        Self(InlineAead::Boxed(key))
    }

    #[cfg(feature = "aws-lc-rs")]
    pub(crate) fn aws_lc(key: aws_lc::AwsAeadKey) -> Self {
        Self(InlineAead::AwsLc(key))
    }

    fn key(&self) -> &dyn AeadKey {
        match &self.0 {
            #[cfg(feature = "aws-lc-rs")]
            InlineAead::AwsLc(key) => key,
            InlineAead::Boxed(key) => key.as_ref(),
        }
    }
}

/// Every method passes to the key held, so a provider's overrides (such as `seal_to`) are
/// the ones used.
impl AeadKey for InlineAeadKey {
    fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        self.key().seal_in_place(nonce, aad, in_out)
    }

    fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        self.key().open_in_place(nonce, aad, in_out)
    }

    fn seal_to(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
        extra: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        self.key().seal_to(nonce, aad, plaintext, extra, out)
    }

    fn open_to(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        self.key().open_to(nonce, aad, ciphertext, out)
    }

    fn algorithm(&self) -> AeadAlgorithm {
        self.key().algorithm()
    }
}

/// The output of a key exchange. Zeroed when dropped.
///
/// Held inline up to 64 bytes, which every group's secret fits (X25519 32, P-384 48, the
/// hybrids 64, a TLS 1.2 pre-master secret 48): a key exchange allocates no vector for it.
pub struct SharedSecret(SecretBytes);

enum SecretBytes {
    Inline([u8; SharedSecret::INLINE], u8),
    Heap(Vec<u8>),
}

impl SharedSecret {
    const INLINE: usize = 64;

    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        if bytes.len() <= Self::INLINE {
            let secret = Self::from_slice(&bytes);
            // Dropped as a `SharedSecret`, so the vector is zeroed too.
            drop(Self(SecretBytes::Heap(bytes)));
            secret
        } else {
            Self(SecretBytes::Heap(bytes))
        }
    }

    /// Copies secret bytes.
    pub fn from_slice(bytes: &[u8]) -> Self {
        if bytes.len() > Self::INLINE {
            return Self(SecretBytes::Heap(bytes.to_vec()));
        }
        let mut buf = [0u8; Self::INLINE];
        buf[..bytes.len()].copy_from_slice(bytes);
        // At most 64, so the cast is exact.
        Self(SecretBytes::Inline(buf, bytes.len() as u8))
    }
}

impl AsRef<[u8]> for SharedSecret {
    fn as_ref(&self) -> &[u8] {
        match &self.0 {
            SecretBytes::Inline(buf, len) => &buf[..usize::from(*len)],
            SecretBytes::Heap(bytes) => bytes,
        }
    }
}

impl Drop for SharedSecret {
    fn drop(&mut self) {
        match &mut self.0 {
            SecretBytes::Inline(buf, _) => buf.iter_mut().for_each(|b| *b = 0),
            SecretBytes::Heap(bytes) => bytes.iter_mut().for_each(|b| *b = 0),
        }
        // Keep the zeroing from being optimised away as a dead store.
        std::hint::black_box(&self.0);
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// Why a crypto operation failed. Deliberately coarse: a failed AEAD open or signature check
/// must not say more than that it failed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptoError {
    /// An AEAD open failed: the record was altered, or the keys differ.
    Decrypt,
    /// A signature did not verify.
    BadSignature,
    /// A public key share or public key was malformed or invalid.
    BadPublicKey,
    /// A private key could not be parsed, or is of an unsupported kind or size.
    BadPrivateKey,
    /// The algorithm does not fit the key, or is not supported by this provider.
    Unsupported,
    /// A key or nonce had the wrong length.
    BadLength,
    /// The random number generator failed.
    Random,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Decrypt => "decryption failed: the data was altered or the keys differ",
            Self::BadSignature => "signature does not match",
            Self::BadPublicKey => "invalid public key",
            Self::BadPrivateKey => "unusable private key",
            Self::Unsupported => "algorithm not supported for this key",
            Self::BadLength => "wrong key or nonce length",
            Self::Random => "the random number generator failed",
        })
    }
}

impl std::error::Error for CryptoError {}

#[cfg(test)]
mod tests {
    use super::{ShareBytes, SharedSecret};

    #[test]
    fn a_share_keeps_its_bytes_inline_or_not() {
        for len in [0, 32, 65, 97, 98, 1120] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            assert_eq!(&ShareBytes::from_slice(&bytes)[..], &bytes[..]);
            assert_eq!(&ShareBytes::from(bytes.clone())[..], &bytes[..]);
            assert_eq!(ShareBytes::from_slice(&bytes).into_vec(), bytes);
            assert_eq!(ShareBytes::from(bytes.clone()).into_vec(), bytes);
        }
    }

    #[test]
    fn a_shared_secret_keeps_its_bytes_inline_or_not() {
        for len in [0, 32, 48, 64, 65, 200] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            assert_eq!(SharedSecret::from_slice(&bytes).as_ref(), &bytes[..]);
            assert_eq!(SharedSecret::new(bytes.clone()).as_ref(), &bytes[..]);
        }
    }
}
