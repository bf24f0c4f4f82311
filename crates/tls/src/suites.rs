//! What each negotiable identifier means to the provider.

use padlock_crypto::{AeadAlgorithm, CryptoError, HashAlgorithm, KeyExchangeAlgorithm};

use crate::error::{Error, PeerMisbehaved};

use crate::wire::enums::{CipherSuite, NamedGroup};

/// A TLS 1.3 cipher suite: its AEAD and hash (RFC 8446 §B.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Suite {
    pub(crate) suite: CipherSuite,
    pub(crate) aead: AeadAlgorithm,
    pub(crate) hash: HashAlgorithm,
}

/// The suites this engine implements; `None` for anything else.
pub(crate) fn suite(suite: CipherSuite) -> Option<Suite> {
    let (aead, hash) = match suite {
        CipherSuite::TLS_AES_128_GCM_SHA256 => (AeadAlgorithm::Aes128Gcm, HashAlgorithm::Sha256),
        CipherSuite::TLS_AES_256_GCM_SHA384 => (AeadAlgorithm::Aes256Gcm, HashAlgorithm::Sha384),
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => {
            (AeadAlgorithm::ChaCha20Poly1305, HashAlgorithm::Sha256)
        }
        _ => return None,
    };
    Some(Suite { suite, aead, hash })
}

/// How a TLS 1.2 suite establishes the pre-master secret (RFC 5246 §7.4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyExchangeKind {
    /// Ephemeral ECDH, signed in the ServerKeyExchange (RFC 8422 §2).
    Ecdhe,
    /// RSA key transport: the client encrypts the pre-master secret to the server's
    /// certificate key (RFC 5246 §7.4.7.1). No forward secrecy; only with the opt-in.
    Rsa,
}

/// The kind of certificate key a TLS 1.2 suite needs (RFC 5246 §7.4.2, RFC 8422 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthKind {
    /// ECDSA (or Ed25519, RFC 8422 §2) keys.
    Ecdsa,
    /// RSA keys.
    Rsa,
}

/// A TLS 1.2 AEAD cipher suite: key exchange, authentication, AEAD and PRF hash (RFC 5288,
/// RFC 5289, RFC 7905).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tls12Suite {
    pub(crate) suite: CipherSuite,
    pub(crate) kx: KeyExchangeKind,
    pub(crate) auth: AuthKind,
    pub(crate) aead: AeadAlgorithm,
    pub(crate) hash: HashAlgorithm,
}

impl Tls12Suite {
    /// What the connection reports as negotiated.
    pub(crate) fn common(self) -> Suite {
        Suite {
            suite: self.suite,
            aead: self.aead,
            hash: self.hash,
        }
    }
}

/// The TLS 1.2 suites this engine implements (AEAD only); `None` for anything else.
pub(crate) fn tls12_suite(suite: CipherSuite) -> Option<Tls12Suite> {
    use AeadAlgorithm::{Aes128Gcm, Aes256Gcm, ChaCha20Poly1305};
    use CipherSuite as C;
    use HashAlgorithm::{Sha256, Sha384};
    use KeyExchangeKind::{Ecdhe, Rsa};
    let (kx, auth, aead, hash) = match suite {
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => (Ecdhe, AuthKind::Ecdsa, Aes128Gcm, Sha256),
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => (Ecdhe, AuthKind::Ecdsa, Aes256Gcm, Sha384),
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            (Ecdhe, AuthKind::Ecdsa, ChaCha20Poly1305, Sha256)
        }
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => (Ecdhe, AuthKind::Rsa, Aes128Gcm, Sha256),
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => (Ecdhe, AuthKind::Rsa, Aes256Gcm, Sha384),
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            (Ecdhe, AuthKind::Rsa, ChaCha20Poly1305, Sha256)
        }
        C::TLS_RSA_WITH_AES_128_GCM_SHA256 => (Rsa, AuthKind::Rsa, Aes128Gcm, Sha256),
        C::TLS_RSA_WITH_AES_256_GCM_SHA384 => (Rsa, AuthKind::Rsa, Aes256Gcm, Sha384),
        _ => return None,
    };
    Some(Tls12Suite {
        suite,
        kx,
        auth,
        aead,
        hash,
    })
}

/// The classical groups TLS 1.2 ECDHE uses (RFC 8422 §5.1.1, RFC 7748): the post-quantum
/// hybrids are TLS 1.3 only.
pub(crate) fn tls12_group(group: NamedGroup) -> Option<KeyExchangeAlgorithm> {
    match group {
        NamedGroup::x25519 | NamedGroup::secp256r1 | NamedGroup::secp384r1 => self::group(group),
        _ => None,
    }
}

/// The provider's key exchange for a named group (RFC 8446 §4.2.7); `None` if unsupported.
pub(crate) fn group(group: NamedGroup) -> Option<KeyExchangeAlgorithm> {
    Some(match group {
        NamedGroup::x25519 => KeyExchangeAlgorithm::X25519,
        NamedGroup::secp256r1 => KeyExchangeAlgorithm::P256,
        NamedGroup::secp384r1 => KeyExchangeAlgorithm::P384,
        NamedGroup::X25519MLKEM768 => KeyExchangeAlgorithm::X25519MlKem768,
        NamedGroup::SecP256r1MLKEM768 => KeyExchangeAlgorithm::P256MlKem768,
        NamedGroup::MLKEM1024 => KeyExchangeAlgorithm::MlKem1024,
        _ => return None,
    })
}

/// What a failed key exchange with the peer's share means: the share was malformed or
/// invalid → illegal_parameter (RFC 8446 §4.2.8; draft-ietf-tls-ecdhe-mlkem §3.1.2, for a
/// KEM share of the wrong length or an encapsulation key failing FIPS 203's check); any
/// other failure (a decapsulation error, the random generator) → internal_error.
pub(crate) fn key_share_error(error: CryptoError) -> Error {
    match error {
        CryptoError::BadPublicKey => PeerMisbehaved::InvalidKeyShare.into(),
        _ => Error::Internal("the key exchange failed"),
    }
}
